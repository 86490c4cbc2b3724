"""Barrier execution: a stage whose tasks run all together, or not at all.

Read this file to learn what ``rdd.barrier().mapPartitions(f)`` changes. Normal
tasks are independent: any may run before, after or instead of another, and a
failed one is retried alone. Distributed training (MPI, Horovod, parameter
exchange) needs the opposite: every task of the stage running *at the same time*,
able to wait for the others and exchange messages. Spark's *barrier stage*
(SPARK-24374) gives exactly that:

  gang scheduling   all tasks of the stage start together. A stage that needs
                    more slots (here: worker processes) than the master has can
                    never start, so the job fails at once with Spark's
                    BarrierJobSlotsNumberCheckFailed. (Spark first re-checks 40
                    times, 15 s apart, in case executors are still joining; a
                    ``local[N]`` master never grows, so minispark does not wait.)
  all-or-nothing    if one task fails, the stage attempt fails: the other tasks
                    are killed and *all* of them are retried together, as long
                    as the task failure limit allows (``local[N,F]``: F attempts;
                    plain ``local[N]`` never retries, as in Spark).
  barrier()         ``BarrierTaskContext.get().barrier()`` blocks until every
                    task of the stage has called it: a global sync point.
  allGather(msg)    the same, and returns every task's message, in partition
                    order.
  chain rules       the barrier RDD's stage may not contain RDDs with a different
                    partition count (coalesce, union) nor run on some partitions
                    only (first, take): BarrierJobUnsupportedRDDChainException.

How minispark synchronises: the tasks of a barrier stage run in different worker
processes on one machine, so a sync point is a directory of the local dir (one per
stage attempt and sync number); each task writes its message there as a file and
waits until all ``numTasks`` files exist. Spark does the same through a
coordinator on the driver (BarrierCoordinator, over RPC).

Where the scheduler handles it: scheduler/dag.py (the checks, retrying the whole
stage), scheduler/taskscheduler.py (launching all tasks at once),
scheduler/task.py (the BarrierTaskContext).

Next: scheduler/dag.py.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from minispark.dependency import ShuffleDependency
from minispark.errors import PySparkRuntimeError
from minispark.rddbase import rdd_class
from minispark.taskcontext import TaskContext

__all__ = ["RDDBarrier", "BarrierTaskContext", "BarrierTaskInfo", "BarrierFunctions",
           "BarrierJobSlotsNumberCheckFailed", "BarrierJobUnsupportedRDDChainException"]

# How long a task waits between looks at the sync directory (it grows to the max).
_POLL_START, _POLL_MAX = 0.001, 0.05


class BarrierJobSlotsNumberCheckFailed(Exception):
    """A barrier stage needs more concurrent tasks than the master has slots."""

    def __init__(self, required: int, available: int):
        super().__init__(
            "[SPARK-24819]: Barrier execution mode does not allow run a barrier stage that "
            "requires more slots than the total number of slots in the cluster currently. "
            "Please init a new cluster with more resources(e.g. CPU, GPU) or repartition the "
            "input RDD(s) to reduce the number of slots required to run this barrier stage. "
            f"(minispark: {required} tasks, {available} worker processes)")


class BarrierJobUnsupportedRDDChainException(Exception):
    """A barrier stage contains a pattern Spark does not allow (coalesce, first, ...)."""

    def __init__(self) -> None:
        super().__init__(
            "[SPARK-24820][SPARK-24821]: Barrier execution mode does not allow the following "
            "pattern of RDD chain within a barrier stage:\n1. Ancestor RDDs that have different "
            "number of partitions from the resulting RDD (e.g. union()/coalesce()/first()/"
            "take()/PartitionPruningRDD). A workaround for first()/take() can be "
            "barrierRdd.collect().head (scala) or barrierRdd.collect()[0] (python).\n2. An RDD "
            "that depends on multiple barrier RDDs (e.g. barrierRdd1.zip(barrierRdd2)).")


class RDDBarrier:
    """Wraps an RDD so that the next stage runs in barrier mode (``rdd.barrier()``).

    >>> from minispark.barrier import BarrierTaskContext
    >>> def f(iterator):
    ...     context = BarrierTaskContext.get()
    ...     context.barrier()
    ...     return [sum(iterator), context.allGather(str(context.partitionId()))]
    >>> sc.parallelize(range(4), 2).barrier().mapPartitions(f).collect()
    [1, ['0', '1'], 5, ['0', '1']]
    """

    def __init__(self, rdd: Any):
        self.rdd = rdd

    def mapPartitions(self, f: Callable[[Iterator], Iterable],
                      preservesPartitioning: bool = False) -> Any:
        """Like RDD.mapPartitions, with all tasks run together (a barrier stage).

        >>> sc.parallelize([1, 2, 3, 4], 2).barrier().mapPartitions(lambda it: [sum(it)]).collect()
        [3, 7]
        """
        return self.mapPartitionsWithIndex(lambda _, it: f(it), preservesPartitioning)

    def mapPartitionsWithIndex(self, f: Callable[[int, Iterator], Iterable],
                               preservesPartitioning: bool = False) -> Any:
        """Like RDD.mapPartitionsWithIndex, with all tasks run together.

        >>> sc.parallelize([1, 2, 3, 4], 2).barrier().mapPartitionsWithIndex(
        ...     lambda i, it: [i]).collect()
        [0, 1]
        """
        mapped = rdd_class("MapPartitionsRDD")(self.rdd, f, preservesPartitioning)
        mapped.is_barrier = True
        return mapped


class BarrierFunctions:
    """``rdd.barrier()`` (mixed into ``RDD`` through NarrowTransformations)."""

    def barrier(self) -> RDDBarrier:
        """Mark the stage of the next mapPartitions as a barrier stage (see barrier.py).

        >>> type(sc.parallelize([1]).barrier()).__name__
        'RDDBarrier'
        """
        return RDDBarrier(self)


def _stage_rdds(rdd: Any):
    """Each RDD of ``rdd``'s stage once: those reachable through narrow dependencies."""
    stack, seen = [rdd], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(_narrow_parents(current))


