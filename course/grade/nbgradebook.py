"""One gradebook: the sandboxed grader's results recorded in nbgrader's ``gradebook.db``.

``python -m course grade`` judges submissions outside nbgrader (``cli``); this module puts
what it decided where nbgrader's own tools look, so the Formgrader lists every submission
and the instructor hand-grades the written answers there:

- the **assignment and notebook** with their grade, solution and source cells, exactly as
  ``nbgrader generate_assignment`` records them (its own preprocessors, in its order, on
  ``course/source/``), unless it ran already: it need not have run on this machine;
- the **student** (names and email from ``roster import``) and a **submission** with its
  timestamp: nbgrader's ``timestamp.txt`` in the submission folder (what ``nbgrader
  collect`` writes), else the notebook file's mtime; the row says which (``timestamp_from``);
- per grade cell the **auto score** (our judged points; None for a written answer, which
  then needs a manual grade). A manual score already given in the Formgrader is kept;
- the **notebook where the Formgrader opens it**, ``autograded/<student>/<a>/<a>.ipynb``:
  the student's cells with every locked cell as released (as nbgrader's autograde does);
- our **feedback page** where ``nbgrader release_feedback`` takes it
  (``feedback/<student>/<a>/<a>.html`` + ``timestamp.txt`` + the submission's
  ``submission_secret.txt``; a hand-collected submission has no secret, so its page stays
  in ``graded/<a>/feedback/`` for the instructor to hand out).

The nbgrader student id is the row's file name (``gradebook.file_name``): the folder name
when it is safe, never one two students share. Due dates live in the gradebook
(``Assignment.duedate``); the late policy (``late_policy``) in ``graded/<a>/late-policy.json``.
Read next: ``finalgrades`` (the final CSV joining both kinds of points, and the commands
``python -m course roster|gradebook``). nbgrader is imported once per command (its import
and its database set-up cost seconds).
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import stat
import sys
import warnings
from datetime import UTC, datetime
from pathlib import Path

from course.grade import gradebook, intake
from course.notebooks import COURSE, REPO, dumps, source_path

POLICY = re.compile(r"\s*(\d+(?:\.\d+)?)%/day\s*(?:,\s*max\s*=?\s*(\d+(?:\.\d+)?)%)?\s*")
SMALL = 4096                    # timestamp.txt and submission_secret.txt are one line


def course_config(course_root: Path = COURSE) -> tuple[Path, str, str]:
    """(nbgrader course root, db_url, course id) from ``<course_root>/nbgrader_config.py``."""
    from traitlets.config import Config

    config, path = Config(), course_root / "nbgrader_config.py"
    if path.is_file():   # the instructor's own file: trusted as nbgrader itself trusts it
        exec(compile(path.read_text(), str(path), "exec"),  # noqa: S102 (nbgrader does the same)
             {"get_config": lambda: config, "__file__": str(path)})
    root = Path(config.CourseDirectory.get("root", str(course_root)))
    db_url = config.CourseDirectory.get("db_url", f"sqlite:///{root / 'gradebook.db'}")
    return root, db_url, config.CourseDirectory.get("course_id", "default_course")


class Bridge:
    """nbgrader's gradebook and course folders, opened once for one command."""

    def __init__(self, root: Path | None = None, db_url: str | None = None,
                 course_id: str | None = None):
        from nbgrader.api import Gradebook, MissingEntry

        # nbgrader runs `alembic` from PATH when it creates a database: use the venv's.
        bindir = str(Path(sys.executable).parent)
        if bindir not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
        conf_root, conf_url, conf_id = course_config()
        self.root = Path(root or conf_root)
        self.db_url = db_url or (conf_url if root is None else
                                 f"sqlite:///{self.root / 'gradebook.db'}")
        self.gb = Gradebook(self.db_url, course_id=course_id or conf_id)
        self.Missing = MissingEntry

    def close(self) -> None:
        self.gb.close()
        if self.db_url.startswith("sqlite:///"):
            self.hand_over(Path(self.db_url[len("sqlite:///"):]))

    # ------------------------------------------------------------ assignment, students

    def register(self, assignment: str) -> None:
        """What ``nbgrader generate_assignment`` records, unless it is recorded already:
        the assignment, its notebook, grade/solution/source cells, made by nbgrader's own
        preprocessors in generate_assignment's order up to its ``SaveCells`` (so each
        locked cell's source and checksum include its hidden tests, as nbgrader's
        autograde expects them)."""
        import nbformat
        from nbgrader.preprocessors import (
            ClearOutput,
            ClearSolutions,
            ComputeChecksums,
            LockCells,
            SaveCells,
        )

        self.gb.update_or_create_assignment(assignment)
        try:
            if self.gb.find_notebook(assignment, assignment).grade_cells:
                return
        except self.Missing:
            pass
        nb = nbformat.reads(source_path(assignment).read_text(encoding="utf-8"), as_version=4)
        resources = {"nbgrader": {"db_url": self.db_url, "notebook": assignment,
                                  "assignment": assignment}}
        with warnings.catch_warnings():   # nbformat's "missing cell id" on the source
            warnings.simplefilter("ignore")
            for step in (LockCells, ClearSolutions, ClearOutput, ComputeChecksums, SaveCells):
                nb, resources = step().preprocess(nb, resources)

    def set_due(self, assignment: str, due: datetime) -> None:
        self.register(assignment)
        self.gb.update_or_create_assignment(assignment, duedate=due)

    def import_roster(self, path: Path) -> int:
        """Students from a CSV with columns id, first_name, last_name, email (a header
        row; ``student_id``/``first name``... are accepted). Returns how many."""
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            keys = {re.sub(r"[^a-z]", "", (k or "").lower()): k for k in reader.fieldnames or []}
            pick = {want: next((keys[k] for k in names if k in keys), None) for want, names in {
                "id": ("id", "studentid", "student", "sid"),
                "first_name": ("firstname", "first", "givenname"),
                "last_name": ("lastname", "last", "surname", "familyname"),
                "email": ("email", "emailaddress", "mail")}.items()}
            if pick["id"] is None:
                raise ValueError(f"{path}: no id column (header: {reader.fieldnames})")
            students = {}
            for line, rec in enumerate(reader, 2):     # all checked before any is written
                sid = (rec.get(pick["id"]) or "").strip()
                if not sid:
                    raise ValueError(f"{path}: line {line} has no student id")
                if gradebook.file_name(sid) != sid:
                    raise ValueError(f"{path}: line {line}: id {sid!r} is not a folder name "
                                     "the grader keeps as is (letters, digits, _.@+-)")
                students[sid] = {k: (rec.get(col) or "").strip() or None
                                 for k, col in pick.items() if k != "id" and col}
        for sid, fields in students.items():
            self.gb.update_or_create_student(sid, **fields)
        return len(students)

    # ------------------------------------------------------------ one graded submission

    def record(self, row: dict, sub: intake.Submission | None, out: Path) -> list[str]:
        """Record one graded row; returns notes for the instructor (empty when all went)."""
        assignment, sid = row["assignment"], gradebook.row_file(row)
        self.gb.update_or_create_student(sid)
        when = row.get("timestamp")
        stamp = datetime.fromisoformat(when) if when else None
        try:
            submission = self.gb.find_submission(assignment, sid)
            submission.timestamp = stamp
        except self.Missing:
            with warnings.catch_warnings():    # nbgrader's own add_submission warns (SQLAlchemy
                warnings.simplefilter("ignore")  # autoflush) though it adds everything
                self.gb.add_submission(assignment, sid, timestamp=stamp)
        for gid, score in row["scores"].items():
            try:
                grade = self.gb.find_grade(gid, assignment, assignment, sid)
            except self.Missing:
                continue
            grade.auto_score = score["points"]
            # nbgrader's rule (SaveAutoGrades): review what has no auto score or was
            # overridden by hand; a written answer already hand-graded stays graded.
            grade.needs_manual_grade = (grade.manual_score is None) if score["points"] is None \
                else grade.manual_score is not None
        self.gb.db.commit()
        notebook = self.gb.find_submission_notebook(assignment, assignment, sid)
        notebook.late_submission_penalty = late_penalty(
            notebook.score, notebook.max_score, days_late(stamp, self.due(assignment)),
            read_policy(out)) or None
        self.gb.db.commit()
        notes = []
        if sub is not None:
            self._autograded(sub, assignment, sid, when)
            notes += self._feedback(sub, out, row, sid, when)
        return notes

    def max_score(self, assignment: str) -> float | None:
        try:
            return self.gb.find_assignment(assignment).max_score
        except self.Missing:
            return None

    def due(self, assignment: str) -> datetime | None:
        try:
            return self.gb.find_assignment(assignment).duedate
        except self.Missing:
            return None

    def _autograded(self, sub: intake.Submission, assignment: str, sid: str,
                    when: str | None) -> None:
        folder = self.root / "autograded" / sid / assignment
        try:
            notebook, _ = intake.read(sub)
        except intake.Unreadable:
            notebook = {"cells": []}
        released = json.loads((REPO / "exercises" / assignment / f"{assignment}.ipynb")
                              .read_text(encoding="utf-8"))
        self._write(folder / f"{assignment}.ipynb", dumps(formgrader_notebook(released, notebook)))
        if when:
            self._write(folder / "timestamp.txt", nbgrader_time(when))

    def _feedback(self, sub: intake.Submission, out: Path, row: dict, sid: str,
                  when: str | None) -> list[str]:
        page = out / "feedback" / f"{sid}.html"
        secret = small_file(sub, b"submission_secret.txt")
        if not page.is_file() or secret is None or not when:
            return [f"{sid}: no submission_secret.txt (not submitted through nbgrader's "
                    f"exchange): hand out {page} yourself"] if page.is_file() else []
        folder = self.root / "feedback" / sid / row["assignment"]
        self._write(folder / f"{row['assignment']}.html", page.read_text("utf-8"))
        self._write(folder / "timestamp.txt", nbgrader_time(when))
        self._write(folder / "submission_secret.txt", secret.strip())
        return []

    def _write(self, path: Path, text: str) -> None:
        """Write a file for nbgrader's tools, owned like the course folder: the grader runs
        as root, the Formgrader and ``nbgrader release_feedback`` as the instructor."""
        gradebook.atomic_write(path, text)
        os.chmod(path, 0o644)
        self.hand_over(path)

    def hand_over(self, path: Path) -> None:
        """``path`` and its folders up to the course root (and a SQLite gradebook) owned by
        the course root's owner, when this runs as root."""
        if os.geteuid() != 0:
            return
        owner = os.stat(self.root)
        paths = [path, *[p for p in path.parents if self.root in p.parents]]
        if self.db_url.startswith("sqlite:///"):
            paths.append(Path(self.db_url[len("sqlite:///"):]))
        for each in paths:
            if each.exists() and not each.is_symlink():
                os.chown(each, owner.st_uid, owner.st_gid)


