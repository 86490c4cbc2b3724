"""Element-wise DStream operations: map, filter and friends, one batch at a time.

Read this file after dstream.py. Each method here is the RDD method of the
same name applied to every batch's RDD through ``transform``; so ``map(f)`` is
``transform(lambda rdd: rdd.map(f))``. Because consecutive transforms are fused
(``TransformedDStream`` in dstream.py), ``s.map(f).filter(g)`` still builds one
RDD per batch, not two, just as PySpark does.

Key terms
  element-wise   each element (or partition) is handled on its own, so no
                 data moves between partitions: no shuffle, no new stage.
  count, reduce  the exceptions: each batch becomes a one-element RDD, built
                 by a shuffle to one partition (as PySpark's are); and
                 ``repartition``, a shuffle by definition.

These methods are mixed into ``DStream`` (dstream.py), as PySpark keeps them on
its one DStream class.

Next: keyed.py (the by-key operations), then window_ops.py.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from itertools import chain
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minispark.streaming.dstream import DStream

__all__ = ["ElementwiseOperations"]


class ElementwiseOperations:
    """The element-wise transformations of a DStream (mixed into DStream)."""

    def mapPartitionsWithIndex(self, f: Callable[[int, Iterable], Iterable],
                               preservesPartitioning: bool = False) -> DStream:
        """Apply ``f(partition index, iterator)`` to each partition of each batch.

        >>> run_stream(sc, [[1, 2, 3, 4]], lambda s: s.mapPartitionsWithIndex(
        ...     lambda i, it: [(i, sum(it))]))
        [[(0, 3), (1, 7)]]
        """
        return self.transform(lambda rdd: rdd.mapPartitionsWithIndex(f, preservesPartitioning))

    def mapPartitions(self, f: Callable[[Iterable], Iterable],
                      preservesPartitioning: bool = False) -> DStream:
        """Apply ``f(iterator)`` to each partition of each batch.

        >>> run_stream(sc, [[1, 2, 3, 4]], lambda s: s.mapPartitions(lambda it: [sum(it)]))
        [[3, 7]]
        """
        return self.mapPartitionsWithIndex(lambda _, it: f(it), preservesPartitioning)

    def map(self, f: Callable[[Any], Any], preservesPartitioning: bool = False) -> DStream:
        """Apply ``f`` to every element.

        >>> run_stream(sc, [[1, 2], [3]], lambda s: s.map(lambda x: x * 10))
        [[10, 20], [30]]
        """
        return self.mapPartitions(lambda it: map(f, it), preservesPartitioning)

    def flatMap(self, f: Callable[[Any], Iterable],
                preservesPartitioning: bool = False) -> DStream:
        """Apply ``f`` to every element and flatten the results.

        >>> run_stream(sc, [["a b", "c"]], lambda s: s.flatMap(str.split))
        [['a', 'b', 'c']]
        """
        return self.mapPartitionsWithIndex(lambda _, it: chain.from_iterable(map(f, it)),
                                           preservesPartitioning)

    def filter(self, f: Callable[[Any], bool]) -> DStream:
        """Keep the elements for which ``f`` is true.

        >>> run_stream(sc, [[1, 2, 3, 4]], lambda s: s.filter(lambda x: x % 2))
        [[1, 3]]
        """
        return self.mapPartitions(lambda it: filter(f, it), True)

    def glom(self) -> DStream:
        """Each partition as one list.

        >>> run_stream(sc, [[1, 2, 3]], lambda s: s.glom())
        [[[1], [2, 3]]]
        """
        return self.mapPartitions(lambda it: [list(it)])

    def count(self) -> DStream:
        """Each batch becomes a one-element RDD: its number of elements.

        >>> run_stream(sc, [[1, 2, 3], []], lambda s: s.count())
        [[3], [0]]
        """
        return self.mapPartitions(lambda it: [sum(1 for _ in it)]).reduce(operator.add)

    def reduce(self, func: Callable[[Any, Any], Any]) -> DStream:
        """Each batch becomes a one-element RDD: its elements reduced with ``func``
        (an empty batch gives an empty RDD).

        >>> run_stream(sc, [[1, 2, 3], []], lambda s: s.reduce(lambda a, b: a + b))
        [[6], []]
        """
        return self.map(lambda x: (None, x)).reduceByKey(func, 1).map(lambda kv: kv[1])

    def repartition(self, numPartitions: int) -> DStream:
        """Reshuffle each batch into ``numPartitions`` partitions.

        >>> run_stream(sc, [[1, 2, 3]], lambda s: s.repartition(3).glom().map(len),
        ...            sort=True)
        [[0, 1, 2]]
        """
        return self.transform(lambda rdd: rdd.repartition(numPartitions))
