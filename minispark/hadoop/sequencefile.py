"""Hadoop's SequenceFile: a binary file of key-value records, written and read.

Read this file to see the format ``saveAsSequenceFile`` writes, byte by byte, so a
file written here is readable by Hadoop and Spark, and one of theirs (of the
Writable types in writables.py) is readable here.

  header   ``SEQ`` and version 6; the key and value class names (Text strings);
           two flags, *compressed* and *block-compressed*; the codec class name
           if compressed; metadata (a count of Text pairs, always 0 here); and a
           16-byte *sync marker*.
  record   record length (4 bytes), key length (4 bytes), the key's bytes, the
           value's bytes. With record compression the value bytes are compressed
           on their own (DefaultCodec: zlib; GzipCodec: gzip).
  block    with block compression (what Spark writes when given a codec), records
           are gathered into blocks of about 1 MB: a sync marker, the record count,
           then four separately compressed buffers (key lengths as vints, keys,
           value lengths, values).
  sync     every ``SYNC_INTERVAL`` bytes the writer inserts -1 (where a record
           length would be) followed by the sync marker. A reader that starts in
           the middle of a file (an input split) scans for the marker to find the
           next record boundary, which is what makes SequenceFiles splittable.

Hadoop draws the sync marker at random (MD5 of a UID and the time); minispark
derives it from the file's name, so the same data always gives the same bytes.
minispark writes uncompressed or block-compressed files (as Spark does with a
codec) and reads all three kinds.

Next: formats.py, which uses this for saveAsSequenceFile and sc.sequenceFile.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
import zlib
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from minispark.hadoop.writables import from_stream, read_vint, to_bytes, write_vint

__all__ = ["SequenceFileWriter", "read_sequence_file", "read_header", "CODECS"]

MAGIC = b"SEQ"
VERSION = 6
SYNC_HASH_SIZE = 16
SYNC_SIZE = 4 + SYNC_HASH_SIZE
SYNC_INTERVAL = 5 * 1024 * SYNC_SIZE  # Hadoop's SequenceFile.SYNC_INTERVAL (100 KB)
SYNC_ESCAPE = -1
BLOCK_SIZE = 1_000_000  # Hadoop's io.seqfile.compress.blocksize: raw bytes per block

DEFAULT_CODEC = "org.apache.hadoop.io.compress.DefaultCodec"
GZIP_CODEC = "org.apache.hadoop.io.compress.GzipCodec"
CODECS = {DEFAULT_CODEC: (zlib.compress, zlib.decompress),
          GZIP_CODEC: (lambda b: gzip.compress(b, mtime=0), gzip.decompress)}


def _text(s: str) -> bytes:
    out = io.BytesIO()
    data = s.encode("utf-8")
    write_vint(out, len(data))
    out.write(data)
    return out.getvalue()


class SequenceFileWriter:
    """Writes records of one key class and one value class to an open binary file.

    >>> import io; buf = io.BytesIO()
    >>> w = SequenceFileWriter(buf, "org.apache.hadoop.io.IntWritable",
    ...                        "org.apache.hadoop.io.Text", sync_seed="part-00000")
    >>> w.append(1, "a"); w.append(2, "b")
    >>> buf.getvalue()[:4], list(read_sequence_file(io.BytesIO(buf.getvalue())))
    (b'SEQ\\x06', [(1, 'a'), (2, 'b')])
    """

    def __init__(self, out: BinaryIO, key_class: str, value_class: str,
                 codec: str | None = None, sync_seed: str = "", block: bool = True):
        if codec is not None and codec not in CODECS:
            raise ValueError(f"Unsupported compression codec {codec!r}: minispark supports "
                             f"{', '.join(CODECS)}")
        self.out, self.key_class, self.value_class = out, key_class, value_class
        self.codec = codec
        self.block = bool(codec) and block
        self._pending: list[tuple[bytes, bytes]] = []
        self._pending_bytes = 0
        self.sync = hashlib.md5(f"minispark-sync:{sync_seed}".encode()).digest()
        header = bytearray(MAGIC + bytes([VERSION]))
        header += _text(key_class) + _text(value_class)
        header += bytes([1 if codec else 0, 1 if self.block else 0])  # compressed, block
        if codec:
            header += _text(codec)
        header += struct.pack(">i", 0)           # metadata: no entries
        header += self.sync
        out.write(header)
        self.position = len(header)
        self.last_sync = self.position

    def append(self, key: Any, value: Any) -> None:
        """Write one record (a sync marker first, if one is due).

        >>> import io; buf = io.BytesIO()
        >>> w = SequenceFileWriter(buf, "org.apache.hadoop.io.Text", "org.apache.hadoop.io.Text")
        >>> w.append("k", "v"); list(buf.getvalue()[-12:])  # lengths 4 and 2, Text k, Text v
        [0, 0, 0, 4, 0, 0, 0, 2, 1, 107, 1, 118]
        """
        if self.block:
            k, v = to_bytes(key, self.key_class), to_bytes(value, self.value_class)
            self._pending.append((k, v))
            self._pending_bytes += len(k) + len(v)
            if self._pending_bytes >= BLOCK_SIZE:
                self._write_block()
            return
        if self.position >= self.last_sync + SYNC_INTERVAL:
            self.out.write(struct.pack(">i", SYNC_ESCAPE) + self.sync)
            self.position += SYNC_SIZE
            self.last_sync = self.position
        k = to_bytes(key, self.key_class)
        v = to_bytes(value, self.value_class)
        if self.codec:
            v = CODECS[self.codec][0](v)
        record = struct.pack(">ii", len(k) + len(v), len(k)) + k + v
        self.out.write(record)
        self.position += len(record)

    def append_all(self, pairs: Iterable[tuple]) -> int:
        """Write every pair, then close(); returns how many.

        >>> import io; SequenceFileWriter(io.BytesIO(), "org.apache.hadoop.io.IntWritable",
        ...     "org.apache.hadoop.io.IntWritable").append_all([(1, 2), (3, 4)])
        2
        """
        n = 0
        for key, value in pairs:
            self.append(key, value)
            n += 1
        self.close()
        return n

    def close(self) -> None:
        """Write the last block of a block-compressed file (nothing to do otherwise).

        >>> import io; buf = io.BytesIO()
        >>> w = SequenceFileWriter(buf, "org.apache.hadoop.io.IntWritable",
        ...     "org.apache.hadoop.io.Text", "org.apache.hadoop.io.compress.DefaultCodec")
        >>> w.append(1, "a"); before = len(buf.getvalue()); w.close()
        >>> len(buf.getvalue()) > before, list(read_sequence_file(io.BytesIO(buf.getvalue())))
        (True, [(1, 'a')])
        """
        if self.block and self._pending:
            self._write_block()

    def _write_block(self) -> None:
        # Hadoop's BlockCompressWriter: sync, record count, then four buffers each
        # compressed on its own: key lengths (vints), keys, value lengths, values.
        compress = CODECS[self.codec][0]
        out = io.BytesIO()
        out.write(struct.pack(">i", SYNC_ESCAPE) + self.sync)
        write_vint(out, len(self._pending))
        for part in (0, 1):
            lengths, data = io.BytesIO(), io.BytesIO()
            for record in self._pending:
                write_vint(lengths, len(record[part]))
                data.write(record[part])
            for buffer in (lengths.getvalue(), data.getvalue()):
                packed = compress(buffer)
                write_vint(out, len(packed))
                out.write(packed)
        self.out.write(out.getvalue())
        self.position += len(out.getvalue())
        self._pending, self._pending_bytes = [], 0


def _read_text(f: BinaryIO) -> str:
    return f.read(read_vint(f)).decode("utf-8")


def read_header(f: BinaryIO) -> dict:
    """Parse a SequenceFile header; the stream is left at the first record.

    >>> import io; buf = io.BytesIO()
    >>> _ = SequenceFileWriter(buf, "org.apache.hadoop.io.IntWritable", "org.apache.hadoop.io.Text")
    >>> h = read_header(io.BytesIO(buf.getvalue())); h["value_class"], h["codec"], h["block"]
    ('org.apache.hadoop.io.Text', None, False)
    """
    magic = f.read(4)
    if magic[:3] != MAGIC:
        raise ValueError("not a SequenceFile: it does not start with 'SEQ'")
    if magic[3] != VERSION:
        raise ValueError(f"SequenceFile version {magic[3]} is not supported by minispark "
                         f"(only version {VERSION}, what Hadoop 2 and 3 write)")
    header = {"key_class": _read_text(f), "value_class": _read_text(f)}
    compressed, block = f.read(2)
    header["block"] = bool(block)
    header["codec"] = _read_text(f) if compressed else None
    if header["codec"] is not None and header["codec"] not in CODECS:
        raise ValueError(f"SequenceFile codec {header['codec']} is not supported by "
                         f"minispark (supported: {', '.join(CODECS)})")
    for _ in range(struct.unpack(">i", f.read(4))[0] * 2):
        _read_text(f)  # metadata entries, unused
    header["sync"] = f.read(SYNC_HASH_SIZE)
    return header


def read_sequence_file(f: BinaryIO, start: int = 0, end: int | None = None) -> Iterator[tuple]:
    """The (key, value) records of an open SequenceFile, converted as PySpark does.

    With ``start``/``end`` (an input split) it reads from the first sync escape
    that begins in ``[start, end)`` up to the first one at or after ``end`` (the split
    holding the end of the header also reads the records before the first sync), so
    consecutive splits read every record exactly once.
    """
    header = read_header(f)
    key_class, value_class, sync = header["key_class"], header["value_class"], header["sync"]
    decompress = CODECS[header["codec"]][1] if header["codec"] else None
    if start <= f.tell() and end is not None and f.tell() >= end:
        return  # the split ends inside the header: the next one reads the records
    if start > f.tell():
        # The split begins after the first sync escape at or after `start` (its
        # marker bytes start 4 bytes later), as Hadoop's SequenceFile.Reader.sync.
        start += 4
        f.seek(start)
        window = b""
        while True:
            chunk = f.read(65536)
            if not chunk:
                return
            window += chunk
            i = window.find(sync)
            if i >= 0:
                if end is not None and start + i - 4 >= end:
                    return  # no sync escape inside this split: it owns no record
                f.seek(start + i + SYNC_HASH_SIZE)
                if header["block"]:  # the sync just found opens a block
                    yield from _read_block(f, key_class, value_class, decompress)
                break
            start += max(0, len(window) - SYNC_HASH_SIZE + 1)
            window = window[-(SYNC_HASH_SIZE - 1):]
    while True:
        position = f.tell()
        head = f.read(4)
        if len(head) < 4:
            return
        length = struct.unpack(">i", head)[0]
        if length == SYNC_ESCAPE:
            if f.read(SYNC_HASH_SIZE) != sync:
                raise ValueError("SequenceFile is corrupt: a sync marker does not match")
            if end is not None and position >= end:
                return  # the next split starts at this marker
            if header["block"]:
                yield from _read_block(f, key_class, value_class, decompress)
            continue
        if header["block"]:
            raise ValueError("SequenceFile is corrupt: a block does not start with a sync")
        key_length = struct.unpack(">i", f.read(4))[0]
        key = from_stream(io.BytesIO(f.read(key_length)), key_class)
        value_bytes = f.read(length - key_length)
        if decompress is not None:
            value_bytes = decompress(value_bytes)
        yield key, from_stream(io.BytesIO(value_bytes), value_class)


def _read_block(f: BinaryIO, key_class: str, value_class: str, decompress: Any) -> Iterator:
    count = read_vint(f)
    buffers = []
    for _ in range(4):
        buffers.append(io.BytesIO(decompress(f.read(read_vint(f)))))
    key_lengths, keys, value_lengths, values = buffers
    for _ in range(count):
        key = from_stream(io.BytesIO(keys.read(read_vint(key_lengths))), key_class)
        value = from_stream(io.BytesIO(values.read(read_vint(value_lengths))), value_class)
        yield key, value
