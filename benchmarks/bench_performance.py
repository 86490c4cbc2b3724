"""The performance chapter's contrasts, measured side by side in one run.

    .venv/bin/python -m benchmarks performance

1. a 50 MB-ish dict captured in a closure vs the same dict broadcast:
   time, task-binary bytes shipped, broadcast bytes fetched;
2. groupByKey vs reduceByKey vs aggregateByKey: time and shuffle bytes;
3. 1,000 tiny partitions vs the same data coalesced to 4;
4. pickle vs marshal as the data serializer: shuffle bytes and time.

Every figure comes from minispark's own task metrics (EventCollector), so the
numbers are the ones a notebook would show a student.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from operator import add
from typing import Any

from minispark import MarshalSerializer, SparkContext
from minispark.scheduler.listener import EventCollector

WORKERS = "local[2]"


def best_of(n: int, run: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(n):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def metric(events: EventCollector, name: str) -> float:
    return sum(getattr(m, name) for m in events.task_metrics())


def row(label: str, seconds: float, extra: str = "") -> None:
    print(f"  {label:<34} {seconds:7.3f} s  {extra}")


def closure_vs_broadcast(sc: SparkContext, events: EventCollector) -> None:
    print("1. a large lookup table: captured in the closure vs broadcast (40 tasks)")
    table = {i: f"page-{i:09d}" for i in range(400_000)}
    keys = sc.parallelize(range(0, 400_000, 97), 40)

    def captured() -> int:
        return keys.map(lambda k: len(table[k])).sum()

    events.clear()
    t_closure, r1 = best_of(3, captured)
    shipped = metric(events, "task_binary_bytes") / 3
    start = time.perf_counter()
    b = sc.broadcast(table)
    t_make = time.perf_counter() - start

    def broadcast() -> int:
        return keys.map(lambda k: len(b.value[k])).sum()

    events.clear()
    t_broadcast, r2 = best_of(3, broadcast)
    fetched = metric(events, "broadcast_fetch_bytes")
    shipped_b = metric(events, "task_binary_bytes") / 3
    assert r1 == r2
    row("closure capture", t_closure, f"task binaries {shipped / 1e6:6.1f} MB per job")
    row("broadcast", t_broadcast, f"task binaries {shipped_b / 1e6:6.3f} MB per job, "
        f"fetched {fetched / 1e6:.1f} MB in all, once per worker (+{t_make:.2f} s to "
        "create; best of 3 runs: only the first loads it)")
    print(f"  ratio closure/broadcast: {t_closure / t_broadcast:.2f}x")
    b.destroy()


def aggregations(sc: SparkContext, events: EventCollector) -> None:
    print("2. sum per key over 1,000,000 pairs, 10,000 keys")
    pairs = sc.parallelize(range(1_000_000), 8).map(lambda i: (i % 10_000, i)).cache()
    pairs.count()
    runs = {
        "groupByKey().mapValues(sum)": lambda: pairs.groupByKey().mapValues(sum).count(),
        "reduceByKey(add)": lambda: pairs.reduceByKey(add).count(),
        "aggregateByKey(0, add, add)": lambda: pairs.aggregateByKey(0, add, add).count(),
    }
    base = None
    for label, run in runs.items():
        events.clear()
        seconds, _ = best_of(3, run)
        written = metric(events, "shuffle_write_bytes") / 3
        base = base or seconds
        row(label, seconds, f"shuffle {written / 1e6:6.2f} MB  ({seconds / base:.2f}x the first)")
    pairs.unpersist()


def serializers() -> None:
    print("4. the data serializer: pickle vs marshal (groupByKey of 1,000,000 pairs)")
    results = {}
    for name, kwargs in (("pickle", {}), ("marshal", {"serializer": MarshalSerializer()})):
        with SparkContext(WORKERS, f"bench-{name}", **kwargs) as sc:
            events = EventCollector()
            sc.addSparkListener(events)
            pairs = sc.parallelize(range(1_000_000), 8).map(lambda i: (f"k{i % 5000}", i))
            seconds, count = best_of(3, lambda p=pairs: p.groupByKey().count())
            results[name] = (seconds, metric(events, "shuffle_write_bytes") / 3,
                             (metric(events, "serialize_time")
                              + metric(events, "deserialize_time")) / 3, count)
    for name, (seconds, written, ser, _) in results.items():
        row(name, seconds, f"shuffle {written / 1e6:6.2f} MB, (de)serializing {ser:.2f} s "
            "of task time")
    p, m = results["pickle"], results["marshal"]
    print(f"  marshal/pickle: time {m[0] / p[0]:.2f}x, bytes {m[1] / p[1]:.2f}x")


def tiny_partitions(sc: SparkContext, events: EventCollector) -> None:
    print("3. 100,000 numbers in 1,000 tiny partitions vs coalesced to 4")
    tiny = sc.parallelize(range(100_000), 1000).cache()
    tiny.count()
    small = tiny.coalesce(4).cache()
    small.count()
    t_tiny, a = best_of(3, lambda: tiny.map(lambda x: x * 2).sum())
    t_small, b = best_of(3, lambda: small.map(lambda x: x * 2).sum())
    assert a == b
    row("1,000 partitions (1,000 tasks)", t_tiny)
    row("coalesce(4) (4 tasks)", t_small, f"{t_tiny / t_small:.1f}x faster")
    tiny.unpersist()
    small.unpersist()


def main() -> None:
    print("== minispark: the performance chapter's contrasts ==")
    with SparkContext(WORKERS, "bench-performance") as sc:
        events = EventCollector()
        sc.addSparkListener(events)
        sc.parallelize(range(4), 2).count()  # start the workers outside the timings
        closure_vs_broadcast(sc, events)
        aggregations(sc, events)
        tiny_partitions(sc, events)
    serializers()


if __name__ == "__main__":
    main()
