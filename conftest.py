"""Shared pytest setup: one SparkContext for the doctests of minispark/.

Doctests in the engine's docstrings use a name ``sc``: a ``local[2]``
context created once per test session (workers start once, so the hundreds of
doctests stay fast) and stopped at the end.
"""

import pytest


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
