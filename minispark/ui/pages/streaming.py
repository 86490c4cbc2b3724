"""The Streaming tab: a StreamingContext's batches, delays and receivers, and one batch.

Mirrors Spark's ``StreamingTab``/``StreamingPage``, its batch table and
``BatchPage`` (streaming/src/main/scala/org/apache/spark/streaming/ui/): a batch's
page lists its output operations and the jobs each ran, linked to their pages. The data is
../streaming.py's StreamingUIListener, fed by StreamingListener events on the
StreamingContext's own bus. What to look for: processing time above the batch
interval makes scheduling delay (and the waiting queue) grow without end.
"""

from __future__ import annotations

import time
from typing import Any

from minispark.ui.model import percentiles
from minispark.ui.state import AppStatusStore
from minispark.ui.templates import Html, esc, fmt_duration, fmt_time, link, table, tag

__all__ = ["render_streaming", "render_batch", "bar_chart"]
BATCH_TIME_KEY = "spark.streaming.internal.batchTime"   # set on a batch's jobs
OUTPUT_OP_KEY = "spark.streaming.internal.outputOpId"

SHOWN_BATCHES = 100   # the charts and the completed-batch table show the latest ones


def bar_chart(values: list[float | None], unit: str, width: int = 420,
              height: int = 70) -> Html:
    """One bar per batch, oldest left (a timeline), as inline SVG.

    >>> svg = bar_chart([1, None, 3], "ms"); svg.count("<rect")
    2
    """
    shown = [v or 0 for v in values]
    top = max(shown, default=0) or 1
    step = width / max(1, len(shown))
    bars = "".join(
        f'<rect x="{i * step:.1f}" y="{height - v / top * (height - 12):.1f}" '
        f'width="{max(1.0, step - 1):.1f}" height="{v / top * (height - 12):.1f}" '
        f'fill="#6baed6"><title>{esc(f"{v:g} {unit}")}</title></rect>'
        for i, v in enumerate(shown) if values[i] is not None)
    return Html(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                f'class="timeline"><text x="2" y="10">max {esc(f"{top:g} {unit}")}</text>'
                f'{bars}</svg>')


def _ms(value: float | None) -> str:
    return "" if value is None else fmt_duration(value / 1000)


def render_streaming(store: AppStatusStore, query: dict[str, str], base: str) -> tuple:
    """Statistics, timelines with percentiles, receivers and batches; or a note when
    no StreamingContext reports to this UI.

    >>> render_streaming(AppStatusStore(), {}, "")[2][0]
    '<p class="muted">No StreamingContext is reporting to this UI.</p>'
    """
    model: Any = store.streaming
    if model is None:
        return "Streaming", "streaming", [
            tag("p", "No StreamingContext is reporting to this UI.", cls="muted")]
    batches = list(model.batches.values())
    done = [b for b in batches if b.end_ms is not None]
    recent = batches[-SHOWN_BATCHES:]
    interval = model.interval_ms()
    receivers = model.receivers
    facts: list[tuple[str, Any]] = [("Started at", _when(model.started_ms))]
    ended = store.app.get("end_time")
    if model.stopped_ms is None and ended and (model.started_ms or 0) > 1e12:
        # an application that ended without stopping its StreamingContext (an older
        # log): the stream stopped with it
        facts += [("Status", "stopped (with the application)"), ("Stopped at", _when(ended)),
                  ("Ran for", _ms(ended - model.started_ms))]
    elif model.stopped_ms is not None:   # never "Running for" once it stopped
        facts += [("Status", "stopped"), ("Stopped at", _when(model.stopped_ms)),
                  ("Ran for", _ms(model.stopped_ms - model.started_ms)
                   if model.started_ms is not None else "")]
    else:
        facts += [("Status", "running"),
                  ("Running for", fmt_duration(time.time() - model.started_ms / 1000)
                   if model.started_ms and model.started_ms > 1e12 else "")]
    facts += [
              ("Batch interval", _ms(interval)),
              ("Completed batches", model.processed()),
              ("Waiting batches", model.waiting()),
              ("Receivers", f"{sum(1 for r in receivers.values() if r['active'])} active / "
                            f"{len(receivers)}")]
    body: list[Any] = [table(["", ""], facts, id="streaming-facts")]
    secs = (interval or 1000) / 1000
    series = [("Input Rate", [b.records / secs for b in recent], "records/s",
               [b.records / secs for b in done]),
              ("Scheduling Delay", [b.scheduling_delay for b in recent], "ms",
               [b.scheduling_delay for b in done]),
              ("Processing Time", [b.processing_time for b in recent], "ms",
               [b.processing_time for b in done]),
              ("Total Delay", [b.total_delay for b in recent], "ms",
               [b.total_delay for b in done])]
    rows = []
    for name, values, unit, finished in series:
        qs = percentiles([v for v in finished if v is not None])
        show = (lambda v: f"{v:.1f}") if unit == "records/s" else _ms
        rows.append([f"{name} ({unit})", bar_chart(values, unit)] + [show(q) for q in qs]
                    + [""] * (5 - len(qs)))
    body += [tag("h3", f"Statistics over the last {len(recent)} batches"),
             table(["Metric", "Timeline", "Min", "25th percentile", "Median",
                    "75th percentile", "Max"], rows, numeric={2, 3, 4, 5, 6}, id="stats")]
    body += [tag("h3", f"Receivers ({len(receivers)})"),
             table(["Stream", "Receiver", "Status", "Last Error"],
                   [[sid, r["name"], "ACTIVE" if r["active"] else "INACTIVE", r["error"]]
                    for sid, r in sorted(receivers.items())], id="receivers")]
    active = [b for b in batches if b.end_ms is None]
    body += [tag("h3", f"Active Batches ({len(active)})"), _batch_table(active, "active", base)]
    body += [tag("h3", f"Completed Batches (last {min(len(done), SHOWN_BATCHES)} of "
                       f"{len(done)})"),
             _batch_table(list(reversed(done))[:SHOWN_BATCHES], "completed", base)]
    return "Streaming Statistics", "streaming", body