def formgrader_notebook(released: dict, submitted: dict) -> dict:
    """The student's notebook as the Formgrader shows it: their cells in their order, each
    nbgrader cell with the released metadata, locked cells with the released text."""
    by_id = {c["metadata"]["nbgrader"]["grade_id"]: c for c in released["cells"]
             if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")}
    cells, seen, ids = [], set(), set()
    for cell in submitted.get("cells", []):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        kind = cell.get("cell_type", "markdown")
        if gid in by_id and gid not in seen:
            seen.add(gid)
            new = json.loads(json.dumps(by_id[gid]))
            meta = new["metadata"]["nbgrader"]
            if not meta.get("locked") and meta.get("solution"):
                new["source"] = cell.get("source", "")
        else:
            new = {"cell_type": "code" if kind == "code" else "markdown", "metadata": {},
                   "source": cell.get("source", "")}
        if new["cell_type"] == "code":
            new.update(outputs=[], execution_count=None)
        ident = new.get("id") or f"cell-{len(cells)}"   # nbformat 4.5: unique cell ids
        while ident in ids:
            ident += "-"
        new["id"] = ident
        ids.add(ident)
        cells.append(new)
    return {"cells": cells, "metadata": released.get("metadata", {}),
            "nbformat": 4, "nbformat_minor": released.get("nbformat_minor", 5)}


# ---------------------------------------------------------------- timestamps, lateness

def small_file(sub: intake.Submission, name: bytes) -> str | None:
    """A one-line file of the submission folder, reached without following any link."""
    if sub.problem and "notebook" not in sub.problem:
        return None
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    student_dir, assignment = os.path.split(sub.folder)
    root, student = os.path.split(student_dir)
    fds = []
    try:
        fds.append(os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
        for part in (student, assignment):
            fds.append(os.open(part, flags | os.O_DIRECTORY, dir_fd=fds[-1]))
        info = os.stat(name, dir_fd=fds[-1], follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):
            return None
        fds.append(os.open(name, flags | os.O_NONBLOCK, dir_fd=fds[-1]))
        return intake.clean(os.read(fds[-1], SMALL).decode("utf-8", "replace"))
    except OSError:
        return None
    finally:
        for fd in fds:
            os.close(fd)


def parse_time(text: str) -> datetime:
    """A timestamp as nbgrader writes it (``2026-12-07 13:00:00.123456 UTC``) or ISO 8601,
    as a naive UTC datetime (what nbgrader's gradebook stores)."""
    from dateutil import parser as dateparser

    when = dateparser.parse(text.strip())
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def nbgrader_time(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def submitted_at(sub: intake.Submission) -> dict:
    """{"timestamp": ISO UTC, "timestamp_from": "timestamp.txt" | "file mtime"} or {}."""
    text = small_file(sub, b"timestamp.txt")
    if text and text.strip():
        try:
            return {"timestamp": parse_time(text).isoformat(), "timestamp_from": "timestamp.txt"}
        except (ValueError, OverflowError):
            pass
    if sub.notebook is None:
        return {}
    try:
        mtime = os.lstat(os.path.join(sub.folder, sub.notebook)).st_mtime
    except OSError:
        return {}
    when = datetime.fromtimestamp(mtime, UTC).replace(tzinfo=None)
    return {"timestamp": when.isoformat(), "timestamp_from": "file mtime"}


def parse_policy(text: str) -> dict:
    """``10%/day`` or ``10%/day,max=50%``: a share of the assignment's maximum per started
    day late, at most ``max`` of it, never more than the student's score.

    >>> parse_policy("10%/day, max=50%")
    {'per_day': 0.1, 'cap': 0.5}
    """
    match = POLICY.fullmatch(text)
    if not match:
        raise ValueError(f"late policy {text!r}: expected e.g. 10%/day or 10%/day,max=50%")
    cap = float(match.group(2)) / 100 if match.group(2) else 1.0
    return {"per_day": float(match.group(1)) / 100, "cap": cap}


def read_policy(out: Path) -> dict | None:
    path = out / "late-policy.json"
    return json.loads(path.read_text()) if path.is_file() else None


def days_late(stamp: datetime | None, due: datetime | None) -> float:
    if stamp is None or due is None:
        return 0.0
    return max((stamp - due).total_seconds() / 86400, 0.0)


def late_penalty(score: float, max_score: float, late: float, policy: dict | None) -> float:
    """Points taken off: per started day late, ``per_day`` x the maximum, capped.

    >>> late_penalty(10, 14, 1.2, {"per_day": 0.1, "cap": 0.5})   # 2 started days: 20 %
    2.8
    >>> late_penalty(1, 14, 9, {"per_day": 0.1, "cap": 0.5})      # never below 0 points
    1
    """
    if not policy or late <= 0:
        return 0.0
    share = min(math.ceil(late) * policy["per_day"], policy["cap"])
    return min(round(share * max_score, 4), score)


def record_class(bridge: Bridge, assignment: str, found: list[intake.Submission],
                 rows: list[dict], out: Path) -> list[str]:
    """Record graded ``rows`` (of the submissions ``found``) in nbgrader's gradebook."""
    bridge.register(assignment)
    by_file = {gradebook.file_name(sub.student, sub.raw): sub for sub in found}
    notes = []
    for row in rows:
        try:
            notes += bridge.record(row, by_file.get(gradebook.row_file(row)), out)
        except Exception as exc:   # one student's record never stops the others'
            bridge.gb.db.rollback()
            notes.append(f"{row['student']}: not recorded: {type(exc).__name__}: {exc}")
    notes.append(f"{len(rows)} submission(s) recorded in {bridge.db_url}; hand-grade the "
                 f"written answers in the Formgrader, then: python -m course gradebook "
                 f"export {assignment}")
    return notes
