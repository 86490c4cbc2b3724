"""Driving one sandboxed kernel through a plan, with deadlines that hold under load.

``Kernel`` is the process (``sandbox`` launcher, then ``kernel.py``) and its pipes. Every
wait on it is bounded: commands are written without blocking (a kernel stopped with
SIGSTOP, or one that stops reading, cannot block the grader), replies are read with a
deadline, a reply over ``MAX_REPLY`` bytes or not of the protocol's shape is refused, and
``close`` never waits on a pipe a left-behind process might hold.

Time is measured on the kernel's own ``KernelClock``: *effective* seconds = wall seconds
minus the time the kernel sat runnable in the scheduler's queue, waiting for a CPU
(``/proc/PID/task/TID/schedstat``, field 2). The clock is sampled every ``TICK``; in each
interval, the longest wait of any thread of any process of the kernel (its control group:
SparkContext workers included) is taken as the kernel's stall, since those threads wait
side by side, not one after the other. On an idle machine effective and wall seconds are
equal; on a saturated one the kernel's time stops while it is not given a CPU, so a cell
that takes 3 s idle still takes about 3 effective seconds, and ``--cell-timeout`` and
``--budget`` mean the same on every machine. A wall-clock ceiling (``WALL_FACTOR`` x the
limit + ``WALL_SLACK``) still ends any wait, e.g. of a notebook whose own hundred busy
processes keep one another waiting.

``execute`` runs the plan's code cells. A cell over its timeout is interrupted (SIGINT),
and the kernel gets ``REACT`` effective seconds to answer; the interrupt is repeated up to
``INTERRUPTS`` times (one could land before the cell's handler is in place); only a kernel
that still has not answered is ``killed``. A kernel that dies, runs past the budget or
sends a malformed reply ends the run; the cells it did not finish score 0. Each cell that
ran keeps its effective seconds (``outcome["seconds"]``), which the class report shows.

Read next: ``kernel.py`` (the other end of the pipes), ``runner.py`` (plan, score).
"""

from __future__ import annotations

import fcntl
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

from course.grade import cgroup as cgroups
from course.grade import sandbox
from course.grade.intake import clean
from course.grade.runner import Plan

MAX_REPLY = 8 << 20            # a reply holds at most ~4 x 20 000 characters per part
REACT = 2.0                    # effective seconds a kernel gets to answer an interrupt
INTERRUPTS = 3
WALL_FACTOR, WALL_SLACK = 4, 30.0
TICK = 0.25                    # how often the clock is read while waiting


def _task_waits(pids) -> dict[tuple[int, int], float]:
    """(pid, tid) -> seconds that thread has waited in the run queue, since it started."""
    waits = {}
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue                                  # gone
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    waits[(pid, int(tid))] = int(f.read().split()[1]) / 1e9
            except (OSError, ValueError, IndexError):
                continue
    return waits


class KernelClock:
    """Effective seconds of a kernel: wall time minus the time it stalled waiting for a
    CPU. ``pids`` lists the kernel's processes (its control group's); default: ``pid``."""

    def __init__(self, pid: int, pids=None):
        self.pids = pids or (lambda: {pid})
        self.last_wall, self.effective = time.monotonic(), 0.0
        self.last = _task_waits(self.pids())

    def now(self) -> float:
        """Effective seconds since the clock started (never decreasing)."""
        wall = time.monotonic()
        waits = _task_waits(self.pids())
        # A thread born in this interval waited only in it; one that vanished is skipped.
        stall = max((w - self.last.get(key, 0.0) for key, w in waits.items()), default=0.0)
        elapsed = wall - self.last_wall
        self.effective += elapsed - min(max(stall, 0.0), elapsed)
        self.last_wall, self.last = wall, waits
        return self.effective


def _nonblocking(fd: int) -> None:
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)


def _valid_part(part) -> bool:
    if not isinstance(part, dict):
        return False
    texts = [part.get("stdout"), part.get("stderr")]
    error = part.get("error")
    return (all(isinstance(t, str) for t in texts)
            and isinstance(part.get("result"), (str, type(None)))
            and (error is None or (isinstance(error, dict)
                                   and isinstance(error.get("ename"), str)
                                   and isinstance(error.get("evalue"), str))))


