"""Chapter 6b's execution-aware checks fail, with a message that teaches, when the right
answer is computed the costly way (groupByKey or lists instead of a map-side combine, an
extra shuffle, a join then a regrouping or a grouping then a join instead of cogroup, a
join whose sides are partitioned differently).

Each check is run on at least two wrong ways, in two runs of the chapter."""

from __future__ import annotations

NAME = "ch06b_choosing_operators"

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

KEPT = ["ex1-check", "ex1-how", "ex2-check", "ex2-how",
        "ex3-check", "ex3-how"]


def _messages(failed: dict) -> dict:
    return {grade_id: why or "" for grade_id, why in failed.items()}


def test_how_checks_catch_the_costly_ways(run_variant):
    result = _messages(run_variant(NAME, {
        "ex1-answer": GROUP_BY_KEY, "ex2-answer": JOIN_THEN_REGROUP,
        "ex3-answer": NOT_COPARTITIONED}, KEPT))
    # The answers themselves are right: only how they were computed is wrong (the hidden
    # tests of exercise 3 also look at the partitioner).
    assert result["ex1-check"] == "" and result["ex2-check"] == "", result
    assert "partitioned like names_by_user" in result["ex3-check"], result["ex3-check"]
    how = result["ex1-how"]
    assert "CheckError" in how and "sends the size of every single request" in how, how
    how = result["ex2-how"]
    assert "CheckError" in how and "already grouped by user" in how, how
    how = result["ex3-how"]
    assert "CheckError" in how and "a side of the join was shuffled again" in how, how


def test_how_checks_catch_other_costly_ways(run_variant):
    result = _messages(run_variant(NAME, {
        "ex1-answer": LISTS_THEN_EXTRA_SHUFFLE, "ex2-answer": GROUP_THEN_JOIN,
        "ex3-answer": COUNTED_BY_GROUPS}, KEPT))
    assert result["ex1-check"] == "" and result["ex2-check"] == "", result
    assert result["ex3-check"] == "", result["ex3-check"]
    how = result["ex1-how"]
    assert "CheckError" in how and "one aggregateByKey is one shuffle" in how, how
    how = result["ex2-how"]
    assert "CheckError" in how and "cogroup shuffles both inputs in one map stage" in how, how
    how = result["ex3-how"]
    assert "CheckError" in how and "not with groupByKey" in how, how
