"""Fixtures for the course tests: ``lab``, a JupyterLab started by ``make lab`` on a free
port; ``notebook``, a scratch copy of a released exercise for it to open; and ``browser``,
headless Chromium driven by Selenium (``make test-browser``)."""

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
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# Without the background-networking flags Chromium keeps trying (and failing) to reach
# Google's hosts from a closed network.
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000"]


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


@pytest.fixture
def browser(tmp_path):
    # A missing browser is a failure, not a skip: make test-browser installs it.
    assert shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER), (
        "needs Debian's chromium and chromium-driver: run make test-browser, or "
        "apt-get install -y chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={tmp_path / 'chromium'}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()


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
