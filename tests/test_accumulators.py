"""Accumulators: tasks add, the driver reads, successful attempts count once."""

from __future__ import annotations

import pytest

from minispark import AccumulatorParam
from minispark.errors import PythonException


def test_int_float_and_iadd(sc):
    count = sc.accumulator(0)
    total = sc.accumulator(0.5)
    sc.parallelize(range(10), 3).foreach(lambda x: count.add(1))
    sc.parallelize([0.25, 0.25], 2).foreach(lambda x: total.add(x))
    assert count.value == 10
    assert total.value == 1.0

    acc = sc.accumulator(1)

    def bump(it):
        nonlocal acc
        for x in it:
            acc += x
    sc.parallelize(range(5), 2).foreachPartition(bump)
    assert acc.value == 11


def test_custom_accumulator_param(sc):
    class MaxParam(AccumulatorParam):
        def zero(self, value):
            return float("-inf")

        def addInPlace(self, a, b):
            return max(a, b)

    biggest = sc.accumulator(float("-inf"), MaxParam())
    sc.parallelize([3, 9, 4, 1], 4).foreach(lambda x: biggest.add(x))
    assert biggest.value == 9


def test_no_default_param_for_other_types(sc):
    with pytest.raises(TypeError, match="AccumulatorParam"):
        sc.accumulator([])


def test_reading_value_inside_a_task_fails_the_job_clearly(sc):
    acc = sc.accumulator(0)
    with pytest.raises(PythonException, match="cannot be accessed inside tasks"):
        sc.parallelize([1], 1).map(lambda x: acc.value).collect()


def test_updates_in_a_transformation_count_again_when_recomputed(sc):
    # Spark's documented caveat: a transformation's updates are applied once
    # per successful computation; an uncached RDD is computed by each action.
    seen = sc.accumulator(0)

    def tag(x):
        seen.add(1)
        return x
    rdd = sc.parallelize(range(6), 2).map(tag)
    rdd.count()
    assert seen.value == 6
    rdd.count()
    assert seen.value == 12
    # cached: the second action reads the cache, the function does not run again
    cached_seen = sc.accumulator(0)

    def tag2(x):
        cached_seen.add(1)
        return x
    cached = sc.parallelize(range(6), 2).map(tag2).cache()
    cached.count()
    cached.count()
    assert cached_seen.value == 6
    cached.unpersist()


FAULTY_RUN = r"""
import json
from minispark import SparkContext
with SparkContext("local[2,4]", "faults") as sc:
    def run():
        acc = sc.accumulator(0)
        in_map = sc.accumulator(0)
        def mark(x):
            in_map.add(1)
            return x
        sc.parallelize(range(1000), 20).map(mark).foreach(lambda x: acc.add(x))
        return acc.value, in_map.value
    clean = run()
    from minispark.scheduler.listener import EventCollector
    events = EventCollector(); sc.addSparkListener(events)
    sc.faults.failTasks(0.3, seed=3)
    faulty = run()
    failed = [e for e in events.of_kind("TaskEnd") if e.data["reason"] != "Success"]
    print(json.dumps({"clean": clean, "faulty": faulty, "failed": len(failed)}))
"""


def test_accumulator_totals_survive_injected_failures_exactly(run_python):
    out = run_python(FAULTY_RUN)
    assert out["clean"] == [sum(range(1000)), 1000]
    assert out["failed"] >= 3          # about 30% of 20 tasks' first attempts, and retries
    assert out["faulty"] == out["clean"]  # failed attempts' updates were dropped
