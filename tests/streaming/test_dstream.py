"""Per-batch transformations and output operations, on the ManualClock.

Expected values are worked out by hand from the input batches (batch times on a
ManualClock starting at 0 with 1 s batches are 1000, 2000, ... ms).
"""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from minispark.streaming import ManualClock, StreamingContext, StreamingListener
from minispark.streaming.testing import collect, recorded_inputs, run_stream

# DStreams are deprecated in Spark 4 and both engines warn; these tests use them on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:DStream is deprecated:FutureWarning")


@pytest.fixture
def ssc(sc):
    clock = ManualClock()
    ctx = StreamingContext(sc, 1, clock=clock)
    yield ctx
    ctx.stop(stopSparkContext=False)


def test_map_flatMap_filter_per_batch(sc):
    out = run_stream(sc, [["a b", "c"], [], ["d e f"]],
                     lambda s: s.flatMap(str.split).map(str.upper).filter(lambda w: w != "E"))
    assert out == [["A", "B", "C"], [], ["D", "F"]]


def test_word_count_per_batch(sc):
    out = run_stream(sc, [["to be or", "not to be"], ["be"]],
                     lambda s: s.flatMap(str.split).map(lambda w: (w, 1))
                     .reduceByKey(lambda a, b: a + b), sort=True)
    assert out == [[("be", 2), ("not", 1), ("or", 1), ("to", 2)], [("be", 1)]]


def test_count_of_an_empty_batch_is_zero_but_reduce_is_empty(sc):
    out = run_stream(sc, [[5, 6, 7], []], lambda s: (s.count(), s.reduce(max)))
    assert out == [[[3], [0]], [[7], []]]


def test_more_batches_than_input_gives_empty_batches(sc):
    # PySpark 4.3: an exhausted queue gives an empty RDD of 1 partition, so count is [0]
    assert run_stream(sc, [[1]], lambda s: (s, s.count(), s.glom()), numBatches=3) == \
        [[[1], [], []], [[1], [0], [0]], [[[], [1]], [[]], [[]]]]


def test_queueStream_all_at_once_and_default(sc, ssc):
    a = collect(ssc.queueStream([[1], [2]], oneAtATime=False))
    b = collect(ssc.queueStream([[1]], default=sc.parallelize([9])))
    ssc.start()
    ssc._clock.advance(3000)
    assert [r for _, r in a] == [[1, 2], [], []]
    assert [r for _, r in b] == [[1], [9], [9]]


def test_pair_operations(sc):
    batches = [[("a", 1), ("b", 2), ("a", 3)]]
    out = run_stream(sc, batches, lambda s: (
        s.groupByKey().mapValues(sorted), s.mapValues(lambda v: v * 10),
        s.flatMapValues(lambda v: range(v)).filter(lambda kv: kv[0] == "b"),
        s.combineByKey(lambda v: [v], lambda c, v: c + [v], lambda x, y: x + y)
         .mapValues(sorted)), sort=True)
    assert out == [[[("a", [1, 3]), ("b", [2])]], [[("a", 10), ("a", 30), ("b", 20)]],
                   [[("b", 0), ("b", 1)]], [[("a", [1, 3]), ("b", [2])]]]


def test_joins_per_batch(sc):
    out = run_stream(sc, [[("a", 1), ("b", 2)], [("c", 3)]], lambda s: (
        s.join(s.filter(lambda kv: kv[0] == "a")),
        s.rightOuterJoin(s.filter(lambda kv: kv[0] != "b")),
        s.fullOuterJoin(s.filter(lambda kv: kv[0] == "c").mapValues(str))), sort=True)
    assert out == [
        [[("a", (1, 1))], []],
        [[("a", (1, 1))], [("c", (3, 3))]],
        [[("a", (1, None)), ("b", (2, None))], [("c", (3, "3"))]],
    ]


