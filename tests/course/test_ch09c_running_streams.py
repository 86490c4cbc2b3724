"""Chapter 9c's checks: the file stream, the cores a receiver keeps, a window's default
slide, an output safe to redo and the driver's recovery each fail on plausible wrong answers,
with a message (or a known mistake's hint) that says what was seen."""

from __future__ import annotations

NAME = "ch09c_running_streams"


def _failed(result: dict, cell: str, text: str = "") -> bool:
    why = result[cell] or ""
    return ("CheckError" in why or "AssertionError" in why) and text in why


def test_the_file_stream_check_wants_the_kb_lines_of_the_files_that_appeared(run_variant):
    keep = ["ex1-answer", "ex1-check"]
    ok = run_variant(NAME, {}, keep)
    assert ok["ex1-check"] is None, ok
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
        failed = run_variant(NAME, {"ex1-answer": wrong}, keep)
        assert _failed(failed, "ex1-check", text), failed


def test_cores_one_per_receiver_or_at_least_two_are_wrong(run_variant):
    for wrong, text in (("def cores_needed(receivers):\n    return receivers\n",
                         "leaves none to the batch jobs"),
                        ("def cores_needed(receivers):\n    return max(2, receivers + 1)\n",
                         "with no receiver")):
        failed = run_variant(NAME, {"ex2-answer": wrong}, ["ex2-answer", "ex2-check"])
        assert _failed(failed, "ex2-check", text), failed


def test_a_tumbling_window_or_no_window_fails_the_default_slide(run_variant):
    keep = ["ex3-answer", "ex3-check"]
    for wrong, text in (
            ("def kb_last_4s(lines):\n    return kb_requests(lines).window(4, 4).count()\n",
             "with no slide, a window slides every batch"),
            ("def kb_last_4s(lines):\n    return kb_requests(lines).count()\n",
             "each batch alone")):
        failed = run_variant(NAME, {"ex3-answer": wrong}, keep)
        assert _failed(failed, "ex3-check", text), failed


def test_outputs_that_are_not_safe_to_redo_fail(run_variant):
    keep = ["ex4-answer", "ex4-check"]
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
        failed = run_variant(NAME, {"ex4-answer": wrong}, keep)
        assert _failed(failed, "ex4-check", text), failed


def test_a_restart_without_getOrCreate_or_with_the_output_outside_setup_fails(run_variant):
    keep = ["ex4-answer", "ex5-answer", "ex5-check"]
    ok = run_variant(NAME, {}, keep)
    assert ok["ex5-check"] is None, ok
    no_get_or_create = ('''
def make_app(sc, checkpoint_dir, in_dir, out_dir):
    ssc = StreamingContext(sc, 1)
    ssc.checkpoint(checkpoint_dir)
    totals = running_totals(ssc.textFileStream(in_dir))
    totals.foreachRDD(lambda time, rdd: write_batch(time, rdd, out_dir))
    return ssc

def start_app(sc, checkpoint_dir, in_dir, out_dir):
    return make_app(sc, checkpoint_dir, in_dir, out_dir)
''')
    failed = run_variant(NAME, {"ex5-answer": no_get_or_create}, keep)
    assert _failed(failed, "ex5-check", "instead of recovering"), failed

    output_outside = ('''
def make_app(sc, checkpoint_dir, in_dir, out_dir):
    ssc = StreamingContext(sc, 1)
    ssc.checkpoint(checkpoint_dir)
    return ssc

def start_app(sc, checkpoint_dir, in_dir, out_dir):
    ssc = StreamingContext.getOrCreate(
        checkpoint_dir, lambda: make_app(sc, checkpoint_dir, in_dir, out_dir))
    totals = running_totals(ssc.textFileStream(in_dir))
    totals.foreachRDD(lambda time, rdd: write_batch(time, rdd, out_dir))
    return ssc
''')
    failed = run_variant(NAME, {"ex5-answer": output_outside}, keep)
    assert "after starting a context is not supported" in (failed["ex5-check"] or ""), failed

    appended_state = ('''
def make_app(sc, checkpoint_dir, in_dir, out_dir):
    ssc = StreamingContext(sc, 1)
    ssc.checkpoint(checkpoint_dir)
    counts = requests_per_user(ssc.textFileStream(in_dir))
    counts.foreachRDD(lambda time, rdd: write_batch(time, rdd, out_dir))
    return ssc

def start_app(sc, checkpoint_dir, in_dir, out_dir):
    return StreamingContext.getOrCreate(
        checkpoint_dir, lambda: make_app(sc, checkpoint_dir, in_dir, out_dir))
''')                                  # per-batch counts: no state to carry over
    failed = run_variant(NAME, {"ex5-answer": appended_state}, keep)
    assert _failed(failed, "ex5-check"), failed


def test_scheduling_delays_that_forget_the_queue_fail(run_variant):
    keep = ["ex6-answer", "ex6-check"]
    previous_only = '''
def scheduling_delays(processing, interval):
    return [max(0, processing[k - 1] - interval) if k else 0 for k in range(len(processing))]
'''
    total = '''
def scheduling_delays(processing, interval):
    delays, free_at = [], 0
    for k, took in enumerate(processing):
        start = max(k * interval, free_at)
        delays.append(start - k * interval + took)
        free_at = start + took
    return delays
'''
    never_waits = '''
def scheduling_delays(processing, interval):
    delays, free_at = [], 0
    for k, took in enumerate(processing):
        delays.append(free_at - k * interval)
        free_at += took
    return delays
'''
    for wrong, text in ((previous_only, "from the batch just before only"),
                        (total, "That is the total delay"),
                        (never_waits, "Some delays are negative")):
        failed = run_variant(NAME, {"ex6-answer": wrong}, keep)
        assert _failed(failed, "ex6-check", text), failed
