"""A stream replayer: serve log lines over TCP at a chosen pace, to every client.

Spark Streaming's ``socketTextStream(host, port)`` *connects* to a server and reads
lines from it. In class there is no live web server, so this program plays one: it
reads log files and sends their lines to whoever connects, at a set rate. The
original course's script did that too, but served one client with one ``send()`` and
one ``sleep(1/rate)`` per line, and died as soon as a client went away. Here:

- **Pacing by the clock.** Line *i* is due at ``start + i / rate``; the sender wakes
  up, sends every line that is due in one batch, and sleeps until the next is due.
  Sleeping ``1/rate`` per line instead would add each send's own time to every gap and
  fall ever further behind; one system call per line could not reach high rates.
  With ``speedup`` the due time comes from the lines' own timestamps instead.
- **Every client is served.** Each connection gets its own thread and its own pass
  over the data from the start (or, with ``shared``, all see one common stream).
- **A disconnect is routine.** A client that goes away ends *its* thread and is
  reported; the server keeps accepting. ``stop()`` (Ctrl-C on the command line) ends
  everything cleanly.

Key terms
- *batch*: the lines sent in one ``sendall`` call; at 10 lines/s a batch is one line,
  at 100,000 lines/s a few hundred.
- *lag*: how far sending is behind the schedule; a client that stops reading makes it
  grow, and after a second of lag the schedule is moved rather than burst to catch up.

Python API (used by the tests and the course)::

    with ReplayServer(["data/weblogs"], rate=20) as server:   # port 0: the OS picks
        ssc.socketTextStream("127.0.0.1", server.port) ...

Read next: ``drip.py`` (the file-based equivalent), ``cli.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from datagen.console import UserError
from datagen.weblogs import MONTHS

MIN_TICK = 0.002        # never wake more often than this: it makes batches at high rates
MAX_LAG = 1.0           # seconds behind schedule before the schedule is moved
SHARED_SEND_TIMEOUT = 5.0
_MONTH_NUMBER = {m.encode(): i + 1 for i, m in enumerate(MONTHS)}


def input_files(inputs: Iterable[str | os.PathLike]) -> list[Path]:
    """Expand inputs to readable files: a directory gives its files sorted by name
    (``YYYY-MM-DD.log`` names sort by date). Raises ``UserError`` for unreadable ones."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file()
                           and not p.name.startswith("."))
            if not found:
                raise UserError(f"input directory {path} holds no files")
            files.extend(found)
        else:
            files.append(path)
    if not files:
        raise UserError("no input files given")
    for path in files:
        try:
            with open(path, "rb"):
                pass
        except OSError as err:
            raise UserError(f"cannot read input {path}: {err.strerror or err}") from None
    return files


def read_lines(files: list[Path], loop: bool = False) -> Iterator[bytes | None]:
    """Every line of every file as bytes, newline-terminated; with ``loop``, forever,
    yielding ``None`` between passes."""
    while True:
        any_line = False
        for path in files:
            with open(path, "rb") as f:
                for line in f:
                    any_line = True
                    yield line if line.endswith(b"\n") else line + b"\n"
        if not loop or not any_line:
            return
        yield None


def log_time(line: bytes) -> int | None:
    """Seconds since 0001-01-01 of a log line's ``[dd/Mon/yyyy:HH:MM:SS`` timestamp.

    >>> log_time(b'1.2.3.4 - 5 [16/Sep/2013:00:00:10 +0100] "GET / HTTP/1.0"') % 86400
    10
    >>> log_time(b"garbage") is None
    True
    """
    at = line.find(b"[")
    if at < 0 or len(line) < at + 21:
        return None
    s = line[at + 1:at + 21]
    try:
        day = dt.date(int(s[7:11]), _MONTH_NUMBER[s[3:6]], int(s[0:2])).toordinal()
        return day * 86400 + int(s[12:14]) * 3600 + int(s[15:17]) * 60 + int(s[18:20])
    except (KeyError, ValueError):
        return None


