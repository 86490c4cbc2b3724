"""The instructor's commands: ``python -m course grade|release|validate|export``.

``grade`` finds the submissions (nbgrader's layout ``<submissions>/<student>/<assignment>/
*.ipynb``), grades them in parallel (``--jobs``; each job drives one sandboxed kernel),
writes each student's row and feedback as soon as it is done, then the CSV and a summary.
nbgrader itself is not imported for grading: its import alone costs seconds per command,
and the parts of it used here (which cells are locked, points, hidden-test regions) are
read straight from the source notebook's nbgrader metadata.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from course.grade import feedback, gradebook, reference, runner, sandbox
from course.notebooks import COURSE, REPO, SOURCE, assignments, read, source_path

DEFAULT_SUBMISSIONS = COURSE / "submitted"
DEFAULT_OUT = COURSE / "graded"
LIMITS = {"cpu": 0, "as": 4 << 30, "nproc": 512, "fsize": 64 << 20}


def find_submissions(submissions: Path, assignment: str) -> dict[str, Path]:
    """student -> notebook (the assignment's name, else the only notebook there)."""
    found = {}
    for folder in sorted(submissions.glob(f"*/{assignment}")):
        notebooks = sorted(folder.glob("*.ipynb"))
        named = folder / f"{assignment}.ipynb"
        if named.exists() or notebooks:
            found[folder.parent.name] = named if named.exists() else notebooks[0]
    return found


def report_protections(allowed: dict[str, str | None], log=print) -> None:
    missing = {k: v for k, v in allowed.items() if v}
    if missing:
        for name, why in missing.items():
            log(f"sandbox: {name} protection unavailable: {why}; continuing without it")
    else:
        log("sandbox: uid, no_new_privs, mount namespace, no network, rlimits: all active")


class Grader:
    """One grading run of one assignment: the shared set-up, then ``grade`` per student."""

    def __init__(self, assignment: str, submissions: Path, out: Path, *, jobs: int = 2,
                 cell_timeout: float = 60, budget: float = 300, data: Path | None = None,
                 log=print, seed: int | None = None):
        from course import labsetup

        self.assignment, self.out = assignment, out / assignment
        self.source_nb = read(source_path(assignment))
        self.cell_timeout, self.budget, self.log = cell_timeout, budget, log
        self.allowed = sandbox.probe()
        report_protections(self.allowed, log)
        self.work = Path(tempfile.mkdtemp(prefix="grade-"))
        os.chmod(self.work, 0o711)
        source_data = Path(data) if data else labsetup.data_dir()
        labsetup.ensure_data(source_data)
        self.data = self.work / "data"                       # a copy the kernels may read
        shutil.copytree(source_data, self.data)
        for path in [self.data, *self.data.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        (self.work / "staging").mkdir()
        self.hide = [Path(out).resolve(), Path(submissions).resolve(), SOURCE, REPO / "solutions",
                     REPO / "tests", REPO / ".git", Path(source_data).resolve()]
        self.out.mkdir(parents=True, exist_ok=True)
        os.chmod(self.out, 0o700)
        self.slots: queue.Queue[int] = queue.Queue()
        self.leases = [sandbox.lease_uid() for _ in range(max(jobs, 1))]
        for slot in range(len(self.leases)):
            self.slots.put(slot)
        # The reference's reports and the hidden data set (course/grade/reference.py).
        self.trust = reference.Trust(self, seed)

    def _env(self, workdir: Path) -> dict[str, str]:
        return {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(workdir),
                "TMPDIR": str(workdir / "tmp"), "COURSE_DATA": str(self.data),
                "COURSE_ENGINE": "minispark", "PYSPARK_PYTHON": sys.executable,
                "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
                "IPYTHONDIR": str(workdir / ".ipython"), **self.trust.env()}

    def _workdir(self, slot: int, student: str) -> Path:
        return self.work / f"slot{slot}"      # reused: one sandbox uid per slot

    def grade(self, student: str, notebook: Path) -> dict:
        """Grade one submission; its row and feedback are on disk when this returns."""
        started = time.monotonic()
        slot = self.slots.get()
        hidden = None
        try:
            try:
                submission = json.loads(Path(notebook).read_text())
                the_plan = runner.plan(self.source_nb, submission)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                the_plan = runner.plan(self.source_nb, {"cells": []})
                status, reason = "error", f"the notebook could not be read: {exc}"[:300]
            else:
                workdir = self._workdir(slot, student)
                limits = dict(LIMITS, cpu=int(self.budget) + 30)
                if self.allowed["uid"]:
                    limits.pop("nproc")          # would count the grader's own processes
                cfg = sandbox.config(self.leases[slot][0], workdir, self.hide, self.allowed, limits,
                                     self.work / "staging")
                sandbox.prepare_workdir(workdir, cfg["uid"])
                shutil.copy(notebook, workdir / f"{self.assignment}.ipynb")
                if cfg["uid"] is not None:
                    os.chown(workdir / f"{self.assignment}.ipynb", cfg["uid"], cfg["uid"])
                try:
                    status, reason = runner.execute(the_plan, cfg, self._env(workdir),
                                                    self.cell_timeout, self.budget)
                except Exception as exc:       # a grader bug still leaves a row, marked
                    status, reason = "error", f"grader error: {type(exc).__name__}: {exc}"
                shutil.rmtree(workdir, ignore_errors=True)
                hidden = self.trust.hidden_run(slot, the_plan, notebook)
        finally:
            self.slots.put(slot)
        scores, status, reason = self.trust.judge(the_plan, hidden, status, reason)
        if status == "ok" and the_plan.notes:
            status = "modified"
        reason = "; ".join(r for r in [reason, *the_plan.notes] if r)
        row = gradebook.make_row(student, self.assignment, scores, status,
                                 reason, time.monotonic() - started)
        gradebook.atomic_write(self.out / "feedback" / f"{gradebook.file_name(student)}.html",
                               feedback.render(row, the_plan))
        gradebook.write_row(self.out, row)
        return row

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        for _, fd in self.leases:
            os.close(fd)                        # releases the uid for other runs


def grade_all(assignment: str, submissions: Path = DEFAULT_SUBMISSIONS,
              out: Path = DEFAULT_OUT, jobs: int = 2, **options) -> list[dict]:
    """Grade every submission of ``assignment``; return the rows (also in the CSV)."""
    found = find_submissions(Path(submissions), assignment)
    grader = Grader(assignment, Path(submissions), Path(out), jobs=jobs, **options)
    try:
        grader.log(f"grading {len(found)} submission(s) of {assignment} with {jobs} job(s)")
        with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
            rows = list(pool.map(lambda item: grader.grade(*item), found.items()))
    finally:
        grader.close()
    gradebook.export(grader.out)
    return rows


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grade", help="autograde every submission, write feedback and CSV")
    g.add_argument("assignment", choices=assignments())
    g.add_argument("--submissions", type=Path, default=DEFAULT_SUBMISSIONS)
    g.add_argument("--out", type=Path, default=DEFAULT_OUT)
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    g.add_argument("--cell-timeout", type=float, default=60)
    g.add_argument("--budget", type=float, default=300, help="seconds for a whole notebook")
    g.add_argument("--data", type=Path, default=None)
    g.add_argument("--seed", type=int, default=None,
                   help="the hidden data set's seed (default: the class's, stored in OUT)")
    sub.add_parser("release", help="regenerate exercises/ and solutions/ (make release)")
    v = sub.add_parser("validate", help="grade one notebook and show what fails")
    v.add_argument("notebook", type=Path)
    v.add_argument("--assignment", default=None)
    e = sub.add_parser("export", help="rebuild grades.csv from the graded rows")
    e.add_argument("assignment", choices=assignments())
    e.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "release":
        from course.notebooks import release
        for path in release():
            print(f"wrote {path.relative_to(REPO)}")
        return 0
    if args.command == "export":
        out = args.out / args.assignment
        path = gradebook.export(out)
        print(gradebook.summary(gradebook.read_rows(out)))
        print(f"wrote {path}")
        return 0
    if args.command == "validate":
        return validate(args.notebook, args.assignment or args.notebook.stem)
    start = time.monotonic()
    rows = grade_all(args.assignment, args.submissions, args.out, args.jobs,
                     cell_timeout=args.cell_timeout, budget=args.budget, data=args.data,
                     seed=args.seed)
    print(gradebook.summary(rows))
    took = time.monotonic() - start
    print(f"{len(rows)} graded in {took:.1f} s; gradebook {args.out / args.assignment}/grades.csv")
    return 0


def validate(notebook: Path, assignment: str) -> int:
    """nbgrader validate's job: run the notebook as the grader would; list what fails."""
    if assignment not in assignments():
        print(f"unknown assignment {assignment!r}: use --assignment", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="validate-") as tmp:
        folder = Path(tmp) / "submitted" / "you" / assignment
        folder.mkdir(parents=True)
        shutil.copy(notebook, folder / f"{assignment}.ipynb")
        row = grade_all(assignment, Path(tmp) / "submitted", Path(tmp) / "out", jobs=1)[0]
    for gid, s in row["scores"].items():
        if s["points"] is not None:
            print(f"{gid:<16} {s['points']:g}/{s['max']:g}  {s['failed'] or 'passed'}")
    print(f"total {row['total']:g}/{row['max']:g}  status {row['status']}  {row['reason']}")
    return 0 if row["total"] == row["max"] and row["status"] == "ok" else 1
