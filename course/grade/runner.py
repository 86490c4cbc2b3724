"""Which cells of a submission run, running them in the sandbox, and what they scored.

``plan`` does what nbgrader's OverwriteCells does, from the trusted notebooks only: every
cell the source notebook marks locked (the setup cell, the test cells) runs as the source
has it, hidden tests included, whatever the submission holds there (a changed one is
noted: compared with the released text); a solution cell runs as the student wrote it;
a grade cell missing from the submission scores 0 with a reason. Points come from the
source's metadata, never from the submission's.

``drive.execute`` runs the plan in one sandboxed kernel with a per-cell timeout and a
budget for the whole notebook. A cell over its timeout is interrupted (SIGINT) and the run
goes on; a kernel that ignores the interrupt, dies, or runs past the budget is killed, and
the cells it did not finish score 0 while the others keep their points.

``score`` turns the run into points the way nbgrader's ``determine_grade`` does, except
that stderr output costs nothing (warnings and log lines are not wrong answers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n(.*?)"
                    r"^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.M | re.S)


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def _meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


@dataclass
class Cell:
    """One cell of the notebook as graded."""
    kind: str                       # "code" or "markdown"
    source: str                     # what the student sees (visible part of a test cell)
    parts: list[str]                # what runs: [code] or [visible, hidden]
    grade_id: str | None = None
    label: str = ""
    outcome: dict = field(default_factory=dict)   # parts' replies, or timed_out / not_run


@dataclass
class Plan:
    cells: list[Cell]
    graded: dict[str, dict]         # grade_id -> {"points", "auto"} from the source
    notes: list[str]
    missing: list[str]


def _split(code: str) -> list[str]:
    """[visible, hidden] when both parts compile alone, else [code]."""
    match = HIDDEN.search(code)
    if not match:
        return [code]
    visible, hidden = code[:match.start()], match.group(1) + code[match.end():]
    try:
        compile(visible, "<visible>", "exec")
        compile(hidden, "<hidden>", "exec")
    except SyntaxError:
        return [code]
    return [visible, hidden] if visible.strip() else [code]


def _visible(code: str) -> str:
    return HIDDEN.sub("", code).rstrip("\n")


def plan(source_nb: dict, submission_nb: dict) -> Plan:
    """The cells to run for this submission, the gradable cells, and what was noticed."""
    trusted = {m["grade_id"]: c for c in source_nb["cells"] if (m := _meta(c)).get("grade_id")}
    graded = {gid: {"points": float(_meta(c).get("points", 0)),
                    "auto": c["cell_type"] == "code"}
              for gid, c in trusted.items() if _meta(c).get("grade")}
    cells, notes, seen = [], [], set()
    for number, cell in enumerate(submission_nb.get("cells", []), 1):
        gid = _meta(cell).get("grade_id")
        text = _text(cell.get("source", ""))
        if gid in trusted and gid not in seen:
            seen.add(gid)
            original = trusted[gid]
            meta = _meta(original)
            if meta.get("locked") or (meta.get("grade") and not meta.get("solution")):
                full = _text(original["source"])
                if text.rstrip("\n") != _visible(full):
                    notes.append(f"locked cell {gid} was changed; the original ran")
                text = _visible(full)
                code_parts = _split(full)
            else:
                code_parts = [text]
            kind = original["cell_type"]
            cells.append(Cell(kind, text, code_parts if kind == "code" else [], gid, gid))
        elif cell.get("cell_type") == "code":
            cells.append(Cell("code", text, [text], None, f"cell {number}"))
        else:
            cells.append(Cell(cell.get("cell_type", "markdown"), text, [], None, f"cell {number}"))
    missing = [gid for gid in graded if gid not in seen]
    notes += [f"grade cell {gid} was deleted: 0 of {graded[gid]['points']:g} points"
              for gid in missing]
    return Plan(cells, graded, notes, missing)


def cell_error(cell: Cell) -> str | None:
    """Why a graded cell scores 0 (None when it passed)."""
    out = cell.outcome
    if out.get("not_run"):
        return "not run (the kernel had stopped)"
    if out.get("died"):
        return "the kernel died in this cell"
    if out.get("timed_out"):
        return "timed out"
    parts = out.get("parts", [])
    for number, part in enumerate(parts):
        if part["error"]:
            if number == 1 or (len(cell.parts) == 1 and HIDDEN.search(cell.parts[0] or "")):
                return "hidden tests failed"
            return f"{part['error']['ename']}: {part['error']['evalue']}"[:300]
    if len(parts) < len(cell.parts):
        return "not run"
    return None


def score(the_plan: Plan) -> dict[str, dict]:
    """grade_id -> {"points", "max", "failed"}; manual cells get points None."""
    by_id = {c.grade_id: c for c in the_plan.cells if c.grade_id}
    result = {}
    for gid, info in the_plan.graded.items():
        if not info["auto"]:
            result[gid] = {"points": None, "max": info["points"], "failed": None}
        elif gid in the_plan.missing:
            result[gid] = {"points": 0.0, "max": info["points"], "failed": "cell deleted"}
        else:
            failed = cell_error(by_id[gid])
            result[gid] = {"points": 0.0 if failed else info["points"], "max": info["points"],
                           "failed": failed}
    return result
