"""Approximate actions: answers with error bounds (countApprox, sumApprox, meanApprox,
countApproxDistinct).

Read this file to see what "approximate" means in Spark's RDD API. There are two
different ideas behind the four methods:

* **Partial results** (``countApprox``, ``sumApprox``, ``meanApprox``). Spark
  starts the job and waits at most ``timeout`` milliseconds. The finished tasks'
  results are extrapolated to the whole RDD, with a confidence interval for
  ``confidence`` (Spark's SumEvaluator and MeanEvaluator). The answer is a
  ``BoundedFloat``: a float with ``confidence``, ``low`` and ``high``. When every
  task finishes before the timeout, Spark returns the exact value with
  confidence 1.0 and ``low == high == value``.
* **Sketches** (``countApproxDistinct``). The job runs completely, but each task
  summarises its partition into a fixed-size HyperLogLog++ sketch instead of
  shipping the values; see hyperloglog.py.

minispark differs for partial results: its jobs always run to completion, so the
result is always the exact one Spark gives when all tasks finish in time
(confidence 1.0, ``low == high``). A graded answer must not depend on how busy
the machine is, and on a real cluster you should expect extrapolated values when
the timeout is short.

These methods are mixed into ``RDD`` through NumericRDDFunctions (numeric.py).

Next: hyperloglog.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from minispark.hyperloglog import HyperLogLogPlus, precision_for

__all__ = ["BoundedFloat", "ApproxFunctions"]


class BoundedFloat(float):
    """A float with error bounds, as returned by an approximate job (PySpark's
    ``pyspark.core.rdd.BoundedFloat``).

    >>> b = BoundedFloat(100.0, 0.95, 95.0, 105.0)
    >>> b, b.confidence, b.low, b.high
    (100.0, 0.95, 95.0, 105.0)
    """

    confidence: float
    low: float
    high: float

    def __new__(cls, mean: float, confidence: float, low: float, high: float) -> BoundedFloat:
        obj = float.__new__(cls, mean)
        obj.confidence = confidence
        obj.low = low
        obj.high = high
        return obj

    def __reduce__(self) -> tuple:
        # float's own pickling would drop the bounds.
        return (BoundedFloat, (float(self), self.confidence, self.low, self.high))


def _check_timeout(timeout: int, confidence: float) -> None:
    if timeout < 0:
        raise ValueError(f"timeout must be >= 0 milliseconds, got {timeout}")
    if not 0.0 <= confidence <= 1.0:
        # Spark: require(0.0 <= confidence && confidence <= 1.0)
        raise ValueError(f"confidence ({confidence}) must be between 0.0 and 1.0")


def _exact(value: float) -> BoundedFloat:
    # What Spark's SumEvaluator/MeanEvaluator report once every task has finished.
    return BoundedFloat(value, 1.0, value, value)


class ApproxFunctions:
    """Approximate actions (mixed into ``RDD`` through NumericRDDFunctions)."""

    def countApprox(self, timeout: int, confidence: float = 0.95) -> int:
        """Count the elements, waiting at most ``timeout`` milliseconds; returns an int.

        As PySpark: the int of ``sumApprox`` over the partitions' counts. minispark
        always waits for every task (see the module docstring), so this is
        ``count()``.

        >>> sc.parallelize(range(1000), 10).countApprox(1000, 1.0)
        1000
        """
        _check_timeout(timeout, confidence)
        counts = self.mapPartitions(lambda it: [float(sum(1 for _ in it))])
        return int(counts.sumApprox(timeout, confidence))

    def sumApprox(self, timeout: int, confidence: float = 0.95) -> BoundedFloat:
        """Approximate sum within ``timeout`` milliseconds, as a BoundedFloat.

        All tasks finish in minispark, so the bounds are exact (confidence 1.0).

        >>> r = sc.parallelize(range(1000), 10).sumApprox(1000)
        >>> r, r.confidence, r.low == r.high == 499500.0
        (499500.0, 1.0, True)
        """
        _check_timeout(timeout, confidence)
        total = self.mapPartitions(lambda it: [float(sum(it))]).fold(0.0, float.__add__)
        return _exact(total)

    def meanApprox(self, timeout: int, confidence: float = 0.95) -> BoundedFloat:
        """Approximate mean within ``timeout`` milliseconds, as a BoundedFloat.

        An empty RDD gives 0.0, the mean of an empty StatCounter (as in Spark).

        >>> r = sc.parallelize(range(1000), 10).meanApprox(1000)
        >>> r, (r.low, r.high, r.confidence)
        (499.5, (499.5, 499.5, 1.0))
        """
        _check_timeout(timeout, confidence)
        stats = self.map(float).stats()
        return _exact(stats.mean())

    def countApproxDistinct(self, relativeSD: float = 0.05) -> int:
        """Approximate number of distinct elements, with HyperLogLog++ (hyperloglog.py).

        ``relativeSD`` is the relative accuracy (standard deviation of the error);
        smaller values use more registers (``2**p``, ``p`` chosen as Spark does). It
        must be at least 0.000017. The result is deterministic (same data, same
        answer on every run), within the stated accuracy of the true count, but not
        bit-for-bit Spark's: Spark hashes JVM objects, minispark a canonical encoding
        of each Python value.

        >>> n = sc.parallelize(range(1000)).map(str).countApproxDistinct()
        >>> 900 < n < 1100
        True
        >>> sc.parallelize([i % 20 for i in range(1000)], 4).countApproxDistinct()
        20
        >>> sc.parallelize([1]).countApproxDistinct(0.00001)
        Traceback (most recent call last):
          ...
        ValueError: relativeSD should be greater than 0.000017
        """
        p = precision_for(relativeSD)

        def sketch(iterator: Iterator[Any]) -> list:
            h = HyperLogLogPlus(p)
            h.offer_all(iterator)
            return [h]
        sketches = self.mapPartitions(sketch).collect()
        merged = HyperLogLogPlus(p)
        for h in sketches:
            merged.merge(h)
        return merged.cardinality()
