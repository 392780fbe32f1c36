"""The run config: every setting reaches the object that acts on it, old spellings still load, and every field is
declared completely (help, label, group), so the Train form and the CLI flags generated from it are complete.

The table below is the contract of `ftlib.training`'s translators: one row per setting, the value a user sets,
where it must arrive, and a sentinel that differs from the default (so a setting that is dropped on the way,
as `quant_type` once was, fails its row).
"""

from __future__ import annotations

import dataclasses
import json
import re
import warnings

import pytest
import torch

from ftlib import overfitting, training, trl_configs
from ftlib.config import RENAMED, ConfigError, ConfigWarning, RunConfig, field_specs
from ftlib.rewards import build_rewards
from ftlib.rundir import RunDir
from ftlib.runs import launch_command

LONG_CHAT = {
    "messages": [
        {"role": "user", "content": "First question, please answer."},
        {"role": "assistant", "content": "First answer here."},
        {"role": "user", "content": "Second question " + "and more words " * 40},
        {"role": "assistant", "content": "Second answer."},
    ]
}


def args(config, tmp_path, **kw):
    """The trainer arguments the run would be built with (on CPU, fp32, with held-out rows)."""
    return training.trainer_arguments(config, tmp_path, "cpu", torch.float32, has_eval=True, **kw)


def flag(command: list[str], name: str) -> str:
    """The value that follows `name` in a command line."""
    return command[command.index(name) + 1]


def trained_texts(config, tokenizer) -> list[str]:
    """The trained pieces of LONG_CHAT, as the run would encode it."""
    template = training.run_template(config, tokenizer)
    (enc,), _ = training.encode_for_training([LONG_CHAT], tokenizer, template, config)
    return [t.text for t in enc.tokens if t.trained]


