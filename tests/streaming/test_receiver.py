"""Input streams: the live socket receiver (fed by datagen's replayer), its
reconnection after a dropped connection, and the file stream on the ManualClock."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from datagen import ReplayServer
from minispark.streaming import ManualClock, StreamingContext, StreamingListener
from minispark.streaming.testing import collect

# DStreams are deprecated in Spark 4 and both engines warn; these tests use them on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:DStream is deprecated:FutureWarning")


class Batches(StreamingListener):
    def __init__(self):
        self.records, self.errors, self.started = [], [], []

    def onBatchCompleted(self, e):
        self.records.append(e.batchInfo().numRecords())

    def onReceiverStarted(self, e):
        self.started.append(e.receiverInfo().name())

    def onReceiverError(self, e):
        self.errors.append(e.receiverInfo().lastErrorMessage())


def _wait(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)
    return condition()


@pytest.fixture
def no_reconnect(sc):
    """The replayer closes the connection at the end of its data and would replay it
    all to a new connection: keep the receiver from reconnecting during the test."""
    key = "spark.streaming.receiverRestartDelay"
    before = sc._conf.get(key, None)
    sc._conf.set(key, "600000")
    yield
    sc._conf.set(key, before or "2000")       # 2000 ms: Spark's default


def test_replayer_to_socketTextStream_counts_add_up(sc, tmp_path, no_reconnect):
    lines = [f"line {i}" for i in range(400)]
    (tmp_path / "log.txt").write_text("\n".join(lines) + "\n")
    counts = []
    listener = Batches()
    with ReplayServer([tmp_path], rate=800) as server:        # about 0.5 s of data
        ssc = StreamingContext(sc, 0.5)
        ssc.addStreamingListener(listener)
        stream = ssc.socketTextStream("127.0.0.1", server.port)
        # an empty batch has no partitions, so its count() RDD is empty (as in PySpark)
        stream.count().foreachRDD(lambda rdd: counts.append(sum(rdd.collect())))
        received = collect(stream)
        ssc.start()
        try:
            assert _wait(lambda: sum(counts) >= len(lines), 20), counts
        finally:
            ssc.stop(stopSparkContext=False, stopGraceFully=True)
        sent = server.lines_sent
    assert ssc._error is None, ssc._error
    assert sent == len(lines)
    assert sum(counts) == len(lines)
    assert [x for _, batch in received for x in batch] == lines     # in order, none lost
    assert listener.started == ["SocketReceiver"]
    assert sum(listener.records) == len(lines)


def _serve_twice(first, second):
    """A server that sends `first`, drops the client, then serves `second`."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(2)

    def run():
        for payload in (first, second):
            conn, _ = srv.accept()
            conn.sendall(payload)
            if payload is second:
                time.sleep(30)       # keep the second connection open
            conn.close()

    threading.Thread(target=run, daemon=True).start()
    return srv


def test_dropped_socket_is_reported_and_the_receiver_reconnects(sc):
    srv = _serve_twice(b"a\nb\r\nc", b"d\ne\n")
    listener = Batches()
    ssc = StreamingContext(sc, 0.5)
    ssc.addStreamingListener(listener)
    got = collect(ssc.socketTextStream("127.0.0.1", srv.getsockname()[1]))
    ssc.start()
    try:
        assert _wait(lambda: sum(len(b) for _, b in got) >= 5, 15), (got, listener.errors)
    finally:
        ssc.stop(stopSparkContext=False)
        srv.close()
    assert [x for _, b in got for x in b] == ["a", "b", "c", "d", "e"]
    assert any("Socket data stream had no more data" in e for e in listener.errors)


def test_textFileStream_takes_new_files_per_batch(sc, tmp_path):
    (tmp_path / "old.txt").write_text("ignored\n")           # present at start
    clock = ManualClock()
    ssc = StreamingContext(sc, 1, clock=clock)
    out = collect(ssc.textFileStream(str(tmp_path)), sort=True)
    ssc.start()
    (tmp_path / "b.txt").write_text("b1\nb2\n")
    (tmp_path / "a.txt").write_text("a1\n")
    (tmp_path / ".partial").write_text("hidden\n")
    clock.advance(1000)
    clock.advance(1000)
    (tmp_path / "c.txt").write_text("c1\n")
    clock.advance(1000)
    ssc.stop(False)
    assert [r for _, r in out] == [["a1", "b1", "b2"], [], ["c1"]]


