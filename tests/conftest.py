"""Shared fixtures for the engine's unit tests (tests/, except tests/parity).

* ``sc``: the session's ``local[2]`` SparkContext. Only one SparkContext may be
  active per process, and the root conftest.py already creates one for the
  doctests of minispark/ (``_doctest_sc``), so ``sc`` *is* that context: both
  fixtures share one set of workers and it is stopped once, at session end.
  Tests that need a differently configured context (another master, a tiny
  memory budget, stop() and re-create) run it in a subprocess: ``run_python``.
* ``events``: an EventCollector registered on ``sc`` for one test only.
* ``browser``: headless Chromium (Debian's chromium + chromium-driver) driven by
  Selenium, for the tests marked ``browser`` (``make test-browser`` installs both);
  screenshots go to ``ARTIFACTS`` (``$UI_TEST_ARTIFACTS``, default
  build/test-artifacts/ui).
* ``compute_log``: counts how many times records were computed, without
  accumulators: ``compute_log.recorder()`` is a map function that appends a line
  to a file per record it computes, ``compute_log.count()`` the lines so far
  (caching, checkpoint and fault tests: "computed once" is the claim).
* Test modules are imported by pytest under names the workers cannot import
  (--import-mode=importlib), so their module-level functions are registered to
  be pickled by value: a task can then call a helper defined in the test file.
  This file is registered the same way, for the ``compute_log`` recorder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PARITY = HERE / "parity"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# Without the background-networking flags Chromium keeps trying (and failing) to reach
# Google's hosts from a closed network.
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1400,1000"]
ARTIFACTS = Path(os.environ.get("UI_TEST_ARTIFACTS", ROOT / "build" / "test-artifacts" / "ui"))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium per test module. A missing browser is a failure, not a skip."""
    import shutil

    assert shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER), (
        "needs Debian's chromium and chromium-driver: run make test-browser, or "
        "apt-get install -y chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def pytest_collection_modifyitems(config, items):
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    registered = set()
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if not path.is_relative_to(HERE) or path.is_relative_to(PARITY):
            continue
        module = getattr(item, "module", None)
        if module is not None and module.__name__ not in registered:
            registered.add(module.__name__)
            cloudpickle.register_pickle_by_value(module)


@pytest.fixture(scope="session")
def sc(_doctest_sc):
    """The one local[2] SparkContext of the session (shared with the doctests)."""
    assert _doctest_sc.master == "local[2]"
    return _doctest_sc


@pytest.fixture
def events(sc):
    from minispark.scheduler.listener import EventCollector

    collector = EventCollector()
    sc.addSparkListener(collector)
    yield collector
    sc.removeSparkListener(collector)


@pytest.fixture(scope="session")
def run_python():
    """Run ``code`` in a fresh interpreter (cwd = repository root); return the
    JSON value it printed on its last stdout line. Fails with its stderr."""

    def run(code: str, timeout: float = 120, env: dict | None = None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout, env=full_env)
        assert proc.returncode == 0, f"subprocess failed ({proc.returncode}):\n{proc.stderr}"
        lines = proc.stdout.strip().splitlines()
        assert lines, f"subprocess printed nothing; stderr:\n{proc.stderr}"
        return json.loads(lines[-1])

    return run


class ComputeLog:
    """A file with one line per record computed by ``recorder()``'s function."""

    def __init__(self, path: Path):
        self.path = path

    def recorder(self):
        """A map function: writes its record to the log, returns it unchanged."""
        path = str(self.path)

        def record(x):
            with open(path, "a") as f:
                f.write(f"{x}\n")
            return x
        return record

    def count(self) -> int:
        """How many records were computed so far (every task, every worker)."""
        return len(self.path.read_text().splitlines()) if self.path.exists() else 0


@pytest.fixture
def compute_log(tmp_path):
    return ComputeLog(tmp_path / "computed.txt")
