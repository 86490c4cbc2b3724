"""How the DAG scheduler cuts jobs into stages, read from the listener events.

Expected stage counts follow Spark's rules: narrow dependencies pipeline into
one stage, every ShuffleDependency adds a ShuffleMapStage, a shuffle whose map
output already exists is skipped, an RDD that is fully cached stops the walk,
and sortByKey first runs a count and a sampling job to choose its ranges.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from operator import add

import pytest

from minispark.partitioner import Partitioner, portable_hash

MAP, RESULT = "ShuffleMapStage", "ResultStage"


def kinds(events):
    return [s.kind for s in events.stages()]


def map_stages(events):
    return [s for s in events.stages() if s.kind == MAP]


def test_narrow_pipeline_is_one_stage(sc, events):
    rdd = sc.parallelize(range(100), 3).map(lambda x: x * 2).filter(lambda x: x % 3 == 0)
    # multiples of 3 among the even numbers 0..198: 0, 6, ..., 198 -> 34 of them
    assert rdd.count() == 34
    stages = events.stages()
    assert [s.kind for s in stages] == [RESULT]
    assert stages[0].num_tasks == 3 and stages[0].num_tasks_run == 3
    assert stages[0].parent_ids == []
    assert len(events.jobs()) == 1


def test_word_count_then_sort_by_key(sc, events, tmp_path):
    lines = ["the quick brown fox", "jumps over the lazy dog", "the dog barks",
             "a fox", "quick quick"]
    (tmp_path / "words.txt").write_text("\n".join(lines) + "\n")
    counts = (sc.textFile(str(tmp_path))
              .flatMap(lambda line: line.split())
              .map(lambda w: (w, 1))
              .reduceByKey(add))
    result = counts.sortByKey().collect()

    assert result == sorted(Counter(w for line in lines for w in line.split()).items())
    # Three jobs: sortByKey's count, its sampling collect, then the collect.
    # Job 1 runs the reduceByKey map stage; job 2 finds that shuffle's output
    # and skips it; job 3 skips it too and runs the range-partition shuffle.
    assert len(events.jobs()) == 3
    assert kinds(events) == [MAP, RESULT, RESULT, MAP, RESULT]
    first_map, _, _, sort_map, final = events.stages()
    assert first_map.shuffle_id != sort_map.shuffle_id
    assert sort_map.parent_ids == [first_map.stage_id]
    assert final.parent_ids == [sort_map.stage_id]
    # textFile's default is min(defaultParallelism, 2) = 2 partitions, and a
    # shuffle without spark.default.parallelism keeps its parent's count.
    assert first_map.num_tasks == 2 and sort_map.num_tasks == 2 and final.num_tasks == 2


def _pairs(n, keys, offset=0):
    return [(i % keys, i + offset) for i in range(n)]


def _expected_join(left, right):
    l_sums, r_sums = defaultdict(int), defaultdict(int)
    for k, v in left:
        l_sums[k] += v
    for k, v in right:
        r_sums[k] += v
    return sorted((k, (l_sums[k], r_sums[k])) for k in l_sums if k in r_sums)


def test_join_of_copartitioned_rdds_adds_no_shuffle(sc, events):
    left, right = _pairs(60, 7), _pairs(40, 5, offset=1000)
    part = Partitioner(3, portable_hash)
    a = sc.parallelize(left, 2).reduceByKey(add, 3)
    b = sc.parallelize(right, 4).reduceByKey(add, 3)
    assert a.partitioner == part and b.partitioner == part

    joined = a.join(b, 3)
    assert sorted(joined.collect()) == _expected_join(left, right)
    assert joined.getNumPartitions() == 3
    # Only the two reduceByKey shuffles: the join reads both sides narrowly.
    maps = map_stages(events)
    assert sorted(s.num_tasks for s in maps) == [2, 4]
    assert kinds(events).count(RESULT) == 1
    final = events.stages()[-1]
    assert final.kind == RESULT and final.num_tasks == 3
    assert sorted(final.parent_ids) == sorted(s.stage_id for s in maps)


def test_join_without_numpartitions_keeps_the_common_partitioner(sc, events):
    left, right = _pairs(30, 4), _pairs(30, 6)
    a = sc.parallelize(left, 2).reduceByKey(add, 3)
    b = sc.parallelize(right, 2).reduceByKey(add, 3)
    joined = a.join(b)
    assert joined.getNumPartitions() == 3
    assert sorted(joined.collect()) == _expected_join(left, right)
    assert len(map_stages(events)) == 2


@pytest.mark.parametrize("partitioned_side", ["left", "right"])
def test_join_with_one_side_partitioned_shuffles_both_in_one_stage(sc, events,
                                                                    partitioned_side):
    left, right = _pairs(50, 6), _pairs(20, 9, offset=7)
    a = sc.parallelize(left, 5).reduceByKey(add, 3)       # partitioned 3 ways
    b = sc.parallelize(right, 2).reduceByKey(lambda x, y: x + y, 2)  # not the same way
    joined = a.join(b, 3) if partitioned_side == "left" else b.join(a, 3)
    result = sorted(joined.collect())
    expected = _expected_join(left, right)
    if partitioned_side == "right":
        expected = [(k, (w, v)) for k, (v, w) in expected]
    assert result == expected
    # a's reduceByKey (5 map tasks), b's reduceByKey (2 map tasks), then PySpark's
    # join: the union of the tagged sides (3 + 2 partitions, no common partitioner)
    # is shuffled in ONE stage of 5 tasks; a's partitioning does not spare it.
    # (PySpark 4.3 runs exactly these stages; Scala's CoGroupedRDD would not.)
    assert sorted(s.num_tasks for s in map_stages(events)) == [2, 5, 5]
    assert kinds(events).count(RESULT) == 1


def test_join_into_another_partition_count_reshuffles_the_union_once(sc, events):
    left, right = _pairs(50, 6), _pairs(20, 9)
    a = sc.parallelize(left, 5).reduceByKey(add, 3)
    b = sc.parallelize(right, 2).reduceByKey(add, 3)
    assert sorted(a.join(b, 4).collect()) == _expected_join(left, right)
    # two reduceByKey shuffles; the sides share a partitioner, so their union keeps
    # 3 partitions, and those 3 are reshuffled into 4 by one stage of 3 tasks
    assert sorted(s.num_tasks for s in map_stages(events)) == [2, 3, 5]


def test_second_action_on_shuffled_rdd_skips_the_map_stage(sc, events):
    data = [(i % 10, 1) for i in range(1000)]
    counts = sc.parallelize(data, 4).reduceByKey(add, 2)
    assert sorted(counts.collect()) == [(k, 100) for k in range(10)]
    assert kinds(events) == [MAP, RESULT]
    events.clear()

    assert counts.count() == 10
    assert counts.mapValues(lambda v: v * 2).values().sum() == 2000
    # No map stage completes again: its output is still registered.
    assert kinds(events) == [RESULT, RESULT]
    assert all(s.num_tasks_run == 2 for s in events.stages())
    # ... and no map task ran at all.
    task_types = {e.data["task_type"] for e in events.of_kind("TaskEnd")}
    assert task_types == {"ResultTask"}


def test_cached_rdd_second_action_runs_no_parent_stage(sc, events):
    data = [(i % 5, i) for i in range(200)]
    cached = sc.parallelize(data, 3).reduceByKey(add, 2).mapValues(lambda v: v + 1).cache()
    expected = {k: sum(v for kk, v in data if kk == k) + 1 for k in range(5)}
    assert dict(cached.collect()) == expected
    events.clear()

    assert dict(cached.collect()) == expected
    assert kinds(events) == [RESULT]
    metrics = events.task_metrics()
    # Both partitions came from the block store; no shuffle block was read.
    assert sum(m.cache_hits for m in metrics) == 2
    assert sum(m.shuffle_read_records for m in metrics) == 0


def test_checkpointing_every_few_iterations_runs_a_deep_iteration(sc, tmp_path):
    sc.setCheckpointDir(str(tmp_path))
    rdd = sc.parallelize(range(10), 2)
    for i in range(1, 1001):
        rdd = rdd.map(lambda x: x + 1)
        if i % 50 == 0:
            rdd.checkpoint()
            rdd.count()
            assert rdd.isCheckpointed()
    assert rdd.collect() == list(range(1000, 1010))


def test_deep_lineage_plans_draws_and_runs_without_recursion_error(sc):
    # dag.py and debug.py walk lineage with explicit stacks; partitions are
    # computed farthest-first; task (de)serialisation allows deep recursion.
    rdd = sc.parallelize(range(10), 2)
    for _ in range(2000):
        rdd = rdd.map(lambda x: x + 1)
    assert rdd.getNumPartitions() == 2
    assert rdd.toDebugString().count(b"\n") == 2000  # 2001 RDDs, one per line
    assert rdd.collect() == list(range(2000, 2010))


def test_deep_nesting_of_partitions_and_pair_functions_still_ships(sc):
    """Since Python 3.12 the C pickler's depth has a fixed limit: a task whose RDDs or
    partitions nest deeper is pickled flat (scheduler/taskbinary.py). A chain of
    unions nests each partition in its parent's; mapValues nests RDDs."""
    grown = sc.parallelize([0], 1)
    for i in range(1, 1001):
        grown = grown.union(sc.parallelize([i], 1)).coalesce(1)
    assert grown.getNumPartitions() == 1
    assert grown.sum() == sum(range(1001))
    pairs = sc.parallelize([("k", 0)], 2)
    for _ in range(2000):
        pairs = pairs.mapValues(lambda v: v + 1)
    assert pairs.collect() == [("k", 2000)]


def test_the_articles_character_count_program_is_three_stages(sc, events, tmp_path):
    # "How many times each character appears in all the words that appear at
    # least N times": two reduceByKeys, so two shuffles and three stages.
    text = tmp_path / "words.txt"
    text.write_text("to be or not to be\nto see or not\nbe\n")
    tokenized = sc.textFile(str(text), 2).flatMap(lambda line: line.split(" "))
    word_counts = tokenized.map(lambda w: (w, 1)).reduceByKey(add)
    filtered = word_counts.filter(lambda kv: kv[1] >= 2)  # to:3 be:3 or:2 not:2
    char_counts = filtered.flatMap(lambda kv: list(kv[0])).map(lambda c: (c, 1)) \
        .reduceByKey(add)
    assert dict(char_counts.collect()) == {"t": 2, "o": 3, "b": 1, "e": 1, "r": 1, "n": 1}
    stages = events.stages()
    assert [s.kind for s in stages] == [MAP, MAP, RESULT]
    first, second, result = stages
    assert second.parent_ids == [first.stage_id] and result.parent_ids == [second.stage_id]
    # the debug string draws the same thing: two "+-" blocks below the result
    assert char_counts.toDebugString().count(b"+-") == 2
