"""A hostile class, graded end to end in one run (two jobs, real sandboxed kernels):
odd files where the notebook should be, odd folder names, outputs that are not valid
text, kernels that stop themselves, forge replies, fork without end or share out memory
across children, and cells that knock on local services' sockets and nbgrader's files.

Every submission must come out as its own row with the exact expected score and status,
and none may stop, slow or change another (the solution among them scores 11).
The run uses a small control group (``MEMORY``, ``PIDS``) so the limits bite fast.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from course.grade import cli, gradebook
from course.notebooks import REPO, read

# An 18-student hostile class graded in sandboxes: about a minute, so this file runs in
# `make test-slow` (CI runs that tier too), not in `make test`.
pytestmark = pytest.mark.slow

ASSIGNMENT = "ch03_spark_basics"
SOLUTION = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
EXERCISE = REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
MEMORY, PIDS, CELL_TIMEOUT = 1 << 30, 128, 10
NON_UTF8 = b"caf\xe9"

# student -> (total, status, start of the reason)
EXPECTED = {
    "correct": (11, "ok", ""),
    "dir_notebook": (0, "error", "the notebook is a directory, not a file"),
    "dangling": (0, "error", "the notebook is a symbolic link (not followed)"),
    "link_out": (0, "error", "the notebook is a symbolic link (not followed)"),
    "dev_zero": (0, "error", "the notebook is a symbolic link (not followed)"),
    "fifo": (0, "error", "the notebook is a FIFO, not a file"),
    "huge": (0, "error", "the notebook is 21.0 MB, over the 20 MB limit"),
    "deep": (0, "error", "the notebook's JSON nests more than 64 deep"),
    "numeric_source": (0, "error", "cell 2: its source is int, not text"),
    "caf\\xe9": (11, "ok", ""),
    "surrogates": (11, "ok", ""),
    "jean dupont": (11, "ok", ""),
    "jean_dupont": (0, "ok", ""),
    "stops_itself": (11, "killed", "timed out in cell "),
    "forges_reply": (11, "error", "the kernel sent a malformed reply in cell "),
    "fork_bomb": (11, "ok", ""),
    "memory_children": (11, "ok", ""),
    "knocks": (11, "ok", ""),
}


def _last(nb: dict, code: str) -> dict:
    nb = copy.deepcopy(nb)
    nb["cells"].append({"cell_type": "code", "metadata": {}, "source": code,
                        "outputs": [], "execution_count": None})
    return nb


FORGE = """import os
for fd in range(3, 256):
    try:
        if os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
            os.write(fd, b'{"id": 1, "parts": "forged"}\\n')
    except OSError:
        pass"""

FORK_BOMB = """import os, time
n = 0
try:
    while n < 4000:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
except OSError as e:
    print("fork refused:", type(e).__name__)
print(f"forked {n}")"""

# Each child holds 400 MB until all three have allocated or one has died: a barrier, not a
# sleep, since on a loaded machine a sleeping child may exit before the last one has
# started, and three children that never overlap fit under any limit. Whether a child got
# its 400 MB says nothing (the OOM killer may end one that already had it, so that a later
# one fits); a child that exits 0 held its 400 MB until the barrier released it.
MEMORY_CHILDREN = """import subprocess, sys, os, time
child = '''import os, sys, time
b = bytearray(b'x') * (400 << 20)
open(f'alive-{sys.argv[1]}', 'w').close()
end = time.monotonic() + 8
while not os.path.exists('release') and time.monotonic() < end:
    time.sleep(0.02)'''
procs = [subprocess.Popen([sys.executable, "-c", child, str(i)]) for i in range(3)]
end = time.monotonic() + 8
while time.monotonic() < end:
    if all(os.path.exists(f"alive-{i}") for i in range(3)):
        break
    if any(p.poll() is not None for p in procs):
        break
    time.sleep(0.02)
