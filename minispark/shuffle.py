"""The shuffle: how records move from map tasks to reduce tasks, through files.

Read this file to learn what a shuffle really costs.

  map side     each task of the parent stage runs its pipeline, optionally
               combines values by key (reduceByKey's map-side combine), then
               sends every record to a *bucket* chosen by the partitioner. The
               buckets are pickled in batches and written to one data file per
               map task, bucket after bucket; the byte size of every bucket goes
               to the driver in a MapStatus (Spark's sort-based shuffle layout).
  reduce side  reduce task r reads bucket r of every map output file, in
               map-task order (so results are deterministic), and merges.
  spill        a task that aggregates (groupByKey, reduceByKey) or sorts
               (sortByKey) keeps its data in memory only up to the budget
               ``spark.python.worker.memory``; beyond it, it writes sorted runs
               or hash sub-partitions to disk and merges them at the end, so it
               finishes on data larger than memory, paying disk I/O instead
               (spill.py).

Cost model: every shuffled record is pickled, written to disk, read and
unpickled once. Map-side combine cuts the records to about one per key per map
task; that is the whole difference between reduceByKey and groupByKey.

The memory budget is checked against an *estimate* (records held times an
average record size) rather than the process's real memory, so spilling happens
at the same point on every run and machine: results stay deterministic.

Next: spill.py (what a reduce task does when its data outgrows memory), then
scheduler/dag.py, which decides when map stages must run.
"""

from __future__ import annotations

import os
import struct
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from minispark.dependency import (
    Aggregator,
    CoGroupAggregator,
    ListAggregator,
    ShuffleDependency,
)
from minispark.errors import FetchFailedError
from minispark.serializers import PickleSerializer

# Spilling lives in spill.py; these names stay importable from here too.
from minispark.spill import (  # noqa: F401
    _MISSING,
    ENTRY_BYTES,
    RUN_BATCH_RECORDS,
    SORT_RUN_RECORDS,
    SPILL_PARTITIONS,
    ExternalMerger,
    note_memory,
    sort_with_spill,
)
from minispark.taskcontext import TaskContext

__all__ = ["MapStatus", "write_shuffle_output", "read_shuffle", "ExternalMerger",
           "sort_with_spill", "sort_partition"]

FLUSH_RECORDS = 8192          # records buffered per map task before pickling a batch


@dataclass
class MapStatus:
    """Where a map task's output is and how big each reduce partition's block is."""

    map_id: int
    worker_id: int
    path: str
    sizes: list[int]
    records: list[int]


def shuffle_file(shuffle_dir: str, shuffle_id: int, map_id: int, attempt_id: int) -> str:
    """The data file of one map task attempt.

    >>> shuffle_file("/tmp/s", 0, 3, 7)
    '/tmp/s/shuffle_0_3_7.data'
    """
    return os.path.join(shuffle_dir, f"shuffle_{shuffle_id}_{map_id}_{attempt_id}.data")


# -- map side -------------------------------------------------------------------

class _PartitionedWriter:
    """Collects pickled batches per reduce partition; moves them to per-partition
    spill files when they outgrow the budget; finally writes one data file."""

    def __init__(self, num_partitions: int, budget: int, spill_dir: str,
                 serializer: Any, metrics: Any):
        self.serializer = serializer
        self.metrics = metrics
        self.chunks: list[list[bytes]] = [[] for _ in range(num_partitions)]
        self.records = [0] * num_partitions
        self.buffered_bytes = 0
        self.budget = budget
        self.spill_dir = spill_dir
        self.spill_files: dict[int, str] = {}

    def add(self, buckets: list[list]) -> None:
        start = time.perf_counter()
        for r, bucket in enumerate(buckets):
            if bucket:
                # A frame: the batch's length, then the batch (serializers.py).
                data = self.serializer.dumps(bucket)
                data = struct.pack(">i", len(data)) + data
                self.chunks[r].append(data)
                self.records[r] += len(bucket)
                self.buffered_bytes += len(data)
        self.metrics.serialize_time += time.perf_counter() - start
        note_memory(self.metrics, self.buffered_bytes)
        if self.buffered_bytes > self.budget:
            self._move_to_disk()

    def _move_to_disk(self) -> None:
        for r, chunks in enumerate(self.chunks):
            if chunks:
                path = self.spill_files.get(r)
                if path is None:
                    fd, path = tempfile.mkstemp(prefix="mapspill-", dir=self.spill_dir)
                    os.close(fd)
                    self.spill_files[r] = path
                with open(path, "ab") as f:
                    f.writelines(chunks)
                chunks.clear()
        self.buffered_bytes = 0

    def commit(self, path: str) -> list[int]:
        sizes = []
        tmp = path + ".tmp"
        with open(tmp, "wb") as out:
            for r, chunks in enumerate(self.chunks):
                start = out.tell()
                spilled = self.spill_files.get(r)
                if spilled is not None:
                    with open(spilled, "rb") as f:
                        while block := f.read(1 << 20):
                            out.write(block)
                    os.remove(spilled)
                out.writelines(chunks)
                sizes.append(out.tell() - start)
        os.replace(tmp, path)  # a reader never sees a half-written file
        return sizes


