"""The other files (KB, models, devices) and the data set as a whole: determinism,
the golden checksum, the manifest."""

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import datagen

# The dataset digest of `datagen.generate(dir, "tiny", seed=42)`. Recorded once the
# format was settled; it changes only when the generator's output changes on purpose
# (then bump datagen.manifest.VERSION and record the new value here).
GOLDEN_TINY_42 = "007a2ac96e30a41abbc5dae4c625de493e8a4b7ed9296e92428f70ab1ae824ed"

MODELS_HAVE = {"Sorrento": 15, "iFruit": 8, "Ronin": 8, "MeeToo": 8, "Titanic": 11}


def sha256sum_listing_digest(root: Path) -> str:
    """The dataset digest computed the way a grader would, with nothing from datagen."""
    rows = []
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel != "manifest.json":
            rows.append((rel.encode(), f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {rel}\n"))
    return hashlib.sha256("".join(row for _, row in sorted(rows)).encode()).hexdigest()


def test_golden_checksum_of_tiny(tiny):
    root, manifest = tiny
    digest = sha256sum_listing_digest(root)
    assert manifest["dataset_sha256"] == digest
    assert digest == GOLDEN_TINY_42


def test_manifest_lists_every_file_with_lines_and_sha256(tiny):
    root, manifest = tiny
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert set(manifest["files"]) == on_disk - {"manifest.json"}
    for rel, entry in manifest["files"].items():
        data = (root / rel).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["lines"] == data.count(b"\n")
    assert manifest["seed"] == 42 and manifest["scale"] == "tiny"
    assert manifest["options"]["lines"] == 10_000 and manifest["version"]
    assert json.loads((root / "manifest.json").read_text()) == manifest
    assert datagen.verify(root) == []


def test_same_seed_same_bytes_other_seed_other_bytes(tiny, tmp_path):
    _, first = tiny
    again = datagen.generate(tmp_path / "again", "tiny", seed=42, jobs=2)
    assert again["files"] == first["files"]
    other = datagen.generate(tmp_path / "other", "tiny", seed=43)
    assert other["dataset_sha256"] != first["dataset_sha256"]


def test_independent_of_hash_randomisation(tiny, tmp_path):
    _, first = tiny
    code = ("import datagen, sys; "
            "print(datagen.generate(sys.argv[1], 'tiny', seed=42)['dataset_sha256'])")
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "d")], env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == first["dataset_sha256"]


def test_overrides_and_bad_lines_option(tmp_path):
    m = datagen.generate(tmp_path / "d", "tiny", seed=1, days=2, users=50, lines=2000,
                         bad_lines=0.01, devices=10, articles=20)
    assert m["weblogs"]["files"] == 2 and 1900 <= m["weblogs"]["lines"] <= 2100
    assert sum(m["weblogs"]["bad_lines"].values()) == 20
    assert m["files"]["devices/devicestatus.txt"]["lines"] == 10
    assert m["files"]["kb/kblist.txt"]["lines"] == 20
    assert len(m["files"]) == 2 + 1 + 20 + 1 + 1 + 2


def test_regenerating_into_the_same_directory_replaces_the_old_files(tmp_path):
    datagen.generate(tmp_path / "d", "tiny", seed=1, days=3, lines=300)
    m = datagen.generate(tmp_path / "d", "tiny", seed=1, days=2, lines=200)
    assert sorted(p.name for p in (tmp_path / "d/weblogs").iterdir()) == \
        ["2013-09-16.log", "2013-09-17.log"]
    assert datagen.verify(tmp_path / "d") == [] and m["weblogs"]["files"] == 2


def test_refuses_a_directory_it_did_not_make(tmp_path):
    (tmp_path / "mine.txt").write_text("precious")
    with pytest.raises(datagen.UserError, match="not empty"):
        datagen.generate(tmp_path, "tiny")
    assert (tmp_path / "mine.txt").read_text() == "precious"


def test_kb_list_and_pages(tiny):
    root, _ = tiny
    entries = [re.fullmatch(r"(KBDOC-\d{5}):(.+) - (.+)", line)
               for line in (root / "kb/kblist.txt").read_text().splitlines()]
    assert all(entries) and entries[0][1] == "KBDOC-00001" and len(entries) == 120
    for e in entries:
        maker = e[2].split(" ")[0]
        assert maker in MODELS_HAVE
        html = (root / f"kb/{e[1]}.html").read_text()
        assert f'<meta name="docid" content="{e[1]}">' in html
        assert f"<title>{e[2]} - {e[3]}</title>" in html


def test_models_and_the_broadcast_trap(tiny):
    root, _ = tiny
    rows = [line.split(",") for line in (root / "models/phonemodels.csv").read_text().splitlines()]
    by_maker = {}
    for maker, _model in rows:
        by_maker[maker] = by_maker.get(maker, 0) + 1
    assert by_maker == MODELS_HAVE
    targets = (root / "models/targetmodels.txt").read_text().splitlines()
    assert "iFruit 3" in targets and "iFruit 3A" not in targets
    logs = b"".join(p.read_bytes() for p in (root / "weblogs").iterdir()).decode(
        "utf-8", "replace").splitlines()
    naive = [line for line in logs if any(t in line for t in targets)]
    exact = [line for line in logs
             if (m := re.search(r"\((iFruit \w+);|en-us; (.+?) Build/", line))
             and (m[1] or m[2]) in targets]
    assert len(exact) > 0 and len(naive) > len(exact), "the iFruit 3 / 3A trap must bite"
    assert all("iFruit 3A" in line for line in set(naive) - set(exact))


def test_device_status_lines(tiny):
    root, manifest = tiny
    orders = manifest["device_reading_order"]
    no_fix = 0
    lines = (root / "devices/devicestatus.txt").read_text().splitlines()
    assert len(lines) == 2000
    for line in lines:
        f = line.split(",")
        assert len(f) == 14 and re.fullmatch(r"2013-09-1[678] \d\d:\d\d:\d\d", f[0])
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", f[2])
        readings = dict(zip(orders[f[1].split(" ")[0]], map(int, f[3:12]), strict=True))
        assert 0 <= readings["battery"] <= 100 and readings["gps"] in (0, 1)
        lat, lon = float(f[12]), float(f[13])
        if (lat, lon) == (0.0, 0.0):
            no_fix += 1
            assert readings["gps"] == 0
        else:
            assert 25 < lat < 55 and -130 < lon < -95
    assert 0 < no_fix < len(lines) / 10
