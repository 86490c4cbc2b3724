"""The command line (course/grade/cli.py): impossible options are refused with one clear
line, and a grader that cannot start a sandbox refuses before grading anyone.
"""

from __future__ import annotations

import json

import pytest

from course.grade import cli, samples
from course.notebooks import REPO

ASSIGNMENT = "ch03_spark_basics"
SOLUTION = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


@pytest.mark.parametrize("options, message", [
    (["--cell-timeout", "-1"], "'-1' must be a positive number of seconds"),
    (["--cell-timeout", "0"], "'0' must be a positive number of seconds"),
    (["--cell-timeout", "nan"], "'nan' must be a positive number of seconds"),
    (["--budget", "0"], "'0' must be a positive number of seconds"),
    (["--budget", "inf"], "'inf' must be a positive number of seconds"),
    (["--budget", "soon"], "'soon' is not a number of seconds"),
    (["--jobs", "0"], "'0' must be at least 1"),
    (["--jobs", "1.5"], "'1.5' is not a whole number"),
    (["--submissions", "/nonexistent"], "'/nonexistent' is not a folder"),
])
def test_impossible_options_are_refused(options, message, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["grade", ASSIGNMENT, *options])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err.strip().splitlines()[-1], err          # one line says why


def test_an_unknown_assignment_is_refused(capsys):
    with pytest.raises(SystemExit):
        cli.main(["grade", "ch99_nothing"])
    assert "invalid choice: 'ch99_nothing'" in capsys.readouterr().err
    assert cli.main(["validate", str(SOLUTION), "--assignment", "ch99_nothing"]) == 2


def test_a_folder_without_submissions_is_not_zero_graded(tmp_path, capsys):
    assert cli.main(["grade", ASSIGNMENT, "--submissions", str(tmp_path)]) == 2
    assert "no submission of ch03_spark_basics in" in capsys.readouterr().err


def test_no_sandbox_no_grading(tmp_path, monkeypatch, capsys):
    """When no kernel can start in the sandbox, nobody gets a row of zeros: the command
    refuses, naming the cause, and the demo's sample class fails."""
    subs = tmp_path / "subs" / "ada" / ASSIGNMENT
    subs.mkdir(parents=True)
    (subs / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(json.loads(SOLUTION.read_text())))
    monkeypatch.setattr(cli, "PROBE", "import sys; sys.exit('mount /tmp/tmp.x: No such file "
                                      "or directory')")
    out = tmp_path / "out"
    code = cli.main(["grade", ASSIGNMENT, "--submissions", str(tmp_path / "subs"),
                     "--out", str(out), "--data", str(tmp_path / "data")])
    err = capsys.readouterr().err
    assert code == 2
    assert ("refusing to grade: the sandbox cannot start a kernel here: mount /tmp/tmp.x: "
            "No such file or directory") in err
    assert not (out / ASSIGNMENT / "rows").exists()
    assert samples.main(["--root", str(tmp_path / "demo"), "--data",
                         str(tmp_path / "data")]) == 2


def test_the_demo_fails_when_a_sample_is_graded_otherwise():
    rows = [{"student": s, "total": t, "status": st} for s, (t, st) in samples.EXPECTED.items()]
    assert samples.mismatches(rows) == []
    rows[3] = dict(rows[3], total=0, status="killed")
    assert samples.mismatches(rows) == ["dev: expected 10/11 timeout, got 0/11 killed"]
    assert samples.mismatches(rows[:-1])[-1] == "fay: expected 4/11 died, got no row"


def test_a_student_whose_grading_fails_everywhere_does_not_cancel_the_others(tmp_path,
                                                                             monkeypatch):
    """Even when writing one student's row fails, the others are graded and saved."""
    from course.grade import drive, gradebook

    subs = tmp_path / "subs"
    for student in ("a", "b_breaks", "c", "d", "e"):
        folder = subs / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(SOLUTION.read_text())
    monkeypatch.setattr(drive, "execute", lambda *args, **kw: ("ok", ""))
    write_row = gradebook.write_row

    def failing(out, row):
        if row["student"] == "b_breaks":
            raise OSError("disk full")
        return write_row(out, row)

    monkeypatch.setattr(gradebook, "write_row", failing)
    rows = cli.grade_all(ASSIGNMENT, subs, tmp_path / "out", jobs=1,
                         data=tmp_path / "data", log=lambda m: None)
    assert [r["student"] for r in rows] == ["a", "b_breaks", "c", "d", "e"]
    assert rows[1]["status"] == "error"
    assert rows[1]["reason"] == "grader error while saving: OSError: disk full"
    saved = gradebook.read_rows(tmp_path / "out" / ASSIGNMENT)
    assert sorted(r["student"] for r in saved) == ["a", "c", "d", "e"]
