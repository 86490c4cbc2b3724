"""SparkContext: one active per process, lifecycle, master URLs, local properties.

Creating and stopping other contexts would disturb the session's shared ``sc``,
so those tests run in a fresh interpreter (``run_python``).
"""

from __future__ import annotations

import os

import pytest

from minispark import SparkContext, TaskContext


def test_second_active_context_raises_value_error(sc):
    with pytest.raises(ValueError, match="Cannot run multiple SparkContexts at once"):
        SparkContext("local[1]", "second")
    # the failed attempt must not have replaced or broken the active one
    assert SparkContext.getOrCreate() is sc
    assert sc.parallelize(range(5)).count() == 5


def test_get_or_create_returns_the_active_context(sc):
    assert SparkContext.getOrCreate() is sc
    assert sc.master == "local[2]"
    assert sc.defaultParallelism == 2
    assert sc.parallelize(range(10)).getNumPartitions() == 2
    assert sc.defaultMinPartitions == 2


def test_stop_then_a_new_context_works(run_python):
    out = run_python(r"""
import json
from minispark import SparkContext
first = SparkContext("local[2]", "first")
a = first.parallelize(range(10)).sum()
local_dir = first._local_dir
first.stop()
first.stop()  # idempotent
import os
removed = not os.path.exists(local_dir)
try:
    first.parallelize([1]).count()
    stopped_error = None
except Exception as e:
    stopped_error = str(e)
second = SparkContext("local[1]", "second")
b = second.parallelize(range(4)).map(lambda x: x * 10).collect()
same = SparkContext.getOrCreate() is second
second.stop()
with SparkContext("local", "third") as third:
    c = third.parallelize([1, 2, 3]).count()
after_with = SparkContext._active_spark_context is None
print(json.dumps({"a": a, "b": b, "c": c, "same": same, "removed": removed,
                  "stopped_error": stopped_error, "after_with": after_with}))
""")
    assert out["a"] == 45 and out["b"] == [0, 10, 20, 30] and out["c"] == 3
    assert out["same"] and out["after_with"]
    assert out["removed"]  # stop() deleted the shuffle/cache directory
    assert out["stopped_error"] and "stopped SparkContext" in out["stopped_error"]


def test_master_urls_set_default_parallelism(run_python):
    out = run_python(r"""
import json, os
from minispark import SparkConf, SparkContext
result = {}
for master in ["local", "local[3]", "local[*]", "local[2,3]"]:
    with SparkContext(master, "m") as sc:
        rdd = sc.parallelize(range(30))
        result[master] = [sc.defaultParallelism, rdd.getNumPartitions(),
                          sc.defaultMinPartitions]
conf = SparkConf().set("spark.default.parallelism", "5")
with SparkContext("local[3]", "p", conf=conf) as sc:
    result["conf"] = [sc.defaultParallelism, sc.parallelize(range(30)).getNumPartitions()]
try:
    SparkContext("yarn", "bad")
    result["bad"] = None
except ValueError as e:
    result["bad"] = str(e)
result["cpus"] = os.cpu_count()
print(json.dumps(result))
""")
    assert out["local"] == [1, 1, 1]
    assert out["local[3]"] == [3, 3, 2]           # defaultMinPartitions = min(3, 2)
    assert out["local[*]"][:2] == [out["cpus"], out["cpus"]]
    assert out["local[2,3]"][:2] == [2, 2]        # F is attempts, not parallelism
    assert out["conf"] == [5, 5]
    assert out["bad"] and "yarn" in out["bad"]


