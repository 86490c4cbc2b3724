"""The chapter maps of the guides tell the truth about the notebooks.

``course/INSTRUCTOR.md`` lists every assignment with its autograded cells and points and its
written answers and points; the README lists every assignment with its points and class
time. Both are read by people planning a term, so a chapter added, split or re-weighted in
its source notebook must show up there: these tests count the cells and points from the
nbgrader metadata of each source notebook and compare.
"""

from __future__ import annotations

import re

import pytest

from course.grade import runner
from course.notebooks import COURSE, REPO, assignments, read, source_path


def _tally(assignment: str) -> dict[str, int]:
    """Cells and points of one source notebook, split as the grader splits them
    (``runner.plan``): autograded cells, and written answers scored by hand."""
    nb = read(source_path(assignment))
    tally = {"auto_cells": 0, "auto_points": 0, "written_cells": 0, "written_points": 0}
    for info in runner.plan(nb, nb).graded.values():
        kind = "auto" if info["auto"] else "written"
        tally[f"{kind}_cells"] += 1
        tally[f"{kind}_points"] += int(info["points"])
    return tally


def _rows(text: str) -> dict[str, list[str]]:
    """Markdown table rows keyed by the assignment a cell names in backticks, alone."""
    rows = {}
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for cell in cells:
            match = re.fullmatch(r"`(ch\d\d\w*)`", cell)
            if match:
                rows[match.group(1)] = cells
                break
    return rows


def test_tally_counts_graded_cells_only():
    tally = _tally("ch03_spark_basics")
    # Chapter 3 has graded checks and two written questions: a tally of zero would mean
    # the metadata was not read at all.
    assert tally["auto_cells"] >= 5 and tally["written_cells"] == 2, tally


@pytest.mark.parametrize("assignment", assignments())
def test_instructor_guide_lists_cells_and_points(assignment):
    rows = _rows((COURSE / "INSTRUCTOR.md").read_text())
    assert assignment in rows, f"course/INSTRUCTOR.md's chapter table has no row {assignment}"
    t = _tally(assignment)
    row = " | ".join(rows[assignment])
    auto = f"{t['auto_cells']} cells, {t['auto_points']} pts"
    written = f"{t['written_cells']}, {t['written_points']} pts"
    assert auto in row, f"INSTRUCTOR.md says {row!r}; the notebook has {auto}"
    assert written in row, f"INSTRUCTOR.md says {row!r}; the notebook has written {written}"


def test_instructor_guide_lists_no_assignment_that_is_gone():
    rows = _rows((COURSE / "INSTRUCTOR.md").read_text())
    assert sorted(rows) == assignments()


@pytest.mark.parametrize("assignment", assignments())
def test_readme_lists_each_chapter_with_its_points(assignment):
    rows = _rows((REPO / "README.md").read_text())
    assert assignment in rows, f"README.md's chapter map has no row {assignment}"
    t = _tally(assignment)
    total = t["auto_points"] + t["written_points"]
    assert f"{total} pts" in " | ".join(rows[assignment]), (
        f"README.md says {rows[assignment]}; the notebook is worth {total} points")


def test_readme_lists_no_assignment_that_is_gone():
    assert sorted(_rows((REPO / "README.md").read_text())) == assignments()


def test_readme_totals_add_up():
    text = (REPO / "README.md").read_text()
    match = re.search(r"(\d+) points: (\d+) scored by the grader, (\d+) for written", text)
    assert match, "README.md's chapter map has lost its sentence of totals"
    tallies = [_tally(a) for a in assignments()]
    auto = sum(t["auto_points"] for t in tallies)
    written = sum(t["written_points"] for t in tallies)
    assert [int(g) for g in match.groups()] == [auto + written, auto, written]
