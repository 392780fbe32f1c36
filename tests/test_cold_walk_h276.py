"""A newcomer's cold walk of the command line (helper 276): each test fails without its fix."""

from __future__ import annotations

from ftlib.cli import main
from ftlib.testing import make_run


def test_resuming_a_finished_run_says_how_to_train_longer(capsys):
    """`runs resume` on a finished run (a newcomer wanting more steps) said only that it cannot be resumed; it now
    also names the command that trains longer, the run's own config with more steps, and that it starts over."""
    run = make_run("20261208-030000-lora-done", {"dataset": "chat_style", "max_steps": 6})
    code = main(["runs", "resume", run.id])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert "is finished; only stopped, interrupted or failed runs can be resumed" in err, err
    assert f"python -m ftlib train {run.path / 'config.json'} --max-steps N --name NEW_NAME" in err, err
    assert "starts again from the base model" in err, err


def test_the_command_to_train_longer_quotes_a_path_with_a_space(capsys, tmp_path, monkeypatch):
    """The command is to be pasted into a shell: a workspace whose path holds a space is quoted, as other commands'
    suggestions are (shlex.quote)."""
    monkeypatch.setenv("FTLIB_WORKSPACE", str(tmp_path / "my runs"))
    run = make_run("20261208-030000-lora-done", {"dataset": "chat_style", "max_steps": 6})
    assert main(["runs", "resume", run.id]) == 2
    err = capsys.readouterr().err
    assert f"python -m ftlib train '{run.path / 'config.json'}' --max-steps N" in err, err
