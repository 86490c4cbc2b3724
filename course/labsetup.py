"""The locked setup cell of every course notebook: a SparkContext and the course data.

Each notebook starts with::

    from course.labsetup import start
    sc, DATA = start("ch03_spark_basics")

``start`` does four things, and prints one line saying what it did:

1. Chooses the engine: minispark by default, real PySpark when the environment
   variable ``COURSE_ENGINE=pyspark`` is set (the same notebook runs on both).
2. Finds the data: the directory named by ``COURSE_DATA`` (default: ``data/`` at
   the repository root). If it has no ``manifest.json``, the tiny seed-42 data set
   is generated there first (about a second).
3. Checks the data: every grade is computed on the tiny seed-42 data set, so the
   manifest's ``dataset_sha256`` must be the course's, and the files must match
   the manifest. Any other data stops the notebook with a message saying what to do,
   instead of silently producing wrong marks. The one exception is the class grader's
   hidden data set (same generator, a seed only the grader knows): in grading mode
   (``COURSE_GRADING=1``, under which the checks only report and never say ✓) the grader
   names its digest in ``COURSE_GRADER_DATASET``, and that data set is accepted too.
4. Creates the SparkContext: master ``COURSE_MASTER`` (default ``local[2]``; a
   ``spark://host:7077`` standalone cluster needs ``COURSE_ENGINE=pyspark``, see
   INSTRUCTOR.md), no console progress bar, and nothing written to stderr (nbgrader
   scores 0 for a test cell that writes to stderr; the JVM's log of PySpark goes to a
   file, named in the printed line). With a local master, PySpark's driver and its UI
   listen on 127.0.0.1 only (``SPARK_LOCAL_IP``, unless set): its UI would otherwise
   listen on every interface, and a notebook's UI shows its code and data.

Re-running the cell stops the previous context and starts a fresh one.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCALE, SEED = "tiny", 42
# sha256 of the tiny seed-42 data set, as datagen records it in manifest.json.
DATASET_SHA256 = "007a2ac96e30a41abbc5dae4c625de493e8a4b7ed9296e92428f70ab1ae824ed"
ENGINES = ("minispark", "pyspark")
DEFAULT_MASTER = "local[2]"


class CourseDataError(RuntimeError):
    """The data directory does not hold the course's data set."""


def engine_name() -> str:
    """The engine chosen by ``COURSE_ENGINE`` (``minispark`` unless told otherwise)."""
    engine = os.environ.get("COURSE_ENGINE", "minispark").strip().lower() or "minispark"
    if engine not in ENGINES:
        raise ValueError(f"COURSE_ENGINE={engine!r}: use one of {', '.join(ENGINES)}")
    return engine


def master_url() -> str:
    """The master chosen by ``COURSE_MASTER`` (``local[2]`` unless told otherwise)."""
    return os.environ.get("COURSE_MASTER", "").strip() or DEFAULT_MASTER


def data_dir() -> Path:
    """Where the course data lives: ``$COURSE_DATA``, else ``data/`` at the repository root."""
    return Path(os.environ.get("COURSE_DATA") or REPO / "data").expanduser().resolve()


