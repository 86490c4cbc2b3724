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


def test_word_count_operations_are_drawn_inside_their_stage_boxes(sc, ui, events, browser,
                                                                  tmp_path):
    from selenium.webdriver.common.by import By

    path = tmp_path / "words.txt"
    path.write_text("a rose is a rose is a rose\n" * 30)
    lines = sc.textFile(str(path), 2)
    words = lines.flatMap(lambda line: line.split())
    pairs = words.map(lambda w: (w, 1))
    counts = pairs.reduceByKey(add)
    assert dict(counts.collect()) == {"a": 90, "rose": 90, "is": 60}
    start = events.of_kind("JobStart")[-1]
    kinds = {i.stage_id: i.kind for i in start.data["stage_infos"]}
    map_stage = next(s for s, k in kinds.items() if k == "ShuffleMapStage")
    result_stage = next(s for s, k in kinds.items() if k == "ResultStage")
    visit(browser, f"{ui.url}/jobs/job/?id={start.data['job_id']}", "job-dag")

    def drawn(stage_id: int) -> tuple[dict, list[dict]]:
        group = browser.find_element(By.CSS_SELECTOR, f"svg.dag g.stage[data-stage-id="
                                                      f"'{stage_id}']")
        box = group.find_element(By.CSS_SELECTOR, "rect.cluster").rect
        nodes = [{"rdd": n.get_attribute("data-rdd-id"), "box": n.find_element(
                  By.TAG_NAME, "rect").rect,
                  "text": [t.text for t in n.find_elements(By.TAG_NAME, "text")]}
                 for n in group.find_elements(By.CSS_SELECTOR, "g.node")]
        return box, nodes

    def inside(inner: dict, outer: dict) -> bool:
        return (outer["x"] <= inner["x"] and outer["y"] <= inner["y"]
                and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
                and inner["y"] + inner["height"] <= outer["y"] + outer["height"])

    box0, nodes0 = drawn(map_stage)
    box1, nodes1 = drawn(result_stage)
    assert {n["rdd"] for n in nodes0} == {str(lines.id()), str(words.id()),
                                          str(pairs.id()), None}
    assert [n["rdd"] for n in nodes1] == [str(counts.id())]
    for box, nodes in ((box0, nodes0), (box1, nodes1)):   # as laid out by the browser
        assert all(inside(n["box"], box) for n in nodes)
    assert not inside(nodes1[0]["box"], box0)
    order = sorted(nodes0, key=lambda n: n["box"]["y"])    # top to bottom: the lineage
    assert [n["text"][0] for n in order] == [
        "textFile", "flatMap", "map", "reduceByKey (map side)"]
    assert nodes1[0]["text"] == ["reduceByKey", f"ShuffledRDD [{counts.id()}]"]
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.dag path.edge")) == 4


IPYTHON_CELLS = r'''
import json
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
numbers = []
def run(code):
    numbers.append(shell.execution_count)   # the cell's number, as IPython gives it
    assert shell.run_cell(code, store_history=True).success
run("import os\nfrom minispark import SparkConf, SparkContext")
run("conf = SparkConf().set('spark.eventLog.enabled', 'true')\n"
    "conf.set('spark.eventLog.dir', os.environ['EVENT_LOG_DIR'])\n"
    "sc = SparkContext('local[1]', 'cells', conf=conf)")
run("words = sc.parallelize(['a', 'b', 'a'], 2)\n"
    "counts = words.map(lambda w: (w, 1)).countByKey()")
print(json.dumps({"app": shell.user_ns["sc"].applicationId, "cell": numbers[-1]}))
shell.run_cell("sc.stop()")
'''


def test_a_job_run_from_an_ipython_cell_names_the_cell(run_python, tmp_path, browser):
    from selenium.webdriver.common.by import By

    from minispark.history import HistoryServer

    shown = run_python(IPYTHON_CELLS, env={"EVENT_LOG_DIR": str(tmp_path)})
    history = HistoryServer(tmp_path, port=0).start()
    try:
        visit(browser, f"{history.url}/history/{shown['app']}/jobs/", "ipython-jobs")
        descriptions = [r[1].text for r in cells(browser, "jobs")]
        assert descriptions == [f"countByKey at In [{shown['cell']}], line 2"]
        visit(browser, f"{history.url}/history/{shown['app']}/jobs/job/?id=0", "ipython-job")
        titles = [t.get_attribute("textContent") for t in browser.find_elements(
            By.CSS_SELECTOR, "svg.dag g.node[data-rdd-id] > title")]
        assert titles and all(f"In [{shown['cell']}], line " in t for t in titles)
    finally:
        history.stop()
