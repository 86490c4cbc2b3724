"""TaskContext and TaskMetrics: what a running task knows and measures.

Inside a task, ``TaskContext.get()`` tells user code which stage, partition
and attempt it is running in (as in PySpark). The engine uses the same object
to reach the worker's block manager, the shuffle files it must read, and to
record the task's metrics, which travel back to the driver with the result and
feed the listener events, the UI and the graders.

Next: shuffle.py, which fills in most of the metrics.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["TaskContext", "TaskMetrics"]


@dataclass
class TaskMetrics:
    """What one task attempt did and cost (Spark's TaskMetrics, snake_case).

    Times are in seconds. ``shuffle_write_*`` is what a map task wrote for the
    next stage; ``shuffle_read_*`` what a reduce task fetched; ``*_spilled``
    what did not fit in ``spark.python.worker.memory`` and went to disk.

    >>> m = TaskMetrics(records_read=3)
    >>> m.records_read, m.as_dict()["shuffle_write_bytes"]
    (3, 0)
    """

    executor_deserialize_time: float = 0.0
    executor_run_time: float = 0.0
    result_serialization_time: float = 0.0
    result_size: int = 0
    task_binary_bytes: int = 0
    records_read: int = 0
    bytes_read: int = 0
    records_written: int = 0
    bytes_written: int = 0
    shuffle_write_records: int = 0
    shuffle_write_bytes: int = 0
    shuffle_write_time: float = 0.0
    shuffle_read_records: int = 0
    shuffle_read_bytes: int = 0
    shuffle_read_blocks: int = 0
    memory_bytes_spilled: int = 0
    disk_bytes_spilled: int = 0
    spill_count: int = 0
    peak_memory_bytes: int = 0
    cache_hits: int = 0
    serialize_time: float = 0.0      # data serializer: shuffle batches written
    deserialize_time: float = 0.0    # ... and read
    broadcast_fetches: int = 0
    broadcast_fetch_bytes: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


class TaskContext:
    """Information about the running task, available inside user functions.

    >>> sc.parallelize([1, 2], 2).map(
    ...     lambda x: (x, TaskContext.get().partitionId())).collect()
    [(1, 0), (2, 1)]
    >>> TaskContext.get() is None  # on the driver there is no task
    True
    """

    _current: TaskContext | None = None

    def __init__(self, stage_id: int, partition_id: int, attempt_number: int,
                 task_attempt_id: int, local_properties: dict | None = None):
        self._stage_id = stage_id
        self._partition_id = partition_id
        self._attempt_number = attempt_number
        self._task_attempt_id = task_attempt_id
        self._local_properties = local_properties or {}
        self.metrics = TaskMetrics()
        # Filled in by the worker before the task runs:
        self.block_manager: Any = None
        self.map_statuses: dict[int, list] = {}
        self.memory_budget = 512 << 20
        self.spill_dir = ""

    @classmethod
    def get(cls) -> TaskContext | None:
        """The context of the task running in this process, or None on the driver."""
        return cls._current

    def stageId(self) -> int:
        """The id of the stage this task belongs to.

        >>> sc.parallelize([0]).map(lambda x: TaskContext.get().stageId() >= 0).collect()
        [True]
        """
        return self._stage_id

    def partitionId(self) -> int:
        """The partition this task computes.

        >>> sc.parallelize(range(4), 2).map(lambda x: TaskContext.get().partitionId()).collect()
        [0, 0, 1, 1]
        """
        return self._partition_id

    def attemptNumber(self) -> int:
        """0 for the first attempt of this task, 1 for the first retry, ...

        >>> sc.parallelize([0]).map(lambda x: TaskContext.get().attemptNumber()).collect()
        [0]
        """
        return self._attempt_number

    def taskAttemptId(self) -> int:
        """A number unique to this attempt within the application.

        >>> ids = sc.parallelize(range(2), 2).map(
        ...     lambda x: TaskContext.get().taskAttemptId()).collect()
        >>> ids[0] != ids[1]
        True
        """
        return self._task_attempt_id

    def getLocalProperty(self, key: str) -> str | None:
        """A local property set on the driver with ``sc.setLocalProperty``.

        >>> sc.setLocalProperty("lab", "4")
        >>> sc.parallelize([0]).map(lambda x: TaskContext.get().getLocalProperty("lab")).collect()
        ['4']
        >>> sc.setLocalProperty("lab", None)
        """
        return self._local_properties.get(key)

    def cpus(self) -> int:
        """CPUs reserved for this task (always 1 in local mode).

        >>> sc.parallelize([0]).map(lambda x: TaskContext.get().cpus()).collect()
        [1]
        """
        return 1

    def resources(self) -> dict:
        """Custom resources assigned to the task (none in local mode).

        >>> sc.parallelize([0]).map(lambda x: TaskContext.get().resources()).collect()
        [{}]
        """
        return {}
