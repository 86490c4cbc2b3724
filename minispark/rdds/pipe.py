"""pipe(): stream a partition through an external command.

Each element is written as one line to the command's stdin (from a thread, so
a command that writes while reading cannot deadlock), and each line of its
stdout becomes an element of the result.
"""

from __future__ import annotations

import shlex
import subprocess
import threading
from collections.abc import Iterator


def pipe_partition(command: str, env: dict | None, check_code: bool,
                   iterator: Iterator) -> Iterator[str]:
    """Run ``command`` over one partition, yielding its output lines."""
    proc = subprocess.Popen(shlex.split(command), env=env or None,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def feed() -> None:
        try:
            for obj in iterator:
                proc.stdin.write((str(obj).rstrip("\n") + "\n").encode("utf-8"))
        except BrokenPipeError:
            pass  # the command stopped reading; its exit code tells the story
        finally:
            proc.stdin.close()
    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    for line in proc.stdout:
        yield line.rstrip(b"\n").decode("utf-8")
    proc.wait()
    writer.join()
    if check_code and proc.returncode:
        from minispark.errors import PySparkRuntimeError
        raise PySparkRuntimeError("PIPE_FUNCTION_EXITED", f"Pipe function `{command}` "
                                  f"exited with error code {proc.returncode}.")
