"""The Stages tab: every stage, and one stage's summary metrics, executors and tasks.

Mirrors Spark's ``StagesTab``, ``AllStagesPage`` and ``StagePage``
(core/src/main/scala/org/apache/spark/ui/jobs/). A stage's page draws its own
DAG (../dagviz.py): the RDDs its tasks pipeline. This is the page the course
diagnoses performance with: percentiles of task duration and scheduler delay
show skew and launch overhead, the task table's locality and write times
show where time went. Next: storage.py.
"""

from __future__ import annotations

from typing import Any

from minispark.ui.dagviz import dag_legend, dag_svg, shuffle_readers
from minispark.ui.state import AppStatusStore, StageRow, TaskRow, percentiles
from minispark.ui.templates import (
    Html,
    bytes_cell,
    fmt_bytes,
    fmt_duration,
    fmt_time,
    link,
    table,
    tag,
)

__all__ = ["render_stages", "render_stage", "stage_table"]

MAX_TASK_ROWS = 1000   # Spark pages its task table; here the first rows, sorted
SECTIONS = [("ACTIVE", "Active Stages"), ("PENDING", "Pending Stages"),
            ("COMPLETE", "Completed Stages"), ("SKIPPED", "Skipped Stages"),
            ("FAILED", "Failed Stages")]

# (label, value of a task in seconds or bytes, kind, shown only when the stage has it)
METRICS: list[tuple[str, Any, str, str | None]] = [
    ("Duration", lambda t: t.duration, "time", None),
    ("Scheduler Delay", lambda t: t.scheduler_delay, "time", None),
    ("Task Deserialization Time", lambda t: t.metrics.executor_deserialize_time, "time", None),
    ("Result Serialization Time", lambda t: t.metrics.result_serialization_time, "time", None),
    ("Peak Execution Memory", lambda t: t.metrics.peak_memory_bytes, "bytes", None),
    ("Input Size", lambda t: t.metrics.bytes_read, "bytes", "input_bytes"),
    ("Shuffle Read Size", lambda t: t.metrics.shuffle_read_bytes, "bytes",
     "shuffle_read_bytes"),
    ("Shuffle Write Size", lambda t: t.metrics.shuffle_write_bytes, "bytes",
     "shuffle_write_bytes"),
    ("Shuffle Write Time", lambda t: t.metrics.shuffle_write_time, "time",
     "shuffle_write_bytes"),
    ("Shuffle Spill (Memory)", lambda t: t.metrics.memory_bytes_spilled, "bytes",
     "memory_spilled"),
    ("Shuffle Spill (Disk)", lambda t: t.metrics.disk_bytes_spilled, "bytes", "disk_spilled"),
]

TASK_SORTS = {"index": (lambda t: t.index, False), "duration": (lambda t: t.duration, True),
              "delay": (lambda t: t.scheduler_delay, True),
              "write": (lambda t: _m(t, "shuffle_write_time"), True),
              "ser": (lambda t: _m(t, "result_serialization_time"), True)}


def _m(task: TaskRow, name: str) -> float:
    return getattr(task.metrics, name, 0) if task.metrics is not None else 0


