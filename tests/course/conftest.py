"""Fixtures for the course tests: ``lab``, a JupyterLab started by ``make lab`` on a free
port with a working copy of its own (``lab_server`` runs any JupyterLab command that way:
test_kit.py starts the installed kit's); ``notebook``, the working copy of an exercise for
it to open (``browser``, headless Chromium, is tests/conftest.py's); and ``run_variant``, which
runs a chapter with some answers written another way (the chapter tests use it to prove
that a how-it-ran check fails, with its message, for a right answer computed slowly)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import types
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, data: dict | None = None) -> tuple[int, str]:
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method="POST" if body else "GET",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read().decode()


@contextlib.contextmanager
def lab_server(command, cwd: Path, env: dict, log_path: Path):
    """Run ``command(port)``, a JupyterLab command line, on a free port as its own process
    group until its REST API answers; yield (base URL, token); stop the group at the end."""
    port, token = free_port(), secrets.token_hex(16)
    cmd = command(port)
    env = dict(env, JUPYTER_TOKEN=token)
    env.pop("PYTEST_CURRENT_TEST", None)
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if get(f"{base}/api/status?token={token}")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{' '.join(cmd)} did not come up:\n"
                                     + log_path.read_text()[-3000:])
            time.sleep(0.5)
        yield base, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture
def lab(tmp_path):
    """`make lab` on a free port, its working copy in a folder of its own under build/
    (make lab's root is the repository); ``lab.work`` is that folder, relative to the root."""
    work = REPO / "build" / f"lab-work-{os.getpid()}-{secrets.token_hex(4)}"
    env = dict(os.environ, COURSE_DATA=str(tmp_path / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               # a fresh workspace: no tabs restored from an earlier session
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))

    def command(port: int) -> list[str]:
        return ["make", "--no-print-directory", "lab", f"LAB_PORT={port}", f"WORK={work}"]
    try:
        with lab_server(command, REPO, env, tmp_path / "lab.log") as (base, token):
            yield types.SimpleNamespace(base=base, token=token, get=get,
                                        work=work.relative_to(REPO).as_posix())
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def serve_lab():
    """``with serve_lab(command, cwd, env, log_path) as (base, token)``: see lab_server."""
    return lab_server


ARTIFACTS = Path(os.environ.get("UI_TEST_ARTIFACTS", REPO / "build" / "test-artifacts" / "ui"))


class WaitFor:
    """``wait_for(condition, timeout, what, driver)``: poll until ``condition()`` is truthy
    and return it; on timeout, save a screenshot to ARTIFACTS and fail saying ``what``."""

    def __call__(self, condition, timeout: float, what: str, driver):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                found = condition()
            except Exception:           # the page is still being built: look again
                found = None
            if found:
                return found
            time.sleep(0.25)
        shot = self.screenshot(driver, "lab-timeout.png")
        raise AssertionError(f"JupyterLab: {what} within {timeout:.0f} s (screenshot in {shot})")

    @staticmethod
    def screenshot(driver, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / name))
        return ARTIFACTS / name


@pytest.fixture
def wait_for():
    return WaitFor()


RELEASED = REPO / "exercises" / "ch03_spark_basics" / "ch03_spark_basics.ipynb"


@pytest.fixture
def notebook(lab):
    """The lab's working copy of the ch03 exercise (made by `make lab`), relative to the
    lab's root: what a student opens, never the tracked exercises/ notebook."""
    return f"{lab.work}/ch03_spark_basics/{RELEASED.name}"


@pytest.fixture
def run_variant(tmp_path, monkeypatch):
    """``run_variant(assignment, replace, keep)`` -> ``{grade_id: why it failed, or None}``.

    Runs, on minispark and the course data, the source notebook's setup cell, its given
    code cells (neither graded nor answers) and the cells named in ``keep``, in notebook
    order; the answer
    cells in ``replace`` (grade_id -> code) run with that code instead.
    """
    from course.notebooks import cell_failed, execute, nbgrader_meta, read, source_path

    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("COURSE_ENGINE", "minispark")

    def run(assignment: str, replace: dict[str, str], keep: list[str]) -> dict:
        nb = read(source_path(assignment))
        cells = []
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            meta = nbgrader_meta(cell)
            grade_id = meta.get("grade_id")
            given = not meta.get("grade") and not meta.get("solution")  # setup, given code
            if grade_id in replace:
                cells.append(dict(cell, source=replace[grade_id]))
            elif given or grade_id in keep:
                cells.append(cell)
        cells = [dict(c, id=f"cell-{i}") for i, c in enumerate(cells)]
        out = execute({**nb, "cells": cells}, tmp_path)
        return {nbgrader_meta(c)["grade_id"]: cell_failed(c) for c in out["cells"]
                if nbgrader_meta(c).get("grade")}
    return run
