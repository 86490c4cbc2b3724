"""The grader works from any directory the grader can read: a copy of the course in a
0700 temporary directory (``mktemp -d``, the case that once graded every student 0) and
in root's home (0700 as well). Each copy grades a small class through its own
``python -m course grade``, so the kernels run that copy's code (PYTHONPATH).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from course import labsetup
from course.notebooks import REPO

# Two copies of the course each grade a class: about a minute, so this file runs in
# `make test-slow` (CI runs that tier too), not in `make test`.
pytestmark = pytest.mark.slow

ASSIGNMENT = "ch03_spark_basics"
IGNORE = shutil.ignore_patterns(".venv", ".git", "data", "*.egg-info", "__pycache__",
                                ".bench", ".grade-sock-*", ".pytest_cache")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("location-data") / "data"
    labsetup.ensure_data(path)
    return path


def _grade_a_copy_in(parent: Path, data: Path) -> tuple[subprocess.CompletedProcess, Path]:
    clone = parent / "course-copy"
    shutil.copytree(REPO, clone, ignore=IGNORE)
    subs, out = parent / "submitted", parent / "graded"
    for student, kind in (("ada", "solutions"), ("ben", "exercises")):
        folder = subs / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nb = json.loads((REPO / kind / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(nb))
    done = subprocess.run([sys.executable, "-m", "course", "grade", ASSIGNMENT,
                           "--submissions", str(subs), "--out", str(out), "--jobs", "2",
                           "--cell-timeout", "30", "--data", str(data)],
                          cwd=clone, capture_output=True, text=True, timeout=600)
    return done, out / ASSIGNMENT / "grades.csv"


def _check(done: subprocess.CompletedProcess, grades: Path) -> None:
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "sandbox: uid, no_new_privs, mount namespace" in done.stdout
    with open(grades, newline="") as f:
        rows = {r["student"]: (r["total"], r["status"]) for r in csv.DictReader(f)}
    assert rows == {"ada": ("11", "ok"), "ben": ("0", "ok")}


@pytest.mark.timeout(600)
def test_a_copy_in_a_private_temporary_directory(data):
    parent = Path(tempfile.mkdtemp())                 # 0700, under /tmp
    try:
        assert os.stat(parent).st_mode & 0o777 == 0o700
        _check(*_grade_a_copy_in(parent, data))
    finally:
        shutil.rmtree(parent, ignore_errors=True)


@pytest.mark.timeout(600)
def test_a_copy_in_a_home_directory(data):
    home = Path.home()
    parent = Path(tempfile.mkdtemp(prefix="grade-home-", dir=home))
    try:
        _check(*_grade_a_copy_in(parent, data))
    finally:
        shutil.rmtree(parent, ignore_errors=True)
