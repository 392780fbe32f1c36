"""Training engine: config validation, our labels reach the model, every method learns, DPO agrees with its formula,
exports reload to identical logits, NaN stops a run with an explanation. All on the tiny 2-layer model."""

from __future__ import annotations

import itertools
import json
import math

import pytest
import torch

from ftlib import export, runs
from ftlib.config import ConfigError, RunConfig
from ftlib.metrics import MetricsCallback
from ftlib.rundir import RunDir
from ftlib.training import PreferenceCollator, build_trainer, save_final
from ftlib.worker import execute

SFT_ROWS = [
    {
        "messages": [
            {"role": "system", "content": f"You are terse, persona {i}."},
            {"role": "user", "content": f"What is {i} plus {i}?"},
            {"role": "assistant", "content": f"It is {2 * i}."},
            {"role": "user", "content": f"And {i} times three?"},
            {"role": "assistant", "content": f"Ahoy, that makes {3 * i}!"},
        ]
    }
    for i in range(1, 9)
]
PREF_ROWS = [
    {
        "prompt": [{"role": "user", "content": f"List two facts about the number {i}."}],
        "chosen": [{"role": "assistant", "content": f"- {i} is a number.\n- {i + 1} comes after it."}],
        "rejected": [{"role": "assistant", "content": f"Well, honestly, {i} is hard to describe."}],
    }
    for i in range(1, 9)
]


def tiny_config(tiny_model_dir, **kw) -> RunConfig:
    base = {
        "model": str(tiny_model_dir),
        "max_steps": 2,
        "batch_size": 2,
        "save_every": 0,
        "max_length": 128,
        "learning_rate": 1e-3,
    }
    base.update(kw)
    return RunConfig(**base)


# ---------------------------------------------------------------------------------------------------------------
# Config
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value, fix",
    [
        ("method", "lorra", "lora, qlora, full, dpo"),
        ("learning_rate", -1.0, "2e-3 for LoRA"),
        ("batch_size", 0, "at least 1"),
        ("mask_policy", "assistant", "all_assistant"),
        ("max_length", 8, "at least 16"),
        ("lora_dropout", 1.5, "at least 0 and below 1"),
        ("scheduler", "step", "cosine"),
        ("tuning", "adapter", "lora, qlora, full"),
        ("warmup_ratio", 1.0, "below 1"),
        ("device", "tpu", "auto, cpu, cuda"),
        ("lora_r", 2.5, "a whole number"),
        ("packing", "maybe", "true or false"),
    ],
)
def test_invalid_settings_name_the_field_and_the_fix(field, value, fix):
    with pytest.raises(ConfigError) as err:
        RunConfig(**{field: value})
    assert f"`{field}`" in str(err.value) and fix in str(err.value)


def test_unknown_setting_suggests_the_close_one():
    with pytest.raises(ConfigError, match="Did you mean `learning_rate`"):
        RunConfig.from_dict({"learning_rat": 1e-3})


def test_packing_is_refused_for_dpo():
    with pytest.raises(ConfigError, match="packing"):
        RunConfig(method="dpo", packing=True)


@pytest.mark.parametrize(
    "method, tuning, lr",
    [
        ("lora", "lora", 2e-3),
        ("full", "full", 5e-5),
        ("qlora", "qlora", 2e-3),
        ("dpo", "lora", 1e-3),
        ("dpo", "full", 5e-6),
    ],
)
def test_learning_rate_defaults_per_method(method, tuning, lr):
    config = RunConfig(method=method, tuning=tuning if method == "dpo" else "lora")
    assert config.learning_rate == lr and config.tuning == tuning


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_config_files_round_trip(tmp_path, suffix):
    path = tmp_path / f"run{suffix}"
    data = {"method": "qlora", "dataset": "x.jsonl", "lora_r": 4, "lora_targets": ["q_proj", "v_proj"]}
    if suffix == ".yaml":
        path.write_text("method: qlora\ndataset: x.jsonl\nlora_r: 4\nlora_targets: [q_proj, v_proj]\n")
    else:
        path.write_text(json.dumps(data))
    config = RunConfig.from_file(path)
    assert (config.method, config.lora_r, config.lora_targets, config.uses_4bit) == (
        "qlora",
        4,
        ["q_proj", "v_proj"],
        True,
    )
    assert RunConfig.from_dict(config.to_dict()) == config


# ---------------------------------------------------------------------------------------------------------------
# The labels the model is trained on are exactly ftlib.tokens' labels
# ---------------------------------------------------------------------------------------------------------------


def _record_inputs(trainer) -> list[dict]:
    """Wrap compute_loss so every batch the model receives during training is kept."""
    seen, original = [], trainer.compute_loss

    def compute_loss(model, inputs, *args, **kwargs):
        seen.append({k: v.detach().clone() for k, v in inputs.items() if isinstance(v, torch.Tensor)})
        return original(model, inputs, *args, **kwargs)

    trainer.compute_loss = compute_loss
    return seen


def batch_rows(batch: dict):
    """(input ids, labels) of each row of a training batch: padded rows cut at their attention mask, or rows laid end
    to end (padding-free, ftlib.fastpath.padding_free) cut at `cu_seq_lens_q`."""
    if "attention_mask" not in batch:
        bounds = batch["cu_seq_lens_q"].tolist()
        assert batch["input_ids"].shape == (1, bounds[-1])
        for start, end in itertools.pairwise(bounds):
            yield batch["input_ids"][0, start:end], batch["labels"][0, start:end]
        return
    for ids, labels, mask in zip(batch["input_ids"], batch["labels"], batch["attention_mask"], strict=True):
        n = int(mask.sum())
        assert (labels[n:] == -100).all()  # padding is never trained, even though pad == eos here
        yield ids[:n], labels[:n]


@pytest.mark.parametrize("policy, template", [("all_assistant", "tokenizer"), ("last_assistant", "chatml")])
def test_sft_trains_on_exactly_the_tokens_page_labels(tiny_model_dir, smol_tokenizer, tmp_path, policy, template):
    from ftlib.templates import get_template
    from ftlib.tokens import encode_row

    config = tiny_config(tiny_model_dir, method="lora", mask_policy=policy, template=template, max_steps=4, epochs=1.0)
    prepared = build_trainer(config, tmp_path, rows=(SFT_ROWS, []))
    seen = _record_inputs(prepared.trainer)
    prepared.trainer.train()

    tpl = get_template(template, smol_tokenizer)
    expected = {
        tuple(e.input_ids): e.labels
        for e in (encode_row(r, smol_tokenizer, tpl, policy, config.max_length) for r in SFT_ROWS)
    }
    got = {}
    for batch in seen:
        for ids, labels in batch_rows(batch):
            got[tuple(ids.tolist())] = labels.tolist()
    assert got == expected  # every row, every label
    # Sentinels: the policy really masks (prompt tokens -100) and really trains (ids kept), differently per policy.
    some = next(iter(expected.values()))
    assert -100 in some and any(label != -100 for label in some)


def test_dpo_trains_on_exactly_the_tokens_page_labels(tiny_model_dir, smol_tokenizer, tmp_path):
    from ftlib.templates import get_template
    from ftlib.tokens import encode_row

    config = tiny_config(tiny_model_dir, method="dpo", max_steps=4, epochs=1.0)
    prepared = build_trainer(config, tmp_path, rows=(PREF_ROWS, []))
    seen = _record_inputs(prepared.trainer)
    prepared.trainer.train()

    tpl = get_template("tokenizer", smol_tokenizer)
    expected = {}
    for row in PREF_ROWS:
        enc = encode_row(row, smol_tokenizer, tpl, "all_assistant", config.max_length)
        for part in (enc.chosen, enc.rejected):
            expected[tuple(part.input_ids)] = part.labels
    got = {}
    for batch in seen:
        # What DPOTrainer scores: labels = input_ids where completion_mask is 1, else -100.
        labels = batch["input_ids"].masked_fill(batch["completion_mask"] == 0, -100)
        for ids, lab, mask in zip(batch["input_ids"], labels, batch["attention_mask"], strict=True):
            n = int(mask.sum())
            got[tuple(ids[:n].tolist())] = lab[:n].tolist()
    assert got == expected
    # The ChatML newline after <|im_end|> belongs to the completion text but is not trained: our mask, not TRL's.
    assert any(lab[-1] == -100 for lab in expected.values())


