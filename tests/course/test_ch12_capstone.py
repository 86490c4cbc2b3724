"""The capstone graded end to end by the class grader (``course.grade``): a right
application gets every autograded point; wrong applications lose exactly the points of
what they got wrong, each failed cell saying why; an application whose streaming part
never returns is stopped by the cell timeout and still gets its row.

Every wrong application is the solution's ``dashboard.py`` (the ``%%writefile`` cell) with
a few plausible mistakes, chosen so that each how-it-ran or output check is failed by at
least two different mistakes, in two different submissions:

- titles: a ``leftOuterJoin`` with the titles (an extra shuffle), or the dict read on the
  driver and captured in the closure (no broadcast);
- cache: none (the logs read once per action), or top users with ``sortBy`` (one shuffle
  too many);
- the stream: malformed lines kept, or no window;
- its output: appended to a file, or ``saveAsTextFile`` straight into the batch's directory
  (the redo fails);
- the application: ``report.json`` opened with ``"x"`` (the second run fails), or the
  error rate in percent (the report is wrong, so is what it printed and saved);
- parsing: malformed lines kept (it propagates to every count made from the parse), or
  the KB list split at its last colon (a title holding a colon is cut);
- article ids: any path holding ``/KBDOC-`` taken for a KB request (``/kb/KBDOC-...``).

Slow (about two minutes on two busy cores): the notebook runs six times in sandboxed
kernels, one of them waits for a cell timeout.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from course.grade.cli import grade_all
from course.grade.samples import variant
from course.notebooks import REPO, read

pytestmark = pytest.mark.slow

NAME = "ch12_capstone"
SOLUTION = REPO / "solutions" / NAME / f"{NAME}.ipynb"
EXERCISE = REPO / "exercises" / NAME / f"{NAME}.ipynb"
CELL_TIMEOUT = 30
POINTS = {"ex1-check": 2, "ex2-check": 2, "ex2-how": 2, "ex3-check": 2, "ex3-how": 2,
          "ex4-check": 2, "ex5-check": 2, "ex6-check": 2}

# ---------------------------------------------------------------- the mistakes

JOIN = ("    return counts.map(lambda kv: (kv[0], titles.value.get(kv[0]), kv[1]))",
        "    table = records.context.parallelize(list(titles.value.items()), 2)\n"
        "    return counts.leftOuterJoin(table).map(\n"
        "        lambda kv: (kv[0], kv[1][1], kv[1][0]))")
CLOSURE = ("    return counts.map(lambda kv: (kv[0], titles.value.get(kv[0]), kv[1]))",
           "    table = titles.value\n"
           "    return counts.map(lambda kv: (kv[0], table.get(kv[0]), kv[1]))")
NO_CACHE = ("map(parse_line).cache()", "map(parse_line)")
SORT_BY = ('users.takeOrdered(top, key=lambda kv: (-kv[1], kv[0]))',
           'users.sortBy(lambda kv: (-kv[1], kv[0])).take(top)')
PERCENT = ('"error_rate": errors / good if good else 0.0',
           '"error_rate": 100 * errors / good if good else 0.0')
STREAM_UNPARSED = ("    docs = (lines.map(parse_line)\n"
                   "                 .filter(lambda r: r is not None)\n"
                   "                 .map(lambda r: kb_doc(r[1]))",
                   "    docs = (lines.map(lambda line: line.split(\" \"))\n"
                   "                 .filter(lambda fields: len(fields) > 6)\n"
                   "                 .map(lambda fields: kb_doc(fields[6]))")
NO_WINDOW = ("reduceByKeyAndWindow(\n        lambda a, b: a + b, None, 4, 2)",
             "reduceByKey(lambda a, b: a + b)")
WRITER = ('        staging = final + ".tmp"\n'
          '        shutil.rmtree(staging, ignore_errors=True)\n'
          '        rdd.map(lambda kv: f"{kv[0]}\\t{kv[1]}").saveAsTextFile(staging)\n'
          '        shutil.rmtree(final, ignore_errors=True)\n'
          '        os.rename(staging, final)\n')
APPENDS = (WRITER, '        os.makedirs(final, exist_ok=True)\n'
                   '        with open(os.path.join(final, "part-00000"), "a") as f:\n'
                   '            for doc, n in rdd.collect():\n'
                   '                f.write(f"{doc}\\t{n}\\n")\n')
SAVES_IN_PLACE = (WRITER,
                  '        rdd.map(lambda kv: f"{kv[0]}\\t{kv[1]}").saveAsTextFile(final)\n')
EXCLUSIVE = ('        staging = os.path.join(args.out, "report.json.tmp")\n'
             '        with open(staging, "w", encoding="utf-8") as f:\n'
             '            json.dump(result, f)\n'
             '        os.replace(staging, os.path.join(args.out, "report.json"))\n',
             '        with open(os.path.join(args.out, "report.json"), "x") as f:\n'
             '            json.dump(result, f)\n')
LAST_COLON = ('entry.rstrip("\\n").partition(":")', 'entry.rstrip("\\n").rpartition(":")')
LOOSE_DOC = ('    if path.startswith("/KBDOC-") and path.endswith(".html"):\n'
             '        return path[1:-len(".html")]',
             '    if "/KBDOC-" in path and path.endswith(".html"):\n'
             '        return path.rsplit("/", 1)[1][:-len(".html")]')
KEEPS_MALFORMED = ("""    if len(fields) < 10 or not line.endswith('"'):""",
                   "    if len(fields) < 10:")
NEVER_STOPS = ('def kb_windows(lines):\n',
               'def kb_windows(lines):\n'
               '    import time\n'
               '    while True:              # "wait until the stream has ended"\n'
               '        time.sleep(0.1)\n')

# student -> (the mistakes, {failed cell: a phrase of its message}, status)
SUBMISSIONS = {
    "correct": ((), {}, "ok"),
    "join_nocache_appends": (
        (JOIN, NO_CACHE, NO_WINDOW, APPENDS, EXCLUSIVE, LAST_COLON),
        {"ex1-check": "hidden tests failed", "ex2-how": "A join with the titles shuffles",
         "ex3-how": "times their size",
         "ex4-check": "ch12.kb_windows: not the expected answer",
         "ex5-check": "not idempotent",
         "ex6-check": "not safe to run again"}, "ok"),
    "closure_sortby_saves": (
        (CLOSURE, SORT_BY, STREAM_UNPARSED, SAVES_IN_PLACE, PERCENT, LOOSE_DOC),
        {"ex2-check": "hidden tests failed", "ex2-how": "never read the broadcast",
         "ex3-how": "sortBy samples",
         "ex3-check": "ch12.error_rate: not the expected answer",
         "ex4-check": "hidden tests failed", "ex5-check": "a second time failed",
         "ex6-check": "ch12.app_stdout: not the expected answer"}, "ok"),
    # A parsing mistake reaches every count made from the parse: the records, the
    # article counts, the report and what the application printed.
    "keeps_malformed": (
        (KEEPS_MALFORMED,),
        {"ex1-check": "ch12.parse_counts: not the expected answer",
         "ex2-check": "ch12.kb_views: not the expected answer",
         "ex3-check": "ch12.report_counts: not the expected answer",
         "ex4-check": "hidden tests failed",
         "ex6-check": "ch12.app_stdout: not the expected answer"}, "ok"),
    "never_stops": ((NEVER_STOPS,), {"ex4-check": ""}, "timeout"),
}


def _application(nb: dict) -> str:
    cell = next(c for c in nb["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == "ex1-answer")
    return "".join(cell["source"])


def wrong(mistakes: tuple) -> dict:
    """The solution notebook with its application's text edited."""
    sol = read(SOLUTION)
    text = _application(sol)
    for old, new in mistakes:
        assert text.count(old) == 1, f"the solution no longer contains {old!r}: update this test"
        text = text.replace(old, new)
    return variant(sol, {"ex1-answer": text})


