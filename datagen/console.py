"""What the person at the terminal sees: one-line errors and a progress bar.

Two habits of friendly command-line tools:

- **Mistakes get one clear line, not a traceback.** A wrong path or a busy port is the
  user's to fix, and a screen of stack frames hides the one sentence they need. Code
  that detects such a mistake raises ``UserError``; the CLI prints ``error: <message>``
  and exits with status 2. Genuine bugs still show their traceback.
- **Long work shows progress, on stderr, and can be silenced.** Output meant for
  people goes to stderr so that stdout stays clean for data; ``--quiet`` turns it off
  (a notebook graded automatically must print nothing to stderr).

Read next: ``cli.py``.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class UserError(Exception):
    """A mistake the user can fix (bad path, busy port, bad value): shown as one line."""


class Progress:
    """A one-line progress bar redrawn in place, at most ten times a second.

    >>> import io
    >>> out = io.StringIO()
    >>> bar = Progress(100, "lines", stream=out)
    >>> bar.update(50); bar.done()
    >>> "100%" in out.getvalue() and out.getvalue().endswith("\\n")
    True
    """

    def __init__(self, total: int, unit: str, *, enabled: bool = True,
                 stream: TextIO | None = None, width: int = 30) -> None:
        self.total, self.unit, self.enabled = max(total, 1), unit, enabled
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.count = 0
        self.started = time.perf_counter()
        self._last_draw = 0.0

    def update(self, n: int) -> None:
        """Add ``n`` finished units and redraw if enough time has passed."""
        self.count += n
        now = time.perf_counter()
        if self.enabled and now - self._last_draw >= 0.1:
            self._last_draw = now
            self._draw(now)

    def done(self) -> None:
        """Draw the final state and end the line."""
        if self.enabled:
            self.count = max(self.count, self.total)
            self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, now: float) -> None:
        share = min(self.count / self.total, 1.0)
        filled = int(share * self.width)
        elapsed = max(now - self.started, 1e-9)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {share:4.0%} {self.count:,} {self.unit} "
                          f"({self.count / elapsed:,.0f}/s)")
        self.stream.flush()


def say(message: str, quiet: bool = False) -> None:
    """Print a status message for people (stderr), unless quiet."""
    if not quiet:
        print(message, file=sys.stderr, flush=True)
