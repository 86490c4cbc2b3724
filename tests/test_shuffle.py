"""The shuffle: aggregation results, map-side combine, and spilling to disk.

Spill tests need a SparkContext with a tiny ``spark.python.worker.memory``
(read once, when the context is created), so they run in a subprocess with
their own context; the rest use the session's ``sc``.
"""

from __future__ import annotations

from collections import defaultdict
from operator import add

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

keys = st.one_of(st.integers(-5, 5), st.sampled_from(["a", "b", "c", "", "dd"]))
pair_lists = st.lists(st.tuples(keys, st.integers(-100, 100)), max_size=60)


def fold(pairs, func, zero=None):
    out = {}
    for k, v in pairs:
        out[k] = func(out[k], v) if k in out else (v if zero is None else func(zero, v))
    return out


@given(pairs=pair_lists, source_parts=st.integers(1, 4), n=st.integers(1, 5))
@SETTINGS
def test_reduce_by_key_equals_a_dict_fold(sc, pairs, source_parts, n):
    result = sc.parallelize(pairs, source_parts).reduceByKey(add, n)
    assert result.getNumPartitions() == n
    collected = result.collect()
    assert len(collected) == len({k for k, _ in pairs})  # one record per key
    assert dict(collected) == fold(pairs, add)


@given(pairs=pair_lists, source_parts=st.integers(1, 4), n=st.integers(1, 5))
@SETTINGS
def test_group_by_key_keeps_every_value(sc, pairs, source_parts, n):
    grouped = sc.parallelize(pairs, source_parts).groupByKey(n).mapValues(sorted).collect()
    expected = defaultdict(list)
    for k, v in pairs:
        expected[k].append(v)
    assert len(grouped) == len(expected)
    assert dict(grouped) == {k: sorted(vs) for k, vs in expected.items()}


@given(pairs=pair_lists, source_parts=st.integers(1, 4), n=st.integers(1, 3))
@SETTINGS
def test_combine_and_fold_by_key(sc, pairs, source_parts, n):
    rdd = sc.parallelize(pairs, source_parts)
    # (sum, count) per key through the general combineByKey
    combined = rdd.combineByKey(lambda v: (v, 1), lambda c, v: (c[0] + v, c[1] + 1),
                                lambda a, b: (a[0] + b[0], a[1] + b[1]), n).collect()
    expected = {}
    for k, v in pairs:
        s, c = expected.get(k, (0, 0))
        expected[k] = (s + v, c + 1)
    assert dict(combined) == expected
    # foldByKey's zero is applied once per key per map partition: with zero 0
    # and addition the result is the plain sum whatever the partitioning.
    assert dict(rdd.foldByKey(0, add, n).collect()) == fold(pairs, add)


def test_shuffle_records_written_equal_records_read(sc, events):
    data = [(i % 17, i) for i in range(1000)]
    sc.parallelize(data, 4).partitionBy(3).count()
    maps = [s for s in events.stages() if s.kind == "ShuffleMapStage"]
    (map_stage,) = maps
    written = sum(m.shuffle_write_records for m in events.task_metrics(map_stage.stage_id))
    (result,) = [s for s in events.stages() if s.kind == "ResultStage"]
    read = sum(m.shuffle_read_records for m in events.task_metrics(result.stage_id))
    assert written == read == 1000  # partitionBy moves every record, no combining


def test_map_side_combine_shrinks_what_reduce_by_key_writes(sc, events):
    # 2 map tasks, each seeing all 10 keys 50 times
    data = [(i % 10, i) for i in range(1000)]
    source = sc.parallelize(data, 2)
    assert sorted(source.reduceByKey(add, 2).collect()) == \
        sorted(fold(data, add).items())
    reduce_metrics = events.task_metrics(events.stages()[0].stage_id)
    events.clear()
    grouped = source.groupByKey(2).mapValues(len).collect()
    assert sorted(grouped) == [(k, 100) for k in range(10)]
    group_metrics = events.task_metrics(events.stages()[0].stage_id)

    # one combined record per key per map task, instead of 500 per task
    assert sum(m.shuffle_write_records for m in reduce_metrics) == 2 * 10
    # groupByKey has to move every value: many more bytes cross the shuffle
    reduce_bytes = sum(m.shuffle_write_bytes for m in reduce_metrics)
    group_bytes = sum(m.shuffle_write_bytes for m in group_metrics)
    assert 0 < reduce_bytes * 5 < group_bytes
    # partitionBy, with no aggregator, writes every record
    events.clear()
    source.partitionBy(2).count()
    assert sum(m.shuffle_write_records for m in events.task_metrics()) == 1000


