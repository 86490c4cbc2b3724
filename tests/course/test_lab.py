"""`make lab`: JupyterLab comes up on 127.0.0.1 with nbgrader's extension, and an exercise
notebook's setup cell runs in it (a kernel started by the server, as a student's would be).

Drives the server's REST and kernel-websocket APIs, no browser; the server is started by
this test as its own process group and stopped at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "exercises/ch03_spark_basics/ch03_spark_basics.ipynb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, data: dict | None = None) -> tuple[int, str]:
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method="POST" if body else "GET",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read().decode()


@pytest.fixture
def lab(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_TOKEN=token, COURSE_DATA=str(tmp_path / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
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
                if _get(f"{base}/api/status?token={token}")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("make lab did not come up:\n"
                                     + (tmp_path / "lab.log").read_text()[-3000:])
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


async def _execute(ws_url: str, code: str) -> list[dict]:
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(ws_url)
    msg_id, session = uuid.uuid4().hex, uuid.uuid4().hex
    conn.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                   "session": session, "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
    }))
    outputs = []
    while True:
        raw = await asyncio.wait_for(conn.read_message(), timeout=120)
        assert raw is not None, "the kernel's websocket closed"
        msg = json.loads(raw)
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind in ("stream", "error", "execute_result", "display_data"):
            outputs.append({"type": kind, **msg["content"]})
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            conn.close()
            return outputs


def test_make_lab_serves_the_course_and_runs_a_setup_cell(lab):
    base, token = lab
    status, page = _get(f"{base}/lab?token={token}")
    assert status == 200 and "@jupyter/nbgrader" in page, "nbgrader's lab extension is on"
    status, listing = _get(f"{base}/api/contents/{NOTEBOOK}?token={token}")
    nb = json.loads(listing)["content"]
    setup = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert setup["metadata"]["nbgrader"]["locked"]

    _, body = _get(f"{base}/api/sessions?token={token}",
                   {"path": NOTEBOOK, "type": "notebook", "name": "",
                    "kernel": {"name": "python3"}})
    kernel = json.loads(body)["kernel"]["id"]
    ws = f"ws://127.0.0.1:{base.rsplit(':', 1)[1]}/api/kernels/{kernel}/channels?token={token}"
    outputs = asyncio.run(_execute(ws, setup["source"]))
    text = "".join(o.get("text", "") for o in outputs if o["type"] == "stream"
                   and o["name"] == "stdout")
    assert not [o for o in outputs if o["type"] == "error"
                or (o["type"] == "stream" and o["name"] == "stderr")], outputs
    assert "minispark 4.3.0, master local[2]" in text and "checksum OK" in text, text
