"""Spilling: how a task aggregates or sorts more data than its memory budget.

Read this file after shuffle.py, to see what a reduce task does with the
records it fetched when they do not fit in memory.

Key terms
  memory budget   ``spark.python.worker.memory`` (512m by default): how much a
                  task's shuffle structures may hold. It is compared with an
                  *estimate* (records held times an average record size), never
                  with the process's real memory, so a spill happens at the same
                  record on every run and machine: results stay deterministic.
  ExternalMerger  aggregation (reduceByKey, groupByKey, join): a dict of
                  combiners; past the budget it is written out as hash
                  sub-partitions, which are merged one at a time at the end.
  sorted runs     sorting (sortByKey): records are sorted in runs; a full run
                  is written to disk and all runs are merged (heapq.merge) as
                  the partition is read, like Spark's ExternalSorter.
  peak memory     each structure reports its estimate (``note_memory``): Spark's
                  "peak execution memory" of a task, shown in the UI.

Next: rdds/shuffled.py, which calls these on the reduce side.
"""

from __future__ import annotations

import heapq
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from minispark.dependency import Aggregator
from minispark.partitioner import portable_hash

__all__ = ["ExternalMerger", "sort_with_spill", "note_memory"]

ENTRY_BYTES = 100             # assumed in-memory size of a small record, for estimates
SPILL_PARTITIONS = 16         # hash sub-partitions of an aggregation that spills
SORT_RUN_RECORDS = 100_000    # a sort run spills at this many records (or 1/4 of the budget)
RUN_BATCH_RECORDS = 1024      # records per pickled batch of a sort run: the merge's buffer
PROTOCOL = pickle.HIGHEST_PROTOCOL

_MISSING = object()


def note_memory(metrics: Any, estimate: float) -> None:
    """Record an estimate of the memory a shuffle structure holds (Spark's
    "peak execution memory"): records held times their estimated size.

    >>> from minispark.taskcontext import TaskMetrics
    >>> m = TaskMetrics(); note_memory(m, 5000); note_memory(m, 300); m.peak_memory_bytes
    5000
    """
    if metrics is not None and estimate > metrics.peak_memory_bytes:
        metrics.peak_memory_bytes = int(estimate)


def _entry_bytes(context: Any, units: int = 0) -> float:
    """Estimated in-memory bytes of one unit held: twice its shuffled (pickled) size.

    A unit is a shuffled record, unless ``units`` says how many units the records
    read so far held: groupByKey's combiners are weighed by their values, and a
    record that carries a list of 150 values must not count 150 times its size.
    """
    m = context.metrics if context is not None else None
    if m is not None and m.shuffle_read_records:
        return max(64.0, 2.0 * m.shuffle_read_bytes / (units or m.shuffle_read_records))
    return float(ENTRY_BYTES)


def _identity(x: Any) -> Any:
    return x


