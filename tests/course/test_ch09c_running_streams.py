"""Chapter 9c's checks: the file stream, the cores a receiver keeps, a window's default
slide, an output safe to redo, the driver's recovery and the scheduling-delay queue each
fail on plausible wrong answers, with a message (or a known mistake's hint from
course/mistakes.py) that says what was seen.

Each case runs the notebook's given cells in a kernel (10 to 15 s): the fast tier runs the
first case of every exercise together in two kernels, every case on its own is marked slow."""

from __future__ import annotations

import pytest

NAME = "ch09c_running_streams"

FILE_APP = "def build_file_app(sc, directory):\n    ssc = StreamingContext(sc, {n})\n" \
           "    return ssc, {stream}\n"
WRITE = ("def write_batch(time, rdd, folder):\n{name}"
         "    with open(os.path.join(folder, name), '{mode}') as f:\n"
         "        f.writelines(f'{{r}}\\n' for r in rdd.collect())\n")
MAKE_APP = '''
def make_app(sc, checkpoint_dir, in_dir, out_dir):
    ssc = StreamingContext(sc, 1)
    ssc.checkpoint(checkpoint_dir)
    totals = {totals}
    totals.foreachRDD(lambda time, rdd: write_batch(time, rdd, out_dir))
    return ssc
'''
GET_OR_CREATE = '''
def start_app(sc, checkpoint_dir, in_dir, out_dir):
    return StreamingContext.getOrCreate(
        checkpoint_dir, lambda: make_app(sc, checkpoint_dir, in_dir, out_dir))
'''
QUEUE = '''
def scheduling_delays(processing, interval):
    delays, free_at = [], 0
    for k, took in enumerate(processing):
        start = {start}
        delays.append(start - k * interval{plus})
        free_at = start + took
    return delays
'''

CASES = [
    # (answer cell, wrong code, cells to run, words the failure must hold)
    pytest.param("ex1-answer", FILE_APP.format(n=1, stream="ssc.textFileStream(directory)"),
                 "every line of the new files", id="file-stream-not-filtered",
                 marks=pytest.mark.slow),
    pytest.param("ex1-answer", FILE_APP.format(
        n=1, stream="kb_requests(ssc.socketTextStream('localhost', 9999))"),
                 "It should read one file stream", id="file-stream-a-socket",
                 marks=pytest.mark.slow),
    pytest.param("ex1-answer", FILE_APP.format(
        n=1000, stream="kb_requests(ssc.textFileStream(directory))"),
                 "not every 1 s", id="file-stream-milliseconds", marks=pytest.mark.slow),
    pytest.param("ex2-answer", "def cores_needed(receivers):\n    return receivers\n",
                 "leaves none to the batch jobs", id="cores-one-per-receiver",
                 marks=pytest.mark.slow),
    pytest.param("ex2-answer", "def cores_needed(receivers):\n    return max(2, receivers + 1)\n",
                 "with no receiver", id="cores-at-least-two", marks=pytest.mark.slow),
    pytest.param("ex3-answer", "def kb_last_4s(lines):\n"
                 "    return kb_requests(lines).window(4, 4).count()\n",
                 "with no slide, a window slides every batch", id="window-tumbling",
                 marks=pytest.mark.slow),
    pytest.param("ex3-answer", "def kb_last_4s(lines):\n    return kb_requests(lines).count()\n",
                 "each batch alone", id="window-none", marks=pytest.mark.slow),
    pytest.param("ex4-answer", WRITE.format(
        name="    name = f'batch-{int(time.timestamp() * 1000)}.txt'\n", mode="a"),
                 "is in its batch's file twice", id="redo-appends", marks=pytest.mark.slow),
    pytest.param("ex4-answer", WRITE.format(name="    name = 'kb.txt'\n", mode="a"),
                 "Files not named batch-<batch time in ms>.txt", id="redo-one-file",
                 marks=pytest.mark.slow),
    pytest.param("ex4-answer", "import time as _t\n" + WRITE.format(
        name="    name = f'batch-{_t.time_ns()}.txt'\n", mode="w"),
                 "Files not named batch-<batch time in ms>.txt", id="redo-wall-clock",
                 marks=pytest.mark.slow),
    pytest.param("ex5-answer", MAKE_APP.format(
        totals="running_totals(ssc.textFileStream(in_dir))") + '''
def start_app(sc, checkpoint_dir, in_dir, out_dir):
    return make_app(sc, checkpoint_dir, in_dir, out_dir)
''', "instead of recovering", id="recovery-without-getOrCreate", marks=pytest.mark.slow),
    pytest.param("ex5-answer", '''
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
''', "after starting a context is not supported", id="recovery-output-outside-setup",
                 marks=pytest.mark.slow),
    pytest.param("ex5-answer", MAKE_APP.format(
        totals="requests_per_user(ssc.textFileStream(in_dir))") + GET_OR_CREATE,
                 "ch09c.recovery", id="recovery-no-state", marks=pytest.mark.slow),
    pytest.param("ex6-answer", "def scheduling_delays(processing, interval):\n"
                 "    return [max(0, processing[k - 1] - interval) if k else 0\n"
                 "            for k in range(len(processing))]\n",
                 "from the batch just before only", id="queue-previous-only",
                 marks=pytest.mark.slow),
    pytest.param("ex6-answer", QUEUE.format(start="max(k * interval, free_at)", plus=" + took"),
                 "That is the total delay", id="queue-total-delay", marks=pytest.mark.slow),
    pytest.param("ex6-answer", QUEUE.format(start="free_at", plus=""),
                 "Some delays are negative", id="queue-never-waits", marks=pytest.mark.slow),
]

# what each exercise's check needs run before it (answers of earlier exercises)
NEEDS = {"ex4-answer": [], "ex5-answer": ["ex4-answer"]}


@pytest.mark.parametrize("cell, wrong, words", CASES)
def test_a_plausible_wrong_answer_scores_nothing(run_variant, cell, wrong, words):
    check = cell.replace("-answer", "-check")
    keep = NEEDS.get(cell, []) + [cell, check]
    failed = run_variant(NAME, {cell: wrong}, keep)
    why = failed[check] or ""
    assert ("CheckError" in why or "AssertionError" in why or "RuntimeError" in why), failed
    assert words in why, failed


FIRST = ("file-stream-not-filtered", "cores-one-per-receiver", "window-tumbling", "redo-appends",
         "queue-previous-only")


# Slow tier (`make test-slow`, run by CI): several kernels; keeps `make test` under 10 min.
@pytest.mark.slow
def test_the_first_mistake_of_every_exercise_fails_its_check(run_variant):
    """The fast tier: exercises 1, 2, 3, 4 and 6 answered wrong in one kernel (they do not
    use each other), then exercise 5 wrong with a right exercise 4 in another."""
    cases = {case.id: case.values for case in CASES}
    wrong = {cases[i][0]: cases[i][1] for i in FIRST}
    checks = [cell.replace("-answer", "-check") for cell in wrong]
    failed = run_variant(NAME, wrong, list(wrong) + checks)
    for i in FIRST:
        cell, _, words = cases[i]
        why = failed[cell.replace("-answer", "-check")] or ""
        assert ("CheckError" in why or "AssertionError" in why) and words in why, (i, why)
    cell, code, words = cases["recovery-without-getOrCreate"]
    failed = run_variant(NAME, {cell: code}, ["ex4-answer", cell, "ex5-check"])
    assert words in (failed["ex5-check"] or ""), failed
