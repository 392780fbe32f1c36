"""What the studio's explanations claim, checked against what the code and the reference libraries do.

Each test reads one sentence a person is shown (a setting's help, a page's caption) and checks the behaviour it
describes: against transformers, TRL or PEFT where they decide it, else against the studio's own code path.
"""

from __future__ import annotations

import typing

import pytest

from ftlib import precision
from ftlib.config import RunConfig, Scheduler, field_specs


def _warms_up(scheduler: str) -> bool:
    """Whether transformers' schedule of this name starts below the learning rate when given warmup steps."""
    import torch
    from transformers import get_scheduler

    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=1.0)
    schedule = get_scheduler(scheduler, optimizer, num_warmup_steps=2, num_training_steps=4)
    return schedule.get_last_lr()[0] < 1.0


def test_the_warmup_help_names_each_schedule_that_has_no_warmup():
    """transformers' `get_scheduler` passes the constant schedule no warmup steps: the help must say so."""
    help_text = field_specs()["warmup_ratio"].help
    without = {s for s in typing.get_args(Scheduler) if not _warms_up(s)}
    assert without == {"constant"}  # the sentinel: this transformers still ignores it there
    assert all(f"The {s} schedule has no warmup" in help_text for s in without), help_text
    assert "constant_with_warmup" in help_text  # the fix named


@pytest.mark.parametrize("method", ["lora", "dpo", "kto", "reward", "grpo"])
def test_the_dtype_help_says_which_runs_get_a_bf16_base_on_cpu(monkeypatch, method):
    """`auto` on a CPU with native bf16 loads a bf16 base for LoRA SFT only; DPO, KTO, a reward model and GRPO with a
    LoRA adapter load fp32 (precision.training_dtype), and the help names LoRA SFT alone."""
    monkeypatch.setenv("FTLIB_CPU_BF16", "1")
    monkeypatch.delenv("FTLIB_FAST_PATH", raising=False)
    got = precision.training_dtype("auto", "cpu", method, "lora")
    assert (got == "bfloat16") == (method == "lora"), got
    help_text = field_specs()["dtype"].help
    assert "LoRA SFT's frozen base in bf16 where the CPU has native bf16" in help_text, help_text


def test_length_grouping_chunks_are_counted_in_optimizer_steps(tmp_path):
    """transformers' LengthGroupedSampler groups `train_batch_size * gradient_accumulation_steps` rows, a whole
    optimizer step, 50 of them a chunk: with gradient accumulation a chunk is 50 steps, not 50 batches."""
    import torch

    from ftlib import training

    config = RunConfig(model="m", dataset="x", batch_size=3, grad_accum=2, max_steps=4)
    args = training.trainer_arguments(config, tmp_path, "cpu", torch.float32, has_eval=False)
    assert args.train_batch_size * args.gradient_accumulation_steps == config.batch_size * config.grad_accum
    assert args.train_sampling_strategy == "group_by_length"
    assert "chunks of up to 50 optimizer steps' rows" in field_specs()["group_by_length"].help


@pytest.mark.parametrize("steps, chunk_steps", [(200, 50), (400, 50), (199, 49), (8, 2)])
def test_the_batches_page_says_how_many_steps_a_length_grouped_chunk_holds(steps, chunk_steps):
    """The Batches page's words for engineers: chunks of up to 50 steps' rows, fewer under 200 steps, as transformers'
    `get_length_grouped_indices` sizes them (a step's rows: batch size x gradient accumulation)."""
    import torch
    from transformers.trainer_pt_utils import get_length_grouped_indices

    from ui.batch_view import TABLE_FOR_ENGINEERS

    step_rows = 6
    lengths = list(range(1, steps * step_rows + 1))
    order = get_length_grouped_indices(lengths, step_rows, generator=torch.Generator().manual_seed(0))
    # Each chunk is sorted longest first: a chunk ends where the length rises again (the longest row moved to the
    # front aside, which only swaps first elements).
    rises = [i for i in range(2, len(order)) if lengths[order[i]] > lengths[order[i - 1]]]
    assert rises[0] == chunk_steps * step_rows
    said = " ".join(TABLE_FOR_ENGINEERS.split())
    assert "chunks of up to 50 optimizer steps' rows (fewer when there are under 200 steps)" in said


