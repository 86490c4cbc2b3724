"""HTML feedback for one student: their cells, the visible checks, scores and messages.

Built from the graded plan, not from the executed notebook, so what it can show is decided
here: a test cell is shown as the student saw it (the released text, hidden tests removed);
of a test cell's run only the visible part's output and error appear; a failure in the
hidden part says "hidden tests failed" and nothing else (no source, no message, no
traceback; none was even produced). This replaces nbgrader's GenerateFeedback with its
ClearHiddenTests preprocessor, which keeps tracebacks that can quote hidden tests.

Markdown cells are rendered as HTML, as nbgrader's feedback does (with mistune, the
renderer nbconvert uses; raw HTML in a student's markdown is escaped, not run). Paths of
the grading machine that a cell's output may show (the sandbox's copy of the data, the
grader's temporary folder, the course's checkout) are replaced by what they stand for
(``<course data>``...): the page tells the student what happened, not where. All text
is cleaned of lone surrogates, so any output can be written as UTF-8.
"""

from __future__ import annotations

import html
import re

from course.grade.intake import clean
from course.grade.runner import Cell, Plan, cell_error

try:
    import mistune  # nbconvert's markdown renderer, installed with nbgrader

    _markdown = mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])
except ImportError:      # pragma: no cover - the course extra installs it
    _markdown = None

STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; white-space: pre-wrap; }
.md pre { background: none; }
.out { background: #eef; } .err { background: #fee; }
.score { font-weight: bold; } .pass { color: #060; } .fail { color: #a00; }
"""


def scrubber(paths: dict[str, str] | None):
    """A function that cleans a text and replaces each machine path of ``paths`` in it.

    >>> scrubber({"/tmp/grade-x/data": "<course data>"})("read /tmp/grade-x/data/a.log")
    'read <course data>/a.log'
    """
    pairs = sorted(((p.rstrip("/"), shown) for p, shown in (paths or {}).items()
                    if p and p.rstrip("/")), key=lambda pair: -len(pair[0]))
    if not pairs:
        return clean
    pattern = re.compile("|".join(re.escape(p) for p, _ in pairs))
    shown = dict(pairs)
    return lambda text: pattern.sub(lambda m: shown[m.group(0)], clean(text))


class Page:
    """One page being rendered, with its path scrubber (pages render in parallel)."""

    def __init__(self, paths: dict[str, str] | None):
        self.show = scrubber(paths)

    def pre(self, text: str, cls: str = "") -> str:
        return f'<pre class="{cls}">{html.escape(self.show(text))}</pre>' if text else ""

    def markdown(self, text: str) -> str:
        """A markdown cell as HTML (the student's own HTML escaped)."""
        if _markdown is None:
            return self.pre(text)
        return _markdown(self.show(text))

    def text(self, text: str) -> str:
        return html.escape(self.show(text))

    def outputs(self, cell: Cell) -> str:
        parts = cell.outcome.get("parts", [])
        shown = parts[:1] if len(cell.parts) > 1 else parts
        if cell.grade_id and len(cell.parts) == 1 and "### BEGIN HIDDEN" in cell.parts[0]:
            shown = []              # a test cell that could not be split: show no output
        chunks = []
        for part in shown:
            chunks.append(self.pre(part["stdout"], "out"))
            chunks.append(self.pre(part["stderr"], "err"))
            if part["result"]:
                chunks.append(self.pre(part["result"], "out"))
            if part["error"]:
                err = part["error"]
                chunks.append(self.pre(f"{err['ename']}: {err['evalue']}", "err"))
        if cell.outcome.get("timed_out"):
            chunks.append(self.pre("(interrupted: the cell ran past its time limit)", "err"))
        if cell.outcome.get("died"):
            chunks.append(self.pre("(the kernel died while running this cell)", "err"))
        if cell.outcome.get("not_run"):
            chunks.append(self.pre("(not run: the kernel had been stopped)", "err"))
        return "".join(chunks)

    def score_line(self, gid: str, scores: dict[str, dict], cell: Cell) -> str:
        s = scores[gid]
        if s["points"] is None:
            return f'<p class="score">{self.text(gid)}: graded by your instructor ' \
                   f'({s["max"]:g} points)</p>'
        ok = s["points"] == s["max"]
        why = "" if ok else f" ({self.text(cell_error(cell) or s['failed'] or '')})"
        return (f'<p class="score {"pass" if ok else "fail"}">{self.text(gid)}: '
                f'{s["points"]:g} / {s["max"]:g}{why}</p>')


def render(row: dict, the_plan: Plan, paths: dict[str, str] | None = None) -> str:
    """The whole feedback page; ``paths``: machine path -> what to show instead."""
    page = Page(paths)
    scores = row["scores"]
    body = [f"<h1>{page.text(row['assignment'])}: {page.text(row['student'])}</h1>",
            f'<p class="score">Autograded score: {row["total"]:g} / {row["max"]:g} '
            f'(plus {row["manual_max"]:g} points graded by your instructor)</p>',
            f"<p>Status: {page.text(row['status'])}"
            + (f" — {page.text(row['reason'])}" if row["reason"] else "") + "</p>"]
    for cell in the_plan.cells:
        if cell.kind == "code":
            body.append(page.pre(cell.source))
            body.append(page.outputs(cell))
        else:
            body.append(f'<div class="md">{page.markdown(cell.source)}</div>')
        if cell.grade_id in scores:
            body.append(page.score_line(cell.grade_id, scores, cell))
    for gid in the_plan.missing:
        body.append(f'<p class="score fail">{page.text(gid)}: 0 / {scores[gid]["max"]:g} '
                    "(this graded cell was deleted from the notebook)</p>")
    return ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
            f"<title>Feedback: {page.text(row['assignment'])}</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(b for b in body if b)
            + "\n</body></html>\n")
