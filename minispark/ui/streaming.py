"""The Streaming tab's model: a StreamingListener folding batch and receiver events.

Mirrors Spark's ``StreamingJobProgressListener`` and ``StreamingPage``
(streaming/src/main/scala/org/apache/spark/streaming/ui/). Read
../streaming/listener.py first (the events and BatchInfo's delays); next,
pages/streaming.py, which shows this model.

Each batch keeps its output operations (name, times, failure); the jobs they
ran are found in the AppStatusStore by the local properties Spark's
JobScheduler sets on them (``spark.streaming.internal.batchTime`` and
``...outputOpId``), so the batch page links to them. A stopped context (the
minispark-only ``onStreamingStopped`` event) shows when it stopped and how
long it ran.

Statistics, as the course reads them: batches processed and waiting (a
growing queue means processing is slower than the batch interval), the input
rate, and the percentiles of scheduling delay, processing time and total
delay, with a bar per recent batch. The batch interval is not an event: it is
read off the batch times (consecutive batches are one interval apart).

```attach_streaming(ssc)`` registers the listener on a StreamingContext whose
SparkContext has a UI or an event log (the StreamingContext calls it when
created, or call it yourself). Streaming events then go to the event log as
``Streaming<Kind>`` lines, which the history server replays into this model.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from minispark.streaming.listener import StreamingListener

__all__ = ["StreamingUIListener", "attach_streaming", "BatchRow"]

RETAINED_BATCHES = 1000   # spark.streaming.ui.retainedBatches


@dataclass
class BatchRow:
    """One batch: its times (ms) and output operations."""

    time_ms: int
    records: int
    submission_ms: int
    start_ms: int | None = None
    end_ms: int | None = None
    outputs: int = 0
    outputs_done: int = 0
    failures: list[str] = field(default_factory=list)
    ops: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> name, times, failure

    @property
    def scheduling_delay(self) -> int | None:
        return None if self.start_ms is None else self.start_ms - self.submission_ms

    @property
    def processing_time(self) -> int | None:
        return None if self.start_ms is None or self.end_ms is None else \
            self.end_ms - self.start_ms

    @property
    def total_delay(self) -> int | None:
        return None if self.end_ms is None else self.end_ms - self.submission_ms


class StreamingUIListener(StreamingListener):
    """Batches and receivers as the Streaming tab shows them.

    >>> from minispark.streaming import ManualClock, StreamingContext
    >>> clock = ManualClock(); ssc = StreamingContext(sc, 1, clock=clock)
    >>> model = StreamingUIListener(); ssc.addStreamingListener(model)
    >>> ssc.queueStream([[1, 2], [3]]).count().foreachRDD(lambda rdd: rdd.foreach(lambda _: None))
    >>> ssc.start(); clock.advance(2000); ssc.stop(False)
    >>> model.processed(), [b.records for b in model.batches.values()], model.interval_ms()
    (2, [0, 0], 1000)
    >>> model.stopped_ms - model.started_ms, model.is_active()
    (2000, False)
    """

    def __init__(self, lock: Any = None, log: Any = None) -> None:
        self.lock = lock if lock is not None else threading.RLock()
        self.log = log            # an EventLogWriter: streaming events go to the log too
        self.started_ms: int | None = None
        self.stopped_ms: int | None = None   # on the same clock as started_ms
        self.batches: OrderedDict[int, BatchRow] = OrderedDict()
        self.receivers: dict[int, dict[str, Any]] = {}
        self.last_event = 0.0

    # -- events: each becomes a plain dict, applied here and written to the log -----

    def onStreamingStarted(self, streamingStarted: Any) -> None:
        """The StreamingContext started (``streamingStarted.time``, ms)."""
        self._event("StreamingStarted", {"time": streamingStarted.time})

    def onStreamingStopped(self, streamingStopped: Any) -> None:
        """The StreamingContext stopped (minispark-only event; ``.time``, ms)."""
        self._event("StreamingStopped", {"time": streamingStopped.time})

    def onBatchSubmitted(self, batchSubmitted: Any) -> None:
        """A batch was generated: it waits in the queue until it starts."""
        self._event("BatchSubmitted", _batch(batchSubmitted.batchInfo()))

    def onBatchStarted(self, batchStarted: Any) -> None:
        """A batch's first job started."""
        self._event("BatchStarted", _batch(batchStarted.batchInfo()))

    def onBatchCompleted(self, batchCompleted: Any) -> None:
        """A batch finished: it counts as processed."""
        self._event("BatchCompleted", _batch(batchCompleted.batchInfo()))

    def onOutputOperationStarted(self, outputOperationStarted: Any) -> None:
        """One output operation of a batch started (the batch page lists it)."""
        self._event("OutputOperationStarted",
                    _output_op(outputOperationStarted.outputOperationInfo()))

    def onOutputOperationCompleted(self, outputOperationCompleted: Any) -> None:
        """One output operation of a batch finished (or failed)."""
        self._event("OutputOperationCompleted",
                    _output_op(outputOperationCompleted.outputOperationInfo()))

    def onReceiverStarted(self, receiverStarted: Any) -> None:
        """A receiver started."""
        self._event("ReceiverStarted", _receiver(receiverStarted.receiverInfo()))

    def onReceiverError(self, receiverError: Any) -> None:
        """A receiver reported an error (kept as its last error)."""
        self._event("ReceiverError", _receiver(receiverError.receiverInfo()))

    def onReceiverStopped(self, receiverStopped: Any) -> None:
        """A receiver stopped."""
        self._event("ReceiverStopped", _receiver(receiverStopped.receiverInfo()))

    def _event(self, kind: str, data: dict) -> None:
        self.apply(kind, data)
        self.last_event = time.time()
        if self.log is not None:
            self.log.write_record({"Event": "Streaming" + kind, "Timestamp": self.last_event,
                                   **data})

    def apply(self, kind: str, data: dict) -> None:
        """Fold one event (a live one, or one replayed from an event log) into the model.

        >>> m = StreamingUIListener()
        >>> m.apply("BatchSubmitted", {"batch_ms": 1000, "records": 5, "submission_ms": 1000,
        ...                            "start_ms": None, "end_ms": None, "outputs": 1})
        >>> m.waiting(), m.processed()
        (1, 0)
        """
        with self.lock:
            if kind == "StreamingStarted":
                self.started_ms, self.stopped_ms = data["time"], None
            elif kind == "StreamingStopped":
                self.stopped_ms = data["time"]
            elif kind.startswith("Batch"):
                row = self.batches.get(data["batch_ms"])
                if row is None:
                    row = self.batches[data["batch_ms"]] = BatchRow(
                        data["batch_ms"], data["records"], data["submission_ms"])
                    while len(self.batches) > RETAINED_BATCHES:
                        self.batches.popitem(last=False)
                row.records, row.outputs = data["records"], data["outputs"]
                row.start_ms, row.end_ms = data["start_ms"], data["end_ms"]
            elif kind.startswith("OutputOperation"):
                row = self.batches.get(data["batch_ms"])
                if row is None:
                    return
                if "id" in data:   # (an older log carries batch_ms and failure only)
                    row.ops[data["id"]] = {k: data.get(k) for k in
                                           ("id", "name", "start_ms", "end_ms", "failure")}
                if kind == "OutputOperationCompleted":
                    row.outputs_done += 1
                    if data["failure"]:
                        row.failures.append(data["failure"])
            elif kind.startswith("Receiver"):
                self.receivers[data["stream_id"]] = {k: data[k] for k in
                                                     ("name", "active", "error")}

    # -- queries ---------------------------------------------------------------------

    def processed(self) -> int:
        """Batches completed (among the retained ones).

        >>> StreamingUIListener().processed()
        0
        """
        return sum(1 for b in self.batches.values() if b.end_ms is not None)

    def waiting(self) -> int:
        """Batches generated but not started yet: the queue.

        >>> StreamingUIListener().waiting()
        0
        """
        return sum(1 for b in self.batches.values() if b.start_ms is None)

    def interval_ms(self) -> int | None:
        """The batch interval, read off consecutive batch times.

        >>> m = StreamingUIListener(); m.batches = {1000: None, 3000: None}; m.interval_ms()
        2000
        """
        times = list(self.batches)
        gaps = [b - a for a, b in zip(times, times[1:], strict=False) if b > a]
        return min(gaps) if gaps else None

    def is_active(self) -> bool:
        """True while batches keep coming (the page then refreshes itself).

        >>> StreamingUIListener().is_active()
        False
        """
        if self.started_ms is None or self.stopped_ms is not None:
            return False
        interval = (self.interval_ms() or 1000) / 1000
        return time.time() - self.last_event < max(5.0, 3 * interval)


