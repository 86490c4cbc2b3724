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


def _failed(result: dict, cell: str, text: str = "") -> bool:
    why = result[cell] or ""
    return ("CheckError" in why or "AssertionError" in why) and text in why


def test_the_file_stream_check_wants_the_kb_lines_of_the_files_that_appeared(run_variant):
    keep = ["ex1-answer", "ex10-answer", "ex10-check"]
    ok = run_variant(NAME, {}, keep)
    assert ok["ex10-check"] is None, ok
    for wrong, text in (
            ("def build_file_app(sc, directory):\n"          # every line, not the KB ones
             "    ssc = StreamingContext(sc, 1)\n"
             "    return ssc, ssc.textFileStream(directory)\n",
             "every line of the new files"),
            ("def build_file_app(sc, directory):\n"          # the socket of chapter 9a
             "    ssc = StreamingContext(sc, 1)\n"
             "    return ssc, kb_requests(ssc.socketTextStream('localhost', 9999))\n",
             "It should read one file stream"),
            ("def build_file_app(sc, directory):\n"          # milliseconds
             "    ssc = StreamingContext(sc, 1000)\n"
             "    return ssc, kb_requests(ssc.textFileStream(directory))\n",
             "not every 1 s")):
        failed = run_variant(NAME, {"ex10-answer": wrong}, keep)
        assert _failed(failed, "ex10-check", text), failed


def test_cores_one_per_receiver_or_at_least_two_are_wrong(run_variant):
    for wrong, text in (("def cores_needed(receivers):\n    return receivers\n",
                         "leaves none to the batch jobs"),
                        ("def cores_needed(receivers):\n    return max(2, receivers + 1)\n",
                         "with no receiver")):
        failed = run_variant(NAME, {"ex11-answer": wrong}, ["ex11-answer", "ex11-check"])
        assert _failed(failed, "ex11-check", text), failed


def test_a_tumbling_window_or_no_window_fails_the_default_slide(run_variant):
    keep = ["ex1-answer", "ex12-answer", "ex12-check"]
    for wrong, text in (
            ("def kb_last_4s(lines):\n    return kb_requests(lines).window(4, 4).count()\n",
             "with no slide, a window slides every batch"),
            ("def kb_last_4s(lines):\n    return kb_requests(lines).count()\n",
             "each batch alone")):
        failed = run_variant(NAME, {"ex12-answer": wrong}, keep)
        assert _failed(failed, "ex12-check", text), failed


def test_outputs_that_are_not_safe_to_redo_fail(run_variant):
    keep = ["ex1-answer", "ex13-answer", "ex13-check"]
    appended = ("def write_batch(time, rdd, folder):\n"
                "    ms = int(time.timestamp() * 1000)\n"
                "    with open(os.path.join(folder, f'batch-{ms}.txt'), 'a') as f:\n"
                "        f.writelines(f'{r}\\n' for r in rdd.collect())\n")
    one_file = ("def write_batch(time, rdd, folder):\n"
                "    with open(os.path.join(folder, 'kb.txt'), 'a') as f:\n"
                "        f.writelines(f'{r}\\n' for r in rdd.collect())\n")
    wall_clock = ("import time as _t\n"
                  "def write_batch(time, rdd, folder):\n"
                  "    name = f'batch-{_t.time_ns()}.txt'\n"
                  "    with open(os.path.join(folder, name), 'w') as f:\n"
                  "        f.writelines(f'{r}\\n' for r in rdd.collect())\n")
    for wrong, text in ((appended, "is in its batch's file twice"),
                        (one_file, "Files not named batch-<batch time in ms>.txt"),
                        (wall_clock, "Files not named batch-<batch time in ms>.txt")):
        failed = run_variant(NAME, {"ex13-answer": wrong}, keep)
        assert _failed(failed, "ex13-check", text), failed
