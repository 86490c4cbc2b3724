"""The class report: what a class got wrong, per exercise, on one HTML page.

nbgrader and Otter give each student a score and each instructor a table of scores. Because
every check here canonicalises the answer (course/checks.py) and the grader keeps, per
graded cell, the first check whose value differed (judge.findings), wrong answers can be
grouped *by value*: "14 students gave 9986, and saw the hint 'close, but not exactly'" is
what an instructor wants to read before the next lecture.

``report.html`` (next to ``grades.csv``; written after every ``grade`` and on demand by
``python -m course report <assignment>``) shows, per exercise (graded, autograded cell):

- the **pass rate** (students whose cell earned its points / students with a row), also as
  a bar chart (matplotlib, Agg, inlined as SVG: the page is one file);
- the **most common wrong answers**: equal canonical values grouped across students by
  digest, each with how many students gave it, its shortened display and the hint they
  saw; a cell that failed without a wrong value (it raised, timed out, was deleted, or was
  right on the course data only) is grouped by its reason;
- the **how-it-ran checks** (``run.expect``) most often failed: name, failed / reported;
- the exercise's **time**: median and slowest effective seconds of its cells
  (drive.execute measures them; judge.exercise_seconds sums an exercise's cells).

It is meant to be shared with teaching assistants: it never shows a student's name (nor a
name found inside a shown value or reason: it is replaced by ``<student>``), nor an
expected value (rows never hold one: only the values that differ from it). Every text is
escaped and cleaned of lone surrogates; long values are shortened.

Read next: judge.py (``findings``: what each row keeps), gradebook.py (the rows).
"""

from __future__ import annotations

import html
import io
import re
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from course.grade import gradebook
from course.grade.intake import clean
from course.grade.judge import shorten

TOP = 8                          # wrong answers listed per exercise (the rest are counted)
REASON_CHARS = 240               # characters of a hint or reason shown
STUDENT = "<student>"


@dataclass
class Group:
    """Students who got one exercise wrong the same way."""
    shown: str                  # the wrong value, shortened ("" when there was none)
    check: str                  # the check that saw it ("" when none did)
    hint: str                   # what the students were told (judge's ``failed``)
    students: int = 0


@dataclass
class Exercise:
    gid: str
    points: float = 0.0
    students: int = 0
    passed: int = 0
    wrong: list[Group] = field(default_factory=list)
    expects: list[tuple[str, int, int]] = field(default_factory=list)  # name, failed, seen
    seconds: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.passed / self.students if self.students else 0.0


def _natural(gid: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", gid)]


def exercise_order(assignment: str, rows: list[dict]) -> list[str]:
    """The autograded cells in the source notebook's order (else in natural order)."""
    seen = {gid for row in rows for gid, s in row["scores"].items() if s["points"] is not None}
    try:
        from course.grade import runner
        from course.notebooks import read, source_path

        graded = runner.plan(read(source_path(assignment)), {"cells": []}).graded
        order = [gid for gid, info in graded.items() if info["auto"]]
    except Exception:                    # not one of the course's assignments
        order = []
    return [g for g in order if g in seen] + sorted(seen - set(order), key=_natural)


def _anonymiser(rows: list[dict]):
    """A function replacing every student's name (3 characters or more) in a text, where it
    stands as a whole word: a name that is also part of a word ("ann" in "annotation")
    leaves the word alone."""
    names = sorted({clean(row["student"]) for row in rows if len(row["student"].strip()) >= 3},
                   key=len, reverse=True)
    if not names:
        return clean
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)")
    return lambda text: pattern.sub(STUDENT, clean(text))


def summarise(rows: list[dict], order: list[str]) -> list[Exercise]:
    """Per exercise of ``order``: pass rate, wrong answers grouped, expects, seconds."""
    anonymise = _anonymiser(rows)
    found = []
    for gid in order:
        ex = Exercise(gid)
        groups: dict[tuple, Group] = {}
        hints: dict[tuple, Counter] = {}
        expects: dict[str, list[int]] = {}
        for row in rows:
            s = row["scores"].get(gid)
            if not isinstance(s, dict) or s.get("points") is None:
                continue
            ex.students += 1
            ex.points = max(ex.points, float(s.get("max") or 0))
            if isinstance(s.get("seconds"), (int, float)) and not isinstance(s["seconds"], bool):
                ex.seconds.append(float(s["seconds"]))
            for item in s.get("expects") or []:
                if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str):
                    counts = expects.setdefault(anonymise(item[0]), [0, 0])
                    counts[0] += item[1] is not True
                    counts[1] += 1
            failed = s.get("failed")
            if not failed:
                ex.passed += 1
                continue
            hint = shorten(anonymise(str(failed)), REASON_CHARS)
            wrong = s.get("wrong") if isinstance(s.get("wrong"), dict) else {}
            check = anonymise(str(wrong.get("check", "")))
            if isinstance(wrong.get("digest"), str):
                key = ("value", check, wrong["digest"])
                shown = shorten(anonymise(str(wrong.get("shown", ""))))
            elif wrong:
                key, shown = ("novalue", check, hint), anonymise(str(wrong.get("shown", "")))
            else:
                key, shown = ("reason", hint), ""
            group = groups.setdefault(key, Group(shown, check, ""))
            group.students += 1
            hints.setdefault(key, Counter())[hint] += 1
        for key, group in groups.items():
            group.hint = min(hints[key].items(), key=lambda kv: (-kv[1], kv[0]))[0]
        ex.wrong = sorted(groups.values(), key=lambda g: (-g.students, g.shown, g.hint))
        ex.expects = sorted(((name, c[0], c[1]) for name, c in expects.items()),
                            key=lambda e: (-e[1], e[0]))
        found.append(ex)
    return found


