"""Chapter 7's execution-aware check fails, with a message that teaches, when the RDD that
is counted does not come from the cache: nothing cached at all, or the raw lines cached
(so that every count still parses them)."""

from __future__ import annotations

NAME = "ch07_caching"

NOT_CACHED = '''
cached = logs.map(counted_parse).filter(lambda r: r is not None)      # no cache()
parse_calls.value = 0
cached_calls = []
for _ in range(2):
    cached.count()
    cached_calls.append(parse_calls.value)
'''

LINES_CACHED = '''
cached = logs.cache().map(counted_parse).filter(lambda r: r is not None)
parse_calls.value = 0
cached_calls = []
for _ in range(2):
    cached.count()
    cached_calls.append(parse_calls.value)
'''


def test_uncached_ways_fail_the_cache_check(run_variant):
    for answer, why in ((NOT_CACHED, "The count read 0 cached partition(s)"),
                        (LINES_CACHED, "Caching `logs` keeps the raw lines")):
        result = run_variant(NAME, {"ex2-answer": answer}, ["ex1-answer", "ex2-how"])
        how = result["ex2-how"] or ""
        assert "CheckError" in how and why in how, how


# Exercise 5 (cache the right RDD, free it) and exercise 8 (lose the blocks), written the
# ways students get them wrong: each replaces lines of the solution (the test fails if the
# solution no longer holds them). All run in one kernel, one after the other.
WRONG = {
    "ex5-answer": {
        # nothing cached: the three actions parse every line three times
        "no cache": [(".filter(lambda r: r[2].startswith(\"/KBDOC-\")).cache())",
                      ".filter(lambda r: r[2].startswith(\"/KBDOC-\")))")],
        # users counted without distinct(): the number of requests again
        "no distinct": [("articles.map(lambda r: r[1]).distinct().count()",
                         "articles.map(lambda r: r[1]).count()")],
        # every parsed request cached, before the filter: right numbers, 4 times the memory
        "cached too early": [(".filter(lambda r: r is not None)\n",
                              ".filter(lambda r: r is not None).cache()\n"),
                             (".filter(lambda r: r[2].startswith(\"/KBDOC-\")).cache())",
                              ".filter(lambda r: r[2].startswith(\"/KBDOC-\")))")],
        # never unpersisted: right numbers, the blocks stay
        "kept": [("    articles.unpersist()\n", "")],
    },
    "ex8-answer": {
        # checkpoint() after the first action: not written when the blocks are lost
        "checkpoint late": [("saved.checkpoint()\nsaved.count()",
                             "saved.count()\nsaved.checkpoint()")],
        # the blocks never dropped: nothing parsed again
        "no drop": [("    sc.faults.dropCachedBlocks(rdd)\n", "")],
    },
}


def _replaced(cell: dict, edits) -> dict:
    text = "".join(cell["source"])
    for old, new in edits:
        assert old in text, f"the solution no longer contains {old!r}: update this test"
        text = text.replace(old, new)
    return dict(cell, source=text)


def test_cache_placement_and_lost_blocks_wrong_answers(tmp_path, monkeypatch):
    from course.notebooks import cell_failed, execute, nbgrader_meta, read, source_path

    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("COURSE_ENGINE", "minispark")
    nb = read(source_path(NAME))
    by_id = {nbgrader_meta(c).get("grade_id") or c.get("id"): c for c in nb["cells"]}
    cells = [by_id[i] for i in ("setup", "given-code", "ex1-answer")]
    tests = {"ex5-answer": ["ex5-check", "ex5-how"], "ex8-answer": ["ex8-check"]}
    where = {}
    for answer, ways in WRONG.items():
        for way, edits in ways.items():
            cells.append(_replaced(by_id[answer], edits))
            for grade_id in tests[answer]:
                where[way, grade_id] = len(cells)
                cells.append(by_id[grade_id])
    cells = [dict(c, id=f"cell-{i}") for i, c in enumerate(cells)]
    out = execute({**nb, "cells": cells}, tmp_path)
    failed = [cell_failed(c) or "" for c in out["cells"]]
    assert failed[:3] == [""] * 3, failed[:3]
    got = {key: failed[i] for key, i in where.items()}
    # Two wrong answers score 0 on ex5-check, each with its known mistake's hint.
    assert "parsed every line three times" in got["no cache", "ex5-check"]
    assert "count the different users" in got["no distinct", "ex5-check"]
    # Two right answers that cache the wrong way lose ex5-how, saying why.
    assert got["cached too early", "ex5-check"] == ""
    assert "cache the RDD after that filter" in got["cached too early", "ex5-how"]
    assert got["kept", "ex5-check"] == ""
    assert "were still cached" in got["kept", "ex5-how"]
    # Two wrong measurements score 0 on ex8-check, each with its hint.
    assert "its checkpoint was not written" in got["checkpoint late", "ex8-check"]
    assert "the blocks were still cached" in got["no drop", "ex8-check"]
