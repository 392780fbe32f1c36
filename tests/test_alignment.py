"""The reward model, KTO and GRPO on the tiny model: each steps and changes exactly what it trains, the reward
model's loss agrees with TRL's formula, KTO's batches agree with TRL's collator, GRPO's answers come from the
studio's batched decoding and its advantages equal TRL's, a reward-model run scores GRPO's answers, and a reward
model exported reloads with plain transformers + PEFT to the same scores (also through `python -m ftlib score`)."""

from __future__ import annotations

import json
import math

import pytest
import torch

from ftlib import downloads, export, runs
from ftlib.alignment import UnpairedCollator, pairwise_metrics, prompt_start, unpaired_dataset
from ftlib.config import ConfigError, RunConfig
from ftlib.metrics import MetricsCallback
from ftlib.rewards import group_advantages, load_reward_model
from ftlib.training import build_trainer, encode_for_training, run_template, save_final
from tests.test_training import PREF_ROWS, SFT_ROWS, learnable_model_dir, tiny_config  # noqa: F401 (a fixture)

PROMPTS = [{"prompt": [{"role": "user", "content": f"Tell me about the number {i}."}]} for i in range(6)]
UNPAIRED = [
    {
        "prompt": [{"role": "user", "content": f"Is {i} even?"}],
        "completion": [{"role": "assistant", "content": "Yes." if i % 2 == 0 else "It is, of course."}],
        "label": i % 2 == 0,
    }
    for i in range(6)
]
# Answers of a random tiny model vary in length, so a length reward spreads each group's scores.
GRPO_REWARDS = [{"length": {"target": 4}}, {"not_repeating": {}, "weight": 0.5}]


def _steady(model_dir, **settings) -> RunConfig:
    """A tiny run whose first steps already move the weights (no warmup, constant rate, no dropout)."""
    base = {
        "max_steps": 2,
        "scheduler": "constant",
        "warmup_ratio": 0.0,
        "lora_dropout": 0.0,
        "grpo_max_new_tokens": 8,
    }
    return tiny_config(model_dir, **{**base, **settings})


def _snapshot(model) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters()}


STEPS = [
    pytest.param({"method": "reward", "learning_rate": 1e-2}, PREF_ROWS, id="reward-lora"),
    pytest.param({"method": "reward", "tuning": "full", "learning_rate": 1e-3}, PREF_ROWS, id="reward-full"),
    pytest.param({"method": "reward", "tuning": "qlora", "learning_rate": 1e-2}, PREF_ROWS, id="reward-qlora"),
    pytest.param({"method": "kto", "learning_rate": 1e-2}, UNPAIRED, id="kto-lora"),
    pytest.param({"method": "kto", "tuning": "full", "learning_rate": 1e-3}, PREF_ROWS[:3], id="kto-full-on-pairs"),
    pytest.param({"method": "grpo", "rewards": GRPO_REWARDS, "learning_rate": 1e-2}, PROMPTS, id="grpo-lora"),
    pytest.param(
        {"method": "grpo", "rewards": GRPO_REWARDS, "learning_rate": 1e-2, "grpo_loss_type": "dr_grpo"},
        PROMPTS,
        id="grpo-lora-dr_grpo",
    ),
]


@pytest.mark.parametrize("settings, rows", STEPS)
def test_each_method_steps_and_changes_exactly_what_it_trains(varied_model, tmp_path, settings, rows):
    config = _steady(varied_model(3), **settings)
    prepared = build_trainer(config, tmp_path, rows=(rows, []))
    model = prepared.trainer.model
    before = _snapshot(model)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    prepared.trainer.train()
    after = _snapshot(model)
    changed = {n for n in before if not torch.equal(before[n], after[n])}
    if config.uses_adapter:
        head = {"score"} if config.method == "reward" else set()  # a reward model trains its new head whole
        assert trainable and all("lora_" in n or any(h in n for h in head) for n in trainable), trainable
        assert changed == trainable  # every adapter weight moved, and nothing frozen did
        if head:
            assert any("score" in n and "modules_to_save" in n for n in changed)
    else:
        blocks = {n for n in trainable if ".layers." in n}
        assert blocks and blocks <= changed
    history = [h for h in prepared.trainer.state.log_history if "loss" in h]
    assert len(history) == 2 and all(math.isfinite(h["loss"]) for h in history)


# ---------------------------------------------------------------------------------------------------------------
# The reward model
# ---------------------------------------------------------------------------------------------------------------


