"""The DAG scheduler: how an action becomes stages, run parents first.

Read this file to learn how Spark plans a job. Next: stage.py, then
taskscheduler.py.

When an action runs, the DAG scheduler receives the final RDD and walks its
lineage backwards. Narrow dependencies are followed and pipelined into the
same stage; each ShuffleDependency ends the stage and starts a parent
*ShuffleMapStage* whose tasks write the shuffle. The final stage is the
*ResultStage*. Stages are then run parents first:

  submit_stage(stage):
      missing = get_missing_parent_stages(stage)   # parents without map output
      if missing: submit each missing parent, and wait
      else:       submit_missing_tasks(stage)      # one task per partition

When a map stage finishes, the stages waiting on it are submitted. Map output
is kept for the life of the shuffle, so a later job over the same shuffled RDD
finds its parent stage available and skips it (the UI's "skipped stages"). An
RDD whose partitions are all cached stops the walk too: nothing behind it needs
to run.

If a reduce task cannot read a map output (the file is gone), the scheduler
marks that output missing, reruns just the missing map tasks from lineage, and
resubmits the reduce stage: the fault tolerance lineage buys.

The walks use explicit stacks, not recursion (as Spark's do), so even a
lineage thousands of RDDs deep is planned without a stack overflow.
"""

from __future__ import annotations

import itertools
import os
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any

from minispark.barrier import check_barrier_stage, rdd_is_barrier
from minispark.cancellation import JobCancelledError
from minispark.dependency import ShuffleDependency
from minispark.errors import PythonException
from minispark.scheduler.stage import ResultStage, ShuffleMapStage, Stage
from minispark.scheduler.taskbinary import dumps_task
from minispark.scheduler.taskscheduler import (
    WORKER_LOSS_ATTEMPTS,
    Completion,
    Task,
    TaskScheduler,
    TaskSet,
)

# How often a running job looks whether another thread cancelled it (seconds).
CANCEL_CHECK_INTERVAL = 0.1


class JobFailed(Exception):
    pass


