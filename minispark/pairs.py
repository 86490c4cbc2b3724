"""Key-value operations: where data moves between partitions (shuffles).

Read this file to learn which pair operations shuffle, and how much.

Key terms
  combineByKey  the general form: createCombiner / mergeValue / mergeCombiners.
                reduceByKey, foldByKey, aggregateByKey and groupByKey are all
                combineByKey with particular functions. Each *combines on the
                map side* first, so every map task sends at most one record per
                key: reduceByKey on (user, 1) pairs ships one count per user per
                task instead of every single 1.
  groupByKey    also goes through combineByKey, but its combiner is a list of
                all values: nothing shrinks, so every value crosses the
                shuffle. Prefer reduceByKey/aggregateByKey when you only need
                an aggregate.
  cogroup/join  group several RDDs by key in one shuffle: joins.py.
  partitioner   pair RDDs produced by a shuffle remember how they are
                partitioned (``rdd.partitioner``); mapValues and flatMapValues
                keep it (the keys cannot change), map does not.

Partition counts follow PySpark: without ``numPartitions`` a shuffle keeps the
input's partition count (``spark.default.parallelism`` if set).

Next: joins.py (several RDDs by key), ordered.py (sorting), then
rdds/shuffled.py and shuffle.py (how a shuffle actually moves the data).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from functools import reduce
from typing import Any

from minispark.dependency import Aggregator, ListAggregator
from minispark.partitioner import Partitioner, portable_hash, string_hashing_is_stable
from minispark.rddbase import rdd_class
from minispark.resultiterable import ResultIterable

__all__ = ["PairRDDFunctions"]


def _check_partitions(numPartitions: int) -> None:
    # PySpark accepts 0 and negative counts here: the result simply has no
    # partitions, so its jobs run no tasks and return nothing. Matched, oddly.
    if not isinstance(numPartitions, int):
        raise ValueError(f"Number of partitions must be an int, got {numPartitions!r}")


class PairRDDFunctions:
    """Operations on RDDs of (key, value) pairs (mixed into ``RDD``)."""

    def _defaultReducePartitions(self) -> int:
        if self.ctx._conf.contains("spark.default.parallelism"):
            return self.ctx.defaultParallelism
        return self.getNumPartitions()

    # -- the shuffle primitives -----------------------------------------------

    def partitionBy(self, numPartitions: int | None,
                    partitionFunc: Callable[[Any], int] = portable_hash) -> Any:
        """Shuffle so that each key lands in ``partitionFunc(key) % numPartitions``.

        Returns the RDD itself when it is already partitioned that way.

        >>> pairs = sc.parallelize([(k, k) for k in range(6)], 2)
        >>> pairs.partitionBy(3).glom().collect()
        [[(0, 0), (3, 3)], [(1, 1), (4, 4)], [(2, 2), (5, 5)]]
        """
        if numPartitions is None:
            numPartitions = self._defaultReducePartitions()
        _check_partitions(numPartitions)
        partitioner = Partitioner(numPartitions, partitionFunc)
        if self.partitioner == partitioner:
            return self
        return rdd_class("ShuffledRDD")(self, partitioner)

    def combineByKey(self, createCombiner: Callable[[Any], Any],
                     mergeValue: Callable[[Any, Any], Any],
                     mergeCombiners: Callable[[Any, Any], Any],
                     numPartitions: int | None = None,
                     partitionFunc: Callable[[Any], int] = portable_hash) -> Any:
        """Combine the values of each key: the general aggregation by key.

        Wide (one shuffle), with map-side combine; no shuffle at all when the
        RDD is already partitioned by the same partitioner.

        >>> pairs = sc.parallelize([("a", 1), ("b", 2), ("a", 3)], 2)
        >>> sorted(pairs.combineByKey(lambda v: [v], lambda c, v: c + [v],
        ...                           lambda a, b: a + b).collect())
        [('a', [1, 3]), ('b', [2])]
        """
        return self._combine_by_key(Aggregator(createCombiner, mergeValue, mergeCombiners),
                                    numPartitions, partitionFunc)

    def _combine_by_key(self, aggregator: Aggregator, numPartitions: int | None,
                        partitionFunc: Callable[[Any], int]) -> Any:
        if numPartitions is None:
            numPartitions = self._defaultReducePartitions()
        _check_partitions(numPartitions)
        partitioner = Partitioner(numPartitions, partitionFunc)
        if self.partitioner == partitioner:
            return self.mapPartitions(aggregator.combine_values_by_key, True)
        return rdd_class("ShuffledRDD")(self, partitioner, aggregator=aggregator,
                                        map_side_combine=True)

    # -- aggregations ----------------------------------------------------------

    def reduceByKey(self, func: Callable[[Any, Any], Any], numPartitions: int | None = None,
                    partitionFunc: Callable[[Any], int] = portable_hash) -> Any:
        """Merge the values of each key with ``func``; combines map-side first.

        >>> from operator import add
        >>> sorted(sc.parallelize([("a", 1), ("b", 1), ("a", 1)]).reduceByKey(add).collect())
        [('a', 2), ('b', 1)]
        """
        return self._combine_by_key(Aggregator(lambda v: v, func, func),
                                    numPartitions, partitionFunc)

    def foldByKey(self, zeroValue: Any, func: Callable[[Any, Any], Any],
                  numPartitions: int | None = None,
                  partitionFunc: Callable[[Any], int] = portable_hash) -> Any:
        """reduceByKey starting from ``zeroValue`` (once per key per partition).

        >>> from operator import add
        >>> sorted(sc.parallelize([("a", 1), ("b", 1), ("a", 1)]).foldByKey(0, add).collect())
        [('a', 2), ('b', 1)]
        """
        return self._combine_by_key(
            Aggregator(lambda v: func(copy.deepcopy(zeroValue), v), func, func),
            numPartitions, partitionFunc)

    def aggregateByKey(self, zeroValue: Any, seqFunc: Callable[[Any, Any], Any],
                       combFunc: Callable[[Any, Any], Any], numPartitions: int | None = None,
                       partitionFunc: Callable[[Any], int] = portable_hash) -> Any:
        """Aggregate each key's values into a different type, e.g. (sum, count).

        >>> pairs = sc.parallelize([("a", 2), ("a", 4), ("b", 1)])
        >>> sorted(pairs.aggregateByKey((0, 0), lambda acc, v: (acc[0] + v, acc[1] + 1),
        ...                             lambda a, b: (a[0] + b[0], a[1] + b[1])).collect())
        [('a', (6, 2)), ('b', (1, 1))]
        """
        return self._combine_by_key(
            Aggregator(lambda v: seqFunc(copy.deepcopy(zeroValue), v), seqFunc, combFunc),
            numPartitions, partitionFunc)

    def groupByKey(self, numPartitions: int | None = None,
                   partitionFunc: Callable[[Any], int] = portable_hash) -> Any:
        """Group all values of each key: every value crosses the shuffle.

        >>> grouped = sc.parallelize([("a", 1), ("b", 2), ("a", 3)]).groupByKey()
        >>> sorted((k, list(vs)) for k, vs in grouped.collect())
        [('a', [1, 3]), ('b', [2])]
        """
        grouped = self._combine_by_key(ListAggregator(), numPartitions, partitionFunc)
        return grouped.mapValues(ResultIterable)

    def groupBy(self, f: Callable[[Any], Any], numPartitions: int | None = None,
                partitionFunc: Callable[[Any], int] = portable_hash) -> Any:
        """Group elements by ``f(element)``: keyBy then groupByKey.

        >>> grouped = sc.parallelize([1, 2, 3, 4]).groupBy(lambda x: x % 2)
        >>> sorted((k, sorted(vs)) for k, vs in grouped.collect())
        [(0, [2, 4]), (1, [1, 3])]
        """
        return self.map(lambda x: (f(x), x)).groupByKey(numPartitions, partitionFunc)

    def distinct(self, numPartitions: int | None = None) -> Any:
        """Remove duplicates (a shuffle keyed by the element itself).

        >>> sorted(sc.parallelize([1, 1, 2, 3, 3]).distinct().collect())
        [1, 2, 3]
        """
        return (self.map(lambda x: (x, None))
                .reduceByKey(lambda x, _: x, numPartitions)
                .map(lambda kv: kv[0]))

    # -- per-value transformations (keep the partitioner) ----------------------

    def mapValues(self, f: Callable[[Any], Any]) -> Any:
        """Apply ``f`` to each value, keeping keys and the partitioner.

        >>> sc.parallelize([("a", [1, 2])]).mapValues(len).collect()
        [('a', 2)]
        """
        return self.map(lambda kv: (kv[0], f(kv[1])), preservesPartitioning=True)

    def flatMapValues(self, f: Callable[[Any], Iterable]) -> Any:
        """Expand each value into several, keeping keys and the partitioner.

        >>> sc.parallelize([("a", "x y")]).flatMapValues(str.split).collect()
        [('a', 'x'), ('a', 'y')]
        """
        return self.flatMap(lambda kv: ((kv[0], x) for x in f(kv[1])),
                            preservesPartitioning=True)

    def keys(self) -> Any:
        """The keys of a pair RDD.

        >>> sc.parallelize([(1, 2), (3, 4)]).keys().collect()
        [1, 3]
        """
        return self.map(lambda kv: kv[0])

    def values(self) -> Any:
        """The values of a pair RDD.

        >>> sc.parallelize([(1, 2), (3, 4)]).values().collect()
        [2, 4]
        """
        return self.map(lambda kv: kv[1])

    # -- actions on pairs --------------------------------------------------------

    def countByKey(self) -> dict:
        """Count the pairs of each key, returned to the driver.

        >>> sorted(sc.parallelize([("a", 1), ("b", 1), ("a", 1)]).countByKey().items())
        [('a', 2), ('b', 1)]
        """
        return self.map(lambda kv: kv[0]).countByValue()

    def collectAsMap(self) -> dict:
        """Return the pairs to the driver as a dict (later keys win).

        >>> sc.parallelize([(1, "a"), (2, "b")]).collectAsMap()
        {1: 'a', 2: 'b'}
        """
        return dict(self.collect())

    def reduceByKeyLocally(self, func: Callable[[Any, Any], Any]) -> dict:
        """reduceByKey, but the merged result comes back to the driver as a dict.

        >>> sorted(sc.parallelize([("a", 1), ("a", 2)]).reduceByKeyLocally(
        ...     lambda x, y: x + y).items())
        [('a', 3)]
        """
        def reduce_partition(iterator: Iterator) -> dict:
            merged: dict = {}
            for k, v in iterator:
                merged[k] = func(merged[k], v) if k in merged else v
            return merged

        def merge_maps(a: dict, b: dict) -> dict:
            for k, v in b.items():
                a[k] = func(a[k], v) if k in a else v
            return a
        return reduce(merge_maps, self.ctx._run_job(self, reduce_partition), {})

    def lookup(self, key: Any) -> list:
        """All values for ``key``. With a known partitioner only the one partition
        that can hold the key is searched.

        >>> sc.parallelize([(1, "a"), (2, "b"), (1, "c")]).lookup(1)
        ['a', 'c']
        >>> [list(v) for v in sc.parallelize([(("a", "b"), "c")]).groupByKey().lookup(("a", "b"))]
        [['c']]
        """
        values = self.filter(lambda kv: kv[0] == key).values()
        if self.partitioner is not None and (
                not _hashes_text(key) or string_hashing_is_stable()):
            return self.ctx._run_job(values, list, [self.partitioner(key)])[0]
        return values.collect()

    def sampleByKey(self, withReplacement: bool, fractions: dict, seed: int | None = None) -> Any:
        """A sample with a separate fraction per key (stratified sampling).

        >>> pairs = sc.parallelize([("a", i) for i in range(100)] + [("b", i) for i in range(100)])
        >>> sample = pairs.sampleByKey(False, {"a": 0.1, "b": 0.0}, seed=7).collect()
        >>> {k for k, _ in sample}
        {'a'}
        """
        from minispark.sampling import RDDStratifiedSampler
        for fraction in fractions.values():
            if fraction < 0.0:
                raise ValueError(f"Negative fraction value: {fraction}")
        return self.mapPartitionsWithIndex(
            RDDStratifiedSampler(withReplacement, fractions, seed).func, True)


def _hashes_text(key: Any) -> bool:
    """Whether portable_hash(key) hashes a str or bytes (so depends on the hash seed)."""
    if isinstance(key, str | bytes):
        return True
    if isinstance(key, tuple | frozenset):
        return any(_hashes_text(k) for k in key)
    return False
