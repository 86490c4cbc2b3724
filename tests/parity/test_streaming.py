"""Streaming parity: the same DStream programs on PySpark's queueStream and minispark's.

Each program gets a list of input batches (one list of records per batch), builds
its DStreams from a queueStream, and collects every output's RDD per batch with
``foreachRDD``. Batches are numbered from 1 (the first batch after start), so the
two engines' wall-clock batch times do not matter. PySpark runs in real time
(0.5 s batches); minispark runs the same program on a ManualClock, which gives
the same batch-by-batch results without waiting (and must).
"""

from __future__ import annotations

import operator
import tempfile
import time
import warnings

import pytest

BATCH = 0.5


def _is_pyspark(sc) -> bool:
    return type(sc).__module__.startswith("pyspark")


def streaming(batches, build, extra=0, checkpoint=False, sort=True):
    """A parity program: run ``build(stream)`` over ``batches`` (+ ``extra`` empty
    ones); return, per output, [(batch number, records)]."""

    def program(sc):
        n = len(batches) + extra
        if _is_pyspark(sc):
            from pyspark.streaming import StreamingContext
            clock = None
        else:
            from minispark.streaming import ManualClock, StreamingContext
            clock = ManualClock()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            ssc = StreamingContext(sc, BATCH) if clock is None else \
                StreamingContext(sc, BATCH, clock=clock)
        try:
            if checkpoint:
                ssc.checkpoint(tempfile.mkdtemp())
            source = ssc.queueStream(batches)
            outs = build(source)
            outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
            results = [[] for _ in outs]
            for i, out in enumerate(outs):
                out.foreachRDD(lambda t, rdd, i=i: results[i].append(
                    (t, sorted(rdd.collect()) if sort else rdd.collect())))
            ticks = []
            source.foreachRDD(lambda t, rdd: ticks.append(t))   # last output of each batch
            ssc.start()
            if clock is not None:
                clock.advance(int(n * BATCH * 1000))
            else:
                deadline = time.monotonic() + 60 + n * BATCH * 4
                while len(ticks) < n and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert len(ticks) >= n, f"PySpark ran only {len(ticks)} of {n} batches"
        finally:
            ssc.stop(stopSparkContext=False, stopGraceFully=False)
        first = ticks[0]

        def number(t):
            return round((t - first).total_seconds() / BATCH) + 1

        return [[(number(t), recs) for t, recs in res if number(t) <= n] for res in results]

    return program


WORDS = [["a b a", "c"], ["b b"], [], ["a", "c c c"], ["d"]]
PAIRS = [[("a", 1), ("b", 2)], [("a", 3)], [("c", 1), ("a", 1)], [], [("b", 5)]]
NUMS = [[1, 2, 3], [4], [], [5, 6], [7, 8, 9, 10]]

PROGRAMS = {
    "map_flatMap_filter_glom_mapPartitionsWithIndex": streaming(
        WORDS, lambda s: (
            s.flatMap(str.split).map(str.upper).filter(lambda w: w != "C").glom(),
            s.mapPartitionsWithIndex(lambda i, it: [(i, len(list(it)))])),
        sort=False),
    "word_count": streaming(
        WORDS, lambda s: s.flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(operator.add)),
    "count_countByValue": streaming(
        WORDS, lambda s: (s.count(), s.flatMap(str.split).countByValue(), s.glom()), extra=1),
    "transform_with_time_and_union": streaming(
        NUMS, lambda s: (s.transform(lambda t, rdd: rdd.map(lambda x: (type(t).__name__, x))),
                         s.union(s.map(lambda x: -x)))),
    "fullOuterJoin": streaming(
        PAIRS, lambda s: s.fullOuterJoin(s.filter(lambda kv: kv[0] != "b").mapValues(str))),
    "windows_first_and_sliding": streaming(
        NUMS, lambda s: (s.window(1.5), s.window(2.0, 1.0), s.window(0.5, 1.5)), extra=2),
    "reduceByKeyAndWindow_no_inverse": streaming(
        PAIRS, lambda s: s.reduceByKeyAndWindow(operator.add, None, 1.5, 0.5), extra=2),
    "reduceByKeyAndWindow_inverse_incremental_and_filterFunc": streaming(
        PAIRS[:3], lambda s: (
            s.reduceByKeyAndWindow(operator.add, operator.sub, 2.5, 0.5),
            s.reduceByKeyAndWindow(operator.add, operator.sub, 2.5, 0.5,
                                   filterFunc=lambda kv: kv[1] > 0)),
        extra=5, checkpoint=True),
    "reduceByKeyAndWindow_inverse_short_window": streaming(
        PAIRS, lambda s: s.reduceByKeyAndWindow(operator.add, operator.sub, 1.0, 0.5),
        extra=2, checkpoint=True),
    "countByWindow_countByValueAndWindow": streaming(
        WORDS, lambda s: (s.countByWindow(1.0, 0.5),
                          s.flatMap(str.split).countByValueAndWindow(1.5, 0.5)),
        extra=2, checkpoint=True),
    "groupByKeyAndWindow": streaming(
        PAIRS, lambda s: s.groupByKeyAndWindow(1.0, 0.5).mapValues(sorted),
        extra=2, checkpoint=True),
    "updateStateByKey_drop_keys": streaming(
        PAIRS, lambda s: s.updateStateByKey(
            lambda vs, st: None if (st or 0) + sum(vs) > 4 else (st or 0) + sum(vs)),
        extra=1, checkpoint=True),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_streaming_program(check, name):
    check(PROGRAMS[name])


def test_updateStateByKey_initialRDD(check):
    def build(s):
        initial = s.context().sparkContext.parallelize([("a", 10), ("z", 1)])
        return s.updateStateByKey(lambda vs, st: sum(vs) + (st or 0), initialRDD=initial)
    check(streaming(PAIRS, build, checkpoint=True))


def test_window_not_a_multiple_of_the_batch(check_raises):
    check_raises(streaming(NUMS, lambda s: s.window(0.75, 0.5)))



# Starting a stateful stream without ssc.checkpoint(dir) fails in both engines only if
# the SparkContext has no checkpoint directory yet; the session contexts here already
# have one, so that error is tested in tests/streaming/test_state.py in a fresh process.


def test_pprint_output(check):
    """pprint's text, batch by batch (the time line's value differs by engine)."""
    import contextlib
    import io
    import re

    def program(sc):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            streaming([list(range(12)), [("a", 1)], []],
                      lambda s: (s.pprint(), s.pprint(3), s)[-1])(sc)
        text = re.sub(r"Time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?", "Time: T", out.getvalue())
        lines = text.splitlines()
        starts = [i for i in range(len(lines) - 1)
                  if lines[i] == "-" * 43 and lines[i + 1] == "Time: T"]
        # PySpark may print a batch or two more before it stops: keep 3 batches x 2 prints
        return lines[:starts[6]] if len(starts) > 6 else lines

    lines = check(program)
    assert lines[:3] == ["-" * 43, "Time: T", "-" * 43]
