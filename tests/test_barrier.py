"""Barrier stages (minispark/barrier.py): gang launch, real synchronisation across
worker processes, all-or-nothing retries, and Spark's checks.

Timing is never asserted with a margin: synchronisation is shown by what tasks can
only know after the others reached the barrier (files the others wrote before it).
"""

from __future__ import annotations

import os

import pytest

from minispark.barrier import (
    BarrierJobSlotsNumberCheckFailed,
    BarrierJobUnsupportedRDDChainException,
    BarrierTaskContext,
)
from minispark.errors import PythonException


def test_barrier_waits_for_every_task(sc, tmp_path):
    """After barrier(), each task sees the files every other task wrote before it:
    possible only if barrier() really waited for them (in other processes)."""
    marks = str(tmp_path)

    def f(it):
        ctx = BarrierTaskContext.get()
        open(os.path.join(marks, str(ctx.partitionId())), "w").close()
        ctx.barrier()
        return [sorted(os.listdir(marks))]

    seen = sc.parallelize(range(4), 2).barrier().mapPartitions(f).collect()
    assert seen == [["0", "1"], ["0", "1"]]


def test_all_gather_returns_messages_in_partition_order(sc):
    def f(it):
        ctx = BarrierTaskContext.get()
        first = ctx.allGather(str(sum(it)))
        second = ctx.allGather(f"p{ctx.partitionId()}")
        return [(first, second, os.getpid())]

    out = sc.parallelize(range(6), 2).barrier().mapPartitions(f).collect()
    assert [o[:2] for o in out] == [(["3", "12"], ["p0", "p1"])] * 2
    assert out[0][2] != out[1][2], "the two tasks must have run in two worker processes"


def test_task_infos_and_index(sc):
    def f(i, it):
        return [(i, len(BarrierTaskContext.get().getTaskInfos()))]

    assert sc.parallelize(range(4), 2).barrier().mapPartitionsWithIndex(f).collect() == \
        [(0, 2), (1, 2)]


def test_not_in_barrier_stage(sc):
    def f(it):
        try:
            BarrierTaskContext.get()
        except RuntimeError as e:
            return [str(e)]
        return ["no error"]

    assert sc.parallelize([1], 1).mapPartitions(f).collect() == \
        ["[NOT_IN_BARRIER_STAGE] It is not in a barrier stage."]


def test_more_tasks_than_slots_fails_with_sparks_error(sc):
    with pytest.raises(BarrierJobSlotsNumberCheckFailed, match=r"SPARK-24819"):
        sc.parallelize(range(10), 3).barrier().mapPartitions(lambda it: it).collect()


@pytest.mark.parametrize("program", [
    lambda rdd: rdd.first(),
    lambda rdd: rdd.take(2),
    lambda rdd: rdd.coalesce(1).collect(),
    lambda rdd: rdd.zip(rdd).collect(),
], ids=["first", "take", "coalesce", "zip_of_two_barrier_rdds"])
def test_unsupported_rdd_chains(sc, program):
    rdd = sc.parallelize(range(10), 2).barrier().mapPartitions(lambda it: it)
    with pytest.raises(BarrierJobUnsupportedRDDChainException, match=r"SPARK-24820"):
        program(rdd)


def test_barrier_stage_around_shuffles(sc):
    pairs = sc.parallelize(range(10), 2).map(lambda x: (x % 3, 1))
    after = pairs.reduceByKey(lambda a, b: a + b).barrier().mapPartitions(lambda it: it)
    before = pairs.barrier().mapPartitions(lambda it: it).reduceByKey(lambda a, b: a + b)
    assert sorted(after.collect()) == sorted(before.collect()) == [(0, 4), (1, 3), (2, 3)]


def test_failure_fails_the_job_without_retry_in_local_mode(sc):
    """local[2]: no task retries; the partner blocked in barrier() is killed, not awaited."""
    def f(it):
        ctx = BarrierTaskContext.get()
        if ctx.partitionId() == 1:
            raise ValueError("boom in barrier task")
        ctx.barrier()
        return [1]

    with pytest.raises(PythonException, match="boom in barrier task"):
        sc.parallelize(range(4), 2).barrier().mapPartitions(f).collect()
    assert sc.parallelize(range(4), 2).collect() == [0, 1, 2, 3]  # the workers recovered


def test_failed_task_retries_the_whole_stage_together(run_python, tmp_path):
    """local[2,3]: partition 1 fails once; then *both* tasks run again, in a new stage
    attempt (new task attempt ids for both), and the job succeeds."""
    code = f"""
import json, os
from minispark import SparkContext, BarrierTaskContext
marker = {str(tmp_path / "failed-once")!r}
log = {str(tmp_path / "log")!r}
def f(it):
    ctx = BarrierTaskContext.get()
    with open(log, "a") as out:
        out.write(f"{{ctx.partitionId()}} {{ctx.taskAttemptId()}}\\n")
    ctx.barrier()
    if ctx.partitionId() == 1 and not os.path.exists(marker):
        open(marker, "w").close()
        raise ValueError("first attempt fails")
    return [sum(it)]
with SparkContext("local[2,3]", "barrier-retry") as sc:
    result = sc.parallelize(range(4), 2).barrier().mapPartitions(f).collect()
runs = [line.split() for line in open(log)]
print(json.dumps({{"result": result, "runs": runs}}))
"""
    out = run_python(code)
    assert out["result"] == [1, 5]
    partitions = sorted(p for p, _ in out["runs"])
    assert partitions == ["0", "0", "1", "1"], "each task ran exactly twice"
    assert len({a for _, a in out["runs"]}) == 4, "every run was a new task attempt"