def test_local_n_f_retries_a_failing_task(run_python):
    out = run_python(r"""
import json
from minispark import SparkContext, TaskContext
def flaky(x):
    if TaskContext.get().attemptNumber() < 2:
        raise RuntimeError("flaky")
    return x
with SparkContext("local[2,3]", "retry") as sc:
    ok = sc.parallelize(range(6), 2).map(flaky).collect()
with SparkContext("local[2]", "noretry") as sc:
    try:
        sc.parallelize(range(6), 2).map(flaky).collect()
        failed = None
    except Exception as e:
        failed = str(e).splitlines()[0]
print(json.dumps({"ok": ok, "failed": failed}))
""")
    assert out["ok"] == list(range(6))            # third attempt succeeds with F = 3
    assert out["failed"] == "RuntimeError: flaky"  # local[2]: a single attempt


def test_local_property_is_visible_inside_tasks(sc):
    sc.setLocalProperty("course.lab", "ch06a")
    try:
        seen = sc.parallelize(range(4), 2).map(
            lambda _: TaskContext.get().getLocalProperty("course.lab")).collect()
        assert seen == ["ch06a"] * 4
        assert sc.getLocalProperty("course.lab") == "ch06a"
    finally:
        sc.setLocalProperty("course.lab", None)
    assert sc.getLocalProperty("course.lab") is None
    seen = sc.parallelize(range(2), 2).map(
        lambda _: TaskContext.get().getLocalProperty("course.lab")).collect()
    assert seen == [None, None]


def test_job_group_is_visible_in_tasks_and_status_tracker(sc, events):
    sc.setJobGroup("grading", "grade chapter 6a")
    try:
        props = sc.parallelize(range(3), 3).map(lambda _: (
            TaskContext.get().getLocalProperty("spark.jobGroup.id"),
            TaskContext.get().getLocalProperty("spark.job.description"))).collect()
    finally:
        sc.setJobGroup(None, None)
    assert props == [("grading", "grade chapter 6a")] * 3
    (start,) = events.of_kind("JobStart")
    assert start.data["properties"]["spark.jobGroup.id"] == "grading"
    job_id = start.data["job_id"]
    tracker = sc.statusTracker()
    assert job_id in tracker.getJobIdsForGroup("grading")
    assert tracker.getJobInfo(job_id).status == "SUCCEEDED"
    sc.parallelize([1]).count()
    assert job_id == tracker.getJobIdsForGroup("grading")[-1]  # later job not in the group


def test_task_context_inside_tasks(sc):
    info = sc.parallelize(range(6), 3).mapPartitions(lambda it: [(
        TaskContext.get().partitionId(), TaskContext.get().attemptNumber(),
        TaskContext.get().stageId() >= 0, os.getpid())]).collect()
    assert [i[:3] for i in info] == [(0, 0, True), (1, 0, True), (2, 0, True)]
    assert os.getpid() not in {i[3] for i in info}  # tasks run in worker processes
    assert TaskContext.get() is None  # on the driver


def test_referencing_the_context_in_a_task_fails_clearly(sc):
    with pytest.raises(Exception, match="SPARK-5063"):
        sc.parallelize([1, 2]).map(lambda x: sc.appName).collect()
    assert sc.parallelize([1, 2]).count() == 2


def test_run_job_on_some_partitions(sc):
    rdd = sc.parallelize(range(9), 3)  # [0,1,2] [3,4,5] [6,7,8]
    assert sc.runJob(rdd, lambda it: [sum(it)], [0, 2]) == [3, 21]
    assert sc.runJob(rdd, lambda it: it) == list(range(9))


THREAD_STARTED = r"""
import json, threading
from minispark import SparkContext
with SparkContext("local[2]", "threads") as sc:
    first = []
    t = threading.Thread(target=lambda: first.append(sc.parallelize([1]).count()))
    t.start(); t.join()   # the workers were started by a thread that has now ended
    print(json.dumps([first[0], sc.parallelize([1, 2], 2).count()]))
"""


def test_workers_outlive_the_thread_that_started_them(run_python):
    # Streaming runs batches on their own threads; a worker started there must
    # keep serving jobs after that thread ends.
    assert run_python(THREAD_STARTED) == [1, 2]
