"""Keyed DStream operations: what a stream of (key, value) pairs can do per batch.

Read this file after elementwise.py. Every method here is one line of ``transform``:
the RDD method of the same name applied to each batch's RDD (or, for the joins,
``transformWith`` over the two streams' RDDs of the same batch). So a streaming
``reduceByKey`` costs exactly what ``RDD.reduceByKey`` costs on one batch: a
shuffle per batch, with ``sc.defaultParallelism`` reduce partitions unless told
otherwise (PySpark's default for DStreams too). Nothing is carried from one
batch to the next: for that, see windows (window.py) and ``updateStateByKey``
(state.py), whose entry point is here.

These methods are mixed into ``DStream`` (dstream.py), as PySpark keeps them on
its one DStream class. updateStateByKey makes a StateDStream, found by name
(``self._kind``, dstream.py): state.py subclasses DStream, so sits above this file.

Next: window_ops.py.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from minispark.partitioner import portable_hash

if TYPE_CHECKING:
    from minispark.streaming.dstream import DStream

__all__ = ["PairDStreamFunctions"]


class PairDStreamFunctions:
    """The by-key operations of a DStream (mixed into DStream)."""

    def mapValues(self, f: Callable[[Any], Any]) -> DStream:
        """Apply ``f`` to the value of every (key, value) pair.

        >>> run_stream(sc, [[("a", 1)]], lambda s: s.mapValues(lambda v: v + 1))
        [[('a', 2)]]
        """
        return self.map(lambda kv: (kv[0], f(kv[1])), preservesPartitioning=True)

    def flatMapValues(self, f: Callable[[Any], Iterable]) -> DStream:
        """Apply ``f`` to every value and pair each of its results with the key.

        >>> run_stream(sc, [[("a", "x y")]], lambda s: s.flatMapValues(str.split))
        [[('a', 'x'), ('a', 'y')]]
        """
        return self.flatMap(lambda kv: ((kv[0], x) for x in f(kv[1])),
                            preservesPartitioning=True)

    def countByValue(self) -> DStream:
        """(value, count) pairs for each batch.

        >>> run_stream(sc, [["a", "b", "a"]], lambda s: s.countByValue(), sort=True)
        [[('a', 2), ('b', 1)]]
        """
        return self.map(lambda x: (x, 1)).reduceByKey(operator.add)

    def combineByKey(self, createCombiner: Callable, mergeValue: Callable,
                     mergeCombiners: Callable, numPartitions: int | None = None) -> DStream:
        """``RDD.combineByKey`` on each batch (numPartitions defaults to
        ``sc.defaultParallelism``).

        >>> run_stream(sc, [[("a", 1), ("a", 2)]], lambda s: s.combineByKey(
        ...     lambda v: [v], lambda c, v: c + [v], lambda a, b: a + b))
        [[('a', [1, 2])]]
        """
        if numPartitions is None:
            numPartitions = self._sc.defaultParallelism
        return self.transform(lambda rdd: rdd.combineByKey(createCombiner, mergeValue,
                                                           mergeCombiners, numPartitions))

    def reduceByKey(self, func: Callable[[Any, Any], Any],
                    numPartitions: int | None = None) -> DStream:
        """Merge the values of each key with ``func``, batch by batch.

        >>> run_stream(sc, [[("a", 1), ("b", 1), ("a", 1)], [("b", 5)]],
        ...            lambda s: s.reduceByKey(lambda a, b: a + b), sort=True)
        [[('a', 2), ('b', 1)], [('b', 5)]]
        """
        if numPartitions is None:
            numPartitions = self._sc.defaultParallelism
        return self.combineByKey(lambda x: x, func, func, numPartitions)

    def groupByKey(self, numPartitions: int | None = None) -> DStream:
        """Group the values of each key, batch by batch (values as ResultIterable).

        >>> run_stream(sc, [[("a", 1), ("a", 2)]],
        ...            lambda s: s.groupByKey().mapValues(list))
        [[('a', [1, 2])]]
        """
        if numPartitions is None:
            numPartitions = self._sc.defaultParallelism
        return self.transform(lambda rdd: rdd.groupByKey(numPartitions))

    def partitionBy(self, numPartitions: int,
                    partitionFunc: Callable[[Any], int] = portable_hash) -> DStream:
        """Hash-partition each batch by key into ``numPartitions``.

        >>> run_stream(sc, [[(1, "a"), (2, "b")]], lambda s: s.partitionBy(2).glom())
        [[[(2, 'b')], [(1, 'a')]]]
        """
        return self.transform(lambda rdd: rdd.partitionBy(numPartitions, partitionFunc))

    def _pair(self, other: DStream, method: str, numPartitions: int | None) -> DStream:
        if numPartitions is None:
            numPartitions = self._sc.defaultParallelism
        return self.transformWith(lambda a, b: getattr(a, method)(b, numPartitions), other)

    def cogroup(self, other: DStream, numPartitions: int | None = None) -> DStream:
        """``RDD.cogroup`` of the two streams' RDDs of each batch.

        >>> run_stream(sc, [[("a", 1)]], lambda s: s.cogroup(s.mapValues(str)).mapValues(
        ...     lambda vs: (list(vs[0]), list(vs[1]))))
        [[('a', ([1], ['1']))]]
        """
        return self._pair(other, "cogroup", numPartitions)

    def join(self, other: DStream, numPartitions: int | None = None) -> DStream:
        """Inner join of the two streams, batch by batch.

        >>> run_stream(sc, [[("a", 1), ("b", 2)]],
        ...            lambda s: s.join(s.filter(lambda kv: kv[0] == "a")))
        [[('a', (1, 1))]]
        """
        return self._pair(other, "join", numPartitions)

    def leftOuterJoin(self, other: DStream, numPartitions: int | None = None) -> DStream:
        """Left outer join of the two streams, batch by batch.

        >>> run_stream(sc, [[("a", 1), ("b", 2)]], lambda s: s.leftOuterJoin(
        ...     s.filter(lambda kv: kv[0] == "a")), sort=True)
        [[('a', (1, 1)), ('b', (2, None))]]
        """
        return self._pair(other, "leftOuterJoin", numPartitions)

    def rightOuterJoin(self, other: DStream, numPartitions: int | None = None) -> DStream:
        """Right outer join of the two streams, batch by batch.

        >>> run_stream(sc, [[("a", 1), ("b", 2)]], lambda s: s.filter(
        ...     lambda kv: kv[0] == "a").rightOuterJoin(s), sort=True)
        [[('a', (1, 1)), ('b', (None, 2))]]
        """
        return self._pair(other, "rightOuterJoin", numPartitions)

    def fullOuterJoin(self, other: DStream, numPartitions: int | None = None) -> DStream:
        """Full outer join of the two streams, batch by batch.

        >>> run_stream(sc, [[("a", 1), ("b", 2)]], lambda s: s.filter(
        ...     lambda kv: kv[0] == "a").fullOuterJoin(s.filter(lambda kv: kv[0] == "b")),
        ...     sort=True)
        [[('a', (1, None)), ('b', (None, 2))]]
        """
        return self._pair(other, "fullOuterJoin", numPartitions)

    def updateStateByKey(self, updateFunc: Callable[[list, Any], Any],
                         numPartitions: int | None = None, initialRDD: Any = None) -> DStream:
        """Keep a state per key: ``updateFunc(new values, state or None)`` gives
        the new state, None removes the key. Needs ``ssc.checkpoint(dir)``.

        >>> import tempfile
        >>> run_stream(sc, [[("a", 1)], [("a", 1), ("b", 1)]], lambda s: s.updateStateByKey(
        ...     lambda vs, st: sum(vs) + (st or 0)), checkpointDir=tempfile.mkdtemp(), sort=True)
        [[('a', 1)], [('a', 2), ('b', 1)]]
        """
        return self._kind("StateDStream").by_key(self, updateFunc, numPartitions, initialRDD)
