"""The Jobs tab: every job with its status, stages, tasks and duration, and one job's
DAG visualization.

Mirrors Spark's ``JobsTab``, ``AllJobsPage`` and ``JobPage``
(core/src/main/scala/org/apache/spark/ui/jobs/). An action is a job; its
stages are separated by shuffles. The DAG (../dagviz.py) draws each stage as a
box holding its RDD operations, and arrows across the shuffle boundaries: a
stage whose shuffle output already existed is "skipped" (grey). Next: stages.py.
"""

from __future__ import annotations

from typing import Any

from minispark.ui.dagviz import dag_legend, dag_svg
from minispark.ui.pages.stages import stage_table
from minispark.ui.state import AppStatusStore, JobRow
from minispark.ui.templates import (
    Html,
    fmt_duration,
    fmt_time,
    link,
    table,
    tag,
)

__all__ = ["render_jobs", "render_job"]


def job_stage_status(store: AppStatusStore, job: JobRow) -> dict[int, str]:
    """Each of a job's stages as this job saw it: run here, or skipped.

    >>> job_stage_status(AppStatusStore(), JobRow(0, "", [0], 0.0, status="SUCCEEDED"))
    {0: 'SKIPPED'}
    """
    status = {}
    for sid in job.stage_ids:
        stage = store.stage(sid)
        if sid in job.submitted_stages and stage is not None:
            status[sid] = stage.status
        else:
            status[sid] = "PENDING" if job.status == "RUNNING" else "SKIPPED"
    return status


def _job_rows(store: AppStatusStore, jobs: list[JobRow], base: str) -> Html:
    rows = []
    for job in jobs:
        status = job_stage_status(store, job)
        done = sum(1 for s in status.values() if s == "COMPLETE")
        skipped = sum(1 for s in status.values() if s == "SKIPPED")
        end = job.completion_time
        duration = (end or 0) - job.submission_time if end else None
        stages = f"{done}/{len(status) - skipped}" + (f" ({skipped} skipped)" if skipped else "")
        tasks = f"{job.completed_tasks}/{job.num_tasks}" + (
            f" ({job.failed_tasks} failed)" if job.failed_tasks else "")
        rows.append([job.job_id, link(base, "/jobs/job/", job.description or "(no description)",
                                      id=job.job_id),
                     tag("span", job.status.lower(), cls=job.status),
                     fmt_time(job.submission_time), fmt_duration(duration), stages, tasks,
                     job.group or ""])
    return table(["Job Id", "Description", "Status", "Submitted", "Duration",
                  "Stages: Succeeded/Total", "Tasks (for all stages): Succeeded/Total",
                  "Job Group"], rows, numeric={0}, id="jobs")


def render_jobs(store: AppStatusStore, query: dict[str, str], base: str) -> tuple:
    """The application's jobs, running first, newest first (Spark's AllJobsPage).

    >>> render_jobs(AppStatusStore(), {}, "")[:2]
    ('Spark Jobs', 'jobs')
    """
    jobs = list(reversed(store.jobs.values()))
    app = store.app
    facts: list[Any] = [("Application", app.get("app_name", "")),
                        ("Application Id", app.get("app_id", "")),
                        ("Master", app.get("master", "")),
                        ("Started", fmt_time((app.get("start_time") or 0) / 1000)),
                        ("Status", "finished" if app.get("end_time") else "running")]
    body: list[Any] = [table(["", ""], facts, id="app")]
    for status, heading in [("RUNNING", "Active Jobs"), ("SUCCEEDED", "Completed Jobs"),
                            ("FAILED", "Failed Jobs")]:
        chosen = [j for j in jobs if j.status == status]
        if chosen or status == "SUCCEEDED":
            body += [tag("h3", f"{heading} ({len(chosen)})"), _job_rows(store, chosen, base)]
    return "Spark Jobs", "jobs", body


def render_job(store: AppStatusStore, query: dict[str, str], base: str) -> tuple:
    """One job: its status, its DAG (stages holding their RDDs) and its stages (Spark's JobPage).

    >>> render_job(AppStatusStore(), {"id": "3"}, "")[2]
    ['No job 3.']
    """
    job_id = int(query.get("id", -1))
    job = store.jobs.get(job_id)
    if job is None:
        return "Job", "jobs", [f"No job {job_id}."]
    status = job_stage_status(store, job)
    end = job.completion_time
    facts = [("Description", job.description), ("Status", job.status.lower()),
             ("Submitted", fmt_time(job.submission_time)),
             ("Duration", fmt_duration((end or 0) - job.submission_time) if end else ""),
             ("Job Group", job.group or ""), ("Error", job.error or "")]
    body: list[Any] = [table(["", ""], facts, id="job"),
                       tag("h3", "DAG Visualization"),
                       dag_svg(job.plans, status, base, cached_ids=store.rdds), dag_legend()]
    ran = [store.stage(sid) for sid in job.stage_ids
           if sid in job.submitted_stages and store.stage(sid) is not None]
    body += [tag("h3", f"Stages run by this job ({len(ran)})"),
             stage_table([s for s in ran if s is not None], base)]
    skipped = [sid for sid, s in status.items() if s == "SKIPPED"]
    if skipped:
        body.append(tag("p", f"Skipped stages (their shuffle output already existed): "
                             f"{', '.join(map(str, skipped))}", cls="muted"))
    return f"Details for Job {job.job_id}", "jobs", body