def small_data() -> Path | None:
    """The optional bigger data set for the "feel it" cells, or None when it is not there.

    It lives in ``$COURSE_SMALL_DATA``, else ``data-small/`` at the repository root, and is
    made with ``python -m datagen generate --scale small --out data-small`` (about a million
    log lines). Nothing graded reads it: cells that time jobs on it skip with a note without
    it, and any ``small`` data set will do (its seed does not matter), so it is not checked
    like the course data. Graders and tests time nothing: under the class grader, nbgrader
    or pytest it is None unless ``$COURSE_SMALL_DATA`` names it (never under the grader).
    """
    import json

    from course import checks

    named = os.environ.get("COURSE_SMALL_DATA", "").strip()
    unattended = any(os.environ.get(v) for v in ("NBGRADER_EXECUTION", "PYTEST_CURRENT_TEST"))
    if checks.grading_mode() or (unattended and not named):
        return None
    where = Path(named or REPO / "data-small").expanduser()
    try:
        manifest = json.loads((where / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    return where.resolve() if manifest.get("scale") == "small" else None


def _accepted() -> set[str]:
    """The data sets this kernel may use: the course's, and in grading mode the grader's
    (grading mode is read once, by course.checks, so a notebook cannot switch it on to
    make a self-check run on other data)."""
    from course import checks

    grader = os.environ.get("COURSE_GRADER_DATASET", "") if checks.grading_mode() else ""
    return {DATASET_SHA256, grader} - {""}


def ensure_data(data: Path) -> dict:
    """Generate the data set into ``data`` if it has none; check it; return its manifest."""
    import json

    import datagen

    manifest_path = data / "manifest.json"
    if not manifest_path.exists():
        if data.exists() and any(data.iterdir()):
            raise CourseDataError(
                f"{data} exists but has no manifest.json, so it is not a course data set. "
                "Set COURSE_DATA to an empty or missing directory (the data will be "
                "generated there), or remove this one.")
        print(f"Generating the course data set ({SCALE}, seed {SEED}) into {data} ...")
        datagen.generate(data, SCALE, seed=SEED, quiet=True)
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("dataset_sha256") not in _accepted():
        raise CourseDataError(
            f"{data} holds a different data set (scale {manifest.get('scale')!r}, seed "
            f"{manifest.get('seed')!r}) from the course's (scale {SCALE!r}, seed {SEED}). "
            "The graded answers are computed on the course's data only. Point COURSE_DATA "
            "at an empty directory (the right data is generated there) and restart the "
            "kernel, or delete this directory and run this cell again.")
    # Extra files (a student's saved output, say) do not change the graded inputs.
    problems = [p for p in datagen.verify(data) if not p.startswith("not in manifest")]
    if problems:
        shown = "; ".join(str(p) for p in problems[:3])
        raise CourseDataError(
            f"The files in {data} were changed after they were generated ({shown}"
            f"{' ...' if len(problems) > 3 else ''}). Delete the directory and run this "
            "cell again to generate them afresh.")
    return manifest


def _stop_active(engine: str) -> None:
    if engine == "pyspark":
        from pyspark import SparkContext
    else:
        from minispark import SparkContext
    active = SparkContext._active_spark_context
    if active is not None:
        active.stop()


def _pyspark_context(conf_pairs: dict, app: str):
    """Start PySpark with the JVM's stderr sent to a log file (it inherits fd 2 at launch)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # PySpark's workers refuse to hash strings (reduceByKey on str keys) without it.
    os.environ.setdefault("PYTHONHASHSEED", "0")
    if conf_pairs["spark.master"].startswith("local"):
        # The JVM binds the UI to SPARK_LOCAL_IP, else to every interface (Spark's WebUI;
        # spark.driver.bindAddress does not move it). On a cluster the executors must
        # reach the driver, so there the address is the instructor's (INSTRUCTOR.md).
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark import SparkConf, SparkContext

    log = Path(tempfile.gettempdir()) / f"course-{app}-spark.log"
    sys.stderr.flush()
    saved = os.dup(2)
    with open(log, "ab") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            conf = SparkConf().setAll(list(conf_pairs.items()))
            conf.set("spark.driver.extraJavaOptions", "-Dlog4j2.level=ERROR")
            sc = SparkContext(conf=conf)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    sc.setLogLevel("ERROR")
    return sc, log


def start(app: str, *, master: str | None = None):
    """Create the notebook's SparkContext and return ``(sc, DATA)``, ``DATA`` a ``Path``."""
    engine = engine_name()
    master = master or master_url()
    if engine == "minispark" and not master.startswith("local"):
        raise ValueError(f"COURSE_MASTER={master!r}: minispark runs local masters only "
                         "(local, local[N], local[*]); set COURSE_ENGINE=pyspark for a cluster")
    data = data_dir()
    manifest = ensure_data(data)
    _stop_active(engine)
    conf = {"spark.master": master, "spark.app.name": app,
            "spark.ui.showConsoleProgress": "false"}
    where = ""
    if engine == "pyspark":
        sc, log = _pyspark_context(conf, app)
        where = f"; JVM log: {log}"
    else:
        from minispark import SparkConf, SparkContext

        sc = SparkContext(conf=SparkConf().setAll(list(conf.items())))
    ui = getattr(sc, "uiWebUrl", None)     # minispark starts its UI in Jupyter, not in graders
    if isinstance(ui, str) and ui:
        where += f"; Spark UI: {ui}"
    print(f"{engine} {sc.version}, master {master}; data: {data} "
          f"({manifest['scale']}, seed {manifest['seed']}, checksum OK){where}")
    return sc, data