@pytest.fixture(scope="module")
def graded():
    with tempfile.TemporaryDirectory(prefix="grade-ch12-") as tmp:
        root = Path(tmp)
        os.chmod(root, 0o755)
        submissions = root / "submitted"
        notebooks = {s: wrong(m) for s, (m, _, _) in SUBMISSIONS.items()}
        notebooks["blank"] = read(EXERCISE)
        for student, nb in notebooks.items():
            path = submissions / student / NAME / f"{NAME}.ipynb"
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(nb))
        rows = grade_all(NAME, submissions, root / "graded", jobs=2,
                         cell_timeout=CELL_TIMEOUT, budget=600, data=root / "data",
                         log=lambda _: None)
        yield {r["student"]: r for r in rows}


def test_every_submission_gets_a_row(graded):
    assert sorted(graded) == sorted([*SUBMISSIONS, "blank"])
    for row in graded.values():
        assert row["max"] == sum(POINTS.values()) and row["manual_max"] == 4, row


def test_the_right_application_gets_every_point(graded):
    row = graded["correct"]
    assert (row["total"], row["status"], row["reason"]) == (16, "ok", ""), row


def test_the_blank_notebook_gets_none(graded):
    assert graded["blank"]["total"] == 0, graded["blank"]


@pytest.mark.parametrize("student", sorted(set(SUBMISSIONS) - {"correct"}))
def test_a_wrong_application_loses_exactly_what_it_got_wrong(graded, student):
    _, failures, status = SUBMISSIONS[student]
    row = graded[student]
    lost = {gid: cell["failed"] or "" for gid, cell in row["scores"].items()
            if cell["points"] is not None and cell["points"] < cell["max"]}
    assert sorted(lost) == sorted(failures), lost
    for gid, phrase in failures.items():
        assert phrase in lost[gid], (gid, lost[gid])
    assert row["total"] == 16 - sum(POINTS[g] for g in failures)
    assert row["status"] == status, row


def test_the_application_that_never_stops_is_stopped_by_the_cell_timeout(graded):
    row = graded["never_stops"]
    assert row["reason"].startswith(f"timed out in ex4-check after {CELL_TIMEOUT:g} s"), row
    # the other cells ran: the batch report got its points
    assert row["scores"]["ex6-check"]["points"] == 2
