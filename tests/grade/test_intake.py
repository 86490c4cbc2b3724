"""Reading submissions (course/grade/intake.py): every kind of odd file a student folder
can hold is refused with a one-line reason, without following a link, blocking on a FIFO
or reading more than the cap. No kernel runs here: these are fast.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from course.grade import intake
from course.notebooks import REPO

ASSIGNMENT = "ch03_spark_basics"
SOLUTION = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


def _folder(root: Path, student: str | bytes) -> Path:
    folder = Path(os.fsdecode(os.path.join(os.fsencode(root), os.fsencode(student),
                                           ASSIGNMENT.encode())))
    folder.mkdir(parents=True)
    return folder


def _only(root: Path) -> intake.Submission:
    found = intake.find(root, ASSIGNMENT)
    assert len(found) == 1, found
    return found[0]


def _reason(root: Path) -> str:
    with pytest.raises(intake.Unreadable) as info:
        intake.read(_only(root))
    reason = str(info.value)
    assert "\n" not in reason and len(reason) < 200
    return reason


def test_a_plain_notebook_is_read_and_normalised(tmp_path):
    (_folder(tmp_path, "ada") / NOTEBOOK).write_bytes(SOLUTION.read_bytes())
    nb, data = intake.read(_only(tmp_path))
    assert data == SOLUTION.read_bytes()
    assert all(set(c) == {"cell_type", "source", "metadata"} for c in nb["cells"])
    assert all(isinstance(c["source"], str) for c in nb["cells"])
    gids = [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"] if c["metadata"]]
    assert "ex1-check" in gids


def test_a_directory_named_like_the_notebook(tmp_path):
    (_folder(tmp_path, "s") / NOTEBOOK).mkdir()
    assert _reason(tmp_path) == "the notebook is a directory, not a file"


def test_a_dangling_symlink(tmp_path):
    (_folder(tmp_path, "s") / NOTEBOOK).symlink_to(tmp_path / "nowhere.ipynb")
    assert _reason(tmp_path) == "the notebook is a symbolic link (not followed), not a file"


def test_a_symlink_to_a_file_only_the_grader_may_read_is_not_followed(tmp_path):
    (_folder(tmp_path, "s") / NOTEBOOK).symlink_to(SOLUTION)     # readable by root
    assert "symbolic link" in _reason(tmp_path)


def test_a_symlink_to_dev_zero(tmp_path):
    (_folder(tmp_path, "s") / NOTEBOOK).symlink_to("/dev/zero")
    assert "symbolic link" in _reason(tmp_path)


@pytest.mark.timeout(30)
def test_a_fifo_does_not_block(tmp_path):
    os.mkfifo(_folder(tmp_path, "s") / NOTEBOOK)
    assert _reason(tmp_path) == "the notebook is a FIFO, not a file"


def test_a_symlinked_student_or_assignment_folder_is_not_followed(tmp_path):
    real = _folder(tmp_path / "elsewhere", "x")
    (real / NOTEBOOK).write_bytes(SOLUTION.read_bytes())
    subs = tmp_path / "subs"
    (subs / "linked_student").mkdir(parents=True)
    (subs / "linked_student" / ASSIGNMENT).symlink_to(real)
    (subs / "whole").symlink_to(real.parent)
    found = {s.student: s for s in intake.find(subs, ASSIGNMENT)}
    assert sorted(found) == ["linked_student", "whole"]
    for sub in found.values():
        with pytest.raises(intake.Unreadable, match="symbolic link"):
            intake.read(sub)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = _folder(tmp_path, "s") / NOTEBOOK
    with open(path, "wb") as f:
        f.truncate(intake.MAX_BYTES + 1)              # sparse: costs no disk
    assert _reason(tmp_path).startswith("the notebook is 20.0 MB, over the 20 MB limit")


def test_deep_nesting(tmp_path):
    (_folder(tmp_path, "s") / NOTEBOOK).write_text("[" * 100_000 + "]" * 100_000)
    assert _reason(tmp_path) == f"the notebook's JSON nests more than {intake.MAX_DEPTH} deep"
    nested = {"cells": []}
    for _ in range(intake.MAX_DEPTH):                 # under the recursion limit, too deep
        nested = {"cells": [{"cell_type": "code", "source": "", "metadata": nested}]}
    assert "nests more than" in pytest.raises(intake.Unreadable, intake.parse,
                                              json.dumps(nested).encode()).value.args[0]


@pytest.mark.parametrize("source, why", [
    (42, "cell 1: its source is int, not text"),
    (["a", 1], "cell 1: its source is list, not text"),
    ({"x": 1}, "cell 1: its source is dict, not text"),
])
def test_a_source_that_is_not_text(source, why):
    data = json.dumps({"cells": [{"cell_type": "code", "source": source}]}).encode()
    with pytest.raises(intake.Unreadable) as info:
        intake.parse(data)
    assert str(info.value) == why


@pytest.mark.parametrize("data, start", [
    (b"\xff\xfe{}", "the notebook is not UTF-8 text"),
    (b"{not json", "the notebook is not JSON"),
    (b"[1, 2]", "the file is JSON but not a notebook"),
    (b'{"cells": [3]}', "cell 1 is int, not a cell"),
    (b'{"cells": [{"cell_type": "code", "source": "", "metadata": {"nbgrader": '
     b'{"grade_id": ["x"]}}}]}', "cell 1: its nbgrader grade_id is not text"),
    (b'{"cells": [{"cell_type": 7, "source": ""}]}', "cell 1: unknown cell type"),
])
def test_other_broken_notebooks(data, start):
    with pytest.raises(intake.Unreadable) as info:
        intake.parse(data)
    assert str(info.value).startswith(start)


def test_surrogates_in_a_notebook_are_cleaned():
    nb = intake.parse(b'{"cells": [{"cell_type": "code", "source": "print(\\"\\ud800\\")"}]}')
    assert nb["cells"][0]["source"] == 'print("\ufffd")'
    nb["cells"][0]["source"].encode("utf-8")


def test_a_folder_name_that_is_not_utf8(tmp_path):
    (_folder(tmp_path, b"caf\xe9") / NOTEBOOK).write_bytes(SOLUTION.read_bytes())
    sub = _only(tmp_path)
    assert (sub.student, sub.raw) == ("caf\\xe9", b"caf\xe9")
    nb, _ = intake.read(sub)
    assert nb["cells"]


def test_no_notebook_and_a_file_for_a_folder_are_rows(tmp_path):
    _folder(tmp_path, "empty")
    (tmp_path / "file").mkdir()
    (tmp_path / "file" / ASSIGNMENT).write_text("hello")
    (tmp_path / "README.txt").write_text("not a student")
    (tmp_path / "other").mkdir()                      # no hand-in of this assignment
    found = {s.student: s.problem for s in intake.find(tmp_path, ASSIGNMENT)}
    assert found == {"empty": "no notebook (.ipynb) in the assignment folder",
                     "file": "the assignment folder is a file"}


def test_the_assignment_named_notebook_is_preferred(tmp_path):
    folder = _folder(tmp_path, "s")
    (folder / "a_draft.ipynb").write_text("{}")
    (folder / NOTEBOOK).write_bytes(SOLUTION.read_bytes())
    assert _only(tmp_path).notebook == NOTEBOOK.encode()
