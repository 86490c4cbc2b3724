"""Broadcast variables: read-only data shipped to each worker once.

Read this file to learn why ``sc.broadcast(table)`` beats capturing ``table``
in a closure.

A function passed to ``map`` is serialised into the stage's task binary, with
everything it captures. Capture a 50 MB dict and those 50 MB travel with the
task binary of every stage that uses it. A *broadcast variable* is serialised
once, on the driver, into a file; a task carries only its id and path. The
first time a task on a worker reads ``.value``, the worker loads the file and
keeps the value in memory; every later task on that worker (of this job or
any other) reuses it. So the cost is one serialisation on the driver plus one
load per worker process, however many tasks and jobs use it.

Key terms (PySpark's names)
  value        the data; on the driver the original object, on a worker the
               copy loaded from the broadcast file (never share mutations!).
  unpersist()  workers drop their copy; it is reloaded if used again.
  destroy()    the file is deleted; using the variable in a new task fails.

In Spark the file is a set of blocks fetched peer to peer (TorrentBroadcast);
here all workers are on one machine, so the file is simply on local disk.

Next: accumulators.py, the shared variables that flow the other way.
"""

from __future__ import annotations

import os
import pickle
import threading
import time
import weakref
from typing import Any, BinaryIO, Generic, TypeVar

import cloudpickle

from minispark.taskcontext import TaskContext

T = TypeVar("T")

__all__ = ["Broadcast"]

# On a worker: broadcast id -> value already loaded by this process.
_worker_values: dict[int, Any] = {}
# ... and the Broadcast objects unpickled here, which cache the value on
# themselves (the hot path is then one attribute read) until unpersist.
_worker_copies: dict[int, weakref.WeakSet] = {}
_MISSING = object()
_worker_lock = threading.Lock()


class Broadcast(Generic[T]):
    """A read-only variable cached on each worker (``sc.broadcast(value)``).

    >>> table = sc.broadcast({1: "one", 2: "two"})
    >>> sc.parallelize([1, 2, 3], 2).map(lambda x: table.value.get(x, "?")).collect()
    ['one', 'two', '?']
    >>> table.value[1]
    'one'
    >>> table.destroy()
    """

    def __init__(self, sc: Any = None, value: Any = None, path: str | None = None,
                 bid: int | None = None):
        self._destroyed = False
        if sc is None:  # a copy unpickled on a worker: it knows only id and path
            self._bid, self._path = bid, path
            self._value: Any = _MISSING
            return
        self._sc = sc
        self._bid = sc._new_broadcast_id()
        self._value = value
        directory = os.path.join(sc._local_dir, "broadcast")
        os.makedirs(directory, exist_ok=True)
        self._path = os.path.join(directory, f"broadcast_{self._bid}")
        start = time.perf_counter()
        data = cloudpickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with open(self._path, "wb") as f:
            f.write(data)
        #: Serialized size and time, for notebooks that compare (minispark-only).
        self.serialized_bytes = len(data)
        self.serialize_time = time.perf_counter() - start

    @property
    def value(self) -> T:
        """The broadcast value (loaded once per worker process).

        >>> sc.broadcast([1, 2]).value
        [1, 2]
        """
        # Called once per record in a typical map: keep the common paths to an
        # attribute read (driver) or one dict lookup (worker), no lock.
        value = self._value
        if value is not _MISSING:
            return value
        with _worker_lock:
            if self._bid not in _worker_values:
                _worker_values[self._bid] = self._load()
            self._value = _worker_values[self._bid]
        return self._value

    def _load(self) -> Any:
        try:
            with open(self._path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            raise RuntimeError(
                f"Broadcast variable {self._bid} was destroyed; it cannot be used in a "
                "task any more. Create a new one with sc.broadcast(value).") from None
        context = TaskContext.get()
        if context is not None:
            context.metrics.broadcast_fetch_bytes += len(data)
            context.metrics.broadcast_fetches += 1
        return pickle.loads(data)

    def dump(self, value: T, f: BinaryIO) -> None:
        """Pickle ``value`` into the open binary file ``f``, then close ``f`` (as PySpark).

        >>> import io; f = io.BytesIO(); sc.broadcast(0).dump([1, 2], f); f.closed
        True
        """
        try:
            pickle.dump(value, f, pickle.HIGHEST_PROTOCOL)
        except pickle.PickleError:
            raise
        except Exception as e:
            raise pickle.PicklingError(
                f"Could not serialize broadcast: {type(e).__name__}: {e}") from e
        f.close()

    def load(self, file: BinaryIO) -> T:
        """Unpickle a value from the open binary file ``file`` (what dump wrote).

        >>> import io; sc.broadcast(0).load(io.BytesIO(pickle.dumps([1, 2])))
        [1, 2]
        """
        return pickle.load(file)

    def load_from_path(self, path: str) -> T:
        """Unpickle a value from the file at ``path`` (what dump wrote).

        >>> import os, tempfile; path = os.path.join(tempfile.mkdtemp(), "b")
        >>> b = sc.broadcast([1, 2]); b.dump(b.value, open(path, "wb")); b.load_from_path(path)
        [1, 2]
        """
        with open(path, "rb", 1 << 20) as f:
            return self.load(f)

    def unpersist(self, blocking: bool = False) -> None:
        """Drop the workers' copies; the value is reloaded if a task uses it again.

        >>> b = sc.broadcast(7); b.unpersist(); b.value
        7
        """
        if getattr(self, "_sc", None) is not None:
            self._sc._backend.broadcast({"op": "remove_broadcast", "broadcast_id": self._bid})

    def destroy(self, blocking: bool = False) -> None:
        """Remove the variable everywhere; later tasks that use it fail.

        >>> b = sc.broadcast(7); b.destroy()
        >>> sc.parallelize([1]).map(lambda x: b.value).collect()
        Traceback (most recent call last):
          ...
        _pickle.PicklingError: Could not serialize the task ...variable ... was destroyed...
        """
        self.unpersist(blocking)
        self._destroyed = True
        try:
            os.remove(self._path)
        except FileNotFoundError:
            pass

    def __reduce__(self) -> tuple:
        if self._destroyed:
            raise RuntimeError(f"Broadcast variable {self._bid} was destroyed; it cannot be "
                               "used in a task any more.")
        return (_rebuild_broadcast, (self._bid, self._path))

    def __repr__(self) -> str:
        return f"Broadcast({self._bid})"


def _rebuild_broadcast(bid: int, path: str) -> Broadcast:
    copy: Broadcast = Broadcast(bid=bid, path=path)
    with _worker_lock:
        _worker_copies.setdefault(bid, weakref.WeakSet()).add(copy)
    return copy


def remove_worker_copy(bid: int) -> None:
    """Worker side of unpersist(): forget the loaded value."""
    with _worker_lock:
        _worker_values.pop(bid, None)
        for copy in _worker_copies.pop(bid, ()):
            copy._value = _MISSING
