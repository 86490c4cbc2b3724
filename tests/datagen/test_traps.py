"""Every trap a lab names is in the data at every seed (datagen/traps.py): bad lines of
each kind, lines from an "iFruit 3A" (which a substring test for the target "iFruit 3"
keeps), no-fix GPS reports, ZIP codes with a leading 0 shared by two accounts, requests
for missing articles, KB pages named in referrers of style-sheet requests, the hot key.

Each check compares what a right program and the plausible wrong one compute: the trap is
sprung when they differ. The forced cases use data sets too small for chance to place the
trap, so the fix-ups themselves are exercised."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

import datagen
from datagen.badlines import KINDS


def _weblog_lines(root: Path) -> list[str]:
    lines = []
    for path in sorted((root / "weblogs").glob("*.log")):
        lines += path.read_bytes().decode("utf-8", "replace").splitlines()
    return lines


def _agent_model(line: str) -> str | None:
    agent = line.rsplit('"  "', 1)[-1]
    if "; en-us; " in agent and " Build/" in agent:
        return agent.split("; en-us; ", 1)[1].split(" Build/", 1)[0]
    if agent.startswith("Mozilla/5.0 (iFruit") and ";" in agent:
        return agent[len("Mozilla/5.0 ("):].split(";", 1)[0]
    return None


def _springs(root: Path, manifest: dict) -> dict[str, bool]:
    lines = _weblog_lines(root)
    fields = [line.split(" ") for line in lines]
    targets = set((root / "models" / "targetmodels.txt").read_text().split("\n")) - {""}
    naive = sum(any(t in line for t in targets) for line in lines)
    exact = sum(_agent_model(line) in targets for line in lines)
    no_fix = [r for r in (root / "devices" / "devicestatus.txt").read_text().splitlines()
              if r.endswith(",0.000000,0.000000")]
    zips = collections.Counter(
        row.split(",")[8] for row in (root / "accounts" / "accounts.csv").read_text()
        .splitlines())
    docs = {row.split(":", 1)[0]
            for row in (root / "kb" / "kblist.txt").read_text().splitlines()}
    requested = [f[6] for f in fields if len(f) > 6]
    missing_kb = [p for p in requested if p.startswith("/KBDOC-") and p[1:12] not in docs]
    kb_naive = sum("KBDOC" in line for line in lines)
    kb_exact = sum('"GET /KBDOC-' in line for line in lines)
    top_path = collections.Counter(requested).most_common(1)[0][0]
    bad = manifest["weblogs"]["bad_lines"]
    return {
        "every kind of bad line": all(bad[kind] > 0 for kind in KINDS),
        "iFruit 3 is a target, iFruit 3A is not": "iFruit 3" in targets
        and "iFruit 3A" not in targets,
        "a substring test keeps iFruit 3A lines": naive > exact
        and any(_agent_model(line) == "iFruit 3A" for line in lines),
        "no-fix GPS reports": bool(no_fix),
        "a ZIP with a leading 0 shared by two accounts": any(
            z.startswith("0") and n >= 2 for z, n in zips.items()),
        "requests for missing articles": bool(missing_kb),
        "KB pages named in referrers": kb_naive > kb_exact,
        "/theme.css is the hot key": top_path == "/theme.css",
    }


@pytest.mark.parametrize("seed", [1, 7, 42, 1234])
def test_every_trap_at_every_seed(tmp_path, seed):
    manifest = datagen.generate(tmp_path / "data", "tiny", seed=seed)
    springs = _springs(tmp_path / "data", manifest)
    assert all(springs.values()), {k: v for k, v in springs.items() if not v}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_fix_ups_place_the_traps_chance_left_out(tmp_path, seed):
    """Few users, lines and reports: chance alone would often give no iFruit 3A customer,
    no visit by one, no no-fix report."""
    out = tmp_path / "data"
    datagen.generate(out, "tiny", seed=seed, users=12, lines=60, devices=1, days=2)
    lines = _weblog_lines(out)
    assert any(_agent_model(line) == "iFruit 3A" for line in lines)
    accounts = [row.split(",") for row in (out / "accounts" / "accounts.csv").read_text()
                .splitlines()]
    assert any(a[12] == "iFruit 3A" and a[2] == "\\N" for a in accounts)
    reports = (out / "devices" / "devicestatus.txt").read_text().splitlines()
    assert len(reports) == 1 and reports[0].endswith(",0.000000,0.000000")
    times = [line.split("[", 1)[1][:20] for line in lines if "[" in line and " - " in line]
    assert times == sorted(times), "the log stays in time order"
    assert datagen.verify(out) == []


def test_the_course_data_set_is_unchanged_by_the_fix_ups(tiny):
    """Seed 42 springs every trap by chance: its bytes are the pinned ones."""
    _root, manifest = tiny
    pinned = (Path(__file__).resolve().parents[2] / "course" / "labsetup.py").read_text()
    assert manifest["dataset_sha256"] in pinned
