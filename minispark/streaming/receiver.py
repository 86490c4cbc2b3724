"""Receivers: input streams fed by a long-running reader (socketTextStream).

Read this file after inputs.py, to learn how live data enters a stream. A
receiver is a long-running task beside the batch jobs (here: a thread in the
driver) that reads records and stores them in *blocks* (one per
``spark.streaming.blockInterval``, 200 ms). At each batch time the
ReceiverTracker allocates every block stored so far to that batch; the batch's
RDD has one partition per block, and its tasks read the blocks by name
(blocks.py): the data does not travel in them.

With ``spark.streaming.receiver.writeAheadLog.enable=true`` (and a checkpoint
directory) every block is stored in ``<checkpoint>/receivedData/<stream>/`` when
it is cut, before any batch can use it, and each batch's block numbers are saved
in the metadata checkpoint: a driver killed with SIGKILL re-reads them on
recovery, and blocks received but not yet given to a batch go to the first batch
after the restart. Only the last, partial block (under 200 ms) can be lost.

A dropped connection makes the socket receiver restart: it reports the error
to listeners (onReceiverError), waits ``spark.streaming.receiverRestartDelay``
(2 s) and reconnects; lines in flight when the socket broke are lost, as the
course text warns. Data that was stored survives.

Determinism: a socket program is graded by *recording*:
``minispark.streaming.testing.run_program`` feeds the program's
``socketTextStream``/``textFileStream`` a given list of batches (batch i of the
recording is the data of batch i), so the same code runs live in class and
deterministically under the grader. (A *live* receiver on a ManualClock still
reads in real time: each ``advance`` gives its batch whatever had arrived by
then, which depends on timing; grade with a recording instead.)

The ReceiverTracker, which starts these receivers and gives their blocks to
batches, is in tracker.py (re-exported here).

Next: tracker.py, then blocks.py.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from minispark.rdd import RDD
from minispark.streaming.blocks import (
    BlockRDD,
    BlockStore,
    BlockWriter,
    ReceivedBlock,
    read_wal_block,
    wal_blocks,
    wal_store,
    write_wal_block,
)
from minispark.streaming.inputs import FileInputDStream, InputDStream, QueueInputDStream
from minispark.streaming.listener import ReceiverInfo
from minispark.streaming.tracker import ReceiverTracker

if TYPE_CHECKING:
    from minispark.streaming.context import StreamingContext

__all__ = ["InputDStream", "QueueInputDStream", "FileInputDStream", "SocketInputDStream",
           "ReceiverTracker", "read_wal_block", "wal_blocks", "write_wal_block"]


class SocketReceiver:
    """Reads lines from a TCP server in a thread and stores them in blocks.

    The thread does as little as it can, because it shares the driver's
    interpreter (and its GIL) with the scheduler: it keeps the bytes of whole
    lines as they arrived and only counts the newlines. Decoding and splitting
    happen in the workers, when a task reads the block (blocks.py).
    """

    def __init__(self, ssc: StreamingContext, stream_id: int, host: str, port: int,
                 wal_dir: str | None = None, orphans: list[int] | None = None):
        conf = ssc._sc.getConf()
        self.host, self.port, self.stream_id = host, int(port), stream_id
        self.block_ms = _ms_setting(conf.get("spark.streaming.blockInterval", "200ms"))
        self.restart_ms = int(conf.get("spark.streaming.receiverRestartDelay", "2000"))
        self.bus = ssc._bus
        self._lock = threading.Lock()
        self.wal_dir = wal_dir
        if wal_dir is not None:      # the write-ahead log's files are the blocks
            self.block_store = wal_store(wal_dir)
        else:
            self.block_store = BlockStore(
                os.path.join(ssc._sc._local_dir, "received", str(stream_id)),
                f"input-{stream_id}-")
        self._blocks: list[ReceivedBlock] = []
        self._writing: BlockWriter | None = None   # the block being received
        self._partial = b""       # the start of a line still in flight (no b"\n" yet)
        self._next_seq = 0
        if wal_dir is not None:
            self._next_seq = max(wal_blocks(wal_dir), default=-1) + 1
            # received by a driver that died before giving them to a batch
            for seq in orphans or []:
                path = self.block_store.path(seq)
                with open(path, "rb") as f:
                    self._blocks.append(ReceivedBlock(seq, path, f.read().count(b"\n")))
        self._block_start = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.records_received = 0

    def info(self, active: bool, error: str = "") -> ReceiverInfo:
        """This receiver as listeners see it.

        >>> from minispark.streaming import StreamingContext
        >>> SocketReceiver(StreamingContext(sc, 1), 0, "h", 1).info(True).name()
        'SocketReceiver'
        """
        return ReceiverInfo(self.stream_id, "SocketReceiver", active, error)

    def start(self) -> None:
        """Connect and read in a thread (reconnecting after errors).

        >>> from minispark.streaming import StreamingContext
        >>> r = SocketReceiver(StreamingContext(sc, 1), 0, "127.0.0.1", 1)
        >>> r.restart_ms = 10; r.start(); r.stop()
        """
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"socket-receiver-{self.stream_id}")
        self._thread.start()

    def stop(self) -> None:
        """Stop reading and report it (what was stored stays).

        >>> from minispark.streaming import StreamingContext
        >>> SocketReceiver(StreamingContext(sc, 1), 0, "h", 1).stop()
        """
        self._stop.set()
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(5)
        self.bus.post("onReceiverStopped", self.info(False))

    def store(self, lines: list[str]) -> None:
        """Add records to the current block (Spark's ``Receiver.store``).

        >>> from minispark.streaming import StreamingContext
        >>> from minispark.streaming.blocks import read_lines
        >>> r = SocketReceiver(StreamingContext(sc, 1), 0, "h", 1); r.store(["a", "b"])
        >>> [(b.seq, b.records, read_lines(b.path)) for b in r.take_blocks()]
        [(0, 2, ['a', 'b'])]
        """
        if lines:
            self._store_bytes("".join(line + "\n" for line in lines).encode("utf-8"))

    def _store_bytes(self, data: bytes) -> None:
        """Add bytes as they came off the socket: the whole lines go to the
        current block's file at once (a memoryview: not copied), the start of
        a line still in flight waits for its end. Counting the newlines is all
        the work done per record here. A block is cut every block interval."""
        end = data.rfind(b"\n") + 1
        with self._lock:
            if end:
                if self._writing is None:
                    self._writing = self.block_store.writer(self._next_seq)
                    self._next_seq += 1
                count = data.count(b"\n")
                if self._partial:
                    self._writing.write(self._partial, 0)
                    self._partial = b""
                with memoryview(data) as view:
                    self._writing.write(view[:end], count)
                self.records_received += count
            if end < len(data):
                self._partial += data[end:]
            if (time.monotonic() - self._block_start) * 1000 >= self.block_ms:
                self._cut()

    def _cut(self) -> None:
        """Close the current block (a line still in flight goes to the next one)."""
        if self._writing is not None:
            self._blocks.append(self._writing.close())
            self._writing = None
        self._block_start = time.monotonic()

    def _end_partial_line(self, keep: bool) -> None:
        """At the end of a connection: the last line has no newline. Keep it as a
        record when the server closed cleanly, drop it when the socket broke."""
        if keep and self._partial:
            self._store_bytes(b"\n")
        self._partial = b""

    def take_blocks(self) -> list[ReceivedBlock]:
        """Every block stored so far, the partial one included (for one batch).

        >>> from minispark.streaming import StreamingContext
        >>> SocketReceiver(StreamingContext(sc, 1), 0, "h", 1).take_blocks()
        []
        """
        with self._lock:
            self._cut()
            blocks, self._blocks = self._blocks, []
            return blocks

    def _run(self) -> None:
        started = False
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2)
            except OSError as exc:
                self._error(f"Error connecting to {self.host}:{self.port}: {exc}")
                continue
            self._sock = sock
            if not started:
                started = True
                self.bus.post("onReceiverStarted", self.info(True))
            try:
                self._read(sock)
                self._end_partial_line(keep=not self._stop.is_set())
                if not self._stop.is_set():
                    self._error("Socket data stream had no more data")
            except OSError as exc:
                self._end_partial_line(keep=False)
                if not self._stop.is_set():
                    self._error(f"Error receiving data: {exc}")
            finally:
                self._sock = None
                sock.close()

    def _read(self, sock: socket.socket) -> None:
        sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                chunk = sock.recv(1 << 18)
            except TimeoutError:
                if self._writing is not None:
                    with self._lock:
                        if (time.monotonic() - self._block_start) * 1000 >= self.block_ms:
                            self._cut()
                continue
            if not chunk:
                return
            self._store_bytes(chunk)

    def _error(self, message: str) -> None:
        """Report, wait the restart delay, and let the loop reconnect."""
        self.bus.post("onReceiverError", self.info(
            True, f"Restarting receiver with delay {self.restart_ms}ms: {message}"))
        self._stop.wait(self.restart_ms / 1000.0)


def _ms_setting(value: str) -> int:
    """'200ms', '1s' or '200' -> milliseconds.

    >>> _ms_setting("200ms"), _ms_setting("1s"), _ms_setting("50")
    (200, 1000, 50)
    """
    value = str(value).strip().lower()
    if value.endswith("ms"):
        return int(value[:-2])
    if value.endswith("s"):
        return int(float(value[:-1]) * 1000)
    return int(value)


class SocketInputDStream(InputDStream):
    """socketTextStream: a receiver's blocks, one partition per block."""

    def __init__(self, ssc: StreamingContext, host: str, port: int, storageLevel: Any):
        super().__init__(ssc)
        self.host, self.port, self.storageLevel = host, int(port), storageLevel
        self.batch_blocks: dict[int, list[int]] = {}   # with the WAL: batch -> block numbers
        ssc._receiver_tracker.streams.append(self)

    def wal_dir(self) -> str | None:
        """Where this stream's write-ahead log lives, or None if it is off.

        >>> from minispark.streaming import StreamingContext
        >>> StreamingContext(sc, 1).socketTextStream("h", 1).wal_dir() is None
        True
        """
        ssc = self._ssc
        enabled = self._sc.getConf().get("spark.streaming.receiver.writeAheadLog.enable",
                                          "false").lower() == "true"
        if not enabled:
            return None
        if ssc._checkpoint_dir is None:
            raise ValueError("Cannot enable receiver write-ahead log without checkpoint "
                             "directory set. Please use streamingContext.checkpoint() to set "
                             "the checkpoint directory (ssc.checkpoint(directory)).")
        return os.path.join(ssc._checkpoint_dir, "receivedData", str(self._id))

    def make_receiver(self) -> SocketReceiver:
        """A receiver for this stream (with the WAL's unallocated blocks after recovery).

        >>> from minispark.streaming import StreamingContext
        >>> StreamingContext(sc, 1).socketTextStream("h", 1).make_receiver().port
        1
        """
        wal = self.wal_dir()
        orphans = None
        if wal is not None:
            used = {seq for seqs in self.batch_blocks.values() for seq in seqs}
            newest = max(used, default=-1)
            orphans = [seq for seq in wal_blocks(wal) if seq not in used and seq > newest]
        return SocketReceiver(self._ssc, self._id, self.host, self.port, wal, orphans)

    def _compute(self, time_ms: int) -> RDD | None:
        tracker = self._ssc._receiver_tracker
        if time_ms in self.batch_blocks:       # recovered: the batch's blocks are in the WAL
            store = wal_store(self.wal_dir())
            blocks = [ReceivedBlock(seq, store.path(seq), -1) for seq in self.batch_blocks[time_ms]]
        else:
            blocks = tracker.blocks_of(time_ms, self._id)
            if self.wal_dir() is not None:
                self.batch_blocks[time_ms] = [block.seq for block in blocks]
        if not blocks:
            return self._sc.emptyRDD()
        return BlockRDD(self._sc, self._id, blocks)

    def _clear_metadata(self, time_ms: int) -> None:
        # The blocks of forgotten batches go with them (Spark: spark.streaming.unpersist),
        # except the write-ahead log's, kept a while longer for recovery (below).
        forgotten = [rdd for t, rdd in self.generatedRDDs.items()
                     if t <= time_ms - (self._remember_ms or 0) and isinstance(rdd, BlockRDD)]
        super()._clear_metadata(time_ms)
        if self.wal_dir() is None:
            for rdd in forgotten:
                rdd.remove_blocks()
        old = [t for t in self.batch_blocks if t < time_ms - max(self._remember_ms or 0, 60_000)]
        wal = self.wal_dir() if old else None
        for t in old:
            for seq in self.batch_blocks.pop(t):
                try:
                    os.remove(os.path.join(wal, f"block-{seq:010d}"))
                except OSError:
                    pass