def combine_map_side(records: Iterable, aggregator: Aggregator, budget: int,
                     metrics: Any = None) -> Iterator:
    """reduceByKey's map-side combine: one combiner per key, emitted at the end
    (or early, as partial combiners, when the estimated size exceeds ``budget``;
    the reduce side merges partial combiners anyway)."""
    create, merge = aggregator.createCombiner, aggregator.mergeValue
    limit = max(budget // ENTRY_BYTES, 1000)
    combiners: dict = {}
    if isinstance(aggregator, (ListAggregator, CoGroupAggregator)):
        # groupByKey and cogroup (so every join): every value is kept, so count
        # values, not keys; and append inline: two calls per record were half
        # the cost. A cogroup's records are (key, (side, value)).
        held = 0
        get = combiners.get
        sides = getattr(aggregator, "sides", 0)
        for k, v in records:
            values = get(k)
            if sides:
                if values is None:
                    values = combiners[k] = [[] for _ in range(sides)]
                values[v[0]].append(v[1])
            elif values is None:
                combiners[k] = [v]
            else:
                values.append(v)
            held += 1
            if held >= limit:
                note_memory(metrics, held * ENTRY_BYTES)
                yield from combiners.items()
                combiners, held = {}, 0
                get = combiners.get
        note_memory(metrics, held * ENTRY_BYTES)
        yield from combiners.items()
        return
    # The hot loop of reduceByKey: one dict probe per record, and the size
    # check only when a new key arrives (only then can the dict grow).
    get = combiners.get
    for k, v in records:
        c = get(k, _MISSING)
        if c is _MISSING:
            combiners[k] = create(v)
            if len(combiners) >= limit:
                note_memory(metrics, len(combiners) * ENTRY_BYTES)
                yield from combiners.items()
                combiners = {}
                get = combiners.get
        else:
            combiners[k] = merge(c, v)
    note_memory(metrics, len(combiners) * ENTRY_BYTES)
    yield from combiners.items()


def write_shuffle_output(records: Iterable, dep: ShuffleDependency, map_id: int,
                         context: Any, path: str) -> MapStatus:
    """Run the map side of a shuffle over ``records`` and write ``path``."""
    metrics = context.metrics
    start = time.perf_counter()
    if dep.write_records is not None:
        records = dep.write_records(map_id, records)
    if dep.map_side_combine:
        records = combine_map_side(records, dep.aggregator, context.memory_budget, metrics)
    n = dep.partitioner.numPartitions
    partition_func = dep.partitioner.partitionFunc
    writer = _PartitionedWriter(n, context.memory_budget // 4, context.spill_dir,
                                _serializer(context), metrics)
    buckets: list[list] = [[] for _ in range(n)]
    count = 0
    if n == 1:
        bucket = buckets[0]
        for key, value in records:  # unpacking: non-pairs fail as in PySpark
            bucket.append((key, value))
            count += 1
            if len(bucket) >= FLUSH_RECORDS:
                writer.add(buckets)
                bucket.clear()
    else:
        for key, value in records:
            buckets[partition_func(key) % n].append((key, value))
            count += 1
            if count % FLUSH_RECORDS == 0:
                writer.add(buckets)
                buckets = [[] for _ in range(n)]
    writer.add(buckets)
    sizes = writer.commit(path)
    metrics.shuffle_write_records += count
    metrics.shuffle_write_bytes += sum(sizes)
    metrics.shuffle_write_time += time.perf_counter() - start
    return MapStatus(map_id, -1, path, sizes, writer.records)


# -- reduce side ----------------------------------------------------------------

def read_shuffle(context: Any, shuffle_id: int, reduce_id: int) -> Iterator:
    """Fetch block ``reduce_id`` of every map output of a shuffle, in map order."""
    metrics = context.metrics
    for status in context.map_statuses[shuffle_id]:
        size = status.sizes[reduce_id]
        if size == 0:
            continue
        offset = sum(status.sizes[:reduce_id])
        try:
            with open(status.path, "rb") as f:
                f.seek(offset)
                data = f.read(size)
        except FileNotFoundError:
            raise FetchFailedError(shuffle_id, status.map_id, reduce_id, status.path) from None
        if len(data) != size:
            raise FetchFailedError(shuffle_id, status.map_id, reduce_id, status.path)
        metrics.shuffle_read_bytes += size
        metrics.shuffle_read_blocks += 1
        loads = _serializer(context).loads
        position = 0
        while position < size:  # one frame per batch: length, then the batch
            (length,) = struct.unpack_from(">i", data, position)
            start = time.perf_counter()
            batch = loads(data[position + 4:position + 4 + length])
            metrics.deserialize_time += time.perf_counter() - start
            position += 4 + length
            metrics.shuffle_read_records += len(batch)
            yield from batch


def sort_partition(records: Iterable, ordering: tuple, context: Any = None) -> Iterator:
    """Sort (key, value) records by ``keyfunc(key)``; ``ordering = (keyfunc, ascending)``.

    What a reduce task of sortByKey does with the records it fetched (rdds/shuffled.py),
    and what sortByKey into one partition, or repartitionAndSortWithinPartitions on an
    RDD already partitioned so, does in place (ordered.py).

    >>> list(sort_partition(iter([(2, "b"), (1, "a"), (3, "c")]), (lambda k: k, False)))
    [(3, 'c'), (2, 'b'), (1, 'a')]
    """
    keyfunc, ascending = ordering
    return sort_with_spill(records, lambda kv: keyfunc(kv[0]), not ascending,
                           context or TaskContext.get())


def _serializer(context: Any) -> Any:
    serializer = getattr(context, "serializer", None)
    return serializer if serializer is not None else _DEFAULT_SERIALIZER


_DEFAULT_SERIALIZER = PickleSerializer()


