"""Chapter 11c's checks on *how* a job ran fail, with a message that teaches, when the
answer is computed the slow way: a shuffle instead of coalesce (even one whose files an
earlier cell wrote, so that the watched job skips it), the table (or a table derived from
it) captured in the closure instead of broadcast, an unsalted or badly salted hot key, the
setup run per record instead of per partition, and the data (or every count) collected to
the driver instead of the top n. Each check meets at least two wrong ways, and so does
exercise 7's reading of a real task table from the event log (the wrong stage, records
where bytes are asked, input records where the shuffle's are)."""

from __future__ import annotations

import pytest

NAME = "ch11c_performance"

SHUFFLED = '''
broken = lines48.map(parse).filter(lambda r: r is not None and r[3] == 404)
compact = broken.repartition(4)                 # a shuffle where coalesce would do
_sizes = broken.glom().map(len).collect()       # ... whose files this cell already writes
partition_report = (broken.getNumPartitions(), _sizes.count(0), compact.glom().map(len).collect())
'''

SHUFFLED_COALESCE = '''
broken = lines48.map(parse).filter(lambda r: r is not None and r[3] == 404)
compact = broken.coalesce(4, shuffle=True)      # coalesce, but with a shuffle
partition_report = None
'''

DERIVED = '''
def models_of(requests, accounts_bc):           # a smaller table made on the driver: captured
    models = {user: account[2] for user, account in accounts_bc.value.items()}
    return requests.map(lambda r: models.get(r[1], "unknown"))

accounts_bc = sc.broadcast(accounts)
model_counts = models_of(requests, accounts_bc).countByValue()
'''

SALTED_BY_TWO = '''
def salt(pairs, n):                             # the salt ignores n: two keys per path
    return pairs.map(lambda kv: ((kv[0], kv[1] % 2), kv[1]))

def users_per_path(pairs, n):
    return (salt(pairs, n).groupByKey()
            .map(lambda kv: (kv[0][0], len(set(kv[1])))).reduceByKey(add))

path_users = users_per_path(pairs, 8).collect()
'''

CAPTURED = '''
def models_of(requests, accounts_bc):           # reads the driver's dict: captured
    return requests.map(lambda r: accounts.get(r[1], ("", "", "unknown"))[2])

accounts_bc = sc.broadcast(accounts)
model_counts = models_of(requests, accounts_bc).countByValue()
'''

UNSALTED = '''
def salt(pairs, n):                             # one salt for everyone: still one hot key
    return pairs.map(lambda kv: ((kv[0], 0), kv[1]))

def users_per_path(pairs, n):
    return (salt(pairs, n).groupByKey()
            .map(lambda kv: (kv[0][0], len(set(kv[1])))).reduceByKey(add))

path_users = users_per_path(pairs, 8).collect()
'''

PER_RECORD = '''
def titles_in_partition(rows):
    for _ip, user_id, path, _status in rows:
        title = open_catalog().get(path[1:-len(".html")])     # a setup per record
        if path.startswith("/KBDOC-") and title is not None:
            yield (user_id, title)

article_views = requests.mapPartitions(titles_in_partition)
'''

COLLECT_ALL = '''
def top_articles(requests, n):                  # every request comes to the driver
    counts = {}
    for r in requests.collect():
        if r[2].startswith("/KBDOC-"):
            counts[r[2]] = counts.get(r[2], 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
'''

COLLECT_COUNTS = '''
def top_articles(requests, n):                  # every article's count comes back
    counts = (requests.filter(lambda r: r[2].startswith("/KBDOC-"))
              .map(lambda r: (r[2], 1)).reduceByKey(add).collect())
    return sorted(counts, key=lambda kv: (-kv[1], kv[0]))[:n]
'''


def test_slow_ways_fail_the_how_checks_with_a_reason(run_variant):
    result = run_variant(NAME,
                  {"ex2-answer": SHUFFLED, "ex3-answer": CAPTURED, "ex4-answer": UNSALTED,
                   "ex5-answer": PER_RECORD, "ex6-answer": COLLECT_ALL},
                  ["ex1-answer", "ex2-how", "ex3-check", "ex3-how", "ex4-how", "ex5-check",
                   "ex6-check", "ex6-how"])
    # The answer computed the slow way is still right...
    assert result["ex6-check"] is None
    # ... a models_of that reads the global table is caught by a hidden test ...
    assert "reads the table it is given" in result["ex3-check"]
    # ... and the way they were computed is not.
    assert "CheckError" in result["ex2-how"] and "repartition(n)" in result["ex2-how"]
    assert "ShuffleMapStage" in result["ex2-how"], "caught although this job skipped it"
    assert "CheckError" in result["ex3-how"] and "closure" in result["ex3-how"]
    assert "CheckError" in result["ex4-how"] and "user_id % n" in result["ex4-how"]
    assert "AssertionError" in result["ex5-check"] and "open_catalog() ran" in result["ex5-check"]
    assert "CheckError" in result["ex6-how"] and "stay on the executors" not in result["ex6-how"]
    assert "sorting and slicing a collected list" in result["ex6-how"]


