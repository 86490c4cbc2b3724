"""The grader's parts: which cells run and what counts, budgets, memory, a missing
protection, regrading, a crash mid-run, and the ``validate`` / ``export`` commands.

A second small batch (``small``) is graded once for this module, with a short whole-notebook
budget and with the network protection reported missing, to show the command then says so
and carries on.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from pathlib import Path

import pytest

from course.grade import cli, drive, gradebook, runner, sandbox
from course.notebooks import REPO, read, source_path

ASSIGNMENT = "ch03_spark_basics"
SOLUTION = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
EXERCISE = REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def _with(nb: dict, grade_id: str, **changes) -> dict:
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade_id") == grade_id:
            for key, value in changes.items():
                if key == "source":
                    cell["source"] = value
                else:
                    meta[key] = value
    return nb


def _write(folder: Path, student: str, nb: dict) -> None:
    path = folder / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))


# ---------------------------------------------------------------- the plan (no kernel)

def test_points_come_from_the_source_not_the_submission():
    forged = _with(read(SOLUTION), "ex1-check", points=100)
    plan = runner.plan(read(source_path(ASSIGNMENT)), forged)
    assert plan.graded["ex1-check"]["points"] == 1
    assert sum(g["points"] for g in plan.graded.values() if g["auto"]) == 11


def test_a_test_cell_runs_as_the_source_has_it_with_its_hidden_part():
    tampered = _with(read(SOLUTION), "ex2-check", source="pass", locked=False, solution=True)
    plan = runner.plan(read(source_path(ASSIGNMENT)), tampered)
    cell = next(c for c in plan.cells if c.grade_id == "ex2-check")
    assert cell.parts[0].startswith('check("ch03.n_jpg", n_jpg)')
    assert "_grader.check" in cell.parts[1]
    assert "### BEGIN HIDDEN" not in cell.source, "what the student sees has no hidden part"
    assert plan.notes == ["locked cell ex2-check was changed; the original ran"]


def test_an_unmarked_copy_of_a_test_cell_counts_as_deleted():
    nb = read(SOLUTION)
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "ex3-check":
            cell["metadata"] = {}
    plan = runner.plan(read(source_path(ASSIGNMENT)), nb)
    assert plan.missing == ["ex3-check"]
    assert runner.score(plan)["ex3-check"] == {"points": 0.0, "max": 1.0,
                                               "failed": "cell deleted"}


def test_an_untouched_solution_notes_nothing():
    plan = runner.plan(read(source_path(ASSIGNMENT)), read(SOLUTION))
    assert plan.notes == [] and plan.missing == []
    assert [g for g, i in plan.graded.items() if not i["auto"]] == ["q1-answer", "q2-answer"]


def test_a_cell_whose_parts_do_not_compile_alone_runs_whole():
    code = "with open('x') as f:\n### BEGIN HIDDEN TESTS\n    pass\n### END HIDDEN TESTS\n"
    assert runner._split(code) == [code]


# ---------------------------------------------------------------- the gradebook

def test_a_failed_write_leaves_the_old_row(tmp_path, monkeypatch):
    row = gradebook.make_row("ann", ASSIGNMENT, {"a": {"points": 1.0, "max": 1.0,
                                                       "failed": None}}, "ok", "", 1.0)
    gradebook.write_row(tmp_path, row)

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        gradebook.write_row(tmp_path, dict(row, total=0.0))
    assert [r["total"] for r in gradebook.read_rows(tmp_path)] == [1.0]
    assert sorted(p.name for p in (tmp_path / "rows").iterdir()) == ["ann.json"]


def test_any_student_folder_name_gets_a_row_inside_the_gradebook(tmp_path):
    for name in ("../../etc", "Ann O'Neil", ".."):
        row = gradebook.make_row(name, ASSIGNMENT, {}, "ok", "", 0.0)
        path = gradebook.write_row(tmp_path / "out", row)
        assert path.parent == tmp_path / "out" / "rows", name
    students = sorted(r["student"] for r in gradebook.read_rows(tmp_path / "out"))
    assert students == sorted(["../../etc", "..", "Ann O'Neil"])


def test_probe_lists_every_protection():
    allowed = sandbox.probe()
    assert set(allowed) == set(sandbox.PROTECTIONS)
    if os.geteuid() == 0:
        assert allowed["uid"] is None


def test_concurrent_runs_lease_different_uids():
    """Clean-up kills every process of a uid, so two runs must never share one."""
    (first, fd1), (second, fd2) = sandbox.lease_uid(), sandbox.lease_uid()
    try:
        assert first != second and first >= sandbox.BASE_UID
    finally:
        os.close(fd2)
    again, fd3 = sandbox.lease_uid()
    os.close(fd3)
    os.close(fd1)
    assert again != first, "a held uid is never leased twice"


# ---------------------------------------------------------------- a small real batch

# The tests below share one graded class (about 40 s): they run in `make test-slow`, which
# CI runs after `make test`, to keep the fast tier under its 10 minutes.
@pytest.fixture(scope="module")
def small():
    """Budget overrun, memory blow-up and a solution, graded with 'no network' reported
    missing; then regraded once with a changed submission."""
    with tempfile.TemporaryDirectory(prefix="grade-parts-") as tmp, \
            pytest.MonkeyPatch.context() as mp:
        root = Path(tmp)
        os.chmod(root, 0o755)
        probe = sandbox.probe

        def no_network() -> dict:
            return dict(probe(), network="unshare() refused (pretend, for the test)")

        mp.setattr(sandbox, "probe", no_network)
        first, again, out = root / "first", root / "again", root / "graded"
        sol = read(SOLUTION)
        _write(first, "over_budget", _with(sol, "ex1-answer",
                                           source="import time\ntime.sleep(60)"))
        _write(first, "memory", _with(sol, "ex1-answer", source="big = bytearray(8 << 30)"))
        _write(first, "correct", sol)
        log: list[str] = []
        options = {"cell_timeout": 40, "budget": 15, "data": root / "data", "log": log.append}
        rows = cli.grade_all(ASSIGNMENT, first, out, jobs=2, **options)
        _write(again, "correct", read(EXERCISE))
        regraded = cli.grade_all(ASSIGNMENT, again, out, jobs=1, **options)
        yield {"rows": {r["student"]: r for r in rows}, "regraded": regraded[0],
               "log": log, "out": out / ASSIGNMENT, "data": root / "data"}


@pytest.mark.slow
def test_over_budget_gets_a_row(small):
    row = small["rows"]["over_budget"]
    assert (row["total"], row["status"]) == (0, "budget")
    assert row["reason"] == "over the notebook's budget of 15 s in ex1-answer"


@pytest.mark.slow
def test_memory_blow_up_fails_only_its_cell(small):
    row = small["rows"]["memory"]
    assert (row["total"], row["status"]) == (10, "ok")
    assert row["scores"]["ex1-check"]["failed"].startswith("NameError")


@pytest.mark.slow
def test_a_missing_protection_is_said_and_grading_goes_on(small):
    assert ("sandbox: network protection unavailable: unshare() refused (pretend, for the "
            "test); continuing without it") in small["log"]
    assert small["rows"]["correct"]["total"] == 11


@pytest.mark.slow
def test_regrading_replaces_the_row_and_keeps_the_others(small):
    assert small["regraded"]["total"] == 0
    rows = {r["student"]: r for r in gradebook.read_rows(small["out"])}
    assert sorted(rows) == ["correct", "memory", "over_budget"]
    assert rows["correct"]["total"] == 0 and rows["memory"]["total"] == 10
    csv_lines = (small["out"] / "grades.csv").read_text().splitlines()
    assert len(csv_lines) == 4 and csv_lines[1].startswith("correct,0,")


@pytest.mark.slow
def test_a_grader_crash_loses_no_finished_row(small, tmp_path, monkeypatch):
    subs, out = tmp_path / "subs", tmp_path / "out"
    for student in ("a_first", "b_crashes", "c_error"):
        _write(subs, student, read(SOLUTION))

    def fake_execute(plan, cfg, env, cell_timeout, budget, group=None):
        student = Path(cfg["workdir"]).name
        if "b_crashes" in student:
            raise KeyboardInterrupt               # the grader itself is stopped
        if "c_error" in student:
            raise RuntimeError("a bug in the grader")
        return "ok", ""

    monkeypatch.setattr(drive, "execute", fake_execute)
    monkeypatch.setattr(cli.Grader, "_workdir", lambda self, slot, student: self.work / student)
    with pytest.raises(KeyboardInterrupt):
        cli.grade_all(ASSIGNMENT, subs, out, jobs=1, data=small["data"], log=lambda m: None)
    rows = {r["student"]: r for r in gradebook.read_rows(out / ASSIGNMENT)}
    assert "a_first" in rows and "b_crashes" not in rows, "finished rows are on disk"
    assert not list((out / ASSIGNMENT / "rows").glob(".*")), "no half-written row"
    del rows
    (subs / "b_crashes").rename(tmp_path / "gone")
    cli.grade_all(ASSIGNMENT, subs, out, jobs=1, data=small["data"], log=lambda m: None)
    rows = {r["student"]: r for r in gradebook.read_rows(out / ASSIGNMENT)}
    assert rows["c_error"]["status"] == "error"
    assert rows["c_error"]["reason"] == "grader error: RuntimeError: a bug in the grader"


@pytest.mark.slow
def test_validate_and_export_commands(small, capsys, monkeypatch):
    monkeypatch.setenv("COURSE_DATA", str(small["data"]))
    assert cli.main(["validate", str(SOLUTION)]) == 0
    assert "total 11/11  status ok" in capsys.readouterr().out
    assert cli.main(["export", ASSIGNMENT, "--out", str(small["out"].parent)]) == 0
    printed = capsys.readouterr().out
    assert "over_budget" in printed and "grades.csv" in printed
