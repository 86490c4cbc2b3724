"""Accumulators: shared variables that tasks add to and only the driver reads.

Read this file to learn how counts flow back from tasks, and when they lie.

A task cannot change a driver variable (it runs in another process, on a copy
of the closure). An *accumulator* is a variable the task can only ``add`` to.
Each task attempt starts from the accumulator's zero, adds its updates
locally, and sends them back with its result; the driver merges the updates of
a task into ``acc.value`` when that attempt *succeeds*, so a failed attempt's
updates are dropped and a task retried three times still counts once.

The caveat Spark documents, and this engine reproduces: updates made inside a
*transformation* are merged again whenever the stage is recomputed (a second
action on an uncached RDD, a lost shuffle output), because each recomputation
is a new successful task. Only updates made inside actions (``foreach``) are
counted exactly once.

Key terms (PySpark's names)
  AccumulatorParam  ``zero(value)`` and ``addInPlace(v1, v2)``: how to add.
  value             readable on the driver only; in a task it raises.

Next: rdd.py's ``foreach``, or scheduler/dag.py, where updates are merged.
"""

from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar

from minispark.errors import PySparkRuntimeError

T = TypeVar("T")

__all__ = ["Accumulator", "AccumulatorParam", "INT_ACCUMULATOR_PARAM",
           "FLOAT_ACCUMULATOR_PARAM", "COMPLEX_ACCUMULATOR_PARAM"]


class AccumulatorParam(Generic[T]):
    """How to add values of a custom type (subclass it).

    >>> class ListParam(AccumulatorParam):
    ...     def zero(self, value): return []
    ...     def addInPlace(self, v1, v2): v1.extend(v2 if isinstance(v2, list) else [v2]); return v1
    >>> seen = sc.accumulator([], ListParam())
    >>> sc.parallelize([3, 1, 2], 3).foreach(lambda x: seen.add(x))
    >>> sorted(seen.value)
    [1, 2, 3]
    """

    def zero(self, value: T) -> T:
        raise NotImplementedError

    def addInPlace(self, value1: T, value2: T) -> T:
        raise NotImplementedError


class AddingAccumulatorParam(AccumulatorParam[T]):
    """Numbers: zero is ``zero_value``, adding is ``+``."""

    def __init__(self, zero_value: T):
        self.zero_value = zero_value

    def zero(self, value: T) -> T:
        return self.zero_value

    def addInPlace(self, value1: T, value2: T) -> T:
        value1 += value2  # type: ignore[operator]
        return value1


INT_ACCUMULATOR_PARAM = AddingAccumulatorParam(0)
FLOAT_ACCUMULATOR_PARAM = AddingAccumulatorParam(0.0)
COMPLEX_ACCUMULATOR_PARAM = AddingAccumulatorParam(0.0j)

# In a worker: accumulator id -> this process's copy (one per id, shared by
# every task binary that mentions it), reset to zero before each task.
_worker_accumulators: dict[int, Accumulator] = {}
_lock = threading.Lock()


class Accumulator(Generic[T]):
    """A shared variable tasks can only add to (``sc.accumulator(0)``).

    >>> acc = sc.accumulator(0)
    >>> sc.parallelize(range(5), 2).foreach(lambda x: acc.add(x))
    >>> acc.value
    10
    >>> acc += 5; acc.value
    15
    """

    def __init__(self, aid: int, value: T, accum_param: AccumulatorParam[T]):
        self.aid = aid
        self.accum_param = accum_param
        self._value = value
        self._deserialized = False   # True for a worker's copy
        self._touched = False

    @property
    def value(self) -> T:
        """The accumulated value; only the driver may read it.

        >>> sc.accumulator(1.5).value
        1.5
        """
        if self._deserialized:
            raise PySparkRuntimeError(
                "VALUE_NOT_ACCESSIBLE",
                "Value `Accumulator.value` cannot be accessed inside tasks.")
        return self._value

    @value.setter
    def value(self, value: T) -> None:
        if self._deserialized:
            raise PySparkRuntimeError(
                "VALUE_NOT_ACCESSIBLE",
                "Value `Accumulator.value` cannot be accessed inside tasks.")
        self._value = value

    def add(self, term: T) -> None:
        """Add ``term`` (in a task: to this attempt's local updates).

        >>> a = sc.accumulator(0); a.add(2); a.value
        2
        """
        self._value = self.accum_param.addInPlace(self._value, term)
        self._touched = True

    def __iadd__(self, term: T) -> Accumulator[T]:
        self.add(term)
        return self

    def __reduce__(self) -> tuple:
        return (_rebuild_accumulator, (self.aid, self.accum_param.zero(self._value),
                                       self.accum_param))

    def __str__(self) -> str:
        return str(self._value)

    def __repr__(self) -> str:
        return f"Accumulator<id={self.aid}, value={self._value}>"


def _rebuild_accumulator(aid: int, zero: Any, accum_param: AccumulatorParam) -> Accumulator:
    with _lock:
        acc = _worker_accumulators.get(aid)
        if acc is None:
            acc = Accumulator(aid, zero, accum_param)
            acc._deserialized = True
            _worker_accumulators[aid] = acc
        return acc


def reset_task_updates() -> None:
    """Worker, before each task: every copy restarts from zero."""
    for acc in _worker_accumulators.values():
        acc._value = acc.accum_param.zero(acc._value)
        acc._touched = False


def collect_task_updates() -> dict[int, Any]:
    """Worker, after a task: the updates this attempt made, by accumulator id."""
    return {aid: acc._value for aid, acc in _worker_accumulators.items() if acc._touched}


def default_param(value: Any) -> AccumulatorParam:
    """The AccumulatorParam PySpark picks for a plain number."""
    if not isinstance(value, int | float | complex):
        raise TypeError(f"No default accumulator param for type {type(value).__name__}: "
                        "pass an AccumulatorParam, e.g. sc.accumulator([], MyListParam())")
    if isinstance(value, int):
        return INT_ACCUMULATOR_PARAM
    return FLOAT_ACCUMULATOR_PARAM if isinstance(value, float) else COMPLEX_ACCUMULATOR_PARAM
