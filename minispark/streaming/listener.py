"""StreamingListener: what the Streaming tab of the Spark UI is built from.

Read this file to learn what a streaming application reports. Every batch is
submitted (generated), started and completed; each of its output operations
starts and completes; receivers start, fail (e.g. a dropped socket) and stop.
``ssc.addStreamingListener(listener)`` registers an object whose methods, with
PySpark's names, receive these events:

  onStreamingStarted, onBatchSubmitted, onBatchStarted, onBatchCompleted,
  onOutputOperationStarted, onOutputOperationCompleted,
  onReceiverStarted, onReceiverError, onReceiverStopped

As in PySpark (where the events are Java objects), the event's contents are
read with methods: ``batchCompleted.batchInfo().schedulingDelay()``.

Key terms (BatchInfo; times in ms)
  numRecords        records the receivers put in this batch
  schedulingDelay   processing start - submission: time waited in the queue
  processingDelay   processing end - processing start
  totalDelay        scheduling + processing delay

Events are delivered synchronously, in order, on the thread that runs the
batch; a listener that raises is reported on stderr and skipped.

Next: receiver.py (the receivers whose events appear here).
"""

from __future__ import annotations

import sys
import threading
import traceback
from typing import Any

__all__ = ["StreamingListener", "BatchInfo", "OutputOperationInfo", "ReceiverInfo",
           "StreamingEventCollector"]


class StreamingListener:
    """Override the methods you need; each receives one event object.

    >>> class Printer(StreamingListener):
    ...     def onBatchCompleted(self, batchCompleted):
    ...         print(batchCompleted.batchInfo().numRecords())
    >>> Printer().onBatchSubmitted(None)
    """

    def onStreamingStarted(self, streamingStarted: Any) -> None:
        """The context started: ``streamingStarted.time`` (ms).

        >>> StreamingListener().onStreamingStarted(None)   # the default does nothing
        """

    def onReceiverStarted(self, receiverStarted: Any) -> None:
        """A receiver started: ``receiverStarted.receiverInfo()``.

        >>> StreamingListener().onReceiverStarted(None)   # the default does nothing
        """

    def onReceiverError(self, receiverError: Any) -> None:
        """A receiver reported an error (``receiverInfo().lastErrorMessage()``).

        >>> StreamingListener().onReceiverError(None)   # the default does nothing
        """

    def onReceiverStopped(self, receiverStopped: Any) -> None:
        """A receiver stopped.

        >>> StreamingListener().onReceiverStopped(None)   # the default does nothing
        """

    def onBatchSubmitted(self, batchSubmitted: Any) -> None:
        """A batch's jobs were generated: ``batchSubmitted.batchInfo()``.

        >>> StreamingListener().onBatchSubmitted(None)   # the default does nothing
        """

    def onBatchStarted(self, batchStarted: Any) -> None:
        """A batch's first job started.

        >>> StreamingListener().onBatchStarted(None)   # the default does nothing
        """

    def onBatchCompleted(self, batchCompleted: Any) -> None:
        """A batch's jobs all finished: ``batchCompleted.batchInfo()``.

        >>> StreamingListener().onBatchCompleted(None)   # the default does nothing
        """

    def onOutputOperationStarted(self, outputOperationStarted: Any) -> None:
        """An output operation of a batch started: ``.outputOperationInfo()``.

        >>> StreamingListener().onOutputOperationStarted(None)   # the default does nothing
        """

    def onOutputOperationCompleted(self, outputOperationCompleted: Any) -> None:
        """An output operation of a batch finished (``failureReason()`` if it failed).

        >>> StreamingListener().onOutputOperationCompleted(None)   # the default does nothing
        """


class Time:
    """A batch time as Spark's ``Time``: ``milliseconds()``."""

    def __init__(self, ms: int):
        self._ms = ms

    def milliseconds(self) -> int:
        """The time in ms.

        >>> Time(5).milliseconds()
        5
        """
        return self._ms

    def __repr__(self) -> str:
        return f"{self._ms} ms"


