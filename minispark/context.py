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

This file holds the context's life (start, stop, only one at a time) and what
it knows about itself (master, app name, parallelism, conf). Two mixins add the
rest of PySpark's SparkContext API: sources.py (parallelize, textFile, union,
broadcast, accumulator) and jobs.py (runJob, local properties and job groups,
listeners, checkpoints).

Master URLs: ``local`` (1 worker), ``local[N]``, ``local[*]`` (one per core),
``local[N,F]`` (F attempts per task; plain local mode never retries, as in
Spark). There is no cluster mode: a class that outgrows one machine runs the
same code on real PySpark.

Next: sources.py, then rdd.py.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
import time
import weakref
from typing import Any

from minispark.cancellation import InheritableThread
from minispark.conf import SparkConf
from minispark.faults import FaultInjector
from minispark.files import USER_FILES_ENV, SparkFiles
from minispark.jobs import JobSubmission
from minispark.rdd import RDD
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
from minispark.sources import RDDSources
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


class SparkContext(RDDSources, JobSubmission):
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
        env[USER_FILES_ENV] = os.path.join(self._local_dir, "userFiles")  # files.py
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

    @property
    def faults(self) -> FaultInjector:
        """Deterministic fault injection, to watch recovery (minispark-only; see faults.py).

        >>> sc.faults.clear()
        """
        return self._faults


# SparkFiles.getRootDirectory and InheritableThread look up the active context, but
# their modules sit below this one (SparkContext subclasses their mixins): they find
# it through this class, registered with them here rather than imported by them.
SparkFiles._context_class = InheritableThread._context_class = SparkContext


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
