"""SparkContext: the driver's entry point, and the owner of the machinery.

Read this file to see what exists in a Spark application and who owns it:

  conf               the SparkConf (conf.py)
  worker processes   executors: ``local[N]`` starts N (scheduler/executor.py)
  DAG scheduler      turns each action into stages and tasks (scheduler/dag.py)
  listener bus       every event, for the UI, graders and the progress bar
  block locations    which worker caches which partition (storage.py)
  local directory    shuffle files, spills, cached blocks on disk, checkpoints

Creating RDDs (parallelize, textFile, ...) touches no worker: everything is
lazy until an action calls ``_run_job``. The first job starts the workers, so
``SparkContext()`` itself is instant.

Master URLs: ``local`` (1 worker), ``local[N]``, ``local[*]`` (one per core),
``local[N,F]`` (F attempts per task; plain local mode never retries, as in
Spark). There is no cluster mode: a class that outgrows one machine runs the
same code on real PySpark.

Next: rdd.py.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from minispark.accumulators import Accumulator, AccumulatorParam, default_param
from minispark.broadcast import Broadcast
from minispark.conf import SparkConf
from minispark.faults import FaultInjector
from minispark.rdd import RDD
from minispark.rdds.checkpoint import write_checkpoint
from minispark.rdds.parallel import ParallelCollectionRDD, slice_collection
from minispark.rdds.text import PickleFileRDD, TextFileRDD, WholeTextFilesRDD
from minispark.rdds.union import PartitionerAwareUnionRDD, UnionRDD
from minispark.scheduler.dag import DAGScheduler
from minispark.scheduler.executor import LocalBackend
from minispark.scheduler.listener import ListenerBus, SparkListener
from minispark.scheduler.progress import ConsoleProgressBar
from minispark.scheduler.status import StatusTracker
from minispark.scheduler.taskscheduler import TaskScheduler
from minispark.serializers import (
    AutoBatchedSerializer,
    BatchedSerializer,
    PickleSerializer,
    unbatched,
)
from minispark.storage import BlockManagerMaster
from minispark.util import call_site, parse_memory

__all__ = ["SparkContext"]

__version__ = "4.3.0"  # the PySpark API version minispark follows

_MASTER = re.compile(r"local(?:\[(\*|\d+)(?:,\s*(\d+))?\])?$")


def parse_master(master: str) -> tuple[int, int]:
    """(worker processes, attempts per task) for a local master URL.

    >>> parse_master("local"), parse_master("local[3]"), parse_master("local[2,4]")
    ((1, 1), (3, 1), (2, 4))
    """
    match = _MASTER.match(master.strip())
    if not match:
        raise ValueError(f"Unsupported master URL {master!r}: minispark runs locally; use "
                         "local, local[N], local[*] or local[N,F]")
    threads, failures = match.groups()
    workers = os.cpu_count() or 1 if threads == "*" else int(threads or 1)
    if workers < 1:
        raise ValueError(f"Asked for {workers} workers in master {master!r}")
    return workers, int(failures or 1)


class SparkContext:
    """The entry point of a Spark program: creates RDDs and runs jobs.

    Only one may be active at a time; use it as a context manager or call
    ``stop()`` to release its workers and files.

    >>> sc.master, sc.appName, sc.defaultParallelism
    ('local[2]', 'doctests', 2)
    """

    _active_spark_context: SparkContext | None = None
    _lock = threading.RLock()

    def __init__(self, master: str | None = None, appName: str | None = None,
                 sparkHome: str | None = None, pyFiles: list[str] | None = None,
                 environment: dict[str, Any] | None = None, batchSize: int = 0,
                 serializer: Any = None, conf: SparkConf | None = None,
                 gateway: Any = None, jsc: Any = None, profiler_cls: Any = None,
                 udf_profiler_cls: Any = None, memory_profiler_cls: Any = None):
        from minispark.taskcontext import TaskContext
        if TaskContext.get() is not None:
            raise RuntimeError("SparkContext should only be created and accessed on the "
                               "driver, not inside a task.")
        self._conf = conf or SparkConf()
        if master:
            self._conf.setMaster(master)
        if appName:
            self._conf.setAppName(appName)
        if not self._conf.contains("spark.master"):
            raise RuntimeError("A master URL must be set in your configuration.")
        if not self._conf.contains("spark.app.name"):
            raise RuntimeError("An application name must be set in your configuration.")
        workers, attempts = parse_master(self._conf.get("spark.master"))
        self._callsite = call_site()
        with SparkContext._lock:
            active = SparkContext._active_spark_context
            if active is not None:
                raise ValueError(
                    f"Cannot run multiple SparkContexts at once; existing SparkContext(app="
                    f"{active.appName}, master={active.master}) created by "
                    f"{active._callsite}")
            SparkContext._active_spark_context = self
        self._batchSize = batchSize
        # As PySpark: the data serializer, batched automatically (batchSize 0),
        # never (1) or by a fixed count. Shuffles and cached blocks use it.
        self._unbatched_serializer = unbatched(serializer or PickleSerializer())
        if batchSize == 0:
            self.serializer = AutoBatchedSerializer(self._unbatched_serializer)
        else:
            self.serializer = BatchedSerializer(self._unbatched_serializer, batchSize)
        self.environment = dict(environment or {})
        self._num_workers = workers
        self._stopped = False
        self._next_rdd_id = 0
        self._next_shuffle_id = 0
        self._next_broadcast_id = 0
        # Driver-side accumulators by id; weak, so an unused one can be freed.
        self._accumulators: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self._next_accumulator_id = 0
        self._persistent_rdds: dict[int, RDD] = {}
        self._checkpoint_dir: str | None = None
        self._local_properties = threading.local()
        self._memory_budget = parse_memory(self._conf.get("spark.python.worker.memory", "512m"))
        self._start_time = int(time.time() * 1000)
        self._app_id = f"local-{self._start_time}"
        self._local_dir = tempfile.mkdtemp(prefix="minispark-",
                                           dir=self._conf.get("spark.local.dir"))
        shuffle_dir = os.path.join(self._local_dir, "shuffle")
        os.makedirs(shuffle_dir)
        env = {k[len("spark.executorEnv."):]: v for k, v in self._conf.getAll()
               if k.startswith("spark.executorEnv.")}
        env.update({k: str(v) for k, v in self.environment.items()})
        cache_budget = int(parse_memory(self._conf.get("spark.executor.memory", "1g")) * 0.6)
        self._bus = ListenerBus()
        self._block_locations = BlockManagerMaster()
        self._backend = LocalBackend(workers, {
            "serializer": self._unbatched_serializer,
            "sys_path": list(_driver_sys_path()), "local_dir": os.path.join(self._local_dir, "w"),
            "shuffle_dir": shuffle_dir, "cache_budget": cache_budget, "env": env}, self._bus)
        self._bus.add(_WorkerLossListener(self._block_locations))
        self._status_tracker = StatusTracker()
        self._bus.add(self._status_tracker)
        if _progress_wanted(self._conf):
            self._bus.add(ConsoleProgressBar())
        task_scheduler = TaskScheduler(self._backend, attempts, self._bus)
        self._faults = FaultInjector(self)
        task_scheduler.faults = self._faults
        self._dag = DAGScheduler(self, task_scheduler, self._bus)
        # The web UI and event log (spark.ui.enabled, spark.eventLog.enabled): listeners
        # registered before ApplicationStart, so they see every event. See minispark/ui/.
        from minispark.ui import attach as _attach_ui
        self._ui = _attach_ui(self._conf, self._bus, self._app_id)
        self._bus.post("ApplicationStart", app_name=self.appName, app_id=self._app_id,
                       master=self.master, start_time=self._start_time)
        self._bus.post("EnvironmentUpdate", properties=dict(self._conf.getAll()))
        atexit.register(self.stop)

    # -- lifecycle --------------------------------------------------------------------

    @classmethod
    def getOrCreate(cls, conf: SparkConf | None = None) -> SparkContext:
        """The active SparkContext, or a new one built from ``conf``.

        >>> SparkContext.getOrCreate() is sc
        True
        """
        with cls._lock:
            if cls._active_spark_context is None:
                SparkContext(conf=conf or SparkConf())
            return cls._active_spark_context

    def stop(self) -> None:
        """Stop the workers, delete shuffle files and cached blocks, end the app."""
        if self._stopped:
            return
        self._stopped = True
        self._backend.stop()
        self._bus.post("ApplicationEnd", end_time=int(time.time() * 1000))
        if self._ui is not None:
            self._ui.stop()
        shutil.rmtree(self._local_dir, ignore_errors=True)
        with SparkContext._lock:
            if SparkContext._active_spark_context is self:
                SparkContext._active_spark_context = None
        atexit.unregister(self.stop)

    def __enter__(self) -> SparkContext:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __getstate__(self) -> dict:
        raise RuntimeError(
            "It appears that you are attempting to reference SparkContext from a broadcast "
            "variable, action, or transformation. SparkContext can only be used on the "
            "driver, not in code that runs on workers (SPARK-5063).")

    def __repr__(self) -> str:
        return f"<SparkContext master={self.master} appName={self.appName}>"

    # -- properties ----------------------------------------------------------------------

    @property
    def master(self) -> str:
        """The master URL this context runs on.

        >>> sc.master
        'local[2]'
        """
        return self._conf.get("spark.master")

    @property
    def appName(self) -> str:
        """The application's name.

        >>> sc.appName
        'doctests'
        """
        return self._conf.get("spark.app.name")

    @property
    def applicationId(self) -> str:
        """A unique id of this application, ``local-<start time in ms>``.

        >>> sc.applicationId.startswith("local-")
        True
        """
        return self._app_id

    @property
    def version(self) -> str:
        """The PySpark API version minispark implements.

        >>> sc.version
        '4.3.0'
        """
        return __version__

    @property
    def startTime(self) -> int:
        """When the context started, in milliseconds since the epoch.

        >>> sc.startTime > 1_600_000_000_000
        True
        """
        return self._start_time

    @property
    def uiWebUrl(self) -> str | None:
        """The application UI's URL, or None when ``spark.ui.enabled`` is false (the
        default outside the REPL and Jupyter; see minispark/ui/).

        >>> sc.uiWebUrl is None
        True
        """
        return self._ui.url if self._ui is not None else None

    def _repr_html_(self) -> str:
        """Jupyter's rich display of the context: a link to its UI, as PySpark shows.

        >>> "<b>SparkContext</b>" in sc._repr_html_()
        True
        """
        from html import escape
        url = self.uiWebUrl
        ui = f'<a href="{escape(url)}" target="_blank">Spark UI</a>' if url else \
            "Spark UI: off (set spark.ui.enabled=true)"
        return (f"<div><p><b>SparkContext</b></p><p>{ui}</p><dl><dt>Version</dt>"
                f"<dd><code>v{escape(self.version)}</code></dd><dt>Master</dt>"
                f"<dd><code>{escape(self.master)}</code></dd><dt>AppName</dt>"
                f"<dd><code>{escape(self.appName)}</code></dd></dl></div>")

    @property
    def defaultParallelism(self) -> int:
        """Default partitions for parallelize and shuffles: the number of workers.

        >>> sc.defaultParallelism
        2
        """
        return int(self._conf.get("spark.default.parallelism", self._num_workers))

    @property
    def defaultMinPartitions(self) -> int:
        """Default minimum partitions for textFile: min(defaultParallelism, 2).

        >>> sc.defaultMinPartitions
        2
        """
        return min(self.defaultParallelism, 2)

    def getConf(self) -> SparkConf:
        """A copy of the configuration.

        >>> sc.getConf().get("spark.master")
        'local[2]'
        """
        return SparkConf().setAll(self._conf.getAll())

    def sparkUser(self) -> str:
        """The user running the application.

        >>> isinstance(sc.sparkUser(), str)
        True
        """
        import getpass
        return getpass.getuser()

    def setLogLevel(self, logLevel: str) -> None:
        """Accepted for compatibility: minispark logs nothing below errors.

        >>> sc.setLogLevel("WARN")
        """
        valid = {"ALL", "DEBUG", "ERROR", "FATAL", "INFO", "OFF", "TRACE", "WARN"}
        if logLevel.upper() not in valid:
            raise ValueError(f"Unknown log level {logLevel!r}; use one of {sorted(valid)}")

    # -- creating RDDs -------------------------------------------------------------------

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

    @property
    def faults(self) -> FaultInjector:
        """Deterministic fault injection, to watch recovery (minispark-only; see faults.py).

        >>> sc.faults.clear()
        """
        return self._faults

    # -- shared variables --------------------------------------------------------------

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

    def emptyRDD(self) -> RDD:
        """An RDD with no partitions and no elements.

        >>> sc.emptyRDD().getNumPartitions(), sc.emptyRDD().collect()
        (0, [])
        """
        return ParallelCollectionRDD(self, [])

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
        partitioners = {id(r.partitioner) for r in rdds}
        first = rdds[0].partitioner
        if first is not None and all(r.partitioner == first for r in rdds):
            return PartitionerAwareUnionRDD(self, list(rdds))
        del partitioners
        return UnionRDD(self, list(rdds))

    # -- checkpointing and properties ------------------------------------------------------

    def setCheckpointDir(self, dirName: str) -> None:
        """Where checkpoint() saves RDDs (a new sub-directory per application).

        >>> import tempfile; sc.setCheckpointDir(tempfile.mkdtemp())
        >>> sc.getCheckpointDir() is not None
        True
        """
        path = os.path.join(os.path.abspath(dirName), str(uuid.uuid4()))
        os.makedirs(path, exist_ok=True)
        self._checkpoint_dir = path

    def getCheckpointDir(self) -> str | None:
        """The checkpoint directory, or None if not set.

        >>> import tempfile; sc.setCheckpointDir(tempfile.mkdtemp())
        >>> sc.getCheckpointDir() is not None
        True
        """
        return self._checkpoint_dir

    def _properties(self) -> dict:
        props = getattr(self._local_properties, "values", None)
        if props is None:
            props = self._local_properties.values = {}
        return props

    def setLocalProperty(self, key: str, value: str | None) -> None:
        """Set a property seen by jobs started from this thread (None removes it).

        >>> sc.setLocalProperty("lab", "ch06"); sc.getLocalProperty("lab")
        'ch06'
        >>> sc.setLocalProperty("lab", None)
        """
        if value is None:
            self._properties().pop(key, None)
        else:
            self._properties()[key] = value

    def getLocalProperty(self, key: str) -> str | None:
        """A local property of this thread, or None.

        >>> sc.setLocalProperty("course.lab", "3"); sc.getLocalProperty("course.lab")
        '3'
        >>> sc.setLocalProperty("course.lab", None); sc.getLocalProperty("course.lab") is None
        True
        """
        return self._properties().get(key)

    def setJobGroup(self, groupId: str | None, description: str | None,
                    interruptOnCancel: bool = False) -> None:
        """Put the jobs started from this thread in a group (see statusTracker).

        >>> sc.setJobGroup("lab3", "counting requests")
        >>> _ = sc.parallelize(range(3)).count()
        >>> len(sc.statusTracker().getJobIdsForGroup("lab3"))
        1
        >>> sc.setJobGroup(None, None)
        """
        self.setLocalProperty("spark.jobGroup.id", groupId)
        self.setLocalProperty("spark.job.description", description)

    def setJobDescription(self, value: str | None) -> None:
        """A description shown for the next jobs (UI, events).

        >>> sc.setJobDescription("count the logs"); sc.setJobDescription(None)
        """
        self.setLocalProperty("spark.job.description", value)

    def statusTracker(self) -> StatusTracker:
        """Low-level progress of jobs and stages.

        >>> sc.statusTracker().getActiveStageIds()
        []
        """
        return self._status_tracker

    # -- listeners (minispark-only) --------------------------------------------------------

    def addSparkListener(self, listener: SparkListener) -> None:
        """Register a listener for scheduler events (minispark-only; see
        scheduler/listener.py). PySpark has no Python listener API for RDDs.

        >>> from minispark.scheduler.listener import EventCollector
        >>> events = EventCollector(); sc.addSparkListener(events)
        >>> _ = sc.parallelize(range(4), 2).count()
        >>> [e.kind for e in events.events if e.kind.startswith("Job")]
        ['JobStart', 'JobEnd']
        >>> sc.removeSparkListener(events)
        """
        self._bus.add(listener)

    def removeSparkListener(self, listener: SparkListener) -> None:
        """Unregister a listener (minispark-only).

        >>> from minispark.scheduler.listener import EventCollector
        >>> events = EventCollector(); sc.addSparkListener(events); sc.removeSparkListener(events)
        >>> _ = sc.parallelize([1]).count(); events.events
        []
        """
        self._bus.remove(listener)

    # -- running jobs ----------------------------------------------------------------------

    def runJob(self, rdd: RDD, partitionFunc: Callable, partitions: list[int] | None = None,
               allowLocal: bool = False) -> list:
        """Run ``partitionFunc(iterator)`` on the given partitions and concatenate
        what it returns.

        >>> sc.runJob(sc.parallelize(range(6), 3), lambda it: [sum(it)], [0, 2])
        [1, 9]
        """
        results = self._run_job(rdd, lambda it: list(partitionFunc(it)), partitions)
        return [x for part in results for x in part]

    def _run_job(self, rdd: RDD, func: Callable, partitions: Iterable[int] | None = None,
                 description: str | None = None, checkpoint: bool = True) -> list:
        """Run a job: one result per requested partition (what every action uses).
        ``checkpoint=False`` is for the job that writes a checkpoint itself."""
        if self._stopped:
            raise RuntimeError("Cannot call methods on a stopped SparkContext.")
        parts = list(range(rdd.getNumPartitions()) if partitions is None else partitions)
        props = dict(self._properties())
        desc = description or props.get("spark.job.description") or call_site()
        results = self._dag.run_job(rdd, func, parts, props, desc)
        if checkpoint:
            self._do_checkpoint(rdd)
        return results

    def _do_checkpoint(self, rdd: RDD) -> None:
        """After a job: write the checkpoints requested in its lineage (Spark's
        doCheckpoint), stopping at the first marked RDD on each path."""
        stack, seen = [rdd], set()
        while stack:
            current = stack.pop()
            if current.id() in seen or current.is_checkpointed:
                continue
            seen.add(current.id())
            mode = current._checkpoint_requested
            if mode is None:
                stack.extend(d.rdd for d in current.dependencies)
                continue
            base = self._checkpoint_dir if mode == "reliable" else \
                os.path.join(self._local_dir, "local-checkpoints")
            checkpoint = write_checkpoint(current, os.path.join(base, f"rdd-{current.id()}"),
                                          local=mode == "local")
            current._checkpoint_rdd = checkpoint
            current.is_checkpointed = True
            current._deps = []  # lineage truncated: parents can be garbage collected

    # -- internal ids and caching ---------------------------------------------------------

    def _new_rdd_id(self) -> int:
        self._next_rdd_id += 1
        return self._next_rdd_id - 1

    def _new_broadcast_id(self) -> int:
        self._next_broadcast_id += 1
        return self._next_broadcast_id - 1

    def _merge_accumulator_updates(self, updates: dict | None) -> None:
        """Fold one successful task's accumulator updates into the driver's values."""
        for aid, update in (updates or {}).items():
            acc = self._accumulators.get(aid)
            if acc is not None:
                acc._value = acc.accum_param.addInPlace(acc._value, update)

    def _new_shuffle_id(self) -> int:
        self._next_shuffle_id += 1
        return self._next_shuffle_id - 1

    def _unpersist_rdd(self, rdd_id: int) -> None:
        self._persistent_rdds.pop(rdd_id, None)
        self._block_locations.remove_rdd(rdd_id)
        self._backend.broadcast({"op": "remove_rdd", "rdd_id": rdd_id})
        self._bus.post("UnpersistRDD", rdd_id=rdd_id)


class _WorkerLossListener(SparkListener):
    def __init__(self, block_locations: BlockManagerMaster):
        self.block_locations = block_locations

    def onExecutorRemoved(self, event: Any) -> None:
        self.block_locations.worker_lost(event.data["executor_id"])


def _progress_wanted(conf: SparkConf) -> bool:
    import sys
    if conf.get("spark.ui.showConsoleProgress", "true").lower() == "false":
        return False
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def _driver_sys_path() -> list[str]:
    import sys
    return [os.path.abspath(p) if p else os.getcwd() for p in sys.path]
