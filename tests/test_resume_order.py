"""A run stopped at a step and resumed from its checkpoint trains what the same run uninterrupted trains: the same rows
in each step and the same loss, with length grouping (ftlib.data_order) and with the fast path's dropout masks
(dropout_masks.MaskPool). On the tiny 2-layer model, in-process: a run stopped as the worker stops one (a save, then
the end of training) and resumed by a trainer built afresh, as a resumed worker builds it."""

from __future__ import annotations

import pytest
import torch
from transformers import TrainerCallback

from ftlib import data_order, dropout_masks, fastpath
from ftlib.metrics import MetricsCallback
from ftlib.training import build_trainer
from tests.test_training import PREF_ROWS, tiny_config

# Rows of clearly different lengths, so a length-grouped order and the batches it makes differ from seed to seed.
ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"Count to {i}." + " Please." * (3 * i % 7)},
            {"role": "assistant", "content": " ".join(str(n) for n in range(1, 2 + (5 * i) % 11))},
        ]
    }
    for i in range(1, 11)
]
TRAIN, HELD_OUT = ROWS[:8], ROWS[8:]


class StopAt(TrainerCallback):
    """Stop after `step` as MetricsCallback stops a run on request: save the checkpoint a resume continues from."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            control.should_save = control.should_training_stop = True
        return control


def train(config, run_dir, stop_at: int | None = None, resume: bool = False):
    """({step: logged loss}, {step: [input ids of each micro-batch]}) of one attempt of a run in `run_dir`."""
    prepared = build_trainer(
        config,
        run_dir,
        callbacks=[StopAt(stop_at)] if stop_at else [],
        rows=(TRAIN, HELD_OUT),
        evaluate_first=not resume,  # as the worker asks: a fresh run evaluates before its first step
    )
    trainer, rows = prepared.trainer, {}
    compute_loss = trainer.compute_loss

    def recording(model, inputs, *args, **kwargs):
        if model.training:
            rows.setdefault(trainer.state.global_step + 1, []).append(inputs["input_ids"].tolist())
        return compute_loss(model, inputs, *args, **kwargs)

    trainer.compute_loss = recording
    checkpoint = None
    if resume:  # the last one, as RunDir.last_checkpoint finds it
        checkpoint = max((run_dir / "checkpoints").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    return {r["step"]: r["loss"] for r in trainer.state.log_history if "loss" in r}, rows, trainer


def assert_resume_continues(config, tmp_path, stop_at: int):
    whole_losses, whole_rows, _ = train(config, tmp_path / "whole")
    train(config, tmp_path / "stopped", stop_at=stop_at)
    losses, rows, trainer = train(config, tmp_path / "stopped", resume=True)
    steps = sorted(whole_losses)
    assert steps == sorted(losses) and len(steps) > stop_at + 2
    assert [rows[s] for s in steps[stop_at:]] == [whole_rows[s] for s in steps[stop_at:]]  # each step's rows
    assert [losses[s] for s in steps] == pytest.approx([whole_losses[s] for s in steps], abs=1e-6, rel=0)
    return trainer


def test_a_length_grouped_run_resumed_mid_epoch_trains_the_uninterrupted_runs_batches(tiny_model_dir, tmp_path):
    """The reviewer's run: length grouping on (the default), no dropout, stopped at step 2 of 4 per epoch; over two
    epochs, so the resumed epoch skips its trained batches and the next epoch is shuffled from (seed, epoch) too."""
    # No save_every: StopAt saves the stop's checkpoint (as the worker's stop does with save_every 0), the only one a
    # resume reads; a checkpoint at every step only cost time (the tokenizer, model and optimizer written each step).
    config = tiny_config(tiny_model_dir, method="lora", max_steps=0, epochs=2.0, lora_dropout=0.0, learning_rate=1e-2)
    assert config.group_by_length and config.save_every == 0
    trainer = assert_resume_continues(config, tmp_path, stop_at=2)
    assert isinstance(trainer._get_train_sampler(), data_order.SeededLengthGroupedSampler)


def test_the_fast_paths_dropout_masks_after_a_resume_are_the_uninterrupted_runs(tiny_model_dir, tmp_path):
    """Random sampling (accelerate's seeded sampler) and LoRA dropout on the fast path's shared mask draws: the
    resumed process's first forward draws what the uninterrupted run's third forward drew."""
    config = tiny_config(
        tiny_model_dir,
        method="lora",
        max_steps=6,  # no save_every: StopAt's checkpoint is the one the resume reads
        group_by_length=False,
        lora_dropout=0.1,
        learning_rate=1e-2,
    )
    trainer = assert_resume_continues(config, tmp_path, stop_at=2)
    fused = [m for m in trainer.model.modules() if hasattr(m, "_ftlib_peft_forward")]
    pools = {getattr(m, "_ftlib_mask_pool", None) for m in fused}
    assert fastpath.enabled() and len(pools) == 1 and isinstance(pools.pop(), dropout_masks.MaskPool)


def test_a_length_grouped_order_is_a_function_of_seed_and_epoch_alone():
    lengths = [5, 40, 7, 33, 12, 90, 3, 64, 21, 18, 50, 9]
    sampler = data_order.SeededLengthGroupedSampler(2, lengths, seed=7)
    orders = []
    for epoch, global_seed in ((0, 1), (1, 2), (0, 3)):
        torch.manual_seed(global_seed)  # torch's global generator has no say
        sampler.set_epoch(epoch)
        orders.append(list(sampler))
    assert orders[0] == orders[2] != orders[1] and sorted(orders[1]) == list(range(12))
    assert orders[0][0] == 5  # the longest row leads, as transformers' LengthGroupedSampler puts it
    assert list(data_order.SeededLengthGroupedSampler(2, lengths, seed=8)) != orders[0]


@pytest.mark.parametrize(
    "method, expected",
    [
        ("lora", "SeededLengthGroupedSampler"),
        ("dpo", "SeededLengthGroupedSampler"),
        ("reward", "SeededLengthGroupedSampler"),
        ("kto", "SequentialSampler"),  # KTO's rows stay in the order alignment.unpaired_dataset shuffled them
        ("grpo", "SeededRepeatSampler"),
    ],
)
def test_every_trainer_the_studio_builds_orders_its_rows_by_seed_and_epoch(tiny_model_dir, tmp_path, method, expected):
    extra = {"rewards": [{"regex": "^Ahoy", "weight": 1.0}]} if method == "grpo" else {}
    rows = TRAIN if method in ("lora", "grpo") else PREF_ROWS
    config = tiny_config(tiny_model_dir, method=method, **extra)
    trainer = build_trainer(config, tmp_path, rows=(rows, [])).trainer
    sampler = trainer._get_train_sampler()
    assert type(sampler).__name__ == expected
    if method == "grpo":  # TRL's generator moved on from epoch to epoch; a resumed second epoch replayed the first
        first = list(sampler)
        sampler.set_epoch(1)
        second = list(sampler)
        sampler.set_epoch(0)
        assert list(sampler) == first != second


def test_a_pool_with_registered_layers_draws_its_first_forward_as_every_later_one(monkeypatch):
    """A pool that met its layers during its first forward drew that forward's masks layer by layer (and more seeds
    from torch's generator): a resumed process's first step then dropped other elements than the uninterrupted run."""
    cpu, draws = torch.device("cpu"), []
    real = dropout_masks.drop_masks
    monkeypatch.setattr(dropout_masks, "drop_masks", lambda sizes, p: draws.append(list(sizes)) or real(sizes, p))

    def forward(pool) -> list[torch.Tensor]:
        return [pool.mask(key, torch.Size([6, features]), 0.1, cpu)[0] for key, features in ((1, 8), (2, 20))]

    def pool() -> dropout_masks.MaskPool:
        made = dropout_masks.MaskPool()
        made.register(1, 8, 0.1)
        made.register(2, 20, 0.1)
        made.register(3, 20, 0.0)  # no dropout: never drawn for
        return made

    torch.manual_seed(0)
    whole = pool()
    forward(whole)
    saved = torch.get_rng_state()  # what a checkpoint after this step keeps
    second = forward(whole)
    assert draws == [[48, 120], [48, 120]]  # one draw per forward, every layer in it, from the first forward on
    torch.set_rng_state(saved)
    resumed = forward(pool())  # a new process: a new pool, torch's generator restored
    assert draws[-1] == [48, 120] and all(torch.equal(a, b) for a, b in zip(resumed, second, strict=True))


def test_a_run_stopped_at_an_epochs_end_resumes_with_the_uninterrupted_runs_dropout_masks(tiny_model_dir, tmp_path):
    """The checkpoint of an epoch's last step is saved before that epoch's evaluation, whose loader drew from torch's
    generator: the uninterrupted run's next masks came after that draw, the resumed run's (its generator restored from
    the checkpoint) before it (0.0042 apart in the loss at step 5, 0.016 in the adapter's weights)."""
    config = tiny_config(tiny_model_dir, method="lora", max_steps=0, epochs=2.0, lora_dropout=0.1, learning_rate=1e-2)
    assert config.eval_every == 0  # held-out loss at each epoch's end, the default
    assert config.save_every == 0  # the stop's own checkpoint, saved before the epoch's evaluation as any step's is
    assert_resume_continues(config, tmp_path, stop_at=4)  # 8 rows, 2 a step: the first epoch's last step


def test_how_often_a_run_evaluates_changes_nothing_it_trains(tiny_model_dir, tmp_path):
    """LoRA dropout's masks come from torch's generator, which each evaluation's loader drew from: the adapter changed
    with `eval_every` (and with a held-out split or none)."""

    def trained(eval_every: int, held_out: list[dict]):
        config = tiny_config(tiny_model_dir, method="lora", max_steps=4, lora_dropout=0.1, eval_every=eval_every)
        trainer = build_trainer(config, tmp_path / f"{eval_every}-{len(held_out)}", rows=(TRAIN, held_out)).trainer
        trainer.train()
        losses = [r["loss"] for r in trainer.state.log_history if "loss" in r]
        return losses, [p.detach().clone() for p in trainer.model.parameters() if p.requires_grad]

    every_step, every_other, none = trained(1, HELD_OUT), trained(2, HELD_OUT), trained(0, [])
    for losses, weights in (every_other, none):
        assert losses == every_step[0] and all(map(torch.equal, weights, every_step[1]))


class StopRequestedAt(MetricsCallback):
    """The worker's metrics callback, asked to stop (`runs stop`) at the end of step `step`."""

    def __init__(self, run_dir, step: int) -> None:
        super().__init__(run_dir)
        self.step, self.asked = step, 0

    def _stop_requested(self, device=None) -> bool:
        self.asked += 1  # once at each step's end
        return self.asked == self.step


def test_a_stop_mid_epoch_leaves_an_epochs_evaluation_and_early_stopping_to_the_epochs_end(tiny_model_dir, tmp_path):
    """Evaluated once per epoch (4 steps), with early stopping: the stop at step 6 ended the epoch's loop and the
    Trainer held the epoch's end there, evaluating (and keeping a checkpoint) at step 6. Early stopping counted that
    evaluation: the resumed run stopped at step 8 of 24 with step 6's weights as its result. Five epochs (20 steps;
    at 3 or 4 the uninterrupted run itself stops early at step 8) keep its ends past step 8 for the resumed run."""
    config = tiny_config(
        tiny_model_dir,
        method="full",
        max_steps=0,
        epochs=5.0,
        eval_every=0,
        early_stopping_patience=1,
        learning_rate=3e-2,
    )

    def attempt(run_dir, callback=None, resume=False):
        rows = (TRAIN, HELD_OUT)
        trainer = build_trainer(
            config, run_dir, [callback] if callback else [], rows, evaluate_first=not resume
        ).trainer
        checkpoint = max((run_dir / "checkpoints").glob("checkpoint-*"), default=None) if resume else None
        trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
        return trainer, [p.detach().clone() for p in trainer.model.parameters()]

    whole, whole_weights = attempt(tmp_path / "whole")
    stopped, _ = attempt(tmp_path / "stopped", StopRequestedAt(tmp_path / "stopped", 6))
    assert stopped.state.global_step == 6
    assert [r["step"] for r in stopped.state.log_history if "eval_loss" in r] == [0, 4]  # 6 is no epoch's end
    resumed, weights = attempt(tmp_path / "stopped", resume=True)
    assert resumed.state.global_step == whole.state.global_step == 20
    assert resumed.state.best_global_step == whole.state.best_global_step
    assert all(map(torch.equal, weights, whole_weights))


def test_a_stop_at_an_epochs_last_step_keeps_the_epochs_evaluation(tiny_model_dir, tmp_path):
    config = tiny_config(tiny_model_dir, method="lora", max_steps=0, epochs=2.0, eval_every=0)
    trainer = build_trainer(
        config, tmp_path, callbacks=[StopRequestedAt(tmp_path, 4)], rows=(TRAIN, HELD_OUT), evaluate_first=True
    ).trainer
    trainer.train()
    assert [r["step"] for r in trainer.state.log_history if "eval_loss" in r] == [0, 4]


def test_a_resumed_epoch_of_several_processes_draws_its_own_epochs_order(tiny_model_dir, tmp_path):
    """With 2 processes the batches come through accelerate's BatchSamplerShard, and a resumed epoch's loader wraps
    it in a SkipBatchSampler: the epoch never reached the sampler, and a run resumed in its second epoch trained the
    first epoch's order from there (0.11 apart in the loss)."""
    from accelerate.data_loader import prepare_data_loader
    from torch.utils.data import DataLoader

    trainer = build_trainer(tiny_config(tiny_model_dir, method="lora"), tmp_path, rows=(TRAIN, [])).trainer
    sampler = data_order.SeededLengthGroupedSampler(2, [5, 40, 7, 33, 12, 90, 3, 64, 21, 18, 50, 9], seed=7)
    loader = DataLoader(list(range(12)), batch_size=2, sampler=sampler)
    shard = prepare_data_loader(loader, num_processes=2, process_index=0, put_on_device=False)  # process 0's batches
    epochs = []
    for epoch in (0, 1):
        shard.set_epoch(epoch)
        epochs.append([batch.tolist() for batch in shard])
    assert epochs[0] != epochs[1]
    shard.set_epoch(0)  # as the resumed process's sampler starts
    resumed = trainer.get_resumed_dataloader(shard, 1)  # one batch of the epoch trained before the stop
    resumed.set_epoch(1)
    assert [batch.tolist() for batch in resumed] == epochs[1][1:]


def test_a_stop_between_early_stoppings_checkpoints_keeps_its_own_checkpoint(tiny_model_dir, tmp_path):
    """Early stopping keeps one checkpoint besides the best (`save_total_limit` 1), and at the end of training the
    Trainer deletes every checkpoint but the best: a stop at step 5, between evaluations at 4 and 6, lost the stop's
    checkpoint, and the resumed run trained step 5 again from step 4's."""
    config = tiny_config(tiny_model_dir, method="lora", max_steps=8, eval_every=2, early_stopping_patience=3)
    stopped = build_trainer(
        config, tmp_path, callbacks=[StopRequestedAt(tmp_path, 5)], rows=(TRAIN, HELD_OUT), evaluate_first=True
    ).trainer
    stopped.train()
    assert stopped.state.global_step == 5
    kept = sorted(int(p.name.split("-")[1]) for p in (tmp_path / "checkpoints").glob("checkpoint-*"))
    assert kept[-1] == 5 and int(stopped.state.best_model_checkpoint.split("-")[-1]) in kept
    resumed = build_trainer(config, tmp_path, rows=(TRAIN, HELD_OUT), evaluate_first=False).trainer
    resumed.train(resume_from_checkpoint=str(tmp_path / "checkpoints" / "checkpoint-5"))
    assert resumed.state.global_step == 8


def test_a_resumed_run_keeps_early_stoppings_count_of_evaluations_without_improvement(tiny_model_dir, tmp_path):
    """A cold review: patience 2, the held-out loss worse at each evaluation after the best; stopped one evaluation
    after the best and resumed, the run trained on to its last step where the uninterrupted one stopped early: the
    Trainer restores a callback's state from the checkpoint only with `restore_callback_states_from_checkpoint`."""
    config = tiny_config(
        tiny_model_dir,
        method="full",
        max_steps=10,
        eval_every=1,
        early_stopping_patience=2,
        learning_rate=3e-2,
        warmup_ratio=0.1,  # one warmup step (at lr 0): the schedule whose held-out loss turns after its best
    )

    def attempt(run_dir, callback=None, resume=False):
        trainer = build_trainer(
            config, run_dir, [callback] if callback else [], (TRAIN, HELD_OUT), evaluate_first=not resume
        ).trainer
        checkpoint = None
        if resume:
            checkpoint = max((run_dir / "checkpoints").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
        trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
        return trainer

    whole = attempt(tmp_path / "whole")
    best, stopped_at = whole.state.best_global_step, whole.state.global_step
    assert stopped_at == best + 2 < 10  # it stopped early, two evaluations after its best
    stopped = attempt(tmp_path / "stopped", StopRequestedAt(tmp_path / "stopped", best + 1))
    assert stopped.state.global_step == best + 1
    resumed = attempt(tmp_path / "stopped", resume=True)
    assert resumed.state.global_step == stopped_at
    assert resumed.state.best_global_step == best
