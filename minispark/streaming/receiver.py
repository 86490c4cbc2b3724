"""Input streams: queues, directories of files, and receivers (sockets).

Read this file to learn where a stream's data comes from. An *input* DStream
is the root of the graph; at every batch time the generator asks it for the
RDD of that batch. There are two kinds, as in Spark:

  Without a receiver   queueStream (a queue of RDDs: one per batch) and
                       textFileStream (the files that appeared in a directory
                       since the last batch). Nothing runs between batches.
  With a receiver      socketTextStream. A receiver is a long-running task
                       beside the batch jobs (here: a thread in the driver)
                       that reads records and stores them in *blocks* (one
                       per ``spark.streaming.blockInterval``, 200 ms). At each
                       batch time the ReceiverTracker allocates every block
                       stored so far to that batch; the batch's RDD has one
                       partition per block.

With ``spark.streaming.receiver.writeAheadLog.enable=true`` (and a checkpoint
directory) every block is written to ``<checkpoint>/receivedData/<stream>/`` when
it is cut, before any batch can use it, and each batch's block numbers are saved
in the metadata checkpoint: a driver killed with SIGKILL re-reads them on
recovery, and blocks received but not yet given to a batch go to the first batch
after the restart. Only the last, partial block (under 200 ms) can be lost.

A dropped connection makes the socket receiver restart: it reports the error
to listeners (onReceiverError), waits ``spark.streaming.receiverRestartDelay``
(2 s) and reconnects; lines in flight when the socket broke are lost, as the
course text warns. Data that was stored survives.

Determinism: a file stream is deterministic on a ManualClock (a batch takes the
files present at its time and not taken before, by name). A socket program is
graded by *recording*: ``minispark.streaming.testing.run_program`` feeds the
program's ``socketTextStream``/``textFileStream`` a given list of batches
(batch i of the recording is the data of batch i), so the same code runs live
in class and deterministically under the grader. (A *live* receiver on a
ManualClock still reads in real time: each ``advance`` gives its batch whatever
had arrived by then, which depends on timing; grade with a recording instead.)

Next: window.py.
"""

from __future__ import annotations

import os
import pickle
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from minispark.rdd import RDD
from minispark.rdds.parallel import ParallelCollectionRDD
from minispark.streaming.dstream import DStream
from minispark.streaming.listener import ReceiverInfo

if TYPE_CHECKING:
    from minispark.streaming.context import StreamingContext

__all__ = ["InputDStream", "QueueInputDStream", "FileInputDStream", "SocketInputDStream",
           "ReceiverTracker"]


class InputDStream(DStream):
    """The root of a DStream graph: slides every batch."""

    def __init__(self, ssc: StreamingContext):
        super().__init__(ssc, [])
        ssc._graph.inputs.append(self)

    @property
    def _slide_ms(self) -> int:
        return self._ssc._graph.batch_ms


class QueueInputDStream(InputDStream):
    """Each batch takes the next RDD of a queue (or all of them: oneAtATime=False);
    when the queue is empty, the ``default`` RDD, or an empty RDD of one partition
    (so ``count()`` of such a batch is [0], as in PySpark)."""

    def __init__(self, ssc: StreamingContext, rdds: Iterable[RDD], oneAtATime: bool,
                 default: RDD | None):
        super().__init__(ssc)
        self.queue: deque[RDD] = deque(rdds)
        self.oneAtATime = oneAtATime
        self.default = default

    def __getstate__(self) -> dict:
        # Spark: "queueStream doesn't support checkpointing"; the RDDs stay behind.
        state = super().__getstate__()
        state["queue"], state["default"] = deque(), None
        return state

    def _compute(self, time_ms: int) -> RDD | None:
        if not self.queue:
            if self.default is not None:
                return self.default
            return self._sc.parallelize([], 1)   # Spark's default: empty, one partition
        if self.oneAtATime:
            return self.queue.popleft()
        rdds = list(self.queue)
        self.queue.clear()
        return self._sc.union(rdds)


