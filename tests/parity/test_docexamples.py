"""PySpark's own doc examples, run on minispark: the doctests of pyspark's rdd.py,
context.py, accumulators.py and broadcast.py (PySpark 4.3, as installed).

Each docstring is one test. Its examples are extracted with
``doctest.DocTestFinder`` from the installed pyspark and run twice:

* on **PySpark**, in a subprocess, exactly as PySpark runs them itself (each
  module's ``_test()``: ``local[4]`` contexts, the UI on for context.py, a
  SparkSession for broadcast.py). One JVM, once per session. This proves every
  example holds on PySpark 4.3 here: the expected outputs are PySpark's own.
* on **minispark**, in this process, with a minispark ``sc`` made the same way
  in the globals, the module's pyspark names replaced by minispark's, and
  ``import pyspark`` inside examples redirected to minispark (a sys.modules
  shim, installed only while an example runs).

Every example must pass on both, except the ones listed in ``NOT_ON_MINISPARK``
with the reason: each needs the JVM or prints a JVM or PySpark class name. They
are skipped on minispark only (their docstring's other examples still run) and
counted; ``test_count`` prints the total. ``FAILS_ON_PYSPARK`` lists the examples
PySpark itself fails in its own setup (skipped on both, and checked to still fail).
"""

from __future__ import annotations

import doctest
import importlib
import json
import os
import subprocess
import sys
import types

import pytest
from _parity_harness import MINI_TIMEOUT, PYSPARK_ONLY, _with_alarm

# The PySpark reference run (one JVM, every example) takes minutes on a busy machine;
# it is the first test's setup.
pytestmark = pytest.mark.timeout(3600)

MODULES = ["pyspark.core.rdd", "pyspark.core.context", "pyspark.accumulators",
           "pyspark.core.broadcast"]

# How each PySpark module's _test() makes its context: (master, app, conf).
CONTEXTS = {
    "pyspark.core.rdd": ("local[4]", "PythonTest", {}),
    "pyspark.core.context": ("local[4]", "context tests", {"spark.ui.enabled": "true"}),
    "pyspark.accumulators": ("local", "test", {}),
    "pyspark.core.broadcast": ("local[4]", "broadcast tests", {}),
}

PY4J = "expects py4j.protocol.Py4JJavaError, the JVM gateway's exception class"

# (docstring name, example index) -> why it cannot pass on minispark.
NOT_ON_MINISPARK = {
    ("pyspark.core.rdd.RDD.persist", 10): PY4J + " (minispark raises ValueError)",
    ("pyspark.accumulators.Accumulator", 16): PY4J + " (minispark raises PythonException)",
    ("pyspark.accumulators.Accumulator", 18): PY4J + " (minispark raises PythonException)",
    ("pyspark.core.context.SparkContext.getSystemProperty", 0):
        "reads a JVM system property set by spark-submit",
    ("pyspark.core.context.SparkContext.getSystemProperty", 1):
        "reads the JVM's java.home",
    ("pyspark.core.rdd.RDD.toDebugString", 1):
        "expects the JVM class PythonRDD in the lineage; minispark's lines name its own "
        "RDD classes in Spark's layout (here: ParallelCollectionRDD)",
    ("pyspark.core.rdd.RDDBarrier.mapPartitions", 3):
        "the repr names PySpark's module: <pyspark.core.rdd.RDDBarrier ...>",
    ("pyspark.core.rdd.RDDBarrier.mapPartitionsWithIndex", 3):
        "the repr names PySpark's module: <pyspark.core.rdd.RDDBarrier ...>",
}

# Examples whose outcome on PySpark depends on the machine's load: PySpark answers
# with an extrapolated partial result when its 1-second timeout expires first (it
# does on a busy machine). PySpark's outcome is not asserted; minispark (which always
# finishes the job, see minispark/approx.py) must pass them.
TIMING_DEPENDENT_ON_PYSPARK = {
    ("pyspark.core.rdd.RDD.countApprox", 1),
    ("pyspark.core.rdd.RDD.sumApprox", 2),
    ("pyspark.core.rdd.RDD.meanApprox", 2),
}

# (docstring name, example index) -> why PySpark itself fails it in its own doctest
# setup. Skipped on both engines; the test checks PySpark still fails exactly these.
FAILS_ON_PYSPARK = {
    ("pyspark.core.context.SparkContext", 1):
        "creates a second SparkContext while the doctests' own is active: PySpark raises "
        "ValueError (as minispark does) where the example expects no output",
}

