"""Checkpointing: the RDD is saved after the next action and its lineage is cut.

Spark's rules: checkpoint() needs sc.setCheckpointDir first; it only marks the
RDD; the action that follows computes it and a second job writes it (so an
RDD that is not persisted is computed twice); afterwards the RDD depends on a
ReliableCheckpointRDD only, and later jobs read the saved files.
"""

from __future__ import annotations

import os
from operator import add


def test_checkpoint_truncates_lineage(sc, tmp_path, events):
    sc.setCheckpointDir(str(tmp_path / "checkpoints"))
    data = [(i % 4, i) for i in range(40)]
    sums = sc.parallelize(data, 3).map(lambda kv: (kv[0], kv[1] * 10)).reduceByKey(add, 2)
    sums.checkpoint()
    assert not sums.isCheckpointed() and sums.getCheckpointFile() is None
    before = sums.toDebugString().decode()
    assert "ParallelCollectionRDD" in before and "+-" in before

    expected = sorted((k, 10 * sum(v for kk, v in data if kk == k)) for k in range(4))
    assert sorted(sums.collect()) == expected
    assert sums.isCheckpointed() and not sums.isLocallyCheckpointed()

    path = sums.getCheckpointFile()
    assert path is not None
    assert os.path.realpath(path).startswith(os.path.realpath(str(tmp_path / "checkpoints")))
    # one file per partition
    assert sorted(n for n in os.listdir(path) if n.startswith("part-")) == \
        ["part-00000", "part-00001"]

    after = sums.toDebugString().decode()
    assert "ReliableCheckpointRDD" in after
    assert "ParallelCollectionRDD" not in after and "+-" not in after  # no shuffle left
    events.clear()
    assert sorted(sums.collect()) == expected
    assert [s.kind for s in events.stages()] == ["ResultStage"]
    assert sums.getNumPartitions() == 2


def test_checkpoint_requires_a_directory(run_python):
    out = run_python(r"""
import json
from minispark import SparkContext
with SparkContext("local[1]", "no-dir") as sc:
    try:
        sc.parallelize([1, 2]).checkpoint()
        print(json.dumps("no error"))
    except Exception as e:
        print(json.dumps(str(e)))
""")
    assert "Checkpoint directory has not been set" in out


def test_unpersisted_checkpoint_recomputes_once_for_the_write(sc, tmp_path, compute_log):
    sc.setCheckpointDir(str(tmp_path / "cp"))
    rdd = sc.parallelize(range(10), 2).map(compute_log.recorder())
    rdd.checkpoint()
    assert rdd.count() == 10
    assert compute_log.count() == 20  # the action, then the checkpoint job
    assert rdd.sum() == 45
    assert sorted(rdd.collect()) == list(range(10))
    assert compute_log.count() == 20  # later jobs read the checkpoint files


def test_persisted_checkpoint_is_computed_once(sc, tmp_path, compute_log):
    sc.setCheckpointDir(str(tmp_path / "cp"))
    rdd = sc.parallelize(range(10), 2).map(compute_log.recorder()).cache()
    rdd.checkpoint()
    assert rdd.count() == 10
    assert compute_log.count() == 10  # the checkpoint job read the cached blocks
    assert rdd.isCheckpointed()
    assert rdd.collect() == list(range(10))
    assert compute_log.count() == 10


def test_checkpoint_of_a_child_keeps_the_parents_result(sc, tmp_path):
    sc.setCheckpointDir(str(tmp_path / "cp"))
    base = sc.parallelize(range(12), 3)
    child = base.map(lambda x: x * x)
    child.checkpoint()
    assert child.sum() == sum(x * x for x in range(12))
    assert child.isCheckpointed() and not base.isCheckpointed()
    # a further transformation of the checkpointed RDD reads the files
    assert child.filter(lambda x: x % 2 == 0).collect() == [x * x for x in range(0, 12, 2)]


def test_local_checkpoint(sc, compute_log):
    rdd = sc.parallelize(range(10), 2).map(compute_log.recorder())
    rdd.localCheckpoint()
    assert rdd.getStorageLevel().useDisk  # Spark persists MEMORY_AND_DISK for it
    assert rdd.count() == 10
    assert rdd.isLocallyCheckpointed() and not rdd.isCheckpointed()
    assert compute_log.count() == 10  # persisted, so the checkpoint did not recompute
    text = rdd.toDebugString().decode()
    assert "ParallelCollectionRDD" not in text
    assert rdd.map(lambda x: x + 1).collect() == list(range(1, 11))
    assert compute_log.count() == 10


def test_local_checkpoint_matches_pyspark(sc):
    # PySpark 4.3.0 (checked): isLocallyCheckpointed() is True as soon as
    # localCheckpoint() is called (Scala: checkpointData is LocalRDDCheckpointData),
    # and getCheckpointFile() is None for a local checkpoint (only reliable
    # checkpoints have a checkpoint file), before and after the action.
    rdd = sc.parallelize(range(10), 2).map(lambda x: x * 2)
    rdd.localCheckpoint()
    assert rdd.isLocallyCheckpointed()
    assert rdd.getCheckpointFile() is None
    assert rdd.count() == 10
    assert rdd.isLocallyCheckpointed() and not rdd.isCheckpointed()
    assert rdd.getCheckpointFile() is None