# (setting, value, probe(config, ctx) -> what arrived, expected)
CASES = [
    # GRPO's settings (declared in ftlib.methods.GRPOSettings, so they come first, then KTO's, then the loss types)
    (
        "rewards",
        [{"contains": "Ahoy", "weight": 0.5}],
        lambda c, x: (args(c, x.tmp).reward_weights, [r.label for r in build_rewards(c.rewards)]),
        ([0.5], ['contains "Ahoy"']),
    ),
    (
        "grpo_group_size",
        3,
        lambda c, x: (args(c, x.tmp).num_generations, args(c, x.tmp).generation_batch_size),
        (3, 24),
    ),
    ("grpo_max_new_tokens", 17, lambda c, x: args(c, x.tmp).max_completion_length, 17),
    ("grpo_temperature", 0.7, lambda c, x: args(c, x.tmp).temperature, 0.7),
    # KTO's loss weights (ftlib.methods.KTOSettings)
    ("desirable_weight", 1.5, lambda c, x: args(c, x.tmp).desirable_weight, 1.5),
    ("undesirable_weight", 2.5, lambda c, x: args(c, x.tmp).undesirable_weight, 2.5),
    # The loss each preference method trains with (ftlib.loss_types.LossTypeSettings)
    ("dpo_loss_type", "ipo", lambda c, x: args(c, x.tmp).loss_type, ["ipo"]),
    ("dpo_label_smoothing", 0.1, lambda c, x: args(c, x.tmp).label_smoothing, 0.1),
    ("kto_loss_type", "apo_zero_unpaired", lambda c, x: args(c, x.tmp).loss_type, "apo_zero_unpaired"),
    (
        "grpo_loss_type",
        "dr_grpo",
        lambda c, x: (args(c, x.tmp).loss_type, args(c, x.tmp).scale_rewards),
        ("dr_grpo", "none"),
    ),
    ("method", "dpo", lambda c, x: type(args(c, x.tmp)).__name__, "DPOConfig"),
    ("tuning", "full", lambda c, x: (training.lora_config(c), c.uses_adapter), (None, False)),
    ("model", "TINY", lambda c, x: training.load_training_model(c, "cpu")[0].config.hidden_size, 64),
    ("dataset", "ROWS", lambda c, x: len(sum(training.load_rows(c)[:2], [])), 8),
    ("test_size", 0.25, lambda c, x: len(training.load_rows(c)[1]), 2),
    ("template", "llama3", lambda c, x: training.run_template(c, x.tok).name, "llama3"),
    (
        "template_source",
        "{{ messages[0]['content'] }}",
        lambda c, x: training.run_template(c, x.tok).source,
        "{{ messages[0]['content'] }}",
    ),
    ("mask_policy", "last_assistant", lambda c, x: "First" in "".join(trained_texts(c, x.tok)), False),
    (
        "max_length",
        64,
        lambda c, x: len(
            training.encode_for_training([LONG_CHAT], x.tok, training.run_template(c, x.tok), c)[0][0].labels
        ),
        64,
    ),
    ("packing", True, lambda c, x: (args(c, x.tmp).packing, args(c, x.tmp).max_length), (True, 384)),
    (
        "packing_strategy",
        "bfd_split",
        lambda c, x: (args(c, x.tmp).packing_strategy, c.cut_length),  # TRL splits; the rows are encoded whole
        ("bfd_split", None),
    ),
    ("group_by_length", False, lambda c, x: args(c, x.tmp).train_sampling_strategy, "random"),
    ("learning_rate", 3e-4, lambda c, x: args(c, x.tmp).learning_rate, 3e-4),
    ("epochs", 2.5, lambda c, x: args(c, x.tmp).num_train_epochs, 2.5),
    ("max_steps", 9, lambda c, x: args(c, x.tmp).max_steps, 9),
    ("batch_size", 6, lambda c, x: args(c, x.tmp).per_device_train_batch_size, 6),
    ("grad_accum", 3, lambda c, x: args(c, x.tmp).gradient_accumulation_steps, 3),
    ("warmup_ratio", 0.2, lambda c, x: args(c, x.tmp).warmup_steps, 0.2),
    ("scheduler", "linear", lambda c, x: str(args(c, x.tmp).lr_scheduler_type.value), "linear"),
    ("weight_decay", 0.01, lambda c, x: args(c, x.tmp).weight_decay, 0.01),
    ("max_grad_norm", 0.5, lambda c, x: args(c, x.tmp).max_grad_norm, 0.5),
    ("lora_r", 5, lambda c, x: training.lora_config(c).r, 5),
    ("lora_alpha", 11, lambda c, x: training.lora_config(c).lora_alpha, 11),
    ("lora_dropout", 0.2, lambda c, x: training.lora_config(c).lora_dropout, 0.2),
    (
        "lora_targets",
        ["q_proj", "v_proj"],
        lambda c, x: set(training.lora_config(c).target_modules),
        {"q_proj", "v_proj"},
    ),
    ("quant_type", "fp4", lambda c, x: training.quantization_config(c, torch.float32).bnb_4bit_quant_type, "fp4"),
    (
        "double_quant",
        False,
        lambda c, x: training.quantization_config(c, torch.float32).bnb_4bit_use_double_quant,
        False,
    ),
    ("beta", 0.37, lambda c, x: args(c, x.tmp).beta, 0.37),
    ("eval_every", 4, lambda c, x: (str(args(c, x.tmp).eval_strategy.value), args(c, x.tmp).eval_steps), ("steps", 4)),
    (
        "early_stopping_patience",
        3,
        lambda c, x: (
            args(c, x.tmp).load_best_model_at_end,
            args(c, x.tmp).metric_for_best_model,
            (args(c, x.tmp).save_strategy.value, args(c, x.tmp).save_steps),
            [cb.early_stopping_patience for cb in overfitting.callbacks(c, has_eval=True)],
        ),
        (True, "eval_loss", ("epoch", 50), [3]),
    ),
    ("save_every", 7, lambda c, x: args(c, x.tmp).save_steps, 7),
    ("seed", 11, lambda c, x: (args(c, x.tmp).seed, args(c, x.tmp).data_seed), (11, 11)),
    ("device", "cpu", lambda c, x: (training.device_for_process(c), args(c, x.tmp).use_cpu), ("cpu", True)),
    ("dtype", "bfloat16", lambda c, x: training.load_training_model(c, "cpu")[1], torch.bfloat16),
    ("gradient_checkpointing", True, lambda c, x: args(c, x.tmp).gradient_checkpointing, True),
    ("nproc", 2, lambda c, x: flag(launch_command(RunDir(x.tmp), c), "--nproc-per-node"), "2"),
    (
        "sharding",
        "fsdp",
        lambda c, x: (args(c, x.tmp).fsdp, args(c, x.tmp).fsdp_plugin_args["fsdp_version"], c.sharding),
        (True, 2, "fsdp"),
    ),
    ("nnodes", 3, lambda c, x: flag(launch_command(RunDir(x.tmp), c), "--nnodes"), "3"),
    ("node_rank", 1, lambda c, x: flag(launch_command(RunDir(x.tmp), c), "--node-rank"), "1"),
    (
        "rdzv_endpoint",
        "10.1.2.3:29511",
        lambda c, x: [flag(launch_command(RunDir(x.tmp), c), f) for f in ("--master-addr", "--master-port")],
        ["10.1.2.3", "29511"],
    ),
    ("name", "my-label", lambda c, x: c.to_dict()["name"], "my-label"),
]
# Settings whose row needs another setting to matter (4-bit formats need QLoRA, beta needs DPO, ...).
NEEDS = {
    "tuning": {"method": "dpo"},
    "quant_type": {"method": "qlora"},
    "double_quant": {"method": "qlora"},
    "beta": {"method": "dpo"},
    "rewards": {"method": "grpo"},
    "grpo_group_size": {"method": "grpo", "rewards": [{"regex": "x"}]},
    "grpo_max_new_tokens": {"method": "grpo", "rewards": [{"regex": "x"}]},
    "grpo_temperature": {"method": "grpo", "rewards": [{"regex": "x"}]},
    "desirable_weight": {"method": "kto"},
    "undesirable_weight": {"method": "kto"},
    "dpo_loss_type": {"method": "dpo"},
    "dpo_label_smoothing": {"method": "dpo", "dpo_loss_type": "robust"},
    "kto_loss_type": {"method": "kto"},
    "grpo_loss_type": {"method": "grpo", "rewards": [{"regex": "x"}]},
    "template_source": {"template": "custom"},
    "dtype": {"method": "full"},
    "sharding": {"method": "full", "nproc": 2},
    "nnodes": {"rdzv_endpoint": "10.1.2.3:29500"},
    "node_rank": {"nnodes": 2, "rdzv_endpoint": "10.1.2.3:29500"},
    "rdzv_endpoint": {"nnodes": 2},
    "packing_strategy": {"packing": True},
}


