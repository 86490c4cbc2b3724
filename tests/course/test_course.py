"""The course notebooks: released files match the sources, solutions score full marks
under nbgrader's autograde, unsolved exercises score 0, and ``answers.json`` is what the
solutions produce.

For each assignment a throw-away nbgrader course does the grading: the assignment is
generated (with its gradebook), then two "students" submit, ``solution`` (the
solutions/ notebook) and ``blank`` (the exercises/ notebook, untouched), and both are
autograded, which re-inserts the hidden tests. The solution run also records every
check's answer (COURSE_RECORD_TO).
"""

from __future__ import annotations

import json
import shutil

import pytest

from course import labsetup
from course.checks import ANSWERS
from course.notebooks import (
    REPO,
    assignments,
    cell_failed,
    execute,
    exercise_prefix,
    grading_course,
    nbgrader_meta,
    read,
    release,
    source_path,
)

NAMES = assignments()
# nbgrader's gradebook (SQLAlchemy) warns about its own session handling.
pytestmark = pytest.mark.filterwarnings("ignore:Object of type:Warning")


def test_there_are_chapters():
    assert {"ch03_spark_basics", "ch04_pair_rdds"} <= set(NAMES)


# ---------------------------------------------------------------- drift

def test_released_notebooks_match_the_sources(tmp_path):
    """exercises/ and solutions/ are exactly what `make release` makes from course/source/."""
    release(tmp_path)
    for kind in ("exercises", "solutions"):
        fresh = sorted(p.relative_to(tmp_path / kind) for p in (tmp_path / kind).rglob("*.ipynb"))
        # JupyterLab's .ipynb_checkpoints/ (git-ignored) appear as soon as someone opens
        # a notebook with `make lab`; they are not part of the release.
        committed = sorted(p.relative_to(REPO / kind) for p in (REPO / kind).rglob("*.ipynb")
                           if ".ipynb_checkpoints" not in p.parts)
        assert committed == fresh, f"{kind}/ holds other notebooks than the sources: make release"
        for rel in fresh:
            # Byte for byte: the release is written as JupyterLab saves (notebooks.dumps),
            # so a notebook opened and saved unchanged still passes, and any other change
            # (even of format) fails.
            assert (REPO / kind / rel).read_bytes() == (tmp_path / kind / rel).read_bytes(), (
                f"{kind}/{rel} differs from what course/source/ generates: run `make release` "
                "(edit only the source notebooks)")


# ---------------------------------------------------------------- structure of the sources

@pytest.mark.parametrize("name", NAMES)
def test_source_structure(name):
    nb = read(source_path(name))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    setup = nbgrader_meta(code[0])
    assert setup.get("locked") and not setup.get("grade") and not setup.get("solution"), \
        "the first code cell is the locked setup cell"
    assert f'start("{name}")' in "".join(code[0]["source"])
    metas = [nbgrader_meta(c) for c in nb["cells"] if nbgrader_meta(c)]
    ids = [m["grade_id"] for m in metas]
    assert len(ids) == len(set(ids)), "grade ids are unique"
    graded = [m for m in metas if m.get("grade")]
    assert 6 <= len(graded) <= 12, f"{len(graded)} graded cells; the course asks for 6 to 12"
    assert all(m.get("points", 0) > 0 for m in graded)
    tests = [c for c in code if nbgrader_meta(c).get("grade")]
    assert all(nbgrader_meta(c).get("locked") for c in tests), "test cells are locked"
    for cell in tests:
        text = "".join(cell["source"])
        visible, _, hidden = text.partition("### BEGIN HIDDEN TESTS")
        for line in visible.splitlines():
            if line.startswith("check("):
                assert "_grader." + line in hidden, (
                    f"{nbgrader_meta(cell)['grade_id']}: the hidden part must repeat "
                    f"{line!r} through _grader (see INSTRUCTOR.md)")
        assert "same(" not in hidden.replace("_grader.same(", ""), "use _grader.same"


