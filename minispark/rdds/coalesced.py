"""CoalescedRDD: fewer partitions without a shuffle.

``coalesce(n)`` glues neighbouring parent partitions together: output
partition i reads parent partitions ``[i*N/n, (i+1)*N/n)``. It is narrow, so it
costs nothing but parallelism: the stage that computes the parents now runs
only n tasks. (Spark also weighs where the parent partitions live; on one
machine every placement is equal, and the even split is what Spark chooses.)

Next: shuffled.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from minispark.dependency import NarrowDependency
from minispark.rdd import RDD
from minispark.rddbase import Partition


class CoalescedPartition(Partition):
    def __init__(self, index: int, parent_splits: list[Partition]):
        super().__init__(index)
        self.parent_splits = parent_splits


class CoalescedDependency(NarrowDependency):
    def __init__(self, rdd: RDD, groups: list[list[int]]):
        super().__init__(rdd)
        self.groups = groups

    def get_parents(self, partition_id: int) -> list[int]:
        return self.groups[partition_id]


class CoalescedRDD(RDD):
    """Merges runs of neighbouring parent partitions into one partition each."""

    def __init__(self, prev: RDD, num_partitions: int):
        parent_count = prev.getNumPartitions()
        target = min(num_partitions, parent_count)
        groups = [list(range(i * parent_count // target, (i + 1) * parent_count // target))
                  for i in range(target)]
        super().__init__(prev.ctx, [CoalescedDependency(prev, groups)])
        self.prev = prev
        self.groups = groups

    def get_partitions(self) -> list[Partition]:
        parents = self.prev.partitions
        return [CoalescedPartition(i, [parents[j] for j in group])
                for i, group in enumerate(self.groups)]

    def compute(self, split: Partition, context: Any) -> Iterator:
        return chain.from_iterable(self.prev.iterator(s, context) for s in split.parent_splits)
