"""Reading files: textFile's input splits, wholeTextFiles and pickleFile.

Read this file to learn how one big file becomes many partitions.

Input splits (Hadoop's FileInputFormat, which Spark uses): the total size of
the input is divided by ``minPartitions`` to get a goal split size, capped at
the block size (32 MB for local files). Each file is cut into byte ranges of
that size (a last piece up to 10% larger is not cut again). A byte range
almost never ends on a line boundary, so the rule is: a split owns every line
that *starts* inside it (after its first byte), plus the line that runs over
its end. Every line is read exactly once. Gzip files cannot be cut (you cannot
start decompressing in the middle), so each is one partition, however big.

Output (saveAsTextFile, saveAsPickleFile) is hadoop/writer.py: it makes no RDD.

Next: checkpoint.py.
"""

from __future__ import annotations

import glob as globlib
import gzip
import os
import pickle
from collections.abc import Iterator
from itertools import chain
from typing import Any

from minispark.rdd import RDD
from minispark.rddbase import Partition

LOCAL_BLOCK_SIZE = 32 * 1024 * 1024   # Hadoop's fs.local.block.size
SPLIT_SLOP = 1.1                      # a last piece up to 10% larger stays whole
READ_BLOCK = 65536


def list_input_files(path: str) -> list[str]:
    """Expand a path, directory, glob or comma-separated list into files.

    Hidden files (starting with ``.`` or ``_``, such as ``_SUCCESS``) are
    skipped, as Hadoop does. A glob's matches come sorted (Hadoop's globber
    sorts them), but a directory's files come in the order the file system
    lists them, exactly as Spark reads a local directory: on another machine
    that order, and so the order of partitions, can differ. Sort the result,
    or pass a glob, when order matters.
    """
    files: list[str] = []
    for part in path.split(","):
        part = part.strip()
        if part.startswith("file:"):
            part = part[len("file:"):]
        matches = sorted(globlib.glob(part)) if globlib.has_magic(part) else [part]
        if not matches or not any(os.path.exists(m) for m in matches):
            raise FileNotFoundError(f"Input path does not exist: file:{os.path.abspath(part)}")
        for match in matches:
            if os.path.isdir(match):
                for name in os.listdir(match):  # unsorted, like Hadoop's local FS
                    full = os.path.join(match, name)
                    if not name.startswith((".", "_")) and os.path.isfile(full):
                        files.append(full)
            elif os.path.exists(match):
                files.append(match)
    return files


class FileSplit(Partition):
    def __init__(self, index: int, path: str, start: int, length: int):
        super().__init__(index)
        self.path, self.start, self.length = path, start, length

    def __repr__(self) -> str:
        return f"FileSplit({self.path}:{self.start}+{self.length})"


def compute_splits(files: list[str], min_partitions: int) -> list[FileSplit]:
    """Hadoop's getSplits for local files; empty splits are dropped (as Spark does).

    >>> import tempfile, os; d = tempfile.mkdtemp(); p = os.path.join(d, "f.txt")
    >>> _ = open(p, "w").write("x" * 1000)
    >>> [(s.start, s.length) for s in compute_splits([p], 3)]
    [(0, 333), (333, 333), (666, 334)]
    """
    sizes = [os.path.getsize(f) for f in files]
    goal = sum(sizes) // max(min_partitions, 1)
    split_size = max(1, min(goal, LOCAL_BLOCK_SIZE))
    splits: list[FileSplit] = []
    for path, length in zip(files, sizes, strict=True):
        if length == 0:
            continue
        if path.endswith(".gz"):
            splits.append(FileSplit(len(splits), path, 0, length))
            continue
        remaining = length
        while remaining / split_size > SPLIT_SLOP:
            splits.append(FileSplit(len(splits), path, length - remaining, split_size))
            remaining -= split_size
        if remaining:
            splits.append(FileSplit(len(splits), path, length - remaining, remaining))
    return splits