def _narrow_parents(rdd: Any) -> list:
    return [d.rdd for d in rdd.dependencies if not isinstance(d, ShuffleDependency)]


def rdd_is_barrier(rdd: Any) -> bool:
    """Whether ``rdd``'s stage is a barrier stage: a barrier RDD is reachable through
    narrow dependencies (Spark's RDD.isBarrier)."""
    return any(getattr(current, "is_barrier", False) for current in _stage_rdds(rdd))


def check_barrier_stage(rdd: Any, num_tasks: int, num_slots: int) -> None:
    """Spark's checks when a barrier stage is created (see the module docstring)."""
    if not rdd_is_barrier(rdd):
        return
    for current in _stage_rdds(rdd):
        if (current.getNumPartitions() != num_tasks
                or sum(1 for r in _narrow_parents(current) if rdd_is_barrier(r)) > 1):
            raise BarrierJobUnsupportedRDDChainException()
    if num_tasks > num_slots:
        raise BarrierJobSlotsNumberCheckFailed(num_tasks, num_slots)


class BarrierTaskInfo:
    """Where a barrier task runs (PySpark's BarrierTaskInfo): ``address``, here
    ``localhost:<worker pid>``."""

    def __init__(self, address: str):
        self.address = address

    def __repr__(self) -> str:
        return f"BarrierTaskInfo(address={self.address!r})"


class BarrierTaskContext(TaskContext):
    """The TaskContext of a task in a barrier stage, with barrier() and allGather().

    >>> def f(iterator):
    ...     infos = BarrierTaskContext.get().getTaskInfos()
    ...     return [len(infos)]
    >>> sc.parallelize(range(4), 2).barrier().mapPartitions(f).collect()
    [2, 2]
    >>> BarrierTaskContext.get()
    Traceback (most recent call last):
      ...
    minispark.errors.PySparkRuntimeError: [NOT_IN_BARRIER_STAGE] It is not in a barrier stage.
    """

    barrier_info: dict

    @classmethod
    def get(cls) -> BarrierTaskContext:
        """The context of the running barrier task; raises outside a barrier stage.

        >>> sc.parallelize([0], 1).barrier().mapPartitions(
        ...     lambda it: [type(BarrierTaskContext.get()).__name__]).collect()
        ['BarrierTaskContext']
        """
        context = TaskContext.get()
        if not isinstance(context, BarrierTaskContext):
            raise PySparkRuntimeError("NOT_IN_BARRIER_STAGE", "It is not in a barrier stage.")
        return context

    def barrier(self) -> None:
        """Wait until every task of this barrier stage has called barrier().

        >>> sc.parallelize(range(2), 2).barrier().mapPartitions(
        ...     lambda it: [BarrierTaskContext.get().barrier()]).collect()
        [None, None]
        """
        self._sync(None)

    def allGather(self, message: str = "") -> list[str]:
        """Wait for every task, then return all their messages, in partition order.

        >>> sc.parallelize(range(2), 2).barrier().mapPartitions(
        ...     lambda it: BarrierTaskContext.get().allGather(str(list(it)))).collect()
        ['[0]', '[1]', '[0]', '[1]']
        """
        if not isinstance(message, str):
            raise TypeError(f"Argument `message` should be a str, got {type(message).__name__}")
        return self._sync(message)

    def getTaskInfos(self) -> list[BarrierTaskInfo]:
        """One BarrierTaskInfo per task of the stage, in partition order.

        >>> sc.parallelize(range(2), 2).barrier().mapPartitions(lambda it: [
        ...     BarrierTaskContext.get().getTaskInfos()[0].address[:10]]).collect()
        ['localhost:', 'localhost:']
        """
        return [BarrierTaskInfo(a) for a in self.barrier_info["addresses"]]

    def _sync(self, message: str | None) -> list:
        info = self.barrier_info
        number = info.setdefault("calls", 0)
        info["calls"] = number + 1
        directory = os.path.join(info["dir"], f"sync-{number}")
        os.makedirs(directory, exist_ok=True)
        name = f"{self.partitionId():06d}"
        tmp = os.path.join(directory, f".{name}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(message, f)
        os.replace(tmp, os.path.join(directory, name))  # atomic: never read half-written
        delay = _POLL_START
        while True:
            names = sorted(n for n in os.listdir(directory) if not n.startswith("."))
            if len(names) >= info["num_tasks"]:
                break
            time.sleep(delay)
            delay = min(delay * 2, _POLL_MAX)
        out = []
        for n in names:
            with open(os.path.join(directory, n), "rb") as f:
                out.append(pickle.load(f))
        return out
