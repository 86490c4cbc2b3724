"""updateStateByKey on the ManualClock: state added and dropped, initialRDD,
and the data checkpoints that keep the lineage of a long-running state flat."""

from __future__ import annotations

import os

import pytest

from minispark.streaming import ManualClock, StreamingContext
from minispark.streaming.state import StateDStream
from minispark.streaming.testing import run_stream

# DStreams are deprecated in Spark 4 and both engines warn; these tests use them on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:DStream is deprecated:FutureWarning")

PAIRS = [[("a", 1), ("b", 2)], [("a", 3)], [("c", 1), ("a", 1)], [], [("b", 5)]]


def running_total(values, state):
    return sum(values) + (state or 0)


def test_running_totals_and_calls_for_keys_without_new_values(sc, tmp_path):
    calls = []

    def build(s):
        def update(values, state):
            return running_total(values, state)
        return s.updateStateByKey(update)

    out = run_stream(sc, PAIRS, build, checkpointDir=str(tmp_path), sort=True)
    del calls
    assert out == [[("a", 1), ("b", 2)], [("a", 4), ("b", 2)],
                   [("a", 5), ("b", 2), ("c", 1)], [("a", 5), ("b", 2), ("c", 1)],
                   [("a", 5), ("b", 7), ("c", 1)]]


def test_update_function_sees_new_values_and_previous_state(sc, tmp_path):
    out = run_stream(sc, [[("a", 1), ("a", 2)], [], [("a", 5)]], lambda s: s.updateStateByKey(
        lambda values, state: (sorted(values), state)), checkpointDir=str(tmp_path))
    assert out == [[("a", ([1, 2], None))], [("a", ([], ([1, 2], None)))],
                   [("a", ([5], ([], ([1, 2], None))))]]


def test_returning_None_removes_the_key(sc, tmp_path):
    def capped(values, state):
        total = sum(values) + (state or 0)
        return None if total > 4 else total

    out = run_stream(sc, PAIRS, lambda s: s.updateStateByKey(capped),
                     checkpointDir=str(tmp_path), sort=True)
    # a: 1, 4, then 5 > 4 -> removed; b: 2, 2, 2, 2, then 7 -> removed; c: 1 from batch 3
    assert out == [[("a", 1), ("b", 2)], [("a", 4), ("b", 2)], [("b", 2), ("c", 1)],
                   [("b", 2), ("c", 1)], [("c", 1)]]


def test_initialRDD_as_rdd_and_as_list(sc, tmp_path):
    out = run_stream(sc, PAIRS[:2], lambda s: (
        s.updateStateByKey(running_total, initialRDD=sc.parallelize([("a", 10), ("z", 7)])),
        s.updateStateByKey(running_total, initialRDD=[("b", 100)])),
        checkpointDir=str(tmp_path), sort=True)
    assert out == [[[("a", 11), ("b", 2), ("z", 7)], [("a", 14), ("b", 2), ("z", 7)]],
                   [[("a", 1), ("b", 102)], [("a", 4), ("b", 102)]]]


def test_data_checkpoints_keep_lineage_and_memory_flat(sc, tmp_path):
    clock = ManualClock()
    ssc = StreamingContext(sc, 1, clock=clock)
    ssc.checkpoint(str(tmp_path))
    state = ssc.queueStream([[("k", 1)]] * 35).updateStateByKey(running_total)
    depths, totals = [], []

    def measure(rdd):
        totals.append(rdd.collect())
        depths.append(_depth(rdd))

    state.foreachRDD(measure)
    ssc.start()
    clock.advance(35_000)
    ssc.stop(False)
    assert totals[-1] == [("k", 35)]
    assert isinstance(state, StateDStream) and state._checkpoint_ms == 10_000
    # default interval: 10 s = every 10th batch; right after it the lineage is cut
    assert depths[9] < depths[8] and depths[19] == depths[9] and depths[29] == depths[9]
    assert depths[10:20] == depths[20:30]            # the same every interval: flat
    assert len(state.generatedRDDs) <= 21            # remembered: 2 x checkpoint interval
    # old data checkpoints are deleted once forgotten: disk use stays flat too
    assert 1 <= len([d for d in os.listdir(sc.getCheckpointDir()) if d.startswith("rdd-")]) <= 2


def _depth(rdd):
    depth, frontier = 0, [rdd]
    while frontier:
        depth += 1
        frontier = [d.rdd for r in frontier for d in r.dependencies]
    return depth
