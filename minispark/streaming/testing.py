"""Running a streaming program batch by batch, for tests and graders (minispark-only).

Read this file to learn how a stream is tested without waiting for it. PySpark
offers nothing like it: its streams only advance in real time. Here a
``ManualClock`` (clock.py) moves time, and every ``advance`` runs the batches
that fell due before returning. On top of it:

  run_stream(sc, batches, program)   feed ``batches`` (one list of records per
        batch) to ``program(stream)`` through a queueStream, run exactly that
        many batches (or ``numBatches``), and return what the returned DStream
        (or each of several) produced per batch: only the batches at which it
        had an RDD, as foreachRDD sees them (a window sliding every 2 batches
        produces every other batch).
  recorded_inputs(batches)           a context manager under which a program
        written for the live lab runs unchanged: every StreamingContext created
        inside uses a ManualClock, its socketTextStream/textFileStream replay
        ``batches`` (batch i of the recording is the data of batch i), and
        ``awaitTermination()`` runs the recorded batches, then stops.
  collect(stream)                    a list that receives (batch time in s,
        records) for every batch of ``stream``.

Next: the tests in tests/streaming use these everywhere.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["run_stream", "recorded_inputs", "collect"]


def collect(stream: Any, sort: bool = False) -> list[tuple[float, list]]:
    """Register an output that appends (batch time in seconds, records) per batch.

    >>> from minispark.streaming import StreamingContext, ManualClock
    >>> clock = ManualClock(); ssc = StreamingContext(sc, 1, clock=clock)
    >>> out = collect(ssc.queueStream([[1], [2]]).map(lambda x: x + 1))
    >>> ssc.start(); clock.advance(2000); ssc.stop(False); out
    [(1.0, [2]), (2.0, [3])]
    """
    results: list[tuple[float, list]] = []

    def record(time: Any, rdd: Any) -> None:
        records = rdd.collect()
        results.append((time.timestamp(), sorted(records) if sort else records))

    stream.foreachRDD(record)
    return results


def run_stream(sc: Any, batches: list[list], program: Callable[[Any], Any],
               batchDuration: float = 1, numBatches: int | None = None,
               checkpointDir: str | None = None, sort: bool = False,
               after: Callable[[Any], Any] | None = None) -> Any:
    """Run ``program(stream)`` over ``batches`` on a ManualClock; return per-batch results.

    ``program`` returns a DStream (result: a list of per-batch record lists), a
    list/tuple of DStreams (a list of such lists), or None (result: []).
    ``sort`` sorts each batch's records; ``after(output)`` is called with the
    returned stream once the batches ran (before stopping) and its value returned.

    >>> run_stream(sc, [[1, 2], [3]], lambda s: s.map(lambda x: x * 2))
    [[2, 4], [6]]
    >>> run_stream(sc, [[1], [2]], lambda s: (s, s.count()))
    [[[1], [2]], [[1], [1]]]
    """
    from minispark.streaming.clock import ManualClock
    from minispark.streaming.context import StreamingContext

    clock = ManualClock()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ssc = StreamingContext(sc, batchDuration, clock=clock)
    try:
        if checkpointDir is not None:
            ssc.checkpoint(checkpointDir)
        out = program(ssc.queueStream(batches))
        many = isinstance(out, (list, tuple))
        streams = list(out) if many else ([] if out is None else [out])
        outputs = [collect(s, sort) for s in streams]
        if not streams and not ssc._graph.outputs:
            raise ValueError("program returned no DStream and declared no output operation")
        ssc.start()
        n = len(batches) if numBatches is None else numBatches
        clock.advance(n * ssc._graph.batch_ms)
        if after is not None:
            return after(streams[0] if streams else None)
    finally:
        ssc.stop(stopSparkContext=False)
    results = [[records for _, records in o] for o in outputs]
    return results if many else (results[0] if results else [])


@contextlib.contextmanager
def recorded_inputs(batches: list[list[str]],
                    numBatches: int | None = None) -> Iterator[Any]:
    """Run an unchanged live program on recorded input; yields the ManualClock.

    >>> from minispark.streaming import StreamingContext
    >>> def lab(sc):                         # the student's program, as written
    ...     ssc = StreamingContext(sc, 1)
    ...     lines = ssc.socketTextStream("localhost", 9999)
    ...     lines.flatMap(str.split).countByValue().transform(
    ...         lambda r: r.sortByKey()).pprint()
    ...     ssc.start(); ssc.awaitTermination()
    >>> with recorded_inputs([["a b a"], ["b"]]):
    ...     lab(sc)                          # doctest: +ELLIPSIS
    -------------------------------------------
    Time: ...
    -------------------------------------------
    ('a', 2)
    ('b', 1)
    <BLANKLINE>
    -------------------------------------------
    Time: ...
    -------------------------------------------
    ('b', 1)
    <BLANKLINE>
    """
    from minispark.streaming.clock import ManualClock
    from minispark.streaming.context import StreamingContext

    clock = ManualClock()
    StreamingContext._recording = {
        "clock": clock, "batches": batches,
        "batches_to_run": len(batches) if numBatches is None else numBatches}
    try:
        yield clock
    finally:
        StreamingContext._recording = None
