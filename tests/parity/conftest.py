"""The parity tier: every program here runs on real PySpark and on minispark.

* Every test in this folder is marked ``parity`` (``make parity`` selects them).
* One PySpark ``SparkContext("local[2]", "parity")`` and one minispark
  ``SparkContext("local[2]", "parity")`` per session, stopped at the end.
* Tests use the fixtures ``check(program)`` and ``check_raises(program)`` (see
  harness.py); expected values always come from PySpark in the same run.

Switches (environment variables):
* ``PARITY_PYSPARK_ONLY=1``: run only the PySpark side of every program. Use it to
  prove each program is valid Spark, or to debug what PySpark does; minispark is
  then never imported.
* ``PARITY_MINI_TIMEOUT=20``: seconds a program may take on minispark before it is
  interrupted, failed, and minispark's context is replaced (0 disables); after three
  such hangs the limit drops to 5 s so a stuck engine cannot stall the tier for hours.
* ``PARITY_HYPOTHESIS_EXAMPLES`` / ``PARITY_HYPOTHESIS_SHRINK``: see test_hypothesis.py.

Hashing: PySpark's ``portable_hash`` refuses to hash strings unless PYTHONHASHSEED
is set; its workers inherit it from this process's environment, and minispark pins
its own workers' seed to 0, so string keys land in the same partitions on both.
The *driver* (this process) keeps whatever seed it started with, so programs avoid
hashing strings on the driver (e.g. ``lookup`` of a string key on a partitioned
RDD); run ``PYTHONHASHSEED=0 make parity`` if you add such a program.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

# Set before PySpark starts its JVM: the JVM and the Python workers it forks
# inherit this environment.
os.environ["PYTHONHASHSEED"] = "0"
os.environ["PYSPARK_PYTHON"] = sys.executable
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)


def _load_harness():
    # pytest runs with --import-mode=importlib and tests/ is not a package, so the
    # helper module is loaded by path under a name that cannot clash.
    name = "_parity_harness"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "harness.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


harness = _load_harness()


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.parity)


def _pickle_by_value(module) -> None:
    """Ship this module's functions to workers by value, not by import path.

    Test modules are imported by pytest under names the workers cannot import,
    and a module-level ``def`` would otherwise be pickled as a reference to it.
    """
    import cloudpickle

    cloudpickle.register_pickle_by_value(module)
    try:
        from pyspark import cloudpickle as pyspark_cloudpickle
    except ImportError:  # pragma: no cover - pyspark missing: the session fixture fails
        return
    pyspark_cloudpickle.register_pickle_by_value(module)


@pytest.fixture(scope="session")
def pyspark_sc():
    from pyspark import SparkConf, SparkContext

    conf = SparkConf().set("spark.ui.showConsoleProgress", "false").set("spark.ui.enabled",
                                                                         "false")
    sc = SparkContext("local[2]", "parity", conf=conf)
    sc.setLogLevel("ERROR")
    yield sc
    sc.stop()


def _new_mini_sc():
    # Imported here, not at the top: collection (and PARITY_PYSPARK_ONLY runs) must
    # work while minispark is incomplete or missing.
    from minispark import SparkContext

    return SparkContext("local[2]", "parity")


@pytest.fixture(scope="session")
def _mini_engine():
    """minispark's context: created on first use, replaced after a hang, stopped at the end."""
    engine = harness.MiniEngine(_new_mini_sc)
    yield engine
    engine.stop()


@pytest.fixture(scope="session")
def mini_sc(_mini_engine):
    return _mini_engine.get()


@pytest.fixture(scope="session")
def parity(pyspark_sc, _mini_engine):
    _pickle_by_value(harness)
    return harness.Parity(pyspark_sc, _mini_engine)


@pytest.fixture(autouse=True)
def _ship_test_module_by_value(request):
    module = getattr(request, "module", None)
    if module is not None and module.__name__ in sys.modules:
        _pickle_by_value(module)


# Session-scoped so hypothesis tests may use them too.
@pytest.fixture(scope="session")
def check(parity):
    return parity.check


@pytest.fixture(scope="session")
def check_raises(parity):
    return parity.check_raises


@pytest.fixture(scope="session")
def engines(parity):
    """Both contexts, for the rare test that must look at them separately
    (e.g. comparing conf values only PySpark's launcher sets)."""
    return parity
