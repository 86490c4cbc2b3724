"""The student kit: the part of this repository a student gets, and nothing an instructor
keeps to themselves.

``python -m course.kit --out DIR`` (``make kit``; also ``python -m course kit``) writes an
installable project into ``DIR``:

- ``minispark/`` and ``datagen/``, whole: the engine and the data generator;
- the course *runtime*, the modules a notebook imports while it runs: ``course/labsetup.py``
  (the locked setup cell), ``checks.py`` (the self-checks), ``execution.py`` and
  ``streamcheck.py`` (checks on how a job or a stream ran), ``tasktable.py`` (the Stages
  page's task table read from an event log), ``lab.py`` (the launcher of JupyterLab), and
  ``answers.json``, which holds only salted hashes of the answers;
- ``course/exercises/<assignment>/<assignment>.ipynb``: the released exercise notebooks
  (nbgrader's release: solutions replaced by stubs, hidden tests removed), installed with
  the package and copied by ``python -m course.lab`` into a working folder of the student's;
- ``pyproject.toml`` (package ``minispark-course-student``) and ``README.md``: the
  student's guide (course/STUDENT.md without its section for the repository), which says
  how to set it up with two commands.

What never goes in: ``course/source/`` (solutions and hidden tests in plain text),
``solutions/``, the grader (``course/grade/``), ``make_answers.py`` and the release machinery
of ``notebooks.py``, the tests. The kit is built from an allow-list (``RUNTIME``), so a file
added to ``course/`` later stays out until someone decides it belongs to students; and the
built kit is searched for nbgrader's solution and hidden-test markers before ``build``
returns (tests/course/test_kit.py searches it for every solution and hidden-test line too).

Read next: course/lab.py (what the student runs), course/labsetup.py (the setup cell).
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

from course.notebooks import COURSE, REPO, assignments

# The course modules a running notebook needs, and nothing else (see the opening comment).
RUNTIME = ("__init__.py", "labsetup.py", "checks.py", "execution.py", "reporting.py",
           "probes.py", "streamcheck.py", "lab.py", "answers.json",
           "tasktable.py")
# Imported only while instructors record answers (checks.record, `make answers`), never
# by a student's notebook: the known mistakes' variants stay out of the kit.
INSTRUCTOR_MODULES = ("mistakes",)
ENGINE = ("minispark", "datagen")
NAME = "minispark-course-student"
# Text that only instructors' files hold: nbgrader's markers around solutions and hidden
# tests, and the stub's marker in a source notebook.
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
# Packages of the repository's `course` extra that a student does not need: nbgrader is the
# instructor's tool (release, autograde, formgrader).
INSTRUCTOR_ONLY = ("nbgrader",)

INIT = '''"""The course runtime of the student kit: the setup cell (labsetup.py), the self-checks
(checks.py, execution.py, streamcheck.py), the launcher (lab.py: ``python -m course.lab``)
and the exercise notebooks (exercises/), which the launcher copies into a working folder.
"""
'''

class KitError(RuntimeError):
    """The kit cannot be built (the output folder is not empty, or a check failed)."""


# The kit's README is the student's guide, up to its section for people with the repository.
GUIDE = COURSE / "STUDENT.md"
REPOSITORY_SECTION = "\n## Working in the repository instead"


def readme() -> str:
    """The kit's README.md: course/STUDENT.md without its section about the repository."""
    guide = GUIDE.read_text()
    if REPOSITORY_SECTION not in guide:
        raise KitError(f"{GUIDE} has no section {REPOSITORY_SECTION.strip()!r} to end at")
    return guide.split(REPOSITORY_SECTION)[0].rstrip("\n") + "\n"


def _copy_tree(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(
        "__pycache__", "*.pyc", ".ipynb_checkpoints"))


def _pyproject() -> str:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    deps = list(project["dependencies"])
    deps += [d for d in project["optional-dependencies"]["course"]
             if not d.startswith(INSTRUCTOR_ONLY)]
    lines = "\n".join(f'    "{d}",' for d in deps)
    return f"""[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "{NAME}"
version = "{project['version']}"
description = "The Spark course's exercises, minispark and the course data: the student kit."
readme = "README.md"
requires-python = "{project['requires-python']}"
license = "Apache-2.0"
dependencies = [
{lines}
]

[tool.setuptools.packages.find]
include = ["minispark*", "datagen*", "course*"]

[tool.setuptools.package-data]
course = ["answers.json", "exercises/*/*.ipynb"]
"""


def leaks(root: Path) -> list[str]:
    """Files under ``root`` holding an instructor-only marker, as ``path: marker``."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="replace")
        found += [f"{path.relative_to(root)}: {m}" for m in MARKERS if m in text]
    return found


def build(out: Path) -> list[Path]:
    """Write the kit into ``out`` (missing or empty); return the files written."""
    out = Path(out)
    guide = readme()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise KitError(f"{out} is not an empty folder: the kit is built into a new one")
    out.mkdir(parents=True, exist_ok=True)
    for package in ENGINE:
        _copy_tree(REPO / package, out / package)
    runtime = out / "course"
    runtime.mkdir()
    for name in RUNTIME:
        if name == "__init__.py":
            (runtime / name).write_text(INIT)
        else:
            shutil.copy2(COURSE / name, runtime / name)
    for name in assignments():
        released = REPO / "exercises" / name / f"{name}.ipynb"
        if not released.exists():
            raise KitError(f"{released} is missing: run `make release` first")
        (runtime / "exercises" / name).mkdir(parents=True)
        shutil.copy2(released, runtime / "exercises" / name / released.name)
    (out / "pyproject.toml").write_text(_pyproject())
    (out / "README.md").write_text(guide)
    found = leaks(out)
    if found:
        shutil.rmtree(out)
        raise KitError("instructor-only text in the kit (removed it): " + "; ".join(found))
    return sorted(p for p in out.rglob("*") if p.is_file())


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m course.kit",
        description="Build the student kit (exercises, minispark, datagen, the self-checks; "
                    "no solutions, no hidden tests) into a new folder.")
    parser.add_argument("--out", required=True, help="the folder to create (missing or empty)")
    args = parser.parse_args(argv)
    try:
        files = build(Path(args.out))
    except KitError as exc:
        print(f"course kit: {exc}", file=sys.stderr)
        return 2
    print(f"wrote the student kit: {len(files)} files in {args.out} "
          f"(its README.md says how to install it)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
