"""Benchmark of datagen: log lines generated per second at the small scale, on one
core, and the replayer's measured rate against the asked one.

    python -m benchmarks datagen
"""

from __future__ import annotations

import socket
import tempfile
import time
from pathlib import Path

import datagen

TARGET_LINES_PER_S = 200_000


def generation() -> float:
    """Generate the small scale (about a million log lines) with one process."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        manifest = datagen.generate(Path(tmp) / "data", "small", seed=42, jobs=1)
        seconds = time.perf_counter() - start
    lines = manifest["weblogs"]["lines"]
    rate = lines / seconds
    verdict = "ok" if rate >= TARGET_LINES_PER_S else "BELOW TARGET"
    print(f"generate small (1 process): {lines:,} log lines + the other files in "
          f"{seconds:.2f} s = {rate:,.0f} lines/s (target >= {TARGET_LINES_PER_S:,}) {verdict}")
    return rate


def replay_rate(rate: float, seconds: float = 1.0) -> float:
    """Replay numbered lines at `rate` to one client; return the measured lines/s."""
    n = max(int(rate * seconds), 10) + 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lines.txt"
        path.write_bytes(b"".join(b"%08d\n" % i for i in range(n)))
        with datagen.ReplayServer([path], rate=rate) as server:
            sock = socket.create_connection(("127.0.0.1", server.port))
            first = last = None
            while sock.recv(65536):
                last = time.monotonic()
                first = first or last
            sock.close()
    measured = (n - 1) / (last - first)
    print(f"replay at {rate:>9,.0f} lines/s: measured {measured:>11,.0f} "
          f"({(measured / rate - 1) * 100:+.1f}%; target within 5%)")
    return measured


def main() -> None:
    """Print datagen's generation speed and the replayer's rate accuracy."""
    generation()
    for rate in (10, 1_000, 100_000):
        replay_rate(rate, 2.0 if rate == 10 else 1.0)


if __name__ == "__main__":
    main()
