"""Putting it together: ``generate()`` writes the whole data set and its manifest.

Order of work: build the vocabularies and the site plan once (accounts, articles, the
strings of every request), then write each day of logs, then the small files, and
last the manifest. Days are independent — each has its own random stream, named after
its date — so they can be written by several processes at once and still come out
byte-identical to a one-process run.

Layout of the output directory::

    weblogs/YYYY-MM-DD.log     web-server log, one file per day
    kb/kblist.txt              docid:title, one article per line
    kb/KBDOC-NNNNN.html        one page per article
    accounts/accounts.csv      customer accounts (columns: see accounts.py)
    devices/devicestatus.txt   phone status reports (see devices.py)
    models/phonemodels.csv     maker,model — the catalogue
    models/targetmodels.txt    model names for the broadcast lab
    manifest.json              seed, options, counts, checksums (see manifest.py)

Key terms: *scale* — a named set of sizes (``SCALES``); any size can be overridden.

Read next: ``cli.py`` (the command line), ``replay.py`` (streaming the logs).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from datagen import badlines, manifest, traps
from datagen.accounts import COLUMNS, accounts_csv_lines, build_accounts, build_vocabulary
from datagen.console import Progress, UserError
from datagen.devices import device_lines, reading_orders
from datagen.kb import build_articles, kblist_text, page_html
from datagen.models import catalogue_csv, target_models_txt
from datagen.weblogs import Plan, make_plan, split_lines, write_day

SCALES: dict[str, dict[str, int]] = {
    "tiny": {"days": 3, "users": 400, "lines": 10_000, "articles": 120, "devices": 2_000},
    "small": {"days": 14, "users": 20_000, "lines": 1_000_000, "articles": 300,
              "devices": 50_000},
    "large": {"days": 60, "users": 100_000, "lines": 10_000_000, "articles": 300,
              "devices": 200_000},
}
DEFAULT_START = dt.date(2013, 9, 16)
DEFAULT_BAD_LINES = 0.001
PROGRESS_FROM = 200_000     # show a bar only when there are at least this many lines


def resolve_options(scale: str = "tiny", **overrides) -> dict:
    """The sizes and options of a run: the scale's, with explicit overrides applied.

    >>> resolve_options("tiny", days=5)["days"], resolve_options("tiny")["bad_lines"]
    (5, 0.001)
    """
    if scale not in SCALES:
        raise UserError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    options = dict(SCALES[scale], bad_lines=DEFAULT_BAD_LINES, start=DEFAULT_START.isoformat())
    for key, value in overrides.items():
        if key not in options:
            raise UserError(f"unknown option {key!r}; known: {', '.join(sorted(options))}")
        if value is not None:
            options[key] = value
    for key in ("days", "users", "lines", "articles", "devices"):
        if not isinstance(options[key], int) or options[key] < 1:
            raise UserError(f"{key} must be a whole number of at least 1, not {options[key]!r}")
    if options["users"] <= 10:
        raise UserError("users must be more than 10")
    if not 0 <= options["bad_lines"] < 0.5:
        raise UserError(f"bad_lines must be a fraction in [0, 0.5), not {options['bad_lines']}")
    if isinstance(options["start"], dt.date):
        options["start"] = options["start"].isoformat()
    try:
        dt.date.fromisoformat(options["start"])
    except (TypeError, ValueError):
        raise UserError(f"start must be a date like 2013-09-16, not {options['start']!r}") \
            from None
    return options


def prepare_output(out_dir: Path) -> None:
    """Create ``out_dir``, or clear the files of an earlier run of datagen in it.

    Refuses a non-empty directory that datagen did not make, so nothing else is deleted.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        if any(out_dir.iterdir()):
            try:
                old = manifest.read(out_dir)
            except (OSError, ValueError):
                raise UserError(f"{out_dir} is not empty and holds no datagen manifest; "
                                "choose an empty or new directory") from None
            if old.get("generator") != manifest.GENERATOR:
                raise UserError(f"{out_dir} holds another program's manifest.json")
            for rel in old.get("files", {}):
                (out_dir / rel).unlink(missing_ok=True)
            (out_dir / manifest.NAME).unlink()
        probe = out_dir / ".datagen-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except PermissionError as err:
        raise UserError(f"cannot write to {out_dir}: {err.strerror}") from None
    except (FileExistsError, NotADirectoryError):
        raise UserError(f"cannot write to {out_dir}: a file is in the way") from None
    except OSError as err:
        raise UserError(f"cannot write to {out_dir}: {err.strerror or err}") from None


