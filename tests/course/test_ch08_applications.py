"""Chapter 8's checks catch applications that give the right numbers the wrong way.

Each wrong application below is written by the chapter's own ``%%writefile`` cell (the
solution, edited), then the chapter's locked check cells run on it: the check that should
catch the mistake must fail with a message that names the fix, and the others must pass.
"""

from __future__ import annotations

from course.notebooks import cell_failed, execute, nbgrader_meta, read, source_path

NAME = "ch08_applications"
GUARD = 'if __name__ == "__main__":\n    sys.exit(main(sys.argv[1:]))'
FINALLY = "    finally:\n        sc.stop()\n"
EAGER = ("                 .reduceByKey(lambda a, b: a + b))",
         "                 .reduceByKey(lambda a, b: a + b).collect())\n"
         "    return lines.context.parallelize(counts, 2)")


def _variant(cell: dict, old: str, new: str) -> dict:
    text = "".join(cell["source"])
    assert old in text, f"the solution no longer contains {old!r}: update this test"
    return dict(cell, source=text.replace(old, new))


def test_checks_catch_a_missing_guard_an_eager_function_and_a_missing_finally(
        tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "data"))
    nb = read(source_path(NAME))
    by_id = {nbgrader_meta(c).get("grade_id") or c.get("id"): c for c in nb["cells"]}
    app = by_id["ex1-answer"]
    no_guard = _variant(app, GUARD, "sys.exit(main(sys.argv[1:]))")
    eager = _variant(_variant(app, *EAGER), "    return (lines.map(requested_path)",
                     "    counts = (lines.map(requested_path)")
    # Without finally: sc.stop() runs only when every step succeeded.
    no_finally = _variant(app, "    try:\n        settings", "    if True:\n        settings")
    no_finally = _variant(no_finally, FINALLY, "        pass\n    sc.stop()\n")
    cells = [by_id["setup"], by_id["given-code"],
             no_guard, by_id["ex1-check"],
             eager, by_id["ex1-check"], by_id["ex1-how"],
             no_finally, by_id["ex1-check"], by_id["ex7-check"]]
    cells = [dict(c, id=f"cell-{i}") for i, c in enumerate(cells)]
    out = execute({**nb, "cells": cells}, tmp_path)
    failed = [cell_failed(c) for c in out["cells"] if c["cell_type"] == "code"]
    setup, given, _, guard_check, _, eager_check, eager_how, _, last_check, stop_check = failed
    assert setup is None and given is None
    assert guard_check and "ran the application" in guard_check and "__main__" in guard_check
    assert eager_check is None, "an eager image_counts still gives the right counts"
    assert eager_how and "ran 1 job(s)" in eager_how and "transformations" in eager_how
    assert last_check is None
    assert stop_check and "finally" in stop_check and "still stop its" in stop_check


def _solution_app() -> str:
    nb = read(source_path(NAME))
    cell = next(c for c in nb["cells"] if nbgrader_meta(c).get("grade_id") == "ex1-answer")
    return "".join(cell["source"]).replace("### BEGIN SOLUTION\n", "").replace(
        "### END SOLUTION\n", "")


REDUCE = "                 .reduceByKey(lambda a, b: a + b))"


def test_how_check_catches_counting_without_a_map_side_combine(run_variant):
    app = _solution_app()
    assert REDUCE in app, "the solution no longer reduces this way: update this test"
    grouped = app.replace(REDUCE, "                 .groupByKey().mapValues(len))")
    result = run_variant(NAME, {"ex1-answer": grouped}, ["ex1-check", "ex1-how"])
    assert result["ex1-check"] is None, "groupByKey still gives the right counts"
    how = result["ex1-how"] or ""
    assert "CheckError" in how and "reduceByKey adds up each task's requests" in how, how


def test_how_check_catches_a_second_shuffle(run_variant):
    app = _solution_app()
    again = app.replace(REDUCE, REDUCE[:-1] + ".repartition(4))")
    result = run_variant(NAME, {"ex1-answer": again}, ["ex1-check", "ex1-how"])
    assert result["ex1-check"] is None
    how = result["ex1-how"] or ""
    assert "CheckError" in how and "expected one shuffle" in how, how


def test_any_command_line_argparse_reads_alike_passes(run_variant):
    """`--master=local[1]` and the option after the paths are the text's command line for
    argparse: the hidden test accepts them; a run without the option does not pass."""
    nb = read(source_path(NAME))
    answer = next(c for c in nb["cells"] if nbgrader_meta(c).get("grade_id") == "ex4-answer")
    text = "".join(answer["source"])
    old = '[sys.executable, str(APP), "--master", "local[1]", str(LOGS), str(out_local1)]'
    assert old in text, "the solution no longer runs the application this way: update this test"
    keep = ["ex1-answer", "ex2-answer", "ex4-check"]
    for argv in ('[sys.executable, str(APP), "--master=local[1]", str(LOGS), str(out_local1)]',
                 '[sys.executable, str(APP), str(LOGS), str(out_local1), "--master", "local[1]"]'):
        result = run_variant(NAME, {"ex4-answer": text.replace(old, argv)}, keep)
        assert result["ex4-check"] is None, (argv, result["ex4-check"])
