"""Checkpointing: saving an RDD's partitions so its lineage can be forgotten.

Read this file to learn why iterative programs checkpoint.

Lineage is how Spark recovers lost data, but it grows with every step of an
iterative algorithm: after 500 iterations a partition would be recomputed from
500 levels of functions, and the task that ships it serialises all 500
(eventually exceeding the stack). ``rdd.checkpoint()`` marks an RDD; after the
next job that computes it, a second job writes its partitions to the checkpoint
directory, and the RDD's dependencies are replaced by one narrow dependency on
a CheckpointRDD that reads those files. Persist the RDD first, or that second
job recomputes it.

``localCheckpoint()`` does the same with faster, non-reliable storage (here,
minispark's local directory, gone when the context stops).

Next: debug.py, which shows the truncated lineage.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from typing import Any

from minispark.rdd import RDD
from minispark.rddbase import Partition
from minispark.taskcontext import TaskContext

BATCH = 1024


class CheckpointRDD(RDD):
    """Reads the partitions that a checkpoint wrote (``part-00000`` ...)."""

    def __init__(self, ctx: Any, path: str, num_partitions: int, local: bool = False):
        super().__init__(ctx, [])
        self.path = path
        self.num_partitions = num_partitions
        self.local = local

    def get_partitions(self) -> list[Partition]:
        return [Partition(i) for i in range(self.num_partitions)]

    def compute(self, split: Partition, context: Any) -> Iterator:
        with open(os.path.join(self.path, f"part-{split.index:05d}"), "rb") as f:
            while True:
                try:
                    batch = pickle.load(f)
                except EOFError:
                    return
                context.metrics.records_read += len(batch)
                yield from batch

    def __repr__(self) -> str:
        kind = "LocalCheckpointRDD" if self.local else "ReliableCheckpointRDD"
        return f"{kind}[{self._id}] at {self.creation_site}"


def write_checkpoint(rdd: RDD, path: str, local: bool) -> CheckpointRDD:
    """Run a job that saves every partition of ``rdd`` under ``path``."""
    os.makedirs(path, exist_ok=True)

    def save(iterator: Iterator) -> None:
        index = TaskContext.get().partitionId()
        final = os.path.join(path, f"part-{index:05d}")
        tmp = f"{final}.attempt-{TaskContext.get().taskAttemptId()}"
        with open(tmp, "wb") as f:
            batch: list = []
            for x in iterator:
                batch.append(x)
                if len(batch) >= BATCH:
                    pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
                    batch = []
            if batch:
                pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, final)

    rdd.ctx._run_job(rdd, save, description=f"checkpoint {rdd!r}", checkpoint=False)
    return CheckpointRDD(rdd.ctx, path, rdd.getNumPartitions(), local)
