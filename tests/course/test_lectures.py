"""The lecture notes in course/lectures/: one page per assignment, pages that name only
notebook cells and exercises that exist, and links that resolve.

A page names a cell by its nbgrader ``grade_id`` in backticks (`` `ex2-how` ``, `` `q1` ``,
`` `written-intro` ``, `` `live` ``), an exercise as "exercise 4" (or "exercises 4 and 6",
"exercises 1 to 3"), a written question as "question 1". When a notebook changes (an
exercise removed or renumbered, a chapter split), these tests name the page to update.
The first tests prove that the reader of those references catches what it must.

Read next: course/lectures/README.md (the convention, for the people who write pages).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course.notebooks import REPO, assignments, nbgrader_meta, read, source_path

LECTURES = REPO / "course" / "lectures"
NAMES = assignments()

# A cell id in backticks: exN / qN with optional -suffixes, or the few named markdown cells
# a page may point at (a section's introduction, the optional live cell).
_CELL = re.compile(r"`((?:ex|q)\d+(?:-[a-z]+)*|[a-z]+-intro|live)`")
_EXERCISES = re.compile(r"\b[Ee]xercises?\s+(\d+(?:\s*(?:,|and|or|to)\s*\d+)*)")
_QUESTIONS = re.compile(r"\b[Qq]uestions?\s+(\d+(?:\s*(?:,|and|or|to)\s*\d+)*)")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def cell_ids(assignment: str) -> set[str]:
    """The grade ids of an assignment's source notebook."""
    ids = {nbgrader_meta(cell).get("grade_id") for cell in read(source_path(assignment))["cells"]}
    return {i for i in ids if i}


def unknown_references(text: str, ids: set[str]) -> list[str]:
    """The cells, exercises and questions a page names that its notebook lacks."""
    wrong = [f"cell `{name}`" for name in sorted(set(_CELL.findall(text))) if name not in ids]
    for pattern, prefix, word in ((_EXERCISES, "ex", "exercise"), (_QUESTIONS, "q", "question")):
        for match in pattern.finditer(text):
            for number in re.findall(r"\d+", match.group(1)):
                name = f"{prefix}{number}"
                if not any(i == name or i.startswith(name + "-") for i in ids):
                    wrong.append(f"{word} {number}")
    return sorted(set(wrong))


def broken_links(page: Path, text: str) -> list[str]:
    """Relative links of a page whose target does not exist (web links are not followed)."""
    broken = []
    for target in _LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if not (page.parent / path).exists():
            broken.append(target)
    return broken


# ------------------------------------------------------------ the checks can fail

IDS = {"ex1-answer", "ex1-check", "ex2-answer", "ex2-how", "q1", "q1-answer", "written-intro"}


@pytest.mark.parametrize("text, expected", [
    ("Run `ex2-how`, then `q1` and `written-intro`.", []),
    ("Run `ex3-how`.", ["cell `ex3-how`"]),
    ("Run `ex2-check`.", ["cell `ex2-check`"]),          # the exercise exists, the cell not
    ("Open `live`.", ["cell `live`"]),
    ("In exercise 2, then Exercise 1.", []),
    ("Exercises 1 and 3.", ["exercise 3"]),
    ("exercises 1 to 4", ["exercise 4"]),
    ("exercise 12", ["exercise 12"]),                      # not a prefix match on "ex1"
    ("question 1, question 2", ["question 2"]),
])
def test_unknown_references_are_found(text, expected):
    assert unknown_references(text, IDS) == expected


def test_broken_links_are_found(tmp_path):
    (tmp_path / "there.md").write_text("x")
    page = tmp_path / "page.md"
    text = ("[a](there.md) [b](there.md#part) [c](missing.md) [d](https://example.org/x) "
            "[e](#top) [f](../nowhere/x.ipynb)")
    assert broken_links(page, text) == ["missing.md", "../nowhere/x.ipynb"]


# ------------------------------------------------------------ the pages


def test_every_assignment_has_a_page_and_every_page_an_assignment():
    pages = {p.stem for p in LECTURES.glob("ch*.md")}
    assert not set(NAMES) - pages, (
        f"no lecture page for {sorted(set(NAMES) - pages)}: add course/lectures/<assignment>.md")
    assert not pages - set(NAMES), (
        f"lecture pages without a notebook: {sorted(pages - set(NAMES))} (renamed or split "
        "chapter?)")


def test_the_index_links_every_page():
    index = (LECTURES / "README.md").read_text()
    missing = [name for name in NAMES if f"]({name}.md)" not in index]
    assert not missing, f"course/lectures/README.md does not link {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_a_page_names_only_cells_that_exist(name):
    page = LECTURES / f"{name}.md"
    wrong = unknown_references(page.read_text(), cell_ids(name))
    assert not wrong, f"{page.relative_to(REPO)} names what {name}'s notebook lacks: {wrong}"


@pytest.mark.parametrize("page", sorted(LECTURES.glob("*.md")), ids=lambda p: p.name)
def test_links_resolve(page):
    broken = broken_links(page, page.read_text())
    assert not broken, f"{page.relative_to(REPO)} links to missing files: {broken}"


def test_the_guides_link_the_lectures():
    for guide in ("README.md", "course/INSTRUCTOR.md"):
        path = REPO / guide
        text = path.read_text()
        targets = {(path.parent / t.split("#", 1)[0]).resolve() for t in _LINK.findall(text)}
        assert (LECTURES / "README.md").resolve() in targets, (
            f"{guide} does not link course/lectures/README.md")
        assert not broken_links(path, text), f"{guide} has a broken link"
