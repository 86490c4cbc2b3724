"""Finding and reading submissions safely: whatever a folder holds, it becomes a row.

A submissions folder is written by students (through nbgrader's exchange, or by hand), so
each name and file in it is untrusted input to a grader that runs as root:

- names are bytes: a student folder's name need not be UTF-8. ``Submission.student`` is
  the name as text (undecodable bytes shown as ``\\xNN``) and ``raw`` the exact bytes;
  the gradebook's file names are derived from both (``gradebook.file_name``), so two names
  that look alike never share a row;
- no symbolic link is followed, at any level (``O_NOFOLLOW`` on every ``openat``): a link
  could point at a file only root may read (it would be graded, and shown in feedback),
  or at ``/dev/zero``;
- only a regular file is read: the notebook is opened with ``O_NONBLOCK`` (a FIFO would
  block ``open`` forever) and checked with ``fstat`` before one byte is read; a file over
  ``MAX_BYTES`` is refused before it is read, and at most ``MAX_BYTES`` are ever read;
- the JSON must be a notebook: UTF-8, nested at most ``MAX_DEPTH`` deep, cells with text
  sources. ``read`` returns a *normalised* copy holding only what grading uses (cell type,
  source as one string, the nbgrader grade_id), so nothing later meets a number where it
  expects text.

Anything else raises ``Unreadable`` with a one-line reason, which becomes the student's
row (status ``error``). Read next: ``cli.Grader.grade`` (the caller), ``gradebook``.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 20 << 20          # a ch03 notebook with outputs is ~40 KB; 20 MB is generous
MAX_DEPTH = 64                # nbformat nests ~6 deep (cells / outputs / data / mime)
KINDS = {stat.S_IFREG: "a file", stat.S_IFDIR: "a directory",
         stat.S_IFLNK: "a symbolic link (not followed)", stat.S_IFIFO: "a FIFO",
         stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}


class Unreadable(Exception):
    """The submission cannot be graded; the message is the row's reason."""


def clean(text: str) -> str:
    """``text`` with lone surrogates (from ``"\\ud800"`` in JSON, or surrogateescape)
    replaced by U+FFFD, so it can be written as UTF-8 anywhere."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def display(raw: bytes) -> str:
    """A folder name as text: exact when it is UTF-8, else with ``\\xNN`` escapes."""
    return raw.decode("utf-8", "backslashreplace")


@dataclass
class Submission:
    """One student's hand-in of one assignment (``problem`` set if it cannot be read)."""
    student: str
    raw: bytes
    folder: bytes                   # <submissions>/<student>/<assignment>, as bytes
    notebook: bytes | None = None   # the notebook's file name in ``folder``
    problem: str | None = None


def _kind(mode: int) -> str:
    return KINDS.get(stat.S_IFMT(mode), "not a regular file")


def find(submissions: Path, assignment: str) -> list[Submission]:
    """Every student folder holding something named ``assignment``, sorted by raw name.

    Entries that are not folders at the top level are not students and are skipped; a
    student's ``assignment`` entry that is a link, a file or holds no notebook is still a
    submission, with its problem named.
    """
    root = os.fsencode(submissions)
    wanted, named = os.fsencode(assignment), os.fsencode(f"{assignment}.ipynb")
    found = []
    with os.scandir(root) as entries:
        students = sorted((e.name, e) for e in entries)
    for raw, entry in students:
        folder = os.path.join(root, raw, wanted)
        sub = Submission(display(raw), raw, folder)
        if entry.is_symlink():
            if os.path.lexists(folder):
                sub.problem = "the student folder is a symbolic link (not followed)"
                found.append(sub)
            continue
        if not entry.is_dir(follow_symlinks=False):
            continue
        try:
            info = os.lstat(folder)
        except FileNotFoundError:
            continue                                 # no hand-in for this assignment
        except OSError as exc:
            sub.problem = f"the assignment folder cannot be read: {exc.strerror}"
            found.append(sub)
            continue
        if not stat.S_ISDIR(info.st_mode):
            sub.problem = f"the assignment folder is {_kind(info.st_mode)}"
        else:
            try:
                names = sorted(n for n in os.listdir(folder) if n.endswith(b".ipynb"))
            except OSError as exc:
                names, sub.problem = [], f"the assignment folder cannot be read: {exc.strerror}"
            if names:
                sub.notebook = named if named in names else names[0]
            elif not sub.problem:
                sub.problem = "no notebook (.ipynb) in the assignment folder"
        found.append(sub)
    return found


