"""The class report (course/grade/report.py) and what each row keeps for it (judge.findings):
wrong answers grouped by value across students, counted and ordered by frequency; pass
rates that match the rows; no student name and no expected value on the page; hostile
values (HTML, huge, lone surrogates) shown escaped and short. The report of a real graded
class is tested in test_matrix.py, on the batch graded there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from course.grade import gradebook, judge, report
from course.grade.runner import Cell, Plan

A = "made_up"                                 # not a course assignment: natural order
OPTIONS = {"ordered": True, "digits": 6, "sort_inner": False}
EXPECTED_N = 1234567                          # the reference's answer, never on the page


def part(reports: list[dict], error: dict | None = None) -> dict:
    return {"stdout": "", "stderr": "", "result": None, "error": error, "reports": reports}


def reported(value, name: str = "t.n") -> dict:
    return {"kind": "check", "name": name, "value": value, "shape": "number",
            "options": OPTIONS}


def judged(value=None, *, error: dict | None = None, expects=(), seconds=(2.0, 0.5)) -> dict:
    """One graded cell (answer cell + check cell) judged against EXPECTED_N, as cli does."""
    reports = [] if value is None else [reported(value)]
    reports += [{"kind": "expect", "name": name, "value": held} for name, held in expects]
    answer = Cell("code", "n = ...", ["n = ..."], "ex1-answer", "ex1-answer",
                  {"parts": [part([])], "seconds": seconds[0]})
    check = Cell("code", "check(...)", ["check(...)"], "ex1-check", "ex1-check",
                 {"parts": [part(reports, error)], "seconds": seconds[1]})
    plan = Plan([Cell("markdown", "## Ex 1", []), answer, check],
                {"ex1-check": {"points": 1.0, "auto": True}}, [], [])
    ref = judge.Reference({"ex1-check": [reported(EXPECTED_N),
                                         *({"kind": "expect", "name": n, "value": True}
                                           for n, _ in expects)]})
    return judge.score(plan, None, ref, None)["ex1-check"]


def write_class(out: Path, cells: dict[str, dict[str, dict]]) -> list[dict]:
    """student -> {grade_id -> score}: the rows, written as the grader writes them."""
    rows = [gradebook.make_row(student, A, scores, "ok", "", 1.0)
            for student, scores in cells.items()]
    for row in rows:
        gradebook.write_row(out, row)
    return rows


def page(out: Path) -> str:
    return report.write(out, A).read_text(encoding="utf-8")


def section(html: str, gid: str) -> str:
    start = html.index(f'<h2 id="{gid}">')
    end = html.find("<h2 ", start + 1)
    return html[start:end if end > 0 else None]


# ---------------------------------------------------------------- what the rows keep

def test_a_row_keeps_the_students_wrong_value_never_the_expected():
    s = judged(9986)
    assert s["points"] == 0.0 and s["failed"].startswith("t.n: not the expected answer")
    assert s["wrong"]["shown"] == "9986" and s["wrong"]["check"] == "t.n"
    assert s["seconds"] == 2.5, "the exercise's time: its answer cell and its check cell"
    assert str(EXPECTED_N) not in json.dumps(s)


def test_equal_values_get_equal_digests_and_different_values_different_ones():
    assert judged([1, "a"])["wrong"]["digest"] == judged([1, "a"])["wrong"]["digest"]
    assert judged([1, "a"])["wrong"]["digest"] != judged([1, "b"])["wrong"]["digest"]
    assert judged(5)["wrong"]["digest"] != judged("5")["wrong"]["digest"], "as the judge"


def test_a_passing_cell_keeps_no_value():
    s = judged(EXPECTED_N, expects=[("one job", True)])
    assert s["failed"] is None and "wrong" not in s
    assert s["expects"] == [["one job", True]]


def test_a_failed_how_it_ran_check_is_kept_by_name_and_result():
    s = judged(EXPECTED_N, expects=[("one job", False)])
    assert s["failed"] == "how it ran: 'one job' did not hold"
    assert s["expects"] == [["one job", False]] and "wrong" not in s


def test_a_cell_that_raised_keeps_no_value_and_a_long_value_is_shortened():
    raised = judged(error={"ename": "NameError", "evalue": "name 'n' is not defined"})
    assert raised["failed"].startswith("NameError") and "wrong" not in raised
    huge = judged("x" * 100_000)["wrong"]["shown"]
    assert len(huge) < 200 and "100,002 characters" in huge


# ---------------------------------------------------------------- the report

def value(shown: str, digest: str | None = None, hint: str = "t.n: not the expected "
          "answer. Close, but not exactly.", seconds: float = 1.0) -> dict:
    return {"points": 0.0, "max": 1.0, "failed": hint, "seconds": seconds,
            "wrong": {"kind": "check", "check": "t.n", "shown": shown,
                      "digest": digest or f"d-{shown}"}}


def ok(seconds: float = 1.0, **extra) -> dict:
    return {"points": 1.0, "max": 1.0, "failed": None, "seconds": seconds, **extra}


def reason(text: str) -> dict:
    return {"points": 0.0, "max": 1.0, "failed": text}


CLASS = {
    "ada": {"ex1-check": ok(), "ex2-check": ok(), "ex10-check": ok()},
    "ben": {"ex1-check": value("9986"), "ex2-check": ok(), "ex10-check": ok()},
    "cleo": {"ex1-check": value("9986"), "ex2-check": value("[1, 2]"), "ex10-check": ok()},
    "dev": {"ex1-check": value("9986"), "ex2-check": ok(), "ex10-check": ok()},
    "eli": {"ex1-check": value("42"), "ex2-check": ok(), "ex10-check": ok()},
    "fay": {"ex1-check": reason("NameError: name 'n_lines' is not defined"),
            "ex2-check": ok(), "ex10-check": reason("timed out")},
    "gus": {"ex1-check": reason("NameError: name 'n_lines' is not defined"),
            "ex2-check": ok(), "ex10-check": ok()},
}


def test_wrong_answers_are_grouped_counted_and_ordered_by_frequency(tmp_path):
    rows = write_class(tmp_path, CLASS)
    ex1 = report.summarise(gradebook.read_rows(tmp_path, A), ["ex1-check"])[0]
    assert [(g.shown, g.students) for g in ex1.wrong] == [
        ("9986", 3), ("", 2), ("42", 1)], "by count, then by value"
    assert ex1.wrong[1].hint == "NameError: name 'n_lines' is not defined"
    html = section(page(tmp_path), "ex1-check")
    table = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td>", html)
    assert [(n, re.sub("<[^>]+>", "", v)) for n, v in table] == [
        ("3", "9986"), ("2", "(no wrong value: see the reason)"), ("1", "42")]
    assert "Close, but not exactly." in html, "the hint the students saw"
    assert len(rows) == 7


def test_one_value_with_two_hints_is_one_group_and_two_values_are_two(tmp_path):
    write_class(tmp_path, {
        "a1": {"e": value("7", "same", hint="first hint")},
        "a2": {"e": value("7", "same", hint="second hint")},
        "a3": {"e": value("7", "same", hint="second hint")},
        "a4": {"e": value("7", "other")}})
    groups = report.summarise(gradebook.read_rows(tmp_path, A), ["e"])[0].wrong
    assert [(g.students, g.hint) for g in groups] == [
        (3, "second hint"), (1, "t.n: not the expected answer. Close, but not exactly.")]


def test_pass_rates_match_the_rows(tmp_path):
    write_class(tmp_path, CLASS)
    html = page(tmp_path)
    for gid in ("ex1-check", "ex2-check", "ex10-check"):
        passed = sum(1 for cells in CLASS.values() if cells[gid]["failed"] is None)
        assert f"{passed} of 7 passed ({100 * passed / 7:.0f}%)" in section(html, gid)
    assert html.index('id="ex2-check"') < html.index('id="ex10-check"'), "natural order"
    assert "<svg" in html and "Pass rate per exercise" not in html.split("<svg")[0]


def test_how_it_ran_checks_are_ranked_by_failures_and_times_are_summed(tmp_path):
    write_class(tmp_path, {
        "a1": {"e": ok(2.0, expects=[["one job", True], ["no shuffle", False]])},
        "a2": {"e": ok(4.0, expects=[["one job", False], ["no shuffle", False]])},
        "a3": {"e": ok(9.0, expects=[["one job", True]])}})
    ex = report.summarise(gradebook.read_rows(tmp_path, A), ["e"])[0]
    assert ex.expects == [("no shuffle", 2, 2), ("one job", 1, 3)]
    assert "median 4.00 s, slowest 9.00 s (3 students" in page(tmp_path)


def test_no_student_name_and_no_expected_value_on_the_page(tmp_path):
    students = {"zoe_quartermain": judged(9986), "xavier_holloway": judged(9986),
                "yolanda_fitz": judged(EXPECTED_N)}
    students["zoe_quartermain"]["failed"] += " (seen by zoe_quartermain)"
    raised = judged(error={"ename": "ValueError",
                           "evalue": "xavier_holloway's path /home/xavier_holloway"})
    cells = {name: {"ex1-check": s} for name, s in students.items()}
    cells["wanda_pike"] = {"ex1-check": raised}
    write_class(tmp_path, cells)
    html = page(tmp_path)
    for name in cells:
        assert name not in html
    assert str(EXPECTED_N) not in html
    for row_file in (tmp_path / "rows").glob("*.json"):
        assert str(EXPECTED_N) not in row_file.read_text()
    assert "9986" in html and "&lt;student&gt;" in html and "1 of 4 passed" in html


def test_hostile_values_are_escaped_shortened_and_cleaned(tmp_path):
    evil = "<script>alert(1)</script>\ud800" + "y" * 1_000_000
    write_class(tmp_path, {
        "a1": {"<img src=x onerror=alert(2)>": value(evil, hint="<b>hint</b>\udfff")},
        "a2": {"<img src=x onerror=alert(2)>": value(evil, hint="<b>hint</b>\udfff"),
               "$\\undefined{$ x": ok()}})
    path = report.write(tmp_path, A)
    text = path.read_bytes().decode("utf-8")          # valid UTF-8: no lone surrogate
    assert "<svg" in text, "a grade id with $ is a label, not TeX that fails the plot"
    assert report.write(tmp_path, A).read_bytes() == text.encode(), "same rows, same bytes"
    assert "<script>" not in text and "<img src=x" not in text and "<b>hint" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&lt;b&gt;hint" in text
    assert len(text) < 200_000, "a huge value is shortened"
    assert re.search(r"<tr><td>2</td>", text), "both students in one group"


def test_a_class_without_rows_still_gets_a_page(tmp_path):
    (tmp_path / "rows").mkdir()
    html = page(tmp_path)
    assert "0 submissions" in html and "<h2" not in html


def test_the_command_refuses_a_folder_without_rows(tmp_path, capsys):
    assert report.command("ch03_spark_basics", tmp_path) == 2
    assert "no graded rows" in capsys.readouterr().err


def test_names_are_hidden_as_whole_words_only():
    """A student called "ann" is hidden where her name stands alone as a word, and a word
    that merely contains it ("annotation") is left alone."""
    hide = report._anonymiser([{"student": "ann"}, {"student": "jean dupont"}])
    assert hide("annotation by ann, then jean dupont.") == \
        "annotation by <student>, then <student>."
    assert hide("nothing to hide") == "nothing to hide"