class Context:
    def __init__(self, tmp, tok, tiny, rows):
        self.tmp, self.tok, self.tiny, self.rows = tmp, tok, tiny, rows


@pytest.fixture
def ctx(tmp_path, smol_tokenizer, tiny_model_dir):
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps(LONG_CHAT) + "\n" for _ in range(8)))
    return Context(tmp_path, smol_tokenizer, tiny_model_dir, rows)


def test_the_table_covers_every_setting():
    assert [name for name, *_ in CASES] == list(field_specs())


def test_every_loss_choice_has_its_words_for_the_form_and_the_cli():
    from ftlib.loss_types import LOSS_TYPE_LABELS

    for name, words in LOSS_TYPE_LABELS.items():
        assert list(words) == list(field_specs()[name].choices), name
        assert all(text.startswith(f"{choice}: ") for choice, text in words.items()), name


@pytest.mark.parametrize("name, value, probe, expected", CASES, ids=[c[0] for c in CASES])
def test_every_setting_reaches_its_consumer(ctx, name, value, probe, expected):
    if isinstance(value, str):
        value = {"TINY": str(ctx.tiny), "ROWS": str(ctx.rows), "CUSTOM": "{{ messages[0]['content'] }}"}.get(
            value, value
        )
    base = {"model": str(ctx.tiny), "dataset": str(ctx.rows), "test_size": 0.0, **NEEDS.get(name, {})}
    assert field_specs()[name].default != value, f"the sentinel for {name} is its default: it could pass by accident"
    config = RunConfig(**{**base, name: value})
    assert getattr(config, name) == value
    assert probe(config, ctx) == expected


