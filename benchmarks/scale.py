"""The engine's memory at 5x the "small" scale: does peak RSS stay flat as input grows?

    python -m benchmarks.scale          # several minutes; not run by ``python -m benchmarks``

(Named ``scale.py``, not ``bench_*.py``, so that ``python -m benchmarks``, which runs every
``bench_*.py``, leaves this slow check out.)

It generates a 5,000,000-line web log once into ``.bench/data5m`` (datagen's "small" scale,
seed 42, with ``lines=5_000_000``: 14 days, 20,000 users as at 1M) and reuses the 1M-line
set in ``.bench/data``. Each job runs in a fresh process (``bench_engine.probe``) on
``local[2]`` and reports the peak RSS of the driver (ru_maxrss) plus each worker (VmHWM read
before ``sc.stop()``):

- groupByKey: textFile -> (user, 1) -> groupByKey().mapValues(len).count()
- sortByKey:  textFile -> (user, 1) -> sortByKey().count()   (every pair through the sort;
  the busiest user alone has ~331,000 requests at 5M, so a partition's sort must spill:
  runs of at most 100,000 records, ``minispark.spill.SORT_RUN_RECORDS``)
- reduceByKey (for reference): reduceByKey(add).count()

Targets, per job: driver + workers at 5M <= 1.2x the same job at 1M, and <= 300 MB.
"""

from __future__ import annotations

from benchmarks.bench_engine import (
    DATA,
    ROOT,
    RSS_TARGET_MB,
    ensure_data,
    load,
    probe_in_subprocess,
    verdict,
)

DATA_5M = ROOT / ".bench" / "data5m"
LINES_5M = 5_000_000
GROWTH_TARGET = 1.2
JOBS = (("groupByKey", "group"), ("sortByKey", "sort"), ("reduceByKey", "reduce"))


def main() -> None:
    sets = []
    for data, overrides in ((DATA, {}), (DATA_5M, {"lines": LINES_5M})):
        manifest = ensure_data(data, **overrides)
        sets.append((data, manifest["weblogs"]["lines"]))
    print("peak RSS of driver + workers (MB), each job in a fresh process on local[2]; "
          f"target: 5M <= {GROWTH_TARGET}x 1M and <= {RSS_TARGET_MB} MB")
    print(f"{'job':<13}{'lines':>11}{'time':>9}{'driver':>8}{'workers':>15}{'total':>8}"
          f"{'vs 1M':>8}  verdict  parts  result (count)")
    failures = 0
    for name, job in JOBS:
        base = None
        counts = []
        for data, lines in sets:
            p = probe_in_subprocess(job, data)
            total = p["driver_mb"] + sum(p["workers_mb"])
            counts.append(p["count"])
            workers = " + ".join(f"{w:.0f}" for w in p["workers_mb"])
            if base is None:
                base = total
                growth, ok = "", total <= RSS_TARGET_MB
            else:
                growth = f"{total / base:.2f}x"
                ok = total <= RSS_TARGET_MB and total <= GROWTH_TARGET * base
            failures += not ok
            print(f"{name:<13}{lines:>11,}{p['seconds']:>7.1f} s{p['driver_mb']:>8.0f}"
                  f"{workers:>15}{total:>8.0f}{growth:>8}  {verdict(ok):<7}"
                  f"{p['partitions']:>7}  {p['count']:,}",
                  flush=True)
    print(f"\noverall: {'PASS' if not failures else f'{failures} FAIL'} ({load()})")


if __name__ == "__main__":
    main()
