"""Run one program on real PySpark and on minispark, and compare what comes out.

A *program* is a function ``program(sc)`` written once; it is called with a PySpark
``SparkContext`` and then with a minispark one. Its return value (usually
``rdd.glom().collect()``, so that partition contents are compared, not just the
multiset of records) is normalised and the two sides must be equal.

Expected values are never written down here: real PySpark computes them in the
same run, which is the whole point of the parity tier.

Set ``PARITY_PYSPARK_ONLY=1`` to run only the PySpark side (useful to check that
every program is valid Spark while minispark is still incomplete, or to look at
what PySpark does: results are still normalised, exceptions still required).
"""

from __future__ import annotations

import math
import os
import pprint
import re
import signal
import time
import traceback
from collections.abc import Callable
from typing import Any

PYSPARK_ONLY = os.environ.get("PARITY_PYSPARK_ONLY", "") not in ("", "0")

# A program that hangs on minispark must cost seconds, not pytest-timeout's 300 s,
# and must not take the rest of the session with it: after this many seconds the
# run is interrupted, the minispark context is stopped and a fresh one is created
# for the next program. PySpark's side has no such limit.
MINI_TIMEOUT = float(os.environ.get("PARITY_MINI_TIMEOUT", "20"))
# After a few hangs the engine is evidently stuck in some common path: later
# programs get a shorter limit so that the tier still ends in minutes.
HANGS_BEFORE_SHORT_TIMEOUT = 3
SHORT_TIMEOUT = 5.0

# Floats are computed in a different order by the two engines (partial sums per
# partition, merged on the driver), so the last bits may differ.
REL_TOL = 1e-9
ABS_TOL = 1e-12

STAT_FIELDS = (
    "count", "mean", "sum", "min", "max",
    "variance", "sampleVariance", "stdev", "sampleStdev",
)


# --------------------------------------------------------------------------- normalise