class BatchInfo:
    """One batch, as listeners see it (methods named as in Spark's BatchInfo).

    >>> info = BatchInfo(2000, 7, 2001, [])
    >>> info.processingStartTime_, info.processingEndTime_ = 2011, 2061
    >>> info.batchTime().milliseconds(), info.numRecords(), info.schedulingDelay(), \\
    ...     info.processingDelay(), info.totalDelay()
    (2000, 7, 10, 50, 60)
    """

    def __init__(self, time_ms: int, records: int, submission_ms: int,
                 outputs: list[OutputOperationInfo]):
        self.time_ms = time_ms
        self.numRecords_ = records
        self.submissionTime_ = submission_ms
        self.processingStartTime_: int | None = None
        self.processingEndTime_: int | None = None
        self.outputOperationInfos_ = outputs

    def batchTime(self) -> Time:
        """The batch's time.

        >>> BatchInfo(2000, 0, 2000, []).batchTime().milliseconds()
        2000
        """
        return Time(self.time_ms)

    def numRecords(self) -> int:
        """Records received for this batch (0 for queue streams, as in Spark).

        >>> BatchInfo(2000, 7, 2000, []).numRecords()
        7
        """
        return self.numRecords_

    def submissionTime(self) -> int:
        """When the batch's jobs were generated (ms since the epoch).

        >>> BatchInfo(2000, 0, 2003, []).submissionTime()
        2003
        """
        return self.submissionTime_

    def processingStartTime(self) -> int | None:
        """When its first job started, or None.

        >>> BatchInfo(2000, 0, 2000, []).processingStartTime() is None
        True
        """
        return self.processingStartTime_

    def processingEndTime(self) -> int | None:
        """When its last job ended, or None.

        >>> BatchInfo(2000, 0, 2000, []).processingEndTime() is None
        True
        """
        return self.processingEndTime_

    def schedulingDelay(self) -> int | None:
        """ms the batch waited before processing started.

        >>> BatchInfo(2000, 0, 2000, []).schedulingDelay() is None
        True
        """
        if self.processingStartTime_ is None:
            return None
        return self.processingStartTime_ - self.submissionTime_

    def processingDelay(self) -> int | None:
        """ms its jobs took.

        >>> BatchInfo(2000, 0, 2000, []).processingDelay() is None
        True
        """
        if self.processingStartTime_ is None or self.processingEndTime_ is None:
            return None
        return self.processingEndTime_ - self.processingStartTime_

    def totalDelay(self) -> int | None:
        """Scheduling plus processing delay, in ms.

        >>> BatchInfo(2000, 0, 2000, []).totalDelay() is None
        True
        """
        if self.processingEndTime_ is None:
            return None
        return self.processingEndTime_ - self.submissionTime_

    def outputOperationInfos(self) -> dict[int, OutputOperationInfo]:
        """The batch's output operations by id.

        >>> info = BatchInfo(2000, 0, 2000, [OutputOperationInfo(2000, 0, "f")])
        >>> info.outputOperationInfos()[0].name()
        'f'
        """
        return {o.id_: o for o in self.outputOperationInfos_}

    def __repr__(self) -> str:
        return (f"BatchInfo(batchTime={self.time_ms} ms, numRecords={self.numRecords_}, "
                f"schedulingDelay={self.schedulingDelay()}, "
                f"processingDelay={self.processingDelay()})")


class OutputOperationInfo:
    """One output operation of one batch.

    >>> OutputOperationInfo(1000, 0, "pprint").name()
    'pprint'
    """

    def __init__(self, time_ms: int, op_id: int, name: str):
        self.time_ms, self.id_, self.name_ = time_ms, op_id, name
        self.startTime_: int | None = None
        self.endTime_: int | None = None
        self.failureReason_: str | None = None

    def batchTime(self) -> Time:
        """The batch's time.

        >>> OutputOperationInfo(1000, 0, "f").batchTime().milliseconds()
        1000
        """
        return Time(self.time_ms)

    def id(self) -> int:
        """The operation's index, in declaration order.

        >>> OutputOperationInfo(1000, 2, "f").id()
        2
        """
        return self.id_

    def name(self) -> str:
        """The output function's name.

        >>> OutputOperationInfo(1000, 0, "pprint").name()
        'pprint'
        """
        return self.name_

    def failureReason(self) -> str | None:
        """Why it failed, or None.

        >>> OutputOperationInfo(1000, 0, "f").failureReason() is None
        True
        """
        return self.failureReason_

    def duration(self) -> int | None:
        """How long it ran, in ms.

        >>> OutputOperationInfo(1000, 0, "f").duration() is None
        True
        """
        if self.startTime_ is None or self.endTime_ is None:
            return None
        return self.endTime_ - self.startTime_


