"""sc.faults: injected faults are recovered from, and the result never changes."""

from __future__ import annotations

from operator import add

import pytest

from minispark.errors import PythonException
from minispark.faults import FaultInjector

DATA = [(f"k{i % 7}", i) for i in range(300)]
EXPECTED = {}
for _k, _v in DATA:
    EXPECTED[_k] = EXPECTED.get(_k, 0) + _v


@pytest.fixture(autouse=True)
def no_faults_left(sc):
    yield
    sc.faults.clear()


def test_a_failed_task_fails_the_job_without_retries_in_plain_local_mode(sc, events):
    sc.faults.failTask(partition=1)
    with pytest.raises(PythonException, match="InjectedFault: injected failure of task 1"):
        sc.parallelize(range(4), 2).collect()
    sc.faults.clear()
    assert sc.parallelize(range(4), 2).collect() == [0, 1, 2, 3]


def test_a_killed_worker_is_replaced_and_the_result_is_unchanged(sc, events):
    sc.faults.killWorkerDuring(partition=2)
    sums = sc.parallelize(DATA, 4).reduceByKey(add, 3)
    assert dict(sums.collect()) == EXPECTED
    removed = events.of_kind("ExecutorRemoved")
    added = events.of_kind("ExecutorAdded")
    assert len(removed) == 1 and len(added) == 1  # one worker died, one replaced it
    lost = [e for e in events.of_kind("TaskEnd") if e.data["reason"] != "Success"]
    assert len(lost) == 1 and lost[0].data["task_info"].index == 2
    assert len(sc._backend.workers) == 2


def test_lost_shuffle_output_reruns_only_the_missing_map_tasks(sc, events):
    sums = sc.parallelize(DATA, 5).reduceByKey(add, 2)
    assert dict(sums.collect()) == EXPECTED
    assert sc.faults.loseShuffleOutput(sums, mapIds=[1, 3]) == 2
    events.clear()
    assert dict(sums.collect()) == EXPECTED
    reruns = [s for s in events.stages() if s.kind == "ShuffleMapStage"]
    assert [s.num_tasks_run for s in reruns] == [2]  # maps 1 and 3, not all 5
    map_tasks = [e.data["task_info"].index for e in events.of_kind("TaskEnd")
                 if e.data["task_type"] == "ShuffleMapTask"]
    assert sorted(map_tasks) == [1, 3]
    assert any((s.failure_reason or "").startswith("FetchFailed") for s in events.stages())


def test_dropped_cached_blocks_are_recomputed_from_lineage(sc):
    computed = sc.accumulator(0)

    def count_it(x):
        computed.add(1)
        return x * 2
    rdd = sc.parallelize(range(8), 4).map(count_it).cache()
    assert rdd.sum() == 56 and computed.value == 8
    assert rdd.sum() == 56 and computed.value == 8   # from the cache
    sc.faults.dropCachedBlocks(rdd)
    assert rdd.sum() == 56 and computed.value == 16  # recomputed once...
    assert rdd.sum() == 56 and computed.value == 16  # ...and cached again
    rdd.unpersist()


def test_fail_tasks_is_deterministic_and_spares_the_last_attempt():
    a, b = FaultInjector(None), FaultInjector(None)
    a.failTasks(0.3, seed=5)
    b.failTasks(0.3, seed=5)
    decisions_a = [a.decide(s, p, t, 4) for s in range(3) for p in range(50) for t in range(4)]
    decisions_b = [b.decide(s, p, t, 4) for s in range(3) for p in range(50) for t in range(4)]
    assert decisions_a == decisions_b
    first_attempts = [a.decide(s, p, 0, 4) for s in range(3) for p in range(50)]
    assert 0.15 < first_attempts.count("raise") / len(first_attempts) < 0.45
    assert all(a.decide(s, p, 3, 4) is None for s in range(3) for p in range(50))
    with pytest.raises(ValueError, match="between 0 and 1"):
        a.failTasks(1.5)


RETRIES = r"""
import json
from operator import add
from minispark import SparkContext
from minispark.scheduler.listener import EventCollector
data = [(i % 11, i) for i in range(2000)]
with SparkContext("local[2,4]", "retries") as sc:
    clean = sorted(sc.parallelize(data, 20).reduceByKey(add, 4).collect())
    events = EventCollector(); sc.addSparkListener(events)
    sc.faults.failTasks(0.3, seed=11)
    faulty = sorted(sc.parallelize(data, 20).reduceByKey(add, 4).collect())
    failed = sum(1 for e in events.of_kind("TaskEnd") if e.data["reason"] != "Success")
    print(json.dumps({"same": clean == faulty, "failed": failed,
                      "expected": clean == sorted({k: sum(v for kk, v in data if kk == k)
                                                   for k in range(11)}.items())}))
"""


def test_thirty_percent_failed_attempts_still_give_the_fault_free_result(run_python):
    out = run_python(RETRIES)
    assert out["expected"] and out["same"]
    assert out["failed"] >= 4  # 30% of 24 first attempts, give or take, plus retries
