"""Chapter 6's execution-aware checks fail, with a message that teaches, when the right
answer is computed the costly way (groupByKey or lists instead of a map-side combine, an
extra shuffle, a join then a regrouping or a grouping then a join instead of cogroup, a
join whose sides are partitioned differently), and when a prediction of stages and tasks
is wrong; the prediction check names the wrong programs without giving their numbers.

Each check is run on at least two wrong ways, in two runs of the chapter."""

from __future__ import annotations

NAME = "ch06_parallel_programming"

# Program B has 2 stages and 6 tasks, program E 1 stage and 1 task: these two are wrong.
WRONG_PREDICTION = ("predicted = [(1, 3), (1, 3), (3, 9), (2, 11), (1, 3), (1, 3), "
                    "(3, 8), (2, 10)]\n")
# Program F's map stage is skipped (its shuffle files exist): 1 stage and 3 tasks, not 2/6.
NO_SKIPPED_STAGE = ("predicted = [(1, 3), (2, 6), (3, 9), (2, 11), (1, 1), (2, 6), "
                    "(3, 8), (2, 10)]\n")

GROUP_BY_KEY = '''
def traffic_per_user(requests):
    return (requests.map(lambda r: (r[0], r[3])).groupByKey()
            .mapValues(lambda sizes: (len(sizes), sum(sizes))))
'''

LISTS_THEN_EXTRA_SHUFFLE = '''
def traffic_per_user(requests):      # lists per user, then one more regrouping
    lists = requests.map(lambda r: (r[0], [r[3]])).reduceByKey(lambda a, b: a + b)
    return lists.mapValues(lambda sizes: (len(sizes), sum(sizes))).partitionBy(4)
'''

JOIN_THEN_REGROUP = '''
def activity(visits, names):
    joined = visits.fullOuterJoin(names)
    return (joined.map(lambda kv: (kv[0], (kv[1][1], kv[1][0])))
            .groupByKey()
            .mapValues(lambda vs: (list(vs)[0][0],
                                   [p for _t, p in sorted(v for _n, v in vs if v is not None)])))

visits = requests.map(lambda r: (r[0], (r[1], r[2])))
'''

GROUP_THEN_JOIN = '''
def activity(visits, names):
    paths = visits.groupByKey().mapValues(lambda vs: [p for _t, p in sorted(vs)])
    return paths.fullOuterJoin(names).mapValues(lambda pn: (pn[1], pn[0] or []))

visits = requests.map(lambda r: (r[0], (r[1], r[2])))
'''

NOT_COPARTITIONED = '''
names_by_user = names.partitionBy(3).cache()

def requests_per_user(requests):
    return requests.map(lambda r: (r[0], 1)).reduceByKey(add, numPartitions=4)

named_counts = names_by_user.join(requests_per_user(requests)).collect()
'''

COUNTED_BY_GROUPS = '''
names_by_user = names.partitionBy(3).cache()

def requests_per_user(requests):     # co-partitioned, but every 1 crosses the shuffle
    return requests.map(lambda r: (r[0], 1)).groupByKey(3).mapValues(len)

named_counts = names_by_user.join(requests_per_user(requests)).collect()
'''

KEPT = ["ex2-check", "ex2-how", "ex4-check", "ex4-how", "ex5-check", "ex5-how",
        "ex6-check", "ex6-how"]


def _messages(failed: dict) -> dict:
    return {grade_id: why or "" for grade_id, why in failed.items()}


def test_how_checks_catch_the_costly_ways(run_variant):
    result = _messages(run_variant(NAME, {
        "ex2-answer": WRONG_PREDICTION, "ex4-answer": GROUP_BY_KEY,
        "ex5-answer": JOIN_THEN_REGROUP, "ex6-answer": NOT_COPARTITIONED}, KEPT))
    # The answers themselves are right: only how they were computed is wrong (the hidden
    # tests of exercise 6 also look at the partitioner).
    assert result["ex4-check"] == "" and result["ex5-check"] == "", result
    assert "partitioned like names_by_user" in result["ex6-check"], result["ex6-check"]
    how = result["ex2-how"]
    assert "CheckError" in how and "Program B: your prediction (1, 3) is wrong" in how, how
    assert "Program E: your prediction (1, 3) is wrong" in how and "Program C" not in how
    assert "(2, 6)" not in how and "(1, 1)" not in how, "the right numbers must stay hidden"
    how = result["ex4-how"]
    assert "CheckError" in how and "sends the size of every single request" in how, how
    how = result["ex5-how"]
    assert "CheckError" in how and "already grouped by user" in how, how
    how = result["ex6-how"]
    assert "CheckError" in how and "a side of the join was shuffled again" in how, how


def test_how_checks_catch_other_costly_ways(run_variant):
    result = _messages(run_variant(NAME, {
        "ex2-answer": NO_SKIPPED_STAGE, "ex4-answer": LISTS_THEN_EXTRA_SHUFFLE,
        "ex5-answer": GROUP_THEN_JOIN, "ex6-answer": COUNTED_BY_GROUPS}, KEPT))
    assert result["ex4-check"] == "" and result["ex5-check"] == "", result
    assert result["ex6-check"] == "", result["ex6-check"]
    how = result["ex2-how"]
    assert "Program F: your prediction (2, 6) is wrong" in how and "shuffle files" in how, how
    assert "Program B" not in how and "Program E" not in how
    how = result["ex4-how"]
    assert "CheckError" in how and "one aggregateByKey is one shuffle" in how, how
    how = result["ex5-how"]
    assert "CheckError" in how and "cogroup shuffles both inputs in one map stage" in how, how
    how = result["ex6-how"]
    assert "CheckError" in how and "not with groupByKey" in how, how
