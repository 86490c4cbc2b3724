"""The Environment tab: the runtime and every configuration property of the application.

Mirrors Spark's ``EnvironmentTab``/``EnvironmentPage``
(core/src/main/scala/org/apache/spark/ui/env/), fed by the EnvironmentUpdate
event the SparkContext posts at start. As Spark does (``spark.redaction.regex``),
values whose key looks like a secret are shown as ``*********(redacted)``.
Next: streaming.py.
"""

from __future__ import annotations

import re
from typing import Any

from minispark.ui.state import AppStatusStore
from minispark.ui.templates import fmt_time, table, tag

__all__ = ["render_environment", "redact"]

REDACT = re.compile(r"(?i)secret|password|token|access[.]?key")


def redact(key: str, value: Any) -> str:
    """A property's value as the UI shows it: hidden when the key names a secret.

    >>> redact("spark.master", "local[2]"), redact("my.db.password", "hunter2")
    ('local[2]', '*********(redacted)')
    """
    return "*********(redacted)" if REDACT.search(key) else str(value)


def render_environment(store: AppStatusStore, query: dict[str, str], base: str) -> tuple:
    """Runtime information and the Spark properties, sorted by name.

    >>> render_environment(AppStatusStore(), {}, "")[:2]
    ('Environment', 'environment')
    """
    app = store.app
    runtime = [("Application", app.get("app_name", "")), ("Application Id", app.get("app_id", "")),
               ("Master", app.get("master", "")),
               ("Started", fmt_time((app.get("start_time") or 0) / 1000)),
               ("Ended", fmt_time((app.get("end_time") or 0) / 1000))]
    props = sorted(store.environment.items())
    body: list[Any] = [
        tag("h3", "Runtime Information"), table(["Name", "Value"], runtime, id="runtime"),
        tag("h3", f"Spark Properties ({len(props)})"),
        table(["Name", "Value"], [(k, redact(k, v)) for k, v in props], id="properties"),
    ]
    return "Environment", "environment", body
