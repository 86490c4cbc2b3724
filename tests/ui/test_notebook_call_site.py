"""A job run from a notebook cell is named after the cell in the UI (``count at In [2],
line 3``), not after the kernel's temporary file: a real notebook, run by nbclient in a
real ipykernel, its event log served by the history server.

The cell numbers expected are the ones the kernel itself gave the executed cells
(their ``execution_count``), never computed by minispark. Marked slow (starting a
kernel takes about 20 s on a busy machine); tests/test_util.py checks the same with an
IPython shell in the fast tier.
"""

from __future__ import annotations

import os
import sys

import pytest


@pytest.mark.slow
def test_a_notebook_cells_jobs_are_named_after_the_cell(tmp_path, web):
    import nbformat
    from nbclient import NotebookClient

    from minispark.history import HistoryServer

    logs = tmp_path / "logs"
    cells = [
        "from minispark import SparkConf, SparkContext\n"
        "conf = (SparkConf().set('spark.eventLog.enabled', 'true')\n"
        f"        .set('spark.eventLog.dir', {str(logs)!r}).set('spark.ui.enabled', 'false'))\n"
        "sc = SparkContext('local[1]', 'notebook', conf=conf)",
        "pairs = sc.parallelize(range(10), 2).map(lambda x: (x % 3, x))\n"
        "sums = pairs.reduceByKey(lambda a, b: a + b)\n"
        "sums.count()",
        "print(sc.applicationId)\nsc.stop()",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    saved = dict(os.environ)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    job_cell = nb.cells[1].execution_count
    app_id = nb.cells[2].outputs[0]["text"].strip()
    assert job_cell == nb.cells[0].execution_count + 1

    history = HistoryServer(logs, port=0).start()
    try:
        base = f"{history.url}/history/{app_id}"
        jobs = web.tables(web.fetch(base + "/jobs/"))["jobs"]
        assert [r[1][0] for r in jobs] == [f"count at In [{job_cell}], line 3"]
        stages = web.tables(web.fetch(base + "/stages/"))["complete-stages"]
        assert sorted(r[2][0] for r in stages) == [
            f"map at In [{job_cell}], line 1", f"reduceByKey at In [{job_cell}], line 2"]
        graph = web.dag(web.fetch(base + "/jobs/job/?id=0"))
        titles = [n["title"] for s in graph.stages.values() for n in s["nodes"]
                  if n["rdd"] is not None]
        assert len(titles) == 3 and all(f"In [{job_cell}], line " in t for t in titles)
        assert not any(".py:" in t for t in titles)
    finally:
        history.stop()
