"""Output operations: what makes a streaming batch actually do work.

Read this file after dstream.py. Transformations only describe each batch's
RDD; an *output operation* (``foreachRDD``, ``pprint``, ``saveAsTextFiles``)
registers a ForEachDStream (scheduler.py) whose job, at every batch time, runs
a function on the driver with that batch's RDD. The job generator runs a
batch's output operations one after the other, in the order they were
declared; a stream with no output operation is never computed at all (and
``ssc.start()`` refuses a context without one, as Spark does).

What it costs: every output operation is at least one Spark job per batch, so
two output operations on the same stream compute its lineage twice unless the
stream is cached (``DStream.cache``).

These methods are mixed into ``DStream`` (dstream.py). ForEachDStream is found
by name (``self._kind``, dstream.py): scheduler.py sits above this file.

Next: window.py, state.py, then scheduler.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

from minispark.rdd import RDD
from minispark.streaming.clock import arity, to_ms

__all__ = ["OutputOperations", "rdd_to_file_name"]



def _returning_nothing(func: Callable[[datetime, RDD], Any]) -> Callable[[datetime, RDD], None]:
    """foreachRDD's function, failing as PySpark does if it returns something.

    PySpark's TransformFunction takes any truthy return value for an RDD and
    reads its ``_jrdd``; so code that returns, say, a string works here only if
    it fails here too.
    """
    def run(time: datetime, rdd: RDD) -> None:
        result = func(time, rdd)
        if result and not hasattr(result, "_jrdd") and not isinstance(result, RDD):
            raise AttributeError(
                f"{type(result).__name__!r} object has no attribute '_jrdd': foreachRDD's "
                f"function returned {result!r:.60}; it must return None (PySpark fails the "
                "batch the same way)")
    return run

class OutputOperations:
    """The output operations of a DStream (mixed into DStream)."""

    def foreachRDD(self, func: Callable[..., Any]) -> None:
        """Run ``func(rdd)`` or ``func(time, rdd)`` on the driver for every batch
        (an output operation; ``time`` is a datetime).

        >>> seen = []
        >>> run_stream(sc, [[1, 2], [3]], lambda s: s.foreachRDD(
        ...     lambda rdd: seen.append(rdd.count())) or s)
        [[1, 2], [3]]
        >>> seen
        [2, 1]

        The function must return nothing: PySpark treats a returned value as an
        RDD and fails the batch with this same AttributeError.

        >>> run_stream(sc, [[1]], lambda s: s.foreachRDD(lambda rdd: "done") or s)
        Traceback (most recent call last):
        ...
        AttributeError: 'str' object has no attribute '_jrdd': foreachRDD's function returned ...
        """
        if arity(func) == 1:
            one = func

            def func(_: datetime, rdd: RDD) -> Any:
                return one(rdd)
        self._kind("ForEachDStream")(self, _returning_nothing(func))

    def pprint(self, num: int = 10) -> None:
        """Print the first ``num`` elements of every batch under a time header.

        >>> run_stream(sc, [list(range(12))], lambda s: s.pprint(3) or s) and None
        -------------------------------------------
        Time: ...
        -------------------------------------------
        0
        1
        2
        ...
        <BLANKLINE>
        """
        def take_and_print(time: datetime, rdd: RDD) -> None:
            taken = rdd.take(num + 1)
            print("-------------------------------------------")
            print(f"Time: {time}")
            print("-------------------------------------------")
            for record in taken[:num]:
                print(record)
            if len(taken) > num:
                print("...")
            print("")
        self.foreachRDD(take_and_print)

    def saveAsTextFiles(self, prefix: str, suffix: str | None = None) -> None:
        """Save each batch as a text-file directory ``prefix-<batch time in ms>[.suffix]``.

        >>> import os, tempfile; d = tempfile.mkdtemp()
        >>> _ = run_stream(sc, [["x"]], lambda s: s.saveAsTextFiles(os.path.join(d, "out"))
        ...                or s)
        >>> sorted(os.listdir(d))
        ['out-1000']
        """
        def save(time: datetime, rdd: RDD) -> None:
            path = rdd_to_file_name(prefix, suffix, time)
            if not (self._ssc._recovering and os.path.exists(path)):  # run twice after recovery
                rdd.saveAsTextFile(path)
        self.foreachRDD(save)


def rdd_to_file_name(prefix: str, suffix: str | None, time: datetime | int) -> str:
    """``prefix-<ms>[.suffix]``, the directory name of one batch (PySpark's rule).

    >>> rdd_to_file_name("out", None, 2000), rdd_to_file_name("out", "txt", 2000)
    ('out-2000', 'out-2000.txt')
    """
    stamp = to_ms(time) if isinstance(time, datetime) else int(time)
    return f"{prefix}-{stamp}" if suffix is None else f"{prefix}-{stamp}.{suffix}"
