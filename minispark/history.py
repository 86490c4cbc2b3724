"""The history server: the UI of applications that have finished, from their event logs.

Mirrors Spark's ``HistoryServer`` and ``FsHistoryProvider``
(core/src/main/scala/org/apache/spark/deploy/history/), started with
``sbin/start-history-server.sh`` on port 18080. Run an application with
``spark.eventLog.enabled=true`` (logs go to ``spark.eventLog.dir``, default
/tmp/spark-events), then::

    python -m minispark.history /tmp/spark-events        # http://127.0.0.1:18080

The index lists every log in the directory (running ones end in
``.inprogress``); each application's pages are the live UI's pages, rendered
from an AppStatusStore that replayed the log: one source of truth, the events.
A log is replayed again only when its file changed. Read ui/eventlog.py first.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path
from typing import Any

from minispark.ui.eventlog import IN_PROGRESS, read_event_log, replay
from minispark.ui.server import SparkUI, bind_server, render_path
from minispark.ui.state import AppStatusStore
from minispark.ui.templates import fmt_duration, fmt_time, link, page, table, tag

__all__ = ["HistoryServer", "main"]

DEFAULT_PORT = 18080


class HistoryServer:
    """Serves every event log in ``directory``: an index, and each app under
    ``/history/<app id>/``.

    >>> import tempfile, urllib.request
    >>> hs = HistoryServer(tempfile.mkdtemp(), port=0).start()
    >>> b"Event logs in" in urllib.request.urlopen(hs.url + "/").read()
    True
    >>> hs.stop()
    """

    def __init__(self, directory: str | Path, host: str = "127.0.0.1",
                 port: int = DEFAULT_PORT) -> None:
        self.directory = Path(directory)
        self._cache: dict[str, tuple[tuple[int, float], AppStatusStore]] = {}
        self._lock = threading.Lock()
        self.server = bind_server(self._app, host, port)
        self.thread: threading.Thread | None = None

    # Serving is the same as a live UI's: the same url, start and stop.
    url = SparkUI.url
    start = SparkUI.start
    stop = SparkUI.stop

    def logs(self) -> dict[str, Path]:
        """App id -> log file, for every event log in the directory.

        >>> import tempfile; d = tempfile.mkdtemp()
        >>> _ = open(os.path.join(d, "local-1.inprogress"), "w")
        >>> hs = HistoryServer(d, port=0); sorted(hs.logs()); hs.stop()
        ['local-1']
        """
        found = {}
        if self.directory.is_dir():
            for path in sorted(self.directory.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    found[path.name.removesuffix(IN_PROGRESS)] = path
        return found

    def store(self, app_id: str) -> AppStatusStore | None:
        """The replayed store of one application (cached until its log changes).

        >>> import tempfile; hs = HistoryServer(tempfile.mkdtemp(), port=0)
        >>> hs.store("local-0") is None; hs.stop()
        True
        """
        path = self.logs().get(app_id)
        if path is None:
            return None
        stat = path.stat()
        key = (stat.st_size, stat.st_mtime)
        with self._lock:
            cached = self._cache.get(app_id)
            if cached is None or cached[0] != key:
                cached = self._cache[app_id] = (key, replay(read_event_log(path)))
            return cached[1]

    def _app(self, path: str, query: dict) -> tuple[int, str, str]:
        if path in ("", "/"):
            return 200, "text/html; charset=utf-8", self._index()
        parts = path.split("/", 3)   # "", "history", app id, rest
        if len(parts) >= 3 and parts[1] == "history":
            store = self.store(parts[2])
            if store is not None:
                return render_path(store, "/" + (parts[3] if len(parts) > 3 else ""), query,
                                   base=f"/history/{parts[2]}")
        return 404, "text/plain; charset=utf-8", f"Not found: {path}"

    def _index(self) -> str:
        rows = []
        for app_id, path in self.logs().items():
            store = self.store(app_id)
            app: dict[str, Any] = store.app if store is not None else {}
            start, end = (app.get("start_time") or 0) / 1000, (app.get("end_time") or 0) / 1000
            rows.append([link(f"/history/{app_id}", "/jobs/", app_id),
                         app.get("app_name", ""), fmt_time(start), fmt_time(end),
                         fmt_duration(end - start) if end else "",
                         "running" if path.name.endswith(IN_PROGRESS) else "completed",
                         len(store.jobs) if store is not None else 0])
        body = [tag("p", f"Event logs in {self.directory}"),
                table(["App ID", "App Name", "Started", "Completed", "Duration", "Status",
                       "Jobs"], rows, numeric={6}, id="apps")]
        return page("History Server", "", body, app_name="History Server")


def main(argv: list[str] | None = None) -> int:
    """``python -m minispark.history DIR [--port N]``: serve until Ctrl-C.

    >>> main(["/nonexistent-dir-for-doctest"])
    2
    """
    parser = argparse.ArgumentParser(prog="python -m minispark.history",
                                     description="Serve finished minispark applications' UIs "
                                                 "from their event logs.")
    parser.add_argument("directory", help="spark.eventLog.dir of the applications")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"first port to try (default {DEFAULT_PORT}; taken: the next)")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.directory):
        print(f"no such directory: {args.directory}", file=sys.stderr)
        return 2
    server = HistoryServer(args.directory, port=args.port).start()
    print(f"History server for {args.directory} at {server.url}/  (Ctrl-C stops it)",
          flush=True)
    try:
        server.thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