def test_packing_keeps_our_labels_and_keeps_documents_apart(tiny_model_dir, smol_tokenizer, tmp_path):
    from ftlib.templates import get_template
    from ftlib.tokens import encode_row

    config = tiny_config(tiny_model_dir, method="lora", packing=True, max_length=256, max_steps=1)
    prepared = build_trainer(config, tmp_path, rows=(SFT_ROWS, []))
    seen = _record_inputs(prepared.trainer)
    prepared.trainer.train()
    batch = seen[0]
    ids, labels, positions = batch["input_ids"][0], batch["labels"][0], batch["position_ids"][0]
    starts = [*(positions == 0).nonzero().flatten().tolist(), len(ids)]
    assert len(starts) > 2  # several documents in one row
    tpl = get_template("tokenizer", smol_tokenizer)
    expected = {
        tuple(e.input_ids): e.labels
        for e in (encode_row(r, smol_tokenizer, tpl, "all_assistant", 256) for r in SFT_ROWS)
    }
    model = prepared.trainer.model.eval()
    with torch.no_grad():
        packed = model(input_ids=ids[None], position_ids=positions[None]).logits[0]
        for a, b in zip(starts, starts[1:], strict=False):
            doc = tuple(ids[a:b].tolist())
            assert labels[a:b].tolist() == expected[doc]
            alone = model(input_ids=ids[None, a:b]).logits[0]
            torch.testing.assert_close(packed[a:b], alone, atol=1e-4, rtol=1e-4)  # no attention across documents


def test_preference_collator_pads_with_the_pad_id_and_masks_from_labels():
    batch = PreferenceCollator(pad_id=77)(
        [
            {
                "chosen_input_ids": [1, 5, 6, 9],
                "chosen_labels": [-100, 5, 6, -100],
                "rejected_input_ids": [1, 7],
                "rejected_labels": [-100, 7],
            },
            {
                "chosen_input_ids": [1, 8],
                "chosen_labels": [-100, 8],
                "rejected_input_ids": [1, 3, 4],
                "rejected_labels": [-100, -100, 4],
            },
        ]
    )
    assert batch["input_ids"].tolist() == [[1, 5, 6, 9], [1, 8, 77, 77], [1, 7, 77, 77], [1, 3, 4, 77]]
    assert batch["completion_mask"].tolist() == [[0, 1, 1, 0], [0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]]


def test_a_kind_mismatch_is_explained(tiny_model_dir, tmp_path):
    with pytest.raises(ConfigError, match="use DPO, a reward model or KTO on it"):
        build_trainer(tiny_config(tiny_model_dir, method="lora"), tmp_path, rows=(PREF_ROWS, []))
    with pytest.raises(ConfigError, match="load a preference dataset for DPO"):
        build_trainer(tiny_config(tiny_model_dir, method="dpo"), tmp_path, rows=(SFT_ROWS, []))
    with pytest.raises(ConfigError, match=r"^Training rows 2, 3: GRPO needs prompts .* use DPO, a reward model"):
        build_trainer(
            tiny_config(tiny_model_dir, method="grpo", rewards=[{"regex": "x"}]),
            tmp_path,
            rows=([{"prompt": "Hi"}, *PREF_ROWS[:2]], []),
        )


# ---------------------------------------------------------------------------------------------------------------
# Before launch: what the template leaves out, held-out rows included
# ---------------------------------------------------------------------------------------------------------------


def sharegpt_tool_rows(tmp_path, plain: int) -> list[dict]:
    """`plain` ShareGPT chats, then one tool-calling chat as glaive-function-calling and LLaMA-Factory publish it
    (`function_call` and `observation` turns, `tools` as a JSON string), read by ftlib's own reader."""
    from ftlib.data import load_file

    lines = [
        {
            "conversations": [
                {"from": "human", "value": f"How many legs do {n} spiders have?"},
                {"from": "gpt", "value": f"{8 * n} legs."},
            ]
        }
        for n in range(1, plain + 1)
    ]
    tool = {"name": "get_weather", "description": "Current weather for a city", "parameters": {"type": "object"}}
    lines.append(
        {
            "conversations": [
                {"from": "human", "value": "What's the weather in Oslo?"},
                {"from": "function_call", "value": json.dumps({"name": "get_weather", "arguments": {"city": "Oslo"}})},
                {"from": "observation", "value": json.dumps({"temp_c": 4, "sky": "sleet"})},
                {"from": "gpt", "value": "It is 4 °C with sleet in Oslo."},
            ],
            "tools": json.dumps([tool]),
        }
    )
    path = tmp_path / "sharegpt_tools.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines))
    rows = list(load_file(path).rows)
    assert len(rows) == plain + 1 and rows[-1]["messages"][1]["tool_calls"]  # the reader kept the call
    return rows


@pytest.mark.parametrize("template, refused", [("tokenizer", True), ("hermes", False)])
def test_preflight_names_a_held_out_row_whose_tool_call_the_template_drops(
    tmp_path, tiny_model_dir, smol_tokenizer, template, refused
):
    """Walk 3: the tool-calling row landed in the test split; Train started without a word, and the run's evaluation
    and Evaluate scored it with its call left out. Held-out rows are checked as training rows are: the same refusal,
    naming the row (counted from 1, as Evaluate and Tokens count test rows)."""
    from ftlib.run_preflight import preflight

    rows = sharegpt_tool_rows(tmp_path, plain=7)
    config = tiny_config(tiny_model_dir, dataset="x", template=template)
    report = preflight(config, tokenizer=smol_tokenizer, rows=(rows[:6], rows[6:]))
    dropped = [e for e in report.errors if "leaves out the tool calls" in e]
    if refused:
        assert not report.ok and len(dropped) == 1
        assert (
            dropped[0].startswith("In held-out row 2, scored as the template writes it: The ")
            and "'ChatML + tools (Hermes)' (--template hermes)" in dropped[0]
        )
        assert any(w.startswith("In held-out row 2, ") and "tool definitions" in w for w in report.warnings)
        assert not [m for m in report.errors + report.warnings if "training rows" in m]  # the training rows are fine
    else:
        assert report.ok and not dropped, report.errors


def test_preflight_says_a_problem_of_training_and_held_out_rows_once_with_its_fix(
    tmp_path, tiny_model_dir, smol_tokenizer
):
    """A walk: a tools split under the model's own template showed four error blocks (two checks on two splits), each
    with the same 70-word fix. One block per problem: the held-out rows' words join the training rows'. A cold walk:
    the block then said the same long sentence twice, once per split: where the words are the same, they are said
    once for both."""
    from ftlib.run_preflight import preflight

    rows = sharegpt_tool_rows(tmp_path, plain=7)
    config = tiny_config(tiny_model_dir, dataset="x", template="tokenizer")
    report = preflight(config, tokenizer=smol_tokenizer, rows=([*rows[:5], rows[-1]], [rows[5], rows[-1]]))
    (dropped,) = [e for e in report.errors if "leaves out the tool calls" in e]
    assert dropped.startswith(
        "In 1 of 6 training rows (row 6) and in held-out row 2 (scored as the template writes it): The "
    )
    assert dropped.count("leaves out the tool calls of") == 1  # the problem, said once for both splits
    assert dropped.count("'ChatML + tools (Hermes)' (--template hermes)") == 1  # the fix, said once


