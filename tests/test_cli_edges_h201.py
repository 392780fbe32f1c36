"""Four rough edges of the command line a previous session found (helper 201): each test fails without its fix."""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main
from ftlib.testing import make_run


def _both_damaged(run_id: str, kept: bool = True):
    """A run whose config.json and status.json are both cut short, with its adapter/ and a checkpoint-4 (or none)."""
    run = make_run(run_id, {"dataset": "chat_style"})
    if kept:
        checkpoint = run.checkpoints / "checkpoint-4"
        checkpoint.mkdir(parents=True)
        (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": 4, "max_steps": 8}))
        (checkpoint / "adapter_config.json").write_text("{}")
        run.adapter_dir.mkdir(parents=True)
        (run.adapter_dir / "adapter_config.json").write_text("{}")
    run.config_file.write_text('{"method": "lo')
    run.status_file.write_text('{"state": "fin')
    return run


@pytest.mark.parametrize("kept", [True, False], ids=["adapter-and-checkpoint", "nothing-kept"])
def test_a_run_whose_config_and_status_are_both_damaged_is_not_sent_round_in_a_loop(capsys, kept):
    """`runs list` said to export it (`runs export ID`), `runs export` refused and said to resume it, `runs resume`
    refused and said to export it. Every command now says the same: neither works, what is still in the folder, and
    the way on (a backup of both files, the folders themselves, `runs delete`)."""
    run = _both_damaged("20261207-140000-lora-both", kept)
    said = {}
    for command in (["runs", "list"], ["runs", "show"], ["runs", "export"], ["runs", "resume"], ["sample"]):
        argv = [*command, run.id] if command[0] == "runs" and command[1] != "list" else command
        argv = ["sample", "--adapter", run.id, "--prompt", "hi"] if command == ["sample"] else argv
        code = main(argv)
        out = capsys.readouterr()
        said[" ".join(command)] = out.out + out.err
        assert code == (0 if command[1:] in (["list"], ["show"]) else 2), (command, said)
    for command, words in said.items():
        assert "config.json and status.json are not complete JSON" in words, (command, words)
        # the loop: each refusal pointed to the other command
        assert f"runs resume {run.id}" not in words and f"runs export {run.id}" not in words, (command, words)
        assert "so it cannot resume" in words and "`runs export`, `sample` and `evaluate` cannot take" in words
        assert f"runs delete {run.id}" in words and "Restore both files from a backup" in words, (command, words)
        if kept:
            assert f"Still in its folder {run.path}: adapter/ and checkpoints/checkpoint-4/ (" in words, words
        else:
            assert "Nothing it trained is left in its folder." in words, words


def test_a_table_whose_columns_cannot_be_mapped_says_the_map_advice_once(tmp_path, capsys, tiny_model_dir):
    """`train --dataset odd.csv` (columns named as no format's fields) said how to map them with --map, then "Give the
    mapping with --map COLUMN=FIELD (repeat it), or save the file as a split ...": --map twice. The mapping's words
    are said once, then the other way (a split saved with the mapping); no run is queued."""
    from ftlib import runs

    table = tmp_path / "odd.csv"
    table.write_text("alpha,beta\nWhat is two and two?,Four\nName a colour.,Teal\nA large cat?,Lion\n")
    assert main(["train", "--dataset", str(table), "--model", str(tiny_model_dir), "--detach"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: Could not tell which columns of odd.csv hold the prompt and the answer"), line
    assert line.count(" in the CLI") == 1 and "Give the mapping" not in line, line
    assert line.endswith(
        f"Or save the file as a split with the mapping (on the Data page, or `python -m ftlib data split {table} "
        "--map COLUMN=FIELD --out DIR`) and train on it (--dataset DIR)."
    ), line
    assert runs.list_runs(refresh=False) == []


@pytest.mark.parametrize("where", ["as the queue starts it", "before following it", "detached"])
def test_ctrl_c_after_the_run_is_queued_says_its_id_and_how_to_reach_it(monkeypatch, capsys, tiny_model_dir, where):
    """Ctrl-C between queueing a run and following it (the queue starting it, the line naming its folder) left the
    command with "interrupted" alone: the run queued or training on, its id never printed. Said now, with how to
    follow and stop it; the run is left as it is (nothing asked it to stop)."""
    from ftlib import runs
    from ftlib.commands import train

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt()

    if where == "before following it":
        monkeypatch.setattr(runs, "advance", lambda **_: None)  # another run is ahead of it: it waits
        monkeypatch.setattr(train, "follow", ctrl_c)
    else:
        monkeypatch.setattr(runs, "advance", ctrl_c)
    detach = ["--detach"] if where == "detached" else []
    argv = ["train", "--dataset", "chat_style", "--model", str(tiny_model_dir), "--max-steps", "2", *detach]
    assert main(argv) == 130
    said = capsys.readouterr()
    (run,) = runs.list_runs(refresh=False)
    assert run.state == "queued"
    assert (
        f"[{run.id}] Ctrl-C before it was followed: the run is queued and goes on without this command (" in said.out
    )
    assert f"`python -m ftlib runs show {run.id}`" in said.out and f"`runs stop {run.id}` stops it)" in said.out
    assert said.err.endswith("interrupted\n"), said.err


def test_a_second_ctrl_c_while_following_is_said_once(monkeypatch, capsys, tiny_model_dir):
    """Following took the first Ctrl-C (a stop asked) and said the second itself: `train` adds nothing to it."""
    import time

    from ftlib import runs

    monkeypatch.setattr(runs, "advance", lambda **_: None)
    monkeypatch.setattr(runs, "stop", lambda run_id, **_: {"state": "stopping"})
    monkeypatch.setattr(time, "sleep", lambda _seconds: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert main(["train", "--dataset", "chat_style", "--model", str(tiny_model_dir), "--max-steps", "2"]) == 130
    out = capsys.readouterr().out
    assert "Ctrl-C again: no longer followed" in out and "before it was followed" not in out, out


def test_train_on_a_workspace_this_account_may_only_read_refuses_before_any_check(monkeypatch, capsys):
    """`train` on a workspace this account may read but not write loaded the model, checked the rows, printed its
    warnings and memory estimate, and only then failed to queue the run. Refused first now, in the words every
    command says a read-only workspace with (`cli._os_error_words`). Root may write anything: the workspace and its
    runs/ read-only as os.access tells an account that may only read them, their writes failing as they would."""
    import os

    from ftlib import models, run_create, workspace

    folders = {os.path.realpath(workspace.workspace_dir()), os.path.realpath(workspace.runs_dir())}
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: os.path.realpath(path) not in folders)

    def refuse(*args, **kwargs):
        raise AssertionError("the model was read before the refusal")

    def cannot_write(*args, **kwargs):  # the run's folder, as the write itself would fail
        raise PermissionError(13, "Permission denied", str(workspace.runs_dir() / ".r1.partial"))

    monkeypatch.setattr(models, "load_tokenizer", refuse)
    monkeypatch.setattr(run_create, "create_run", cannot_write)
    assert main(["train", "--dataset", "chat_style", "--detach"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    root = os.path.realpath(workspace.workspace_dir())
    assert line.startswith(f"error: This account may not write the workspace {root} ("), line
    assert line.endswith("or set FTLIB_WORKSPACE to a folder you may write."), line
    # a disk mounted read-only (root too may not write it): said as a write there says it, not as a permission
    from types import SimpleNamespace

    monkeypatch.setattr(os, "statvfs", lambda path: SimpleNamespace(f_flag=os.ST_RDONLY))
    assert main(["train", "--dataset", "chat_style", "--detach"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert (
        line == f"error: cannot use {workspace.runs_dir()}: the disk is read-only; check the path and that you "
        "may read and write there"
    ), line
