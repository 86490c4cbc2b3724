"""The trust boundary: a graded cell's points are judged in the grader's process, on the
course data and on hidden data, so forging inside the student's kernel earns nothing.

The ``forged`` batch grades chapter 3 submissions that forge one check each with one
technique of course/grade/forgeries.py (the answer itself is wrong, and the forgery reports
the course data's right answer in its place), the demo's forger who uses them all, a
snooping submission, and the solution; it is graded once for the module. The rest are unit
tests of the judge, grading mode and the hidden data, without a kernel.
"""

from __future__ import annotations

import copy
import json
import os
import stat
import tempfile
from pathlib import Path

import pytest

from course import checks, labsetup, reporting
from course.execution import Run
from course.grade import forgeries, judge, reference
from course.grade.cli import grade_all
from course.grade.samples import variant
from course.notebooks import REPO, read

ASSIGNMENT = "ch03_spark_basics"
SOLUTION = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
HARD_CODED = judge.HARD_CODED
# The hidden data's seed here: on it every forged answer differs from the course data's
# (test_the_forgers_copy_the_course_data_answers); a small count such as n_users coincides
# on some seeds (346 on seed 1001 too), and a hard-coded answer then passes.
SEED = 3


def _snooping(sol: dict, out: Path) -> dict:
    """ex1's answer is right only if nothing of the grader's private folder, nor the other
    data set, can be read, and the manifest names no seed but the course's or "hidden"."""
    private = out / reference.PRIVATE
    code = f"""import json, os
from pathlib import Path
_other = DATA.parent / ("hidden-data" if DATA.name == "data" else "data")
_paths = [Path({str(private)!r}), Path({str(private / "seed")!r}),
          Path({str(private / "reference")!r}), _other / "manifest.json", _other]
_read = 0
for _p in _paths:
    try:
        (os.listdir(_p) if _p.is_dir() else open(_p).read())
        _read += 1
    except OSError:
        pass
_seed = json.loads((DATA / "manifest.json").read_text())["seed"]
print(f"blocked {{len(_paths) - _read}} of {{len(_paths)}}; seed {{_seed}}")
n_lines = logs.count() if _read == 0 and _seed in (42, "hidden") else -1"""
    return variant(sol, {"ex1-answer": code})


def _silent(sol: dict) -> dict:
    """A fake checks module whose check of n_users reports nothing and raises nothing."""
    code = """n_users = 0
import sys, types
_real = sys.modules["course.checks"]
_fake = types.ModuleType("course.checks")
_fake.__dict__.update(_real.__dict__)
_fake.check = lambda name, *a, **k: None if name == "ch03.n_users" else _real.check(name, *a, **k)
sys.modules["course.checks"] = _fake
check = _fake.check"""
    return variant(sol, {"ex5-answer": code})


def classes(out: Path) -> dict[str, dict]:
    sol = read(SOLUTION)
    f = forgeries
    return {
        "correct": sol,
        "hard_coded": variant(sol, {"ex1-answer": f.hard_coded("n_lines", "ch03.n_lines")}),
        "sys_modules": variant(sol, {"ex5-answer": f.sys_modules("n_users", "ch03.n_users")}),
        "fake_import": variant(sol, {"ex6-answer": f.KB_IPS
                                                    + f.fake_import("n_kb_ips", "ch03.n_kb_ips")}),
        "gc_patch": variant(sol, {"ex3-answer": f.gc_patch("first_ips", "ch03.first_ips")}),
        "forged_reply": variant(sol, {"ex8-answer": f.forged_reply("ch03.kb_requests")}),
        "silent": _silent(sol),
        "every_technique": variant(sol, f.forger_cells()),
        "snoops": _snooping(copy.deepcopy(sol), out),
    }


@pytest.fixture(scope="module")
def forged():
    with tempfile.TemporaryDirectory(prefix="grade-trust-") as tmp:
        root = Path(tmp)
        os.chmod(root, 0o755)
        submissions, out = root / "submitted", root / "graded"
        for student, nb in classes(out).items():
            path = submissions / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(nb))
        log: list[str] = []
        rows = grade_all(ASSIGNMENT, submissions, out, jobs=2, cell_timeout=30, budget=120,
                         data=root / "data", log=log.append, seed=SEED)
        yield {"rows": {r["student"]: r for r in rows}, "out": out, "log": log,
               "private": out / reference.PRIVATE}


