"""The judge: a graded cell's points are decided here, in the grader's process, never in the
student's.

Why: student code and the checks share one Python process (as in nbgrader). Whatever the
checks decide there, a student can forge: replace ``check`` in ``sys.modules``, install a
global ``__import__`` that returns a fake checks module, patch the kernel's functions found
through ``gc``, write "passed" replies to the kernel's reply channel. So under the grader the
checks decide nothing: each ``check``, ``same`` and ``Run.expect`` only *reports* what it
saw, the canonical value, in call order (course/reporting.py), and the kernel sends the
reports of every part of a cell with its reply. Here each graded cell's reports are compared
with those of the **reference**: the source notebook (solutions and hidden tests) run through
the same sandboxed kernel on the same data (course/grade/reference.py). The expected values
never enter the student's process, so patching anything there can change what is reported
but cannot produce a value the student's code never computed.

A graded cell earns its points when, on the course data *and* on the grader's hidden data
(the same generator, a seed only the grader knows), it ran without raising and reported
exactly what the trusted cell reports for the reference: the same checks, in the same order,
with the same values. A hard-coded public answer passes the first and fails the second.

What still runs in the student's process, and can therefore be forged by a student who
attacks the kernel: the ``assert`` lines of hidden tests (their pass/fail is the kernel's
word), ``same(actual, expected)`` on hand-made data (the expected value is a literal the
hidden test hands to the student's process), and the how-it-ran checks (``Run.expect``
reads listener events the driver produces in that process). INSTRUCTOR.md says so.

Hints for a wrong answer are computed here from the student's value and the expected one
(course.checks.hint, the one place hints are phrased: a known mistake of the exercise from
course/mistakes.py, else shape, length, order, a factor, "close", the numbers in the text, the
keys), as informative as the self-checks' hints and never quoting the expected value; on
the hidden data only "right on the course data, wrong on the grader's" is said.

For the class report (report.py) each graded cell's score also keeps ``findings``: the
first check whose value differed on the course data (its name, a digest of the student's
canonical value and a shortened display of it: never the expected value), the how-it-ran
checks the run reported with their results, and the exercise's effective seconds.

Read next: reference.py (where the expected reports come from), runner.py (the runs),
report.py (what the class got wrong).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from course import checks
from course.grade.runner import HIDDEN, Cell, Plan, cell_error

HARD_CODED = ("right on the course data, wrong on the grader's hidden data (the same "
              "generator with another seed): is an answer hard-coded, or does the code "
              "rely on something particular to the course data?")


@dataclass
class Reference:
    """What the reference notebook reported on one data set."""
    reports: dict[str, list[dict]]                    # grade_id -> reports, in call order
    failed: dict[str, str] = field(default_factory=dict)   # grade_id -> why it failed there

    def to_json(self) -> dict:
        return {"reports": self.reports, "failed": self.failed}

    @classmethod
    def from_json(cls, data: dict) -> Reference:
        return cls(data["reports"], data.get("failed", {}))


def cell_reports(cell: Cell) -> list:
    """The reports of every part of a cell that ran, in order (as the kernel sent them)."""
    found: list = []
    for part in cell.outcome.get("parts", []) or []:
        reports = part.get("reports") if isinstance(part, dict) else None
        if isinstance(reports, list):
            found.extend(reports)
    return found


def reference_of(the_plan: Plan) -> Reference:
    """The reference's reports per graded cell, and the graded cells it failed."""
    reports, failed = {}, {}
    for cell in the_plan.cells:
        if cell.grade_id in the_plan.graded and the_plan.graded[cell.grade_id]["auto"]:
            reports[cell.grade_id] = cell_reports(cell)
            why = cell_error(cell)
            if why:
                failed[cell.grade_id] = why
    return Reference(reports, failed)


def _same_value(got: dict, expected: dict) -> bool:
    return "value" in got and checks._key(got["value"]) == checks._key(expected["value"])


