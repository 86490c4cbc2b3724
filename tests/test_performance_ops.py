"""The performance operators do what the performance chapter says they do."""

from __future__ import annotations

from operator import add

from minispark.partitioner import portable_hash


def shuffle_bytes(events):
    return sum(m.shuffle_write_bytes for m in events.task_metrics())


def test_aggregate_and_combine_by_key_shuffle_far_less_than_group_by_key(sc, events):
    pairs = sc.parallelize([(i % 50, i) for i in range(20_000)], 4)
    expected = {k: sum(range(k, 20_000, 50)) for k in range(50)}

    assert dict(pairs.groupByKey().mapValues(sum).collect()) == expected
    grouped = shuffle_bytes(events)
    events.clear()
    assert dict(pairs.aggregateByKey(0, add, add).collect()) == expected
    aggregated = shuffle_bytes(events)
    events.clear()
    assert dict(pairs.combineByKey(lambda v: v, add, add).collect()) == expected
    combined = shuffle_bytes(events)
    # one small combiner per key per map task instead of every value
    assert aggregated * 20 < grouped and combined * 20 < grouped


def test_coalesce_merges_neighbouring_partitions_without_a_shuffle(sc, events):
    rdd = sc.parallelize(range(12), 6)
    merged = rdd.coalesce(3)
    assert merged.glom().collect() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    assert [s.kind for s in events.stages()] == ["ResultStage"]
    assert b"+-" not in merged.toDebugString()
    # asking for more partitions without a shuffle cannot split any
    assert rdd.coalesce(10).getNumPartitions() == 6


def test_repartition_is_coalesce_with_a_shuffle(sc, events):
    rdd = sc.parallelize(range(100), 2).repartition(5)
    assert rdd.getNumPartitions() == 5
    assert sorted(rdd.collect()) == list(range(100))
    assert [s.kind for s in events.stages()] == ["ShuffleMapStage", "ResultStage"]


def test_tree_aggregate_combines_in_levels(sc, events):
    rdd = sc.parallelize(range(1000), 64)
    assert rdd.treeAggregate(0, add, add, depth=3) == sum(range(1000))
    kinds = [s.kind for s in events.stages()]
    # 64 partials -> 16 -> 4 (two shuffled levels), the driver merges the last 4
    assert kinds.count("ShuffleMapStage") == 2 and kinds[-1] == "ResultStage"
    tasks = sorted(s.num_tasks for s in events.stages())
    assert tasks == [4, 16, 64]
    events.clear()
    assert rdd.treeReduce(add, depth=2) == sum(range(1000))
    assert [s.kind for s in events.stages()].count("ShuffleMapStage") == 1


def test_secondary_sort_puts_each_users_requests_in_time_order(sc, events):
    # (user, timestamp) keys; partition by user only, sort by the whole key.
    # (int user ids: a str's hash here would differ from the workers' seed-0 hash)
    requests = [(((i * 7) % 5, (i * 37) % 101), f"/page{i}") for i in range(200)]
    ordered = sc.parallelize(requests, 4).repartitionAndSortWithinPartitions(
        3, partitionFunc=lambda key: portable_hash(key[0]))
    parts = ordered.glom().collect()
    assert [s.kind for s in events.stages()] == ["ShuffleMapStage", "ResultStage"]  # one shuffle
    for index, part in enumerate(parts):
        keys = [k for k, _ in part]
        assert keys == sorted(keys)
        assert all(portable_hash(user) % 3 == index for user, _ in keys)
    by_user: dict = {}
    for part in parts:
        for (user, ts), _ in part:
            by_user.setdefault(user, []).append(ts)
    assert all(times == sorted(times) for times in by_user.values())
    assert sum(len(t) for t in by_user.values()) == 200


def test_map_partitions_pays_setup_once_per_partition(sc):
    setups = sc.accumulator(0)

    def per_partition(it):
        setups.add(1)  # e.g. opening a connection or compiling a regex
        return (x * 2 for x in it)
    assert sc.parallelize(range(100), 4).mapPartitions(per_partition).sum() == 9900
    assert setups.value == 4