class FileInputDStream(InputDStream):
    """New text files of a directory: each batch reads the files that appeared
    since the previous batch (files present at start are ignored, as in Spark;
    names starting with '.' or '_' are skipped: write elsewhere, then move in)."""

    def __init__(self, ssc: StreamingContext, directory: str):
        super().__init__(ssc)
        self.directory = os.path.abspath(directory)
        self.seen: set[str] = set()
        self.batch_files: dict[int, list[str]] = {}   # saved in metadata checkpoints
        self._started = False

    def _list(self) -> list[str]:
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        return sorted(os.path.join(self.directory, n) for n in names
                      if not n.startswith((".", "_"))
                      and os.path.isfile(os.path.join(self.directory, n)))

    def start(self) -> None:
        """Remember the files already there: only newer ones are read.

        >>> import os, tempfile; d = tempfile.mkdtemp(); _ = open(os.path.join(d, "a"), "w")
        >>> from minispark.streaming import StreamingContext
        >>> s = StreamingContext(sc, 1).textFileStream(d); s.start(); len(s.seen)
        1
        """
        if not self._started:
            self._started = True
            self.seen.update(self._list())

    def _compute(self, time_ms: int) -> RDD | None:
        files = self.batch_files.get(time_ms)
        if files is None:
            listed = self._list()
            files = [f for f in listed if f not in self.seen]
            self.seen.intersection_update(listed)    # forget deleted files: stays small
            self.seen.update(files)
            self.batch_files[time_ms] = files
        if not files:
            return self._sc.emptyRDD()
        return self._sc.textFile(",".join(files))

    def _clear_metadata(self, time_ms: int) -> None:
        super()._clear_metadata(time_ms)
        keep = time_ms - max(self._remember_ms or 0, 60_000)
        for t in [t for t in self.batch_files if t < keep]:
            del self.batch_files[t]