def stage_table(stages: list[StageRow], base: str, id: str = "stages") -> Html:
    """The stage list used by the Stages tab and a job's page.

    >>> from minispark.ui.state import StageRow
    >>> "Stage" in stage_table([StageRow(0, 0, "map at x.py:1", "ResultStage", 2, [], [])], "")
    True
    """
    rows = []
    for s in stages:
        done = s.totals.tasks
        duration = ((s.completion_time or 0) - s.submission_time
                    if s.submission_time and s.completion_time else None)
        rows.append([s.stage_id, s.attempt,
                     link(base, "/stages/stage/", s.name, id=s.stage_id, attempt=s.attempt),
                     tag("span", s.status.lower(), cls=s.status),
                     fmt_time(s.submission_time), fmt_duration(duration),
                     tag("span", f"{done}/{s.num_tasks}", cls="tasks")
                     if not s.totals.failed else f"{done}/{s.num_tasks} ({s.totals.failed} failed)",
                     bytes_cell(s.totals.input_bytes) if s.totals.input_bytes else "",
                     bytes_cell(s.totals.shuffle_read_bytes) if s.totals.shuffle_read_bytes
                     else "",
                     bytes_cell(s.totals.shuffle_write_bytes) if s.totals.shuffle_write_bytes
                     else "",
                     s.failure_reason or ""])
    return table(["Stage Id", "Attempt", "Description", "Status", "Submitted", "Duration",
                  "Tasks: Succeeded/Total", "Input", "Shuffle Read", "Shuffle Write",
                  "Failure Reason"], rows, numeric={0, 1, 7, 8, 9}, id=id)


def render_stages(store: AppStatusStore, query: dict[str, str], base: str) -> tuple:
    """All stages, grouped by status as Spark's Stages tab shows them.

    >>> title, tab, body = render_stages(AppStatusStore(), {}, "")
    >>> title, tab
    ('Stages for All Jobs', 'stages')
    """
    body: list[Any] = []
    stages = list(reversed(store.stages.values()))
    for status, heading in SECTIONS:
        chosen = [s for s in stages if s.status == status]
        if chosen or status == "COMPLETE":
            body += [tag("h3", f"{heading} ({len(chosen)})"),
                     stage_table(chosen, base, id=f"{status.lower()}-stages")]
    return "Stages for All Jobs", "stages", body


def render_stage(store: AppStatusStore, query: dict[str, str], base: str) -> tuple:
    """One stage: totals, summary-metric percentiles, per-executor aggregates, tasks.

    >>> render_stage(AppStatusStore(), {"id": "7"}, "")[2]
    ['No stage 7 (attempt latest).']
    """
    stage_id = int(query.get("id", -1))
    attempt = int(query["attempt"]) if "attempt" in query else None
    stage = store.stage(stage_id, attempt)
    if stage is None:
        return "Stage", "stages", [f"No stage {stage_id} (attempt {attempt or 'latest'})."]
    tasks = list(stage.tasks.values())
    done = [t for t in tasks if t.status == "SUCCESS" and t.metrics is not None]
    t = stage.totals
    facts = [("Status", stage.status.lower()), ("Kind", stage.kind),
             ("Total time across all tasks", fmt_duration(t.task_time)),
             ("Locality level summary", _locality(tasks)),
             ("Shuffle read", bytes_cell(t.shuffle_read_bytes, t.shuffle_read_records)),
             ("Shuffle write", bytes_cell(t.shuffle_write_bytes, t.shuffle_write_records)),
             ("Jobs", Html(", ".join(link(base, "/jobs/job/", j, id=j) for j in stage.job_ids))),
             ("RDDs", "; ".join(stage.rdd_names))]
    body: list[Any] = [table(["", ""], facts, id="stage-facts")]
    if stage.plan is not None:
        body += [tag("h3", "DAG Visualization"), _stage_dag(store, stage, base), dag_legend()]
    body += [tag("h3", f"Summary Metrics for {len(done)} Completed Tasks"),
             _summary(stage, done)]
    body += [tag("h3", "Aggregated Metrics by Executor"), _by_executor(stage)]
    sort = query.get("sort", "index")
    key, reverse = TASK_SORTS.get(sort, TASK_SORTS["index"])
    shown = sorted(tasks, key=key, reverse=reverse)[:MAX_TASK_ROWS]
    sorts = Html(" ".join(link(base, "/stages/stage/", name, id=stage.stage_id,
                               attempt=stage.attempt, sort=name) for name in TASK_SORTS))
    body += [tag("h3", f"Tasks ({len(tasks)})"), Html(f"<p>Sort by: {sorts}</p>"),
             _task_table(shown)]
    return f"Details for Stage {stage.stage_id} (Attempt {stage.attempt})", "stages", body


