"""Fixtures for the course tests: ``lab``, a JupyterLab started by ``make lab`` on a free
port; ``notebook``, a scratch copy of a released exercise for it to open (``browser``,
headless Chromium, is tests/conftest.py's); and ``run_variant``, which
runs a chapter with some answers written another way (the chapter tests use it to prove
that a how-it-ran check fails, with its message, for a right answer computed slowly)."""

from __future__ import annotations

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


@pytest.fixture
def lab(tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_TOKEN=token, COURSE_DATA=str(tmp_path / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               # a fresh workspace: no tabs restored from an earlier session
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    env.pop("PYTEST_CURRENT_TEST", None)
    log = open(tmp_path / "lab.log", "wb")
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_PORT={port}"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
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
                raise AssertionError("make lab did not come up:\n"
                                     + (tmp_path / "lab.log").read_text()[-3000:])
            time.sleep(0.5)
        yield types.SimpleNamespace(base=base, token=token, get=get)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


RELEASED = REPO / "exercises" / "ch03_spark_basics" / "ch03_spark_basics.ipynb"


@pytest.fixture
def notebook():
    """A copy of the released exercise under build/ (JupyterLab's autosave must never
    write a student's outputs into exercises/), as a path relative to the lab's root."""
    folder = REPO / "build" / f"lab-test-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / RELEASED.name
    shutil.copy(RELEASED, copy)
    yield copy.relative_to(REPO).as_posix()
    shutil.rmtree(folder, ignore_errors=True)


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
