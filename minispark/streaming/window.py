"""Window operations: computing over the last N seconds of a stream, every M seconds.

Read this file to learn how a sliding window is built from batches. A window
of ``windowDuration`` sliding every ``slideDuration`` produces one RDD every
slide, made of the batches of the last ``windowDuration`` seconds. Both must
be multiples of the batch duration (a window cannot cut a batch in half).

Key terms
  window        the union of the parent's RDDs in ``(t - window, t]``. The
                first windows, before a full window has elapsed, hold only
                the batches since the start (Spark's behaviour).
  slide         how often a window is produced; with slide > batch, the
                windowed stream has no RDD (and its outputs do not run) at
                the batches in between.
  incremental   ``reduceByKeyAndWindow(func, invFunc, ...)``: instead of
                reducing the whole window, take the previous window's result,
                *subtract* the batches that left (``invFunc``) and *add* the
                ones that entered (``func``). Spark (and so minispark) does this
                only when the window is at least 5 slides long; below that it
                recomputes the window. A key whose value falls back to zero in
                the incremental path stays (``("a", 0)``) unless ``filterFunc``
                drops it. The previous window must be kept, so these streams
                are checkpointed: ``ssc.checkpoint(dir)`` is required.

Next: state.py (updateStateByKey: a window that never ends).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from minispark.rdd import RDD
from minispark.storage import StorageLevel
from minispark.streaming.dstream import DStream, to_datetime

__all__ = ["WindowedDStream", "ReducedWindowedDStream", "window", "reduce_by_window",
           "reduce_by_key_and_window", "validate_window"]


def validate_window(stream: DStream, windowDuration: float, slideDuration: float | None) -> None:
    """Window and slide must be multiples of the stream's slide (PySpark's check).

    >>> validate_window(type("S", (), {"_slide_ms": 1000})(), 2.5, None)
    Traceback (most recent call last):
    ...
    ValueError: windowDuration must be multiple of the parent dstream's slide (batch) \
duration (1000 ms); got windowDuration=2.5 s
    """
    duration = stream._slide_ms
    if int(windowDuration * 1000) % duration != 0:
        raise ValueError("windowDuration must be multiple of the parent dstream's slide "
                         f"(batch) duration ({duration} ms); got windowDuration="
                         f"{windowDuration:g} s")
    if slideDuration and int(slideDuration * 1000) % duration != 0:
        raise ValueError("slideDuration must be multiple of the parent dstream's slide "
                         f"(batch) duration ({duration} ms); got slideDuration="
                         f"{slideDuration:g} s")
    if windowDuration <= 0 or (slideDuration is not None and slideDuration <= 0):
        raise ValueError(f"window and slide durations must be positive, got "
                         f"windowDuration={windowDuration}, slideDuration={slideDuration}")


class _WindowOverParent(DStream):
    """What every windowed stream shares: its own slide, and a parent that must
    remember a whole window's RDDs."""

    def __init__(self, parent: DStream, window_ms: int, slide_ms: int):
        super().__init__(parent._ssc, [parent])
        self.window_ms, self._slide = window_ms, slide_ms

    @property
    def _slide_ms(self) -> int:
        return self._slide

    @property
    def _parent_remember_ms(self) -> int | None:
        return (self._remember_ms or 0) + self.window_ms


class WindowedDStream(_WindowOverParent):
    """The union of the parent's RDDs in the window ending at each slide."""

    def __init__(self, parent: DStream, window_ms: int, slide_ms: int):
        super().__init__(parent, window_ms, slide_ms)
        if parent._storage_level is None:   # the parent's RDDs are read by several windows
            parent.persist(StorageLevel.MEMORY_ONLY)

    @staticmethod
    def of(stream: DStream, windowDuration: float, slideDuration: float | None) -> DStream:
        """DStream.window (window_ops.py asks for it by name): window() below."""
        return window(stream, windowDuration, slideDuration)

    def _compute(self, time_ms: int) -> RDD | None:
        parent = self._parents[0]
        rdds = parent._slice_ms(time_ms - self.window_ms + parent._slide_ms, time_ms)
        return self._sc.union(rdds) if rdds else self._sc.emptyRDD()


def window(stream: DStream, windowDuration: float, slideDuration: float | None) -> DStream:
    """``DStream.window``: validate, then build a WindowedDStream.

    >>> from minispark.streaming import StreamingContext
    >>> window(StreamingContext(sc, 1).queueStream([[1]]), 3, 1).window_ms
    3000
    """
    validate_window(stream, windowDuration, slideDuration)
    slide_ms = stream._slide_ms if slideDuration is None else int(slideDuration * 1000)
    return WindowedDStream(stream, int(windowDuration * 1000), slide_ms)


