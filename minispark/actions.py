"""Actions: the RDD methods that launch jobs.

Read this file to see the shape every action shares: a small function runs on
each partition inside a task (count the records, take the first few, fold
them), and the driver combines the per-partition results. Only those results
travel back to the driver, which is why ``count()`` is cheap and
``collect()`` on a large RDD is not.

Each call below goes through ``SparkContext._run_job(rdd, func, partitions)``,
which hands the RDD to the DAG scheduler (scheduler/dag.py).

Next: pairs.py, for the key-value operations that shuffle.
"""

from __future__ import annotations

import heapq
import math
import os
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import reduce
from itertools import chain
from typing import Any

from minispark.hadoop.formats import HadoopOutputFunctions
from minispark.hadoop.writer import save_partitions_as_pickle, save_partitions_as_text

__all__ = ["RDDActions"]


def _count_iterator(iterator: Iterator) -> int:
    return sum(1 for _ in iterator)


class RDDActions(HadoopOutputFunctions):
    """Actions shared by every RDD (mixed into ``minispark.rdd.RDD``); the Hadoop
    output formats are in hadoop/formats.py."""

    def collect(self) -> list:
        """Return every element to the driver, in partition order.

        >>> sc.parallelize([1, 2, 3], 2).collect()
        [1, 2, 3]
        """
        return list(chain.from_iterable(self.ctx._run_job(self, list)))

    def count(self) -> int:
        """Count the elements: each task counts its partition, the driver adds up.

        >>> sc.parallelize(range(10), 3).count()
        10
        """
        return sum(self.ctx._run_job(self, _count_iterator))

    def foreach(self, f: Callable[[Any], None]) -> None:
        """Run ``f`` on every element, on the workers, for its side effects.

        >>> sc.parallelize([1, 2]).foreach(lambda x: None)
        """
        def run(iterator: Iterator) -> None:
            for x in iterator:
                f(x)
        self.ctx._run_job(self, run)

    def foreachPartition(self, f: Callable[[Iterator], None]) -> None:
        """Run ``f`` once per partition with an iterator over its elements.

        >>> sc.parallelize([1, 2], 2).foreachPartition(lambda it: None)
        """
        def run(iterator: Iterator) -> None:
            f(iterator)
        self.ctx._run_job(self, run)

    def toLocalIterator(self, prefetchPartitions: bool = False) -> Iterator:
        """Iterate over all elements, fetching one partition (one job) at a time,
        so the driver needs memory for the largest partition only.

        >>> list(sc.parallelize(range(5), 3).toLocalIterator())
        [0, 1, 2, 3, 4]
        """
        for index in range(self.getNumPartitions()):
            yield from self.ctx._run_job(self, list, [index])[0]

    def reduce(self, f: Callable[[Any, Any], Any]) -> Any:
        """Combine all elements with an associative, commutative ``f``.

        Each task reduces its partition; the driver reduces the partial results.

        >>> sc.parallelize(range(1, 5), 2).reduce(lambda a, b: a + b)
        10
        """
        def reduce_partition(iterator: Iterator) -> list:
            iterator = iter(iterator)
            for first in iterator:
                return [reduce(f, iterator, first)]
            return []
        partials = list(chain.from_iterable(self.ctx._run_job(self, reduce_partition)))
        if partials:
            return reduce(f, partials)
        raise ValueError("Can not reduce() empty RDD")

    def fold(self, zeroValue: Any, op: Callable[[Any, Any], Any]) -> Any:
        """Like reduce, but starting each partition (and the final merge) from
        ``zeroValue``, so a non-neutral zero counts once per partition plus once.

        >>> from operator import add
        >>> sc.parallelize([1, 2, 3], 3).fold(0, add), sc.parallelize([1, 2, 3], 3).fold(1, add)
        (6, 10)
        """
        return self.aggregate(zeroValue, op, op)  # fold is aggregate with one function

    def aggregate(self, zeroValue: Any, seqOp: Callable[[Any, Any], Any],
                  combOp: Callable[[Any, Any], Any]) -> Any:
        """Fold each partition with ``seqOp`` from ``zeroValue``, then merge the
        partition results with ``combOp``: the result type may differ from the
        elements' (e.g. a (sum, count) pair).

        >>> sc.parallelize([1, 2, 3, 4], 2).aggregate(
        ...     (0, 0), lambda acc, x: (acc[0] + x, acc[1] + 1),
        ...     lambda a, b: (a[0] + b[0], a[1] + b[1]))
        (10, 4)
        """
        def aggregate_partition(iterator: Iterator) -> Any:
            acc = zeroValue
            for x in iterator:
                acc = seqOp(acc, x)
            return acc
        return reduce(combOp, self.ctx._run_job(self, aggregate_partition), zeroValue)

    def treeAggregate(self, zeroValue: Any, seqOp: Callable[[Any, Any], Any],
                      combOp: Callable[[Any, Any], Any], depth: int = 2) -> Any:
        """aggregate, but partial results are merged in ``depth`` rounds of
        shuffles on the workers instead of all at once on the driver, which
        keeps the driver from drowning when there are thousands of partitions.

        >>> sc.parallelize(range(100), 10).treeAggregate(0, lambda a, x: a + x,
        ...     lambda a, b: a + b, depth=2)
        4950
        """
        if depth < 1:
            raise ValueError(f"Depth cannot be smaller than 1 but got {depth}.")
        if self.getNumPartitions() == 0:
            return zeroValue

        def aggregate_partition(iterator: Iterator) -> list:
            acc = zeroValue
            for x in iterator:
                acc = seqOp(acc, x)
            return [acc]
        partial = self.mapPartitions(aggregate_partition)
        num = partial.getNumPartitions()
        scale = max(math.ceil(num ** (1.0 / depth)), 2)
        while num > scale + num / scale:
            num /= scale
            target = int(num)
            partial = (partial.mapPartitionsWithIndex(
                lambda i, it, t=target: ((i % t, x) for x in it))
                .reduceByKey(combOp, target).values())
        return partial.reduce(combOp)

    def treeReduce(self, f: Callable[[Any, Any], Any], depth: int = 2) -> Any:
        """reduce, merging partial results in ``depth`` levels (see treeAggregate).

        >>> sc.parallelize(range(1, 11), 5).treeReduce(lambda a, b: a + b)
        55
        """
        if depth < 1:
            raise ValueError(f"Depth cannot be smaller than 1 but got {depth}.")
        empty = (None, True)

        def op(x: tuple, y: tuple) -> tuple:
            if x[1]:
                return y
            if y[1]:
                return x
            return f(x[0], y[0]), False
        result = self.map(lambda x: (x, False)).treeAggregate(empty, op, op, depth)
        if result[1]:
            raise ValueError("Cannot reduce empty RDD.")
        return result[0]

    def take(self, num: int) -> list:
        """The first ``num`` elements, scanning as few partitions as possible:
        one partition first, then more, estimated from what was found.

        >>> sc.parallelize(range(100), 10).take(3)
        [0, 1, 2]
        """
        items: list = []
        total = self.getNumPartitions()
        scanned = 0
        while len(items) < num and scanned < total:
            to_try = 1
            if scanned > 0:
                if not items:
                    to_try = scanned * 4
                else:
                    to_try = int(1.5 * num * scanned / len(items)) - scanned
                    to_try = min(max(to_try, 1), scanned * 4)
            left = num - len(items)
            parts = list(range(scanned, min(scanned + to_try, total)))

            def take_up_to(iterator: Iterator, left: int = left) -> list:
                out = []
                for x in iterator:
                    if len(out) >= left:
                        break
                    out.append(x)
                return out
            for chunk in self.ctx._run_job(self, take_up_to, parts):
                items.extend(chunk)
            scanned += to_try
        return items[:num]

    def first(self) -> Any:
        """The first element.

        >>> sc.parallelize([7, 8]).first()
        7
        """
        found = self.take(1)
        if found:
            return found[0]
        raise ValueError("RDD is empty")

    def isEmpty(self) -> bool:
        """True if the RDD has no elements (looks at as few partitions as possible).

        >>> sc.parallelize([]).isEmpty(), sc.parallelize([1]).isEmpty()
        (True, False)
        """
        return self.getNumPartitions() == 0 or len(self.take(1)) == 0

    def top(self, num: int, key: Callable[[Any], Any] | None = None) -> list:
        """The ``num`` largest elements, largest first. Each task keeps only its
        own top ``num``, so little data reaches the driver.

        >>> sc.parallelize([4, 1, 9, 7], 2).top(2), sc.parallelize(["aa", "b"]).top(1, key=len)
        ([9, 7], ['aa'])
        """
        def top_partition(iterator: Iterator) -> list:
            return [heapq.nlargest(num, iterator, key=key)]
        parts = list(chain.from_iterable(self.ctx._run_job(self, top_partition)))
        return reduce(lambda a, b: heapq.nlargest(num, a + b, key=key), parts)

    def takeOrdered(self, num: int, key: Callable[[Any], Any] | None = None) -> list:
        """The ``num`` smallest elements in ascending order (or by ``key``).

        >>> sc.parallelize([5, 3, 8, 1], 2).takeOrdered(2)
        [1, 3]
        >>> sc.parallelize([5, 3, 8, 1], 2).takeOrdered(2, key=lambda x: -x)
        [8, 5]
        """
        if num < 0:
            raise ValueError("top N cannot be negative.")
        if num == 0 or self.getNumPartitions() == 0:
            return []
        parts = self.ctx._run_job(self, lambda it: heapq.nsmallest(num, it, key))
        return reduce(lambda a, b: heapq.nsmallest(num, a + b, key), parts)

    def countByValue(self) -> dict:
        """Count each distinct element, returned to the driver as a dict.

        >>> sorted(sc.parallelize(["a", "b", "a"]).countByValue().items())
        [('a', 2), ('b', 1)]
        """
        def count_partition(iterator: Iterator) -> dict:
            counts: dict = defaultdict(int)
            for x in iterator:
                counts[x] += 1
            return counts

        def merge(a: dict, b: dict) -> dict:
            for k, v in b.items():
                a[k] += v
            return a
        return reduce(merge, self.ctx._run_job(self, count_partition), defaultdict(int))

    def saveAsTextFile(self, path: str, compressionCodecClass: str | None = None) -> None:
        """Write one text file per partition (``part-00000``, ...) and ``_SUCCESS``
        into the new directory ``path``; each element is written as ``str(x)``.

        ``compressionCodecClass="org.apache.hadoop.io.compress.GzipCodec"``
        writes gzip files (``part-00000.gz``). Like Hadoop, it also writes a hidden
        checksum file ``.NAME.crc`` beside each file.

        >>> import os, tempfile; out = os.path.join(tempfile.mkdtemp(), "out")
        >>> sc.parallelize(["a", "b", 3], 2).saveAsTextFile(out)
        >>> sorted(os.listdir(out)), open(os.path.join(out, "part-00001")).read()
        (['._SUCCESS.crc', '.part-00000.crc', '.part-00001.crc',
          '_SUCCESS', 'part-00000', 'part-00001'], 'b\\n3\\n')
        """
        save_partitions_as_text(self, path, compressionCodecClass)

    def saveAsPickleFile(self, path: str, batchSize: int = 10) -> None:
        """Save elements pickled in batches, one file per partition; read it back
        with ``sc.pickleFile``. (minispark writes plain pickle batches, not
        Hadoop SequenceFiles, so the files are for minispark only.)

        >>> import os, tempfile; out = os.path.join(tempfile.mkdtemp(), "p")
        >>> sc.parallelize([(1, "a"), (2, "b")], 2).saveAsPickleFile(out)
        >>> sorted(sc.pickleFile(out).collect())
        [(1, 'a'), (2, 'b')]
        """
        save_partitions_as_pickle(self, path, batchSize)

    def _check_output_path(self, path: str) -> None:
        if os.path.exists(path):
            from minispark.errors import FileAlreadyExistsException
            raise FileAlreadyExistsException(
                f"Output directory file:{os.path.abspath(path)} already exists")
