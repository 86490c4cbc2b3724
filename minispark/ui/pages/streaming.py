"""The Streaming tab (a hook for now): shown when a StreamingContext reports to the UI.

Mirrors Spark's ``StreamingTab``/``StreamingPage``
(streaming/src/main/scala/org/apache/spark/streaming/ui/). Its data comes
from StreamingListener events (minispark/streaming/listener.py), which are
posted on the StreamingContext's own bus, not the SparkContext's. To light
this tab up, a streaming model registers itself as ``store.streaming``: an
object with a ``render(base) -> list`` method returning the page's parts
(statistics, batch table). Until then the page says so.
"""

from __future__ import annotations

from typing import Any

from minispark.ui.state import AppStatusStore
from minispark.ui.templates import tag

__all__ = ["render_streaming"]


def render_streaming(store: AppStatusStore, query: dict[str, str], base: str) -> tuple:
    """The streaming statistics, or a note when no StreamingContext reports here.

    >>> render_streaming(AppStatusStore(), {}, "")[2][0]
    '<p class="muted">No StreamingContext is reporting to this UI.</p>'
    """
    model: Any = store.streaming
    if model is None:
        return "Streaming", "streaming", [
            tag("p", "No StreamingContext is reporting to this UI.", cls="muted")]
    return "Streaming Statistics", "streaming", list(model.render(base))
