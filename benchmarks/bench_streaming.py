"""Benchmark of minispark.streaming: a socket word count at 1 s batches on local[2],
fed by datagen's replayer (its own process, as in class), at increasing rates; and,
for comparison, the course's other log workload, requests per user (one key a line).

For each rate the stream runs for a few seconds; a StreamingListener records every
batch's records, processing delay and scheduling delay. A rate is *sustainable* when
the median processing time is below the 1 s interval and the scheduling delay does
not grow (last batches' delay within 500 ms of the first measured ones). End-to-end
latency of a line = time waiting for its batch to end (on average half the interval)
+ the batch's total delay (scheduling + processing); reported as mean and max.

    python -m benchmarks streaming
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from operator import add
from pathlib import Path

import datagen
from minispark import SparkConf, SparkContext
from minispark.streaming import StreamingContext, StreamingListener

WORKLOADS = {
    "word count": ([25_000, 50_000, 75_000, 100_000, 150_000],
                   lambda lines: lines.flatMap(str.split).map(lambda w: (w, 1))
                   .reduceByKey(add)),
    "requests per user": ([50_000, 100_000, 150_000, 200_000, 300_000],
                          lambda lines: lines.map(lambda line: (line.split(" ", 3)[2:3], 1))
                          .map(lambda kv: (kv[0][0] if kv[0] else "", 1)).reduceByKey(add)),
}
BATCH = 1.0
WARMUP_BATCHES = 2
MEASURED_BATCHES = 5
TARGET = 100_000


class Recorder(StreamingListener):
    def __init__(self) -> None:
        self.batches: list = []

    def onBatchCompleted(self, batchCompleted) -> None:
        self.batches.append(batchCompleted.batchInfo())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _replayer(data: Path, rate: int) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "datagen", "replay", "--port", str(port),
                             "--rate", str(rate), "--loop", "--quiet", str(data)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the replayer did not start")


def run_rate(sc: SparkContext, data: Path, rate: int, build) -> dict:
    recorder = Recorder()
    replayer, port = _replayer(data, rate)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            ssc = StreamingContext(sc, BATCH)
        ssc.addStreamingListener(recorder)
        build(ssc.socketTextStream("127.0.0.1", port)).foreachRDD(lambda rdd: rdd.count())
        ssc.start()
        deadline = time.monotonic() + (WARMUP_BATCHES + MEASURED_BATCHES) * BATCH * 3 + 5
        while (len(recorder.batches) < WARMUP_BATCHES + MEASURED_BATCHES
               and time.monotonic() < deadline):
            time.sleep(0.05)
        ssc.stop(stopSparkContext=False)
    finally:
        replayer.kill()
        replayer.wait()
    measured = recorder.batches[WARMUP_BATCHES:]
    if not measured:
        return {"rate": rate, "ok": False, "note": "no batch completed in time"}
    processing = [b.processingDelay() for b in measured]
    scheduling = [b.schedulingDelay() for b in measured]
    total = [b.totalDelay() for b in measured]
    records = sum(b.numRecords() for b in measured)
    span = (measured[-1].batchTime().milliseconds() - measured[0].batchTime().milliseconds()
            ) / 1000 + BATCH
    growing = scheduling[-1] - scheduling[0] > 500
    complete = len(measured) >= MEASURED_BATCHES
    ok = complete and statistics.median(processing) < BATCH * 1000 and not growing
    return {"rate": rate, "ok": ok, "received_per_s": records / span,
            "processing_ms": statistics.median(processing), "max_processing_ms": max(processing),
            "scheduling_ms": scheduling, "latency_mean_ms": BATCH * 500 + statistics.mean(total),
            "latency_max_ms": BATCH * 1000 + max(total), "batches": len(measured)}


def main() -> None:
    conf = SparkConf().set("spark.ui.showConsoleProgress", "false")
    with tempfile.TemporaryDirectory() as tmp:
        manifest = datagen.generate(Path(tmp) / "data", "tiny", seed=42)
        data = Path(tmp) / "data" / "weblogs"
        print(f"input: {manifest['weblogs']['lines']:,} datagen log lines replayed in a loop by "
              f"`python -m datagen replay`; {BATCH:g} s batches, local[2]")
        with SparkContext("local[2]", "bench-streaming", conf=conf) as sc:
            for name, (rates, build) in WORKLOADS.items():
                print(f"{name}:")
                best = None
                for rate in rates:
                    r = run_rate(sc, data, rate, build)
                    if "note" in r:
                        print(f"  {rate:>8,} lines/s: {r['note']}")
                        break
                    print(f"  {rate:>8,} lines/s asked: received {r['received_per_s']:>9,.0f}/s, "
                          f"processing median {r['processing_ms']:.0f} ms (max "
                          f"{r['max_processing_ms']:.0f}), scheduling delay "
                          f"{r['scheduling_ms']} ms, latency mean "
                          f"{r['latency_mean_ms']:.0f} ms max {r['latency_max_ms']:.0f} ms -> "
                          f"{'sustainable' if r['ok'] else 'NOT sustainable'}")
                    if not r["ok"]:
                        break
                    best = r
                if best is None:
                    print(f"  highest sustainable rate: below {rates[0]:,} lines/s")
                    continue
                verdict = "ok" if best["rate"] >= TARGET else "BELOW TARGET"
                print(f"  highest sustainable rate: {best['rate']:,} lines/s (target >= "
                      f"{TARGET:,}) {verdict}; end-to-end latency there: mean "
                      f"{best['latency_mean_ms']:.0f} ms, max {best['latency_max_ms']:.0f} ms")


if __name__ == "__main__":
    main()
