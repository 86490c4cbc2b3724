"""The course on real PySpark: every source notebook (solutions and hidden tests) runs
with ``COURSE_ENGINE=pyspark`` and every graded cell passes, so the graded answers are
the same as on minispark (the self-checks compare with hashes recorded on minispark).
Checks that read minispark's listener events must say, visibly, that they were skipped.
"""

from __future__ import annotations

import pytest

from course.notebooks import assignments, execute, graded_cells, read, source_path

# A whole notebook on PySpark starts JVMs and runs dozens of jobs: chapter 9b took 218 s
# alone on a loaded machine, past pytest-timeout's default of 300 s once. Each notebook's
# cells still have their own timeout (course.notebooks.execute).
pytestmark = [pytest.mark.parity, pytest.mark.timeout(1200)]


@pytest.fixture(scope="module")
def course_data(tmp_path_factory):
    return tmp_path_factory.mktemp("course-data")   # the first setup cell generates it


@pytest.mark.parametrize("name", assignments())
def test_solutions_score_full_marks_on_pyspark(name, course_data):
    nb = execute(read(source_path(name)), source_path(name).parent,
                 {"COURSE_ENGINE": "pyspark", "COURSE_DATA": str(course_data)})
    setup = next(c for c in nb["cells"] if c["cell_type"] == "code")
    printed = "".join("".join(o.get("text", "")) for o in setup["outputs"])
    assert "pyspark 4.3.0, master local[2]" in printed, setup["outputs"]
    failed = {c["grade_id"]: c["failed"] for c in graded_cells(nb) if c["failed"]}
    assert failed == {}
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "watch(sc)" in "".join(cell["source"]):
            out = "".join("".join(o.get("text", "")) for o in cell["outputs"])
            assert "skipped on PySpark" in out and "✓" not in out, out
