"""The manifest: a signed inventory of a generated data set.

Graded answers are computed from the data, so a grader must be able to tell whether a
student's ``data/`` is *the* expected data. ``manifest.json`` records what made the
data (seed, options, generator version) and what it contains: every file's line count
and SHA-256, and how many malformed lines of each kind the logs hold.

The **dataset digest** sums it all up in one value. Its rule is simple enough to check
by hand with standard tools::

    cd data && find . -type f ! -name manifest.json | sed 's|^\\./||' | LC_ALL=C sort \\
        | xargs sha256sum | sha256sum

that is, the SHA-256 of the ``sha256sum``-style listing (``<hex>  <path>\\n``) of every
data file, paths relative to the data directory with ``/`` separators, sorted by their
UTF-8 bytes.

Key terms: *SHA-256* — a fingerprint of a file's bytes; any change, even one byte,
gives a completely different value.

Read next: ``pipeline.py`` (which fills the manifest in).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

GENERATOR = "datagen"
VERSION = "1.0"
NAME = "manifest.json"


def file_entry(data: bytes) -> dict[str, object]:
    """The manifest's record of one file: lines, bytes and SHA-256.

    >>> file_entry(b"a\\nb\\n")["lines"]
    2
    """
    return {"lines": data.count(b"\n"), "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def dataset_digest(files: dict[str, dict]) -> str:
    """The digest of a data set from its files' SHA-256 values (see the module text).

    >>> dataset_digest({"b.txt": {"sha256": "22"}, "a.txt": {"sha256": "11"}}) == \\
    ...     hashlib.sha256(b"11  a.txt\\n22  b.txt\\n").hexdigest()
    True
    """
    listing = "".join(f"{files[p]['sha256']}  {p}\n"
                      for p in sorted(files, key=lambda p: p.encode()))
    return hashlib.sha256(listing.encode()).hexdigest()


def write(out_dir: Path, manifest: dict) -> None:
    """Write ``manifest.json`` (sorted keys, so it is itself deterministic)."""
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    (out_dir / NAME).write_text(text, encoding="utf-8")


def read(out_dir: str | Path) -> dict:
    """Load the manifest of a data directory."""
    return json.loads((Path(out_dir) / NAME).read_text(encoding="utf-8"))


def verify(out_dir: str | Path) -> list[str]:
    """Check a data directory against its manifest; returns the problems (empty = fine).

    Reads every file, so it takes a few seconds for the large scale.
    """
    root = Path(out_dir)
    try:
        manifest = read(root)
    except (OSError, ValueError) as err:
        return [f"cannot read {root / NAME}: {err}"]
    problems = []
    for rel, expected in sorted(manifest.get("files", {}).items()):
        path = root / rel
        if not path.is_file():
            problems.append(f"missing: {rel}")
            continue
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
        if h.hexdigest() != expected["sha256"]:
            problems.append(f"changed: {rel}")
    listed = set(manifest.get("files", {}))
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel != NAME and rel not in listed:
            problems.append(f"not in manifest: {rel}")
    if dataset_digest(manifest.get("files", {})) != manifest.get("dataset_sha256"):
        problems.append("dataset_sha256 does not match the files listed")
    return problems
