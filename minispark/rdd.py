"""The RDD: a lazy, partitioned, immutable collection with a lineage.

Read this file to learn what an RDD *is*; the methods that do work are thin
wrappers that build new RDDs (transformations) or submit a job (actions).

Key terms
  partition      one slice of the data. A task computes exactly one
                 partition, so the partition count is the parallelism.
  lineage        the chain of dependencies back to the data source. Nothing is
                 computed when you call map or filter: the RDD only records
                 *how* to compute each partition from its parents. If a
                 partition is lost it is simply computed again.
  transformation returns a new RDD (map, filter, reduceByKey, join, ...).
                 Narrow ones pipeline inside a task; wide ones need a shuffle.
  action         returns a value to the driver or writes output (count,
                 collect, saveAsTextFile): it is what launches a job.

Every concrete RDD (in ``rdds/``) answers three questions, exactly as in
Spark's RDD.scala: ``get_partitions()`` (how is it sliced?),
``compute(split, context)`` (how is one partition computed, as an iterator?)
and its dependencies (what does it need?). ``iterator()`` adds caching and
checkpointing on top of ``compute``.

The public methods live in mixins by theme, as Spark's RDD.scala,
PairRDDFunctions and DoubleRDDFunctions do: actions.py, pairs.py, ordered.py,
numeric.py, sampling.py.

Next: rdds/ (the concrete RDDs), then dependency.py and scheduler/dag.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from minispark.actions import RDDActions
from minispark.dependency import Dependency, OneToOneDependency, ShuffleDependency
from minispark.numeric import NumericRDDFunctions
from minispark.ordered import OrderedRDDFunctions
from minispark.pairs import PairRDDFunctions
from minispark.partitioner import Partitioner, portable_hash
from minispark.sampling import SamplingFunctions
from minispark.storage import StorageLevel
from minispark.util import bytes_to_string, call_site

if TYPE_CHECKING:
    from minispark.context import SparkContext

__all__ = ["RDD", "Partition", "portable_hash", "Partitioner"]


class Partition:
    """One slice of an RDD; subclasses carry what computing it needs."""

    def __init__(self, index: int):
        self.index = index

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.index})"


# Set by RDD.__init__; everything else an RDD holds belongs to its lineage.
_BASE_ATTRIBUTES = frozenset({
    "ctx", "_id", "_deps", "_partitions", "partitioner", "is_cached", "_storage_level",
    "_name", "creation_site", "_checkpoint_requested", "_checkpoint_rdd", "is_checkpointed"})


class RDD(RDDActions, PairRDDFunctions, OrderedRDDFunctions, NumericRDDFunctions,
          SamplingFunctions):
    """A Resilient Distributed Dataset: the base class of every RDD."""

    def __init__(self, ctx: SparkContext, deps: list[Dependency]):
        self.ctx = ctx
        self._id = ctx._new_rdd_id()
        self._deps = deps
        self._partitions: list[Partition] | None = None
        self.partitioner: Partitioner | None = None
        self.is_cached = False
        self._storage_level = StorageLevel.NONE
        self._name: str | None = None
        self.creation_site = call_site()
        # Checkpointing (reliable or local): requested, then materialised.
        self._checkpoint_requested: str | None = None
        self._checkpoint_rdd: RDD | None = None
        self.is_checkpointed = False

    # -- the three things every RDD defines (see rdds/) -----------------------

    def get_partitions(self) -> list[Partition]:
        raise NotImplementedError

    def compute(self, split: Partition, context: Any) -> Iterator:
        raise NotImplementedError

    @property
    def dependencies(self) -> list[Dependency]:
        if self._checkpoint_rdd is not None:
            return [OneToOneDependency(self._checkpoint_rdd)]
        return self._deps

    @property
    def partitions(self) -> list[Partition]:
        if self._checkpoint_rdd is not None:
            return self._checkpoint_rdd.partitions
        if self._partitions is None:
            self._compute_ancestor_partitions()
            self._partitions = self.get_partitions()
        return self._partitions

    def _compute_ancestor_partitions(self) -> None:
        # get_partitions() usually asks the parent for its partitions; over a
        # lineage 2,000 maps deep that would recurse 2,000 times. Computing
        # the ancestors first, farthest first, keeps every call shallow.
        order, stack, seen = [], [d.rdd for d in self.dependencies], set()
        while stack:
            rdd = stack.pop()
            if rdd._id in seen or rdd._partitions is not None or rdd._checkpoint_rdd is not None:
                continue
            seen.add(rdd._id)
            order.append(rdd)
            stack.extend(d.rdd for d in rdd.dependencies)
        for rdd in reversed(order):
            rdd.partitions  # noqa: B018 - evaluated for its caching side effect

    def iterator(self, split: Partition, context: Any) -> Iterator:
        """Compute one partition, reading the cache when the RDD is persisted."""
        if self._storage_level != StorageLevel.NONE:
            return context.block_manager.get_or_compute(self, split, context)
        return self.compute_or_read_checkpoint(split, context)

    def compute_or_read_checkpoint(self, split: Partition, context: Any) -> Iterator:
        if self._checkpoint_rdd is not None:
            return self._checkpoint_rdd.iterator(split, context)
        return self.compute(split, context)

    def __getstate__(self) -> dict:
        # Tasks carry their own partition objects, and the SparkContext exists
        # only on the driver; neither travels inside the serialized lineage.
        state = self.__dict__.copy()
        if self._checkpoint_rdd is not None:
            # A checkpointed RDD reads its saved files: its parents and functions
            # (the forgotten lineage) need not travel at all.
            state = {k: v for k, v in state.items() if k in _BASE_ATTRIBUTES}
        state["ctx"] = None
        state["_partitions"] = None
        return state

    # -- identity --------------------------------------------------------------

    @property
    def context(self) -> SparkContext:
        """The SparkContext this RDD was created on.

        >>> sc.parallelize([1]).context is sc
        True
        """
        return self.ctx

    def id(self) -> int:
        """A unique id for this RDD within its SparkContext.

        >>> a, b = sc.parallelize([1]), sc.parallelize([2])
        >>> b.id() > a.id()
        True
        """
        return self._id

    def name(self) -> str | None:
        """The name given with setName, or None.

        >>> sc.parallelize([1]).setName("ones").name()
        'ones'
        """
        return self._name

    def setName(self, name: str) -> RDD:
        """Name this RDD (shown by toDebugString and the UI); returns the RDD.

        >>> sc.parallelize([1]).setName("requests").name()
        'requests'
        """
        self._name = name
        return self

    def getNumPartitions(self) -> int:
        """How many partitions, and so how many tasks per stage, this RDD has.

        >>> sc.parallelize(range(10), 3).getNumPartitions()
        3
        """
        return len(self.partitions)

    def __repr__(self) -> str:
        prefix = f"{self._name} " if self._name else ""
        return f"{prefix}{type(self).__name__}[{self._id}] at {self.creation_site}"

    # -- narrow transformations ------------------------------------------------

    def mapPartitionsWithIndex(self, f: Callable[[int, Iterator], Iterable],
                               preservesPartitioning: bool = False) -> RDD:
        """Apply ``f(index, iterator)`` to each partition. Narrow: no shuffle.

        This is the one narrow transformation the others are built from.

        >>> sc.parallelize(range(4), 2).mapPartitionsWithIndex(
        ...     lambda i, it: [(i, sum(it))]).collect()
        [(0, 1), (1, 5)]
        """
        return MapPartitionsRDD(self, f, preservesPartitioning)

    def mapPartitions(self, f: Callable[[Iterator], Iterable],
                      preservesPartitioning: bool = False) -> RDD:
        """Apply ``f(iterator)`` to each whole partition; pays per-partition setup once.

        >>> sc.parallelize([1, 2, 3, 4], 2).mapPartitions(lambda it: [sum(it)]).collect()
        [3, 7]
        """
        return self.mapPartitionsWithIndex(lambda _, it: f(it), preservesPartitioning)

    def mapPartitionsWithSplit(self, f: Callable[[int, Iterator], Iterable],
                               preservesPartitioning: bool = False) -> RDD:
        """Deprecated alias of mapPartitionsWithIndex, kept as PySpark does.

        >>> sc.parallelize([1, 2], 2).mapPartitionsWithSplit(lambda i, it: [i]).collect()
        [0, 1]
        """
        return self.mapPartitionsWithIndex(f, preservesPartitioning)

    def map(self, f: Callable[[Any], Any], preservesPartitioning: bool = False) -> RDD:
        """Apply ``f`` to every element. Narrow.

        >>> sc.parallelize(["b", "a", "c"]).map(lambda x: (x, 1)).collect()
        [('b', 1), ('a', 1), ('c', 1)]
        """
        return self.mapPartitionsWithIndex(lambda _, it: map(f, it), preservesPartitioning)

    def flatMap(self, f: Callable[[Any], Iterable], preservesPartitioning: bool = False) -> RDD:
        """Apply ``f`` to every element and flatten the results. Narrow.

        >>> sc.parallelize(["a b", "c"]).flatMap(lambda line: line.split()).collect()
        ['a', 'b', 'c']
        """
        from itertools import chain
        return self.mapPartitionsWithIndex(
            lambda _, it: chain.from_iterable(map(f, it)), preservesPartitioning)

    def filter(self, f: Callable[[Any], bool]) -> RDD:
        """Keep the elements for which ``f`` is true. Narrow.

        >>> sc.parallelize(range(6)).filter(lambda x: x % 2 == 0).collect()
        [0, 2, 4]
        """
        return self.mapPartitionsWithIndex(lambda _, it: filter(f, it), True)

    def glom(self) -> RDD:
        """Turn each partition into a list: shows how data is partitioned.

        >>> sc.parallelize(range(5), 2).glom().collect()
        [[0, 1], [2, 3, 4]]
        """
        return self.mapPartitionsWithIndex(lambda _, it: [list(it)])

    def keyBy(self, f: Callable[[Any], Any]) -> RDD:
        """Pair each element with a key computed from it: ``(f(x), x)``.

        >>> sc.parallelize([3, 10]).keyBy(lambda x: x % 2).collect()
        [(1, 3), (0, 10)]
        """
        return self.map(lambda x: (f(x), x))

    def union(self, other: RDD) -> RDD:
        """All elements of both RDDs, partitions side by side. Narrow: no shuffle.

        When both sides have the same partitioner the result keeps it and the
        partition count, so a following join or reduceByKey needs no shuffle.

        >>> a, b = sc.parallelize([1, 2], 1), sc.parallelize([3], 1)
        >>> a.union(b).glom().collect()
        [[1, 2], [3]]
        """
        if self.partitioner is not None and self.partitioner == other.partitioner:
            return PartitionerAwareUnionRDD(self.ctx, [self, other])
        return UnionRDD(self.ctx, [self, other])

    def __add__(self, other: RDD) -> RDD:
        if not isinstance(other, RDD):
            raise TypeError(f"unsupported operand: RDD + {type(other).__name__}")
        return self.union(other)

    def cartesian(self, other: RDD) -> RDD:
        """Every pair (a, b) with a from this RDD and b from the other.

        Costly: n1 * n2 partitions and every element of ``other`` is read once
        per partition of this RDD.

        >>> sorted(sc.parallelize([1, 2]).cartesian(sc.parallelize(["x"])).collect())
        [(1, 'x'), (2, 'x')]
        """
        return CartesianRDD(self.ctx, self, other)

    def zip(self, other: RDD) -> RDD:
        """Pair the i-th element of each partition with the i-th of the other RDD.

        Both RDDs must have the same number of partitions and of elements in
        each partition.

        >>> sc.parallelize(range(3), 2).zip(sc.parallelize("abc", 2)).collect()
        [(0, 'a'), (1, 'b'), (2, 'c')]
        """
        if self.getNumPartitions() != other.getNumPartitions():
            raise ValueError("Can only zip with RDD which has the same number of partitions")
        return ZippedPartitionsRDD(self.ctx, self, other)

    def zipWithIndex(self) -> RDD:
        """Pair each element with its position. Runs a job first to count partitions.

        >>> sc.parallelize(["a", "b", "c"], 2).zipWithIndex().collect()
        [('a', 0), ('b', 1), ('c', 2)]
        """
        starts = [0]
        if self.getNumPartitions() > 1:
            sizes = self.mapPartitions(lambda it: [sum(1 for _ in it)]).collect()
            for size in sizes[:-1]:
                starts.append(starts[-1] + size)
        return self.mapPartitionsWithIndex(
            lambda k, it: ((v, i) for i, v in enumerate(it, starts[k])))

    def zipWithUniqueId(self) -> RDD:
        """Pair elements with unique ids ``i * n + k`` (k = partition); no job needed.

        >>> sc.parallelize(["a", "b", "c"], 2).zipWithUniqueId().collect()
        [('a', 0), ('b', 1), ('c', 3)]
        """
        n = self.getNumPartitions()
        return self.mapPartitionsWithIndex(
            lambda k, it: ((v, i * n + k) for i, v in enumerate(it)))

    def pipe(self, command: str, env: dict | None = None, checkCode: bool = False) -> RDD:
        """Feed each partition through an external command, one line per element.

        >>> sc.parallelize(["b", "a"], 1).pipe("sort").collect()
        ['a', 'b']
        """
        from minispark.rdds.pipe import pipe_partition
        return self.mapPartitions(lambda it: pipe_partition(command, env, checkCode, it))

    def coalesce(self, numPartitions: int, shuffle: bool = False) -> RDD:
        """Reduce the partition count by merging neighbouring partitions (no shuffle),
        or with ``shuffle=True`` redistribute the data evenly (a full shuffle).

        >>> sc.parallelize(range(6), 3).coalesce(2).glom().collect()
        [[0, 1], [2, 3, 4, 5]]
        """
        if not numPartitions > 0:
            raise ValueError("Number of partitions must be positive.")
        if shuffle:
            from minispark.rdds.shuffled import round_robin_shuffle
            return round_robin_shuffle(self, numPartitions)
        return CoalescedRDD(self, numPartitions)

    def repartition(self, numPartitions: int) -> RDD:
        """Redistribute the data into ``numPartitions`` partitions: always a shuffle.

        Use it to raise parallelism; to lower it, coalesce avoids the shuffle.

        >>> sc.parallelize(range(100), 2).repartition(4).getNumPartitions()
        4
        """
        return self.coalesce(numPartitions, shuffle=True)

    # -- persistence -------------------------------------------------------------

    def persist(self, storageLevel: StorageLevel = StorageLevel.MEMORY_ONLY) -> RDD:
        """Keep partitions once computed, at the given storage level.

        Lazy like a transformation: partitions are stored by the next action
        that computes them, and read by every action after that.

        >>> rdd = sc.parallelize([1, 2]).persist(StorageLevel.DISK_ONLY)
        >>> rdd.getStorageLevel() == StorageLevel.DISK_ONLY, rdd.is_cached
        (True, True)
        """
        if (self._storage_level != StorageLevel.NONE and storageLevel != self._storage_level):
            raise ValueError("Cannot change storage level of an RDD after it was already "
                             "assigned a level; unpersist() it first")
        self.is_cached = True
        self._storage_level = storageLevel
        self.ctx._persistent_rdds[self._id] = self
        return self

    def cache(self) -> RDD:
        """Persist in memory (MEMORY_ONLY).

        >>> sc.parallelize([1]).cache().getStorageLevel()
        StorageLevel(False, True, False, False, 1)
        """
        return self.persist(StorageLevel.MEMORY_ONLY)

    def unpersist(self, blocking: bool = False) -> RDD:
        """Drop stored partitions everywhere and stop caching.

        >>> sc.parallelize([1]).cache().unpersist().is_cached
        False
        """
        self.is_cached = False
        self._storage_level = StorageLevel.NONE
        self.ctx._unpersist_rdd(self._id)
        return self

    def getStorageLevel(self) -> StorageLevel:
        """The current storage level.

        >>> print(sc.parallelize([1]).getStorageLevel())
        Serialized 1x Replicated
        """
        return self._storage_level

    def checkpoint(self) -> None:
        """Save this RDD to the checkpoint directory at the next action, then
        forget its lineage (later jobs read the saved files).

        Truncating lineage keeps iterative programs from building ever longer
        chains; call it before the first action on the RDD.

        >>> import tempfile; sc.setCheckpointDir(tempfile.mkdtemp())
        >>> rdd = sc.parallelize(range(3)).map(lambda x: x * 2)
        >>> rdd.checkpoint(); rdd.count(); rdd.isCheckpointed()
        3
        True
        """
        if self.ctx._checkpoint_dir is None:
            raise RuntimeError("Checkpoint directory has not been set in the SparkContext: "
                               "call sc.setCheckpointDir(path) first")
        self._checkpoint_requested = "reliable"

    def localCheckpoint(self) -> None:
        """Like checkpoint(), but keep the data in the workers' block stores:
        faster, and lost if a worker dies.

        >>> rdd = sc.parallelize(range(3)); rdd.localCheckpoint()
        >>> rdd.isLocallyCheckpointed(), rdd.count(), rdd.getCheckpointFile()
        (True, 3, None)
        """
        self._checkpoint_requested = "local"
        if self._storage_level == StorageLevel.NONE:
            self.persist(StorageLevel.MEMORY_AND_DISK)

    def isCheckpointed(self) -> bool:
        """Whether the RDD has been reliably checkpointed.

        >>> sc.parallelize([1]).isCheckpointed()
        False
        """
        return self.is_checkpointed and self._checkpoint_requested == "reliable"

    def isLocallyCheckpointed(self) -> bool:
        """Whether ``localCheckpoint()`` was called (true at once, as in PySpark,
        though the data is only saved by the next job).

        >>> sc.parallelize([1]).isLocallyCheckpointed()
        False
        """
        return self._checkpoint_requested == "local"

    def getCheckpointFile(self) -> str | None:
        """The directory the checkpoint was written to, or None.

        >>> sc.parallelize([1]).getCheckpointFile() is None
        True
        """
        if self._checkpoint_rdd is not None and self._checkpoint_requested == "reliable":
            return getattr(self._checkpoint_rdd, "path", None)
        return None  # a local checkpoint has no file to name, as in PySpark

    # -- lineage, shown the way Spark shows it ----------------------------------

    def toDebugString(self) -> bytes:
        """The lineage, one RDD per line; each shuffle starts an indented ``+-``
        block, so the number of blocks is the number of stages. Returns bytes,
        as PySpark does.

        >>> pairs = sc.parallelize(["a", "b", "a"], 2).map(lambda w: (w, 1))
        >>> print(pairs.reduceByKey(lambda a, b: a + b).toDebugString().decode())
        (2) ShuffledRDD[...] at reduceByKey at <doctest ...>:1 []
         +-(2) MapPartitionsRDD[...] at map at <doctest ...>:1 []
            |  ParallelCollectionRDD[...] at parallelize at <doctest ...>:1 []
        """
        from minispark.rdds.debug import debug_string
        return debug_string(self).encode("utf-8")

    def _storage_description(self) -> list[str]:
        level = self._storage_level
        lines = [f"{self!r} [{level if level != StorageLevel.NONE else ''}]"]
        info = self.ctx._block_locations.rdd_storage_info(self._id)
        if info is not None:
            count, mem, disk = info
            lines.append(f"    CachedPartitions: {count}; MemorySize: {bytes_to_string(mem)}; "
                         f"DiskSize: {bytes_to_string(disk)}")
        return lines

    def _shuffle_dependencies(self) -> list[ShuffleDependency]:
        return [d for d in self.dependencies if isinstance(d, ShuffleDependency)]


# The concrete RDDs subclass RDD, so they are imported after it is defined.
from minispark.rdds.cartesian import CartesianRDD, ZippedPartitionsRDD  # noqa: E402
from minispark.rdds.coalesced import CoalescedRDD  # noqa: E402
from minispark.rdds.mapped import MapPartitionsRDD  # noqa: E402
from minispark.rdds.union import PartitionerAwareUnionRDD, UnionRDD  # noqa: E402

PipelinedRDD = MapPartitionsRDD  # PySpark's name for a chain of Python functions
