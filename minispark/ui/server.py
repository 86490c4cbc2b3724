"""The web server behind ``sc.uiWebUrl``: serves the pages of an AppStatusStore.

Mirrors Spark's ``SparkUI`` and ``WebUI`` (core/src/main/scala/org/apache/spark/ui/),
which start a Jetty server on port 4040 (``spark.ui.port``), or 4041, 4042...
when it is taken, up to ``spark.port.maxRetries`` (16) tries. Here it is the
standard library's ``ThreadingHTTPServer`` on a daemon thread, bound to
127.0.0.1: read-only, plain HTML rendered on the server, no JavaScript.

Threads: the driver thread updates the store (listener events) while server
threads render it; each render holds ``store.lock``, so a page never sees a
half-applied event. Read state.py first; next, ../history.py reuses this
server for finished applications.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from minispark.ui.pages import ROUTES
from minispark.ui.state import AppStatusStore
from minispark.ui.templates import page

__all__ = ["SparkUI", "render_path", "bind_server", "AppUI", "start_app_ui"]

DEFAULT_PORT = 4040
MAX_RETRIES = 16
REFRESH_SECONDS = 2
# An app: (path, query) -> (HTTP status, content type, body)
App = Callable[[str, dict], tuple[int, str, str]]


def render_path(store: AppStatusStore, path: str, query: dict[str, str],
                base: str = "") -> tuple[int, str, str]:
    """Route ``path`` (under the UI's ``base`` prefix) to its page.

    >>> status, kind, body = render_path(AppStatusStore(), "/jobs/", {})
    >>> status, kind, "Spark Jobs" in body
    (200, 'text/html; charset=utf-8', True)
    >>> render_path(AppStatusStore(), "/nope/", {})[0]
    404
    """
    if path in ("", "/"):
        return 302, base + "/jobs/", ""
    if not path.endswith("/"):
        path += "/"
    handler = ROUTES.get(path)
    if handler is None:
        return 404, "text/plain; charset=utf-8", f"Not found: {path}"
    try:
        with store.lock:
            title, tab, body = handler(store, query, base)
            html = page(title, tab, body, app_name=store.app.get("app_name", ""), base=base,
                        refresh=REFRESH_SECONDS if store.is_running() else None)
    except (ValueError, KeyError) as e:   # a malformed query string, e.g. ?id=x
        return 400, "text/plain; charset=utf-8", f"Bad request: {e}"
    return 200, "text/html; charset=utf-8", html


class _Handler(BaseHTTPRequestHandler):
    server_version = "minispark-ui"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        parts = urlsplit(self.path)
        status, kind, body = self.server.app(parts.path, dict(parse_qsl(parts.query)))
        data = body.encode("utf-8")
        self.send_response(status)
        if status in (301, 302):
            self.send_header("Location", kind)
            data = b""
        else:
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a notebook's stderr is no place for access logs."""


def bind_server(app: App, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                max_retries: int = MAX_RETRIES) -> ThreadingHTTPServer:
    """A server for ``app`` on ``port``, or the next free one (port 0: any free port).

    >>> server = bind_server(lambda p, q: (200, "text/plain", "hi"), port=0)
    >>> server.server_address[1] > 0
    True
    >>> server.server_close()
    """
    error: OSError | None = None
    for attempt in range(max_retries + 1):
        try_port = port + attempt if port else 0
        try:
            server = ThreadingHTTPServer((host, try_port), _Handler)
        except OSError as e:   # EADDRINUSE: try the next port, as Spark does
            error = e
            continue
        server.daemon_threads = True
        server.app = app  # type: ignore[attr-defined]
        return server
    raise OSError(f"Could not bind the UI to {host}:{port}..{port + max_retries}: {error}")


class SparkUI:
    """A store's pages, served on a daemon thread until ``stop()``.

    >>> ui = SparkUI(AppStatusStore(), port=0).start()
    >>> import urllib.request
    >>> b"Spark Jobs" in urllib.request.urlopen(ui.url + "/jobs/").read()
    True
    >>> ui.stop()
    """

    def __init__(self, store: AppStatusStore, host: str = "127.0.0.1",
                 port: int = DEFAULT_PORT, max_retries: int = MAX_RETRIES) -> None:
        self.store = store
        self.server = bind_server(self._app, host, port, max_retries)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``: what ``sc.uiWebUrl`` returns.

        >>> ui = SparkUI(AppStatusStore(), port=0); ui.url.startswith("http://127.0.0.1:")
        True
        >>> ui.stop()
        """
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _app(self, path: str, query: dict) -> tuple[int, str, str]:
        return render_path(self.store, path, query)

    def start(self) -> SparkUI:
        """Serve on a daemon thread (it never keeps the program alive).

        >>> ui = SparkUI(AppStatusStore(), port=0).start(); ui.thread.daemon
        True
        >>> ui.stop()
        """
        self.thread = threading.Thread(target=self.server.serve_forever, name="minispark-ui",
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port.

        >>> ui = SparkUI(AppStatusStore(), port=0); ui.stop(); ui.stop()
        """
        if self.thread is not None:
            self.server.shutdown()
            self.thread.join(timeout=5)
            self.thread = None
        self.server.server_close()


class AppUI:
    """What a SparkContext starts: the store, its server and/or the event log."""

    def __init__(self, store: AppStatusStore, ui: SparkUI | None, log: Any) -> None:
        self.store, self.ui, self.log = store, ui, log

    @property
    def url(self) -> str | None:
        """The UI's URL, or None when only the event log is on.

        >>> AppUI(AppStatusStore(), None, None).url is None
        True
        """
        return self.ui.url if self.ui is not None else None

    def stop(self) -> None:
        """Stop the server and close the log (after ApplicationEnd was posted).

        >>> AppUI(AppStatusStore(), None, None).stop()
        """
        if self.ui is not None:
            self.ui.stop()
        if self.log is not None:
            self.log.close()


def start_app_ui(conf: Any, bus: Any, app_id: str, want_ui: bool, want_log: bool) -> AppUI:
    """Register the store and/or event log on ``bus``; start the server if ``want_ui``
    (its port: ``spark.ui.port``, else the next free one). See minispark.ui.attach.

    >>> from minispark import SparkConf
    >>> from minispark.scheduler.listener import ListenerBus
    >>> bus = ListenerBus()
    >>> app = start_app_ui(SparkConf().set("spark.ui.port", "0"), bus, "local-1", True, False)
    >>> app.url.startswith("http://127.0.0.1:"), bus.listeners == [app.store]
    (True, True)
    >>> app.stop()
    """
    store, ui, log = AppStatusStore(), None, None
    if want_log:
        from minispark.ui.eventlog import DEFAULT_DIR, EventLogWriter
        directory = conf.get("spark.eventLog.dir", DEFAULT_DIR)
        if directory.startswith("file:"):
            directory = directory[len("file:"):]
        log = EventLogWriter(directory, app_id)
        bus.add(log)
    if want_ui:
        try:
            ui = SparkUI(store, "127.0.0.1", int(conf.get("spark.ui.port", DEFAULT_PORT)),
                         int(conf.get("spark.port.maxRetries", MAX_RETRIES))).start()
            bus.add(store)
        except OSError as e:   # no free port: run the application without its UI
            print(f"minispark: the UI did not start: {e}", file=sys.stderr)
    return AppUI(store, ui, log)
