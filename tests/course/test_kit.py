"""The student kit (course/kit.py): it holds what a student needs and none of what only the
instructor may see, and it installs and runs with nothing but its README's commands.

- What is in it: the engine, the data generator, the course runtime, every exercise, the
  hashes file as it is; never course/grade/, make_answers, the release machinery.
- What is not: every line of every solution block and hidden-test block of course/source
  that is not also public text (an engine module, or a notebook's visible part), every such
  block whole, nbgrader's markers, and (slow) the reference answers' values in clear.
- Installed in a fresh venv with the README's first command only (slow): the working copy,
  an exercise's setup cell and a self-check, right and wrong, run in the kit's kernel.
- In a browser (marker ``browser``): the README's second command serves the working copy
  and headless Chromium runs the setup cell of an exercise from it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course import kit
from course.notebooks import REPO, assignments, execute, read, source_path

SOLUTION = re.compile(r"### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS[^\n]*\n(.*?)^[ \t]*### END HIDDEN TESTS",
                    re.S | re.M)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("kit") / "student-kit"
    kit.build(out)
    return out


def _text(path: Path) -> str:
    """A kit file as searchable text: a notebook's cell sources joined, else the file."""
    raw = path.read_bytes().decode("utf-8", errors="replace")
    if path.suffix == ".ipynb":
        cells = json.loads(raw)["cells"]
        return raw + "\n" + "\n".join("".join(c["source"]) for c in cells)
    return raw


def _secret_blocks() -> list[tuple[str, str]]:
    """(assignment, block) for every solution and hidden-test block of every source."""
    blocks = []
    for name in assignments():
        for cell in read(source_path(name))["cells"]:
            text = "".join(cell["source"])
            blocks += [(name, b) for rx in (SOLUTION, HIDDEN) for b in rx.findall(text)]
    return blocks


def _public_lines() -> set[str]:
    """Lines students are meant to see: the engine's and the runtime's Python code, and
    every source notebook with its solution and hidden-test blocks taken out."""
    lines: set[str] = set()
    for package in ("minispark", "datagen"):
        for path in (REPO / package).rglob("*.py"):
            lines |= {x.strip() for x in path.read_text().splitlines()}
    for name in kit.RUNTIME:
        if name.endswith(".py") and name != "__init__.py":
            lines |= {x.strip() for x in (REPO / "course" / name).read_text().splitlines()}
    for name in assignments():
        for cell in read(source_path(name))["cells"]:
            text = HIDDEN.sub("", SOLUTION.sub("", "".join(cell["source"])))
            lines |= {x.strip() for x in text.splitlines()}
    return lines


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def find_secrets(root: Path) -> list[str]:
    """Every place in ``root`` holding a secret line, a whole secret block, or a marker."""
    public = _public_lines()
    blocks = _secret_blocks()
    secret_lines = {x.strip() for _, b in blocks for x in b.splitlines()} - public - {""}
    assert len(secret_lines) > 300, "the search must have something to look for"
    found = [f"marker {m}" for m in kit.leaks(root)]
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = _text(path)
        rel = path.relative_to(root)
        lines = {x.strip() for x in text.splitlines()}
        # Lines inside JSON strings (a notebook's raw text) end in an escaped newline.
        lines |= {x.strip() for x in text.replace("\\n", "\n").replace('\\"', '"').splitlines()}
        found += [f"{rel}: line {x!r}" for x in sorted(lines & secret_lines)]
        squashed = _squash(text)
        found += [f"{rel}: a block of {name}" for name, b in blocks
                  if len(b.strip().splitlines()) > 1 and _squash(b) in squashed]
    return found


def test_the_kit_holds_what_a_student_needs(built):
    files = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()}
    for name in assignments():
        assert f"course/exercises/{name}/{name}.ipynb" in files
        assert (built / "course/exercises" / name / f"{name}.ipynb").read_bytes() == \
            (REPO / "exercises" / name / f"{name}.ipynb").read_bytes()
    for name in ("labsetup.py", "checks.py", "execution.py", "streamcheck.py", "lab.py"):
        assert f"course/{name}" in files
    answers = "course/answers.json"
    assert (built / answers).read_bytes() == (REPO / answers).read_bytes(), "shipped as is"
    assert {"pyproject.toml", "README.md", "minispark/__init__.py", "datagen/__init__.py"} <= files
    instructors = [f for f in files if f.startswith(("course/grade/", "course/source/",
                                                     "solutions/", "tests/", "exercises/"))
                   or f in ("course/make_answers.py", "course/notebooks.py", "course/kit.py",
                            "course/nbgrader_config.py", "course/INSTRUCTOR.md")]
    assert instructors == []


