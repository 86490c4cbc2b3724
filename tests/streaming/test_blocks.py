"""Received blocks: what the socket receiver stores, what a batch's task carries (a block's
name, not its data), and when the blocks are deleted."""

from __future__ import annotations

import os
import socket
import threading
import time

import cloudpickle
import pytest

from minispark.streaming import StreamingContext
from minispark.streaming.blocks import read_lines
from minispark.streaming.receiver import SocketReceiver

# DStreams are deprecated in Spark 4 and both engines warn; these tests use them on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:DStream is deprecated:FutureWarning")


def _lines(receiver):
    return [line for block in receiver.take_blocks() for line in read_lines(block.path)]


def test_records_do_not_depend_on_where_the_socket_cut_the_bytes(sc):
    data = "été\r\n".encode() + b"b c\n\nx\xffz\n" + "dernière".encode() + b"\n"
    expected = ["été", "b c", "", "x\ufffdz", "dernière"]
    for cuts in ([], [1], [2, 5], [4], [len(data) - 1], list(range(1, len(data)))):
        receiver = SocketReceiver(StreamingContext(sc, 1), 0, "h", 1)
        edges = [0, *cuts, len(data)]
        for lo, hi in zip(edges, edges[1:], strict=False):
            receiver._store_bytes(data[lo:hi])
        assert _lines(receiver) == expected, cuts


def test_a_line_in_flight_at_a_block_cut_goes_whole_to_the_next_block(sc):
    receiver = SocketReceiver(StreamingContext(sc, 1), 0, "h", 1)
    receiver._store_bytes(b"one\ntw")
    first = receiver.take_blocks()
    receiver._store_bytes(b"o\nthree\n")
    second = receiver.take_blocks()
    assert [(b.records, read_lines(b.path)) for b in first] == [(1, ["one"])]
    assert [(b.records, read_lines(b.path)) for b in second] == [(2, ["two", "three"])]


def test_a_broken_connection_drops_only_the_line_in_flight(sc):
    receiver = SocketReceiver(StreamingContext(sc, 1), 0, "h", 1)
    receiver._store_bytes(b"kept\nhalf a li")
    receiver._end_partial_line(keep=False)
    receiver._store_bytes(b"next\n")
    assert _lines(receiver) == ["kept", "next"]
    receiver._store_bytes(b"no newline at the end")
    receiver._end_partial_line(keep=True)
    assert _lines(receiver) == ["no newline at the end"]


def _server(payload: bytes) -> socket.socket:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def run():
        conn, _ = srv.accept()
        conn.sendall(payload)
        time.sleep(30)          # stay connected: no reconnection during the test
        conn.close()

    threading.Thread(target=run, daemon=True).start()
    return srv


def test_a_batch_task_carries_the_block_name_not_the_data(sc):
    line = "x" * 99
    srv = _server(((line + "\n") * 20_000).encode())      # 2 MB
    seen = []

    def inspect(rdd):
        if rdd.getNumPartitions():
            seen.append((rdd.count(), max(len(cloudpickle.dumps(p)) for p in rdd.partitions)))

    ssc = StreamingContext(sc, 0.5)
    ssc.socketTextStream("127.0.0.1", srv.getsockname()[1]).foreachRDD(inspect)
    ssc.start()
    try:
        deadline = time.monotonic() + 20
        while sum(n for n, _ in seen) < 20_000 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        ssc.stop(stopSparkContext=False)
        srv.close()
    assert sum(n for n, _ in seen) == 20_000
    # a partition is a block's name and path: a few hundred bytes, whatever the block holds
    assert max(size for _, size in seen) < 1000, seen


def test_blocks_of_forgotten_batches_are_deleted(sc):
    srv = _server(b"".join(b"line %d\n" % i for i in range(100)))
    kept = []
    ssc = StreamingContext(sc, 0.2)
    ssc.socketTextStream("127.0.0.1", srv.getsockname()[1]).foreachRDD(
        lambda rdd: kept.append(rdd) if rdd.getNumPartitions() else None)
    ssc.start()
    directory = os.path.join(sc._local_dir, "received")
    try:
        deadline = time.monotonic() + 20
        while not kept and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)                     # several batches later
    finally:
        ssc.stop(stopSparkContext=False)
        srv.close()
    assert kept
    names = [n for _, _, files in os.walk(directory) for n in files]
    assert not any(os.path.exists(p) for _, p in kept[0]._blocks), names
    try:
        kept[0].count()
    except Exception as e:      # noqa: BLE001 - Spark's message is what is checked
        assert "after its blocks have been removed" in str(e)
    else:
        raise AssertionError("an RDD whose blocks were deleted still computed")


def test_a_write_ahead_log_block_is_invisible_until_it_is_complete(tmp_path):
    from minispark.streaming.blocks import BlockStore, wal_blocks

    store = BlockStore(str(tmp_path), "block-", durable=True)
    writer = store.writer(7)
    writer.write(b"first half\n", 1)
    # a driver killed now must not find a block 7 to recover: it is not whole yet
    assert wal_blocks(str(tmp_path)) == []
    assert not [n for n in os.listdir(tmp_path) if n.startswith("block-")]
    writer.write(b"second half\n", 1)
    block = writer.close()
    assert wal_blocks(str(tmp_path)) == [7]
    assert (block.records, read_lines(block.path)) == (2, ["first half", "second half"])
