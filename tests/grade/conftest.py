"""Sample submissions for the grading tests, made from the released notebooks.

Every sample starts from ``solutions/ch03_spark_basics`` (full marks: 11 autograded points)
or ``exercises/`` (the blank notebook) and changes one thing: a wrong answer, a loop, a
tampered test cell, a cell that attacks the grader. ``EXPECTED`` holds, per sample, the
exact score and status the grader must give; the ``batch`` fixture grades all of them once
per module, in parallel, so many assertions share one graded batch.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from pathlib import Path

import pytest

from course.grade.cli import grade_all
from course.grade.samples import INFINITE_LOOP, PARTIAL, TAMPERED, variant
from course.notebooks import REPO, read, source_path

ASSIGNMENT = "ch03_spark_basics"
SOLUTION = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
EXERCISE = REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
CELL_TIMEOUT = 10
MARKER = "detached-grade-editor"
TMP_ESCAPE = Path(tempfile.gettempdir()) / f"grade-escape-{os.getpid()}.txt"

# student -> (autograded total out of 11, status, start of the reason)
EXPECTED = {
    "correct": (11, "ok", ""),
    "blank": (0, "ok", ""),
    "partial": (9, "ok", ""),
    "visible_only": (10, "ok", ""),
    "infinite_loop": (10, "timeout", f"timed out in ex1-answer after {CELL_TIMEOUT} s"),
    "ignores_sigint": (5, "killed", f"timed out in ex5-answer after {CELL_TIMEOUT} s and "
                                    "ignored the interrupt"),
    "os_exit": (6, "died", "the kernel died in ex6-answer (exit code 3)"),
    "tampered": (10, "modified", "locked cell ex1-check was changed; the original ran"),
    "deleted": (10, "modified", "grade cell ex2-check was deleted: 0 of 1 points"),
    "forged_eq": (10, "ok", ""),
    "snoops": (11, "ok", ""),
    "writes_outside": (11, "ok", ""),
    "detached": (11, "ok", ""),
    "stderr": (11, "ok", ""),
}


def add_cell(nb: dict, after: str, code: str) -> dict:
    """A new (unmarked) code cell after the cell ``after``: students may add cells."""
    index = next(i for i, c in enumerate(nb["cells"])
                 if c["metadata"].get("nbgrader", {}).get("grade_id") == after)
    nb["cells"].insert(index + 1, {"cell_type": "code", "metadata": {}, "source": code,
                                   "outputs": [], "execution_count": None})
    return nb


def _reads(paths: list[Path]) -> str:
    return f"""import os
paths = {[str(p) for p in paths]!r}
blocked = 0
for p in paths:
    try:
        if os.path.isdir(p):
            print("listed", p, os.listdir(p))
        else:
            text = open(p).read()
            print("read", p, text[:2000])
            blocked += not text             # a hidden file reads as /dev/null
    except OSError:
        blocked += 1
print(f"blocked {{blocked}} of {{len(paths)}}")"""


def _writes(paths: list[Path]) -> str:
    return f"""paths = {[str(p) for p in paths]!r}
wrote = 0
for p in paths:
    try:
        with open(p, "a") as f:     # appending nothing: harmless if the sandbox failed
            wrote += 1
    except OSError:
        pass
print(f"wrote {{wrote}} of {{len(paths)}}")
with open({str(TMP_ESCAPE)!r}, "w") as f:     # lands in the sandbox's private /tmp
    f.write("escaped")
print("tmp write ok")"""


def _detached(out: Path) -> str:
    target = out / ASSIGNMENT / "rows" / "correct.json"
    editor = (f"import time; time.sleep(3); "
              f"open({str(target)!r}, 'w').write('{{\"hacked\": true}}')")
    return f"""import subprocess, sys