def normalise(value: Any) -> Any:
    """Turn engine-specific result objects into plain Python values.

    Tuples and lists stay distinct (``groupByKey`` must give tuples of
    ``(key, ResultIterable)``, not lists). Dicts keep their insertion order, which
    ``compare`` checks: users print these dicts and see that order.
    """
    name = type(value).__name__
    if name == "ResultIterable":
        return [normalise(v) for v in value]
    if name == "StatCounter":
        # Both engines' StatCounter: compare what the methods report, not internals.
        return {"StatCounter": {f: normalise(getattr(value, f)()) for f in STAT_FIELDS}}
    if isinstance(value, tuple):
        return tuple(normalise(v) for v in value)
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        # defaultdict (countByKey, countByValue) and dict compare alike.
        return {normalise(k): normalise(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return value
    return value


# --------------------------------------------------------------------------- compare


def _differences(expected: Any, actual: Any, path: str = "result") -> list[str]:
    """Every place where ``actual`` differs from ``expected`` (empty when equal)."""
    if isinstance(expected, float) and isinstance(actual, float):
        if math.isnan(expected) and math.isnan(actual):
            return []
        if math.isclose(expected, actual, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            return []
        return [f"{path}: PySpark {expected!r} != minispark {actual!r}"]
    # int vs float, bool vs int, tuple vs list are real differences users can see.
    if type(expected) is not type(actual):
        return [
            f"{path}: PySpark {type(expected).__name__} {_short(expected)} "
            f"!= minispark {type(actual).__name__} {_short(actual)}"
        ]
    if isinstance(expected, (list, tuple)):
        if len(expected) != len(actual):
            return [
                f"{path}: PySpark has {len(expected)} items, minispark {len(actual)}: "
                f"{_short(expected)} != {_short(actual)}"
            ]
        out: list[str] = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out += _differences(e, a, f"{path}[{i}]")
        return out
    if isinstance(expected, dict):
        if list(expected) != list(actual):
            if set(expected) == set(actual):
                return [f"{path}: same keys, different order: {list(expected)} != {list(actual)}"]
            return [f"{path}: keys PySpark {_short(list(expected))} != minispark "
                    f"{_short(list(actual))}"]
        out = []
        for k in expected:
            out += _differences(expected[k], actual[k], f"{path}[{k!r}]")
        return out
    if expected != actual:
        return [f"{path}: PySpark {_short(expected)} != minispark {_short(actual)}"]
    return []


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def assert_same(expected: Any, actual: Any) -> None:
    diffs = _differences(expected, actual)
    if diffs:
        shown = "\n  ".join(diffs[:10]) + ("\n  …" if len(diffs) > 10 else "")
        raise AssertionError(
            "minispark differs from PySpark:\n  " + shown
            + "\n--- PySpark ---\n" + pprint.pformat(expected, width=100)[:3000]
            + "\n--- minispark ---\n" + pprint.pformat(actual, width=100)[:3000]
        )


# --------------------------------------------------------------------------- exceptions


def builtin_base(exc: BaseException) -> type[BaseException]:
    """The first builtin class in the exception's MRO (PySparkValueError -> ValueError)."""
    for cls in type(exc).__mro__:
        if cls.__module__ == "builtins":
            return cls
    return BaseException


# Inside a task PySpark's worker traceback ends with the user's exception line,
# e.g. "ValueError: boom on 3", followed by " SQLSTATE: …" or the Java stack.
_PY_EXC_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)): (.*)$")
# A JVM-side failure: "java.lang.IllegalArgumentException: Positive number …".
_JVM_EXC_LINE = re.compile(r"^: ([a-z][\w.]*\.[A-Z]\w*): (.*)$", re.MULTILINE)


def python_error_in_task(text: str) -> str | None:
    """The user's "Type: message" line from a PythonException, or None."""
    if "Traceback (most recent call last)" not in text:
        return None
    tb = text.split("Traceback (most recent call last):", 1)[1]
    for line in tb.splitlines():
        if line.startswith(("\tat ", "  ")):
            continue
        m = _PY_EXC_LINE.match(line.replace(" SQLSTATE: 38000", "").rstrip())
        if m:
            return f"{m.group(1).rsplit('.', 1)[-1]}: {m.group(2)}"
    return None


def jvm_error_message(text: str) -> str | None:
    """The message of a JVM exception wrapped in Py4JJavaError (no class name)."""
    m = _JVM_EXC_LINE.search(text)
    return m.group(2).strip() if m else None


def describe(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text if len(text) < 1500 else text[:1500] + "…"


def _mini_texts(exc: BaseException) -> str:
    """Everything a user would read about minispark's error: its message, and the
    'Type: message' lines of it and its causes (an engine may re-raise the user's
    own exception, or wrap it)."""
    parts: list[str] = []
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        parts.append(str(e))
        parts.extend(traceback.format_exception_only(type(e), e))
        e = e.__cause__ or e.__context__
    return "\n".join(parts)


def _raise_of(program: Callable[[Any], Any], sc: Any) -> BaseException | None:
    try:
        program(sc)
    except Exception as exc:  # noqa: BLE001 - we want whatever the engine raises
        return exc
    return None


# --------------------------------------------------------------------------- engines


class MinisparkTimeout(BaseException):
    """Raised into a hung minispark run (BaseException so no `except Exception` in
    the engine can swallow it)."""


class MiniEngine:
    """A lazily created minispark context that can be thrown away after a hang."""

    def __init__(self, factory: Callable[[], Any]):
        self._factory = factory
        self._sc: Any = None
        self._error: BaseException | None = None

    def get(self) -> Any:
        if self._error is not None:
            raise self._error  # one import error, not one attempt per test
        if self._sc is None:
            try:
                self._sc = self._factory()
            except Exception as exc:
                self._error = exc
                raise
        return self._sc

    def reset(self) -> None:
        """Stop a context that hung, so the next program gets a clean one."""
        sc, self._sc = self._sc, None
        if sc is None:
            return
        try:
            _with_alarm(10, sc.stop)
        except (Exception, MinisparkTimeout):
            pass
        # If stop() itself failed, make sure the next SparkContext(...) may start.
        if getattr(type(sc), "_active_spark_context", None) is sc:
            type(sc)._active_spark_context = None

    def stop(self) -> None:
        # Bounded like everything else on minispark: a stop() that hangs would
        # otherwise keep the session (and CI) from ever finishing.
        self.reset()


def _with_alarm(seconds: float, fn: Callable[..., Any], *args: Any) -> Any:
    """Call fn(*args), raising MinisparkTimeout into it after `seconds`."""
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        return fn(*args)

    def on_alarm(signum, frame):
        raise MinisparkTimeout(f"minispark did not finish within {seconds:g} s")

    # pytest-timeout may have its own SIGALRM timer running: put it back afterwards
    # with whatever time it had left.
    previous = signal.signal(signal.SIGALRM, on_alarm)
    outer_left, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        return fn(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left > 0:
            signal.setitimer(signal.ITIMER_REAL,
                             max(0.01, outer_left - (time.monotonic() - started)))


class Parity:
    """The two engines of a session and the two checks built on them."""

    def __init__(self, pyspark_sc: Any, mini: MiniEngine):
        self.pyspark_sc = pyspark_sc
        self.mini = mini
        self.hangs = 0

    @property
    def mini_sc(self) -> Any:
        # Created on first use so the PySpark side of every test runs (and is
        # checked) even when minispark cannot be imported yet.
        return self.mini.get()

    def _on_mini(self, runner: Callable[[Any, Any], Any], program: Callable[[Any], Any]) -> Any:
        sc = self.mini_sc
        limit = MINI_TIMEOUT
        if self.hangs >= HANGS_BEFORE_SHORT_TIMEOUT and MINI_TIMEOUT > 0:
            limit = min(MINI_TIMEOUT, SHORT_TIMEOUT)
        try:
            return _with_alarm(limit, runner, program, sc)
        except MinisparkTimeout as exc:
            self.hangs += 1
            self.mini.reset()
            raise AssertionError(f"{exc} (PARITY_MINI_TIMEOUT); its context was restarted "
                                 "for the next program") from None

    def check(self, program: Callable[[Any], Any]) -> Any:
        """Run ``program`` on both engines; their normalised results must be equal.

        Returns PySpark's normalised result (tests may assert more on it)."""
        expected = normalise(program(self.pyspark_sc))
        if PYSPARK_ONLY:
            return expected
        actual = normalise(self._on_mini(lambda p, sc: p(sc), program))
        assert_same(expected, actual)
        return expected

    def check_raises(self, program: Callable[[Any], Any]) -> BaseException:
        """Both engines must raise, and minispark's error must match PySpark's kind.

        * A Python-side error (``ValueError``, ``PySparkValueError`` …): minispark's
          exception must be an instance of the builtin base class of PySpark's.
        * A user function failing inside a task (PySpark: ``Py4JJavaError`` holding
          a PythonException): minispark's error text must contain the user's
          ``Type: message`` line exactly as PySpark's traceback shows it.
        * A JVM-side error (``Py4JJavaError`` around e.g. IllegalArgumentException):
          minispark must raise, with the JVM exception's message in its text.

        Returns PySpark's exception."""
        expected = _raise_of(program, self.pyspark_sc)
        assert expected is not None, "PySpark did not raise: the program is not an error case"
        ps_text = str(expected)
        if type(expected).__name__ == "Py4JJavaError":
            # Checked in both modes: a wrapped error the harness cannot read would
            # silently weaken the comparison below.
            assert python_error_in_task(ps_text) or jvm_error_message(ps_text), (
                f"harness cannot find the underlying error in PySpark's:\n{ps_text[:2000]}"
            )
        if PYSPARK_ONLY:
            return expected
        actual = self._on_mini(_raise_of, program)
        if actual is None:
            raise AssertionError(f"minispark did not raise; PySpark raised:\n{describe(expected)}")
        mini_text = _mini_texts(actual)
        if type(expected).__name__ == "Py4JJavaError":
            user_line = python_error_in_task(ps_text)
            if user_line is not None:
                assert user_line in mini_text, (
                    f"task failure: PySpark's worker raised {user_line!r}; minispark's "
                    f"error does not say so:\n{describe(actual)}"
                )
                return expected
            jvm_message = jvm_error_message(ps_text)
            if jvm_message is not None:
                assert jvm_message in mini_text, (
                    f"PySpark failed in the JVM with {jvm_message!r}; minispark raised:\n"
                    f"{describe(actual)}"
                )
            return expected
        base = builtin_base(expected)
        assert isinstance(actual, base), (
            f"PySpark raised {type(expected).__name__} (a {base.__name__}): {expected}\n"
            f"minispark raised {type(actual).__name__}, not a {base.__name__}:\n"
            f"{describe(actual)}"
        )
        return expected