def _check_hint(got: dict, expected: dict) -> str:
    """The self-check's hint, from the expected value instead of its hashes."""
    name = expected["name"]
    if got.get("unsupported") or "value" not in got:
        return f"{name}: the answer is not a value the checks understand."
    options = expected.get("options") or {"ordered": True, "digits": 6, "sort_inner": False}
    want = checks.facts(expected["value"], ordered=options.get("ordered", True))
    stored = {"shape": expected.get("shape", "?"), "options": options, **dict.fromkeys(want)}
    if isinstance(expected["value"], list):
        stored["length"] = len(expected["value"])

    def matches(fact: str, value) -> bool:
        return fact in want and checks._key(value) == checks._key(want[fact])

    try:
        known = checks.known_mistake(name, got["value"])
        why = checks.hint(stored, str(got.get("shape", "?")), got["value"], matches, known)
    except Exception:                   # a forged report may hold anything: no hint then
        why = "(no hint: the reported answer could not be compared)"
    return f"{name}: not the expected answer. {why}"


def mismatch(mine: list, expected: list, *, hints: bool = True) -> str | None:
    """Why a cell's reports differ from the reference's (None when they match)."""
    for number, want in enumerate(expected):
        if number >= len(mine):
            return (f"only {len(mine)} of the cell's {len(expected)} checks gave an answer "
                    "to the grader")
        got = mine[number]
        if not isinstance(got, dict) or (got.get("kind"), got.get("name")) != \
                (want["kind"], want["name"]):
            return "the cell's checks did not run as written (another check ran in their place)"
        if _same_value(got, want):
            continue
        if not hints:
            return HARD_CODED
        if want["kind"] == "check":
            return _check_hint(got, want)
        if want["kind"] == "expect":
            return f"how it ran: '{want['name']}' did not hold"
        return "hidden tests failed"
    if len(mine) > len(expected):
        return (f"{len(mine)} checks gave an answer while the cell makes {len(expected)}: "
                "did your code call check() itself?")
    return None


def _hidden_error(cell: Cell) -> str | None:
    """Why a cell failed on the hidden data, saying nothing the data could have put there
    (an error's message may quote a hidden line: only its type is given)."""
    out = cell.outcome
    if out.get("not_run") or out.get("died") or out.get("timed_out") or not out:
        return cell_error(cell) or "not run"
    for number, part in enumerate(out.get("parts", [])):
        if part.get("error"):
            if number == 1 or (len(cell.parts) == 1 and HIDDEN.search(cell.parts[0] or "")):
                return "hidden tests failed"
            return f"raised {part['error'].get('ename', 'an error')}"
    if len(out.get("parts", [])) < len(cell.parts):
        return "not run"
    return None


def score(public: Plan, hidden: Plan | None, ref_public: Reference,
          ref_hidden: Reference | None) -> dict[str, dict]:
    """grade_id -> {"points", "max", "failed"}, as ``runner.score`` but judged on reports.

    ``hidden`` is the same submission run on the hidden data (None: not run, because no
    cell passed on the course data); a cell the reference itself fails on the hidden data
    is judged on the course data only (the grader logged it when it ran the reference).
    """
    by_id = {c.grade_id: c for c in public.cells if c.grade_id}
    hidden_by_id = {c.grade_id: c for c in hidden.cells if c.grade_id} if hidden else {}
    seconds = exercise_seconds(public)
    result = {}
    for gid, info in public.graded.items():
        if not info["auto"]:
            result[gid] = {"points": None, "max": info["points"], "failed": None}
            continue
        try:
            failed = _judge_cell(gid, by_id, hidden_by_id, public, ref_public, ref_hidden)
        except Exception:               # a forged reply may hold anything: no points then
            failed = "the kernel's reply for this cell could not be read"
        result[gid] = {"points": 0.0 if failed else info["points"], "max": info["points"],
                       "failed": failed}
        try:                            # for the class report; never changes the points
            result[gid].update(findings(by_id.get(gid), ref_public.reports.get(gid, []),
                                        failed, seconds.get(gid)))
        except Exception:
            pass
    return result


def nothing(the_plan: Plan, why: str) -> dict[str, dict]:
    """Scores when no judgement could be made: every autograded cell 0, with ``why``."""
    return {gid: {"points": None if not info["auto"] else 0.0, "max": info["points"],
                  "failed": None if not info["auto"] else why}
            for gid, info in the_plan.graded.items()}


