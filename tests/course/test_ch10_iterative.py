"""Chapter 10's execution-aware checks catch k-means written the wrong way.

The right centres can come from code that does too much work: a step with two actions, a
loop that runs an extra job per pass, points that are not cached. The chapter's locked
check cells run on such variants of the solution: the answer checks pass, and the "how it
runs" checks fail with a message that names the fix.
"""

from __future__ import annotations

from course.notebooks import cell_failed, execute, nbgrader_meta, read, source_path

NAME = "ch10_iterative"


def _variant(cell: dict, old: str, new: str) -> dict:
    text = "".join(cell["source"])
    assert old in text, f"the solution no longer contains {old!r}: update this test"
    return dict(cell, source=text.replace(old, new))


def test_how_checks_catch_extra_jobs_and_a_missing_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "data"))
    nb = read(source_path(NAME))
    by_id = {nbgrader_meta(c).get("grade_id") or c.get("id"): c for c in nb["cells"]}
    given = [by_id["setup"], by_id["given-code"], by_id["ex1-answer"], by_id["ex2-answer"]]
    # A step that counts the points of each centre with a second action.
    two_actions = _variant(by_id["ex3-answer"], "                  .collectAsMap())",
                           "                  .collectAsMap())\n"
                           "    points.map(lambda p: closest(p, centres)).countByValue()")
    # A loop that counts the points on every pass (one job too many per step).
    counting_loop = _variant(by_id["ex4-answer"], "        new = step(points, centres)",
                             "        points.count()\n        new = step(points, centres)")
    # Points that are not cached: parsed from the file on every step.
    uncached = _variant(by_id["ex1-answer"], ".cache()", "")
    cells = [*given,
             two_actions, by_id["ex3-check"], by_id["ex3-how"],
             by_id["ex3-answer"], counting_loop, by_id["ex4-check"],
             by_id["ex6-answer"], by_id["ex6-check"], by_id["ex6-how"],
             uncached, by_id["ex1-check"], by_id["ex3-how"]]
    cells = [dict(c, id=f"cell-{i}") for i, c in enumerate(cells)]
    out = execute({**nb, "cells": cells}, tmp_path)
    failed = [cell_failed(c) for c in out["cells"] if c["cell_type"] == "code"]
    assert failed[:4] == [None] * 4, failed[:4]
    (_, step_check, step_how, _, _, kmeans_check, _, reads_check, loop_how,
     _, cache_check, cache_how) = failed[4:]
    assert step_check is None, "two actions still give the right centres"
    assert step_how and "One step ran 2 jobs" in step_how and "single action" in step_how
    assert kmeans_check is None
    assert reads_check, "the extra count per step parses the uncached points again"
    assert loop_how and "kmeans ran 6 jobs for 3 steps" in loop_how
    assert cache_check and "Mark points with cache()" in cache_check
    assert cache_how and "read 0 of the 2 partitions of points from the cache" in cache_how


GROUPED_STEP = '''
def step(points, centres):           # every point crosses the shuffle
    groups = (points.map(lambda p: (closest(p, centres), p)).groupByKey()
              .mapValues(lambda ps: (sum(p[0] for p in ps) / len(ps),
                                     sum(p[1] for p in ps) / len(ps)))
              .collectAsMap())
    return [groups.get(i, c) for i, c in enumerate(centres)]
'''

NOT_CACHED = '''
reads = sc.accumulator(0)


def counted_parse(line):
    reads.add(1)
    return parse_point(line)


uncached_points = lines.map(counted_parse).filter(lambda p: p != (0.0, 0.0))
cached_points = lines.map(counted_parse).filter(lambda p: p != (0.0, 0.0))   # no cache()
reads_per_run = (0, 0)
'''


def test_how_checks_catch_grouping_and_an_uncached_input(run_variant):
    result = run_variant(NAME, {"ex3-answer": GROUPED_STEP, "ex6-answer": NOT_CACHED},
                         ["ex1-answer", "ex2-answer", "ex3-check", "ex3-how", "ex4-answer",
                          "ex6-how"])
    assert result["ex3-check"] is None, "grouping still gives the right centres"
    how = result["ex3-how"] or ""
    assert "CheckError" in how and "sends every point across the network" in how, how
    how = result["ex6-how"] or ""
    assert "CheckError" in how and "Is cached_points marked with cache()" in how, how
