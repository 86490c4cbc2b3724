"""Chapter 11b's execution-aware checks fail, with a message that teaches, when the right
numbers are computed the wrong way: one action per counter instead of one pass with
accumulators, or one pass that brings every line (or size) to the driver."""

from __future__ import annotations

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


def test_one_action_per_number_fails_the_one_pass_checks(run_variant):
    result = run_variant(NAME, {"ex1-answer": THREE_COUNTS, "ex3-answer": COUNT_THEN_SUM},
                         ["ex1-check", "ex1-how", "ex2-answer", "ex3-check", "ex3-how"])
    assert result["ex1-check"] is None and result["ex3-check"] is None, result
    assert "CheckError" in result["ex1-how"] and "ran 3 jobs" in result["ex1-how"]
    assert "CheckError" in result["ex3-how"] and "ran 2 jobs" in result["ex3-how"]


COLLECT_AND_COUNT = '''
def count_file_types(sc, lines):       # one job, but every line comes to the driver
    paths = [r[1] for r in map(parse, lines.collect()) if r is not None]
    return tuple(sum(p.endswith(ext) for p in paths) for ext in (".html", ".css", ".jpg"))

file_types = count_file_types(sc, logs)
'''

COLLECT_SIZES = '''
def average_bytes(sc, requests):       # one job, but every size comes to the driver
    sizes = requests.map(lambda r: r[3]).collect()
    return sum(sizes) / len(sizes) if sizes else None

avg_bytes = average_bytes(sc, requests)
'''


def test_one_pass_through_the_driver_fails_too(run_variant):
    result = run_variant(NAME, {"ex1-answer": COLLECT_AND_COUNT, "ex3-answer": COLLECT_SIZES},
                         ["ex1-check", "ex1-how", "ex2-answer", "ex3-check", "ex3-how"])
    assert result["ex1-check"] is None and result["ex3-check"] is None, result
    assert "CheckError" in result["ex1-how"] and "no line has" in result["ex1-how"]
    assert "CheckError" in result["ex3-how"] and "two numbers per task" in result["ex3-how"]
