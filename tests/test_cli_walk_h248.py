"""Helper 248: `runs` gaps a newcomer's CLI walk found: an id argument with no help, a run's folder refused where
`evaluate` takes it, and a stopping run's resume refused with words that do not say to wait."""

from __future__ import annotations

import argparse

import pytest

from ftlib.cli import build_parser, main
from tests.test_cli_errors import one_error_line


def _runs_actions() -> dict[str, argparse.ArgumentParser]:
    runs = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["runs"]
    return next(a for a in runs._actions if isinstance(a, argparse._SubParsersAction)).choices


def test_every_runs_action_says_what_its_run_argument_takes():
    """`runs show --help` listed `id` with no word on what it takes (a run's id, or its name); so did resume, log and
    delete. Each `runs` action's run argument says it takes an id or a name, as `runs list` shows them, or a folder."""
    bare = []
    for name, parser in _runs_actions().items():
        for action in parser._actions:
            if not action.option_strings and action.dest in ("id", "ids", "given"):
                if not action.help or any(word not in action.help for word in ("id", "name", "folder")):
                    bare.append(f"{name} {action.dest}: {action.help!r}")
    assert not bare, bare


def test_a_runs_action_takes_the_runs_folder_as_evaluate_does(capsys, no_training):
    """`runs export /.../runs/ID` said "There is no run '/.../runs/ID'" while `evaluate` takes the same folder: a
    folder in the workspace's runs folder names its run, for every `runs` action (commands.runs.run_id)."""
    from ftlib.testing import make_run

    run = make_run("20261207-220000-lora-tides", max_steps=6)
    assert main(["runs", "show", str(run.path)]) == 0
    assert "id: 20261207-220000-lora-tides" in capsys.readouterr().out
    assert main(["runs", "log", str(run.path) + "/"]) == 0  # a shell's completion leaves the slash
    capsys.readouterr()
    assert main(["runs", "export", str(run.path), "--remove", "--json"]) == 0
    assert '"run": "20261207-220000-lora-tides"' in capsys.readouterr().out


def test_a_folder_outside_the_runs_folder_is_still_refused(capsys, no_training, tmp_path):
    """A folder that is not one of this workspace's runs is no run: refused as before, naming the workspace read."""
    elsewhere = tmp_path / "runs" / "20261207-220000-lora-tides"
    elsewhere.mkdir(parents=True)
    line = one_error_line(capsys, ["runs", "show", str(elsewhere)])
    assert "There is no run" in line, line


def test_resuming_a_stopping_run_says_to_wait_for_its_checkpoint(capsys, no_training, monkeypatch):
    """`runs resume ID` right after `runs stop ID` said "is stopping; only stopped, interrupted or failed runs can be
    resumed": it will be one in a few seconds, once its checkpoint is saved. The refusal says so."""
    from ftlib import runs
    from ftlib.testing import make_run

    monkeypatch.setattr(runs, "alive", lambda *args, **kwargs: True)  # its training process saves the checkpoint
    make_run("20261207-221000-lora-tides", state="stopping", max_steps=6, pid=4242)
    line = one_error_line(capsys, ["runs", "resume", "20261207-221000-lora-tides"])
    assert "is stopping" in line and "wait a few seconds" in line.lower() and "checkpoint" in line, line
    assert "only stopped, interrupted or failed" not in line, line


def test_runs_follow_follows_a_detached_run_from_where_its_log_is(monkeypatch, capsys, no_training):
    """Once `train --detach` returned (or Ctrl-C left a queued run), no command followed the run again: `runs resume
    --wait` takes stopped runs only. `runs follow ID` follows it as `train` does, from its log's end (`runs log`
    shows the lines before), and exits as `train` exits."""
    from types import SimpleNamespace

    from ftlib import runs
    from ftlib.commands import train as train_command
    from ftlib.testing import make_run

    monkeypatch.setattr(runs, "alive", lambda *args, **kwargs: True)  # its training process trains on
    run = make_run("20261207-223000-lora-tides", state="running", max_steps=6, pid=4242)
    run.log_file.write_text("[step 1/6] loss 2.0000\n")
    followed = {}

    def follow(run_id, offset=0, leave=False):
        followed.update(run_id=run_id, offset=offset, leave=leave)
        return SimpleNamespace(state="interrupted", message="Stopped.", duration_s=3.0, step=2, max_steps=6,
                               train_score=None, eval_score=None, log_tail=[])  # fmt: skip

    monkeypatch.setattr(train_command, "follow", follow)
    assert main(["runs", "follow", str(run.path)]) == 3  # stopped, resumable: as `train` exits
    assert followed == {"run_id": run.id, "offset": run.log_file.stat().st_size, "leave": True}
    assert f"[{run.id}] interrupted after 3s, step 2/6" in capsys.readouterr().out


def test_runs_follow_on_a_run_that_has_ended_says_how_it_ended(monkeypatch, capsys, no_training):
    """A run that ended before `runs follow` is not waited on: its end line, and `train`'s exit code for it."""
    from ftlib.commands import train as train_command
    from ftlib.testing import make_run

    monkeypatch.setattr(train_command, "follow", lambda *args, **kwargs: pytest.fail("an ended run is not followed"))
    make_run("20261207-224000-lora-tides", state="finished", max_steps=6)
    assert main(["runs", "follow", "20261207-224000-lora-tides"]) == 0
    assert "[20261207-224000-lora-tides] finished after" in capsys.readouterr().out


def test_a_run_left_going_names_the_command_that_follows_it_again(capsys, no_training):
    """What `train` says when Ctrl-C leaves a queued run going (train_follow.left_words), and `train --help`'s
    --detach, name `runs follow ID`: the command that follows it again."""
    from ftlib.commands.train_follow import left_words
    from ftlib.testing import make_run

    make_run("20261207-226000-lora-tides", state="queued", max_steps=6)
    said = left_words("20261207-226000-lora-tides", "Ctrl-C")
    assert "`runs follow 20261207-226000-lora-tides` follows it again" in said, said
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "`runs follow ID` follows it" in " ".join(capsys.readouterr().out.split())


def test_ctrl_c_in_runs_follow_leaves_the_run_going(monkeypatch, capsys, no_training):
    """h242's review of 2da55ef5: `runs follow` went through train's follow, whose Ctrl-C stops the run, so a teammate
    watching a run on a shared server stopped it by quitting. Watching now leaves the run going, and says how to
    follow it again or stop it."""
    from ftlib import runs
    from ftlib.testing import make_run

    monkeypatch.setattr(runs, "alive", lambda *args, **kwargs: True)  # its training process trains on
    run = make_run("20261207-225000-lora-tides", state="running", max_steps=6, pid=4242)

    def pressed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runs, "wait", pressed)
    monkeypatch.setattr(runs, "stop", lambda *args, **kwargs: pytest.fail("a watcher's Ctrl-C stopped the run"))
    assert main(["runs", "follow", run.id]) == 130
    out = capsys.readouterr().out
    assert f"[{run.id}] Ctrl-C: no longer followed; the run goes on (`python -m ftlib runs follow {run.id}`" in out, (
        out
    )
