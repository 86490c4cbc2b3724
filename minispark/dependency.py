"""Dependencies: the edges of the lineage graph, and where stages are cut.

Read this file to learn the one distinction the whole scheduler rests on.

Every RDD knows the RDDs it was computed from, and *how* each of its partitions
depends on theirs:

  narrow   each child partition needs a small, known set of parent partitions
           (OneToOneDependency for map/filter: partition i needs partition i;
           RangeDependency for union: a block of child partitions maps onto one
           parent). Narrow steps are *pipelined*: one task streams records
           through all of them, one partition at a time, with no data written
           in between.
  shuffle  each child partition needs a piece of *every* parent partition
           (groupByKey, reduceByKey, join of unaligned inputs, repartition).
           The parent's tasks must all finish and write their output
           partitioned by key before any child task can start. The DAG
           scheduler cuts the job into stages exactly here.

A ShuffleDependency also carries what the map side needs to write: the
partitioner that sends each record to its reduce partition and, for
reduceByKey-like operations, an Aggregator whose combiners are applied on the
map side before anything is written ("map-side combine"), which is why
reduceByKey moves far fewer bytes than groupByKey.

An RDD holds its dependencies and each dependency its parent RDD: this file
names rddbase.RDDBase only in type hints (under TYPE_CHECKING), since
rddbase.py imports this one.

Next: rdd.py (the API) and rdds/ (the concrete RDDs); then scheduler/dag.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minispark.partitioner import Partitioner
    from minispark.rddbase import RDDBase

__all__ = [
    "Aggregator",
    "CoGroupAggregator",
    "ListAggregator",
    "Dependency",
    "NarrowDependency",
    "OneToOneDependency",
    "RangeDependency",
    "ShuffleDependency",
]


class Dependency:
    """An edge from a child RDD to one parent RDD."""

    def __init__(self, rdd: RDDBase):
        self.rdd = rdd


class NarrowDependency(Dependency):
    """Each child partition depends on a few parent partitions: no shuffle."""

    def get_parents(self, partition_id: int) -> list[int]:
        raise NotImplementedError


class OneToOneDependency(NarrowDependency):
    """Child partition i is computed from parent partition i (map, filter, ...).

    >>> OneToOneDependency(rdd=None).get_parents(3)
    [3]
    """

    def get_parents(self, partition_id: int) -> list[int]:
        return [partition_id]


class RangeDependency(NarrowDependency):
    """Child partitions [out_start, out_start + length) are parent partitions
    [in_start, ...), one to one: how a union lays its parents side by side.

    >>> d = RangeDependency(None, in_start=0, out_start=2, length=3)
    >>> d.get_parents(3), d.get_parents(1)
    ([1], [])
    """

    def __init__(self, rdd: RDDBase, in_start: int, out_start: int, length: int):
        super().__init__(rdd)
        self.in_start, self.out_start, self.length = in_start, out_start, length

    def get_parents(self, partition_id: int) -> list[int]:
        if self.out_start <= partition_id < self.out_start + self.length:
            return [partition_id - self.out_start + self.in_start]
        return []


class Aggregator:
    """The three functions of combineByKey, applied on both sides of a shuffle.

    createCombiner turns a key's first value into a combiner, mergeValue folds
    another value in, mergeCombiners merges two combiners (from two map tasks).

    >>> agg = Aggregator(lambda v: [v], lambda c, v: c + [v], lambda a, b: a + b)
    >>> list(agg.combine_values_by_key([("a", 1), ("b", 2), ("a", 3)]))
    [('a', [1, 3]), ('b', [2])]
    >>> list(agg.combine_combiners_by_key([("a", [1]), ("a", [2, 3])]))
    [('a', [1, 2, 3])]
    """

    def __init__(
        self,
        createCombiner: Callable[[Any], Any],
        mergeValue: Callable[[Any, Any], Any],
        mergeCombiners: Callable[[Any, Any], Any],
    ):
        self.createCombiner = createCombiner
        self.mergeValue = mergeValue
        self.mergeCombiners = mergeCombiners

    def combine_values_by_key(self, records: Iterable[tuple]) -> Iterator[tuple]:
        """Combine raw (key, value) records; keys come out in first-seen order."""
        combiners: dict = {}
        create, merge = self.createCombiner, self.mergeValue
        for k, v in records:
            if k in combiners:
                combiners[k] = merge(combiners[k], v)
            else:
                combiners[k] = create(v)
        return iter(combiners.items())

    def combine_combiners_by_key(self, records: Iterable[tuple]) -> Iterator[tuple]:
        """Merge (key, combiner) records, as the reduce side of a shuffle does."""
        combiners: dict = {}
        merge = self.mergeCombiners
        for k, c in records:
            if k in combiners:
                combiners[k] = merge(combiners[k], c)
            else:
                combiners[k] = c
        return iter(combiners.items())


class ListAggregator(Aggregator):
    """groupByKey's aggregator: a key's combiner is the list of all its values.

    Its combiners grow with every value, so memory is weighed by values, not
    keys (``grows``), and the map side appends values inline instead of calling
    mergeValue once per record (shuffle.combine_map_side).

    >>> list(ListAggregator().combine_values_by_key([("a", 1), ("b", 2), ("a", 3)]))
    [('a', [1, 3]), ('b', [2])]
    """

    grows = True
    size = len  # how many values a combiner holds (what its memory grows with)

    def __init__(self) -> None:
        super().__init__(_single, _append, _extend)


class CoGroupAggregator(Aggregator):
    """cogroup's aggregator over a tagged union of ``sides`` RDDs (joins.py): a
    key's combiner holds one list of values per side, so the side tag of a value
    travels only as far as the map side's combine, not through the shuffle.

    >>> agg = CoGroupAggregator(2)
    >>> list(agg.combine_values_by_key([("k", (1, "w")), ("k", (0, "v")), ("j", (0, "x"))]))
    [('k', [['v'], ['w']]), ('j', [['x'], []])]
    >>> agg.size([["v"], ["w", "x"]])
    3
    """

    grows = True

    def __init__(self, sides: int):
        self.sides = sides
        super().__init__(self._create, self._merge_value, self._merge_combiners)

    def _create(self, tagged: tuple) -> list[list]:
        lists: list[list] = [[] for _ in range(self.sides)]
        lists[tagged[0]].append(tagged[1])
        return lists

    def _merge_value(self, lists: list[list], tagged: tuple) -> list[list]:
        lists[tagged[0]].append(tagged[1])
        return lists

    def _merge_combiners(self, a: list[list], b: list[list]) -> list[list]:
        for mine, theirs in zip(a, b, strict=True):
            mine.extend(theirs)
        return a

    def size(self, lists: list[list]) -> int:
        """How many values a combiner holds (what its memory grows with)."""
        return sum(map(len, lists))


def _single(v: Any) -> list:
    return [v]


def _append(values: list, v: Any) -> list:
    values.append(v)
    return values


def _extend(a: list, b: list) -> list:
    a.extend(b)
    return a


class ShuffleDependency(Dependency):
    """A wide dependency: the parent's output is redistributed by key.

    ``map_side_combine`` applies the aggregator inside each map task before
    writing; ``key_ordering`` asks reduce tasks to sort each partition by key
    (repartitionAndSortWithinPartitions, sortByKey). ``shuffle_id`` names the
    files the map tasks write, so a later job can reuse them instead of
    recomputing the parent stage.
    """

    _ids = itertools.count()

    def __init__(
        self,
        rdd: RDDBase,
        partitioner: Partitioner,
        aggregator: Aggregator | None = None,
        map_side_combine: bool = False,
        key_ordering: tuple[Callable[[Any], Any], bool] | None = None,
        write_records: Callable[[int, Iterator], Iterator[tuple]] | None = None,
    ):
        super().__init__(rdd)
        self.partitioner = partitioner
        self.aggregator = aggregator
        self.map_side_combine = map_side_combine
        self.key_ordering = key_ordering
        # Some shuffles key their records themselves (repartition deals records
        # out round-robin); write_records(map_id, records) yields (key, record).
        self.write_records = write_records
        self.shuffle_id = rdd.ctx._new_shuffle_id() if rdd is not None else next(self._ids)

    def __getstate__(self) -> dict:
        # A map task needs the partitioner and aggregator, never the parent RDD
        # object graph beyond its own stage (that is shipped separately).
        state = self.__dict__.copy()
        state["rdd"] = None
        return state
