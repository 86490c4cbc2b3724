"""DStream: a discretized stream, i.e. a sequence of RDDs, one per batch.

Read this file to learn what a DStream *is*. A DStream is to time what an RDD
is to data: a recipe. For every batch time ``t`` it knows how to produce the
RDD of that batch (``_compute(t)``), usually by asking its parent for the RDD
at ``t`` and applying an RDD transformation to it. Nothing runs until the job
generator (scheduler.py) asks the *output* streams for their jobs at ``t``.

Key terms
  batch time     a multiple of the batch duration; the RDD at ``t`` holds the
                 data received in the interval ``(t - batch, t]``.
  zero time      start time minus one batch; a stream with slide ``s`` has
                 RDDs at ``zero + s, zero + 2s, ...`` only (``_is_time_valid``).
  generated RDDs the RDDs already built, by time, kept for ``rememberDuration``
                 (windows and state look back at them) and then forgotten.
  output op      ``foreachRDD``, ``pprint``, ``saveAsTextFiles``: the only
                 things that make a batch do work, run in the order declared.

As in PySpark, most operations are written with ``transform``: ``map(f)`` is
``transform(lambda rdd: rdd.map(f))``, and consecutive transforms are fused,
so a chain of them costs one RDD per batch, not one per step.

This file holds the machinery and ``transform``, from which the rest is built;
a DStream's other methods are mixed in from elementwise.py (map, filter,
count...), keyed.py (by-key operations and joins), window_ops.py (windows) and
output.py (output operations). Those mixins sit below this file and the DStreams
they make (state.py, window.py, scheduler.py's ForEachDStream) above it: they
find them by name, ``self._kind("StateDStream")``, in the registry below.
The doctests' ``run_stream`` is testing.py's (the test setup provides it).

Next: elementwise.py, keyed.py, window_ops.py, output.py, then scheduler.py
(who calls ``_get_or_compute``).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from minispark.rdd import RDD
from minispark.storage import StorageLevel
from minispark.streaming.clock import arity, to_datetime
from minispark.streaming.clock import to_ms as _ms
from minispark.streaming.elementwise import ElementwiseOperations
from minispark.streaming.keyed import PairDStreamFunctions
from minispark.streaming.output import OutputOperations, rdd_to_file_name
from minispark.streaming.window_ops import WindowOperations

if TYPE_CHECKING:
    from minispark.streaming.context import StreamingContext

__all__ = ["DStream", "TransformedDStream", "MultiTransformedDStream", "to_datetime", "arity",
           "rdd_to_file_name"]

# Set while checkpoint.py pickles the graph: only then may a DStream be pickled.
_CHECKPOINTING = threading.local()


def _check_rdd(result: Any, what: str) -> RDD | None:
    if result is None or isinstance(result, RDD):
        return result
    raise TypeError(f"the function given to {what} must return an RDD (or None), "
                    f"got {type(result).__name__}")


class DStream(ElementwiseOperations, PairDStreamFunctions, WindowOperations, OutputOperations):
    """A discretized stream: one RDD per batch, built on demand from its parents."""

    def __init__(self, ssc: StreamingContext, parents: Iterable[DStream] = ()):
        ssc._graph.check_can_add()
        self._ssc = ssc
        self._sc = ssc._sc
        self._parents: list[DStream] = list(parents)
        self.generatedRDDs: dict[int, RDD | None] = {}
        self._zero_time: int | None = None
        self._remember_ms: int | None = None
        self._storage_level: StorageLevel | None = None
        self._checkpoint_ms: int | None = None
        self.is_cached = False
        self.is_checkpointed = False
        self.mustCheckpoint = False
        self._id = ssc._graph.new_stream_id()

    # -- the kinds of DStream, by name ------------------------------------------------
    # The methods mixed in below this file (keyed.py, window_ops.py, output.py) make
    # DStreams defined above it (StateDStream, WindowedDStream, ForEachDStream, which
    # subclass DStream): they cannot import them, and ask for them by name instead,
    # ``self._kind("StateDStream")``, as the RDD methods do (rddbase.rdd_class).
    # minispark/streaming/__init__.py imports every module that defines one.
    _KINDS: dict[str, type] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("minispark."):  # not a test's own subclass
            DStream._KINDS[cls.__name__] = cls

    def _kind(self, name: str) -> Any:
        return DStream._KINDS[name]

    # -- the machinery every DStream shares (Spark's DStream.scala) -------------------

    @property
    def _slide_ms(self) -> int:
        return self._parents[0]._slide_ms

    @property
    def _slideDuration(self) -> float:
        """The interval between this stream's RDDs, in seconds (PySpark's name)."""
        return self._slide_ms / 1000.0

    @property
    def _parent_remember_ms(self) -> int | None:
        return self._remember_ms

    def _compute(self, time_ms: int) -> RDD | None:
        raise NotImplementedError

    def _is_time_valid(self, time_ms: int) -> bool:
        if self._zero_time is None:
            raise RuntimeError(f"{self} has not been initialized: start the StreamingContext")
        return time_ms > self._zero_time and (time_ms - self._zero_time) % self._slide_ms == 0

    def _get_or_compute(self, time_ms: int) -> RDD | None:
        """The RDD of batch ``time_ms``: built once, then remembered."""
        if time_ms in self.generatedRDDs:
            return self.generatedRDDs[time_ms]
        if not self._is_time_valid(time_ms):
            return None
        rdd = self._compute(time_ms)
        if rdd is not None:
            if self._storage_level is not None and self._storage_level != StorageLevel.NONE \
                    and rdd.getStorageLevel() == StorageLevel.NONE:
                rdd.persist(self._storage_level)
            if self._checkpoint_ms and (time_ms - self._zero_time) % self._checkpoint_ms == 0:
                rdd.checkpoint()   # written after the batch's first job: lineage truncated
        self.generatedRDDs[time_ms] = rdd
        return rdd

    def _initialize(self, zero_time: int) -> None:
        if self._zero_time is not None and self._zero_time != zero_time:
            raise RuntimeError(f"{self} was initialized with zero time {self._zero_time}, "
                               f"cannot initialize it again with {zero_time}")
        self._zero_time = zero_time
        if self.mustCheckpoint and self._checkpoint_ms is None:
            # Spark's default: the smallest multiple of the slide that is >= 10 s.
            slide = self._slide_ms
            self._checkpoint_ms = slide * -(-10000 // slide)
        minimum = self._slide_ms
        if self._checkpoint_ms is not None and minimum <= self._checkpoint_ms:
            minimum = 2 * self._checkpoint_ms
        if self._remember_ms is None or self._remember_ms < minimum:
            self._remember_ms = minimum
        for parent in self._parents:
            parent._initialize(zero_time)

    def _remember(self, duration_ms: int | None) -> None:
        if duration_ms is not None and (self._remember_ms is None
                                        or duration_ms > self._remember_ms):
            self._remember_ms = duration_ms
        for parent in self._parents:
            parent._remember(self._parent_remember_ms)

    def _validate_at_start(self) -> None:
        name = type(self).__name__
        if self.mustCheckpoint and self._checkpoint_ms is None:
            raise ValueError(f"requirement failed: The checkpoint interval for {name} has not "
                             "been set. Please use DStream.checkpoint() to set the interval.")
        if self._checkpoint_ms is not None:
            if self._sc.getCheckpointDir() is None:
                raise ValueError(
                    "requirement failed: The checkpoint directory has not been set. Please set "
                    "it by StreamingContext.checkpoint(). (In Python: call "
                    f"ssc.checkpoint(directory) before ssc.start(); {name} keeps state or an "
                    "inverse-function window, which must be checkpointed.)")
            if self._checkpoint_ms < self._slide_ms or self._checkpoint_ms % self._slide_ms:
                raise ValueError(
                    f"requirement failed: The checkpoint interval for {name} has been set to "
                    f"{self._checkpoint_ms} ms which is not a multiple of its slide time "
                    f"({self._slide_ms} ms). Please set it to a multiple of {self._slide_ms} ms.")
        for parent in self._parents:
            parent._validate_at_start()

    def _clear_metadata(self, time_ms: int) -> None:
        """Forget (and unpersist) RDDs older than the remember duration."""
        old = [t for t in self.generatedRDDs if t <= time_ms - (self._remember_ms or 0)]
        for t in old:
            rdd = self.generatedRDDs.pop(t)
            if rdd is not None and rdd.getStorageLevel() != StorageLevel.NONE:
                rdd.unpersist()
            if rdd is not None and rdd.isCheckpointed() and rdd.getCheckpointFile():
                # a newer data checkpoint replaces it (Spark deletes old ones too)
                shutil.rmtree(rdd.getCheckpointFile(), ignore_errors=True)
        for parent in self._parents:
            parent._clear_metadata(time_ms)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._id} slide={self._slideDuration:g}s>"

    def __getstate__(self) -> dict:
        if not getattr(_CHECKPOINTING, "active", False):
            raise RuntimeError("A DStream cannot be used inside a task or an RDD operation: "
                               "only the driver can see the stream (use transform/foreachRDD "
                               "to work on each batch's RDD).")
        # A metadata checkpoint (checkpoint.py): the stream without its context and
        # RDDs, but with where its data checkpoints are.
        state = self.__dict__.copy()
        state.pop("_ssc", None)
        state.pop("_sc", None)
        state["generatedRDDs"] = {}
        state["_checkpointed_rdds"] = {
            t: (rdd.getCheckpointFile(), rdd.getNumPartitions())
            for t, rdd in self.generatedRDDs.items()
            if rdd is not None and rdd.isCheckpointed() and rdd.getCheckpointFile()}
        return state

    # -- basic info ------------------------------------------------------------------

    def context(self) -> StreamingContext:
        """The StreamingContext this stream belongs to.

        >>> from minispark.streaming import StreamingContext
        >>> ssc = StreamingContext(sc, 1); ssc.queueStream([[1]]).context() is ssc
        True
        """
        return self._ssc

    def persist(self, storageLevel: StorageLevel) -> DStream:
        """Persist every RDD of this stream at ``storageLevel``.

        >>> run_stream(sc, [[1, 2]], lambda s: s.persist(StorageLevel.MEMORY_ONLY))
        [[1, 2]]
        """
        self.is_cached = True
        self._storage_level = storageLevel
        return self

    def cache(self) -> DStream:
        """Persist every RDD of this stream in memory (MEMORY_ONLY).

        >>> run_stream(sc, [[1, 2]], lambda s: s.cache().map(lambda x: -x))
        [[-1, -2]]
        """
        return self.persist(StorageLevel.MEMORY_ONLY)

    def checkpoint(self, interval: float) -> DStream:
        """Checkpoint this stream's RDDs every ``interval`` seconds (a multiple of
        the slide), truncating their lineage; needs ``ssc.checkpoint(dir)``.

        >>> import tempfile
        >>> run_stream(sc, [[1], [2]], lambda s: s.map(lambda x: x).checkpoint(2),
        ...            checkpointDir=tempfile.mkdtemp())
        [[1], [2]]
        """
        self.is_checkpointed = True
        self._checkpoint_ms = int(interval * 1000)
        return self

    def slice(self, begin: datetime | float, end: datetime | float) -> list[RDD]:
        """The remembered RDDs from ``begin`` to ``end`` (both included); times are
        datetimes or seconds since the epoch (on a ManualClock: since 0). RDDs
        older than the remember duration (``ssc.remember``) are computed again.

        >>> run_stream(sc, [[1], [2], [3]], lambda s: s.context().remember(60) or s,
        ...            after=lambda out: [r.collect() for r in out.slice(2, 3)])
        [[2], [3]]
        """
        if self._zero_time is None:
            raise RuntimeError(f"{self} has not been initialized: start the StreamingContext")
        begin_ms, end_ms = _ms(begin), _ms(end)
        slide = self._slide_ms
        end_ms -= (end_ms - self._zero_time) % slide
        begin_ms -= (begin_ms - self._zero_time) % slide
        rdds = []
        for t in range(begin_ms, end_ms + 1, slide):
            if t >= self._zero_time:
                rdd = self._get_or_compute(t)
                if rdd is not None:
                    rdds.append(rdd)
        return rdds

    def _slice_ms(self, begin_ms: int, end_ms: int) -> list[RDD]:
        return self.slice(begin_ms / 1000.0, end_ms / 1000.0)

    # -- transformations that build new streams ----------------------------------------
    # (map, filter, count and the other element-wise ones are one-line transforms,
    # in elementwise.py; transform, transformWith and union stay here because they
    # create the TransformedDStream classes below.)

    def transform(self, func: Callable[..., RDD]) -> DStream:
        """Apply ``func(rdd)`` or ``func(time, rdd)`` to every batch's RDD.

        >>> run_stream(sc, [[3, 1, 2]], lambda s: s.transform(lambda rdd: rdd.sortBy(lambda x: x)))
        [[1, 2, 3]]
        >>> run_stream(sc, [[1]], lambda s: s.transform(lambda t, rdd: rdd.map(lambda x: t.second)))
        [[1]]
        """
        n = arity(func)
        if n == 1:
            one = func

            def func(_: datetime, rdd: RDD) -> RDD:
                return one(rdd)
        elif n != 2:
            raise TypeError("func should take one or two arguments")
        return TransformedDStream(self, func)

    def transformWith(self, func: Callable[..., RDD], other: DStream,
                      keepSerializer: bool = False) -> DStream:
        """Combine this stream's and ``other``'s RDD of each batch with
        ``func(a, b)`` or ``func(time, a, b)``.

        >>> run_stream(sc, [[1, 2]], lambda s: s.transformWith(
        ...     lambda a, b: a.cartesian(b), s.map(lambda x: x * 10)), sort=True)
        [[(1, 10), (1, 20), (2, 10), (2, 20)]]
        """
        n = arity(func)
        if n == 2:
            two = func

            def func(_: datetime, a: RDD, b: RDD) -> RDD:
                return two(a, b)
        elif n != 3:
            raise TypeError("func should take two or three arguments")
        return MultiTransformedDStream([self, other], func, "transformWith")

    def union(self, other: DStream) -> DStream:
        """The elements of both streams, batch by batch.

        >>> run_stream(sc, [[1], [2]], lambda s: s.union(s.map(lambda x: -x)))
        [[1, -1], [2, -2]]
        """
        if self._slideDuration != other._slideDuration:
            raise ValueError("the two DStream should have same slide duration")
        return self.transformWith(lambda a, b: a.union(b), other, True)


class TransformedDStream(DStream):
    """A stream whose RDDs are ``func(time, parent's RDD)``; consecutive
    transforms are fused into one (as PySpark does), unless cached/checkpointed."""

    def __init__(self, prev: DStream, func: Callable[[datetime, RDD], RDD]):
        if type(prev) is TransformedDStream and not prev.is_cached \
                and not prev.is_checkpointed and not prev.generatedRDDs:
            inner = prev.func
            self.func = lambda t, rdd: func(t, inner(t, rdd))
            prev = prev._parents[0]
        else:
            self.func = func
        super().__init__(prev._ssc, [prev])

    def _compute(self, time_ms: int) -> RDD | None:
        rdd = self._parents[0]._get_or_compute(time_ms)
        if rdd is None:
            return None
        return _check_rdd(self.func(to_datetime(time_ms), rdd), "transform")


class MultiTransformedDStream(DStream):
    """``func(time, *rdds)`` over several parents (transformWith, ssc.transform);
    a parent with no RDD at that time contributes an empty RDD."""

    def __init__(self, parents: list[DStream], func: Callable[..., RDD], what: str):
        slides = {p._slide_ms for p in parents}
        if len(slides) > 1:
            raise ValueError(f"{what}: all DStreams should have same slide duration, got "
                             f"{sorted(s / 1000 for s in slides)} s")
        self.func, self.what = func, what
        super().__init__(parents[0]._ssc, parents)

    def _compute(self, time_ms: int) -> RDD | None:
        rdds = [p._get_or_compute(time_ms) or self._sc.emptyRDD() for p in self._parents]
        return _check_rdd(self.func(to_datetime(time_ms), *rdds), self.what)