open('release', 'w').close()
codes = [p.wait() for p in procs]
print(f"children that held 400 MB to the end: {codes.count(0)} of 3; "
      f"exit codes {sorted(codes)}")"""


def _knock(sockets: list[str], files: list[str]) -> str:
    return f"""import socket
connected = 0
for path in {sockets!r}:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        connected += 1
    except OSError:
        pass
    s.close()
print(f"connected {{connected}} of {len(sockets)}")
read = 0
for path in {files!r}:
    try:
        with open(path, "rb") as f:
            read += bool(f.read(1))
    except OSError:
        pass
print(f"read {{read}} of {len(files)} nbgrader files")"""


def _servers(folders: list[Path]) -> tuple[list[socket.socket], list[str]]:
    servers, paths = [], []
    for folder in folders:
        os.chmod(folder, 0o755)
        path = str(folder / "service.sock")
        server = socket.socket(socket.AF_UNIX)
        server.bind(path)
        server.listen(8)
        os.chmod(path, 0o777)            # anyone may connect, the sandbox uid included
        servers.append(server)
        paths.append(path)
    return servers, paths


@pytest.fixture(scope="module")
def hostile():
    made = [Path(tempfile.mkdtemp(prefix="grade-sock-", dir="/run")),
            Path(tempfile.mkdtemp(prefix=".grade-sock-", dir=REPO))]
    servers, sockets = _servers(made)
    with tempfile.TemporaryDirectory(prefix="grade-hostile-") as tmp, \
            pytest.MonkeyPatch.context() as mp:
        root = Path(tmp)
        os.chmod(root, 0o755)
        fake_course = root / "course"               # nbgrader's files, as a course has them
        fake_course.mkdir()
        nbgrader_files = []
        for name in cli.NBGRADER:
            path = fake_course / name
            if name.endswith(".db"):
                path.write_text("SQLite format 3: every grade")
                nbgrader_files.append(str(path))
            else:
                path.mkdir()
                (path / "secret.txt").write_text("someone's work")
                nbgrader_files.append(str(path / "secret.txt"))
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        mp.setattr(cli, "COURSE", fake_course)
        subs, out = root / "submitted", root / "graded"
        sol = read(SOLUTION)

        def folder(student: str | bytes) -> Path:
            path = Path(os.fsdecode(os.path.join(os.fsencode(subs), os.fsencode(student),
                                                 ASSIGNMENT.encode())))
            path.mkdir(parents=True)
            return path

        def put(student: str | bytes, nb: dict) -> None:
            (folder(student) / NOTEBOOK).write_text(json.dumps(nb))

        put("correct", sol)
        (folder("dir_notebook") / NOTEBOOK).mkdir()
        (folder("dangling") / NOTEBOOK).symlink_to(root / "nowhere")
        (folder("link_out") / NOTEBOOK).symlink_to(SOLUTION)
        (folder("dev_zero") / NOTEBOOK).symlink_to("/dev/zero")
        os.mkfifo(folder("fifo") / NOTEBOOK)
        with open(folder("huge") / NOTEBOOK, "wb") as f:
            f.truncate(21 << 20)
        (folder("deep") / NOTEBOOK).write_text("[" * 200_000 + "]" * 200_000)
        numeric = copy.deepcopy(sol)
        numeric["cells"][1]["source"] = 42
        put("numeric_source", numeric)
        put(NON_UTF8, sol)
        put("surrogates", _last(sol, 'print(chr(0xd800), "caf\\udce9")\nchr(0xdfff)'))
        put("jean dupont", sol)
        put("jean_dupont", read(EXERCISE))
        put("stops_itself", _last(sol, "import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)"))
        put("forges_reply", _last(sol, FORGE))
        put("fork_bomb", _last(sol, FORK_BOMB))
        put("memory_children", _last(sol, MEMORY_CHILDREN))
        put("knocks", _last(sol, _knock(sockets, nbgrader_files)))
        log: list[str] = []
        try:
            rows = cli.grade_all(ASSIGNMENT, subs, out, jobs=2, cell_timeout=CELL_TIMEOUT,
                                 budget=120, data=root / "data", log=log.append,
                                 memory=MEMORY, pids=PIDS)
        finally:
            for server in servers:
                server.close()
            for made_dir in made:
                shutil.rmtree(made_dir, ignore_errors=True)
        yield {"rows": {r["student"]: r for r in rows}, "out": out / ASSIGNMENT, "log": log,
               "list": rows}


def _feedback(hostile, student: str) -> str:
    row = hostile["rows"][student]
    return (hostile["out"] / "feedback" / f"{gradebook.row_file(row)}.html").read_text()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_hostile_submission_gets_its_row(hostile, name):
    total, status, reason = EXPECTED[name]
    row = hostile["rows"][name]
    assert (row["total"], row["status"]) == (total, status), row
    assert row["reason"].startswith(reason), row["reason"]
    assert "\n" not in row["reason"]


def test_one_row_per_submission_and_nothing_else(hostile):
    assert len(hostile["list"]) == len(EXPECTED)
    files = sorted(p.name for p in (hostile["out"] / "rows").iterdir())
    assert len(files) == len(EXPECTED) and not [f for f in files if f.startswith(".")]
    lines = (hostile["out"] / "grades.csv").read_bytes().decode("utf-8").splitlines()
    assert len(lines) == 1 + len(EXPECTED)


def test_the_exact_folder_name_is_kept(hostile):
    row = hostile["rows"]["caf\\xe9"]
    assert bytes.fromhex(row["folder_hex"]) == NON_UTF8
    assert "jean dupont" in hostile["rows"] and "jean_dupont" in hostile["rows"]
    assert hostile["rows"]["jean dupont"]["total"] != hostile["rows"]["jean_dupont"]["total"]


def test_output_that_is_not_valid_text_reaches_the_page_cleaned(hostile):
    page = _feedback(hostile, "surrogates")
    assert "\ufffd caf\ufffd" in page             # printed: cleaned; a repr escapes them


def test_a_fork_bomb_is_bounded_by_the_control_group(hostile):
    page = _feedback(hostile, "fork_bomb")
    forked = int(re.search(r"forked (\d+)", page).group(1))
    assert "fork refused: BlockingIOError" in page
    assert 0 < forked < PIDS, "the rlimit alone (512 per uid) would let it go further"


def test_memory_of_all_children_together_is_bounded(hostile):
    page = _feedback(hostile, "memory_children")
    line = re.search(r"children that held 400 MB to the end: (\d) of 3; exit codes (\[.*?\])",
                     page)
    held, codes = int(line.group(1)), line.group(2)
    assert held < 3, f"3 x 400 MB at once fit under a per-process limit of 4 GiB: {line[0]}"
    assert "-9" in codes, f"no child was ended by the group's OOM killer: {line[0]}"


def test_local_sockets_and_nbgrader_files_are_out_of_reach(hostile):
    page = _feedback(hostile, "knocks")
    assert "connected 0 of 2" in page
    assert f"read 0 of {len(cli.NBGRADER)} nbgrader files" in page


def test_no_path_of_the_grading_machine_in_feedback(hostile):
    page = _feedback(hostile, "correct")
    assert "data: &lt;course data&gt;" in page
    assert "/tmp/grade-" not in page and str(REPO) not in page
    assert "Spark UI" not in page
    assert "<h2" in page or "<h1" in page.split("</h1>", 1)[1], "markdown is rendered"


def test_the_cgroup_is_reported_and_cleaned_up(hostile):
    from course.grade import cgroup

    layout = cgroup.detect()
    assert not isinstance(layout, str), layout
    assert any("cgroup" in line for line in hostile["log"] if line.startswith("sandbox:"))
    left = [d for parent in layout[1].values()
            for d in parent.glob(f"{cgroup.PREFIX}{os.getpid()}-*")]
    assert left == []

