"""Shared pytest setup: one SparkContext for the doctests of minispark/.

Doctests in the engine's docstrings use a name ``sc``: a ``local[2]``
context created once per test session (workers start once, so the hundreds of
doctests stay fast) and stopped at the end.

Running one file's doctests (``pytest minispark/rdd.py``) works because of
``pytest_collect_file`` below. Under ``--import-mode=importlib`` pytest imports a
collected file by its dotted name (``minispark.rdd``) only if that name is not in
``sys.modules`` yet, and it imports the parent package first: the package's
``__init__`` imports ``minispark.rdd`` normally, then pytest executes the file a
*second* time and replaces ``sys.modules["minispark.rdd"]``. Its doctests would
then see a second ``SparkContext`` or ``RDD`` class, unknown to the rest of the
engine (``SparkContext.getOrCreate()`` would find no active context). Importing
each engine module the normal way before pytest does makes pytest reuse it.
(The full run worked only because tests/ imported the engine first.)
"""

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
# Packages whose doctests pytest collects (make test), imported by their real names.
PACKAGES = [ROOT / "minispark", ROOT / "datagen", ROOT / "course"]


def pytest_collect_file(file_path, parent):
    """Import a package module under its real name before its doctests are
    collected (see the module docstring); collects nothing itself."""
    path = Path(file_path).resolve()
    if (path.suffix == ".py" and path.name not in ("__main__.py", "nbgrader_config.py")
            and any(path.is_relative_to(package) for package in PACKAGES)):
        parts = path.relative_to(ROOT).with_suffix("").parts
        importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return None


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
        from minispark.streaming.testing import run_stream
        doctest_namespace["sc"] = request.getfixturevalue("_doctest_sc")
        doctest_namespace["run_stream"] = run_stream  # the DStream doctests' driver
        doctest_namespace["StorageLevel"] = StorageLevel
        doctest_namespace["TaskContext"] = TaskContext


# Doctests that create a StreamingContext on purpose: DStreams are deprecated in Spark 4
# and both engines warn (students should see it); in these tests it is expected noise.
DSTREAM_DOCTESTS = [ROOT / "minispark" / "streaming", ROOT / "minispark" / "ui" / "streaming.py",
                    ROOT / "course" / "streamcheck.py"]


def pytest_collection_modifyitems(config, items):
    expected = pytest.mark.filterwarnings("ignore:DStream is deprecated:FutureWarning")
    for item in items:
        if isinstance(item, pytest.DoctestItem) and any(
                Path(str(item.fspath)).resolve().is_relative_to(p) for p in DSTREAM_DOCTESTS):
            item.add_marker(expected)
