"""The command line: ``python -m datagen generate | replay | drip | verify``.

Examples::

    python -m datagen generate --out data --scale small --seed 42
    python -m datagen replay --port 9999 --rate 20 data/weblogs
    python -m datagen replay --port 9999 --speedup 60 --loop --shared data/weblogs
    python -m datagen drip --to incoming --interval 5 data/weblogs
    python -m datagen verify data

Every mistake a user can make (a bad value, an unwritable directory, a busy port, an
unreadable file) ends with one line ``error: ...`` and exit status 2 — no traceback.
Values are checked by small ``type=`` functions, so argparse reports them itself.

Read next: ``pipeline.py``, ``replay.py``, ``drip.py``.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from datagen import manifest
from datagen.console import UserError, say
from datagen.pipeline import DEFAULT_BAD_LINES, SCALES


def _whole(minimum: int) -> object:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value
    return parse


def _number(low: float, high: float | None = None, *, low_inclusive: bool = False) -> object:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        too_low = value < low if low_inclusive else value <= low
        if too_low or value != value or (high is not None and value >= high):
            bounds = f"{'>=' if low_inclusive else '>'} {low:g}"
            bounds += f" and < {high:g}" if high is not None else ""
            raise argparse.ArgumentTypeError(f"must be {bounds}, not {text}")
        return value
    return parse


def _port(text: str) -> int:
    value = _whole(0)(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is at most 65535, not {value}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is reported in one line (not usage + message)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per tool."""
    parser = _Parser(
        prog="python -m datagen",
        description="Generate the course's data set, or stream it to Spark.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser("generate", help="write the data set for a seed",
                         description="Write web logs, KB, accounts, models, devices and "
                                     "manifest.json. The same seed and options always "
                                     "give byte-identical files.")
    gen.add_argument("--out", default="data", help="output directory (default: data)")
    gen.add_argument("--scale", choices=list(SCALES), default="small",
                     help="tiny ~10k log lines, small ~1M, large ~10M (default: small)")
    gen.add_argument("--seed", type=_whole(0), default=42, help="(default: 42)")
    gen.add_argument("--days", type=_whole(1), help="number of daily log files")
    gen.add_argument("--users", type=_whole(11), help="number of accounts")
    gen.add_argument("--lines", type=_whole(1), help="total log lines (approximate)")
    gen.add_argument("--articles", type=_whole(1), help="number of KB articles")
    gen.add_argument("--devices", type=_whole(1), help="number of device status lines")
    gen.add_argument("--bad-lines", type=_number(0, 0.5, low_inclusive=True),
                     default=DEFAULT_BAD_LINES, metavar="FRACTION",
                     help=f"share of malformed log lines to insert (default: "
                          f"{DEFAULT_BAD_LINES})")
    gen.add_argument("--start", help="first day of logs, YYYY-MM-DD (default: 2013-09-16)")
    gen.add_argument("--jobs", type=_whole(1), default=None,
                     help="processes writing logs (default: 2 for large, else 1); "
                          "does not change the output")
    gen.add_argument("--quiet", action="store_true", help="no progress bar or summary")

    rep = sub.add_parser("replay", help="serve log lines over TCP for socketTextStream",
                         description="Serve lines to every client that connects "
                                     "(socketTextStream connects as a client).")
    rep.add_argument("inputs", nargs="+", metavar="INPUT",
                     help="log files, or directories (their files in name = date order)")
    rep.add_argument("--host", default="127.0.0.1", help="(default: 127.0.0.1)")
    rep.add_argument("--port", type=_port, default=9999, help="(default: 9999)")
    pace = rep.add_mutually_exclusive_group()
    pace.add_argument("--rate", type=_number(0), metavar="LINES_PER_SEC",
                      help="lines per second (default: 20)")
    pace.add_argument("--speedup", type=_number(0), metavar="X",
                      help="follow the logs' timestamps, X times faster")
    rep.add_argument("--loop", action="store_true", help="start over at the end")
    rep.add_argument("--shared", action="store_true",
                     help="all clients share one stream instead of each starting afresh")
    rep.add_argument("--quiet", action="store_true", help="no connection reports")

    dr = sub.add_parser("drip", help="move files into a directory one at a time",
                        description="For textFileStream: copy each file next to DIR, then "
                                    "rename it into DIR (atomic), INTERVAL seconds apart.")
    dr.add_argument("files", nargs="+", metavar="FILE")
    dr.add_argument("--to", required=True, metavar="DIR", help="the watched directory")
    dr.add_argument("--interval", type=_number(0, low_inclusive=True), default=5.0,
                    metavar="S", help="seconds between files (default: 5)")
    dr.add_argument("--quiet", action="store_true", help="no report per file")

    ver = sub.add_parser("verify", help="check a data directory against its manifest")
    ver.add_argument("dir", nargs="?", default="data")
    return parser


def run(args: argparse.Namespace) -> int:
    """Carry out a parsed command; raises ``UserError`` for the user's mistakes."""
    log = None if getattr(args, "quiet", False) else (lambda m: say(m))
    if args.command == "generate":
        from datagen.pipeline import generate
        jobs = args.jobs or (2 if args.scale == "large" else 1)
        result = generate(args.out, args.scale, args.seed, jobs=jobs, quiet=args.quiet,
                          days=args.days, users=args.users, lines=args.lines,
                          articles=args.articles, devices=args.devices,
                          bad_lines=args.bad_lines, start=args.start)
        logs = result["weblogs"]
        say(f"wrote {args.out}: {logs['lines']:,} log lines in {logs['files']} files, "
            f"{sum(logs['bad_lines'].values())} malformed; dataset_sha256 "
            f"{result['dataset_sha256'][:16]}...", args.quiet)
        return 0
    if args.command == "replay":
        from datagen.replay import ReplayServer
        server = ReplayServer(args.inputs, host=args.host, port=args.port, rate=args.rate,
                              speedup=args.speedup, loop=args.loop, shared=args.shared,
                              log=log).start()
        say("replay: press Ctrl-C to stop", args.quiet)
        try:
            while not server.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
        return 0
    if args.command == "drip":
        from datagen.drip import drip
        try:
            drip(args.files, args.to, args.interval, log=log)
        except KeyboardInterrupt:
            say("drip: interrupted", args.quiet)
        return 0
    problems = manifest.verify(args.dir)
    for problem in problems:
        print(problem)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, run, turn user mistakes into one-line errors."""
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
