"""Listener events: the one record of everything that happens in a job.

Read this file to learn what the scheduler reports, and to hook into it.

Spark's scheduler posts an event for every step: an application starts, a job
starts (with its stages), a stage is submitted, each task starts and ends (with
its metrics), stages and jobs complete, blocks are cached. The Spark UI, the
event log and the history server are nothing but listeners of these events.
minispark does the same: the UI, the graders of the performance exercises and
the console progress bar all read these events and nothing else.

``sc.addSparkListener(listener)`` (minispark-only: PySpark has no Python
listener API for RDD jobs) registers an object whose ``onJobStart``,
``onStageCompleted``, ``onTaskEnd``... methods (Spark's Scala names) receive the
events below. Events are delivered synchronously on the driver, in order; a
listener that raises is reported and skipped, never breaking the job.

Next: dag.py, which posts most of them.
"""

from __future__ import annotations

import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any

from minispark.taskcontext import TaskMetrics

__all__ = ["SparkListener", "ListenerBus", "StageInfo", "TaskInfo", "RDDInfo", "EventCollector"]


@dataclass
class RDDInfo:
    """One RDD of a stage as listeners see it (Spark's ``RDDInfo``): what the UI's DAG
    visualization draws, so that it never needs the RDD itself.

    >>> rdd = sc.parallelize([1, 2], 2).map(str).cache()
    >>> info = RDDInfo.from_rdd(rdd)
    >>> info.name, info.scope, info.parent_ids == [rdd.id() - 1], info.storage_level
    ('MapPartitionsRDD', 'map', True, 'Memory Serialized 1x Replicated')
    >>> rdd.unpersist().getStorageLevel().useMemory
    False
    """

    id: int
    name: str                      # setName's name, else the class (Spark's rule)
    scope: str                     # the operation that made it: "map", "reduceByKey"
    call_site: str                 # "map at job.py:4"
    parent_ids: list[int]
    storage_level: str = ""        # "" when not persisted
    num_partitions: int = 0
    # minispark-only: its wide dependencies, (parent RDD id, shuffle id) each (Spark's
    # RDDInfo has parentIds only), so the UI can tell which map stage feeds it.
    shuffle_deps: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def from_rdd(cls, rdd: Any) -> RDDInfo:
        """Spark's ``RDDInfo.fromRdd``: read once, when the stage is made.

        >>> pairs = sc.parallelize([("a", 1)], 1).setName("pairs")
        >>> info = RDDInfo.from_rdd(pairs.partitionBy(3))
        >>> info.scope, info.num_partitions, [p for p, _ in info.shuffle_deps] == [pairs.id()]
        ('partitionBy', 3, True)
        >>> RDDInfo.from_rdd(pairs).name
        'pairs'
        """
        level = rdd.getStorageLevel()
        site = rdd.creation_site
        deps = rdd.dependencies
        return cls(rdd.id(), rdd.name() or type(rdd).__name__, site.split(" at ", 1)[0], site,
                   [d.rdd.id() for d in deps],
                   str(level) if level.useMemory or level.useDisk or level.useOffHeap else "",
                   len(rdd.partitions),
                   [(d.rdd.id(), d.shuffle_id) for d in deps if hasattr(d, "shuffle_id")])


@dataclass
class StageInfo:
    """A stage as listeners see it."""

    stage_id: int
    attempt_id: int
    name: str
    num_tasks: int
    parent_ids: list[int]
    kind: str                      # "ShuffleMapStage" or "ResultStage"
    rdd_names: list[str]
    shuffle_id: int | None = None  # the shuffle a map stage writes
    submission_time: float | None = None
    completion_time: float | None = None
    failure_reason: str | None = None
    num_tasks_run: int = 0         # tasks actually launched (fewer if outputs existed)
    rdd_infos: list[RDDInfo] = field(default_factory=list)  # its RDDs, this stage's RDD first


@dataclass
class TaskInfo:
    """One task attempt as listeners see it."""

    task_id: int
    stage_id: int
    stage_attempt_id: int
    index: int                     # the partition
    attempt: int
    executor_id: str
    locality: str                  # PROCESS_LOCAL when it reads a block cached on its worker
    launch_time: float
    finish_time: float = 0.0
    successful: bool = False
    error: str | None = None


