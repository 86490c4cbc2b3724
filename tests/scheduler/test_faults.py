"""Failures: user exceptions, dying workers, lost shuffle files.

Spark's rules in local mode: a task whose code raises is not retried (local[N]
allows one attempt) and the job fails with the user's exception; a task whose
process died is re-run on a fresh worker; a reducer that cannot read a map
output makes the scheduler recompute that output from lineage.
"""

from __future__ import annotations

import glob
import os
from operator import add

import pytest

from minispark import TaskContext
from minispark.errors import PythonException


def boom_on_seven(x):
    if x == 7:
        raise ValueError("boom")
    return x


def test_user_exception_reaches_the_driver_with_where_it_happened(sc, events):
    # parallelize(range(10), 2) slices into [0..4] and [5..9]: 7 is in partition 1.
    rdd = sc.parallelize(range(10), 2).map(boom_on_seven)
    with pytest.raises(PythonException) as info:
        rdd.collect()
    error = info.value
    message = str(error)
    assert message.splitlines()[0] == "ValueError: boom"
    assert "stage" in message and "partition 1" in message
    assert error.exception_type == "ValueError"
    assert error.partition == 1
    assert error.attempts == 1  # local[2]: no retry of a task that raised
    assert "boom_on_seven" in message  # the user's own frame is shown
    assert isinstance(error.__cause__, ValueError)
    assert str(error.__cause__) == "boom"

    job_ends = events.of_kind("JobEnd")
    assert [e.data["result"] for e in job_ends] == ["JobFailed"]
    failed = [s for s in events.stages() if s.failure_reason]
    assert failed and "ValueError: boom" in failed[0].failure_reason


def test_context_is_usable_after_a_failed_job(sc):
    with pytest.raises(PythonException):
        sc.parallelize(range(10), 2).map(boom_on_seven).count()
    assert sc.statusTracker().getActiveJobsIds() == []
    assert sc.parallelize(range(10), 2).map(lambda x: x * x).sum() == 285
    pairs = sc.parallelize([(i % 3, i) for i in range(30)], 3).reduceByKey(add)
    assert sorted(pairs.collect()) == [(0, 135), (1, 145), (2, 155)]


def exit_on_first_attempt_of_partition_1(index, iterator):
    context = TaskContext.get()
    if index == 1 and context.attemptNumber() == 0:
        os._exit(1)
    return iterator


def test_worker_killed_on_first_attempt_is_recovered(sc, events):
    rdd = sc.parallelize(range(100), 2).mapPartitionsWithIndex(
        exit_on_first_attempt_of_partition_1)
    assert rdd.sum() == sum(range(100))

    ends = events.of_kind("TaskEnd")
    failed = [e for e in ends if not e.data["task_info"].successful]
    assert len(failed) == 1
    assert failed[0].data["task_info"].index == 1
    assert failed[0].data["task_info"].attempt == 0
    retried = [e.data["task_info"] for e in ends
               if e.data["task_info"].index == 1 and e.data["task_info"].successful]
    assert [t.attempt for t in retried] == [1]
    assert len(events.of_kind("ExecutorRemoved")) == 1
    assert len(events.of_kind("ExecutorAdded")) == 1  # its replacement


def always_exit(iterator):
    os._exit(3)
    return iterator


def test_task_that_always_kills_its_worker_fails_after_retries(sc, events):
    with pytest.raises(PythonException) as info:
        sc.parallelize(range(4), 2).mapPartitions(always_exit).collect()
    message = str(info.value)
    assert "exited" in message
    assert info.value.attempts > 1
    # one worker process lost per attempt, each one replaced
    assert len(events.of_kind("ExecutorRemoved")) >= info.value.attempts
    # and the context still works, on fresh workers
    assert sc.parallelize(range(4), 2).collect() == [0, 1, 2, 3]


def test_lost_shuffle_files_are_recomputed_from_lineage(sc, events):
    # One reduce partition: a single reducer meets the lost files one at a time.
    # (With two reducers a stale fetch failure from an older stage attempt can
    # race with the recomputation; see the engine bug report.)
    data = [(f"k{i % 13}", i) for i in range(500)]
    expected = {}
    for k, v in data:
        expected[k] = expected.get(k, 0) + v
    sums = sc.parallelize(data, 3).reduceByKey(add, 1)
    assert dict(sums.collect()) == expected
    (map_stage,) = [s for s in events.stages() if s.kind == "ShuffleMapStage"]

    shuffle_dir = os.path.join(sc._local_dir, "shuffle")
    files = glob.glob(os.path.join(shuffle_dir, f"shuffle_{map_stage.shuffle_id}_*.data"))
    assert len(files) == 3  # one data file per map task
    for path in files:
        os.remove(path)
    events.clear()

    assert dict(sums.collect()) == expected
    stages = events.stages()
    assert any(s.failure_reason and s.failure_reason.startswith("FetchFailed")
               for s in stages)
    rerun = [s for s in stages if s.kind == "ShuffleMapStage"]
    assert rerun and all(s.shuffle_id == map_stage.shuffle_id for s in rerun)
    assert sum(s.num_tasks_run for s in rerun) >= 3  # every lost output rebuilt
    assert len(glob.glob(os.path.join(shuffle_dir,
                                      f"shuffle_{map_stage.shuffle_id}_*.data"))) >= 3
    # and a third action finds the rebuilt output: nothing recomputed
    events.clear()
    assert dict(sums.collect()) == expected
    assert [s.kind for s in events.stages()] == ["ResultStage"]


