"""Benchmark of the minispark engine against a single-process pure-Python loop, on the
"small" generated web log (1,000,000 lines, seed 42, generated once into ``.bench/data``).

    python -m benchmarks engine          # or: python -m benchmarks.bench_engine

Every case runs the same job twice, side by side: on minispark ``local[2]`` and as a plain
loop over the files in this process, alternately (loop, minispark, loop, minispark...), so
that both sides of a ratio see the same load on a shared machine. It prints both times
(each the best of 3 runs), the ratio minispark / loop, whether the two answers are equal
("results agree"), and PASS or FAIL against the case's target, 1.0x for every case:

1. requests per user: textFile -> map(line -> (user, 1)) -> filter(well-formed)
   -> reduceByKey(add) -> count(); the collected dict must equal the loop's.
2. the same with groupByKey().mapValues(len).
3. top 5 users: the counts of 1 -> map(swap) -> sortByKey(False) -> take(5);
   loop: counting + heapq.nlargest.
4. requests per page category: (page, 1) pairs joined with a 300-row table of the most
   requested pages, (page, category); then the same with a broadcast dict and a
   map-side lookup.
5. import + SparkContext + first count() in a fresh interpreter, median of 5.  <= 0.5 s
6. peak RSS of the driver plus its worker processes during 1 and 2, each job in a fresh
   process (driver: ru_maxrss; workers: VmHWM read before sc.stop()).         <= 300 MB

Malformed log lines (the generator plants a few) are dropped on both sides: the parser
(``minispark.tour.LOG_LINE``, a strict regex) returns None for them. Both sides use the
same parser, so a ratio measures the engine, not the parsing.

The 5M-line memory check is slower and lives in ``benchmarks/scale.py``
(``python -m benchmarks.scale``), which ``python -m benchmarks`` does not run.
"""

from __future__ import annotations

import heapq
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from operator import add
from pathlib import Path
from typing import Any

from minispark.tour import LOG_LINE

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".bench" / "data"
REPEATS = 3                   # each timing is the best of this many runs
STARTUP_RUNS = 5
TABLE_ROWS = 300
MB = 1_000_000
RSS_TARGET_MB = 300
STARTUP_TARGET_S = 0.5
TARGETS = {"1": 1.0, "2": 1.0, "3": 1.0, "4a": 1.0, "4b": 1.0}
STARTUP_CODE = ("import time; t=time.perf_counter(); from minispark import SparkContext; "
                "sc=SparkContext('local[2]','b'); sc.parallelize(range(10)).count(); "
                "print(time.perf_counter()-t)")


# --- parsing, shared by both sides ------------------------------------------------------

def user_pair(line: str) -> tuple[int | None, int]:
    """(user id, 1) for a well-formed log line, (None, 1) for a malformed one."""
    m = LOG_LINE.match(line)
    return (int(m.group(2)) if m else None, 1)


def page_pair(line: str) -> tuple[str | None, int]:
    """(requested path, 1) for a well-formed log line ("GET /x.html HTTP/1.0"), else
    (None, 1)."""
    m = LOG_LINE.match(line)
    if m is None:
        return (None, 1)
    parts = m.group(4).split(" ")
    return (parts[1] if len(parts) == 3 else None, 1)


def well_formed(kv: tuple) -> bool:
    return kv[0] is not None


def swap(kv: tuple) -> tuple:
    return (kv[1], kv[0])


def category(page: str) -> str:
    """The category of a page in the 300-row table."""
    if page.startswith("/KBDOC-"):
        return "kb article"
    if page.endswith("_sales.html"):
        return "sales page"
    if page.endswith(".html"):
        return "product page"
    return page.rsplit(".", 1)[-1] + " file"


# --- the plain loops ---------------------------------------------------------------------

def log_lines(files: list[Path]):
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                yield line.rstrip("\n")


