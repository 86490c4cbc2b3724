"""ParallelCollectionRDD: data that starts on the driver (``sc.parallelize``).

The driver cuts the collection into slices once; each slice travels with its
task, so the data is shipped exactly once per task.

How PySpark slices (and so how minispark slices, to give the same ``glom()``):
a list is first cut into *batches* of ``max(1, min(len // numSlices, 1024))``
elements (its serialisation unit) and the batches, not the elements, are
divided evenly among the slices: 11 items in 4 slices are batches
[0,1] [2,3] [4,5] [6,7] [8,9] [10], dealt out as
[0,1] [2,3,4,5] [6,7] [8,9,10]. A ``range`` is sliced arithmetically instead:
slice i starts at ``start + int(i * size / numSlices) * step``.

Next: mapped.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from minispark.rdd import RDD
from minispark.rddbase import Partition


class ParallelCollectionPartition(Partition):
    def __init__(self, index: int, values: Sequence):
        super().__init__(index)
        self.values = values


def slice_collection(data: Any, num_slices: int, batch_size: int = 0) -> list[Sequence]:
    """Cut a driver-side collection into ``num_slices`` slices, as PySpark does.

    >>> slice_collection(list(range(11)), 4)
    [[0, 1], [2, 3, 4, 5], [6, 7], [8, 9, 10]]
    >>> [list(r) for r in slice_collection(range(11), 4)]
    [[0, 1], [2, 3, 4], [5, 6, 7], [8, 9, 10]]
    >>> slice_collection([1, 2], 3)
    [[], [1], [2]]
    """
    if isinstance(data, range):
        size = len(data)
        if size == 0:
            return [[] for _ in range(num_slices)]
        step = data[1] - data[0] if size > 1 else 1
        start0 = data[0]

        def start(i: int) -> int:
            return start0 + int(i * size / num_slices) * step
        return [range(start(i), start(i + 1), step) for i in range(num_slices)]
    items = data if isinstance(data, list) else list(data)
    batch = max(1, min(len(items) // num_slices, batch_size or 1024))
    batches = [items[i:i + batch] for i in range(0, len(items), batch)]
    count = len(batches)
    slices = []
    for i in range(num_slices):
        lo, hi = (i * count) // num_slices, ((i + 1) * count) // num_slices
        slices.append([x for b in batches[lo:hi] for x in b])
    return slices


class ParallelCollectionRDD(RDD):
    """An RDD whose partitions are slices of a driver-side collection."""

    def __init__(self, ctx: Any, slices: list[Sequence]):
        super().__init__(ctx, [])
        self._slices = slices
        # PySpark's serialization batch size for these slices (batches.py): a
        # list was cut in batches of this many; a range is a Python function (None).
        total = sum(len(s) for s in slices)
        self._pyspark_batch_size = None if not slices or any(
            isinstance(s, range) for s in slices) else max(
            1, min(total // len(slices), ctx._batchSize or 1024))

    def get_partitions(self) -> list[Partition]:
        return [ParallelCollectionPartition(i, s) for i, s in enumerate(self._slices)]

    def compute(self, split: Partition, context: Any) -> Iterator:
        return iter(split.values)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["_slices"] = None  # each task carries its own slice in its partition
        return state


class EmptyRDD(RDD):
    """An RDD with no partitions (``sc.emptyRDD()``), as Spark's EmptyRDD."""

    def __init__(self, ctx: Any):
        super().__init__(ctx, [])

    def get_partitions(self) -> list[Partition]:
        return []

    def compute(self, split: Partition, context: Any) -> Iterator:
        raise RuntimeError("EmptyRDD has no partitions to compute")