def test_the_runtime_holds_every_course_module_it_imports():
    """Each runtime module's imports of ``course.X``, and those of every exercise notebook's
    code cells, name modules of the runtime: a notebook in the kit would otherwise stop
    with an ImportError (checks.py imports reporting.py; test cells import probes.py)."""
    import ast

    modules = {name.removesuffix(".py") for name in kit.RUNTIME if name.endswith(".py")}
    sources = {name: (REPO / "course" / f"{name}.py").read_text() for name in modules}
    for assignment in assignments():
        nb = read(REPO / "exercises" / assignment / f"{assignment}.ipynb")
        for number, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "code":
                source = "".join(cell["source"]) if isinstance(cell["source"], list) \
                    else cell["source"]
                code = "\n".join(line for line in source.splitlines()
                                 if not line.lstrip().startswith(("%", "!")))
                sources[f"{assignment} cell {number}"] = code
    missing = set()
    for name, text in sources.items():
        tree = ast.parse(text)
        # An instructor-only module may be imported inside a function that only instructors
        # call (checks.record), never when the module itself is imported.
        top = {alias.name for node in tree.body if isinstance(node, ast.ImportFrom)
               and node.module == "course" for alias in node.names}
        missing |= {(name, m) for m in top if m in kit.INSTRUCTOR_MODULES}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "course":
                imported = {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course."):
                imported = {node.module.split(".")[1]}
            elif isinstance(node, ast.Import):
                imported = {a.name.split(".")[1] for a in node.names
                            if a.name.startswith("course.")}
            else:
                continue
            missing |= {(name, m) for m in imported
                        if m not in modules and m not in kit.INSTRUCTOR_MODULES}
    assert not missing, f"runtime modules import modules the kit leaves out: {sorted(missing)}"


def test_the_kit_holds_no_solution_and_no_hidden_test(built):
    assert find_secrets(built) == []


def test_the_secret_search_finds_a_leak(built, tmp_path):
    """The search above can fail: one solution line, or a hidden block pasted into a module
    with its lines re-indented, is found."""
    blocks = _secret_blocks()
    public = _public_lines()
    line = next(x.strip() for _, b in blocks for x in b.splitlines()
                if x.strip() and x.strip() not in public)
    hidden = next(b for _, b in blocks if b.count("\n") > 2 and "_grader" in b)
    for leak, where in ((line, "course/exercises/ch03_spark_basics/notes.txt"),
                        ("    " + hidden.replace("\n", "\n    "), "course/checks.py")):
        copy = tmp_path / f"kit-{len(where)}"
        shutil.copytree(built, copy)
        with open(copy / where, "a") as f:
            f.write("\n" + leak + "\n")
        assert find_secrets(copy), f"a leak into {where} went unnoticed"


def test_building_into_a_used_folder_is_refused(tmp_path):
    (tmp_path / "mine.txt").write_text("a student's file")
    with pytest.raises(kit.KitError, match="not an empty folder"):
        kit.build(tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "a student's file"


# ---------------------------------------------------------------- reference values

@pytest.mark.slow
def test_the_kit_holds_no_reference_answer_in_clear(built, tmp_path):
    """Run every solution with ``check`` noting the canonical answer it hashes, and search
    the kit for each (those long enough to be told apart from other text)."""
    values = tmp_path / "values.jsonl"
    spy = ("import json as _j, course.checks as _c\n"
           "_top = _c._top\n"
           "def _noting(x, **kw):\n"
           "    v = _top(x, **kw)\n"
           f"    open({str(values)!r}, 'a').write(_j.dumps(v) + '\\n')\n"
           "    return v\n"
           "_c._top = _noting\n")
    data = tmp_path / "data"
    for name in assignments():
        nb = read(source_path(name))
        nb["cells"].insert(0, {"cell_type": "code", "id": "spy", "metadata": {},
                               "execution_count": None, "outputs": [], "source": spy})
        execute(nb, tmp_path, {"COURSE_DATA": str(data), "COURSE_ENGINE": "minispark"})
    recorded = [json.loads(x) for x in values.read_text().splitlines()]
    assert len(recorded) >= len(json.loads((REPO / "course/answers.json").read_text()))
    # A value with 6 letters or digits or more, not counting the constants None, True and
    # False; shorter ones ([0, 0, 0], 42, [None, None]) are everywhere, in code as well.
    wanted = {form for v in recorded for form in (json.dumps(v), repr(v))
              if len(re.sub(r"[^0-9A-Za-z]", "", re.sub(
                  r"\b(None|True|False|null|true|false)\b", "", form))) >= 6}
    assert len(wanted) > 50, "the search must have something to look for"
    texts = {p: _text(p) for p in built.rglob("*") if p.is_file()}
    found = [f"{p.relative_to(built)}: {w[:60]}" for w in sorted(wanted)
             for p, t in texts.items() if w in t]
    assert found == []


# ---------------------------------------------------------------- installed

def _readme_commands(root: Path) -> list[str]:
    readme = (root / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme, re.S).group(1)
    return [x for x in block.splitlines() if x.strip()]


@pytest.fixture(scope="module")
def installed(built) -> Path:
    """The kit installed with the README's first command (as written) in the kit's folder."""
    setup, _launch = _readme_commands(built)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                  if not p.startswith(str(REPO)))
    proc = subprocess.run(["sh", "-c", setup], cwd=built, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return built


SETUP_AND_CHECK = r"""
import json, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from course.lab import working_copy

work = Path("work")
made = working_copy(work)
nb = nbformat.read(work / "ch03_spark_basics" / "ch03_spark_basics.ipynb", as_version=4)
ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
# The code cells up to the first check: setup, the given code, the answer, its check.
cells = [c for c in nb.cells[:ids.index("ex1-check") + 1] if c.cell_type == "code"]
answer = nb.cells[ids.index("ex1-answer")]
results = {}
for label, code in (("right", sys.argv[1]), ("wrong", "n_lines = 42")):
    answer.source = code
    run = nbformat.v4.new_notebook(cells=[nbformat.from_dict(dict(c)) for c in cells],
                                   metadata=nb.metadata)
    NotebookClient(run, timeout=300, kernel_name="python3", allow_errors=True).execute()
    results[label] = ["".join(o.get("text", "") or o.get("evalue", "") for o in c.outputs)
                      for c in run.cells]
print(json.dumps({"made": len(made), "results": results}))
"""


@pytest.mark.slow
def test_installed_kit_runs_a_setup_cell_and_a_self_check(installed):
    solution = read(REPO / "solutions/ch03_spark_basics/ch03_spark_basics.ipynb")
    right = next("".join(c["source"]) for c in solution["cells"]
                 if c["metadata"].get("nbgrader", {}).get("grade_id") == "ex1-answer")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    env["COURSE_DATA"] = str(installed / "data")
    env["MINISPARK_UI_ENABLED"] = "false"
    proc = subprocess.run([str(installed / ".venv/bin/python"), "-c", SETUP_AND_CHECK, right],
                          cwd=installed, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["made"] == len(assignments())
    setup_line, *_given, check = out["results"]["right"]
    assert "minispark 4.3.0" in setup_line and "checksum OK" in setup_line
    assert str(installed / "data") in setup_line
    assert "✓ ch03.n_lines: correct" in check
    assert "not the expected answer" in out["results"]["wrong"][-1]
    # The kernel imported the installed package, not the repository's course/.
    assert ".venv" in subprocess.run(
        [str(installed / ".venv/bin/python"), "-c", "import course; print(course.__file__)"],
        cwd="/", capture_output=True, text=True).stdout


@pytest.mark.browser
def test_installed_kit_opens_an_exercise_in_jupyterlab(installed, browser, serve_lab,
                                                        wait_for):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _setup, launch = _readme_commands(installed)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    env.update(JUPYTER_RUNTIME_DIR=str(installed / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(installed / "workspaces"))

    def command(port: int) -> list[str]:
        return ["sh", "-c", f"{launch} --no-browser --port {port}"]
    with serve_lab(command, installed, env, installed / "lab.log") as (base, token):
        browser.get(f"{base}/lab/tree/ch03_spark_basics/ch03_spark_basics.ipynb?token={token}")
        setup = wait_for(lambda: next(
            (c for c in browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")
             if 'start("ch03_spark_basics")' in c.text), None),
            90, "the setup cell did not appear", browser)
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "[data-status='idle']"),
                 90, "the kernel did not become idle", browser)
        setup.find_element(By.CSS_SELECTOR, ".jp-InputPrompt").click()
        ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(
            Keys.SHIFT).perform()
        output = wait_for(lambda: "checksum OK" in setup.text and setup.text, 120,
                          "the setup cell printed no 'checksum OK'", browser)
        assert "minispark 4.3.0, master local[2]" in output
        assert str(installed / "data") in output, "the data lives beside work/, in the kit"
        assert (installed / "work/ch03_spark_basics/ch03_spark_basics.ipynb").exists()


def test_kit_command_line(tmp_path):
    out = tmp_path / "kit"
    proc = subprocess.run([sys.executable, "-m", "course", "kit", "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "wrote the student kit" in proc.stdout and (out / "README.md").exists()
    again = subprocess.run([sys.executable, "-m", "course", "kit", "--out", str(out)],
                           cwd=REPO, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "not an empty folder" in again.stderr