def test_reward_model_loss_and_accuracy_agree_with_trls_formula_on_a_fixed_batch(tiny_model_dir, tmp_path):
    trainer = build_trainer(tiny_config(tiny_model_dir, method="reward"), tmp_path, rows=(PREF_ROWS, [])).trainer
    model = trainer.model
    torch.manual_seed(0)
    with torch.no_grad():  # spread the scores, so the loss is not the trivial log(2)
        for name, p in model.named_parameters():
            if "score" in name or "lora_B" in name:
                p.normal_(0, 0.5)
    model.eval()
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(6)])
    with torch.no_grad():
        loss = trainer.compute_loss(model, dict(batch))
        scores = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, 0]
    chosen, rejected = scores.chunk(2)  # TRL's collator: every chosen, then every rejected
    expected = -torch.nn.functional.logsigmoid(chosen - rejected).mean()
    assert (chosen - rejected).abs().max() > 1e-3
    assert float(loss) == pytest.approx(float(expected), rel=1e-5)
    logged = {k: v[-1] for k, v in trainer._metrics["eval"].items()}
    ours = pairwise_metrics(chosen, rejected)
    assert logged["accuracy"] == pytest.approx(float((chosen > rejected).float().mean())) == ours["accuracy"]
    assert logged["margin"] == pytest.approx(float((chosen - rejected).mean()), rel=1e-5)
    assert ours["loss"] == pytest.approx(float(loss), rel=1e-5) and ours["margin"] == pytest.approx(logged["margin"])


def test_a_reward_models_held_out_accuracy_and_margin_are_over_pairs_not_batches(tiny_model_dir, tmp_path):
    """TRL logs the mean of each batch's accuracy: 7 held-out pairs in batches of 4 and 3 read "accuracy 0.50" (not a
    number of sevenths) while Evaluate said 0.43 (a cold review). The logged values are now the pairs' own."""
    held_out = [
        {**row, "chosen": row["rejected"], "rejected": row["chosen"]} if i % 3 == 0 else row
        for i, row in enumerate(PREF_ROWS[1:8])
    ]  # some pairs swapped, so a model with spread scores ranks some of them wrong
    config = tiny_config(tiny_model_dir, method="reward", batch_size=4)
    trainer = build_trainer(config, tmp_path, rows=(PREF_ROWS[:1], held_out)).trainer
    torch.manual_seed(3)
    with torch.no_grad():
        for name, p in trainer.model.named_parameters():
            if "score" in name or "lora_B" in name:
                p.normal_(0, 0.5)
    logged = trainer.evaluate()
    batch = trainer.data_collator([trainer.eval_dataset[i] for i in range(len(trainer.eval_dataset))])
    with torch.no_grad():
        scores = trainer.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, 0]
    per_pair = pairwise_metrics(*scores.chunk(2))
    assert len(trainer.eval_dataset) == 7 and 0 < per_pair["accuracy"] < 1
    assert logged["eval_accuracy"] == pytest.approx(per_pair["accuracy"])  # a number of sevenths
    assert logged["eval_margin"] == pytest.approx(per_pair["margin"], rel=1e-4, abs=1e-6)
    assert logged["eval_loss"] == pytest.approx(per_pair["loss"], rel=1e-4)  # the Trainer's own: per pair already


def _finished_reward_run(model_dir, **settings) -> tuple[str, object]:
    config = tiny_config(model_dir, method="reward", max_steps=3, learning_rate=1e-2, **settings)
    run_id = runs.create_run(config)
    run = runs.find(run_id)
    prepared = build_trainer(config, run.path, rows=(PREF_ROWS, []))
    prepared.trainer.train()
    save_final(prepared, config, run.path)
    run.update_status(state="finished", output="adapter" if config.uses_adapter else "model")
    return run_id, prepared


