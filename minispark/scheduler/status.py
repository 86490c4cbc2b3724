"""StatusTracker: PySpark's low-level API for watching jobs and stages.

It is a listener underneath: it keeps what the job and stage events said.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from minispark.scheduler.listener import SparkListener


class SparkJobInfo(NamedTuple):
    jobId: int
    stageIds: list
    status: str


class SparkStageInfo(NamedTuple):
    stageId: int
    currentAttemptId: int
    name: str
    numTasks: int
    numActiveTasks: int
    numCompletedTasks: int
    numFailedTasks: int


class StatusTracker(SparkListener):
    """Job and stage progress, as ``sc.statusTracker()`` in PySpark.

    >>> tracker = sc.statusTracker()
    >>> sc.setJobGroup("demo", "a job in a group"); sc.parallelize([1, 2]).count()
    2
    >>> job = tracker.getJobInfo(tracker.getJobIdsForGroup("demo")[-1])
    >>> job.status, tracker.getActiveJobsIds()
    ('SUCCEEDED', [])
    >>> sc.setJobGroup(None, None)
    """

    def __init__(self) -> None:
        self.jobs: dict[int, dict] = {}
        self.stages: dict[int, dict] = {}

    def onJobStart(self, event: Any) -> None:
        d = event.data
        self.jobs[d["job_id"]] = {"stages": d["stage_ids"], "status": "RUNNING",
                                  "group": d["properties"].get("spark.jobGroup.id")}

    def onJobEnd(self, event: Any) -> None:
        job = self.jobs[event.data["job_id"]]
        job["status"] = "SUCCEEDED" if event.data["result"] == "JobSucceeded" else "FAILED"

    def onStageSubmitted(self, event: Any) -> None:
        info = event.data["stage_info"]
        self.stages[info.stage_id] = {"info": info, "active": 0, "done": 0, "failed": 0,
                                      "running": True}

    def onStageCompleted(self, event: Any) -> None:
        info = event.data["stage_info"]
        if info.stage_id in self.stages:
            self.stages[info.stage_id]["running"] = False

    def onTaskStart(self, event: Any) -> None:
        stage = self.stages.get(event.data["stage_id"])
        if stage:
            stage["active"] += 1

    def onTaskEnd(self, event: Any) -> None:
        stage = self.stages.get(event.data["stage_id"])
        if stage:
            stage["active"] -= 1
            stage["done" if event.data["reason"] == "Success" else "failed"] += 1

    def getJobIdsForGroup(self, jobGroup: str | None = None) -> list[int]:
        """The ids of the jobs in a job group (None: jobs without a group).

        >>> sc.setJobGroup("status-doc", "a doctest"); _ = sc.parallelize([1]).count()
        >>> len(sc.statusTracker().getJobIdsForGroup("status-doc")); sc.setJobGroup(None, None)
        1
        """
        return [j for j, v in self.jobs.items() if v["group"] == jobGroup]

    def getActiveStageIds(self) -> list[int]:
        """The ids of the stages running now.

        >>> sc.statusTracker().getActiveStageIds()  # nothing runs between jobs
        []
        """
        return [s for s, v in self.stages.items() if v["running"]]

    def getActiveJobsIds(self) -> list[int]:
        """The ids of the jobs running now.

        >>> sc.statusTracker().getActiveJobsIds()
        []
        """
        return [j for j, v in self.jobs.items() if v["status"] == "RUNNING"]

    def getJobInfo(self, jobId: int) -> SparkJobInfo | None:
        """A job's stage ids and status, or None if unknown.

        >>> sc.setJobGroup("info-doc", "a doctest"); _ = sc.parallelize([1]).count()
        >>> job = sc.statusTracker().getJobIdsForGroup("info-doc")[0]; sc.setJobGroup(None, None)
        >>> sc.statusTracker().getJobInfo(job).status
        'SUCCEEDED'
        """
        job = self.jobs.get(jobId)
        return SparkJobInfo(jobId, list(job["stages"]), job["status"]) if job else None

    def getStageInfo(self, stageId: int) -> SparkStageInfo | None:
        """A stage's task counts and name, or None if unknown.

        >>> sc.setJobGroup("stage-doc", "a doctest"); _ = sc.parallelize([1, 2], 2).count()
        >>> job = sc.statusTracker().getJobIdsForGroup("stage-doc")[0]; sc.setJobGroup(None, None)
        >>> stage = sc.statusTracker().getJobInfo(job).stageIds[0]
        >>> sc.statusTracker().getStageInfo(stage).numTasks
        2
        """
        stage = self.stages.get(stageId)
        if stage is None:
            return None
        info = stage["info"]
        return SparkStageInfo(stageId, info.attempt_id, info.name, info.num_tasks,
                              stage["active"], stage["done"], stage["failed"])
