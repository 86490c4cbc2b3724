"""The DAG visualization (minispark/ui/dagviz.py) as a student reads it: each stage a box
holding its RDD operations in lineage order, the shuffle between them, skipped stages
grey, cached RDDs marked; the same from a replayed event log.

Expected values come from the job itself (the RDDs' own ids) and from the listener's
record (an EventCollector), never from the UI's code. The SVG is read back as XML:
which node sits inside which stage's group, and inside its box.
"""

from __future__ import annotations

from operator import add


def word_count(sc, tmp_path):
    """textFile -> flatMap -> map -> reduceByKey, and the RDDs, by name."""
    path = tmp_path / "words.txt"
    path.write_text("to be or not to be\nthat is the question\n" * 20)
    lines = sc.textFile(str(path), 2)
    words = lines.flatMap(lambda line: line.split())
    pairs = words.map(lambda w: (w, 1))
    counts = pairs.reduceByKey(add)
    return {"textFile": lines, "flatMap": words, "map": pairs, "reduceByKey": counts}


def inside(inner: tuple, outer: tuple) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh


def job_stages(events, job_id: int) -> tuple[int, int]:
    """(map stage id, result stage id) of a two-stage job, from its JobStart event."""
    start = next(e for e in events.of_kind("JobStart") if e.data["job_id"] == job_id)
    kinds = {i.stage_id: i.kind for i in start.data["stage_infos"]}
    assert sorted(kinds.values()) == ["ResultStage", "ShuffleMapStage"]
    return (next(s for s, k in kinds.items() if k == "ShuffleMapStage"),
            next(s for s, k in kinds.items() if k == "ResultStage"))


def check_word_count_dag(graph, rdds, map_stage: int, result_stage: int) -> None:
    assert set(graph.stages) == {map_stage, result_stage}
    m, r = graph.stages[map_stage], graph.stages[result_stage]
    # which RDD is inside which stage's group (the map side has no RDD id)
    assert [n["rdd"] for n in m["nodes"] if n["rdd"] is not None] and \
        {n["rdd"] for n in m["nodes"]} == {rdds[k].id() for k in ("textFile", "flatMap", "map")
                                           } | {None}
    assert [n["rdd"] for n in r["nodes"]] == [rdds["reduceByKey"].id()]
    # ... and inside its box, drawn, not only nested
    for stage in (m, r):
        assert all(inside(n["box"], stage["box"]) for n in stage["nodes"])
    assert not any(inside(n["box"], r["box"]) for n in m["nodes"])
    # lineage order, top to bottom: textFile, flatMap, map, then the map side of reduceByKey
    by_rdd = {n["rdd"]: n for n in m["nodes"]}
    tops = [by_rdd[rdds[k].id()]["box"][1] for k in ("textFile", "flatMap", "map")]
    tops.append(by_rdd[None]["box"][1])
    assert tops == sorted(tops) and len(set(tops)) == 4
    # each node names its operation, and its RDD by id; the call site is in its tooltip
    for op, rdd in rdds.items():
        node = next(n for s in (m, r) for n in s["nodes"] if n["rdd"] == rdd.id())
        assert node["text"][0] == op and node["text"][1].endswith(f"[{rdd.id()}]")
        assert rdd.creation_site in node["title"]
    assert by_rdd[None]["text"][0] == "reduceByKey (map side)"
    # 3 lineage edges in the map stage (the map side included), 1 across the shuffle
    ids = [rdds[k].id() for k in ("textFile", "flatMap", "map")]
    chain = [f"{map_stage}/{i}" for i in ids] + [f"{map_stage}/write"]
    reader = f"{result_stage}/{rdds['reduceByKey'].id()}"
    assert sorted(graph.edges) == sorted(
        [("edge", a, b) for a, b in zip(chain, chain[1:], strict=False)]
        + [("edge shuffle", chain[-1], reader)])


def test_word_count_operations_sit_inside_their_stages(sc, ui, events, web, tmp_path):
    rdds = word_count(sc, tmp_path)
    assert dict(rdds["reduceByKey"].collect())["be"] == 40
    job_id = events.of_kind("JobStart")[-1].data["job_id"]
    map_stage, result_stage = job_stages(events, job_id)
    graph = web.dag(web.fetch(f"{ui.url}/jobs/job/?id={job_id}"))
    check_word_count_dag(graph, rdds, map_stage, result_stage)
    assert graph.stages[map_stage]["status"] == graph.stages[result_stage]["status"] == \
        "complete"

    # A stage's page draws its own stage only.
    own = web.dag(web.fetch(f"{ui.url}/stages/stage/?id={map_stage}"))
    assert list(own.stages) == [map_stage]
    assert {n["rdd"] for n in own.stages[map_stage]["nodes"]} == {
        rdds[k].id() for k in ("textFile", "flatMap", "map")} | {None}
    assert any(n["text"][0] == "reduceByKey (map side)"
               for n in own.stages[map_stage]["nodes"])
    result = web.dag(web.fetch(f"{ui.url}/stages/stage/?id={result_stage}"))
    assert [n["rdd"] for n in result.stages[result_stage]["nodes"]] == [
        rdds["reduceByKey"].id()]


