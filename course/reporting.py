"""What the checks saw, reported to the grader instead of judged in the student's process.

Under ``python -m course grade`` the checks (``check``, ``same``, ``Run.expect``) run in the
student's kernel, where the student's code can replace or patch anything. So in *grading
mode* (``COURSE_GRADING=1`` in the kernel's environment, read once when ``course.checks``
is imported) a check compares nothing: it appends a **report** here, the canonical form of
the value it was given (or the condition it evaluated), and the kernel
(``course/grade/kernel.py``) drains the reports after each part of a cell into its reply.
The grader compares them, outside the sandbox, with the reports of the reference notebook
(``course/grade/judge.py``). A patched kernel can send other reports, but not a value it
never saw: the expected values are never in the student's process.

A report is a dict ``{"kind": "check"|"same"|"expect", "name": ..., "value": ...}`` whose
value is plain JSON. ``MAX_CHARS`` caps one value's JSON: a bigger answer fails its check
(``TooBig``) rather than being truncated, which could make two different answers equal.

Read next: checks.py (which reports what), grade/judge.py (what the grader does with them).
"""

from __future__ import annotations

import json

# Characters of JSON per reported value. The largest reference answer of the course is
# 112,508 characters (ch11a; every chapter's reference run, measured on 2026-12-07).
MAX_CHARS = 500_000
REPORTS: list[dict] = []


class TooBig(ValueError):
    """An answer too large to report."""


def report(kind: str, name: str, value, **extra) -> None:
    """Append one report (``value`` must be canonical: plain builtins only)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if len(text) > MAX_CHARS:
        REPORTS.append({"kind": kind, "name": name, "too_big": len(text), **extra})
        raise TooBig(f"{name}: the answer is {len(text):,} characters long as JSON, more "
                     f"than the grader accepts ({MAX_CHARS:,}): is it the whole data set "
                     "instead of the result asked for?")
    REPORTS.append({"kind": kind, "name": name, "value": json.loads(text), **extra})


def no_value(kind: str, name: str, why: str) -> None:
    """Report a check that had no value to give (``why``: e.g. ``"unsupported"``)."""
    REPORTS.append({"kind": kind, "name": name, why: True})


def drain() -> list[dict]:
    """The reports made since the last call, oldest first (and forget them)."""
    taken = REPORTS[:]
    REPORTS.clear()
    return taken