def _judge_cell(gid: str, by_id: dict, hidden_by_id: dict, public: Plan,
                ref_public: Reference, ref_hidden: Reference | None) -> str | None:
    """Why graded cell ``gid`` earns nothing (None: it earns its points)."""
    if gid in public.missing:
        return "cell deleted"
    if gid in ref_public.failed:
        return ("the reference solution fails this cell on the course data "
                f"({ref_public.failed[gid]}): the instructor must fix the source notebook")
    error = cell_error(by_id[gid])
    reports, expected = cell_reports(by_id[gid]), ref_public.reports.get(gid, [])
    if error == "hidden tests failed":
        # The hidden part runs after the visible one: a visible check that reported a
        # wrong value failed first, and its hint says more than "hidden tests failed".
        failed = mismatch(reports, expected[:len(reports)]) or error
    else:
        failed = error or mismatch(reports, expected)
    if failed or ref_hidden is None or gid in ref_hidden.failed:
        return failed
    cell = hidden_by_id.get(gid)
    why = _hidden_error(cell) if cell is not None else "not run"
    if why:
        return f"on the grader's hidden data: {why}"
    return mismatch(cell_reports(cell), ref_hidden.reports.get(gid, []), hints=False)


# ---------------------------------------------------------------- for the class report

SHOWN = 100                     # characters of a wrong value kept for the class report


def shorten(text: str, limit: int = SHOWN) -> str:
    """``text`` cut to about ``limit`` characters, saying how long it was.

    >>> shorten("x" * 500, 10)
    'xxxxxxxxxx… (500 characters)'
    """
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def digest(value) -> str:
    """A short digest of a canonical value: equal answers of two students group together."""
    return hashlib.sha256(checks._key(value).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def exercise_seconds(the_plan: Plan) -> dict[str, float]:
    """grade_id -> effective seconds of its exercise: the graded cell and the code cells
    just above it (the answer, cells the student added), up to the previous graded cell
    or text cell; only cells whose time drive.execute measured count."""
    found: dict[str, float] = {}
    run: list[float] = []
    for cell in the_plan.cells:
        if cell.kind != "code":
            run = []
            continue
        spent = cell.outcome.get("seconds")
        if isinstance(spent, (int, float)) and not isinstance(spent, bool):
            run.append(float(spent))
        if cell.grade_id in the_plan.graded:
            if run:
                found[cell.grade_id] = round(sum(run), 3)
            run = []
    return found


def findings(cell: Cell | None, expected: list, failed: str | None,
             seconds: float | None) -> dict:
    """What the class report groups for one graded cell of one student (course data only):
    ``expects`` ([name, held] per how-it-ran check reported), ``seconds``, and when a
    check's value differed from the reference's, ``wrong`` = {kind, check, digest, shown}
    (or {kind, check, shown} when it reported no value). The expected value is never kept:
    only the student's value, and only where it differs."""
    found: dict = {}
    if seconds is not None:
        found["seconds"] = seconds
    if cell is None:
        return found
    mine = cell_reports(cell)
    expects = [[shorten(str(r.get("name")), 80), r.get("value") is True] for r in mine
               if isinstance(r, dict) and r.get("kind") == "expect"]
    if expects:
        found["expects"] = expects
    if not failed or failed.startswith("on the grader's hidden data") or failed == HARD_CODED:
        return found
    for got, want in zip(mine, expected, strict=False):    # the first that differs
        if not isinstance(got, dict) or (got.get("kind"), got.get("name")) != \
                (want["kind"], want["name"]):
            break
        if _same_value(got, want):
            continue
        if want["kind"] == "expect":    # a how-it-ran check: in ``expects``, by its reason
            break
        wrong = {"kind": want["kind"], "check": shorten(str(want["name"]), 80)}
        if "value" in got:
            wrong.update(digest=digest(got["value"]), shown=shorten(checks._key(got["value"])))
        else:
            wrong["shown"] = "(no value: " + ("too big" if got.get("too_big") else
                                              "not a kind of answer the checks understand") + ")"
        found["wrong"] = wrong
        break
    return found
