"""How a job runs, not only what it returns: the stages and tasks of each program.

The course asks students to predict stage and task counts, and the Spark UI of a real
cluster shows them; so minispark must cut jobs exactly where PySpark does. Each program
runs in its own job group and returns, besides its result, the sorted task counts of
every stage of its jobs, read through ``statusTracker()`` (the same public API on both
engines). Skipped stages are listed by both, with their task counts.
"""

from itertools import count
from operator import add

import pytest

_groups = count()
LEFT = [(i % 6, i) for i in range(50)]
RIGHT = [(i % 9 + 7, i) for i in range(20)]


def staged(program):
    """program(sc) -> result, wrapped to return (result, task count of every stage)."""
    def run(sc):
        group = f"stages-{next(_groups)}"
        sc.setJobGroup(group, group)
        result = program(sc)
        tracker = sc.statusTracker()
        tasks = sorted(tracker.getStageInfo(stage).numTasks
                       for job in tracker.getJobIdsForGroup(group)
                       for stage in tracker.getJobInfo(job).stageIds)
        return result, tasks
    return run


def sides(sc, left_by=None, right_by=None):
    a, b = sc.parallelize(LEFT, 5), sc.parallelize(RIGHT, 2)
    if left_by:
        a = a.reduceByKey(add, left_by)
    if right_by:
        b = b.reduceByKey(add, right_by)
    return a, b


PROGRAMS = {
    "narrow_chain": lambda sc: sc.parallelize(range(20), 4).map(lambda x: x + 1)
    .filter(lambda x: x % 2).count(),
    "reduceByKey": lambda sc: sorted(sides(sc)[0].reduceByKey(add, 3).collect()),
    "two_shuffles": lambda sc: sorted(sides(sc)[0].reduceByKey(add).map(lambda kv: (kv[1], 1))
                                      .reduceByKey(add, 2).collect()),
    "join_unpartitioned": lambda sc: sorted(
        (lambda a, b: a.join(b))(*sides(sc)).collect()),
    "join_one_side_partitioned": lambda sc: sorted(
        (lambda a, b: a.join(b, 3))(*sides(sc, left_by=3, right_by=2)).collect()),
    "join_co_partitioned": lambda sc: sorted(
        (lambda a, b: a.join(b))(*sides(sc, left_by=3, right_by=3)).collect()),
    "join_co_partitioned_into_4": lambda sc: sorted(
        (lambda a, b: a.join(b, 4))(*sides(sc, left_by=3, right_by=3)).collect()),
    "leftOuterJoin_n": lambda sc: sorted(
        (lambda a, b: a.leftOuterJoin(b, 2))(*sides(sc)).collect()),
    "cogroup": lambda sc: sorted((k, (sorted(v), sorted(w))) for k, (v, w) in
                                 (lambda a, b: a.cogroup(b))(*sides(sc)).collect()),
    "groupWith_three": lambda sc: sorted(
        (k, [sorted(x) for x in vs]) for k, vs in
        (lambda a, b: a.groupWith(b, a))(*sides(sc)).collect()),
    "subtractByKey": lambda sc: sorted((lambda a, b: a.subtractByKey(b))(*sides(sc)).collect()),
    "intersection": lambda sc: sorted(sc.parallelize(range(30), 3)
                                      .intersection(sc.parallelize(range(20, 40), 2)).collect()),
    "distinct": lambda sc: sorted(sc.parallelize([1, 2, 2, 3] * 5, 4).distinct().collect()),
    "repartition_then_sort": lambda sc: sc.parallelize(range(40), 3).repartition(5)
    .sortBy(lambda x: -x, numPartitions=2).take(3),
}


@pytest.mark.parametrize("program", PROGRAMS.values(), ids=PROGRAMS.keys())
def test_stages(check, program):
    check(staged(program))
