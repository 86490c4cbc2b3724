"""The student's JupyterLab: a working copy of the exercises, the course data's folder,
and the server on 127.0.0.1 only.

``python -m course.lab`` (the student kit's README; ``make lab`` in the repository):

1. **Working copy.** Every released exercise notebook is copied into ``--work`` (default
   ``work/`` in the current folder) as ``<work>/<assignment>/<assignment>.ipynb``, unless
   a file of that name is already there: a student's notebook is never overwritten, and a
   chapter released later appears the next time. The pristine notebooks stay where they
   are (``course/exercises/`` in the kit's installed package, ``exercises/`` in the
   repository, which git tracks), so working never touches them.
2. **Data.** ``COURSE_DATA`` is set for the kernels to ``--data`` (default ``data/`` in the
   current folder) unless it is set already; the setup cell generates the data there.
3. **Server.** JupyterLab on 127.0.0.1 (``--port``, default 8888), rooted at ``--root``
   (default: the working folder) and opening the working folder. Kernels use this
   interpreter: its ``bin/`` goes first on ``PATH``.

Read next: course/labsetup.py (the setup cell), course/kit.py (what the kit holds).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

COURSE = Path(__file__).resolve().parent


def released() -> Path:
    """Where the pristine exercise notebooks are: in the kit's package, else the repository's."""
    packaged = COURSE / "exercises"
    return packaged if packaged.is_dir() else COURSE.parent / "exercises"


def working_copy(work: Path, source: Path | None = None) -> list[Path]:
    """Copy each exercise notebook missing from ``work``; return the copies made.

    A notebook already in ``work`` is left exactly as it is, even if it is older than the
    release: it is the student's.
    """
    source = source or released()
    made = []
    for nb in sorted(source.glob("*/*.ipynb")):
        if nb.stem != nb.parent.name:
            continue
        dest = Path(work) / nb.parent.name / nb.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            # "x": fails if the file exists, so two launchers at once cannot clobber work.
            with open(dest, "xb") as out, open(nb, "rb") as src:
                shutil.copyfileobj(src, out)
        except FileExistsError:
            continue
        made.append(dest)
    return made


def command(work: Path, root: Path, port: int, open_browser: bool) -> list[str]:
    """The JupyterLab command line (kernels and server run on this interpreter)."""
    args = [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", f"--ServerApp.root_dir={root}",
            f"--ServerApp.open_browser={open_browser}",
            # A container or a shared teaching machine often runs as root; JupyterLab
            # refuses to start as root without this.
            "--ServerApp.allow_root=True"]
    if work != root:
        args.append(f"--LabApp.default_url=/lab/tree/{work.relative_to(root).as_posix()}")
    return args


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m course.lab",
        description="Copy the exercises into a working folder (never overwriting your "
                    "work) and start JupyterLab on 127.0.0.1 there.")
    parser.add_argument("--work", default="work", help="your notebooks (default: ./work)")
    parser.add_argument("--data", default="data",
                        help="the course data, unless COURSE_DATA is set (default: ./data)")
    parser.add_argument("--root", help="the folder JupyterLab shows (default: --work)")
    parser.add_argument("--port", type=int, default=8888, help="default 8888")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    args = parser.parse_args(argv)
    work = Path(args.work).resolve()
    root = Path(args.root).resolve() if args.root else work
    if not work.is_relative_to(root):
        parser.error(f"--work {work} must be inside --root {root}")
    made = working_copy(work)
    print(f"your notebooks: {work} ({len(made)} new from the release; "
          "existing ones are never overwritten)", flush=True)
    env = dict(os.environ)
    env.setdefault("COURSE_DATA", str(Path(args.data).resolve()))
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    cmd = command(work, root, args.port, not args.no_browser)
    os.execve(cmd[0], cmd, env)     # Ctrl-C and signals go straight to JupyterLab
    return 0    # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