def test_an_exported_reward_model_reloads_with_plain_transformers_and_peft_to_the_same_scores(tiny_model_dir, capsys):
    from peft import PeftModel
    from transformers import AutoModelForSequenceClassification

    from ftlib.cli import main

    run_id, prepared = _finished_reward_run(tiny_model_dir)
    reward = load_reward_model(run_id)
    prompt = [{"role": "user", "content": "List two facts about the number 4."}]
    answers = ["- 4 is a number.\n- 5 comes after it.", "Well, honestly, 4 is hard to describe."]
    ids = [reward.encode(prompt, a) for a in answers]
    trained = prepared.trainer.model.eval()
    with torch.no_grad():
        want = [float(trained(input_ids=torch.tensor([i])).logits[0, 0]) for i in ids]
    assert reward.score(prompt, answers) == pytest.approx(want, abs=1e-5)
    assert abs(want[0] - want[1]) > 1e-4  # the two answers get different scores: not a constant head

    run = runs.find(run_id)
    base = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=1)
    plain = PeftModel.from_pretrained(base, export.export_adapter(run)).eval()
    merged = AutoModelForSequenceClassification.from_pretrained(export.export_merged(run)).eval()
    for model in (plain, merged):
        with torch.no_grad():
            got = [float(model(input_ids=torch.tensor([i])).logits[0, 0]) for i in ids]
        assert got == pytest.approx(want, abs=1e-5)
    assert [d.kind for d in downloads.downloads(run)] == ["adapter", "merged"]
    assert "AutoModelForSequenceClassification" in downloads.downloads(run)[0].caption

    argv = ["score", run_id, "--prompt", prompt[0]["content"], "--response", answers[0], "--response", answers[1]]
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"scores": pytest.approx(want, abs=1e-5)}
    assert main(["score", "no-such-run", "--prompt", "x", "--response", "y"]) == 2
    assert capsys.readouterr().err.startswith("error: There is no run 'no-such-run', by id or by name, in ")


# ---------------------------------------------------------------------------------------------------------------
# KTO
# ---------------------------------------------------------------------------------------------------------------


def test_kto_batches_agree_with_trls_collator_on_our_trained_tokens(tiny_model_dir, smol_tokenizer):
    from trl.trainer.kto_trainer import DataCollatorForUnpairedPreference

    config = RunConfig(method="kto", model=str(tiny_model_dir))
    template = run_template(config, smol_tokenizer)
    encoded, dropped = encode_for_training(UNPAIRED[:4] + PREF_ROWS[:1], smol_tokenizer, template, config)
    assert dropped == [] and [e.label for e in encoded] == [True, False, True, False, True, False]
    examples = list(unpaired_dataset(encoded, seed=0))
    ours = UnpairedCollator(pad_id=smol_tokenizer.pad_token_id)(examples)
    # TRL's collator takes the prompt and the answer apart, and rotates answers by one for the KL sequences.
    split = [(e["input_ids"][: e["answer_start"]], e["input_ids"][e["answer_start"] :]) for e in examples]
    theirs = DataCollatorForUnpairedPreference(pad_token_id=smol_tokenizer.pad_token_id)(
        [
            {"prompt_ids": p, "completion_ids": c, "KL_completion_ids": split[i - 1][1], "label": e["label"]}
            for i, ((p, c), e) in enumerate(zip(split, examples, strict=True))
        ]
    )
    for key in ("input_ids", "attention_mask", "KL_input_ids", "KL_attention_mask", "label"):
        assert torch.equal(ours[key], theirs[key]), key
    # TRL marks every answer token; ours only the tokens our labels train (not the template's newline after the
    # end-of-turn token), so ours is TRL's mask restricted to our trained tokens.
    trained = torch.zeros_like(ours["input_ids"])
    for i, e in enumerate(examples):
        trained[i, : len(e["labels"])] = torch.tensor([int(x != -100) for x in e["labels"]])
    assert torch.equal(ours["completion_mask"], theirs["completion_mask"] * trained)
    assert ours["completion_mask"].sum() > 0 and ours["KL_completion_mask"].sum() > 0
    assert all(prompt_start(e) > 0 for e in encoded)


def test_kto_weights_reach_trls_loss_as_the_weights_of_good_and_bad_answers(tiny_model_dir, tmp_path):
    config = tiny_config(tiny_model_dir, method="kto", desirable_weight=2.0, undesirable_weight=3.0)
    trainer = build_trainer(config, tmp_path, rows=(UNPAIRED, [])).trainer
    assert (trainer.desirable_weight, trainer.undesirable_weight) == (2.0, 3.0)
    torch.manual_seed(0)
    with torch.no_grad():  # the policy away from the reference, so good and bad answers lose different amounts
        for name, p in trainer.model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
    trainer.model.eval()
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(6)])

    def loss(desirable, undesirable):
        trainer.desirable_weight, trainer.undesirable_weight = desirable, undesirable
        with torch.no_grad():
            return float(trainer.compute_loss(trainer.model, dict(batch)))

    both, good_only, bad_only = loss(2.0, 3.0), loss(1.0, 0.0), loss(0.0, 1.0)
    assert good_only > 0 and bad_only > 0 and good_only != pytest.approx(bad_only)
    # TRL's loss: the mean over the batch of desirable_weight * each good answer's loss, undesirable_weight * each bad
    assert both == pytest.approx(2 * good_only + 3 * bad_only, rel=1e-5)


