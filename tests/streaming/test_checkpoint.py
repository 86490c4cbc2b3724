"""Metadata checkpoints and recovery: a driver killed with SIGKILL resumes with
getOrCreate, and its state ends exactly where an uninterrupted run would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from minispark.streaming import ManualClock, StreamingContext
from minispark.streaming.checkpoint import read_latest

# DStreams are deprecated in Spark 4 and both engines warn; these tests use them on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:DStream is deprecated:FutureWarning")
ROOT = Path(__file__).resolve().parents[2]

APP = r"""
import json, os, sys, warnings
warnings.simplefilter("ignore")
from minispark import SparkConf, SparkContext
from minispark.streaming import StreamingContext

ckpt, indir, outfile = sys.argv[1:4]
sc = SparkContext("local[1]", "recovery",
                  conf=SparkConf().set("spark.ui.showConsoleProgress", "false"))

def setup():
    ssc = StreamingContext(sc, 0.5)
    words = ssc.textFileStream(indir).flatMap(str.split).map(lambda w: (w, 1))
    totals = words.updateStateByKey(lambda vs, st: sum(vs) + (st or 0))

    def dump(t, rdd):
        tmp = outfile + ".tmp"
        with open(tmp, "w") as f:
            json.dump(dict(rdd.collect()), f)
        os.replace(tmp, outfile)

    totals.foreachRDD(dump)
    return ssc

ssc = StreamingContext.getOrCreate(ckpt, setup)
print("recovered" if ssc._recovering else "fresh", flush=True)
ssc.start()
ssc.awaitTermination()
"""

FILES = [f"w{i % 3} common x{i}" for i in range(8)]   # file i holds one line


def _start(ckpt, indir, outfile):
    return subprocess.Popen([sys.executable, "-c", APP, str(ckpt), str(indir), str(outfile)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _drop(indir, i):
    tmp = indir / f".tmp{i}"
    tmp.write_text(FILES[i] + "\n")
    os.replace(tmp, indir / f"f{i:02d}.txt")          # appears whole, as Spark asks


def _wait_for(outfile, expected, proc, timeout=30):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        try:
            last = json.loads(outfile.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            last = None
        if last == expected:
            return last
        time.sleep(0.05)
    raise AssertionError(f"totals {last} never reached {expected}")


def _expected(n):
    return dict(Counter(w for line in FILES[:n] for w in line.split()))


def test_sigkill_and_getOrCreate_resume_with_exact_totals(tmp_path):
    ckpt, indir, outfile = tmp_path / "ckpt", tmp_path / "in", tmp_path / "totals.json"
    indir.mkdir()
    first = _start(ckpt, indir, outfile)
    try:
        _wait_for(outfile, {}, first)
        for i in range(3):
            _drop(indir, i)
            _wait_for(outfile, _expected(i + 1), first)
        _drop(indir, 3)                    # may or may not be processed before the kill
        time.sleep(0.3)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert read_latest(str(ckpt)) is not None
    _drop(indir, 4)                        # arrives while the driver is down
    second = _start(ckpt, indir, outfile)
    try:
        assert second.stdout.readline().strip() == "recovered"
        _wait_for(outfile, _expected(5), second)
        for i in (5, 6, 7):
            _drop(indir, i)
            _wait_for(outfile, _expected(i + 1), second)
        time.sleep(1.2)                    # a few more (empty) batches: nothing changes
        assert json.loads(outfile.read_text()) == _expected(8)
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait()


def test_metadata_checkpoint_written_every_batch(sc, tmp_path):
    clock = ManualClock()
    ssc = StreamingContext(sc, 1, clock=clock)
    ssc.checkpoint(str(tmp_path))
    ssc.textFileStream(str(tmp_path / "in")).count().pprint()
    ssc.start()
    clock.advance(3000)
    ssc.stop(False)
    names = sorted(n for n in os.listdir(tmp_path) if n.startswith("checkpoint-"))
    assert names == ["checkpoint-1000", "checkpoint-2000", "checkpoint-3000"]
    data = read_latest(str(tmp_path))
    assert data["time"] == 3000 and data["batch_ms"] == 1000 and data["pending"] == []


def test_unserialisable_function_is_reported(sc, tmp_path):
    import threading
    lock = threading.Lock()
    clock = ManualClock()
    ssc = StreamingContext(sc, 1, clock=clock)
    ssc.checkpoint(str(tmp_path))
    ssc.queueStream([[1]]).foreachRDD(lambda rdd: lock.locked())
    ssc.start()
    with pytest.raises(RuntimeError, match="not serializable"):
        clock.advance(1000)
    ssc.stop(False)


SOCKET_APP = r"""
import json, os, sys, warnings
warnings.simplefilter("ignore")
from minispark import SparkConf, SparkContext
from minispark.streaming import StreamingContext