HELD_OUT_REFUSALS = [
    # (id, method, template, the test split's second row, the message's opening)
    ("wrong kind", "dpo", "chatml", SFT_ROWS[7], "Held-out row 2: DPO needs pairs of a chosen and a rejected answer"),
    (
        "template refusal",  # Gemma's template needs a user turn right after the system prompt
        "lora",
        "gemma",
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "Hello."}]},
        "The chat template cannot render held-out row 2: ",
    ),
]


@pytest.mark.parametrize(
    "method, template, bad, opening", [c[1:] for c in HELD_OUT_REFUSALS], ids=[c[0] for c in HELD_OUT_REFUSALS]
)
def test_a_refused_held_out_row_is_named_as_a_held_out_row(
    tmp_path, tiny_model_dir, smol_tokenizer, method, template, bad, opening
):
    """Walk 3 fixers: a held-out row of the wrong kind was named "Training rows 2", and a held-out row the template
    refuses "row 2", as though it were the training split's second row. Held-out rows are counted from 1, as
    Evaluate and Tokens count test rows; build_trainer says the same as preflight."""
    from ftlib.run_preflight import preflight

    rows = PREF_ROWS if method == "dpo" else SFT_ROWS
    config = tiny_config(tiny_model_dir, dataset="x", method=method, template=template)
    report = preflight(config, tokenizer=smol_tokenizer, rows=(rows[:6], [rows[6], bad]))
    assert len(report.errors) == 1 and report.errors[0].startswith(opening), report.errors
    with pytest.raises(ConfigError, match=f"^{opening}"):
        build_trainer(config, tmp_path, rows=(rows[:6], [rows[6], bad]))
    # The same row in the training split keeps the training wording.
    training = opening.replace("Held-out row 2", "Training row 7").replace("held-out row 2", "training row 7")
    report = preflight(config, tokenizer=smol_tokenizer, rows=([*rows[:6], bad], rows[6:7]))
    assert len(report.errors) == 1 and report.errors[0].startswith(training), report.errors


NO_SYSTEM = (  # a Mistral-style template that refuses a system turn, as several real ones do
    "{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
    "{% for m in messages %}{% if m.role == 'user' %}[INST] {{ m.content }} [/INST]{% else %}{{ m.content }}</s>"
    "{% endif %}{% endfor %}"
)


def test_a_template_that_takes_no_system_turn_is_refused_with_its_fix(tiny_model_dir, smol_tokenizer):
    """A cold review: `tokens` and the Tokens page said how to fix a template's refusal of a system turn (merge it
    into the first user message, or a built-in that takes one); `train` only said "pick another template on the
    Tokens page", to a CLI user."""
    from ftlib.run_preflight import preflight

    plain = [{"messages": row["messages"][1:]} for row in SFT_ROWS]  # SFT_ROWS open on a system turn
    rows = [*plain[:5], SFT_ROWS[5]]
    config = tiny_config(tiny_model_dir, dataset="x", template="custom", template_source=NO_SYSTEM)
    report = preflight(config, tokenizer=smol_tokenizer, rows=(rows, plain[6:7]))
    (error,) = report.errors
    assert error.startswith(
        "The chat template cannot render training row 6: The custom template refused this conversation: "
    )
    assert "merge the system text into the first user message of your rows" in error and "Tokens page" not in error


# ---------------------------------------------------------------------------------------------------------------
# Each method learns; adapters leave the base untouched
# ---------------------------------------------------------------------------------------------------------------

METHODS = [
    pytest.param({"method": "full", "learning_rate": 3e-3}, id="full"),
    pytest.param({"method": "lora", "learning_rate": 3e-2, "lora_r": 8}, id="lora"),
    pytest.param({"method": "qlora", "learning_rate": 3e-2, "lora_r": 8}, id="qlora"),
    pytest.param({"method": "dpo", "tuning": "lora", "learning_rate": 3e-2, "lora_r": 8}, id="dpo-lora"),
    pytest.param({"method": "dpo", "tuning": "full", "learning_rate": 3e-3}, id="dpo-full"),
]


@pytest.fixture(scope="module")
def learnable_model_dir(tiny_model_dir, tmp_path_factory):
    """The tiny model with 10x larger (tied) embeddings. At the default 0.02 init, hidden size 64 and frozen tied
    embeddings, no adapter can push a logit above ~1.3, so LoRA could not memorize anything to measure."""
    from transformers import AutoModelForCausalLM

    from ftlib.models import load_tokenizer

    target = tmp_path_factory.mktemp("learnable-model")
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    with torch.no_grad():
        model.model.embed_tokens.weight.mul_(10.0)
    model.save_pretrained(target)
    load_tokenizer(str(tiny_model_dir)).save_pretrained(target)
    return target


def _snapshot(model) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters()}


@pytest.mark.parametrize("settings", METHODS)
def test_each_method_changes_what_it_trains_and_learns_a_memorizable_batch(learnable_model_dir, tmp_path, settings):
    rows = PREF_ROWS[:2] if settings["method"] == "dpo" else SFT_ROWS[:2]
    config = tiny_config(
        learnable_model_dir, max_steps=12, scheduler="constant", warmup_ratio=0.0, lora_dropout=0.0, **settings
    )
    prepared = build_trainer(config, tmp_path, rows=(rows, []))
    model = prepared.trainer.model
    before = _snapshot(model)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    prepared.trainer.train()
    after = _snapshot(model)

    changed = {n for n in before if not torch.equal(before[n], after[n])}
    if config.uses_adapter:
        assert trainable and all("lora_" in n for n in trainable)
        assert changed == trainable  # every adapter weight moved, and nothing else
    else:
        block_weights = {n for n in trainable if ".layers." in n}
        assert block_weights and block_weights <= changed
    losses = [h["loss"] for h in prepared.trainer.state.log_history if "loss" in h]
    assert len(losses) == 12 and all(math.isfinite(x) for x in losses)
    assert losses[-1] < 0.8 * losses[0]
    if config.method == "dpo":
        assert losses[0] == pytest.approx(math.log(2), abs=1e-3)  # policy == reference at the start


# ---------------------------------------------------------------------------------------------------------------
# DPO loss against the formula
# ---------------------------------------------------------------------------------------------------------------


def _sequence_logps(logits, input_ids, completion_mask):
    """[B]: each row's sum of log p(token) over the tokens its 0/1 `completion_mask` marks, the logits [B, L, V]
    predicting the next token. The log-softmax is taken at the marked positions alone: over every position of a
    49,152-token vocabulary it was a large part of each DPO loss test's CPU."""
    rows, cols = completion_mask[:, 1:].nonzero(as_tuple=True)
    logps = torch.log_softmax(logits[rows, cols].float(), dim=-1).gather(-1, input_ids[rows, cols + 1, None])
    return torch.zeros(len(logits)).index_add_(0, rows, logps.squeeze(-1))


def _logsig(x):
    return torch.nn.functional.logsigmoid(x)


# Each DPO loss the studio offers (`dpo_loss_type`), from its paper: (policy - reference) log-ratios of the chosen and
# rejected answers `c`, `r`, their trained-token counts `nc`, `nr`, beta `b`, and the label smoothing EPS.
EPS = 0.1


def _exo_pair(
    c, r, nc, nr, b
):  # Ji et al. 2024, Eq. 16 for two answers: KL(q || [1 - EPS, EPS]), q = softmax(b * ratios)
    q = torch.sigmoid(b * (c - r))
    return q * (torch.log(q) - math.log1p(-EPS)) + (1 - q) * (torch.log(1 - q) - math.log(EPS))