def _lost(row: dict) -> dict[str, str]:
    return {gid: s["failed"] for gid, s in row["scores"].items()
            if s["points"] is not None and s["points"] < s["max"]}


# ---------------------------------------------------------------- forging in the kernel

@pytest.mark.parametrize("forger, cell", [
    ("hard_coded", "ex1-check"), ("sys_modules", "ex5-check"), ("fake_import", "ex6-check"),
    ("gc_patch", "ex3-check")])
def test_a_forged_check_scores_nothing(forged, forger, cell):
    """The forgery fooled everything in the kernel (the course data's answer was reported
    in the right place: the reason is not a mismatch there), yet the cell scores 0."""
    row = forged["rows"][forger]
    assert _lost(row) == {cell: HARD_CODED}, row
    assert (row["total"], row["status"]) == (10, "ok")


def test_a_forged_reply_scores_nothing(forged):
    row = forged["rows"]["forged_reply"]
    lost = _lost(row)
    assert lost["ex8-check"] == HARD_CODED, row
    assert sorted(lost) == ["ex8-check", "ex8-lazy"], "the forger's own exit loses ex8-lazy"
    assert row["status"] == "died"


def test_a_check_that_reports_nothing_scores_nothing(forged):
    """Judged on the course data already: the trusted cell's checks must all report."""
    row = forged["rows"]["silent"]
    assert _lost(row) == {"ex5-check": "only 0 of the cell's 2 checks gave an answer to the "
                                       "grader"}, row


def test_the_demo_forger_gets_nothing_for_forged_cells(forged):
    row = forged["rows"]["every_technique"]
    forged_cells = {"ex1-check", "ex3-check", "ex5-check", "ex6-check", "ex8-check"}
    lost = _lost(row)
    assert {gid: lost.get(gid) for gid in forged_cells} == dict.fromkeys(forged_cells,
                                                                          HARD_CODED)
    assert sorted(lost) == sorted(forged_cells | {"ex8-lazy"})
    assert row["total"] == 4


def test_the_solution_still_scores_full_marks(forged):
    row = forged["rows"]["correct"]
    assert (row["total"], row["status"], row["reason"]) == (11, "ok", "")


def test_the_forgers_copy_the_course_data_answers(forged):
    """forgeries.PUBLIC is what the reference reports on the course data (else the tests
    above would not prove that the hidden data is what stops them)."""
    refs = {}
    for path in (forged["private"] / "reference").glob(f"{ASSIGNMENT}-*.json"):
        ref = json.loads(path.read_text())["reports"]
        refs[ref["ex1-check"][0]["value"]] = ref
    assert len(refs) == 2, "a reference on the course data and one on the hidden data"
    course = refs.pop(forgeries.PUBLIC["ch03.n_lines"])
    hidden = refs.popitem()[1]
    for gid, name in (("ex1-check", "ch03.n_lines"), ("ex3-check", "ch03.first_ips"),
                      ("ex5-check", "ch03.n_users"), ("ex6-check", "ch03.n_kb_ips"),
                      ("ex8-check", "ch03.kb_requests")):
        assert course[gid][0]["value"] == forgeries.PUBLIC[name], name
        assert hidden[gid][0]["value"] != forgeries.PUBLIC[name], name


# ---------------------------------------------------------------- what the sandbox can read

def test_the_kernel_cannot_read_expected_values_seed_or_hidden_manifest(forged):
    row = forged["rows"]["snoops"]
    assert (row["total"], row["status"]) == (11, "ok"), _lost(row)
    html = (forged["out"] / ASSIGNMENT / "feedback" / "snoops.html").read_text()
    assert "blocked 5 of 5; seed 42" in html
    for student in forged["rows"]:
        page = (forged["out"] / ASSIGNMENT / "feedback" / f"{student}.html").read_text()
        assert f"seed {SEED}" not in page and "seed hidden" not in page, student


def test_the_private_folder_is_the_graders_alone(forged):
    private = forged["private"]
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert not (private / "seed").exists(), "a seed given by --seed is not stored"
    assert not any(str(private) in line for line in forged["log"]), "paths stay unprinted"


# ---------------------------------------------------------------- the judge (no kernel)

