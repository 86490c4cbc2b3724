"""The Streaming tab of a running StreamingContext: batches processed go up as it runs,
and the batch table agrees with the StreamingListener's own record."""

from __future__ import annotations

import re
import warnings

import pytest


@pytest.fixture
def stream_ui(sc):
    from minispark.streaming import ManualClock, StreamingContext
    from minispark.streaming.listener import StreamingEventCollector
    from minispark.ui.server import SparkUI
    from minispark.ui.state import AppStatusStore
    from minispark.ui.streaming import attach_streaming

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)   # "DStream is deprecated"
        clock = ManualClock()
        ssc = StreamingContext(sc, 1, clock=clock)
    store = AppStatusStore()
    server = SparkUI(store, port=0).start()
    assert attach_streaming(ssc, store) is store.streaming
    events = StreamingEventCollector()
    ssc.addStreamingListener(events)
    yield ssc, clock, server, events
    ssc.stop(False)
    server.stop()


def test_processed_batches_increase_while_the_stream_runs(stream_ui, web):
    ssc, clock, server, events = stream_ui
    ssc.queueStream([[1, 2], [3], [4, 5, 6], [7]]).map(lambda x: x * 2).foreachRDD(
        lambda rdd: rdd.foreach(lambda _: None))
    page = web.fetch(server.url + "/streaming/")
    assert "Completed batches" in page
    ssc.start()
    seen = []
    for _ in range(3):
        clock.advance(1000)
        page = web.fetch(server.url + "/streaming/")
        facts = {r[0][0]: r[1][0] for r in web.tables(page)["streaming-facts"]}
        seen.append(int(facts["Completed batches"]))
        assert facts["Batch interval"] in ("", "1.0 s")
        assert 'http-equiv="refresh"' in page   # a running stream refreshes its page
    assert seen == [1, 2, 3] == [len(events.batches()[:n]) for n in (1, 2, 3)]
    completed = web.tables(web.fetch(server.url + "/streaming/"))["completed"]
    expected = sorted(events.batches(), key=lambda b: -b.batchTime().milliseconds())
    assert [r[0][0] for r in completed] == [f"{b.batchTime().milliseconds()} ms"
                                            for b in expected]
    assert all(r[5][0] == "1/1" for r in completed)
    stats = {r[0][0]: r for r in web.tables(web.fetch(server.url + "/streaming/"))["stats"]}
    assert set(stats) == {"Input Rate (records/s)", "Scheduling Delay (ms)",
                          "Processing Time (ms)", "Total Delay (ms)"}


def test_streaming_events_replay_in_the_history_server(run_python, tmp_path, web):
    from minispark.history import HistoryServer

    expected = run_python(
        "import json, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "from minispark import SparkConf, SparkContext\n"
        "from minispark.streaming import ManualClock, StreamingContext\n"
        "from minispark.streaming.listener import StreamingEventCollector\n"
        "from minispark.ui.streaming import attach_streaming\n"
        f"conf = SparkConf().set('spark.eventLog.enabled', 'true')"
        f".set('spark.eventLog.dir', {str(tmp_path)!r})\n"
        "sc = SparkContext('local[1]', 'stream', conf=conf)\n"
        "clock = ManualClock(); ssc = StreamingContext(sc, 1, clock=clock)\n"
        "assert attach_streaming(ssc) is attach_streaming(ssc) is not None  # once only\n"
        "events = StreamingEventCollector(); ssc.addStreamingListener(events)\n"
        "ssc.queueStream([[1], [2, 3], [4]]).foreachRDD(lambda rdd: rdd.foreach(lambda _: None))\n"
        "ssc.start(); clock.advance(3000); ssc.stop(False)\n"
        "print(json.dumps({'app': sc.applicationId, 'batches': [b.batchTime().milliseconds()"
        " for b in events.batches()]}))\n"
        "sc.stop()\n")
    assert len(expected["batches"]) == 3
    history = HistoryServer(tmp_path, port=0).start()
    try:
        page = web.fetch(f"{history.url}/history/{expected['app']}/streaming/")
        found = web.tables(page)
        facts = {r[0][0]: r[1][0] for r in found["streaming-facts"]}
        assert facts["Completed batches"] == "3" and facts["Batch interval"] == "1.0 s"
        assert [r[0][0] for r in found["completed"]] == [
            f"{ms} ms" for ms in sorted(expected["batches"], reverse=True)]
        assert [r[5][0] for r in found["completed"]] == ["1/1"] * 3   # no event twice
        assert 'http-equiv="refresh"' not in page   # a finished app does not refresh
        assert facts["Status"] == "stopped" and facts["Ran for"] == "3.0 s"
        for ms in expected["batches"]:   # each batch's page, and its one job, replayed
            batch = web.fetch(f"{history.url}/history/{expected['app']}/streaming/batch/"
                              f"?id={ms}")
            ops = web.tables(batch)["output-ops"]
            assert len(ops) == 1 and ops[0][3][0] == "succeeded" and ops[0][4][0].isdigit()
            assert f'href="/history/{expected["app"]}/jobs/job/?id={ops[0][4][0]}"' in batch
    finally:
        history.stop()


