"""Self-checks for the course notebooks: they say whether an answer is right without
revealing it, and say something useful when it is not.

``check(exercise, answer)`` turns the answer into a *canonical form* made only of
plain builtins (numbers, strings, lists, ``None``), hashes it with the exercise's
salt, and compares the hash with the one recorded in ``answers.json`` (computed from
the reference solutions on the course data by ``python -m course.make_answers``).
The answer object itself is never compared with anything, so an object whose
``__eq__`` always says yes cannot pass. On a mismatch the check compares a few
facts recorded alongside the hash (the shape of the answer, its length, the hash
with the order ignored, the hash of the keys, the hash divided by small factors)
and turns the first that differs into a hint.

Canonical form, rule by rule:

- ``bool``, ``None`` and strings stay as they are (subclasses become the base type);
- integers (any ``numbers.Integral``) become ``int``; real numbers become ``float``
  rounded to ``digits`` places, and a float with an integral value becomes that int
  (``5.0`` and ``5`` are the same answer);
- tuples and lists become lists; sets become sorted lists; dicts (``countByKey``'s
  ``defaultdict`` too) become lists of ``[key, value]`` sorted by key; the values of
  ``groupByKey`` (``ResultIterable``) become sorted lists, since a shuffle gives no order;
- ``ordered=False`` sorts the top-level list (Spark gives no order to ``collect()``
  after a shuffle); ``sort_inner=True`` also sorts every list inside it.

``watch(sc)`` (course/execution.py, re-exported here) records what Spark ran while a
block executed, for the checks on *how* a job ran.

Instructors: ``COURSE_RECORD=1`` makes ``check`` record the reference answers
instead of checking them (``python -m course.make_answers`` does this for every
source notebook); ``COURSE_RECORD_TO=<file>`` additionally appends every record to a
JSON-lines file while checking as usual (the tests use it to prove ``answers.json``
is current).
"""

from __future__ import annotations

import hashlib
import json
import numbers
import os
import secrets
from collections.abc import Mapping, Set
from pathlib import Path

ANSWERS = Path(__file__).with_name("answers.json")
FACTORS = (2, 3, 4, 1 / 2, 1 / 3, 1 / 4)
__all__ = ["check", "canonical", "same", "watch", "Run", "CheckError"]


class CheckError(AssertionError):
    """A self-check failed; the message is the hint."""


class _Unsupported(Exception):
    pass


# ---------------------------------------------------------------- canonical form

def _key(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _is_rdd(x) -> bool:
    return hasattr(x, "getNumPartitions") and hasattr(x, "collect")


def canonical(x, *, digits: int = 6, sort_inner: bool = False, _depth: int = 0):
    """The canonical form of ``x``: plain builtins only, built without calling ``x.__eq__``.

    >>> canonical((1, 2.50000001, "a"))
    [1, 2.5, 'a']
    >>> canonical({"b": 2, "a": {3, 1}})
    [['a', [1, 3]], ['b', 2]]
    >>> class Liar(int):
    ...     def __eq__(self, other): return True
    >>> canonical(Liar(7))
    7
    """
    def inner(v):
        return canonical(v, digits=digits, sort_inner=sort_inner, _depth=_depth + 1)

    if x is None or isinstance(x, bool):
        return None if x is None else (x is True)
    if isinstance(x, numbers.Integral):
        return int.__int__(x) if isinstance(x, int) else int(x)
    if isinstance(x, numbers.Real):
        f = round(float.__float__(x) if isinstance(x, float) else float(x), digits)
        return int(f) if f.is_integer() else f
    if isinstance(x, str):
        return str.__str__(x)
    if isinstance(x, list | tuple):
        items = [inner(v) for v in x]
        return sorted(items, key=_key) if (sort_inner and _depth > 0) else items
    if isinstance(x, Set):
        return sorted((inner(v) for v in x), key=_key)
    if isinstance(x, Mapping):
        return sorted(([inner(k), inner(v)] for k, v in x.items()), key=_key)
    if type(x).__name__ == "ResultIterable":
        return sorted((inner(v) for v in x), key=_key)
    if _is_rdd(x):
        raise _Unsupported(
            "this is an RDD: a description of a computation, not its result. Call an "
            "action (collect(), count(), take(n)...) to get the values.")
    if hasattr(x, "__next__") or type(x).__name__ in ("dict_keys", "dict_values", "map",
                                                       "filter", "zip", "range"):
        raise _Unsupported(f"this is a lazy Python {type(x).__name__}: wrap it in list(...).")
    raise _Unsupported(f"a {type(x).__name__} is not a kind of answer the checks "
                       "understand: use numbers, strings, tuples, lists, sets or dicts.")


def _top(x, *, ordered: bool, digits: int, sort_inner: bool):
    c = canonical(x, digits=digits, sort_inner=sort_inner)
    if not ordered and isinstance(c, list):
        c = sorted(c, key=_key)
    return c


def _digest(salt: str, value) -> str:
    return hashlib.sha256((salt + _key(value)).encode()).hexdigest()


def _shape(x, depth: int = 0) -> str:
    """A short description of the answer's type, e.g. ``list of (str, int)``."""
    if x is None:
        return "None"
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, numbers.Number):
        return "number"
    if isinstance(x, str):
        return "str"
    if depth >= 2:
        return "collection"
    if isinstance(x, tuple):
        return "(" + ", ".join(_shape(v, depth + 1) for v in x) + ")"
    if isinstance(x, Mapping):
        if not x:
            return "empty dict"
        k, v = next(iter(x.items()))
        return f"dict of {_shape(k, depth + 1)} -> {_shape(v, depth + 1)}"
    if isinstance(x, list | Set) or type(x).__name__ == "ResultIterable":
        items = list(x)
        if not items:
            return "empty collection"
        kind = "set" if isinstance(x, Set) else "list"
        return f"{kind} of {_shape(items[0], depth + 1)}"
    return type(x).__name__


