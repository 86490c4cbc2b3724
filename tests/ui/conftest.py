"""Fixtures for the UI tests: a live UI on the session's ``sc``, and a reader for pages.

``ui`` serves an AppStatusStore registered on the shared context (the UI code
under test, started directly, on any free port). ``web`` fetches pages and
reads their tables back into Python, no browser needed: ``web.tables(page)``
returns ``{table id: [row, ...]}``, each row a list of cells,
each cell ``(text, title)``: its visible text and the first ``title`` attribute
inside it (the exact byte count of a size cell).
"""

from __future__ import annotations

import types
import urllib.request
from html.parser import HTMLParser

import pytest


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[tuple[str, str | None]]]] = {}
        self.current: list | None = None
        self.row: list | None = None
        self.cell: list | None = None
        self.title: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "table":
            self.current = self.tables.setdefault(attrs.get("id") or f"t{len(self.tables)}", [])
        elif tag == "tr" and self.current is not None:
            self.row = []
        elif tag == "td" and self.row is not None:
            self.cell, self.title = [], None
        elif self.cell is not None and "title" in attrs and self.title is None:
            self.title = attrs["title"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None and self.row is not None:
            self.row.append(("".join(self.cell).strip(), self.title))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.row:
                self.current.append(self.row)
            self.row = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def tables(page: str) -> dict[str, list[list[tuple[str, str | None]]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        return response.read().decode("utf-8")


def exact_bytes(cell: tuple[str, str | None]) -> int:
    """The exact byte count of a size cell (its tooltip says "<n> bytes")."""
    title = cell[1]
    assert title is not None and title.endswith(" bytes"), cell
    return int(title.split()[0])


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives headless Chromium (run with -m browser)")


@pytest.fixture
def web():
    """fetch(url) -> str, tables(page) -> {id: rows}, exact_bytes(cell) -> int."""
    return types.SimpleNamespace(fetch=fetch, tables=tables, exact_bytes=exact_bytes)


@pytest.fixture
def ui(sc):
    """A SparkUI over a fresh AppStatusStore listening to ``sc`` (removed afterwards)."""
    from minispark.ui.server import SparkUI
    from minispark.ui.state import AppStatusStore

    store = AppStatusStore()
    sc.addSparkListener(store)
    server = SparkUI(store, port=0).start()
    yield server
    sc.removeSparkListener(store)
    server.stop()