_REFERENCE_SCRIPT = r"""
import doctest, importlib, json, sys, tempfile
from pyspark import SparkConf, SparkContext

MODULES = json.loads(sys.argv[1])
CONTEXTS = json.loads(sys.argv[2])

class Recorder(doctest.DocTestRunner):
    def __init__(self):
        super().__init__(optionflags=doctest.ELLIPSIS)
        self.failed = []
    def report_failure(self, out, test, example, got):
        self.failed.append(test.examples.index(example))
    def report_unexpected_exception(self, out, test, example, exc_info):
        self.failed.append(test.examples.index(example))

result = {}
for name in MODULES:
    master, app, conf = CONTEXTS[name]
    module = importlib.import_module(name)
    globs = module.__dict__.copy()
    if name.endswith("broadcast"):
        from pyspark.sql import SparkSession
        spark = SparkSession.builder.master(master).appName(app).getOrCreate()
        globs["spark"] = spark
        sc = spark.sparkContext
    else:
        sc = SparkContext(master, app, conf=SparkConf().setAll(conf.items()))
        globs["sc"] = sc
    sc.setLogLevel("OFF")
    try:  # as pyspark.core.rdd._test(): numpy 2 would print np.float64(1.0)
        import numpy as np
        np.set_printoptions(legacy="1.25")
    except (ImportError, TypeError):
        pass
    tmp = tempfile.TemporaryDirectory()
    if name.endswith(".rdd"):
        sc.setCheckpointDir(tmp.name)
    for test in doctest.DocTestFinder().find(module, globs=globs):
        if not test.examples:
            continue
        runner = Recorder()
        runner.run(test, out=lambda s: None)
        result[test.name] = {"failed": runner.failed, "count": len(test.examples)}
    sc.stop()
    tmp.cleanup()
print("RESULT " + json.dumps(result))
"""


def _doctests() -> list[doctest.DocTest]:
    try:
        modules = [importlib.import_module(m) for m in MODULES]
    except ImportError:  # pragma: no cover - `make parity` installs pyspark
        return []
    finder = doctest.DocTestFinder()
    return [t for m in modules for t in finder.find(m) if t.examples]


DOCTESTS = {t.name: t for t in _doctests()}


