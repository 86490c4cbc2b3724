"""A whole term on one machine: release, roster, due date, three students hand in chapter 3,
sandboxed grading recorded in nbgrader's gradebook, a written answer hand-graded as the
Formgrader stores it, feedback released, one final CSV, then one student regraded.

Slow (two sandboxed runs per submission, nbgrader's release): 45-80 s on a busy 2-core
machine. ``.venv/bin/python -m pytest tests/grade/test_term.py -m slow -q``.
Expected values here are written by hand from the chapter's points (11 autograded:
ex1-ex3, ex5-ex7, ex8-lazy 1 each, ex4 and ex8 2 each; written q1 2, q2 1).
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime

import nbformat
import pytest

from course.grade import finalgrades, gradebook, intake, nbgradebook
from course.grade.cli import grade_all
from course.grade.samples import EXERCISE, SOLUTION, variant
from course.notebooks import _generate, grading_course, read

A = "ch03_spark_basics"
BLANK_LATE = ("ex5-answer", "ex6-answer", "ex7-answer", "ex8-answer")   # 1+1+1+2+1 points
DUE = "2026-12-10T23:59:00"
pytestmark = pytest.mark.slow


def _cell(nb: dict, gid: str) -> dict:
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == gid)


def _code(nb: dict, gid: str) -> str:
    source = _cell(nb, gid)["source"]
    return "".join(source) if isinstance(source, list) else source


def _hand_in(submissions, student, nb, *, timestamp=None, secret=None, mtime=None):
    folder = submissions / student / A
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{A}.ipynb"
    path.write_text(json.dumps(nb))
    if timestamp:                                       # as nbgrader collect writes them
        (folder / "timestamp.txt").write_text(timestamp)
    if secret:
        (folder / "submission_secret.txt").write_text(secret)
    if mtime:
        os.utime(path, (mtime, mtime))


def _csv(path) -> dict[str, dict]:
    return {r["student_id"]: r for r in csv.DictReader(io.StringIO(path.read_text()))}


def test_a_term_from_release_to_final_grade(tmp_path):
    os.chmod(tmp_path, 0o755)
    with grading_course([A]) as (root, api):
        # release: nbgrader generate_assignment, as make release runs it
        released = _generate(api, root, A)
        assert [c["source"] for c in released["cells"]] == \
            [c["source"] for c in read(EXERCISE)["cells"]]       # the release is exercises/
        bridge = nbgradebook.Bridge(root=root)
        try:
            _term(bridge, api, root, tmp_path)
        finally:
            bridge.close()


def _term(bridge, api, root, tmp):
    submissions, out = tmp / "submitted", tmp / "graded"
    roster = tmp / "roster.csv"
    roster.write_text("id,first name,last name,email\nfull,Ada,Lovelace,ada@uni.test\n"
                      "half,Ben,Ng,ben@uni.test\nblank,Cleo,Ruiz,cleo@uni.test\n"
                      "gone,Dev,Oz,dev@uni.test\n")
    assert bridge.import_roster(roster) == 4
    bridge.set_due(A, datetime.fromisoformat(DUE))
    gradebook.atomic_write(out / A / "late-policy.json",
                           json.dumps(nbgradebook.parse_policy("10%/day,max=50%")))

    solution, exercise = read(SOLUTION), read(EXERCISE)
    full = variant(solution, {})
    _cell(full, "q1-answer")["source"] = "Transformations are lazy; actions run the job."
    half = variant(solution, {g: _code(exercise, g) for g in BLANK_LATE})
    _hand_in(submissions, "full", full, timestamp="2026-12-09 10:00:00.000000 UTC",
             secret="s3cret-full")
    _hand_in(submissions, "half", half, timestamp="2026-12-12 11:00:00.000000 UTC")
    _hand_in(submissions, "blank", exercise,
             mtime=datetime.fromisoformat("2026-12-08T08:00:00+00:00").timestamp())

    rows = grade_all(A, submissions, out, jobs=2, cell_timeout=20, budget=120,
                     data=tmp / "data", log=lambda m: None)
    got = {r["student"]: r for r in rows}
    assert {s: (r["total"], r["max"], r["manual_max"]) for s, r in got.items()} == \
        {"full": (11, 11, 3), "half": (5, 11, 3), "blank": (0, 11, 3)}
    assert got["half"]["timestamp_from"] == "timestamp.txt"
    assert got["blank"]["timestamp_from"] == "file mtime"
    assert got["blank"]["timestamp"] == "2026-12-08T08:00:00"
    found = intake.find(submissions, A)
    notes = nbgradebook.record_class(bridge, A, found, rows, out / A)
    assert any("blank" in n and "hand out" in n for n in notes)   # no exchange secret

    # The Formgrader's view: every submission, auto scores, written answers to grade.
    gb = bridge.gb
    assert sorted(s["student"] for s in gb.submission_dicts(A)) == ["blank", "full", "half"]
    assert gb.find_grade("ex4-check", A, A, "full").auto_score == 2
    assert gb.find_grade("ex5-check", A, A, "half").auto_score == 0
    q1 = gb.find_grade("q1-answer", A, A, "full")
    assert q1.auto_score is None and q1.needs_manual_grade
    graded_nb = root / "autograded" / "full" / A / f"{A}.ipynb"
    nb = nbformat.read(graded_nb, as_version=4)
    nbformat.validate(nb)
    assert _cell(nb, "q1-answer")["source"] == "Transformations are lazy; actions run the job."
    assert _cell(nb, "q1-answer")["metadata"]["nbgrader"]["points"] == 2
    assert (root / "autograded" / "full" / A / "timestamp.txt").read_text().startswith(
        "2026-12-09 10:00:00")

    # Hand-grading as the Formgrader stores it (its API handler sets manual_score).
    q1.manual_score, q1.needs_manual_grade = 1.5, False
    override = gb.find_grade("ex1-check", A, A, "blank")      # an autograded score changed
    override.manual_score = 1.0
    gb.db.commit()

    # Feedback for nbgrader release_feedback: placed for the student who used the exchange.
    page = root / "feedback" / "full" / A / f"{A}.html"
    assert "ex4-check" in page.read_text() and not (root / "feedback" / "blank").exists()
    assert (page.parent / "submission_secret.txt").read_text() == "s3cret-full"
    exchange = root / "exchange" / "minispark-course" / "feedback"
    exchange.mkdir(parents=True, exist_ok=True)
    api.coursedir.course_id = "minispark-course"
    result = api.release_feedback(A, "full")                 # nbgrader release_feedback
    assert result["success"], result.get("log")
    delivered = list(exchange.glob("*.html"))
    assert len(delivered) == 1 and delivered[0].read_text() == page.read_text()

    # One final CSV: both kinds of points, late penalty, names from the roster.
    final = _csv(finalgrades.export(bridge, A, out / A))
    f, h, b, g = final["full"], final["half"], final["blank"], final["gone"]
    assert (f["first_name"], f["last_name"], f["email"]) == ("Ada", "Lovelace", "ada@uni.test")
    assert (f["autograded"], f["written"], f["q1-answer"], f["total"], f["max"]) == \
        ("11", "1.5", "1.5", "12.5", "14")
    assert f["written_ungraded"] == "1" and f["late_penalty"] == "0"
    # half: 1 day 11 h late -> 2 started days x 10 % of 14 = 2.8
    assert (h["autograded"], h["late_penalty"], h["total"]) == ("5", "2.8", "2.2")
    assert (b["ex1-check"], b["autograded"], b["total"], b["status"]) == ("1", "1", "1", "ok")
    assert (b["submitted"], b["days_late"]) == ("2026-12-08T08:00:00", "0")
    assert (g["status"], g["total"], g["email"]) == ("missing", "0", "dev@uni.test")
    before = (out / A / "final.csv").read_text().splitlines()
    rows_before = {p.name: p.read_bytes() for p in (out / A / "rows").glob("*.json")}

    # Regrade one student (she fixed exercise 5): only her row and line change.
    _hand_in(submissions, "half", variant(half, {"ex5-answer": _code(solution, "ex5-answer")}))
    regraded = grade_all(A, submissions, out, jobs=1, cell_timeout=20, budget=120,
                         data=tmp / "data", students=["half"], log=lambda m: None)
    assert [(r["student"], r["total"]) for r in regraded] == [("half", 6)]
    nbgradebook.record_class(bridge, A, intake.find(submissions, A), regraded, out / A)
    rows_after = {p.name: p.read_bytes() for p in (out / A / "rows").glob("*.json")}
    assert {n for n in rows_after if rows_after[n] != rows_before[n]} == {"half.json"}
    assert gb.find_grade("q1-answer", A, A, "full").manual_score == 1.5   # hand grade kept
    after = finalgrades.export(bridge, A, out / A).read_text().splitlines()
    changed = [(x, y) for x, y in zip(before, after, strict=True) if x != y]
    assert len(changed) == 1 and changed[0][1].startswith("half,Ben,Ng,")
    assert _csv(out / A / "final.csv")["half"]["total"] == "3.2"     # 6 - 2.8
