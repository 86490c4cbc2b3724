"""A sample class for the demo: six made-up students hand in chapter 3, and the grader
marks them (``python -m course.grade.samples``; the last step of ``make demo``).

Each submission is the released notebook with one thing changed, the kinds of thing a
real class hands in:

    ada    the complete solution                      -> full marks
    ben    the untouched exercise notebook            -> 0
    cleo   two wrong answers                          -> loses those points only
    dev    an endless loop in exercise 1              -> that cell times out, the rest runs
    eli    "fixed" a locked test cell to always pass  -> the original test runs instead
    fay    five wrong answers, each check forged in     -> 0 for each forged cell (and the
           her own process (forgeries.py: a copied        last one, her kernel exits);
           answer, sys.modules, __import__, gc,           the grader judges outside her
           a forged reply)                                process, on hidden data too

The notebooks are made from ``solutions/`` and ``exercises/`` when the command runs, so
they always match the current release. ``EXPECTED`` holds the score and status each must
get; the command exits with status 1 (and ``make demo`` fails) when the class is graded
otherwise, and with 2 when the grader refuses to run (no usable sandbox). The grading
tests use the same variants (``tests/grade/conftest.py``).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

from course.grade.forgeries import forger_cells
from course.notebooks import REPO, read

ASSIGNMENT = "ch03_spark_basics"
SOLUTION = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
EXERCISE = REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

# grade_id -> replacement code, per kind of submission
PARTIAL = {"ex3-answer": 'day1 = sc.textFile(str(DATA / "weblogs" / "2013-09-16.log"))\n'
                         'first_ips = day1.map(lambda l: l.split(" ")[0]).take(4)',
           "ex6-answer": "n_kb_ips = 0"}
INFINITE_LOOP = {"ex1-answer": "while True:\n    pass"}
TAMPERED = {"ex1-answer": "n_lines = 0", "ex1-check": "pass  # all good"}
# student -> (autograded points out of 11, status): what the grader must give
EXPECTED = {"ada": (11, "ok"), "ben": (0, "ok"), "cleo": (9, "ok"), "dev": (10, "timeout"),
            "eli": (10, "modified"), "fay": (4, "died")}
# The demo's hidden data set: fixed, so the demo grades the same every time (a real class
# gets a random seed, kept in the grader's private folder). On it every answer fay copied
# differs from the course data's (a small count such as n_users is the same on some seeds).
DEMO_SEED = 5


def set_cell(nb: dict, grade_id: str, code: str) -> dict:
    """Replace the source of the cell whose nbgrader ``grade_id`` is given."""
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            cell["source"] = code
            return nb
    raise KeyError(grade_id)


def variant(base: dict, cells: dict[str, str]) -> dict:
    """A copy of ``base`` with the cells of ``cells`` (grade_id -> code) replaced."""
    nb = copy.deepcopy(base)
    for grade_id, code in cells.items():
        set_cell(nb, grade_id, code)
    return nb


def sample_class() -> dict[str, dict]:
    """student -> submitted notebook."""
    solution = read(SOLUTION)
    return {"ada": solution, "ben": read(EXERCISE), "cleo": variant(solution, PARTIAL),
            "dev": variant(solution, INFINITE_LOOP), "eli": variant(solution, TAMPERED),
            "fay": variant(solution, forger_cells())}


def write_submissions(root: Path) -> Path:
    """Write the class in nbgrader's layout ``<root>/<student>/<assignment>/``."""
    for student, nb in sample_class().items():
        path = root / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(nb, indent=1))
    return root


def mismatches(rows: list[dict]) -> list[str]:
    """How the graded class differs from ``EXPECTED`` (empty when it does not)."""
    got = {row["student"]: (row["total"], row["status"]) for row in rows}
    return [f"{student}: expected {want[0]}/11 {want[1]}, got "
            + (f"{got[student][0]:g}/11 {got[student][1]}" if student in got else "no row")
            for student, want in EXPECTED.items() if got.get(student) != want]


def main(argv: list[str] | None = None) -> int:
    from course.grade import gradebook
    from course.grade.cli import SandboxError, grade_all

    parser = argparse.ArgumentParser(prog="python -m course.grade.samples",
                                     description="grade a sample class of six students")
    parser.add_argument("--root", type=Path, default=Path("data") / "sample-class",
                        help="where the submissions and the gradebook go")
    parser.add_argument("--data", type=Path, default=None, help="the course data directory")
    parser.add_argument("--cell-timeout", type=float, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    submissions = write_submissions(args.root / "submitted")
    print(f"\n== Grading a sample class: {len(sample_class())} submissions of {ASSIGNMENT} "
          f"in {submissions} ==")
    started = time.monotonic()
    try:
        rows = grade_all(ASSIGNMENT, submissions, args.root / "graded", jobs=args.jobs,
                         cell_timeout=args.cell_timeout, budget=120, data=args.data,
                         seed=DEMO_SEED)
    except SandboxError as exc:
        print(f"the sample class was not graded: {exc}", file=sys.stderr)
        return 2
    print(gradebook.summary(sorted(rows, key=lambda row: row["student"])))
    print(f"graded in {time.monotonic() - started:.1f} s; gradebook "
          f"{args.root / 'graded' / ASSIGNMENT / 'grades.csv'}, feedback pages in "
          f"{args.root / 'graded' / ASSIGNMENT / 'feedback'}/")
    print(f"what the class got wrong: {args.root / 'graded' / ASSIGNMENT / 'report.html'}")
    wrong = mismatches(rows)
    for line in wrong:
        print(f"NOT AS EXPECTED: {line}", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
