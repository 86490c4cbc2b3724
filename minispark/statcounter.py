"""StatCounter: count, mean, variance, min and max in one pass, mergeable.

Read this to see why ``stats()`` needs only one job: each task summarises its
partition into a StatCounter (Welford's running mean and sum of squared
deviations), and the driver merges the summaries pairwise with Chan's formula.
No value is ever sent to the driver, only five numbers per partition.

Like PySpark's, the counter takes ``max``, ``min`` and ``sqrt`` from numpy
when numpy is installed and from Python otherwise, so the *types* of
``min()``, ``max()`` and ``stdev()`` depend on the environment: with numpy,
``sc.parallelize([1, 4]).stats().max()`` is ``np.float64(4.0)``; without
it, the int ``4``. The values are the same either way. Read next:
``numeric.py`` (the actions that build these counters).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["StatCounter"]


def _operations():
    """numpy's maximum, minimum and sqrt if numpy imports, else Python's:
    the same choice PySpark's StatCounter makes in its constructor."""
    try:
        from numpy import maximum, minimum, sqrt
    except ImportError:
        return max, min, math.sqrt
    return maximum, minimum, sqrt


class StatCounter:
    """Running statistics of numbers, as ``pyspark.statcounter.StatCounter``.

    >>> s = StatCounter([1.0, 2.0, 3.0, 4.0])
    >>> s.count(), s.mean(), s.sum(), float(s.min()), float(s.max())
    (4, 2.5, 10.0, 1.0, 4.0)
    >>> round(s.variance(), 4), round(s.sampleVariance(), 4)
    (1.25, 1.6667)
    >>> s.mergeStats(StatCounter([5.0])).count()
    5
    >>> s
    (count: 5, mean: 3.0, stdev: 1.4142135623730951, max: 5.0, min: 1.0)
    """

    def __init__(self, values: Iterable[float] | None = None):
        self.maximum, self.minimum, self.sqrt = _operations()
        self.n = 0
        self.mu = 0.0
        self.m2 = 0.0
        self.maxValue = float("-inf")
        self.minValue = float("inf")
        for v in values or ():
            self.merge(v)

    def merge(self, value: float) -> StatCounter:
        """Add one value (Welford's update).

        >>> StatCounter().merge(2.0).merge(4.0).mean()
        3.0
        """
        delta = value - self.mu
        self.n += 1
        self.mu += delta / self.n
        self.m2 += delta * (value - self.mu)
        self.maxValue = self.maximum(self.maxValue, value)
        self.minValue = self.minimum(self.minValue, value)
        return self

    def mergeStats(self, other: StatCounter) -> StatCounter:
        """Merge another counter into this one (Chan's parallel formula).

        >>> StatCounter([1.0, 2.0]).mergeStats(StatCounter([3.0])).count()
        3
        >>> StatCounter().mergeStats([3.0])
        Traceback (most recent call last):
            ...
        TypeError: Can only merge StatCounter but got <class 'list'>
        """
        if not isinstance(other, StatCounter):
            raise TypeError(f"Can only merge StatCounter but got {type(other)}")
        if other is self:
            return self.mergeStats(other.copy())
        if other.n == 0:
            return self
        if self.n == 0:
            self.n, self.mu, self.m2 = other.n, other.mu, other.m2
            self.maxValue, self.minValue = other.maxValue, other.minValue
            return self
        delta = other.mu - self.mu
        total = self.n + other.n
        # Of the three equivalent mean updates, pick the numerically safest:
        # move the larger side's mean a little rather than averaging.
        if other.n * 10 < self.n:
            self.mu = self.mu + (delta * other.n) / total
        elif self.n * 10 < other.n:
            self.mu = other.mu - (delta * self.n) / total
        else:
            self.mu = (self.mu * self.n + other.mu * other.n) / total
        self.maxValue = self.maximum(self.maxValue, other.maxValue)
        self.minValue = self.minimum(self.minValue, other.minValue)
        self.m2 += other.m2 + (delta * delta * self.n * other.n) / total
        self.n = total
        return self

    def copy(self) -> StatCounter:
        """An independent copy.

        >>> StatCounter([1, 2]).copy().count()
        2
        """
        c = StatCounter()
        c.maximum, c.minimum, c.sqrt = self.maximum, self.minimum, self.sqrt
        c.n, c.mu, c.m2 = self.n, self.mu, self.m2
        c.maxValue, c.minValue = self.maxValue, self.minValue
        return c

    def count(self) -> int:
        """How many values were merged.

        >>> StatCounter([1.0, 2.0, 4.0]).count()
        3
        """
        return int(self.n)

    def mean(self) -> float:
        """The arithmetic mean (0.0 when empty, as in PySpark).

        >>> StatCounter([1.0, 2.0, 6.0]).mean()
        3.0
        """
        return self.mu

    def sum(self) -> float:
        """The total.

        >>> StatCounter([1.5, 2.5]).sum()
        4.0
        """
        return self.n * self.mu

    def min(self) -> float:
        """The smallest value (inf when empty).

        >>> print(StatCounter([3.0, -1.0]).min(), StatCounter().min())
        -1.0 inf
        """
        return self.minValue

    def max(self) -> float:
        """The largest value (-inf when empty).

        >>> print(StatCounter([3.0, -1.0]).max())
        3.0
        """
        return self.maxValue

    def variance(self) -> float:
        """Population variance (divides by n); NaN when empty.

        >>> StatCounter([1.0, 3.0]).variance()
        1.0
        """
        return float("nan") if self.n == 0 else self.m2 / self.n

    def sampleVariance(self) -> float:
        """Sample variance (divides by n - 1); NaN with fewer than two values.

        >>> StatCounter([1.0, 3.0]).sampleVariance()
        2.0
        """
        return float("nan") if self.n <= 1 else self.m2 / (self.n - 1)

    def stdev(self) -> float:
        """Population standard deviation (divides by n).

        >>> print(StatCounter([1.0, 3.0]).stdev())
        1.0
        """
        return self.sqrt(self.variance())

    def sampleStdev(self) -> float:
        """Sample standard deviation (divides by n - 1).

        >>> print(round(StatCounter([1.0, 3.0]).sampleStdev(), 6))
        1.414214
        """
        return self.sqrt(self.sampleVariance())

    def asDict(self, sample: bool = False) -> dict:
        """The statistics as a dict.

        Careful: PySpark's ``asDict`` has its flag backwards, and minispark
        keeps it so: the default (``sample=False``) reports the *sample*
        stdev and variance (divided by n - 1), ``sample=True`` the population
        ones (divided by n), the opposite of ``stdev()``/``sampleStdev()``.

        >>> sorted(StatCounter([1.0, 3.0]).asDict())
        ['count', 'max', 'mean', 'min', 'stdev', 'sum', 'variance']
        >>> print(StatCounter([1.0, 3.0]).asDict()["variance"], StatCounter([1.0, 3.0]).variance())
        2.0 1.0
        """
        return {
            "count": self.count(), "mean": self.mean(), "sum": self.sum(),
            "min": self.min(), "max": self.max(),
            "stdev": self.stdev() if sample else self.sampleStdev(),
            "variance": self.variance() if sample else self.sampleVariance(),
        }

    def __repr__(self) -> str:
        return (f"(count: {self.count()}, mean: {self.mean()}, stdev: {self.stdev()}, "
                f"max: {self.max()}, min: {self.min()})")
