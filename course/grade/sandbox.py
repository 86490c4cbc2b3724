"""The sandbox a student's kernel runs in, without Docker.

The grader (root) starts ``python -m course.grade.sandbox CONFIG`` in a new session. That
launcher, still root and single-threaded, sets up the protections and then ``exec``s the
kernel, so the kernel never runs one instruction with more rights than these:

- a private mount namespace where the grader's private paths (gradebook, sources with the
  hidden tests, solutions, other submissions, nbgrader's database and folders, root's
  home) are covered by empty tmpfs mounts; the interpreter's own prefix is bound back if
  it lived under such a path; /tmp, /var/tmp, /dev/shm are fresh and private, so no write
  outlives the kernel; /run and /var/run are empty, and every filesystem unix socket the
  grader's network namespace lists (``/proc/net/unix``) or that is a mount point is
  covered, so no local service (a database, Docker, D-Bus) can be reached;
- no network (a new, empty network namespace: the kernel talks to the grader over pipes;
  abstract unix sockets belong to the network namespace, so they are gone too);
- resource limits: CPU seconds, address space, processes of its uid, file size; and a
  control group (``cgroup.py``) bounding the memory and processes of the whole kernel
  with everything it forks;
- an unprivileged uid of its own (one per parallel slot) with no supplementary groups and
  ``no_new_privs``, so setuid binaries give nothing back.

Residual risk, said plainly: a unix socket bound *after* a kernel started, in a directory
the sandbox uid may reach and that is neither hidden nor listed here, is reachable if its
permissions allow the sandbox uid to connect (the uid is unprivileged, so a socket open
only to root or a group stays closed).

``probe()`` says which of these the machine allows; what is missing is printed and
skipped. ``kill_all`` ends everything the kernel left behind: every process of its session,
of its uid or of its control group, found by scanning ``/proc`` (so ``setsid`` + double
fork does not escape).
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLONE_NEWNS, CLONE_NEWNET = 0x00020000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
BASE_UID, UID_SPAN = 61100, 4000   # sandbox uids (no passwd entry needed), leased by lock
PROJECT = Path(__file__).resolve().parents[2]   # the repository: course/grade/ is in it
PRIVATE_DIRS = ("/tmp", "/var/tmp", "/dev/shm")   # world-writable: a fresh, empty one each
SOCKET_DIRS = ("/run", "/var/run")                # where services put their sockets
PROTECTIONS = ("uid", "no_new_privs", "mount", "network", "rlimits", "cgroup")


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def probe() -> dict[str, str | None]:
    """Each protection -> None if usable here, else why not (tried in a throw-away child)."""
    missing: dict[str, str | None] = dict.fromkeys(PROTECTIONS)
    if os.geteuid() != 0:
        missing["uid"] = "not running as root: the kernel keeps the grader's uid"
        missing["mount"] = "not root: private paths stay readable to the kernel"
    for name, flag in (("mount", CLONE_NEWNS), ("network", CLONE_NEWNET)):
        if missing[name]:
            continue
        code = (f"import ctypes,os;l=ctypes.CDLL(None,use_errno=True);"
                f"os._exit(0 if l.unshare({flag})==0 else 1)")
        if subprocess.run([sys.executable, "-c", code]).returncode != 0:
            missing[name] = "unshare() refused (no namespaces in this container)"
    code = ("import ctypes,os;l=ctypes.CDLL(None,use_errno=True);"
            f"os._exit(0 if l.prctl({PR_SET_NO_NEW_PRIVS},1,0,0,0)==0 else 1)")
    if subprocess.run([sys.executable, "-c", code]).returncode != 0:
        missing["no_new_privs"] = "prctl(PR_SET_NO_NEW_PRIVS) refused"
    from course.grade import cgroup

    layout = cgroup.detect()
    if isinstance(layout, str):
        missing["cgroup"] = f"{layout}: memory and processes are limited per process only"
    return missing


def _blocked_ancestor(path: Path) -> Path | None:
    """The highest ancestor of ``path`` that others may not traverse (e.g. /root, 0700)."""
    for parent in reversed(path.parents):
        if parent != Path("/") and not os.stat(parent).st_mode & 0o001:
            return parent
    return None


def lease_uid() -> tuple[int, int]:
    """A sandbox uid no other grading run on this machine is using: (uid, lock fd).

    Concurrent runs (two instructors, two test suites) must not share a uid, since the
    clean-up kills every process of the uid. The lease is an flock on a file per uid, held
    until the fd is closed (or the grader dies). Leftovers of a crashed run are killed.
    """
    locks = Path(tempfile.gettempdir()) / "course-grade-uids"
    locks.mkdir(mode=0o700, exist_ok=True)
    for uid in range(BASE_UID, BASE_UID + UID_SPAN):
        fd = os.open(locks / f"{uid}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        kill_all(-1, uid)
        return uid, fd
    raise RuntimeError(f"all {UID_SPAN} sandbox uids are in use")


def _sockets() -> set[str]:
    """Filesystem unix sockets: bound in this network namespace, or mounted as files."""
    found = set()
    try:
        with open("/proc/net/unix", "rb") as f:
            for line in f.read().splitlines()[1:]:
                fields = line.split(None, 7)
                if len(fields) == 8 and fields[7].startswith(b"/"):
                    found.add(os.fsdecode(fields[7]))
    except OSError:
        pass
    try:
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            point = line.split()[4].replace("\\040", " ")
            if stat.S_ISSOCK(os.lstat(point).st_mode):
                found.add(point)
    except (OSError, IndexError):
        pass
    return {p for p in found if os.path.lexists(p)}


def _inside(path: str, folders) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def config(uid: int, workdir: Path, hide: list[Path], allowed: dict[str, str | None],
           limits: dict[str, int], staging: Path | None = None,
           cgroup_procs: list[str] | None = None) -> dict:
    """What the launcher is to do for one kernel (JSON-serialisable)."""
    # What the kernel must still see, wherever it lives (under /tmp, under /root...):
    # the interpreter, the virtualenv, the project (its code is imported from there,
    # an editable install) and this grading run's directory.
    needed = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), PROJECT,
              workdir.parent.resolve()}
    shadows = {b for p in needed if (b := _blocked_ancestor(p)) is not None}
    private = [d for d in PRIVATE_DIRS if os.path.isdir(d)]
    hidden = [str(p) for p in hide if p.exists()]
    run_dirs = [d for d in SOCKET_DIRS if os.path.isdir(d) and not os.path.islink(d)
                and not any(_inside(str(n), [d]) for n in needed)]
    # Each other socket is covered by itself (/dev/null bound over it): emptying its
    # folder instead could hide what the kernel needs (/dev/log lives in /dev).
    sockets = [p for p in sorted(_sockets()) if not _inside(p, private + hidden + run_dirs)]
    return {"uid": uid if not allowed["uid"] else None,
            "no_new_privs": not allowed["no_new_privs"],
            "mount": not allowed["mount"], "network": not allowed["network"],
            "rlimits": limits, "workdir": str(workdir),
            "hide": hidden, "private": private,
            "empty": run_dirs, "sockets": sockets,
            "needed": sorted((str(p) for p in needed), key=len),
            "shadows": sorted(str(b) for b in shadows),
            "cgroup": list(cgroup_procs or [])}


def _mounts(cfg: dict) -> None:
    libc = _libc()
    flags = CLONE_NEWNS | (CLONE_NEWNET if cfg["network"] else 0)
    _check(libc.unshare(flags), "unshare")
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")

    def mount(src: str, dst: str, fstype: str | None, flags: int, data: str | None) -> None:
        _check(libc.mount(src.encode(), dst.encode(), fstype.encode() if fstype else None,
                          flags, data.encode() if data else None), f"mount {dst}")

    # The paths the kernel needs are held open (O_PATH) while fresh tmpfs mounts replace
    # /tmp & co. (so writes there vanish with the kernel) and cover directories it may
    # not traverse (/root, 0700); then each needed path that disappeared is bound back,
    # shortest first, so one that lives inside another comes back with it.
    held = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in cfg["needed"]}
    for path in cfg["private"]:
        mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=256m")
    for path in cfg["shadows"]:
        if not os.path.isdir(path):         # it was under a private dir, now fresh: an
            os.makedirs(path, mode=0o711)   # empty folder others may traverse is enough
            os.chmod(path, 0o711)
            continue
        mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0711,size=1m")
    for path, fd in held.items():
        if not os.path.isdir(path):
            os.makedirs(path, mode=0o711, exist_ok=True)
            mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC, None)
        os.close(fd)
    for path in cfg["hide"]:
        if not os.path.lexists(path):
            continue                        # it was under a private dir: gone already
        if os.path.isdir(path):
            mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "mode=0000,size=4k")
        else:
            mount("/dev/null", path, None, MS_BIND, None)
    for path in cfg["empty"]:               # /run & co.: sockets of local services
        if os.path.isdir(path) and not os.path.islink(path):
            mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "mode=0755,size=4k")
    for path in cfg["sockets"]:
        if os.path.lexists(path):
            mount("/dev/null", path, None, MS_BIND, None)


def _limits(limits: dict[str, int]) -> None:
    for name, value in limits.items():
        which = getattr(resource, f"RLIMIT_{name.upper()}")
        resource.setrlimit(which, (value, value))


def _drop(cfg: dict) -> None:
    if cfg["no_new_privs"]:
        _check(_libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl no_new_privs")
    if cfg["uid"] is not None:
        os.setgroups([])
        os.setgid(cfg["uid"])
        os.setuid(cfg["uid"])


def launch(cfg: dict, argv: list[str]) -> None:
    """In the launcher process: protect, drop rights, then become the kernel (exec)."""
    if cfg["cgroup"]:
        from course.grade import cgroup

        cgroup.join(cfg["cgroup"])          # before anything is forked: all of it counts
    if cfg["mount"] or cfg["network"]:
        _mounts(cfg)
    _limits(cfg["rlimits"])   # before dropping the uid: NPROC then counts the new uid
    _drop(cfg)
    os.chdir(cfg["workdir"])
    os.execv(argv[0], argv)


def prepare_workdir(workdir: Path, uid: int | None) -> None:
    """A fresh directory the kernel owns (and nobody else's kernel can read)."""
    shutil.rmtree(workdir, ignore_errors=True)
    (workdir / "tmp").mkdir(parents=True)
    if uid is not None:
        for path in (workdir, workdir / "tmp"):
            os.chown(path, uid, uid)
        os.chmod(workdir, 0o700)


def session_of(stat_line: bytes) -> int:
    """The session id in a /proc/PID/stat line: field 6, counted after the command name,
    which is in parentheses and may itself hold spaces and parentheses.

    >>> session_of(b"42 (a) (b c)) S 1 42 4242 34816 42 4194560 0")
    4242
    """
    after = stat_line.rsplit(b")", 1)[1].split()
    return int(after[3])              # state, ppid, pgrp, session


def _sessions_and_uids() -> list[tuple[int, int, int]]:
    """(pid, session id, real uid) of every process, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            if stat.rsplit(b")", 1)[1].split()[0] == b"Z":
                continue        # a zombie is dead already; waiting on it cost ~1 s a kernel
            sid = session_of(stat)
            uid = os.stat(f"/proc/{entry}").st_uid
        except (OSError, ValueError, IndexError):
            continue
        found.append((int(entry), sid, uid))
    return found


def kill_all(session: int, uid: int | None, rounds: int = 20, extra=None) -> int:
    """SIGKILL every process of ``session``, of ``uid`` or listed by ``extra()`` (a control
    group's processes), until none is left; how many."""
    killed = 0
    for _ in range(rounds):
        listed = extra() if extra else set()
        victims = [pid for pid, sid, owner in _sessions_and_uids()
                   if pid != os.getpid() and (sid == session or pid in listed
                                              or (uid is not None and owner == uid))]
        if not victims:
            return killed
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    return killed


def main(argv: list[str]) -> None:
    cfg = json.loads(argv[0])
    launch(cfg, argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