def plot_svg(exercises: list[Exercise]) -> str:
    """The pass rate per exercise as an inline ``<svg>`` ("" when there is nothing to plot)."""
    if not exercises:
        return ""
    import matplotlib
    from matplotlib.figure import Figure  # no pyplot: no global state, no display

    labels = [clean(ex.gid)[:40] for ex in exercises]
    rates = [100 * ex.rate for ex in exercises]
    fig = Figure(figsize=(7, 0.9 + 0.32 * len(exercises)))
    ax = fig.add_subplot()
    positions = list(range(len(exercises)))[::-1]
    ax.barh(positions, rates, color="#4a7ab5")
    ax.set_yticks(positions, labels=labels, parse_math=False)
    for y, ex in zip(positions, exercises, strict=True):
        inside = ex.rate > 0.85                 # no room right of the bar: write on it
        ax.text(100 * ex.rate + (-1 if inside else 1), y, f"{ex.passed}/{ex.students}",
                va="center", ha="right" if inside else "left", fontsize=8,
                color="white" if inside else "black")
    ax.set_xlim(0, 100)
    ax.set_xlabel("students who passed (%)")
    ax.set_title("Pass rate per exercise")
    fig.tight_layout()
    buf = io.StringIO()
    # A fixed hash salt and no date: the same rows give the same bytes.
    with matplotlib.rc_context({"svg.hashsalt": "class-report", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


STYLE = """body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;
padding:.25em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}
code{white-space:pre-wrap;word-break:break-all}.rate{font-weight:bold}.muted{color:#777}"""


def _e(text) -> str:
    return html.escape(clean(str(text)), quote=True)


def _seconds(values: list[float]) -> str:
    if not values:
        return "not measured"
    return (f"median {statistics.median(values):.2f} s, slowest {max(values):.2f} s "
            f"({len(values)} students; effective seconds of the exercise's cells)")


def _exercise_html(ex: Exercise) -> list[str]:
    out = [f'<h2 id="{_e(ex.gid)}">{_e(ex.gid)} <span class="muted">({ex.points:g} '
           f'point{"s" if ex.points != 1 else ""})</span></h2>',
           f'<p><span class="rate">{ex.passed} of {ex.students} passed '
           f'({100 * ex.rate:.0f}%)</span>. Time: {_e(_seconds(ex.seconds))}.</p>']
    if ex.wrong:
        out.append("<table><tr><th>students</th><th>wrong answer</th><th>check</th>"
                   "<th>what they were told</th></tr>")
        for g in ex.wrong[:TOP]:
            shown = f"<code>{_e(g.shown)}</code>" if g.shown else \
                '<span class="muted">(no wrong value: see the reason)</span>'
            out.append(f"<tr><td>{g.students}</td><td>{shown}</td><td>{_e(g.check)}</td>"
                       f"<td>{_e(g.hint)}</td></tr>")
        out.append("</table>")
        rest = ex.wrong[TOP:]
        if rest:
            out.append(f"<p class='muted'>and {len(rest)} other wrong answers, from "
                       f"{sum(g.students for g in rest)} students.</p>")
    if ex.expects:
        out.append("<table><tr><th>how-it-ran check (run.expect)</th><th>failed</th>"
                   "<th>reported</th></tr>")
        out += [f"<tr><td>{_e(name)}</td><td>{failed}</td><td>{seen}</td></tr>"
                for name, failed, seen in ex.expects]
        out.append("</table>")
    return out


def render(assignment: str, rows: list[dict], exercises: list[Exercise], svg: str) -> str:
    """The page (no student name, no expected value; every text escaped)."""
    statuses = Counter(clean(row["status"]) for row in rows)
    totals = [row["total"] for row in rows]
    body = [f"<h1>What the class got wrong: {_e(assignment)}</h1>",
            f"<p>{len(rows)} submissions; mean autograded score "
            f"{(statistics.mean(totals) if totals else 0):.2f} / "
            f"{(max(row['max'] for row in rows) if rows else 0):g}; statuses: "
            + _e(", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))) + ".</p>",
            "<p class='muted'>Wrong answers are grouped by their canonical value (as the "
            "checks compare them) on the course data; answers right there but wrong on the "
            "grader's hidden data are grouped by that reason. Values are the students' "
            "(shortened), never the expected ones; no student is named.</p>"]
    body.append(svg or "<p class='muted'>(no plot: matplotlib is not installed, or there "
                       "is nothing to plot)</p>")
    for ex in exercises:
        body += _exercise_html(ex)
    return ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
            f"<title>Class report: {_e(assignment)}</title><style>{STYLE}</style>"
            "</head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write(out: Path, assignment: str, log=print) -> Path:
    """Build ``<out>/report.html`` from ``<out>/rows`` (``out``: the assignment's folder)."""
    rows = gradebook.read_rows(out, assignment)
    exercises = summarise(rows, exercise_order(assignment, rows))
    try:
        svg = plot_svg(exercises)
    except Exception as exc:             # the page is worth having without its plot
        log(f"report: no plot ({type(exc).__name__}: {clean(str(exc))[:200]})")
        svg = ""
    path = out / "report.html"
    gradebook.atomic_write(path, render(assignment, rows, exercises, svg))
    return path


def command(assignment: str, out_root: Path) -> int:
    """``python -m course report <assignment> [--out DIR]`` (parsed in cli.py)."""
    folder = Path(out_root) / assignment
    if not gradebook.rows_dir(folder).is_dir():
        print(f"report: no graded rows in {folder}/rows (run python -m course grade first)",
              file=sys.stderr)
        return 2
    print(f"wrote {write(folder, assignment, log=lambda m: print(m, file=sys.stderr))}")
    return 0
