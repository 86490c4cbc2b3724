"""course/streamcheck.py: how the streaming chapters drive a student's program over
recorded batches (its doctests, and the cases the checks rely on)."""

from __future__ import annotations

import doctest
import operator

import pytest

from course import streamcheck
from course.streamcheck import printed, recorded_batches, run_batches

# `sc`: the session's SparkContext (tests/conftest.py).


def test_doctests(sc):
    failures, tried = doctest.testmod(streamcheck, extraglobs={"sc": sc},
                                      optionflags=doctest.ELLIPSIS)
    assert tried >= 5 and failures == 0


def test_batches_are_numbered_from_one_and_empty_batches_count(sc):
    got = run_batches(sc, lambda s: s.count(), [["a"], [], ["b", "c"]], extra=1)
    assert got == [(1, [1]), (2, [0]), (3, [2]), (4, [0])]


def test_records_are_sorted_per_batch_unless_asked_not_to(sc):
    batches = [["b a c"]]
    assert run_batches(sc, lambda s: s.flatMap(str.split), batches) == [(1, ["a", "b", "c"])]
    assert run_batches(sc, lambda s: s.flatMap(str.split), batches, sort=False) == \
        [(1, ["b", "a", "c"])]


def test_state_needs_and_gets_a_checkpoint(sc):
    got = run_batches(sc, lambda s: s.map(lambda w: (w, 1)).updateStateByKey(
        lambda new, old: sum(new) + (old or 0)), [["a"], ["a", "b"]], checkpoint=True)
    assert got == [(1, [("a", 1)]), (2, [("a", 2), ("b", 1)])]


def test_inverse_window_keeps_zero_counts(sc):
    batches = [[("u", 1)], [], [], [], [], [], []]
    got = run_batches(sc, lambda s: s.reduceByKeyAndWindow(operator.add, operator.sub, 5, 1),
                      batches, checkpoint=True)
    assert got[4] == (5, [("u", 1)]) and got[5] == (6, [("u", 0)])


def test_printed_names_the_batches_and_keeps_only_the_run(sc):
    def show(stream):
        stream.foreachRDD(lambda t, rdd: print(f"Batch {t}: {rdd.count()}"))
    assert printed(sc, show, [["x"], [], ["y", "z"]]) == \
        ["Batch <batch 1>: 1", "Batch <batch 2>: 0", "Batch <batch 3>: 2"]


def test_a_program_that_returns_no_stream_is_told_so(sc):
    with pytest.raises(TypeError, match="not a DStream"):
        run_batches(sc, lambda s: [1, 2], [["a"]])


def test_recorded_batches_follow_the_replayer(tmp_path):
    log = tmp_path / "day.log"
    log.write_text("".join(f'1.2.3.4 - {u} [16/Sep/2013:00:{m:02d}:00 +0100] "GET /x HTTP/1.0"\n'
                           for u, m in ((1, 0), (2, 5), (3, 25), (4, 31))))
    batches = recorded_batches(log, speedup=600, count=5)
    assert [len(b) for b in batches] == [2, 0, 1, 1, 0]
    assert batches[2][0].split(" ")[2] == "3" and not batches[2][0].endswith("\n")
    assert [len(b) for b in recorded_batches(log, speedup=600, count=2)] == [2, 0]
