"""Feedback pages (course/grade/feedback.py): markdown rendered as HTML (a student's own
HTML escaped), no path of the grading machine, any text written safely.
"""

from __future__ import annotations

from course.grade import feedback, gradebook, runner


def _page(markdown: str, stdout: str, paths: dict[str, str]) -> str:
    code = runner.Cell("code", "print(DATA)", ["print(DATA)"], None, "cell 2")
    code.outcome = {"parts": [{"stdout": stdout, "stderr": "", "result": None,
                               "error": None}]}
    plan = runner.Plan([runner.Cell("markdown", markdown, [], None, "cell 1"), code], {}, [],
                       [])
    row = gradebook.make_row("ada", "ch03_spark_basics", {}, "ok", "", 1.0)
    return feedback.render(row, plan, paths)


def test_markdown_is_rendered_and_student_html_escaped():
    page = _page("# Exercise 1\n\nSome **bold** text <script>alert(1)</script>\n\n"
                 "| a | b |\n|---|---|\n| 1 | 2 |", "", {})
    assert "<h1>Exercise 1</h1>" in page and "<strong>bold</strong>" in page
    assert "<table>" in page
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_paths_of_the_grading_machine_are_replaced():
    paths = {"/tmp/grade-abc/data": "<course data>", "/tmp/grade-abc": "<grader>",
             "/work/course": "<course>"}
    page = _page("see /work/course/README", "data: /tmp/grade-abc/data (tiny)\n"
                 "/tmp/grade-abc/slot0/x.txt", paths)
    assert "/tmp/grade-abc" not in page and "/work/course" not in page
    assert "data: &lt;course data&gt; (tiny)" in page
    assert "&lt;grader&gt;/slot0/x.txt" in page


def test_any_text_is_written_safely():
    page = _page("\ud800 title", "out \udcff", {})
    page.encode("utf-8")
    assert page.count("\ufffd") == 2