def test_other_slow_ways_fail_the_how_checks_too(run_variant):
    result = run_variant(NAME, {"ex2-answer": SHUFFLED_COALESCE, "ex3-answer": DERIVED,
                                "ex4-answer": SALTED_BY_TWO, "ex6-answer": COLLECT_COUNTS},
                  ["ex1-answer", "ex2-how", "ex3-check", "ex3-how", "ex4-how", "ex6-check",
                   "ex6-how"])
    assert result["ex3-check"] is None and result["ex6-check"] is None, result
    assert "CheckError" in result["ex2-how"] and "ShuffleMapStage" in result["ex2-how"]
    assert "CheckError" in result["ex3-how"] and "a table made from it" in result["ex3-how"]
    assert "CheckError" in result["ex4-how"] and "user_id % n" in result["ex4-how"]
    assert "CheckError" in result["ex6-how"] and "Fetch only the n" in result["ex6-how"]


# Exercise 7's real task table (minispark's event log): readings students get wrong score 0.

MAP_STAGE = '''
def read_stages(skewed_stages, tiny_stages):      # the map stage, not the one reading the shuffle
    reduce_tasks = skewed_stages[0]["tasks"]
    longest = max(reduce_tasks, key=lambda t: (t["records"], -t["partition"]))
    tiny_tasks = tiny_stages[-1]["tasks"]
    return [len(reduce_tasks), longest["partition"], longest["records"],
            [t["shuffle_read_bytes"] for t in reduce_tasks], diagnose(reduce_tasks),
            len(tiny_tasks), max(t["records"] for t in tiny_tasks), diagnose(tiny_tasks)]

stage_reading = read_stages(skewed_stages, tiny_stages)
'''

RECORDS_FOR_BYTES = '''
def read_stages(skewed_stages, tiny_stages):      # records where the bytes are asked
    reduce_tasks = skewed_stages[-1]["tasks"]
    longest = max(reduce_tasks, key=lambda t: (t["records"], -t["partition"]))
    tiny_tasks = tiny_stages[-1]["tasks"]
    return [len(reduce_tasks), longest["partition"], longest["records"],
            [t["shuffle_read_records"] for t in reduce_tasks], diagnose(reduce_tasks),
            len(tiny_tasks), max(t["records"] for t in tiny_tasks), diagnose(tiny_tasks)]

stage_reading = read_stages(skewed_stages, tiny_stages)
'''

INPUT_RECORDS = '''
def read_stages(skewed_stages, tiny_stages):      # input records only: a shuffle stage reads 0
    reduce_tasks = skewed_stages[-1]["tasks"]
    longest = max(reduce_tasks, key=lambda t: (t["input_records"], -t["partition"]))
    tiny_tasks = tiny_stages[-1]["tasks"]
    return [len(reduce_tasks), longest["partition"], longest["input_records"],
            [t["shuffle_read_bytes"] for t in reduce_tasks], diagnose(reduce_tasks),
            len(tiny_tasks), max(t["input_records"] for t in tiny_tasks), diagnose(tiny_tasks)]

stage_reading = read_stages(skewed_stages, tiny_stages)
'''


# Slow tier (`make test-slow`, run by CI): several kernels; keeps `make test` under 10 min.
@pytest.mark.slow
def test_wrong_readings_of_the_real_task_table_score_zero(run_variant):
    for answer in (MAP_STAGE, RECORDS_FOR_BYTES, INPUT_RECORDS):
        result = run_variant(NAME, {"ex7-reading": answer}, ["ex7-answer", "ex7-check"])
        failed = result["ex7-check"] or ""
        assert "CheckError" in failed and "ch11c.stage_reading" in failed, failed


def test_the_feel_it_cells_find_the_bigger_data_only_where_it_is(tmp_path, monkeypatch):
    """small_data(): the folder named by COURSE_SMALL_DATA when its manifest says "small";
    None for another scale, a missing folder, or, without the variable, under pytest (tests
    and graders time nothing, whatever lies in data-small/)."""
    import json

    from course.labsetup import small_data

    (tmp_path / "small").mkdir()
    (tmp_path / "small" / "manifest.json").write_text(json.dumps({"scale": "small"}))
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "manifest.json").write_text(json.dumps({"scale": "tiny"}))
    monkeypatch.setenv("COURSE_SMALL_DATA", str(tmp_path / "small"))
    assert small_data() == (tmp_path / "small").resolve()
    for other in ("tiny", "missing"):
        monkeypatch.setenv("COURSE_SMALL_DATA", str(tmp_path / other))
        assert small_data() is None
    monkeypatch.delenv("COURSE_SMALL_DATA")
    assert small_data() is None