def schedule(lines: Iterable[bytes | None], rate: float | None = None,
             speedup: float | None = None) -> Iterator[tuple[float, bytes]]:
    """Pair each line with the second (from the start) at which it is due.

    >>> list(schedule([b"a\\n", b"b\\n", b"c\\n"], rate=2.0))
    [(0.0, b'a\\n'), (0.5, b'b\\n'), (1.0, b'c\\n')]
    >>> [d for d, _ in schedule([b"[16/Sep/2013:00:00:00", b"x", b"[16/Sep/2013:00:01:00"],
    ...                         speedup=60)]
    [0.0, 0.0, 1.0]
    """
    if speedup is None:
        assert rate and rate > 0
        i = 0
        for line in lines:
            if line is not None:
                yield i / rate, line
                i += 1
        return
    base = last = 0.0
    first: int | None = None
    for line in lines:
        if line is None:                  # a new pass: continue from where we are
            base, first = last, None
            continue
        t = log_time(line)
        if t is not None:
            if first is None:
                first = t
            last = max(last, base + (t - first) / speedup)
        yield last, line


class Pacer:
    """Sends scheduled lines when they are due, in batches; can pause and resume."""

    def __init__(self, scheduled: Iterable[tuple[float, bytes]]) -> None:
        self._it = iter(scheduled)
        self._pending = next(self._it, None)
        self.sent = 0

    @property
    def finished(self) -> bool:
        """True once every line has been sent."""
        return self._pending is None

    def run(self, send: Callable[[bytes, int], None], keep_going: Callable[[], bool],
            sleep: Callable[[float], object]) -> None:
        """Send until finished or ``keep_going()`` is false. ``send(data, n_lines)``
        may raise ``OSError``; the line it failed on counts as sent."""
        if self._pending is None:
            return
        t0 = time.monotonic() - self._pending[0]
        while self._pending is not None and keep_going():
            now = time.monotonic() - t0
            batch = []
            while self._pending is not None and self._pending[0] <= now:
                batch.append(self._pending[1])
                self._pending = next(self._it, None)
            if batch:
                self.sent += len(batch)
                send(b"".join(batch), len(batch))
            if self._pending is None:
                return
            lag = time.monotonic() - t0 - self._pending[0]
            if lag > MAX_LAG:
                t0 += lag
            elif lag < 0:
                sleep(max(-lag, MIN_TICK))