def _batch(info: Any) -> dict:
    return {"batch_ms": info.batchTime().milliseconds(), "records": info.numRecords(),
            "submission_ms": info.submissionTime(), "start_ms": info.processingStartTime(),
            "end_ms": info.processingEndTime(), "outputs": len(info.outputOperationInfos())}


def _output_op(op: Any) -> dict:
    return {"batch_ms": op.batchTime().milliseconds(), "id": op.id(), "name": op.name(),
            "start_ms": op.startTime_, "end_ms": op.endTime_, "failure": op.failureReason()}


def _receiver(info: Any) -> dict:
    return {"stream_id": info.streamId(), "name": info.name(), "active": info.active(),
            "error": info.lastErrorMessage()}


def attach_streaming(ssc: Any, store: Any = None) -> StreamingUIListener | None:
    """Show ``ssc`` in the Streaming tab of its SparkContext's UI (or of ``store``) and
    write its events to the app's event log, if any; None when there is neither.

    >>> from minispark.streaming import StreamingContext
    >>> attach_streaming(StreamingContext(sc, 1)) is None   # sc has no UI in doctests
    True
    """
    existing = getattr(ssc, "_ui_streaming", None)
    if existing is not None and (store is None or existing.lock is store.lock):
        return existing   # already attached (StreamingContext does it when created)
    app_ui = getattr(ssc.sparkContext, "_ui", None)
    log = app_ui.log if app_ui is not None else None
    if store is None and app_ui is not None:
        store = app_ui.store   # (kept up to date only when the UI is on; fine for the log)
    if store is None:
        return None
    model = StreamingUIListener(store.lock, log)
    ssc.addStreamingListener(model)
    ssc._ui_streaming = model
    with store.lock:
        store.streaming = model
    return model
