"""The streaming scheduler: turning the clock's ticks into batches of jobs.

Read this file to learn what happens every batch interval. Spark splits the
work between two parts, and so does minispark:

  JobGenerator   at every batch time ``t`` (a multiple of the batch duration):
                 hand the blocks received so far to their input streams,
                 ask each *output* stream for its job at ``t`` (which builds
                 the RDDs of the whole DStream graph for ``t``, lazily), and
                 submit the batch's job set; write the metadata checkpoint.
  JobScheduler   runs the job sets one batch at a time, and inside a batch
                 its output operations in the order they were declared. If a
                 batch takes longer than the interval, the next ones wait in
                 the queue: their *scheduling delay* grows, which is what the
                 Streaming tab and ``StreamingListener.onBatchCompleted`` show.
                 As in Spark, each job carries the local properties
                 ``spark.streaming.internal.batchTime`` and ``...outputOpId``,
                 by which the UI's batch page finds the jobs of a batch.

Key terms
  job set          the jobs of one batch (one per output operation).
  scheduling delay time a batch waited in the queue before it started.
  processing delay time its jobs took; total delay = scheduling + processing.

Receivers hold cores (tracker.py): when they hold all of them, a batch is
generated and submitted (its records counted) but its jobs never get a core.
As on Spark, the first such batch is reported started and never completes, and
the ones after it wait behind it: the application receives and processes nothing.

With the system clock a generator thread and an executor thread do this in
real time. With a ManualClock (clock.py) ``advance`` runs the due batches
synchronously in the caller's thread, so results never depend on timing.

Next: receiver.py (where input comes from), listener.py (the events posted here).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from minispark.rdd import RDD
from minispark.streaming.dstream import DStream, to_datetime
from minispark.streaming.listener import BatchInfo, OutputOperationInfo
from minispark.util import call_site

if TYPE_CHECKING:
    from minispark.streaming.context import StreamingContext

__all__ = ["ForEachDStream", "DStreamGraph", "JobScheduler"]

# The local properties Spark's JobScheduler sets on every job of a batch.
BATCH_TIME_KEY = "spark.streaming.internal.batchTime"
OUTPUT_OP_KEY = "spark.streaming.internal.outputOpId"


class _LongLivedThread:
    """A daemon thread that lives as long as the process and runs one loop at a time.

    Why not a thread per StreamingContext: minispark's worker processes are started
    by the first job, with PR_SET_PDEATHSIG, which kills them when the *thread* that
    started them ends. A batch thread that ends at ssc.stop() would take the
    workers with it (reproduced and reported as an engine bug); these threads never end.
    """

    def __init__(self, name: str):
        self._work: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            loop, done = self._work.get()
            try:
                loop()
            finally:
                done.set()

    def run(self, loop: Callable[[], None]) -> threading.Event:
        """Run ``loop`` on this thread; the event is set when it returns."""
        done = threading.Event()
        self._work.put((loop, done))
        return done


_threads: dict[str, _LongLivedThread] = {}
_threads_lock = threading.Lock()


def _long_lived(name: str) -> _LongLivedThread:
    with _threads_lock:
        if name not in _threads:
            _threads[name] = _LongLivedThread(name)
        return _threads[name]


class ForEachDStream(DStream):
    """An output operation: ``func(time, rdd)`` run on the driver every batch."""

    def __init__(self, parent: DStream, func: Callable[[datetime, RDD], Any]):
        super().__init__(parent._ssc, [parent])
        self.func = func
        # Spark names an output operation by where it was declared: "pprint at job.py:7"
        self.description = call_site()
        parent._ssc._graph.outputs.append(self)

    def _compute(self, time_ms: int) -> RDD | None:
        return None

    def generate_job(self, time_ms: int) -> Callable[[], None] | None:
        """The job of batch ``time_ms``, or None if the parent has no RDD then.

        >>> from minispark.streaming import StreamingContext, ManualClock
        >>> ssc = StreamingContext(sc, 1, clock=ManualClock())
        >>> ssc.queueStream([[1]]).pprint(); out = ssc._graph.outputs[0]
        >>> out._initialize(0); out.generate_job(500) is None, callable(out.generate_job(1000))
        (True, True)
        """
        rdd = self._parents[0]._get_or_compute(time_ms)
        if rdd is None:
            return None
        return lambda: self.func(to_datetime(time_ms), rdd)


class DStreamGraph:
    """All the streams of a StreamingContext: its inputs and its output operations.

    >>> g = DStreamGraph(1000); g.new_stream_id(), g.new_stream_id()
    (0, 1)
    """

    def __init__(self, batch_ms: int):
        self.batch_ms = batch_ms
        self.inputs: list[DStream] = []
        self.outputs: list[ForEachDStream] = []
        self.started = False
        self.zero_time: int | None = None
        self.remember_ms: int | None = None
        self._next_id = 0

    def new_stream_id(self) -> int:
        """A new stream id (inputs and others share one counter).

        >>> DStreamGraph(1000).new_stream_id()
        0
        """
        self._next_id += 1
        return self._next_id - 1

    def check_can_add(self) -> None:
        """Streams can only be added before start (Spark's rule).

        >>> g = DStreamGraph(1000); g.started = True; g.check_can_add()
        Traceback (most recent call last):
        ...
        RuntimeError: Adding new inputs, transformations, and output operations after ...
        """
        if self.started:
            raise RuntimeError("Adding new inputs, transformations, and output operations "
                               "after starting a context is not supported")

    def start(self, zero_time: int) -> None:
        """Initialise every stream for batches after ``zero_time``; check checkpoints.

        >>> DStreamGraph(1000).start(0)
        Traceback (most recent call last):
        ...
        ValueError: requirement failed: No output operations registered, ...
        """
        if not self.outputs:
            raise ValueError("requirement failed: No output operations registered, so "
                             "nothing to execute (add foreachRDD, pprint or saveAsTextFiles)")
        self.zero_time = zero_time
        for out in self.outputs:
            out._initialize(zero_time)
        for out in self.outputs:
            out._remember(self.remember_ms)
        for out in self.outputs:
            out._validate_at_start()
        self.started = True

    def generate_jobs(self, time_ms: int) -> list[tuple[int, Callable[[], None]]]:
        """(output index, job) for every output that has an RDD at ``time_ms``.

        >>> DStreamGraph(1000).generate_jobs(1000)
        []
        """
        jobs = []
        for i, out in enumerate(self.outputs):
            job = out.generate_job(time_ms)
            if job is not None:
                jobs.append((i, job))
        return jobs

    def clear_metadata(self, time_ms: int) -> None:
        """Forget RDDs older than each stream's remember duration.

        >>> DStreamGraph(1000).clear_metadata(5000)
        """
        for out in self.outputs:
            out._clear_metadata(time_ms)


class JobScheduler:
    """Generates a job set every batch and runs the job sets in order."""

    def __init__(self, ssc: StreamingContext):
        self.ssc = ssc
        self.clock = ssc._clock
        self.batch_ms = ssc._graph.batch_ms
        self.next_time: int | None = None
        self.last_completed: int | None = None
        self.pending: list[int] = []               # generated, not completed yet
        self._queue: queue.Queue = queue.Queue()
        self._running: list[threading.Event] = []
        self._stopping = threading.Event()
        self._graceful_until: int | None = None
        self._lock = threading.RLock()
        self.completed_batches: list[BatchInfo] = []
        self.starved: list[BatchInfo] = []         # batches with no core to run on

    # -- lifecycle -----------------------------------------------------------------------

    def start(self, first_time: int, redo: list[int] | None = None) -> None:
        """Start generating at ``first_time``; ``redo``: batch times to run first
        (after recovery: pending batches and those due while the driver was down).

        >>> from minispark.streaming import StreamingContext, ManualClock
        >>> ssc = StreamingContext(sc, 1, clock=ManualClock()); ssc.queueStream([[1]]).pprint()
        >>> ssc.start(); ssc._scheduler.next_time      # (start() calls it)
        1000
        >>> ssc.stop(False)
        """
        self.next_time = first_time
        backend = getattr(self.ssc._sc, "_backend", None)
        if backend is not None:      # start the workers from this (long-lived) thread
            backend.ensure_started()
        for t in redo or []:
            self._run_batch(t) if self.clock.manual else self._queue.put(self._generate(t))
        if self.clock.manual:
            self.clock._add_listener(self._on_manual_time)
            self._on_manual_time(self.clock.getTimeMillis())
            return
        self.clock.reset()
        self._running = [_long_lived("streaming-job-generator").run(self._generator_loop),
                         _long_lived("streaming-job-executor").run(self._executor_loop)]

    def stop(self, graceful: bool) -> None:
        """Stop generating; a graceful stop first runs the batches that hold
        everything received (receivers must be stopped before).

        >>> from minispark.streaming import StreamingContext, ManualClock
        >>> ssc = StreamingContext(sc, 1, clock=ManualClock()); ssc.queueStream([[1]]).pprint()
        >>> ssc.start(); ssc._scheduler.stop(graceful=True); ssc.stop(False)
        """
        if self.clock.manual:
            self.clock._remove_listener(self._on_manual_time)
            return
        if graceful:
            self._graceful_until = self.clock.getTimeMillis()
        else:
            self._stopping.set()
            self.clock.interrupt()
        for done in self._running:
            done.wait()
        self._running = []

    # -- one batch ---------------------------------------------------------------------

    def _generate(self, time_ms: int) -> tuple[BatchInfo, list]:
        ssc = self.ssc
        submitted = int(time.time() * 1000)
        with self._lock:
            self.pending.append(time_ms)
        ssc._receiver_tracker.allocate_blocks(time_ms)
        jobs = ssc._graph.generate_jobs(time_ms)
        records = ssc._receiver_tracker.records_of(time_ms)
        info = BatchInfo(time_ms, records, submitted,
                         [OutputOperationInfo(time_ms, i, ssc._graph.outputs[i].description)
                          for i, _ in jobs])
        ssc._bus.post("onBatchSubmitted", info)
        if ssc._checkpointer is not None:
            ssc._checkpointer.write(time_ms, self.pending_times())
        return info, jobs

    def _execute(self, info: BatchInfo, jobs: list) -> None:
        ssc = self.ssc
        if jobs and ssc._receiver_tracker.cores_left() < 1:
            # Spark: the receivers' tasks hold every core; the batch's first job is
            # submitted and waits for a core for ever, and the batches after it wait
            # behind it. They stay pending (a recovery would run them again).
            if not self.starved:
                info.processingStartTime_ = int(time.time() * 1000)
                ssc._bus.post("onBatchStarted", info)
            self.starved.append(info)
            return
        info.processingStartTime_ = int(time.time() * 1000)
        ssc._bus.post("onBatchStarted", info)
        try:
            for (_, job), op in zip(jobs, info.outputOperationInfos_, strict=True):
                op.startTime_ = int(time.time() * 1000)
                ssc._bus.post("onOutputOperationStarted", op)
                try:
                    ssc._sc.setJobDescription(
                        f"Streaming job from [output operation {op.id_}, batch time "
                        f"{to_datetime(info.time_ms).strftime('%H:%M:%S')}]")
                    # Spark's JobScheduler tags each job so: the UI's batch page finds them
                    ssc._sc.setLocalProperty(BATCH_TIME_KEY, str(info.time_ms))
                    ssc._sc.setLocalProperty(OUTPUT_OP_KEY, str(op.id_))
                    job()
                except Exception as exc:
                    op.failureReason_ = f"{type(exc).__name__}: {exc}"
                    raise
                finally:
                    ssc._sc.setJobDescription(None)
                    ssc._sc.setLocalProperty(BATCH_TIME_KEY, None)
                    ssc._sc.setLocalProperty(OUTPUT_OP_KEY, None)
                    op.endTime_ = int(time.time() * 1000)
                    ssc._bus.post("onOutputOperationCompleted", op)
        finally:
            info.processingEndTime_ = int(time.time() * 1000)
            with self._lock:
                if info.time_ms in self.pending:
                    self.pending.remove(info.time_ms)
                self.last_completed = info.time_ms
                self.completed_batches.append(info)
                del self.completed_batches[:-1000]
            ssc._bus.post("onBatchCompleted", info)
        ssc._graph.clear_metadata(info.time_ms)
        ssc._receiver_tracker.clear(info.time_ms)
        if ssc._checkpointer is not None:
            ssc._checkpointer.write(info.time_ms, self.pending_times())

    def _run_batch(self, time_ms: int) -> None:
        info, jobs = self._generate(time_ms)
        self._execute(info, jobs)

    def pending_times(self) -> list[int]:
        """Batches generated but not yet completed (saved in the metadata checkpoint).

        >>> from minispark.streaming import StreamingContext
        >>> StreamingContext(sc, 1)._scheduler.pending_times()
        []
        """
        with self._lock:
            return sorted(self.pending)

    # -- manual clock: everything runs in the thread that advances the clock ------------

    def _on_manual_time(self, now: int) -> None:
        while self.next_time is not None and self.next_time <= now:
            t = self.next_time
            self.next_time += self.batch_ms
            try:
                self._run_batch(t)
            except Exception as exc:
                self.ssc._report_error(exc)
                raise

    # -- system clock: a generator thread and an executor thread -------------------------

    def _generator_loop(self) -> None:
        while not self._stopping.is_set():
            t = self.next_time
            self.clock.waitTillTime(t)
            if self._stopping.is_set():
                break
            try:
                self._queue.put(self._generate(t))
            except Exception as exc:      # building the batch failed (e.g. a bad transform)
                self.ssc._report_error(exc)
            self.next_time = t + self.batch_ms
            if self._graceful_until is not None and t >= self._graceful_until:
                break
        self._queue.put(None)

    def _executor_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None or self._stopping.is_set():
                return
            try:
                self._execute(*item)
            except Exception as exc:  # reported to awaitTermination; the stream goes on
                self.ssc._report_error(exc)