def test_skipped_stage_is_grey_and_cached_rdd_has_a_dot(sc, ui, events, web, tmp_path):
    rdds = word_count(sc, tmp_path)
    rdds["map"].cache()
    counts = rdds["reduceByKey"]
    counts.count()
    counts.collect()   # the shuffle output exists: its map stage is skipped
    job_id = events.of_kind("JobStart")[-1].data["job_id"]
    map_stage, result_stage = job_stages(events, job_id)
    submitted = {e.data["stage_info"].stage_id for e in events.of_kind("StageSubmitted")
                 if e.time >= events.of_kind("JobStart")[-1].time}
    assert map_stage not in submitted and result_stage in submitted
    graph = web.dag(web.fetch(f"{ui.url}/jobs/job/?id={job_id}"))
    assert graph.stages[map_stage]["status"] == "skipped"
    assert graph.stages[result_stage]["status"] == "complete"
    cached = {n["rdd"] for s in graph.stages.values() for n in s["nodes"] if n["cached"]}
    assert cached == {rdds["map"].id()}
    node = next(n for n in graph.stages[map_stage]["nodes"] if n["rdd"] == rdds["map"].id())
    assert "cached" in node["title"]
    rdds["map"].unpersist()


def test_a_shuffle_read_is_no_lineage_edge_even_beside_its_parent(sc, ui, events, web,
                                                                  tmp_path):
    rdds = word_count(sc, tmp_path)
    pairs, counts = rdds["map"], rdds["reduceByKey"]
    assert pairs.join(counts).count() == 20 * 10   # each of the 200 words meets its count
    job_id = events.of_kind("JobStart")[-1].data["job_id"]
    graph = web.dag(web.fetch(f"{ui.url}/jobs/job/?id={job_id}"))
    # the stage reading counts' shuffle also pipelines pairs (the join's other side)
    both = [sid for sid, s in graph.stages.items()
            if {pairs.id(), counts.id()} <= {n["rdd"] for n in s["nodes"]}]
    assert len(both) == 1
    into_counts = [e for e in graph.edges if e[2] == f"{both[0]}/{counts.id()}"]
    assert [e[0] for e in into_counts] == ["edge shuffle"]   # from a map side, not from pairs
    assert into_counts[0][1].endswith("/write") and into_counts[0][1] != f"{both[0]}/write"


def test_labels_are_shortened_never_cut_and_always_escaped(sc, ui, events, web):
    name = "<marquee>" + "a rather long name for an RDD, " * 3 + "</marquee>"
    rdd = sc.parallelize(range(10), 2).map(lambda x: (x % 2, x)).setName(name)
    rdd.groupByKey().count()
    job_id = events.of_kind("JobStart")[-1].data["job_id"]
    page = web.fetch(f"{ui.url}/jobs/job/?id={job_id}")
    assert "<marquee>" not in page
    graph = web.dag(page)
    node = next(n for s in graph.stages.values() for n in s["nodes"] if n["rdd"] == rdd.id())
    assert node["text"][1].endswith(f"\u2026 [{rdd.id()}]")     # the id always shows
    assert name in node["title"]                                # the full name on hover
    width = max(len(t) for s in graph.stages.values() for n in s["nodes"] for t in n["text"])
    assert width <= 28


def test_a_replayed_event_log_draws_the_same_dag(sc, events, web, tmp_path):
    from minispark.history import HistoryServer
    from minispark.ui.eventlog import EventLogWriter
    from minispark.ui.server import SparkUI
    from minispark.ui.state import AppStatusStore

    store = AppStatusStore()
    log = EventLogWriter(str(tmp_path / "logs"), "local-dag")
    sc.addSparkListener(store)
    sc.addSparkListener(log)
    live = SparkUI(store, port=0).start()
    history = HistoryServer(tmp_path / "logs", port=0).start()
    try:
        rdds = word_count(sc, tmp_path)
        rdds["reduceByKey"].collect()
        job_id = events.of_kind("JobStart")[-1].data["job_id"]
        map_stage, result_stage = job_stages(events, job_id)
        sc.removeSparkListener(log)
        log.close()
        for url in (live.url, f"{history.url}/history/local-dag"):
            graph = web.dag(web.fetch(f"{url}/jobs/job/?id={job_id}"))
            check_word_count_dag(graph, rdds, map_stage, result_stage)
        assert web.dag(web.fetch(f"{live.url}/jobs/job/?id={job_id}")) == web.dag(
            web.fetch(f"{history.url}/history/local-dag/jobs/job/?id={job_id}"))
    finally:
        sc.removeSparkListener(store)
        sc.removeSparkListener(log)
        live.stop()
        history.stop()


def test_a_very_long_lineage_draws_the_rdds_nearest_the_output(sc, ui, events, web):
    rdd = sc.parallelize(range(4), 2)
    chain = [rdd]
    for _ in range(150):
        rdd = rdd.map(lambda x: x + 1)
        chain.append(rdd)
    assert rdd.sum() == sum(range(4)) + 4 * 150
    start = events.of_kind("JobStart")[-1].data
    (info,) = start["stage_infos"]
    in_stage = len(info.rdd_infos)            # the chain and sum's own RDD
    assert in_stage > len(chain)
    page = web.fetch(f"{ui.url}/jobs/job/?id={start['job_id']}")
    (stage,) = web.dag(page).stages.values()
    drawn = [n["rdd"] for n in stage["nodes"]]
    assert 10 <= len(drawn) < len(chain) and f"+{in_stage - len(drawn)} RDDs not drawn" in page
    nearest = {r.id() for r in chain[-(len(drawn) - 1):]} | {info.rdd_infos[0].id}
    assert set(drawn) == nearest                               # the ones nearest the output
    tops = [n["box"][1] for n in sorted(stage["nodes"], key=lambda n: n["rdd"])]
    assert tops == sorted(tops)                                  # still in lineage order