DPO_LOSSES = {
    "sigmoid": lambda c, r, nc, nr, b: -_logsig(b * (c - r)),  # Rafailov et al. 2023, Eq. 7
    # Chowdhury et al. 2024, Eq. 7: the loss unbiased for labels flipped with probability EPS
    "robust": lambda c, r, nc, nr, b: (
        ((1 - EPS) * -_logsig(b * (c - r)) - EPS * -_logsig(-b * (c - r))) / (1 - 2 * EPS)
    ),
    "exo_pair": _exo_pair,
    "ipo": lambda c, r, nc, nr, b: (c / nc - r / nr - 1 / (2 * b)) ** 2,  # Azar et al. 2023, Eq. 17, per-token average
    "hinge": lambda c, r, nc, nr, b: torch.relu(1 - b * (c - r)),  # SLiC, Zhao et al. 2023
    "apo_zero": lambda c, r, nc, nr, b: 1 - torch.sigmoid(b * c) + torch.sigmoid(b * r),  # D'Oosterlinck et al. 2024
    "nca_pair": lambda c, r, nc, nr, b: -_logsig(b * c) - 0.5 * _logsig(-b * c) - 0.5 * _logsig(-b * r),  # Chen 2024
    "sppo_hard": lambda c, r, nc, nr, b: (c - 0.5 / b) ** 2 + (r + 0.5 / b) ** 2,  # Wu et al. 2024, hard labels
    "sigmoid_norm": lambda c, r, nc, nr, b: -_logsig(b * (c / nc - r / nr)),  # DPO on per-token averages
    "apo_down": lambda c, r, nc, nr, b: torch.sigmoid(b * c) + 1 - torch.sigmoid(b * (c - r)),  # APO, Eq. 8
    "bco_pair": lambda c, r, nc, nr, b: -_logsig(b * c) - _logsig(-b * r),  # Jung et al. 2024, on pairs
}


def test_exo_pair_without_label_smoothing_is_refused_before_the_run(tiny_model_dir):
    """EXO takes the logarithm of the label smoothing: TRL refuses 0, but only once the run has loaded its model."""
    with pytest.raises(ConfigError, match="exo_pair needs `dpo_label_smoothing` above 0"):
        tiny_config(tiny_model_dir, method="dpo", dpo_loss_type="exo_pair")
    tiny_config(tiny_model_dir, method="dpo", dpo_loss_type="exo_pair", dpo_label_smoothing=1e-3)
    tiny_config(tiny_model_dir, method="kto", dpo_loss_type="exo_pair")  # not DPO: the setting is not read


def test_the_robust_loss_is_said_to_go_below_0_as_its_formula_does():
    """A cold review: a 4-step robust run (beta 1) ended at loss -14.6, held-out -22.2, with nothing saying a robust
    loss goes below 0 and keeps falling as pairs' gaps widen (its flipped-label term is subtracted)."""
    from ftlib.loss_types import LOSS_TYPE_LABELS

    assert DPO_LOSSES["robust"](torch.tensor(30.0), torch.tensor(0.0), 1, 1, 0.1) < 0  # beta x gap 3
    assert "goes below 0" in LOSS_TYPE_LABELS["dpo_loss_type"]["robust"]


def test_every_offered_dpo_loss_has_its_formula_here():
    from ftlib.loss_types import LOSS_TYPE_LABELS

    assert sorted(DPO_LOSSES) == sorted(LOSS_TYPE_LABELS["dpo_loss_type"])


def test_the_robust_warning_is_for_dpo_runs_only():
    """Only DPO reads `dpo_loss_type`: a KTO config carrying robust (left over from a DPO run's settings) trains KTO,
    so nothing is said about robust's label smoothing there."""
    from types import SimpleNamespace as S

    from ftlib.loss_types import loss_type_warnings

    robust = {"dpo_loss_type": "robust", "dpo_label_smoothing": 0.0, "beta": 0.1}
    assert loss_type_warnings(S(method="kto", **robust)) == []
    assert loss_type_warnings(S(method="dpo", **robust))[0].startswith("`dpo_loss_type` robust")


@pytest.mark.parametrize(
    "settings, said",
    [
        ({"dpo_loss_type": "ipo"}, "`dpo_loss_type` ipo with `beta` 0.1 pulls each pair towards a gap of 5 "),
        ({"dpo_loss_type": "ipo", "beta": 0.5}, None),
        ({"dpo_loss_type": "sigmoid"}, None),
        ({"dpo_loss_type": "robust"}, "`dpo_loss_type` robust with `dpo_label_smoothing` 0 trains plain DPO"),
        ({"dpo_loss_type": "robust", "dpo_label_smoothing": 0.1}, None),
    ],
)
def test_ipo_with_a_small_beta_is_said_before_the_run(tiny_model_dir, smol_tokenizer, settings, said):
    from ftlib.run_preflight import preflight

    config = tiny_config(tiny_model_dir, method="dpo", **settings)
    report = preflight(config, tokenizer=smol_tokenizer, rows=(PREF_ROWS, []))
    assert report.ok, report.errors
    found = [w for w in report.warnings if "`dpo_loss_type`" in w]
    assert [w[: len(said)] for w in found] == ([said] if said else []), report.warnings


@pytest.mark.parametrize("loss_type", list(DPO_LOSSES))
def test_dpo_loss_matches_the_formula_on_a_fixed_batch(tiny_model_dir, tmp_path, loss_type):
    beta = 0.25
    config = tiny_config(tiny_model_dir, method="dpo", beta=beta, dpo_loss_type=loss_type, dpo_label_smoothing=EPS)
    trainer = build_trainer(config, tmp_path, rows=(PREF_ROWS, [])).trainer
    model = trainer.model
    torch.manual_seed(0)
    with torch.no_grad():  # move the policy away from the reference, so the log-ratios are not zero
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.05)
    model.eval()
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(4)])
    with torch.no_grad():
        loss = trainer.compute_loss(model, dict(batch))
        mask = batch["completion_mask"]
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        policy = _sequence_logps(out.logits, batch["input_ids"], mask)
        with model.disable_adapter():
            ref_out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        ref = _sequence_logps(ref_out.logits, batch["input_ids"], mask)
    pc, pr = policy.chunk(2)
    rc, rr = ref.chunk(2)
    nc, nr = mask.sum(-1).float().chunk(2)  # the trained tokens of each answer: the page's labels
    assert (pc - rc - (pr - rr)).abs().max() > 1e-3  # the sentinel: not the trivial log(2)
    expected = DPO_LOSSES[loss_type](pc - rc, pr - rr, nc, nr, beta).mean()
    others = [float(f(pc - rc, pr - rr, nc, nr, beta).mean()) for t, f in DPO_LOSSES.items() if t != loss_type]
    assert all(abs(o - float(expected)) > 1e-3 for o in others)  # this batch tells the losses apart
    assert float(loss) == pytest.approx(float(expected), rel=1e-4, abs=1e-5)
    margins = trainer._metrics["eval"]["rewards/margins"][-1]
    assert margins == pytest.approx(float((beta * ((pc - rc) - (pr - rr))).mean()), rel=1e-4, abs=1e-5)


# ---------------------------------------------------------------------------------------------------------------
# Export, NaN, metrics
# ---------------------------------------------------------------------------------------------------------------


def _logits(model, ids):
    with torch.no_grad():
        return model(input_ids=ids).logits


CUSTOM_TEMPLATE = (
    "{%- for m in messages %}{{- '<|im_start|>' + m['role'] + '\\n' }}{%- if m['role'] == 'assistant' %}"
    "{%- generation %}{{- m['content'] + '<|im_end|>' }}{%- endgeneration %}{{- '\\n' }}{%- else %}"
    "{{- m['content'] + '<|im_end|>\\n' }}{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}{# custom #}"
)


