"""A control group per sandbox: memory and process limits for a whole submission.

Resource limits (``setrlimit``) count per process: three forked children may each use the
4 GiB of address space, and the process limit counts the uid, not the notebook. A control
group counts everything a kernel and its descendants hold together: ``memory`` (bytes of
RAM and, where the kernel accounts it, swap; on v1 without swap accounting the group's
swappiness is 0, so its pages stay in RAM) and ``pids`` (processes and threads). When a
group is full, the kernel's OOM killer ends a process of that group (the notebook sees its
kernel die, status ``died``), or ``fork`` fails with ``EAGAIN``; other students and the
grader are untouched.

Two layouts exist. cgroup v1 mounts one hierarchy per controller (``/sys/fs/cgroup/memory``,
``/sys/fs/cgroup/pids``); cgroup v2 mounts one hierarchy whose ``cgroup.controllers`` says
which controllers it offers. ``detect()`` finds a writable one (v2 first, then v1) under
the grader's own group, so a container's own limit still applies above ours; ``Group``
creates one group per kernel, the sandbox launcher moves itself in before it drops its
rights (``join``), and ``remove`` kills what is left and deletes the group. A group that
cannot be removed at once is retried when the run ends and named in a warning if it is
still there; a grader that is killed itself leaves its empty groups behind (named
``course-grade-<pid>-<n>-<random>``), which are harmless and not swept automatically,
since another grader in another pid namespace may share the hierarchy.

Read next: ``sandbox.py`` (which calls ``join``), ``drive.Kernel.close`` (``remove``).
"""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import time
from pathlib import Path

PREFIX = "course-grade-"
_count = itertools.count()


def _mounts() -> dict[str, Path]:
    """controller ('memory', 'pids', or 'unified' for v2) -> mount point, from mountinfo."""
    found: dict[str, Path] = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        point = Path(fields[4].replace("\\040", " "))
        if tail[0] == "cgroup2":
            found.setdefault("unified", point)
        elif tail[0] == "cgroup":
            for option in tail[2].split(","):
                if option in ("memory", "pids"):
                    found.setdefault(option, point)
    return found


def _own(hierarchy: str) -> str:
    """This process's group path in a v1 controller's hierarchy ('' for v2's)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return "/"
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if (hierarchy == "" and controllers == "") or hierarchy in controllers.split(","):
            return path
    return "/"


def _parent(mount: Path, own: str) -> Path:
    """Our own group if it is visible under the mount (nested limits), else the root."""
    candidate = mount / own.lstrip("/")
    return candidate if candidate.is_dir() else mount


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def detect() -> tuple[str, dict[str, Path]] | str:
    """("v1"|"v2", controller -> parent directory) if a writable layout exists, else why not."""
    mounts = _mounts()
    if "unified" in mounts:
        parent = _parent(mounts["unified"], _own(""))
        try:
            offered = (parent / "cgroup.controllers").read_text().split()
            enabled = (parent / "cgroup.subtree_control").read_text().split()
        except OSError:
            offered, enabled = [], []
        if {"memory", "pids"} <= set(offered) and _writable(parent):
            if not {"memory", "pids"} <= set(enabled):
                try:
                    (parent / "cgroup.subtree_control").write_text("+memory +pids")
                    enabled = ["memory", "pids"]
                except OSError:
                    pass
            if {"memory", "pids"} <= set(enabled):
                return "v2", {"unified": parent}
    if "memory" in mounts and "pids" in mounts:
        parents = {c: _parent(mounts[c], _own(c)) for c in ("memory", "pids")}
        if all(_writable(p) for p in parents.values()):
            return "v1", parents
        return "the cgroup v1 memory and pids hierarchies are not writable (not root?)"
    return "no writable cgroup hierarchy with the memory and pids controllers"


def _pids_of(directory: Path) -> set[int]:
    try:
        return {int(p) for p in (directory / "cgroup.procs").read_text().split()}
    except (OSError, ValueError):
        return set()


class Group:
    """One kernel's group: created with its limits, joined by the launcher, then removed."""

    def __init__(self, layout: tuple[str, dict[str, Path]], memory: int, pids: int):
        self.version, parents = layout
        # unique even across pid namespaces sharing the hierarchy
        self.name = f"{PREFIX}{os.getpid()}-{next(_count)}-{secrets.token_hex(4)}"
        self.dirs = [parent / self.name for parent in parents.values()]
        for directory in self.dirs:
            directory.mkdir()
        try:
            if self.version == "v2":
                self._set("memory.max", memory)
                self._set("memory.swap.max", 0, optional=True)
                self._set("pids.max", pids)
            else:
                self._set("memory.limit_in_bytes", memory)
                self._set("memory.memsw.limit_in_bytes", memory, optional=True)   # no swap
                try:
                    # without swap accounting (no memsw file) the limit above bounds RAM
                    # only; swappiness 0 keeps the group's pages out of swap instead
                    self._set("memory.swappiness", 0, optional=True)
                except OSError:
                    pass                # older kernels refuse it under use_hierarchy
                self._set("pids.max", pids)
        except OSError:
            self.remove()
            raise

    def _set(self, name: str, value: int, optional: bool = False) -> None:
        for directory in self.dirs:
            if (directory / name).exists():
                (directory / name).write_text(str(value))
                return
        if not optional:
            raise OSError(f"cgroup file {name} not found")

    @property
    def procs(self) -> list[str]:
        """The files the launcher writes its pid to (one per hierarchy)."""
        return [str(d / "cgroup.procs") for d in self.dirs]

    def pids(self) -> set[int]:
        found: set[int] = set()
        for directory in self.dirs:
            found |= _pids_of(directory)
        return found

    def remove(self, seconds: float = 10) -> bool:
        """Kill every process of the group, then delete it; whether it is gone (a killed
        process leaves the group only once it has exited, which takes a while on a busy
        machine)."""
        deadline = time.monotonic() + seconds
        while True:
            for pid in self.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for directory in self.dirs:
                try:
                    directory.rmdir()
                except FileNotFoundError:
                    pass
                except OSError:
                    pass                # EBUSY while killed tasks finish exiting
            if not any(d.exists() for d in self.dirs):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


def join(procs: list[str]) -> None:
    """In the launcher (still root): move this process into the group; children follow."""
    for path in procs:
        with open(path, "w") as f:
            f.write(str(os.getpid()))
