"""Numeric actions: sums, statistics and histograms of RDDs of numbers.

Read this to see the pattern of Spark's DoubleRDDFunctions: each task reduces
its partition to a small summary (a sum, a StatCounter, a list of bucket
counts) and only the summaries reach the driver. The cost is one job and
almost no network, whatever the size of the data.

Next: sampling.py.
"""

from __future__ import annotations

import bisect
import math
import operator
from collections.abc import Callable, Iterator
from typing import Any

from minispark.approx import ApproxFunctions
from minispark.statcounter import StatCounter

__all__ = ["NumericRDDFunctions"]


class NumericRDDFunctions(ApproxFunctions):
    """Actions on RDDs of numbers (mixed into ``RDD``); the approximate ones are in
    approx.py."""

    def sum(self) -> Any:
        """Add up the elements.

        >>> sc.parallelize([1.5, 2.5, 3]).sum()
        7.0
        """
        return self.mapPartitions(lambda it: [sum(it)]).fold(0, operator.add)

    def max(self, key: Callable[[Any], Any] | None = None) -> Any:
        """The largest element (or the one with the largest ``key``).

        >>> sc.parallelize([3, 9, 4]).max(), sc.parallelize(["aa", "b"]).max(key=len)
        (9, 'aa')
        """
        if key is None:
            return self.reduce(max)
        return self.reduce(lambda a, b: max(a, b, key=key))

    def min(self, key: Callable[[Any], Any] | None = None) -> Any:
        """The smallest element (or the one with the smallest ``key``).

        >>> sc.parallelize([3, 9, 4]).min()
        3
        """
        if key is None:
            return self.reduce(min)
        return self.reduce(lambda a, b: min(a, b, key=key))

    def stats(self) -> StatCounter:
        """Count, mean, variance, min and max in a single job.

        >>> sc.parallelize([1.0, 2.0, 3.0, 4.0]).stats()
        (count: 4, mean: 2.5, stdev: 1.118033988749895, max: 4.0, min: 1.0)

        With numpy installed, ``min()``, ``max()`` and the standard
        deviations are numpy floats, as in PySpark (see ``statcounter.py``).
        """
        return self.mapPartitions(lambda it: [StatCounter(it)]).reduce(
            lambda a, b: a.mergeStats(b))

    def mean(self) -> float:
        """The mean of the elements.

        >>> sc.parallelize([1, 2, 3, 4]).mean()
        2.5
        """
        return self.stats().mean()

    def variance(self) -> float:
        """The population variance.

        >>> sc.parallelize([1, 2, 3]).variance()
        0.6666666666666666
        """
        return self.stats().variance()

    def stdev(self) -> float:
        """The population standard deviation.

        >>> print(sc.parallelize([1, 3]).stdev())
        1.0
        """
        return self.stats().stdev()

    def sampleVariance(self) -> float:
        """The sample variance (divides by n - 1).

        >>> sc.parallelize([1, 2, 3]).sampleVariance()
        1.0
        """
        return self.stats().sampleVariance()

    def sampleStdev(self) -> float:
        """The sample standard deviation (divides by n - 1).

        >>> print(sc.parallelize([1, 2, 3]).sampleStdev())
        1.0
        """
        return self.stats().sampleStdev()

    def histogram(self, buckets: int | list | tuple) -> tuple[list, list]:
        """Count elements per bucket. ``buckets`` is a number of even buckets
        between min and max, or a sorted list of boundaries; every bucket is
        [low, high) except the last, which includes its upper boundary.

        >>> sc.parallelize(range(51)).histogram(2)
        ([0, 25, 50], [25, 26])
        >>> sc.parallelize([1, 2, 3, 10]).histogram([0, 5, 10])
        ([0, 5, 10], [3, 1])
        >>> sc.parallelize(["ab", "ac", "b", "bd", "ef"]).histogram(("a", "b", "c"))
        (('a', 'b', 'c'), [2, 2])
        """
        if isinstance(buckets, int):
            buckets, minv, maxv, inc, even, only_counts = self._even_buckets(buckets)
            if only_counts is not None:  # all values equal, or a single bucket
                return buckets, only_counts
        elif isinstance(buckets, list | tuple):
            minv, maxv, inc, even = _check_bucket_list(buckets)
        else:
            raise TypeError("buckets should be a list or tuple or number(int or long)")

        def count_buckets(iterator: Iterator) -> list:
            counters = [0] * len(buckets)
            for x in iterator:
                if x is None or (isinstance(x, float) and math.isnan(x)) or x > maxv or x < minv:
                    continue
                slot = int((x - minv) / inc) if even else bisect.bisect_right(buckets, x) - 1
                counters[slot] += 1
            last = counters.pop()  # the top boundary belongs to the last bucket
            counters[-1] += last
            return [counters]
        counts = self.mapPartitions(count_buckets).reduce(
            lambda a, b: [i + j for i, j in zip(a, b, strict=True)])
        return buckets, counts  # as given: a tuple stays a tuple, as in PySpark

    def _even_buckets(self, count: int) -> tuple:
        if count < 1:
            raise ValueError("number of buckets must be >= 1")
        comparable = self.filter(
            lambda x: x is not None and not (type(x) is float and math.isnan(x)))
        minv, maxv = comparable.map(lambda x: (x, x)).reduce(
            lambda a, b: (min(a[0], b[0]), max(a[1], b[1])))
        if minv == maxv or count == 1:
            return [minv, maxv], minv, maxv, None, True, [comparable.count()]
        try:
            inc = (maxv - minv) / count
        except TypeError:
            raise TypeError("Can not generate buckets with non-number in RDD") from None
        if math.isinf(inc):
            raise ValueError("Can not generate buckets with infinite value")
        inc = int(inc)  # keep integer boundaries when they divide evenly
        if inc * count != maxv - minv:
            inc = (maxv - minv) * 1.0 / count
        buckets = [i * inc + minv for i in range(count)]
        buckets.append(maxv)  # avoid accumulated rounding at the top
        return buckets, minv, maxv, inc, True, None


def _check_bucket_list(buckets: list | tuple) -> tuple:
    if len(buckets) < 2:
        raise ValueError("buckets should have more than one value")
    if any(b is None or (isinstance(b, float) and math.isnan(b)) for b in buckets):
        raise ValueError("can not have None or NaN in buckets")
    if sorted(buckets) != list(buckets):
        raise ValueError("buckets should be sorted")
    if len(set(buckets)) != len(buckets):
        raise ValueError("buckets should not contain duplicated values")
    minv, maxv = buckets[0], buckets[-1]
    try:
        steps = [buckets[i + 1] - buckets[i] for i in range(len(buckets) - 1)]
    except TypeError:
        return minv, maxv, None, False  # boundaries without '-': bisect only
    if max(steps) - min(steps) < 1e-10:
        return minv, maxv, (maxv - minv) / (len(buckets) - 1), True
    return minv, maxv, None, False
