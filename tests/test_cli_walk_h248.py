"""Helper 248: `runs` gaps a newcomer's CLI walk found: an id argument with no help, a run's folder refused where
`evaluate` takes it, and a stopping run's resume refused with words that do not say to wait."""

from __future__ import annotations

import argparse

from ftlib.cli import build_parser, main
from tests.test_cli_errors import one_error_line


def _runs_actions() -> dict[str, argparse.ArgumentParser]:
    runs = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["runs"]
    return next(a for a in runs._actions if isinstance(a, argparse._SubParsersAction)).choices


def test_every_runs_action_says_what_its_run_argument_takes():
    """`runs show --help` listed `id` with no word on what it takes (a run's id, or its name); so did resume, log and
    delete. Each `runs` action's run argument says it takes an id or a name, as `runs list` shows them."""
    bare = []
    for name, parser in _runs_actions().items():
        for action in parser._actions:
            if not action.option_strings and action.dest in ("id", "ids", "given"):
                if not action.help or "name" not in action.help or "id" not in action.help:
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