def test_the_repetition_penalty_lowers_seen_tokens_against_unseen_ones_not_always_outright():
    """Compare's words: a penalty above 1 makes every seen token less likely *against the tokens not yet used*
    (transformers' RepetitionPenaltyLogitsProcessor lowers its logit and leaves theirs). Outright it can gain: where a
    likelier seen token drops more (the sentinel below), so the docs must not say "always less likely"."""
    import torch
    from transformers import RepetitionPenaltyLogitsProcessor

    from ftlib.decoding import DecodingSetting, penalize_repeats

    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(64, 50, generator=generator) * 4
    seen_ids = torch.randint(0, 50, (64, 6), generator=generator)
    seen = torch.zeros(64, 50, dtype=torch.bool).scatter_(1, seen_ids, True)
    after = penalize_repeats(logits, seen, 1.5)
    reference = RepetitionPenaltyLogitsProcessor(1.5)(seen_ids, logits.clone())
    assert torch.equal(after, reference)
    odds_before, odds_after = logits[:, :, None] - logits[:, None, :], after[:, :, None] - after[:, None, :]
    against_unseen = seen[:, :, None] & ~seen[:, None, :]  # (seen token i, unseen token j)
    assert (odds_after[against_unseen] < odds_before[against_unseen]).all()

    sentinel = torch.tensor([[10.0, 0.1, 5.0]])  # 10 and 0.1 seen, 5 not
    gained = penalize_repeats(sentinel, torch.tensor([[True, True, False]]), 2.0).softmax(-1)[0, 1]
    assert gained / sentinel.softmax(-1)[0, 1] > 70  # "rises about 70-fold", as the docstring says
    assert "not always its probability" in penalize_repeats.__doc__
    assert "always makes the token less likely" not in (penalize_repeats.__doc__ + DecodingSetting.__doc__)


@pytest.mark.parametrize("nproc", [1, 2, 4])
def test_the_batch_size_help_counts_a_step_over_every_process(nproc):
    """Batch size is per process (one per GPU): a step takes batch size x gradient accumulation x processes rows
    (overfitting.steps_per_pass, as DDP's Trainer steps), and for GRPO that many prompts (each answered group size
    times)."""
    from ftlib import overfitting

    config = RunConfig(model="m", dataset="x", batch_size=4, grad_accum=2, nproc=nproc)
    assert overfitting.steps_per_pass(config, 64) == 64 // (4 * 2 * nproc)
    grpo = RunConfig(model="m", dataset="x", method="grpo", rewards=[{"regex": "x"}], batch_size=4, grad_accum=2)
    grpo.nproc = nproc
    assert overfitting.grpo_prompts_per_step(grpo) == 4 * 2 * nproc
    help_text = field_specs()["batch_size"].help
    assert "batch size × gradient accumulation × processes" in help_text, help_text
    assert "for GRPO a prompt (answered group size times)" in help_text, help_text


def test_the_batches_page_says_grpo_pads_its_prompts_on_the_left():
    """TRL's GRPOTrainer pads the prompts it trains on to the left and the generated answers to the right: the
    Batches page's "Training (right padding)" names it as the exception."""
    import inspect
    import re

    from trl import GRPOTrainer

    from ui.batch_view import WHY_PADDING

    source = inspect.getsource(GRPOTrainer)
    assert re.search(r'prompt_ids = pad\(\s*prompt_ids,[^)]*padding_side="left"', source)
    assert re.search(r'completion_ids = pad\(\s*completion_ids,[^)]*padding_side="right"', source)
    said = " ".join(WHY_PADDING.split())
    assert "GRPO is the exception" in said and "its prompts stay padded on the left" in said
