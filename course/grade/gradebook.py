"""The gradebook: one JSON row per student, written atomically, assembled into a CSV.

Each finished submission's row is written to ``rows/<file name>.json`` through a temporary
file and ``os.replace``, so a grader that crashes mid-run loses only the submissions still
running, and a half-written row never exists. Re-running replaces a student's row (one
row per student, never duplicates). ``grades.csv`` is rebuilt from the rows the same way:
student, one column per autograded cell, the autograded total and maximum, the manually
graded maximum, status and reason.

A student's file name is their folder name when it is already a safe file name; any other
name (``jean dupont``, a name that is not UTF-8, ``..``) is made safe *and* given a digest
of its exact bytes, so ``jean dupont`` and ``jean_dupont`` get two files, two rows. The row
keeps the exact name (``student``; ``folder_hex`` too when it is not UTF-8).

Every text written here goes through ``intake.clean`` (no lone surrogate reaches a UTF-8
file or the terminal). A ``rows/*.json`` that is unreadable, not a row, of another
assignment, or in another student's file, is reported (a warning and an ``error`` line
in the CSV naming the file), never silently dropped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from numbers import Real
from pathlib import Path

from course.grade.intake import clean

UNSAFE = re.compile(r"[^A-Za-z0-9_.@+-]")
SUFFIXED = re.compile(r".*-[0-9a-f]{10}")       # what a digest suffix looks like


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(clean(text))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def raw_name(row: dict) -> bytes:
    """The exact bytes of a row's student folder name."""
    if isinstance(row.get("folder_hex"), str):
        return bytes.fromhex(row["folder_hex"])
    return row["student"].encode("utf-8", "surrogatepass")


def file_name(student: str, raw: bytes | None = None) -> str:
    """A file name for a student's row and feedback, distinct for distinct folder names.

    >>> file_name("ada"), file_name("jean dupont"), file_name("jean_dupont")
    ('ada', 'jean_dupont-6e6c54715e', 'jean_dupont')
    """
    raw = student.encode("utf-8", "surrogatepass") if raw is None else raw
    name = UNSAFE.sub("_", student)[:100]
    if name == student and name.strip(".") and not SUFFIXED.fullmatch(name) \
            and raw == student.encode("utf-8", "surrogatepass"):
        return name
    return f"{name[:90] if name.strip('.') else '_'}-{hashlib.sha256(raw).hexdigest()[:10]}"


def row_file(row: dict) -> str:
    return file_name(row["student"], raw_name(row))


def rows_dir(out: Path) -> Path:
    return out / "rows"


def write_row(out: Path, row: dict) -> Path:
    path = rows_dir(out) / f"{row_file(row)}.json"
    atomic_write(path, json.dumps(row, indent=1, sort_keys=True))
    return path


def _num_or_none(x) -> bool:
    return x is None or (isinstance(x, Real) and not isinstance(x, bool))


def problem(row, file: str, assignment: str | None = None) -> str | None:
    """Why ``row`` (read from ``rows/<file>.json``) is not a row of this gradebook."""
    if not isinstance(row, dict):
        return "not a gradebook row (not a JSON object)"
    texts = ("student", "assignment", "status", "reason")
    if not all(isinstance(row.get(k), str) for k in texts):
        return "not a gradebook row (student, assignment, status or reason missing)"
    if not all(isinstance(row.get(k), Real) for k in ("total", "max", "manual_max")):
        return "not a gradebook row (total, max or manual_max is not a number)"
    scores = row.get("scores")
    if not isinstance(scores, dict) or not all(
            isinstance(s, dict) and _num_or_none(s.get("points"))
            and isinstance(s.get("max"), Real)
            and isinstance(s.get("failed", ""), (str, type(None)))
            for s in scores.values()):
        return "not a gradebook row (bad scores)"
    if assignment is not None and row["assignment"] != assignment:
        return f"a row of another assignment ({clean(row['assignment'])[:60]})"
    try:
        expected = row_file(row)
    except ValueError:
        return "not a gradebook row (bad folder_hex)"
    if expected != file:
        return f"holds the row of {clean(row['student'])[:60]!r}, whose file is {expected}.json"
    return None


def load_rows(out: Path, assignment: str | None = None) -> tuple[list[dict], dict[str, str]]:
    """(every valid row, sorted by file; file name -> why each other rows/*.json is not one)."""
    rows, bad = [], {}
    for path in sorted(rows_dir(out).glob("*.json")):
        try:
            row = json.loads(path.read_bytes().decode("utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            bad[path.name] = f"unreadable ({type(exc).__name__})"
            continue
        why = problem(row, path.stem, assignment)
        if why:
            bad[path.name] = why
        else:
            rows.append(row)
    return rows, bad


def read_rows(out: Path, assignment: str | None = None) -> list[dict]:
    """Every valid finished row (see ``load_rows`` for the others)."""
    return load_rows(out, assignment)[0]


def columns(rows: list[dict]) -> list[str]:
    ids: list[str] = []
    for row in rows:
        for gid, cell in row["scores"].items():
            if cell["points"] is not None and gid not in ids:
                ids.append(gid)
    return ids


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def to_csv(rows: list[dict]) -> str:
    ids = columns(rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", *ids, "total", "max", "manual_max", "status", "reason"])
    for row in rows:
        scores = row["scores"]
        writer.writerow([row["student"], *(_num(scores.get(g, {}).get("points")) for g in ids),
                         _num(row["total"]), _num(row["max"]), _num(row["manual_max"]),
                         row["status"], row["reason"]])
    return buf.getvalue()


def export(out: Path, assignment: str | None = None, log=print) -> Path:
    """Rebuild ``grades.csv`` from the rows; each bad row file is logged and listed."""
    rows, bad = load_rows(out, assignment)
    for name, why in bad.items():
        log(f"gradebook: rows/{clean(name)} is {why}; listed as an error line in grades.csv")
    placeholders = [{"student": f"(rows/{name})", "scores": {}, "total": None, "max": None,
                     "manual_max": None, "status": "error", "reason": f"row file {why}"}
                    for name, why in bad.items()]
    path = out / "grades.csv"
    atomic_write(path, to_csv(rows + placeholders))
    return path


def summary(rows: list[dict]) -> str:
    """A plain-text table for the terminal."""
    lines = [f"{'student':<24} {'score':>9}  {'status':<9} {'secs':>6}  reason"]
    for row in rows:
        score = f"{_num(row['total'])}/{_num(row['max'])}"
        lines.append(f"{row['student']:<24} {score:>9}  {row['status']:<9} "
                     f"{row.get('seconds', 0):>6.1f}  {row['reason'][:90]}")
    return clean("\n".join(lines))


def make_row(student: str, assignment: str, scores: dict[str, dict], status: str,
             reason: str, seconds: float, raw: bytes | None = None) -> dict:
    """A row; ``raw`` is the folder's exact name when it is not ``student`` in UTF-8."""
    auto = {g: s for g, s in scores.items() if s["points"] is not None}
    raw = student.encode("utf-8", "surrogatepass") if raw is None else raw
    student = clean(student)
    row = {"student": student, "assignment": assignment, "scores": scores,
           "total": sum(s["points"] for s in auto.values()),
           "max": sum(s["max"] for s in auto.values()),
           "manual_max": sum(s["max"] for s in scores.values() if s["points"] is None),
           "status": status, "reason": clean(" ".join(reason.split())),
           "seconds": round(seconds, 2)}
    if raw != student.encode("utf-8"):
        row["folder_hex"] = raw.hex()
    return row
