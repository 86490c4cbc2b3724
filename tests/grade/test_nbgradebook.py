"""The nbgrader bridge's parts that need no sandbox: timestamps, the late policy, the
notebook the Formgrader opens, and the commands' refusals (the whole term: test_term.py)."""

from __future__ import annotations

import json
import os

import nbformat
import pytest

from course.grade import cli, finalgrades, intake, nbgradebook
from course.grade.samples import EXERCISE, SOLUTION, set_cell
from course.notebooks import read

A = "ch03_spark_basics"


def _sub(tmp_path, student="ada"):
    folder = tmp_path / student / A
    folder.mkdir(parents=True)
    (folder / f"{A}.ipynb").write_text(json.dumps(read(SOLUTION)))
    return folder, intake.find(tmp_path, A)[0]


def test_a_timestamp_comes_from_timestamp_txt_else_the_files_mtime(tmp_path):
    folder, sub = _sub(tmp_path)
    os.utime(folder / f"{A}.ipynb", (1765000000, 1765000000))     # 2025-12-06T05:46:40Z
    assert nbgradebook.submitted_at(sub) == {"timestamp": "2025-12-06T05:46:40",
                                             "timestamp_from": "file mtime"}
    (folder / "timestamp.txt").write_text("2026-12-09 10:00:00.250000 UTC")
    assert nbgradebook.submitted_at(sub) == {"timestamp": "2026-12-09T10:00:00.250000",
                                             "timestamp_from": "timestamp.txt"}
    (folder / "timestamp.txt").write_text("2026-12-09T11:00:00+01:00")   # a zone: to UTC
    assert nbgradebook.submitted_at(sub)["timestamp"] == "2026-12-09T10:00:00"
    (folder / "timestamp.txt").write_text("next tuesday-ish")            # unreadable: mtime
    assert nbgradebook.submitted_at(sub)["timestamp_from"] == "file mtime"


def test_a_linked_timestamp_is_not_followed(tmp_path):
    folder, sub = _sub(tmp_path)
    secret = tmp_path / "elsewhere.txt"
    secret.write_text("2030-01-01 00:00:00 UTC")
    (folder / "timestamp.txt").symlink_to(secret)
    assert nbgradebook.submitted_at(sub)["timestamp_from"] == "file mtime"
    assert nbgradebook.small_file(sub, b"timestamp.txt") is None


@pytest.mark.parametrize(("late", "score", "penalty"), [
    (0.0, 10, 0.0), (0.01, 10, 1.4), (1.0, 10, 1.4), (1.5, 10, 2.8), (30, 10, 7.0),
    (30, 3, 3)])
def test_the_late_policy_counts_started_days_capped_never_below_zero(late, score, penalty):
    policy = nbgradebook.parse_policy("10%/day,max=50%")
    assert nbgradebook.late_penalty(score, 14, late, policy) == pytest.approx(penalty)


@pytest.mark.parametrize("text", ["10", "10%", "ten%/day", "10%/week", "10%/day,max=", ""])
def test_a_wrong_late_policy_is_refused_with_an_example(text):
    with pytest.raises(ValueError, match="expected e.g. 10%/day"):
        nbgradebook.parse_policy(text)


def test_the_formgrader_notebook_keeps_answers_and_restores_locked_cells():
    released = json.loads(EXERCISE.read_text())
    student = read(SOLUTION)
    set_cell(student, "ex1-check", "pass  # all good")               # a tampered test cell
    set_cell(student, "q1-answer", "Lazy: nothing runs before an action.")
    student["cells"].insert(3, {"cell_type": "code", "metadata": {}, "source": "x = 1"})
    nb = nbgradebook.formgrader_notebook(released, intake.parse(json.dumps(student).encode()))
    by_id = {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]
             if c["metadata"].get("nbgrader")}
    original = {c["metadata"]["nbgrader"]["grade_id"]: c for c in released["cells"]
                if c["metadata"].get("nbgrader")}
    assert by_id["ex1-check"]["source"] == original["ex1-check"]["source"]
    assert by_id["q1-answer"]["source"] == "Lazy: nothing runs before an action."
    assert by_id["q1-answer"]["metadata"]["nbgrader"]["points"] == 2
    assert "NotImplementedError" not in by_id["ex1-answer"]["source"]   # the student's code
    assert nb["cells"][3]["source"] == "x = 1" and nb["cells"][3]["metadata"] == {}
    nbformat.validate(nbformat.from_dict(nb))          # a valid nbformat 4.5 notebook
    assert len({c["id"] for c in nb["cells"]}) == len(nb["cells"])


def test_regrading_a_student_without_a_submission_is_refused(tmp_path, capsys):
    _sub(tmp_path)
    code = cli.main(["grade", A, "--submissions", str(tmp_path), "--students", "ada", "zed"])
    assert code == 2
    assert f"no submission of {A} by zed in" in capsys.readouterr().err


def test_a_wrong_due_date_is_one_line(capsys, monkeypatch):
    monkeypatch.setattr(nbgradebook, "Bridge", lambda: type("B", (), {"close": lambda s: 0})())
    assert finalgrades.main(["gradebook", "due", A, "soon"]) == 2
    assert finalgrades.main(["gradebook", "due", A, "2026-12-14", "--late-penalty",
                             "10"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("gradebook due: ") for line in err)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give files away (the grader)")
def test_files_for_nbgrader_belong_to_the_course_folders_owner(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    os.chown(root, 54321, 54321)                # the instructor, who runs the Formgrader
    bridge = object.__new__(nbgradebook.Bridge)
    bridge.root, bridge.db_url = root, f"sqlite:///{root / 'gradebook.db'}"
    (root / "gradebook.db").write_text("")
    page = root / "feedback" / "ada" / A / f"{A}.html"
    bridge._write(page, "<p>hi</p>")
    bridge.hand_over(root / "gradebook.db")
    for path in (page, page.parent, page.parent.parent, root / "feedback", root / "gradebook.db"):
        assert (path.stat().st_uid, path.stat().st_gid) == (54321, 54321), path
    assert page.stat().st_mode & 0o777 == 0o644


def test_a_roster_with_one_bad_line_adds_nobody(tmp_path):
    bridge = nbgradebook.Bridge(root=tmp_path)
    try:
        roster = tmp_path / "roster.csv"
        roster.write_text("Student ID,First Name,Surname,E-mail\nada,Ada,L,a@x.test\n"
                          "jean dupont,Jean,D,j@x.test\n")
        with pytest.raises(ValueError, match="line 3: id 'jean dupont' is not a folder name"):
            bridge.import_roster(roster)
        assert bridge.gb.students == []
        roster.write_text("Student ID,First Name,Surname,E-mail\nada,Ada,L,a@x.test\n")
        assert bridge.import_roster(roster) == 1
        ada = bridge.gb.find_student("ada")
        assert (ada.first_name, ada.last_name, ada.email) == ("Ada", "L", "a@x.test")
    finally:
        bridge.close()
