"""StreamingListener: what the Streaming tab of the Spark UI is built from.

Read this file to learn what a streaming application reports. Every batch is
submitted (generated), started and completed; each of its output operations
starts and completes; receivers start, fail (e.g. a dropped socket) and stop.
``ssc.addStreamingListener(listener)`` registers an object whose methods, with
PySpark's names, receive these events:

  onStreamingStarted, onBatchSubmitted, onBatchStarted, onBatchCompleted,
  onOutputOperationStarted, onOutputOperationCompleted,
  onReceiverStarted, onReceiverError, onReceiverStopped

minispark-only: a listener that defines ``onStreamingStopped(event)`` also
hears when the context stops (``event.time``, ms); PySpark has no such event,
and the UI's Streaming tab uses it to say the stream stopped.

As in PySpark (where the events are Java objects), the event's contents are
read with methods: ``batchCompleted.batchInfo().schedulingDelay()``.

What the events carry (BatchInfo, OutputOperationInfo, ReceiverInfo) is in
batchinfo.py.

Events are delivered synchronously, in order, on the thread that runs the
batch; a listener that raises is reported on stderr and skipped.

Next: batchinfo.py (what the events carry), then receiver.py.
"""

from __future__ import annotations

import sys
import threading
import traceback
from typing import Any

from minispark.streaming.batchinfo import BatchInfo, OutputOperationInfo, ReceiverInfo, Time

__all__ = ["StreamingListener", "BatchInfo", "OutputOperationInfo", "ReceiverInfo", "Time",
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
