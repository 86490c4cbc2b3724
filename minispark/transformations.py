"""Narrow transformations: new RDDs computed partition by partition, no shuffle.

Read this file to see how little a transformation does: it returns a new RDD
that remembers its parent and a function, and computes nothing.

Key terms
  narrow         each output partition needs one (or a few, known) parent
                 partitions, so a chain of narrow transformations runs as one
                 pipeline inside one task: map, filter, flatMap, glom, union,
                 zip, coalesce without shuffle.
  mapPartitionsWithIndex
                 the one transformation the per-element ones are built from:
                 map(f) is ``mapPartitionsWithIndex(lambda _, it: map(f, it))``,
                 a MapPartitionsRDD (rdds/mapped.py); consecutive ones fuse
                 into one function.
  preservesPartitioning
                 a promise that keys did not change, so the parent's
                 partitioner still holds and a later join needs no shuffle.

The exceptions at the end are repartition and coalesce(shuffle=True), which
are wide: they redistribute every record (rdds/shuffled.py). These methods are
mixed into ``RDD`` (rdd.py). The RDDs they make subclass that RDD, so rdds/ sits
above this file: a method finds the one it makes by name,
``rdd_class("MapPartitionsRDD")`` (rddbase.py), instead of importing it.

Next: pairs.py, the wide transformations on key-value pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from minispark.barrier import BarrierFunctions
from minispark.rddbase import rdd_class
from minispark.rdds.pipe import pipe_partition

if TYPE_CHECKING:
    from minispark.rdd import RDD

__all__ = ["NarrowTransformations"]


class NarrowTransformations(BarrierFunctions):
    """Transformations that need no shuffle (mixed into ``RDD``); ``barrier()`` is in
    barrier.py."""

    def mapPartitionsWithIndex(self, f: Callable[[int, Iterator], Iterable],
                               preservesPartitioning: bool = False) -> RDD:
        """Apply ``f(index, iterator)`` to each partition. Narrow: no shuffle.

        This is the one narrow transformation the others are built from.

        >>> sc.parallelize(range(4), 2).mapPartitionsWithIndex(
        ...     lambda i, it: [(i, sum(it))]).collect()
        [(0, 1), (1, 5)]
        """
        return rdd_class("MapPartitionsRDD")(self, f, preservesPartitioning)

    def mapPartitions(self, f: Callable[[Iterator], Iterable],
                      preservesPartitioning: bool = False) -> RDD:
        """Apply ``f(iterator)`` to each whole partition; pays per-partition setup once.

        >>> sc.parallelize([1, 2, 3, 4], 2).mapPartitions(lambda it: [sum(it)]).collect()
        [3, 7]
        """
        return self.mapPartitionsWithIndex(lambda _, it: f(it), preservesPartitioning)

    def mapPartitionsWithSplit(self, f: Callable[[int, Iterator], Iterable],
                               preservesPartitioning: bool = False) -> RDD:
        """Deprecated alias of mapPartitionsWithIndex, kept as PySpark does.

        >>> sc.parallelize([1, 2], 2).mapPartitionsWithSplit(lambda i, it: [i]).collect()
        [0, 1]
        """
        return self.mapPartitionsWithIndex(f, preservesPartitioning)

    def map(self, f: Callable[[Any], Any], preservesPartitioning: bool = False) -> RDD:
        """Apply ``f`` to every element. Narrow.

        >>> sc.parallelize(["b", "a", "c"]).map(lambda x: (x, 1)).collect()
        [('b', 1), ('a', 1), ('c', 1)]
        """
        return self.mapPartitionsWithIndex(lambda _, it: map(f, it), preservesPartitioning)

    def flatMap(self, f: Callable[[Any], Iterable], preservesPartitioning: bool = False) -> RDD:
        """Apply ``f`` to every element and flatten the results. Narrow.

        >>> sc.parallelize(["a b", "c"]).flatMap(lambda line: line.split()).collect()
        ['a', 'b', 'c']
        """
        from itertools import chain
        return self.mapPartitionsWithIndex(
            lambda _, it: chain.from_iterable(map(f, it)), preservesPartitioning)

    def filter(self, f: Callable[[Any], bool]) -> RDD:
        """Keep the elements for which ``f`` is true. Narrow.

        >>> sc.parallelize(range(6)).filter(lambda x: x % 2 == 0).collect()
        [0, 2, 4]
        """
        return self.mapPartitionsWithIndex(lambda _, it: filter(f, it), True)

    def glom(self) -> RDD:
        """Turn each partition into a list: shows how data is partitioned.

        >>> sc.parallelize(range(5), 2).glom().collect()
        [[0, 1], [2, 3, 4]]
        """
        return self.mapPartitionsWithIndex(lambda _, it: [list(it)])

    def keyBy(self, f: Callable[[Any], Any]) -> RDD:
        """Pair each element with a key computed from it: ``(f(x), x)``.

        >>> sc.parallelize([3, 10]).keyBy(lambda x: x % 2).collect()
        [(1, 3), (0, 10)]
        """
        return self.map(lambda x: (f(x), x))

    def union(self, other: RDD) -> RDD:
        """All elements of both RDDs, partitions side by side. Narrow: no shuffle.

        When both sides have the same partitioner the result keeps it and the
        partition count, so a following join or reduceByKey needs no shuffle.

        >>> a, b = sc.parallelize([1, 2], 1), sc.parallelize([3], 1)
        >>> a.union(b).glom().collect()
        [[1, 2], [3]]
        """
        if self.partitioner is not None and self.partitioner == other.partitioner:
            return rdd_class("PartitionerAwareUnionRDD")(self.ctx, [self, other])
        return rdd_class("UnionRDD")(self.ctx, [self, other])

    def __add__(self, other: RDD) -> RDD:
        if not isinstance(other, rdd_class("RDD")):
            raise TypeError(f"unsupported operand: RDD + {type(other).__name__}")
        return self.union(other)

    def cartesian(self, other: RDD) -> RDD:
        """Every pair (a, b) with a from this RDD and b from the other.

        Costly: n1 * n2 partitions and every element of ``other`` is read once
        per partition of this RDD.

        >>> sorted(sc.parallelize([1, 2]).cartesian(sc.parallelize(["x"])).collect())
        [(1, 'x'), (2, 'x')]
        """
        return rdd_class("CartesianRDD")(self.ctx, self, other)

    def zip(self, other: RDD) -> RDD:
        """Pair the i-th element of each partition with the i-th of the other RDD.

        Both RDDs must have the same number of partitions and of elements in
        each partition.

        >>> sc.parallelize(range(3), 2).zip(sc.parallelize("abc", 2)).collect()
        [(0, 'a'), (1, 'b'), (2, 'c')]
        """
        if self.getNumPartitions() != other.getNumPartitions():
            raise ValueError("Can only zip with RDD which has the same number of partitions")
        return rdd_class("ZippedPartitionsRDD")(self.ctx, self, other)

    def zipWithIndex(self) -> RDD:
        """Pair each element with its position. Runs a job first to count partitions.

        >>> sc.parallelize(["a", "b", "c"], 2).zipWithIndex().collect()
        [('a', 0), ('b', 1), ('c', 2)]
        """
        starts = [0]
        if self.getNumPartitions() > 1:
            sizes = self.mapPartitions(lambda it: [sum(1 for _ in it)]).collect()
            for size in sizes[:-1]:
                starts.append(starts[-1] + size)
        return self.mapPartitionsWithIndex(
            lambda k, it: ((v, i) for i, v in enumerate(it, starts[k])))

    def zipWithUniqueId(self) -> RDD:
        """Pair elements with unique ids ``i * n + k`` (k = partition); no job needed.

        >>> sc.parallelize(["a", "b", "c"], 2).zipWithUniqueId().collect()
        [('a', 0), ('b', 1), ('c', 3)]
        """
        n = self.getNumPartitions()
        return self.mapPartitionsWithIndex(
            lambda k, it: ((v, i * n + k) for i, v in enumerate(it)))

    def pipe(self, command: str, env: dict | None = None, checkCode: bool = False) -> RDD:
        """Feed each partition through an external command, one line per element.

        >>> sc.parallelize(["b", "a"], 1).pipe("sort").collect()
        ['a', 'b']
        """
        return self.mapPartitions(lambda it: pipe_partition(command, env, checkCode, it))

    def coalesce(self, numPartitions: int, shuffle: bool = False) -> RDD:
        """Reduce the partition count by merging neighbouring partitions (no shuffle),
        or with ``shuffle=True`` redistribute the data evenly (a full shuffle).

        >>> sc.parallelize(range(6), 3).coalesce(2).glom().collect()
        [[0, 1], [2, 3, 4, 5]]
        """
        if not numPartitions > 0:
            raise ValueError("Number of partitions must be positive.")
        if shuffle:
            return rdd_class("ShuffledRDD").round_robin(self, numPartitions)
        return rdd_class("CoalescedRDD")(self, numPartitions)

    def repartition(self, numPartitions: int) -> RDD:
        """Redistribute the data into ``numPartitions`` partitions: always a shuffle.

        Use it to raise parallelism; to lower it, coalesce avoids the shuffle.

        >>> sc.parallelize(range(100), 2).repartition(4).getNumPartitions()
        4
        """
        return self.coalesce(numPartitions, shuffle=True)
