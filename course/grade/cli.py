"""The instructor's commands: ``python -m course grade|release|validate|export``.

``grade`` finds the submissions (nbgrader's layout ``<submissions>/<student>/<assignment>/
*.ipynb``, read safely by ``intake``), checks that a sandbox can start here at all (else it
refuses before grading anyone), grades them in parallel (``--jobs``; each job drives one
sandboxed kernel through ``drive``, each submission on its own so that no failure of one
cancels another), writes each student's row and feedback as soon as it is done, then the
CSV and a summary. Impossible options are refused by argparse with one line each.
nbgrader itself is not imported for grading: its import alone costs seconds per command,
and the parts of it used here (which cells are locked, points, hidden-test regions) are
read straight from the source notebook's nbgrader metadata.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from course import kit
from course.grade import (
    cgroup,
    drive,
    feedback,
    gradebook,
    intake,
    judge,
    nbgradebook,
    reference,
    runner,
    sandbox,
)
from course.notebooks import COURSE, REPO, SOURCE, assignments, read, source_path

DEFAULT_SUBMISSIONS = COURSE / "submitted"
DEFAULT_OUT = COURSE / "graded"
LIMITS = {"cpu": 0, "as": 4 << 30, "nproc": 512, "fsize": 64 << 20}
GROUP_MEMORY, GROUP_PIDS = 4 << 30, 256     # for the kernel and all it forks, together
# nbgrader's own files under course/ (nbgrader_config.py): its database holds every
# student's grades, the folders every submission and feedback page.
NBGRADER = ("gradebook.db", "exchange", "submitted", "autograded", "feedback", "release")
# What a kernel runs of this package: the package and the cell executor. The launcher
# (sandbox.py) is read by root before the mounts are made, so it need not stay visible.
KERNEL_GRADE = ("__init__.py", "kernel.py")


def course_private() -> list[Path]:
    """Everything in ``course/`` a kernel does not need, to be hidden from it.

    An allow-list, not a list of secrets: a kernel keeps the student kit's runtime
    (``kit.RUNTIME``) and ``KERNEL_GRADE``; the lecture notes, the guides, the known
    mistakes, nbgrader's folders, the grader's own modules and any file added to
    ``course/`` later are hidden without anyone remembering to list them. Compiled
    bytecode counts as its module (``__pycache__/mistakes.*.pyc`` would give the known
    mistakes away), so only the allowed modules' bytecode stays.

    >>> hidden = {p.relative_to(COURSE).as_posix() for p in course_private()}
    >>> "mistakes.py" in hidden and "lectures" in hidden and "grade/reference.py" in hidden
    True
    >>> "checks.py" in hidden or "answers.json" in hidden or "grade/kernel.py" in hidden
    False
    """
    hidden: list[Path] = []

    def cover(folder: Path, keep: set[str]) -> None:
        if not folder.is_dir():         # a course folder without it (tests point COURSE
            return                      # at a copy): nothing there to hide
        modules = {name[:-3] for name in keep if name.endswith(".py")}
        for entry in sorted(folder.iterdir()):
            if entry.name in keep:
                continue
            if entry.name == "__pycache__" and entry.is_dir() and not entry.is_symlink():
                hidden.extend(p for p in sorted(entry.iterdir())
                              if p.name.split(".")[0] not in modules)
            else:
                hidden.append(entry)

    cover(COURSE, set(kit.RUNTIME) | {"grade"})
    cover(COURSE / "grade", set(KERNEL_GRADE))
    return hidden
PROBE = ("import os, course.grade.kernel, course.labsetup, minispark; "
         "os.listdir(os.environ['COURSE_DATA']); print('ok')")


class SandboxError(RuntimeError):
    """The sandbox cannot run a kernel here at all: nobody is graded."""


def report_protections(allowed: dict[str, str | None], log=print) -> None:
    missing = {k: v for k, v in allowed.items() if v}
    if missing:
        for name, why in missing.items():
            log(f"sandbox: {name} protection unavailable: {why}; continuing without it")
    else:
        log("sandbox: uid, no_new_privs, mount namespace, no network, rlimits, cgroup "
            "(memory, processes): all active")


def _one_line(exc: BaseException) -> str:
    return intake.clean(" ".join(f"{type(exc).__name__}: {exc}".split()))[:300]


class Grader:
    """One grading run of one assignment: the shared set-up, then ``grade`` per student."""

    def __init__(self, assignment: str, submissions: Path, out: Path, *, jobs: int = 2,
                 cell_timeout: float = 60, budget: float = 300, data: Path | None = None,
                 log=print, memory: int = GROUP_MEMORY, pids: int = GROUP_PIDS,
                 seed: int | None = None):
        from course import labsetup

        self.assignment, self.out = assignment, out / assignment
        self.source_nb = read(source_path(assignment))
        self.cell_timeout, self.budget, self.log = cell_timeout, budget, log
        self.memory, self.pids = memory, pids
        self.stuck: list[cgroup.Group] = []        # groups to retry removing at the end
        self.allowed = sandbox.probe()
        report_protections(self.allowed, log)
        layout = cgroup.detect()
        self.layout = None if isinstance(layout, str) else layout
        self.work = Path(tempfile.mkdtemp(prefix="grade-"))
        os.chmod(self.work, 0o711)
        self.leases: list[tuple[int, int]] = []
        try:
            source_data = Path(data) if data else labsetup.data_dir()
            labsetup.ensure_data(source_data)
            self.data = self.work / "data"                   # a copy the kernels may read
            shutil.copytree(source_data, self.data)
            for path in [self.data, *self.data.rglob("*")]:
                os.chmod(path, 0o755 if path.is_dir() else 0o644)
            (self.work / "staging").mkdir()
            self.hide = [Path(out).resolve(), Path(submissions).resolve(), SOURCE,
                         REPO / "solutions", REPO / "tests", REPO / ".git",
                         Path(source_data).resolve(), *course_private()]
            self.out.mkdir(parents=True, exist_ok=True)
            os.chmod(self.out, 0o700)
            self.slots: queue.Queue[int] = queue.Queue()
            self.leases = [sandbox.lease_uid() for _ in range(max(jobs, 1))]
            for slot in range(len(self.leases)):
                self.slots.put(slot)
            self._check_sandbox()
            # The reference's reports and the hidden data set (course/grade/reference.py).
            self.trust = reference.Trust(self, seed)
        except BaseException:
            self.close()
            raise

    def _env(self, workdir: Path) -> dict[str, str]:
        return {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(workdir),
                "TMPDIR": str(workdir / "tmp"), "COURSE_DATA": str(self.data),
                "COURSE_ENGINE": "minispark", "PYSPARK_PYTHON": sys.executable,
                "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
                # the kernel runs the grader's own copy of the course and engine
                "PYTHONPATH": str(sandbox.PROJECT),
                # no Spark UI in a kernel nobody can browse (minispark; real PySpark)
                "MINISPARK_UI_ENABLED": "false",
                "PYSPARK_SUBMIT_ARGS": "--conf spark.ui.enabled=false pyspark-shell",
                "IPYTHONDIR": str(workdir / ".ipython")}

    def _workdir(self, slot: int, student: str) -> Path:
        return self.work / f"slot{slot}"      # reused: one sandbox uid per slot

    def _config(self, slot: int, workdir: Path, group: cgroup.Group | None,
                hidden: bool = False) -> dict:
        limits = dict(LIMITS, cpu=int(self.budget) + 30)
        if self.allowed["uid"]:
            limits.pop("nproc")          # would count the grader's own processes
        # A run on the course data sees neither the hidden data nor the grader's private
        # folder; a run on the hidden data sees that data and not the course data's copy.
        hide = self.hide if not hidden else self.trust.hide_for_hidden_run()
        return sandbox.config(self.leases[slot][0], workdir, hide, self.allowed, limits,
                              self.work / "staging", group.procs if group else None)

    def _group(self) -> cgroup.Group | None:
        return cgroup.Group(self.layout, self.memory, self.pids) if self.layout else None

    def _check_sandbox(self) -> None:
        """Start one sandbox like a kernel's before anyone is graded: if it cannot start
        here, every student would get ``error``; refuse instead, saying why."""
        workdir = self.work / "probe"
        group = self._group()
        try:
            cfg = self._config(0, workdir, group)
            sandbox.prepare_workdir(workdir, cfg["uid"])
            why = drive.probe_launch(cfg, self._env(workdir), PROBE)
        finally:
            if group is not None and not group.remove():
                self.stuck.append(group)
            shutil.rmtree(workdir, ignore_errors=True)
        if why:
            raise SandboxError(f"the sandbox cannot start a kernel here: {intake.clean(why)}")

    def run(self, student: str, the_plan: runner.Plan, data: bytes | None, *,
            hidden: bool = False) -> tuple[str, str]:
        """Run a plan in a sandbox of its own, in grading mode, on the course data or the
        hidden data; ``data`` is the submission's notebook file (None for the reference)."""
        slot = self.slots.get()
        workdir = self._workdir(slot, student)
        group = None
        try:
            group = self._group()
            cfg = self._config(slot, workdir, group, hidden)
            sandbox.prepare_workdir(workdir, cfg["uid"])
            if data is not None:
                notebook = workdir / f"{self.assignment}.ipynb"
                notebook.write_bytes(data)
                if cfg["uid"] is not None:
                    os.chown(notebook, cfg["uid"], cfg["uid"])
            env = {**self._env(workdir), **self.trust.env(hidden)}
            return drive.execute(the_plan, cfg, env, self.cell_timeout, self.budget, group)
        finally:                             # (the kernel's close removed it already)
            if group is not None and not group.remove():
                self.stuck.append(group)
            shutil.rmtree(workdir, ignore_errors=True)
            self.slots.put(slot)

    def scrub(self) -> dict[str, str]:
        """Paths of this machine that may appear in output -> what feedback shows."""
        return {str(self.data): "<course data>", str(self.work): "<grader>",
                str(sandbox.PROJECT): "<course>", sys.prefix: "<python>",
                sys.base_prefix: "<python>"}

    def grade(self, sub: intake.Submission) -> dict:
        """Grade one submission; its row and feedback are on disk when this returns.
        Whatever goes wrong with this one submission is its row, never an exception."""
        started = time.monotonic()
        the_plan, hidden = None, None
        try:
            notebook, data = intake.read(sub)
            the_plan = runner.plan(self.source_nb, notebook)
            status, reason = self.run(sub.student, the_plan, data)
            hidden = self.trust.hidden_run(sub.student, the_plan, data)
        except intake.Unreadable as exc:
            status, reason = "error", str(exc)
        except Exception as exc:               # a grader bug still leaves a row, marked
            status, reason = "error", f"grader error: {_one_line(exc)}"
        if the_plan is None:
            the_plan = runner.plan(self.source_nb, {"cells": []})
        try:
            scores, status, reason = self.trust.judge(the_plan, hidden, status, reason)
        except Exception as exc:               # no points without a judgement
            scores = judge.nothing(the_plan, f"grader error: {_one_line(exc)}")
            status, reason = "error", f"grader error: {_one_line(exc)}"
        if status == "ok" and the_plan.notes:
            status = "modified"
        reason = "; ".join(r for r in [reason, *the_plan.notes] if r)
        row = gradebook.make_row(sub.student, self.assignment, scores, status,
                                 reason, time.monotonic() - started, sub.raw)
        row.update(nbgradebook.submitted_at(sub))      # when it was handed in, and how known
        try:
            page = feedback.render(row, the_plan, self.scrub())
        except Exception as exc:
            page = feedback.render(row, runner.plan(self.source_nb, {"cells": []}))
            row["reason"] = f"{row['reason']}; feedback page failed: {_one_line(exc)}".lstrip("; ")
        gradebook.atomic_write(self.out / "feedback" / f"{gradebook.row_file(row)}.html", page)
        gradebook.write_row(self.out, row)
        return row

    def grade_or_report(self, sub: intake.Submission) -> dict:
        """``grade``, and if even writing the row failed, a row in memory saying why (the
        run goes on: other students are not cancelled)."""
        try:
            return self.grade(sub)
        except Exception as exc:
            reason = f"grader error while saving: {_one_line(exc)}"
            self.log(f"grade: {intake.clean(sub.student)}: {reason}")
            return gradebook.make_row(sub.student, self.assignment, {}, "error", reason, 0.0,
                                      sub.raw)

    def close(self) -> None:
        for group in self.stuck:
            if not group.remove(seconds=30):
                self.log(f"sandbox: control group {group.name} could not be removed "
                         "(a process in it does not exit); remove it by hand")
        self.stuck = []
        shutil.rmtree(self.work, ignore_errors=True)
        for _, fd in self.leases:
            os.close(fd)                        # releases the uid for other runs
        self.leases = []


