"""The task table of the Spark UI's Stages page, read back from an event log.

The Stages page of the UI (``sc.uiWebUrl``, then *Stages* and a stage's description) lists
every task of a stage with what it read and wrote: *Input Size / Records*, *Shuffle Read
Size / Records*, *Shuffle Write Size / Records*, the result size. The UI is built from
listener events, and the event log (``spark.eventLog.enabled=true``) is those events written
one per line, which the history server replays into the same pages. This module reads such a
log into plain rows, so a notebook can compute with the numbers the page shows: the same
numbers, from the same events.

Key terms: an *event log* (minispark's JSON lines: ``TaskEnd`` events with their
``task_info`` and ``metrics``, minispark/ui/eventlog.py); a *stage row* (one completed stage,
its job and its tasks); a *task row* (one successful task attempt, its partition and its
numbers). ``records`` is what a task read, from its input plus from the shuffle: the keys
``stage``, ``records``, ``task_bytes`` and ``result_bytes`` are those of chapter 11c's task
tables, so a stage's ``tasks`` can be handed to its ``diagnose``.

minispark-only: ``event_log(sc)`` attaches minispark's event-log listener for the jobs of a
block (PySpark has no Python listener API, and writes Spark's own JSON format, which this
module does not read). On PySpark it yields a log that is not ``available`` and whose
stages are ``[]``; the chapter's check on them prints that it was skipped.

Read next: minispark/ui/eventlog.py (how the log is written and replayed),
minispark/ui/pages/stages.py (the page these rows mirror).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["EventLog", "event_log", "stages"]


class EventLog:
    """The log written while an ``event_log`` block ran: ``path`` (None on PySpark)."""

    def __init__(self, path: Path | None):
        self.path = path

    @property
    def available(self) -> bool:
        return self.path is not None

    def stages(self) -> list[dict]:
        """``stages(self.path)``; ``[]`` when nothing was logged (PySpark)."""
        return stages(self.path) if self.path is not None else []


@contextmanager
def event_log(sc: Any, directory: str | Path | None = None) -> Iterator[EventLog]:
    """Write the listener events of the jobs run inside the block to a new event log in
    ``directory`` (default: a new temporary directory), as ``spark.eventLog.enabled=true``
    would for the whole application (minispark-only).

    >>> with event_log(sc) as log:
    ...     n = sc.parallelize(range(10), 2).map(lambda x: (x % 3, x)).partitionBy(3).count()
    >>> [(s["kind"], len(s["tasks"])) for s in log.stages()]
    [('ShuffleMapStage', 2), ('ResultStage', 3)]
    """
    if not hasattr(sc, "addSparkListener"):
        yield EventLog(None)
        return
    from minispark.ui.eventlog import EventLogWriter

    where = Path(directory) if directory is not None else Path(
        tempfile.mkdtemp(prefix="course-events-"))
    writer = EventLogWriter(str(where), f"{sc.applicationId}-{id(where):x}")
    log = EventLog(Path(writer.path))
    sc.addSparkListener(writer)
    try:
        yield log
    finally:
        sc.removeSparkListener(writer)
        writer.close()


def _row(event: Any) -> dict:
    info, m = event.data["task_info"], event.data["metrics"]
    return {"stage": event.data["stage_id"], "partition": info.index, "attempt": info.attempt,
            "records": m.records_read + m.shuffle_read_records,
            "input_records": m.records_read, "input_bytes": m.bytes_read,
            "shuffle_read_records": m.shuffle_read_records,
            "shuffle_read_bytes": m.shuffle_read_bytes,
            "shuffle_write_records": m.shuffle_write_records,
            "shuffle_write_bytes": m.shuffle_write_bytes,
            "task_bytes": m.task_binary_bytes, "result_bytes": m.result_size}


def stages(path: str | Path) -> list[dict]:
    """Every stage completed in the event log at ``path``, in the order they completed:
    ``{"stage": id, "job": the job that ran it, "kind": "ShuffleMapStage" or
    "ResultStage", "name": e.g. "count at In [12], line 3", "tasks": [task row, ...]}``,
    with one task row per partition (its successful attempt), in partition order.

    >>> with event_log(sc) as log:
    ...     n = sc.parallelize(range(6), 2).count()
    >>> [(t["partition"], t["records"], t["shuffle_read_bytes"]) for t in log.stages()[0]["tasks"]]
    [(0, 0, 0), (1, 0, 0)]
    """
    from minispark.ui.eventlog import read_event_log

    job_of: dict[int, int] = {}
    tasks: dict[int, dict[int, dict]] = {}
    done: list[dict] = []
    for event in read_event_log(path):
        if event.kind == "JobStart":
            for info in event.data.get("stage_infos", []):
                job_of.setdefault(info.stage_id, event.data["job_id"])
        elif event.kind == "TaskEnd" and event.data["task_info"].successful \
                and event.data.get("metrics") is not None:
            row = _row(event)
            tasks.setdefault(row["stage"], {})[row["partition"]] = row
        elif event.kind == "StageCompleted":
            info = event.data["stage_info"]
            rows = tasks.pop(info.stage_id, {})
            done.append({"stage": info.stage_id, "job": job_of.get(info.stage_id),
                         "kind": info.kind, "name": info.name,
                         "tasks": [rows[p] for p in sorted(rows)]})
    return done
