"""The Executors tab: each worker process, what it ran, what failed, what it shuffled.

Mirrors Spark's ``ExecutorsTab``/``ExecutorsPage``
(core/src/main/scala/org/apache/spark/ui/exec/). In minispark an executor is
one worker process (``local[N]`` starts N); a worker that dies is replaced by
a new one with a new id, and the dead one stays listed with the reason.
Next: environment.py.
"""

from __future__ import annotations

from typing import Any

from minispark.ui.state import AppStatusStore
from minispark.ui.templates import bytes_cell, fmt_bytes, fmt_duration, fmt_time, table, tag

__all__ = ["render_executors"]


def render_executors(store: AppStatusStore, query: dict[str, str], base: str) -> tuple:
    """The executors with their task counts and shuffle totals, and a summary row.

    >>> render_executors(AppStatusStore(), {}, "")[:2]
    ('Executors', 'executors')
    """
    rows = []
    total = [0, 0, 0, 0, 0.0, 0, 0, 0, 0]
    for ex in sorted(store.executors.values(), key=lambda e: (e.add_time, e.executor_id)):
        t = ex.totals
        status = "Active" if ex.remove_time is None else "Dead"
        counts = [t.active, t.failed, t.tasks, t.tasks + t.failed, t.task_time,
                  t.input_bytes, t.shuffle_read_bytes, t.shuffle_write_bytes,
                  t.memory_spilled + t.disk_spilled]
        total = [a + b for a, b in zip(total, counts, strict=True)]
        rows.append([ex.executor_id, ex.pid if ex.pid is not None else "",
                     tag("span", status, cls="failed" if ex.remove_time else None),
                     fmt_time(ex.add_time), t.active, t.failed, t.tasks, t.tasks + t.failed,
                     fmt_duration(t.task_time), bytes_cell(t.input_bytes),
                     bytes_cell(t.shuffle_read_bytes), bytes_cell(t.shuffle_write_bytes),
                     fmt_bytes(t.memory_spilled + t.disk_spilled), ex.remove_reason or ""])
    headers = ["Executor ID", "PID", "Status", "Added", "Active Tasks", "Failed Tasks",
               "Complete Tasks", "Total Tasks", "Task Time", "Input", "Shuffle Read",
               "Shuffle Write", "Spill", "Removed because"]
    summary = [["Total", len(rows), total[0], total[1], total[2], total[3],
                fmt_duration(total[4]), bytes_cell(total[5]), bytes_cell(total[6]),
                bytes_cell(total[7]), fmt_bytes(total[8])]]
    body: list[Any] = [
        tag("h3", "Summary"),
        table(["", "Executors", "Active Tasks", "Failed Tasks", "Complete Tasks",
               "Total Tasks", "Task Time", "Input", "Shuffle Read", "Shuffle Write", "Spill"],
              summary, numeric=set(range(1, 11)), id="summary"),
        tag("h3", f"Executors ({len(rows)})"),
        table(headers, rows, numeric=set(range(4, 13)), id="executors"),
    ]
    return "Executors", "executors", body