def _shape_family(shape: str) -> str:
    # Lists and sets, tuples of the same arity: the same answer to the checks.
    return shape.replace("set of", "list of")


def _scaled(c, factor: float, digits: int):
    """``c`` with every number divided by ``factor`` (None if a result is not whole)."""
    if isinstance(c, bool) or c is None or isinstance(c, str):
        return c
    if isinstance(c, int | float):
        return canonical(c / factor, digits=digits)
    if isinstance(c, list):
        # In a list of [key, value] pairs only the values are scaled.
        if c and all(isinstance(p, list) and len(p) == 2 for p in c):
            return [[p[0], _scaled(p[1], factor, digits)] for p in c]
        return [_scaled(v, factor, digits) for v in c]
    return c


def _approx(c):
    """A number rounded to 2 significant digits (for "close, but not exactly" hints)."""
    if isinstance(c, bool) or not isinstance(c, int | float) or c == 0:
        return None
    return float(f"{c:.2g}")


def _keys(c):
    if isinstance(c, list) and c and all(isinstance(p, list) and len(p) >= 2 for p in c):
        return sorted((p[0] for p in c), key=_key)
    return None


# ---------------------------------------------------------------- answers file

def _load() -> dict:
    return json.loads(ANSWERS.read_text()) if ANSWERS.exists() else {}


def record(exercise: str, answer, *, ordered: bool, digits: int, sort_inner: bool,
           salt: str | None = None) -> dict:
    """What ``answers.json`` stores for a reference answer (hashes and harmless facts)."""
    salt = salt or secrets.token_hex(8)
    c = _top(answer, ordered=ordered, digits=digits, sort_inner=sort_inner)
    rec = {"salt": salt, "hash": _digest(salt, c), "shape": _shape(answer),
           "options": {"ordered": ordered, "digits": digits, "sort_inner": sort_inner}}
    if _approx(c) is not None:
        rec["approx_hash"] = _digest(salt, _approx(c))
    if isinstance(c, list):
        rec["length"] = len(c)
        if ordered:
            rec["unordered_hash"] = _digest(salt, sorted(c, key=_key))
        keys = _keys(c)
        if keys is not None:
            rec["keys_hash"] = _digest(salt, keys)
    return rec


# Read once, when the setup cell imports this module: a notebook that sets the variable
# later cannot turn its checks into recordings.
_RECORD = os.environ.get("COURSE_RECORD", "") not in ("", "0")


def _record_mode() -> bool:
    return _RECORD


def _append_record(exercise: str, rec: dict) -> None:
    out = os.environ.get("COURSE_RECORD_TO")
    if out:
        with open(out, "a") as f:
            f.write(json.dumps({"exercise": exercise, **rec}) + "\n")