subprocess.Popen([sys.executable, "-c", {editor!r}, "{MARKER}"], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                 stderr=subprocess.DEVNULL)
print("left a process behind")"""


def samples(submissions: Path, out: Path) -> dict[str, dict]:
    """student -> notebook, the matrix of EXPECTED."""
    sol = read(SOLUTION)

    def changed(**cells: str) -> dict:
        return variant(sol, {gid.replace("_", "-"): code for gid, code in cells.items()})

    deleted = copy.deepcopy(sol)
    deleted["cells"] = [c for c in deleted["cells"]
                        if c["metadata"].get("nbgrader", {}).get("grade_id") != "ex2-check"]
    secrets = [source_path(ASSIGNMENT), out / ASSIGNMENT / "grades.csv", out,
               submissions / "correct" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
               SOLUTION, Path("/root"),
               # course/ shows a kernel only the kit's runtime (cli.course_private)
               REPO / "course" / "mistakes.py", REPO / "course" / "lectures",
               REPO / "course" / "INSTRUCTOR.md", REPO / "course" / "grade" / "reference.py"]
    targets = [REPO / "course" / "pwned.txt", REPO / "course" / "answers.json",
               out / ASSIGNMENT / "grades.csv",
               submissions / "correct" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"]
    return {
        "correct": sol,
        "blank": read(EXERCISE),
        "partial": variant(sol, PARTIAL),        # the same five as make demo's class
        "visible_only": changed(ex2_answer='jpg_lines = logs.filter(lambda l: ".jpg" in l)'
                                           '.collect()\nn_jpg = len(jpg_lines)'),
        "infinite_loop": variant(sol, INFINITE_LOOP),
        "ignores_sigint": changed(ex5_answer="import signal\nsignal.signal(signal.SIGINT, "
                                             "signal.SIG_IGN)\nwhile True:\n    pass"),
        "os_exit": changed(ex6_answer="import os\nos._exit(3)"),
        "tampered": variant(sol, TAMPERED),
        "deleted": deleted,
        "forged_eq": changed(ex1_answer="class Forged(int):\n    def __eq__(self, other):\n"
                                        "        return True\n    def __ne__(self, other):\n"
                                        "        return False\n    __hash__ = int.__hash__\n"
                                        "n_lines = Forged(0)"),
        "snoops": add_cell(copy.deepcopy(sol), "ex1-check", _reads(secrets)),
        "writes_outside": add_cell(copy.deepcopy(sol), "ex1-check", _writes(targets)),
        "detached": add_cell(copy.deepcopy(sol), "ex1-check", _detached(out)),
        "stderr": add_cell(copy.deepcopy(sol), "ex4-answer",
                           "import sys, warnings\n_user_id = user_id\n"
                           "def user_id(line):\n    print('user_id called', file=sys.stderr)\n"
                           "    return _user_id(line)\n"
                           "warnings.warn('a deprecation warning')"),
    }


@pytest.fixture(scope="module")
def batch():
    """Grade every sample once: {"rows": {student: row}, "out", "submissions", "log"}."""
    with tempfile.TemporaryDirectory(prefix="grade-test-") as tmp:
        root = Path(tmp)
        os.chmod(root, 0o755)
        submissions, out, data = root / "submitted", root / "graded", root / "data"
        for student, nb in samples(submissions, out).items():
            path = submissions / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(nb))
        log: list[str] = []
        rows = grade_all(ASSIGNMENT, submissions, out, jobs=2, cell_timeout=CELL_TIMEOUT,
                         budget=120, data=data, log=log.append)
        yield {"rows": {r["student"]: r for r in rows}, "out": out / ASSIGNMENT,
               "submissions": submissions, "log": log, "root": root}


def pytest_generate_tests(metafunc):
    """A test taking ``student`` runs once per sample of the matrix."""
    if "student" in metafunc.fixturenames:
        metafunc.parametrize("student", sorted(EXPECTED))


@pytest.fixture(scope="session")
def matrix() -> dict:
    """The matrix's constants, for the test modules (conftest is not importable)."""
    return {"expected": EXPECTED, "cell_timeout": CELL_TIMEOUT, "marker": MARKER,
            "tmp_escape": TMP_ESCAPE,
            "assignment": ASSIGNMENT}
