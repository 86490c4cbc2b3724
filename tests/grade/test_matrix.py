"""The must-show matrix: every sample submission of ``conftest.EXPECTED`` graded end to end
(sandboxed kernels, two in parallel), with its exact score, status and reason; the sandbox
holding against reads, writes and left-behind processes; feedback without hidden tests.
"""

from __future__ import annotations

import csv
import json
import re
import time
from html import escape
from pathlib import Path

from course import checks
from course.grade import drive, gradebook, judge
from course.notebooks import REPO, read, source_path


def test_score_status_and_reason(batch, matrix, student):
    total, status, reason = matrix["expected"][student]
    row = batch["rows"][student]
    assert (row["total"], row["max"], row["status"]) == (total, 11, status), row
    assert row["reason"].startswith(reason), row["reason"]
    if not reason:
        assert row["reason"] == ""
    assert row["manual_max"] == 3, "the written answers stay for the instructor"


def test_every_submission_has_exactly_one_row(batch, matrix):
    with open(batch["out"] / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["student"] for r in rows) == sorted(matrix["expected"])
    by_student = {r["student"]: r for r in rows}
    assert by_student["partial"]["ex3-check"] == "0"
    assert by_student["partial"]["ex4-check"] == "2"
    assert by_student["ignores_sigint"]["total"] == "5"


def test_points_per_cell_follow_the_failures(batch):
    rows = batch["rows"]
    lost = {s: sorted(g for g, c in r["scores"].items()
                      if c["points"] is not None and c["points"] < c["max"])
            for s, r in rows.items()}
    assert lost["visible_only"] == ["ex2-check"]
    assert rows["visible_only"]["scores"]["ex2-check"]["failed"] == "hidden tests failed"
    assert lost["forged_eq"] == ["ex1-check"]
    assert lost["tampered"] == ["ex1-check"]
    assert lost["deleted"] == ["ex2-check"]
    assert lost["os_exit"] == ["ex6-check", "ex7-check", "ex8-check", "ex8-lazy"]
    assert lost["infinite_loop"] == ["ex1-check"]


def test_the_class_report_groups_the_batchs_wrong_answers(batch, matrix):
    """report.html (course/grade/report.py), written by grade_all from the real rows: pass
    rates as in the rows, partial's wrong value shown, no expected value on the page."""
    rows, html = batch["rows"], (batch["out"] / "report.html").read_text(encoding="utf-8")
    n = len(matrix["expected"])
    for gid in ("ex1-check", "ex6-check", "ex8-lazy"):
        passed = sum(1 for r in rows.values() if r["scores"][gid]["failed"] is None)
        assert f"{passed} of {n} passed" in html.split(f'<h2 id="{gid}">')[1].split("<h2")[0]
    ex6 = rows["partial"]["scores"]["ex6-check"]
    assert ex6["wrong"]["shown"] == "0" and ex6["seconds"] > 0, "n_kb_ips = 0"
    assert "<td><code>0</code></td>" in html.split('<h2 id="ex6-check">')[1].split("<h2")[0]
    assert rows["correct"]["scores"]["ex8-lazy"]["expects"], "how it ran: kept with results"
    private = batch["root"] / "graded" / "grader-private" / "reference"
    expected = [checks._key(r["value"]) for f in private.glob("*.json")
                for reports in json.loads(f.read_text())["reports"].values() for r in reports
                if "value" in r]
    shown = [key for key in expected if 4 <= len(key) <= judge.SHOWN]   # shown whole
    assert shown, "the reference's values were found"
    html = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)   # the plot's coordinates
    for key in shown:
        assert key not in html and escape(key) not in html, key


def test_run_takes_no_longer_than_its_budgets(batch, matrix):
    """Waits are counted in the kernel's effective seconds (drive.KernelClock), so on a
    busy machine they take longer in wall time, never longer than the wall ceilings."""
    rows = batch["rows"]
    effective = matrix["cell_timeout"] + drive.INTERRUPTS * drive.REACT
    ceiling = drive.WALL_FACTOR * effective + (1 + drive.INTERRUPTS) * drive.WALL_SLACK
    assert rows["ignores_sigint"]["seconds"] < ceiling + 60       # + the other cells
    assert rows["correct"]["seconds"] < 60


def _feedback(batch, student: str) -> str:
    return (batch["out"] / "feedback" / f"{student}.html").read_text()


def test_feedback_shows_no_hidden_tests(batch, matrix):
    source = read(source_path(matrix["assignment"]))
    hidden = "".join("".join(c["source"]) for c in source["cells"]
                     if "BEGIN HIDDEN TESTS" in "".join(c["source"]))
    html = _feedback(batch, "visible_only")
    assert "hidden tests failed" in html
    assert "ex2-check: 0 / 1" in html
    for secret in ("BEGIN HIDDEN", "_grader", "hasattr(jpg_lines", "should be an RDD"):
        assert secret in hidden and secret not in html, secret
    assert 'check(&quot;ch03.n_jpg&quot;, n_jpg)' in html, "the visible check is shown"
    for student in matrix["expected"]:
        assert "_grader" not in _feedback(batch, student), student


def test_the_submission_cannot_read_private_files(batch):
    html = _feedback(batch, "snoops")
    assert "blocked 10 of 10" in html, html[html.find("paths ="):][:3000]
    assert "BEGIN HIDDEN" not in html and "correct.json" not in html


def test_the_submission_cannot_write_outside_its_directory(batch, matrix):
    html = _feedback(batch, "writes_outside")
    assert "wrote 0 of 4" in html
    assert "tmp write ok" in html, "its write to /tmp succeeded, in a private /tmp"
    assert not (REPO / "course" / "pwned.txt").exists()
    assert not matrix["tmp_escape"].exists(), "nothing it wrote to /tmp is left"


def test_left_behind_processes_are_killed(batch, matrix):
    def survivors() -> list[str]:
        found = []
        for proc in Path("/proc").iterdir():
            try:
                if matrix["marker"] in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(proc.name)
            except OSError:
                continue
        return found

    assert "left a process behind" in _feedback(batch, "detached")
    assert survivors() == []
    time.sleep(3.5)                       # past the moment it meant to edit the grades
    row = json.loads((batch["out"] / "rows" / "correct.json").read_text())
    assert row["total"] == 11 and "hacked" not in row


def test_stderr_costs_nothing(batch):
    html = _feedback(batch, "stderr")
    assert "user_id called" in html, "the stderr output is shown, not punished"


def test_missing_protections_are_reported(batch):
    assert any(line.startswith("sandbox:") for line in batch["log"])


def test_regrading_replaces_rows(batch, matrix):
    """Idempotent: the gradebook is rebuilt from one file per student."""
    before = (batch["out"] / "grades.csv").read_text()
    gradebook.export(batch["out"])
    assert (batch["out"] / "grades.csv").read_text() == before
    rows = gradebook.read_rows(batch["out"])
    assert len(rows) == len(matrix["expected"])