class ExternalMerger:
    """Aggregates (key, value) records into a dict of combiners, spilling to
    hash sub-partitions on disk when the dict outgrows the memory budget."""

    def __init__(self, aggregator: Aggregator, context: Any):
        self.aggregator = aggregator
        self.context = context
        self.grows = getattr(aggregator, "grows", False)
        self.data: dict = {}
        self.since_spill = 0  # values merged since the last spill
        self.before_spill = 0  # values merged before it
        self.spill_paths: list[str] | None = None

    def merge(self, records: Iterable, combiners: bool) -> None:
        if combiners:
            create: Callable = _identity
            merge = self.aggregator.mergeCombiners
        else:
            create, merge = self.aggregator.createCombiner, self.aggregator.mergeValue
        data = self.data
        budget = self.context.memory_budget
        since = self.since_spill
        # groupByKey's combiners are lists: weigh each by the values it holds,
        # or ten keys with 100,000 values each would never look big.
        weigh = self.grows and combiners
        size = self.aggregator.size if weigh else None
        check_at = since + 1000
        get = data.get
        for k, v in records:
            c = get(k, _MISSING)  # one dict probe per record: this is the hot loop
            data[k] = create(v) if c is _MISSING else merge(c, v)
            since += size(v) if weigh else 1
            if since >= check_at:
                check_at = since + 1000
                if self._estimate(since, len(data), weigh) > budget:
                    self._spill()
                    self.before_spill += since
                    data, since, check_at = self.data, 0, 1000
                    get = data.get
        self.since_spill = since
        self._estimate(since, len(data), weigh)

    def _estimate(self, since: int, keys: int, weigh: bool) -> float:
        """The estimated bytes held now (also noted as the task's peak memory)."""
        held = since if self.grows else keys
        units = self.before_spill + since if weigh else 0
        estimate = held * _entry_bytes(self.context, units)
        note_memory(self.context.metrics, estimate)
        return estimate

    def _spill(self) -> None:
        if self.spill_paths is None:
            self.spill_paths = []
            for _ in range(SPILL_PARTITIONS):
                fd, path = tempfile.mkstemp(prefix="merge-", dir=self.context.spill_dir)
                os.close(fd)
                self.spill_paths.append(path)
        parts: list[list] = [[] for _ in range(SPILL_PARTITIONS)]
        for item in self.data.items():
            parts[portable_hash(item[0]) % SPILL_PARTITIONS].append(item)
        written = 0
        for path, items in zip(self.spill_paths, parts, strict=True):
            if items:
                data = pickle.dumps(items, PROTOCOL)
                with open(path, "ab") as f:
                    f.write(data)
                written += len(data)
        metrics = self.context.metrics
        metrics.disk_bytes_spilled += written
        metrics.memory_bytes_spilled += int(len(self.data) * ENTRY_BYTES)
        metrics.spill_count += 1
        self.data = {}

    def items(self) -> Iterator:
        if self.spill_paths is None:
            return iter(self.data.items())
        self._spill()
        return self._merged_spills()

    def _merged_spills(self) -> Iterator:
        merge = self.aggregator.mergeCombiners
        for path in self.spill_paths:
            merged: dict = {}
            with open(path, "rb") as f:
                while True:
                    try:
                        items = pickle.load(f)
                    except EOFError:
                        break
                    for k, c in items:
                        merged[k] = merge(merged[k], c) if k in merged else c
            os.remove(path)
            yield from merged.items()


def sort_with_spill(records: Iterable, key: Callable, reverse: bool, context: Any) -> Iterator:
    """Sort records, spilling sorted runs to disk and merging them.

    A run spills at ``SORT_RUN_RECORDS`` records or at a quarter of the budget,
    whichever comes first, as Spark's ExternalSorter spills long before its
    memory is gone: a run's Python objects weigh several times the estimate, and
    one heavy key (a user with 300,000 requests) must not decide how much memory
    a task holds. The merge keeps one small batch per run in memory.

    Python's sort and heapq.merge are both stable, so the output is exactly
    ``sorted(records, key=key, reverse=reverse)`` however many runs spilled.

    >>> list(sort_with_spill([(2, "b"), (1, "x"), (2, "a")], lambda kv: kv[0], False, None))
    [(1, 'x'), (2, 'b'), (2, 'a')]
    """
    if context is None:  # outside a task (no budget, no spill directory): in memory
        return iter(sorted(records, key=key, reverse=reverse))
    budget = context.memory_budget // 4
    run: list = []
    runs: list[str] = []
    for record in records:
        run.append(record)
        if len(run) % 1000 == 0 and (len(run) >= SORT_RUN_RECORDS
                                     or len(run) * _entry_bytes(context) > budget):
            note_memory(context.metrics, len(run) * _entry_bytes(context))
            run.sort(key=key, reverse=reverse)
            runs.append(_write_run(run, context))
            run = []
    note_memory(context.metrics, len(run) * _entry_bytes(context))
    run.sort(key=key, reverse=reverse)
    if not runs:
        return iter(run)
    return heapq.merge(*(_read_run(p) for p in runs), run, key=key, reverse=reverse)


def _write_run(run: list, context: Any) -> str:
    fd, path = tempfile.mkstemp(prefix="sortrun-", dir=context.spill_dir)
    with os.fdopen(fd, "wb") as f:
        for i in range(0, len(run), RUN_BATCH_RECORDS):
            f.write(pickle.dumps(run[i:i + RUN_BATCH_RECORDS], PROTOCOL))
    metrics = context.metrics
    metrics.disk_bytes_spilled += os.path.getsize(path)
    metrics.memory_bytes_spilled += int(len(run) * ENTRY_BYTES)
    metrics.spill_count += 1
    return path


def _read_run(path: str) -> Iterator:
    with open(path, "rb") as f:
        while True:
            try:
                yield from pickle.load(f)
            except EOFError:
                break
    os.remove(path)
