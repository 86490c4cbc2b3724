"""ReceiverTracker: which received blocks belong to which batch.

Read this file after receiver.py. Receivers store records in blocks all the
time, batches are cut at fixed times; the tracker joins the two. At each batch
time the job generator (scheduler.py) calls ``allocate_blocks``: every block a
receiver has stored since the last batch, the partial one included, now
belongs to that batch, and ``SocketInputDStream._compute`` asks the tracker
for them (``blocks_of``) to build the batch's BlockRDD, one partition per block.

Key terms
  allocation     batch time -> stream id -> blocks; made once per batch, so a
                 batch computed again (a second output operation, a window)
                 sees the same blocks.
  unallocated    blocks received but not yet given to a batch: they go to the
                 next batch (``has_unallocated`` tells whether there are any).
  recovered      a batch whose block numbers were read back from the
                 write-ahead log (receiver.py): it is allocated nothing here,
                 its blocks come from the log.

Spark's ReceiverTracker also places receivers on executors and relaunches
them; here each receiver is a thread in the driver, so starting and stopping
them is all there is.

A receiver keeps a core. On Spark a receiver runs as a long-running task, which
holds one core (one task slot) for as long as it runs: an application with R
receivers needs more than R cores, or no batch job ever gets one. ``local[1]``
with one socket stream receives data but processes nothing (PySpark 4.3 warns
"spark.master should be set as local[n], n > 1 in local mode if you have
receivers to get data"). minispark's receivers are threads, but the tracker
counts them against ``local[N]``'s N (``cores_left``) and the scheduler holds
the batches back when none is left, so the same program starves the same way.

Next: blocks.py (what a block is and how a task reads it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from minispark.streaming.blocks import ReceivedBlock

if TYPE_CHECKING:
    from minispark.streaming.context import StreamingContext
    from minispark.streaming.receiver import SocketInputDStream, SocketReceiver

__all__ = ["ReceiverTracker"]


class ReceiverTracker:
    """Starts the receivers and hands their blocks to batches."""

    def __init__(self, ssc: StreamingContext):
        self.ssc = ssc
        self.streams: list[SocketInputDStream] = []
        self.receivers: dict[int, SocketReceiver] = {}
        self.allocated: dict[int, dict[int, list[ReceivedBlock]]] = {}

    def start(self) -> None:
        """Start one receiver per receiver stream.

        >>> from minispark.streaming import StreamingContext
        >>> t = ReceiverTracker(StreamingContext(sc, 1)); t.start(); t.stop()
        """
        for stream in self.streams:
            stream.wal_dir()                  # fails now, not at the first block
            receiver = stream.make_receiver()
            self.receivers[stream._id] = receiver
            receiver.start()

    def stop(self) -> None:
        """Stop every receiver (what it stored stays allocatable).

        >>> from minispark.streaming import StreamingContext
        >>> ReceiverTracker(StreamingContext(sc, 1)).stop()
        """
        for receiver in self.receivers.values():
            receiver.stop()

    def cores_left(self) -> int:
        """Task slots (``local[N]``: N) that the running receivers leave to the batches.

        >>> from minispark.streaming import StreamingContext
        >>> ReceiverTracker(StreamingContext(sc, 1)).cores_left()    # local[2], no receiver
        2
        """
        return self.ssc._sc._num_workers - len(self.receivers)

    def has_unallocated(self) -> bool:
        """Whether a receiver holds records no batch has taken yet.

        >>> from minispark.streaming import StreamingContext
        >>> ReceiverTracker(StreamingContext(sc, 1)).has_unallocated()
        False
        """
        return any(r._blocks or r._writing for r in self.receivers.values())

    def allocate_blocks(self, time_ms: int) -> None:
        """Give batch ``time_ms`` every block received since the last batch.

        >>> from minispark.streaming import StreamingContext
        >>> t = ReceiverTracker(StreamingContext(sc, 1)); t.allocate_blocks(1000); t.allocated
        {1000: {}}
        """
        if time_ms in self.allocated:
            return
        if any(time_ms in s.batch_blocks for s in self.streams):
            self.allocated[time_ms] = {}        # a recovered batch: its blocks are in the WAL
            return
        self.allocated[time_ms] = {sid: r.take_blocks() for sid, r in self.receivers.items()}

    def blocks_of(self, time_ms: int, stream_id: int) -> list[ReceivedBlock]:
        """The blocks of one stream in one batch.

        >>> from minispark.streaming import StreamingContext
        >>> t = ReceiverTracker(StreamingContext(sc, 1))
        >>> t.allocated = {1000: {0: [ReceivedBlock(0, "input-0-0", 3)]}}
        >>> t.blocks_of(1000, 0), t.records_of(1000)
        ([ReceivedBlock(seq=0, path='input-0-0', records=3)], 3)
        """
        return self.allocated.get(time_ms, {}).get(stream_id, [])

    def records_of(self, time_ms: int) -> int:
        """How many records the receivers put in batch ``time_ms``.

        >>> from minispark.streaming import StreamingContext
        >>> ReceiverTracker(StreamingContext(sc, 1)).records_of(1000)
        0
        """
        return sum(block.records for blocks in self.allocated.get(time_ms, {}).values()
                   for block in blocks)

    def clear(self, time_ms: int) -> None:
        """Forget the allocations of batches before ``time_ms`` (their RDDs hold the data).

        >>> from minispark.streaming import StreamingContext
        >>> t = ReceiverTracker(StreamingContext(sc, 1)); t.allocated = {1000: {}, 2000: {}}
        >>> t.clear(2000); list(t.allocated)
        [2000]
        """
        for t in [t for t in self.allocated if t < time_ms]:
            del self.allocated[t]