def test_cached_blocks_of_a_dead_worker_are_recomputed(sc, events, compute_log):
    cached = sc.parallelize(range(20), 2).map(compute_log.recorder()).cache()
    assert cached.count() == 20
    holders = {e.data["block_id"]: e.data["executor_id"]
               for e in events.of_kind("BlockUpdated")}
    assert sorted(holders) == [f"rdd_{cached.id()}_0", f"rdd_{cached.id()}_1"]

    # another job whose tasks' first attempts kill their workers
    def exit_on_first_attempt(iterator):
        if TaskContext.get().attemptNumber() == 0:
            os._exit(1)
        return iterator

    assert sc.parallelize(range(2), 2).mapPartitions(exit_on_first_attempt).collect() == [0, 1]
    dead = {e.data["executor_id"] for e in events.of_kind("ExecutorRemoved")}
    assert dead
    lost = sum(1 for worker in holders.values() if worker in dead)

    assert sorted(cached.collect()) == list(range(20))
    # each partition is 10 records: only the dead worker's ones were recomputed
    assert compute_log.count() == 20 + 10 * lost


def test_lost_shuffle_files_with_two_reducers_are_recomputed(sc, events):
    # Two reducers both fail to fetch: the second failure must not strand the
    # map stage (it used to, about one run in four).
    data = [(f"k{i % 13}", i) for i in range(500)]
    expected = {}
    for k, v in data:
        expected[k] = expected.get(k, 0) + v
    sums = sc.parallelize(data, 3).reduceByKey(add, 2)
    assert dict(sums.collect()) == expected
    for attempt in range(3):
        for path in glob.glob(os.path.join(sc._local_dir, "shuffle", "*.data")):
            os.remove(path)
        assert dict(sums.collect()) == expected, f"round {attempt}"


def slow_first_attempt_of_reducer_1(marker):
    def slow(index, iterator):
        import time
        if index == 1 and TaskContext.get().attemptNumber() == 0 and not os.path.exists(marker):
            open(marker, "w").close()
            time.sleep(0.2)  # this reducer reports its fetch failure late
        return iterator
    return slow


def test_a_late_fetch_failure_from_an_old_stage_attempt_is_ignored(sc, tmp_path):
    # Spark ignores fetch failures from a stage attempt that was already
    # resubmitted: the output they name may have been rebuilt since.
    sums = sc.parallelize([(i % 13, i) for i in range(2000)], 20).reduceByKey(add, 2)
    expected = sorted(sums.collect())
    for trial in range(4):
        for path in glob.glob(os.path.join(sc._local_dir, "shuffle", "*.data")):
            os.remove(path)
        slow = slow_first_attempt_of_reducer_1(str(tmp_path / f"mark{trial}"))
        assert sorted(sums.mapPartitionsWithIndex(slow).collect()) == expected


def _state(pid: int) -> str:
    """The process's state letter from /proc ('Z' for a zombie), or 'gone'."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(line.split()[1] for line in f if line.startswith("State:"))
    except (FileNotFoundError, ProcessLookupError):   # gone before open, or while reading
        return "gone"


def _terminate_idle_workers(sc) -> dict[int, str]:
    """SIGTERM every (idle) worker; wait up to 30 s for them to go; pid -> final state."""
    import signal
    import time

    pids = [w.proc.pid for w in sc._backend.workers]
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_state(p) not in ("gone", "X") for p in pids):
        time.sleep(0.05)
    return {p: _state(p) for p in pids}


def test_a_worker_killed_from_outside_is_reaped_while_idle(sc):
    # Jupyter's kernel SIGTERMs its children at shutdown and waits until they are gone: a
    # worker left as a zombie (dead, never waited for) held every kernel shutdown ~2.5 s.
    assert sc.parallelize(range(4), 2).count() == 4
    states = _terminate_idle_workers(sc)
    assert states == {p: "gone" for p in states}
    assert sc.parallelize(range(4), 2).count() == 4      # and the pool is refilled


def test_a_task_waiting_for_a_worker_that_died_idle_runs_elsewhere(sc):
    # Each cached partition names the worker holding it, and its next task waits for that
    # worker while it lives. Both die idle: the tasks must neither wait for them nor find
    # no worker at all, and the lost blocks come back from lineage.
    rdd = sc.parallelize(range(4), 2).cache()
    assert rdd.count() == 4
    _terminate_idle_workers(sc)
    try:
        assert sorted(rdd.collect()) == [0, 1, 2, 3]
    finally:
        rdd.unpersist()