class ReplayServer:
    """A TCP server that replays log lines to every client that connects.

    ``inputs``: files or directories. ``rate``: lines per second (default 20), or
    ``speedup``: follow the lines' timestamps, that many times faster. ``loop``: start
    over at the end instead of closing the connection. ``shared``: all clients read one
    common stream (it advances while at least one client is connected) instead of each
    getting the data from the start. ``log``: called with one-line status messages.
    """

    def __init__(self, inputs: Iterable[str | os.PathLike], *, host: str = "127.0.0.1",
                 port: int = 0, rate: float | None = None, speedup: float | None = None,
                 loop: bool = False, shared: bool = False,
                 log: Callable[[str], object] | None = None) -> None:
        if rate is not None and speedup is not None:
            raise UserError("give a rate or a speedup, not both")
        if speedup is None:
            rate = 20.0 if rate is None else rate
            if not rate > 0:
                raise UserError(f"rate must be a positive number of lines/s, not {rate}")
        elif not speedup > 0:
            raise UserError(f"speedup must be positive, not {speedup}")
        self.files = input_files(inputs)
        self.host, self._port = host, port
        self.rate, self.speedup, self.loop, self.shared = rate, speedup, loop, shared
        self._log = log or (lambda message: None)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._clients: dict[int, socket.socket] = {}
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        self._have_clients = threading.Condition(self._lock)
        self.connections = 0
        self.lines_sent = 0

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> ReplayServer:
        """Bind and listen, then serve in background threads. Returns ``self``."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((self.host, self._port))
        except OSError as err:
            listener.close()
            reason = "the port is in use" if err.errno in (98, 48, 10048) else err.strerror
            raise UserError(f"cannot listen on {self.host}:{self._port}: {reason}") from None
        listener.listen(16)
        listener.settimeout(0.2)          # so the accept loop notices stop()
        self._listener = listener
        self._spawn(self._accept_loop, "replay-accept")
        if self.shared:
            self._spawn(self._broadcast_loop, "replay-shared")
        pace = f"{self.rate:g} lines/s" if self.speedup is None else f"{self.speedup:g}x"
        self._log(f"replay: listening on {self.host}:{self.port} ({pace}, "
                  f"{len(self.files)} file(s){', loop' if self.loop else ''}"
                  f"{', shared' if self.shared else ''})")
        return self

    @property
    def port(self) -> int:
        """The port listened on (the one the OS chose, if 0 was asked)."""
        return self._listener.getsockname()[1] if self._listener else self._port

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close every connection, wait for the threads to end."""
        if self._stop.is_set():
            return
        self._stop.set()
        with self._lock:
            clients = list(self._clients.values())
            self._have_clients.notify_all()
        for sock in clients:
            _shutdown(sock)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if self._listener:
            self._listener.close()
        self._log(f"replay: stopped; {self.connections} connection(s), "
                  f"{self.lines_sent:,} lines sent")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until stopped (or ``timeout``); True if stopped."""
        return self._stop.wait(timeout)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- threads ---------------------------------------------------------------------
    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        thread = threading.Thread(target=target, name=name, args=args, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _schedule(self) -> Iterator[tuple[float, bytes]]:
        return schedule(read_lines(self.files, self.loop), self.rate, self.speedup)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                sock, address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self.connections += 1
                number = self.connections
                self._clients[number] = sock
                self._have_clients.notify_all()
            self._log(f"replay: client {number} connected from {address[0]}:{address[1]}")
            if self.shared:
                sock.settimeout(SHARED_SEND_TIMEOUT)
            else:
                self._spawn(self._serve_one, f"replay-client-{number}", number, sock)

    def _count(self, n: int) -> None:
        with self._lock:
            self.lines_sent += n

    def _drop(self, number: int, why: str, finished: bool = False) -> None:
        with self._lock:
            sock = self._clients.pop(number, None)
        if sock is not None:
            _shutdown(sock, socket.SHUT_WR if finished else socket.SHUT_RDWR)
            self._log(f"replay: client {number} {why}")

    def _serve_one(self, number: int, sock: socket.socket) -> None:
        pacer = Pacer(self._schedule())

        def send(data: bytes, n: int) -> None:
            sock.sendall(data)
            self._count(n)

        try:
            pacer.run(send, lambda: not self._stop.is_set(), self._stop.wait)
        except OSError:
            self._drop(number, f"disconnected after {pacer.sent:,} lines")
            return
        self._drop(number, f"finished: {pacer.sent:,} lines sent", finished=True)

    def _broadcast_loop(self) -> None:
        pacer = Pacer(self._schedule())

        def send(data: bytes, n: int) -> None:
            with self._lock:
                clients = list(self._clients.items())
            for number, sock in clients:
                try:
                    sock.sendall(data)
                    self._count(n)
                except OSError:
                    self._drop(number, "disconnected")

        def keep_going() -> bool:
            return not self._stop.is_set() and bool(self._clients)

        while not self._stop.is_set():
            with self._lock:
                while not self._clients and not self._stop.is_set():
                    self._have_clients.wait(0.5)
            pacer.run(send, keep_going, self._stop.wait)
            if pacer.finished:                 # end of the data: close, start again
                for number in list(self._clients):
                    self._drop(number, "finished: end of the data", finished=True)
                pacer = Pacer(self._schedule())


def _shutdown(sock: socket.socket, how: int = socket.SHUT_RDWR) -> None:
    """Close a connection so that a blocked ``sendall`` returns and the peer sees EOF.

    ``SHUT_WR`` after the last line: the peer reads everything we sent, then EOF."""
    try:
        sock.shutdown(how)
    except OSError:
        pass
    sock.close()
