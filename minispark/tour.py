"""A guided tour: requests per user in the phone company's web logs, on minispark.

Run it with ``make demo`` (or ``python -m minispark.tour --data data``). If the
data directory has no ``manifest.json`` yet, the tour first generates the data
set with ``datagen`` (the ``tiny`` scale by default, ~10,000 log lines, about a
second; ``--scale small`` makes ~1M lines). Then it runs a short batch job:

    lines ──map(parse)──> user ids ──filter/map──> (user, 1) ──reduceByKey──> (user, n)

Spark concepts it shows, in the order they appear:

- **SparkContext**: the driver's entry point; ``local[2]`` runs two worker processes.
- **Lazy transformations**: ``textFile``, ``map``, ``filter`` and ``reduceByKey``
  only describe an RDD; nothing is read until an *action* (``count``,
  ``takeOrdered``) asks for a result. Each action is one *job*.
- **Defensive parsing**: real logs contain broken lines. The parser returns
  ``None`` for them instead of raising, so one bad line never kills a job;
  the bad lines are counted, then skipped.
- **Caching**: the parsed RDD is used by several jobs, so it is ``cache()``-d
  and the files are read only once.
- **Pair RDDs and shuffles**: ``reduceByKey`` must bring every count of a user
  to the same partition. That is a *shuffle*, and it splits the job into two
  *stages*: a map stage that writes shuffle files (after combining the pairs of
  each partition on the map side) and a result stage that reads them.
- **Skipped stages**: a second job over the same shuffle reuses the shuffle
  files already written, so its map stage is skipped.
- **Listener events**: ``EventCollector`` (minispark-only) records what the
  scheduler did; the tour prints stages, tasks and shuffle metrics per job,
  the same numbers the Spark UI shows.
- **Lineage**: ``toDebugString()`` prints the RDD graph; each ``+-`` is a
  shuffle boundary, that is a new stage.

The same job runs unchanged on real PySpark (``from pyspark import SparkContext``),
except for ``EventCollector`` and ``addSparkListener``, which PySpark does not have.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from operator import add
from pathlib import Path

# One web log line: IP, "-", user id, [time], "request", status, bytes, "referrer",
# two spaces, "user agent". Anchored at both ends, so a truncated line never matches.
LOG_LINE = re.compile(r'^(\S+) - (\d+) \[([^\]]+)\] "([^"]*)" (\d{3}) (\d+|-) '
                      r'"([^"]*)"  "([^"]*)"$')
TOP_N = 10


def parse_user(line: str) -> int | None:
    """The user id of a well-formed log line, or ``None`` for a malformed one.

    >>> good = '1.2.3.4 - 77 [16/Sep/2013:10:00:00 +0100] "GET /a.html HTTP/1.0" 200 9 "-"  "x"'
    >>> parse_user(good)
    77
    >>> [parse_user(bad) for bad in (good.replace(" 77 ", " - "),   # missing user
    ...                              good[:50],                     # truncated
    ...                              good.replace("77", "77\ufffd"), # not UTF-8
    ...                              "Lorem ipsum")]                # garbage
    [None, None, None, None]
    """
    match = LOG_LINE.match(line)
    return int(match.group(2)) if match else None


def ensure_data(data: Path, scale: str) -> dict:
    """Return the manifest of ``data``, generating the data set first if there is none."""
    manifest_path = data / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        print(f"Using the existing data set in {data}/ (scale {manifest['scale']!r}, "
              f"seed {manifest['seed']}); delete it to generate a new one.")
        return manifest
    import datagen  # imported here: only needed the first time

    print(f"No {manifest_path} yet: generating the {scale!r} data set with datagen "
          f"(seed 42) into {data}/ ...", flush=True)
    start = time.perf_counter()
    manifest = datagen.generate(data, scale, seed=42, quiet=True)
    print(f"  wrote {manifest['weblogs']['lines']:,} log lines in "
          f"{manifest['weblogs']['files']} daily files, plus accounts, KB articles and "
          f"device reports ({time.perf_counter() - start:.1f} s)")
    return manifest


def describe_jobs(events: list, labels: list[str]) -> None:
    """Print, per job, the stages that ran and what they shuffled (from listener events).

    A job lists all the stages it needs (``JobStart``); stages whose output already
    exists are skipped and never complete within that job.
    """
    job_id = -1
    needed: dict[int, list[int]] = {}
    ran: dict[int, list] = defaultdict(list)           # job -> StageInfo of completed stages
    metrics: dict[int, list] = defaultdict(list)       # stage -> TaskMetrics of its tasks
    for event in events:
        if event.kind == "JobStart":
            job_id = event.data["job_id"]
            needed[job_id] = list(event.data["stage_ids"])
        elif event.kind == "StageCompleted":
            ran[job_id].append(event.data["stage_info"])
        elif event.kind == "TaskEnd" and event.data["metrics"] is not None:
            metrics[event.data["stage_id"]].append(event.data["metrics"])

    for (job, stage_ids), label in zip(sorted(needed.items()), labels, strict=False):
        stages = ran[job]
        skipped = len(stage_ids) - len(stages)
        tasks = sum(s.num_tasks_run for s in stages)
        print(f"  job {job} ({label}): {len(stages)} stage(s) ran, {skipped} skipped, "
              f"{tasks} task(s)")
        for info in stages:
            ms = metrics[info.stage_id]
            line = f"    {info.kind:<15} {info.num_tasks_run} task(s)"
            written = sum(m.shuffle_write_bytes for m in ms)
            read = sum(m.shuffle_read_bytes for m in ms)
            if info.kind == "ShuffleMapStage":
                line += (f", shuffle write {written:,} bytes / "
                         f"{sum(m.shuffle_write_records for m in ms):,} records")
            if read:
                line += (f", shuffle read {read:,} bytes / "
                         f"{sum(m.shuffle_read_records for m in ms):,} records")
            if any(m.cache_hits for m in ms):
                line += f", {sum(m.cache_hits for m in ms)} cached partition(s) read"
            print(line)


def main(argv: list[str] | None = None) -> int:
    """Run the tour; return the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m minispark.tour", description=__doc__
                                     .split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=Path("data"),
                        help="data directory (generated if it has no manifest.json)")
    parser.add_argument("--scale", choices=["tiny", "small"], default="tiny",
                        help="size of the data set to generate (default: tiny)")
    args = parser.parse_args(argv)

    from minispark import SparkContext
    from minispark.scheduler.listener import EventCollector

    manifest = ensure_data(args.data, args.scale)
    print()
    started = time.perf_counter()
    with SparkContext("local[2]", "tour") as sc:
        events = EventCollector()
        sc.addSparkListener(events)

        # Transformations: a description of the computation; nothing runs yet.
        lines = sc.textFile(str(args.data / "weblogs"))
        users = lines.map(parse_user).cache()          # None marks a malformed line
        counts = (users.filter(lambda u: u is not None)
                  .map(lambda u: (u, 1))
                  .reduceByKey(add))                   # shuffle: a new stage
        print(f"Input: {args.data}/weblogs, {lines.getNumPartitions()} partition(s) "
              "(one per file here; a big file is cut into several).")

        # Actions: each one is a job.
        malformed = users.filter(lambda u: u is None).count()       # job 0
        distinct_users = counts.count()                              # job 1
        # takeOrdered keeps the best 10 of each partition and merges them on the
        # driver; sortBy(...).take(10) would sort (and shuffle) every user instead.
        top = counts.takeOrdered(TOP_N, key=lambda kv: (-kv[1], kv[0]))  # job 2

        total = counts.values().sum()                                # job 3
        print(f"Malformed lines skipped: {malformed:,}"
              f" (the manifest says {sum(manifest['weblogs']['bad_lines'].values()):,})")
        print(f"Requests from well-formed lines: {total:,}")
        print(f"Distinct users: {distinct_users:,}")
        print(f"\nTop {TOP_N} users by number of requests:")
        for rank, (user, n) in enumerate(top, start=1):
            print(f"  {rank:>2}. user {user:<6} {n:>7,} requests")

        print("\nWhat the scheduler did (from the listener events):")
        describe_jobs(events.events, ["count malformed lines", "count distinct users",
                                      f"takeOrdered({TOP_N})", "sum of the counts"])
        print("  Job 0 read the files and cached the parsed lines; the later jobs read the\n"
              "  cache. reduceByKey split each job into a map stage (combine per partition,\n"
              "  write shuffle files) and a result stage (read and merge them). Jobs 2 and 3\n"
              "  reused the shuffle files of job 1, so their map stage was skipped.")

        print("\nLineage of the counts RDD (counts.toDebugString()):")
        print(counts.toDebugString().decode())
    print(f"\nDone in {time.perf_counter() - started:.1f} s. Next: read minispark/context.py.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
