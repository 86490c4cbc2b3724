"""Metadata checkpoints: surviving the death of the driver.

Read this file to learn what ``StreamingContext.getOrCreate`` recovers. Two
kinds of checkpoints exist in Spark Streaming:

  data checkpoints      state RDDs saved every checkpoint interval (state.py,
                        window.py): they cut the lineage of long-lived state.
  metadata checkpoints  written here every batch (when it is generated and when
                        it completes): the DStream graph *with its functions*
                        (pickled with cloudpickle, as PySpark does), the batch
                        duration and zero time, the batches generated but not
                        completed, which files each file-stream batch read, and
                        where the latest data checkpoints of each stream are.

After the driver is killed (even with SIGKILL), ``getOrCreate(dir, setup)``
finds the newest ``checkpoint-<time>`` file, rebuilds the graph instead of
calling ``setup``, restores the checkpointed state RDDs, and on ``start()``
runs again the batches that were pending and those that fell due while the
driver was down (Spark's JobGenerator.restart), then continues in real time.
State continues exactly: a state RDD is always recomputed from the previous
state and the batch's (replayable) input, never added to twice. Output
operations of re-run batches may run twice (at-least-once), as in Spark.

Key terms
  checkpoint time  the batch a metadata checkpoint describes.
  pending times    generated, not completed: re-run on recovery.
  down times       batch times between the checkpoint and the restart.

queueStream cannot be recovered (its RDDs live only in the dead driver);
Spark says the same. Socket data is replayable only with the receiver's
write-ahead log (``spark.streaming.receiver.writeAheadLog.enable``, see
receiver.py): without it, received data the driver held is lost with it.

Next: testing.py.
"""

from __future__ import annotations

import glob
import os
import pickle
import threading
import warnings
from typing import TYPE_CHECKING, Any

import cloudpickle

from minispark.context import SparkContext
from minispark.rdds.checkpoint import CheckpointRDD
from minispark.streaming import dstream as dstream_module
from minispark.streaming.receiver import SocketInputDStream

if TYPE_CHECKING:
    from minispark.streaming.context import StreamingContext

__all__ = ["Checkpointer", "read_latest", "recover"]

KEEP = 10     # metadata checkpoint files kept (Spark keeps 10 too)


class Checkpointer:
    """Writes ``checkpoint-<batch time>`` files: atomically, the newest KEEP kept."""

    def __init__(self, ssc: StreamingContext, directory: str):
        self.ssc, self.directory = ssc, directory
        self._lock = threading.Lock()
        self.failed: str | None = None

    def write(self, time_ms: int, pending: list[int]) -> None:
        """Save the graph and progress as of batch ``time_ms``.

        >>> import tempfile; from minispark.streaming import StreamingContext
        >>> ssc = StreamingContext(sc, 1); Checkpointer(ssc, tempfile.mkdtemp()).write(1000, [])
        """
        if not self.ssc._graph.started:
            return
        data = snapshot(self.ssc, time_ms, pending)
        with self._lock:
            path = os.path.join(self.directory, f"checkpoint-{time_ms}")
            tmp = path + f".tmp-{os.getpid()}"
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            for old in _checkpoint_files(self.directory)[:-KEEP]:
                try:
                    os.remove(old)
                except OSError:
                    pass

    def close(self) -> None:
        """Nothing is buffered; kept for symmetry with Spark's CheckpointWriter.

        >>> Checkpointer(None, "/tmp").close()
        """


