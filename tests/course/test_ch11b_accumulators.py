"""Chapter 11b's execution-aware checks fail, with a message that teaches, when the right
numbers are computed the wrong way: one action per counter instead of one pass with
accumulators."""

from __future__ import annotations

from course.notebooks import cell_failed, execute, nbgrader_meta, read, source_path

NAME = "ch11b_accumulators"

THREE_COUNTS = '''
def count_file_types(sc, lines):
    paths = lines.map(parse).filter(lambda r: r is not None).map(lambda r: r[1])
    return tuple(paths.filter(lambda p, e=ext: p.endswith(e)).count()
                 for ext in (".html", ".css", ".jpg"))

file_types = count_file_types(sc, logs)
'''

COUNT_THEN_SUM = '''
def average_bytes(sc, requests):
    n = requests.count()
    return requests.map(lambda r: r[3]).sum() / n if n else None

avg_bytes = average_bytes(sc, requests)
'''


def test_one_action_per_number_fails_the_one_pass_checks(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("COURSE_ENGINE", "minispark")
    nb = read(source_path(NAME))
    by_id = {nbgrader_meta(c).get("grade_id"): c for c in nb["cells"]}
    given = next(c for c in nb["cells"] if c["cell_type"] == "code" and not nbgrader_meta(c))
    cells = [by_id["setup"], given,
             dict(by_id["ex1-answer"], source=THREE_COUNTS), by_id["ex1-check"],
             by_id["ex1-how"], by_id["ex2-answer"],
             dict(by_id["ex3-answer"], source=COUNT_THEN_SUM), by_id["ex3-check"],
             by_id["ex3-how"]]
    cells = [dict(c, id=f"cell-{i}") for i, c in enumerate(cells)]
    out = execute({**nb, "cells": cells}, tmp_path)
    result = {nbgrader_meta(c)["grade_id"]: cell_failed(c) for c in out["cells"]
              if nbgrader_meta(c).get("grade")}
    assert result["ex1-check"] is None and result["ex3-check"] is None, result
    assert "CheckError" in result["ex1-how"] and "ran 3 jobs" in result["ex1-how"]
    assert "CheckError" in result["ex3-how"] and "ran 2 jobs" in result["ex3-how"]
