"""Call sites (minispark/util.py): which frame is the user's, whatever the directory.

An RDD remembers where the user created it (``map at job.py:15``), found by
walking up the stack to the first frame that is not an engine file. Code that
was typed or generated has a pseudo-filename (``<doctest ...>``, ``<stdin>``)
that is no path at all: these tests run from inside the package directory,
where such a name, made absolute, used to look like an engine file, so the
doctests of minispark/ failed when run with ``cd minispark && pytest rdd.py``.
"""

from __future__ import annotations

import os

import minispark
from minispark.util import call_site, is_internal_file

PACKAGE_DIR = os.path.dirname(os.path.abspath(minispark.__file__))


def test_pseudo_filenames_are_never_engine_files(monkeypatch):
    monkeypatch.chdir(PACKAGE_DIR)
    for name in ("<doctest minispark.rdd.RDD.map[0]>", "<stdin>", "<string>"):
        assert not is_internal_file(name), name
    # real files keep being judged by where they are
    assert is_internal_file(os.path.join(PACKAGE_DIR, "rdd.py"))
    assert is_internal_file("rdd.py")          # relative to the package directory


def test_call_site_from_a_doctest_run_inside_the_package(sc, monkeypatch):
    monkeypatch.chdir(PACKAGE_DIR)
    code = compile("rdd = sc.parallelize([1, 2], 2).map(lambda x: x)\nsite = call_site()\n",
                   "<doctest job[0]>", "exec")
    scope = {"sc": sc, "call_site": call_site}
    exec(code, scope)
    assert scope["site"] == "call_site at <doctest job[0]>:2"
    debug = scope["rdd"].toDebugString().decode()
    assert "at map at <doctest job[0]>:1" in debug, debug
    assert "at parallelize at <doctest job[0]>:1" in debug, debug


# -- call sites in IPython and Jupyter: the cell, not the kernel's temporary file ------

IPYTHON_SESSION = r'''
import json, sys, tempfile, os
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
counts = []
def run(code):
    counts.append(shell.execution_count)   # the number this cell gets: In [N]
    result = shell.run_cell(code, store_history=True)
    assert result.success, result.error_in_exec or result.error_before_exec
run("from minispark import SparkContext\nfrom minispark.scheduler.listener import EventCollector")
run("sc = SparkContext('local[1]', 'cells'); events = EventCollector()\n"
    "sc.addSparkListener(events)")
run("pairs = sc.parallelize(range(6), 2).map(lambda x: (x % 2, x))\n"
    "\n"
    "total = pairs.reduceByKey(lambda a, b: a + b).count()")
# a function from a real file, called from a cell, keeps its file name
module = os.path.join(tempfile.mkdtemp(), "helpers.py")
open(module, "w").write("def evens(sc):\n    return sc.parallelize(range(4)).filter(\n"
                        "        lambda x: x % 2 == 0)\n")
sys.path.insert(0, os.path.dirname(module))
run("import helpers\nfiltered = helpers.evens(sc)")
ns = shell.user_ns
print(json.dumps({"counts": counts, "map": ns["pairs"].creation_site,
                  "job": ns["events"].of_kind("JobStart")[-1].data["description"],
                  "stages": [s.name for s in ns["events"].stages()],
                  "module": ns["filtered"].creation_site}))
ns["sc"].stop()
'''


def test_call_sites_in_an_ipython_shell_name_the_cell(run_python):
    shown = run_python(IPYTHON_SESSION)
    cell = shown["counts"][2]           # the third cell, as IPython numbered it
    assert cell >= 1 and shown["counts"] == list(range(cell - 2, cell + 2))
    assert shown["map"] == f"map at In [{cell}], line 1"
    assert shown["job"] == f"count at In [{cell}], line 3"
    assert shown["stages"] == [f"map at In [{cell}], line 1",
                               f"reduceByKey at In [{cell}], line 3"]
    assert shown["module"] == "filter at helpers.py:2"


def test_call_sites_never_import_ipython(run_python):
    shown = run_python(
        "import json, sys\n"
        "from minispark import SparkContext\n"
        "sc = SparkContext('local[1]', 'script')\n"
        "rdd = sc.parallelize([1, 2]).map(str)\n"
        "print(json.dumps([rdd.creation_site, 'IPython' in sys.modules]))\n"
        "sc.stop()\n")
    assert shown == ["map at <string>:4", False]
