"""ShuffledRDD: the RDD on the reduce side of a shuffle.

Read this file to see what a reduce task does with the blocks it fetches.

ShuffledRDD has a single ShuffleDependency on its parent. Computing partition
r means: fetch block r of every map output (shuffle.read_shuffle), then, as
the dependency asks, merge values into combiners (reduceByKey, groupByKey) or
sort by key (sortByKey), spilling to disk beyond the memory budget.

Joins have no RDD class of their own: as in PySpark, a cogroup is a groupByKey
of the union of the tagged sides, so it is a ShuffledRDD too (joins.py).

``round_robin_shuffle`` (``ShuffledRDD.round_robin``) is repartition: each map
task deals its records out in batches of 10 to consecutive partitions, starting
at a pseudo-random partition chosen from its own index with Spark's
XORShiftRandom, so output partitions get the same records as in PySpark.

Next: text.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from minispark.dependency import ShuffleDependency
from minispark.partitioner import Partitioner
from minispark.rdd import RDD
from minispark.rddbase import Partition
from minispark.shuffle import ExternalMerger, read_shuffle, sort_partition


class ShuffledRDD(RDD):
    """The output of a shuffle: partition r gathers every map task's block r."""

    def __init__(self, prev: RDD, partitioner: Partitioner, aggregator: Any = None,
                 map_side_combine: bool = False, key_ordering: tuple | None = None,
                 write_records: Any = None):
        dep = ShuffleDependency(prev, partitioner, aggregator, map_side_combine,
                                key_ordering, write_records)
        super().__init__(prev.ctx, [dep])
        self.shuffle_dep = dep
        self.partitioner = partitioner

    def get_partitions(self) -> list[Partition]:
        # range() of a count <= 0 is empty: PySpark's RDD of 0 partitions.
        return [Partition(i) for i in range(self.shuffle_dep.partitioner.numPartitions)]

    def compute(self, split: Partition, context: Any) -> Iterator:
        dep = self.shuffle_dep
        records = read_shuffle(context, dep.shuffle_id, split.index)
        if dep.aggregator is not None:
            merger = ExternalMerger(dep.aggregator, context)
            merger.merge(records, combiners=dep.map_side_combine)
            records = merger.items()
        if dep.key_ordering is not None:
            records = sort_partition(records, dep.key_ordering, context)
        return records

    @staticmethod
    def round_robin(rdd: RDD, num_partitions: int) -> RDD:
        """coalesce(n, shuffle=True): see round_robin_shuffle below."""
        return round_robin_shuffle(rdd, num_partitions)


# -- repartition: Spark's round-robin deal, reproduced exactly --------------------

_MASK64 = (1 << 64) - 1
_MASK32 = (1 << 32) - 1


def _to_int32(x: int) -> int:
    x &= _MASK32
    return x - (1 << 32) if x >= 1 << 31 else x


def _murmur3_bytes(data: bytes, seed: int) -> int:
    """Scala's MurmurHash3.bytesHash (32-bit), used to seed XORShiftRandom."""
    def mix_last(h: int, k: int) -> int:
        k = (k * 0xCC9E2D51) & _MASK32
        k = ((k << 15) | (k >> 17)) & _MASK32
        k = (k * 0x1B873593) & _MASK32
        return h ^ k

    h = seed & _MASK32
    full = len(data) - len(data) % 4
    for i in range(0, full, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        h = mix_last(h, k)
        h = ((h << 13) | (h >> 19)) & _MASK32
        h = (h * 5 + 0xE6546B64) & _MASK32
    tail = data[full:]
    if tail:
        h = mix_last(h, int.from_bytes(tail, "little"))
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK32
    h ^= h >> 16
    return h


def xorshift_start(index: int, bound: int) -> int:
    """``new XORShiftRandom(index).nextInt(bound)``, as Spark's coalesce(shuffle=True)
    picks where a map task starts dealing.

    >>> [xorshift_start(i, 4) for i in range(4)] == [xorshift_start(i, 4) for i in range(4)]
    True
    """
    data = (index & _MASK64).to_bytes(8, "big")
    low = _murmur3_bytes(data, 0x3C074A61)
    high = _murmur3_bytes(data, low)
    seed = ((high << 32) | low) & _MASK64

    def next_bits(bits: int) -> int:
        nonlocal seed
        s = seed ^ ((seed << 21) & _MASK64)
        s ^= s >> 35
        s ^= (s << 4) & _MASK64
        seed = s
        return s & ((1 << bits) - 1)

    r = next_bits(31)
    m = bound - 1
    if bound & m == 0:
        return (bound * r) >> 31
    u = r
    while True:  # java.util.Random.nextInt(bound), with Java's int overflow
        r = u % bound
        if _to_int32(u - r + m) >= 0:
            return r
        u = next_bits(31)


def round_robin_shuffle(rdd: RDD, num_partitions: int) -> RDD:
    """coalesce(n, shuffle=True): deal batches of 10 records round-robin."""
    batch = min(10, rdd.ctx._batchSize or 1024)

    def deal(map_id: int, records: Iterator) -> Iterator:
        position = xorshift_start(map_id, num_partitions)
        chunk: list = []
        for record in records:
            chunk.append(record)
            if len(chunk) == batch:
                position += 1
                yield position, chunk
                chunk = []
        if chunk:
            yield position + 1, chunk

    shuffled = ShuffledRDD(rdd, Partitioner(num_partitions, _position), write_records=deal)
    result = shuffled.mapPartitions(_flatten_chunks)
    result._dealt_batch = batch  # its chunks are PySpark's serialization batches (batches.py)
    return result


def _position(key: int) -> int:
    return key


def _flatten_chunks(pairs: Iterator) -> Iterator:
    for _, chunk in pairs:
        yield from chunk
