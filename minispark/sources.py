"""What a program creates through ``sc``: RDDs (from a driver-side collection
or from files) and shared variables (broadcasts, accumulators).

Read this file to see where an RDD's data comes from before any
transformation. Every method here only builds an object: nothing is read or
sent to a worker until an action runs a job (jobs.py).

Key terms
  slices          ``parallelize`` cuts a driver-side collection into
                  ``numSlices`` partitions (rdds/parallel.py); the data travels
                  to the workers inside the tasks.
  input splits    ``textFile`` cuts large files into byte ranges, one partition
                  each, at least ``minPartitions`` (``defaultMinPartitions``,
                  2 by default); a gzip file cannot be split (rdds/text.py).
  union           many RDDs side by side: their partitions, concatenated; when
                  all share one partitioner the result keeps it.
  shared variable a broadcast (read-only, shipped to each worker once) or an
                  accumulator (tasks add, only the driver reads): broadcast.py,
                  accumulators.py.

These methods are mixed into ``SparkContext`` (context.py), so students call
``sc.parallelize``, ``sc.textFile``, exactly as in PySpark.

Next: rdd.py, what an RDD is; rdds/text.py, how a file becomes partitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from minispark.accumulators import Accumulator, AccumulatorParam, default_param
from minispark.broadcast import Broadcast
from minispark.files import FileDistribution
from minispark.hadoop.formats import HadoopInputFunctions
from minispark.rdds.parallel import EmptyRDD, ParallelCollectionRDD, slice_collection
from minispark.rdds.text import PickleFileRDD, TextFileRDD, WholeTextFilesRDD
from minispark.rdds.union import PartitionerAwareUnionRDD, UnionRDD

if TYPE_CHECKING:
    from minispark.rdd import RDD

__all__ = ["RDDSources"]


class RDDSources(HadoopInputFunctions, FileDistribution):
    """Creating RDDs and shared variables (mixed into ``SparkContext``); the Hadoop
    input formats are in hadoop/formats.py, addFile and addArchive in files.py."""

    def parallelize(self, c: Iterable, numSlices: int | None = None) -> RDD:
        """Distribute a local collection as an RDD of ``numSlices`` partitions.

        >>> sc.parallelize(range(5), 2).glom().collect()
        [[0, 1], [2, 3, 4]]
        """
        num = int(numSlices) if numSlices is not None else self.defaultParallelism
        if num == 0:
            # PySpark fails here dividing by the slice count; so do we, saying why.
            raise ZeroDivisionError("integer division or modulo by zero "
                                    "(parallelize needs at least one slice)")
        if num < 0:
            raise ValueError(f"Positive number of partitions required, got {num}")
        return ParallelCollectionRDD(self, slice_collection(c, num, self._batchSize))

    def range(self, start: int, end: int | None = None, step: int = 1,
              numSlices: int | None = None) -> RDD:
        """An RDD of integers, like Python's ``range``.

        >>> sc.range(5).collect(), sc.range(2, 8, 3).collect()
        ([0, 1, 2, 3, 4], [2, 5])
        """
        if end is None:
            start, end = 0, start
        return self.parallelize(range(start, end, step), numSlices)

    def emptyRDD(self) -> RDD:
        """An RDD with no partitions and no elements.

        >>> sc.emptyRDD().getNumPartitions(), sc.emptyRDD().collect()
        (0, [])
        >>> sc.emptyRDD()
        EmptyRDD[...] at emptyRDD at ...
        """
        return EmptyRDD(self)

    def textFile(self, name: str, minPartitions: int | None = None,
                 use_unicode: bool = True) -> RDD:
        """The lines of text files. ``name`` is a file, a directory, a glob or a
        comma-separated list; large files are split into several partitions,
        gzip files are one partition each.

        >>> import os, tempfile; d = tempfile.mkdtemp()
        >>> _ = open(os.path.join(d, "a.txt"), "w").write("one\\ntwo\\n")
        >>> sc.textFile(d).collect()
        ['one', 'two']
        """
        return TextFileRDD(self, name, minPartitions or self.defaultMinPartitions, use_unicode)

    def wholeTextFiles(self, path: str, minPartitions: int | None = None,
                       use_unicode: bool = True) -> RDD:
        """(file path, whole content) pairs, one per file.

        >>> import os, tempfile; d = tempfile.mkdtemp()
        >>> _ = open(os.path.join(d, "a.txt"), "w").write("hello")
        >>> [(os.path.basename(p), text) for p, text in sc.wholeTextFiles(d).collect()]
        [('a.txt', 'hello')]
        """
        return WholeTextFilesRDD(self, path, minPartitions or self.defaultMinPartitions,
                                 use_unicode)

    def binaryFiles(self, path: str, minPartitions: int | None = None) -> RDD:
        """(file path, content as bytes) pairs, one per file (see rdds/binary.py).

        >>> import os, tempfile; d = tempfile.mkdtemp()
        >>> _ = open(os.path.join(d, "1.bin"), "wb").write(b"\\x00\\x01")
        >>> [(os.path.basename(p), data) for p, data in sc.binaryFiles(d).collect()]
        [('1.bin', b'\\x00\\x01')]
        """
        from minispark.rdds.binary import BinaryFilesRDD
        return BinaryFilesRDD(self, path, minPartitions or self.defaultMinPartitions)

    def binaryRecords(self, path: str, recordLength: int) -> RDD:
        """The files cut into records of ``recordLength`` bytes each (see rdds/binary.py).

        >>> import os, tempfile; d = tempfile.mkdtemp()
        >>> _ = open(os.path.join(d, "r.bin"), "wb").write(b"aabbcc")
        >>> sc.binaryRecords(d, 2).collect()
        [b'aa', b'bb', b'cc']
        """
        from minispark.rdds.binary import BinaryRecordsRDD
        return BinaryRecordsRDD(self, path, recordLength)

    def pickleFile(self, name: str, minPartitions: int | None = None) -> RDD:
        """Read back what saveAsPickleFile wrote (see RDD.saveAsPickleFile).

        >>> import os, tempfile; path = os.path.join(tempfile.mkdtemp(), "p")
        >>> sc.parallelize([{"a": 1}, (2, 3)], 2).saveAsPickleFile(path)
        >>> sorted(sc.pickleFile(path).collect(), key=str)
        [(2, 3), {'a': 1}]
        """
        return PickleFileRDD(self, name, minPartitions or self.defaultMinPartitions)

    def union(self, rdds: list[RDD]) -> RDD:
        """The union of a list of RDDs (keeps a common partitioner).

        >>> sc.union([sc.parallelize([1]), sc.parallelize([2, 3])]).collect()
        [1, 2, 3]
        """
        first = rdds[0].partitioner
        if first is not None and all(r.partitioner == first for r in rdds):
            return PartitionerAwareUnionRDD(self, list(rdds))
        return UnionRDD(self, list(rdds))

    # -- shared variables: made by the driver, used inside tasks -------------------

    def broadcast(self, value: Any) -> Broadcast:
        """Ship ``value`` to each worker once, read-only (see broadcast.py).

        >>> lookup = sc.broadcast({"a": 1})
        >>> sc.parallelize(["a", "b"]).map(lambda k: lookup.value.get(k, 0)).collect()
        [1, 0]
        """
        return Broadcast(self, value)

    def accumulator(self, value: Any, accum_param: AccumulatorParam | None = None) -> Accumulator:
        """A variable tasks can add to and only the driver reads (see accumulators.py).

        >>> errors = sc.accumulator(0)
        >>> sc.parallelize(["ok", "bad", "bad"]).foreach(
        ...     lambda s: errors.add(1) if s == "bad" else None)
        >>> errors.value
        2
        """
        param = accum_param if accum_param is not None else default_param(value)
        acc = Accumulator(self._next_accumulator_id, value, param)
        self._next_accumulator_id += 1
        self._accumulators[acc.aid] = acc
        return acc
