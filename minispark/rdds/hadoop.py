"""HadoopFileRDD: records of Hadoop input splits (sc.sequenceFile, sc.hadoopFile, ...).

Files are cut into input splits as textFile cuts them (text.py: ``compute_splits``;
the new Hadoop API asks for one split per block, the old one for at least
``minPartitions``). A SequenceFile split starts after its first sync marker
(hadoop/sequencefile.py); a text split, as Hadoop's LineRecordReader, skips its
first partial line and reads every line that starts at or before its end, giving
``(byte offset, line)`` pairs as TextInputFormat does.

Next: ../hadoop/formats.py, the methods that create these RDDs.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any

from minispark.hadoop.sequencefile import read_sequence_file
from minispark.rdd import RDD
from minispark.rddbase import Partition
from minispark.rdds.text import compute_splits, list_input_files

__all__ = ["HadoopFileRDD"]


class HadoopFileRDD(RDD):
    """(key, value) records of input splits, read as a SequenceFile or as text lines."""

    def __init__(self, ctx: Any, path: str, kind: str, min_partitions: int):
        super().__init__(ctx, [])
        self.kind = kind
        self._splits = compute_splits(list_input_files(path), min_partitions)

    def get_partitions(self) -> list[Partition]:
        return list(self._splits)

    def compute(self, split: Partition, context: Any) -> Iterator:
        end = split.start + split.length
        if self.kind == "sequence":
            with open(split.path, "rb") as f:
                for record in read_sequence_file(f, split.start, end):
                    context.metrics.records_read += 1
                    yield record
            return
        yield from _text_lines_with_offsets(split.path, split.start, end, context)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["_splits"] = None
        return state


def _text_lines_with_offsets(path: str, start: int, end: int, context: Any) -> Iterator:
    # Hadoop's LineRecordReader: skip the first (partial) line unless the split starts
    # the file, then read every line that starts at or before `end`.
    gz = path.endswith(".gz")
    with (gzip.open(path, "rb") if gz else open(path, "rb")) as f:
        if gz:
            end = float("inf")
        f.seek(start)
        pos = start
        if start != 0:
            pos += len(f.readline())
        while pos <= end:
            line = f.readline()
            if not line:
                return
            context.metrics.bytes_read += len(line)
            context.metrics.records_read += 1
            yield pos, line.rstrip(b"\n").rstrip(b"\r").decode("utf-8", "replace")
            pos += len(line)
