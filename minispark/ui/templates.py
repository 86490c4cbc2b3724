"""HTML building blocks shared by every page: layout, tables, formats.

Mirrors Spark's ``UIUtils`` (core/src/main/scala/org/apache/spark/ui/UIUtils.scala),
which gives every tab the same header, tables and number formats. Read this
after state.py; next, dagviz.py draws the DAG, and pages/jobs.py shows a page
built from these pieces.

Safety rule: text is escaped by default. Everything passed to ``table`` or
``page`` is HTML-escaped unless it is an ``Html`` value, which only code in
this package creates (with ``tag`` or ``link``, which escape their own
contents). So a user's app name, job description or RDD name, even
``<script>alert(1)</script>``, can only ever render as text.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

__all__ = ["Html", "esc", "tag", "link", "table", "page", "fmt_bytes", "fmt_duration",
           "fmt_time", "bytes_cell"]

TABS = [("jobs", "Jobs"), ("stages", "Stages"), ("storage", "Storage"),
        ("environment", "Environment"), ("executors", "Executors"),
        ("streaming", "Streaming")]

STYLE = """
body{font-family:-apple-system,Helvetica,Arial,sans-serif;font-size:14px;margin:0;color:#222}
nav{background:#f0f0f0;border-bottom:1px solid #ccc;padding:6px 12px}
nav b{margin-right:18px;color:#e25a1c} nav a{margin-right:14px;color:#0366d6;text-decoration:none}
nav a.active{font-weight:bold;color:#222} nav span{float:right;color:#555}
main{padding:8px 16px} h3{margin:18px 0 6px}
table{border-collapse:collapse;margin-bottom:12px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f6f6} tr:nth-child(even) td{background:#fbfbfb}
td.num{text-align:right} .bar{background:#d6e9f8;min-width:120px}
.FAILED,.failed{color:#b00} .RUNNING,.ACTIVE{color:#06c} .muted{color:#888}
svg text{font-size:12px;font-family:inherit} svg.dag text{font-size:11px}
svg.dag .node:hover rect{stroke:#e25a1c}
"""


class Html(str):
    """A string that is already HTML: inserted as is, never escaped again.

    >>> esc(Html("<b>ok</b>")), esc("<b>no</b>")
    ('<b>ok</b>', '&lt;b&gt;no&lt;/b&gt;')
    """


def esc(value: Any) -> Html:
    """``value`` as HTML: escaped text, unless it already is ``Html``.

    >>> esc("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    >>> esc(None)
    ''
    """
    if isinstance(value, Html):
        return value
    return Html("" if value is None else html.escape(str(value), quote=True))


def tag(name: str, *children: Any, **attrs: Any) -> Html:
    """An element whose children and attribute values are escaped (``cls`` is class).

    >>> tag("td", "a<b", cls="num")
    '<td class="num">a&lt;b</td>'
    """
    attr_text = "".join(f' {"class" if k == "cls" else k}="{esc(v)}"'
                        for k, v in attrs.items() if v is not None)
    return Html(f"<{name}{attr_text}>" + "".join(esc(c) for c in children) + f"</{name}>")


def link(base: str, path: str, text: Any, **query: Any) -> Html:
    """A link inside the UI (``base`` is the UI's prefix, '' or /history/<app>).

    >>> link("", "/stages/stage/", "Stage <1>", id=1, attempt=0)
    '<a href="/stages/stage/?id=1&amp;attempt=0">Stage &lt;1&gt;</a>'
    """
    href = base + path + ("?" + urlencode(query) if query else "")
    return tag("a", text, href=href)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: set[int] = frozenset(),
          id: str | None = None) -> Html:
    """A table; each cell escaped unless Html; columns in ``numeric`` right-aligned;
    no header row when every header is empty (a list of facts).

    >>> table(["RDD"], [["<i>x</i>"]])
    '<table><tr><th>RDD</th></tr><tr><td>&lt;i&gt;x&lt;/i&gt;</td></tr></table>'
    """
    head = "<tr>" + "".join(tag("th", h) for h in headers) + "</tr>" if any(headers) else ""
    body = "".join(
        "<tr>" + "".join(tag("td", c, cls="num" if i in numeric else None)
                         for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    return Html(f'<table{f" id={esc(id)!r}" if id else ""}>{head}{body}</table>')


def page(title: str, active: str, body: Sequence[Any], *, app_name: str = "", base: str = "",
         refresh: int | None = None) -> Html:
    """A whole page: the tabs, a title and the body parts; it reloads every ``refresh``
    seconds (a meta refresh: no JavaScript) while jobs run.

    >>> html_text = page("Jobs", "jobs", ["<hi>"], app_name="a&b", refresh=2)
    >>> '<meta http-equiv="refresh" content="2">' in html_text, "a&amp;b" in html_text
    (True, True)
    >>> "&lt;hi&gt;" in html_text
    True
    """
    tabs = "".join(Html(f'<a href="{esc(base)}/{key}/"'
                        + (' class="active"' if key == active else "") + f">{esc(label)}</a>")
                   for key, label in TABS)
    meta = f'<meta http-equiv="refresh" content="{int(refresh)}">' if refresh else ""
    return Html(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">" + meta
        + f"<title>{esc(app_name)} - {esc(title)}</title><style>{STYLE}</style></head><body>"
        + f"<nav><b>minispark</b>{tabs}<span>{esc(app_name)} application UI</span></nav>"
        + f"<main><h2>{esc(title)}</h2>" + "".join(esc(part) for part in body)
        + "</main></body></html>")


def fmt_bytes(n: float | None) -> str:
    """Bytes as Spark's UI shows them.

    >>> fmt_bytes(0), fmt_bytes(1536), fmt_bytes(3 * 1024 ** 2)
    ('0.0 B', '1.5 KiB', '3.0 MiB')
    """
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"  # pragma: no cover


def bytes_cell(n: int | None, records: int | None = None) -> Html:
    """Bytes (and records) for a table cell, the exact count in its tooltip.

    >>> bytes_cell(2048, 7)
    '<span title="2048 bytes">2.0 KiB / 7</span>'
    """
    text = fmt_bytes(n) + (f" / {records}" if records is not None else "")
    return tag("span", text, title=f"{int(n or 0)} bytes")


def fmt_duration(seconds: float | None) -> str:
    """A duration: ms below a second, then s, min, h.

    >>> fmt_duration(0.0123), fmt_duration(4.2), fmt_duration(150), fmt_duration(None)
    ('12 ms', '4.2 s', '2.5 min', '')
    """
    if seconds is None:
        return ""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def fmt_time(epoch: float | None) -> str:
    """A wall-clock time, as the UI's "Submitted" columns show it.

    >>> fmt_time(None)
    ''
    >>> len(fmt_time(1e9))
    19
    """
    if not epoch:
        return ""
    return time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(epoch))
