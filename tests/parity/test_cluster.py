"""The course on a Spark standalone cluster, as INSTRUCTOR.md describes it: a master and a
worker started with the PySpark install's ``bin/spark-class`` (on ports chosen now, all on
127.0.0.1, stopped at the end), and a chapter's source notebook (solutions and hidden
tests) run with ``COURSE_ENGINE=pyspark COURSE_MASTER=spark://...``: the setup cell takes
the master from the environment, every graded cell passes, and the master saw the
notebook's application run on its worker.

Also here: with a local master, PySpark's web UI listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest

from course.notebooks import execute, graded_cells, read, source_path

pytestmark = pytest.mark.parity
CHAPTER = "ch04_pair_rdds"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def _json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


def _daemon(stack: ExitStack, args: list[str], log: Path, env: dict) -> subprocess.Popen:
    """Start a Spark daemon in its own process group, stopped when ``stack`` closes."""
    out = stack.enter_context(open(log, "wb"))
    proc = subprocess.Popen([str(_spark_class()), *args], stdout=out, stderr=subprocess.STDOUT,
                            env=env, start_new_session=True)

    def stop():
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    stack.callback(stop)
    return proc


def _wait(condition, timeout: float, what: str, logs: list[Path]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = condition()
        except OSError:             # not listening yet
            found = None
        if found:
            return found
        time.sleep(0.5)
    tails = "\n".join(f"--- {p.name}:\n{p.read_text()[-2000:]}" for p in logs if p.exists())
    raise AssertionError(f"{what} within {timeout:.0f} s\n{tails}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A standalone master and one 2-core worker; yields (master URL, master UI URL)."""
    tmp = tmp_path_factory.mktemp("cluster")
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", SPARK_LOG_DIR=str(tmp),
               SPARK_WORKER_DIR=str(tmp / "worker"), PYSPARK_PYTHON=sys.executable)
    port, ui = _free_port(), _free_port()
    master, master_ui = f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{ui}"
    logs = [tmp / "master.log", tmp / "worker.log"]
    with ExitStack() as stack:
        _daemon(stack, ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                        "--port", str(port), "--webui-port", str(ui)], logs[0], env)
        _wait(lambda: _json(f"{master_ui}/json/"), 120, "the master did not start", logs)
        _daemon(stack, ["org.apache.spark.deploy.worker.Worker", master, "--host", "127.0.0.1",
                        "--port", str(_free_port()), "--webui-port", str(_free_port()),
                        "--cores", "2", "--memory", "1g", "--work-dir", str(tmp / "worker")],
                logs[1], env)
        _wait(lambda: [w for w in _json(f"{master_ui}/json/")["workers"]
                       if w["state"] == "ALIVE"], 120, "no worker registered", logs)
        yield master, master_ui


def test_a_chapter_runs_on_a_standalone_cluster(cluster, tmp_path):
    master, master_ui = cluster
    nb = execute(read(source_path(CHAPTER)), tmp_path,
                 {"COURSE_ENGINE": "pyspark", "COURSE_MASTER": master,
                  "COURSE_DATA": str(tmp_path / "data"), "SPARK_LOCAL_IP": "127.0.0.1"})
    setup = next(c for c in nb["cells"] if c["cell_type"] == "code")
    printed = "".join("".join(o.get("text", "")) for o in setup["outputs"])
    assert f"pyspark 4.3.0, master {master};" in printed, setup["outputs"]
    assert {c["grade_id"]: c["failed"] for c in graded_cells(nb) if c["failed"]} == {}
    # The application ran on the cluster: the master lists it (finished once the kernel
    # stopped), with the worker's cores.
    state = _wait(lambda: [a for a in _json(f"{master_ui}/json/")["completedapps"]
                           if a["name"] == CHAPTER], 60, "the master lists no finished app",
                  [])
    assert state[0]["cores"] >= 1


def test_local_pyspark_ui_listens_on_loopback_only(tmp_path):
    """The setup cell binds PySpark's driver and UI to 127.0.0.1 with a local master
    (without SPARK_LOCAL_IP, Spark's UI listens on every interface)."""
    code = ("import json, sys\n"
            "from course.labsetup import start\n"
            "sc, _ = start('ui-check')\n"
            "print(json.dumps(sc.uiWebUrl))\n"
            "import subprocess\n"
            "port = sc.uiWebUrl.rsplit(':', 1)[1]\n"
            "out = subprocess.run(['ss', '-ltnH'], capture_output=True, text=True).stdout\n"
            "print(json.dumps([l.split()[3] for l in out.splitlines()\n"
            "                  if l.split()[3].endswith(':' + port)]))\n"
            "sc.stop()\n")
    env = {k: v for k, v in os.environ.items() if k != "SPARK_LOCAL_IP"}
    env.update(COURSE_ENGINE="pyspark", COURSE_DATA=str(tmp_path / "data"))
    env.pop("COURSE_MASTER", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    url, listening = (json.loads(x) for x in proc.stdout.strip().splitlines()[-2:])
    assert listening, f"nothing listens on the UI's port ({url})"
    hosts = {addr.rsplit(":", 1)[0] for addr in listening}
    assert hosts <= {"127.0.0.1", "[::ffff:127.0.0.1]"}, hosts
