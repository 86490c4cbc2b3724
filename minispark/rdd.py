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
PairRDDFunctions and DoubleRDDFunctions do: transformations.py (map, filter,
union, coalesce, ...), actions.py, pairs.py, joins.py, ordered.py, numeric.py,
sampling.py, persistence.py (cache, checkpoint, toDebugString).

Next: rdds/ (the concrete RDDs), then dependency.py and scheduler/dag.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from minispark.actions import RDDActions
from minispark.dependency import Dependency, OneToOneDependency, ShuffleDependency
from minispark.joins import JoinFunctions
from minispark.numeric import NumericRDDFunctions
from minispark.ordered import OrderedRDDFunctions
from minispark.pairs import PairRDDFunctions
from minispark.partitioner import Partitioner, portable_hash
from minispark.persistence import PersistenceFunctions
from minispark.sampling import SamplingFunctions
from minispark.storage import StorageLevel
from minispark.transformations import NarrowTransformations
from minispark.util import call_site

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


class RDD(NarrowTransformations, RDDActions, PairRDDFunctions, JoinFunctions,
          OrderedRDDFunctions, NumericRDDFunctions, SamplingFunctions, PersistenceFunctions):
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

    def _shuffle_dependencies(self) -> list[ShuffleDependency]:
        return [d for d in self.dependencies if isinstance(d, ShuffleDependency)]


# The concrete RDDs subclass RDD, so they are imported after it is defined (and
# stay importable from here, where they were before transformations.py existed).
from minispark.rdds.cartesian import CartesianRDD, ZippedPartitionsRDD  # noqa: E402, F401
from minispark.rdds.coalesced import CoalescedRDD  # noqa: E402, F401
from minispark.rdds.mapped import MapPartitionsRDD  # noqa: E402
from minispark.rdds.union import PartitionerAwareUnionRDD, UnionRDD  # noqa: E402, F401

PipelinedRDD = MapPartitionsRDD  # PySpark's name for a chain of Python functions
