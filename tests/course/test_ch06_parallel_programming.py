"""Chapter 6's execution-aware checks fail, with a message that teaches, when the right
answer is computed the costly way (groupByKey instead of a map-side combine, a join then a
regrouping instead of cogroup, a join whose sides are partitioned differently), and when a
prediction of stages and tasks is wrong."""

from __future__ import annotations

NAME = "ch06_parallel_programming"

# Program B has 2 stages and 6 tasks, program E 1 stage and 1 task: these two are wrong.
WRONG_PREDICTION = "predicted = [(1, 3), (1, 3), (3, 9), (2, 11), (1, 3), (1, 3)]\n"

GROUP_BY_KEY = '''
def traffic_per_user(requests):
    return (requests.map(lambda r: (r[0], r[3])).groupByKey()
            .mapValues(lambda sizes: (len(sizes), sum(sizes))))
'''

JOIN_THEN_REGROUP = '''
def activity(visits, names):
    per_user = visits.groupByKey().mapValues(len)
    joined = per_user.fullOuterJoin(names)
    return (joined.flatMap(lambda kv: [(kv[0], (kv[1][1], kv[1][0] or 0))])
            .groupByKey().mapValues(lambda vs: list(vs)[0]))

visits = requests.map(lambda r: (r[0], r[2]))
'''

NOT_COPARTITIONED = '''
names_by_user = names.partitionBy(3).cache()

def requests_per_user(requests):
    return requests.map(lambda r: (r[0], 1)).reduceByKey(add, numPartitions=4)

named_counts = names_by_user.join(requests_per_user(requests)).collect()
'''


def test_how_checks_catch_the_costly_ways(run_variant):
    failed = run_variant(NAME, {"ex2-answer": WRONG_PREDICTION, "ex4-answer": GROUP_BY_KEY,
                                "ex5-answer": JOIN_THEN_REGROUP,
                                "ex6-answer": NOT_COPARTITIONED},
                         ["ex2-how", "ex4-check", "ex4-how", "ex5-check", "ex5-how",
                          "ex6-check", "ex6-how"])
    result = {grade_id: why or "" for grade_id, why in failed.items()}
    # The answers themselves are right: only how they were computed is wrong (the hidden
    # tests of exercise 6 also look at the partitioner).
    assert result["ex4-check"] == "" and result["ex5-check"] == "", result
    assert "partitioned like names_by_user" in result["ex6-check"], result["ex6-check"]
    how = result["ex2-how"]
    assert "CheckError" in how and "Program B ran 2 stage(s) and 6 task(s)" in how, how
    assert "reduceByKey must bring all the pairs of a key together" in how
    assert "Program E ran 1 stage(s) and 1 task(s)" in how and "Program C" not in how
    how = result["ex4-how"]
    assert "CheckError" in how and "sends the size of every single request" in how, how
    how = result["ex5-how"]
    assert "CheckError" in how and "already grouped by user" in how, how
    how = result["ex6-how"]
    assert "CheckError" in how and "a side of the join was shuffled again" in how, how