def _when(ms: int | None) -> str:
    """A batch time or event time: wall clock for a real clock, ms for a manual one."""
    if ms is None:
        return ""
    return fmt_time(ms / 1000) if ms > 1e12 else f"{ms} ms"


def _batch_table(batches: list[Any], id: str, base: str) -> Html:
    return table(["Batch Time", "Records", "Scheduling Delay", "Processing Time",
                  "Total Delay", "Output Ops: Succeeded/Total", "Failures"],
                 [[link(base, "/streaming/batch/", _when(b.time_ms), id=b.time_ms),
                   b.records, _ms(b.scheduling_delay), _ms(b.processing_time),
                   _ms(b.total_delay), f"{b.outputs_done - len(b.failures)}/{b.outputs}",
                   "; ".join(b.failures)] for b in batches], numeric={1, 2, 3, 4}, id=id)


def render_batch(store: AppStatusStore, query: dict[str, str], base: str) -> tuple:
    """One batch (Spark's BatchPage): its times and delays, then each output operation
    with the jobs it ran (found by the local properties the streaming scheduler sets).

    >>> render_batch(AppStatusStore(), {"id": "1000"}, "")[2]
    ['No batch at 1000 ms.']
    """
    batch_ms = int(query.get("id", -1))
    model: Any = store.streaming
    batch = model.batches.get(batch_ms) if model is not None else None
    if batch is None:
        return "Batch", "streaming", [f"No batch at {batch_ms} ms."]
    status = ("completed" if batch.end_ms is not None else
              "processing" if batch.start_ms is not None else "queued")
    facts = [("Batch time", _when(batch.time_ms)), ("Status", status),
             ("Batch duration", _ms(model.interval_ms())),
             ("Input data size", f"{batch.records} records"),
             ("Scheduling delay", _ms(batch.scheduling_delay)),
             ("Processing time", _ms(batch.processing_time)),
             ("Total delay", _ms(batch.total_delay))]
    jobs: dict[int, list[Any]] = {}
    for job in store.jobs.values():
        if job.properties.get(BATCH_TIME_KEY) == str(batch_ms):
            jobs.setdefault(int(job.properties.get(OUTPUT_OP_KEY, -1)), []).append(job)
    rows = []
    for op_id in sorted(set(batch.ops) | set(jobs)):
        op = batch.ops.get(op_id, {"name": "", "start_ms": None, "end_ms": None,
                                   "failure": None})
        duration = (op["end_ms"] - op["start_ms"]
                    if op["start_ms"] is not None and op["end_ms"] is not None else None)
        op_status = ("failed" if op["failure"] else "succeeded" if op["end_ms"] is not None
                     else "running")
        head = [op_id, op["name"], _ms(duration), tag("span", op_status, cls=op_status)]
        for job in jobs.get(op_id) or [None]:
            if job is None:
                rows.append(head + ["", "", "", op["failure"] or ""])
                continue
            end = job.completion_time
            rows.append(head + [link(base, "/jobs/job/", job.job_id, id=job.job_id),
                                fmt_duration(end - job.submission_time) if end else "",
                                f"{job.completed_tasks}/{job.num_tasks}",
                                job.error or op["failure"] or ""])
    body: list[Any] = [
        table(["", ""], facts, id="batch-facts"),
        tag("h3", f"Output Operations ({len({r[0] for r in rows})})"),
        table(["Output Op Id", "Description", "Output Op Duration", "Status", "Job Id",
               "Job Duration", "Tasks: Succeeded/Total", "Error"], rows,
              numeric={0}, id="output-ops")]
    return f"Details of batch at {_when(batch.time_ms)}", "streaming", body
