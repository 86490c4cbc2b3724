"""The gradebook: one JSON row per student, written atomically, assembled into a CSV.

Each finished submission's row is written to ``rows/<student>.json`` through a temporary
file and ``os.replace``, so a grader that crashes mid-run loses only the submissions still
running, and a half-written row never exists. Re-running replaces a student's row (one
row per student, never duplicates). ``grades.csv`` is rebuilt from the rows the same way:
student, one column per autograded cell, the autograded total and maximum, the manually
graded maximum, status and reason.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from pathlib import Path

UNSAFE = re.compile(r"[^A-Za-z0-9_.@+-]")


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_name(student: str) -> str:
    """A file name for a student's row and feedback (folder names may hold anything)."""
    name = UNSAFE.sub("_", student)[:100]
    return name if name.strip(".") else f"_{name}"


def rows_dir(out: Path) -> Path:
    return out / "rows"


def write_row(out: Path, row: dict) -> Path:
    path = rows_dir(out) / f"{file_name(row['student'])}.json"
    atomic_write(path, json.dumps(row, indent=1, sort_keys=True))
    return path


def read_rows(out: Path) -> list[dict]:
    """Every finished row, by student name."""
    rows = []
    for path in sorted(rows_dir(out).glob("*.json")):
        try:
            rows.append(json.loads(path.read_text()))
        except ValueError:
            continue                          # not one of ours: never written half
    return rows


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


def export(out: Path) -> Path:
    path = out / "grades.csv"
    atomic_write(path, to_csv(read_rows(out)))
    return path


def summary(rows: list[dict]) -> str:
    """A plain-text table for the terminal."""
    lines = [f"{'student':<24} {'score':>9}  {'status':<9} {'secs':>6}  reason"]
    for row in rows:
        score = f"{_num(row['total'])}/{_num(row['max'])}"
        lines.append(f"{row['student']:<24} {score:>9}  {row['status']:<9} "
                     f"{row.get('seconds', 0):>6.1f}  {row['reason'][:90]}")
    return "\n".join(lines)


def make_row(student: str, assignment: str, scores: dict[str, dict], status: str,
             reason: str, seconds: float) -> dict:
    auto = {g: s for g, s in scores.items() if s["points"] is not None}
    return {"student": student, "assignment": assignment, "scores": scores,
            "total": sum(s["points"] for s in auto.values()),
            "max": sum(s["max"] for s in auto.values()),
            "manual_max": sum(s["max"] for s in scores.values() if s["points"] is None),
            "status": status, "reason": reason, "seconds": round(seconds, 2)}
