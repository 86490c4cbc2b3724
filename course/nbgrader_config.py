"""nbgrader's configuration for this course (a course directory rooted at course/).

Found by nbgrader when it runs with course/ as the working directory (the instructor's
commands in INSTRUCTOR.md) or with JUPYTER_CONFIG_PATH=course (``make lab``).
"""

from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

COURSE = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "minispark-course"
c.CourseDirectory.root = str(COURSE)
# source/<assignment>/ is edited; release/, submitted/, autograded/, feedback/ and
# gradebook.db are nbgrader's working files (git-ignored). The published student and
# solution notebooks are exercises/ and solutions/ at the repository root (make release).
c.CourseDirectory.db_url = f"sqlite:///{COURSE / 'gradebook.db'}"
# One machine, one class: the exchange (release/fetch/submit/collect) lives here too.
c.Exchange.root = str(COURSE / "exchange")
c.Exchange.path_includes_course = True

# Per-cell time limit when autograding, and short tracebacks (no hidden-test source in them).
c.ExecutePreprocessor.timeout = 300
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:",
                             "--InteractiveShell.xmode=Minimal"]

# Feedback shows the student's own cells and the visible checks, never the hidden tests.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
