"""The sandbox's parts (course/grade/sandbox.py, cgroup.py): finding a kernel's session
in /proc, control groups made, joined and removed, what is covered in the mount namespace.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course.grade import cgroup, cli, sandbox


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


@pytest.mark.timeout(60)
def test_kill_all_finds_every_process_of_a_session():
    """A child that left its process group (setpgid) but not its session is found by the
    session id, field 6 of /proc/PID/stat (field 7, the terminal, was read before)."""
    code = ("import subprocess, sys, time\n"
            "p = subprocess.Popen([sys.executable, '-c', "
            "'import os, time; os.setpgid(0, 0); time.sleep(120)'])\n"
            "print(p.pid, flush=True)\ntime.sleep(120)\n")
    leader = subprocess.Popen([sys.executable, "-c", code], start_new_session=True,
                              stdout=subprocess.PIPE)
    child = int(leader.stdout.readline())
    try:
        with open(f"/proc/{child}/stat", "rb") as f:
            assert sandbox.session_of(f.read()) == leader.pid
        sandbox.kill_all(leader.pid, None)
        leader.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the child in the session survived"
    finally:
        for pid in (leader.pid, child):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        leader.stdout.close()


def test_session_of_a_command_name_with_parentheses_and_spaces():
    assert sandbox.session_of(b"7 (x) 1 2 (evil)) R 1 7 99 0 -1") == 99


@pytest.mark.timeout(60)
def test_a_control_group_holds_a_process_and_its_children_and_is_removed():
    layout = cgroup.detect()
    if isinstance(layout, str):                  # then the grader must say so
        assert sandbox.probe()["cgroup"], layout
        return
    group = cgroup.Group(layout, 256 << 20, 32)
    code = ("import subprocess, sys, time\n"
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
            "print('ready', flush=True)\ntime.sleep(120)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            preexec_fn=lambda: cgroup.join(group.procs))
    try:
        assert proc.stdout.readline() == b"ready\n"
        assert proc.pid in group.pids() and len(group.pids()) == 2
        limits = {p.name: p.read_text().strip() for d in group.dirs for p in d.iterdir()
                  if p.name in ("memory.limit_in_bytes", "memory.max", "pids.max")}
        assert str(256 << 20) in limits.values() and limits["pids.max"] == "32"
        assert group.remove()
        proc.wait(timeout=10)
        assert not any(d.exists() for d in group.dirs)
    finally:
        group.remove()
        proc.kill()
        proc.stdout.close()


def test_cgroup_v2_is_detected_when_it_offers_memory_and_pids(tmp_path, monkeypatch):
    (tmp_path / "cgroup.controllers").write_text("cpu memory pids\n")
    (tmp_path / "cgroup.subtree_control").write_text("memory pids\n")
    monkeypatch.setattr(cgroup, "_mounts", lambda: {"unified": tmp_path,
                                                    "memory": Path("/nonexistent")})
    monkeypatch.setattr(cgroup, "_own", lambda hierarchy: "/")
    assert cgroup.detect() == ("v2", {"unified": tmp_path})
    (tmp_path / "cgroup.controllers").write_text("cpu\n")
    assert isinstance(cgroup.detect(), str), "v2 without memory, no v1 pids: unavailable"


def test_nbgrader_files_and_run_dirs_are_covered(tmp_path, monkeypatch):
    for name in cli.NBGRADER:
        (tmp_path / name).mkdir()
    hide = [tmp_path / name for name in cli.NBGRADER]
    allowed = dict.fromkeys(sandbox.PROTECTIONS)
    cfg = sandbox.config(sandbox.BASE_UID, tmp_path / "work", hide, allowed, {})
    assert sorted(cfg["hide"]) == sorted(str(p) for p in hide)
    assert "/run" in cfg["empty"]


def test_without_a_writable_cgroup_the_grader_says_so_and_goes_on(monkeypatch):
    monkeypatch.setattr(cgroup, "detect", lambda: "no writable cgroup hierarchy (pretend)")
    allowed = sandbox.probe()
    assert allowed["cgroup"].startswith("no writable cgroup hierarchy (pretend): memory and "
                                        "processes are limited per process only")
    said: list[str] = []
    cli.report_protections(allowed, said.append)
    assert any(line.startswith("sandbox: cgroup protection unavailable: no writable")
               and line.endswith("continuing without it") for line in said)
