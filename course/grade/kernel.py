"""The cell executor that runs a submission inside the sandbox (``sandbox.launch`` execs it).

A Jupyter kernel would need ZeroMQ sockets, hence a network, and a second process to
drive it; this is the same IPython shell driven over two pipes instead. The grader writes
one JSON command per line on stdin, ``{"parts": [code, ...]}`` (a test cell's visible part
and its hidden part are separate parts), and reads one JSON reply per command from the
protocol pipe: per part its stdout, stderr, the value of its last expression, and the error
(name and message only: tracebacks are never produced, so none can show hidden tests),
and the reports the checks made while it ran (course/reporting.py: what each check saw, for
the grader to judge outside this process).

The process's own file descriptors 0-2 are moved away at start: the student's ``print``
and ``input`` cannot reach the protocol by accident, and output of child processes goes to
a log file in the working directory. SIGINT raises KeyboardInterrupt while a cell runs, so
the grader can interrupt a cell that runs too long, and is ignored between cells: an
interrupt that arrives late (the cell had just finished) cannot kill the kernel itself.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import warnings

from course import reporting  # before any student code runs: the checks report into it

LIMIT = 20_000            # characters of output kept per stream and part


def _channels() -> tuple[io.TextIOWrapper, io.TextIOWrapper]:
    commands = os.fdopen(os.dup(0), "r", encoding="utf-8")
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    log = os.open("kernel-output.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    return commands, replies


def _shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="NoColor", history_length=0)
    shell.history_manager.enabled = False
    shell._showtraceback = lambda etype, evalue, stb: None   # errors go in the reply
    shell.displayhook.write_output_prompt = lambda: None
    return shell


def _short(text: str) -> str:
    return text if len(text) <= LIMIT else text[:LIMIT] + "\n... (output truncated)"


def run_part(shell, code: str) -> dict:
    out, err = io.StringIO(), io.StringIO()
    reporting.drain()                   # what ran between parts is no part's
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            signal.signal(signal.SIGINT, signal.default_int_handler)
            try:
                result = shell.run_cell(code, store_history=True)
            finally:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
    finally:
        sys.stdout, sys.stderr = saved
    error = result.error_before_exec or result.error_in_exec
    value = None
    if error is None and result.result is not None:
        try:
            value = _short(repr(result.result))
        except Exception as exc:                        # a broken __repr__ is the student's
            value = f"<unprintable {type(exc).__name__}>"
    return {"stdout": _short(out.getvalue()), "stderr": _short(err.getvalue()),
            "result": value, "reports": reporting.drain(),
            "error": None if error is None else {"ename": type(error).__name__,
                                                 "evalue": _short(_message(error))}}


def _message(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:
        return "<unprintable message>"


def serve(commands, replies, shell) -> None:
    replies.write(json.dumps({"ready": True}) + "\n")
    replies.flush()
    for line in commands:
        command = json.loads(line)
        parts = []
        for code in command["parts"]:
            parts.append(run_part(shell, code))
            if parts[-1]["error"]:
                break                           # the rest of the cell does not run
        replies.write(json.dumps({"id": command["id"], "parts": parts}) + "\n")
        replies.flush()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # until a cell runs
    commands, replies = _channels()
    shell = _shell()
    serve(commands, replies, shell)
    os._exit(0)              # no atexit handlers of student code (they could hang)


if __name__ == "__main__":
    main()