def test_kto_apo_zero_unpaired_reaches_trls_loss_and_trains_with_batches_of_one(tiny_model_dir, tmp_path):
    """`kto_loss_type` apo_zero_unpaired (D'Oosterlinck et al. 2024, the APO-zero loss on single answers): no KL
    estimate, so a batch of one is accepted (KTO's own loss refuses it), and the loss on a fixed batch is the mean
    of desirable_weight * (1 - sigmoid(beta * log-ratio)) over good answers and undesirable_weight *
    sigmoid(beta * log-ratio) over bad ones, with log-ratios from a plain forward with and without the adapter."""
    from tests.test_training import _sequence_logps

    with pytest.raises(ConfigError, match="at least 2 for KTO"):
        tiny_config(tiny_model_dir, method="kto", batch_size=1)
    beta, weights = 0.3, (1.5, 0.5)
    config = tiny_config(
        tiny_model_dir,
        method="kto",
        kto_loss_type="apo_zero_unpaired",
        batch_size=1,
        beta=beta,
        desirable_weight=weights[0],
        undesirable_weight=weights[1],
    )
    trainer = build_trainer(config, tmp_path, rows=(UNPAIRED, [])).trainer
    assert trainer.calculate_KL is False
    torch.manual_seed(0)
    with torch.no_grad():
        for name, p in trainer.model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
    trainer.model.eval()
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(6)])
    with torch.no_grad():
        loss = float(trainer.compute_loss(trainer.model, dict(batch)))
        ids, attention, mask = batch["input_ids"], batch["attention_mask"], batch["completion_mask"]
        policy = _sequence_logps(trainer.model(input_ids=ids, attention_mask=attention).logits, ids, mask)
        with trainer.model.disable_adapter():
            ref = _sequence_logps(trainer.model(input_ids=ids, attention_mask=attention).logits, ids, mask)
    ratio, good = policy - ref, batch["label"]
    assert ratio.abs().min() > 1e-3
    losses = torch.cat(
        [weights[0] * (1 - torch.sigmoid(beta * ratio[good])), weights[1] * torch.sigmoid(beta * ratio[~good])]
    )
    assert loss == pytest.approx(float(losses.mean()), rel=1e-4)
    assert not [k for k in batch if k.startswith("KL_")]  # no KL sequences built for a loss that reads none
    trainer.model.train()
    trainer.train()  # batches of one step (TRL raises for its KTO loss with them)
    assert trainer.state.global_step == config.max_steps
    logged = [row for row in trainer.state.log_history if "loss" in row]
    assert logged and not [row for row in logged if "kl" in row]  # TRL's 0 ("not moved") is not logged


KTO_NOTES = [
    # (id, method, training rows, the note expected: None for none)
    (
        "pairs",
        "kto",
        PREF_ROWS[:5],
        "KTO reads each of the 5 preference pairs as a good answer (chosen) and a bad answer (rejected): 10 rows.",
    ),
    (
        "one pair among marked answers",
        "kto",
        UNPAIRED[:3] + PREF_ROWS[:1],
        "KTO reads the 1 preference pair as a good answer (chosen) and a bad answer (rejected): 2 rows.",
    ),
    ("marked answers only", "kto", UNPAIRED, None),
    ("pairs for DPO", "dpo", PREF_ROWS[:5], None),
]


@pytest.mark.parametrize("method, rows, note", [c[1:] for c in KTO_NOTES], ids=[c[0] for c in KTO_NOTES])
def test_kto_on_preference_pairs_says_how_it_reads_them_before_launch(
    tiny_model_dir, smol_tokenizer, method, rows, note
):
    """Walk 3, 9: `train --method kto` on a DPO pairs file started without a word on how the pairs were read (each
    is a good row and a bad row, as TRL's `unpair_preference_dataset` reads them); now a pre-launch warning."""
    from ftlib.run_preflight import preflight

    report = preflight(tiny_config(tiny_model_dir, method=method), tokenizer=smol_tokenizer, rows=(rows, []))
    assert report.ok, report.errors
    said = [w for w in report.warnings if w.startswith("KTO reads")]
    assert said == ([note] if note else []), report.warnings
    if note:
        assert report.train_rows == len(rows) + sum("chosen" in r for r in rows)  # each pair is two rows


