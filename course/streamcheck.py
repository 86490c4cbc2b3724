"""Driving a student's streaming program over a recorded stream, on either engine.

The streaming chapters (ch09a, ch09b, ch09c) have the student write a program as a
function of a DStream, ``def program(lines): ... return some_dstream``. The checks
run it here, batch by batch, over *recorded* batches (lists of lines), and compare
what it produced per batch. The same function also runs live on
``socketTextStream`` against the replayer (``python -m datagen replay``).

- ``recorded_batches(path, speedup, count)``: what the replayer would send in each
  1-second batch when it replays ``path`` ``speedup`` times faster than the log's
  own clock (it uses the replayer's own schedule, so a live run sees the same
  lines, give or take the edges of the batches).
- ``run_batches(sc, program, batches)``: feed the batches through a
  ``queueStream`` (one batch each), run exactly that many batches (plus ``extra``
  empty ones), and return, for the DStream the program returned, a list of
  ``(batch number, records)``, batch 1 being the first. A window that slides
  every 2 batches appears at every other batch. Records are sorted per batch
  unless ``sort=False`` (a shuffle gives them no order).
- ``printed(sc, program, batches)``: the same run, returning the lines the program
  printed (``pprint``, ``print`` in ``foreachRDD``), with each batch time written
  as ``<batch n>`` so that the text does not depend on when it ran.
- ``run_app(sc, build, batches, host, port)``: the student writes the whole
  application's setup, ``build(sc, host, port) -> (ssc, stream)``, making the
  ``StreamingContext`` and the ``socketTextStream`` themselves. For the run, the
  socket stream (and ``textFileStream``) delivers the recording instead of
  reading a server, and every ``StreamingContext`` made meanwhile runs on a
  ManualClock (minispark); the returned ``AppRun`` holds the results per batch
  and *how* the application was built: each context's ``batchDuration``, each
  input stream asked for (``("socketTextStream", host, port)``), the SparkContext
  it was made on.
- ``run_file_app(sc, build, files)``: the same for a ``textFileStream``:
  ``build(sc, directory) -> (ssc, stream)``; before batch i the files of
  ``files[i]`` (``(name, lines)`` pairs) *appear* in the directory (written
  under a hidden name, then renamed into place, as an application must do),
  and ``before`` files are there before the start (a file stream ignores them).
- ``run_recovery(sc, start_app, files, crash_after)`` (minispark only): the driver
  recovery of chapter 9b. ``start_app(sc, checkpoint_dir, in_dir, out_dir)`` returns
  a StreamingContext (made by ``StreamingContext.getOrCreate``, or not); it runs
  ``crash_after`` batches of a file stream, is stopped without a graceful stop
  (the driver dies), then ``start_app`` is called again with the same directories
  and the rest of the batches run. The result holds the files of ``out_dir``,
  ``batch-<ms>.txt`` per batch, as ``(batch number, sorted lines)``, and whether
  the second context was recovered from the checkpoint.

On minispark the batches run on a ManualClock: no waiting, deterministic. On
PySpark (``COURSE_ENGINE=pyspark``) they run in real time, one batch per
``batch`` seconds; the per-batch results are the same, only slower.

>>> run_batches(sc, lambda s: s.map(len), [["ab", "c"], [], ["xyz"]])
[(1, [1, 2]), (2, []), (3, [3])]
>>> printed(sc, lambda s: s.count().pprint(), [["a"], []])[:4]
['-------------------------------------------', 'Time: <batch 1>', \
'-------------------------------------------', '1']
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import time as _time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["recorded_batches", "run_batches", "printed", "run_app", "run_file_app",
           "run_recovery", "AppRun", "is_pyspark", "streaming_module"]


def is_pyspark(sc: Any) -> bool:
    """Whether ``sc`` is real PySpark's SparkContext."""
    return type(sc).__module__.startswith("pyspark")


def streaming_module(sc: Any):
    """``pyspark.streaming`` or ``minispark.streaming``, whichever ``sc`` belongs to."""
    import importlib
    return importlib.import_module(type(sc).__module__.split(".")[0] + ".streaming")