class SocketReceiver:
    """Reads lines from a TCP server in a thread and stores them in blocks."""

    def __init__(self, ssc: StreamingContext, stream_id: int, host: str, port: int,
                 wal_dir: str | None = None, orphans: list[int] | None = None):
        conf = ssc._sc.getConf()
        self.host, self.port, self.stream_id = host, int(port), stream_id
        self.block_ms = _ms_setting(conf.get("spark.streaming.blockInterval", "200ms"))
        self.restart_ms = int(conf.get("spark.streaming.receiverRestartDelay", "2000"))
        self.bus = ssc._bus
        self._lock = threading.Lock()
        self.wal_dir = wal_dir
        self._blocks: list[tuple[int, list[str]]] = []      # (block number, records)
        self._current: list[str] = []
        self._next_seq = 0
        if wal_dir is not None:
            os.makedirs(wal_dir, exist_ok=True)
            on_disk = wal_blocks(wal_dir)
            self._next_seq = max(on_disk, default=-1) + 1
            # received by a driver that died before giving them to a batch
            self._blocks = [(seq, read_wal_block(wal_dir, seq)) for seq in orphans or []]
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
        """Add records to the current block; a block is cut every block interval.

        >>> from minispark.streaming import StreamingContext
        >>> r = SocketReceiver(StreamingContext(sc, 1), 0, "h", 1); r.store(["a", "b"])
        >>> r.take_blocks()
        [(0, ['a', 'b'])]
        """
        with self._lock:
            self._current.extend(lines)
            self.records_received += len(lines)
            if (time.monotonic() - self._block_start) * 1000 >= self.block_ms:
                self._cut()

    def _cut(self) -> None:
        if self._current:
            seq, self._next_seq = self._next_seq, self._next_seq + 1
            if self.wal_dir is not None:
                write_wal_block(self.wal_dir, seq, self._current)
            self._blocks.append((seq, self._current))
            self._current = []
        self._block_start = time.monotonic()

    def take_blocks(self) -> list[tuple[int, list[str]]]:
        """Every block stored so far, the partial one included (for one batch), as
        (block number, records).

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
                if not self._stop.is_set():
                    self._error("Socket data stream had no more data")
            except OSError as exc:
                if not self._stop.is_set():
                    self._error(f"Error receiving data: {exc}")
            finally:
                self._sock = None
                sock.close()

    def _read(self, sock: socket.socket) -> None:
        sock.settimeout(0.2)
        rest = b""
        while not self._stop.is_set():
            try:
                chunk = sock.recv(1 << 18)
            except TimeoutError:
                if self._current:
                    with self._lock:
                        if (time.monotonic() - self._block_start) * 1000 >= self.block_ms:
                            self._cut()
                continue
            if not chunk:
                if rest:
                    self.store([rest.decode("utf-8", "replace").rstrip("\r")])
                return
            complete, _, rest = (rest + chunk).rpartition(b"\n")
            if complete or _:
                text = complete.decode("utf-8", "replace")
                lines = text.split("\n")
                if "\r" in text:
                    lines = [line.rstrip("\r") for line in lines]
                self.store(lines)

    def _error(self, message: str) -> None:
        """Report, wait the restart delay, and let the loop reconnect."""
        self.bus.post("onReceiverError", self.info(
            True, f"Restarting receiver with delay {self.restart_ms}ms: {message}"))
        self._stop.wait(self.restart_ms / 1000.0)


def write_wal_block(wal_dir: str, seq: int, records: list[str]) -> None:
    """Write one block to the write-ahead log, atomically.

    >>> import tempfile; d = tempfile.mkdtemp(); write_wal_block(d, 0, ["a"]); wal_blocks(d)
    [0]
    """
    path = os.path.join(wal_dir, f"block-{seq:010d}")
    with open(path + ".tmp", "wb") as f:
        pickle.dump(records, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(path + ".tmp", path)


def read_wal_block(wal_dir: str, seq: int) -> list[str]:
    """Read one block back from the write-ahead log.

    >>> import tempfile; d = tempfile.mkdtemp(); write_wal_block(d, 1, ["a"])
    >>> read_wal_block(d, 1)
    ['a']
    """
    with open(os.path.join(wal_dir, f"block-{seq:010d}"), "rb") as f:
        return pickle.load(f)


def wal_blocks(wal_dir: str) -> list[int]:
    """The block numbers in a write-ahead log directory.

    >>> import tempfile; d = tempfile.mkdtemp(); write_wal_block(d, 3, ["x"])
    >>> wal_blocks(d), read_wal_block(d, 3)
    ([3], ['x'])
    """
    try:
        names = os.listdir(wal_dir)
    except FileNotFoundError:
        return []
    return sorted(int(n[6:]) for n in names if n.startswith("block-") and n[6:].isdigit())


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
        if time_ms in self.batch_blocks:       # recovered: read the batch back from the WAL
            wal = self.wal_dir()
            blocks = [read_wal_block(wal, seq) for seq in self.batch_blocks[time_ms]]
        else:
            numbered = tracker.blocks_of(time_ms, self._id)
            if self.wal_dir() is not None:
                self.batch_blocks[time_ms] = [seq for seq, _ in numbered]
            blocks = [records for _, records in numbered]
        if not blocks:
            return self._sc.emptyRDD()
        return ParallelCollectionRDD(self._sc, blocks)

    def _clear_metadata(self, time_ms: int) -> None:
        super()._clear_metadata(time_ms)
        old = [t for t in self.batch_blocks if t < time_ms - max(self._remember_ms or 0, 60_000)]
        wal = self.wal_dir() if old else None
        for t in old:
            for seq in self.batch_blocks.pop(t):
                try:
                    os.remove(os.path.join(wal, f"block-{seq:010d}"))
                except OSError:
                    pass


class ReceiverTracker:
    """Starts the receivers and hands their blocks to batches."""

    def __init__(self, ssc: StreamingContext):
        self.ssc = ssc
        self.streams: list[SocketInputDStream] = []
        self.receivers: dict[int, SocketReceiver] = {}
        self.allocated: dict[int, dict[int, list[tuple[int, list[str]]]]] = {}

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

    def has_unallocated(self) -> bool:
        """Whether a receiver holds records no batch has taken yet.

        >>> from minispark.streaming import StreamingContext
        >>> ReceiverTracker(StreamingContext(sc, 1)).has_unallocated()
        False
        """
        return any(r._blocks or r._current for r in self.receivers.values())

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

    def blocks_of(self, time_ms: int, stream_id: int) -> list[tuple[int, list[str]]]:
        """The blocks of one stream in one batch, as (block number, records).

        >>> from minispark.streaming import StreamingContext
        >>> t = ReceiverTracker(StreamingContext(sc, 1)); t.allocated = {1000: {0: [(0, ["x"])]}}
        >>> t.blocks_of(1000, 0), t.records_of(1000)
        ([(0, ['x'])], 1)
        """
        return self.allocated.get(time_ms, {}).get(stream_id, [])

    def records_of(self, time_ms: int) -> int:
        """How many records the receivers put in batch ``time_ms``.

        >>> from minispark.streaming import StreamingContext
        >>> ReceiverTracker(StreamingContext(sc, 1)).records_of(1000)
        0
        """
        return sum(len(b) for blocks in self.allocated.get(time_ms, {}).values()
                   for _, b in blocks)

    def clear(self, time_ms: int) -> None:
        """Forget the allocations of batches before ``time_ms`` (their RDDs hold the data).

        >>> from minispark.streaming import StreamingContext
        >>> t = ReceiverTracker(StreamingContext(sc, 1)); t.allocated = {1000: {}, 2000: {}}
        >>> t.clear(2000); list(t.allocated)
        [2000]
        """
        for t in [t for t in self.allocated if t < time_ms]:
            del self.allocated[t]
