"""Self-checks for the course notebooks: they say whether an answer is right without
revealing it, and say something useful when it is not.

``check(exercise, answer)`` turns the answer into a *canonical form* made only of
plain builtins (numbers, strings, lists, ``None``), hashes it with the exercise's
salt, and compares the hash with the one recorded in ``answers.json`` (computed from
the reference solutions on the course data by ``python -m course.make_answers``).
The answer object itself is never compared with anything, so an object whose
``__eq__`` always says yes cannot pass. On a mismatch the hint is, in this order: the
exercise's own hint if the answer is a *known mistake* (course/mistakes.py: wrong variants
hashed at ``make answers`` time); "this uses `x` from exercise N, whose check failed" if the
cell uses a name made by an exercise whose check failed (a knock-on failure); else the first
of a few facts recorded alongside the hash (the shape, the length, the hash with the order
ignored, the hash divided by small factors, the numbers written in its strings, the keys)
that tells the answers apart, phrased by ``hint`` as what it establishes, never a guessed cause.

A failed check is a ``CheckError``: an ``AssertionError`` (for nbgrader and plain Python)
that IPython shows as its message alone, without a traceback into this file
(``_render_traceback_``). In an IPython kernel (not the grader's) a ``NameError`` says that
the cell setting the name has not run or failed (``_name_error_hint``).

The hash is a slow one, scrypt (``KDF``: about 50-100 ms per value here), because
``answers.json`` is public and holds the salt: with a plain SHA-256 a small whole-number
answer was found by trying every number in milliseconds; now trying the integers below
10^6 costs about 25 CPU-hours per exercise (``python -m benchmarks bruteforce``). A small
answer is still found in seconds by counting up: the self-checks guide, the class grader
grades (course/grade/judge.py). A wrong answer's hint tries up to 16 facts (about a second).

Under the class grader (``COURSE_GRADING=1``, read once at import) nothing is hashed
or compared here: ``check`` and ``same`` only *report* the canonical form of what they
were given (course/reporting.py), and the grader compares it, outside the student's
process, with what the reference solution reported (course/grade/judge.py).

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

import functools
import hashlib
import json
import numbers
import os
import re
import secrets
import sys
from collections.abc import Mapping, Set
from pathlib import Path

from course import reporting

ANSWERS = Path(__file__).with_name("answers.json")
FACTORS = (2, 3, 4, 1 / 2, 1 / 3, 1 / 4)
__all__ = ["check", "canonical", "same", "watch", "Run", "CheckError"]


class CheckError(AssertionError):
    """A self-check failed; the message is the hint.

    Still an ``AssertionError`` (nbgrader and plain Python see a failed assert), but in
    IPython and Jupyter it shows as its message alone: IPython calls an exception's
    ``_render_traceback_`` instead of printing the traceback, which would end in this
    file's ``raise`` and hide the hint at the bottom of frames of the course's code.
    """

    def __init__(self, message: str = "", *, title: str | None = None):
        super().__init__(message)
        self.title = title            # shown before the message in IPython only

    def _render_traceback_(self) -> list[str]:
        text = f"{self.title}: {self}" if self.title else str(self)
        return [f"✗ {line}" if number == 0 else f"  {line}"
                for number, line in enumerate(text.splitlines() or [""])]


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


# scrypt's cost: N=2**14, r=8 uses 16 MiB and 50-100 ms per value on the course machine.
KDF = {"name": "scrypt", "n": 2 ** 14, "r": 8, "p": 1}


def _digest(salt: str, value) -> str:
    """The slow salted hash of a canonical value (``KDF``)."""
    return _kdf(salt, _key(value))


@functools.lru_cache(maxsize=256)       # the visible and the hidden check hash the same value
def _kdf(salt: str, text: str) -> str:
    return hashlib.scrypt(text.encode(), salt=salt.encode(), n=KDF["n"], r=KDF["r"],
                          p=KDF["p"], maxmem=64 << 20, dklen=32).hex()


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


def _numbers(c):
    """The whole numbers written in the strings of ``c``, in its structure (None when ``c``
    holds no string with a digit): a report printed with other words keeps its numbers."""
    found = False

    def walk(v):
        nonlocal found
        if isinstance(v, str):
            ints = [int(d) for d in re.findall(r"\d+", v)]
            found = found or bool(ints)
            return ints
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v
    out = walk(c)
    return out if found else None


def _keys(c):
    if isinstance(c, list) and c and all(isinstance(p, list) and len(p) >= 2 for p in c):
        return sorted((p[0] for p in c), key=_key)
    return None


# ---------------------------------------------------------------- answers file

def _load() -> dict:
    return json.loads(ANSWERS.read_text()) if ANSWERS.exists() else {}


def facts(c, *, ordered: bool) -> dict:
    """The facts of a canonical answer that hints compare: name -> value (answers.json
    stores each value's hash; the grader keeps the values, outside the sandbox)."""
    found = {"hash": c}
    if _approx(c) is not None:
        found["approx_hash"] = _approx(c)
    if isinstance(c, list):
        if ordered:
            found["unordered_hash"] = sorted(c, key=_key)
        keys = _keys(c)
        if keys is not None:
            found["keys_hash"] = keys
    if _numbers(c) is not None:
        found["numbers_hash"] = _numbers(c)
    return found


def record(exercise: str, answer, *, ordered: bool, digits: int, sort_inner: bool,
           salt: str | None = None) -> dict:
    """What ``answers.json`` stores for a reference answer (slow hashes and harmless facts)."""
    salt = salt or secrets.token_hex(8)
    c = _top(answer, ordered=ordered, digits=digits, sort_inner=sort_inner)
    rec = {"salt": salt, "kdf": KDF, "shape": _shape(answer),
           "options": {"ordered": ordered, "digits": digits, "sort_inner": sort_inner}}
    rec.update({name: _digest(salt, value) for name, value in facts(c, ordered=ordered).items()})
    if isinstance(c, list):
        rec["length"] = len(c)
    known = _mistakes(exercise, c, salt, ordered=ordered, digits=digits, sort_inner=sort_inner)
    if known:
        rec["mistakes"] = known
    return rec


def _mistakes(exercise: str, c, salt: str, **options) -> list[list[str]]:
    """[hash, hint] of each known wrong answer of ``exercise`` (course/mistakes.py) on the
    course data, sorted; a variant that gives the reference answer is left out."""
    from course import mistakes
    if exercise not in mistakes.MISTAKES:
        return []
    from course.labsetup import data_dir
    found = {}
    for value, text in mistakes.variants(exercise, data_dir()):
        wrong = _top(value, **options)
        if _key(wrong) != _key(c):
            found.setdefault(_digest(salt, wrong), text)
    return sorted([h, text] for h, text in found.items())


def known_mistake(exercise: str, c) -> str | None:
    """The hint of the known mistake (course/mistakes.py) canonical answer ``c`` is, from
    ``answers.json`` (the class grader's way to the same hints; course data only)."""
    stored = _load().get(exercise)
    if not stored or not stored.get("mistakes") or stored.get("kdf") != KDF:
        return None
    return dict(stored["mistakes"]).get(_digest(stored["salt"], c))


# Read once, when the setup cell imports this module: a notebook that sets the variable
# later cannot turn its checks into recordings.
_RECORD = os.environ.get("COURSE_RECORD", "") not in ("", "0")
_GRADING = os.environ.get("COURSE_GRADING", "") not in ("", "0")


def grading_mode() -> bool:
    """Whether this kernel runs under the class grader (checks report, never judge)."""
    return _GRADING


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
    if _GRADING:
        _report_check(exercise, answer, options)
        return
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
    if stored.get("kdf") != KDF:
        raise CheckError(f"{exercise}: the recorded answer uses another hash "
                         "(instructors: run `make answers`).")
    used = _cell_names(exercise)
    digest = _digest(salt, c)
    if digest == stored["hash"]:
        _FAILED.discard(exercise)
        print(f"✓ {exercise}: correct")
        return
    _FAILED.add(exercise)

    def matches(fact: str, value) -> bool:
        return fact in stored and _digest(salt, value) == stored[fact]

    known = dict(stored.get("mistakes", [])).get(digest)
    raise CheckError(f"{exercise}: not the expected answer. "
                     + (known or knock_on(exercise, used)
                        or hint(stored, _shape(answer), c, matches)))


# ---------------------------------------------------------------- knock-on failures
# A wrong answer is often wrong only because a name it uses came from an earlier exercise
# whose check failed. Each check notes the global names that appeared in the notebook since
# the check before it (the names its exercise's cells made) and whether it passed; a later
# check whose cell uses such a name of a failing exercise says so first.

_OWNER: dict[str, str] = {}           # global name -> the exercise whose cells made it
_FAILED: set[str] = set()             # exercises whose last check failed
_SETUP = {"sc", "spark", "DATA", "check", "watch", "same", "start"}


def _cell_names(exercise: str) -> set[str]:
    """The global names the calling cell's code uses; notes the names new since the last
    check as ``exercise``'s."""
    frame = sys._getframe(2)          # check() -> its caller, the notebook cell
    if frame.f_code.co_name != "<module>":
        return set()                  # called from a function: not a notebook cell
    used = set(frame.f_code.co_names)
    first = not _OWNER
    for name, value in list(frame.f_globals.items()):
        if name in _OWNER or name.startswith("_"):
            continue
        # Names there before the first check that its cell does not use are the setup's;
        # modules, classes and the setup cell's names belong to no exercise.
        setup = (first and name not in used) or name in _SETUP or isinstance(value, type) \
            or type(value).__name__ in ("module", "SparkContext", "SparkSession")
        _OWNER[name] = "" if setup else exercise
    return used


def knock_on(exercise: str, used: set[str]) -> str | None:
    """Why this check may fail only because of an earlier one (None if not)."""
    earlier = sorted((name, _OWNER[name]) for name in used
                     if _OWNER.get(name) not in (None, exercise) and _OWNER[name] in _FAILED)
    if not earlier:
        return None
    said = ", ".join(f"`{name}` from {ex}" for name, ex in earlier)
    return (f"This cell uses {said}, whose check failed: that answer is not right yet, "
            "and this one may be wrong only because of it. Fix it first.")


def _name_error_hint(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for a ``NameError`` in a notebook cell: say that an earlier
    cell has not run (or stopped with an error) instead of a traceback."""
    name = getattr(value, "name", None)
    if name:
        text = (f"NameError: `{name}` is not defined. If an earlier cell sets it, that cell "
                "has not run, or stopped with an error before setting it: run the cells above "
                "(Run > Run All Above) and fix the first one that fails.")
        value._render_traceback_ = lambda: [text]
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def _install_name_error_hint() -> None:
    """In an IPython kernel (not the grader's), show a NameError as ``_name_error_hint``."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and not _GRADING and not shell.custom_exceptions:
        shell.set_custom_exc((NameError,), _name_error_hint)


def _report_check(exercise: str, answer, options: dict) -> None:
    """Grading mode: report the canonical answer (or why there is none) and go on."""
    try:
        c = _top(answer, **options)
    except _Unsupported as err:
        reporting.no_value("check", exercise, "unsupported")
        raise CheckError(f"{exercise}: {err}") from None
    try:
        reporting.report("check", exercise, c, shape=_shape(answer), options=options)
    except reporting.TooBig as err:
        raise CheckError(str(err)) from None
    print(f"{exercise}: answer given to the grader")


def _how(f: float) -> str:
    return f"{f:g} times" if f > 1 else f"1/{round(1 / f)} of"


def hint(stored: dict, shape: str, c, matches, known: str | None = None) -> str:
    """Why canonical answer ``c`` (of ``shape``) is not the expected one, without saying
    what that is: the one place hints are phrased (the self-checks and the class grader,
    course/grade/judge.py, both call it). ``stored`` holds the expected ``shape``,
    ``options`` and ``length``; ``matches(fact, value)`` says whether a fact (see
    ``facts``) of the expected answer equals ``value`` (by hash for the self-checks, by
    value in the grader); ``known`` is the hint of a known mistake this answer is
    (course/mistakes.py), which says more than any fact.

    Each sentence states only what the facts establish (a fact, never a guessed cause):
    the causes of a mistake are for the exercise's own mistakes to say."""
    if known:
        return known
    if _shape_family(shape) != _shape_family(stored["shape"]):
        return f"The expected answer is a {stored['shape']}; yours is a {shape}."
    if "length" in stored and isinstance(c, list) and len(c) != stored["length"]:
        more = len(c) - stored["length"]
        return (f"It should have {stored['length']} items; yours has {len(c)} "
                f"({abs(more)} {'more' if more > 0 else 'fewer'}).")
    if isinstance(c, list) and matches("unordered_hash", sorted(c, key=_key)):
        return "Your answer has the expected items, in a different order."
    for f in FACTORS:
        if matches("hash", _scaled(c, f, stored["options"]["digits"])):
            return f"Your numbers are exactly {_how(f)} the expected ones."
    if _approx(c) is not None:
        for f in (1, *FACTORS):
            if matches("approx_hash", _approx(c / f)):
                if f == 1:
                    return ("Close: your number has the same first two significant digits "
                            "as the expected one, but is not equal to it.")
                return (f"Your number is about {_how(f)} the expected one (the same first "
                        "two significant digits), not exactly.")
    numbers = _numbers(c)
    if numbers is not None and matches("numbers_hash", numbers):
        return ("The numbers in your answer are the expected ones; the text around them "
                "differs from the expected text (compare wording, spaces and punctuation "
                "with what the exercise asks for).")
    if _keys(c) is not None and "keys_hash" in stored:
        if matches("keys_hash", _keys(c)):
            return "The keys (first items of the pairs) are right; some values differ."
        return "Some of the keys (first items of the pairs) differ from the expected ones."
    if isinstance(c, list):
        return (f"Your answer has the expected type ({stored['shape']}) and number of "
                "items, but some items differ.")
    if _approx(c) is not None:
        return "Your number is not the expected one, nor close to it or a simple multiple of it."
    return f"Your answer has the expected type ({stored['shape']}) but another value."


def same(actual, expected, *, ordered: bool = True, digits: int = 6,
         sort_inner: bool = False) -> bool:
    """Compare canonical forms (for hidden tests on small hand-made data)."""
    opts = {"ordered": ordered, "digits": digits, "sort_inner": sort_inner}
    try:
        mine = _top(actual, **opts)
        theirs = _top(expected, **opts)
    except _Unsupported:
        if _GRADING:
            reporting.no_value("same", "same", "unsupported")
        return False
    if _GRADING:
        # The grader compares the canonical *actual* value with the reference's; the
        # in-process result still fails the hidden test's assert as before.
        try:
            reporting.report("same", "same", mine)
        except reporting.TooBig:
            return False
    return mine == theirs


# The checks on *how* a job ran live in course/execution.py; notebooks import them from
# here (`from course.checks import check, watch`).
from course.execution import Run, watch  # noqa: E402 - after CheckError, which it raises

_install_name_error_hint()