class ReceiverInfo:
    """A receiver as listeners see it.

    >>> ReceiverInfo(0, "SocketReceiver", True, "").name()
    'SocketReceiver'
    """

    def __init__(self, stream_id: int, name: str, active: bool, error: str):
        self.streamId_, self.name_, self.active_, self.lastErrorMessage_ = \
            stream_id, name, active, error

    def streamId(self) -> int:
        """The input stream's id.

        >>> ReceiverInfo(3, "r", True, "").streamId()
        3
        """
        return self.streamId_

    def name(self) -> str:
        """The receiver's name.

        >>> ReceiverInfo(0, "SocketReceiver", True, "").name()
        'SocketReceiver'
        """
        return self.name_

    def active(self) -> bool:
        """Whether it is running.

        >>> ReceiverInfo(0, "r", False, "").active()
        False
        """
        return self.active_

    def lastErrorMessage(self) -> str:
        """Its last error, or ''.

        >>> ReceiverInfo(0, "r", True, "boom").lastErrorMessage()
        'boom'
        """
        return self.lastErrorMessage_


class _Event:
    def __init__(self, kind: str, payload: Any):
        self.kind, self.payload = kind, payload

    def batchInfo(self) -> BatchInfo:
        return self.payload

    def outputOperationInfo(self) -> OutputOperationInfo:
        return self.payload

    def receiverInfo(self) -> ReceiverInfo:
        return self.payload

    @property
    def time(self) -> int:
        return self.payload

    def __repr__(self) -> str:
        return f"{self.kind}({self.payload!r})"


class StreamingListenerBus:
    """Delivers events to the registered listeners, in order.

    >>> bus = StreamingListenerBus(); got = []
    >>> class L(StreamingListener):
    ...     def onBatchSubmitted(self, e): got.append(e.batchInfo().numRecords())
    >>> bus.add(L()); bus.post("onBatchSubmitted", BatchInfo(1000, 3, 1000, [])); got
    [3]
    """

    def __init__(self) -> None:
        self._listeners: list[Any] = []
        self._lock = threading.Lock()

    def add(self, listener: Any) -> None:
        """Register a listener.

        >>> StreamingListenerBus().add(StreamingListener())
        """
        with self._lock:
            self._listeners.append(listener)

    def post(self, kind: str, payload: Any) -> None:
        """Call ``listener.<kind>(event)`` on every listener (a failing one is reported).

        >>> StreamingListenerBus().post("onBatchCompleted", None)
        """
        event = _Event(kind, payload)
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            method = getattr(listener, kind, None)
            if method is None:
                continue
            try:
                method(event)
            except Exception:  # a broken listener must never break the stream
                print(f"StreamingListener {listener!r} failed in {kind}:\n"
                      f"{traceback.format_exc()}", file=sys.stderr)


class StreamingEventCollector(StreamingListener):
    """Records every event (minispark-only, for tests and graders).

    >>> c = StreamingEventCollector(); c.onBatchCompleted(_Event("x", 1)); c.kinds()
    ['onBatchCompleted']
    """

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def kinds(self) -> list[str]:
        """The names of the events received, in order.

        >>> StreamingEventCollector().kinds()
        []
        """
        return [k for k, _ in self.events]

    def batches(self) -> list[BatchInfo]:
        """The BatchInfo of every completed batch.

        >>> c = StreamingEventCollector()
        >>> c.onBatchCompleted(_Event("onBatchCompleted", BatchInfo(1000, 2, 1000, [])))
        >>> [b.numRecords() for b in c.batches()]
        [2]
        """
        return [e.batchInfo() for k, e in self.events if k == "onBatchCompleted"]

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on") and name in StreamingListener.__dict__:
            return lambda event: self.events.append((name, event))
        return super().__getattribute__(name)
