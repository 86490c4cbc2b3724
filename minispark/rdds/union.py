"""UnionRDD and PartitionerAwareUnionRDD: putting RDDs side by side.

A plain union is narrow and moves nothing: its partitions are the parents'
partitions, one after the other (a RangeDependency per parent), so
``a.union(b)`` has ``a.n + b.n`` partitions.

When both parents have the same partitioner, partition i of each holds the same
keys, so the union keeps ``n`` partitions (partition i reads partition i of
every parent) and keeps the partitioner: a join or reduceByKey after it needs
no shuffle.

Next: coalesced.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from minispark.dependency import OneToOneDependency, RangeDependency
from minispark.rdd import RDD
from minispark.rddbase import Partition


class UnionPartition(Partition):
    # The parent is named by position, not held: a partition travels with
    # every task and must not drag a whole RDD lineage along.
    def __init__(self, index: int, parent_index: int, parent_split: Partition):
        super().__init__(index)
        self.parent_index = parent_index
        self.parent_split = parent_split


class UnionRDD(RDD):
    """The partitions of several RDDs, concatenated."""

    def __init__(self, ctx: Any, rdds: list[RDD]):
        deps, offset = [], 0
        for rdd in rdds:
            n = rdd.getNumPartitions()
            deps.append(RangeDependency(rdd, 0, offset, n))
            offset += n
        super().__init__(ctx, deps)
        self.rdds = rdds

    def get_partitions(self) -> list[Partition]:
        parts = []
        for position, rdd in enumerate(self.rdds):
            for split in rdd.partitions:
                parts.append(UnionPartition(len(parts), position, split))
        return parts

    def compute(self, split: Partition, context: Any) -> Iterator:
        return self.rdds[split.parent_index].iterator(split.parent_split, context)


class PartitionerAwareUnionPartition(Partition):
    def __init__(self, index: int, parent_splits: list[Partition]):
        super().__init__(index)
        self.parent_splits = parent_splits


class PartitionerAwareUnionRDD(RDD):
    """Union of RDDs with one partitioner: partition i = partition i of each."""

    def __init__(self, ctx: Any, rdds: list[RDD]):
        super().__init__(ctx, [OneToOneDependency(r) for r in rdds])
        self.rdds = rdds
        self.partitioner = rdds[0].partitioner

    def get_partitions(self) -> list[Partition]:
        n = self.rdds[0].getNumPartitions()
        return [PartitionerAwareUnionPartition(i, [r.partitions[i] for r in self.rdds])
                for i in range(n)]

    def compute(self, split: Partition, context: Any) -> Iterator:
        return chain.from_iterable(
            rdd.iterator(s, context) for rdd, s in zip(self.rdds, split.parent_splits,
                                                        strict=True))