def test_graceful_stop_processes_received_data(sc, tmp_path, no_reconnect):
    lines = [f"r{i}" for i in range(50)]
    (tmp_path / "log.txt").write_text("\n".join(lines) + "\n")
    with ReplayServer([tmp_path], rate=5000) as server:
        ssc = StreamingContext(sc, 0.5)
        got = collect(ssc.socketTextStream("127.0.0.1", server.port))
        ssc.start()
        assert _wait(lambda: server.lines_sent == len(lines), 10)
        time.sleep(0.1)
        ssc.stop(stopSparkContext=False, stopGraceFully=True)
    assert [x for _, b in got for x in b] == lines


def test_slow_batches_queue_and_the_scheduling_delay_grows(sc):
    """Processing (>= 0.3 s, by construction) is slower than the 0.1 s interval."""
    listener = Batches()
    delays = []

    class Delays(StreamingListener):
        def onBatchCompleted(self, e):
            delays.append(e.batchInfo().schedulingDelay())

    ssc = StreamingContext(sc, 0.1)
    ssc.addStreamingListener(listener)
    ssc.addStreamingListener(Delays())
    ssc.queueStream([[1]] * 50).foreachRDD(lambda rdd: time.sleep(0.3))
    ssc.start()
    try:
        assert _wait(lambda: len(delays) >= 5, 20)
    finally:
        ssc.stop(stopSparkContext=False)
    # batch k starts no earlier than 0.3 k s after the first, but was due 0.1 k s after it
    assert delays[4] >= 0.4 * 1000 * 0.9 + delays[0]
    assert delays[:5] == sorted(delays[:5])


class Events(StreamingListener):
    def __init__(self):
        self.kinds = []

    def onBatchSubmitted(self, e):
        self.kinds.append(("submitted", e.batchInfo().numRecords()))

    def onBatchStarted(self, e):
        self.kinds.append(("started", e.batchInfo().numRecords()))

    def onBatchCompleted(self, e):
        self.kinds.append(("completed", e.batchInfo().numRecords()))


@pytest.mark.parametrize("cores", [1, 2])
def test_receivers_that_hold_every_core_leave_the_batches_none(sc, monkeypatch, no_reconnect,
                                                                capsys, tmp_path, cores):
    """local[1] with one receiver (or local[2] with two) receives but processes nothing:
    the first batch is started and never completes, the next ones are only submitted,
    as PySpark 4.3 does (measured: local[1], socketTextStream, 8 s)."""
    monkeypatch.setattr(sc, "_num_workers", cores)
    clock, events = ManualClock(), Events()
    with ReplayServer([_lines_file(tmp_path)], rate=2000) as server:
        ssc = StreamingContext(sc, 1, clock=clock)
        ssc.addStreamingListener(events)
        streams = [ssc.socketTextStream("127.0.0.1", server.port) for _ in range(cores)]
        for stream in streams:
            stream.count().pprint()
        ssc.start()
        try:
            tracker = ssc._receiver_tracker
            assert tracker.cores_left() == 0
            assert _wait(lambda: tracker.has_unallocated(), 10)     # it does receive
            clock.advance(3000)
        finally:
            ssc.stop(stopSparkContext=False)
    kinds = [k for k, _ in events.kinds]
    assert kinds == ["submitted", "started", "submitted", "submitted"], events.kinds
    assert events.kinds[0][1] > 0                           # the records were received
    assert capsys.readouterr().out == ""                    # pprint never ran
    assert len(ssc._scheduler.starved) == 3 and ssc._scheduler.pending_times() == [
        1000, 2000, 3000]


def test_one_core_more_than_the_receivers_processes_every_batch(sc, monkeypatch,
                                                                no_reconnect, tmp_path):
    monkeypatch.setattr(sc, "_num_workers", 2)
    clock, events = ManualClock(), Events()
    with ReplayServer([_lines_file(tmp_path)], rate=2000) as server:
        ssc = StreamingContext(sc, 1, clock=clock)
        ssc.addStreamingListener(events)
        ssc.socketTextStream("127.0.0.1", server.port).count().foreachRDD(lambda rdd: None)
        ssc.start()
        try:
            assert ssc._receiver_tracker.cores_left() == 1
            clock.advance(2000)
        finally:
            ssc.stop(stopSparkContext=False)
    assert [k for k, _ in events.kinds] == ["submitted", "started", "completed"] * 2


def _lines_file(tmp_path):
    import tempfile
    from pathlib import Path
    folder = Path(tempfile.mkdtemp(prefix="starve-"))
    (folder / "log.txt").write_text("".join(f"line {i}\n" for i in range(200)))
    return folder