def _report(kind, name, value, **extra):
    return {"kind": kind, "name": name, "value": value, **extra}


def test_a_hint_never_quotes_the_expected_value():
    want = [_report("check", "t.n", 9987, shape="number",
                    options={"ordered": True, "digits": 6, "sort_inner": False})]
    why = judge.mismatch([_report("check", "t.n", 9987 * 2, shape="number")], want)
    assert why.startswith("t.n: not the expected answer. Your numbers are exactly 2 times")
    why = judge.mismatch([_report("check", "t.n", 9990, shape="number")], want)
    assert "Close: your number has the same first two significant digits" in why
    assert "9987" not in why
    pairs = [["a", 1], ["b", 2], ["c", 3]]
    want = [_report("check", "t.p", pairs, shape="list of (str, int)",
                    options={"ordered": True, "digits": 6, "sort_inner": False})]
    why = judge.mismatch([_report("check", "t.p", pairs[:2], shape="list of (str, int)")], want)
    assert "It should have 3 items; yours has 2" in why and "'c'" not in why
    why = judge.mismatch([_report("check", "t.p", pairs[::-1], shape="list of (str, int)")], want)
    assert why.endswith("Your answer has the expected items, in a different order.")


def test_the_judge_gives_the_self_checks_hint_for_a_known_mistake(tmp_path, monkeypatch):
    """One phrasing for both: a known mistake recorded in answers.json (course/mistakes.py)
    gets its hint from the judge too, found by hashing the student's value."""
    import json

    from course import checks, mistakes

    monkeypatch.setattr(checks, "ANSWERS", tmp_path / "answers.json")
    monkeypatch.setitem(mistakes.MISTAKES, "t.n", [lambda data: [(9980, "No distinct().")]])
    opts = {"ordered": True, "digits": 6, "sort_inner": False}
    checks.ANSWERS.write_text(json.dumps({"t.n": checks.record("t.n", 348, **opts)}))
    want = [_report("check", "t.n", 348, shape="number", options=opts)]
    why = judge.mismatch([_report("check", "t.n", 9980, shape="number")], want)
    assert why == "t.n: not the expected answer. No distinct()."
    why = judge.mismatch([_report("check", "t.n", 9981, shape="number")], want)
    assert "No distinct" not in why


def test_reports_must_match_in_number_kind_and_order():
    want = [_report("check", "t.a", 1), _report("same", "same", [1, 2])]
    assert judge.mismatch(want, want) is None
    assert judge.mismatch(want[:1], want).startswith("only 1 of the cell's 2 checks")
    assert judge.mismatch(want[::-1], want).startswith("the cell's checks did not run")
    assert judge.mismatch(want + want[:1], want).startswith("3 checks gave an answer")
    assert judge.mismatch([want[0], _report("same", "same", [2, 1])], want) == \
        "hidden tests failed"
    assert judge.mismatch([want[0], _report("same", "same", [2, 1])], want, hints=False) == \
        HARD_CODED
    assert judge.mismatch(["junk", 3], want).startswith("the cell's checks did not run")
    assert judge.mismatch([_report("check", "t.a", True), want[1]], want) is not None, \
        "True is not 1"


