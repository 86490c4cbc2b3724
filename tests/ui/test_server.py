"""Starting the UI: with the SparkContext when asked, on the next port when one is taken,
and never by default in scripts and tests. Contexts of their own run in subprocesses.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]


def hold_port(port: int) -> socket.socket | None:
    """Listen on 127.0.0.1:port (None if someone else already does)."""
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        return None
    sock.listen()
    return sock


def test_port_fallback_when_the_port_is_taken():
    from minispark.ui.server import SparkUI
    from minispark.ui.state import AppStatusStore

    taken = hold_port(0)
    port = taken.getsockname()[1]
    try:
        ui = SparkUI(AppStatusStore(), port=port)
        try:
            chosen = urlsplit(ui.url).port
            assert chosen != port and port < chosen <= port + 16
        finally:
            ui.stop()
    finally:
        taken.close()


def test_spark_context_starts_its_ui_on_4041_when_4040_is_taken(run_python):
    held = hold_port(4040)   # None: someone else holds 4040, which is just as taken
    try:
        out = run_python(
            "import json, urllib.request\n"
            "from minispark import SparkConf, SparkContext\n"
            "conf = SparkConf().set('spark.ui.enabled', 'true')\n"
            "sc = SparkContext('local[1]', 'ui <app>', conf=conf)\n"
            "sc.parallelize(range(10), 2).count()\n"
            "page = urllib.request.urlopen(sc.uiWebUrl + '/jobs/').read().decode()\n"
            "url, html = sc.uiWebUrl, sc._repr_html_()\n"
            "sc.stop()\n"
            "try:\n"
            "    urllib.request.urlopen(url + '/jobs/', timeout=5); after = 'up'\n"
            "except OSError:\n"
            "    after = 'down'\n"
            "print(json.dumps([url, 'ui &lt;app&gt;' in page, url in html, after]))\n")
    finally:
        if held is not None:
            held.close()
    url, escaped, linked, after = out
    port = urlsplit(url).port
    assert urlsplit(url).hostname == "127.0.0.1" and 4041 <= port <= 4056
    assert escaped and linked and after == "down"


def script(code: str, *flags: str, **extra_env: str) -> list[str]:
    """Run ``code`` as a plain script would (no pytest in its environment)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTEST_CURRENT_TEST", "MINISPARK_UI_ENABLED")}
    env.update(extra_env)
    proc = subprocess.run([sys.executable, *flags, "-c", code], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    return [line for line in proc.stdout.splitlines() if line.startswith("URL")]


CODE = ("from minispark import SparkConf, SparkContext\n"
        "sc = SparkContext('local[1]', 'x', conf=SparkConf().set('spark.ui.port', '0'))\n"
        "print('URL', sc.uiWebUrl); sc.stop()\n")


def test_ui_is_off_in_scripts_and_on_in_the_interactive_interpreter():
    assert script(CODE) == ["URL None"]
    interactive = script(CODE, "-i")
    assert len(interactive) == 1 and interactive[0].startswith("URL http://127.0.0.1:")
    # a notebook runner (make answers) can keep interactive kernels from opening ports
    assert script(CODE, "-i", MINISPARK_UI_ENABLED="false") == ["URL None"]


def test_event_log_round_trips_into_the_history_server(run_python, tmp_path, web):
    from minispark.history import HistoryServer

    expected = run_python(
        "import json\n"
        "from operator import add\n"
        "from minispark import SparkConf, SparkContext\n"
        "from minispark.scheduler.listener import EventCollector\n"
        f"conf = SparkConf().set('spark.eventLog.enabled', 'true')"
        f".set('spark.eventLog.dir', {str(tmp_path)!r})\n"
        "sc = SparkContext('local[2]', 'logged <app>', conf=conf)\n"
        "events = EventCollector(); sc.addSparkListener(events)\n"
        "cached = sc.parallelize(range(300), 3).setName('<script>alert(1)</script>').cache()\n"
        "cached.map(lambda x: (x % 5, 1)).reduceByKey(add, 2).collect()\n"
        "stages = {s.stage_id: [len(events.task_metrics(s.stage_id)),"
        " sum(m.shuffle_write_bytes for m in events.task_metrics(s.stage_id))]"
        " for s in events.stages()}\n"
        "print(json.dumps({'app': sc.applicationId, 'uiWebUrl': sc.uiWebUrl, 'rdd': cached.id(),"
        " 'stages': stages}))\n"
        "sc.stop()\n")
    app = expected["app"]
    assert expected["uiWebUrl"] is None   # the log alone opens no port
    assert (tmp_path / app).is_file() and not (tmp_path / f"{app}.inprogress").exists()
    history = HistoryServer(tmp_path, port=0).start()
    try:
        apps = web.tables(web.fetch(history.url + "/"))["apps"]
        assert [(r[0][0], r[1][0], r[5][0], r[6][0]) for r in apps] == [
            (app, "logged <app>", "completed", "1")]
        base = f"{history.url}/history/{app}"
        rows = web.tables(web.fetch(base + "/jobs/job/?id=0"))["stages"]
        shown = {row[0][0]: [int(row[6][0].split("/")[1]),
                             web.exact_bytes(row[9]) if row[9][0] else 0] for row in rows}
        assert shown == expected["stages"]
        storage = web.fetch(base + "/storage/")
        assert "<script>" not in storage and "&lt;script&gt;alert(1)&lt;/script&gt;" in storage
        rdds = web.tables(storage)["rdds"]
        assert [(r[0][0], r[3][0]) for r in rdds] == [(str(expected["rdd"]), "3")]
        env = dict((r[0][0], r[1][0]) for r in
                   web.tables(web.fetch(base + "/environment/"))["properties"])
        assert env["spark.app.name"] == "logged <app>" and env["spark.eventLog.enabled"] == "true"
        assert 'href="/history/' in web.fetch(base + "/jobs/")
    finally:
        history.stop()
