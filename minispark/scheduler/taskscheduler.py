"""The task scheduler: which task runs on which worker, and what a failure costs.

Read this file after stage.py.

Key terms
  TaskSet       the tasks of one stage attempt, handed over by the DAG scheduler.
  locality      a task whose partition is cached in a worker's memory prefers
                that worker (PROCESS_LOCAL): running it elsewhere would mean
                recomputing the partition. minispark waits for that worker
                rather than give up the cache (Spark waits spark.locality.wait,
                3 s, before degrading).
  attempts      a task that raises is re-run until it has failed
                ``maxFailures`` times: 1 in ``local[N]`` (no retry, Spark's
                local-mode rule), F in ``local[N,F]``. A task whose worker
                *died* is re-run on the replacement worker, up to at least 4
                attempts, because a lost process is an accident of the machine
                far more often than a bug.

Next: executor.py.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from minispark.scheduler.listener import TaskInfo
from minispark.scheduler.taskbinary import dumps_task

WORKER_LOSS_ATTEMPTS = 4


@dataclass
class Task:
    """One task of a stage attempt (driver side)."""

    stage: Any
    stage_attempt: int
    partition: int          # the RDD partition computed
    output_index: int       # result slot (ResultStage) or map id (ShuffleMapStage)
    kind: str               # "map" or "result"
    binary_key: tuple
    preferred_worker: str | None = None
    attempt: int = 0
    task_id: int = -1
    info: TaskInfo | None = None
    task_set: Any = None


@dataclass
class TaskSet:
    stage: Any
    stage_attempt: int
    tasks: list[Task]
    binary: bytes
    map_statuses: dict
    properties: dict
    memory_budget: int
    pending: deque = field(default_factory=deque)
    failures: dict = field(default_factory=dict)
    barrier_dir: str | None = None  # a barrier stage (barrier.py): its tasks start together


@dataclass
class Completion:
    """What came back for one task attempt."""

    task: Task
    status: str             # ok | error | fetch_failed | worker_lost
    reply: dict | None
    worker_id: str


class TaskScheduler:
    """Launches tasks on idle workers and reports completions one at a time."""

    def __init__(self, backend: Any, max_failures: int, bus: Any):
        self.backend = backend
        self.max_failures = max_failures
        self.bus = bus
        self.task_sets: list[TaskSet] = []
        self._task_ids = itertools.count()
        # Several workers can reply at once; they are handed out one at a time.
        self._replies: deque = deque()
        self.faults: Any = None  # a FaultInjector (minispark-only teaching aid)

    def submit(self, task_set: TaskSet) -> None:
        task_set.pending.extend(task_set.tasks)
        self.task_sets.append(task_set)

    def has_running_or_pending(self) -> bool:
        return bool(self.backend.busy_workers()) or any(ts.pending for ts in self.task_sets)

    def next_completion(self, timeout: float | None = None) -> Completion | None:
        """Launch what can run, then block until one task attempt finishes (or
        ``timeout`` seconds pass: None, so the caller can look for cancellation)."""
        while not self._replies:
            self._launch_tasks()
            if not self.backend.busy_workers():
                raise RuntimeError("internal error: no task is running and none can be "
                                   "launched, yet the job is not finished")
            self._replies.extend(self.backend.wait_for_replies(timeout))
            if timeout is not None and not self._replies:
                return None
        return self._completion(*self._replies.popleft())

    def _launch_tasks(self) -> None:
        # First a full pool of live workers, so that `alive` below (which decides whether a
        # task still waits for the worker caching its input) names no dead worker.
        self.backend.ensure_started()
        self._launch_barrier_tasks()
        alive = {w.id for w in self.backend.workers}
        for worker in self.backend.idle_workers():
            task_set, task = self._pick_task(worker.id, alive)
            if task is None:
                continue
            self._launch(worker, task_set, task)

    def _launch_barrier_tasks(self) -> None:
        # A barrier stage's tasks start together or wait (gang scheduling): each
        # gets the others' addresses and the directory where they synchronise.
        for task_set in self.task_sets:
            idle = self.backend.idle_workers()
            if task_set.barrier_dir is None or not task_set.pending or \
                    len(idle) < len(task_set.pending):
                continue
            tasks = sorted(task_set.pending, key=lambda t: t.partition)
            task_set.pending.clear()
            barrier = {"dir": task_set.barrier_dir, "num_tasks": len(tasks),
                       "addresses": [f"localhost:{w.proc.pid}" for w in idle[:len(tasks)]]}
            for worker, task in zip(idle, tasks, strict=False):
                self._launch(worker, task_set, task, barrier)

    def _launch(self, worker: Any, task_set: TaskSet, task: Task,
                barrier: dict | None = None) -> None:
        task.task_id = next(self._task_ids)
        local = task.preferred_worker == worker.id
        task.info = TaskInfo(task.task_id, task_set.stage.id, task_set.stage_attempt,
                             task.partition, task.attempt, worker.id,
                             "PROCESS_LOCAL" if local else "ANY", time.time())
        self.bus.post("TaskStart", stage_id=task_set.stage.id,
                      stage_attempt_id=task_set.stage_attempt, task_info=task.info)
        msg = {"op": "task", "task_id": task.task_id, "stage_id": task_set.stage.id,
               "partition": task.partition, "attempt": task.attempt, "kind": task.kind,
               # pickled apart: a long chain of unions nests partitions deep
               "split": dumps_task(task_set.stage.rdd.partitions[task.partition]),
               "binary_key": task.binary_key, "binary": task_set.binary,
               "map_statuses": task_set.map_statuses, "properties": task_set.properties,
               "memory_budget": task_set.memory_budget,
               "fault": self.faults.decide(task_set.stage.id, task.partition, task.attempt,
                                           self.max_failures) if self.faults else None,
               "barrier": barrier}
        task.task_set = task_set
        self.backend.launch(worker, task, msg)

    def _pick_task(self, worker_id: str, alive: set[str]) -> tuple[Any, Task | None]:
        for task_set in self.task_sets:
            if task_set.barrier_dir is not None:
                continue  # launched together, by _launch_barrier_tasks
            for i, task in enumerate(task_set.pending):
                wanted = task.preferred_worker
                if wanted is None or wanted == worker_id or wanted not in alive:
                    del task_set.pending[i]
                    return task_set, task
        return None, None

    def _completion(self, worker: Any, reply: dict | None) -> Completion:
        task = worker.task
        worker.task = None
        status = "worker_lost" if reply is None else reply["status"]
        task.info.finish_time = time.time()
        task.info.successful = status == "ok"
        if status == "worker_lost":
            task.info.error = f"ExecutorLostFailure: {worker.id} exited while running the task"
        elif status != "ok":
            task.info.error = reply.get("message")
        return Completion(task, status, reply, worker.id)

    def should_retry(self, task: Task, status: str) -> bool:
        """Count a failed attempt; True if the task may run again."""
        task_set = task.task_set
        failures = task_set.failures.get(task.partition, 0) + 1
        task_set.failures[task.partition] = failures
        limit = self.max_failures
        if status == "worker_lost":
            limit = max(limit, WORKER_LOSS_ATTEMPTS)
        return failures < limit

    def retry(self, task: Task) -> None:
        retry = Task(task.stage, task.stage_attempt, task.partition, task.output_index,
                     task.kind, task.binary_key, task.preferred_worker, task.attempt + 1)
        task.task_set.pending.appendleft(retry)
        task.task_set.tasks.append(retry)

    def kill_stage_tasks(self, stage: Any) -> None:
        """End a failed barrier stage attempt: forget its pending tasks and replies, and
        kill the workers still running its tasks (they may wait in barrier())."""
        self.remove_task_set(stage)
        self._replies = deque((w, r) for w, r in self._replies
                              if w.task is None or w.task.stage is not stage)
        for worker in self.backend.busy_workers():
            if worker.task is not None and worker.task.stage is stage:
                worker.task = None
                self.backend.replace(worker, "barrier stage attempt failed")

    def remove_task_set(self, stage: Any) -> None:
        self.task_sets = [ts for ts in self.task_sets if ts.stage is not stage]

    def cancel_all(self, grace: float = 0.5) -> None:
        """Forget pending tasks; let running ones finish briefly, then kill them."""
        for task_set in self.task_sets:
            task_set.pending.clear()
        self.task_sets.clear()
        for worker, _ in self._replies:
            worker.task = None
        self._replies.clear()
        deadline = time.monotonic() + grace
        while self.backend.busy_workers() and time.monotonic() < deadline:
            for worker, _ in self.backend.wait_for_replies(
                    max(0.0, deadline - time.monotonic())):
                worker.task = None
        for worker in self.backend.busy_workers():
            worker.task = None
            self.backend.replace(worker, "task cancelled")
