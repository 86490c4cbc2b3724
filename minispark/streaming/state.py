"""State across batches: updateStateByKey.

Read this file to learn how a stream remembers. ``updateStateByKey(f)`` keeps
one value per key for the whole life of the stream: at every batch, for every
key that has new values *or* a state, ``f(new values, previous state or None)``
returns the new state; returning None removes the key. The state of batch
``t`` is computed from the state of batch ``t - 1`` and the batch's data: an
RDD built from the previous RDD, forever.

Key terms
  state RDD        the (key, state) pairs after batch t; its parent is the
                   state RDD of batch t - 1.
  initialRDD       the state before the first batch (otherwise: no keys).
  data checkpoint  because each state RDD depends on the one before, its
                   lineage would grow by one step per batch, without end.
                   Every checkpoint interval (default: the smallest multiple
                   of the slide that is at least 10 s) the state RDD is saved
                   to the checkpoint directory and its lineage cut, so a
                   stream that runs for hours stays flat in memory and depth.
                   That is why ``ssc.checkpoint(directory)`` is required; start
                   fails without it and says so.

Next: checkpoint.py (metadata checkpoints: recovering the driver itself).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from minispark.rdd import RDD
from minispark.storage import StorageLevel
from minispark.streaming.dstream import DStream, to_datetime

__all__ = ["StateDStream", "update_state_by_key"]


class StateDStream(DStream):
    """Each RDD is ``func(t, previous state RDD or initialRDD or None, batch RDD)``."""

    def __init__(self, parent: DStream, func: Callable, initial: RDD | None):
        super().__init__(parent._ssc, [parent])
        self.func, self.initial = func, initial
        self.mustCheckpoint = True
        self.persist(StorageLevel.MEMORY_ONLY)

    @staticmethod
    def by_key(stream: DStream, updateFunc: Callable[[list, Any], Any],
               numPartitions: int | None, initialRDD: RDD | Iterable | None) -> DStream:
        """updateStateByKey (keyed.py asks for it by name): update_state_by_key below."""
        return update_state_by_key(stream, updateFunc, numPartitions, initialRDD)

    def __getstate__(self) -> dict:
        # The initial RDD is saved as its records, so a recovered driver has it.
        state = super().__getstate__()
        if self.initial is not None and "_initial_records" not in self.__dict__:
            self._initial_records = self.initial.collect()
            state["_initial_records"] = self._initial_records
        state["initial"] = None
        return state

    def _restore(self) -> None:
        """After recovery: rebuild the initial RDD from its saved records."""
        records = self.__dict__.get("_initial_records")
        if records is not None:
            self.initial = self._sc.parallelize(records)

    def _compute(self, time_ms: int) -> RDD | None:
        last = self._get_or_compute(time_ms - self._slide_ms)
        rdd = self._parents[0]._get_or_compute(time_ms)
        if rdd is None:
            return last
        previous = last if last is not None else self.initial
        return self.func(to_datetime(time_ms), previous, rdd)

    def lineage_depth(self, time_ms: int) -> int:
        """How many RDDs deep the state of batch ``time_ms`` is (checkpoints cut it).

        >>> StateDStream.lineage_depth.__doc__.startswith("How many")
        True
        """
        rdd = self.generatedRDDs.get(time_ms)
        depth, seen, frontier = 0, set(), [rdd] if rdd is not None else []
        while frontier:
            depth += 1
            nxt = []
            for r in frontier:
                for dep in r.dependencies:
                    if dep.rdd.id() not in seen:
                        seen.add(dep.rdd.id())
                        nxt.append(dep.rdd)
            frontier = nxt
        return depth


def update_state_by_key(stream: DStream, updateFunc: Callable[[list, Any], Any],
                        numPartitions: int | None,
                        initialRDD: RDD | Iterable | None) -> DStream:
    """``DStream.updateStateByKey``, built as PySpark builds it.

    >>> from minispark.streaming import StreamingContext
    >>> s = StreamingContext(sc, 1).queueStream([[("a", 1)]])
    >>> update_state_by_key(s, lambda vs, st: 0, None, [("a", 5)]).initial.collect()
    [('a', 5)]
    """
    sc = stream._sc
    if numPartitions is None:
        numPartitions = sc.defaultParallelism
    if initialRDD is not None and not isinstance(initialRDD, RDD):
        initialRDD = list(initialRDD)
        initialRDD = sc.parallelize(initialRDD) if initialRDD else None

    def reduce_func(t: datetime, a: RDD | None, b: RDD) -> RDD:
        if a is None:
            g = b.groupByKey(numPartitions).mapValues(lambda vs: (list(vs), None))
        else:
            g = a.cogroup(b.partitionBy(numPartitions), numPartitions)
            g = g.mapValues(lambda ab: (list(ab[1]), list(ab[0])[0] if len(ab[0]) else None))
        state = g.mapValues(lambda vs_s: updateFunc(vs_s[0], vs_s[1]))
        return state.filter(lambda kv: kv[1] is not None)

    return StateDStream(stream, reduce_func, initialRDD)
