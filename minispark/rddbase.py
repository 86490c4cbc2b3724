"""The RDD's core: what every RDD is, before any method that makes a new one.

Read this file to learn what an RDD *is*; rdd.py adds what you can *do* with one
(map, reduceByKey, count, ...), and the scheduler, the shuffle and the block
manager need only what is here.

Key terms
  partition      one slice of the data. A task computes exactly one
                 partition, so the partition count is the parallelism.
  lineage        the chain of dependencies back to the data source. Nothing is
                 computed when you call map or filter: the RDD only records
                 *how* to compute each partition from its parents. If a
                 partition is lost it is simply computed again.
  storage level  whether and where computed partitions are kept (persistence.py
                 sets it, storage.py keeps the blocks); iterator() reads them.

Every concrete RDD (in ``rdds/``) answers three questions, exactly as the
abstract class of Spark's RDD.scala asks: ``get_partitions()`` (how is it
sliced?), ``compute(split, context)`` (how is one partition computed, as an
iterator?) and its dependencies (what does it need?). ``iterator()`` adds
caching and checkpointing on top of ``compute``.

Why a module of its own: the public RDD class (rdd.py) gathers every method, and
many of those methods create concrete RDDs (map makes a MapPartitionsRDD), which
are themselves public RDDs. The machinery below them (dependency.py, storage.py,
the scheduler) needs only this core, so it imports this file, never the API.
And the methods find the concrete RDD they make by name, in the registry at the
end of this file (``rdd_class``), since ``rdds/`` sits above them.

Next: rdd.py (the public class), dependency.py, then rdds/ (the concrete RDDs).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Self

from minispark.dependency import Dependency, OneToOneDependency, ShuffleDependency
from minispark.storage import StorageLevel
from minispark.util import call_site

if TYPE_CHECKING:
    from minispark.context import SparkContext
    from minispark.partitioner import Partitioner

__all__ = ["RDDBase", "Partition", "rdd_class"]


class Partition:
    """One slice of an RDD; subclasses carry what computing it needs."""

    def __init__(self, index: int):
        self.index = index

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.index})"


# Set by RDDBase.__init__; everything else an RDD holds belongs to its lineage.
_BASE_ATTRIBUTES = frozenset({
    "ctx", "_id", "_deps", "_partitions", "partitioner", "is_cached", "_storage_level",
    "_name", "creation_site", "_checkpoint_requested", "_checkpoint_rdd", "is_checkpointed"})


class RDDBase:
    """What every RDD holds: its context, id, dependencies, partitions and storage level.

    minispark-only: PySpark has one class, ``RDD``; minispark's ``RDD`` (rdd.py)
    subclasses this one, and every RDD the API returns is an ``RDD``.
    """

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
        self._checkpoint_rdd: RDDBase | None = None
        self.is_checkpointed = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("minispark."):  # not a test's own subclass
            _KINDS[cls.__name__] = cls

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

    def setName(self, name: str) -> Self:
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


# -- the kinds of RDD, by name -------------------------------------------------
# Every class below RDDBase is recorded here as it is defined. The public methods
# (transformations.py, pairs.py, ...) make concrete RDDs, and every concrete RDD
# (rdds/) subclasses the public RDD: rdds/ sits *above* the methods, so a method
# cannot import the RDD it makes. It asks for it by name instead:
# ``rdd_class("MapPartitionsRDD")``. minispark/__init__.py imports every module
# of rdds/, so the registry is full before any method runs.
_KINDS: dict[str, type] = {}


def rdd_class(name: str) -> type:
    """The RDD class called ``name`` (a concrete RDD of rdds/, or RDD itself).

    minispark-only: the registry the methods use to make concrete RDDs.

    >>> rdd_class("MapPartitionsRDD").__module__
    'minispark.rdds.mapped'
    """
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no RDD class named {name!r} has been imported "
                          "(minispark/__init__.py imports every module of rdds/)") from None
