"""`make lab`: JupyterLab comes up on 127.0.0.1 with nbgrader's extension, and an exercise
notebook's setup cell runs in it (a kernel started by the server, as a student's would be).

Drives the server's REST and kernel-websocket APIs, no browser (test_lab_browser.py does
the same through JupyterLab's page in headless Chromium); the ``lab`` fixture
(conftest.py) starts the server as its own process group and stops it at the end.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import urllib.request
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


def test_make_lab_works_in_a_copy_not_in_exercises(lab, notebook):
    """The notebook the lab opens is make lab's working copy. Saved back unchanged through
    the server (the contents API JupyterLab saves with) it is byte for byte the release;
    saved with a student's outputs, exercises/ is still untouched."""
    from course.notebooks import REPO

    released = REPO / "exercises" / "ch03_spark_basics" / "ch03_spark_basics.ipynb"
    before = released.read_bytes()
    url = f"{lab.base}/api/contents/{notebook}?token={lab.token}"

    def save(content: dict) -> None:
        req = urllib.request.Request(url, data=json.dumps(
            {"type": "notebook", "format": "json", "content": content}).encode(),
            method="PUT", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200

    content = json.loads(lab.get(url)[1])["content"]
    save(content)
    assert (REPO / notebook).read_bytes() == before, "an untouched notebook saves unchanged"
    content["cells"][0]["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": "a student's output\n"}]
    save(content)
    assert "a student's output" in (REPO / notebook).read_text()
    assert released.read_bytes() == before


def test_working_copy_never_overwrites_a_students_notebook(tmp_path):
    """course/lab.py copies each released exercise once; a notebook already in the working
    folder (the student's) stays as it is, and a chapter released later is added."""
    from course.lab import released, working_copy
    from course.notebooks import assignments

    release = tmp_path / "release"
    shutil.copytree(released(), release)
    work = tmp_path / "work"
    first = working_copy(work, release)
    assert sorted(p.parent.name for p in first) == assignments()
    mine = work / "ch03_spark_basics" / "ch03_spark_basics.ipynb"
    mine.write_text("my work")
    (release / "ch99_new").mkdir()
    (release / "ch99_new" / "ch99_new.ipynb").write_text("{}")
    second = working_copy(work, release)
    assert second == [work / "ch99_new" / "ch99_new.ipynb"]
    assert mine.read_text() == "my work"
    assert working_copy(work, release) == []


def test_lab_launcher_serves_on_loopback_and_opens_the_working_copy(tmp_path):
    from course.lab import command

    root = tmp_path / "repo"
    args = command(root / "work", root, 8899, open_browser=False)
    assert "--ServerApp.ip=127.0.0.1" in args and "--ServerApp.port=8899" in args
    assert f"--ServerApp.root_dir={root}" in args
    assert "--LabApp.default_url=/lab/tree/work" in args