def _stage_dag(store: AppStatusStore, stage: StageRow, base: str) -> Html:
    """This stage's own RDDs (and, for a map stage, the map side of its shuffle, named
    after the operation that reads it: found among the stages and jobs the store holds)."""
    plans = [s.plan for s in store.stages.values() if s.plan is not None]
    plans += [p for j in stage.job_ids if j in store.jobs for p in store.jobs[j].plans.values()]
    return dag_svg({stage.stage_id: stage.plan}, {stage.stage_id: stage.status}, base,
                   cached_ids=store.rdds, readers=shuffle_readers(plans))


def _locality(tasks: list[TaskRow]) -> str:
    counts: dict[str, int] = {}
    for task in tasks:
        counts[task.locality] = counts.get(task.locality, 0) + 1
    return "; ".join(f"{k}: {v}" for k, v in sorted(counts.items()))


def _summary(stage: StageRow, done: list[TaskRow]) -> Html:
    rows = []
    for label, value, kind, needs in METRICS:
        if needs is not None and not getattr(stage.totals, needs):
            continue
        qs = percentiles([value(t) for t in done])
        show = fmt_duration if kind == "time" else fmt_bytes
        rows.append([label] + [show(q) for q in qs] if qs else [label, "", "", "", "", ""])
    return table(["Metric", "Min", "25th percentile", "Median", "75th percentile", "Max"],
                 rows, numeric={1, 2, 3, 4, 5}, id="summary")


def _by_executor(stage: StageRow) -> Html:
    rows = [[eid, fmt_duration(t.task_time), t.tasks + t.failed, t.failed, t.tasks,
             bytes_cell(t.input_bytes, t.input_records),
             bytes_cell(t.shuffle_read_bytes, t.shuffle_read_records),
             bytes_cell(t.shuffle_write_bytes, t.shuffle_write_records),
             fmt_bytes(t.memory_spilled), fmt_bytes(t.disk_spilled)]
            for eid, t in sorted(stage.by_executor.items())]
    return table(["Executor ID", "Task Time", "Total Tasks", "Failed Tasks", "Succeeded Tasks",
                  "Input Size / Records", "Shuffle Read Size / Records",
                  "Shuffle Write Size / Records", "Spill (Memory)", "Spill (Disk)"],
                 rows, numeric=set(range(1, 10)), id="executors")


def _task_table(tasks: list[TaskRow]) -> Html:
    rows = []
    for t in tasks:
        m = t.metrics
        rows.append([t.index, t.task_id, t.attempt, tag("span", t.status, cls=t.status),
                     t.locality, t.executor_id, fmt_time(t.launch_time),
                     fmt_duration(t.duration) if t.finish_time else "",
                     fmt_duration(t.scheduler_delay) if m else "",
                     fmt_duration(m.executor_deserialize_time) if m else "",
                     fmt_duration(m.result_serialization_time) if m else "",
                     bytes_cell(m.shuffle_read_bytes, m.shuffle_read_records) if m else "",
                     bytes_cell(m.shuffle_write_bytes, m.shuffle_write_records) if m else "",
                     fmt_duration(m.shuffle_write_time) if m else "",
                     fmt_bytes(m.memory_bytes_spilled + m.disk_bytes_spilled) if m else "",
                     fmt_bytes(m.peak_memory_bytes) if m else "", t.error or ""])
    return table(["Index", "Task ID", "Attempt", "Status", "Locality Level", "Executor",
                  "Launch Time", "Duration", "Scheduler Delay", "Deserialization",
                  "Result Ser Time", "Shuffle Read", "Shuffle Write", "Write Time", "Spill",
                  "Peak Memory", "Errors"], rows, numeric={0, 1, 2, *range(7, 16)}, id="tasks")
