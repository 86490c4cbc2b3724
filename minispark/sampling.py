"""Sampling: sample, randomSplit, takeSample, sampleByKey.

Read this to see how a *distributed* sample stays reproducible: every
partition draws from its own random generator seeded with ``seed ^ partition``
(then stirred, because neighbouring seeds start out alike), so the same seed
gives the same sample no matter which worker runs which task, or when. The
streams are the same as PySpark's, so a seeded sample selects the same
elements on both engines. sortByKey relies on this too: it samples with seed 1
to choose its range boundaries.

Sampling without replacement keeps each element with probability
``fraction`` (a Bernoulli trial); with replacement, each element appears a
Poisson(fraction)-distributed number of times.

Next: rdds/ for the concrete RDD classes.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["SamplingFunctions", "RDDSampler", "RDDRangeSampler", "RDDStratifiedSampler"]


class RDDSamplerBase:
    """A per-partition random stream: seeded by ``seed ^ partition``.

    The generator is made afresh for every computation of a partition and is
    never kept on the sampler: a task may compute the same partition twice at
    once (``r.zip(r.map(f))`` runs r's lineage once per side, in one worker, with
    one sampler object), and a shared generator would let one side draw the other
    side's numbers. PySpark keeps it on the sampler, but there each side of a zip
    runs in a Python worker of its own with its own copy.
    """

    def __init__(self, withReplacement: bool, seed: int | None = None):
        self._seed = seed if seed is not None else random.randint(0, sys.maxsize)
        self._withReplacement = withReplacement

    def initRandomGenerator(self, split: int) -> random.Random:
        rnd = random.Random(self._seed ^ split)
        for _ in range(10):  # stir: seeds of neighbouring partitions are close
            rnd.randint(0, 1)
        return rnd

    @staticmethod
    def getPoissonSample(rnd: random.Random, mean: float) -> int:
        """How many copies of one element to emit (Knuth's algorithm)."""
        if mean < 20.0:
            limit, p, k = math.exp(-mean), rnd.random(), 0
            while p > limit:
                k += 1
                p *= rnd.random()
        else:
            p, k = rnd.expovariate(mean), 0
            while p < 1.0:
                k += 1
                p += rnd.expovariate(mean)
        return k


class RDDSampler(RDDSamplerBase):
    """Bernoulli (or Poisson, with replacement) sampling of a partition."""

    def __init__(self, withReplacement: bool, fraction: float, seed: int | None = None):
        super().__init__(withReplacement, seed)
        self._fraction = fraction

    def func(self, split: int, iterator: Iterable) -> Iterator:
        rnd = self.initRandomGenerator(split)
        if self._withReplacement:
            for obj in iterator:
                for _ in range(self.getPoissonSample(rnd, self._fraction)):
                    yield obj
        else:
            for obj in iterator:
                if rnd.random() < self._fraction:
                    yield obj


class RDDRangeSampler(RDDSamplerBase):
    """Keeps elements whose random draw falls in [lower, upper): randomSplit."""

    def __init__(self, lowerBound: float, upperBound: float, seed: int | None = None):
        super().__init__(False, seed)
        self._lowerBound, self._upperBound = lowerBound, upperBound

    def func(self, split: int, iterator: Iterable) -> Iterator:
        rnd = self.initRandomGenerator(split)
        for obj in iterator:
            if self._lowerBound <= rnd.random() < self._upperBound:
                yield obj


class RDDStratifiedSampler(RDDSamplerBase):
    """A different fraction per key: sampleByKey."""

    def __init__(self, withReplacement: bool, fractions: dict, seed: int | None = None):
        super().__init__(withReplacement, seed)
        self._fractions = fractions

    def func(self, split: int, iterator: Iterable) -> Iterator:
        rnd = self.initRandomGenerator(split)
        for key, value in iterator:
            if self._withReplacement:
                for _ in range(self.getPoissonSample(rnd, self._fractions[key])):
                    yield key, value
            elif rnd.random() < self._fractions[key]:
                yield key, value


def _fraction_for_sample_size(wanted: int, total: int, with_replacement: bool) -> float:
    """A fraction that yields at least ``wanted`` elements with high probability."""
    fraction = float(wanted) / total
    if with_replacement:
        num_stdev = 9 if wanted < 12 else 5
        return fraction + num_stdev * math.sqrt(fraction / total)
    gamma = -math.log(0.00005) / total
    return min(1, fraction + gamma + math.sqrt(gamma * gamma + 2 * gamma * fraction))


class SamplingFunctions:
    """Random sampling (mixed into ``RDD``)."""

    def sample(self, withReplacement: bool, fraction: float, seed: int | None = None) -> Any:
        """A random sample: each element is kept with probability ``fraction``
        (so the size is only approximately ``fraction * count``). Narrow.

        >>> sc.parallelize(range(100), 4).sample(False, 0.1, seed=42).count() < 30
        True
        """
        if not fraction >= 0:
            raise ValueError(f"Fraction must be nonnegative, got {fraction}.")
        return self.mapPartitionsWithIndex(RDDSampler(withReplacement, fraction, seed).func, True)

    def randomSplit(self, weights: list[float], seed: int | None = None) -> list:
        """Split into RDDs with sizes roughly proportional to ``weights``; every
        element lands in exactly one of them (each split recomputes the input).

        >>> a, b = sc.parallelize(range(100), 2).randomSplit([0.3, 0.7], seed=1)
        >>> a.count() + b.count(), sorted(a.collect() + b.collect()) == list(range(100))
        (100, True)
        """
        for w in weights:
            if w < 0.0:
                raise ValueError(f"Weights must be nonnegative, got {weights}")
        total = float(sum(weights))
        if not total > 0:
            raise ValueError(f"Sum of weights must be positive, got {weights}")
        bounds = [0.0]
        for w in weights:
            bounds.append(bounds[-1] + w / total)
        if seed is None:
            seed = random.randint(0, 2 ** 32 - 1)
        return [self.mapPartitionsWithIndex(RDDRangeSampler(lo, hi, seed).func, True)
                for lo, hi in zip(bounds, bounds[1:], strict=False)]

    def takeSample(self, withReplacement: bool, num: int, seed: int | None = None) -> list:
        """Exactly ``num`` random elements (fewer if the RDD is smaller, without
        replacement), returned to the driver. Runs a count, then sampling jobs.

        >>> len(sc.parallelize(range(100), 2).takeSample(False, 5, seed=3))
        5
        """
        max_size = sys.maxsize - int(10.0 * math.sqrt(sys.maxsize))
        if num < 0:
            raise ValueError("Sample size cannot be negative.")
        if num > max_size:
            raise ValueError(f"Sample size cannot be greater than {max_size}.")
        if num == 0 or self.getNumPartitions() == 0:
            return []
        total = self.count()
        if total == 0:
            return []
        rand = random.Random(seed)
        if not withReplacement and num >= total:
            samples = self.collect()
            rand.shuffle(samples)
            return samples
        fraction = _fraction_for_sample_size(num, total, withReplacement)
        samples = self.sample(withReplacement, fraction, seed).collect()
        while len(samples) < num:  # rare: the first sample came out too small
            seed = rand.randint(0, sys.maxsize)
            samples = self.sample(withReplacement, fraction, seed).collect()
        rand.shuffle(samples)
        return samples[:num]