@pytest.mark.parametrize(
    "method, trainer_config, beta_reaches",
    [("reward", "RewardConfig", False), ("kto", "KTOConfig", True), ("grpo", "GRPOConfig", True)],
)
def test_each_alignment_method_gets_its_trl_config_and_beta_is_shared(ctx, method, trainer_config, beta_reaches):
    """`beta` is one setting for DPO, KTO and GRPO (the help says so); a reward model has none."""
    rewards = [{"regex": "x"}] if method == "grpo" else []
    config = RunConfig(method=method, tuning="full", beta=0.37, rewards=rewards, model=str(ctx.tiny))
    made = args(config, ctx.tmp)
    assert type(made).__name__ == trainer_config
    assert (getattr(made, "beta", None) == 0.37) is beta_reaches
    assert field_specs()["beta"].applies(config.to_dict()) is beta_reaches
    assert "shared by DPO, KTO and GRPO" in field_specs()["beta"].help
    assert made.disable_dropout  # what the policy is scored with is what it generates with


def test_grpo_batches_count_prompts_and_micro_batches_split_the_answers(ctx):
    config = RunConfig(method="grpo", rewards=[{"regex": "x"}], batch_size=4, grpo_group_size=6, grad_accum=2)
    whole = args(config, ctx.tmp)
    assert (whole.per_device_train_batch_size, whole.gradient_accumulation_steps) == (24, 2)
    assert whole.generation_batch_size == 48 and whole.steps_per_generation == 2  # one generation per update
    split = args(config, ctx.tmp, micro=8)
    assert (split.per_device_train_batch_size, split.gradient_accumulation_steps, split.steps_per_generation) == (
        8,
        6,
        6,
    )
    assert split.generation_batch_size == 48 and split.per_device_eval_batch_size == 24


def test_old_spellings_still_load_with_a_warning(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"method": "dpo", "dpo_tuning": "full", "dpo_beta": 0.3, "dataset": "x"}))
    with pytest.warns(ConfigWarning, match="`dpo_beta` is now called `beta`"):
        config = RunConfig.from_file(path)
    assert (config.tuning, config.beta) == ("full", 0.3)
    assert set(RENAMED.values()) <= set(field_specs())


