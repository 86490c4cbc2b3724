"""Chapter 9a's application exercise (ex7) grades what the stream computed and how the
application was built: plausible wrong answers fail the cell they should fail, with a
message that says what was seen."""

from __future__ import annotations

import pytest

NAME = "ch09a_exploring_streaming"
KEEP = ["ex3-answer", "ex7-answer", "ex7-check", "ex7-how"]


def build(body: str) -> str:
    return "def build_app(sc, host, port):\n" + body


# Slow tier (`make test-slow`, run by CI): several kernels; keeps `make test` under 10 min.
@pytest.mark.slow
def test_a_wrong_stream_fails_the_results_but_not_the_build(run_variant):
    for wrong, hint in (("    ssc = StreamingContext(sc, 1)\n"          # the lines, counted
                         "    return ssc, ssc.socketTextStream(host, port).count()\n",
                         "the number of lines of each batch"),
                        ("    ssc = StreamingContext(sc, 1)\n"          # user ids kept as text
                         "    lines = ssc.socketTextStream(host, port)\n"
                         "    return ssc, lines.map(lambda l: (l.split(' ')[2], 1))"
                         ".reduceByKey(lambda a, b: a + b)\n",
                         "each user id is a string")):
        failed = run_variant(NAME, {"ex7-answer": build(wrong)}, KEEP)
        assert "CheckError" in (failed["ex7-check"] or ""), failed
        assert hint in failed["ex7-check"], failed  # course/mistakes.py's hint
        assert failed["ex7-how"] is None, failed


def test_batches_of_1000_seconds_fail_how_it_ran(run_variant):
    ms = build("    ssc = StreamingContext(sc, 1000)\n"
               "    return ssc, requests_per_user(ssc.socketTextStream(host, port))\n")
    failed = run_variant(NAME, {"ex7-answer": ms}, KEEP)
    assert failed["ex7-check"] is None, "the recording gives the same batches"
    assert "every 1000 s, not every 1 s" in (failed["ex7-how"] or ""), failed


# Slow tier (`make test-slow`, run by CI): several kernels; keeps `make test` under 10 min.
@pytest.mark.slow
def test_a_hard_coded_address_or_another_source_fails_how_it_ran(run_variant):
    fixed = build("    ssc = StreamingContext(sc, 1)\n"
                  "    return ssc, requests_per_user(ssc.socketTextStream('localhost', 9999))\n")
    failed = run_variant(NAME, {"ex7-answer": fixed}, KEEP)
    assert failed["ex7-check"] is None
    assert "use the host and port it was given" in (failed["ex7-how"] or ""), failed

    files = build("    ssc = StreamingContext(sc, 1)\n"
                  "    return ssc, requests_per_user(ssc.textFileStream('logs'))\n")
    failed = run_variant(NAME, {"ex7-answer": files}, KEEP)
    assert "It should read one socket stream" in (failed["ex7-how"] or ""), failed


def test_a_started_context_is_told_to_return_it_unstarted(run_variant):
    started = build("    ssc = StreamingContext(sc, 1)\n"
                    "    per_user = requests_per_user(ssc.socketTextStream(host, port))\n"
                    "    per_user.pprint()\n"
                    "    ssc.start()\n"
                    "    return ssc, per_user\n")
    failed = run_variant(NAME, {"ex7-answer": started}, KEEP)
    assert "without calling ssc.start()" in (failed["ex7-check"] or ""), failed
