"""The live UI's pages against the listener's own record of the same jobs.

Every expected value comes from an EventCollector (the ``events`` fixture) or
from the job itself, never from the UI's code: the UI must agree with the
events it was built from.
"""

from __future__ import annotations

import threading
import time
from operator import add


def shuffle_job(sc):
    return sc.parallelize(range(200), 4).map(lambda x: (x % 7, 1)).reduceByKey(add, 3)


def expected_stages(events, job_id):
    """stage id -> (tasks run, shuffle read bytes, shuffle write bytes) from the events."""
    start = next(e for e in events.of_kind("JobStart") if e.data["job_id"] == job_id)
    found = {}
    for sid in start.data["stage_ids"]:
        metrics = events.task_metrics(sid)
        found[sid] = (len(metrics), sum(m.shuffle_read_bytes for m in metrics),
                      sum(m.shuffle_write_bytes for m in metrics))
    return found


def test_shuffle_job_shows_two_stages_matching_the_listener(sc, ui, events, web):
    assert sorted(shuffle_job(sc).collect()) == [(k, len(range(k, 200, 7))) for k in range(7)]
    job_id = events.of_kind("JobStart")[-1].data["job_id"]
    expected = expected_stages(events, job_id)
    assert len(expected) == 2 and sorted(n for n, _, _ in expected.values()) == [3, 4]

    rows = web.tables(web.fetch(f"{ui.url}/jobs/job/?id={job_id}"))["stages"]
    shown = {}
    for row in rows:
        done, total = row[6][0].split("/")
        read = web.exact_bytes(row[8]) if row[8][0] else 0
        write = web.exact_bytes(row[9]) if row[9][0] else 0
        assert done == total
        shown[int(row[0][0])] = (int(total), read, write)
    assert shown == expected
    writes = [w for _, _, w in expected.values()]
    reads = [r for _, r, _ in expected.values()]
    assert max(writes) > 0 and max(reads) == max(writes)   # what is written is read

    jobs = web.tables(web.fetch(f"{ui.url}/jobs/"))["jobs"]
    mine = next(r for r in jobs if r[0][0] == str(job_id))
    assert mine[2][0] == "succeeded" and mine[5][0] == "2/2" and mine[6][0] == "7/7"


def test_stage_page_summary_executors_and_tasks(sc, ui, events, web):
    shuffle_job(sc).count()
    stage = events.stages()[0]   # the map stage
    ends = [e for e in events.of_kind("TaskEnd") if e.data["stage_id"] == stage.stage_id]
    page = web.fetch(f"{ui.url}/stages/stage/?id={stage.stage_id}&attempt={stage.attempt_id}")
    assert f"Summary Metrics for {len(ends)} Completed Tasks" in page
    found = web.tables(page)
    summary = {row[0][0]: [c[0] for c in row[1:]] for row in found["summary"]}
    for metric in ("Duration", "Scheduler Delay", "Task Deserialization Time",
                   "Result Serialization Time", "Peak Execution Memory", "Shuffle Write Size"):
        assert len(summary[metric]) == 5, metric
    per_executor = {row[0][0]: int(row[2][0]) for row in found["executors"]}
    expected_exec: dict[str, int] = {}
    for e in ends:
        eid = e.data["task_info"].executor_id
        expected_exec[eid] = expected_exec.get(eid, 0) + 1
    assert per_executor == expected_exec
    tasks = found["tasks"]
    assert sorted(int(r[1][0]) for r in tasks) == sorted(e.data["task_info"].task_id
                                                        for e in ends)
    assert {r[4][0] for r in tasks} == {e.data["task_info"].locality for e in ends}
    by_write = web.tables(web.fetch(f"{ui.url}/stages/stage/?id={stage.stage_id}"
                                    "&sort=duration"))["tasks"]
    assert len(by_write) == len(ends)