def _assert_exports_carry_the_template(folders, tiny_model_dir, template: str, source: str) -> None:
    """The run's template is each exported folder's tokenizer chat_template: transformers renders chats with it as
    ftlib did in training."""
    from transformers import AutoTokenizer

    from ftlib.templates import get_template, render

    ours = get_template(template, AutoTokenizer.from_pretrained(tiny_model_dir), source=source or None)
    messages = SFT_ROWS[0]["messages"]
    for folder in folders:
        saved = AutoTokenizer.from_pretrained(folder)
        assert saved.chat_template == ours.source
        assert saved.apply_chat_template(messages, tokenize=False) == render(ours, messages)


# Each run trains with a built-in template, so its exports also show they carry it (what
# test_exports_carry_the_template_the_run_trained_with checks of a custom one): one run, trained and exported, for
# both checks.
@pytest.mark.parametrize("method, template", [("lora", "chatml"), ("full", "tokenizer")])
def test_exports_reload_to_identical_logits_with_plain_transformers_and_peft_and_carry_the_template(
    tiny_model_dir, method, template
):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    config = tiny_config(tiny_model_dir, method=method, max_steps=3, learning_rate=1e-2, template=template)
    run_id = runs.create_run(config)
    path = runs.find(run_id).path
    prepared = build_trainer(config, path, rows=(SFT_ROWS, []))
    prepared.trainer.train()
    save_final(prepared, config, path)
    runs.find(run_id).update_status(state="finished")  # as the worker records it: only a finished run is exported
    trained = prepared.trainer.model.eval()
    ids = torch.tensor([[1, 9690, 198, 28, 1359, 354, 2, 198, 1, 520, 9531]])
    want = _logits(trained, ids)
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    assert not torch.allclose(_logits(base, ids), want, atol=1e-4)  # training changed the model

    run = runs.find(run_id)
    saved = path / ("adapter" if method == "lora" else "model")
    assert not list(saved.glob("*.bin")), "a pickle beside the weights (the Trainer's training_args.bin)"
    if method == "full":  # training turned the KV cache off; the result generates with it, as its base does
        assert AutoModelForCausalLM.from_pretrained(saved).config.use_cache is True
    merged_folder = export.export_merged(run)
    merged = AutoModelForCausalLM.from_pretrained(merged_folder).eval()
    torch.testing.assert_close(_logits(merged, ids), want, atol=1e-5, rtol=1e-5)
    if method == "lora":
        adapter = export.export_adapter(run)
        assert (adapter / "adapter_model.safetensors").is_file()
        reloaded = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir), adapter).eval()
        torch.testing.assert_close(_logits(reloaded, ids), want, atol=1e-5, rtol=1e-5)
        assert export.zip_folder(adapter).stat().st_size > 0
        _assert_exports_carry_the_template([adapter, merged_folder], tiny_model_dir, template, "")
    else:
        with pytest.raises(export.ExportError, match="no adapter"):
            export.export_adapter(run)
        _assert_exports_carry_the_template([merged_folder], tiny_model_dir, template, "")


def test_exports_carry_the_template_the_run_trained_with(tiny_model_dir):
    """A run trained with a custom template saves it as the tokenizer's chat_template: the adapter and the merged
    model format chats as training did (transformers renders them the same as ftlib). A built-in template: the
    export test above."""
    config = tiny_config(
        tiny_model_dir, method="lora", max_steps=1, template="custom", template_source=CUSTOM_TEMPLATE
    )
    run = runs.find(runs.create_run(config))
    prepared = build_trainer(config, run.path, rows=(SFT_ROWS, []))
    prepared.trainer.train()
    save_final(prepared, config, run.path)
    run.update_status(state="finished")  # as the worker records it: only a finished run is exported
    folders = [export.export_adapter(run), export.export_merged(run)]
    _assert_exports_carry_the_template(folders, tiny_model_dir, "custom", CUSTOM_TEMPLATE)


# Replies end with `<|endoftext|>` (0), which is neither the tokenizer's eos (`<|im_end|>`, 2) nor a token the
# studio stops at by name (SmolLM2 calls it its unknown token).
EOT0_TEMPLATE = CUSTOM_TEMPLATE.replace("m['content'] + '<|im_end|>' }}{%- endgeneration", "m['content'] + "
                                        "'<|endoftext|>' }}{%- endgeneration")  # fmt: skip


@pytest.mark.parametrize("method", ["lora", "full"])
def test_a_runs_result_says_where_a_reply_ends_for_plain_generate(tiny_model_dir, method):
    """A cold tester's: a model saved by a run stopped `generate` only at the base's eos, where the studio stops at
    the template's end of turn too. The saved generation_config.json lists both (the base's own first); beside an
    adapter, it is the base's with the ids added (PEFT reads none there: `GenerationConfig.from_pretrained`)."""
    from transformers import GenerationConfig

    config = tiny_config(tiny_model_dir, method=method, max_steps=1, template="custom", template_source=EOT0_TEMPLATE)
    run = runs.find(runs.create_run(config))
    prepared = build_trainer(config, run.path, rows=(SFT_ROWS, []))
    prepared.trainer.train()
    saved = save_final(prepared, config, run.path)
    assert GenerationConfig.from_pretrained(saved).eos_token_id == [2, 0]


def test_a_nan_loss_fails_the_run_with_an_explanation(tiny_model_dir, tmp_path):
    from transformers import AutoModelForCausalLM

    broken = tmp_path / "broken-model"
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    with torch.no_grad():
        model.model.norm.weight.fill_(float("nan"))
    model.save_pretrained(broken)
    from ftlib.models import load_tokenizer

    load_tokenizer(str(tiny_model_dir)).save_pretrained(broken)
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in SFT_ROWS))
    run_id = runs.create_run(tiny_config(broken, method="lora", max_steps=5, dataset=str(data), save_every=1))
    assert execute(runs.find(run_id).path) == "failed"
    status = runs.find(run_id).read_status()
    assert status["state"] == "failed"
    assert "step 1" in status["message"] and "Start a new run with a lower learning rate" in status["message"]
    assert not (runs.find(run_id).path / "checkpoints" / "checkpoint-1").exists()  # broken weights are not saved
    rows = runs.find(run_id).read_metrics()
    assert len([r for r in rows if r["kind"] == "train"]) == 1
    # The Train page shows it failed, with the same explanation, and stops polling it.
    from tests.test_faults import train_page  # (imported here: test_faults imports this module)

    at = train_page(run_id)
    assert [e.value for e in at.error] == [status["message"]]
    assert run_id not in at.session_state["train_watching"]


def test_metrics_rows_hold_the_logged_values(tmp_path):
    from transformers import TrainerControl, TrainerState, TrainingArguments

    callback = MetricsCallback(tmp_path)
    args = TrainingArguments(output_dir=str(tmp_path), learning_rate=1e-3, report_to=[])
    state, control = TrainerState(), TrainerControl()
    state.global_step, state.max_steps = 3, 10
    callback.on_log(
        args,
        state,
        control,
        logs={
            "loss": 1.5,
            "grad_norm": 0.25,
            "learning_rate": 1e-3,
            "num_tokens": 100.0,
            "rewards/margins": 0.125,
            "rewards/accuracies": 0.75,
            "epoch": 0.3,
        },
    )
    state.global_step = 4
    callback.on_log(args, state, control, logs={"eval_loss": 1.25, "eval_rewards/accuracies": 0.5, "epoch": 0.4})
    train, evals = RunDir(tmp_path).read_metrics()
    assert train["kind"] == "train" and (
        train["loss"],
        train["grad_norm"],
        train["reward_margin"],
        train["reward_accuracy"],
        train["tokens"],
    ) == (1.5, 0.25, 0.125, 0.75, 100.0)
    assert train["tokens_per_s"] > 0 and train["elapsed"] >= 0
    assert evals["kind"] == "eval" and (evals["step"], evals["eval_loss"], evals["eval_reward_accuracy"]) == (
        4,
        1.25,
        0.5,
    )
    assert not control.should_training_stop
    callback.on_log(args, state, control, logs={"loss": float("inf"), "grad_norm": 1.0})
    assert control.should_training_stop and not control.should_save and "became inf" in callback.failure


