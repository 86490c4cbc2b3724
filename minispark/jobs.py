"""Submitting jobs: what happens between an action and the DAG scheduler.

Read this file to see what the driver adds to every job it runs: the
properties of the calling thread, a description, and, once the job is done,
the checkpoints its lineage asked for.

Key terms
  job             everything one action computes: ``_run_job`` hands the final
                  RDD and a function over its partitions to the DAG scheduler
                  (scheduler/dag.py) and gets one result per partition back.
  local property  a key-value pair of the calling *thread* (``setLocalProperty``),
                  copied into every job it starts: job groups and descriptions
                  are local properties, which is how the UI groups jobs.
  checkpoint      after a job, each RDD of its lineage marked by checkpoint()
                  is written out (rdds/checkpoint.py) and its lineage cut.
  listener        an object the driver posts every scheduler event to
                  (scheduler/listener.py): the UI, graders, the progress bar.

These methods are mixed into ``SparkContext`` (context.py).

Next: scheduler/dag.py, which turns a job into stages.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from minispark.cancellation import JobCancellation
from minispark.rdds.checkpoint import write_checkpoint
from minispark.scheduler.listener import SparkListener
from minispark.scheduler.status import StatusTracker
from minispark.util import call_site

if TYPE_CHECKING:
    from minispark.rdd import RDD

__all__ = ["JobSubmission"]


class JobSubmission(JobCancellation):
    """Running jobs, their properties, listeners and checkpoints (mixed into
    ``SparkContext``); job tags and cancellation are in cancellation.py."""

    def setCheckpointDir(self, dirName: str) -> None:
        """Where checkpoint() saves RDDs (a new sub-directory per application).

        >>> import tempfile; sc.setCheckpointDir(tempfile.mkdtemp())
        >>> sc.getCheckpointDir() is not None
        True
        """
        path = os.path.join(os.path.abspath(dirName), str(uuid.uuid4()))
        os.makedirs(path, exist_ok=True)
        self._checkpoint_dir = path

    def getCheckpointDir(self) -> str | None:
        """The checkpoint directory, or None if not set.

        >>> import tempfile; sc.setCheckpointDir(tempfile.mkdtemp())
        >>> sc.getCheckpointDir() is not None
        True
        """
        return self._checkpoint_dir

    def _properties(self) -> dict:
        props = getattr(self._local_properties, "values", None)
        if props is None:
            props = self._local_properties.values = {}
        return props

    def setLocalProperty(self, key: str, value: str | None) -> None:
        """Set a property seen by jobs started from this thread (None removes it).

        >>> sc.setLocalProperty("lab", "ch06a"); sc.getLocalProperty("lab")
        'ch06a'
        >>> sc.setLocalProperty("lab", None)
        """
        if value is None:
            self._properties().pop(key, None)
        else:
            self._properties()[key] = value

    def getLocalProperty(self, key: str) -> str | None:
        """A local property of this thread, or None.

        >>> sc.setLocalProperty("course.lab", "3"); sc.getLocalProperty("course.lab")
        '3'
        >>> sc.setLocalProperty("course.lab", None); sc.getLocalProperty("course.lab") is None
        True
        """
        return self._properties().get(key)

    def setJobGroup(self, groupId: str | None, description: str | None,
                    interruptOnCancel: bool = False) -> None:
        """Put the jobs started from this thread in a group (see statusTracker).

        >>> sc.setJobGroup("lab3", "counting requests")
        >>> _ = sc.parallelize(range(3)).count()
        >>> len(sc.statusTracker().getJobIdsForGroup("lab3"))
        1
        >>> sc.setJobGroup(None, None)
        """
        self.setLocalProperty("spark.jobGroup.id", groupId)
        self.setLocalProperty("spark.job.description", description)
        self.setInterruptOnCancel(interruptOnCancel)

    def setJobDescription(self, value: str | None) -> None:
        """A description shown for the next jobs (UI, events).

        >>> sc.setJobDescription("count the logs"); sc.setJobDescription(None)
        """
        self.setLocalProperty("spark.job.description", value)

    def statusTracker(self) -> StatusTracker:
        """Low-level progress of jobs and stages.

        >>> sc.statusTracker().getActiveStageIds()
        []
        """
        return self._status_tracker

    # -- listeners (minispark-only) --------------------------------------------------------

    def addSparkListener(self, listener: SparkListener) -> None:
        """Register a listener for scheduler events (minispark-only; see
        scheduler/listener.py). PySpark has no Python listener API for RDDs.

        >>> from minispark.scheduler.listener import EventCollector
        >>> events = EventCollector(); sc.addSparkListener(events)
        >>> _ = sc.parallelize(range(4), 2).count()
        >>> [e.kind for e in events.events if e.kind.startswith("Job")]
        ['JobStart', 'JobEnd']
        >>> sc.removeSparkListener(events)
        """
        self._bus.add(listener)

    def removeSparkListener(self, listener: SparkListener) -> None:
        """Unregister a listener (minispark-only).

        >>> from minispark.scheduler.listener import EventCollector
        >>> events = EventCollector(); sc.addSparkListener(events); sc.removeSparkListener(events)
        >>> _ = sc.parallelize([1]).count(); events.events
        []
        """
        self._bus.remove(listener)

    # -- running jobs ----------------------------------------------------------------------

    def runJob(self, rdd: RDD, partitionFunc: Callable, partitions: list[int] | None = None,
               allowLocal: bool = False) -> list:
        """Run ``partitionFunc(iterator)`` on the given partitions and concatenate
        what it returns.

        >>> sc.runJob(sc.parallelize(range(6), 3), lambda it: [sum(it)], [0, 2])
        [1, 9]
        """
        results = self._run_job(rdd, lambda it: list(partitionFunc(it)), partitions)
        return [x for part in results for x in part]

    def _run_job(self, rdd: RDD, func: Callable, partitions: Iterable[int] | None = None,
                 description: str | None = None, checkpoint: bool = True) -> list:
        """Run a job: one result per requested partition (what every action uses).
        ``checkpoint=False`` is for the job that writes a checkpoint itself."""
        if self._stopped:
            raise RuntimeError("Cannot call methods on a stopped SparkContext.")
        parts = list(range(rdd.getNumPartitions()) if partitions is None else partitions)
        props = dict(self._properties())
        desc = description or props.get("spark.job.description") or call_site()
        results = self._dag.run_job(rdd, func, parts, props, desc)
        if checkpoint:
            self._do_checkpoint(rdd)
        return results

    def _do_checkpoint(self, rdd: RDD) -> None:
        """After a job: write the checkpoints requested in its lineage (Spark's
        doCheckpoint), stopping at the first marked RDD on each path."""
        stack, seen = [rdd], set()
        while stack:
            current = stack.pop()
            if current.id() in seen or current._checkpoint_rdd is not None:
                continue
            seen.add(current.id())
            mode = current._checkpoint_requested
            if mode is None:
                stack.extend(d.rdd for d in current.dependencies)
                continue
            base = self._checkpoint_dir if mode == "reliable" else \
                os.path.join(self._local_dir, "local-checkpoints")
            checkpoint = write_checkpoint(current, os.path.join(base, f"rdd-{current.id()}"),
                                          local=mode == "local")
            current._checkpoint_rdd = checkpoint
            current._deps = []  # lineage truncated: parents can be garbage collected

    # -- internal ids and caching ---------------------------------------------------------

    def _new_rdd_id(self) -> int:
        self._next_rdd_id += 1
        return self._next_rdd_id - 1

    def _new_broadcast_id(self) -> int:
        self._next_broadcast_id += 1
        return self._next_broadcast_id - 1

    def _merge_accumulator_updates(self, updates: dict | None) -> None:
        """Fold one successful task's accumulator updates into the driver's values."""
        for aid, update in (updates or {}).items():
            acc = self._accumulators.get(aid)
            if acc is not None:
                acc._value = acc.accum_param.addInPlace(acc._value, update)

    def _new_shuffle_id(self) -> int:
        self._next_shuffle_id += 1
        return self._next_shuffle_id - 1

    def _unpersist_rdd(self, rdd_id: int) -> None:
        self._persistent_rdds.pop(rdd_id, None)
        self._block_locations.remove_rdd(rdd_id)
        self._backend.broadcast({"op": "remove_rdd", "rdd_id": rdd_id})
        self._bus.post("UnpersistRDD", rdd_id=rdd_id)
