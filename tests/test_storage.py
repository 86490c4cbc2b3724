"""Caching: storage levels, compute-once, unpersist, and where blocks are reported.

"Computed once" is observed without accumulators: ``compute_log`` (tests/conftest.py)
gives a map function that appends a line to a file for every record it computes,
and the test counts the lines.
"""

from __future__ import annotations

import pytest

from minispark import StorageLevel


def test_storage_levels(sc):
    rdd = sc.parallelize([1, 2, 3])
    assert rdd.getStorageLevel() == StorageLevel.NONE
    assert not rdd.is_cached
    assert rdd.cache() is rdd
    assert rdd.getStorageLevel() == StorageLevel.MEMORY_ONLY
    assert rdd.is_cached
    rdd.persist(StorageLevel.MEMORY_ONLY)  # the same level again is fine
    with pytest.raises(ValueError):
        rdd.persist(StorageLevel.DISK_ONLY)  # another level needs unpersist first
    rdd.unpersist()
    assert rdd.getStorageLevel() == StorageLevel.NONE and not rdd.is_cached
    rdd.persist(StorageLevel.DISK_ONLY)
    assert rdd.getStorageLevel() == StorageLevel.DISK_ONLY
    assert sc.parallelize([1]).persist().getStorageLevel() == StorageLevel.MEMORY_ONLY


def test_storage_level_flags_and_names():
    level = StorageLevel.MEMORY_AND_DISK
    assert (level.useDisk, level.useMemory, level.useOffHeap, level.deserialized,
            level.replication) == (True, True, False, False, 1)
    assert StorageLevel.MEMORY_ONLY_2.replication == 2
    assert str(StorageLevel.MEMORY_ONLY) == "Memory Serialized 1x Replicated"
    assert str(StorageLevel.MEMORY_AND_DISK) == "Disk Memory Serialized 1x Replicated"
    assert StorageLevel.DISK_ONLY != StorageLevel.DISK_ONLY_2


def test_uncached_rdd_is_recomputed_by_every_action(sc, compute_log):
    rdd = sc.parallelize(range(20), 2).map(compute_log.recorder())
    assert rdd.count() == 20
    assert rdd.sum() == 190
    assert compute_log.count() == 40  # the control: two actions, two computations


@pytest.mark.parametrize("level", [StorageLevel.MEMORY_ONLY, StorageLevel.DISK_ONLY,
                                   StorageLevel.MEMORY_AND_DISK])
def test_persisted_rdd_is_computed_once(sc, level, events, compute_log):
    rdd = sc.parallelize(range(20), 2).map(compute_log.recorder()).persist(level)
    assert rdd.count() == 20
    assert compute_log.count() == 20
    events.clear()
    assert rdd.sum() == 190
    assert sorted(rdd.collect()) == list(range(20))
    assert rdd.map(lambda x: x * 2).filter(lambda x: x > 30).count() == 4  # 32..38
    assert compute_log.count() == 20  # every later action read the stored blocks
    metrics = events.task_metrics()
    assert sum(m.cache_hits for m in metrics) == 3 * 2  # 3 actions x 2 partitions
    # each task ran where its partition is stored
    starts = events.of_kind("TaskStart")
    assert starts and all(e.data["task_info"].locality == "PROCESS_LOCAL" for e in starts)


def test_unpersist_drops_the_blocks(sc, compute_log):
    rdd = sc.parallelize(range(10), 2).map(compute_log.recorder()).cache()
    assert rdd.count() == 10
    assert b"CachedPartitions: 2" in rdd.toDebugString()
    rdd.unpersist()
    assert b"CachedPartitions" not in rdd.toDebugString()
    assert rdd.count() == 10
    assert compute_log.count() == 20  # recomputed after unpersist
    assert rdd.count() == 10
    assert compute_log.count() == 30  # ... and not stored any more


def test_debug_string_reports_cached_partitions_and_where(sc):
    mem = sc.parallelize(range(100), 4).map(lambda x: x + 1).cache()
    disk = sc.parallelize(range(100), 3).map(lambda x: x + 1).persist(StorageLevel.DISK_ONLY)
    assert b"CachedPartitions" not in mem.toDebugString()  # lazy: nothing stored yet
    mem.count()
    disk.count()
    mem_text, disk_text = mem.toDebugString().decode(), disk.toDebugString().decode()
    assert "[Memory Serialized 1x Replicated]" in mem_text
    assert "CachedPartitions: 4;" in mem_text and "DiskSize: 0.0 B" in mem_text
    assert "[Disk Serialized 1x Replicated]" in disk_text
    assert "CachedPartitions: 3;" in disk_text and "MemorySize: 0.0 B" in disk_text


def test_partially_computed_rdd_caches_only_what_ran(sc, compute_log):
    rdd = sc.parallelize(range(30), 3).map(compute_log.recorder()).cache()
    # take(5) only needs partition 0 (0..9)
    assert rdd.take(5) == [0, 1, 2, 3, 4]
    assert compute_log.count() == 10
    assert rdd.count() == 30
    assert compute_log.count() == 30  # partitions 1 and 2 computed now, partition 0 read
    assert rdd.count() == 30
    assert compute_log.count() == 30


def test_a_workers_unpersist_removes_only_the_blocks_it_wrote(sc, compute_log):
    """Each worker keeps its disk blocks in a directory of its own (storage.py): a
    worker that handles an unpersist late must not delete what another one wrote."""
    rdd = sc.parallelize(range(80), 8).map(compute_log.recorder()).persist(
        StorageLevel.DISK_ONLY)
    assert rdd.count() == 80
    holders = {i: sc._block_locations.location(rdd.id(), i) for i in range(8)}
    assert len(set(holders.values())) == 2, holders  # both workers ran tasks
    first = next(w for w in sc._backend.workers if w.id == holders[0])
    first.send({"op": "remove_rdd", "rdd_id": rdd.id()})  # only this worker drops its files
    before = compute_log.count()
    assert rdd.count() == 80
    lost = sum(10 for where in holders.values() if where == first.id)
    assert compute_log.count() - before == lost  # the other worker's blocks were all read
    rdd.unpersist()


def test_persist_unpersist_persist_again_never_loses_a_block(sc):
    """The ch07 exercise 4 pattern, many times over: unpersist reaches the workers
    without waiting for them, so one worker may drop the blocks while the other already
    writes the same blocks again. Every count must still succeed and be right."""
    rdd = sc.parallelize(range(400), 4).map(lambda x: (x, "x" * 40))
    levels = [StorageLevel.MEMORY_AND_DISK, StorageLevel.DISK_ONLY, StorageLevel.MEMORY_ONLY]
    for _ in range(60):
        for level in levels:
            rdd.unpersist()
            rdd.persist(level)
            assert rdd.count() == 400
            assert rdd.map(lambda kv: kv[0]).sum() == sum(range(400))
    rdd.unpersist()
