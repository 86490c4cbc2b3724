"""The rows the UI shows: a task, a stage, a job, an executor, a cached RDD, and what
a stage computes (its StagePlan: the RDDs the DAG visualization draws).

Mirrors Spark's ``status/storeTypes.scala`` and ``LiveEntity.scala``
(core/src/main/scala/org/apache/spark/status/): plain records that
AppStatusStore (state.py) updates as events arrive and the pages read.
``Totals`` is the one piece of arithmetic done per task: a few additions,
so the UI costs a job almost nothing. Next: state.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["TaskRow", "Totals", "StagePlan", "StageRow", "JobRow", "ExecutorRow", "RDDRow",
           "percentiles", "parse_rdd_repr"]

# "name MapPartitionsRDD[3] at map at x.py:4": the repr StageInfo.rdd_names carries.
_RDD_REPR = re.compile(r"^(?:(?P<name>.*) )?(?P<cls>\w+)\[(?P<id>\d+)\] at (?P<site>.*)$", re.S)


@dataclass
class TaskRow:
    """One task attempt: TaskInfo's fields at the time of its events, plus its metrics."""

    task_id: int
    index: int
    attempt: int
    executor_id: str
    locality: str
    launch_time: float
    finish_time: float = 0.0
    status: str = "RUNNING"
    error: str | None = None
    metrics: Any = None          # TaskMetrics, or None for a lost task

    @property
    def duration(self) -> float:
        return max(0.0, self.finish_time - self.launch_time) if self.finish_time else 0.0

    @property
    def scheduler_delay(self) -> float:
        """Time not spent running on the executor: launching, shipping, fetching the result."""
        m = self.metrics
        if m is None:
            return 0.0
        busy = m.executor_run_time + m.executor_deserialize_time + m.result_serialization_time
        return max(0.0, self.duration - busy)


@dataclass
class Totals:
    """Counters summed over tasks: of a stage, of an executor, or of an executor in a stage."""

    tasks: int = 0
    failed: int = 0
    active: int = 0
    task_time: float = 0.0
    input_bytes: int = 0
    input_records: int = 0
    shuffle_read_bytes: int = 0
    shuffle_read_records: int = 0
    shuffle_write_bytes: int = 0
    shuffle_write_records: int = 0
    memory_spilled: int = 0
    disk_spilled: int = 0

    def add(self, row: TaskRow) -> None:
        """Count one finished task (O(1): the only work done per task event)."""
        self.active -= 1
        if row.status != "SUCCESS":
            self.failed += 1
        else:
            self.tasks += 1
        self.task_time += row.duration
        m = row.metrics
        if m is not None:
            self.input_bytes += m.bytes_read
            self.input_records += m.records_read
            self.shuffle_read_bytes += m.shuffle_read_bytes
            self.shuffle_read_records += m.shuffle_read_records
            self.shuffle_write_bytes += m.shuffle_write_bytes
            self.shuffle_write_records += m.shuffle_write_records
            self.memory_spilled += m.memory_bytes_spilled
            self.disk_spilled += m.disk_bytes_spilled


@dataclass
class StagePlan:
    """What a stage computes, as its StageInfo told: the DAG visualization's input.

    ``rdds`` are RDDInfos (scheduler/listener.py), the stage's own RDD first;
    ``shuffle_id`` is the shuffle a map stage writes (None for a result stage).
    """

    stage_id: int
    name: str
    parent_ids: list[int]
    rdds: list[Any]
    shuffle_id: int | None = None

    @classmethod
    def of(cls, info: Any) -> StagePlan:
        return cls(info.stage_id, info.name, list(info.parent_ids),
                   list(getattr(info, "rdd_infos", None) or []), info.shuffle_id)


@dataclass
class StageRow:
    stage_id: int
    attempt: int
    name: str
    kind: str
    num_tasks: int
    parent_ids: list[int]
    rdd_names: list[str]
    status: str = "PENDING"      # PENDING, ACTIVE, COMPLETE, FAILED, SKIPPED
    job_ids: list[int] = field(default_factory=list)
    submission_time: float | None = None
    completion_time: float | None = None
    failure_reason: str | None = None
    totals: Totals = field(default_factory=Totals)
    by_executor: dict[str, Totals] = field(default_factory=dict)
    tasks: dict[int, TaskRow] = field(default_factory=dict)
    plan: StagePlan | None = None


@dataclass
class JobRow:
    job_id: int
    description: str
    stage_ids: list[int]
    submission_time: float
    group: str | None = None
    status: str = "RUNNING"      # RUNNING, SUCCEEDED, FAILED
    completion_time: float | None = None
    error: str | None = None
    num_tasks: int = 0
    completed_tasks: int = 0
    failed_tasks: int = 0
    active_tasks: int = 0
    submitted_stages: set[int] = field(default_factory=set)
    parents: dict[int, list[int]] = field(default_factory=dict)  # the stage graph
    plans: dict[int, StagePlan] = field(default_factory=dict)     # what each stage computes
    properties: dict[str, str] = field(default_factory=dict)      # the job's local properties


@dataclass
class ExecutorRow:
    executor_id: str
    pid: Any
    add_time: float
    remove_time: float | None = None
    remove_reason: str | None = None
    totals: Totals = field(default_factory=Totals)


@dataclass
class RDDRow:
    rdd_id: int
    name: str
    storage_level: str = ""
    blocks: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # exec, mem, disk


def percentiles(values: list[float], qs: tuple = (0, 0.25, 0.5, 0.75, 1.0)) -> list[float]:
    """Spark's summary-metric quantiles: min, 25th, median, 75th, max (index q*n, capped).

    >>> percentiles([4, 1, 3, 2])
    [1, 2, 3, 4, 4]
    >>> percentiles([])
    []
    """
    if not values:
        return []
    ordered = sorted(values)
    n = len(ordered)
    return [ordered[min(int(q * n), n - 1)] for q in qs]


def parse_rdd_repr(text: str) -> tuple[int, str] | None:
    """(RDD id, display name) from an RDD's repr: its setName name, else its class.

    >>> parse_rdd_repr("logs MapPartitionsRDD[3] at map at a.py:4")
    (3, 'logs')
    >>> parse_rdd_repr("ParallelCollectionRDD[0] at parallelize at a.py:1")
    (0, 'ParallelCollectionRDD')
    """
    match = _RDD_REPR.match(text)
    if match is None:
        return None
    return int(match["id"]), match["name"] or match["cls"]
