"""Checks on *how* a job ran, not on what it returned: ``watch(sc)`` records minispark's
listener events while a block of a notebook runs, and ``Run`` answers questions about
them (jobs, stages, tasks, shuffle bytes, task sizes, cache hits, bytes sent to the
driver) so that a check can say "computed without groupByKey: shuffle bytes below X" or
"the table is broadcast, not captured in the closure".

No other grader can check this, and a failed check must teach: ``Run.expect`` fails
with the message the notebook gives, which says what was measured and what to change.

Under the class grader an ``expect`` also reports its condition (course/reporting.py), so
the grader sees it held; the events it reads are still produced in the student's process,
where a determined student can forge them (INSTRUCTOR.md, "What the grader trusts").

PySpark has no Python listener API, so on PySpark ``watch`` yields a ``Run`` that is not
``available`` and every ``expect`` prints that it was skipped and passes: the same
notebook runs on both engines (``make parity``), visibly.

Read next: checks.py (the checks on answers), streamcheck.py (streams, batch by batch).
"""

from __future__ import annotations

from contextlib import contextmanager

__all__ = ["Run", "watch"]


class Run:
    """What Spark ran inside a ``watch`` block (minispark only)."""

    def __init__(self, available: bool):
        self.available = available
        self.events: list = []

    def _of(self, kind):
        return [e for e in self.events if e.kind == kind]

    @property
    def jobs(self) -> int:
        return len(self._of("JobStart"))

    @property
    def stages(self) -> int:
        """Stages that actually ran (skipped stages, whose shuffle output existed, don't)."""
        return len(self._of("StageCompleted"))

    def stage_kinds(self) -> list[str]:
        return [e.data["stage_info"].kind for e in self._of("StageCompleted")]

    def metric(self, name: str, kind: str | None = None) -> int:
        """The sum over tasks of one ``TaskMetrics`` field (``cache_hits``,
        ``shuffle_read_bytes``, ``task_binary_bytes``, ...), optionally only in stages of
        one kind (``"ShuffleMapStage"`` or ``"ResultStage"``)."""
        stage_kind = {e.data["stage_info"].stage_id: e.data["stage_info"].kind
                      for e in self._of("StageCompleted")}
        return sum(getattr(e.data["metrics"], name) for e in self._of("TaskEnd")
                   if e.data.get("metrics") is not None
                   and (kind is None or stage_kind.get(e.data["stage_id"]) == kind))

    _metric = metric          # the name chapter 7's hidden tests were written with

    @property
    def tasks(self) -> int:
        """Task attempts that ended (one per partition of each stage that ran)."""
        return len(self._of("TaskEnd"))

    def stage_tasks(self) -> list[int]:
        """The number of tasks of each stage that ran, in completion order."""
        return [e.data["stage_info"].num_tasks for e in self._of("StageCompleted")]

    @property
    def shuffle_write_bytes(self) -> int:
        return self.metric("shuffle_write_bytes")

    @property
    def shuffle_read_bytes(self) -> int:
        return self.metric("shuffle_read_bytes")

    @property
    def cache_hits(self) -> int:
        """Partitions read from the block manager instead of being recomputed."""
        return self.metric("cache_hits")

    @property
    def largest_task_bytes(self) -> int:
        """The largest serialized task (closure included): big data captured in a
        closure shows here; a broadcast variable does not."""
        return max((e.data["metrics"].task_binary_bytes for e in self._of("TaskEnd")
                    if e.data.get("metrics") is not None), default=0)

    @property
    def broadcast_fetches(self) -> int:
        return self.metric("broadcast_fetches")

    @property
    def result_bytes(self) -> int:
        """Bytes the result stage's tasks sent back to the driver."""
        return self.metric("result_size", "ResultStage")

    def expect(self, condition_name: str, ok, message: str) -> None:
        """Fail with a teaching ``message`` unless ``ok``; on PySpark, skip visibly."""
        if not self.available:
            print(f"(skipped on PySpark: {condition_name} needs minispark's listener events)")
            return
        from course import checks  # not at the top: checks.py imports us

        if checks.grading_mode():
            from course import reporting
            reporting.report("expect", condition_name, bool(ok))
        if not ok:
            raise checks.CheckError(message, title=f"how it ran, '{condition_name}'")
        print(f"✓ {condition_name}")


@contextmanager
def watch(sc):
    """Record the listener events of everything run inside the block.

    >>> with watch(sc) as run:
    ...     n = sc.parallelize(range(40), 2).map(lambda x: (x % 4, 1)).reduceByKey(max).count()
    >>> run.jobs, run.stages, run.stage_tasks(), run.shuffle_write_bytes > 0
    (1, 2, [2, 2], True)
    """
    if not hasattr(sc, "addSparkListener"):
        yield Run(available=False)
        return
    from minispark.scheduler.listener import EventCollector

    collector = EventCollector()
    run = Run(available=True)
    run.events = collector.events
    sc.addSparkListener(collector)
    try:
        yield run
    finally:
        sc.removeSparkListener(collector)