def test_cached_rdd_appears_in_storage_with_its_partitions(sc, ui, events, web):
    rdd = sc.parallelize(range(400), 4).setName("cached numbers").cache()
    assert rdd.count() == 400
    updates = [e.data for e in events.of_kind("BlockUpdated")
               if e.data["block_id"].startswith(f"rdd_{rdd.id()}_")]
    assert len(updates) == 4
    rows = web.tables(web.fetch(f"{ui.url}/storage/"))["rdds"]
    row = next(r for r in rows if r[0][0] == str(rdd.id()))
    assert row[1][0] == "cached numbers" and row[3][0] == "4"
    assert web.exact_bytes(row[4]) == sum(u["memory_size"] for u in updates)
    blocks = web.tables(web.fetch(f"{ui.url}/storage/rdd/?id={rdd.id()}"))["blocks"]
    assert [b[0][0] for b in blocks] == [f"rdd_{rdd.id()}_{p}" for p in range(4)]
    assert {b[4][0] for b in blocks} == {u["executor_id"] for u in updates}
    rdd.unpersist()
    rows = web.tables(web.fetch(f"{ui.url}/storage/"))["rdds"]
    assert all(r[0][0] != str(rdd.id()) for r in rows)


def test_user_strings_render_as_text(sc, ui, events, web):
    evil = "<script>alert(1)</script>"
    rdd = sc.parallelize(range(10), 2).setName(evil).cache()
    sc.setJobDescription('<img src=x onerror="alert(2)">')
    try:
        rdd.count()
    finally:
        sc.setJobDescription(None)
    start = events.of_kind("JobStart")[-1].data
    for path in ("/storage/", f"/storage/rdd/?id={rdd.id()}", "/jobs/", "/stages/",
                 f"/jobs/job/?id={start['job_id']}",                # the DAG shows the name
                 f"/stages/stage/?id={start['stage_ids'][0]}"):
        page = web.fetch(ui.url + path)
        assert "<script>" not in page and "<img" not in page, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in web.fetch(ui.url + "/storage/")
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in web.fetch(ui.url + "/jobs/")
    rdd.unpersist()


def test_pages_refresh_while_a_job_runs(sc, ui, web):
    def slow(x):
        time.sleep(1.5)
        return x

    runner = threading.Thread(target=lambda: sc.parallelize([1], 1).map(slow).collect())
    runner.start()
    deadline, seen = time.monotonic() + 10, None
    while time.monotonic() < deadline and runner.is_alive():
        page = web.fetch(ui.url + "/jobs/")
        if "Active Jobs (1)" in page:
            seen = page
            break
        time.sleep(0.05)
    runner.join()
    assert seen is not None and 'http-equiv="refresh"' in seen
    assert 'http-equiv="refresh"' not in web.fetch(ui.url + "/jobs/")


def test_every_tab_answers_and_bad_requests_do_not(sc, ui, web):
    sc.parallelize(range(4), 2).count()
    for tab in ("jobs", "stages", "storage", "environment", "executors", "streaming"):
        assert "minispark" in web.fetch(f"{ui.url}/{tab}/")
    executors = web.tables(web.fetch(ui.url + "/executors/"))["executors"]
    assert executors and all(r[0][0].startswith("worker-") for r in executors)
    import urllib.error

    import pytest
    for path, code in (("/stages/stage/?id=x", 400), ("/nowhere/", 404)):
        with pytest.raises(urllib.error.HTTPError) as err:
            web.fetch(ui.url + path)
        assert err.value.code == code


def test_failed_job_and_its_failed_tasks(sc, ui, events, web):
    import pytest

    def boom(x):
        raise ValueError(f"bad record {x}")

    with pytest.raises(Exception, match="bad record"):
        sc.parallelize([1, 2, 3, 4], 2).map(boom).collect()
    job_id = events.of_kind("JobEnd")[-1].data["job_id"]
    failed = [e for e in events.of_kind("TaskEnd") if e.data["reason"] != "Success"]
    assert failed
    found = web.tables(web.fetch(ui.url + "/jobs/"))
    row = next(r for r in found["jobs"] if r[0][0] == str(job_id))
    assert row[2][0] == "failed" and f"({len(failed)} failed)" in row[6][0]
    stage_id = failed[0].data["stage_id"]
    page = web.fetch(f"{ui.url}/stages/stage/?id={stage_id}")
    tasks = web.tables(page)["tasks"]
    assert sum(1 for t in tasks if t[3][0] == "FAILED") == len(failed)
    assert any("bad record" in t[16][0] for t in tasks)
    failed_stages = web.tables(web.fetch(ui.url + "/stages/"))["failed-stages"]
    row = next(r for r in failed_stages if r[0][0] == str(stage_id))
    assert row[3][0] == "failed" and "bad record" in row[10][0]
