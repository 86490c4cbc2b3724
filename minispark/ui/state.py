"""The UI's model: a listener that folds events into jobs, stages, tasks, executors and RDDs.

Mirrors Spark's ``AppStatusListener`` (which writes into an ``AppStatusStore``):
core/src/main/scala/org/apache/spark/status/AppStatusListener.scala. Read it
after scheduler/listener.py; next read templates.py and pages/, which only read
this model, and eventlog.py, whose log replays into the very same class.

One source of truth: everything the UI shows comes from listener events, so a
live application (``sc.addSparkListener``) and a finished one (an event log
replayed by the history server) render identically.

Cost: events arrive on the driver thread, in the middle of a job; each task
event is O(1) (a few additions), and all sorting and percentiles are left to
the page that is asked for them. The HTTP server reads from other threads, so
every change and every page render holds ``store.lock``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from minispark.scheduler.listener import SparkListener
from minispark.ui.model import (
    ExecutorRow,
    JobRow,
    RDDRow,
    StagePlan,
    StageRow,
    TaskRow,
    Totals,
    parse_rdd_repr,
    percentiles,
)

__all__ = ["AppStatusStore", "percentiles", "StageRow", "TaskRow", "JobRow"]
RETAINED_JOBS = 1000     # spark.ui.retainedJobs
RETAINED_STAGES = 1000   # spark.ui.retainedStages


class AppStatusStore(SparkListener):
    """Everything the UI shows, kept up to date by listener events.

    >>> store = AppStatusStore(); sc.addSparkListener(store)
    >>> sc.parallelize([("a", 1), ("b", 2)], 2).reduceByKey(lambda a, b: a + b).count()
    2
    >>> sc.removeSparkListener(store)
    >>> job = list(store.jobs.values())[-1]
    >>> job.status, len(job.stage_ids), job.completed_tasks
    ('SUCCEEDED', 2, 4)
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.app: dict[str, Any] = {}
        self.environment: dict[str, str] = {}
        self.jobs: OrderedDict[int, JobRow] = OrderedDict()
        self.stages: OrderedDict[tuple[int, int], StageRow] = OrderedDict()
        self.latest_attempt: dict[int, int] = {}
        self.executors: dict[str, ExecutorRow] = {}
        self.rdds: dict[int, RDDRow] = {}
        self.rdd_names: dict[int, str] = {}
        self.active_job_ids: list[int] = []
        self.streaming: Any = None   # a StreamingUIListener (ui/streaming.py), if any

    # -- queries the pages use ----------------------------------------------------------

    def is_running(self) -> bool:
        """True while a job (or a stream) runs: pages then refresh themselves.

        >>> AppStatusStore().is_running()
        False
        """
        if self.active_job_ids:
            return True
        return self.streaming is not None and self.streaming.is_active()

    def stage(self, stage_id: int, attempt: int | None = None) -> StageRow | None:
        """A stage's latest attempt (or the one asked for), or None.

        >>> AppStatusStore().stage(0) is None
        True
        """
        if attempt is None:
            attempt = self.latest_attempt.get(stage_id)
        return self.stages.get((stage_id, attempt))

    # -- application and environment ----------------------------------------------------

    def onApplicationStart(self, event: Any) -> None:
        """The app's name, id, master and start time (the header of every page).

        >>> from minispark.scheduler.listener import Event
        >>> store = AppStatusStore(); store.onApplicationStart(Event("ApplicationStart",
        ...     data={"app_name": "demo", "app_id": "local-1", "start_time": 0}))
        >>> store.app["app_name"], store.app["end_time"]
        ('demo', None)
        """
        with self.lock:
            self.app = dict(event.data, end_time=None)

    def onApplicationEnd(self, event: Any) -> None:
        """The app ended: the history server's index shows it completed.

        >>> from minispark.scheduler.listener import Event
        >>> store = AppStatusStore(); store.onApplicationEnd(Event("ApplicationEnd",
        ...     data={"end_time": 5}))
        >>> store.app["end_time"]
        5
        """
        with self.lock:
            self.app["end_time"] = event.data.get("end_time")

    def onEnvironmentUpdate(self, event: Any) -> None:
        """The configuration, for the Environment tab.

        >>> from minispark.scheduler.listener import Event
        >>> store = AppStatusStore(); store.onEnvironmentUpdate(Event("EnvironmentUpdate",
        ...     data={"properties": {"spark.master": "local[2]"}}))
        >>> store.environment
        {'spark.master': 'local[2]'}
        """
        with self.lock:
            self.environment = dict(event.data.get("properties", {}))

    def onExecutorAdded(self, event: Any) -> None:
        """A worker process started.

        >>> from minispark.scheduler.listener import Event
        >>> store = AppStatusStore(); store.onExecutorAdded(Event("ExecutorAdded",
        ...     data={"executor_id": "worker-0", "pid": 42}))
        >>> store.executors["worker-0"].pid
        42
        """
        with self.lock:
            eid = event.data["executor_id"]
            self.executors[eid] = ExecutorRow(eid, event.data.get("pid"), event.time)

    def onExecutorRemoved(self, event: Any) -> None:
        """A worker died: it stays listed as dead, and its cached blocks are gone.

        >>> from minispark.scheduler.listener import Event
        >>> store = AppStatusStore()
        >>> store.onExecutorAdded(Event("ExecutorAdded", data={"executor_id": "w"}))
        >>> store.onExecutorRemoved(Event("ExecutorRemoved", data={"executor_id": "w",
        ...                                                         "reason": "killed"}))
        >>> store.executors["w"].remove_reason
        'killed'
        """
        with self.lock:
            row = self.executors.get(event.data["executor_id"])
            if row is not None:
                row.remove_time, row.remove_reason = event.time, event.data.get("reason")
            for rdd in self.rdds.values():   # its cached blocks died with it
                for block_id in [b for b, v in rdd.blocks.items()
                                 if v[0] == event.data["executor_id"]]:
                    del rdd.blocks[block_id]

    # -- jobs and stages ---------------------------------------------------------------

    def onJobStart(self, event: Any) -> None:
        """A job and the stages it needs; stages yet to run count towards its tasks.

        >>> store = AppStatusStore(); sc.addSparkListener(store)
        >>> sc.parallelize(range(4), 2).count()
        4
        >>> sc.removeSparkListener(store); list(store.jobs.values())[0].num_tasks
        2
        """
        d = event.data
        with self.lock:
            props = {k: v for k, v in (d.get("properties") or {}).items() if isinstance(v, str)}
            job = JobRow(d["job_id"], d.get("description") or "", list(d["stage_ids"]),
                         event.time, props.get("spark.jobGroup.id"), properties=props)
            for info in d.get("stage_infos", []):
                job.parents[info.stage_id] = list(info.parent_ids)
                job.plans[info.stage_id] = StagePlan.of(info)
                self._remember_rdds(info.rdd_names)
                if info.submission_time is None:   # to run in this job: count its tasks
                    job.num_tasks += info.num_tasks
                    key = (info.stage_id, info.attempt_id)
                    if key not in self.stages:
                        self._add_stage(info)
            self.jobs[job.job_id] = job
            self.active_job_ids.append(job.job_id)
            while len(self.jobs) > RETAINED_JOBS:
                self.jobs.popitem(last=False)

    def onJobEnd(self, event: Any) -> None:
        """A job ended; the stages it never had to run are marked skipped.

        >>> store = AppStatusStore(); sc.addSparkListener(store)
        >>> pairs = sc.parallelize([(1, 1)], 1).reduceByKey(lambda a, b: a + b)
        >>> pairs.count(), pairs.count()
        (1, 1)
        >>> sc.removeSparkListener(store)
        >>> [s.status for s in store.stages.values()]
        ['COMPLETE', 'COMPLETE', 'COMPLETE']
        >>> job = list(store.jobs.values())[-1]; sorted(job.submitted_stages) == job.stage_ids
        False
        """
        d = event.data
        with self.lock:
            job = self.jobs.get(d["job_id"])
            if d["job_id"] in self.active_job_ids:
                self.active_job_ids.remove(d["job_id"])
            if job is None:
                return
            job.status = "SUCCEEDED" if d.get("result") == "JobSucceeded" else "FAILED"
            job.completion_time, job.error = event.time, d.get("error")
            for stage_id in job.stage_ids:   # announced, never run: its output existed
                stage = self.stage(stage_id)
                if stage is not None and stage.status == "PENDING":
                    stage.status = "SKIPPED"

    def _add_stage(self, info: Any) -> StageRow:
        row = StageRow(info.stage_id, info.attempt_id, info.name, info.kind, info.num_tasks,
                       list(info.parent_ids), list(info.rdd_names), plan=StagePlan.of(info))
        self.stages[(info.stage_id, info.attempt_id)] = row
        self.latest_attempt[info.stage_id] = max(info.attempt_id,
                                                 self.latest_attempt.get(info.stage_id, -1))
        while len(self.stages) > RETAINED_STAGES:
            self.stages.popitem(last=False)
        return row

    def onStageSubmitted(self, event: Any) -> None:
        """A stage (attempt) started running, for the active job(s) that need it.

        >>> store = AppStatusStore(); sc.addSparkListener(store)
        >>> sc.parallelize(range(4), 2).count()
        4
        >>> sc.removeSparkListener(store); list(store.stages.values())[0].job_ids
        [...]
        """
        info = event.data["stage_info"]
        with self.lock:
            row = self.stages.get((info.stage_id, info.attempt_id)) or self._add_stage(info)
            row.status, row.submission_time = "ACTIVE", info.submission_time or event.time
            row.num_tasks = info.num_tasks_run
            for job_id in self.active_job_ids:
                job = self.jobs.get(job_id)
                if job is not None and info.stage_id in job.stage_ids:
                    job.submitted_stages.add(info.stage_id)
                    if job_id not in row.job_ids:
                        row.job_ids.append(job_id)

    def onStageCompleted(self, event: Any) -> None:
        """A stage attempt finished, or failed (with its reason).

        >>> store = AppStatusStore(); sc.addSparkListener(store)
        >>> sc.parallelize(range(4), 2).count()
        4
        >>> sc.removeSparkListener(store); list(store.stages.values())[0].status
        'COMPLETE'
        """
        info = event.data["stage_info"]
        with self.lock:
            row = self.stages.get((info.stage_id, info.attempt_id)) or self._add_stage(info)
            row.completion_time = info.completion_time or event.time
            row.failure_reason = info.failure_reason
            row.status = "FAILED" if info.failure_reason else "COMPLETE"

    # -- tasks: called once per task, so O(1) ------------------------------------------

    def onTaskStart(self, event: Any) -> None:
        """A task was launched on an executor: counted as active. O(1).

        >>> store = AppStatusStore(); sc.addSparkListener(store)
        >>> sc.parallelize(range(4), 2).count()
        4
        >>> sc.removeSparkListener(store); len(list(store.stages.values())[0].tasks)
        2
        """
        info = event.data["task_info"]
        with self.lock:
            stage = self.stages.get((info.stage_id, info.stage_attempt_id))
            row = TaskRow(info.task_id, info.index, info.attempt, info.executor_id,
                          info.locality, info.launch_time)
            for totals in self._totals_for(stage, info.executor_id):
                totals.active += 1
            if stage is not None:
                stage.tasks[info.task_id] = row
            for job_id in self.active_job_ids:
                self.jobs[job_id].active_tasks += 1

    def onTaskEnd(self, event: Any) -> None:
        """A task ended: its metrics are added to its stage's, executor's and job's
        totals (a few additions: the only per-task cost of the UI).

        >>> store = AppStatusStore(); sc.addSparkListener(store)
        >>> sc.parallelize(range(4), 2).count()
        4
        >>> sc.removeSparkListener(store); stage = list(store.stages.values())[0]
        >>> stage.totals.tasks, stage.totals.active, sum(t.tasks for t in
        ...                                                stage.by_executor.values())
        (2, 0, 2)
        """
        info = event.data["task_info"]
        with self.lock:
            stage = self.stages.get((info.stage_id, info.stage_attempt_id))
            row = stage.tasks.get(info.task_id) if stage is not None else None
            if row is None:
                row = TaskRow(info.task_id, info.index, info.attempt, info.executor_id,
                              info.locality, info.launch_time)
                if stage is not None:
                    stage.tasks[info.task_id] = row
            row.finish_time = info.finish_time or event.time
            row.status = "SUCCESS" if info.successful else "FAILED"
            row.error, row.metrics = info.error, event.data.get("metrics")
            for totals in self._totals_for(stage, info.executor_id):
                totals.add(row)
            for job_id in self.active_job_ids:
                job = self.jobs[job_id]
                job.active_tasks -= 1
                if info.successful:
                    job.completed_tasks += 1
                else:
                    job.failed_tasks += 1

    def _totals_for(self, stage: StageRow | None, executor_id: str) -> list[Totals]:
        found = []
        executor = self.executors.get(executor_id)
        if executor is None:   # a task event before ExecutorAdded (e.g. a trimmed log)
            executor = self.executors[executor_id] = ExecutorRow(executor_id, None, 0.0)
        found.append(executor.totals)
        if stage is not None:
            found.append(stage.totals)
            per_exec = stage.by_executor.get(executor_id)
            if per_exec is None:
                per_exec = stage.by_executor[executor_id] = Totals()
            found.append(per_exec)
        return found

    # -- storage -----------------------------------------------------------------------

    def _remember_rdds(self, reprs: list[str]) -> None:
        for text in reprs:
            parsed = parse_rdd_repr(text)
            if parsed is not None:
                self.rdd_names[parsed[0]] = parsed[1]

    def onBlockUpdated(self, event: Any) -> None:
        """A partition was cached (or dropped): the Storage tab.

        >>> from minispark.scheduler.listener import Event
        >>> store = AppStatusStore(); store.onBlockUpdated(Event("BlockUpdated", data={
        ...     "block_id": "rdd_3_0", "executor_id": "w", "storage_level": "Memory",
        ...     "memory_size": 10, "disk_size": 0}))
        >>> store.rdds[3].blocks
        {'rdd_3_0': ('w', 10, 0)}
        """
        d = event.data
        block_id = d["block_id"]
        if not block_id.startswith("rdd_"):
            return
        rdd_id = int(block_id.split("_")[1])
        with self.lock:
            rdd = self.rdds.get(rdd_id)
            if rdd is None:
                name = self.rdd_names.get(rdd_id, f"RDD {rdd_id}")
                rdd = self.rdds[rdd_id] = RDDRow(rdd_id, name)
            if d.get("memory_size", 0) == 0 and d.get("disk_size", 0) == 0:
                rdd.blocks.pop(block_id, None)   # dropped from the cache
            else:
                rdd.storage_level = d.get("storage_level", "")
                rdd.blocks[block_id] = (d["executor_id"], d.get("memory_size", 0),
                                        d.get("disk_size", 0))

    def onUnpersistRDD(self, event: Any) -> None:
        """An RDD was unpersisted: it leaves the Storage tab.

        >>> from minispark.scheduler.listener import Event
        >>> store = AppStatusStore(); store.rdds[3] = None
        >>> store.onUnpersistRDD(Event("UnpersistRDD", data={"rdd_id": 3})); store.rdds
        {}
        """
        with self.lock:
            self.rdds.pop(event.data["rdd_id"], None)