def _open_no_follow(sub: Submission) -> int:
    """An fd of the notebook, reached without following a link at any level."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    student_dir, assignment = os.path.split(sub.folder)
    root, student = os.path.split(student_dir)
    fds = [os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)]
    try:
        for name in (student, assignment):
            fds.append(os.open(name, flags | os.O_DIRECTORY, dir_fd=fds[-1]))
        info = os.stat(sub.notebook, dir_fd=fds[-1], follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(f"the notebook is {_kind(info.st_mode)}, not a file")
        return os.open(sub.notebook, flags | os.O_NONBLOCK, dir_fd=fds[-1])
    finally:
        for fd in fds:
            os.close(fd)


def read_bytes(sub: Submission) -> bytes:
    """The notebook file's bytes, or ``Unreadable``."""
    if sub.problem:
        raise Unreadable(sub.problem)
    try:
        fd = _open_no_follow(sub)
    except OSError as exc:
        linked = exc.errno in (errno.ELOOP, errno.ENOTDIR)
        what = "a symbolic link (not followed)" if linked else exc.strerror
        raise Unreadable(f"the notebook cannot be opened: {what}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):          # replaced between stat and open
            raise Unreadable(f"the notebook is {_kind(info.st_mode)}, not a file")
        if info.st_size > MAX_BYTES:
            raise Unreadable(f"the notebook is {info.st_size / 2**20:.1f} MB, over the "
                             f"{MAX_BYTES >> 20} MB limit")
        chunks, size = [], 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_BYTES:
            raise Unreadable(f"the notebook grew past the {MAX_BYTES >> 20} MB limit")
        return b"".join(chunks)
    except OSError as exc:
        raise Unreadable(f"the notebook cannot be read: {exc.strerror}") from None
    finally:
        os.close(fd)


def _depth(value, limit: int) -> int:
    """How deep ``value`` nests (iterative: no recursion to run out of)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return depth
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _source(cell: dict, number: int) -> str:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return clean("".join(source))
    if isinstance(source, str):
        return clean(source)
    raise Unreadable(f"cell {number}: its source is {type(source).__name__}, not text")


def parse(data: bytes) -> dict:
    """A normalised notebook from a file's bytes: {"cells": [{cell_type, source, metadata:
    {"nbgrader": {"grade_id"}}}]}, or ``Unreadable``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"the notebook is not UTF-8 text (byte {exc.start})") from None
    try:
        nb = json.loads(text)
    except RecursionError:
        raise Unreadable(f"the notebook's JSON nests more than {MAX_DEPTH} deep") from None
    except ValueError as exc:
        raise Unreadable(f"the notebook is not JSON: {str(exc)[:120]}") from None
    if _depth(nb, MAX_DEPTH) > MAX_DEPTH:
        raise Unreadable(f"the notebook's JSON nests more than {MAX_DEPTH} deep")
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise Unreadable("the file is JSON but not a notebook (no list of cells)")
    cells = []
    for number, cell in enumerate(nb["cells"], 1):
        if not isinstance(cell, dict):
            raise Unreadable(f"cell {number} is {type(cell).__name__}, not a cell")
        kind = cell.get("cell_type", "markdown")
        if kind not in ("code", "markdown", "raw"):
            raise Unreadable(f"cell {number}: unknown cell type {clean(str(kind))[:40]!r}")
        meta = cell.get("metadata", {})
        grader = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
        gid = grader.get("grade_id") if isinstance(grader, dict) else None
        if gid is not None and not isinstance(gid, str):
            raise Unreadable(f"cell {number}: its nbgrader grade_id is not text")
        cells.append({"cell_type": kind, "source": _source(cell, number),
                      "metadata": {"nbgrader": {"grade_id": clean(gid)}} if gid else {}})
    return {"cells": cells}


def read(sub: Submission) -> tuple[dict, bytes]:
    """(normalised notebook, the file's bytes) of a submission, or ``Unreadable``."""
    data = read_bytes(sub)
    return parse(data), data
