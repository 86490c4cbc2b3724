"""CartesianRDD and ZippedPartitionsRDD: two parents, combined partition-wise.

cartesian: partition (i, j) pairs every element of partition i of the first
RDD with every element of partition j of the second: n1 * n2 tasks, and each
partition of the second RDD is read n1 times. It is narrow (no shuffle) but its
output grows as the product of the inputs: use it sparingly. The pairs come in
PySpark's order, which pairs serialization batches rather than records
(batches.py): all pairs of the first batches of both sides, then of the first
left batch and the second right batch, and so on.

zip: partition i pairs the k-th elements of partition i of both parents; both
must have the same number of partitions and of elements per partition.

Next: checkpoint.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from minispark.dependency import NarrowDependency, OneToOneDependency
from minispark.rdd import RDD
from minispark.rddbase import Partition
from minispark.rdds.batches import batching, cartesian_batches


class CartesianPartition(Partition):
    def __init__(self, index: int, s1: Partition, s2: Partition):
        super().__init__(index)
        self.s1, self.s2 = s1, s2


class _CartesianDependency(NarrowDependency):
    def __init__(self, rdd: RDD, other_count: int, first: bool):
        super().__init__(rdd)
        self.other_count, self.first = other_count, first

    def get_parents(self, partition_id: int) -> list[int]:
        if self.first:
            return [partition_id // self.other_count]
        return [partition_id % self.other_count]


class CartesianRDD(RDD):
    """All pairs of elements of two RDDs."""

    def __init__(self, ctx: Any, rdd1: RDD, rdd2: RDD):
        n2 = rdd2.getNumPartitions()
        super().__init__(ctx, [_CartesianDependency(rdd1, n2, True),
                               _CartesianDependency(rdd2, n2, False)])
        self.rdd1, self.rdd2 = rdd1, rdd2
        # Worked out here, on the driver, where both lineages are whole.
        self.batchings = (batching(rdd1), batching(rdd2))

    def get_partitions(self) -> list[Partition]:
        right = self.rdd2.partitions
        return [CartesianPartition(i * len(right) + j, s1, s2)
                for i, s1 in enumerate(self.rdd1.partitions) for j, s2 in enumerate(right)]

    def compute(self, split: Partition, context: Any) -> Iterator:
        for batch in cartesian_batches(self, split, context, *self.batchings):
            yield from batch


class ZippedPartition(Partition):
    def __init__(self, index: int, s1: Partition, s2: Partition):
        super().__init__(index)
        self.s1, self.s2 = s1, s2


class ZippedPartitionsRDD(RDD):
    """Element-wise pairs of two RDDs with identical partitioning."""

    def __init__(self, ctx: Any, rdd1: RDD, rdd2: RDD):
        super().__init__(ctx, [OneToOneDependency(rdd1), OneToOneDependency(rdd2)])
        self.rdd1, self.rdd2 = rdd1, rdd2

    def get_partitions(self) -> list[Partition]:
        return [ZippedPartition(i, a, b)
                for i, (a, b) in enumerate(zip(self.rdd1.partitions, self.rdd2.partitions,
                                               strict=True))]

    def compute(self, split: Partition, context: Any) -> Iterator:
        left = self.rdd1.iterator(split.s1, context)
        right = self.rdd2.iterator(split.s2, context)
        sentinel = object()
        while True:
            a, b = next(left, sentinel), next(right, sentinel)
            if a is sentinel and b is sentinel:
                return
            if a is sentinel or b is sentinel:
                raise ValueError("Can only zip RDDs with same number of elements in each "
                                 f"partition (partition {split.index} differs)")
            yield (a, b)
