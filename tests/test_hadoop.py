"""SequenceFiles and the Hadoop format methods (minispark/hadoop/): the bytes of the
format, round trips of every supported Writable, input splits at sync markers, and
the errors for what is not supported. Interoperability with real Hadoop files is
checked against PySpark in tests/parity/test_hadoop_formats.py.
"""

from __future__ import annotations

import io
import os
import struct

import pytest

from minispark.hadoop import sequencefile
from minispark.hadoop.sequencefile import SequenceFileWriter, read_header, read_sequence_file
from minispark.hadoop.writables import read_vint, write_vint

VALUES = [0, -1, 2**31 - 1, -2**31, 2**31, -2**63, 1.5, -0.0, float("inf"), True, False,
          "", "é€😀", b"\x00\xff", None, {1.0: "a", "k": 2}]


@pytest.mark.parametrize("n", [0, 1, -1, 127, -112, 128, -113, 255, 2**31, -2**63, 2**63 - 1])
def test_vint_round_trip(n):
    out = io.BytesIO()
    write_vint(out, n)
    assert read_vint(io.BytesIO(out.getvalue())) == n
    magnitude_bytes = (max(n, ~n).bit_length() + 7) // 8
    assert len(out.getvalue()) == (1 if -112 <= n <= 127 else 1 + magnitude_bytes)


def test_header_bytes():
    out = io.BytesIO()
    SequenceFileWriter(out, "org.apache.hadoop.io.IntWritable", "org.apache.hadoop.io.Text")
    data = out.getvalue()
    key, value = b"org.apache.hadoop.io.IntWritable", b"org.apache.hadoop.io.Text"
    expected = (b"SEQ\x06" + bytes([len(key)]) + key + bytes([len(value)]) + value
                + b"\x00\x00" + struct.pack(">i", 0))
    assert data[:len(expected)] == expected
    assert len(data) == len(expected) + 16  # the sync marker
    header = read_header(io.BytesIO(data))
    assert (header["key_class"], header["value_class"], header["codec"]) == \
        (key.decode(), value.decode(), None)


@pytest.mark.parametrize("value", VALUES, ids=repr)
@pytest.mark.parametrize("codec", [None, "org.apache.hadoop.io.compress.DefaultCodec",
                                   "org.apache.hadoop.io.compress.GzipCodec"])
def test_every_writable_round_trips(sc, tmp_path, value, codec):
    path = str(tmp_path / "seq")
    sc.parallelize([(value, value)], 1).saveAsSequenceFile(path, codec)
    assert sc.sequenceFile(path).collect() == [(value, value)]


def test_splits_start_at_sync_markers(monkeypatch):
    """A file cut into byte ranges anywhere: every record is read exactly once."""
    monkeypatch.setattr(sequencefile, "SYNC_INTERVAL", 200)
    out = io.BytesIO()
    writer = SequenceFileWriter(out, "org.apache.hadoop.io.IntWritable",
                                "org.apache.hadoop.io.Text")
    records = [(i, "x" * (i % 13)) for i in range(500)]
    writer.append_all(records)
    data = out.getvalue()
    assert data.count(writer.sync) > 20
    for pieces in (1, 2, 3, 7, 50, len(data) // 10):
        size = -(-len(data) // pieces)
        got = []
        for start in range(0, len(data), size):
            got += list(read_sequence_file(io.BytesIO(data), start, start + size))
        assert got == records, pieces


def test_block_compression_round_trips_across_blocks(monkeypatch, sc, tmp_path):
    """Many small blocks, in files cut into several splits: every record once."""
    monkeypatch.setattr(sequencefile, "BLOCK_SIZE", 300)
    records = [(i, "v" * (i % 17)) for i in range(2000)]
    out = io.BytesIO()
    writer = SequenceFileWriter(out, "org.apache.hadoop.io.IntWritable",
                                "org.apache.hadoop.io.Text",
                                "org.apache.hadoop.io.compress.DefaultCodec")
    writer.append_all(records)
    data = out.getvalue()
    assert read_header(io.BytesIO(data))["block"] and data.count(writer.sync) > 30
    for pieces in (1, 4, 33):
        size = -(-len(data) // pieces)
        got = []
        for start in range(0, len(data), size):
            got += list(read_sequence_file(io.BytesIO(data), start, start + size))
        assert got == records, pieces


def test_a_written_file_is_deterministic(sc, tmp_path):
    for name in ("a", "b"):
        sc.parallelize([(i, str(i)) for i in range(100)], 2).saveAsSequenceFile(
            str(tmp_path / name))
    for part in ("part-00000", "part-00001"):
        assert (tmp_path / "a" / part).read_bytes() == (tmp_path / "b" / part).read_bytes()


def test_wrong_class_and_unsupported_values(sc, tmp_path):
    with pytest.raises(Exception, match="wrong key class"):
        sc.parallelize([(1, "a"), ("b", "c")], 1).saveAsSequenceFile(str(tmp_path / "a"))
    with pytest.raises(Exception, match="list cannot be written"):
        sc.parallelize([(1, [1, 2])], 1).saveAsSequenceFile(str(tmp_path / "b"))


@pytest.mark.parametrize("call", [
    lambda rdd, p: rdd.saveAsHadoopFile(p, "org.apache.hadoop.mapred.MapFileOutputFormat"),
    lambda rdd, p: rdd.saveAsHadoopFile(
        p, "org.apache.hadoop.mapreduce.lib.output.TextOutputFormat"),  # new API class
    lambda rdd, p: rdd.saveAsNewAPIHadoopFile(
        p, "org.apache.hadoop.mapreduce.lib.output.SequenceFileOutputFormat",
        "org.apache.hadoop.io.VIntWritable"),
    lambda rdd, p: rdd.saveAsNewAPIHadoopFile(
        p, "org.apache.hadoop.mapreduce.lib.output.SequenceFileOutputFormat",
        keyConverter="org.example.MyConverter"),
    lambda rdd, p: rdd.saveAsHadoopDataset({"mapred.output.format.class":
                                            "org.apache.hadoop.mapred.TextOutputFormat"}),
], ids=["unknown_format", "wrong_api", "unsupported_writable", "converter", "no_output_dir"])
def test_unsupported_output_arguments_name_the_cause(sc, tmp_path, call):
    rdd = sc.parallelize([(1, "a")], 1)
    with pytest.raises(ValueError, match=r"minispark|output directory"):
        call(rdd, str(tmp_path / "out"))
    assert not os.path.exists(tmp_path / "out")


def test_text_formats_round_trip(sc, tmp_path):
    path = str(tmp_path / "t")
    sc.parallelize([(1, 2.5), ("k", None), (None, True), (3, {1: "a"})], 2).saveAsHadoopFile(
        path, "org.apache.hadoop.mapred.TextOutputFormat")
    lines = sorted(v for _, v in sc.hadoopFile(path, "org.apache.hadoop.mapred.TextInputFormat",
                                               "", "").collect())
    assert lines == ["1\t2.5", "3\t{1=a}", "k", "true"]


def test_text_input_offsets_across_splits(sc, tmp_path):
    text = "".join(f"line {i}{'!' * (i % 5)}\n" for i in range(300))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "f.txt").write_text(text)
    rdd = sc.hadoopFile(str(tmp_path / "in"), "org.apache.hadoop.mapred.TextInputFormat", "", "")
    offsets, pos = [], 0
    for line in text.splitlines(keepends=True):
        offsets.append((pos, line.rstrip("\n")))
        pos += len(line)
    assert rdd.getNumPartitions() == 2
    assert rdd.collect() == offsets