def _cleaned(value):
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    if isinstance(value, dict):
        return {k: _cleaned(v) for k, v in value.items()}
    return value


def kernel_argv(cfg: dict) -> list[str]:
    """The command that starts a kernel: the sandbox launcher, which execs kernel.py."""
    return [sys.executable, "-m", "course.grade.sandbox", json.dumps(cfg),
            sys.executable, "-m", "course.grade.kernel"]


class Kernel:
    """One sandboxed kernel process, its two pipes, its clock and its control group."""

    def __init__(self, cfg: dict, env: dict, group: cgroups.Group | None = None):
        argv = kernel_argv(cfg)
        self.uid, self.group = cfg["uid"], group
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, start_new_session=True)
        pid = self.proc.pid
        self.clock = KernelClock(pid, (lambda: group.pids() | {pid}) if group else None)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            _nonblocking(stream.fileno())
        self.buffer, self.outgoing, self.sent = b"", b"", 0
        self.eof = False

    def send(self, parts: list[str]) -> int:
        """Queue a command; it is written while waiting for the reply (never blocking)."""
        self.sent += 1
        self.outgoing += (json.dumps({"id": self.sent, "parts": parts}) + "\n").encode()
        return self.sent

    def _pump(self, wait: float) -> None:
        """Write what is queued and read what is there, for at most ``wait`` seconds."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            if self.outgoing:
                selector.register(self.proc.stdin, selectors.EVENT_WRITE)
            for key, _ in selector.select(wait):
                if key.fileobj is self.proc.stdin:
                    try:
                        written = os.write(self.proc.stdin.fileno(), self.outgoing[:65536])
                        self.outgoing = self.outgoing[written:]
                    except BlockingIOError:
                        pass
                    except OSError:             # the kernel is gone: its reply says so
                        self.outgoing = b""
                else:
                    try:
                        chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
                    except BlockingIOError:
                        continue
                    self.buffer += chunk
                    self.eof = self.eof or not chunk

    def reply(self, limit: float) -> dict | None:
        """The next reply: None if ``limit`` effective seconds pass first (or the wall
        ceiling); {"eof": True} if the kernel is gone; {"eof", "garbled"} if malformed."""
        start, wall_end = self.clock.now(), time.monotonic() + WALL_FACTOR * limit + WALL_SLACK
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_REPLY:
                return {"eof": True, "garbled": True}
            if self.eof:
                return {"eof": True}
            left = limit - (self.clock.now() - start)
            if left <= 0 or time.monotonic() >= wall_end:
                self._pump(0)                   # a reply already sent still counts
                if b"\n" not in self.buffer:
                    return None
                break
            self._pump(min(left, TICK))
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            reply = json.loads(line)
        except (ValueError, RecursionError):
            return {"eof": True, "garbled": True}
        if not isinstance(reply, dict):
            return {"eof": True, "garbled": True}
        return _cleaned(reply)

    def interrupt(self) -> None:
        try:
            os.kill(self.proc.pid, signal.SIGINT)
        except ProcessLookupError:
            pass

    def close(self) -> str:
        """Kill everything it started; the launcher's error output (for a failed start).
        Closing twice does nothing more."""
        if self.proc.stderr.closed:
            return ""
        sandbox.kill_all(self.proc.pid, self.uid,
                         extra=self.group.pids if self.group else None)
        try:
            self.proc.wait(timeout=30)          # reaped: its zombie leaves the group
        except subprocess.TimeoutExpired:
            pass                                # unkillable (D state): leave it, go on
        if self.group is not None:
            self.group.remove()
        err = b""
        try:
            while len(err) < 65536:
                chunk = os.read(self.proc.stderr.fileno(), 65536)
                if not chunk:
                    break
                err += chunk
        except OSError:
            pass                                # nothing more without waiting
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        return err.decode(errors="replace")


def _valid_reply(reply: dict, ident: int) -> bool:
    parts = reply.get("parts")
    return (reply.get("id") == ident and isinstance(parts, list)
            and all(_valid_part(p) for p in parts))


def _interrupted(kernel: Kernel) -> dict | None:
    """Interrupt until the kernel answers (its reply) or has ignored every interrupt."""
    for _ in range(INTERRUPTS):
        kernel.interrupt()
        reply = kernel.reply(REACT)
        if reply is not None:
            return reply
    return None


def execute(the_plan: Plan, cfg: dict, env: dict, cell_timeout: float, budget: float,
            group: cgroups.Group | None = None) -> tuple[str, str]:
    """Run the plan's code cells (filling each ``Cell.outcome``); return (status, reason)."""
    kernel = Kernel(cfg, env, group)
    status, reason = "ok", ""
    started: list = []                      # (cell, effective second its command was sent)
    try:
        hello = kernel.reply(min(budget, 120))
        if not hello or not hello.get("ready"):
            detail = kernel.close().strip().splitlines()
            return "error", "the sandboxed kernel did not start: " + (
                detail[-1] if detail else "no reply")[-300:]
        for cell in (c for c in the_plan.cells if c.kind == "code"):
            if status != "ok" and status != "timeout":
                cell.outcome = {"not_run": True}
                continue
            left = budget - kernel.clock.now()
            wait = min(cell_timeout, left)
            started.append((cell, kernel.clock.now()))
            ident = kernel.send(cell.parts)
            reply = kernel.reply(max(wait, 0))
            if reply is None and wait < cell_timeout:
                status, reason = "budget", (f"over the notebook's budget of {budget:g} s "
                                            f"in {cell.label}")
                cell.outcome = {"timed_out": True, "parts": []}
                continue
            if reply is None:
                reply = _interrupted(kernel)
                if reply is None or reply.get("eof") or not _valid_reply(reply, ident):
                    status, reason = "killed", (f"timed out in {cell.label} after "
                                                f"{cell_timeout:g} s and ignored the interrupt")
                    reply = {}
                else:
                    status, reason = "timeout", (f"timed out in {cell.label} after "
                                                 f"{cell_timeout:g} s")
                cell.outcome = {"timed_out": True, "parts": reply.get("parts", [])}
                continue
            if reply.get("garbled") or (not reply.get("eof") and not _valid_reply(reply, ident)):
                status, reason = "error", f"the kernel sent a malformed reply in {cell.label}"
                cell.outcome = {"died": True}
                continue
            if reply.get("eof"):
                try:
                    code = kernel.proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    code = None
                status, reason = "died", (f"the kernel died in {cell.label}"
                                          + (f" (exit code {code})" if code is not None else ""))
                cell.outcome = {"died": True}
                continue
            cell.outcome = {"parts": reply["parts"]}
        _time_cells(started, kernel.clock.now())
    finally:
        kernel.close()
    return status, reason


def _time_cells(started: list, end: float) -> None:
    """Each run cell's effective seconds (``outcome["seconds"]``, for the class report): a
    cell ends when the next one is sent, the last one at ``end``."""
    for (cell, begin), (_, until) in zip(started, [*started[1:], (None, end)], strict=True):
        cell.outcome["seconds"] = round(max(until - begin, 0.0), 3)


def probe_launch(cfg: dict, env: dict, code: str, timeout: float = 120) -> str | None:
    """Run ``python -c code`` in a sandbox like a kernel's: None if it printed "ok", else
    the reason (the launcher's last error line). The grader's check before grading."""
    argv = [sys.executable, "-m", "course.grade.sandbox", json.dumps(cfg),
            sys.executable, "-c", code]
    try:
        done = subprocess.run(argv, capture_output=True, env=env, timeout=timeout,
                              start_new_session=True, cwd=Path(cfg["workdir"]).parent)
    except subprocess.TimeoutExpired:
        return f"the sandbox did not come up within {timeout:g} s"
    if done.returncode == 0 and done.stdout.strip() == b"ok":
        return None
    lines = done.stderr.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else f"exit code {done.returncode}"
