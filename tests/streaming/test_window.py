"""Windows on the ManualClock, expected values worked out by hand.

Batches are 1 s; batch i (i = 1, 2, ...) is at time i s. A window of W s at
batch i holds batches i-W+1 .. i (those that exist); with a slide of S s it is
produced only at batches that are multiples of S.
"""

from __future__ import annotations

import operator

import pytest

from minispark.streaming.testing import run_stream

# DStreams are deprecated in Spark 4 and both engines warn; these tests use them on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:DStream is deprecated:FutureWarning")

PAIRS = [[("a", 1), ("b", 2)], [("a", 3)], [("c", 1), ("a", 1)], [], [("b", 5)]]
EMPTY5 = [[]] * 5


def test_window_first_windows_hold_what_has_arrived(sc):
    assert run_stream(sc, [[1], [2], [3], [4]], lambda s: s.window(3)) == \
        [[1], [1, 2], [1, 2, 3], [2, 3, 4]]


def test_window_with_a_slide_different_from_the_window(sc):
    out = run_stream(sc, [[1], [2], [3], [4], [5], [6], [7]], lambda s: s.window(3, 2))
    # produced at batches 2, 4, 6 only: (0, 2], (1, 4], (3, 6]
    assert out == [[1, 2], [2, 3, 4], [4, 5, 6]]


def test_window_slide_longer_than_window_skips_batches(sc):
    # The source is printed every batch, so each batch consumes its queue item (a
    # stream nobody asks for at a time is not computed then, in Spark as here).
    out = run_stream(sc, [[1], [2], [3], [4], [5], [6]], lambda s: (s, s.window(1, 3)))
    assert out[1] == [[3], [6]]


@pytest.mark.parametrize("window, slide, which", [(2.5, None, "windowDuration"),
                                                  (2, 1.5, "slideDuration")])
def test_durations_must_be_multiples_of_the_batch(sc, window, slide, which):
    with pytest.raises(ValueError, match=rf"{which} must be multiple .*\(1000 ms\)"):
        run_stream(sc, [[1]], lambda s: s.window(window, slide))
    with pytest.raises(ValueError, match=which):
        run_stream(sc, [[("a", 1)]], lambda s: s.reduceByKeyAndWindow(
            operator.add, operator.sub, window, slide))


def test_reduceByKeyAndWindow_without_inverse(sc):
    out = run_stream(sc, PAIRS + [[]], lambda s: s.reduceByKeyAndWindow(
        operator.add, None, 2, 1), sort=True)
    assert out == [[("a", 1), ("b", 2)], [("a", 4), ("b", 2)], [("a", 4), ("c", 1)],
                   [("a", 1), ("c", 1)], [("b", 5)], [("b", 5)]]


def test_reduceByKeyAndWindow_incremental_keeps_keys_at_zero(sc, tmp_path):
    # window 5 s >= 5 x slide 1 s: incremental, old batches are subtracted.
    out = run_stream(sc, PAIRS + EMPTY5, lambda s: s.reduceByKeyAndWindow(
        operator.add, operator.sub, 5, 1), checkpointDir=str(tmp_path), sort=True)
    assert out == [
        [("a", 1), ("b", 2)],
        [("a", 4), ("b", 2)],
        [("a", 5), ("b", 2), ("c", 1)],
        [("a", 5), ("b", 2), ("c", 1)],
        [("a", 5), ("b", 7), ("c", 1)],
        [("a", 4), ("b", 5), ("c", 1)],      # batch 1 left the window
        [("a", 1), ("b", 5), ("c", 1)],
        [("a", 0), ("b", 5), ("c", 0)],      # a and c fell back to zero and stay
        [("a", 0), ("b", 5), ("c", 0)],
        [("a", 0), ("b", 0), ("c", 0)],
    ]


def test_reduceByKeyAndWindow_incremental_with_filterFunc(sc, tmp_path):
    out = run_stream(sc, PAIRS + EMPTY5, lambda s: s.reduceByKeyAndWindow(
        operator.add, operator.sub, 5, 1, filterFunc=lambda kv: kv[1] != 0),
        checkpointDir=str(tmp_path), sort=True)
    assert out[6:] == [[("a", 1), ("b", 5), ("c", 1)], [("b", 5)], [("b", 5)], []]


def test_reduceByKeyAndWindow_inverse_below_five_slides_recomputes(sc, tmp_path):
    # window 2 s < 5 x 1 s: Spark reduces the whole window, so no zero values appear.
    out = run_stream(sc, PAIRS + [[], []], lambda s: s.reduceByKeyAndWindow(
        operator.add, operator.sub, 2, 1), checkpointDir=str(tmp_path), sort=True)
    assert out == [[("a", 1), ("b", 2)], [("a", 4), ("b", 2)], [("a", 4), ("c", 1)],
                   [("a", 1), ("c", 1)], [("b", 5)], [("b", 5)], []]


def test_reduceByKeyAndWindow_incremental_with_a_slide_of_two(sc, tmp_path):
    batches = [[("k", i)] for i in range(1, 13)]          # k: 1, 2, ..., 12
    out = run_stream(sc, batches, lambda s: s.reduceByKeyAndWindow(
        operator.add, operator.sub, 10, 2), checkpointDir=str(tmp_path))
    # at batches 2, 4, ..., 12: the sum of the last (up to) 10 values
    assert out == [[("k", 3)], [("k", 10)], [("k", 21)], [("k", 36)], [("k", 55)],
                   [("k", 75)]]


def test_reduceByWindow_and_countByWindow(sc, tmp_path):
    out = run_stream(sc, [[1, 2], [3], [], [4]], lambda s: (
        s.reduceByWindow(operator.add, None, 2, 1),
        s.reduceByWindow(max, None, 4, 2),
        s.countByWindow(2, 1)), checkpointDir=str(tmp_path))
    assert out == [[[3], [6], [3], [4]], [[3], [4]], [[2], [3], [1], [1]]]


def test_countByValueAndWindow_drops_zero_counts(sc, tmp_path):
    out = run_stream(sc, [["x", "y", "x"], ["y"], [], []],
                     lambda s: s.countByValueAndWindow(2, 1),
                     checkpointDir=str(tmp_path), sort=True)
    assert out == [[("x", 2), ("y", 1)], [("x", 2), ("y", 2)], [("y", 1)], []]


def test_groupByKeyAndWindow(sc, tmp_path):
    out = run_stream(sc, PAIRS[:3], lambda s: s.groupByKeyAndWindow(2, 1).mapValues(sorted),
                     checkpointDir=str(tmp_path), sort=True)
    assert out == [[("a", [1]), ("b", [2])], [("a", [1, 3]), ("b", [2])],
                   [("a", [1, 3]), ("c", [1])]]


MISSING_CHECKPOINT = """
import json, warnings
warnings.simplefilter("ignore")
from minispark import SparkContext
from minispark.streaming import StreamingContext, ManualClock
sc = SparkContext("local[1]", "no-checkpoint")
ssc = StreamingContext(sc, 1, clock=ManualClock())
ssc.queueStream([[1]]).countByWindow(2, 1).pprint()
try:
    ssc.start()
    print(json.dumps(None))
except Exception as exc:
    print(json.dumps([type(exc).__name__, str(exc)]))
"""


def test_inverse_window_without_checkpoint_directory_says_what_to_call(run_python):
    kind, message = run_python(MISSING_CHECKPOINT)
    assert kind == "ValueError"
    assert "The checkpoint directory has not been set" in message
    assert "ssc.checkpoint(directory)" in message
