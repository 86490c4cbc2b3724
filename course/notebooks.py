"""The course's notebooks as files: where they are, how the releases are made from the
sources, how a notebook is executed and how its graded cells fared.

- ``course/source/<assignment>/<assignment>.ipynb``: the nbgrader source notebooks, the
  only files anyone edits. Adding a chapter is adding one of these (and running
  ``make answers release``).
- ``exercises/<assignment>/``: the student versions, made by nbgrader's
  ``generate_assignment`` (solutions replaced by stubs, hidden tests removed).
- ``solutions/<assignment>/``: the complete notebooks: solution markers and hidden tests
  removed, outputs cleared, nbgrader's cell metadata kept (so a solution notebook can be
  submitted and autograded like any student's).

``python -m course.notebooks release [OUT_ROOT] [--only ASSIGNMENT]`` writes both
(``make release``; ``--only`` for one chapter while editing it).

Every notebook is written byte for byte as JupyterLab 4 saves it (``dumps``: jupyter_server
saves with ``nbformat.write``: sorted keys, one-space indent, sources as lists of lines,
a final newline), so opening a released notebook and saving it unchanged changes nothing.
``python -m course.notebooks normalize [PATH...]`` rewrites notebooks (default: every source
notebook) in that format without changing their content.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

COURSE = Path(__file__).resolve().parent
REPO = COURSE.parent
SOURCE = COURSE / "source"
CELL_TIMEOUT = 300


def exercise_prefix(assignment: str) -> str:
    """The prefix of an assignment's exercise names in answers.json.

    >>> exercise_prefix("ch09a_exploring_streaming")
    'ch09a.'
    """
    return assignment.split("_", 1)[0] + "."


def assignments() -> list[str]:
    """The assignments with a source notebook, in chapter order."""
    return sorted(p.parent.name for p in SOURCE.glob("*/*.ipynb")
                  if p.stem == p.parent.name)


def source_path(assignment: str) -> Path:
    return SOURCE / assignment / f"{assignment}.ipynb"


def read(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def dumps(nb: dict) -> str:
    """The notebook's file text exactly as JupyterLab 4 saves it.

    jupyter_server's contents manager saves with ``nbformat.write(nb, f,
    version=NO_CONVERT)``: ``nbformat.writes`` (sorted keys, indent 1, ``", "``/``": "``
    separators, non-ASCII kept, multi-line strings split into lists of lines), then a
    newline if the text does not end with one.

    >>> print(dumps({"cells": [{"cell_type": "markdown", "id": "a", "metadata": {},
    ...   "source": "x\\ny"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), end="")
    {
     "cells": [
      {
       "cell_type": "markdown",
       "id": "a",
       "metadata": {},
       "source": [
        "x\\n",
        "y"
       ]
      }
     ],
     "metadata": {},
     "nbformat": 4,
     "nbformat_minor": 5
    }
    """
    import nbformat

    text = nbformat.writes(nbformat.from_dict(json.loads(json.dumps(nb))),
                           version=nbformat.NO_CONVERT)
    return text if text.endswith("\n") else text + "\n"


def write(nb: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(nb), encoding="utf-8")


def normalize(paths: list[Path]) -> list[Path]:
    """Rewrite each notebook in JupyterLab's format (same content); return those changed."""
    changed = []
    for path in paths:
        before = Path(path).read_text(encoding="utf-8")
        after = dumps(json.loads(before))
        if after != before:
            Path(path).write_text(after, encoding="utf-8")
            changed.append(Path(path))
    return changed


def nbgrader_meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


# ---------------------------------------------------------------- solutions

_REGION = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS\n.*?^[ \t]*### END HIDDEN TESTS\n?",
                     re.M | re.S)
_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def solution_notebook(source_nb: dict) -> dict:
    """The complete notebook: no solution markers, no hidden tests, no outputs."""
    nb = json.loads(json.dumps(source_nb))
    for cell in nb["cells"]:
        text = _text(cell["source"])
        if cell["cell_type"] == "code":
            text = _MARKER.sub("", _REGION.sub("", text)).rstrip("\n")
            cell["outputs"], cell["execution_count"] = [], None
        cell["source"] = text
    return nb


# ---------------------------------------------------------------- exercises (nbgrader)

def _nbgrader_api(root: Path):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    # nbgrader runs `alembic` (its database migrations) from PATH: use the venv's.
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    config.ExecutePreprocessor.timeout = CELL_TIMEOUT
    config.Exchange.root = str(root / "exchange")
    config.Exchange.path_includes_course = True
    return NbGraderAPI(CourseDirectory(config=config), config=config)


@contextmanager
def grading_course(names: list[str] | None = None):
    """A throw-away nbgrader course with the sources copied in; yields (root, api)."""
    names = names or assignments()
    with tempfile.TemporaryDirectory(prefix="course-") as tmp:
        root = Path(tmp)
        for name in names:
            shutil.copytree(SOURCE / name, root / "source" / name)
        yield root, _nbgrader_api(root)


def _generate(api, root: Path, name: str) -> dict:
    result = api.generate_assignment(name, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{result['log']}"
                           f"\n{result.get('error', '')}")
    return read(root / "release" / name / f"{name}.ipynb")


def exercise_notebook(released: dict) -> dict:
    """nbgrader's release as a plain copy (``write`` gives it JupyterLab's format)."""
    nb = json.loads(json.dumps(released))
    for cell in nb["cells"]:
        cell["source"] = _text(cell["source"])
    return nb


def release(out_root: Path = REPO, names: list[str] | None = None) -> list[Path]:
    """Write ``exercises/`` and ``solutions/`` under ``out_root``; return the files written."""
    names = names or assignments()
    written = []
    with grading_course(names) as (root, api):
        for name in names:
            for kind, nb in (("exercises", exercise_notebook(_generate(api, root, name))),
                             ("solutions", solution_notebook(read(source_path(name))))):
                path = Path(out_root) / kind / name / f"{name}.ipynb"
                write(nb, path)
                written.append(path)
    return written


# ---------------------------------------------------------------- executing

def execute(nb: dict, cwd: Path, env: dict | None = None) -> dict:
    """Run every cell (errors do not stop the run, as in nbgrader's autograde)."""
    import nbformat
    from nbclient import NotebookClient

    node = nbformat.reads(json.dumps(nb), as_version=4)
    saved = dict(os.environ)
    os.environ.update(env or {})
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # Kernels run outside pytest under `make answers`: keep them from opening UI ports.
    os.environ.setdefault("MINISPARK_UI_ENABLED", "false")
    try:
        NotebookClient(node, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(cwd)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return json.loads(json.dumps(node))


def cell_failed(cell: dict) -> str | None:
    """Why nbgrader would give 0 to this executed cell (an error, or anything on stderr)."""
    for out in cell.get("outputs", []):
        if out["output_type"] == "error":
            return f"{out['ename']}: {out['evalue']}"
        if out["output_type"] == "stream" and out["name"] == "stderr":
            return "wrote to stderr: " + _text(out["text"])[:300]
    return None


def graded_cells(nb: dict) -> list[dict]:
    """The autograded test cells: grade_id, points, and why it failed (None if it passed)."""
    return [{"grade_id": m["grade_id"], "points": m.get("points", 0),
             "failed": cell_failed(cell)}
            for cell in nb["cells"]
            if cell["cell_type"] == "code" and (m := nbgrader_meta(cell)).get("grade")]


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m course.notebooks")
    parser.add_argument("command", choices=["release", "normalize"],
                        help="release: write exercises/ and solutions/; normalize: rewrite "
                             "notebooks in JupyterLab's format (content unchanged)")
    parser.add_argument("paths", nargs="*", metavar="OUT_ROOT | PATH",
                        help="release: the folder to write into (default: the repository); "
                             "normalize: the notebooks (default: every source notebook)")
    parser.add_argument("--only", action="append", metavar="ASSIGNMENT",
                        help="release just this assignment (repeatable); default: all")
    args = parser.parse_args(argv)
    if args.command == "normalize":
        paths = [Path(p) for p in args.paths] or [source_path(a) for a in assignments()]
        changed = normalize(paths)
        print(f"normalized {len(changed)} of {len(paths)} notebooks"
              + "".join(f"\n  {p}" for p in changed))
        return 0
    if len(args.paths) > 1:
        parser.error("release takes one OUT_ROOT")
    args.out_root = args.paths[0] if args.paths else str(REPO)
    out = Path(args.out_root)
    for path in release(out, args.only):
        print(f"wrote {path.relative_to(out) if path.is_relative_to(out) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
