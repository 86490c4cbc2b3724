"""The dripper's atomic moves, and the command line's one-line errors."""

import importlib
import os
import threading

import pytest

import datagen
from datagen import UserError, drip
from datagen.cli import main


def make_sources(tmp_path, n=3, size=2_000_000):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(n):
        (src / f"2013-09-{16 + i}.log").write_bytes(bytes([65 + i]) * size)
    return src


def test_files_arrive_whole_in_order_via_rename(tmp_path, monkeypatch):
    src = make_sources(tmp_path)
    target = tmp_path / "incoming"
    renames = []
    real_replace = os.replace

    def spy(a, b):
        renames.append((os.path.dirname(a), os.path.dirname(b)))
        real_replace(a, b)

    drip_module = importlib.import_module("datagen.drip")   # datagen.drip is the function
    monkeypatch.setattr(drip_module.os, "replace", spy)
    seen, done = {}, threading.Event()

    def watch():                    # what a textFileStream would see, polled hard
        while not done.is_set():
            for entry in os.scandir(target) if target.exists() else []:
                seen.setdefault(entry.name, set()).add(entry.stat().st_size)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        placed = drip([src], target, interval=0.05)
    finally:
        done.set()
        watcher.join()
    assert [p.name for p in placed] == ["2013-09-16.log", "2013-09-17.log", "2013-09-18.log"]
    assert all(sizes == {2_000_000} for sizes in seen.values()), seen
    assert set(seen) <= {p.name for p in placed}
    for p in placed:
        assert p.read_bytes() == (src / p.name).read_bytes()
    assert len(renames) == 3 and all(a != b and b == str(target) for a, b in renames)
    assert not any(n.endswith("drip-staging") for n in os.listdir(tmp_path))
    assert sorted(os.listdir(src)) == [p.name for p in placed], "sources are kept"


def test_a_taken_name_is_not_overwritten(tmp_path):
    src = make_sources(tmp_path, n=1, size=10)
    drip([src], tmp_path / "in", interval=0)
    placed = drip([src], tmp_path / "in", interval=0)
    assert placed[0].name == "2013-09-16.log.1"


def test_drip_errors(tmp_path):
    with pytest.raises(UserError, match="cannot read"):
        drip([tmp_path / "nope"], tmp_path / "in")
    with pytest.raises(UserError, match="interval"):
        drip([tmp_path], tmp_path / "in", interval=-1)


def one_error_line(capsys):
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("argv", [
    ["generate", "--scale", "huge"],
    ["generate", "--bad-lines", "0.7"],
    ["generate", "--seed", "x"],
    ["generate", "--days", "0"],
    ["replay", "--rate", "-3", "f"],
    ["replay", "--port", "70000", "f"],
    ["drip", "f"],
    [],
])
def test_bad_option_values_give_one_line(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    one_error_line(capsys)


def test_unwritable_output_unreadable_input_busy_port(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["generate", "--out", str(blocker / "data"), "--scale", "tiny"]) == 2
    assert "cannot write" in one_error_line(capsys)
    assert main(["replay", "--port", "0", str(tmp_path / "missing.log")]) == 2
    assert "cannot read" in one_error_line(capsys)
    with datagen.ReplayServer([blocker]) as server:
        assert main(["replay", "--port", str(server.port), str(blocker)]) == 2
    assert "in use" in one_error_line(capsys)


def test_generate_and_verify_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "data"
    assert main(["generate", "--out", str(out), "--scale", "tiny", "--lines", "500",
                 "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["verify", str(out)]) == 0
    (out / "kb/kblist.txt").write_text("tampered\n")
    assert main(["verify", str(out)]) == 1
    assert "changed: kb/kblist.txt" in capsys.readouterr().out
