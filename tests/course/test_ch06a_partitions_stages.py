"""Chapter 6a's checks fail, with a message that teaches, on plausible wrong answers: a
prediction of stages and tasks that is wrong (the how-it-ran check names the wrong programs
without giving their numbers), a bar chart of partition sizes that shows other numbers than
the partitions hold (bars sorted by size, one-based positions, keys counted instead of
records, a repartition instead of a partitioning by key), and, in the break-it exercise,
predictions that rerun whole map stages or rerun lost output that no job needs, and a reader
of the listener events that counts the result tasks too.

Each check is run on at least two wrong ways, in separate runs of the chapter."""

from __future__ import annotations

import pytest

NAME = "ch06a_partitions_stages"

# Program B has 2 stages and 6 tasks, program E 1 stage and 1 task: these two are wrong.
WRONG_PREDICTION = ("predicted = [(1, 3), (1, 3), (3, 9), (2, 11), (1, 3), (1, 3), "
                    "(3, 8), (2, 10)]\n")
# Program F's map stage is skipped (its shuffle files exist): 1 stage and 3 tasks, not 2/6.
NO_SKIPPED_STAGE = ("predicted = [(1, 3), (2, 6), (3, 9), (2, 11), (1, 1), (2, 6), "
                    "(3, 8), (2, 10)]\n")

DRAW = '''
import matplotlib.pyplot as plt
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3), sharey=True)
draw_sizes(left, by_day, "by day")
draw_sizes(right, by_user, "by user")
'''
KEYED = '''
by_day = requests.map(lambda r: (int(r[1][8:10]), r)).partitionBy(8)
by_user = requests.map(lambda r: (r[0], r)).partitionBy(8)
'''
SORTED_BARS = KEYED + '''
def draw_sizes(ax, rdd, title):      # the bars sorted by size, as a "ranking"
    ax.bar(range(rdd.getNumPartitions()), sorted(partition_sizes(rdd), reverse=True))
    ax.set_title(title)
''' + DRAW
ONE_BASED = KEYED + '''
def draw_sizes(ax, rdd, title):      # partitions numbered from 1
    sizes = partition_sizes(rdd)
    ax.bar(range(1, len(sizes) + 1), sizes)
    ax.set_title(title)
''' + DRAW
KEYS_COUNTED = KEYED + '''
def draw_sizes(ax, rdd, title):      # distinct keys per partition, not records
    sizes = rdd.keys().glom().map(lambda keys: len(set(keys))).collect()
    ax.bar(range(len(sizes)), sizes)
    ax.set_title(title)
''' + DRAW
REPARTITIONED = '''
by_day = requests.map(lambda r: (int(r[1][8:10]), r)).repartition(8)
by_user = requests.map(lambda r: (r[0], r)).repartition(8)

def draw_sizes(ax, rdd, title):
    sizes = partition_sizes(rdd)
    ax.bar(range(len(sizes)), sizes)
    ax.set_title(title)
''' + DRAW

READER = '''
def map_tasks_run(run):
    return sorted(e.data["task_info"].index for e in run.events
                  if e.kind == "TaskEnd" and e.data["task_type"] == "ShuffleMapTask")
'''
# Every lost output is recomputed at once, and a fetch failure reruns the whole map stage.
WHOLE_STAGES = "predicted_reruns = [[], [0, 1, 2], [], [0, 1, 2], [0, 1, 2]]\n" + READER
# The lost output of step B is recomputed by B's job, although buckets' shuffle is intact.
EAGER = "predicted_reruns = [[], [1], [], [0], [0, 1, 2]]\n" + READER
# The right predictions, but the reader counts every task that ended, result tasks too.
ALL_TASKS = '''predicted_reruns = [[], [], [1], [0], [0, 1, 2]]

def map_tasks_run(run):
    return sorted(e.data["task_info"].index for e in run.events if e.kind == "TaskEnd")
'''

KEPT = ["ex1-answer", "ex2-check", "ex2-how", "ex4-check", "ex5-check"]


def _messages(failed: dict) -> dict:
    return {grade_id: why or "" for grade_id, why in failed.items()}


def test_wrong_predictions_charts_and_reruns_fail(run_variant):
    result = _messages(run_variant(NAME, {
        "ex2-answer": WRONG_PREDICTION, "ex4-answer": SORTED_BARS,
        "ex5-answer": WHOLE_STAGES}, KEPT))
    how = result["ex2-how"]
    assert "CheckError" in how and "Program B: your prediction (1, 3) is wrong" in how, how
    assert "Program E: your prediction (1, 3) is wrong" in how and "Program C" not in how
    assert "(2, 6)" not in how and "(1, 1)" not in how, "the right numbers must stay hidden"
    assert "CheckError" in result["ex2-check"], result["ex2-check"]
    assert "CheckError" in result["ex4-check"] and "ch06a.bars" in result["ex4-check"], result
    assert "sorted by height" in result["ex4-check"], "the known mistake's hint (mistakes.py)"
    why = result["ex5-check"]
    assert "CheckError" in why and "ch06a.reruns_predicted" in why, why


def test_other_wrong_ways_fail(run_variant):
    result = _messages(run_variant(NAME, {
        "ex2-answer": NO_SKIPPED_STAGE, "ex4-answer": ONE_BASED, "ex5-answer": EAGER}, KEPT))
    how = result["ex2-how"]
    assert "Program F: your prediction (2, 6) is wrong" in how and "shuffle files" in how, how
    assert "Program B" not in how and "Program E" not in how
    assert "CheckError" in result["ex4-check"] and "ch06a.bars" in result["ex4-check"], result
    assert "bars start at x = 1" in result["ex4-check"], result["ex4-check"]
    why = result["ex5-check"]
    assert "CheckError" in why and "ch06a.reruns_predicted" in why, why


# Slow tier (`make test-slow`, run by CI): several kernels; keeps `make test` under 10 min.
@pytest.mark.slow
def test_keys_counted_repartitioned_and_result_tasks_fail(run_variant):
    for chart, reader in ((KEYS_COUNTED, ALL_TASKS), (REPARTITIONED, READER + (
            "predicted_reruns = [[], [], [1], [0], [0, 1, 2]]\n"))):
        result = _messages(run_variant(NAME, {
            "ex2-answer": NO_SKIPPED_STAGE, "ex4-answer": chart, "ex5-answer": reader},
            ["ex1-answer", "ex4-check", "ex5-check"]))
        assert "CheckError" in result["ex4-check"] or "AssertionError" in result["ex4-check"], \
            result
        if chart is KEYS_COUNTED:
            assert "different keys of a partition" in result["ex4-check"], result["ex4-check"]
        if reader is ALL_TASKS:
            why = result["ex5-check"]
            assert "CheckError" in why and "ch06a.reruns" in why, why
        else:
            assert result["ex5-check"] == "", result["ex5-check"]   # the right answer passes
