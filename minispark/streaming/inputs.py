"""Input streams without a receiver: a queue of RDDs, a directory of files.

Read this file to learn where a stream's data comes from. An *input* DStream
is the root of the graph; at every batch time the generator asks it for the
RDD of that batch. There are two kinds, as in Spark:

  Without a receiver   queueStream (a queue of RDDs: one per batch) and
                       textFileStream (the files that appeared in a directory
                       since the last batch). Nothing runs between batches:
                       the batch's RDD is made when the batch is due, and
                       costs nothing before (here).
  With a receiver      socketTextStream: a reader runs all the time and
                       stores what it reads until its batch is due
                       (receiver.py).

Determinism: a file stream is deterministic on a ManualClock (a batch takes the
files present at its time and not taken before, by name); a queue stream is
deterministic anywhere.

Next: receiver.py.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from minispark.rdd import RDD
from minispark.streaming.dstream import DStream

if TYPE_CHECKING:
    from minispark.streaming.context import StreamingContext

__all__ = ["InputDStream", "QueueInputDStream", "FileInputDStream"]


class InputDStream(DStream):
    """The root of a DStream graph: slides every batch."""

    def __init__(self, ssc: StreamingContext):
        super().__init__(ssc, [])
        ssc._graph.inputs.append(self)

    @property
    def _slide_ms(self) -> int:
        return self._ssc._graph.batch_ms


class QueueInputDStream(InputDStream):
    """Each batch takes the next RDD of a queue (or all of them: oneAtATime=False);
    when the queue is empty, the ``default`` RDD, or an empty RDD of one partition
    (so ``count()`` of such a batch is [0], as in PySpark)."""

    def __init__(self, ssc: StreamingContext, rdds: Iterable[RDD], oneAtATime: bool,
                 default: RDD | None):
        super().__init__(ssc)
        self.queue: deque[RDD] = deque(rdds)
        self.oneAtATime = oneAtATime
        self.default = default

    def __getstate__(self) -> dict:
        # Spark: "queueStream doesn't support checkpointing"; the RDDs stay behind.
        state = super().__getstate__()
        state["queue"], state["default"] = deque(), None
        return state

    def _compute(self, time_ms: int) -> RDD | None:
        if not self.queue:
            if self.default is not None:
                return self.default
            return self._sc.parallelize([], 1)   # Spark's default: empty, one partition
        if self.oneAtATime:
            return self.queue.popleft()
        rdds = list(self.queue)
        self.queue.clear()
        return self._sc.union(rdds)


class FileInputDStream(InputDStream):
    """New text files of a directory: each batch reads the files that appeared
    since the previous batch (files present at start are ignored, as in Spark;
    names starting with '.' or '_' are skipped: write elsewhere, then move in)."""

    def __init__(self, ssc: StreamingContext, directory: str):
        super().__init__(ssc)
        self.directory = os.path.abspath(directory)
        self.seen: set[str] = set()
        self.batch_files: dict[int, list[str]] = {}   # saved in metadata checkpoints
        self._started = False

    def _list(self) -> list[str]:
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        return sorted(os.path.join(self.directory, n) for n in names
                      if not n.startswith((".", "_"))
                      and os.path.isfile(os.path.join(self.directory, n)))

    def start(self) -> None:
        """Remember the files already there: only newer ones are read.

        >>> import os, tempfile; d = tempfile.mkdtemp(); _ = open(os.path.join(d, "a"), "w")
        >>> from minispark.streaming import StreamingContext
        >>> s = StreamingContext(sc, 1).textFileStream(d); s.start(); len(s.seen)
        1
        """
        if not self._started:
            self._started = True
            self.seen.update(self._list())

    def _compute(self, time_ms: int) -> RDD | None:
        files = self.batch_files.get(time_ms)
        if files is None:
            listed = self._list()
            files = [f for f in listed if f not in self.seen]
            self.seen.intersection_update(listed)    # forget deleted files: stays small
            self.seen.update(files)
            self.batch_files[time_ms] = files
        if not files:
            return self._sc.emptyRDD()
        return self._sc.textFile(",".join(files))

    def _clear_metadata(self, time_ms: int) -> None:
        super()._clear_metadata(time_ms)
        keep = time_ms - max(self._remember_ms or 0, 60_000)
        for t in [t for t in self.batch_files if t < keep]:
            del self.batch_files[t]