def test_a_streaming_context_appears_in_its_spark_contexts_ui(run_python):
    shown = run_python(
        "import json, re, urllib.request, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "from minispark import SparkConf, SparkContext\n"
        "from minispark.streaming import ManualClock, StreamingContext\n"
        "conf = SparkConf().set('spark.ui.enabled', 'true').set('spark.ui.port', '0')\n"
        "sc = SparkContext('local[1]', 'live stream', conf=conf)\n"
        "clock = ManualClock(); ssc = StreamingContext(sc, 1, clock=clock)\n"
        "ssc.queueStream([[1], [2]]).foreachRDD(lambda rdd: rdd.foreach(lambda _: None))\n"
        "ssc.start(); clock.advance(2000)\n"
        "page = urllib.request.urlopen(sc.uiWebUrl + '/streaming/').read().decode()\n"
        "ssc.stop(False); sc.stop()\n"
        "print(json.dumps(re.findall(r'Completed batches</td><td>(\\d+)', page)))\n")
    assert shown == ["2"]


def test_a_stopped_context_says_it_stopped_and_how_long_it_ran(sc, web):
    from minispark.streaming import ManualClock, StreamingContext
    from minispark.ui.server import SparkUI
    from minispark.ui.state import AppStatusStore
    from minispark.ui.streaming import attach_streaming

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        clock = ManualClock()
        ssc = StreamingContext(sc, 1, clock=clock)
    store = AppStatusStore()
    server = SparkUI(store, port=0).start()
    try:
        attach_streaming(ssc, store)
        ssc.queueStream([[1], [2]]).foreachRDD(lambda rdd: rdd.foreach(lambda _: None))
        ssc.start()
        clock.advance(2500)
        running = web.fetch(server.url + "/streaming/")
        facts = {r[0][0]: r[1][0] for r in web.tables(running)["streaming-facts"]}
        assert facts["Status"] == "running" and "Running for" in facts
        ssc.stop(False)
        clock.advance(5000)   # time passing after the stop changes nothing
        stopped = web.fetch(server.url + "/streaming/")
        facts = {r[0][0]: r[1][0] for r in web.tables(stopped)["streaming-facts"]}
        assert facts["Status"] == "stopped" and "Running for" not in facts
        assert facts["Ran for"] == "2.5 s"                       # 2500 ms of the clock
        assert facts["Stopped at"] == "2500 ms"                  # a manual clock's time
        assert 'http-equiv="refresh"' not in stopped             # nothing left to watch
    finally:
        ssc.stop(False)
        server.stop()


def test_each_batch_has_a_page_with_its_output_operations_and_jobs(sc, web):
    from minispark.scheduler.listener import EventCollector
    from minispark.streaming import ManualClock, StreamingContext
    from minispark.streaming.listener import StreamingEventCollector
    from minispark.ui.server import SparkUI
    from minispark.ui.state import AppStatusStore
    from minispark.ui.streaming import attach_streaming

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        clock = ManualClock()
        ssc = StreamingContext(sc, 1, clock=clock)
    store, jobs = AppStatusStore(), EventCollector()
    sc.addSparkListener(store)   # the batch page links the batch's jobs: the store sees them
    sc.addSparkListener(jobs)
    server = SparkUI(store, port=0).start()
    streaming = StreamingEventCollector()
    try:
        attach_streaming(ssc, store)
        ssc.addStreamingListener(streaming)
        stream = ssc.queueStream([[1, 2, 3], [4, 5]])
        def two_jobs(rdd):
            rdd.collect()
            rdd.count()

        stream.foreachRDD(lambda rdd: rdd.foreach(lambda _: None))          # 1 job
        stream.map(lambda x: (x % 2, x)).reduceByKey(lambda a, b: a + b).foreachRDD(two_jobs)
        ssc.start()
        ran: dict[int, list[int]] = {}   # batch time -> job ids, from the listener
        for _ in range(2):
            before = len(jobs.of_kind("JobStart"))
            clock.advance(1000)
            batch = streaming.batches()[-1].batchTime().milliseconds()
            ran[batch] = [e.data["job_id"] for e in jobs.of_kind("JobStart")[before:]]
        main = web.fetch(server.url + "/streaming/")
        links = re.findall(r'href="(/streaming/batch/\?id=(\d+))"', main)
        assert sorted(int(ms) for _, ms in links) == sorted(ran)
        for href, ms in links:
            info = next(b for b in streaming.batches() if b.batchTime().milliseconds() == int(ms))
            page = web.fetch(server.url + href)
            found = web.tables(page)
            facts = {r[0][0]: r[1][0] for r in found["batch-facts"]}
            assert facts["Status"] == "completed"
            assert facts["Input data size"] == f"{info.numRecords()} records"
            assert facts["Batch time"] == f"{ms} ms"
            ops = found["output-ops"]
            names = {o.id(): o.name() for o in info.outputOperationInfos().values()}
            assert {int(r[0][0]): r[1][0] for r in ops} == names and len(names) == 2
            assert all(n.startswith("foreachRDD at test_streaming_page.py:")   # call sites
                       for n in names.values())
            assert [int(r[4][0]) for r in ops] == ran[int(ms)] and len(ops) == 3
            assert [int(r[0][0]) for r in ops] == [0, 1, 1]
            assert all(r[3][0] == "succeeded" for r in ops)
            for job_id in ran[int(ms)]:
                assert f'href="/jobs/job/?id={job_id}"' in page
    finally:
        ssc.stop(False)
        sc.removeSparkListener(store)
        sc.removeSparkListener(jobs)
        server.stop()
