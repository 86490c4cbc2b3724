"""Sorting: range partitioning, and sorting inside the shuffle.

Read this file to learn how Spark sorts data that no single machine holds.

Key terms
  range partitioning  sortByKey first *samples* the keys (a small job), picks
                      numPartitions - 1 boundary keys from the sorted sample,
                      and sends each record to the partition whose range holds
                      its key. Partition 0 gets the smallest keys, so sorting
                      each partition then gives a total order. (This is why
                      sortByKey launches a job before you ask for anything: the
                      sample is an action.)
  sort in the shuffle the reduce side sorts each partition as it reads it,
                      spilling sorted runs to disk when they outgrow the memory
                      budget and merging the runs (shuffle.py's sort_partition).
  secondary sort      repartitionAndSortWithinPartitions: partition by one part
                      of a composite key, sort by the whole key, in one shuffle.

The sampling rule, boundaries and bisection follow PySpark exactly, so the
partition contents (``glom()``) are the same as PySpark's.

Next: numeric.py, or rdds/shuffled.py for the shuffle itself.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from minispark.partitioner import Partitioner, portable_hash
from minispark.rddbase import rdd_class
from minispark.shuffle import sort_partition

__all__ = ["OrderedRDDFunctions"]


def _identity(x: Any) -> Any:
    return x


class OrderedRDDFunctions:
    """Sorting operations (mixed into ``RDD``)."""

    def sortByKey(self, ascending: bool | None = True, numPartitions: int | None = None,
                  keyfunc: Callable[[Any], Any] = _identity) -> Any:
        """Sort a pair RDD by key: a sampling job, then one shuffle with range
        partitioning; partition i holds keys smaller than partition i + 1's.

        >>> pairs = sc.parallelize([("b", 2), ("c", 3), ("a", 1), ("d", 4)], 2)
        >>> pairs.sortByKey().glom().collect()
        [[('a', 1), ('b', 2), ('c', 3)], [('d', 4)]]
        >>> pairs.sortByKey(False, 1).keys().collect()
        ['d', 'c', 'b', 'a']
        """
        if numPartitions is None:
            numPartitions = self._defaultReducePartitions()
        if not isinstance(numPartitions, int):
            raise ValueError(f"Number of partitions must be an int, got {numPartitions!r}")
        ascending = bool(ascending)
        ordering = (keyfunc, ascending)
        if numPartitions == 1:
            source = self.coalesce(1) if self.getNumPartitions() > 1 else self
            return source.mapPartitions(lambda it: sort_partition(it, ordering), True)

        size = self.count()
        if not size:
            return self
        # PySpark (after Spark's RangePartitioner) samples about 20 keys per
        # output partition, with seed 1, and takes evenly spaced boundaries.
        fraction = min(numPartitions * 20.0 / max(size, 1), 1.0)
        samples = sorted(self.sample(False, fraction, 1).map(lambda kv: kv[0]).collect(),
                         key=keyfunc)
        bounds = [samples[int(len(samples) * (i + 1) / numPartitions)]
                  for i in range(numPartitions - 1)]

        def range_partition(key: Any) -> int:
            p = bisect.bisect_left(bounds, keyfunc(key))
            return p if ascending else numPartitions - 1 - p
        return rdd_class("ShuffledRDD")(self, Partitioner(numPartitions, range_partition),
                                        key_ordering=ordering)

    def sortBy(self, keyfunc: Callable[[Any], Any], ascending: bool = True,
               numPartitions: int | None = None) -> Any:
        """Sort elements by ``keyfunc(element)`` (keyBy, sortByKey, values).

        >>> sc.parallelize(["ccc", "a", "bb"]).sortBy(len).collect()
        ['a', 'bb', 'ccc']
        """
        return self.keyBy(keyfunc).sortByKey(ascending, numPartitions).values()

    def repartitionAndSortWithinPartitions(
            self, numPartitions: int | None = None,
            partitionFunc: Callable[[Any], int] = portable_hash,
            ascending: bool = True, keyfunc: Callable[[Any], Any] = _identity) -> Any:
        """Partition by ``partitionFunc`` and sort each partition by key, in a
        single shuffle: the tool for secondary sort.

        >>> pairs = sc.parallelize([(3, "c"), (1, "a"), (2, "b"), (0, "z")], 2)
        >>> pairs.repartitionAndSortWithinPartitions(2, lambda k: k % 2).glom().collect()
        [[(0, 'z'), (2, 'b')], [(1, 'a'), (3, 'c')]]
        """
        if numPartitions is None:
            numPartitions = self._defaultReducePartitions()
        if not isinstance(numPartitions, int):
            raise ValueError(f"Number of partitions must be an int, got {numPartitions!r}")
        ordering = (keyfunc, bool(ascending))
        partitioner = Partitioner(numPartitions, partitionFunc)
        if self.partitioner == partitioner:
            return self.mapPartitions(lambda it: sort_partition(it, ordering), True)
        return rdd_class("ShuffledRDD")(self, partitioner, key_ordering=ordering)