def snapshot(ssc: StreamingContext, time_ms: int, pending: list[int]) -> bytes:
    """The pickled metadata of ``ssc`` at batch ``time_ms``.

    >>> from minispark.streaming import StreamingContext
    >>> pickle.loads(snapshot(StreamingContext(sc, 2), 4000, []))["batch_ms"]
    2000
    """
    graph = ssc._graph
    state = {"version": 1, "time": time_ms, "pending": list(pending),
             "batch_ms": graph.batch_ms, "zero_time": graph.zero_time,
             "remember_ms": graph.remember_ms, "next_id": graph._next_id,
             "inputs": graph.inputs, "outputs": graph.outputs,
             "master": ssc._sc.master, "app_name": ssc._sc.appName,
             "spark_checkpoint_dir": ssc._sc.getCheckpointDir()}
    dstream_module._CHECKPOINTING.active = True
    try:
        return cloudpickle.dumps(state)
    except Exception as exc:
        raise RuntimeError(
            "DStream checkpointing has been enabled but the DStreams with their functions "
            f"are not serializable: {exc}") from exc
    finally:
        dstream_module._CHECKPOINTING.active = False


def _checkpoint_files(directory: str) -> list[str]:
    files = [f for f in glob.glob(os.path.join(directory, "checkpoint-*"))
             if f.rsplit("-", 1)[-1].isdigit()]
    return sorted(files, key=lambda f: int(f.rsplit("-", 1)[-1]))


def read_latest(directory: str) -> dict | None:
    """The newest readable metadata checkpoint in ``directory``, or None.

    >>> import tempfile; read_latest(tempfile.mkdtemp()) is None
    True
    """
    for path in reversed(_checkpoint_files(directory)):
        try:
            with open(path, "rb") as f:
                return pickle.load(f)
        except Exception as exc:  # a torn or foreign file: try the previous one
            warnings.warn(f"skipping unreadable checkpoint {path}: {exc}", stacklevel=2)
    return None


def recover(directory: str, context_class: type[StreamingContext]) -> StreamingContext:
    """Rebuild a StreamingContext from the newest checkpoint in ``directory``.

    ``context_class`` is StreamingContext, passed by its getOrCreate: context.py
    imports this file, so this file does not import it.

    >>> import tempfile; from minispark.streaming import StreamingContext
    >>> recover(tempfile.mkdtemp(), StreamingContext)
    Traceback (most recent call last):
    ...
    FileNotFoundError: no readable checkpoint in ...
    """
    data = read_latest(directory)
    if data is None:
        raise FileNotFoundError(f"no readable checkpoint in {directory}")
    sc = SparkContext._active_spark_context or SparkContext(data["master"], data["app_name"])
    ssc = context_class(sc, data["batch_ms"] / 1000.0)
    graph = ssc._graph
    graph.inputs, graph.outputs = data["inputs"], data["outputs"]
    graph.zero_time, graph.remember_ms = data["zero_time"], data["remember_ms"]
    graph._next_id = data["next_id"]
    for stream in _all_streams(graph.outputs):
        stream._ssc, stream._sc = ssc, sc
        stream.generatedRDDs = {
            t: CheckpointRDD(sc, path, n)
            for t, (path, n) in stream.__dict__.pop("_checkpointed_rdds", {}).items()
            if os.path.isdir(path)}
        if isinstance(stream, SocketInputDStream):
            ssc._receiver_tracker.streams.append(stream)
        restore = getattr(stream, "_restore", None)
        if restore is not None:
            restore()
    graph.started = True
    ssc._checkpoint_dir = directory
    ssc._checkpointer = Checkpointer(ssc, directory)
    sc._checkpoint_dir = data["spark_checkpoint_dir"] or sc._checkpoint_dir
    if sc._checkpoint_dir is None:
        sc.setCheckpointDir(directory)
    ssc._recovering = True
    batch = graph.batch_ms
    now = ssc._clock.getTimeMillis()
    zero = graph.zero_time
    restart = zero + ((now - zero) // batch + 1) * batch
    down = list(range(data["time"], restart, batch))
    ssc._restart_times = sorted({t for t in data["pending"] + down if t < restart})
    ssc._scheduler.next_time = restart
    return ssc


def _all_streams(outputs: list) -> list:
    seen: dict[int, Any] = {}
    stack = list(outputs)
    while stack:
        s = stack.pop()
        if id(s) not in seen:
            seen[id(s)] = s
            stack.extend(s._parents)
    return list(seen.values())
