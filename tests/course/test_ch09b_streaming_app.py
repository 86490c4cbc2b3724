"""Chapter 9b's checks catch the right numbers computed the wrong way: a window without
an inverse function (the execution-aware check), and the 'KBDOC anywhere in the line' trap
(the hint names the factor)."""

from __future__ import annotations

from course.notebooks import cell_failed, execute, nbgrader_meta, read, source_path

NAME = "ch09b_streaming_app"


def _run(tmp_path, monkeypatch, replace: dict[str, str], keep: list[str]):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("COURSE_ENGINE", "minispark")
    nb = read(source_path(NAME))
    by_id = {nbgrader_meta(c).get("grade_id"): c for c in nb["cells"]}
    given = next(c for c in nb["cells"] if c["cell_type"] == "code" and not nbgrader_meta(c))
    cells = [by_id["setup"], given]
    for grade_id in keep:
        cell = by_id[grade_id]
        if grade_id in replace:
            cell = dict(cell, source=replace[grade_id])
        cells.append(cell)
    cells = [dict(c, id=f"cell-{i}") for i, c in enumerate(cells)]
    out = execute({**nb, "cells": cells}, tmp_path)
    return {nbgrader_meta(c).get("grade_id"): cell_failed(c) for c in out["cells"]
            if c["cell_type"] == "code" and nbgrader_meta(c).get("grade")}


def test_a_recomputed_window_gives_the_answer_but_fails_how_it_runs(tmp_path, monkeypatch):
    recomputed = ("def window_counts_incremental(lines):\n"
                  "    return requests_per_user(lines).reduceByKeyAndWindow(\n"
                  "        operator.add, None, 10, 2).filter(lambda pair: pair[1] > 0)\n")
    failed = _run(tmp_path, monkeypatch, {"ex8-answer": recomputed},
                  ["ex8-answer", "ex8-check", "ex8-how"])
    assert failed["ex8-check"] is None, "the numbers are right"
    assert "CheckError" in (failed["ex8-how"] or "")
    assert "inverse function (operator.sub)" in failed["ex8-how"]


def test_kbdoc_anywhere_in_the_line_counts_the_stylesheets_too(tmp_path, monkeypatch):
    anywhere = "def kb_requests(lines):\n    return lines.filter(lambda line: 'KBDOC' in line)\n"
    failed = _run(tmp_path, monkeypatch, {"ex1-answer": anywhere}, ["ex1-answer", "ex1-check"])
    assert "CheckError" in (failed["ex1-check"] or "")
    assert "exactly 2 times the expected" in failed["ex1-check"]
