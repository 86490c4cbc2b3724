"""The tour (`make demo`): it must run on fresh data and agree with a plain count.

The tour creates its own SparkContext, so it runs in a fresh interpreter; the
expected numbers come from datagen's manifest and from counting the log files
here with plain Python and a strict regular expression of the log format.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

# ip - user [date] "request" status bytes "referrer"  "agent"
LOG_LINE = re.compile(r'^\S+ - (\d+) \[[^\]]+\] "[^"]*" \d{3} \d+ "[^"]*" +"[^"]*"$')


def run_tour(data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "minispark.tour", "--data", str(data)],
                          capture_output=True, text=True, timeout=120)


def plain_counts(data: Path) -> Counter:
    counts: Counter = Counter()
    for path in sorted((data / "weblogs").glob("*.log")):
        for raw in path.read_bytes().split(b"\n"):
            match = LOG_LINE.match(raw.decode("utf-8", "replace"))
            if match:
                counts[match.group(1)] += 1
    return counts


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    data = tmp_path_factory.mktemp("tour") / "data"
    first = run_tour(data)
    second = run_tour(data)
    return data, first, second


def test_tour_generates_data_and_succeeds(tour):
    data, first, second = tour
    assert first.returncode == 0, first.stderr
    assert (data / "manifest.json").exists()
    assert "generating the 'tiny' data set" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "generating" not in second.stdout  # the second run reuses the data


def test_tour_counts_agree_with_the_manifest_and_a_plain_count(tour):
    data, first, _ = tour
    manifest = json.loads((data / "manifest.json").read_text())["weblogs"]
    counts = plain_counts(data)
    assert sum(counts.values()) == manifest["good_lines"]  # the regex is strict enough
    out = first.stdout
    assert f"Malformed lines skipped: {sum(manifest['bad_lines'].values())} " in out
    assert f"Requests from well-formed lines: {manifest['good_lines']:,}" in out
    assert f"Distinct users: {len(counts)}" in out
    ranked = re.findall(r"^\s+\d+\. user (\d+)\s+([\d,]+) requests", out, re.M)
    assert len(ranked) == 10
    printed = [(user, int(n.replace(",", ""))) for user, n in ranked]
    best = sorted(counts.items(), key=lambda kv: (-kv[1], int(kv[0])))[:10]
    assert [n for _, n in printed] == [n for _, n in best]
    assert all(counts[user] == n for user, n in printed)


def test_tour_explains_stages_and_lineage(tour):
    _, first, _ = tour
    out = first.stdout
    assert "1 stage(s) ran, 1 skipped" in out  # a later job reuses the shuffle
    assert "ShuffleMapStage" in out and "ResultStage" in out
    assert "ShuffledRDD" in out and " +-(" in out and "CachedPartitions: 3" in out
    assert "at reduceByKey at tour.py:" in out  # call sites name the tour's own lines


def test_tour_output_is_deterministic_apart_from_timings(tour):
    _, first, second = tour
    def strip(text: str) -> list[str]:
        text = re.sub(r"\(\d+\.\d+ s\)", "", text)
        return [ln for ln in text.splitlines()
                if not ln.startswith(("Done in", "No ", "  wrote", "Using the existing"))]
    assert strip(first.stdout) == strip(second.stdout)