def test_union_transformWith_and_context_level_ops(sc, ssc):
    a = ssc.queueStream([[1], [2]])
    b = ssc.queueStream([[10], [20]])
    u = collect(a.union(b))
    tw = collect(a.transformWith(lambda t, x, y: x.cartesian(y).map(
        lambda p: (t.timestamp(), p[0] + p[1])), b))
    su = collect(ssc.union(a, b, a.map(lambda x: -x)))
    tr = collect(ssc.transform([a, b], lambda rdds: rdds[1].subtract(rdds[0].map(
        lambda x: x * 10))))
    ssc.start()
    ssc._clock.advance(2000)
    assert [r for _, r in u] == [[1, 10], [2, 20]]
    assert [r for _, r in tw] == [[(1.0, 11)], [(2.0, 22)]]
    assert [r for _, r in su] == [[1, 10, -1], [2, 20, -2]]
    assert [r for _, r in tr] == [[], []]


def test_transform_with_time_sees_the_batch_time(sc):
    out = run_stream(sc, [[1], [2], [3]],
                     lambda s: s.transform(lambda t, rdd: rdd.map(lambda x: (t.timestamp(), x))))
    assert out == [[(1.0, 1)], [(2.0, 2)], [(3.0, 3)]]


def test_transform_must_return_an_rdd(sc):
    with pytest.raises(TypeError, match="must return an RDD"):
        run_stream(sc, [[1]], lambda s: s.transform(lambda rdd: rdd.collect()))


def test_foreachRDD_with_one_and_two_arguments(sc, ssc):
    seen1, seen2 = [], []
    s = ssc.queueStream([[1, 2], [3]])
    s.foreachRDD(lambda rdd: seen1.append(rdd.collect()))
    s.foreachRDD(lambda t, rdd: seen2.append((t, rdd.count())))
    ssc.start()
    ssc._clock.advance(2000)
    assert seen1 == [[1, 2], [3]]
    assert seen2 == [(datetime.fromtimestamp(1), 2), (datetime.fromtimestamp(2), 1)]


def test_pprint_exact_format(sc, ssc, capsys):
    ssc.queueStream([list(range(12)), [("a", 1)], []]).pprint()
    ssc.start()
    ssc._clock.advance(3000)
    dash = "-" * 43
    expected = (
        [dash, f"Time: {datetime.fromtimestamp(1)}", dash]
        + [str(i) for i in range(10)] + ["...", ""]
        + [dash, f"Time: {datetime.fromtimestamp(2)}", dash, "('a', 1)", ""]
        + [dash, f"Time: {datetime.fromtimestamp(3)}", dash, ""])
    assert capsys.readouterr().out == "\n".join(expected) + "\n"


def test_pprint_num_and_half_second_batches(sc, capsys):
    clock = ManualClock()
    ssc = StreamingContext(sc, 0.5, clock=clock)
    ssc.queueStream([[1, 2, 3]]).pprint(2)
    ssc.start()
    clock.advance(500)
    ssc.stop(False)
    out = capsys.readouterr().out.splitlines()
    assert out[1] == f"Time: {datetime.fromtimestamp(0.5)}"
    assert out[1].endswith(".500000")
    assert out[3:] == ["1", "2", "...", ""]


def test_saveAsTextFiles_directory_names(sc, ssc, tmp_path):
    s = ssc.queueStream([["x", "y"], ["z"]])
    s.saveAsTextFiles(str(tmp_path / "out"))
    s.saveAsTextFiles(str(tmp_path / "logs"), "txt")
    ssc.start()
    ssc._clock.advance(2000)
    assert sorted(os.listdir(tmp_path)) == ["logs-1000.txt", "logs-2000.txt",
                                            "out-1000", "out-2000"]
    assert sorted(sc.textFile(str(tmp_path / "out-2000")).collect()) == ["z"]
    assert sorted(sc.textFile(str(tmp_path / "logs-1000.txt")).collect()) == ["x", "y"]


