"""`make answers` rewrites answers.json: every chapter (dropping the answers of removed
chapters), or with ONLY=<assignment> just that chapter's entries, keeping the rest.
The notebooks are not run here: the recording step is replaced by fixed records."""

from __future__ import annotations

import json

from course import make_answers


def _setup(tmp_path, monkeypatch, stored: dict, recorded: dict):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(stored))
    monkeypatch.setattr(make_answers, "ANSWERS", path)
    monkeypatch.setattr(make_answers, "run_and_collect", lambda names, record: dict(recorded))
    return path


def test_one_chapter_replaces_only_its_entries(tmp_path, monkeypatch):
    path = _setup(tmp_path, monkeypatch,
                  {"ch03.a": 1, "ch04.old": 2, "ch99.gone": 3}, {"ch04.new": 4})
    assert make_answers.main(["ch04_pair_rdds"]) == 0
    assert json.loads(path.read_text()) == {"ch03.a": 1, "ch04.new": 4, "ch99.gone": 3}


def test_every_chapter_rewrites_the_file_and_drops_orphans(tmp_path, monkeypatch):
    path = _setup(tmp_path, monkeypatch,
                  {"ch03.a": 1, "ch99.gone": 3}, {"ch03.a": 5, "ch04.b": 6})
    assert make_answers.main([]) == 0
    assert json.loads(path.read_text()) == {"ch03.a": 5, "ch04.b": 6}


def test_an_unknown_assignment_is_refused(tmp_path, monkeypatch, capsys):
    path = _setup(tmp_path, monkeypatch, {"ch03.a": 1}, {})
    assert make_answers.main(["ch99_nothing"]) == 2
    assert "no such assignment: ch99_nothing" in capsys.readouterr().err
    assert json.loads(path.read_text()) == {"ch03.a": 1}