def _split_lines(stream: Any, limit: int | None, use_unicode: bool,
                 metrics: Any) -> Iterator[list]:
    """Yield the lines of ``stream`` (``limit`` bytes, then to the end of that
    line) in lists, one list per block read: callers chain the lists, so the
    per-line cost stays inside C."""
    leftover = b""
    remaining = limit
    while True:
        size = READ_BLOCK if remaining is None else min(READ_BLOCK, remaining)
        block = stream.read(size) if size > 0 else b""
        if remaining is not None:
            remaining -= len(block)
            if remaining <= 0 or not block:
                if not block.endswith(b"\n"):
                    block += stream.readline()
                remaining = 0
        if not block:
            break
        data = leftover + block
        cut = data.rfind(b"\n")
        if cut < 0:
            leftover = data
        else:
            leftover = data[cut + 1:]
            yield _decode_lines(data[:cut], use_unicode, metrics)
        if remaining == 0:
            break
    if leftover:
        yield _decode_lines(leftover, use_unicode, metrics)


def _decode_lines(data: bytes, use_unicode: bool, metrics: Any) -> list:
    metrics.bytes_read += len(data) + 1
    if use_unicode:
        text = data.decode("utf-8", "replace")
        lines = text.split("\n")
        if "\r" in text:
            lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    else:
        lines = data.split(b"\n")
        if b"\r" in data:
            lines = [line[:-1] if line.endswith(b"\r") else line for line in lines]
    metrics.records_read += len(lines)
    return lines


def read_split(split: FileSplit, use_unicode: bool, metrics: Any) -> Iterator:
    """The lines a split owns (see the module docstring for the rule)."""
    if split.path.endswith(".gz"):
        with gzip.open(split.path, "rb") as f:
            yield from chain.from_iterable(_split_lines(f, None, use_unicode, metrics))
        return
    end = split.start + split.length
    with open(split.path, "rb") as f:
        begin = 0
        if split.start > 0:
            f.seek(split.start)
            begin = split.start + len(f.readline())  # that line belongs to the split before
        if begin > end:
            return
        f.seek(begin)
        yield from chain.from_iterable(_split_lines(f, end - begin + 1, use_unicode, metrics))


class TextFileRDD(RDD):
    """Lines of text files, one partition per input split (``sc.textFile``)."""

    def __init__(self, ctx: Any, path: str, min_partitions: int, use_unicode: bool = True):
        super().__init__(ctx, [])
        self.path = path
        self.use_unicode = use_unicode
        self._splits = compute_splits(list_input_files(path), min_partitions)

    def get_partitions(self) -> list[Partition]:
        return self._splits

    def compute(self, split: Partition, context: Any) -> Iterator:
        return read_split(split, self.use_unicode, context.metrics)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["_splits"] = None
        return state


class WholeTextFilesRDD(RDD):
    """(path, whole content) per file; files are packed into ~equal partitions."""

    def __init__(self, ctx: Any, path: str, min_partitions: int, use_unicode: bool = True):
        super().__init__(ctx, [])
        self.use_unicode = use_unicode
        files = list_input_files(path)
        total = sum(os.path.getsize(f) for f in files)
        max_split = max(1, -(-total // max(min_partitions, 1)))
        groups: list[list[str]] = [[]]
        size = 0
        for f in files:
            if size >= max_split:
                groups.append([])
                size = 0
            groups[-1].append(f)
            size += os.path.getsize(f)
        self._groups = [g for g in groups if g]

    def get_partitions(self) -> list[Partition]:
        parts = []
        for i, group in enumerate(self._groups):
            p = Partition(i)
            p.files = group
            parts.append(p)
        return parts

    def compute(self, split: Partition, context: Any) -> Iterator:
        for path in split.files:
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            context.metrics.bytes_read += len(data)
            context.metrics.records_read += 1
            content = data.decode("utf-8", "replace") if self.use_unicode else data
            yield ("file:" + os.path.abspath(path), content)


class PickleFileRDD(RDD):
    """Elements saved by saveAsPickleFile: one partition per part file."""

    def __init__(self, ctx: Any, path: str, min_partitions: int):
        super().__init__(ctx, [])
        self._files = list_input_files(path)

    def get_partitions(self) -> list[Partition]:
        return [FileSplit(i, f, 0, 0) for i, f in enumerate(self._files)]

    def compute(self, split: Partition, context: Any) -> Iterator:
        with open(split.path, "rb") as f:
            while True:
                try:
                    yield from pickle.load(f)
                except EOFError:
                    return
