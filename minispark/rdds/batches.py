"""Serialization batches: a partition as PySpark's cartesian and zip see it.

Read this file to learn why ``cartesian`` does not list its pairs row by row.

PySpark keeps every partition as a stream of pickled *batches* of records, and
its cartesian pairs batches, not records: for each batch of the left partition,
for each batch of the right one, all pairs of the two batches (Spark's JVM
CartesianRDD pairs the byte arrays; PySpark's CartesianDeserializer expands each
pair of batches). So the order of the pairs inside a cartesian partition depends
on where the batches of both sides end, and minispark has to know it to list the
same pairs in the same order.

Key terms (the batching of an RDD, PySpark's ``_jrdd_deserializer``)
  auto       the output of any Python function (map, filter, a shuffle's
             merge...): AutoBatchedSerializer starts with 1 record per batch
             and doubles while a pickled batch stays under 64 KiB (halves past
             640 KiB), starting again at 1 in every partition.
  fixed n    parallelize of a list: the list is cut in batches of
             ``max(1, min(len // numSlices, batchSize or 1024))`` and whole
             batches go to each slice. (parallelize of a range is a Python
             function over empty slices, so it is auto.)
  lines      textFile and wholeTextFiles: every record is a batch of one.
  dealt      repartition / coalesce(shuffle=True): the batches of 10 that map
             tasks deal round-robin arrive whole.
  union, coalesce  the parents' batches, one after another (union only when
             every parent has the same batching; otherwise PySpark reserializes
             each side, which makes it auto).
  cartesian  one batch per (left batch, right batch) pair; zip: one batch per
             pair of batches, when both sides are batched alike (otherwise
             PySpark rebatches both sides first: "rebatched").

Where minispark still differs: partitionBy's output is taken as auto (PySpark's
batches there are the map side's flushes), and a cached or checkpointed union,
coalesce or cartesian is read back through its parents' batching.

Next: cartesian.py.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from itertools import islice, product
from typing import TYPE_CHECKING, Any

from minispark.rddbase import rdd_class

if TYPE_CHECKING:
    from minispark.rdd import RDD
    from minispark.rddbase import Partition

BEST_SIZE = 1 << 16            # AutoBatchedSerializer's bestSize
DEFAULT_BATCH = 100            # zip's batch size when the sides' are unlimited


def _kinds(*names: str) -> tuple[type, ...]:
    # The RDDs this file knows import it (cartesian.py deals its batches from here),
    # so it finds them in the registry (rddbase.py) rather than importing them.
    return tuple(rdd_class(name) for name in names)


def batching(rdd: RDD) -> tuple:
    """How PySpark would batch this RDD's partitions: ``("auto",)``, ``("fixed", n)``,
    ``("lines",)``, ``("dealt", n)``, ``("cartesian", left, right)`` or ``("pair", left,
    right)``, where left and right are the sides' batchings.

    >>> batching(sc.parallelize([1, 2, 3, 4, 5], 2)), batching(sc.parallelize(range(5), 2))
    (('fixed', 2), ('auto',))
    """
    CartesianRDD, ZippedPartitionsRDD, CoalescedRDD, UnionRDD, PartitionerAwareUnionRDD = \
        _kinds("CartesianRDD", "ZippedPartitionsRDD", "CoalescedRDD", "UnionRDD",
               "PartitionerAwareUnionRDD")
    ParallelCollectionRDD, TextFileRDD, WholeTextFilesRDD = \
        _kinds("ParallelCollectionRDD", "TextFileRDD", "WholeTextFilesRDD")

    if isinstance(rdd, ParallelCollectionRDD):
        size = getattr(rdd, "_pyspark_batch_size", None)
        return ("auto",) if size is None else ("fixed", size)
    if isinstance(rdd, (TextFileRDD, WholeTextFilesRDD)):
        return ("lines",)
    if getattr(rdd, "_dealt_batch", None):
        return ("dealt", rdd._dealt_batch)
    if isinstance(rdd, (UnionRDD, PartitionerAwareUnionRDD)):
        kinds = {batching(parent) for parent in rdd.rdds}
        return kinds.pop() if len(kinds) == 1 else ("auto",)
    if isinstance(rdd, CoalescedRDD):
        return batching(rdd.prev)
    if isinstance(rdd, CartesianRDD):
        return ("cartesian", batching(rdd.rdd1), batching(rdd.rdd2))
    if isinstance(rdd, ZippedPartitionsRDD):
        left, right = _zip_batchings(rdd)
        return ("pair", left, right)
    return ("auto",)


def partition_batches(rdd: RDD, split: Partition, context: Any, kind: tuple) -> Iterator[list]:
    """The records of one partition, in PySpark's batches: the same records, in the
    same order, as ``rdd.iterator``. ``kind`` is ``batching(rdd)``, worked out on the
    driver, where the lineage is whole (a checkpointed RDD travels without it)."""
    CartesianRDD, ZippedPartitionsRDD, CoalescedRDD, UnionRDD, PartitionerAwareUnionRDD = \
        _kinds("CartesianRDD", "ZippedPartitionsRDD", "CoalescedRDD", "UnionRDD",
               "PartitionerAwareUnionRDD")

    if not rdd.is_checkpointed:  # else: its records come from files, read below
        if isinstance(rdd, UnionRDD) and kind != ("auto",):
            parent = rdd.rdds[split.parent_index]
            return partition_batches(parent, split.parent_split, context, kind)
        if isinstance(rdd, PartitionerAwareUnionRDD) and kind != ("auto",):
            return (b for parent, s in zip(rdd.rdds, split.parent_splits, strict=True)
                    for b in partition_batches(parent, s, context, kind))
        if isinstance(rdd, CoalescedRDD):
            return (b for s in split.parent_splits
                    for b in partition_batches(rdd.prev, s, context, kind))
        if isinstance(rdd, CartesianRDD):
            return cartesian_batches(rdd, split, context, kind[1], kind[2])
        if isinstance(rdd, ZippedPartitionsRDD):
            return _zipped_batches(rdd, split, context, kind[1], kind[2])
        if kind[0] == "dealt":
            return _dealt_chunks(rdd, split, context)
    records = rdd.iterator(split, context)
    if kind[0] == "fixed":
        return _chunks(records, kind[1])
    if kind[0] == "lines":
        return ([r] for r in records)
    return auto_batches(records, context)


def cartesian_batches(rdd: Any, split: Any, context: Any, left_kind: tuple,
                      right_kind: tuple) -> Iterator[list]:
    """For each batch of the left partition, for each batch of the right one, all
    their pairs (PySpark's CartesianDeserializer)."""
    right = list(partition_batches(rdd.rdd2, split.s2, context, right_kind))
    for left in partition_batches(rdd.rdd1, split.s1, context, left_kind):
        for batch in right:
            yield list(product(left, batch))


def auto_batches(records: Any, context: Any) -> Iterator[list]:
    """AutoBatchedSerializer's batches: 1 record, then double while a pickled batch
    is under 64 KiB, halve when it is over 640 KiB.

    >>> [len(b) for b in auto_batches(range(20), None)]
    [1, 2, 4, 8, 5]
    """
    dumps = _dumps(context)
    it, size = iter(records), 1
    while chunk := list(islice(it, size)):
        yield chunk
        nbytes = len(dumps(chunk))
        if nbytes < BEST_SIZE:
            size *= 2
        elif nbytes > BEST_SIZE * 10 and size > 1:
            size //= 2


def _chunks(records: Any, size: int) -> Iterator[list]:
    it = iter(records)
    while chunk := list(islice(it, size)):
        yield chunk


def _dealt_chunks(rdd: Any, split: Any, context: Any) -> Iterator[list]:
    # repartition's chunks travel whole (rdds/shuffled.py); the shuffled RDD
    # below the flattening map yields them as (position, chunk) pairs.
    for _, chunk in rdd.prev.iterator(split, context):
        yield list(chunk)


def _zip_batchings(rdd: Any) -> tuple[tuple, tuple]:
    """PySpark's zip keeps both sides' batches when their batch sizes are equal
    (auto counts as -1, unbatched kinds as 1), and otherwise rebatches both to the
    smaller fixed size (100 when that is not positive)."""
    left, right = batching(rdd.rdd1), batching(rdd.rdd2)
    a, b = _batch_size(left), _batch_size(right)
    if a == b:
        return left, right
    size = min(a, b)
    size = DEFAULT_BATCH if size <= 0 else size
    return ("rebatched", size), ("rebatched", size)


def _batch_size(kind: tuple) -> int:
    if kind[0] in ("fixed", "dealt"):
        return kind[1]
    return -1 if kind[0] == "auto" else 1


def _zipped_batches(rdd: Any, split: Any, context: Any, left_kind: tuple,
                    right_kind: tuple) -> Iterator[list]:
    if left_kind[0] == "rebatched":  # both sides cut again into batches of one size
        lefts = _chunks(rdd.rdd1.iterator(split.s1, context), left_kind[1])
        rights = _chunks(rdd.rdd2.iterator(split.s2, context), right_kind[1])
    else:
        lefts = partition_batches(rdd.rdd1, split.s1, context, left_kind)
        rights = partition_batches(rdd.rdd2, split.s2, context, right_kind)
    for a, b in zip(lefts, rights, strict=False):
        yield list(zip(a, b, strict=False))


def _dumps(context: Any) -> Any:
    serializer = getattr(context, "serializer", None)
    if serializer is not None:
        return serializer.dumps

    def dumps(value: Any) -> bytes:
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    return dumps
