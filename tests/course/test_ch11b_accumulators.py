"""Chapter 11b's execution-aware checks fail, with a message that teaches, when the right
numbers are computed the wrong way: one action per counter instead of one pass with
accumulators, or one pass that brings every line (or size) to the driver. Exercise 7's
reading of failed and retried task attempts fails, with its own hint, for the readings
students get wrong, and the known mistakes that give those hints replay the exercise
exactly."""

from __future__ import annotations

import pytest

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


# Exercise 7 (minispark-only): the attempts of jobs whose tasks fail on cue. Each wrong
# reading below is one a student makes; each scores 0 with the hint written for it.

READ_AT_END = '''
def attempt_counts(run):
    ends = [e for e in run.events if e.kind == "TaskEnd"]
    failed = [e for e in ends if not e.data["task_info"].successful]
    return (len(ends), len(failed), sum(e.data["metrics"].records_read for e in failed))

break_it = [in_map.value, in_foreach.value, in_map.value,      # read after all three jobs
            attempt_counts(first), attempt_counts(each), attempt_counts(second)]
'''

TASKS_NOT_ATTEMPTS = '''
def attempt_counts(run):                # one per partition: the retries disappear
    ends = [e for e in run.events if e.kind == "TaskEnd"]
    failed = [e for e in ends if not e.data["task_info"].successful]
    return (len({e.data["task_info"].index for e in ends}), len(failed),
            sum(e.data["metrics"].records_read for e in failed))

break_it = [map_after_first, foreach_after_each, map_after_second,
            attempt_counts(first), attempt_counts(each), attempt_counts(second)]
'''

LINES_OF_ALL = '''
def attempt_counts(run):                # the lines of every attempt, not of the failed ones
    ends = [e for e in run.events if e.kind == "TaskEnd"]
    failed = [e for e in ends if not e.data["task_info"].successful]
    return (len(ends), len(failed), sum(e.data["metrics"].records_read for e in ends))

break_it = [map_after_first, foreach_after_each, map_after_second,
            attempt_counts(first), attempt_counts(each), attempt_counts(second)]
'''


# Slow tier (`make test-slow`, run by CI): several kernels; keeps `make test` under 10 min.
@pytest.mark.slow
def test_wrong_readings_of_the_attempts_score_zero_with_their_hint(run_variant):
    for answer, why in ((READ_AT_END, "read after all three jobs"),
                        (TASKS_NOT_ATTEMPTS, "count tasks (partitions), not attempts"),
                        (LINES_OF_ALL, "lines read by every attempt")):
        result = run_variant(NAME, {"ex7-answer": answer}, ["ex7-check"])
        failed = result["ex7-check"] or ""
        assert "CheckError" in failed and why in failed, failed


def test_the_mistakes_replay_the_given_cell_exactly(tmp_path):
    """course/mistakes.py computes exercise 7's answer without Spark (the fault hash asked
    the same way); its unmistaken replay must be the reference answer, or the hints of its
    variants would fire on answers nobody gives."""
    from course import checks, labsetup, mistakes

    data = tmp_path / "data"
    labsetup.ensure_data(data)
    checks.check("ch11b.break_it", mistakes._break_it(data))      # raises if it differs
    for value, _hint in mistakes.variants("ch11b.break_it", data):
        try:
            checks.check("ch11b.break_it", value)
        except checks.CheckError:
            continue
        raise AssertionError(f"a known mistake passes the check: {value}")