def loop_user_counts(files: list[Path]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for line in log_lines(files):
        user = user_pair(line)[0]
        if user is not None:
            counts[user] = counts.get(user, 0) + 1
    return counts


def loop_top5(files: list[Path]) -> list[tuple[int, int]]:
    counts = loop_user_counts(files)
    return heapq.nlargest(5, ((n, u) for u, n in counts.items()))


def loop_page_counts(files: list[Path]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in log_lines(files):
        page = page_pair(line)[0]
        if page is not None:
            counts[page] = counts.get(page, 0) + 1
    return counts


def loop_category_counts(files: list[Path], table: dict[str, str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in log_lines(files):
        cat = table.get(page_pair(line)[0])
        if cat is not None:
            counts[cat] = counts.get(cat, 0) + 1
    return counts


# --- the minispark jobs ------------------------------------------------------------------

def user_pairs(sc: Any, data: Path) -> Any:
    return sc.textFile(str(data / "weblogs")).map(user_pair).filter(well_formed)


def job_reduce(sc: Any, data: Path) -> Any:
    return user_pairs(sc, data).reduceByKey(add)


def job_group(sc: Any, data: Path) -> Any:
    return user_pairs(sc, data).groupByKey().mapValues(len)


def job_sort(sc: Any, data: Path) -> Any:
    """Every (user, 1) pair through a full sort: the memory-heavy sortByKey job."""
    return user_pairs(sc, data).sortByKey()


PROBE_JOBS = {"reduce": job_reduce, "group": job_group, "sort": job_sort}


# --- helpers -----------------------------------------------------------------------------

def ensure_data(data: Path = DATA, **overrides: Any) -> dict:
    """The data set in ``data``, generated by a separate process the first time (so that
    generating it does not count in any peak RSS)."""
    manifest = data / "manifest.json"
    if not manifest.exists():
        print(f"generating the data set into {data} (once) ...", flush=True)
        code = ("import sys, datagen; datagen.generate(sys.argv[1], scale='small', seed=42, "
                f"jobs=2, **{overrides!r})")
        subprocess.run([sys.executable, "-c", code, str(data)], check=True, cwd=ROOT)
    return json.loads(manifest.read_text())


def timed_pair(spark: Callable[[], Any], loop: Callable[[], Any],
               repeats: int = REPEATS) -> tuple[float, Any, float, Any]:
    """Best times of ``repeats`` runs of each, alternating loop and minispark so that
    both see the same machine; and what each returned last."""
    best_spark = best_loop = float("inf")
    spark_result = loop_result = None
    for _ in range(repeats):
        t, loop_result = timed(loop, 1)
        best_loop = min(best_loop, t)
        t, spark_result = timed(spark, 1)
        best_spark = min(best_spark, t)
    return best_spark, spark_result, best_loop, loop_result


def timed(fn: Callable[[], Any], repeats: int = REPEATS) -> tuple[float, Any]:
    """The best time of ``repeats`` runs of ``fn``, and what its last run returned."""
    best = float("inf")
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def vm_hwm_mb(pid: int | str) -> float:
    """Peak RSS (VmHWM) of a live process, in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / MB
    raise RuntimeError(f"no VmHWM for pid {pid}")


def probe(job: str, data: Path) -> dict:
    """Run one job (``PROBE_JOBS``) then count() in this process (meant to be a fresh
    one) and return the result and peak RSS of the driver and of each worker."""
    from minispark import SparkContext
    sc = SparkContext("local[2]", f"probe-{job}")
    try:
        rdd = PROBE_JOBS[job](sc, data)
        start = time.perf_counter()
        n = rdd.count()
        seconds = time.perf_counter() - start
        workers = [vm_hwm_mb(w.proc.pid) for w in sc._backend.workers]
    finally:
        sc.stop()
    driver = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB  # KiB on Linux
    return {"job": job, "count": n, "seconds": seconds, "partitions": rdd.getNumPartitions(),
            "driver_mb": driver,
            "workers_mb": workers}


def probe_in_subprocess(job: str, data: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_engine", "--probe", job,
                          str(data)], check=True, cwd=ROOT, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def startup_times() -> list[float]:
    runs = []
    for _ in range(STARTUP_RUNS):
        out = subprocess.run([sys.executable, "-c", STARTUP_CODE], check=True, cwd=ROOT,
                             capture_output=True, text=True).stdout
        runs.append(float(out.split()[-1]))
    return runs


def load() -> str:
    """The load averages: the other processes competing for the CPUs skew every ratio."""
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


HEADER = (f"{'case':<34}{'minispark':>10}{'loop':>9}{'ratio':>8}{'target':>8}  "
          f"{'':<6}results agree")


def row(case: str, t_spark: float, t_loop: float, target: float, agree: bool) -> bool:
    ratio = t_spark / t_loop
    print(f"{case:<34}{t_spark:>8.2f} s{t_loop:>7.2f} s{ratio:>7.2f}x{target:>7.1f}x  "
          f"{verdict(ratio <= target):<6}results agree: {'yes' if agree else 'no'}",
          flush=True)
    return ratio <= target and agree


# --- the benchmark -----------------------------------------------------------------------

def main() -> None:
    from minispark import SparkContext

    manifest = ensure_data()
    files = sorted((DATA / "weblogs").glob("*.log"))
    print(f"data: {manifest['weblogs']['lines']:,} log lines in {len(files)} files "
          f"({DATA}); {os.cpu_count()} CPU(s), {load()}; each time is the best of {REPEATS}",
          flush=True)

    # 5 first, in fresh interpreters, before this process has started any workers.
    startup = startup_times()

    # The loops' answers; their times are taken beside each case's, below.
    loop_users = loop_user_counts(files)
    loop_top = loop_top5(files)
    page_counts = loop_page_counts(files)          # builds the table
    top_pages = heapq.nlargest(TABLE_ROWS, page_counts, key=lambda p: (page_counts[p], p))
    table = {page: category(page) for page in top_pages}
    loop_cats = loop_category_counts(files, table)
    print(f"{sum(loop_users.values()):,} well-formed lines, {len(loop_users):,} users, "
          f"{len(page_counts):,} distinct pages ({len(table)} in the table, "
          f"{len(set(table.values()))} categories)\n", flush=True)

    results: list[bool] = []
    print(HEADER)
    with SparkContext("local[2]", "bench_engine") as sc:
        sc.parallelize(range(2), 2).count()        # start the workers outside the timings

        # 1 and 2: a fresh RDD each run, so that no run reuses an earlier run's shuffle.
        def count_job(build: Callable[[Any, Path], Any]) -> Callable[[], tuple[Any, int]]:
            def run() -> tuple[Any, int]:
                rdd = build(sc, DATA)
                return rdd, rdd.count()
            return run

        def users() -> dict:
            return loop_user_counts(files)

        t1, (rdd1, n1), t_loop, _ = timed_pair(count_job(job_reduce), users)
        ok1 = n1 == len(loop_users) and rdd1.collectAsMap() == loop_users
        results.append(row("1 reduceByKey count", t1, t_loop, TARGETS["1"], ok1))

        t2, (rdd2, n2), t_loop, _ = timed_pair(count_job(job_group), users)
        ok2 = n2 == len(loop_users) and rdd2.collectAsMap() == loop_users
        results.append(row("2 groupByKey.mapValues(len) count", t2, t_loop,
                           TARGETS["2"], ok2))

        # 3: counts -> swap -> sortByKey(False) -> take(5). Ties in a count may come in
        # any order, so the check is: the same five counts, each user's count right.
        t3, top, t_loop, _ = timed_pair(
            lambda: job_reduce(sc, DATA).map(swap).sortByKey(False).take(5),
            lambda: loop_top5(files))
        ok3 = ([n for n, _ in top] == [n for n, _ in loop_top]
               and all(loop_users.get(u) == n for n, u in top))
        results.append(row("3 sortByKey(False).take(5)", t3, t_loop, TARGETS["3"], ok3))

        # 4: requests per category of page, by a shuffle join and by a broadcast lookup.
        table_rdd = sc.parallelize(sorted(table.items()), 2)

        def by_join() -> dict:
            pairs = sc.textFile(str(DATA / "weblogs")).map(page_pair).filter(well_formed)
            return (pairs.join(table_rdd).map(lambda kv: (kv[1][1], 1))
                    .reduceByKey(add).collectAsMap())

        def by_broadcast() -> dict:
            b = sc.broadcast(table)
            pairs = sc.textFile(str(DATA / "weblogs")).map(page_pair).filter(well_formed)
            return (pairs.map(lambda kv: (b.value.get(kv[0]), kv[1])).filter(well_formed)
                    .reduceByKey(add).collectAsMap())

        def categories() -> dict:
            return loop_category_counts(files, table)

        t4a, cats_join, t_loop, _ = timed_pair(by_join, categories)
        results.append(row("4a join with 300-row table", t4a, t_loop, TARGETS["4a"],
                           cats_join == loop_cats))
        t4b, cats_bc, t_loop, _ = timed_pair(by_broadcast, categories)
        results.append(row("4b broadcast dict lookup", t4b, t_loop, TARGETS["4b"],
                           cats_bc == loop_cats))

    print("  (each loop timed beside its case; 1 and 2 run the same loop, 3's counts then "
          "takes heapq.nlargest, 4a and 4b run the same loop)")

    median = statistics.median(startup)
    print(f"\n5 import + SparkContext + first count(), fresh process, median of "
          f"{STARTUP_RUNS}: {median:.3f} s (target <= {STARTUP_TARGET_S} s) "
          f"{verdict(median <= STARTUP_TARGET_S)}")
    print("  runs: " + ", ".join(f"{s:.3f}" for s in startup) + " s")
    results.append(median <= STARTUP_TARGET_S)

    print(f"\n6 peak RSS, driver + workers, each job in a fresh process "
          f"(target <= {RSS_TARGET_MB} MB):")
    for case, job in (("1", "reduce"), ("2", "group")):
        p = probe_in_subprocess(job, DATA)
        total = p["driver_mb"] + sum(p["workers_mb"])
        agree = p["count"] == len(loop_users)
        workers = " + ".join(f"{w:.0f}" for w in p["workers_mb"])
        print(f"  case {case} ({job}ByKey): driver {p['driver_mb']:.0f} + workers {workers} "
              f"= {total:.0f} MB  {verdict(total <= RSS_TARGET_MB)}  "
              f"results agree: {'yes' if agree else 'no'}")
        results.append(total <= RSS_TARGET_MB and agree)

    print(f"\noverall: {sum(results)}/{len(results)} checks pass ({load()})")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--probe":
        print(json.dumps(probe(sys.argv[2], Path(sys.argv[3]))))
    else:
        main()