def recorded_batches(path: str | Path, speedup: float = 600, count: int | None = None,
                     batch: float = 1.0) -> list[list[str]]:
    """The lines of log file ``path`` cut into the batches a ``batch``-second stream
    receives when the replayer plays it at ``speedup`` (the first ``count`` batches).

    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.log"
    >>> _ = f.write_text("1 - 5 [16/Sep/2013:00:00:00 +0100] a\\n"
    ...                  "1 - 6 [16/Sep/2013:00:00:30 +0100] b\\n"
    ...                  "1 - 7 [16/Sep/2013:00:02:10 +0100] c\\n")
    >>> [len(b) for b in recorded_batches(f, speedup=60)]
    [2, 0, 1]
    """
    from datagen.replay import read_lines, schedule

    batches: list[list[str]] = []
    for due, line in schedule(read_lines([Path(path)]), speedup=speedup):
        n = int(due // batch)
        if count is not None and n >= count:
            break
        while len(batches) <= n:
            batches.append([])
        batches[n].append(line.decode("utf-8", errors="replace").rstrip("\n"))
    while count is not None and len(batches) < count:
        batches.append([])
    return batches


def _context(sc: Any, batch: float):
    module = streaming_module(sc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        if is_pyspark(sc):
            return module.StreamingContext(sc, batch), None
        clock = module.ManualClock()
        return module.StreamingContext(sc, batch, clock=clock), clock


def _run(sc: Any, program: Callable[[Any], Any], batches: list[list], *, batch: float,
         extra: int, checkpoint: bool, sort: bool, mark: Callable[[], Any] = lambda: None):
    """Run ``program``; return (its output per batch or None, batch times as datetimes,
    ``mark()`` called at the end of each batch)."""
    n = len(batches) + extra
    ssc, clock = _context(sc, batch)
    workdir = tempfile.mkdtemp(prefix="course-stream-") if checkpoint else None
    results: list = []
    ticks: list = []
    marks: list = []
    try:
        if workdir is not None:
            ssc.checkpoint(workdir)
        source = ssc.queueStream([list(b) for b in batches], oneAtATime=True)
        out = program(source)
        if out is not None:
            if not hasattr(out, "foreachRDD"):
                raise TypeError(f"the program returned a {type(out).__name__}, not a DStream "
                                "(or None): return the stream your transformations make")
            out.foreachRDD(lambda t, rdd: results.append(
                (t, sorted(rdd.collect()) if sort else rdd.collect())))
        def tick(t: Any, rdd: Any) -> None:       # (PySpark fails a batch whose
            marks.append(mark())                  # foreachRDD function returns a value)
            ticks.append(t)

        # Registered last, so it runs after the program's outputs of the same batch.
        source.foreachRDD(tick)
        ssc.start()
        if clock is not None:
            clock.advance(int(round(n * batch * 1000)))
        else:
            deadline = _time.monotonic() + 60 + n * batch * 4
            while len(ticks) < n and _time.monotonic() < deadline:
                ssc.awaitTerminationOrTimeout(0.05)      # raises a failed batch's error
            if len(ticks) < n:
                raise RuntimeError(f"PySpark ran only {len(ticks)} of {n} batches in time")
    finally:
        ssc.stop(stopSparkContext=False, stopGraceFully=False)
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    return (None if out is None else results), ticks[:n], marks[:n]


def _number(times: list, t: Any, batch: float) -> int:
    return round((t - times[0]).total_seconds() / batch) + 1


def run_batches(sc: Any, program: Callable[[Any], Any], batches: list[list], *,
                batch: float = 1.0, extra: int = 0, checkpoint: bool = False,
                sort: bool = True) -> list[tuple[int, list]] | None:
    """``program(stream)`` over ``batches`` (+ ``extra`` empty batches): what the DStream
    it returns held, as ``[(batch number, records), ...]`` (None if it returned None).

    ``checkpoint=True`` gives the StreamingContext a fresh checkpoint directory, as
    ``ssc.checkpoint(dir)`` does in an application (state and inverse windows need it).

    >>> run_batches(sc, lambda s: s.window(2, 2).count(), [[1], [2, 3], [4]], extra=1)
    [(2, [3]), (4, [1])]
    """
    results, times, _ = _run(sc, program, batches, batch=batch, extra=extra,
                             checkpoint=checkpoint, sort=sort)
    if results is None:
        return None
    n = len(batches) + extra
    numbered = [(_number(times, t, batch), records) for t, records in results]
    return [(i, records) for i, records in numbered if 1 <= i <= n]


def printed(sc: Any, program: Callable[[Any], Any], batches: list[list], *,
            batch: float = 1.0, extra: int = 0, checkpoint: bool = False) -> list[str]:
    """The lines ``program(stream)`` printed while it ran over ``batches``, every batch
    time (as ``str(time)`` prints it) replaced by ``<batch n>``.

    >>> def show(s):
    ...     s.foreachRDD(lambda t, rdd: print(f"@ {t}: {rdd.count()}"))
    >>> printed(sc, show, [["a", "b"], ["c"]])
    ['@ <batch 1>: 2', '@ <batch 2>: 1']
    """
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        _, times, marks = _run(sc, program, batches, batch=batch, extra=extra,
                               checkpoint=checkpoint, sort=False, mark=buffer.tell)
    # What a batch after the last printed (PySpark, while stopping) is left out.
    text = buffer.getvalue()[:marks[-1]] if marks else ""
    names = {str(t): f"<batch {_number(times, t, batch)}>" for t in times}
    lines = []
    for line in text.splitlines():
        for stamp, name in names.items():
            line = line.replace(stamp, name)
        lines.append(line)
    return lines


class AppRun:
    """What ``run_app`` saw: ``results`` (as ``run_batches`` returns them), ``contexts``
    (the ``batchDuration`` given to each StreamingContext made, in order), ``inputs``
    (each input stream asked for: ``("socketTextStream", host, port)`` or
    ``("textFileStream", directory)``) and ``on_sc`` (whether the context that ran
    was made on the given SparkContext)."""

    def __init__(self) -> None:
        self.results: list[tuple[int, list]] = []
        self.contexts: list[Any] = []
        self.inputs: list[tuple] = []
        self.on_sc = False
        self.recovered: bool | None = None      # run_recovery: the restart recovered

    @property
    def batch_seconds(self) -> Any:
        """The batch interval of the (last) StreamingContext made, as given."""
        return self.contexts[-1] if self.contexts else None

    def __repr__(self) -> str:
        return (f"AppRun(contexts={self.contexts}, inputs={self.inputs}, "
                f"on_sc={self.on_sc}, batches={len(self.results)})")


@contextlib.contextmanager
def _recorded_sources(module: Any, batches: list[list] | None, seen: AppRun, clock: Any):
    """Within the block, ``module.StreamingContext`` records how it is made and used,
    runs on ``clock`` (minispark), and its socket and file streams deliver ``batches``
    (``None``: the file stream reads its directory, the socket stream delivers nothing)."""
    cls = module.StreamingContext
    saved = {name: cls.__dict__[name] for name in
             ("__init__", "socketTextStream", "textFileStream")}

    def __init__(self, sparkContext, batchDuration=None, *args, **kwargs):
        seen.contexts.append(batchDuration)
        if clock is not None:
            kwargs.setdefault("clock", clock)
        saved["__init__"](self, sparkContext, batchDuration, *args, **kwargs)

    def replayed(self):
        return self.queueStream([list(b) for b in batches or []], oneAtATime=True,
                                default=None if batches else [])

    def socketTextStream(self, hostname, port, *args, **kwargs):
        seen.inputs.append(("socketTextStream", hostname, port))
        return replayed(self)

    def textFileStream(self, directory):
        seen.inputs.append(("textFileStream", directory))
        if batches is None:
            return saved["textFileStream"](self, directory)
        return replayed(self)

    patched = {"__init__": __init__, "socketTextStream": socketTextStream,
               "textFileStream": textFileStream}
    for name, function in patched.items():
        function.__doc__ = saved[name].__doc__
        setattr(cls, name, function)
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(cls, name, function)


def run_app(sc: Any, build: Callable[[Any, str, int], Any], batches: list[list],
            host: str = "localhost", port: int = 9999, *, extra: int = 0,
            sort: bool = True) -> AppRun:
    """Call ``build(sc, host, port)``, which makes a StreamingContext and its input
    stream and returns ``(ssc, stream)`` unstarted; run ``ssc`` over ``batches`` (its
    socket or file stream replays them, one per batch) and report what happened.

    >>> def build(sc, host, port):
    ...     ssc = streaming_module(sc).StreamingContext(sc, 1)
    ...     return ssc, ssc.socketTextStream(host, port).count()
    >>> app = run_app(sc, build, [["a", "b"], []], "localhost", 4321)
    >>> app.results, app.contexts, app.inputs, app.on_sc
    ([(1, [2]), (2, [0])], [1], [('socketTextStream', 'localhost', 4321)], True)
    """
    module = streaming_module(sc)
    seen = AppRun()
    clock = None if is_pyspark(sc) else module.ManualClock()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with _recorded_sources(module, batches, seen, clock):
            built = build(sc, host, port)
    ssc, out = _pair(module, built)
    _drive(sc, seen, ssc, out, clock, len(batches) + extra, sort)
    return seen


def _pair(module: Any, built: Any) -> tuple[Any, Any]:
    if not (isinstance(built, tuple) and len(built) == 2):
        raise TypeError(f"build returned {type(built).__name__}: return the pair "
                        "(ssc, stream), the StreamingContext and the stream it computes")
    ssc, out = built
    if not isinstance(ssc, module.StreamingContext):
        raise TypeError(f"the first of the pair is a {type(ssc).__name__}, not the "
                        "StreamingContext: return (ssc, stream)")
    if not hasattr(out, "foreachRDD"):
        raise TypeError(f"the second of the pair is a {type(out).__name__}, not a DStream")
    return ssc, out


def _drive(sc: Any, seen: AppRun, ssc: Any, out: Any, clock: Any, n: int, sort: bool,
           before_batch: Callable[[int, Any], None] = lambda i, ms: None,
           warmup: int = 0) -> None:
    """Run ``ssc`` for ``n`` batches, collecting ``out`` into ``seen.results``;
    ``before_batch(i, ms)`` runs before batch i (0-based) is due (``ms``: on PySpark,
    the time of the batch due just before it, else None). On PySpark, ``warmup``
    batches run first and are not counted (so that what ``before_batch(0)`` does
    happens between two batches, not just before a batch due any moment)."""
    seen.on_sc = ssc.sparkContext is sc
    batch = seen.batch_seconds
    if not isinstance(batch, (int, float)) or not batch > 0:
        raise ValueError(f"the StreamingContext's batchDuration is {batch!r}: a number of "
                         "seconds is expected")
    if clock is None and batch > 10:
        raise ValueError(f"a batch interval of {batch} s: StreamingContext(sc, seconds) "
                         "takes seconds, and on PySpark this run would take "
                         f"{batch * n:g} s")
    results: list = []
    ticks: list = []
    try:
        try:
            out.foreachRDD(lambda t, rdd: results.append(
                (t, sorted(rdd.collect()) if sort else rdd.collect())))
            out.foreachRDD(lambda t, rdd: ticks.append(t))
        except Exception as exc:
            raise RuntimeError("cannot add the check's output to the stream (was the "
                               "context started already?): return (ssc, stream) without "
                               f"calling ssc.start(); the check starts it ({exc})") from None
        submitted: list = []
        if clock is None:
            # PySpark: what before_batch(i) does must happen after batch i-1 was generated
            # (its input listed) and before batch i is: generation follows the timer, while
            # the batches' processing (and the listener's events) may lag behind.
            ssc.addStreamingListener(_Submitted(streaming_module(sc), submitted))
        ssc.start()
        warmup = 0 if clock is not None else warmup
        deadline = _time.monotonic() + 60 + (n + warmup) * batch * 4
        for i in range(-warmup, n):
            if clock is not None:
                before_batch(i, None)
                clock.advance(int(round(batch * 1000)))
                continue
            if i < 0:
                continue
            # The batch times follow the timer from the first one: what batch i must see is
            # done just after the batch before it is due (the listener's events can lag).
            while not submitted and _time.monotonic() < deadline:
                ssc.awaitTerminationOrTimeout(0.01)
            previous = (submitted[0] if submitted else 0) + (i + warmup - 1) * round(batch * 1000)
            while _time.time() * 1000 < previous + 50 and _time.monotonic() < deadline:
                _time.sleep(0.005)
            before_batch(i, previous)
        while clock is None and len(ticks) < n + warmup and _time.monotonic() < deadline:
            ssc.awaitTerminationOrTimeout(0.05)
        if len(ticks) < n + warmup:
            raise RuntimeError(f"PySpark ran only {len(ticks)} of {n} batches in time")
    finally:
        ssc.stop(stopSparkContext=False, stopGraceFully=False)
    times = ticks[warmup:warmup + n]
    numbered = [(_number(times, t, batch), records) for t, records in results]
    seen.results = [(i, records) for i, records in numbered if 1 <= i <= n]


def _Submitted(module: Any, times: list) -> Any:
    """A StreamingListener (of ``module``) that appends each submitted batch's time."""
    class Submitted(module.StreamingListener):
        def onBatchSubmitted(self, batchSubmitted: Any) -> None:
            times.append(batchSubmitted.batchInfo().batchTime().milliseconds())
    return Submitted()


def run_file_app(sc: Any, build: Callable[[Any, str], Any], files: list[list[tuple[str, list]]],
                 *, before: list[tuple[str, list]] = (), sort: bool = True) -> AppRun:
    """Call ``build(sc, directory)`` -> ``(ssc, stream)`` with a fresh directory, then run
    one batch per entry of ``files``: the files of ``files[i]`` appear in the directory
    just before batch i is due (on minispark, on the manual clock: deterministic).

    >>> def build(sc, directory):
    ...     ssc = streaming_module(sc).StreamingContext(sc, 1)
    ...     return ssc, ssc.textFileStream(directory).count()
    >>> app = run_file_app(sc, build, [[("a.log", ["x", "y"])], [], [("b", ["z"]), ("c", [])]],
    ...                    before=[("old.log", ["too old"])])
    >>> app.results, app.inputs[0][0]   # no new file: an RDD with no partition, no count
    ([(1, [2]), (2, []), (3, [1])], 'textFileStream')
    """
    module = streaming_module(sc)
    seen = AppRun()
    clock = None if is_pyspark(sc) else module.ManualClock()
    folder = Path(tempfile.mkdtemp(prefix="course-files-"))

    def appear(name: str, lines: list, after_ms: Any = None) -> None:
        hidden = folder / f".{name}.tmp"       # a file stream skips names starting with '.'
        hidden.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        if after_ms is not None:
            # PySpark: a batch at time T takes the new files modified by T; dated just
            # after the batch before, a file reaches the next batch even if written late.
            ns = (after_ms + 1) * 1_000_000
            os.utime(hidden, ns=(ns, ns))
        hidden.rename(folder / name)           # appears whole, at once

    try:
        for name, lines in before:
            appear(name, lines)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            with _recorded_sources(module, None, seen, clock):
                built = build(sc, str(folder))
        ssc, out = _pair(module, built)
        _drive(sc, seen, ssc, out, clock, len(files), sort,
               before_batch=lambda i, ms: [appear(name, lines, ms) for name, lines in files[i]],
               warmup=1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return seen


def run_recovery(sc: Any, start_app: Callable[[Any, str, str, str], Any],
                 files: list[list[tuple[str, list]]], crash_after: int) -> AppRun:
    """Run ``start_app``'s context over ``files`` (as ``run_file_app``), kill it after
    ``crash_after`` batches, call ``start_app`` again and run the remaining batches;
    minispark only (the restart happens on the same manual clock).

    >>> def start_app(sc, checkpoint_dir, in_dir, out_dir):
    ...     def setup():
    ...         ssc = streaming_module(sc).StreamingContext(sc, 1)
    ...         ssc.textFileStream(in_dir).count().saveAsTextFiles(out_dir + "/c")
    ...         return ssc
    ...     return streaming_module(sc).StreamingContext.getOrCreate(checkpoint_dir, setup)
    >>> app = run_recovery(sc, start_app, [[("a", ["x"])], [], [("b", ["y", "z"])]], 2)
    >>> app.recovered, app.contexts
    (True, [1, 1.0])
    """
    if is_pyspark(sc):
        raise RuntimeError("run_recovery is minispark-only: it restarts the driver on "
                           "minispark's manual clock")
    module = streaming_module(sc)
    clock = module.ManualClock()
    seen = AppRun()
    root = Path(tempfile.mkdtemp(prefix="course-recovery-"))
    folders = [root / name for name in ("checkpoints", "in", "out")]
    for folder in folders:
        folder.mkdir()
    checkpoint_dir, in_dir, out_dir = (str(f) for f in folders)

    def appear(name: str, lines: list) -> None:
        hidden = folders[1] / f".{name}.tmp"
        hidden.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        hidden.rename(folders[1] / name)

    def run(batches: range) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            with _recorded_sources(module, None, seen, clock):
                ssc = start_app(sc, checkpoint_dir, in_dir, out_dir)
        if not isinstance(ssc, module.StreamingContext):
            raise TypeError(f"start_app returned a {type(ssc).__name__}, not the "
                            "StreamingContext (unstarted)")
        try:
            ssc.start()
            batch = ssc._graph.batch_ms
            for i in batches:
                for name, lines in files[i]:
                    appear(name, lines)
                clock.advance(batch)
        finally:
            ssc.stop(stopSparkContext=False, stopGraceFully=False)   # the driver dies
        return ssc

    try:
        first = run(range(crash_after))
        second = run(range(crash_after, len(files)))
        seen.recovered = bool(second._recovering) and second is not first
        seen.on_sc = first.sparkContext is sc and second.sparkContext is sc
        batch = first._graph.batch_ms
        found = []
        for path in sorted(folders[2].iterdir()):
            stem = path.name
            ms = stem[len("batch-"):-len(".txt")] if (
                stem.startswith("batch-") and stem.endswith(".txt")) else ""
            number: Any = int(ms) // batch if ms.isdigit() else stem
            if path.is_dir():      # saveAsTextFiles: a directory of part- files
                lines = [line for part in sorted(path.glob("part-*"))
                         for line in part.read_text(encoding="utf-8").splitlines()]
            else:
                lines = path.read_text(encoding="utf-8").splitlines()
            found.append((number, sorted(lines)))
        seen.results = sorted(found, key=str)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return seen