# ---------------------------------------------------------------- the check

def check(exercise: str, answer, *, ordered: bool = True, digits: int = 6,
          sort_inner: bool = False) -> None:
    """Check ``answer`` against the recorded reference; raise ``CheckError`` with a hint.

    ``ordered=False`` when Spark gives the result no order (``collect()`` after a
    shuffle); ``sort_inner=True`` when the lists inside the answer have no order either.
    """
    options = {"ordered": ordered, "digits": digits, "sort_inner": sort_inner}
    stored = _load().get(exercise)
    if _record_mode():
        salt = stored["salt"] if stored else None
        rec = record(exercise, answer, salt=salt, **options)
        _append_record(exercise, rec)
        print(f"recorded {exercise}")
        return
    if stored is None:
        raise CheckError(f"{exercise}: no reference answer is recorded for this exercise "
                         "(instructors: run `make answers`).")
    if stored["options"] != options:
        raise CheckError(f"{exercise}: the check's options differ from the recorded ones "
                         "(instructors: run `make answers`).")
    salt = stored["salt"]
    try:
        c = _top(answer, **options)
    except _Unsupported as err:
        raise CheckError(f"{exercise}: {err}") from None
    if os.environ.get("COURSE_RECORD_TO"):
        _append_record(exercise, record(exercise, answer, salt=salt, **options))
    if _digest(salt, c) == stored["hash"]:
        print(f"✓ {exercise}: correct")
        return
    raise CheckError(f"{exercise}: not the expected answer. " + _hint(stored, answer, c))


def _hint(stored: dict, answer, c) -> str:
    salt = stored["salt"]
    shape = _shape(answer)
    if _shape_family(shape) != _shape_family(stored["shape"]):
        return (f"The expected answer is a {stored['shape']}; yours is a {shape}. "
                "Check what your last step returns (an RDD of pairs? a list? a number?).")
    if "length" in stored and isinstance(c, list) and len(c) != stored["length"]:
        return (f"It should have {stored['length']} items; yours has {len(c)}. "
                + ("Duplicates? Try distinct(). " if len(c) > stored["length"] else "")
                + "Did you keep or drop the right lines?")
    if stored.get("unordered_hash") and _digest(salt, sorted(c, key=_key)) == \
            stored["unordered_hash"]:
        return ("The items are right but not in the expected order: read again how the "
                "exercise asks you to sort them (and how ties are broken).")
    for f in FACTORS:
        if _digest(salt, _scaled(c, f, stored["options"]["digits"])) == stored["hash"]:
            how = f"{f:g} times" if f > 1 else f"1/{round(1 / f)} of"
            return (f"Your numbers are exactly {how} the expected ones: are you counting "
                    "something more than once, or only part of what you should?")
    if stored.get("approx_hash") and _approx(c) is not None:
        for f in (1, *FACTORS):
            if _digest(salt, _approx(c / f)) == stored["approx_hash"]:
                if f == 1:
                    return ("Close, but not exactly: a few items are counted differently. "
                            "Check the edge cases: broken lines, lines that only mention "
                            "what you look for in another field, duplicates.")
                how = f"{f:g} times" if f > 1 else f"1/{round(1 / f)} of"
                return (f"Your number is about {how} the expected one: are you counting "
                        "some things more than once, or only part of them?")
    if stored.get("keys_hash") and _keys(c) is not None:
        if _digest(salt, _keys(c)) == stored["keys_hash"]:
            return "The keys are right; some of the values are not."
        return "Some of the keys are not the expected ones (check how you parse them)."
    return "Re-read the exercise: which lines count, and how are they parsed?"


def same(actual, expected, *, ordered: bool = True, digits: int = 6,
         sort_inner: bool = False) -> bool:
    """Compare canonical forms (for hidden tests on small hand-made data)."""
    opts = {"ordered": ordered, "digits": digits, "sort_inner": sort_inner}
    try:
        return _top(actual, **opts) == _top(expected, **opts)
    except _Unsupported:
        return False


# The checks on *how* a job ran live in course/execution.py; notebooks import them from
# here (`from course.checks import check, watch`).
from course.execution import Run, watch  # noqa: E402 - after CheckError, which it raises
