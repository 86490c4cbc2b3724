"""Shared pytest setup: one SparkContext for the doctests of minispark/.

Doctests in the engine's docstrings use a name ``sc``: a ``local[2]``
context created once per test session (workers start once, so the hundreds of
doctests stay fast) and stopped at the end.

Running one file's doctests (``pytest minispark/rdd.py``) works because this
file imports ``minispark`` before collection. Under ``--import-mode=importlib``
pytest imports a collected file by its dotted name (``minispark.rdd``) only if
that name is not in ``sys.modules`` yet, and it imports the parent package
first: the package's ``__init__`` imports ``minispark.rdd`` normally, then pytest
executes the file a *second* time and replaces ``sys.modules["minispark.rdd"]``.
Its doctests would then see a second ``SparkContext`` or ``RDD`` class, unknown to
the rest of the engine (``SparkContext.getOrCreate()`` would find no active
context). With the package imported here, pytest reuses the loaded modules.
(The full run worked only because tests/ imported minispark before minispark/
was collected.)
"""

import pytest

import minispark  # noqa: F401  (see above: must be imported before collection)


@pytest.fixture(scope="session")
def _doctest_sc():
    from minispark import SparkConf, SparkContext
    conf = SparkConf().set("spark.ui.showConsoleProgress", "false")
    sc = SparkContext("local[2]", "doctests", conf=conf)
    yield sc
    sc.stop()


@pytest.fixture(autouse=True)
def _inject_doctest_namespace(request, doctest_namespace):
    if isinstance(request.node, pytest.DoctestItem):
        from minispark import StorageLevel, TaskContext
        doctest_namespace["sc"] = request.getfixturevalue("_doctest_sc")
        doctest_namespace["StorageLevel"] = StorageLevel
        doctest_namespace["TaskContext"] = TaskContext