# ---------------------------------------------------------------- grading

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """``graded(name)``: autograde one assignment's solution and blank notebooks with
    nbgrader (once per module); returns ``{student: (submission, autograded nb)}`` and
    the answers its solution's checks recorded. One course per assignment, so each
    test's time stays bounded however many chapters there are."""
    data = tmp_path_factory.mktemp("course-data")   # the first setup cell generates it
    cache: dict = {}

    def grade(name: str):
        if name in cache:
            return cache[name]
        records = tmp_path_factory.mktemp("records") / "records.jsonl"
        records.touch()
        results = {}
        mp = pytest.MonkeyPatch()
        mp.setenv("COURSE_DATA", str(data))
        mp.setenv("COURSE_ENGINE", "minispark")
        mp.delenv("COURSE_RECORD", raising=False)
        try:
            with grading_course([name]) as (root, api):
                assert api.generate_assignment(name, force=True, create=True)["success"]
                for student, kind in (("solution", "solutions"), ("blank", "exercises")):
                    dest = root / "submitted" / student / name
                    dest.mkdir(parents=True)
                    shutil.copy(REPO / kind / name / f"{name}.ipynb", dest)
                    if student == "solution":
                        mp.setenv("COURSE_RECORD_TO", str(records))
                    else:
                        mp.delenv("COURSE_RECORD_TO", raising=False)
                    result = api.autograde(name, student, force=True, create=True)
                    assert result["success"], result["log"]
                    results[student] = (api.get_submission(name, student),
                                        read(root / "autograded" / student / name
                                             / f"{name}.ipynb"))
        finally:
            mp.undo()
        recorded = {}
        for line in records.read_text().splitlines():
            rec = json.loads(line)
            recorded[rec.pop("exercise")] = rec
        cache[name] = results, recorded
        return cache[name]
    return grade


def _failures(nb):
    return {nbgrader_meta(c)["grade_id"]: cell_failed(c) for c in nb["cells"]
            if c["cell_type"] == "code" and nbgrader_meta(c).get("grade") and cell_failed(c)}


@pytest.mark.parametrize("name", NAMES)
def test_solution_scores_full_marks(graded, name):
    submission, nb = graded(name)[0]["solution"]
    assert _failures(nb) == {}
    assert submission["max_code_score"] > 0
    assert submission["code_score"] == submission["max_code_score"]
    assert submission["max_written_score"] > 0, "each chapter has written answers"


@pytest.mark.parametrize("name", NAMES)
def test_unsolved_exercises_score_zero(graded, name):
    submission, nb = graded(name)[0]["blank"]
    assert submission["code_score"] == 0, _failures(nb)
    tests = [c for c in nb["cells"] if c["cell_type"] == "code" and nbgrader_meta(c).get("grade")]
    assert len(_failures(nb)) == len(tests)


@pytest.mark.parametrize("name", NAMES)
def test_hidden_tests_reach_the_grader_only(graded, name):
    """Hidden tests are in the sources and in what autograde ran, not in the releases."""
    for kind in ("exercises", "solutions"):
        assert "HIDDEN TESTS" not in (REPO / kind / name / f"{name}.ipynb").read_text()
    _, nb = graded(name)[0]["solution"]
    assert any("### BEGIN HIDDEN TESTS" in "".join(c["source"]) for c in nb["cells"])


@pytest.mark.parametrize("name", NAMES)
def test_answers_json_is_current(graded, name):
    """Every check the solution runs is recorded, with the same hash and facts, and nothing else."""
    stored = {k: v for k, v in json.loads(ANSWERS.read_text()).items()
              if k.startswith(exercise_prefix(name))}
    recorded = graded(name)[1]
    assert sorted(recorded) == sorted(stored), "run `make answers`: exercises were added or removed"
    for exercise, rec in recorded.items():
        assert rec == stored[exercise], f"{exercise}: run `make answers`"


def test_answers_json_has_no_orphans():
    prefixes = {exercise_prefix(name) for name in NAMES}
    orphans = [k for k in json.loads(ANSWERS.read_text()) if k.split(".")[0] + "." not in prefixes]
    assert orphans == [], "answers of chapters that have no source notebook: run `make answers`"


@pytest.mark.parametrize("name", NAMES)
def test_setup_cell_output_is_clean(graded, name):
    """The setup cell prints to stdout only: nothing on stderr, no error."""
    _, nb = graded(name)[0]["solution"]
    setup = next(c for c in nb["cells"] if c["cell_type"] == "code")
    kinds = [(o["output_type"], o.get("name")) for o in setup["outputs"]]
    assert ("stream", "stderr") not in kinds and ("error", None) not in kinds, setup["outputs"]


# ---------------------------------------------------------------- the setup cell's data check

