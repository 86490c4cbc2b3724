"""Stages: sets of tasks that run the same pipeline on different partitions.

Read this file after dag.py's docstring.

Key terms
  ShuffleMapStage  computes its RDD's partitions and writes them as shuffle
                   output for a child stage. It is *available* once every
                   partition has map output registered; a later job that needs
                   the same shuffle reuses it ("skipped stages" in Spark's UI).
  ResultStage      the last stage of a job: applies the action's function to
                   each partition it is asked for and returns the result.
  attempt          a stage is re-submitted (a new attempt) when map output it
                   needs turns out to be lost.

Next: taskscheduler.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minispark.dependency import ShuffleDependency
from minispark.scheduler.listener import RDDInfo, StageInfo


class Stage:
    def __init__(self, stage_id: int, rdd: Any, num_tasks: int, parents: list[Stage],
                 first_job_id: int):
        self.id = stage_id
        self.rdd = rdd
        self.num_tasks = num_tasks
        self.parents = parents
        self.first_job_id = first_job_id
        self.attempt = -1
        self.pending_partitions: set[int] = set()
        self.info: StageInfo | None = None

    @property
    def name(self) -> str:
        return self.rdd.creation_site

    def rdds_in_stage(self) -> list[Any]:
        """The RDDs this stage pipelines: its RDD and narrow ancestors (no recursion)."""
        seen, order, stack = set(), [], [self.rdd]
        while stack:
            rdd = stack.pop()
            if rdd.id() in seen:
                continue
            seen.add(rdd.id())
            order.append(rdd)
            stack.extend(d.rdd for d in rdd.dependencies
                         if not isinstance(d, ShuffleDependency))
        return order

    def new_attempt(self, kind: str, shuffle_id: int | None = None) -> StageInfo:
        self.attempt += 1
        rdds = self.rdds_in_stage()
        self.info = StageInfo(self.id, self.attempt, self.name, self.num_tasks,
                              [p.id for p in self.parents], kind,
                              [repr(r) for r in rdds], shuffle_id,
                              rdd_infos=[RDDInfo.from_rdd(r) for r in rdds])
        return self.info

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id}, {self.name})"


class ShuffleMapStage(Stage):
    """A stage whose tasks write shuffle output for ``shuffle_dep``."""

    def __init__(self, stage_id: int, rdd: Any, num_tasks: int, parents: list[Stage],
                 first_job_id: int, shuffle_dep: ShuffleDependency):
        super().__init__(stage_id, rdd, num_tasks, parents, first_job_id)
        self.shuffle_dep = shuffle_dep
        self.outputs: list[Any] = [None] * num_tasks  # MapStatus per map partition

    @property
    def is_available(self) -> bool:
        return all(o is not None for o in self.outputs)

    def find_missing_partitions(self) -> list[int]:
        return [i for i, o in enumerate(self.outputs) if o is None]


class ResultStage(Stage):
    """The final stage of a job: runs ``func`` on the requested partitions."""

    def __init__(self, stage_id: int, rdd: Any, func: Callable, partitions: list[int],
                 parents: list[Stage], first_job_id: int):
        super().__init__(stage_id, rdd, len(partitions), parents, first_job_id)
        self.func = func
        self.partitions = partitions
        self.finished = [False] * len(partitions)

    def find_missing_partitions(self) -> list[int]:
        return [i for i, done in enumerate(self.finished) if not done]
