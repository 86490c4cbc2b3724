"""Fault injection: break things on purpose, to watch Spark recover (minispark-only).

Read this file to see each kind of failure Spark is built to survive, and
which part of the engine repairs it.

PySpark has nothing like this module: it is a teaching aid. On a real cluster
faults come by themselves (a disk dies, a node is pre-empted); in a classroom
they must come on cue and the same way every run, so a notebook can show the
recovery and a test can assert that the result did not change.

  fault                              who repairs it
  ---------------------------------  ----------------------------------------
  a task attempt raises               the task scheduler runs the task again
  (failTasks, failTask)               (``local[N,F]``: up to F attempts)
  a worker process dies mid-task      the executor backend starts a new
  (killWorkerDuring)                  worker; the task runs again there
  a shuffle output file disappears    the reducer's fetch fails; the DAG
  (loseShuffleOutput)                 scheduler reruns the missing map tasks
  a cached block disappears           the next task recomputes the partition
  (dropCachedBlocks)                  from lineage (and caches it again)

Injected task faults happen *after* the task has done its work, just before
it reports: the work (and any accumulator updates) is thrown away, which is
exactly what an accumulator's exactly-once guarantee has to survive.

Which attempts fail is decided from a hash of (seed, stage, partition,
attempt), never by a random generator or the clock: the same program with the
same seed fails the same attempts on every run. The last attempt a task is
allowed is never failed by ``failTasks``, so the job still succeeds.

Next: scheduler/taskscheduler.py, which asks this module before each launch.
"""

from __future__ import annotations

import glob
import hashlib
import os
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FaultInjector", "InjectedFault"]


class InjectedFault(Exception):
    """The exception an injected task failure raises (minispark-only)."""


@dataclass
class _Rule:
    action: str                   # "raise" or "kill"
    stage_id: int | None          # None: any stage
    partition: int | None         # None: any partition
    attempt: int | None           # None: any attempt
    fraction: float = 1.0
    seed: int = 0
    fired: set = field(default_factory=set)


class FaultInjector:
    """Deterministic faults for lessons and tests; reach it as ``sc.faults``.

    >>> sc.faults.failTask(partition=1)          # its first attempt will fail
    >>> sc.parallelize(range(4), 2).map(lambda x: x * 10).collect()
    Traceback (most recent call last):
      ...
    minispark.errors.PythonException: minispark.faults.InjectedFault: injected failure ...
    >>> sc.faults.clear()
    """

    def __init__(self, sc: Any):
        self._sc = sc
        self._rules: list[_Rule] = []

    # -- task attempts -----------------------------------------------------------

    def failTasks(self, fraction: float, seed: int = 0, stageId: int | None = None) -> None:
        """Fail about ``fraction`` of all task attempts (never a task's last allowed one).

        >>> sc.faults.failTasks(0.3, seed=1); sc.faults.clear()
        """
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
        self._rules.append(_Rule("raise", stageId, None, None, fraction, seed))

    def failTask(self, stageId: int | None = None, partition: int = 0, attempt: int = 0) -> None:
        """Fail one chosen task attempt (of any stage if ``stageId`` is None), once.

        >>> sc.faults.failTask(partition=0); sc.faults.clear()
        """
        self._rules.append(_Rule("raise", stageId, partition, attempt))

    def killWorkerDuring(self, stageId: int | None = None, partition: int = 0,
                         attempt: int = 0) -> None:
        """Kill the worker process running a chosen task attempt, once.

        >>> sc.faults.killWorkerDuring(partition=1)
        >>> sc.parallelize(range(4), 2).map(lambda x: x + 1).collect()  # recovered
        [1, 2, 3, 4]
        >>> sc.faults.clear()
        """
        self._rules.append(_Rule("kill", stageId, partition, attempt))

    def clear(self) -> None:
        """Remove every fault rule.

        >>> sc.faults.clear()
        """
        self._rules.clear()

    def decide(self, stage_id: int, partition: int, attempt: int, max_attempts: int) -> str | None:
        """What to do to this task attempt: None, "raise" or "kill" (scheduler side)."""
        for rule in self._rules:
            if rule.stage_id not in (None, stage_id) or rule.partition not in (None, partition):
                continue
            if rule.attempt not in (None, attempt):
                continue
            if rule.fraction < 1.0:  # failTasks: a hash decides, the last attempt is spared
                if attempt >= max_attempts - 1:
                    continue
                key = f"{rule.seed}:{stage_id}:{partition}:{attempt}".encode()
                digest = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")
                if digest / 2 ** 64 >= rule.fraction:
                    continue
                return rule.action
            key = (stage_id, partition, attempt)
            if rule.fired and key not in rule.fired:
                continue  # a one-shot rule already fired on another task
            rule.fired.add(key)
            return rule.action
        return None

    # -- data already computed -----------------------------------------------------

    def loseShuffleOutput(self, rdd: Any, mapIds: list[int] | None = None) -> int:
        """Delete the shuffle files behind ``rdd`` (a shuffled RDD); returns how many.

        The next job that reads them hits a fetch failure and recomputes them.

        >>> counts = sc.parallelize(["a", "b", "a"], 2).map(lambda w: (w, 1)) \\
        ...     .reduceByKey(lambda a, b: a + b)
        >>> sorted(counts.collect())
        [('a', 2), ('b', 1)]
        >>> sc.faults.loseShuffleOutput(counts)
        2
        >>> sorted(counts.collect())
        [('a', 2), ('b', 1)]
        """
        from minispark.dependency import ShuffleDependency
        deps = [d for d in rdd.dependencies if isinstance(d, ShuffleDependency)]
        if not deps:
            raise ValueError(f"{rdd!r} does not read a shuffle: call this on the RDD "
                             "returned by reduceByKey, groupByKey, join, partitionBy...")
        removed = 0
        for dep in deps:
            stage = self._sc._dag.shuffle_id_to_map_stage.get(dep.shuffle_id)
            statuses = stage.outputs if stage is not None else []
            for map_id, status in enumerate(statuses):
                if status is not None and (mapIds is None or map_id in mapIds):
                    for path in glob.glob(status.path + "*"):
                        os.remove(path)
                    removed += 1
        return removed

    def dropCachedBlocks(self, rdd: Any) -> None:
        """Forget every cached partition of ``rdd``; it stays marked as persisted,
        so the next job recomputes the partitions from lineage and caches them again.

        >>> rdd = sc.parallelize(range(4), 2).cache(); rdd.count()
        4
        >>> sc.faults.dropCachedBlocks(rdd); rdd.count()
        4
        >>> rdd.unpersist() is rdd
        True
        """
        self._sc._block_locations.remove_rdd(rdd.id())
        self._sc._backend.broadcast({"op": "remove_rdd", "rdd_id": rdd.id()})
