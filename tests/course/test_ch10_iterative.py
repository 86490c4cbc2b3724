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
             uncached, by_id["ex1-check"], by_id["ex3-how"]]
    cells = [dict(c, id=f"cell-{i}") for i, c in enumerate(cells)]
    out = execute({**nb, "cells": cells}, tmp_path)
    failed = [cell_failed(c) for c in out["cells"] if c["cell_type"] == "code"]
    assert failed[:4] == [None] * 4, failed[:4]
    (_, step_check, step_how, _, _, kmeans_check, _, cache_check, cache_how) = failed[4:]
    assert step_check is None, "two actions still give the right centres"
    assert step_how and "One step ran 2 jobs" in step_how and "single action" in step_how
    assert kmeans_check is None, "an extra count per step still gives the right centres"
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

def test_how_checks_catch_grouping(run_variant):
    result = run_variant(NAME, {"ex3-answer": GROUPED_STEP},
                         ["ex1-answer", "ex2-answer", "ex3-check", "ex3-how"])
    assert result["ex3-check"] is None, "grouping still gives the right centres"
    how = result["ex3-how"] or ""
    assert "CheckError" in how and "sends every point across the network" in how, how


# Exercise 6, the long run, written in the ways students get it wrong: each replaces lines
# of the solution (the test fails if the solution no longer holds them).
LONG_RUN_WRONG = {
    # no checkpoint: the right centres, a lineage that grows with the steps
    "no checkpoint": [("            labels.checkpoint()", "            pass")],
    # one broadcast, made before the loop: every step assigns to the initial centres
    "one broadcast": [("    live = []  ", "    first = sc.broadcast(centres)\n    live = []  "),
                      ("        bc = sc.broadcast(centres)\n        live.append(bc)",
                       "        bc = first")],
    # the centres captured in the closure: right results, no broadcast read by the tasks
    "captured": [("(closest(kv[1], bc.value), kv[1])",
                  "(closest(kv[1], cs), kv[1])"),
                 ("lambda kv, bc=bc:", "lambda kv, cs=list(centres):")],
    # nothing destroyed: right results, every broadcast kept on the executors
    "no destroy": [("                old.destroy()", "                old.unpersist()")],
    # the checkpointed step's own broadcast destroyed too: its function is still shipped
    # (PySpark's next job fails; minispark's does not, the how-it-ran check catches it)
    "destroy all": [("            for old in live[:-1]:", "            for old in live:")],
}


def test_long_run_wrong_answers(tmp_path, monkeypatch):
    """Two wrong long runs score 0 on ex6-check (a growing lineage, one broadcast for all
    the steps); right-looking ones lose ex6-how (no broadcast, nothing destroyed, a
    broadcast destroyed that a checkpointed RDD's function still names)."""
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("COURSE_ENGINE", "minispark")
    nb = read(source_path(NAME))
    by_id = {nbgrader_meta(c).get("grade_id") or c.get("id"): c for c in nb["cells"]}
    cells = [by_id[i] for i in ("setup", "given-code", "ex1-answer", "ex2-answer",
                                "ex3-answer", "ex4-answer")]
    for edits in LONG_RUN_WRONG.values():
        answer = by_id["ex6-answer"]
        for old, new in edits:
            answer = _variant(answer, old, new)
        cells += [answer, by_id["ex6-check"], by_id["ex6-how"]]
    cells = [dict(c, id=f"cell-{i}") for i, c in enumerate(cells)]
    out = execute({**nb, "cells": cells}, tmp_path)
    failed = [cell_failed(c) for c in out["cells"]]
    assert failed[:6] == [None] * 6, failed[:6]
    found = {wrong: (failed[6 + 3 * n + 1] or "", failed[6 + 3 * n + 2] or "")
             for n, wrong in enumerate(LONG_RUN_WRONG)}
    check, how = found["no checkpoint"]
    assert "it grows with the number of steps" in check, check
    assert "ran 7 jobs; expected 9" in how, how
    check, how = found["one broadcast"]
    assert "CheckError" in check and "A broadcast's value never changes" in check, check
    check, how = found["captured"]
    assert check == "", "captured centres give the right answer"
    assert "made 7 broadcast(s)" in how and "read broadcasts 0 time(s)" in how, how
    check, how = found["no destroy"]
    assert check == "", "keeping every broadcast gives the right answer"
    assert "CheckError" in how and "[True, True, True, True, True, True, True]" in how, how
    check, how = found["destroy all"]
    assert "CheckError" in how and "[False, False, False, False, False, False, True]" in how, how