# (id, settings, held-out rows, the warning's start or None): KTO's KL estimate pairs a row with the one before it
# in its batch (UnpairedCollator), so a held-out row alone in its batch is paired with itself and reads 0.5.
KTO_KL_ALONE = [
    ("one held-out row", {}, 1, "The held-out split has a single row"),
    ("3 rows in batches of 2", {}, 3, "The 3 held-out rows leave a last evaluation batch of one row (batch size 2)"),
    ("5 rows in batches of 4", {"batch_size": 4}, 5, "The 5 held-out rows leave a last evaluation batch of one"),
    ("4 rows in batches of 2", {}, 4, None),
    ("3 rows in batches of 4", {"batch_size": 4}, 3, None),
    ("no held-out rows", {}, 0, None),
    ("apo_zero_unpaired makes no KL estimate", {"kto_loss_type": "apo_zero_unpaired"}, 1, None),
]


@pytest.mark.parametrize("settings, held_out, said", [c[1:] for c in KTO_KL_ALONE], ids=[c[0] for c in KTO_KL_ALONE])
def test_kto_warns_before_launch_when_a_held_out_row_is_alone_in_its_batch(
    tiny_model_dir, smol_tokenizer, settings, held_out, said
):
    """A review's `train --method kto --test-size 1`: every held-out loss read 0.5000, said by nothing."""
    from ftlib.run_preflight import preflight

    config = tiny_config(tiny_model_dir, method="kto", **settings)
    report = preflight(config, tokenizer=smol_tokenizer, rows=(UNPAIRED, UNPAIRED[:held_out]))
    assert report.ok, report.errors
    assert report.eval_rows == held_out
    found = [w for w in report.warnings if "paired with itself" in w]
    if said is None:
        assert not found, found
    else:
        assert len(found) == 1 and found[0].startswith(said), report.warnings
        assert "about 0.5" in found[0] and "apo_zero_unpaired" in found[0]  # what it reads, and a fix


# (id, training rows, batch size, settings beside one epoch, whether a training batch of one is warned of): each
# epoch's last batch holds rows % batch size rows; one row alone is paired with itself for its KL estimate. That batch
# is each epoch's last step (5 rows in batches of 2: step 3), so a run that ends before it (its max steps, or epochs
# below 1) never trains it.
KTO_TRAIN_ALONE = [
    ("5 rows in batches of 2", 5, 2, {}, True),
    ("9 rows in batches of 4", 9, 4, {}, True),
    ("6 rows in batches of 4", 6, 4, {}, False),
    ("4 rows in batches of 2", 4, 2, {}, False),
    ("5 rows in batches of 2, max steps 2: ends before it", 5, 2, {"max_steps": 2}, False),
    ("5 rows in batches of 2, max steps 3: reaches it", 5, 2, {"max_steps": 3}, True),
    ("9 rows in batches of 4, max steps 7: past it", 9, 4, {"max_steps": 7}, True),
    ("5 rows in batches of 2, half an epoch: ends before it", 5, 2, {"epochs": 0.5}, False),
]


@pytest.mark.parametrize(
    "rows, batch, settings, warned", [c[1:] for c in KTO_TRAIN_ALONE], ids=[c[0] for c in KTO_TRAIN_ALONE]
)
def test_kto_warns_before_launch_when_a_training_row_is_alone_in_each_epochs_last_batch(
    tiny_model_dir, smol_tokenizer, rows, batch, settings, warned
):
    """A left-alone note: a KTO training batch of one row (rows % batch == 1) paired the row with itself for one
    step each epoch, said by nothing; and not said of a run that ends before that batch (helper 63)."""
    from ftlib.run_preflight import preflight

    config = tiny_config(tiny_model_dir, method="kto", batch_size=batch, **{"max_steps": 0, **settings})
    train = [UNPAIRED[i % len(UNPAIRED)] | {"prompt": f"Is {i} a number?"} for i in range(rows)]
    report = preflight(config, tokenizer=smol_tokenizer, rows=(train, UNPAIRED[: batch * 2]))
    assert report.ok and report.train_rows == rows, report.errors
    found = [w for w in report.warnings if "training rows leave a last batch of one row" in w]
    assert len(found) == warned, report.warnings
    if warned:
        assert found[0].startswith(f"The {rows} training rows leave") and f"(batch size {batch})" in found[0]
        assert "paired with itself" in found[0] and "apo_zero_unpaired" in found[0]  # why, and a fix