def test_output_operations_run_in_declaration_order(sc, ssc):
    order = []
    s = ssc.queueStream([[1], [2]])
    s.foreachRDD(lambda t, rdd: order.append(("first", t.second)))
    s.map(lambda x: x).foreachRDD(lambda t, rdd: order.append(("second", t.second)))
    ssc.start()
    ssc._clock.advance(2000)
    assert [(k, s) for k, s in order] == [("first", 1), ("second", 1),
                                          ("first", 2), ("second", 2)]


def test_first_batch_is_the_next_multiple_of_the_batch_duration(sc):
    clock = ManualClock(2500)
    ssc = StreamingContext(sc, 2, clock=clock)
    out = collect(ssc.queueStream([[1], [2]]))
    ssc.start()
    clock.advance(1000)            # 3500: nothing due yet (first batch at 4000)
    assert out == []
    clock.advance(2500)            # 6000: batches 4000 and 6000
    ssc.stop(False)
    assert out == [(4.0, [1]), (6.0, [2])]


def test_lifecycle_errors(sc, ssc):
    with pytest.raises(ValueError, match="No output operations registered"):
        ssc.start()
    ssc2 = StreamingContext(sc, 1, clock=ManualClock())
    ssc2.queueStream([[1]]).pprint()
    ssc2.start()
    assert StreamingContext.getActive() is ssc2
    with pytest.raises(RuntimeError, match="after starting a context is not supported"):
        ssc2.queueStream([[2]])
    other = StreamingContext(sc, 1, clock=ManualClock())
    other.queueStream([[1]]).pprint()
    with pytest.raises(RuntimeError, match="Only one StreamingContext"):
        other.start()
    ssc2.stop(stopSparkContext=False)
    assert StreamingContext.getActive() is None
    assert not sc._stopped
    with pytest.raises(RuntimeError, match="already been stopped"):
        ssc2.start()
    with pytest.raises(ValueError, match="batchDuration"):
        StreamingContext(sc, 0)


def test_a_failing_batch_raises_from_advance_and_awaitTermination(sc, ssc):
    divided = ssc.queueStream([[1], [0]]).map(lambda x: 1 // x)
    divided.foreachRDD(lambda rdd: rdd.foreach(lambda _: None))
    ssc.start()
    ssc._clock.advance(1000)
    with pytest.raises(Exception, match="ZeroDivisionError"):
        ssc._clock.advance(1000)


def test_listener_events_in_order(sc, ssc):
    kinds = []

    class Recorder(StreamingListener):
        def onBatchSubmitted(self, e):
            kinds.append(("submitted", e.batchInfo().batchTime().milliseconds()))

        def onBatchStarted(self, e):
            kinds.append(("started", e.batchInfo().batchTime().milliseconds()))

        def onOutputOperationCompleted(self, e):
            kinds.append(("op", e.outputOperationInfo().id()))

        def onBatchCompleted(self, e):
            info = e.batchInfo()
            assert info.totalDelay() == info.schedulingDelay() + info.processingDelay()
            kinds.append(("completed", info.batchTime().milliseconds()))

    ssc.addStreamingListener(Recorder())
    s = ssc.queueStream([[1], [2]])
    s.pprint()
    s.count().pprint()
    ssc.start()
    ssc._clock.advance(1000)
    assert kinds == [("submitted", 1000), ("started", 1000), ("op", 0), ("op", 1),
                     ("completed", 1000)]


def test_recorded_inputs_run_an_unchanged_socket_program(sc):
    counts = []

    def lab(sc):
        ssc = StreamingContext(sc, 1)
        lines = ssc.socketTextStream("localhost", 9999)
        lines.flatMap(str.split).countByValue().foreachRDD(
            lambda rdd: counts.append(sorted(rdd.collect())))
        ssc.start()
        ssc.awaitTermination()

    with recorded_inputs([["a b a"], [], ["b"]]):
        lab(sc)
    assert counts == [[("a", 2), ("b", 1)], [], [("b", 1)]]
    assert StreamingContext.getActive() is None
