"""Rough edges of the command line and of training a review found (helper 207): each test fails without its fix."""

from __future__ import annotations

import json

import pytest

from ftlib import runs
from ftlib.cli import main
from ftlib.testing import make_run


def _stopped(run_id: str):
    return make_run(run_id, {"dataset": "chat_style", "max_steps": 8}, state="interrupted", stopped_by="user", step=2)


def _raise(exc: BaseException):
    def raising(*args, **kwargs):
        raise exc

    return raising


@pytest.mark.parametrize(
    "wait, signal, code",
    [(True, "Ctrl-C", 130), (False, "Ctrl-C", 130), (True, "SIGTERM", 143)],
    ids=["wait", "no-wait", "wait-sigterm"],
)
def test_ctrl_c_as_a_resumed_run_is_queued_says_its_id_and_how_to_reach_it(monkeypatch, capsys, wait, signal, code):
    """`runs resume ID [--wait]`: Ctrl-C (or a SIGTERM) as the queue started the resumed run left the command with
    "interrupted" alone, the run queued again and going on without a word, as `train` did before 3ed7a712. Said now
    in `train`'s words (train_follow.left_words); nothing asked the run to stop."""
    from ftlib.commands.train_follow import Terminated

    run = _stopped("20261207-150000-lora-back")
    monkeypatch.setattr(runs, "advance", _raise(Terminated() if signal == "SIGTERM" else KeyboardInterrupt()))
    assert main(["runs", "resume", run.id, *(["--wait"] if wait else [])]) == code
    said = capsys.readouterr()
    assert run.read_status()["state"] == "queued"
    when = "before it was followed" if wait else "as it was queued"
    assert f"[{run.id}] {signal} {when}: the run is queued and goes on without this command (" in said.out, said.out
    assert f"`python -m ftlib runs show {run.id}`" in said.out and f"`runs stop {run.id}` stops it)" in said.out
    assert said.err.endswith("terminated\n" if signal == "SIGTERM" else "interrupted\n"), said.err


def test_ctrl_c_before_the_resume_took_effect_or_said_by_following_is_not_said_again(monkeypatch, capsys):
    """Ctrl-C before the run was queued again (it is as it was) says nothing of a queued run; following's own
    second-press words are not repeated."""
    from ftlib import run_resume
    from ftlib.commands import train as train_command

    run, refusal = _stopped("20261207-150100-lora-back"), run_resume.refusal
    monkeypatch.setattr(run_resume, "refusal", _raise(KeyboardInterrupt()))
    assert main(["runs", "resume", run.id, "--wait"]) == 130
    assert "before it was followed" not in capsys.readouterr().out
    assert run.read_status()["state"] == "interrupted"

    monkeypatch.setattr(run_resume, "refusal", refusal)
    second = KeyboardInterrupt()
    second.said_for = run.id  # what `follow` marks once it said "Ctrl-C again: no longer followed ..."
    monkeypatch.setattr(runs, "advance", lambda *args, **kwargs: [])
    monkeypatch.setattr(train_command, "follow", _raise(second))
    assert main(["runs", "resume", run.id, "--wait"]) == 130
    assert "before it was followed" not in capsys.readouterr().out


def test_export_of_a_run_whose_status_is_damaged_names_its_checkpoint_as_show_and_resume_do(capsys):
    """A run whose status.json does not read, with config.json whole and a checkpoint-4: `runs export` said "Resume it
    to finish ...: it starts from the beginning, as it has no checkpoint" while `runs show` said "Resume it to train
    again from checkpoint-4" and `runs resume` resumes from it. Export names the checkpoint now, as for a stopped
    run."""
    run = make_run("20261207-150200-lora-lost", {"dataset": "chat_style", "max_steps": 8}, state="interrupted", step=4)
    checkpoint = run.checkpoints / "checkpoint-4"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": 4, "max_steps": 8}))
    (checkpoint / "adapter_config.json").write_text("{}")
    run.status_file.write_text('{"state": "inter')
    assert main(["runs", "export", run.id]) == 2
    err = capsys.readouterr().err
    assert "no checkpoint" not in err and "from the beginning" not in err, err
    assert f"its last checkpoint holds the adapter as it was at checkpoint-4: {checkpoint}" in err, err
    assert main(["runs", "show", run.id]) == 0
    assert "Resume it to train again from checkpoint-4" in capsys.readouterr().out
    assert runs.resume(run.id)["message"] == "Waiting to resume from checkpoint-4."