# ---------------------------------------------------------------------------------------------------------------
# GRPO
# ---------------------------------------------------------------------------------------------------------------


def _grpo(model_dir, tmp_path, rewards=None, **settings):
    config = _steady(model_dir, method="grpo", rewards=rewards or GRPO_REWARDS, **settings)
    return config, build_trainer(config, tmp_path, rows=(PROMPTS, []))


def test_a_fresh_grpo_run_scores_the_base_models_held_out_answers_at_step_0(tiny_model_dir, tmp_path):
    """The reward chart's "before" point: GRPO evaluates its held-out prompts before the first step, as the other
    methods evaluate their held-out loss (the worker's evaluate_first)."""
    config = _steady(tiny_model_dir, method="grpo", rewards=GRPO_REWARDS, max_steps=1)
    prepared = build_trainer(config, tmp_path, rows=(PROMPTS, PROMPTS[:2]), evaluate_first=True)
    prepared.trainer.train()
    evals = [h for h in prepared.trainer.state.log_history if "eval_reward" in h]
    assert [h["step"] for h in evals] == [0, 1], evals
    assert all(math.isfinite(h["eval_reward"]) for h in evals)


def test_grpo_answers_come_from_the_batched_decoding_one_generator_each(varied_model, tmp_path):
    from ftlib import sampling

    config, prepared = _grpo(varied_model(3), tmp_path, grpo_group_size=4, grpo_temperature=0.9)
    trainer = prepared.trainer
    prompts = [json.dumps(PROMPTS[0]["prompt"])] * 4 + [json.dumps(PROMPTS[1]["prompt"])] * 4
    out = trainer.rollout_func(prompts, trainer)
    assert len(out["completion_ids"]) == 8 and out["logprobs"] is None
    ids = out["prompt_ids"][0]
    assert ids == list(encode_for_training(PROMPTS[:1], prepared.tokenizer, prepared.template, config)[0][0].input_ids)
    # The same answers as one call of the studio's decoding loop with a seed per answer (inverse-CDF draws).
    model = trainer.model.get_base_model()
    rows = [sampling.GenRow(tuple(p), sampling.DecodingSetting(temperature=0.9)) for p in out["prompt_ids"]]
    seeds = [int(s) for s in trainer.rollout_func.seeds(len(prompts), trainer.state.global_step)]
    again = sampling.generate(
        model.eval(), prepared.tokenizer, rows, 8, seed=seeds, top_alternatives=0, draws="inverse_cdf"
    )
    assert out["completion_ids"] == [r.ids for r in again]
    assert len({tuple(c) for c in out["completion_ids"][:4]}) > 1  # a group's answers differ