@dataclass
class Event:
    kind: str
    time: float = field(default_factory=time.time)
    data: dict = field(default_factory=dict)

    def to_json_dict(self) -> dict:
        return {"Event": self.kind, "Timestamp": self.time, **_plain(self.data)}


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class SparkListener:
    """Base class: override the events you care about (Spark's method names).

    >>> class CountTasks(SparkListener):
    ...     def __init__(self): self.tasks = 0
    ...     def onTaskEnd(self, event): self.tasks += 1
    >>> counter = CountTasks(); sc.addSparkListener(counter)
    >>> sc.parallelize(range(10), 4).count()
    10
    >>> counter.tasks
    4
    >>> sc.removeSparkListener(counter)
    """

    def onApplicationStart(self, event: Event) -> None: ...
    def onApplicationEnd(self, event: Event) -> None: ...
    def onJobStart(self, event: Event) -> None: ...
    def onJobEnd(self, event: Event) -> None: ...
    def onStageSubmitted(self, event: Event) -> None: ...
    def onStageCompleted(self, event: Event) -> None: ...
    def onTaskStart(self, event: Event) -> None: ...
    def onTaskEnd(self, event: Event) -> None: ...
    def onBlockUpdated(self, event: Event) -> None: ...
    def onUnpersistRDD(self, event: Event) -> None: ...
    def onExecutorAdded(self, event: Event) -> None: ...
    def onExecutorRemoved(self, event: Event) -> None: ...
    def onEnvironmentUpdate(self, event: Event) -> None: ...


class ListenerBus:
    """Delivers events to every registered listener, in registration order."""

    def __init__(self) -> None:
        self.listeners: list[SparkListener] = []

    def add(self, listener: SparkListener) -> None:
        self.listeners.append(listener)

    def remove(self, listener: SparkListener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)

    def post(self, kind: str, **data: Any) -> Event:
        event = Event(kind, data=data)
        method = "on" + kind
        for listener in list(self.listeners):
            handler = getattr(listener, method, None)
            if handler is None:
                continue
            try:
                handler(event)
            except Exception:  # a broken listener must never break the job
                print(f"minispark: listener {type(listener).__name__}.{method} raised:\n"
                      + traceback.format_exc(), file=sys.stderr)
        return event


class EventCollector(SparkListener):
    """A listener that keeps every event, for tests, graders and notebooks
    (minispark-only).

    >>> events = EventCollector(); sc.addSparkListener(events)
    >>> sc.parallelize([("a", 1), ("a", 2)], 2).reduceByKey(lambda a, b: a + b).collect()
    [('a', 3)]
    >>> [s.kind for s in events.stages()]
    ['ShuffleMapStage', 'ResultStage']
    >>> sc.removeSparkListener(events)
    """

    def __init__(self) -> None:
        self.events: list[Event] = []
        # Every onXxx handler of SparkListener becomes "keep the event".
        for name in vars(SparkListener):
            if name.startswith("on"):
                setattr(self, name, self.events.append)

    def of_kind(self, kind: str) -> list[Event]:
        """The events of one kind (``"TaskEnd"``, ``"JobStart"``...), in order.

        >>> events = EventCollector(); sc.addSparkListener(events)
        >>> _ = sc.parallelize(range(6), 3).count(); sc.removeSparkListener(events)
        >>> len(events.of_kind("TaskEnd"))
        3
        """
        return [e for e in self.events if e.kind == kind]

    def jobs(self) -> list[Event]:
        """The JobEnd events: one per finished job, with its result.

        >>> events = EventCollector(); sc.addSparkListener(events)
        >>> _ = sc.parallelize([1]).count(); sc.removeSparkListener(events)
        >>> [e.data["result"] for e in events.jobs()]
        ['JobSucceeded']
        """
        return self.of_kind("JobEnd")

    def stages(self) -> list[StageInfo]:
        """Completed stages, in completion order.

        >>> events = EventCollector(); sc.addSparkListener(events)
        >>> _ = sc.parallelize([1, 2], 2).map(lambda x: (x, x)).groupByKey().count()
        >>> sc.removeSparkListener(events)
        >>> [(s.kind, s.num_tasks) for s in events.stages()]
        [('ShuffleMapStage', 2), ('ResultStage', 2)]
        """
        return [e.data["stage_info"] for e in self.of_kind("StageCompleted")]

    def task_metrics(self, stage_id: int | None = None) -> list[TaskMetrics]:
        """The metrics of every finished task (of one stage, if given).

        >>> events = EventCollector(); sc.addSparkListener(events)
        >>> _ = sc.parallelize(range(10), 2).count(); sc.removeSparkListener(events)
        >>> [m.result_size > 0 for m in events.task_metrics()]
        [True, True]
        """
        return [e.data["metrics"] for e in self.of_kind("TaskEnd")
                if stage_id is None or e.data["task_info"].stage_id == stage_id]

    def clear(self) -> None:
        """Forget the events collected so far.

        >>> events = EventCollector(); events.onJobEnd("x"); events.clear(); events.events
        []
        """
        self.events.clear()
