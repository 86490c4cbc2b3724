"""MapPartitionsRDD: the narrow transformation every other narrow one is built on.

map, filter, flatMap, glom, mapValues ... all become ``f(index, iterator)``
applied to the parent's partition iterator. Because each returns a lazy
iterator, a chain of them forms a *pipeline*: a record flows through every
function before the next record is read, so a task holds one record at a time,
not a whole partition (unless a function like glom asks for the whole
partition).

Next: union.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from minispark.dependency import OneToOneDependency
from minispark.rdd import RDD
from minispark.rddbase import Partition


class MapPartitionsRDD(RDD):
    """Applies ``f(partition_index, parent_iterator)`` to each partition."""

    def __init__(self, prev: RDD, f: Callable[[int, Iterator], Iterable],
                 preservesPartitioning: bool = False):
        if not callable(f):
            raise TypeError(f"expected a function, got {type(f).__name__}: {f!r}")
        super().__init__(prev.ctx, [OneToOneDependency(prev)])
        self.prev = prev
        self.f = f
        self.preservesPartitioning = preservesPartitioning
        self.partitioner = prev.partitioner if preservesPartitioning else None

    def get_partitions(self) -> list[Partition]:
        return self.prev.partitions

    def compute(self, split: Partition, context: Any) -> Iterator:
        return iter(self.f(split.index, self.prev.iterator(split, context)))