@pytest.mark.parametrize("loss_type, scaled", [("dapo", True), ("dr_grpo", False)])
def test_grpo_advantages_for_fixed_rewards_equal_trls(varied_model, tmp_path, loss_type, scaled):
    """Each answer's advantage as the reward preview computes it (`group_advantages`) is TRL's; Dr. GRPO's is not
    divided by its group's spread (Liu et al. 2025), in training and in the preview alike."""
    from ftlib.loss_types import grpo_scales_rewards

    assert grpo_scales_rewards(loss_type) is scaled
    config, prepared = _grpo(varied_model(3), tmp_path, grpo_group_size=3, batch_size=2, grpo_loss_type=loss_type)
    trainer = prepared.trainer
    fixed = [0.0, 1.0, 0.5, 2.0, 2.0, -1.0]

    def fixed_reward(prompts, completions, **kwargs):
        return fixed[: len(completions)]

    trainer.reward_funcs, trainer.reward_func_names = [fixed_reward], ["fixed"]
    trainer.reward_weights = torch.tensor([2.0])  # weights scale the totals before the group normalisation
    trainer.reward_processing_classes = [None]
    trainer.model.train()
    inputs = [{"prompt": json.dumps(PROMPTS[i // 3]["prompt"])} for i in range(6)]
    output = trainer._generate_and_score_completions(inputs)
    expected = group_advantages([2 * x for x in fixed], 3, scale=scaled)
    assert output["advantages"].tolist() == pytest.approx(expected, abs=1e-5)
    assert expected != pytest.approx(group_advantages([2 * x for x in fixed], 3, scale=not scaled), abs=1e-3)


def test_a_reward_model_run_scores_grpo_answers_live(varied_model, tmp_path):
    """The classic RLHF loop: a finished reward-model run is GRPO's reward; each step's answers, their scores and
    advantages land in completions.jsonl, and the metrics carry reward, its spread, per-reward means and KL."""
    from ftlib.worker import execute

    reward_id, _ = _finished_reward_run(varied_model(3))
    rows = varied_model(3).parent / "prompts.jsonl"
    rows.write_text("".join(json.dumps(r) + "\n" for r in PROMPTS))
    rewards = [{"model": reward_id}, {"regex": "[aeiou]", "weight": 0.5}]
    config = _steady(varied_model(3), method="grpo", rewards=rewards, dataset=str(rows), test_size=0.0, beta=0.1)
    run = runs.find(runs.create_run(config))
    assert execute(run.path) == "finished", run.read_status()
    train = [m for m in run.read_metrics() if m["kind"] == "train"]
    assert len(train) == 2
    for key in ("reward", "reward_std", "reward_model", "reward_model_std", "reward_regex", "kl", "completion_length"):
        assert all(key in m for m in train), key
    step, table = run.latest_completions()
    assert step == 2 and len(table) == config.batch_size * config.grpo_group_size
    scorer = load_reward_model(reward_id)
    prompts = [[{"role": "user", "content": r["prompt"]}] for r in table]
    assert [r["model"] for r in table] == pytest.approx(scorer.score_many(prompts, [r["answer"] for r in table]))
    totals = [r["model"] + 0.5 * r["regex"] for r in table]
    assert [r["total"] for r in table] == pytest.approx(totals)
    assert [r["advantage"] for r in table] == pytest.approx(group_advantages(totals, config.grpo_group_size), abs=1e-4)


def test_metrics_rows_carry_each_methods_keys(tmp_path):
    from transformers import TrainerControl, TrainerState, TrainingArguments

    callback = MetricsCallback(tmp_path)
    args = TrainingArguments(output_dir=str(tmp_path), report_to=[])
    state, control = TrainerState(), TrainerControl()
    logs = [
        {"loss": 0.5, "accuracy": 0.75, "margin": 0.3},
        {"loss": 0.4, "rewards/chosen": 0.2, "rewards/rejected": -0.1, "rewards/margins": 0.3, "kl": 0.01},
        {"loss": 0.1, "reward": 1.5, "reward_std": 0.4, "rewards/regex/mean": 0.7, "rewards/regex/std": 0.2}
        | {"kl": 0.02, "completions/mean_length": 31.0},
        {"eval_loss": 0.2, "eval_reward": 1.1, "eval_rewards/regex/mean": 0.6, "eval_accuracy": 0.9},
    ]
    for step, log in enumerate(logs, start=1):
        state.global_step = step
        callback.on_log(args, state, control, logs=log)
    reward, kto, grpo, evaluation = callback.run.read_metrics()
    assert (reward["accuracy"], reward["margin"]) == (0.75, 0.3)
    assert (kto["rewards_chosen"], kto["rewards_rejected"], kto["reward_margin"], kto["kl"]) == (0.2, -0.1, 0.3, 0.01)
    assert (grpo["reward"], grpo["reward_std"], grpo["reward_regex"], grpo["reward_regex_std"]) == (1.5, 0.4, 0.7, 0.2)
    assert (grpo["kl"], grpo["completion_length"]) == (0.02, 31.0)
    assert (evaluation["eval_reward"], evaluation["eval_reward_regex"], evaluation["eval_accuracy"]) == (1.1, 0.6, 0.9)


def test_the_memory_estimate_counts_what_each_new_method_holds(tiny_model_dir, monkeypatch):
    from ftlib import memory

    monkeypatch.setenv("FTLIB_FAST_PATH", "0")  # whole batches, so the counts below are exact

    def est(**kw):
        return memory.estimate(RunConfig(model=str(tiny_model_dir), **kw), device="cpu", available=8 * memory.GIB)

    shape = memory.model_shape(str(tiny_model_dir))
    rewards = [{"regex": "x"}]
    # A reward model scores chosen and rejected in one batch, like DPO, and keeps no reference copy.
    assert est(method="reward").activations == memory.activation_bytes(shape, 2 * 8 * 384, 4)
    assert est(method="reward", tuning="full").reference == 0
    # KTO's batch is one sequence per row (its KL sequences need no gradient); full KTO keeps a reference.
    assert est(method="kto").activations == memory.activation_bytes(shape, 8 * 384, 4)
    assert est(method="kto", tuning="full").reference == est(method="kto", tuning="full").weights
    # GRPO: batch_size prompts x group size answers of prompt + max new tokens; a reference only with a KL penalty.
    grpo = est(method="grpo", rewards=rewards, batch_size=2, grpo_group_size=4, grpo_max_new_tokens=16)
    assert grpo.activations == memory.activation_bytes(shape, 2 * 4 * (384 + 16), 4)
    full = dict(method="grpo", rewards=rewards, tuning="full")
    assert est(**full, beta=0.04).reference > 0 and est(**full, beta=0.0).reference == 0


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_grpo_scores_answers_with_the_fast_head_as_trls_head_does(varied_model, tmp_path, temperature):
    """The studio's LM head (ftlib.headloss, trained positions only) gives GRPO the same per-token log-probabilities
    and entropies as TRL's, at temperature 1 and at a sampling temperature (both heads divide the logits by it)."""
    from ftlib import headloss

    config, prepared = _grpo(varied_model(3), tmp_path, grpo_group_size=2, batch_size=2, grpo_temperature=temperature)
    trainer = prepared.trainer
    base = trainer.model.get_base_model()
    assert hasattr(base, "_ftlib_trl_forward")  # the fast head is on
    prompts = [json.dumps(PROMPTS[0]["prompt"])] * 2 + [json.dumps(PROMPTS[1]["prompt"])] * 2
    out = trainer.rollout_func(prompts, trainer)
    width = max(len(p) + len(c) for p, c in zip(out["prompt_ids"], out["completion_ids"], strict=True))
    ids = torch.full((4, width), prepared.tokenizer.pad_token_id)
    mask = torch.zeros_like(ids)
    keep = max(len(c) for c in out["completion_ids"])
    for i, (p, c) in enumerate(zip(out["prompt_ids"], out["completion_ids"], strict=True)):
        start = width - keep - len(p)  # prompts left-padded, answers right-padded, as TRL lays them out
        ids[i, start : start + len(p) + len(c)] = torch.tensor(p + c)
        mask[i, start : start + len(p) + len(c)] = 1
    with torch.no_grad():
        fast = trainer._get_per_token_logps_and_entropies(trainer.model, ids, mask, keep, compute_entropy=True)
        headloss.unfuse_lm_head(base)
        theirs = trainer._get_per_token_logps_and_entropies(trainer.model, ids, mask, keep, compute_entropy=True)
    answer = mask[:, -keep:].bool()
    torch.testing.assert_close(fast[0][answer], theirs[0][answer], atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(fast[1][answer], theirs[1][answer], atol=1e-4, rtol=1e-4)


def test_grpo_answers_and_the_reward_preview_stop_at_the_runs_end_of_turn_even_the_unk_token(
    varied_model, tmp_path, monkeypatch
):
    """An export review: a template ending replies in SmolLM2's `<|endoftext|>` (its unk token) never stopped a reply
    (`stop_token_ids` left the unk token out); the studio's sampling was fixed, GRPO's answers and the reward preview
    now stop there too: what the run trains to end a reply with ends its answers."""
    from ftlib import sampling
    from ftlib.reward_preview import preview_rewards

    template = (
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}{% if m['role'] == 'assistant' %}<|endoftext|>"
        "{% endif %}\n{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}"
    )
    config, prepared = _grpo(varied_model(3), tmp_path, template="custom", template_source=template)
    unk = prepared.tokenizer.convert_tokens_to_ids("<|endoftext|>")
    assert prepared.tokenizer.unk_token == "<|endoftext|>" and unk not in sampling.stop_token_ids(prepared.tokenizer)
    seen = []
    real = sampling.generate
    monkeypatch.setattr(sampling, "generate", lambda *a, **k: seen.append(k.get("stop_ids")) or real(*a, **k))
    trainer = prepared.trainer
    trainer.rollout_func([json.dumps(PROMPTS[0]["prompt"])] * 2, trainer)
    preview_rewards(trainer.model.get_base_model(), prepared.tokenizer, config, PROMPTS, prompts=1)
    assert len(seen) == 2 and all(stops and unk in stops for stops in seen)
