"""Chapter 7 is graded the same every time: its reference solution gets full marks in
every one of many gradings.

Exercise 4 unpersists an RDD and persists it again at another level, three times in a
row. unpersist() reaches the workers as a message none of them answers, so one worker
could drop the blocks after the other had already started writing them again; with
the workers' disk blocks in one shared directory, that deleted a half-written block and
a correct student lost 4 of 15 points in about one grading in six (storage.py's opening
comment). tests/test_storage.py holds the fast, engine-level tests of that race; this
one grades the chapter through the class grader, as a teacher would, 50 times, four
at once on purpose (the race needs a worker that is slow to be scheduled). Being a
race, it may pass by luck on the old code (it did once, in 80 s on an idle machine);
the engine-level test that one worker's remove leaves the other's blocks cannot.

    .venv/bin/python -m pytest -q -m slow tests/course/test_ch07_grading_repeats.py
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from course.grade.cli import grade_all
from course.notebooks import REPO

NAME = "ch07_caching"
SOLUTION = REPO / "solutions" / NAME / f"{NAME}.ipynb"
GRADINGS = 50


@pytest.mark.slow
def test_the_solution_gets_full_marks_in_every_one_of_50_gradings():
    with tempfile.TemporaryDirectory(prefix="ch07-repeat-") as tmp:
        root = Path(tmp)
        os.chmod(root, 0o755)
        for n in range(GRADINGS):
            folder = root / "submitted" / f"run{n:02d}" / NAME
            folder.mkdir(parents=True)
            shutil.copy(SOLUTION, folder / f"{NAME}.ipynb")
        rows = grade_all(NAME, root / "submitted", root / "graded", jobs=4, cell_timeout=60,
                         budget=300, data=root / "data", log=lambda *_: None)
    assert len(rows) == GRADINGS
    lost = {r["student"]: (r["total"], r["max"], r["status"], r["reason"],
                           {g: s for g, s in r["scores"].items()
                            if s["points"] is not None and s["points"] < s["max"]})
            for r in rows if r["total"] != r["max"] or r["status"] != "ok"}
    assert lost == {}, json.dumps(lost, indent=1, default=str)[:4000]
    assert all(r["max"] == 18 for r in rows)  # course/INSTRUCTOR.md: 18 points
