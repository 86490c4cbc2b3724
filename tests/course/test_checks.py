"""The self-check library: canonical forms, salted hashes that a forged ``__eq__`` cannot
pass, and the hints a wrong answer gets. Uses its own answers file, never the course's."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from course import checks, mistakes
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


# Each fact gives one sentence that says only what it establishes (no guessed cause).
@pytest.mark.parametrize("answer, hint", [
    ([(2, 4), (1, 2)], "Your answer has the expected items, in a different order."),
    ([(1, 4), (2, 8)], "Your numbers are exactly 2 times the expected ones."),
    ([(1, 1), (2, 2)], "Your numbers are exactly 1/2 of the expected ones."),
    ([(1, 2)], "It should have 2 items; yours has 1 (1 fewer)."),
    ([(1, 2), (2, 4), (2, 4)], "It should have 2 items; yours has 3 (1 more)."),
    ([(1, 2), (2, 3)], "The keys (first items of the pairs) are right; some values differ."),
    ([(1, 2), (5, 4)], "Some of the keys (first items of the pairs) differ from the expected "
                       "ones."),
    ([("1", 2), ("2", 4)], "The expected answer is a list of (number, number); yours is a "
                           "list of (str, number)."),
    (42, "The expected answer is a list of (number, number); yours is a number."),
])
def test_hints(answers, answer, hint):
    answers("t.counts", [(1, 2), (2, 4)])
    with pytest.raises(CheckError) as err:
        check("t.counts", answer)
    assert str(err.value) == f"t.counts: not the expected answer. {hint}"


@pytest.mark.parametrize("answer, hint", [
    ([3, 1, 2], "Your answer has the expected type (list of number) and number of items, "
                "but some items differ."),
    (["Number of KB requests: 3", "Number of KB requests: 0"],
     "The expected answer is a list of number; yours is a list of str."),
])
def test_fallbacks_claim_no_cause(answers, answer, hint):
    answers("t.list", [3, 0, 7])
    with pytest.raises(CheckError) as err:
        check("t.list", answer)
    assert str(err.value) == f"t.list: not the expected answer. {hint}"
    assert "pars" not in str(err.value) and "sort" not in str(err.value)


def test_same_numbers_other_words(answers):
    """A report with the right numbers and other words says exactly that."""
    answers("t.report", ["Number of KB requests: 3", "Number of KB requests: 0"])
    with pytest.raises(CheckError, match="numbers in your answer are the expected ones; the "
                                         "text around them differs"):
        check("t.report", ["KB requests: 3", "KB requests: 0"])
    with pytest.raises(CheckError, match="some items differ"):
        check("t.report", ["Number of KB requests: 4", "Number of KB requests: 0"])


def test_a_known_mistake_gets_its_own_hint(answers, monkeypatch):
    """A registered wrong variant is hashed at record time; the same wrong answer gets its
    hint (before any generic fact), other wrong answers the facts, and a variant equal to
    the reference is dropped."""
    from course import mistakes

    monkeypatch.setitem(mistakes.MISTAKES, "t.n", [
        lambda data: [(2572, "You counted each request twice.")],
        lambda data: [(1286, "never: this is the right answer")],
        lambda data: [(17, "You counted the header.")],
    ])
    answers("t.n", 1286)
    stored = json.loads(checks.ANSWERS.read_text())["t.n"]
    assert len(stored["mistakes"]) == 2 and "2572" not in json.dumps(stored)
    with pytest.raises(CheckError, match="You counted each request twice"):
        check("t.n", 2572)
    with pytest.raises(CheckError, match="You counted the header"):
        check("t.n", 17.0)
    with pytest.raises(CheckError, match="exactly 1/2 of"):
        check("t.n", 643)
    check("t.n", 1286)


def test_the_course_registry_fires_on_the_typical_mistakes():
    """On the course data, the recorded answers.json knows ch03's and ch04's typical wrong
    answers (computed here independently of the registry's functions)."""
    import re
    from collections import Counter

    from course import labsetup

    data = labsetup.data_dir()
    labsetup.ensure_data(data)
    lines = [line.rstrip("\n") for path in sorted((data / "weblogs").iterdir())
             for line in path.open(encoding="utf-8", errors="replace", newline="")]

    def uid(line):
        fields = line.split(" ")
        ok = len(fields) > 2 and fields[2].isascii() and fields[2].isdigit()
        return int(fields[2]) if ok else None
    with_user = [u for u in map(uid, lines) if u is not None]
    assert checks.known_mistake("ch03.n_users", len(with_user)).startswith(
        "That is the number of lines that have a user id, not the number of different")
    kb_lines = [line for line in lines if '"GET /KBDOC-' in line]
    assert "not of different IPs" in checks.known_mistake("ch03.n_kb_ips", len(kb_lines))
    pattern = re.compile(r'^(\S+) - (\d+) \[[^\]]+\] "GET \S+ HTTP/1\.0" \d{3} \d+ "[^"]*"  '
                         r'"[^"]*"$')
    counts = Counter(int(m.group(2)) for m in map(pattern.match, lines) if m)
    ascending = [[u, n] for u, n in sorted(counts.items(), key=lambda kv: (kv[1], kv[0]))[:10]]
    assert "fewest requests" in checks.known_mistake("ch04.top_users", ascending)
    assert checks.known_mistake("ch03.n_users", len(set(with_user))) is None  # the right one
    # A prediction exercise has no known mistakes: their hints would spell out the answer.
    assert "ch06a.predicted" not in mistakes.MISTAKES
    assert "ch06a.reruns_predicted" not in mistakes.MISTAKES


def _cell(code: str, ns: dict):
    """Run ``code`` as a notebook cell runs: module-level code in the notebook's globals."""
    exec(compile(code, "<cell>", "exec"), ns)


def test_a_knock_on_failure_names_the_earlier_exercise(answers, monkeypatch):
    monkeypatch.setattr(checks, "_OWNER", {})
    monkeypatch.setattr(checks, "_FAILED", set())
    answers("t.first", 10)
    answers("t.second", 20)
    ns = {"check": check, "sc": object(), "logs": [1, 2]}
    _cell("base = 9", ns)                                   # exercise 1's cell: wrong
    with pytest.raises(CheckError, match="exactly 1/2|Close|not the expected"):
        _cell("check('t.first', base)", ns)
    _cell("def twice(x):\n    return x * 2", ns)              # exercise 2's cell
    with pytest.raises(CheckError) as err:
        _cell("check('t.second', twice(base) + len(logs) - 2)", ns)
    assert "This cell uses `base` from t.first, whose check failed" in str(err.value)
    assert "logs" not in str(err.value)                     # the setup's names are no one's
    _cell("base = 10", ns)
    _cell("check('t.first', base)", ns)                     # fixed: no knock-on any more
    with pytest.raises(CheckError) as err:
        _cell("check('t.second', base * 3)", ns)
    assert "whose check failed" not in str(err.value)


def _shell_output(code: str, capfd) -> str:
    """What a real IPython shell prints for ``code`` (stdout and stderr)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.testing.globalipapp import start_ipython

    shell = start_ipython() or InteractiveShell.instance()
    capfd.readouterr()
    shell.run_cell(code)
    out = capfd.readouterr()
    return out.out + out.err


def test_a_failed_check_shows_one_line_in_ipython(answers, capfd):
    answers("t.n", 1286)
    text = _shell_output("from course.checks import check\ncheck('t.n', 2572)", capfd)
    assert "✗ t.n: not the expected answer. Your numbers are exactly 2 times" in text
    assert "Traceback" not in text and "checks.py" not in text and "raise" not in text
    assert len(text.strip().splitlines()) == 1
    assert issubclass(CheckError, AssertionError)


def test_a_failed_expect_shows_its_message_in_ipython(capfd):
    from course.execution import Run

    run = Run(available=True)
    with pytest.raises(AssertionError) as err:
        run.expect("one job", False, "a teaching message")
    assert str(err.value) == "a teaching message"          # the message, as nbgrader shows it
    import builtins
    builtins._t_run = run
    try:
        text = _shell_output("_t_run.expect('one job', False, 'line one\\nline two')", capfd)
    finally:
        del builtins._t_run
    assert text.strip().splitlines() == ["✗ how it ran, 'one job': line one", "  line two"]


def test_a_name_error_in_ipython_says_an_earlier_cell_did_not_run(capfd):
    from IPython.testing.globalipapp import start_ipython

    shell = start_ipython() or __import__("IPython").get_ipython()
    shell.set_custom_exc((), None)
    checks._install_name_error_hint()           # what importing course.checks does in IPython
    text = _shell_output("print(undefined_answer + 1)", capfd)
    assert "`undefined_answer` is not defined. If an earlier cell sets it" in text
    assert "Traceback" not in text
    result = shell.run_cell("undefined_answer")
    assert isinstance(result.error_in_exec, NameError)      # still an error for the grader


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
    with pytest.raises(CheckError, match="Close: your number has the same first two"):
        check("t.n", 1290)
    with pytest.raises(CheckError, match="about 2 times"):
        check("t.n", 2590)
    with pytest.raises(CheckError, match="nor close to it or a simple multiple"):
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
    with pytest.raises(CheckError, match=r"The keys \(first items of the pairs\) are right"):
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
