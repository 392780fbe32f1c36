"""A review (helper 206): `train --name` took another run's id as its name, which `runs rename` refuses (a command
given it, `runs show NAME`, `sample --adapter NAME`, would find that other run). One rule now,
`run_create.id_name_problem`: `train --name`, the Train page's Run name and `runs rename` refuse it with the same
words, and no run is made."""

from __future__ import annotations

import json

from ftlib import runs, workspace
from ftlib.cli import main
from ftlib.testing import make_run
from tests.test_pages_train import SFT_ROWS, page

SAID = "'r-other' is the id of another run: a command given it would find that run, not this one. Choose another name."


def test_train_refuses_another_runs_id_as_its_name_and_makes_no_run(tmp_path, monkeypatch, capsys, tiny_model_dir):
    make_run("r-other", {"model": str(tiny_model_dir), "dataset": "chat_style"})
    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in SFT_ROWS))
    monkeypatch.setattr(runs, "advance", lambda **_: [])  # nothing launched whatever happens
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", str(data), "--device", "cpu", "--detach"]
    assert main([*argv, "--name", " r-other "]) == 2
    assert f"error: {SAID}" in capsys.readouterr().err.splitlines()
    assert [r.id for r in runs.list_runs(refresh=False)] == ["r-other"]
    assert main([*argv, "--name", "r-other v2"]) == 0  # a name that only starts like an id is a name
    assert len(runs.list_runs(refresh=False)) == 2


def test_the_train_page_refuses_it_on_start_with_the_same_words(tiny_model_dir, monkeypatch):
    make_run("r-other", {"model": str(tiny_model_dir), "dataset": "chat_style"})
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    monkeypatch.setattr(runs, "advance", lambda **_: [])
    at = page(tiny_model_dir)
    at.text_input(key="train_name").set_value("r-other").run()
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception
    assert any(e.value == f"Could not start the run: {SAID}" for e in at.error), [e.value for e in at.error]
    assert [r.id for r in runs.list_runs(refresh=False)] == ["r-other"]
