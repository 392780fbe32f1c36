"""A GRPO run's length is said before Start and counted from its first moment (helper 60's cold walk: a GRPO run read
"step 0 of ?" while it started, where other methods show their planned steps): a step takes whole batches of prompts
(`overfitting.grpo_steps_per_pass`, a batch left short left out as TRL's sampler leaves it), and the Train page says
the steps and queues them as the run's `planned_steps`."""

from __future__ import annotations

import re

from ftlib import runs, workspace
from ftlib.config import RunConfig
from ftlib.overfitting import grpo_steps_per_pass, planned_steps
from tests.test_pages_train import page

PROMPTS = [{"prompt": [{"role": "user", "content": f"What is {i} + {i}?"}], "answer": str(2 * i)} for i in range(34)]


def grpo(**kw) -> RunConfig:
    return RunConfig(method="grpo", rewards=[{"regex": r"\d"}], **kw)


def test_grpo_steps_are_whole_batches_of_prompts():
    # 30 prompts at 8 a step (batch 4 x accumulation 2): 3 full steps, the 6 left over are left out (TRL's sampler).
    assert grpo_steps_per_pass(grpo(batch_size=4, grad_accum=2), 30) == 3
    assert planned_steps(grpo(batch_size=4, grad_accum=2, epochs=2), 30) == 6  # not ceil(30 / 8) x 2 = 8
    assert planned_steps(grpo(batch_size=4, grad_accum=1, epochs=1.5), 30) == 11  # 7 a pass x 1.5, rounded up
    assert planned_steps(grpo(max_steps=3, batch_size=4), 30) == 3


def test_the_train_page_says_and_queues_a_grpo_runs_steps(tiny_model_dir, monkeypatch):
    workspace.save_split("sums", PROMPTS[:30], PROMPTS[30:])
    at = page(tiny_model_dir)
    assert at.radio(key="train_method").value == "grpo"
    at.text_area(key="train_rewards").set_value(r'[{"regex": "\\d"}]').run()
    assert not at.exception, at.exception
    said = next((c.value for c in at.caption if c.value.startswith("This run takes")), "")
    assert re.search(r"one pass over the 30 training prompts is \d+ steps? of \d+ prompts?, each answered \d+", said)
    steps = int(re.match(r"This run takes (\d+) optimizer step", said).group(1))
    queued = []
    monkeypatch.setattr(runs, "submit", lambda config, **kw: queued.append((config, kw)) or "queued-run")
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception
    [(config, kw)] = queued
    assert kw.get("planned_steps") == steps == planned_steps(config, 30)


def test_train_detach_queues_a_grpo_runs_steps(tmp_path, monkeypatch, capsys, tiny_model_dir):
    """`train --detach` of a GRPO run queued no planned steps (it left GRPO out): its progress read 'step 0 of ?'."""
    import json

    from ftlib.cli import main

    data = tmp_path / "sums.jsonl"
    data.write_text("".join(json.dumps(p) + "\n" for p in PROMPTS))
    queued = []  # train creates the run, then starts the queue (runs.create_run, runs.advance)
    monkeypatch.setattr(runs, "create_run", lambda config, **kw: queued.append((config, kw)) or "queued-run")
    monkeypatch.setattr(runs, "advance", lambda **_: [])
    flags = ["--model", str(tiny_model_dir), "--dataset", str(data), "--method", "grpo", "--device", "cpu"]
    assert main(["train", *flags, "--rewards", '[{"regex": "\\\\d"}]', "--batch-size", "4", "--detach"]) == 0, (
        capsys.readouterr().err
    )
    [(config, kw)] = queued
    assert kw["planned_steps"] == planned_steps(config, 30) == grpo_steps_per_pass(config, 30)
