"""Record the expected answers: run every source notebook (solutions included) on the
course data with ``COURSE_RECORD=1``, so that each ``check(...)`` stores the salted hash
of the reference answer, and write them to ``course/answers.json`` (``make answers``).

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
from course.notebooks import assignments, execute, graded_cells, read, source_path


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


def main() -> int:
    records = run_and_collect(assignments(), record=True)
    ANSWERS.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(records)} answers to {ANSWERS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
