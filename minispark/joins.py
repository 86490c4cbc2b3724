"""Joins: grouping several pair RDDs by key in one shuffle.

Read this file to learn what a join costs and when it costs nothing.

Key terms
  cogroup       the primitive: for each key, one list of values per input RDD.
                join, the outer joins, subtractByKey and intersection are
                cogroup plus a function over those lists.
  tagged union  how PySpark builds cogroup (pyspark/join.py), and so how this
                file does: tag each value with its side, ``(k, (0, v))`` and
                ``(k, (1, w))``, union the sides (narrow) and groupByKey the
                union: ONE shuffle stage for all sides, whose map tasks are the
                partitions of every side. (Scala Spark's CoGroupedRDD instead
                shuffles each side in its own stage; PySpark never uses it.)
                One difference inside the stage: minispark's map side combines
                each key's values into one list per side (CoGroupAggregator in
                dependency.py), so the tags are not shuffled; PySpark ships
                every (side, value) pair. Stages, tasks and results are the same.
  co-partitioned both sides already partitioned by the same partitioner: the
                union keeps it, the groupByKey finds its data already in place
                and no data moves. Partition both sides once with partitionBy
                and cache them, and every later join of the two is free. If
                only ONE side is partitioned, both sides are shuffled.
  outer join    a key missing on one side still appears, with ``None`` for
                that side's value (leftOuterJoin, rightOuterJoin, fullOuterJoin).

Partition counts follow PySpark: a join of two differently partitioned RDDs
gets n1 + n2 partitions (the union's) unless ``numPartitions`` or
``spark.default.parallelism`` says otherwise. These methods are mixed into
``RDD`` (rdd.py).

Next: ordered.py (sorting), then rdds/shuffled.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import reduce
from itertools import chain, product, repeat
from typing import Any

from minispark.dependency import CoGroupAggregator
from minispark.resultiterable import ResultIterable

__all__ = ["JoinFunctions"]


def _tagged_union(rdds: list) -> Any:
    """The union of ``rdds`` with each value tagged by its side: ``(k, (side, v))``.

    mapValues keeps each side's partitioner, and a union of sides that share
    one keeps it too, so the groupByKey that follows shuffles nothing then.
    """
    def tagger(side: int) -> Callable[[Iterable], Iterator]:
        # mapValues(lambda v: (side, v)), with no function call per record
        return lambda records: ((kv[0], (side, kv[1])) for kv in records)
    tagged = [rdd.mapPartitions(tagger(side), preservesPartitioning=True)
              for side, rdd in enumerate(rdds)]
    return reduce(lambda left, right: left.union(right), tagged)


def _grouped_by_side(rdds: list, numPartitions: int | None) -> Any:
    """(key, [values of side 0, values of side 1, ...]): the tagged union grouped by
    key, as groupByKey would (same shuffle, same order of values), except that the
    values come already split by side (CoGroupAggregator): the tags never cross
    the shuffle."""
    from minispark.partitioner import portable_hash
    return _tagged_union(rdds)._combine_by_key(CoGroupAggregator(len(rdds)), numPartitions,
                                               portable_hash)


class JoinFunctions:
    """cogroup, joins, subtract and intersection (mixed into ``RDD``)."""

    def cogroup(self, other: Any, numPartitions: int | None = None) -> Any:
        """For each key, the values from this RDD and from ``other``, grouped.

        >>> a = sc.parallelize([("x", 1), ("y", 2)]); b = sc.parallelize([("x", 3)])
        >>> sorted((k, (list(v), list(w))) for k, (v, w) in a.cogroup(b).collect())
        [('x', ([1], [3])), ('y', ([2], []))]
        """
        return self._cogroup([self, other], numPartitions)

    def groupWith(self, other: Any, *others: Any) -> Any:
        """cogroup with any number of other RDDs.

        >>> a, b, c = (sc.parallelize([("k", i)]) for i in range(3))
        >>> [(k, [list(v) for v in vs]) for k, vs in a.groupWith(b, c).collect()]
        [('k', [[0], [1], [2]])]
        """
        return self._cogroup([self, other, *others], None)

    def _cogroup(self, rdds: list, numPartitions: int | None) -> Any:
        # PySpark's python_cogroup: tag every value with its side, union the
        # tagged sides (narrow), and group the union by key in one shuffle.
        return _grouped_by_side(rdds, numPartitions).mapValues(
            lambda lists: tuple(ResultIterable(vs) for vs in lists))

    def _join(self, other: Any, numPartitions: int | None, keep_left: bool = False,
              keep_right: bool = False) -> Any:
        """For each key, every pair of its values: ``(k, (v, w))``. keep_left keeps a
        left value with no match as ``(v, None)`` (and keep_right ``(None, w)``)."""
        no_v = [None] if keep_right else []
        no_w = [None] if keep_left else []

        def pairs(grouped: Iterable) -> Iterator:
            # product and zip build the pairs in C: a join emits one per match
            return chain.from_iterable(zip(repeat(k), product(vs or no_v, ws or no_w))
                                       for k, (vs, ws) in grouped)
        return _grouped_by_side([self, other], numPartitions).mapPartitions(
            pairs, preservesPartitioning=True)

    def join(self, other: Any, numPartitions: int | None = None) -> Any:
        """Inner join: ``(k, (v, w))`` for every pair of matching values.

        One shuffle stage for both sides together (none when both are already
        partitioned the same way).

        >>> a = sc.parallelize([("x", 1), ("y", 2)]); b = sc.parallelize([("x", 3), ("x", 4)])
        >>> sorted(a.join(b).collect())
        [('x', (1, 3)), ('x', (1, 4))]
        """
        return self._join(other, numPartitions)

    def leftOuterJoin(self, other: Any, numPartitions: int | None = None) -> Any:
        """Every key of this RDD; ``None`` where ``other`` has no match.

        >>> a = sc.parallelize([("x", 1), ("y", 2)]); b = sc.parallelize([("x", 3)])
        >>> sorted(a.leftOuterJoin(b).collect())
        [('x', (1, 3)), ('y', (2, None))]
        """
        return self._join(other, numPartitions, keep_left=True)

    def rightOuterJoin(self, other: Any, numPartitions: int | None = None) -> Any:
        """Every key of ``other``; ``None`` where this RDD has no match.

        >>> a = sc.parallelize([("x", 1)]); b = sc.parallelize([("x", 3), ("z", 4)])
        >>> sorted(a.rightOuterJoin(b).collect())
        [('x', (1, 3)), ('z', (None, 4))]
        """
        return self._join(other, numPartitions, keep_right=True)

    def fullOuterJoin(self, other: Any, numPartitions: int | None = None) -> Any:
        """Every key of either RDD, with ``None`` for the missing side.

        >>> a = sc.parallelize([("x", 1)]); b = sc.parallelize([("z", 4)])
        >>> sorted(a.fullOuterJoin(b).collect())
        [('x', (1, None)), ('z', (None, 4))]
        """
        return self._join(other, numPartitions, keep_left=True, keep_right=True)

    def subtractByKey(self, other: Any, numPartitions: int | None = None) -> Any:
        """The pairs whose key does not appear in ``other``.

        >>> a = sc.parallelize([("a", 1), ("b", 2)]); b = sc.parallelize([("a", 9)])
        >>> a.subtractByKey(b).collect()
        [('b', 2)]
        """
        return (self.cogroup(other, numPartitions)
                .filter(lambda kv: kv[1][0] and not kv[1][1])
                .flatMapValues(lambda groups: groups[0]))

    def subtract(self, other: Any, numPartitions: int | None = None) -> Any:
        """The elements not in ``other`` (duplicates of kept elements stay).

        >>> sorted(sc.parallelize([1, 2, 2, 3]).subtract(sc.parallelize([3])).collect())
        [1, 2, 2]
        """
        return (self.map(lambda x: (x, True))
                .subtractByKey(other.map(lambda x: (x, True)), numPartitions).keys())

    def intersection(self, other: Any) -> Any:
        """The distinct elements present in both RDDs (one shuffle).

        >>> sorted(sc.parallelize([1, 2, 2, 3]).intersection(sc.parallelize([2, 3, 4])).collect())
        [2, 3]
        """
        return (self.map(lambda v: (v, None)).cogroup(other.map(lambda v: (v, None)))
                .filter(lambda kv: all(kv[1])).keys())
