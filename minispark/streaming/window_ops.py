"""Window operations: the DStream methods that look back over several batches.

Read this file after keyed.py, then window.py for how a window is computed.
A window of ``windowDuration`` seconds that moves every ``slideDuration``
seconds (both multiples of the batch duration) gives one RDD per slide: the
union of the batches inside the window. Without an inverse function each
window is recomputed from its batches (cost: the whole window, every slide);
with one (``invReduceFunc``, ``invFunc``) the previous window's result is
updated, adding the batches that came in and subtracting the ones that left
(cost: two batches, every slide), which is why those need ``ssc.checkpoint``:
the running result's lineage would otherwise grow without end.

These methods are mixed into ``DStream`` (dstream.py); the work is done by
window.py's functions, reached through its DStream classes, found by name
(``self._kind``, dstream.py): window.py subclasses DStream, so sits above this file.

Next: output.py.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from minispark.streaming.dstream import DStream

__all__ = ["WindowOperations"]


class WindowOperations:
    """The windowed operations of a DStream (mixed into DStream)."""

    def window(self, windowDuration: float, slideDuration: float | None = None) -> DStream:
        """Each RDD holds the last ``windowDuration`` seconds of batches, every
        ``slideDuration`` seconds (both multiples of the batch duration).

        >>> run_stream(sc, [[1], [2], [3]], lambda s: s.window(2))
        [[1], [1, 2], [2, 3]]
        """
        return self._kind("WindowedDStream").of(self, windowDuration, slideDuration)

    def reduceByWindow(self, reduceFunc: Callable, invReduceFunc: Callable | None,
                       windowDuration: float, slideDuration: float) -> DStream:
        """One value per window: its elements reduced (incrementally with
        ``invReduceFunc`` when given; that needs ``ssc.checkpoint``).

        >>> run_stream(sc, [[1], [2], [3]], lambda s: s.reduceByWindow(
        ...     lambda a, b: a + b, None, 2, 1))
        [[1], [3], [5]]
        """
        return self._kind("ReducedWindowedDStream").by_window(
            self, reduceFunc, invReduceFunc, windowDuration, slideDuration)

    def countByWindow(self, windowDuration: float, slideDuration: float) -> DStream:
        """The number of elements in each window (incremental: needs ``ssc.checkpoint``).

        >>> import tempfile
        >>> run_stream(sc, [[1, 1], [2], []], lambda s: s.countByWindow(2, 1),
        ...            checkpointDir=tempfile.mkdtemp())
        [[2], [3], [1]]
        """
        return self.map(lambda x: 1).reduceByWindow(operator.add, operator.sub,
                                                    windowDuration, slideDuration)

    def countByValueAndWindow(self, windowDuration: float, slideDuration: float,
                              numPartitions: int | None = None) -> DStream:
        """(value, count) pairs over each window, values with count 0 dropped
        (incremental: needs ``ssc.checkpoint``).

        >>> import tempfile
        >>> run_stream(sc, [["a"], ["b"], []], lambda s: s.countByValueAndWindow(2, 1),
        ...            checkpointDir=tempfile.mkdtemp(), sort=True)
        [[('a', 1)], [('a', 1), ('b', 1)], [('b', 1)]]
        """
        counted = self.map(lambda x: (x, 1)).reduceByKeyAndWindow(
            operator.add, operator.sub, windowDuration, slideDuration, numPartitions)
        return counted.filter(lambda kv: kv[1] > 0)

    def groupByKeyAndWindow(self, windowDuration: float, slideDuration: float,
                            numPartitions: int | None = None) -> DStream:
        """``groupByKey`` over each window (needs ``ssc.checkpoint``).

        >>> import tempfile
        >>> run_stream(sc, [[("a", 1)], [("a", 2)], []], lambda s: s.groupByKeyAndWindow(
        ...     2, 1).mapValues(list), checkpointDir=tempfile.mkdtemp())
        [[('a', [1])], [('a', [1, 2])], [('a', [2])]]
        """
        from minispark.resultiterable import ResultIterable
        grouped = self.mapValues(lambda x: [x]).reduceByKeyAndWindow(
            lambda a, b: a.extend(b) or a, lambda a, b: a[len(b):],
            windowDuration, slideDuration, numPartitions)
        return grouped.mapValues(ResultIterable)

    def reduceByKeyAndWindow(self, func: Callable, invFunc: Callable | None,
                             windowDuration: float, slideDuration: float | None = None,
                             numPartitions: int | None = None,
                             filterFunc: Callable | None = None) -> DStream:
        """``reduceByKey`` over a sliding window; with ``invFunc`` the window is
        updated incrementally (Spark does so when the window is >= 5 slides) and
        needs ``ssc.checkpoint``; ``filterFunc`` drops pairs from the result.

        >>> run_stream(sc, [[("a", 1)], [("a", 2)], [("b", 1)]], lambda s:
        ...     s.reduceByKeyAndWindow(lambda a, b: a + b, None, 2, 1), sort=True)
        [[('a', 1)], [('a', 3)], [('a', 2), ('b', 1)]]
        """
        return self._kind("ReducedWindowedDStream").by_key_and_window(
            self, func, invFunc, windowDuration, slideDuration, numPartitions, filterFunc)
