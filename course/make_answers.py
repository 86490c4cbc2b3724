"""Record the expected answers: run every source notebook (solutions included) on the
course data with ``COURSE_RECORD=1``, so that each ``check(...)`` stores the salted scrypt
hash of the reference answer (and of its hint facts: course/checks.py), and write them to
``course/answers.json`` (``make answers``). The class grader does not use this file: it runs
the source notebooks itself (course/grade/reference.py).

Salts already in ``answers.json`` are kept, so re-running only changes the entries whose
answers changed. Run it after editing a solution or a check; ``make test`` fails while
``answers.json`` is out of date.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from course.checks import ANSWERS
from course.notebooks import (
    assignments,
    execute,
    exercise_prefix,
    graded_cells,
    read,
    source_path,
)


def run_and_collect(names: list[str], *, record: bool) -> dict:
    """Execute the notebooks, returning ``{exercise: record}`` from every check call."""
    records: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "records.jsonl"
        out.touch()
        env = {"COURSE_RECORD_TO": str(out), "COURSE_RECORD": "1" if record else "0"}
        for name in names:
            nb = execute(read(source_path(name)), source_path(name).parent, env)
            failed = [c for c in graded_cells(nb) if c["failed"]]
            if record and failed:
                raise RuntimeError(f"{name}: cells failed while recording: {failed}")
        for line in out.read_text().splitlines():
            rec = json.loads(line)
            records[rec.pop("exercise")] = rec
    return dict(sorted(records.items()))


def main(argv: list[str] | None = None) -> int:
    """``python -m course.make_answers [ASSIGNMENT ...]``: all chapters, or just these.

    Recording one chapter replaces only that chapter's entries; the file is rewritten
    under a lock so that two chapters can be recorded at the same time.
    """
    import fcntl

    names = list(sys.argv[1:] if argv is None else argv)
    unknown = sorted(set(names) - set(assignments()))
    if unknown:
        print(f"no such assignment: {', '.join(unknown)}", file=sys.stderr)
        return 2
    records = run_and_collect(names or assignments(), record=True)
    prefixes = tuple(exercise_prefix(name) for name in names)
    with open(ANSWERS.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # Recording every chapter rewrites the file, so the answers of a removed
        # chapter go too; recording some keeps the other chapters' entries.
        kept = json.loads(ANSWERS.read_text()) if names and ANSWERS.exists() else {}
        kept = {k: v for k, v in kept.items() if not k.startswith(prefixes)}
        merged = dict(sorted({**kept, **records}.items()))
        ANSWERS.write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(records)} answers for {', '.join(names) or 'every chapter'} to {ANSWERS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
