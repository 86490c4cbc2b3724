"""Partitioners: which partition a key belongs to.

Read this file to learn how a shuffle decides where each record goes.

Key terms
  partitioner   a function key -> partition number, plus the number of
                partitions. Two RDDs "partitioned the same way" hold every key
                in the same partition number, so they can be joined or reduced
                without moving data (a *narrow* dependency instead of a shuffle).
  portable_hash the hash PySpark uses for every hash shuffle. Python's own
                hash() of a string changes from process to process unless
                PYTHONHASHSEED is fixed; minispark starts its workers with the
                seed fixed at 0, so a key always lands in the same partition,
                on every run and on every machine.

Equality matters: Spark skips a shuffle only when the partitioner already in
place is *equal* to the one asked for, i.e. the same number of partitions and
the very same function object. A lambda that computes the same thing is a
different object, so it reshuffles (as in PySpark).

Next: dependency.py, which records where a partitioner forces a shuffle.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["Partitioner", "portable_hash"]


def portable_hash(x: Hashable) -> int:
    """Hash ``x`` the way PySpark's hash partitioner does.

    ``None`` hashes to 0 and tuples are combined element by element with
    CPython 2.7's tuple algorithm, so that tuples holding ``None`` hash the same
    in every process; everything else uses ``hash()``. Strings are stable only
    in processes started with a fixed ``PYTHONHASHSEED``, which minispark's
    workers always are (seed 0), so partitioning never depends on the run.

    >>> portable_hash(None)
    0
    >>> portable_hash((None, 1)) & 0xffffffff
    219750521
    >>> portable_hash(-1)
    -2
    >>> [portable_hash(k) % 3 for k in range(6)]
    [0, 1, 2, 0, 1, 2]
    """
    if x is None:
        return 0
    if isinstance(x, tuple):
        h = 0x345678
        for item in x:
            h ^= portable_hash(item)
            h *= 1000003
            h &= sys.maxsize
        h ^= len(x)
        if h == -1:
            h = -2
        return int(h)
    return hash(x)


def string_hashing_is_stable() -> bool:
    """True when this process hashes strings the same way as minispark's workers.

    >>> isinstance(string_hashing_is_stable(), bool)
    True
    """
    # sys.flags tells how this process was started: PYTHONHASHSEED=0 at startup
    # turns randomization off. Setting os.environ later changes nothing here.
    return not sys.flags.hash_randomization


class Partitioner:
    """A partition function and a partition count, as in ``pyspark.rdd.Partitioner``.

    Calling it maps a key to ``partitionFunc(key) % numPartitions``. Spark
    compares partitioners to decide whether data is already where an operation
    needs it; see the module docstring for why equality is by function identity.

    >>> p = Partitioner(4, portable_hash)
    >>> p(7), p(8)
    (3, 0)
    >>> p == Partitioner(4, portable_hash), p == Partitioner(2, portable_hash)
    (True, False)
    >>> p == Partitioner(4, lambda k: portable_hash(k))
    False
    """

    def __init__(self, numPartitions: int, partitionFunc: Callable[[Any], int]):
        self.numPartitions = numPartitions
        self.partitionFunc = partitionFunc

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Partitioner)
            and self.numPartitions == other.numPartitions
            and self.partitionFunc == other.partitionFunc
        )

    def __hash__(self) -> int:
        return hash((self.numPartitions, id(self.partitionFunc)))

    def __call__(self, k: Any) -> int:
        return self.partitionFunc(k) % self.numPartitions

    def __repr__(self) -> str:
        name = getattr(self.partitionFunc, "__name__", type(self.partitionFunc).__name__)
        return f"Partitioner({self.numPartitions}, {name})"
