"""Benchmark of minispark.streaming: a socket word count at 1 s batches on local[2],
fed by datagen's replayer (its own process, as in class), at increasing rates; and,
for comparison, the course's other log workload, requests per user (one key a line).

For each rate the stream runs for a few seconds; a StreamingListener records every
batch's records, processing delay and scheduling delay. A rate is *sustainable* when
the median processing time is below the 1 s interval, the scheduling delay does
not grow (last batches' delay within 500 ms of the first measured ones) and at least
95% of the asked rate was received (else the replayer, not the stream, was the limit). End-to-end
latency of a line = time waiting for its batch to end (on average half the interval)
+ the batch's total delay (scheduling + processing); reported as mean and max.

The machine's two cores are shared (with the replayer, and often with other people's
work), so wall times are noisy: a rate that fails is run once more before the search
stops, every line shows the load average, and the CPU time each process spent per
100,000 lines (driver = receiver + schedulers; the two workers; the replayer) is
printed too: it hardly depends on the load, and shows where the time goes.

    python -m benchmarks streaming
"""

from __future__ import annotations

import os
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
    "word count": ([25_000, 50_000, 75_000, 100_000, 125_000, 150_000],
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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes(sc: SparkContext, replayer: subprocess.Popen) -> dict[str, int]:
    workers = {w.id: w.proc.pid for w in sc._backend.workers}
    return {"driver": os.getpid(), "replayer": replayer.pid, **workers}


def run_rate(sc: SparkContext, data: Path, rate: int, build) -> dict:
    recorder = Recorder()
    replayer, port = _replayer(data, rate)
    cpu_start: dict[str, float] = {}
    cpu_end: dict[str, float] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            ssc = StreamingContext(sc, BATCH)
        ssc.addStreamingListener(recorder)
        counts = build(ssc.socketTextStream("127.0.0.1", port))
        counts.foreachRDD(lambda rdd: rdd.foreach(lambda _: None))   # run the job, keep nothing
        ssc.start()
        deadline = time.monotonic() + (WARMUP_BATCHES + MEASURED_BATCHES) * BATCH * 3 + 5
        while (len(recorder.batches) < WARMUP_BATCHES + MEASURED_BATCHES
               and time.monotonic() < deadline):
            if not cpu_start and len(recorder.batches) >= WARMUP_BATCHES:
                cpu_start = {k: _cpu_seconds(p) for k, p in _processes(sc, replayer).items()}
            time.sleep(0.02)
        cpu_end = {k: _cpu_seconds(p) for k, p in _processes(sc, replayer).items()}
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
    # CPU of the measured batches (the last one may be cut short: an estimate)
    cpu = {k: cpu_end[k] - cpu_start.get(k, cpu_end[k]) for k in cpu_end}
    per_100k = 100_000 / max(records, 1) * 1000
    cpu_ms = {"driver": cpu["driver"] * per_100k, "replayer": cpu["replayer"] * per_100k,
              "workers": sum(v for k, v in cpu.items() if k.startswith("worker")) * per_100k}
    complete = len(measured) >= MEASURED_BATCHES
    # A rate counts only if it was really offered: on a busy machine the replayer
    # itself can fall behind, and then the stream was measured at a lower rate.
    offered = records / span >= 0.95 * rate
    ok = (complete and offered and statistics.median(processing) < BATCH * 1000
          and not growing)
    return {"rate": rate, "ok": ok, "offered": offered, "received_per_s": records / span,
            "processing_ms": statistics.median(processing), "max_processing_ms": max(processing),
            "scheduling_ms": scheduling, "latency_mean_ms": BATCH * 500 + statistics.mean(total),
            "latency_max_ms": BATCH * 1000 + max(total), "batches": len(measured),
            "cpu_ms_per_100k": cpu_ms, "load": os.getloadavg()[0]}


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
                    _print(rate, r)
                    if not r["ok"] and "note" not in r:       # noise? once more
                        r = run_rate(sc, data, rate, build)
                        _print(rate, r, "again")
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


def _print(rate: int, r: dict, again: str = "") -> None:
    if "note" in r:
        print(f"  {rate:>8,} lines/s{again and ' ' + again}: {r['note']}")
        return
    cpu = r["cpu_ms_per_100k"]
    print(f"  {rate:>8,} lines/s asked{again and ' ' + again}: received "
          f"{r['received_per_s']:>9,.0f}/s, processing median {r['processing_ms']:.0f} ms "
          f"(max {r['max_processing_ms']:.0f}), scheduling delay {r['scheduling_ms']} ms, "
          f"latency mean {r['latency_mean_ms']:.0f} ms max {r['latency_max_ms']:.0f} ms -> "
          f"{'sustainable' if r['ok'] else 'NOT sustainable'}"
          f"{'' if r['offered'] else ' (the replayer fell behind)'}\n"
          f"           CPU ms per 100k lines: driver {cpu['driver']:.0f}, workers "
          f"{cpu['workers']:.0f}, replayer {cpu['replayer']:.0f}; load average "
          f"{r['load']:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