def test_mfu_is_logged_from_tokens_per_second_flops_and_peak(tmp_path):
    from transformers import TrainerControl, TrainerState, TrainingArguments

    callback = MetricsCallback(tmp_path)
    callback.flops_per_token, callback.peak_flops, callback.world_size = 1e9, 1e12, 2
    args = TrainingArguments(output_dir=str(tmp_path), report_to=[])
    state, control = TrainerState(), TrainerControl()
    state.global_step = 1
    callback.on_log(args, state, control, logs={"loss": 1.0, "num_tokens": 0.0})
    state.global_step = 2
    callback.on_log(args, state, control, logs={"loss": 0.9, "num_tokens": 500.0})
    row = RunDir(tmp_path).read_metrics()[-1]
    assert row["mfu"] == pytest.approx(row["tokens_per_s"] * 1e9 / (1e12 * 2))


def test_flops_per_token_counts_frozen_and_trainable_weights(tiny_model_dir):
    from peft import LoraConfig, get_peft_model

    from ftlib import throughput
    from ftlib.models import load_model

    model = load_model(str(tiny_model_dir), device="cpu")
    cfg = model.config
    h, inter, layers, vocab = cfg.hidden_size, cfg.intermediate_size, cfg.num_hidden_layers, cfg.vocab_size
    kv = cfg.num_key_value_heads * (h // cfg.num_attention_heads)
    block = 2 * h * h + 2 * h * kv + 3 * h * inter  # q, o; k, v; gate, up, down
    attention = 12 * layers * h * 50
    for p in model.parameters():
        p.requires_grad_(True)
    assert throughput.flops_per_token(model, 50) == 6 * (layers * block + vocab * h) + attention
    lora = get_peft_model(model, LoraConfig(r=4, target_modules=["q_proj"]))
    adapter = layers * 4 * (h + h)  # A: r x h, B: h x r per q_proj
    assert throughput.flops_per_token(lora, 50) == 4 * (layers * block + vocab * h) + 6 * adapter + attention


def test_matmul_peak_is_measured_and_cached():
    from ftlib import throughput

    peak = throughput.matmul_peak("cpu", "float32", seconds=0.05, size=(64, 64, 64))
    assert 1e6 < peak < 1e14
    assert throughput.matmul_peak("cpu", "float32", seconds=0.05, size=(64, 64, 64)) == peak


def test_matmul_peak_times_a_linear_layers_layout_too(monkeypatch):
    """A cold review saw MFU 248% for a float16 run on the CPU: its peak was timed as `a @ b` only (1.4 GFLOP/s
    there), while every linear layer multiplies by a transposed weight (`F.linear`, 12 GFLOP/s). Both are timed."""
    import torch

    from ftlib import throughput

    shapes = []
    real = torch.nn.functional.linear
    monkeypatch.setattr(torch.nn.functional, "linear", lambda x, w: shapes.append(tuple(w.shape)) or real(x, w))
    throughput.matmul_peak("cpu", "float32", seconds=0.02, size=(32, 16, 8), cache=False)
    assert shapes and set(shapes) == {(8, 16)}  # the weight [n, k] of an [m, k] x [k, n] product


def test_tokens_per_second_counts_the_steps_not_evaluation_or_checkpoints(tmp_path):
    """Issue 19, item 14: a step followed by a 10 s evaluation and a 5 s checkpoint logs the same speed as the steps
    around it, not a dip: the seconds counted are those between each step's begin and end."""
    from transformers import TrainerControl, TrainerState, TrainingArguments

    now = [100.0]
    callback = MetricsCallback(tmp_path)
    callback.clock = lambda: now[0]
    args = TrainingArguments(output_dir=str(tmp_path), report_to=[])
    state, control = TrainerState(), TrainerControl()
    callback.on_train_begin(args, state, control)

    def step(seconds: float, tokens: float, pause_after: float = 0.0) -> None:
        callback.on_step_begin(args, state, control)
        now[0] += seconds
        state.global_step += 1
        callback.on_step_end(args, state, control)
        callback.on_log(args, state, control, logs={"loss": 1.0, "num_tokens": tokens})
        now[0] += pause_after  # evaluation, a checkpoint, the device's handover: between steps

    step(2.0, 600.0)  # num_tokens counts from 0 in each attempt: 600 tokens in 2 s
    step(2.0, 1200.0, pause_after=15.0)  # evaluated and saved after this step
    step(1.5, 1800.0)  # 600 new tokens in 1.5 s; the wall time since the last log is 16.5 s
    speeds = [r["tokens_per_s"] for r in RunDir(tmp_path).read_metrics()]
    assert speeds == [pytest.approx(300.0), pytest.approx(300.0), pytest.approx(400.0)]


def test_a_fresh_run_evaluates_before_its_first_step_and_a_resume_does_not(tmp_path):
    """Issue 19, item 21: the held-out curve starts at step 0 (the base model) on a run that starts from the
    beginning (GRPO's: its held-out reward, tests/test_alignment.py); not for a resume nor without held-out rows."""
    from ftlib import training

    def eval_on_start(method: str = "lora", has_eval: bool = True, first: bool = True) -> bool:
        extra = {"rewards": [{"regex": "^Ahoy", "weight": 1.0}]} if method == "grpo" else {}
        config = RunConfig(method=method, dataset="x.jsonl", **extra)
        return training.trainer_arguments(
            config, tmp_path, "cpu", torch.float32, has_eval=has_eval, evaluate_first=first
        ).eval_on_start

    assert eval_on_start() and eval_on_start("dpo") and eval_on_start("reward")
    assert not eval_on_start(first=False)  # a resume: step 0 is in its metrics already
    assert eval_on_start("grpo") and not eval_on_start("grpo", first=False) and not eval_on_start(has_eval=False)


def test_known_library_noise_is_kept_out_of_the_run_log_and_nothing_else(caplog):
    """Issue 19, item 18: the filters match the libraries' own messages (read from their installed source), and a
    different message on the same logger or of the same warning category still comes through."""
    import importlib.util
    import logging
    import warnings
    from pathlib import Path

    from ftlib import worker

    sources = {
        "bitsandbytes.backends.cpu.ops": Path(importlib.util.find_spec("bitsandbytes").origin).parent
        / "backends/cpu/ops.py",
        "kernels._internals.hf_hub": Path(importlib.util.find_spec("kernels").origin).parent / "_internals/hf_hub.py",
    }
    for name, start in worker.KNOWN_HARMLESS_LOGS:
        fixed = start.split("'")[0]  # up to the repository's name, which the source fills in
        assert fixed in sources[name].read_text(), f"{name} no longer logs '{fixed}': update the filter"
    assert "kernels-community/quantization-bitsandbytes" in sources["bitsandbytes.backends.cpu.ops"].read_text()
    trl_utils = Path(importlib.util.find_spec("trl").origin).parent / "models/utils.py"
    modeling = Path(importlib.util.find_spec("transformers").origin).parent / "modeling_utils.py"
    assert ".is_gradient_checkpointing" in trl_utils.read_text()
    for _, start in worker.KNOWN_HARMLESS_WARNINGS:
        assert start in modeling.read_text()

    logger, hub = logging.getLogger("bitsandbytes.backends.cpu.ops"), logging.getLogger("kernels._internals.hf_hub")
    kept, hub_kept = list(logger.filters), list(hub.filters)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        worker.quiet_known_noise()
        try:
            with caplog.at_level(logging.WARNING):
                logger.warning("Failed to load CPU gemm_4bit_forward from kernels-community: %s.", "No module")
                logger.warning("CUDA kernel failed: a real problem")
                for repo in ("kernels-community/quantization-bitsandbytes", "someone/flash-attn"):
                    hub.warning(f"Skipping publisher trust check for '{repo}' because Hugging Face Hub is offline.")
            warnings.warn(
                "`is_gradient_checkpointing` is deprecated and will be removed in v6.", FutureWarning, stacklevel=1
            )
            warnings.warn("your reward function is deprecated", FutureWarning, stacklevel=1)
        finally:
            logger.filters[:], hub.filters[:] = kept, hub_kept
    assert [r.getMessage() for r in caplog.records] == [
        "CUDA kernel failed: a real problem",
        "Skipping publisher trust check for 'someone/flash-attn' because Hugging Face Hub is offline.",  # not ours
    ]
    assert [str(w.message) for w in seen] == ["your reward function is deprecated"]


def test_quieting_the_known_noise_again_adds_nothing():
    """The app quiets the known library messages on every rerun (app.py): filters must not pile up on the loggers."""
    import logging
    import warnings

    from ftlib import worker

    logger = logging.getLogger("bitsandbytes.backends.cpu.ops")
    kept = list(logger.filters)
    with warnings.catch_warnings():
        try:
            worker.quiet_known_noise()
            once = (len(logger.filters), len(warnings.filters))
            for _ in range(3):
                worker.quiet_known_noise()
            assert (len(logger.filters), len(warnings.filters)) == once
        finally:
            logger.filters[:] = kept


@pytest.mark.parametrize(
    "method, targets, refused",
    [
        ("lora", ["foo_proj"], ["'foo_proj'"]),
        ("lora", ["foo_proj", "bar"], ["'foo_proj'", "'bar'"]),
        ("dpo", ["q_proj", "qkv"], ["'qkv'"]),
        ("lora", ["q_proj", "mlp.down_proj"], []),  # a dotted end of a name matches, as PEFT matches it
        ("lora", ["all-linear"], []),
        ("full", ["foo_proj"], []),  # no adapter: the targets are not used
    ],
)
def test_preflight_refuses_lora_target_layers_the_model_does_not_have(
    tiny_model_dir, smol_tokenizer, method, targets, refused
):
    """A cold review: Target layers `foo_proj` left Start enabled and the run failed at step 0 with PEFT's
    "Target modules {'foo_proj'} not found in the base model". Refused before the run, naming the model's layers."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from ftlib.run_preflight import preflight

    pref = [
        {
            "prompt": [{"role": "user", "content": f"Name {i}?"}],
            "chosen": [{"role": "assistant", "content": f"It is {i}."}],
            "rejected": [{"role": "assistant", "content": "No."}],
        }
        for i in range(4)
    ]
    rows = pref if method == "dpo" else [{"messages": [*r["prompt"], *r["chosen"]]} for r in pref]
    config = tiny_config(tiny_model_dir, dataset="x", method=method, lora_targets=targets)
    report = preflight(config, tokenizer=smol_tokenizer, rows=(rows[:3], rows[3:]))
    said = [e for e in report.errors if e.startswith("Target layers:")]
    assert len(said) == (1 if refused else 0), report.errors
    if refused:
        assert all(name in said[0] for name in refused) and "q_proj" not in said[0].split("Its linear")[0]
        assert "Its linear layers are q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj" in said[0]
    # Against PEFT: what preflight lets through adapts a layer; a list where no name matches PEFT refuses too, and
    # one where some do it runs, silently adapting nothing for the others (the typo preflight refuses).
    if method != "full" and targets != ["all-linear"]:
        model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
        lora = LoraConfig(r=2, target_modules=list(targets))
        if refused == [f"'{t}'" for t in targets]:
            with pytest.raises(ValueError, match="not found in the base model"):
                get_peft_model(model, lora)
        else:
            adapted = {n for n, _ in get_peft_model(model, lora).named_modules() if n.endswith(".lora_A")}
            assert adapted and not [n for n in adapted for r in refused if f".{r.strip(chr(39))}." in n]


@pytest.mark.parametrize(
    "dtype, device, native_bf16, warned",
    [
        ("float16", "cpu", True, "no fast float16"),
        ("bfloat16", "cpu", False, "no native bfloat16"),
        ("bfloat16", "cpu", True, None),
        ("float32", "cpu", False, None),
        ("auto", "cpu", False, None),
        ("float16", "cuda", True, None),
    ],
)
def test_a_number_format_the_cpu_cannot_compute_fast_is_warned_before_the_run(
    monkeypatch, dtype, device, native_bf16, warned
):
    """A cold review: a LoRA run with Weights dtype float16 on the CPU trained ~30x slower than auto, unwarned."""
    from ftlib import fastpath
    from ftlib.training_model import cpu_dtype_warnings

    monkeypatch.setattr(fastpath, "native_cpu_bf16", lambda: native_bf16)
    said = cpu_dtype_warnings(RunConfig(dtype=dtype, device=device), gpus=1 if device == "cuda" else 0)
    assert len(said) == (1 if warned else 0)
    if warned:
        assert said[0].startswith(f"Weights dtype {dtype} on the CPU: ") and warned in said[0] and "auto" in said[0]


@pytest.mark.parametrize(
    "settings, gpus, refused",
    [
        ({"method": "full"}, 1, "full fine-tuning trains every weight in float16"),
        ({"method": "dpo", "tuning": "full"}, 1, "full fine-tuning trains every weight in float16"),
        ({"method": "reward"}, 1, "a reward model trains its score head in float16"),
        ({"method": "lora"}, 1, None),  # PEFT keeps the adapters in float32
        ({"method": "full"}, 0, None),  # on the CPU: slow (warned), not refused
    ],
)
def test_float16_weights_trained_on_a_gpu_are_refused_before_the_run(settings, gpus, refused):
    """A review of the GPU paths: float16 weights that are trained (a full fine-tune, a reward model's score head)
    get float16 gradients, which the fp16 loss scaler refuses at the first optimizer step."""
    from ftlib.training_model import gpu_dtype_problems

    said = gpu_dtype_problems(RunConfig(dtype="float16", **settings), gpus=gpus)
    assert (said[0] if said else None) is None if refused is None else refused in said[0] and "auto" in said[0]


def test_preflight_names_rows_whose_trained_tokens_the_max_length_cuts(tiny_model_dir, smol_tokenizer):
    """A cold review: every row's 200-word answer was cut at max length 40 and the run trained without a word."""
    from ftlib.run_preflight import cut_warnings, preflight
    from ftlib.tokens import encode_row
    from ftlib.training import encode_for_training, run_template

    short = [
        {"messages": [{"role": "user", "content": f"Hi {i}"}, {"role": "assistant", "content": "Ahoy!"}]}
        for i in range(4)
    ]
    long = {"messages": [{"role": "user", "content": "Tell me"}, {"role": "assistant", "content": "word " * 120}]}
    rows = [short[0], long, short[1], long, short[2]]
    config = tiny_config(tiny_model_dir, dataset="x", max_length=48)
    report = preflight(config, tokenizer=smol_tokenizer, rows=(rows, short[3:]))
    said = [w for w in report.warnings if "longer than the max length of 48 tokens and cut" in w]
    assert len(said) == 1 and "2 training rows are" in said[0] and "(training rows 2, 4)" in said[0], report.warnings
    # The count is the tokens training never sees: trained positions of the whole row past the cut
    numbers: list[int] = []
    encoded, _ = encode_for_training(rows, smol_tokenizer, run_template(config, smol_tokenizer), config, numbers)
    lost = sum(sum(e.token_trained[len(e.input_ids) :]) for e in encoded)
    assert lost > 100 and f"{lost} trained tokens" in said[0]
    roomy = tiny_config(tiny_model_dir, dataset="x", max_length=512)
    assert not [w for w in preflight(roomy, tokenizer=smol_tokenizer, rows=(rows, short[3:])).warnings if "cut:" in w]
    assert cut_warnings([], 48, []) == []
    # A cold review: a row left out (its long question leaves its answer past the cut) was not counted in the longest
    # row the fix names, so raising the max length to that still left it out.
    asked = {"messages": [{"role": "user", "content": "why " * 150}, {"role": "assistant", "content": "Because."}]}
    report = preflight(config, tokenizer=smol_tokenizer, rows=([*rows, asked], short[3:]))
    template = run_template(config, smol_tokenizer)
    longest = max(len(encode_row(r, smol_tokenizer, template).all_ids) for r in (long, asked))
    said = [w for w in report.warnings if "longer than the max length of 48 tokens and cut" in w]
    assert len(said) == 1 and f"the longest row has {longest} tokens" in said[0], said


def test_load_rows_reads_a_file_as_the_run_kept_it_and_says_which(tmp_path, tiny_model_dir):
    """A run on a data file keeps the split made when it was queued (run_data, workspace.keep_run_split): training,
    a resume and its evaluation read those rows even after the file changed, and the log says so."""
    from ftlib import run_data, workspace
    from ftlib.training import load_rows

    path = tmp_path / "chats.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": f"Q{i}"}, {"role": "assistant", "content": f"A{i}"}]}
        for i in range(10)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{broken\n", encoding="utf-8")
    config = tiny_config(tiny_model_dir, dataset=str(path), test_size=0.2)
    train, test, said = load_rows(config)
    assert (len(train), len(test)) == (8, 2) and said == "file 'chats.jsonl' (1 bad row skipped)"
    run_dir = tmp_path / "run"
    workspace.keep_run_split(run_dir, *run_data.dataset_rows(config))
    path.write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")  # the file changes after the run was queued
    kept_train, kept_test, said = load_rows(config, run_dir)
    assert (kept_train, kept_test) == (train, test) and said == (
        "file 'chats.jsonl' as split when the run was queued (1 of its 11 rows not usable, left out)"
    )


@pytest.mark.parametrize(
    "good, bad, weights, said",
    [
        (6, 2, {}, "Set `undesirable_weight` between 2.25 and 3."),
        (2, 6, {}, "Set `desirable_weight` between 3 and 4."),
        (6, 2, {"undesirable_weight": 2.5}, None),
        (4, 3, {}, None),  # 4/3: the top of the KTO paper's range
        (3, 3, {"desirable_weight": 0.0}, "`desirable_weight` is 0: KTO will learn only from the bad answers."),
        # The range is the KTO loss's: APO-zero on single answers hears only of a weight of 0
        (6, 2, {"kto_loss_type": "apo_zero_unpaired"}, None),
        (
            3,
            3,
            {"kto_loss_type": "apo_zero_unpaired", "desirable_weight": 0.0},
            "`desirable_weight` is 0: KTO will learn only from the bad answers.",
        ),
    ],
)
def test_kto_weights_outside_the_papers_range_are_warned_before_launch(
    tiny_model_dir, smol_tokenizer, good, bad, weights, said
):
    from ftlib.run_preflight import preflight

    rows = [
        {"prompt": f"What is {i} plus {i}?", "completion": f"It is {2 * i}.", "label": i < good}
        for i in range(good + bad)
    ]
    config = tiny_config(tiny_model_dir, dataset="x", method="kto", **weights)
    report = preflight(config, tokenizer=smol_tokenizer, rows=(rows, []))
    found = [w for w in report.warnings if "desirable_weight" in w]
    assert report.ok
    if said is None:
        assert found == []
    else:
        assert len(found) == 1 and said in found[0], found
        assert f"the {good} good answers" in found[0] or "is 0" in said


def test_setting_either_end_of_the_advised_kto_weight_range_silences_the_warning():
    """A reviewer's 55 good and 25 bad answers: the advice said 1.65 to 2.2, and 2.2 still warned (1 - 1e-16)."""
    import re

    from ftlib.run_preflight import kto_weight_warnings

    checked = 0
    counts = [(good, bad) for good in range(1, 70, 3) for bad in range(1, 70, 4)] + [(120, 1), (250, 2), (1, 150)]
    for good, bad in counts:
        for weights in ((1.0, 1.0), (1.5, 1.0), (1.0, 0.7)):
            said = kto_weight_warnings(good, bad, *weights)
            if not said:
                continue
            name, low, high = re.search(r"Set `(\w+)` between ([\d.]+) and ([\d.]+)\.$", said[0]).groups()
            for value in (float(low), float(high)):
                desirable, undesirable = (value, weights[1]) if name == "desirable_weight" else (weights[0], value)
                assert 0 < value <= 100  # what the setting takes (RunConfig refuses more)
                assert kto_weight_warnings(good, bad, desirable, undesirable) == [], (good, bad, name, value)
                checked += 1
    assert checked > 500


def test_kto_with_both_weights_zero_is_refused():
    with pytest.raises(ConfigError, match="both 0"):
        RunConfig(method="kto", desirable_weight=0.0, undesirable_weight=0.0)


@pytest.mark.parametrize(
    "labels, said",
    [((True,) * 4, "good (desirable)"), ((False,) * 4, "bad (undesirable)"), ((True, False, True, True), None)],
)
def test_kto_with_one_kind_of_label_is_warned_before_launch(tiny_model_dir, smol_tokenizer, labels, said):
    """A cold review: eight rows all labelled good trained without a word (TRL's balance warning lives in the
    KTOTrainer step the studio replaces)."""
    from ftlib.run_preflight import preflight

    rows = [
        {"prompt": f"What is {i} plus {i}?", "completion": f"It is {2 * i}.", "label": label}
        for i, label in enumerate(labels)
    ]
    report = preflight(
        tiny_config(tiny_model_dir, dataset="x", method="kto"), tokenizer=smol_tokenizer, rows=(rows, [])
    )
    found = [w for w in report.warnings if "KTO training rows are labelled" in w]
    assert report.ok
    if said is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith(f"All 4 KTO training rows are labelled {said}: ")


def test_a_templates_date_is_the_day_the_run_was_queued(tiny_model_dir, smol_tokenizer, tmp_path):
    """Llama 3.x and Mistral templates write today's date (`strftime_now`) into the rows: a run resumed, or rerun
    from its folder, on another day trained other tokens than it started with."""
    import json
    import time

    template = (
        "{{ 'Today: ' + strftime_now('%d %b %Y') + '\\n' }}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}"
        "{% if m['role'] == 'assistant' %}<|endoftext|>{% endif %}\n{% endfor %}"
        "{% if add_generation_prompt %}assistant: {% endif %}"
    )
    config = tiny_config(tiny_model_dir, template="custom", template_source=template, max_steps=1)
    queued = time.mktime((2024, 2, 29, 12, 0, 0, 0, 0, -1))
    (tmp_path / "status.json").write_text(json.dumps({"state": "queued", "created": queued}))
    prepared = build_trainer(config, tmp_path, rows=(SFT_ROWS[:2], []))
    text = smol_tokenizer.decode(prepared.trainer.train_dataset[0]["input_ids"])
    assert text.startswith("Today: 29 Feb 2024\n"), text[:40]
    fresh = build_trainer(config, tmp_path / "no-status", rows=(SFT_ROWS[:2], []))  # no run: today, as before
    assert time.strftime("%d %b %Y") in smol_tokenizer.decode(fresh.trainer.train_dataset[0]["input_ids"])
