"""Driving a kernel (course/grade/drive.py) against fake kernels that misbehave on purpose:
a kernel that stops itself, one that never reads its commands, one that ignores SIGINT
while sleeping, and kernels whose replies are malformed. Each fake is a few lines of
Python started in place of the sandboxed kernel, so these run in seconds and none of
them may hang the grader (every test has a pytest timeout well above its deadlines).
"""

from __future__ import annotations

import sys
import textwrap
import time

import pytest

from course.grade import drive, runner

READY = 'import sys, json\nprint(json.dumps({"ready": True}), flush=True)\n'
ANSWER = ('for line in sys.stdin:\n'
          '    c = json.loads(line)\n'
          '    print(json.dumps({"id": c["id"], "parts": [{"stdout": "", "stderr": "",\n'
          '        "result": None, "error": None} for _ in c["parts"]]}), flush=True)\n')


def _plan(*codes: str) -> runner.Plan:
    cells = [runner.Cell("code", code, [code], f"g{n}", f"g{n}") for n, code in enumerate(codes)]
    graded = {c.grade_id: {"points": 1.0, "auto": True} for c in cells}
    return runner.Plan(cells, graded, [], [])


def _run(monkeypatch, script: str, plan: runner.Plan, cell_timeout: float = 2,
         budget: float = 60) -> tuple[str, str, float]:
    monkeypatch.setattr(drive, "REACT", 0.5)          # the fakes answer at once, or never
    monkeypatch.setattr(drive, "kernel_argv",
                        lambda cfg: [sys.executable, "-c", textwrap.dedent(script)])
    started = time.monotonic()
    status, reason = drive.execute(plan, {"uid": None}, {}, cell_timeout, budget)
    return status, reason, time.monotonic() - started


@pytest.mark.timeout(60)
def test_a_well_behaved_kernel_scores(monkeypatch):
    plan = _plan("a", "b")
    status, reason, _ = _run(monkeypatch, READY + ANSWER, plan)
    assert (status, reason) == ("ok", "")
    assert all(not s["failed"] for s in runner.score(plan).values())


@pytest.mark.timeout(60)
def test_a_kernel_that_stops_itself_is_killed_not_waited_for(monkeypatch):
    script = READY + "import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)\n"
    status, reason, took = _run(monkeypatch, script, _plan("a", "b"))
    assert status == "killed" and reason.startswith("timed out in g0 after 2 s and ignored")
    assert took < 2 + drive.INTERRUPTS * drive.REACT + 20


@pytest.mark.timeout(60)
def test_a_kernel_that_never_reads_cannot_block_the_send(monkeypatch):
    """A command bigger than a pipe's buffer, to a kernel that does not read it."""
    script = READY + "import time\ntime.sleep(600)\n"
    big = "#" + "x" * (4 << 20)
    status, _, took = _run(monkeypatch, script, _plan(big, "b"))
    assert status == "killed"
    assert took < 2 + drive.INTERRUPTS * drive.REACT + 20


@pytest.mark.timeout(60)
def test_a_sleeping_kernel_that_ignores_sigint_is_killed(monkeypatch):
    script = READY + "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n" \
                     "time.sleep(600)\n"
    plan = _plan("a", "b")
    status, _, _ = _run(monkeypatch, script, plan)
    assert status == "killed"
    assert plan.cells[1].outcome == {"not_run": True}


