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
