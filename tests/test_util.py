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
