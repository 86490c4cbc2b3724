"""`make demo`'s later steps: the streaming tour against the replayer, and grading a sample
class. (The batch tour has its own tests, test_tour.py.)

Expected values are computed here independently: the streaming tour's per-batch counts
must add up to a plain count over the first lines of the log files, in the order the
replayer sends them (sorted file names); the sample class's scores are the ones the
grading matrix (tests/grade/conftest.py) fixes for the same five variants, and for the
forger the score tests/grade/test_trust.py fixes (every forged cell 0, her kernel exits in
the last one).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import datagen
from course.grade import samples


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "data"
    datagen.generate(path, "tiny", seed=42, quiet=True)
    return path


def test_streaming_tour_counts_every_line_it_received(data):
    run = subprocess.run([sys.executable, "-m", "minispark.streaming.tour", "--data", str(data),
                          "--batches", "3", "--rate", "1000"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "", run.stderr                 # the deprecation warning is handled
    out = run.stdout
    received = [int(n) for n in re.findall(r"^-- batch at .*: (\d+) lines received$", out, re.M)]
    kb = [int(n) for n in re.findall(r"^   Number of KB requests: (\d+)$", out, re.M)]
    reported = [int(n) for n in re.findall(r"^  batch \d+: +(\d+) records", out, re.M)]
    stopped = re.search(r"stopped gracefully after (\d+) batches \(3 waited for"
                        r"(?:, then (\d+) more with the lines received meanwhile)?\): "
                        r"(\d+) records", out)
    assert stopped, out
    # The last line says how many batches ran, as many as were printed.
    completed, extra, total = int(stopped[1]), int(stopped[2] or 0), int(stopped[3])
    assert completed == len(received) == 3 + extra
    assert len(received) >= 3 and len(kb) == len(received) == len(reported)
    assert received == reported and sum(received) == total > 1000
    # The replayer sends the daily files in name order; a graceful stop processes all
    # that was received, so the batches hold exactly the first `total` lines.
    lines = [ln for f in sorted((data / "weblogs").iterdir())
             for ln in f.read_bytes().rstrip(b"\n").split(b"\n")][:total]
    assert sum(kb) == sum(b"KBDOC" in ln for ln in lines)
    windows = re.findall(r"busiest users over the last 3 s: (.*)$", out, re.M)
    assert len(windows) == len(received) and all(re.fullmatch(r"(\d+ \(\d+\)(, )?){1,3}", w)
                                                 for w in windows)


# The demo's class of six, graded in sandboxes (about 30 s): `make test-slow`, which CI runs.
@pytest.mark.slow
def test_sample_class_is_graded_as_the_matrix_says(tmp_path, data, capsys):
    assert samples.main(["--root", str(tmp_path), "--data", str(data),
                         "--cell-timeout", "5"]) == 0
    out = capsys.readouterr().out
    rows = {m.group(1): (m.group(2), m.group(3))
            for m in re.finditer(r"^(\w+) +(\d+/\d+) +(\w+)", out, re.M)}
    assert rows == {"ada": ("11/11", "ok"), "ben": ("0/11", "ok"), "cleo": ("9/11", "ok"),
                    "dev": ("10/11", "timeout"), "eli": ("10/11", "modified"),
                    "fay": ("4/11", "died")}
    assert (tmp_path / "graded" / "ch03_spark_basics" / "grades.csv").exists()
    assert len(list((tmp_path / "graded" / "ch03_spark_basics" / "feedback").glob("*.html"))) == 6