class ReducedWindowedDStream(_WindowOverParent):
    """A per-key reduction over a window, updated incrementally when possible
    (Spark's PythonReducedWindowedDStream). ``reduce_func(t, a, b)`` merges the
    reduced RDD ``b`` into ``a`` (None at first); ``inv_func(t, a, b)`` removes it."""

    def __init__(self, parent: DStream, reduce_func: Callable, inv_func: Callable | None,
                 window_ms: int, slide_ms: int):
        super().__init__(parent, window_ms, slide_ms)
        self.reduce_func, self.inv_func = reduce_func, inv_func
        self.mustCheckpoint = True
        self.persist(StorageLevel.MEMORY_ONLY)

    # What window_ops.py asks for by name: the functions of the same names below.
    @staticmethod
    def by_window(stream: DStream, reduceFunc: Callable, invReduceFunc: Callable | None,
                  windowDuration: float, slideDuration: float) -> DStream:
        return reduce_by_window(stream, reduceFunc, invReduceFunc, windowDuration,
                                slideDuration)

    @staticmethod
    def by_key_and_window(stream: DStream, func: Callable, invFunc: Callable | None,
                          windowDuration: float, slideDuration: float | None,
                          numPartitions: int | None, filterFunc: Callable | None) -> DStream:
        return reduce_by_key_and_window(stream, func, invFunc, windowDuration, slideDuration,
                                        numPartitions, filterFunc)

    def _compute(self, time_ms: int) -> RDD | None:
        parent, t = self._parents[0], to_datetime(time_ms)
        begin, end = time_ms - self.window_ms, time_ms          # current window (begin, end]
        prev_begin, prev_end = begin - self._slide, end - self._slide
        previous = self._get_or_compute(prev_end)
        if self.inv_func is not None and previous is not None \
                and self.window_ms >= 5 * self._slide:
            old = parent._slice_ms(prev_begin + parent._slide_ms, begin)
            subtracted = self.inv_func(t, previous, self._sc.union(old)) if old else previous
            new = parent._slice_ms(prev_end + parent._slide_ms, end)
            return self.reduce_func(t, subtracted, self._sc.union(new)) if new else subtracted
        current = parent._slice_ms(begin + parent._slide_ms, end)
        if not current:
            return None
        return self.reduce_func(t, None, self._sc.union(current))


def reduce_by_key_and_window(stream: DStream, func: Callable, invFunc: Callable | None,
                             windowDuration: float, slideDuration: float | None,
                             numPartitions: int | None, filterFunc: Callable | None) -> DStream:
    """``DStream.reduceByKeyAndWindow`` (PySpark's construction, step by step).

    >>> from minispark.streaming import StreamingContext
    >>> s = StreamingContext(sc, 1).queueStream([[("a", 1)]])
    >>> type(reduce_by_key_and_window(s, max, min, 5, 1, None, None)).__name__
    'ReducedWindowedDStream'
    """
    validate_window(stream, windowDuration, slideDuration)
    if numPartitions is None:
        numPartitions = stream._sc.defaultParallelism
    reduced = stream.reduceByKey(func, numPartitions)
    if not invFunc:
        return reduced.window(windowDuration, slideDuration).reduceByKey(func, numPartitions)

    def reduce_func(t: datetime, a: RDD | None, b: RDD) -> RDD:
        b = b.reduceByKey(func, numPartitions)
        r = a.union(b).reduceByKey(func, numPartitions) if a is not None else b
        return r.filter(filterFunc) if filterFunc else r

    def inv_reduce_func(t: datetime, a: RDD, b: RDD) -> RDD:
        b = b.reduceByKey(func, numPartitions)
        joined = a.leftOuterJoin(b, numPartitions)
        return joined.mapValues(lambda kv: invFunc(kv[0], kv[1]) if kv[1] is not None
                                else kv[0])

    slide_ms = stream._slide_ms if slideDuration is None else int(slideDuration * 1000)
    return ReducedWindowedDStream(reduced, reduce_func, inv_reduce_func,
                                  int(windowDuration * 1000), slide_ms)


def reduce_by_window(stream: DStream, reduceFunc: Callable, invReduceFunc: Callable | None,
                     windowDuration: float, slideDuration: float) -> DStream:
    """``DStream.reduceByWindow``: a reduceByKeyAndWindow on one key.

    >>> from minispark.streaming.testing import run_stream
    >>> run_stream(sc, [[1], [2]], lambda s: reduce_by_window(s, max, None, 2, 1))
    [[1], [2]]
    """
    keyed = stream.map(lambda x: (1, x))
    reduced = keyed.reduceByKeyAndWindow(reduceFunc, invReduceFunc, windowDuration,
                                         slideDuration, 1)
    return reduced.map(lambda kv: kv[1])


def describe_window(stream: Any) -> str:
    """A one-line description of a windowed stream (for debugging and the tour).

    >>> describe_window(type("W", (), {"window_ms": 3000, "_slide_ms": 1000})())
    'window 3 s sliding every 1 s'
    """
    return f"window {stream.window_ms / 1000:g} s sliding every {stream._slide_ms / 1000:g} s"