def test_other_data_gets_a_clear_message(tmp_path, monkeypatch):
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"dataset_sha256": "0" * 64, "scale": "small", "seed": 7}))
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    with pytest.raises(labsetup.CourseDataError, match=r"scale 'small', seed 7.*COURSE_DATA"):
        labsetup.ensure_data(labsetup.data_dir())


def test_unknown_engine_is_refused(monkeypatch):
    monkeypatch.setenv("COURSE_ENGINE", "flink")
    with pytest.raises(ValueError, match="minispark, pyspark"):
        labsetup.engine_name()


def test_how_checks_catch_a_right_answer_computed_the_wrong_way(tmp_path, monkeypatch):
    """ch04's top users: collect-then-sort and sortBy give the right list, and the
    execution-aware check fails each with a message that says why."""
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "data"))
    nb = read(source_path("ch04_pair_rdds"))
    by_id = {nbgrader_meta(c).get("grade_id"): c for c in nb["cells"]}
    given = next(c for c in nb["cells"] if c["cell_type"] == "code" and not nbgrader_meta(c))
    ways = {
        "collect": "return sorted(counts.collect(), key=lambda kv: (-kv[1], kv[0]))[:n]",
        "sortBy": "return counts.sortBy(lambda kv: (-kv[1], kv[0])).take(n)",
    }
    cells = [by_id["setup"], given, by_id["ex1-answer"]]
    for body in ways.values():
        answer = dict(by_id["ex3-answer"], source=f"def top_users(counts, n):\n    {body}\n")
        cells += [answer, by_id["ex3-check"], by_id["ex3-how"]]
    cells = [dict(c, id=f"cell-{i}") for i, c in enumerate(cells)]
    out = execute({**nb, "cells": cells}, tmp_path)
    checks_ = [c for c in out["cells"] if nbgrader_meta(c).get("grade_id") == "ex3-check"]
    hows = [c for c in out["cells"] if nbgrader_meta(c).get("grade_id") == "ex3-how"]
    assert [cell_failed(c) for c in checks_] == [None, None], "both give the right answer"
    collect, sort_by = (cell_failed(c) or "" for c in hows)
    assert "CheckError" in collect and "collect() moves the whole RDD" in collect
    assert "CheckError" in sort_by and "samples the keys" in sort_by


def test_the_master_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("COURSE_MASTER", raising=False)
    assert labsetup.master_url() == "local[2]"
    monkeypatch.setenv("COURSE_MASTER", " spark://10.0.0.5:7077 ")
    assert labsetup.master_url() == "spark://10.0.0.5:7077"


def test_a_cluster_master_needs_pyspark(monkeypatch):
    """minispark has local masters only: a cluster URL is refused before anything starts
    (the session's context stays up), with the way out in the message."""
    monkeypatch.setenv("COURSE_ENGINE", "minispark")
    monkeypatch.setenv("COURSE_MASTER", "spark://10.0.0.5:7077")
    with pytest.raises(ValueError, match=r"local masters only.*COURSE_ENGINE=pyspark"):
        labsetup.start("ch03_spark_basics")


def test_normalize_rewrites_the_format_only(tmp_path):
    """`python -m course.notebooks normalize` gives a notebook JupyterLab's format (sources
    as lists of lines) without changing what it holds; a second run changes nothing."""
    import subprocess
    import sys

    from course.notebooks import dumps

    copies = []
    for name in NAMES:
        copy = tmp_path / f"{name}.ipynb"
        nb = read(source_path(name))
        for cell in nb["cells"]:         # the other way round: one string per source
            cell["source"] = "".join(cell["source"])
        copy.write_text(json.dumps(nb, indent=2))
        copies.append(copy)
    run = [sys.executable, "-m", "course.notebooks", "normalize", *map(str, copies)]
    first = subprocess.run(run, capture_output=True, text=True, cwd=REPO, check=True)
    assert f"normalized {len(NAMES)} of {len(NAMES)}" in first.stdout
    for name, copy in zip(NAMES, copies, strict=True):
        text = copy.read_text()
        assert text == dumps(json.loads(text)) and isinstance(
            json.loads(text)["cells"][0]["source"], list)
        joined = [("".join(c["source"]), c["metadata"]) for c in json.loads(text)["cells"]]
        assert joined == [("".join(c["source"]), c["metadata"])
                          for c in read(source_path(name))["cells"]]
    second = subprocess.run(run, capture_output=True, text=True, cwd=REPO, check=True)
    assert f"normalized 0 of {len(NAMES)}" in second.stdout
