"""The event log: every listener event as one JSON line, to rebuild the UI later.

Mirrors Spark's ``EventLoggingListener`` and ``ReplayListenerBus``
(core/src/main/scala/org/apache/spark/scheduler/). With
``spark.eventLog.enabled=true`` the SparkContext writes
``<spark.eventLog.dir>/<app id>.inprogress`` (default dir: /tmp/spark-events),
renamed to ``<app id>`` when the application ends. ``read_event_log`` turns
the lines back into the same Event objects the bus delivered (StageInfo with
its RDDInfos, TaskInfo and TaskMetrics included), so the history server (history.py) feeds
them to the same AppStatusStore a live UI uses (``replay``, Spark's ReplayListenerBus).
Next: ../history.py.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import fields
from pathlib import Path
from typing import Any

from minispark.scheduler.listener import Event, RDDInfo, SparkListener, StageInfo, TaskInfo
from minispark.taskcontext import TaskMetrics
from minispark.ui.state import AppStatusStore

__all__ = ["EventLogWriter", "read_event_log", "event_from_json", "replay", "DEFAULT_DIR"]

DEFAULT_DIR = "/tmp/spark-events"
IN_PROGRESS = ".inprogress"
# Which event fields hold which dataclass, to rebuild them from JSON.
_TYPES = {"stage_info": StageInfo, "stage_infos": StageInfo, "task_info": TaskInfo,
          "metrics": TaskMetrics}
# Dataclass fields that hold dataclasses themselves: a StageInfo's RDDs.
_NESTED = {StageInfo: {"rdd_infos": RDDInfo}}
_FLUSH_ON = {"JobEnd", "StageCompleted", "ApplicationStart", "EnvironmentUpdate",
             "UnpersistRDD", "ExecutorRemoved"}


class EventLogWriter(SparkListener):
    """A listener that appends every event to a JSON-lines file.

    >>> import tempfile; d = tempfile.mkdtemp()
    >>> log = EventLogWriter(d, "app-1"); sc.addSparkListener(log)
    >>> sc.parallelize([1, 2, 3]).count()
    3
    >>> sc.removeSparkListener(log); log.close()
    >>> [e.kind for e in read_event_log(log.path)][:2]
    ['JobStart', 'StageSubmitted']
    """

    def __init__(self, directory: str, app_id: str) -> None:
        os.makedirs(directory, exist_ok=True)
        self.final_path = os.path.join(directory, app_id)
        self.path = self.final_path + IN_PROGRESS
        self._file: Any = open(self.path, "w", encoding="utf-8")  # noqa: SIM115
        self.ended = False
        self._lock = threading.Lock()   # the driver and streaming threads both write
        # Every onXxx handler of SparkListener becomes "write the event".
        for name in vars(SparkListener):
            if name.startswith("on"):
                setattr(self, name, self._write)

    def _write(self, event: Event) -> None:
        self.write_record(event.to_json_dict(), flush=event.kind in _FLUSH_ON)
        if event.kind == "ApplicationEnd":
            self.ended = True
            self.close()

    def write_record(self, record: dict, flush: bool = True) -> None:
        """Append one JSON line (streaming events come here from their own threads).

        >>> import tempfile; w = EventLogWriter(tempfile.mkdtemp(), "b")
        >>> w.write_record({"Event": "StreamingStarted", "time": 0}); w.close()
        >>> [e.kind for e in read_event_log(w.path)]
        ['StreamingStarted']
        """
        with self._lock:
            if self._file is None:
                return
            self._file.write(json.dumps(record, default=str) + "\n")
            if flush:   # so a history server sees a running app's progress
                self._file.flush()

    def close(self) -> None:
        """Flush and close the log; once the application has ended, drop ``.inprogress``.

        >>> import tempfile; w = EventLogWriter(tempfile.mkdtemp(), "a"); w.close()
        >>> w.path.endswith(".inprogress")
        True
        """
        with self._lock:
            if self._file is None:
                return
            self._file.close()
            self._file = None
        if self.ended:
            os.replace(self.path, self.final_path)
            self.path = self.final_path


def _rebuild(cls: type, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [_rebuild(cls, v) for v in value]
    known = {f.name for f in fields(cls)}
    nested = _NESTED.get(cls, {})
    return cls(**{k: _rebuild(nested[k], v) if k in nested else v
                  for k, v in value.items() if k in known})


def event_from_json(line: str) -> Event:
    """One logged line back into an Event, its dataclasses rebuilt.

    >>> e = event_from_json('{"Event": "TaskEnd", "Timestamp": 1.0, "metrics": {"result_size": 9}}')
    >>> e.kind, e.time, e.data["metrics"].result_size
    ('TaskEnd', 1.0, 9)
    """
    raw = json.loads(line)
    kind, when = raw.pop("Event"), raw.pop("Timestamp", 0.0)
    data = {k: _rebuild(_TYPES[k], v) if k in _TYPES else v for k, v in raw.items()}
    return Event(kind, when, data)


def read_event_log(path: str | Path) -> list[Event]:
    """Every event of a log file, in order; a torn last line (app still writing) is skipped.

    >>> import tempfile, os; p = os.path.join(tempfile.mkdtemp(), "log")
    >>> _ = open(p, "w").write('{"Event": "JobEnd", "job_id": 0}\\n{"Event": "Jo')
    >>> [e.kind for e in read_event_log(p)]
    ['JobEnd']
    """
    events = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                events.append(event_from_json(line))
            except (json.JSONDecodeError, KeyError, TypeError):
                continue   # a line still being written
    return events


def replay(events: list[Any]) -> AppStatusStore:
    """A store built from a list of events, as the history server does with a log.

    >>> replay([]).jobs
    OrderedDict()
    """
    store = AppStatusStore()
    for event in events:
        if event.kind.startswith("Streaming"):   # written by ui/streaming.py
            _replay_streaming(store, event)
            continue
        handler = getattr(store, "on" + event.kind, None)
        if handler is not None:
            handler(event)
    return store


def _replay_streaming(store: AppStatusStore, event: Any) -> None:
    """A ``Streaming<Kind>`` line of the log, into the Streaming tab's model."""
    from minispark.ui.streaming import StreamingUIListener
    if store.streaming is None:
        store.streaming = StreamingUIListener(store.lock)
    store.streaming.apply(event.kind.removeprefix("Streaming"), event.data)
