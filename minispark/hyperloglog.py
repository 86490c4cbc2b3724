"""HyperLogLog++: counting distinct elements in a few kilobytes (countApproxDistinct).

Read this file to see how ``rdd.countApproxDistinct()`` counts a billion
distinct values without remembering any of them, and why its answer is
approximate.

Key terms
  register     one of ``m = 2**p`` small counters. Each element is hashed to 64
               bits; the first ``p`` bits choose a register, and the register
               keeps the largest *rank* seen there: the position of the first 1
               bit in the remaining ``64 - p`` bits. Seeing rank 10 is as unlikely
               as 2**10 coin tosses, so large ranks mean many distinct hashes.
  precision p  chosen from ``relativeSD`` exactly as Spark's RDD.countApproxDistinct
               does: ``p = ceil(2 * log2(1.054 / relativeSD))``; the standard error
               is about ``1.04 / sqrt(m)``. relativeSD 0.05 gives p = 9: 512
               registers, one byte each.
  merge        two sketches of the same p merge by taking the larger register,
               register by register. So each task sketches its partition and the
               driver merges the sketches: one job, a few KB per task on the
               network, whatever the data size.
  estimate     from the registers' harmonic mean.

What minispark shares with Spark (stream-lib's HyperLogLogPlus in dense mode,
as ``RDD.countApproxDistinct`` uses it): 64-bit hashes, the precision formula,
the PySpark error for ``relativeSD < 0.000017``, dense registers, merging by
maximum. Where it differs, and why:

* The hash. Spark hashes JVM objects (PySpark first reduces each element to a
  32-bit ``portable_hash``); minispark hashes a canonical byte encoding of the
  element with BLAKE2b (64 bits), so equal values (``1``, ``1.0``, ``True``) count
  once, the result never depends on ``PYTHONHASHSEED``, and it is the same on
  every run and machine. Results are therefore deterministic but not bit-for-bit
  equal to Spark's: both are within the stated accuracy of the true count.
* The small-range correction. HLL++ corrects the raw estimate's bias with
  empirical tables (about 200 points per precision, from the HLL++ paper).
  minispark uses Otmar Ertl's improved estimator instead ("New cardinality
  estimation algorithms for HyperLogLog sketches", 2017), which is unbiased over
  the whole range without tables, including the small counts where HLL++
  switches to linear counting.

Next: approx.py, the other approximate actions.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import struct
from collections.abc import Iterable
from typing import Any

__all__ = ["HyperLogLogPlus", "precision_for", "hash64"]

# PySpark's check (the JVM would otherwise fail later with p > 32).
MIN_RELATIVE_SD = 0.000017


def precision_for(relativeSD: float) -> int:
    """The register-index bits ``p`` Spark chooses for a relative standard deviation.

    >>> precision_for(0.05), precision_for(0.01), precision_for(0.2)
    (9, 14, 5)
    """
    if relativeSD < MIN_RELATIVE_SD:
        raise ValueError("relativeSD should be greater than 0.000017")
    p = math.ceil(2.0 * math.log(1.054 / relativeSD) / math.log(2))
    if p < 4:
        # Spark's own requirement (HyperLogLogPlus needs at least 16 registers).
        raise ValueError(f"p ({p}) must be >= 4: relativeSD {relativeSD} is too large")
    return p


def _encode(x: Any) -> bytes:
    """A canonical encoding: equal values (as Python compares them) encode alike."""
    if x is None:
        return b"N"
    if isinstance(x, str):
        return b"s" + x.encode("utf-8", "surrogatepass")
    if isinstance(x, bytes | bytearray):
        return b"b" + bytes(x)
    if isinstance(x, bool | int):
        return b"i" + str(int(x)).encode()
    if isinstance(x, float):
        if x.is_integer():
            return b"i" + str(int(x)).encode()
        return b"f" + struct.pack(">d", x)
    if isinstance(x, tuple):
        parts = [_encode(v) for v in x]
        return b"t" + b"".join(struct.pack(">I", len(p)) + p for p in parts)
    if isinstance(x, frozenset):
        parts = sorted(_encode(v) for v in x)
        return b"z" + b"".join(struct.pack(">I", len(p)) + p for p in parts)
    # Anything else (a dict, a user object): its pickle. Equal objects that pickle
    # differently count twice, as they would hash apart in Spark too.
    return b"p" + pickle.dumps(x, protocol=4)


def hash64(x: Any) -> int:
    """A 64-bit hash of ``x`` that is the same in every process and on every run.

    >>> hash64("spark") == hash64("spark"), hash64(1) == hash64(1.0) == hash64(True)
    (True, True)
    """
    return int.from_bytes(hashlib.blake2b(_encode(x), digest_size=8).digest(), "big")


class HyperLogLogPlus:
    """A dense HyperLogLog sketch of ``2**p`` registers (see the module docstring).

    >>> h = HyperLogLogPlus(9)
    >>> h.offer_all(str(i) for i in range(1000))
    >>> 950 <= h.cardinality() <= 1050
    True
    >>> other = HyperLogLogPlus(9); other.offer_all(str(i) for i in range(500, 1500))
    >>> 1425 <= h.merge(other).cardinality() <= 1575
    True
    """

    def __init__(self, p: int):
        if not 4 <= p <= 25:
            raise ValueError(f"precision p must be between 4 and 25, got {p}")
        self.p = p
        self.m = 1 << p
        self.registers = bytearray(self.m)

    def offer_hash(self, h: int) -> None:
        """Add an element by its 64-bit hash.

        >>> h = HyperLogLogPlus(4); h.offer_hash(1 << 59); max(h.registers)
        1
        """
        index = h >> (64 - self.p)
        rest = h & ((1 << (64 - self.p)) - 1)
        # rank: the position of the first 1 bit in the 64 - p remaining bits, 1-based.
        rank = (64 - self.p) - rest.bit_length() + 1
        if rank > self.registers[index]:
            self.registers[index] = rank

    def offer(self, x: Any) -> None:
        """Add one element.

        >>> h = HyperLogLogPlus(4); h.offer("a"); h.offer("a"); h.cardinality()
        1
        """
        self.offer_hash(hash64(x))

    def offer_all(self, items: Iterable) -> None:
        """Add every element of ``items``.

        >>> h = HyperLogLogPlus(10); h.offer_all(range(100)); 90 <= h.cardinality() <= 110
        True
        """
        for x in items:
            self.offer_hash(hash64(x))

    def merge(self, other: HyperLogLogPlus) -> HyperLogLogPlus:
        """Fold ``other`` into this sketch (register-wise maximum); returns self.

        >>> a, b = HyperLogLogPlus(8), HyperLogLogPlus(8); a.offer("x"); b.offer("y")
        >>> a.merge(b).cardinality()
        2
        """
        if other.p != self.p:
            raise ValueError(f"cannot merge sketches of precision {self.p} and {other.p}")
        self.registers = bytearray(map(max, self.registers, other.registers))
        return self

    def cardinality(self) -> int:
        """The estimated number of distinct elements offered (Ertl's estimator).

        >>> HyperLogLogPlus(4).cardinality()
        0
        """
        q = 64 - self.p
        counts = [0] * (q + 2)
        for r in self.registers:
            counts[r] += 1
        m = self.m
        if counts[0] == m:
            return 0
        z = m * _tau(1.0 - counts[q + 1] / m)
        for k in range(q, 0, -1):
            z = 0.5 * (z + counts[k])
        z += m * _sigma(counts[0] / m)
        return round(m * m / (2.0 * math.log(2)) / z)


def _sigma(x: float) -> float:
    # sigma(x) = x + sum_k x^(2^k) 2^(k-1): the correction for empty registers.
    if x == 1.0:
        return math.inf
    y, z = 1.0, x
    while True:
        x *= x
        z_old = z
        z += x * y
        y += y
        if z == z_old:
            return z


def _tau(x: float) -> float:
    # The correction for saturated registers (rank q + 1): only at astronomical counts.
    if x == 0.0 or x == 1.0:
        return 0.0
    y, z = 1.0, 1.0 - x
    while True:
        x = math.sqrt(x)
        z_old = z
        y *= 0.5
        z -= (1.0 - x) ** 2 * y
        if z == z_old:
            return z / 3.0
