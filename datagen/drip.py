"""The dripper: hand files to a watched directory one at a time, for ``textFileStream``.

Spark Streaming can also watch a directory: every batch interval, ``textFileStream``
lists it and reads the files that are new since the last look. That only works if a
file appears *complete*: a reader that lists the directory while a big file is still
being copied in would read half of it, and never look at it again.

The standard remedy is an **atomic move**: write the file somewhere else on the same
file system, then ``rename`` it into the watched directory. A rename within one file
system is a single step for the operating system — other programs see either no file
or the whole file, never a part. (Across file systems a "move" is a copy, which is
not atomic; so the staging directory sits next to the watched one.)

Here the staging directory is ``.<name>.drip-staging`` beside the target directory;
it is removed at the end. Source files are copied, never changed, so a lab can drip
the same logs again.

Read next: ``replay.py`` (the socket equivalent), ``cli.py``.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from datagen.console import UserError
from datagen.replay import input_files


def staging_dir(target: Path) -> Path:
    """Where files are written before being renamed into ``target``.

    >>> staging_dir(Path("/tmp/incoming")).as_posix()
    '/tmp/.incoming.drip-staging'
    """
    target = Path(os.path.abspath(target))
    return target.parent / f".{target.name}.drip-staging"


def drip(files: Iterable[str | os.PathLike], to: str | os.PathLike, interval: float = 5.0,
         *, stop: threading.Event | None = None,
         log: Callable[[str], object] | None = None) -> list[Path]:
    """Copy ``files`` (directories: their files, sorted) into ``to`` one at a time,
    ``interval`` seconds apart, each by an atomic rename. Returns the new paths.

    A name already taken in ``to`` gets a numeric suffix (``2013-09-16.log.1``), so an
    earlier file is never replaced. ``stop`` (an event) ends the drip early.
    """
    if not interval >= 0:
        raise UserError(f"interval must be zero or more seconds, not {interval}")
    sources = input_files(files)
    target = Path(to)
    staging = staging_dir(target)
    try:
        target.mkdir(parents=True, exist_ok=True)
        staging.mkdir(exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot write to {target}: {err.strerror or err}") from None
    stop = stop or threading.Event()
    say = log or (lambda message: None)
    placed: list[Path] = []
    try:
        for i, source in enumerate(sources):
            if i and stop.wait(interval):
                break
            final = _free_name(target, source.name)
            temporary = staging / final.name
            try:
                shutil.copyfile(source, temporary)
                os.replace(temporary, final)           # the atomic step
            except OSError as err:
                raise UserError(f"cannot move {source} into {target}: "
                                f"{err.strerror or err}") from None
            placed.append(final)
            say(f"drip: {final} ({i + 1}/{len(sources)})")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return placed


def _free_name(directory: Path, name: str) -> Path:
    """``directory/name``, or ``name.1``, ``name.2``... if taken."""
    candidate, n = directory / name, 0
    while candidate.exists():
        n += 1
        candidate = directory / f"{name}.{n}"
    return candidate
