"""Known mistakes: for some exercises, the wrong answers students typically give, each with
a hint written for that mistake ("you counted requests for .jpg files; the exercise counts
lines that mention .jpg anywhere") instead of the generic facts of course/checks.py.

Key terms: a *variant* is a small plain-Python computation of one wrong answer on the course
data (no Spark: it reads the data files itself), named by the mistake it makes. At
``make answers`` time ``checks.record`` runs every variant of an exercise and stores the
salted scrypt hash of its canonical answer, with the hint, under ``"mistakes"`` in
``answers.json``: the wrong answers are as hidden as the right one, and checking costs
nothing more (the student's answer is hashed once, and that hash is looked up). A variant
whose answer equals the reference answer is dropped, so a changed solution cannot make a
right answer get a mistake's hint. The class grader (course/grade/judge.py) looks the
student's value up the same way, on the course data only.

To add a mistake: write a function ``(data: Path) -> answer`` under the exercise's name in
``MISTAKES`` with its hint, then ``make answers ONLY=<chapter>``; a test in
tests/course/test_checks.py should show the hint firing (see test_known_mistakes).
A hint says what the answer *is* (what was computed) and what the exercise counts instead.

Read next: checks.py (``record``, ``hint``), make_answers.py.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

LOG_LINE = re.compile(r'^(\S+) - (\d+) \[([^\]]+)\] "GET (\S+) HTTP/1\.0" (\d{3}) (\d+) '
                      r'"([^"]*)"  "([^"]*)"$')


@functools.lru_cache(maxsize=2)
def _lines(data: Path) -> tuple[str, ...]:
    found = []
    for path in sorted((data / "weblogs").iterdir()):
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            found.extend(line.rstrip("\r\n") for line in f)
    return tuple(found)


def _requests(data: Path) -> list[tuple[str, int, str]]:
    """(ip, user_id, path) of the well-formed lines (chapter 4's ``parse``)."""
    out = []
    for line in _lines(data):
        m = LOG_LINE.match(line)
        if m:
            out.append((m.group(1), int(m.group(2)), m.group(4)))
    return out


def _field(line: str, i: int) -> str | None:
    fields = line.split(" ")
    return fields[i] if len(fields) > i else None


def _user_counts(data: Path) -> Counter:
    return Counter(user for _, user, _ in _requests(data))


_MONTHS = {m: i for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}
CH06_LINE = re.compile(r'^\S+ - (\d+) \[(\d\d)/(\w{3})/(\d{4}):(\d\d:\d\d:\d\d) [^\]]*\] '
                       r'"GET (\S+) HTTP/1\.0" \d{3} (\d+) "[^"]*"  "[^"]*"$')


def _user_days(data: Path) -> list[tuple[int, int]]:
    """(user_id, day of the month) of the lines chapter 6's ``parse`` keeps."""
    out = []
    for line in _lines(data):
        m = CH06_LINE.match(line)
        if m and m.group(3) in _MONTHS:
            out.append((int(m.group(1)), int(m.group(2))))
    return out


def _ch06a_bars(data: Path, how: str) -> list:
    """Chapter 6a's two charts (by day, by user; partitionBy(8): key k in partition k % 8),
    drawn one of the wrong ways."""
    charts = []
    for keys in ([d for _u, d in _user_days(data)], [u for u, _d in _user_days(data)]):
        parts: list[list[int]] = [[] for _ in range(8)]
        for k in keys:
            parts[k % 8].append(k)
        if how == "distinct keys":
            sizes = [len(set(p)) for p in parts]
        else:
            sizes = [len(p) for p in parts]
        if how == "sorted":
            sizes = sorted(sizes, reverse=True)
        start = 1 if how == "one-based" else 0
        charts.append([(start + i, n) for i, n in enumerate(sizes)])
    return charts


# No entry for ch06a.predicted or ch06a.reruns_predicted: their wrong predictions are few, so
# their hints (stored in answers.json in clear) and this file would spell out the right ones.


def _one(value_of: Callable[[Path], object], hint: str):
    return lambda data: [(value_of(data), hint)]


MISTAKES: dict[str, list[Callable[[Path], list[tuple[object, str]]]]] = {
    "ch03.n_jpg": [
        _one(lambda d: sum(1 for line in _lines(d)
                           if (_field(line, 6) or "").endswith(".jpg")),
             "That is the number of requests for .jpg files (the requested path ends in "
             ".jpg). The exercise counts the lines that contain \".jpg\" anywhere: a line "
             "whose referrer names a .jpg counts too."),
    ],
    "ch03.n_with_user": [
        _one(lambda d: sum(1 for line in _lines(d) if _field(line, 2) not in (None, "-")),
             "That counts every line whose third field is not '-', malformed lines too (a "
             "stray byte after the id, or text that is not a number): user_id returns None "
             "unless the third field is made of ASCII digits only."),
        _one(lambda d: len(_lines(d)),
             "That is the number of all the lines: count only those for which user_id "
             "returns a number."),
    ],
    "ch03.n_users": [
        _one(lambda d: sum(1 for line in _lines(d)
                           if (_field(line, 2) or "").isascii()
                           and (_field(line, 2) or "").isdigit()),
             "That is the number of lines that have a user id, not the number of different "
             "user ids: each user appears on many lines (distinct() before counting)."),
        _one(lambda d: len({_field(line, 2) for line in _lines(d)
                            if _field(line, 2) not in (None, "-")}),
             "That counts every different third field other than '-', malformed ones too: "
             "count only the ids user_id returns."),
    ],
    "ch03.n_kb_ips": [
        _one(lambda d: len({line.split(" ")[0] for line in _lines(d) if "KBDOC-" in line}),
             "That counts the IPs of every line that mentions KBDOC- anywhere, referrers "
             "included: the exercise counts the IPs that requested a KB article "
             "('\"GET /KBDOC-')."),
        _one(lambda d: sum(1 for line in _lines(d) if '"GET /KBDOC-' in line),
             "That is the number of KB requests, not of different IPs: an IP can request "
             "many articles (distinct() before counting)."),
    ],
    "ch03.kb_requests": [
        _one(lambda d: sum(1 for line in _lines(d) if "KBDOC-" in line),
             "That counts every line that mentions KBDOC- anywhere, referrers included: "
             "only requests of an article ('\"GET /KBDOC-nnnnn.html') count."),
    ],
    "ch04.top_users": [
        _one(lambda d: sorted(_user_counts(d).items(), key=lambda kv: (-kv[1], -kv[0]))[:10],
             "The right counts in the right order, but ties are broken the other way: "
             "between users with as many requests, the smaller user id comes first."),
        _one(lambda d: sorted(_user_counts(d).items(), key=lambda kv: (kv[1], kv[0]))[:10],
             "These are the 10 users with the fewest requests: the exercise wants the most "
             "(sort by the count, descending)."),
        _one(lambda d: sorted(_user_counts(d).items(), key=lambda kv: -kv[0])[:10],
             "These are the 10 largest user ids: the exercise ranks users by their number "
             "of requests."),
    ],
    "ch06a.bars": [
        _one(lambda d: _ch06a_bars(d, "sorted"),
             "The bars are sorted by height: a chart of partitions keeps them in partition "
             "order (bar i at x = i), so that you can see which partitions are empty or "
             "overfull."),
        _one(lambda d: _ch06a_bars(d, "one-based"),
             "The heights are right but the bars start at x = 1: partitions are numbered "
             "from 0, and bar i stands at x = i."),
        _one(lambda d: _ch06a_bars(d, "distinct keys"),
             "Each bar counts the different keys of a partition, not its records: a "
             "task's work is the number of records it reads (partition_sizes)."),
    ],
    "ch07.kb_report": [
        _one(lambda d: [_kb_report(d), 3 * len(_lines(d))],
             "The report is right, but its three actions parsed every line three times: "
             "none of them read a cached RDD of parsed requests (caching the raw lines still "
             "parses them in every action). Cache the article requests, before the first "
             "action."),
        _one(lambda d: [(_kb_report(d)[0], _kb_report(d)[0], _kb_report(d)[2]), len(_lines(d))],
             "Your second number is the number of article requests: count the different "
             "users (distinct() before count())."),
    ],
    "ch07.lost_blocks": [
        _one(lambda d: [len(_lines(d)), len(_lines(d))],
             "saved parsed every line again too: its checkpoint was not written when its "
             "blocks were lost. checkpoint() only marks an RDD, and the next action writes it: "
             "mark saved before its first action."),
        _one(lambda d: [0, 0],
             "Neither count parsed a line: the blocks were still cached. lose_and_count must "
             "drop them (sc.faults.dropCachedBlocks(rdd)) before it counts."),
    ],
    "ch10.long_run": [
        _one(lambda d: _long_run_one_broadcast(d),
             "These are the centres after one step, and the labels assign the points to the "
             "initial centres: every step used the first broadcast. A broadcast's value never "
             "changes: broadcast the new centres at each step."),
    ],
    "ch09a.app": [
        _one(lambda d: _recorded_per_batch(d, lambda lines: [len(lines)]),
             "That is the number of lines of each batch: the application's stream holds "
             "the (user_id, requests) pairs of each batch (requests_per_user(lines))."),
        _one(lambda d: _recorded_per_batch(d, lambda lines: list(Counter(
            line.split(" ")[2] for line in lines).items())),
             "The right counts, but each user id is a string: int(...) the third field."),
    ],
    "ch09c.file_kb": [
        _one(lambda d: _recorded_per_batch(d, list),
             "That is every line of the new files: the stream should hold only the KB "
             "requests of each batch (kb_requests(lines))."),
    ],
    "ch09c.cores": [
        _one(lambda d: [1, 3],
             "One core per receiver leaves none to the batch jobs: the receivers hold every "
             "core and no batch is ever processed."),
        _one(lambda d: [2, 6],
             "Two cores per receiver is more than the smallest number: a receiver holds one "
             "core, and the batch jobs need one more in all."),
    ],
    "ch09c.last_4s": [
        _one(lambda d: _recorded_per_batch(d, lambda lines: [sum(map(_is_kb, lines))], 12),
             "That is the number of KB requests of each batch alone: a window of 4 seconds "
             "counts the last 4 batches (window(4) before counting)."),
    ],
    "ch09c.redo": [
        _one(lambda d: _recorded_per_batch(d, lambda lines: 2 * [x for x in lines if _is_kb(x)],
                                           4),
             "Every line is in its batch's file twice: the redo added the records again "
             "(the file was appended to). Write the file whole, replacing it (mode \"w\"), "
             "so that a redo leaves what one run left."),
    ],
    "ch09c.queue": [
        _one(lambda d: [_queue(p, 1000, "previous") for p in _QUEUE_CASES],
             "Each delay comes from the batch just before only: a wait is passed on, so the "
             "delay of a batch is what is left of the previous one's delay plus its overrun "
             "(start = the later of its due time and the previous batch's end)."),
        _one(lambda d: [_queue(p, 1000, "no wait") for p in _QUEUE_CASES],
             "Some delays are negative: a batch never starts before it is due (start = the "
             "later of its due time and the previous batch's end)."),
        _one(lambda d: [_queue(p, 1000, "total") for p in _QUEUE_CASES],
             "That is the total delay (waiting plus processing): the scheduling delay is "
             "only the wait, start - due."),
    ],
    "ch04.ips_per_user": [
        _one(lambda d: _ips_per_user_with_repeats(d),
             "A user's list repeats an IP once per request: each IP should appear once per "
             "user (distinct() on the (user, ip) pairs before grouping)."),
    ],
    "ch11b.break_it": [
        _one(lambda d: _break_it(d, read_at_end=True),
             "Your first number is in_map read after all three jobs: an accumulator keeps "
             "adding, so read it right after the job you measure (map_after_first holds "
             "the value after the first count)."),
        _one(lambda d: _break_it(d, tasks_not_attempts=True),
             "Your attempt counts count tasks (partitions), not attempts: a task that failed "
             "twice and then succeeded ended three attempts, three TaskEnd events."),
        _one(lambda d: _break_it(d, lines_of_all=True),
             "The third number of each run counts the lines read by every attempt: count "
             "only those of the attempts that failed (task_info.successful is False)."),
    ],
}


def _kb_report(data: Path) -> tuple[int, int, int]:
    """ch07 exercise 5: (article requests, different users, different articles)."""
    kb = [(user, path) for _, user, path in _requests(data) if path.startswith("/KBDOC-")]
    return (len(kb), len({user for user, _ in kb}), len({path for _, path in kb}))


def _device_points(data: Path) -> list[tuple[float, float]]:
    """Chapter 10's points: the last two fields of each device report, no-fix ones dropped."""
    found = []
    with open(data / "devices" / "devicestatus.txt", encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\r\n").split(",")
            point = (float(fields[-2]), float(fields[-1]))
            if point != (0.0, 0.0):
                found.append(point)
    return found


def _closest(point, centres) -> int:
    return min(range(len(centres)), key=lambda i: (point[0] - centres[i][0]) ** 2
               + (point[1] - centres[i][1]) ** 2)


def _kmeans_step(points, centres) -> list[tuple[float, float]]:
    sums: dict[int, list[float]] = {}
    for p in points:
        s = sums.setdefault(_closest(p, centres), [0.0, 0.0, 0])
        s[0] += p[0]
        s[1] += p[1]
        s[2] += 1
    return [(sums[i][0] / sums[i][2], sums[i][1] / sums[i][2]) if i in sums else c
            for i, c in enumerate(centres)]


def _long_run_one_broadcast(data: Path) -> list:
    """ch10 exercise 6 with one broadcast of the initial centres for all 10 steps."""
    points = _device_points(data)
    initial = points[:5]
    sizes = Counter(_closest(p, initial) for p in points)
    return [_kmeans_step(points, initial), sorted(sizes.items())]


def _recorded(data: Path, count: int) -> list[list[str]]:
    """The streaming chapters' recording: the replayer's cut of 16 September 2013 at 600
    times real speed, ``count`` one-second batches."""
    from course.streamcheck import recorded_batches  # plain Python: the replayer's schedule
    return recorded_batches(data / "weblogs" / "2013-09-16.log", speedup=600, count=count)


def _recorded_per_batch(data: Path, per_batch: Callable[[list[str]], list],
                        count: int = 8) -> list:
    """``per_batch(lines)`` for each batch of the recording, numbered from 1."""
    return [(i, sorted(per_batch(lines)))
            for i, lines in enumerate(_recorded(data, count), start=1)]


def _is_kb(line: str) -> bool:
    return (_field(line, 6) or "").startswith("/KBDOC-")


_QUEUE_CASES = ([300, 1500, 1500, 200, 200, 200], [1200] * 5, [])   # ch09c's visible check


def _queue(processing: list[int], interval: int, mistake: str) -> list[int]:
    """Chapter 9c's scheduling delays computed with one of its typical mistakes."""
    delays, free_at = [], 0
    for k, took in enumerate(processing):
        due = k * interval
        if mistake == "previous":
            start = due + max(0, processing[k - 1] - interval if k else 0)
        else:
            start = free_at if mistake == "no wait" else max(due, free_at)
        delays.append(start - due + (took if mistake == "total" else 0))
        free_at = start + took
    return delays


def _ips_per_user_with_repeats(data: Path) -> list:
    ips: dict[int, list[str]] = defaultdict(list)
    for ip, user, _ in _requests(data):
        ips[user].append(ip)
    return [(user, sorted(found)) for user, found in ips.items()]


# Chapter 11b, exercise 7: the jobs of its given cell, replayed without Spark. Partition i is
# the i-th log file in name order (the cell reads a glob); ``sc.faults.failTasks(0.5, seed=3)``
# decides each attempt from a hash (minispark/faults.py), asked here the same way; the three
# jobs are stages 0, 1 and 2 of a fresh context allowing 3 attempts per task.
BREAK_IT_SEED, BREAK_IT_ATTEMPTS = 3, 3


def _break_it(data: Path, *, read_at_end: bool = False, tasks_not_attempts: bool = False,
              lines_of_all: bool = False) -> list:
    from minispark.faults import FaultInjector

    faults = FaultInjector(None)
    faults.failTasks(0.5, seed=BREAK_IT_SEED)
    lines = []
    for path in sorted((data / "weblogs").glob("*.log")):
        with open(path, "rb") as f:
            lines.append(sum(1 for _ in f))
    runs = []
    for stage in range(3):
        attempts = failed = lost = read = 0
        for partition, n in enumerate(lines):
            for attempt in range(BREAK_IT_ATTEMPTS):
                attempts, read = attempts + 1, read + n
                if faults.decide(stage, partition, attempt, BREAK_IT_ATTEMPTS) is None:
                    break
                failed, lost = failed + 1, lost + n
        runs.append((len(lines) if tasks_not_attempts else attempts, failed,
                     read if lines_of_all else lost))
    n = sum(lines)
    return [2 * n if read_at_end else n, n, 2 * n, *runs]


def variants(exercise: str, data: Path) -> list[tuple[object, str]]:
    """The known wrong answers of ``exercise`` on ``data``, each with its hint."""
    return [pair for make in MISTAKES.get(exercise, []) for pair in make(data)]