_WORKER_PLAN: Plan | None = None


def _init_worker(plan: Plan) -> None:
    global _WORKER_PLAN
    _WORKER_PLAN = plan


def _worker_day(args: tuple) -> object:
    day, n_lines, bad_fraction, path = args
    assert _WORKER_PLAN is not None
    return write_day(_WORKER_PLAN, day, n_lines, bad_fraction, path)


def generate(out_dir: str | os.PathLike, scale: str = "tiny", seed: int = 42, *,
             jobs: int = 1, quiet: bool = True, **overrides) -> dict:
    """Write the data set for ``seed`` at ``scale`` into ``out_dir``; return the manifest.

    ``overrides``: ``days``, ``users``, ``lines``, ``articles``, ``devices``,
    ``bad_lines`` (a fraction), ``start`` (first day, ISO date). ``jobs`` processes write
    the days (the output does not depend on it). ``quiet=False`` shows a progress bar.
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise UserError(f"seed must be a whole number, not {seed!r}")
    options = resolve_options(scale, **overrides)
    out = Path(out_dir)
    prepare_output(out)
    start = dt.date.fromisoformat(options["start"])
    files: dict[str, dict] = {}

    def put(rel: str, text: str) -> None:
        data = text.encode("utf-8")
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[rel] = manifest.file_entry(data)

    vocab = build_vocabulary(seed)
    accounts = traps.ensure_model(build_accounts(seed, options["users"], start, vocab))
    articles = build_articles(seed, options["articles"])
    plan = make_plan(seed, accounts, articles)

    (out / "weblogs").mkdir(exist_ok=True)
    days = [start + dt.timedelta(days=i) for i in range(options["days"])]
    tasks = [(day, n, options["bad_lines"], str(out / "weblogs" / f"{day.isoformat()}.log"))
             for day, n in zip(days, split_lines(options["lines"], len(days)), strict=True)]
    bar = Progress(options["lines"], "lines",
                   enabled=not quiet and options["lines"] >= PROGRESS_FROM)
    bad_total = dict.fromkeys(badlines.KINDS, 0)
    if jobs > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(min(jobs, len(tasks)), initializer=_init_worker,
                                 initargs=(plan,)) as pool:
            results = []
            for result in pool.map(_worker_day, tasks):
                results.append(result)
                bar.update(result.lines)
    else:
        results = []
        for day, n, fraction, path in tasks:
            results.append(write_day(plan, day, n, fraction, path))
            bar.update(results[-1].lines)
    bar.done()
    if results and not any(r.trap_visits for r in results):    # traps.py: none by chance
        results[0] = write_day(plan, *tasks[0], force_trap=True)
    for result in results:
        rel = Path(result.path).relative_to(out).as_posix()
        files[rel] = {"lines": result.lines, "bytes": os.path.getsize(result.path),
                      "sha256": result.sha256, "bad_lines": result.bad}
        for kind, n in result.bad.items():
            bad_total[kind] += n

    put("kb/kblist.txt", kblist_text(articles))
    for article in articles:
        put(f"kb/{article.docid}.html", page_html(article, seed))
    put("accounts/accounts.csv", "".join(accounts_csv_lines(accounts)))
    put("devices/devicestatus.txt", "".join(
        device_lines(seed, accounts, start, options["days"], options["devices"])))
    put("models/phonemodels.csv", catalogue_csv())
    put("models/targetmodels.txt", target_models_txt())

    weblog_lines = sum(r.lines for r in results)
    result = {
        "generator": manifest.GENERATOR, "version": manifest.VERSION,
        "seed": seed, "scale": scale, "options": options,
        "files": files, "dataset_sha256": manifest.dataset_digest(files),
        "weblogs": {"files": len(results), "lines": weblog_lines,
                    "good_lines": weblog_lines - sum(bad_total.values()),
                    "bad_lines": bad_total},
        "accounts_columns": COLUMNS,
        "device_reading_order": reading_orders(seed),
    }
    manifest.write(out, result)
    return result


def remove(out_dir: str | os.PathLike) -> None:
    """Delete a data directory made by ``generate`` (checks for the manifest first)."""
    out = Path(out_dir)
    if not (out / manifest.NAME).is_file():
        raise UserError(f"{out} has no {manifest.NAME}; not deleting it")
    shutil.rmtree(out)
