"""`make lab`: JupyterLab comes up on 127.0.0.1 with nbgrader's extension, and an exercise
notebook's setup cell runs in it (a kernel started by the server, as a student's would be).

Drives the server's REST and kernel-websocket APIs, no browser (test_lab_browser.py does
the same through JupyterLab's page in headless Chromium); the ``lab`` fixture
(conftest.py) starts the server as its own process group and stops it at the end.
"""

from __future__ import annotations

import asyncio
import json
import uuid


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


def test_make_lab_serves_the_course_and_runs_a_setup_cell(lab, notebook):
    base, token, _get = lab.base, lab.token, lab.get
    status, page = _get(f"{base}/lab?token={token}")
    assert status == 200 and "@jupyter/nbgrader" in page, "nbgrader's lab extension is on"
    status, listing = _get(f"{base}/api/contents/{notebook}?token={token}")
    nb = json.loads(listing)["content"]
    setup = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert setup["metadata"]["nbgrader"]["locked"]

    _, body = _get(f"{base}/api/sessions?token={token}",
                   {"path": notebook, "type": "notebook", "name": "",
                    "kernel": {"name": "python3"}})
    kernel = json.loads(body)["kernel"]["id"]
    ws = f"ws://127.0.0.1:{base.rsplit(':', 1)[1]}/api/kernels/{kernel}/channels?token={token}"
    outputs = asyncio.run(_execute(ws, setup["source"]))
    text = "".join(o.get("text", "") for o in outputs if o["type"] == "stream"
                   and o["name"] == "stdout")
    assert not [o for o in outputs if o["type"] == "error"
                or (o["type"] == "stream" and o["name"] == "stderr")], outputs
    assert "minispark 4.3.0, master local[2]" in text and "checksum OK" in text, text
