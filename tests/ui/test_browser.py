"""The UI in a real browser: headless Chromium (Debian's chromium + chromedriver) driven by
Selenium. Marked ``browser``: ``make test`` deselects them (it never starts a
browser); ``make test-browser`` installs Chromium and Selenium and runs them:

    apt-get install -y chromium chromium-driver   # what make test-browser does, as root
    .venv/bin/python -m pytest -m browser tests/ui/test_browser.py

Screenshots of every page visited go to ``$UI_TEST_ARTIFACTS`` (default
``build/test-artifacts/ui``). Expected values come from the listeners' own
records (EventCollector, StreamingEventCollector), never from the UI's code.
"""

from __future__ import annotations

import os
import time
import warnings
from operator import add
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
# where tests/conftest.py's `browser` fixture puts screenshots
ARTIFACTS = Path(os.environ.get("UI_TEST_ARTIFACTS", ROOT / "build" / "test-artifacts" / "ui"))


def visit(driver, url: str, shot: str):
    driver.get(url)
    driver.save_screenshot(str(ARTIFACTS / f"{shot}.png"))
    return driver


def cells(driver, table_id: str) -> list[list]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, f"table#{table_id} tr")
    return [tds for tds in (row.find_elements(By.TAG_NAME, "td") for row in rows) if tds]


def exact(cell) -> int:
    from selenium.webdriver.common.by import By

    return int(cell.find_element(By.TAG_NAME, "span").get_attribute("title").split()[0])


def test_shuffle_job_stages_match_the_listener(sc, ui, events, browser):
    sc.parallelize(range(500), 4).map(lambda x: (x % 9, 1)).reduceByKey(add, 2).collect()
    job_id = events.of_kind("JobStart")[-1].data["job_id"]
    expected = {s.stage_id: (len(events.task_metrics(s.stage_id)),
                             sum(m.shuffle_write_bytes for m in events.task_metrics(s.stage_id)))
                for s in events.stages()}
    visit(browser, ui.url + "/jobs/", "jobs")
    visit(browser, f"{ui.url}/jobs/job/?id={job_id}", "job")
    assert browser.find_elements("css selector", "svg.dag rect")
    shown = {}
    for row in cells(browser, "stages"):
        total = int(row[6].text.split("/")[1])
        shown[int(row[0].text)] = (total, exact(row[9]) if row[9].text else 0)
    assert shown == expected and len(shown) == 2
    map_stage = min(expected, key=lambda s: -expected[s][1])
    visit(browser, f"{ui.url}/stages/stage/?id={map_stage}", "stage")
    assert "Summary Metrics for" in browser.page_source


def test_cached_rdd_and_hostile_name_in_storage(sc, ui, events, browser):
    from selenium.common.exceptions import NoAlertPresentException

    evil = "<script>alert(1)</script>"
    rdd = sc.parallelize(range(300), 3).setName(evil).cache()
    rdd.count()
    blocks = [e for e in events.of_kind("BlockUpdated")
              if e.data["block_id"].startswith(f"rdd_{rdd.id()}_")]
    visit(browser, ui.url + "/storage/", "storage")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text   # noqa: B018 - the script must not have run
    row = next(r for r in cells(browser, "rdds") if r[0].text == str(rdd.id()))
    assert row[1].text == evil and int(row[3].text) == len(blocks) == 3
    visit(browser, f"{ui.url}/storage/rdd/?id={rdd.id()}", "storage-rdd")
    assert [r[0].text for r in cells(browser, "blocks")] == [
        f"rdd_{rdd.id()}_{p}" for p in range(3)]
    rdd.unpersist()


def test_running_streams_processed_batches_increase(sc, browser):
    from minispark.streaming import StreamingContext
    from minispark.streaming.listener import StreamingEventCollector
    from minispark.ui.server import SparkUI
    from minispark.ui.state import AppStatusStore
    from minispark.ui.streaming import attach_streaming

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ssc = StreamingContext(sc, 0.5)   # a real clock: batches every half second
    store = AppStatusStore()
    server = SparkUI(store, port=0).start()
    attach_streaming(ssc, store)
    events = StreamingEventCollector()
    ssc.addStreamingListener(events)
    ssc.queueStream([[i] for i in range(40)]).foreachRDD(lambda rdd: rdd.foreach(lambda _: None))
    ssc.start()
    try:
        counts = []
        for shot in ("streaming-1", "streaming-2"):
            time.sleep(1.6)
            visit(browser, server.url + "/streaming/", shot)
            facts = {r[0].text: r[1].text for r in cells(browser, "streaming-facts")}
            counts.append(int(facts["Completed batches"]))
        assert 0 < counts[0] < counts[1] <= len(events.batches())
    finally:
        ssc.stop(False)
        server.stop()