def test_every_field_is_declared_completely():
    from ui.form import GROUP_TITLES

    for spec in field_specs().values():
        assert spec.help.endswith((".", ")")) and spec.label and spec.group in GROUP_TITLES, spec.name
        for other in spec.when:
            assert other in field_specs(), (spec.name, other)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"method": "lora", "epochs": 0}, "Epochs (`epochs`) is 0 and no Max steps (`max_steps`) is set"),
        ({"template": "custom"}, "`template_source` is empty"),
        ({"method": "dpo", "packing": True}, "`packing` works for SFT only"),
        ({"learning_rate": "fast"}, "`learning_rate` must be a number"),
        ({"lora_targets": []}, "`lora_targets` must list layer names"),
        ({"method": "dpo", "beta": 0}, "`beta` must be above 0 for DPO (0 only turns GRPO's KL penalty off)"),
        ({"method": "kto", "batch_size": 1}, "`batch_size` must be at least 2 for KTO"),
        ({"method": "kto", "mask_policy": "everything"}, "`mask_policy` everything does not work with KTO"),
        ({"method": "dpo", "mask_policy": "everything"}, "does not work with DPO: it scores each answer apart from"),
        ({"method": "qlora", "sharding": "fsdp", "nproc": 2}, "`sharding` fsdp cannot split 4-bit (QLoRA) weights"),
        ({"method": "full", "sharding": "fsdp"}, "set nproc to the number of GPUs (2 or more), or use sharding none"),
        ({"nnodes": 2}, "`rdzv_endpoint` must be HOST:PORT of machine 0 when nnodes is 2"),
        ({"nnodes": 2, "rdzv_endpoint": "10.0.0.1"}, "`rdzv_endpoint` must be HOST:PORT"),
        ({"nnodes": 2, "node_rank": 2, "rdzv_endpoint": "h:29500"}, "`node_rank` must be below `nnodes`"),
        ({"device": "cuda:1", "nproc": 2}, "use device cuda (or auto) with several processes, or nproc 1"),
    ],
)
def test_combinations_are_refused_with_the_field_and_the_fix(settings, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        RunConfig(**settings)


def test_the_config_round_trips_through_its_dict():
    config = RunConfig(method="dpo", tuning="qlora", beta=0.2, lora_targets=["q_proj"], learning_rate=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the current spelling raises no rename warning
        again = RunConfig.from_dict(config.to_dict())
    assert again == config and dataclasses.asdict(again) == config.to_dict()


def test_gradient_checkpointing_reaches_the_trainer_under_the_name_this_transformers_knows(tmp_path):
    """transformers' newest 5.x releases call it `activation_checkpointing` (the old name warns in every run log);
    5.17 and before (the GPU machine's image) know only `gradient_checkpointing`: passing the new name there failed
    every run with a TypeError."""
    import dataclasses

    @dataclasses.dataclass
    class Before:
        gradient_checkpointing: bool = False

    @dataclasses.dataclass
    class Now(Before):
        activation_checkpointing: bool | None = None

    assert trl_configs._checkpointing_argument(Before) == "gradient_checkpointing"
    assert trl_configs._checkpointing_argument(Now) == "activation_checkpointing"
    assert args(RunConfig(gradient_checkpointing=True), tmp_path).gradient_checkpointing is True
    assert args(RunConfig(gradient_checkpointing=False), tmp_path).gradient_checkpointing is False


def test_group_by_length_is_offered_only_where_a_run_groups_its_rows():
    """A reviewer's: the Train form offered Group by length for KTO and GRPO, which order their own rows and ignored
    it. The setting applies to the methods whose trainer groups (the Train form draws a field where it applies)."""
    from ftlib.config import field_specs
    from ftlib.methods import OWN_ROW_ORDER

    spec = field_specs()["group_by_length"]
    applies = {m: spec.applies({"method": m}) for m in ("lora", "qlora", "full", "dpo", "reward", "kto", "grpo")}
    assert sorted(m for m, yes in applies.items() if not yes) == sorted(OWN_ROW_ORDER) == ["grpo", "kto"]


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        ("run.yaml", "max_steps: 1\nlora_r: 4\nmax_steps: 2\n", "sets `max_steps` twice (lines 1 and 3)"),
        ("run.json", '{"max_steps": 1, "max_steps": 2}', "sets `max_steps` twice"),
        ("run.yaml", "rewards:\n  - regex: a\n    regex: b\n", "sets `regex` twice (lines 2 and 3)"),
    ],
)
def test_a_setting_given_twice_in_a_config_file_is_refused_not_the_last_kept(tmp_path, name, text, said):
    """YAML and JSON readers keep the last of a repeated key without a word: `max_steps: 1` then `max_steps: 2`
    trained 2 steps (a cold review)."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(f"{said}: keep one of them.")):
        RunConfig.from_file(path)
    # The same file with the repeat renamed reads (the check looks at keys within one mapping only)
    path.write_text(
        text.replace("max_steps: 2", "epochs: 2")
        .replace('"max_steps": 2', '"epochs": 2')
        .replace("regex: b", "weight: 2")
    )
    read = RunConfig.from_file(path)
    assert read.rewards == [{"regex": "a", "weight": 2}] if "rewards" in text else read.max_steps == 1


@pytest.mark.parametrize("method", ["dpo", "reward", "kto"])
def test_adapter_dropout_is_offered_only_where_it_trains(varied_model, tmp_path, method):
    """TRL switches every dropout off for the preference methods (`disable_dropout`), the adapter's included: the
    Dropout setting did nothing there, and the Train page offered it."""
    from ftlib.training import build_trainer
    from tests.test_training import PREF_ROWS, tiny_config

    spec = field_specs()["lora_dropout"]
    assert spec.applies({"method": "lora", "tuning": "lora"}) and spec.applies({"method": "qlora", "tuning": "qlora"})
    assert not spec.applies({"method": method, "tuning": "lora"})
    config = tiny_config(varied_model(6), method=method, batch_size=2, max_steps=1, lora_dropout=0.3)
    trainer = build_trainer(config, tmp_path, rows=(PREF_ROWS, [])).trainer
    drops = [m.p for m in trainer.model.modules() if isinstance(m, torch.nn.Dropout)]
    assert set(drops) <= {0.0}  # what makes the setting meaningless there
    # Not even asked of PEFT (training_model.lora_config): its adapter of an MoE's fused experts refuses any dropout
    adapters = [m for m in trainer.model.modules() if hasattr(m, "lora_dropout") and "default" in m.lora_dropout]
    assert adapters and all(isinstance(m.lora_dropout["default"], torch.nn.Identity) for m in adapters)
