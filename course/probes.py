"""Measurements for the how-it-ran checks beyond what ``Run`` (execution.py) offers: the
stages a job *planned*, skipped ones included, and the records a job wrote to the shuffle.

Why these two. ``Run.stages`` counts the stages that ran; a stage whose shuffle files
already exist is skipped and leaves no trace there, so a ``repartition`` whose shuffle an
earlier cell computed looks like "no shuffle". The plan (the stages announced by each
``JobStart`` event) still holds it. And a bound on shuffle *bytes* against a costly
reference only says "less than that"; the number of records written says how the data
was combined: a map-side combine writes one record per key per map task, exactly what
the check's own ``reduceByKey`` on the same data writes, while ``groupByKey`` (or a
``reduceByKey`` that concatenates lists) writes one record per value.

Key terms: *planned stage* (kind and number of partitions of every stage of a job's
DAG, whether it ran or was skipped); *shuffle records* (``shuffle_write_records``,
summed over the tasks that ran).

On PySpark ``Run.available`` is false and there are no events: every helper returns an
empty or zero answer, and ``Run.expect`` prints that the check was skipped.

Read next: execution.py (``watch`` and ``Run``), the chapters' *how it runs* cells.
"""

from __future__ import annotations

from typing import Any

__all__ = ["planned_stages", "planned_map_stages", "shuffle_records", "stages_run"]


def planned_stages(run: Any) -> list[tuple[str, int]]:
    """``(kind, partitions)`` of every stage of every job in ``run``, in stage order,
    skipped stages included (``kind`` is ``"ShuffleMapStage"`` or ``"ResultStage"``).

    >>> from course.execution import watch
    >>> pairs = sc.parallelize(range(8), 2).map(lambda x: (x % 2, x)).reduceByKey(max)
    >>> pairs.count()
    2
    >>> with watch(sc) as run:
    ...     n = pairs.count()                      # its map stage is skipped
    >>> planned_stages(run), stages_run(run)
    ([('ShuffleMapStage', 2), ('ResultStage', 2)], [('ResultStage', 2)])
    """
    found: list[tuple[int, str, int]] = []
    for event in getattr(run, "events", []):
        if event.kind == "JobStart":
            found += [(info.stage_id, info.kind, info.num_tasks)
                      for info in event.data.get("stage_infos", [])]
    return [(kind, tasks) for _id, kind, tasks in sorted(set(found))]


def planned_map_stages(run: Any) -> int:
    """How many shuffle map stages the jobs of ``run`` planned, skipped ones included."""
    return sum(kind == "ShuffleMapStage" for kind, _tasks in planned_stages(run))


def stages_run(run: Any) -> list[tuple[str, int]]:
    """``(kind, tasks run)`` of every stage that completed, in completion order."""
    return [(e.data["stage_info"].kind, e.data["stage_info"].num_tasks)
            for e in getattr(run, "events", []) if e.kind == "StageCompleted"]


def shuffle_records(run: Any) -> int:
    """Records the tasks of ``run`` wrote to shuffle files (0 on PySpark)."""
    if not getattr(run, "available", False):
        return 0
    return run.metric("shuffle_write_records")
