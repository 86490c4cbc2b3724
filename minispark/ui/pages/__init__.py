"""The UI's tabs, one module each; every page is a function of the store.

Mirrors Spark's ``WebUITab``/``WebUIPage`` classes (core/src/main/scala/org/apache/spark/ui/),
one per tab: jobs/, stages/, storage/, env/, exec/. Each ``render_*`` here takes
the AppStatusStore (already locked by the server), the query string and the
URL prefix, and returns ``(title, tab, body parts)``; server.py wraps them in
the common layout. Start with jobs.py.
"""

from __future__ import annotations

from minispark.ui.pages.environment import render_environment
from minispark.ui.pages.executors import render_executors
from minispark.ui.pages.jobs import render_job, render_jobs
from minispark.ui.pages.stages import render_stage, render_stages
from minispark.ui.pages.storage import render_rdd, render_storage
from minispark.ui.pages.streaming import render_batch, render_streaming

__all__ = ["ROUTES"]

# path under the UI's prefix -> page function
ROUTES = {
    "/jobs/": render_jobs, "/jobs/job/": render_job,
    "/stages/": render_stages, "/stages/stage/": render_stage,
    "/storage/": render_storage, "/storage/rdd/": render_rdd,
    "/environment/": render_environment, "/executors/": render_executors,
    "/streaming/": render_streaming, "/streaming/batch/": render_batch,
}
