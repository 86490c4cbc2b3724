"""Chapter 9b's checks catch the right numbers computed the wrong way: a window without
an inverse function (the execution-aware check), and the 'KBDOC anywhere in the line' trap
(the hint names the factor)."""

from __future__ import annotations

NAME = "ch09b_streaming_app"


def test_a_recomputed_window_gives_the_answer_but_fails_how_it_runs(run_variant):
    recomputed = ("def window_counts_incremental(lines):\n"
                  "    return requests_per_user(lines).reduceByKeyAndWindow(\n"
                  "        operator.add, None, 10, 2).filter(lambda pair: pair[1] > 0)\n")
    failed = run_variant(NAME, {"ex8-answer": recomputed},
                  ["ex8-answer", "ex8-check", "ex8-how"])
    assert failed["ex8-check"] is None, "the numbers are right"
    assert "CheckError" in (failed["ex8-how"] or "")
    assert "inverse function (operator.sub)" in failed["ex8-how"]


def test_kbdoc_anywhere_in_the_line_counts_the_stylesheets_too(run_variant):
    anywhere = "def kb_requests(lines):\n    return lines.filter(lambda line: 'KBDOC' in line)\n"
    failed = run_variant(NAME, {"ex1-answer": anywhere}, ["ex1-answer", "ex1-check"])
    assert "CheckError" in (failed["ex1-check"] or "")
    assert "exactly 2 times the expected" in failed["ex1-check"]
