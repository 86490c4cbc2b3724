"""HTML feedback for one student: their cells, the visible checks, scores and messages.

Built from the graded plan, not from the executed notebook, so what it can show is decided
here: a test cell is shown as the student saw it (the released text, hidden tests removed);
of a test cell's run only the visible part's output and error appear; a failure in the
hidden part says "hidden tests failed" and nothing else (no source, no message, no
traceback; none was even produced). This replaces nbgrader's GenerateFeedback with its
ClearHiddenTests preprocessor, which keeps tracebacks that can quote hidden tests.
"""

from __future__ import annotations

import html

from course.grade.runner import Cell, Plan, cell_error

STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; white-space: pre-wrap; }
.md pre { background: none; }
.out { background: #eef; } .err { background: #fee; }
.score { font-weight: bold; } .pass { color: #060; } .fail { color: #a00; }
"""


def _pre(text: str, cls: str = "") -> str:
    return f'<pre class="{cls}">{html.escape(text)}</pre>' if text else ""


def _visible_outputs(cell: Cell) -> str:
    parts = cell.outcome.get("parts", [])
    shown = parts[:1] if len(cell.parts) > 1 else parts
    if cell.grade_id and len(cell.parts) == 1 and "### BEGIN HIDDEN" in cell.parts[0]:
        shown = []                  # a test cell that could not be split: show no output
    chunks = []
    for part in shown:
        chunks.append(_pre(part["stdout"], "out"))
        chunks.append(_pre(part["stderr"], "err"))
        if part["result"]:
            chunks.append(_pre(part["result"], "out"))
        if part["error"]:
            err = part["error"]
            chunks.append(_pre(f"{err['ename']}: {err['evalue']}", "err"))
    if cell.outcome.get("timed_out"):
        chunks.append(_pre("(interrupted: the cell ran past its time limit)", "err"))
    if cell.outcome.get("died"):
        chunks.append(_pre("(the kernel died while running this cell)", "err"))
    if cell.outcome.get("not_run"):
        chunks.append(_pre("(not run: the kernel had been stopped)", "err"))
    return "".join(chunks)


def _score_line(gid: str, scores: dict[str, dict], cell: Cell) -> str:
    s = scores[gid]
    if s["points"] is None:
        return f'<p class="score">{html.escape(gid)}: graded by your instructor ' \
               f'({s["max"]:g} points)</p>'
    ok = s["points"] == s["max"]
    why = "" if ok else f" ({html.escape(cell_error(cell) or s['failed'] or '')})"
    return (f'<p class="score {"pass" if ok else "fail"}">{html.escape(gid)}: '
            f'{s["points"]:g} / {s["max"]:g}{why}</p>')


def render(row: dict, the_plan: Plan) -> str:
    """The whole feedback page."""
    scores = row["scores"]
    body = [f"<h1>{html.escape(row['assignment'])}: {html.escape(row['student'])}</h1>",
            f'<p class="score">Autograded score: {row["total"]:g} / {row["max"]:g} '
            f'(plus {row["manual_max"]:g} points graded by your instructor)</p>',
            f"<p>Status: {html.escape(row['status'])}"
            + (f" — {html.escape(row['reason'])}" if row["reason"] else "") + "</p>"]
    for cell in the_plan.cells:
        if cell.kind == "code":
            body.append(_pre(cell.source))
            body.append(_visible_outputs(cell))
        else:
            body.append(f'<div class="md">{_pre(cell.source)}</div>')
        if cell.grade_id in scores:
            body.append(_score_line(cell.grade_id, scores, cell))
    for gid in the_plan.missing:
        body.append(f'<p class="score fail">{html.escape(gid)}: 0 / {scores[gid]["max"]:g} '
                    "(this graded cell was deleted from the notebook)</p>")
    return ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
            f"<title>Feedback: {html.escape(row['assignment'])}</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(b for b in body if b)
            + "\n</body></html>\n")
