"""The grader's expected values and its hidden data set, both kept outside the sandbox.

- **The reference run.** The source notebook (solutions and hidden tests,
  ``course/source/<a>/<a>.ipynb``) is run through the same sandboxed kernel as the students,
  in grading mode, on the same data; what its checks report per graded cell is what every
  submission must report (course/grade/judge.py). It runs once per class and data set and is
  cached in the grader's private folder (``<out>/grader-private/``, mode 0700, hidden from
  every kernel), keyed by a digest of the source notebook, the data set's manifest and the
  code that makes the reports: a changed notebook or data set is run again.
- **The hidden data set.** The same generator (datagen, the course's scale) with a seed the
  grader chooses per class: ``--seed`` if given, else the one stored in
  ``grader-private/seed``, else a new random one stored there (never in the repository).
  Every submission runs a second time on it; the kernel gets a copy whose manifest says
  ``"seed": "hidden"``, and only during that run (the copy is covered by an empty mount in
  the public run, as the course data is in the hidden one). The setup cell accepts it because
  the grader names its digest in ``COURSE_GRADER_DATASET`` (course/labsetup.py).

``Trust`` is what the class grader (cli.Grader) holds: it prepares both at the start of a
run, adds the environment of grading mode, runs the hidden-data pass of a submission, and
scores it with the judge.

Read next: judge.py (the comparison), runner.py (plans and runs), sandbox.py.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import threading
from pathlib import Path

from course.grade import judge, runner

PRIVATE = "grader-private"
FORMAT = "reports-1"        # bump when what a report holds changes: old caches are ignored
# The code whose behaviour the cached reports depend on, besides the notebook and the data.
REPORTING_CODE = ("checks.py", "execution.py", "reporting.py", "streamcheck.py", "labsetup.py")
COURSE = Path(__file__).resolve().parents[1]


def private_dir(out_root: Path) -> Path:
    """``<out>/grader-private``: the seed, the hidden data and the reference cache (0700)."""
    path = Path(out_root) / PRIVATE
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def class_seed(private: Path, seed: int | None = None) -> int:
    """The hidden data's seed: ``seed`` if given, else the class's stored one (made once)."""
    from course import labsetup

    if seed is not None:
        if seed == labsetup.SEED:
            raise ValueError(f"--seed {seed} is the course data's own seed: choose another")
        return seed
    path = private / "seed"
    with open(private / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            chosen = labsetup.SEED
            while chosen == labsetup.SEED:
                chosen = secrets.randbelow(2 ** 31 - 1) + 1
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(f"{chosen}\n")
        return int(path.read_text().strip())


def hidden_data(private: Path, seed: int) -> Path:
    """The hidden data set of ``seed`` (generated once, in the private folder)."""
    import datagen
    from course import labsetup

    tag = hashlib.sha256(f"hidden-{seed}".encode()).hexdigest()[:16]
    path = private / f"data-{tag}"
    with open(private / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (path / "manifest.json").exists() or datagen.verify(path):
            shutil.rmtree(path, ignore_errors=True)
            datagen.generate(path, labsetup.SCALE, seed=seed, quiet=True)
    return path


def sandbox_copy(source: Path, dest: Path) -> dict:
    """Copy a data set for the kernels (readable by the sandbox uid), its seed removed from
    the copy's manifest; return the original manifest."""
    manifest = json.loads((source / "manifest.json").read_text())
    shutil.copytree(source, dest)
    (dest / "manifest.json").write_text(json.dumps(dict(manifest, seed="hidden"), indent=1,
                                                   sort_keys=True) + "\n")
    for path in [dest, *dest.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return manifest


def cache_key(source_nb: Path, manifest: dict) -> str:
    """Digest of what a reference run's reports depend on."""
    h = hashlib.sha256(FORMAT.encode())
    h.update(Path(source_nb).read_bytes())
    h.update(json.dumps(manifest, sort_keys=True).encode())
    for name in REPORTING_CODE:
        h.update((COURSE / name).read_bytes())
    return h.hexdigest()


def reference_plan(source_nb: dict) -> runner.Plan:
    """The source notebook as a submission: its solutions, its hidden tests."""
    from course.notebooks import solution_notebook

    return runner.plan(source_nb, solution_notebook(source_nb))


def fresh(the_plan: runner.Plan) -> runner.Plan:
    """A copy of a plan with nothing run yet."""
    again = copy.deepcopy(the_plan)
    for cell in again.cells:
        cell.outcome = {}
    return again


class Trust:
    """One grading run's reference reports, hidden data, and judge (held by cli.Grader)."""

    def __init__(self, grader, seed: int | None = None):
        self.grader = grader
        private = private_dir(grader.out.parent)
        self.cache = private / "reference"
        self.cache.mkdir(exist_ok=True)
        hidden_source = hidden_data(private, class_seed(private, seed))
        self.hidden = grader.work / "hidden-data"
        self.hidden_manifest = sandbox_copy(hidden_source, self.hidden)
        self.public_manifest = json.loads((grader.data / "manifest.json").read_text())
        grader.hide.extend([self.hidden, private])    # the public run sees neither
        grader.trust = self                 # its _env asks us for grading mode's variables
        self.refs = self._references()

    # ------------------------------------------------------------ environment and runs

    def env(self, hidden: bool = False) -> dict[str, str]:
        """What a kernel's environment adds for grading mode (and for the hidden data)."""
        extra = {"COURSE_GRADING": "1"}
        if hidden:
            extra.update(COURSE_DATA=str(self.hidden),
                         COURSE_GRADER_DATASET=self.hidden_manifest["dataset_sha256"])
        return extra

    def hide_for_hidden_run(self) -> list[Path]:
        """What a run on the hidden data must not see: everything a run on the course data
        must not see, less the hidden data itself, plus the course data's copy."""
        g = self.grader
        return [p for p in g.hide if p != self.hidden] + [g.data]

    def _references(self) -> dict[bool, judge.Reference]:
        """The reference's reports on both data sets: cached, else run (in parallel)."""
        from course.notebooks import source_path

        g = self.grader
        refs: dict[bool, judge.Reference] = {}
        errors: list[str] = []

        def one(hidden: bool) -> None:
            try:
                run_or_load(hidden)
            except Exception as exc:      # every submission still gets a row, marked
                why = f"grader error: {type(exc).__name__}: {exc}"
                errors.append(f"{'hidden' if hidden else 'course'} data: {why}")
                graded = [gid for gid, info in reference_plan(g.source_nb).graded.items()
                          if info["auto"]]
                refs[hidden] = judge.Reference({}, dict.fromkeys(graded, why))

        def run_or_load(hidden: bool) -> None:
            manifest = self.hidden_manifest if hidden else self.public_manifest
            key = cache_key(source_path(g.assignment), manifest)
            path = self.cache / f"{g.assignment}-{key}.json"
            try:
                refs[hidden] = judge.Reference.from_json(json.loads(path.read_text()))
                return
            except (OSError, ValueError, KeyError, TypeError):
                pass                      # not cached (or unreadable): run it
            the_plan = reference_plan(g.source_nb)
            status, reason = g.run("reference", the_plan, None, hidden=hidden)
            ref = judge.reference_of(the_plan)
            refs[hidden] = ref
            if status not in ("ok", "modified"):
                errors.append(f"{'hidden' if hidden else 'course'} data: {status}, {reason}")
                return                  # not cached: the next run tries again
            fd, tmp = tempfile.mkstemp(dir=self.cache, prefix=".reference-")   # mode 0600
            with os.fdopen(fd, "w") as f:
                json.dump(ref.to_json(), f)
            os.replace(tmp, path)

        threads = [threading.Thread(target=one, args=(hidden,)) for hidden in (False, True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for error in errors:
            g.log(f"reference run of {g.assignment} failed on the {error}")
        for hidden, ref in sorted(refs.items()):
            if ref.failed:
                where = "the grader's hidden data" if hidden else "the course data"
                g.log(f"the reference solution fails {', '.join(sorted(ref.failed))} on {where}"
                      + (": judged on the course data only" if hidden else ""))
        alike = sorted(gid for gid, reports in refs[False].reports.items()
                       if True in refs and refs[True].reports.get(gid) == reports)
        if alike:
            g.log(f"graded cells whose expected values are the same on the hidden data (a "
                  f"hard-coded answer passes there; --seed picks other data): {', '.join(alike)}")
        unreported = sorted(gid for gid, reports in refs[False].reports.items() if not reports)
        if unreported:
            g.log(f"graded cells whose checks all run in the student's process (no report "
                  f"to compare): {', '.join(unreported)}")
        return refs

    # ------------------------------------------------------------ one submission

    def hidden_run(self, student: str, public: runner.Plan, data: bytes) -> \
            tuple[runner.Plan | None, str, str]:
        """The submission again, on the hidden data, up to its last graded cell that passed
        on the course data (none passed: not run at all)."""
        try:
            scores = judge.score(public, None, self.refs[False], None)
        except Exception as exc:        # a grader bug still leaves a row, marked
            return None, "error", f"grader error: {type(exc).__name__}: {exc}"
        passed = {gid for gid, s in scores.items() if s["points"]}
        if not passed:
            return None, "ok", ""
        again = fresh(public)
        last = max(i for i, c in enumerate(again.cells) if c.grade_id in passed)
        again.cells = again.cells[:last + 1]
        try:
            status, reason = self.grader.run(student, again, data, hidden=True)
        except Exception as exc:        # a grader bug still leaves a row, marked
            return again, "error", f"grader error: {type(exc).__name__}: {exc}"
        return again, status, reason

    def judge(self, public: runner.Plan, hidden: tuple | None, status: str,
              reason: str) -> tuple[dict[str, dict], str, str]:
        """(scores, status, reason) of a submission from both runs."""
        the_plan, hidden_status, hidden_reason = hidden or (None, "ok", "")
        scores = judge.score(public, the_plan, self.refs[False], self.refs.get(True))
        if status == "ok" and hidden_status != "ok":
            status, reason = hidden_status, f"on the grader's hidden data: {hidden_reason}"
        return scores, status, reason