SPILL_SCRIPT = r"""
import json
from operator import add
from minispark import SparkConf, SparkContext
from minispark.scheduler.listener import EventCollector

conf = (SparkConf().setMaster("local[2]").setAppName("spill")
        .set("spark.python.worker.memory", "1m")
        .set("spark.ui.showConsoleProgress", "false"))
out = {}
with SparkContext(conf=conf) as sc:
    N = 200_000
    data = sc.parallelize(range(N), 4)

    def run(name, action):
        events = EventCollector()
        sc.addSparkListener(events)
        value = action()
        sc.removeSparkListener(events)
        metrics = events.task_metrics()
        out[name] = {"value": value,
                     "disk_spilled": sum(m.disk_bytes_spilled for m in metrics),
                     "memory_spilled": sum(m.memory_bytes_spilled for m in metrics),
                     "spills": sum(m.spill_count for m in metrics)}

    # many distinct keys, so the reduce side's dict outgrows 1 MiB
    run("reduce", lambda: sorted(data.map(lambda i: (i % 100_000, i))
                                 .reduceByKey(add, 2).collect()))
    # every value is kept: the groups of 20000 keys outgrow 1 MiB
    run("group", lambda: sorted((k, len(vs), sum(vs), min(vs), max(vs)) for k, vs in
                                data.map(lambda i: (i % 20_000, i)).groupByKey(2).collect()))
    run("sort", lambda: data.map(lambda i: ((i * 7919) % N, i)).sortByKey(numPartitions=2)
                            .keys().collect())
print(json.dumps(out))
"""


def test_tiny_memory_budget_spills_and_stays_correct(run_python):
    out = run_python(SPILL_SCRIPT, timeout=150)
    n = 200_000

    # reduce: key k < 100000 gets i = k and i = k + 100000
    assert out["reduce"]["value"] == [[k, 2 * k + 100_000] for k in range(100_000)]
    # group: key k gets k, k + 20000, ..., k + 180000 (10 values)
    expected_groups = [[k, 10, 10 * k + 20_000 * (9 * 10 // 2), k, k + 180_000]
                       for k in range(20_000)]
    assert out["group"]["value"] == expected_groups
    # sort: 7919 is prime and coprime with 200000, so the keys are a permutation
    assert out["sort"]["value"] == list(range(n))

    for name in ("reduce", "group", "sort"):
        assert out[name]["spills"] > 0, name
        assert out[name]["disk_spilled"] > 0, name
        assert out[name]["memory_spilled"] > 0, name


GROUP_SPILL = r"""
import json
from minispark import SparkConf, SparkContext
from minispark.scheduler.listener import EventCollector
conf = (SparkConf().setMaster("local[2]").setAppName("spill")
        .set("spark.python.worker.memory", "1m"))
with SparkContext(conf=conf) as sc:
    events = EventCollector(); sc.addSparkListener(events)
    sizes = sc.parallelize(range(200_000), 4).map(lambda i: (i % 100, i)) \
              .groupByKey(2).mapValues(len).collect()
    print(json.dumps({"sizes": sorted(sizes),
                      "spills": sum(m.spill_count for m in events.task_metrics())}))
"""


def test_group_by_key_with_few_large_groups_spills_under_a_tiny_budget(run_python):
    # each reducer holds 100000 values (~3.6 MB of Python ints in lists) with a 1 MiB budget
    out = run_python(GROUP_SPILL)
    assert out["sizes"] == [[k, 2000] for k in range(100)]
    assert out["spills"] > 0


JOIN_SPILL = r"""
import json
from minispark import SparkConf, SparkContext
from minispark.scheduler.listener import EventCollector
conf = (SparkConf().setMaster("local[2]").setAppName("join-spill")
        .set("spark.python.worker.memory", "1m"))
with SparkContext(conf=conf) as sc:
    events = EventCollector(); sc.addSparkListener(events)
    left = sc.parallelize(range(100_000), 4).map(lambda i: (i % 50, i))
    right = sc.parallelize(range(50), 2).map(lambda k: (k, f"name{k}"))
    joined = left.join(right, 2)
    sums = joined.map(lambda kv: (kv[1][1], kv[1][0])).reduceByKey(lambda a, b: a + b)
    print(json.dumps({"sums": sorted(sums.collect()),
                      "spills": sum(m.spill_count for m in events.task_metrics())}))
"""


def test_join_spills_under_a_tiny_budget_and_stays_correct(run_python):
    out = run_python(JOIN_SPILL)
    expected = sorted([f"name{k}", sum(range(k, 100_000, 50))] for k in range(50))
    assert out["sums"] == expected
    assert out["spills"] > 0


def test_peak_execution_memory_is_reported_for_shuffle_structures(sc, events):
    sc.parallelize(range(20_000), 4).map(lambda i: (i % 100, i)).groupByKey().count()
    shuffle_tasks = events.task_metrics()
    assert len(shuffle_tasks) == 8 and all(m.peak_memory_bytes > 0 for m in shuffle_tasks)
    events.clear()
    sc.parallelize(range(20_000), 4).map(lambda i: i + 1).count()  # no shuffle structure
    assert [m.peak_memory_bytes for m in events.task_metrics()] == [0, 0, 0, 0]


def test_a_long_sort_spills_capped_runs_and_keeps_ties_in_arrival_order(sc, events):
    # Default budget (512m): the run cap, not the budget, makes this sort spill.
    from minispark.shuffle import SORT_RUN_RECORDS

    n = 2 * SORT_RUN_RECORDS + 5_000
    data = [(i % 1000, i) for i in range(n)]  # 1000 keys, ties everywhere
    result = sc.parallelize(data, 3).sortByKey(numPartitions=1).collect()
    # stable: equal keys keep the order they arrived in (partition order)
    assert result == sorted(data, key=lambda kv: kv[0])
    metrics = events.task_metrics()
    assert sum(m.spill_count for m in metrics) == 2  # two full runs; the rest stays in memory
    assert sum(m.disk_bytes_spilled for m in metrics) > 0
    assert max(m.peak_memory_bytes for m in metrics) < SORT_RUN_RECORDS * 200
