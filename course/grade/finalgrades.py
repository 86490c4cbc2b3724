"""The final grade: one CSV per assignment joining both kinds of points, and the commands
that feed it (``python -m course roster import|gradebook due|gradebook export``).

The autograded points come from the sandboxed grader's rows (``graded/<a>/rows/``), the
written answers' points from nbgrader's gradebook (the manual scores the Formgrader
stored), names and emails from the roster (nbgrader's students), the due date from the
gradebook and the late policy from ``graded/<a>/late-policy.json``. A score the instructor
overrode by hand in the Formgrader (a manual score on an autograded cell) wins, as in
nbgrader. Every roster student gets a line, with ``missing`` when nothing was handed in.

Columns (``final.csv``): ``student_id, first_name, last_name, email``, one column per graded
cell (``<grade id>``, points), ``autograded, written, late_penalty, total, max,
submitted, days_late, status, written_ungraded``; ``total`` = autograded + written - penalty.
Loading it into Moodle, Canvas or Gradescope: INSTRUCTOR.md, "Running a class on one machine".
Read first: ``nbgradebook`` (how the gradebook is filled).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import datetime
from pathlib import Path

from course.grade import gradebook, nbgradebook
from course.notebooks import COURSE, assignments

DEFAULT_OUT = COURSE / "graded"
HEAD = ["student_id", "first_name", "last_name", "email"]
TAIL = ["autograded", "written", "late_penalty", "total", "max", "submitted", "days_late",
        "status", "written_ungraded"]


def _num(x) -> str:
    return "" if x is None else f"{round(x, 4):g}"


def final_rows(bridge: nbgradebook.Bridge, assignment: str, out: Path) -> tuple[list[str],
                                                                             list[dict]]:
    """(grade ids, one dict per student: the CSV's columns)."""
    rows = {gradebook.row_file(r): r for r in gradebook.read_rows(out, assignment)}
    policy, due = nbgradebook.read_policy(out), bridge.due(assignment)
    ids: list[str] = []
    for row in rows.values():
        ids += [g for g in row["scores"] if g not in ids]
    students = {s.id: s for s in bridge.gb.students}
    lines = []
    for sid in sorted(set(rows) | set(students)):
        person = students.get(sid)
        line = {"student_id": sid,
                "first_name": (person.first_name or "") if person else "",
                "last_name": (person.last_name or "") if person else "",
                "email": (person.email or "") if person else ""}
        row = rows.get(sid)
        if row is None:
            line.update(autograded=0, written=0, late_penalty=0, total=0, status="missing",
                        max=bridge.max_score(assignment), submitted="", days_late=None,
                        written_ungraded=None)
            lines.append(line)
            continue
        manual = {}
        try:
            for grade in bridge.gb.find_submission_notebook(assignment, assignment,
                                                            sid).grades:
                manual[grade.cell.name] = grade.manual_score
        except bridge.Missing:
            pass
        auto = written = ungraded = 0.0
        for gid, score in row["scores"].items():
            hand = manual.get(gid)
            if score["points"] is None:          # a written answer: only a hand grade counts
                written += hand or 0
                ungraded += hand is None
                line[gid] = hand
            else:
                points = hand if hand is not None else score["points"]
                auto += points
                line[gid] = points
        stamp = datetime.fromisoformat(row["timestamp"]) if row.get("timestamp") else None
        late = nbgradebook.days_late(stamp, due)
        maximum = row["max"] + row["manual_max"]
        penalty = nbgradebook.late_penalty(auto + written, maximum, late, policy)
        line.update(autograded=auto, written=written, late_penalty=penalty,
                    total=auto + written - penalty, max=maximum,
                    submitted=row.get("timestamp", ""), days_late=round(late, 3) if due else None,
                    status=row["status"], written_ungraded=int(ungraded))
        lines.append(line)
    return ids, lines


def to_csv(ids: list[str], lines: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEAD + ids + TAIL)
    for line in lines:
        cells = [line.get(k, "") for k in HEAD] + [line.get(g) for g in ids] \
            + [line.get(k) for k in TAIL]
        writer.writerow([_num(c) if isinstance(c, (int, float)) or c is None else c
                         for c in cells])
    return buf.getvalue()


def export(bridge: nbgradebook.Bridge, assignment: str, out: Path) -> Path:
    ids, lines = final_rows(bridge, assignment, out)
    path = out / "final.csv"
    gradebook.atomic_write(path, to_csv(ids, lines))
    return path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m course", description="the class's roster, due dates and final grades "
        "in nbgrader's gradebook (course/nbgrader_config.py's db_url)")
    sub = parser.add_subparsers(dest="command", required=True)
    roster = sub.add_parser("roster", help="the class list in nbgrader's gradebook")
    rsub = roster.add_subparsers(dest="action", required=True)
    imp = rsub.add_parser("import", help="add or update students from a CSV (header: id, "
                          "first_name, last_name, email; other spellings are recognised)")
    imp.add_argument("csv", type=Path, help="the roster CSV (UTF-8)")
    book = sub.add_parser("gradebook", help="due dates and the final CSV")
    bsub = book.add_subparsers(dest="action", required=True)
    due = bsub.add_parser("due", help="set an assignment's due date and late policy")
    due.add_argument("assignment", choices=assignments())
    due.add_argument("when", help="due date, ISO 8601 (UTC unless it names a zone), e.g. "
                     "2026-12-14T23:59:00+01:00")
    due.add_argument("--late-penalty", default=None, metavar="POLICY",
                     help="share of the maximum taken off per started day late, e.g. "
                          "10%%/day or 10%%/day,max=50%% (never below 0 points); "
                          "default: no penalty")
    due.add_argument("--out", type=Path, default=DEFAULT_OUT,
                     help="the grader's output folder (default course/graded)")
    exp = bsub.add_parser("export", help="write <out>/<assignment>/final.csv (both kinds "
                          "of points, late penalty, roster names) and print its path")
    exp.add_argument("assignment", choices=assignments())
    exp.add_argument("--out", type=Path, default=DEFAULT_OUT,
                     help="the grader's output folder (default course/graded)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    bridge = nbgradebook.Bridge()
    try:
        if args.command == "roster":
            try:
                count = bridge.import_roster(args.csv)
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                print(f"roster: {exc}", file=sys.stderr)
                return 2
            print(f"{count} student(s) in the gradebook {bridge.db_url}")
            return 0
        out = args.out / args.assignment
        if args.action == "due":
            try:
                when = nbgradebook.parse_time(args.when)
                policy = (nbgradebook.parse_policy(args.late_penalty)
                          if args.late_penalty else None)
            except (ValueError, OverflowError) as exc:
                print(f"gradebook due: {exc}", file=sys.stderr)
                return 2
            bridge.set_due(args.assignment, when)
            out.mkdir(parents=True, exist_ok=True)
            path = out / "late-policy.json"
            if policy:
                gradebook.atomic_write(path, json.dumps(policy))
            else:
                path.unlink(missing_ok=True)
            print(f"{args.assignment} due {when:%Y-%m-%d %H:%M} UTC; late penalty: "
                  f"{args.late_penalty or 'none'}")
            return 0
        path = export(bridge, args.assignment, out)
        print(f"wrote {path}")
        return 0
    finally:
        bridge.close()
