"""Approximate actions (minispark/approx.py, hyperloglog.py).

countApproxDistinct is tested on classes of input (distinct strings, ints, tuples,
floats equal to ints, heavy duplication, skewed partitions) against the true count
and the accuracy the sketch promises: the error must stay within 4 standard errors
(1.04 / sqrt(2**p)), which a correct HyperLogLog misses with a probability of about
1 in 15,000 per estimate, and the same data must always give the same answer.
"""

from __future__ import annotations

import math

import pytest

from minispark.approx import BoundedFloat
from minispark.hyperloglog import HyperLogLogPlus, hash64, precision_for


def _within(estimate: int, truth: int, relative_sd: float) -> bool:
    p = precision_for(relative_sd)
    return abs(estimate - truth) <= max(2, 4 * 1.04 / math.sqrt(2 ** p) * truth)


INPUTS = {
    "strings": lambda n: [f"user-{i}" for i in range(n)],
    "ints": lambda n: list(range(n)),
    "negative_and_big_ints": lambda n: [(-1) ** i * i * 2**40 for i in range(n)],
    "tuples": lambda n: [(i % 7, str(i)) for i in range(n)],
    "duplicated_10x": lambda n: [i % n for i in range(10 * n)],
}


@pytest.mark.parametrize("kind", sorted(INPUTS))
@pytest.mark.parametrize("n", [1, 50, 3000, 40000])
@pytest.mark.parametrize("relative_sd", [0.05, 0.01])
def test_count_approx_distinct_accuracy(sc, kind, n, relative_sd):
    data = INPUTS[kind](n)
    truth = len(set(data))
    estimate = sc.parallelize(data, 3).countApproxDistinct(relative_sd)
    assert isinstance(estimate, int)
    assert _within(estimate, truth, relative_sd), (estimate, truth)


def test_equal_values_count_once_and_result_is_deterministic(sc):
    data = [1, 1.0, True, 2, 2.0] * 100
    assert sc.parallelize(data, 4).countApproxDistinct() == 2
    values = [f"k{i}" for i in range(5000)]
    runs = {sc.parallelize(values, n).countApproxDistinct() for n in (1, 2, 5, 9)}
    assert len(runs) == 1, "the partitioning must not change the estimate"


def test_hash_is_stable_across_processes(run_python):
    code = "import json; from minispark.hyperloglog import hash64; print(json.dumps(" \
           "[hash64('spark'), hash64((1, 'a')), hash64(2.5)]))"
    here = [hash64("spark"), hash64((1, "a")), hash64(2.5)]
    assert run_python(code, env={"PYTHONHASHSEED": "123"}) == here


@pytest.mark.parametrize("relative_sd", [0.000016, 0.0])
def test_relative_sd_too_small(sc, relative_sd):
    with pytest.raises(ValueError, match="relativeSD should be greater than 0.000017"):
        sc.parallelize([1]).countApproxDistinct(relative_sd)


def test_precision_follows_spark():
    # p = ceil(2 * log2(1.054 / relativeSD)), computed by hand for these values.
    assert [precision_for(x) for x in (0.05, 0.02, 0.01, 0.001, 0.3)] == [9, 12, 14, 21, 4]
    assert HyperLogLogPlus(9).m == 512


def test_sum_mean_count_approx_are_exact_when_every_task_finishes(sc):
    rdd = sc.parallelize([1, 2, 3, 4.5], 3)
    s, m = rdd.sumApprox(1000), rdd.meanApprox(10, 0.5)
    assert isinstance(s, BoundedFloat) and isinstance(m, BoundedFloat)
    assert (s, s.confidence, s.low, s.high) == (10.5, 1.0, 10.5, 10.5)
    assert (m, m.confidence, m.low, m.high) == (2.625, 1.0, 2.625, 2.625)
    assert rdd.countApprox(1000) == 4 and type(rdd.countApprox(1000)) is int
    assert sc.parallelize([], 2).meanApprox(100) == 0.0
    assert sc.parallelize([], 2).sumApprox(100) == 0.0


@pytest.mark.parametrize("args", [(-1,), (100, 1.5), (100, -0.1)])
def test_approx_argument_errors(sc, args):
    with pytest.raises(ValueError):
        sc.parallelize([1]).sumApprox(*args)


def test_bounded_float_pickles_with_its_bounds():
    import pickle
    b = pickle.loads(pickle.dumps(BoundedFloat(3.0, 0.9, 2.0, 4.0)))
    assert (b, b.confidence, b.low, b.high) == (3.0, 0.9, 2.0, 4.0)