@pytest.fixture(scope="session")
def pyspark_reference():
    """{docstring name: {"failed": [example indices], "count": n}} on real PySpark."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(
        [sys.executable, "-c", _REFERENCE_SCRIPT, json.dumps(MODULES), json.dumps(CONTEXTS)],
        capture_output=True, text=True, timeout=1200, env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, f"the PySpark reference run failed:\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1][len("RESULT "):])


# -- minispark's side ---------------------------------------------------------------


def _mini_modules() -> list[types.ModuleType]:
    names = ["minispark", "minispark.rdd", "minispark.context", "minispark.approx",
             "minispark.barrier", "minispark.accumulators", "minispark.broadcast",
             "minispark.storage", "minispark.serializers", "minispark.taskcontext"]
    return [importlib.import_module(n) for n in names]


def _shim() -> dict[str, types.ModuleType]:
    import minispark
    return {"pyspark": minispark,
            "pyspark.core": minispark,
            "pyspark.core.context": importlib.import_module("minispark.context"),
            "pyspark.core.rdd": importlib.import_module("minispark.rdd"),
            "pyspark.accumulators": importlib.import_module("minispark.accumulators"),
            "pyspark.broadcast": importlib.import_module("minispark.broadcast"),
            "pyspark.core.broadcast": importlib.import_module("minispark.broadcast"),
            "pyspark.taskcontext": importlib.import_module("minispark.taskcontext")}


def _translate(globs: dict) -> dict:
    """The module's globals with every pyspark object replaced by minispark's
    namesake; pyspark objects minispark lacks are left out (a NameError shows it)."""
    minis = _mini_modules()
    out = {}
    for name, value in globs.items():
        origin = value.__name__ if isinstance(value, types.ModuleType) else \
            getattr(value, "__module__", None)
        if not (isinstance(origin, str) and origin.startswith("pyspark")):
            out[name] = value
            continue
        for module in minis:
            if hasattr(module, name):
                out[name] = getattr(module, name)
                break
    return out


class _Recorder(doctest.DocTestRunner):
    def __init__(self):
        super().__init__(optionflags=doctest.ELLIPSIS)
        self.report: list[str] = []

    def report_failure(self, out, test, example, got):
        self.report.append(f"example {test.examples.index(example)}:\n{example.source}"
                           f"expected:\n{example.want}got:\n{got}")

    def report_unexpected_exception(self, out, test, example, exc_info):
        import traceback
        self.report.append(f"example {test.examples.index(example)}:\n{example.source}"
                           "raised:\n" + "".join(traceback.format_exception(*exc_info))[-2500:])


class _MiniContexts:
    """One minispark context per PySpark module, made as that module's _test() makes
    its own (master, app name, conf; a checkpoint directory for rdd.py)."""

    def __init__(self):
        self.module: str | None = None
        self.sc = None

    def get(self, module: str):
        if self.module != module:
            self.stop()
            from minispark import SparkConf, SparkContext
            master, app, conf = CONTEXTS[module]
            self.sc = SparkContext(master, app, conf=SparkConf().setAll(conf.items()))
            if module.endswith(".rdd"):
                import tempfile
                self.sc.setCheckpointDir(tempfile.mkdtemp(prefix="docexamples-"))
            self.module = module
        return self.sc

    def stop(self) -> None:
        if self.sc is not None:
            self.sc.stop()
        self.sc = self.module = None


@pytest.fixture(scope="module")
def mini_contexts(_mini_engine):
    """The session's shared minispark context is stopped first (one context at a
    time); it comes back on its next use."""
    _mini_engine.reset()
    contexts = _MiniContexts()
    yield contexts.get
    contexts.stop()


def _run_on_minispark(test: doctest.DocTest, sc) -> list[str]:
    import copy
    module = next(m for m in MODULES if test.name.startswith(m + "."))
    globs = _translate(importlib.import_module(module).__dict__)
    globs["sc"] = sc
    # broadcast.py's examples use a SparkSession; minispark has none, only its context.
    globs["spark"] = types.SimpleNamespace(sparkContext=sc)
    examples = []
    for i, example in enumerate(test.examples):
        example = copy.copy(example)
        example.options = dict(example.options)
        if (test.name, i) in NOT_ON_MINISPARK or (test.name, i) in FAILS_ON_PYSPARK:
            example.options[doctest.SKIP] = True
        examples.append(example)
    mini_test = doctest.DocTest(examples, globs, test.name, test.filename, test.lineno,
                                test.docstring)
    saved = {k: v for k, v in sys.modules.items() if k == "pyspark" or k.startswith("pyspark.")}
    runner = _Recorder()
    # The same print options PySpark's _test() sets (see the reference run above): with
    # numpy installed, stats() and stdev() return numpy floats on both engines.
    try:
        import numpy as np
        printoptions = np.get_printoptions()
        np.set_printoptions(legacy="1.25")
    except (ImportError, TypeError):
        np = None
    for k in saved:
        del sys.modules[k]
    sys.modules.update(_shim())
    try:
        _with_alarm(MINI_TIMEOUT * 3, runner.run, mini_test, None, lambda s: None)
    finally:
        for k in _shim():
            sys.modules.pop(k, None)
        sys.modules.update(saved)
        if np is not None:
            np.set_printoptions(**printoptions)
    return runner.report


@pytest.mark.parametrize("name", sorted(DOCTESTS))
def test_doc_example(name, pyspark_reference, mini_contexts):
    reference = pyspark_reference[name]
    test = DOCTESTS[name]
    assert reference["count"] == len(test.examples)
    expected_failures = sorted(i for n, i in FAILS_ON_PYSPARK if n == name)
    failed = [i for i in reference["failed"] if (name, i) not in TIMING_DEPENDENT_ON_PYSPARK]
    assert failed == expected_failures, (
        f"PySpark itself fails examples {reference['failed']} of {name} (expected "
        f"{expected_failures}, see FAILS_ON_PYSPARK): not a valid reference")
    if PYSPARK_ONLY:
        return
    module = next(m for m in MODULES if name.startswith(m + "."))
    failures = _run_on_minispark(test, mini_contexts(module))
    assert not failures, f"{name} fails on minispark:\n\n" + "\n\n".join(failures)


def test_count(pyspark_reference):
    """How many of PySpark's examples run on minispark (printed), and the skip list
    names only examples that exist and pass on PySpark."""
    total = sum(len(t.examples) for t in DOCTESTS.values())
    for name, index in NOT_ON_MINISPARK:
        assert name in DOCTESTS and index < len(DOCTESTS[name].examples), (name, index)
        assert index not in pyspark_reference[name]["failed"]
    valid = total - len(FAILS_ON_PYSPARK)
    print(f"\nPySpark doc examples: {total}; {valid} pass on PySpark 4.3 itself; "
          f"{valid - len(NOT_ON_MINISPARK)} of those {valid} run on minispark "
          f"({len(NOT_ON_MINISPARK)} listed in NOT_ON_MINISPARK)")
    assert total > 500
