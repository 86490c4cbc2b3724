"""Binary input: whole files as bytes (binaryFiles) and fixed-length records (binaryRecords).

Read this file for the two ways Spark reads data that is not text.

  binaryFiles    one ``(path, content)`` pair per file, the content as ``bytes``,
                 exactly as stored (a ``.gz`` file is *not* decompressed). Files are
                 packed into partitions like wholeTextFiles (Hadoop's
                 CombineFileInputFormat): small files share a partition.
  binaryRecords  every file is cut into records of ``recordLength`` bytes
                 (Hadoop's FixedLengthBinaryInputFormat). A file is split like any
                 new-API Hadoop input: into block-sized pieces (32 MB for local
                 files), each rounded to whole records, so a small file is one
                 partition. A file whose length is not a multiple of the record
                 length fails, as in Spark.

Next: text.py, for lines of text.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from minispark.rdd import RDD
from minispark.rddbase import Partition
from minispark.rdds.text import LOCAL_BLOCK_SIZE, FileSplit, WholeTextFilesRDD, list_input_files

__all__ = ["BinaryFilesRDD", "BinaryRecordsRDD"]


class BinaryFilesRDD(WholeTextFilesRDD):
    """``(file:path, bytes)`` per file, grouped into partitions as wholeTextFiles groups."""

    def __init__(self, ctx: Any, path: str, min_partitions: int):
        super().__init__(ctx, path, min_partitions, use_unicode=False)

    def compute(self, split: Partition, context: Any) -> Iterator:
        for path in split.files:
            with open(path, "rb") as f:
                data = f.read()
            context.metrics.bytes_read += len(data)
            context.metrics.records_read += 1
            yield ("file:" + os.path.abspath(path), data)


class BinaryRecordsRDD(RDD):
    """Fixed-length records of ``record_length`` bytes from every input file."""

    def __init__(self, ctx: Any, path: str, record_length: int):
        super().__init__(ctx, [])
        if record_length <= 0:
            # Spark: "Fixed record length 0 is invalid. It should be set to a value greater
            # than zero" (an IOException in the JVM).
            raise ValueError(f"Fixed record length {record_length} is invalid. It should be "
                             "set to a value greater than zero")
        self.record_length = record_length
        piece = max(record_length, LOCAL_BLOCK_SIZE // record_length * record_length)
        splits: list[FileSplit] = []
        for f in list_input_files(path):
            size = os.path.getsize(f)
            for start in range(0, size, piece):
                splits.append(FileSplit(len(splits), f, start, min(piece, size - start)))
        self._splits = splits

    def get_partitions(self) -> list[Partition]:
        return list(self._splits)

    def compute(self, split: Partition, context: Any) -> Iterator:
        n = self.record_length
        with open(split.path, "rb") as f:
            f.seek(split.start)
            left = split.length
            while left > 0:
                record = f.read(min(n, left))
                if len(record) < n:
                    raise OSError(f"Partial record of {len(record)} bytes at the end of "
                                  f"{split.path}: its length is not a multiple of the record "
                                  f"length {n}")
                left -= n
                context.metrics.bytes_read += n
                context.metrics.records_read += 1
                yield record

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["_splits"] = None  # each task carries its own split
        return state
