"""Grading a class end to end: 40 submissions of ch03_spark_basics through
``python -m course grade`` (sandboxed kernels, ``--jobs`` = the machine's cores).

The class is 30 complete solutions, 6 blank notebooks and 4 half-done ones, so the
numbers include both fast failures and full runs. Every kernel starts its own minispark
context once and runs the setup cell's data check; nbgrader is never imported. Reported:
seconds per submission (wall time of the run / 40), the total, and the slowest single
submission. Each submission that passes a cell on the course data runs a second time on
the grader's hidden data, and the reference solution runs once on each data set: both
are inside the timing. Targets: <= 1.5 s per submission on average with 2 jobs (the
grading-trust issue, hidden run included), <= 120 s for the 40 on 2 cores; nbgrader's own
autograde measured 6-9 s per submission here.

    python -m benchmarks grade          # or: make bench
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import time
from pathlib import Path

from course.grade import cli
from course.notebooks import REPO, read

ASSIGNMENT = "ch03_spark_basics"
CLASS_SIZE = 40
TARGET_PER_SUBMISSION = 1.5
TARGET_TOTAL = 120.0


def _half_done(solution: dict, exercise: dict) -> dict:
    """The solution's first half, the exercise's second half."""
    nb = copy.deepcopy(solution)
    half = len(nb["cells"]) // 2
    nb["cells"] = nb["cells"][:half] + copy.deepcopy(exercise["cells"][half:])
    return nb


def make_class(folder: Path) -> int:
    solution = read(REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    exercise = read(REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    kinds = ["solution"] * 30 + ["blank"] * 6 + ["half"] * 4
    for number, kind in enumerate(kinds[:CLASS_SIZE]):
        nb = {"solution": solution, "blank": exercise,
              "half": _half_done(solution, exercise)}[kind]
        path = folder / f"student{number:02d}_{kind}" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(nb))
    return len(kinds)


def run(jobs: int | None = None) -> dict:
    jobs = jobs or os.cpu_count() or 2
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        root = Path(tmp)
        os.chmod(root, 0o755)
        count = make_class(root / "submitted")
        data = root / "data"
        from course import labsetup
        labsetup.ensure_data(data)                 # generated once, outside the timing
        start = time.perf_counter()
        rows = cli.grade_all(ASSIGNMENT, root / "submitted", root / "graded", jobs=jobs,
                             data=data, log=lambda message: None)
        total = time.perf_counter() - start
    assert len(rows) == count, "every submission has a row"
    wrong = [(r["student"], r["status"], r["reason"],
              {gid: s["failed"] for gid, s in r["scores"].items() if s["failed"]})
             for r in rows if r["student"].endswith("_solution")
             and (r["total"], r["status"]) != (11, "ok")]
    assert not wrong, f"solutions not given full marks: {wrong}"
    return {"submissions": count, "jobs": jobs, "total": total,
            "per_submission": total / count,
            "slowest": max(r["seconds"] for r in rows)}


def main() -> None:
    result = run()
    print(f"graded {result['submissions']} submissions of {ASSIGNMENT} "
          f"with {result['jobs']} jobs")
    print(f"total: {result['total']:.1f} s (target <= {TARGET_TOTAL:.0f} s on 2 cores)")
    print(f"per submission: {result['per_submission']:.2f} s "
          f"(target <= {TARGET_PER_SUBMISSION:g} s; nbgrader autograde: 6-9 s)")
    print(f"slowest single submission: {result['slowest']:.1f} s")


if __name__ == "__main__":
    main()