class DAGScheduler:
    def __init__(self, sc: Any, task_scheduler: TaskScheduler, bus: Any):
        self.sc = sc
        self.task_scheduler = task_scheduler
        self.bus = bus
        self.shuffle_id_to_map_stage: dict[int, ShuffleMapStage] = {}
        self._job_ids = itertools.count()
        self._stage_ids = itertools.count()
        self.lock = threading.RLock()
        self.active_job: Any = None

    # -- building stages -----------------------------------------------------------

    def get_shuffle_dependencies(self, rdd: Any) -> list[ShuffleDependency]:
        """The shuffle dependencies directly behind ``rdd``'s stage (narrow walk)."""
        parents, visited, to_visit = [], set(), [rdd]
        while to_visit:
            current = to_visit.pop()
            if current.id() in visited:
                continue
            visited.add(current.id())
            for dep in current.dependencies:
                if isinstance(dep, ShuffleDependency):
                    parents.append(dep)
                else:
                    to_visit.append(dep.rdd)
        return sorted(parents, key=lambda d: d.shuffle_id)

    def get_or_create_parent_stages(self, rdd: Any, job_id: int) -> list[Stage]:
        return [self.get_or_create_shuffle_map_stage(dep, job_id)
                for dep in self.get_shuffle_dependencies(rdd)]

    def get_or_create_shuffle_map_stage(self, dep: ShuffleDependency,
                                        job_id: int) -> ShuffleMapStage:
        stage = self.shuffle_id_to_map_stage.get(dep.shuffle_id)
        if stage is not None:
            return stage
        # Create ancestors first, farthest first, without recursion.
        order, stack, seen = [], [dep], set()
        while stack:
            current = stack.pop()
            if current.shuffle_id in seen or current.shuffle_id in self.shuffle_id_to_map_stage:
                continue
            seen.add(current.shuffle_id)
            order.append(current)
            stack.extend(self.get_shuffle_dependencies(current.rdd))
        for current in reversed(order):
            if current.shuffle_id not in self.shuffle_id_to_map_stage:
                parents = [self.shuffle_id_to_map_stage[d.shuffle_id]
                           for d in self.get_shuffle_dependencies(current.rdd)
                           if d.shuffle_id in self.shuffle_id_to_map_stage]
                self.shuffle_id_to_map_stage[current.shuffle_id] = ShuffleMapStage(
                    next(self._stage_ids), current.rdd, current.rdd.getNumPartitions(),
                    parents, job_id, current)
        return self.shuffle_id_to_map_stage[dep.shuffle_id]

    def get_missing_parent_stages(self, stage: Stage) -> list[ShuffleMapStage]:
        """Parent map stages whose output is not (all) there yet."""
        missing, visited, to_visit = {}, set(), [stage.rdd]
        while to_visit:
            rdd = to_visit.pop()
            if rdd.id() in visited:
                continue
            visited.add(rdd.id())
            if self.sc._block_locations.fully_cached(rdd):
                continue  # everything behind a fully cached RDD is not needed
            for dep in rdd.dependencies:
                if isinstance(dep, ShuffleDependency):
                    map_stage = self.get_or_create_shuffle_map_stage(dep, stage.first_job_id)
                    if not map_stage.is_available:
                        missing[map_stage.id] = map_stage
                else:
                    to_visit.append(dep.rdd)
        return [missing[k] for k in sorted(missing)]

    # -- running a job ---------------------------------------------------------------

    def run_job(self, rdd: Any, func: Callable, partitions: list[int],
                properties: dict, description: str) -> list:
        """Run ``func`` on each requested partition of ``rdd``; return the results."""
        if not partitions:
            return []  # as in Spark: a job over no partitions runs no stage at all
        with self.lock:
            job_id = next(self._job_ids)
            # Parents first, so they get the lower stage ids, as in Spark.
            parents = self.get_or_create_parent_stages(rdd, job_id)
            final_stage = ResultStage(next(self._stage_ids), rdd, func, partitions, parents,
                                      job_id)
            stages = self._all_stages(final_stage)
            for stage in stages:  # barrier stages: Spark's checks at stage creation
                num_tasks = len(partitions) if stage is final_stage else stage.num_tasks
                check_barrier_stage(stage.rdd, num_tasks, self.sc._num_workers)
            job = _ActiveJob(job_id, final_stage, properties, description)
            self.active_job = job
            self.bus.post("JobStart", job_id=job_id, stage_ids=[s.id for s in stages],
                          stage_infos=[s.new_attempt(_kind(s), _shuffle_id(s)) if s.info is None
                                       else s.info for s in stages],
                          description=description, properties=dict(properties))
            try:
                self.submit_stage(final_stage, job)
                while not job.finished:
                    if job.cancelled is not None:  # by another thread (cancellation.py)
                        raise JobCancelledError(f"Job {job_id} cancelled {job.cancelled}")
                    completion = self.task_scheduler.next_completion(CANCEL_CHECK_INTERVAL)
                    if completion is not None:
                        self.handle_task_completion(completion, job)
            except BaseException as e:
                self.task_scheduler.cancel_all()
                for stage in list(job.running):
                    self._stage_completed(stage, job, failure=str(e).split("\n")[0])
                self.bus.post("JobEnd", job_id=job_id, result="JobFailed",
                              error=str(e).split("\n")[0])
                self.active_job = None
                raise
            self.bus.post("JobEnd", job_id=job_id, result="JobSucceeded", error=None)
            self.active_job = None
            return job.results

    def cancel_jobs(self, predicate: Callable[[dict], bool], reason: str) -> None:
        """Mark the running job cancelled if ``predicate(its properties)``; the thread
        running it stops it (see run_job). Safe to call from any thread."""
        job = self.active_job
        if job is not None and predicate(job.properties):
            job.cancelled = reason

    def _all_stages(self, final_stage: Stage) -> list[Stage]:
        stages, stack, seen = [], [final_stage], set()
        while stack:
            stage = stack.pop()
            if stage.id in seen:
                continue
            seen.add(stage.id)
            stages.append(stage)
            stack.extend(stage.parents)
        return sorted(stages, key=lambda s: s.id)

    def submit_stage(self, stage: Stage, job: _ActiveJob) -> None:
        """Submit ``stage``, or first its missing parents (iteratively)."""
        stack = [stage]
        while stack:
            current = stack.pop()
            if current in job.waiting or current in job.running:
                continue
            missing = self.get_missing_parent_stages(current)
            if not missing:
                self.submit_missing_tasks(current, job)
            else:
                job.waiting.add(current)
                stack.extend(reversed(missing))

    def submit_missing_tasks(self, stage: Stage, job: _ActiveJob) -> None:
        missing = stage.find_missing_partitions()
        kind = _kind(stage)
        info = stage.info
        if info is None or info.submission_time is not None:
            info = stage.new_attempt(kind, _shuffle_id(stage))  # announced by JobStart, unused
        info.submission_time = time.time()
        info.num_tasks_run = len(missing)
        job.running.add(stage)
        self.bus.post("StageSubmitted", stage_info=info, properties=job.properties)
        payload = stage.shuffle_dep if isinstance(stage, ShuffleMapStage) else stage.func
        binary = self._serialize_task_binary(stage, payload)
        key = (stage.id, stage.attempt)
        if isinstance(stage, ShuffleMapStage):
            stage.pending_partitions = set(missing)
            tasks = [Task(stage, stage.attempt, p, p, "map", key,
                          self.sc._block_locations.preferred_worker(stage.rdd, p))
                     for p in missing]
        else:
            tasks = [Task(stage, stage.attempt, stage.partitions[i], i, "result", key,
                          self.sc._block_locations.preferred_worker(stage.rdd,
                                                                    stage.partitions[i]))
                     for i in missing]
        statuses = {dep.shuffle_id: self.shuffle_id_to_map_stage[dep.shuffle_id].outputs
                    for dep in self.get_shuffle_dependencies(stage.rdd)}
        barrier_dir = os.path.join(self.sc._local_dir, "barrier",
                                   f"stage-{stage.id}-{stage.attempt}") \
            if rdd_is_barrier(stage.rdd) else None
        self.task_scheduler.submit(TaskSet(stage, stage.attempt, tasks, binary, statuses,
                                           job.properties, self.sc._memory_budget,
                                           barrier_dir=barrier_dir))
        if not tasks:
            self._stage_completed(stage, job)

    def _serialize_task_binary(self, stage: Stage, payload: Any) -> bytes:
        # A lineage too deep for the pickler is pickled flat (taskbinary.py).
        try:
            return dumps_task((stage.rdd, payload))
        except Exception as e:
            raise self._unpicklable(stage, e) from e

    def _unpicklable(self, stage: Stage, e: Exception) -> pickle.PicklingError:
        return pickle.PicklingError(
            f"Could not serialize the task for stage {stage.id} ({stage.name}): "
            f"{type(e).__name__}: {e}. Functions shipped to workers can only capture "
            "picklable values: open files, locks, sockets and the SparkContext itself "
            "must be created inside the function instead.")

    # -- completions --------------------------------------------------------------------

    def handle_task_completion(self, completion: Completion, job: _ActiveJob) -> None:
        task, reply = completion.task, completion.reply
        stage = task.stage
        barrier = task.task_set.barrier_dir is not None
        if barrier and task.stage_attempt != stage.attempt:
            return  # a task of a barrier stage attempt that already failed
        metrics = reply.get("metrics") if reply else None
        self.bus.post("TaskEnd", stage_id=stage.id, stage_attempt_id=task.stage_attempt,
                      task_type="ShuffleMapTask" if task.kind == "map" else "ResultTask",
                      reason="Success" if completion.status == "ok" else task.info.error,
                      task_info=task.info, metrics=metrics)
        if completion.status == "ok":
            self._task_succeeded(task, reply, completion.worker_id, job)
        elif completion.status == "fetch_failed":
            self._fetch_failed(task, reply, job)
        elif barrier:
            self._barrier_stage_failed(task, completion, job)
        else:
            if self.task_scheduler.should_retry(task, completion.status):
                self.task_scheduler.retry(task)
                return
            raise self._job_failure(task, completion)

    def _barrier_stage_failed(self, task: Task, completion: Completion,
                              job: _ActiveJob) -> None:
        """One task of a barrier stage failed: the whole attempt fails, and all its
        tasks are retried together while the task failure limit allows (barrier.py)."""
        stage = task.stage
        stage.barrier_failures = getattr(stage, "barrier_failures", 0) + 1
        task.task_set.failures[task.partition] = stage.barrier_failures
        limit = self.task_scheduler.max_failures
        if completion.status == "worker_lost":
            limit = max(limit, WORKER_LOSS_ATTEMPTS)
        if stage.barrier_failures >= limit:
            raise self._job_failure(task, completion)
        self.task_scheduler.kill_stage_tasks(stage)
        if isinstance(stage, ResultStage):
            job.num_finished -= sum(stage.finished)
            stage.finished = [False] * len(stage.finished)
        else:
            stage.outputs = [None] * len(stage.outputs)
        self._stage_completed(stage, job, failure=f"barrier task {task.partition} failed: "
                              f"{task.info.error}")
        self.submit_missing_tasks(stage, job)

    def _task_succeeded(self, task: Task, reply: dict, worker_id: str, job: _ActiveJob) -> None:
        stage = task.stage
        for block_id, level, mem, disk in reply.get("block_updates", ()):
            self.sc._block_locations.update(block_id, worker_id, level, mem, disk)
            self.bus.post("BlockUpdated", block_id=block_id, executor_id=worker_id,
                          storage_level=str(level), memory_size=mem, disk_size=disk)
        if isinstance(stage, ResultStage):
            if stage.finished[task.output_index]:
                return  # a duplicate attempt (after a resubmission): keep the first result
            stage.finished[task.output_index] = True
            self.sc._merge_accumulator_updates(reply.get("accumulator_updates"))
            job.results[task.output_index] = pickle.loads(reply["result"])
            job.num_finished += 1
            if job.num_finished == len(job.results):
                self._stage_completed(stage, job)
                job.finished = True
            return
        # A map task that ran again (its output was lost) merges its updates
        # again: Spark's documented caveat for accumulators in transformations.
        self.sc._merge_accumulator_updates(reply.get("accumulator_updates"))
        status = reply["map_status"]
        status.worker_id = worker_id
        stage.outputs[task.partition] = status
        stage.pending_partitions.discard(task.partition)
        if not stage.pending_partitions and stage in job.running:
            self._stage_completed(stage, job)
            if not stage.is_available:
                # An output was lost (a fetch failure) while this stage ran:
                # run the map tasks still missing, as Spark resubmits the stage.
                self.submit_missing_tasks(stage, job)
                return
            self._submit_waiting_children(job)

    def _stage_completed(self, stage: Stage, job: _ActiveJob, failure: str | None = None) -> None:
        job.running.discard(stage)
        self.task_scheduler.remove_task_set(stage)
        stage.info.completion_time = time.time()
        stage.info.failure_reason = failure
        self.bus.post("StageCompleted", stage_info=stage.info)

    def _submit_waiting_children(self, job: _ActiveJob) -> None:
        for stage in sorted(job.waiting, key=lambda s: s.id):
            if not self.get_missing_parent_stages(stage):
                job.waiting.discard(stage)
                self.submit_missing_tasks(stage, job)

    def _fetch_failed(self, task: Task, reply: dict, job: _ActiveJob) -> None:
        """A map output is gone: recompute it from lineage, then retry the reducer."""
        stage = task.stage
        if task.stage_attempt != stage.attempt:
            # From an attempt already given up (its fetch failure was handled):
            # the output it names may have been rebuilt since. Spark ignores it too.
            return
        map_stage = self.shuffle_id_to_map_stage[reply["shuffle_id"]]
        status = map_stage.outputs[reply["map_id"]]
        if status is not None and status.path == reply.get("path"):
            map_stage.outputs[reply["map_id"]] = None
        # (a different path means the output was rebuilt since the task read it)
        # Spark then unregisters every output of the executor that failed to
        # serve, not just the one block; here all workers share one disk, so
        # the equivalent is to check which of this shuffle's files are gone.
        # One resubmission then reruns every lost map task together.
        for map_id, status in enumerate(map_stage.outputs):
            if status is not None and not os.path.exists(status.path):
                map_stage.outputs[map_id] = None
        if stage in job.running:
            self._stage_completed(stage, job, failure=f"FetchFailed: {reply['message']}")
        job.waiting.discard(stage)
        self.submit_stage(stage, job)

    def _job_failure(self, task: Task, completion: Completion) -> Exception:
        reply = completion.reply or {}
        stage = task.stage
        attempts = task.task_set.failures.get(task.partition, 1)
        if completion.status == "worker_lost":
            return PythonException(
                f"WorkerLost: the worker process running task {task.partition} of stage "
                f"{stage.id} ({stage.name}) exited unexpectedly, {attempts} time(s).\n"
                "Something in the task ended its process (os._exit, a crash in a C "
                "extension, or the machine ran out of memory).",
                "WorkerLost", stage.id, task.partition, attempts)
        where = (f"  in stage {stage.id} ({stage.name}), task {task.partition} "
                 f"(partition {task.partition}), after {attempts} attempt(s)")
        lines = [reply.get("message", "unknown error"), where]
        if reply.get("user_traceback"):
            lines += ["Traceback of your code (most recent call last):",
                      reply["user_traceback"].rstrip()]
        error = PythonException("\n".join(lines), reply.get("exception_type", ""), stage.id,
                                task.partition, attempts)
        error.full_traceback = reply.get("full_traceback", "")
        if reply.get("exception") is not None:
            try:
                error.__cause__ = pickle.loads(reply["exception"])
            except Exception:  # noqa: BLE001 - the message above already says it all
                pass
        return error


class _ActiveJob:
    def __init__(self, job_id: int, final_stage: ResultStage, properties: dict,
                 description: str):
        self.job_id = job_id
        self.final_stage = final_stage
        self.properties = properties
        self.description = description
        self.results: list = [None] * len(final_stage.partitions)
        self.num_finished = 0
        self.finished = not final_stage.partitions
        self.cancelled: str | None = None  # why, once another thread cancelled it
        self.waiting: set[Stage] = set()
        self.running: set[Stage] = set()


def _kind(stage: Stage) -> str:
    return "ShuffleMapStage" if isinstance(stage, ShuffleMapStage) else "ResultStage"


def _shuffle_id(stage: Stage) -> int | None:
    return stage.shuffle_dep.shuffle_id if isinstance(stage, ShuffleMapStage) else None
