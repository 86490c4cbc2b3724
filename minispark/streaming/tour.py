"""The streaming part of the tour (`make demo`): live web-log lines, counted batch by batch.

Run it with ``python -m minispark.streaming.tour --data data`` (``make demo`` does, after
the batch tour has generated the data). What happens:

    datagen ReplayServer ──TCP──> socketTextStream ──> 1 s batches ──> per-batch counts

- **A receiver** (``socketTextStream``) connects to the replayer, which plays the role of
  a live web server sending log lines at a set rate. The receiver runs all the time and
  stores the lines it reads as *blocks*.
- **Batches.** Every ``batchDuration`` seconds the StreamingContext turns the blocks
  received in that interval into one RDD and runs the *output operations* on it: each
  one a Spark job like those of the batch tour. A DStream is the recipe applied to every
  batch's RDD.
- **Windows** (``reduceByKeyAndWindow``) combine the last few batches: here the busiest
  users over the last 3 seconds, recomputed every second.
- **StreamingListener** events report, per batch, how many records it had, how long it
  waited to start (*scheduling delay*) and how long it took (*processing delay*). A stream
  keeps up while processing takes less than the batch interval; otherwise batches queue
  and the scheduling delay grows.
- **A graceful stop** (``stop(stopGraceFully=True)``) processes everything received
  before the context ends, so nothing received is lost. The tour waits for ``--batches``
  batches (default 4) and then stops gracefully: the lines received since the last of them
  make one more batch (more if batches had fallen behind), so it usually prints five.

The same program runs on PySpark with ``from pyspark.streaming import StreamingContext``
(the listener and ``foreachRDD`` are PySpark's API too). Read next: ``context.py``.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import warnings
from pathlib import Path

from datagen.replay import ReplayServer
from minispark import SparkContext
from minispark.streaming import StreamingContext, StreamingListener
from minispark.tour import ensure_data, parse_user

BATCH_SECONDS = 1
WINDOW_SECONDS = 3


class BatchReporter(StreamingListener):
    """Prints one line per completed batch: its size and its two delays."""

    def __init__(self, wanted: int) -> None:
        self.wanted = wanted          # batches to wait for
        self.completed = 0
        self.records = 0
        self.done = threading.Event()

    def onBatchCompleted(self, batchCompleted) -> None:
        info = batchCompleted.batchInfo()
        self.completed += 1
        self.records += info.numRecords()
        print(f"  batch {self.completed}: {info.numRecords():>5} records, scheduling delay "
              f"{info.schedulingDelay()} ms, processing {info.processingDelay()} ms", flush=True)
        if self.completed >= self.wanted:
            self.done.set()


def build(ssc: StreamingContext, port: int) -> None:
    """The streaming program: every DStream and output operation, before ``start()``."""
    lines = ssc.socketTextStream("127.0.0.1", port)
    users = lines.map(parse_user).filter(lambda user: user is not None)
    lines.count().foreachRDD(
        lambda time, rdd: print(f"-- batch at {time}: {rdd.first()} lines received", flush=True))
    kb = lines.filter(lambda line: "KBDOC" in line).count()
    kb.foreachRDD(lambda rdd: print(f"   Number of KB requests: {rdd.first()}", flush=True))
    busiest = (users.map(lambda user: (user, 1))
               .reduceByKeyAndWindow(lambda a, b: a + b, None, WINDOW_SECONDS, BATCH_SECONDS))
    busiest.foreachRDD(lambda rdd: print(
        f"   busiest users over the last {WINDOW_SECONDS} s: "
        + ", ".join(f"{u} ({n})" for u, n in rdd.takeOrdered(3, key=lambda kv: (-kv[1], kv[0]))),
        flush=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minispark.streaming.tour",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--batches", type=int, default=4,
                        help="batches to wait for before the graceful stop, which then "
                             "processes what was received since in one more (default 4)")
    parser.add_argument("--rate", type=float, default=500, help="lines per second sent")
    args = parser.parse_args(argv)
    ensure_data(args.data, "tiny")

    print(f"\n== Streaming: the web logs replayed at {args.rate:g} lines/s, "
          f"{BATCH_SECONDS} s batches; a graceful stop after {args.batches} batches ==")
    started = time.monotonic()
    with ReplayServer([args.data / "weblogs"], rate=args.rate) as server:
        sc = SparkContext("local[2]", "streaming-tour")
        sc.setLogLevel("ERROR")
        try:
            # DStreams are deprecated in Spark 4 (in favour of Structured Streaming), and
            # both engines say so with a FutureWarning; the course teaches them regardless.
            warnings.filterwarnings("ignore", "DStream is deprecated", FutureWarning)
            ssc = StreamingContext(sc, BATCH_SECONDS)
            reporter = BatchReporter(args.batches)
            ssc.addStreamingListener(reporter)
            build(ssc, server.port)
            ssc.start()
            finished = reporter.done.wait(timeout=30 + 5 * args.batches)
            ssc.stop(stopSparkContext=False, stopGraceFully=True)
        finally:
            sc.stop()
    if not finished:
        print(f"the stream did not complete {args.batches} batches in time", file=sys.stderr)
        return 1
    extra = reporter.completed - args.batches
    print(f"stopped gracefully after {reporter.completed} batches ({args.batches} waited for"
          + (f", then {extra} more with the lines received meanwhile" if extra else "")
          + f"): {reporter.records} records processed ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