@pytest.mark.timeout(60)
def test_an_interrupt_that_is_answered_is_a_timeout(monkeypatch):
    script = READY + textwrap.dedent("""\
        import signal, time
        line = sys.stdin.readline()
        c = json.loads(line)
        try:
            time.sleep(600)
        except KeyboardInterrupt:
            print(json.dumps({"id": c["id"], "parts": [{"stdout": "", "stderr": "",
                "result": None, "error": {"ename": "KeyboardInterrupt", "evalue": ""}}]}),
                flush=True)
        """) + ANSWER
    plan = _plan("loop", "after")
    status, reason, _ = _run(monkeypatch, script, plan)
    assert (status, reason) == ("timeout", "timed out in g0 after 2 s")
    assert runner.score(plan)["g1"]["failed"] is None, "the cells after it still run"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("reply", [
    'print("not json", flush=True)',
    'print(json.dumps({"id": 1, "parts": "x"}), flush=True)',
    'print(json.dumps({"id": 7, "parts": []}), flush=True)',
    'print(json.dumps({"id": 1, "parts": [{"stdout": 3}]}), flush=True)',
    'print(json.dumps([1, 2]), flush=True)',
    'print("[" * 100000, flush=True)',
    f'sys.stdout.write("x" * {drive.MAX_REPLY + 10}); sys.stdout.flush(); '
    'import time; time.sleep(600)',
])
def test_a_malformed_reply_is_an_error_row_not_a_crash(monkeypatch, reply):
    script = READY + f"line = sys.stdin.readline()\n{reply}\nimport time\ntime.sleep(600)\n"
    plan = _plan("a", "b")
    # Every fake answers at once; the long timeout only leaves the grader time to read an
    # 8 MB reply on a busy machine (the kernel blocked on a full pipe is not waiting for a
    # CPU, so the grader's slow reading would count against it).
    status, reason, _ = _run(monkeypatch, script, plan, cell_timeout=30)
    assert (status, reason) == ("error", "the kernel sent a malformed reply in g0")
    assert plan.cells[1].outcome == {"not_run": True}


@pytest.mark.timeout(60)
def test_surrogates_in_replies_are_cleaned(monkeypatch):
    script = READY + textwrap.dedent("""\
        for line in sys.stdin:
            c = json.loads(line)
            print(json.dumps({"id": c["id"], "parts": [{"stdout": "\\ud800", "stderr": "",
                  "result": "\\udcff", "error": None}]}), flush=True)
        """)
    plan = _plan("a")
    status, _, _ = _run(monkeypatch, script, plan)
    part = plan.cells[0].outcome["parts"][0]
    assert status == "ok" and (part["stdout"], part["result"]) == ("\ufffd", "\ufffd")


@pytest.mark.timeout(60)
def test_a_kernel_that_never_says_ready(monkeypatch):
    status, reason, _ = _run(monkeypatch, "import sys; sys.exit('launcher: mount failed')",
                             _plan("a"))
    assert status == "error"
    assert reason == "the sandboxed kernel did not start: launcher: mount failed"


def _hogs() -> list:
    import os
    import subprocess

    return [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(2 * (os.cpu_count() or 2) + 1)]


def test_the_clock_subtracts_the_waits_of_the_kernels_other_processes():
    """A kernel asleep while its worker process computes (a SparkContext's job): when
    the worker waits for a CPU, that wait is not the kernel's time either."""
    import subprocess

    code = ("import subprocess, sys\n"
            "w = subprocess.Popen([sys.executable, '-c', "
            "'x = 0\\nfor i in range(10**6): x += i'])\n"
            "print(w.pid, flush=True)\nw.wait()\n")
    hogs = _hogs()
    kernel = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        worker = int(kernel.stdout.readline())
        clock = drive.KernelClock(kernel.pid, lambda: {kernel.pid, worker})
        start = time.monotonic()
        while kernel.poll() is None:
            clock.now()
            time.sleep(0.1)
        wall, effective = time.monotonic() - start, clock.now()
    finally:
        for proc in hogs:
            proc.kill()
            proc.wait()
        kernel.kill()
        kernel.stdout.close()
    assert effective < 0.7 * wall, (effective, wall)


def test_the_clock_does_not_count_time_spent_waiting_for_a_cpu():
    """A busy-looping child on a machine kept busy by others: its effective seconds are
    about its CPU seconds, never more than the wall seconds."""
    import os
    import subprocess

    hogs = _hogs()
    loop = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        clock = drive.KernelClock(loop.pid)
        start = time.monotonic()
        time.sleep(2)
        wall, effective = time.monotonic() - start, clock.now()
        with open(f"/proc/{loop.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    finally:
        for proc in [*hogs, loop]:
            proc.kill()
            proc.wait()
    assert effective <= wall + 0.05
    assert abs(effective - cpu) < 0.2 + 0.1 * wall, (effective, cpu, wall)
    assert effective < 0.9 * wall, "with more busy processes than cores, it waited"