def test_a_reply_of_any_shape_scores_nothing_and_still_gives_a_row():
    from course.grade import runner

    source = read(REPO / "course" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    the_plan = runner.plan(source, read(SOLUTION))
    ref = judge.Reference({gid: [] for gid in the_plan.graded})
    for cell in the_plan.cells:
        cell.outcome = {"parts": ["junk", {"error": 3}]}
    scores = judge.score(the_plan, None, ref, None)
    auto = [s for s in scores.values() if s["points"] is not None]
    assert auto and all(s["points"] == 0 for s in auto), scores


# ---------------------------------------------------------------- grading mode in the kernel

@pytest.fixture
def grading(monkeypatch, tmp_path):
    """Grading mode, with an answers file that does not exist: nothing may need it."""
    monkeypatch.setattr(checks, "_GRADING", True)
    monkeypatch.setattr(checks, "ANSWERS", tmp_path / "missing.json")
    reporting.drain()
    yield
    reporting.drain()


def test_in_grading_mode_checks_report_and_never_judge(grading, capsys):
    checks.check("t.n", 12345)                 # no answers: not an error, nothing judged
    checks.check("t.s", {3, 1, 2}, ordered=False)
    assert checks.same([(1, 2)], [[1, 2]]) is True
    assert checks.same([3], [4]) is False
    Run(available=True).expect("held", 2 > 1, "never shown")
    got = [(r["kind"], r["name"], r["value"]) for r in reporting.drain()]
    assert got == [("check", "t.n", 12345), ("check", "t.s", [1, 2, 3]),
                   ("same", "same", [[1, 2]]), ("same", "same", [3]),
                   ("expect", "held", True)]
    printed = capsys.readouterr().out
    assert "✓ t." not in printed and "t.n: answer given to the grader" in printed


def test_in_grading_mode_an_unsupported_or_huge_answer_fails_its_check(grading):
    with pytest.raises(checks.CheckError, match="lazy Python map"):
        checks.check("t.lazy", map(str, [1]))
    with pytest.raises(checks.CheckError, match="more than the grader accepts"):
        checks.check("t.big", list(range(reporting.MAX_CHARS)))
    reports = reporting.drain()
    assert reports[0]["unsupported"] and reports[1]["too_big"] > reporting.MAX_CHARS
    assert all("value" not in r for r in reports), "nothing truncated is reported"


# ---------------------------------------------------------------- the hidden data set

def test_the_class_seed_is_made_once_kept_private_and_never_the_courses(tmp_path):
    private = reference.private_dir(tmp_path)
    seed = reference.class_seed(private)
    assert seed != labsetup.SEED and reference.class_seed(private) == seed
    assert int((private / "seed").read_text()) == seed
    assert stat.S_IMODE((private / "seed").stat().st_mode) == 0o600
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert reference.class_seed(private, 7) == 7
    with pytest.raises(ValueError, match="course data's own seed"):
        reference.class_seed(private, labsetup.SEED)


def test_the_kernels_copy_names_no_seed(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.txt").write_text("x\n")
    (source / "manifest.json").write_text(json.dumps({"seed": 1234, "dataset_sha256": "d"}))
    manifest = reference.sandbox_copy(source, tmp_path / "copy")
    assert manifest["seed"] == 1234
    copied = json.loads((tmp_path / "copy" / "manifest.json").read_text())
    assert copied == {"seed": "hidden", "dataset_sha256": "d"}


def test_the_setup_cell_accepts_the_graders_data_only_in_grading_mode(tmp_path, monkeypatch):
    import datagen

    data = tmp_path / "other"
    manifest = datagen.generate(data, "tiny", seed=7, quiet=True, days=1, lines=50)
    monkeypatch.setenv("COURSE_GRADER_DATASET", manifest["dataset_sha256"])
    monkeypatch.setattr(checks, "_GRADING", False)
    with pytest.raises(labsetup.CourseDataError, match="seed 7"):
        labsetup.ensure_data(data)
    monkeypatch.setattr(checks, "_GRADING", True)
    assert labsetup.ensure_data(data)["seed"] == 7
    monkeypatch.setenv("COURSE_GRADER_DATASET", "0" * 64)
    with pytest.raises(labsetup.CourseDataError):
        labsetup.ensure_data(data)


# ---------------------------------------------------------------- every chapter (slow)

@pytest.mark.slow
@pytest.mark.parametrize("name", __import__("course.notebooks").notebooks.assignments())
def test_every_solution_scores_full_marks_and_every_blank_nothing(name, tmp_path):
    """Through the grader, with the judge and the hidden data: the released solution of
    every chapter (streaming ones included) matches the reference on both data sets, and
    the released exercise notebook scores 0."""
    os.chmod(tmp_path, 0o755)
    for student, kind in (("solution", "solutions"), ("blank", "exercises")):
        path = tmp_path / "submitted" / student / name / f"{name}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text((REPO / kind / name / f"{name}.ipynb").read_text())
    rows = {r["student"]: r for r in grade_all(name, tmp_path / "submitted", tmp_path / "out",
                                               jobs=2, data=tmp_path / "data", seed=SEED,
                                               log=lambda message: None)}
    solution, blank = rows["solution"], rows["blank"]
    assert (solution["total"], solution["status"]) == (solution["max"], "ok"), _lost(solution)
    assert solution["max"] > 0 and blank["total"] == 0, _lost(blank)
