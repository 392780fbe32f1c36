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


DDP_CASES = [  # (id, settings, multimodal model, what DDP is told)
    ("lora-sft", {}, False, False),
    ("full-sft", {"method": "full"}, False, False),
    ("qlora", {"method": "qlora", "device": "cuda"}, False, False),
    ("dpo-lora", {"method": "dpo"}, False, False),
    ("dpo-full", {"method": "dpo", "tuning": "full"}, False, False),
    ("reward-lora", {"method": "reward"}, False, False),  # the score head trains whole beside the adapter: used
    ("kto-full", {"method": "kto", "tuning": "full"}, False, False),
    ("grpo-lora", {"method": "grpo", "rewards": [{"regex": "x"}], "batch_size": 2}, False, False),
    ("lora-multimodal", {}, True, False),  # no adapter on the vision tower (training_model.NOT_TEXT)
    ("full-multimodal", {"method": "full"}, True, True),  # its vision tower trains and no text reaches it
]


@pytest.mark.parametrize("settings, vision, unused", [c[1:] for c in DDP_CASES], ids=[c[0] for c in DDP_CASES])
def test_ddp_is_told_every_trainable_weight_is_used_where_it_is(tmp_path, tiny_model_dir, settings, vision, unused):
    """`train --nproc 2` on a CPU printed PyTorch's "find_unused_parameters=True was specified in DDP constructor, but
    did not find any unused parameters" once per process: transformers asks DDP to search each step's graph for
    weights it did not reach unless told (`ddp_find_unused_parameters`), as a PeftModel is no PreTrainedModel. Every
    trainable weight is reached but in a multimodal model's full fine-tune (its vision tower), where transformers'
    choice (True) is kept. What accelerate's DDP gets, through transformers' own `_build_accelerator_args`."""
    import shutil
    from types import SimpleNamespace

    import torch
    from transformers import Trainer

    from ftlib import training
    from ftlib.config import RunConfig

    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    if vision:  # what training_model.multimodal reads (Gemma 3 4B, Llama 3.2 Vision)
        described = json.loads((model / "config.json").read_text())
        (model / "config.json").write_text(json.dumps({**described, "vision_config": {"hidden_size": 8}}))
    config = RunConfig(**{"model": str(model), "nproc": 2, **settings})
    args = training.trainer_arguments(config, tmp_path, "cpu", torch.float32, has_eval=False)
    assert args.ddp_find_unused_parameters is (None if unused else False)
    (handler,) = Trainer._build_accelerator_args(SimpleNamespace(args=args, model=object()))["kwargs_handlers"]
    assert handler.find_unused_parameters is unused


def test_the_time_estimate_of_two_processes_prefers_a_two_process_rate_and_says_when_it_has_none(tmp_path):
    """`train --nproc 2` was told the time at the newest run's tokens/s, a run of one process, without a word of it.
    A run of as many processes is preferred now (its `tokens_per_s` counts every process's tokens); where none is,
    the rate is used as it is and the sentence says it: about the same for LoRA SFT on a CPU, as measured
    (BENCHMARKS.md: 0.91x and 1.10-1.13x), else not measured here."""
    from ftlib import run_time
    from ftlib.config import RunConfig

    model = "/models/SmolLM2-135M-Instruct"

    def measured(run_id, rate, **settings):
        rows = [{"kind": "train", "step": 1, "loss": 1.0, "tokens_per_s": rate}]
        config = {"model": model, "dataset": "x", **settings}
        return make_run(run_id, config, metrics=rows, root=tmp_path, device="cpu")

    older_two = measured("20261207-090000-two", 320.0, nproc=2)
    newer_one = measured("20261207-100000-one", 300.0)
    full_one = measured("20261207-110000-full", 100.0, method="full")
    two = RunConfig(model=model, dataset="x", nproc=2, batch_size=4)

    est = run_time.time_estimate(two, 3200, 40, "cpu", runs=[older_two, newer_one, full_one])
    assert (est.rate, est.measured_by) == (320.0, older_two.id) and "process" not in est.sentence()
    one = run_time.time_estimate(RunConfig(model=model, dataset="x"), 3200, 40, "cpu", runs=[older_two, newer_one])
    assert (one.rate, one.measured_by) == (300.0, newer_one.id) and "process" not in one.sentence()

    est = run_time.time_estimate(two, 3200, 40, "cpu", runs=[newer_one])
    assert est.rate == 300.0 and est.sentence().endswith(
        "That run trained with 1 process, this one with 2: LoRA SFT was about as fast with 2 processes on a CPU as "
        "with 1 (0.91-1.13x on the two kinds of CPU measured)."
    ), est.sentence()
    full = RunConfig(model=model, dataset="x", method="full", nproc=2, batch_size=4)
    said = run_time.time_estimate(full, 3200, 40, "cpu", runs=[full_one]).sentence()
    assert said.endswith(
        "That run trained with 1 process, this one with 2: the figure is that run's speed; this method's speed with "
        "2 processes was not measured here."
    ), said
