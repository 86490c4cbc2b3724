"""The self-check library: canonical forms, salted hashes that a forged ``__eq__`` cannot
pass, and the hints a wrong answer gets. Uses its own answers file, never the course's."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from course import checks
from course.checks import CheckError, canonical, check, record, same


@pytest.fixture
def answers(tmp_path, monkeypatch):
    """Record reference answers into a private answers file: ``answers(name, value, **opts)``."""
    path = tmp_path / "answers.json"
    path.write_text("{}")
    monkeypatch.setattr(checks, "ANSWERS", path)
    monkeypatch.delenv("COURSE_RECORD", raising=False)
    monkeypatch.delenv("COURSE_RECORD_TO", raising=False)

    def add(name, value, ordered=True, digits=6, sort_inner=False):
        stored = json.loads(path.read_text())
        stored[name] = record(name, value, ordered=ordered, digits=digits, sort_inner=sort_inner)
        path.write_text(json.dumps(stored))
    return add


def test_canonical_forms():
    assert canonical((1, 2.0, "a", None, True)) == [1, 2, "a", None, True]
    assert canonical(0.1 + 0.2) == 0.3
    assert canonical({"b": [1, (2, 3)], "a": {3, 1}}) == [["a", [1, 3]], ["b", [1, [2, 3]]]]
    assert canonical(defaultdict(int, {"x": 1})) == canonical({"x": 1}) == [["x", 1]]
    assert canonical([(1, [3, 2])], sort_inner=True) == [[1, [2, 3]]]


def test_check_accepts_equivalent_forms(answers, capsys):
    answers("t.pairs", [(1, 2), (3, 4)], ordered=False)
    check("t.pairs", [[3, 4.0], (1, 2)], ordered=False)
    assert "✓ t.pairs" in capsys.readouterr().out
    answers("t.dict", {"css": 3, "html": 3})
    check("t.dict", defaultdict(int, html=3, css=3))


def test_forged_eq_is_rejected(answers):
    """Objects that claim to equal everything are canonicalised, not compared: they fail."""
    answers("t.top", [(209, 1054), (67, 618)])
    answers("t.n", 9987)

    class Anything:
        def __eq__(self, other):
            return True
        __hash__ = object.__hash__

    class LyingList(list):
        def __eq__(self, other):
            return True

    class LyingInt(int):
        def __eq__(self, other):
            return True
        __hash__ = int.__hash__

    with pytest.raises(CheckError):
        check("t.top", Anything())
    with pytest.raises(CheckError):
        check("t.top", LyingList([(1, 1)]))
    with pytest.raises(CheckError):
        check("t.n", LyingInt(1))
    with pytest.raises(CheckError):
        check("t.top", [Anything(), Anything()])
    assert not same(Anything(), 5)
    # The same types holding the right values do pass: subclasses are read for their value.
    check("t.n", LyingInt(9987))


def test_the_answer_is_not_stored_in_clear(answers):
    answers("t.n", 123456789)
    assert "123456789" not in checks.ANSWERS.read_text()


@pytest.mark.parametrize("answer, hint", [
    ([(2, 4), (1, 2)], "not in the expected order"),
    ([(1, 4), (2, 8)], "exactly 2 times"),
    ([(1, 1), (2, 2)], "exactly 1/2 of"),
    ([(1, 2)], "should have 2 items; yours has 1"),
    ([(1, 2), (2, 4), (2, 4)], "Duplicates"),
    ([(1, 2), (2, 3)], "The keys are right"),
    ([(1, 2), (5, 4)], "Some of the keys"),
    ([("1", 2), ("2", 4)], "expected answer is a list of (number, number); yours is a "
                           "list of (str, number)"),
    (42, "expected answer is a list of (number, number); yours is a number"),
])
def test_hints(answers, answer, hint):
    answers("t.counts", [(1, 2), (2, 4)])
    with pytest.raises(CheckError) as err:
        check("t.counts", answer)
    assert hint in str(err.value)
    assert "(2, 4)" not in str(err.value) and "[2, 4]" not in str(err.value)


def test_hints_for_things_that_are_not_values(answers, sc):
    answers("t.counts", [(1, 2), (2, 1)], ordered=False)
    with pytest.raises(CheckError, match="(?s)RDD.*action"):
        check("t.counts", sc.parallelize([(1, 2), (2, 1)]), ordered=False)
    with pytest.raises(CheckError, match=r"list\(\.\.\.\)"):
        check("t.counts", (kv for kv in [(1, 2), (2, 1)]), ordered=False)
    check("t.counts", sc.parallelize([(2, 1), (1, 2)], 2).collect(), ordered=False)


def test_numbers_off_by_a_factor(answers):
    answers("t.n", 1286)
    with pytest.raises(CheckError, match="exactly 2 times"):
        check("t.n", 2572)


def test_options_must_match_the_recorded_ones(answers):
    answers("t.set", [1, 2], ordered=False)
    with pytest.raises(CheckError, match="make answers"):
        check("t.set", [2, 1])


def test_watch_reads_jobs_and_stages(sc):
    from operator import add
    with checks.watch(sc) as run:
        pairs = sc.parallelize([(1, 1), (2, 1), (1, 1)], 2).reduceByKey(add)
    assert run.jobs == 0
    with checks.watch(sc) as run:
        pairs.collect()
    assert (run.jobs, run.stages) == (1, 2)
    assert run.stage_kinds() == ["ShuffleMapStage", "ResultStage"]
    assert run.shuffle_write_bytes > 0 and run.result_bytes > 0
    with pytest.raises(CheckError, match="teaching message"):
        run.expect("three stages", run.stages == 3, "a teaching message")


def test_watch_on_an_engine_without_listeners_skips_visibly(capsys):
    class PySparkLike:
        pass
    with checks.watch(PySparkLike()) as run:
        pass
    run.expect("one job", False, "never shown")
    assert "skipped on PySpark" in capsys.readouterr().out


def test_numbers_close_or_roughly_a_factor_off(answers):
    answers("t.n", 1286)
    with pytest.raises(CheckError, match="Close, but not exactly"):
        check("t.n", 1290)
    with pytest.raises(CheckError, match="about 2 times"):
        check("t.n", 2590)
    with pytest.raises(CheckError, match="Re-read"):
        check("t.n", 5)


def test_recording_cannot_be_switched_on_from_a_notebook(answers, monkeypatch):
    """COURSE_RECORD is read at import (make answers sets it before the kernel starts)."""
    answers("t.n", 1286)
    monkeypatch.setenv("COURSE_RECORD", "1")
    with pytest.raises(CheckError):
        check("t.n", 1)


# ---------------------------------------------------------------- the slow hash

def test_answers_are_hashed_with_salted_scrypt(answers):
    """The stored hash is scrypt(canonical JSON, salt) with the documented cost, computed
    here independently: trying one candidate answer costs what one scrypt costs."""
    import hashlib

    answers("t.n", 9987)
    rec = json.loads(checks.ANSWERS.read_text())["t.n"]
    assert rec["kdf"] == {"name": "scrypt", "n": 2 ** 14, "r": 8, "p": 1}
    expected = hashlib.scrypt(b"9987", salt=rec["salt"].encode(), n=2 ** 14, r=8, p=1,
                              dklen=32).hex()
    assert rec["hash"] == expected
    assert hashlib.sha256((rec["salt"] + "9987").encode()).hexdigest() not in json.dumps(rec)


def test_record_then_check_round_trip(answers, capsys):
    """What make answers records, the self-check verifies: right passes, wrong fails with
    the hint facts (recorded as scrypt hashes too) still working."""
    answers("t.pairs", [("a", 2), ("b", 4)], ordered=False)
    answers("t.n", 1286)
    check("t.pairs", {"b": 4, "a": 2}, ordered=False)
    check("t.n", 1286.0)
    assert capsys.readouterr().out.count("✓") == 2
    with pytest.raises(CheckError, match="The keys are right"):
        check("t.pairs", [("a", 2), ("b", 5)], ordered=False)
    with pytest.raises(CheckError, match="exactly 2 times"):
        check("t.n", 2572)


def test_a_record_with_the_old_hash_asks_for_make_answers(answers):
    answers("t.n", 1286)
    stored = json.loads(checks.ANSWERS.read_text())
    del stored["t.n"]["kdf"]                      # as answers.json was before scrypt
    checks.ANSWERS.write_text(json.dumps(stored))
    with pytest.raises(CheckError, match="another hash.*make answers"):
        check("t.n", 1286)
