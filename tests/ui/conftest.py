"""Fixtures for the UI tests: a live UI on the session's ``sc``, and a reader for pages.

``ui`` serves an AppStatusStore registered on the shared context (the UI code
under test, started directly, on any free port). ``web`` fetches pages and
reads their tables back into Python, no browser needed: ``web.tables(page)``
returns ``{table id: [row, ...]}``, each row a list of cells,
each cell ``(text, title)``: its visible text and the first ``title`` attribute
inside it (the exact byte count of a size cell). ``web.dag(page)`` reads the DAG
visualization's SVG back: which node is inside which stage's box.
"""

from __future__ import annotations

import re
import types
import urllib.request
import xml.etree.ElementTree as ET
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


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _box(rect) -> tuple[float, float, float, float]:
    return tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))


def dag(page: str) -> types.SimpleNamespace:
    """The page's DAG visualization, read from its SVG as XML:
    ``stages``: {stage id: {"status", "box", "title", "nodes"}}, each node a dict with
    ``rdd`` (its RDD id, None for a map side), ``text`` (its lines), ``title``, ``box``
    (x, y, w, h) and ``cached``; ``edges``: (class, from, to) of every edge, its ends
    written ``"<stage id>/<RDD id>"`` (``"<stage id>/write"`` for a map side)."""
    found = re.search(r'<svg[^>]*class="dag".*?</svg>', page, re.S)
    assert found, "no DAG visualization on the page"
    root = ET.fromstring(found.group(0))
    stages = {}
    for g in root.iter():
        if _local(g.tag) != "g" or g.get("class") != "stage":
            continue
        cluster = next(e for e in g.iter() if _local(e.tag) == "rect"
                       and e.get("class") == "cluster")
        nodes = []
        for n in g:
            if _local(n.tag) != "g" or not (n.get("class") or "").startswith("node"):
                continue
            parts = {_local(e.tag): e for e in n}
            nodes.append({"rdd": int(n.get("data-rdd-id")) if n.get("data-rdd-id") else None,
                          "text": [e.text for e in n if _local(e.tag) == "text"],
                          "title": parts["title"].text, "box": _box(parts["rect"]),
                          "cached": any(_local(e.tag) == "circle" for e in n)})
        title = next(e.text for e in g if _local(e.tag) == "title")
        stages[int(g.get("data-stage-id"))] = {"status": g.get("data-status"), "title": title,
                                               "box": _box(cluster), "nodes": nodes}
    edges = [(e.get("class"), e.get("data-from"), e.get("data-to")) for e in root.iter()
             if _local(e.tag) == "path" and (e.get("class") or "").startswith("edge")]
    return types.SimpleNamespace(stages=stages, edges=edges)


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives headless Chromium (run with -m browser)")


@pytest.fixture
def web():
    """fetch(url) -> str, tables(page) -> {id: rows}, exact_bytes(cell) -> int, dag(page)."""
    return types.SimpleNamespace(fetch=fetch, tables=tables, exact_bytes=exact_bytes, dag=dag)


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
