"""StreamingContext: the entry point of a Spark Streaming program.

Read this file to see what a streaming application owns and the order of its
life: create the context with a batch duration, define input streams and
their transformations and output operations, ``start()``, then wait
(``awaitTermination``) until ``stop()``. Nothing can be added after start,
and a stopped context cannot be started again (create a new one).

Key terms
  batch duration  the interval at which the stream is cut into RDDs (seconds).
  input stream    queueStream, textFileStream, socketTextStream (receiver.py).
  checkpoint      ``ssc.checkpoint(dir)``: where state RDDs are saved (data
                  checkpoints) and, every batch, the graph and its progress
                  (metadata checkpoints), so that ``getOrCreate`` can resume
                  a killed driver (checkpoint.py).
  clock           real time by default; ``clock=ManualClock()`` (minispark-only,
                  a teaching and testing aid) runs batches only when the clock
                  is advanced, synchronously: see clock.py and testing.py.

Only one StreamingContext can be active (started) at a time, and it uses the
one SparkContext; ``stop(stopSparkContext=False)`` keeps the SparkContext for
a new StreamingContext.

Next: dstream.py (what a DStream is), then scheduler.py.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable
from typing import Any

from minispark.context import SparkContext
from minispark.rdd import RDD
from minispark.storage import StorageLevel
from minispark.streaming.checkpoint import Checkpointer, read_latest, recover
from minispark.streaming.clock import Clock, ManualClock, SystemClock
from minispark.streaming.dstream import DStream, MultiTransformedDStream
from minispark.streaming.listener import StreamingListener, StreamingListenerBus
from minispark.streaming.receiver import (
    FileInputDStream,
    QueueInputDStream,
    ReceiverTracker,
    SocketInputDStream,
)
from minispark.streaming.scheduler import DStreamGraph, JobScheduler

__all__ = ["StreamingContext"]


class StreamingContext:
    """Cuts streams into batches of ``batchDuration`` seconds and runs them.

    ``clock`` (minispark-only) is SystemClock() by default; with a ManualClock
    every ``clock.advance(ms)`` runs the batches that fell due.

    >>> from minispark.streaming import ManualClock
    >>> clock = ManualClock()
    >>> ssc = StreamingContext(sc, 1, clock=clock)
    >>> ssc.queueStream([[1, 2], [3]]).map(lambda x: x * 10).pprint()
    >>> ssc.start(); clock.advance(2000)      # doctest: +NORMALIZE_WHITESPACE
    -------------------------------------------
    Time: ...
    -------------------------------------------
    10
    20
    <BLANKLINE>
    -------------------------------------------
    Time: ...
    -------------------------------------------
    30
    <BLANKLINE>
    >>> ssc.stop(stopSparkContext=False)
    """

    _activeContext: StreamingContext | None = None
    _lock = threading.RLock()
    # Set by testing.recorded_inputs: contexts created meanwhile use its clock and
    # feed their socket/file streams from recorded batches (minispark-only).
    _recording: dict | None = None

    def __init__(self, sparkContext: SparkContext, batchDuration: float | None = None,
                 jssc: Any = None, *, clock: Clock | None = None):
        warnings.warn("DStream is deprecated as of Spark 3.4.0. Migrate to Structured "
                      "Streaming.", FutureWarning, stacklevel=2)
        if not isinstance(sparkContext, SparkContext):
            raise TypeError(f"StreamingContext needs a minispark SparkContext, got "
                            f"{type(sparkContext).__name__}")
        if sparkContext._stopped:
            raise RuntimeError("Cannot create a StreamingContext on a stopped SparkContext")
        if batchDuration is None or not batchDuration > 0:
            raise ValueError(f"batchDuration must be a positive number of seconds, got "
                             f"{batchDuration!r}")
        batch_ms = int(round(batchDuration * 1000))
        if batch_ms < 1:
            raise ValueError(f"batchDuration {batchDuration} s is below 1 ms")
        recording = StreamingContext._recording
        if clock is None:
            clock = recording["clock"] if recording else SystemClock()
        self._sc = sparkContext
        self._clock = clock
        self._recorded = list(recording["batches"]) if recording else None
        self._graph = DStreamGraph(batch_ms)
        self._bus = StreamingListenerBus()
        self._receiver_tracker = ReceiverTracker(self)
        self._scheduler = JobScheduler(self)
        self._checkpoint_dir: str | None = None
        self._checkpointer: Any = None
        self._recovering = False
        self._restart_times: list[int] = []
        self._state = "INITIALIZED"
        self._terminated = threading.Event()
        self._error: BaseException | None = None
        _attach_to_ui(self)

    # -- properties and lookup ---------------------------------------------------------

    @property
    def sparkContext(self) -> SparkContext:
        """The SparkContext the batches run on.

        >>> StreamingContext(sc, 1).sparkContext is sc
        True
        """
        return self._sc

    @classmethod
    def getActive(cls) -> StreamingContext | None:
        """The started and not yet stopped StreamingContext, or None.

        >>> StreamingContext.getActive() is None
        True
        """
        return cls._activeContext

    @classmethod
    def getOrCreate(cls, checkpointPath: str,
                    setupFunc: Callable[[], StreamingContext]) -> StreamingContext:
        """Recreate the context from the checkpoint in ``checkpointPath`` if there
        is one (resuming where a killed driver stopped), else ``setupFunc()``.

        >>> import tempfile; d = tempfile.mkdtemp()
        >>> def setup():
        ...     ssc = StreamingContext(sc, 1)
        ...     ssc.queueStream([[1]]).pprint()
        ...     return ssc
        >>> ssc = StreamingContext.getOrCreate(d, setup); ssc._checkpoint_dir == d
        True
        """
        if checkpointPath and read_latest(checkpointPath) is not None:
            return recover(checkpointPath, cls)
        ssc = setupFunc()
        ssc.checkpoint(checkpointPath)
        return ssc

    @classmethod
    def getActiveOrCreate(cls, checkpointPath: str | None,
                          setupFunc: Callable[[], StreamingContext]) -> StreamingContext:
        """The active context, else getOrCreate(checkpointPath, setupFunc), else setupFunc().

        >>> StreamingContext.getActiveOrCreate(None, lambda: "new")
        'new'
        """
        if not callable(setupFunc):
            raise TypeError("setupFunc should be callable.")
        active = cls.getActive()
        if active is not None:
            return active
        if checkpointPath is not None:
            return cls.getOrCreate(checkpointPath, setupFunc)
        return setupFunc()

    # -- configuration -------------------------------------------------------------------

    def remember(self, duration: float) -> None:
        """Keep every stream's RDDs at least ``duration`` seconds (e.g. to query
        them with ``slice`` after the batch).

        >>> StreamingContext(sc, 1).remember(60)
        """
        self._graph.remember_ms = int(duration * 1000)

    def checkpoint(self, directory: str) -> None:
        """Save state RDDs and, every batch, the metadata needed to recover, in
        ``directory`` (required by updateStateByKey and inverse-function windows).

        >>> import tempfile; StreamingContext(sc, 1).checkpoint(tempfile.mkdtemp())
        """
        if directory is None:
            self._checkpoint_dir, self._checkpointer = None, None
            return
        directory = os.path.abspath(directory)
        os.makedirs(directory, exist_ok=True)
        self._sc.setCheckpointDir(directory)
        self._checkpoint_dir = directory
        self._checkpointer = Checkpointer(self, directory)

    def addStreamingListener(self, streamingListener: StreamingListener) -> None:
        """Receive batch, output-operation and receiver events (listener.py).

        >>> StreamingContext(sc, 1).addStreamingListener(StreamingListener())
        """
        self._bus.add(streamingListener)

    # -- input streams -------------------------------------------------------------------

    def queueStream(self, rdds: list, oneAtATime: bool = True,
                    default: Any = None) -> DStream:
        """A stream whose batches are the given RDDs (or lists, parallelized), one per
        batch (or all in the first: ``oneAtATime=False``); then ``default`` or empty.

        >>> ssc = StreamingContext(sc, 1); ssc.queueStream([[1], [2]])
        <QueueInputDStream 0 slide=1s>
        """
        if default is not None and not isinstance(default, RDD):
            default = self._sc.parallelize(default)
        if not rdds and default is not None:
            rdds = [[]]
        rdds = [r if isinstance(r, RDD) else self._sc.parallelize(r) for r in rdds]
        return QueueInputDStream(self, rdds, oneAtATime, default)

    def textFileStream(self, directory: str) -> DStream:
        """Lines of the text files that appear in ``directory`` after start: each
        batch reads the new files (move them in whole; names starting with '.'
        or '_' are ignored).

        >>> import tempfile; StreamingContext(sc, 1).textFileStream(tempfile.mkdtemp())
        <FileInputDStream 0 slide=1s>
        """
        if self._recorded is not None:
            return self.queueStream(self._recorded)
        return FileInputDStream(self, directory)

    def socketTextStream(self, hostname: str, port: int,
                         storageLevel: StorageLevel = StorageLevel.MEMORY_AND_DISK_2
                         ) -> DStream:
        """Lines read from a TCP server by a receiver (one record per line); the
        receiver reconnects if the connection drops.

        >>> StreamingContext(sc, 1).socketTextStream("localhost", 9999)
        <SocketInputDStream 0 slide=1s>
        """
        if not isinstance(port, int) or not 0 < port < 65536:
            raise ValueError(f"port must be an int between 1 and 65535, got {port!r}")
        if self._recorded is not None:
            return self.queueStream(self._recorded)
        return SocketInputDStream(self, hostname, port, storageLevel)

    def union(self, *dstreams: DStream) -> DStream:
        """The union of several streams with the same slide duration.

        >>> ssc = StreamingContext(sc, 1); a = ssc.queueStream([[1]])
        >>> ssc.union(a) is a
        True
        """
        if not dstreams:
            raise ValueError("should have at least one DStream to union")
        if len(dstreams) == 1:
            return dstreams[0]
        if len({s._slide_ms for s in dstreams}) > 1:
            raise ValueError("All DStreams should have same slide duration")
        return MultiTransformedDStream(list(dstreams), lambda t, *rdds: self._sc.union(
            list(rdds)), "union")

    def transform(self, dstreams: list[DStream],
                  transformFunc: Callable[[list[RDD]], RDD]) -> DStream:
        """A stream from ``transformFunc(rdds)`` over the RDDs of several streams.

        >>> ssc = StreamingContext(sc, 1); a = ssc.queueStream([[1]])
        >>> ssc.transform([a, a], lambda rdds: rdds[0].union(rdds[1]))
        <MultiTransformedDStream 1 slide=1s>
        """
        return MultiTransformedDStream(list(dstreams), lambda t, *rdds: transformFunc(rdds),
                                       "transform")

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Start receiving and processing (first batch at the next multiple of the
        batch duration).

        >>> ssc = StreamingContext(sc, 1)
        >>> ssc.start()
        Traceback (most recent call last):
        ...
        ValueError: requirement failed: No output operations registered, ...
        """
        with StreamingContext._lock:
            if self._state == "ACTIVE":
                return
            if self._state == "STOPPED":
                raise RuntimeError("StreamingContext has already been stopped; create a new "
                                   "one to start again")
            active = StreamingContext._activeContext
            if active is not None and active is not self:
                raise RuntimeError("Only one StreamingContext may be started in this JVM. "
                                   "Stop the running one first: ssc.stop(False)")
            batch = self._graph.batch_ms
            if self._recovering:
                first, redo = self._resume_time(), self._restart_times
            else:
                first = (self._clock.getTimeMillis() // batch + 1) * batch
                self._graph.start(first - batch)
                redo = []
            for stream in self._graph.inputs:
                if isinstance(stream, FileInputDStream):
                    stream.start()
            self._receiver_tracker.start()
            StreamingContext._activeContext = self
            self._state = "ACTIVE"
        self._bus.post("onStreamingStarted", self._clock.getTimeMillis())
        try:
            self._scheduler.start(first, redo)
        except BaseException:
            self.stop(stopSparkContext=False)
            raise

    def _resume_time(self) -> int:
        batch = self._graph.batch_ms
        return max(self._scheduler.next_time or 0,
                   (self._clock.getTimeMillis() // batch + 1) * batch)

    def _report_error(self, exc: BaseException) -> None:
        self._error = exc
        self._terminated.set()

    def awaitTermination(self, timeout: float | None = None) -> None:
        """Wait until the context is stopped (or ``timeout`` seconds); re-raises an
        error of a batch. Under testing.recorded_inputs it runs the recorded batches.

        >>> StreamingContext(sc, 1).awaitTermination(0.01)
        """
        self.awaitTerminationOrTimeout(timeout)

    def awaitTerminationOrTimeout(self, timeout: float | None) -> bool:
        """Like awaitTermination; returns whether the context stopped.

        >>> StreamingContext(sc, 1).awaitTerminationOrTimeout(0.01)
        False
        """
        recording = StreamingContext._recording
        if recording and self._state == "ACTIVE" and isinstance(self._clock, ManualClock):
            self._clock.advance(recording["batches_to_run"] * self._graph.batch_ms)
            self.stop(stopSparkContext=False)
        done = self._terminated.wait(timeout)
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return done

    def stop(self, stopSparkContext: bool = True, stopGraceFully: bool = False) -> None:
        """Stop the streams (a graceful stop first processes all received data),
        and the SparkContext too unless ``stopSparkContext=False``.

        >>> StreamingContext(sc, 1).stop(stopSparkContext=False)
        """
        with StreamingContext._lock:
            was_active = self._state == "ACTIVE"
            self._state = "STOPPED"
            if StreamingContext._activeContext is self:
                StreamingContext._activeContext = None
        if was_active:
            self._receiver_tracker.stop()
            self._scheduler.stop(graceful=stopGraceFully)
            if self._checkpointer is not None:
                self._checkpointer.close()
            # minispark-only event (see listener.py): the UI says the stream stopped
            self._bus.post("onStreamingStopped", self._clock.getTimeMillis())
        self._terminated.set()
        if stopSparkContext:
            self._sc.stop()

    def __repr__(self) -> str:
        return f"<StreamingContext batch={self._graph.batch_ms / 1000:g}s {self._state}>"


def _attach_to_ui(ssc: StreamingContext) -> None:
    """Show the context in the Streaming tab when the SparkContext has a UI."""
    try:
        from minispark.ui.streaming import attach_streaming
    except ImportError:     # the UI is optional
        return
    attach_streaming(ssc)