def grade_all(assignment: str, submissions: Path = DEFAULT_SUBMISSIONS,
              out: Path = DEFAULT_OUT, jobs: int = 2, students: list[str] | None = None,
              **options) -> list[dict]:
    """Grade every submission of ``assignment`` (or only those of ``students``: the
    other rows stay as they are); return the rows graded (the CSV has all rows).

    Each submission is graded on its own: one that fails in any way gets its row with
    status ``error`` and the others go on. Raises ``SandboxError`` before grading anyone
    if no kernel can start here.
    """
    found = intake.find(Path(submissions), assignment)
    if students is not None:
        found = [sub for sub in found if sub.student in students]
    grader = Grader(assignment, Path(submissions), Path(out), jobs=jobs, **options)
    rows: dict[int, dict] = {}
    try:
        grader.log(f"grading {len(found)} submission(s) of {assignment} with {jobs} job(s)")
        pool = ThreadPoolExecutor(max_workers=max(jobs, 1))
        try:
            futures = {pool.submit(grader.grade_or_report, sub): n
                       for n, sub in enumerate(found)}
            for future in as_completed(futures):
                rows[futures[future]] = future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)   # on Ctrl-C: start no one else
    finally:
        grader.close()
    gradebook.export(grader.out, assignment, log=grader.log)
    try:                                    # the class report: never fails the grading
        from course.grade import report

        report.write(grader.out, assignment, log=grader.log)
    except Exception as exc:
        grader.log(f"report: not written: {_one_line(exc)}")
    return [rows[n] for n in sorted(rows)]


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number of seconds")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def existing_dir(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a folder (nbgrader's layout: "
                                         "<submissions>/<student>/<assignment>/*.ipynb)")
    return path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grade", help="autograde every submission in a sandbox, write rows, "
                       "feedback and grades.csv, and record them in nbgrader's gradebook",
                       description="Autograde every submission of ASSIGNMENT, each in its own "
                       "sandboxed kernel; write OUT/ASSIGNMENT/rows/, feedback/ and grades.csv; "
                       "then record the results in nbgrader's gradebook for the Formgrader "
                       "(course/INSTRUCTOR.md, 'Running a class').")
    g.add_argument("assignment", choices=assignments(), help="the assignment (chapter) to grade")
    g.add_argument("--submissions", type=existing_dir, default=DEFAULT_SUBMISSIONS,
                   help="folder in nbgrader's layout <student>/<assignment>/*.ipynb "
                        "(default course/submitted, where nbgrader collect puts them)")
    g.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="where rows, feedback pages, grades.csv and the grader's private "
                        "files go, under OUT/ASSIGNMENT (default course/graded)")
    g.add_argument("--jobs", type=positive_int, default=os.cpu_count() or 2,
                   help="submissions graded at once, one kernel each (default: the cores)")
    g.add_argument("--cell-timeout", type=positive_float, default=60,
                   help="effective seconds a cell may run before it is interrupted "
                        "(default 60)")
    g.add_argument("--budget", type=positive_float, default=300,
                   help="effective seconds for a whole notebook, per data set (default 300)")
    g.add_argument("--data", type=Path, default=None,
                   help="the course data folder (default data/ or $COURSE_DATA)")
    g.add_argument("--seed", type=int, default=None,
                   help="the hidden data set's seed (default: the class's, stored in OUT)")
    g.add_argument("--students", nargs="+", default=None, metavar="STUDENT",
                   help="regrade only these students (folder names); the other rows stay "
                        "as they are and grades.csv is rebuilt from all rows")
    g.add_argument("--no-nbgrader", action="store_true",
                   help="do not record the results in nbgrader's gradebook.db, autograded/ "
                        "and feedback/")
    sub.add_parser("release", help="regenerate exercises/ and solutions/ (make release)")
    r = sub.add_parser("report", help="what the class got wrong: OUT/<assignment>/report.html")
    r.add_argument("assignment", choices=assignments())
    r.add_argument("--out", type=Path, default=DEFAULT_OUT)
    v = sub.add_parser("validate", help="grade one notebook and show what fails")
    v.add_argument("notebook", type=Path)
    v.add_argument("--assignment", default=None)
    e = sub.add_parser("export", help="rebuild grades.csv from the graded rows, print a "
                       "summary table and the CSV's path (final grades with written answers "
                       "and names: python -m course gradebook export)")
    e.add_argument("assignment", choices=assignments())
    e.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="the grader's output folder (default course/graded)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "report":
        from course.grade import report

        return report.command(args.assignment, args.out)
    if args.command == "release":
        from course.notebooks import release
        for path in release():
            print(f"wrote {path.relative_to(REPO)}")
        return 0
    if args.command == "export":
        out = args.out / args.assignment
        path = gradebook.export(out, args.assignment, log=lambda m: print(m, file=sys.stderr))
        print(gradebook.summary(gradebook.read_rows(out, args.assignment)))
        print(f"wrote {path}")
        return 0
    if args.command == "validate":
        return validate(args.notebook, args.assignment or args.notebook.stem)
    start = time.monotonic()
    found = intake.find(args.submissions, args.assignment)
    if not found:
        print(f"grade: no submission of {args.assignment} in {args.submissions} "
              f"(expected <student>/{args.assignment}/*.ipynb)", file=sys.stderr)
        return 2
    unknown = sorted(set(args.students or []) - {sub.student for sub in found})
    if unknown:
        print(f"grade: no submission of {args.assignment} by {', '.join(unknown)} in "
              f"{args.submissions}", file=sys.stderr)
        return 2
    try:
        rows = grade_all(args.assignment, args.submissions, args.out, args.jobs,
                         students=args.students, cell_timeout=args.cell_timeout,
                         budget=args.budget, data=args.data, seed=args.seed)
    except SandboxError as exc:
        print(f"grade: refusing to grade: {exc}", file=sys.stderr)
        return 2
    if not args.no_nbgrader:      # the rows are on disk already: a failure here loses none
        try:
            bridge = nbgradebook.Bridge()
            try:
                for note in nbgradebook.record_class(bridge, args.assignment, found, rows,
                                                     args.out / args.assignment):
                    print(f"nbgrader: {note}")
            finally:
                bridge.close()
        except Exception as exc:
            print(f"nbgrader: gradebook not updated ({_one_line(exc)}); the rows and "
                  "grades.csv are written: rerun with --students to record them",
                  file=sys.stderr)
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
        try:
            row = grade_all(assignment, Path(tmp) / "submitted", Path(tmp) / "out", jobs=1)[0]
        except SandboxError as exc:
            print(f"validate: {exc}", file=sys.stderr)
            return 2
    for gid, s in row["scores"].items():
        if s["points"] is not None:
            print(f"{gid:<16} {s['points']:g}/{s['max']:g}  {s['failed'] or 'passed'}")
    print(f"total {row['total']:g}/{row['max']:g}  status {row['status']}  {row['reason']}")
    return 0 if row["total"] == row["max"] and row["status"] == "ok" else 1
