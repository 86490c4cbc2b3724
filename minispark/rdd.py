"""The RDD: a lazy, partitioned, immutable collection with a lineage.

Read this file to see how the public RDD class is put together; rddbase.py says
what an RDD *is* (partitions, dependencies, compute, iterator), and the methods
that do work are thin wrappers that build new RDDs (transformations) or submit a
job (actions).

Key terms
  transformation returns a new RDD (map, filter, reduceByKey, join, ...).
                 Narrow ones pipeline inside a task; wide ones need a shuffle.
  action         returns a value to the driver or writes output (count,
                 collect, saveAsTextFile): it is what launches a job.

The public methods live in mixins by theme, as Spark's RDD.scala,
PairRDDFunctions and DoubleRDDFunctions do: transformations.py (map, filter,
union, coalesce, ...), actions.py, pairs.py, joins.py, ordered.py, numeric.py,
sampling.py, persistence.py (cache, checkpoint, toDebugString). Every concrete
RDD in ``rdds/`` subclasses RDD, so ``isinstance(x, RDD)`` holds for every RDD
the API returns; the mixins find the one they make by name
(``rddbase.rdd_class``), since rdds/ sits above them.

The layers, bottom up (tests/test_layers.py holds them): rddbase.py and
dependency.py; the mixins; this file; rdds/; sources.py and context.py.

Next: rdds/ (the concrete RDDs), then dependency.py and scheduler/dag.py.
"""

from __future__ import annotations

from typing import Any

from minispark.actions import RDDActions
from minispark.joins import JoinFunctions
from minispark.numeric import NumericRDDFunctions
from minispark.ordered import OrderedRDDFunctions
from minispark.pairs import PairRDDFunctions
from minispark.partitioner import Partitioner, portable_hash
from minispark.persistence import PersistenceFunctions
from minispark.rddbase import Partition, RDDBase, rdd_class
from minispark.sampling import SamplingFunctions
from minispark.transformations import NarrowTransformations

__all__ = ["RDD", "Partition", "portable_hash", "Partitioner"]


class RDD(NarrowTransformations, RDDActions, PairRDDFunctions, JoinFunctions,
          OrderedRDDFunctions, NumericRDDFunctions, SamplingFunctions, PersistenceFunctions,
          RDDBase):
    """A Resilient Distributed Dataset: the base class of every RDD."""


# The concrete RDDs once imported from here (before transformations.py existed), and
# PySpark's name for a chain of Python functions (pyspark.rdd.PipelinedRDD). They
# subclass RDD, so they cannot be imported at the top of this file: they are looked
# up in the registry when first asked for (PEP 562), which is no import at all.
_ALIASES = {"PipelinedRDD": "MapPartitionsRDD", "CartesianRDD": "CartesianRDD",
            "ZippedPartitionsRDD": "ZippedPartitionsRDD", "CoalescedRDD": "CoalescedRDD",
            "MapPartitionsRDD": "MapPartitionsRDD", "UnionRDD": "UnionRDD",
            "PartitionerAwareUnionRDD": "PartitionerAwareUnionRDD"}


def __getattr__(name: str) -> Any:
    if name in _ALIASES:
        return rdd_class(_ALIASES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