ckpt, port, outfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
conf = (SparkConf().set("spark.ui.showConsoleProgress", "false")
        .set("spark.streaming.receiver.writeAheadLog.enable", "true"))
# local[2]: the receiver keeps one core, the batches need another (tracker.py)
sc = SparkContext("local[2]", "wal-recovery", conf=conf)

def setup():
    ssc = StreamingContext(sc, 1)
    words = ssc.socketTextStream("127.0.0.1", port).flatMap(str.split)
    totals = words.map(lambda w: (w, 1)).updateStateByKey(lambda vs, st: sum(vs) + (st or 0))

    def dump(t, rdd):
        with open(outfile + ".tmp", "w") as f:
            json.dump(dict(rdd.collect()), f)
        os.replace(outfile + ".tmp", outfile)

    totals.foreachRDD(dump)
    return ssc

ssc = StreamingContext.getOrCreate(ckpt, setup)
print("recovered" if ssc._recovering else "fresh", flush=True)
ssc.start()
ssc.awaitTermination()
"""


class LineServer:
    """Sends lines, on request, to the latest client (the receiver of the moment)."""

    def __init__(self):
        import socket
        import threading
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(4)
        self.port = self.srv.getsockname()[1]
        self.clients = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            self.clients.append(conn)

    def send(self, lines):
        self.clients[-1].sendall("".join(line + "\n" for line in lines).encode())

    def close(self):
        for c in self.clients:
            c.close()
        self.srv.close()


def _wal_blocks(ckpt):
    d = ckpt / "receivedData" / "0"
    return len([n for n in os.listdir(d) if n.startswith("block-")]) if d.exists() else 0


def test_socket_with_write_ahead_log_loses_nothing_after_sigkill(tmp_path):
    ckpt, outfile = tmp_path / "ckpt", tmp_path / "totals.json"
    server = LineServer()
    chunks = [["red green", "red"], ["blue red", "green blue blue"], ["red"]]

    def expected(n):
        return dict(Counter(w for chunk in chunks[:n] for line in chunk for w in line.split()))

    def start():
        return subprocess.Popen([sys.executable, "-c", SOCKET_APP, str(ckpt), str(server.port),
                                 str(outfile)], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    first = start()
    try:
        _wait_for(outfile, {}, first)
        assert _wait_until(lambda: server.clients, 10)
        server.send(chunks[0])
        _wait_for(outfile, expected(1), first)
        before = _wal_blocks(ckpt)
        server.send(chunks[1])
        # in the log, probably not yet in a batch (1 s batches): kill now
        assert _wait_until(lambda: _wal_blocks(ckpt) > before, 10)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    connections = len(server.clients)
    second = start()
    try:
        assert second.stdout.readline().strip() == "recovered"
        _wait_for(outfile, expected(2), second)
        assert _wait_until(lambda: len(server.clients) > connections, 10)
        server.send(chunks[2])
        _wait_for(outfile, expected(3), second)
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait()
        server.close()


def _wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)
    return bool(condition())
