"""What streaming events carry: a batch's times and delays, an output operation,
a receiver.

Read this file after listener.py. Each StreamingListener event holds one of
these records, read with Spark's method names (``batchInfo().totalDelay()``).
They are plain data, filled in by the scheduler as the batch goes along: the
submission time when the batch is generated, the processing start and end when
its jobs run, so a listener sees exactly what the Streaming tab shows.

Key terms (BatchInfo; times in ms)
  numRecords        records the receivers put in this batch
  schedulingDelay   processing start - submission: time waited in the queue
  processingDelay   processing end - processing start
  totalDelay        scheduling + processing delay

A batch keeping up with its input has a processing delay below the batch
interval and a scheduling delay that stays near 0; a growing scheduling delay
means the batches queue up (python -m benchmarks streaming measures both).

Next: receiver.py.
"""

from __future__ import annotations

__all__ = ["Time", "BatchInfo", "OutputOperationInfo", "ReceiverInfo"]


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
