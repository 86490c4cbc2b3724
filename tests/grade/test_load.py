"""The same score under load: the demo's sample class graded with two jobs while two
busy-looping processes keep both cores busy gets the gradebook it gets on a quiet machine
(``samples.EXPECTED``: statuses and points), cell by cell. The endless loop of ``dev`` is
interrupted and scored ``timeout``, not ``killed``, because every wait counts the
kernel's effective seconds (drive.KernelClock), not wall-clock margins.

Slow (two gradings of the class): ``.venv/bin/python -m pytest -m slow tests/grade/test_load.py``
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from course.grade import samples
from course.grade.cli import grade_all

HOGS = 2


def _grade(root, data) -> dict[str, dict]:
    subs = samples.write_submissions(root / "submitted")
    rows = grade_all(samples.ASSIGNMENT, subs, root / "graded", jobs=2, cell_timeout=5,
                     budget=120, data=data, log=lambda message: None,
                     # EXPECTED holds for the demo's hidden data set: with a random one,
                     # a count fay copied can match the hidden answer (346 users on some
                     # seeds), and the two gradings would differ for a reason not load.
                     seed=samples.DEMO_SEED)
    return {r["student"]: r for r in rows}


def _points(rows: dict[str, dict]) -> dict:
    return {s: (r["status"], {g: c["points"] for g, c in r["scores"].items()})
            for s, r in rows.items()}


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_sample_class_scores_the_same_on_a_saturated_machine(tmp_path):
    data = tmp_path / "data"
    quiet = _grade(tmp_path / "quiet", data)
    assert samples.mismatches(list(quiet.values())) == []
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(HOGS)]
    try:
        busy = _grade(tmp_path / "busy", data)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert samples.mismatches(list(busy.values())) == []
    assert _points(busy) == _points(quiet)
    assert busy["dev"]["reason"] == "timed out in ex1-answer after 5 s"
