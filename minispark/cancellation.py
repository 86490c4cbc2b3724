"""Cancelling jobs: job groups, job tags, and the threads that carry them.

Read this file to see how one thread stops a job another thread is running.

Key terms
  job group     ``sc.setJobGroup(id, description)``: a local property of the calling
                thread (jobs.py), copied into every job that thread starts;
                ``sc.cancelJobGroup(id)`` cancels the running jobs of that group.
  job tags      ``sc.addJobTag(tag)``: any number of labels per thread (the local
                property ``spark.job.tags``, comma-separated as in Spark);
                ``sc.cancelJobsWithTag(tag)`` cancels running jobs carrying it.
  cancelling    the driver marks the job; its scheduling loop (scheduler/dag.py)
                notices within 0.1 s, kills the worker processes running its tasks
                and raises JobCancelledError in the thread that started the job.
                Spark interrupts task threads only with ``interruptOnCancel``;
                minispark's tasks run in worker processes, which it always kills
                (and replaces), so the flag is accepted and recorded, but a
                cancelled task never runs on.
  InheritableThread  a ``threading.Thread`` that starts with its parent thread's
                local properties (job group, tags, description), as PySpark's
                ``pyspark.InheritableThread`` does in pinned-thread mode.

Only a *running* job is cancelled (as in Spark); a job that starts later in the
same group runs normally.

Next: scheduler/dag.py, the loop that reacts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["JobCancellation", "JobCancelledError", "InheritableThread"]

TAGS = "spark.job.tags"
GROUP = "spark.jobGroup.id"
INTERRUPT = "spark.job.interruptOnCancel"


class JobCancelledError(Exception):
    """The job was cancelled (Spark's SparkException "Job N cancelled ...")."""


def _check_tag(tag: str) -> None:
    if not isinstance(tag, str) or tag == "":
        raise ValueError("Spark job tag cannot be an empty string.")
    if "," in tag:
        raise ValueError("Spark job tag cannot contain ','.")


class _TagSet(set):
    """A set whose repr is sorted (a plain set's order follows string hashes)."""

    def __repr__(self) -> str:
        return "{" + ", ".join(map(repr, sorted(self))) + "}" if self else "set()"


class JobCancellation:
    """Job tags and cancellation (mixed into ``SparkContext`` through JobSubmission)."""

    def addJobTag(self, tag: str) -> None:
        """Tag every job this thread starts from now on (see cancelJobsWithTag).

        >>> sc.addJobTag("lab"); sc.addJobTag("ch06a"); sorted(sc.getJobTags())
        ['ch06a', 'lab']
        >>> sc.clearJobTags()
        """
        _check_tag(tag)
        tags = self.getJobTags() | {tag}
        self.setLocalProperty(TAGS, ",".join(sorted(tags)))

    def removeJobTag(self, tag: str) -> None:
        """Stop tagging this thread's jobs with ``tag``.

        >>> sc.addJobTag("a"); sc.addJobTag("b"); sc.removeJobTag("a"); sc.getJobTags()
        {'b'}
        >>> sc.clearJobTags()
        """
        _check_tag(tag)
        tags = self.getJobTags() - {tag}
        self.setLocalProperty(TAGS, ",".join(sorted(tags)) if tags else None)

    def getJobTags(self) -> set[str]:
        """The tags of this thread's jobs: a set that prints its tags sorted, so the
        output never depends on the process's hash seed.

        >>> sc.getJobTags()
        set()
        >>> sc.addJobTag("b"); sc.addJobTag("a"); sc.getJobTags()
        {'a', 'b'}
        >>> sc.clearJobTags()
        """
        value = self.getLocalProperty(TAGS)
        return _TagSet(value.split(",") if value else ())

    def clearJobTags(self) -> None:
        """Remove every tag of this thread.

        >>> sc.addJobTag("a"); sc.clearJobTags(); sc.getJobTags()
        set()
        """
        self.setLocalProperty(TAGS, None)

    def setInterruptOnCancel(self, interruptOnCancel: bool) -> None:
        """Whether cancelling this thread's jobs interrupts their tasks. Recorded for
        PySpark compatibility: minispark always stops a cancelled task (it kills the
        worker process running it, see the module docstring).

        >>> sc.setInterruptOnCancel(True); sc.getLocalProperty("spark.job.interruptOnCancel")
        'true'
        >>> sc.setInterruptOnCancel(False)
        """
        self.setLocalProperty(INTERRUPT, str(bool(interruptOnCancel)).lower())

    def cancelJobGroup(self, groupId: str) -> None:
        """Cancel the running jobs of the group ``groupId`` (see setJobGroup).

        >>> sc.cancelJobGroup("no such group")
        """
        self._dag.cancel_jobs(lambda props: props.get(GROUP) == groupId,
                              f"part of cancelled job group {groupId}")

    def cancelJobsWithTag(self, tag: str) -> None:
        """Cancel the running jobs tagged ``tag`` (see addJobTag).

        >>> sc.cancelJobsWithTag("no such tag")
        """
        _check_tag(tag)
        self._dag.cancel_jobs(lambda props: tag in (props.get(TAGS) or "").split(","),
                              f"part of cancelled job tags {tag}")

    def cancelAllJobs(self) -> None:
        """Cancel every running job.

        >>> sc.cancelAllJobs()
        """
        self._dag.cancel_jobs(lambda props: True, "as part of cancellation of all jobs")


class InheritableThread(threading.Thread):
    """A thread that starts with the local properties (job group, tags, ...) of the
    thread that created it, as ``pyspark.InheritableThread``.

    >>> sc.setJobGroup("lab", "in a thread"); seen = []
    >>> t = InheritableThread(target=lambda: seen.append(sc.getLocalProperty(
    ...     "spark.jobGroup.id"))); t.start(); t.join(); seen
    ['lab']
    >>> sc.setJobGroup(None, None)
    """

    # SparkContext, registered by context.py when it is imported: context.py imports
    # this module (SparkContext is a JobCancellation), so this one cannot import it.
    _context_class: Any = None

    def __init__(self, target: Callable, *args: Any, session: Any = None, **kwargs: Any):
        context_class = InheritableThread._context_class
        sc = context_class._active_spark_context if context_class is not None else None
        properties = dict(sc._properties()) if sc is not None else {}

        def run_with_properties(*a: Any, **k: Any) -> Any:
            if sc is not None:
                sc._properties().update(properties)
            return target(*a, **k)
        super().__init__(*args, target=run_with_properties, **kwargs)
