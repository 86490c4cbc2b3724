"""Clocks: what decides *when* a streaming batch is due.

Spark Streaming cuts a stream into batches by time: every ``batchDuration``
seconds the job generator wakes up, asks each input stream for the data of the
interval that just ended, and builds that batch's jobs. A clock answers two
questions for it: "what time is it?" (``getTimeMillis``) and "wake me at time
t" (``waitTillTime``).

Key terms
  SystemClock   real time (milliseconds since the epoch). Live labs use it.
  ManualClock   a clock that only moves when told to (``advance``). Spark
                uses one in its own test suites; **minispark makes it public as
                a teaching and testing aid** (PySpark has no such option):
                ``StreamingContext(sc, 1, clock=ManualClock())`` runs a
                pipeline for exactly N batches, with no sleeping, so a grader's
                results never depend on timing. Each ``advance`` runs every
                batch that fell due, synchronously, before it returns.

Batch times are multiples of the batch duration: the first batch is due at the
first multiple strictly after the start time (Spark's RecurringTimer), so on a
ManualClock that starts at 0 with 1 s batches, the batches are at 1000 ms,
2000 ms, ...

Next: context.py (StreamingContext), then scheduler.py (the job generator).
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable
from datetime import datetime

__all__ = ["Clock", "SystemClock", "ManualClock", "to_datetime", "to_ms", "arity"]


def to_datetime(time_ms: int) -> datetime:
    """A batch time as PySpark hands it to user functions: local-time datetime.

    >>> to_datetime(1500) == datetime.fromtimestamp(1.5)
    True
    """
    return datetime.fromtimestamp(time_ms / 1000.0)


def to_ms(t: datetime | float) -> int:
    """A time given by a user (datetime, or seconds) in milliseconds.

    >>> to_ms(1.5), to_ms(datetime.fromtimestamp(2))
    (1500, 2000)
    """
    if isinstance(t, datetime):
        return int(round(t.timestamp() * 1000))
    return int(round(t * 1000))


def arity(func: Callable) -> int:
    """How many positional arguments ``func`` takes: PySpark reads it (co_argcount)
    to decide whether a user function is also given the batch time.

    >>> arity(lambda rdd: rdd), arity(lambda t, rdd: rdd), arity([].append)
    (1, 2, 1)
    """
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return func.__code__.co_argcount
    return sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


class Clock:
    """What a StreamingContext asks for the time (Spark's ``Clock`` trait)."""

    #: True if batches are run synchronously by ``advance`` instead of a timer thread.
    manual = False

    def getTimeMillis(self) -> int:
        """The current time in milliseconds.

        >>> ManualClock(7).getTimeMillis()
        7
        """
        raise NotImplementedError

    def waitTillTime(self, targetTime: int) -> int:
        """Block until the time is at least ``targetTime`` (ms); return the time then.

        >>> ManualClock(9).waitTillTime(5)
        9
        """
        raise NotImplementedError


class SystemClock(Clock):
    """Real time, in milliseconds since the epoch (the default clock).

    >>> clock = SystemClock()
    >>> abs(clock.getTimeMillis() - int(time.time() * 1000)) < 1000
    True
    >>> now = clock.getTimeMillis(); clock.waitTillTime(now + 20) >= now + 20
    True
    """

    def __init__(self) -> None:
        self._stopped = threading.Event()

    def getTimeMillis(self) -> int:
        """Milliseconds since the epoch.

        >>> SystemClock().getTimeMillis() > 1_600_000_000_000
        True
        """
        return int(time.time() * 1000)

    def waitTillTime(self, targetTime: int) -> int:
        """Sleep until ``targetTime`` (ms since the epoch) and return the time.

        Wakes early (returning the current time) if ``interrupt()`` is called,
        so that stopping a context never waits out a long batch interval.

        >>> c = SystemClock(); t = c.getTimeMillis(); c.waitTillTime(t + 10) >= t + 10
        True
        """
        while True:
            now = self.getTimeMillis()
            if now >= targetTime or self._stopped.is_set():
                return now
            self._stopped.wait(min(0.1, (targetTime - now) / 1000.0))

    def interrupt(self) -> None:
        """Wake every waiter now (used by ``StreamingContext.stop``).

        >>> c = SystemClock(); c.interrupt(); c.waitTillTime(c.getTimeMillis() + 10**9) > 0
        True
        """
        self._stopped.set()

    def reset(self) -> None:
        """Undo ``interrupt`` (a context that is started again).

        >>> c = SystemClock(); c.interrupt(); c.reset(); c._stopped.is_set()
        False
        """
        self._stopped.clear()


class ManualClock(Clock):
    """A clock that moves only when ``advance`` or ``setTime`` is called.

    minispark-only, a teaching and testing aid: PySpark always uses real time.
    A StreamingContext built with a ManualClock generates and runs each batch
    synchronously inside ``advance``, in batch order, so a test can say "run
    three batches" and then look at the results, with nothing left to chance.

    >>> clock = ManualClock()
    >>> clock.getTimeMillis()
    0
    >>> clock.advance(1500); clock.getTimeMillis()
    1500
    >>> clock.setTime(4000); clock.getTimeMillis()
    4000
    """

    manual = True

    def __init__(self, time: int = 0) -> None:
        if int(time) < 0:
            raise ValueError(f"ManualClock time must be >= 0 ms, got {time}")
        self._time = int(time)
        self._cond = threading.Condition()
        self._listeners: list[Callable[[int], None]] = []

    def getTimeMillis(self) -> int:
        """The clock's current time in milliseconds.

        >>> ManualClock(250).getTimeMillis()
        250
        """
        with self._cond:
            return self._time

    def setTime(self, timeToSet: int) -> None:
        """Move the clock to ``timeToSet`` ms (never backwards) and run what fell due.

        >>> c = ManualClock(); c.setTime(3000); c.getTimeMillis()
        3000
        """
        timeToSet = int(timeToSet)
        with self._cond:
            if timeToSet < self._time:
                raise ValueError(f"ManualClock cannot go back in time: {self._time} ms -> "
                                 f"{timeToSet} ms")
            self._time = timeToSet
            self._cond.notify_all()
        for listener in list(self._listeners):
            listener(timeToSet)

    def advance(self, timeToAdd: int) -> None:
        """Move the clock forward by ``timeToAdd`` ms; every batch that falls due
        runs before this returns (Spark's ManualClock.advance, in milliseconds).

        >>> c = ManualClock(1000); c.advance(500); c.getTimeMillis()
        1500
        """
        if int(timeToAdd) < 0:
            raise ValueError(f"advance needs a non-negative number of ms, got {timeToAdd}")
        self.setTime(self.getTimeMillis() + int(timeToAdd))

    def waitTillTime(self, targetTime: int) -> int:
        """Block until another thread moves the clock to ``targetTime`` or later.

        >>> ManualClock(5000).waitTillTime(4000)
        5000
        """
        with self._cond:
            while self._time < targetTime:
                self._cond.wait()
            return self._time

    def _add_listener(self, listener: Callable[[int], None]) -> None:
        self._listeners.append(listener)

    def _remove_listener(self, listener: Callable[[int], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def __repr__(self) -> str:
        return f"ManualClock({self.getTimeMillis()})"
