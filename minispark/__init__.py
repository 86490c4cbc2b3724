"""minispark: a readable Spark engine with PySpark's Python API.

Start reading at context.py (what an application owns), then rddbase.py (what
an RDD is), rdd.py (what you can do with one), dependency.py (narrow vs.
shuffle), scheduler/dag.py (how an action becomes stages), shuffle.py (how data
moves) and storage.py (caching). Imports point down: tests/test_layers.py.

    >>> from minispark import SparkContext
    >>> with SparkContext("local[2]", "hello") as sc:      # doctest: +SKIP
    ...     sc.parallelize(range(10)).map(lambda x: x * x).sum()
    285
"""

from minispark.accumulators import Accumulator, AccumulatorParam
from minispark.barrier import BarrierTaskContext, BarrierTaskInfo, RDDBarrier
from minispark.broadcast import Broadcast
from minispark.cancellation import InheritableThread
from minispark.conf import SparkConf
from minispark.context import SparkContext
from minispark.files import SparkFiles
from minispark.partitioner import Partitioner, portable_hash
from minispark.rdd import RDD
from minispark.rdds import (  # noqa: F401 - each registers its RDDs (rddbase.rdd_class)
    binary,
    cartesian,
    checkpoint,
    coalesced,
    hadoop,
    mapped,
    parallel,
    shuffled,
    text,
    union,
)
from minispark.resultiterable import ResultIterable
from minispark.serializers import CPickleSerializer, MarshalSerializer
from minispark.statcounter import StatCounter
from minispark.storage import StorageLevel
from minispark.taskcontext import TaskContext

__version__ = "4.3.0"

__all__ = ["SparkConf", "SparkContext", "RDD", "StorageLevel", "Partitioner", "portable_hash",
           "StatCounter", "ResultIterable", "TaskContext", "Broadcast", "Accumulator",
           "AccumulatorParam", "MarshalSerializer", "CPickleSerializer", "BarrierTaskContext",
           "BarrierTaskInfo", "RDDBarrier", "InheritableThread", "SparkFiles"]
