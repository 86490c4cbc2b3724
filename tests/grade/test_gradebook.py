"""The gradebook (course/grade/gradebook.py): one file per student even when names look
alike, any name and any text written safely, and row files from elsewhere reported.
"""

from __future__ import annotations

import csv
import io
import json

from course.grade import cli, gradebook

ASSIGNMENT = "ch03_spark_basics"
SCORES = {"ex1-check": {"points": 1.0, "max": 1.0, "failed": None}}


def _row(student: str, raw: bytes | None = None, **changes) -> dict:
    row = gradebook.make_row(student, ASSIGNMENT, SCORES, "ok", "", 1.0, raw)
    return dict(row, **changes)


def _csv(out) -> list[dict]:
    return list(csv.DictReader(io.StringIO((out / "grades.csv").read_text())))


def test_names_that_sanitize_alike_get_their_own_files(tmp_path):
    names = ["jean dupont", "jean_dupont", "jean/dupont", "jean\tdupont", "Jean_Dupont",
             "..", "_..", "jean_dupont-0123456789"]
    files = {gradebook.file_name(n) for n in names}
    assert len(files) == len(names), files
    for name in names:
        gradebook.write_row(tmp_path, _row(name))
    rows, bad = gradebook.load_rows(tmp_path, ASSIGNMENT)
    assert bad == {}
    assert sorted(r["student"] for r in rows) == sorted(names), "the exact names are kept"


def test_a_name_that_is_not_utf8_keeps_its_bytes(tmp_path):
    raw = b"caf\xe9"
    row = _row("caf\\xe9", raw)
    assert row["folder_hex"] == raw.hex()
    path = gradebook.write_row(tmp_path, row)
    assert path.name != "caf_xe9.json", "a digest tells it from a folder named caf_xe9"
    other = gradebook.write_row(tmp_path, _row("caf\\xe9"))    # a folder literally so named
    assert other != path
    assert len(gradebook.read_rows(tmp_path, ASSIGNMENT)) == 2


def test_surrogates_and_newlines_in_reasons_are_written_safely(tmp_path):
    row = _row("s", reason="")
    row = gradebook.make_row("s\ud800", ASSIGNMENT, SCORES, "error", "line one\nline\ud800 two",
                             1.0)
    assert row["reason"] == "line one line\ufffd two"
    gradebook.write_row(tmp_path, row)
    gradebook.export(tmp_path, ASSIGNMENT)
    (tmp_path / "grades.csv").read_bytes().decode("utf-8")
    assert "\ufffd" in gradebook.summary([row])


def test_foreign_and_broken_row_files_are_reported_not_dropped(tmp_path, capsys):
    out = tmp_path / "graded"
    gradebook.write_row(out / ASSIGNMENT, _row("ada"))
    rows = out / ASSIGNMENT / "rows"
    (rows / "truncated.json").write_text('{"student": "x", "sco')
    (rows / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    (rows / "list.json").write_text("[1, 2, 3]")
    (rows / "other.json").write_text(json.dumps(_row("other", assignment="ch04_pair_rdds")))
    (rows / "copy.json").write_text(json.dumps(_row("ada")))          # ada's row, twice
    (rows / "nan.json").write_text(json.dumps(_row("nan", total="11")))
    (rows / "deep.json").write_text("[" * 50_000 + "]" * 50_000)
    assert cli.main(["export", ASSIGNMENT, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    lines = {r["student"]: r for r in _csv(out / ASSIGNMENT)}
    assert lines["ada"]["total"] == "1"
    for name in ("truncated", "binary", "list", "other", "copy", "nan", "deep"):
        line = lines[f"(rows/{name}.json)"]
        assert line["status"] == "error", name
        assert f"rows/{name}.json" in err, name
    assert "another assignment" in lines["(rows/other.json)"]["reason"]
    assert "holds the row of 'ada'" in lines["(rows/copy.json)"]["reason"]
    assert len(lines) == 8


def test_rows_written_by_the_grader_pass_the_check(tmp_path):
    for name in ("ada", "jean dupont", "..", "\u00e9l\u00e8ve"):
        path = gradebook.write_row(tmp_path, _row(name))
        assert gradebook.problem(json.loads(path.read_text()), path.stem, ASSIGNMENT) is None
