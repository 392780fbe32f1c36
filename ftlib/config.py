"""The run config: every setting of a training run, declared once, with its help, limits and checks.

    config = RunConfig(method="lora", dataset="chat_style", max_steps=20)     # validated here
    config = RunConfig.from_file("run.yaml")                                 # or .json; unknown keys refused
    config.to_dict()                                                         # what the run folder's config.json holds

Each field carries its metadata in the TRL/PEFT manner: a one-sentence `help`, a form `label`, a `group`, numeric
limits, `advanced` (folded away in the form) and `when` (the settings it depends on, e.g. LoRA rank only when
LoRA is trained). The Train page's form (`ui/form.py`) and the CLI's `train` flags are generated from these
fields, so a choice or a default is written here and nowhere else. A help names commands and flags, as `train --help`
prints it; the form's caption under a box says the same in the pages' words (`ui.labels.field_caption`). Translating
a config into the libraries' objects (TrainingArguments, LoraConfig, BitsAndBytesConfig) is `ftlib.training`'s job;
this module is stdlib only.

Old spellings load with a warning naming the new one (`RENAMED`); the methods themselves are `ftlib.methods`', the
checks across settings (what cannot train together) `ftlib.config_checks`'.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ftlib.config_checks import MAX_RUN_NAME, check_combinations, method_name, run_name
from ftlib.errors import UserError
from ftlib.fields import (
    FieldSpec,
    check_limits,
    coerce_fields,
    setting,
    settings_file_data,
    settings_from_dict,
    specs_of,
)
from ftlib.loss_types import LossTypeSettings
from ftlib.methods import (
    BETA_METHODS,
    DEFAULT_LR,
    GROUPING_METHODS,
    METHOD_HELP,
    METHOD_ROWS,
    PACKING_METHODS,
    PREFERENCE_METHODS,
    SFT_METHODS,
    GRPOSettings,
    KTOSettings,
    coerce_rewards,
    default_learning_rate,
)
from ftlib.process_settings import LORA_SFT_TWO_PROCESSES_ON_CPU, OTHER_METHODS_TWO_PROCESSES_ON_CPU

Method = Literal["lora", "qlora", "full", "dpo", "reward", "kto", "grpo"]
Tuning = Literal["lora", "qlora", "full"]
MaskPolicy = Literal["all_assistant", "last_assistant", "completion_only", "everything"]
Scheduler = Literal["cosine", "linear", "constant", "constant_with_warmup"]
DType = Literal["auto", "float32", "bfloat16", "float16"]
QuantType = Literal["nf4", "fp4"]
Sharding = Literal["none", "fsdp"]
PackingStrategy = Literal["bfd", "bfd_split"]

METHODS: tuple[str, ...] = typing.get_args(Method)
TUNINGS: tuple[str, ...] = typing.get_args(Tuning)
MASK_POLICIES: tuple[str, ...] = typing.get_args(MaskPolicy)
SHARDINGS: tuple[str, ...] = typing.get_args(Sharding)
# Old setting names -> current ones (configs of earlier runs still load, with a warning).
RENAMED = {"dpo_tuning": "tuning", "dpo_beta": "beta"}


class ConfigError(UserError):
    """A run setting is invalid; the message names the field and the fix."""


class ConfigWarning(UserWarning):
    """A config used an old spelling; it was read, and the message says the new one."""


ADAPTER = {"tuning": ("lora", "qlora")}


def tuning_of(method: str, tuning: str | None) -> str | None:
    """How a run's weights are updated: LoRA, QLoRA and full fine-tuning say it by their name; the preference
    methods by their `tuning`. One truth the config, the Train form (whose adapter settings apply by it) and the CLI
    read."""
    return method if method in SFT_METHODS else tuning


@dataclass
class RunConfig(LossTypeSettings, KTOSettings, GRPOSettings):
    """Everything that defines a training run. Validated at construction; saved as the run's config.json.

    GRPO's own settings (rewards, group size, answer length, temperature) and KTO's loss weights are declared in
    `ftlib.methods`, the loss each preference method trains with (TRL's loss_type) in `ftlib.loss_types`.
    """

    # -- what to train ------------------------------------------------------------------------------------------
    method: Method = setting(
        "lora",
        label="Method",
        group="method",
        help="full = update every weight; lora = train a small adapter; qlora = LoRA on a 4-bit base (least "
        "memory); dpo = learn from chosen/rejected pairs; reward = a model that scores answers, from pairs; kto = "
        "learn from answers marked good or bad; grpo = reinforcement learning from rewards, on prompts.",
    )
    tuning: Tuning = setting(
        "lora",
        label="Weights trained",
        group="method",
        when={"method": PREFERENCE_METHODS},
        help="How DPO, a reward model, KTO and GRPO train: a LoRA adapter (lora), on 4 bits (qlora) or all (full).",
    )
    model: str = setting(
        "default",
        label="Model",
        group="method",
        help="The model to start from: `default` (the embedded SmolLM2-135M-Instruct), a local model folder or a "
        "cached hub id.",
    )
    dataset: str = setting(
        "",
        label="Dataset",
        group="method",
        help="A saved split name, a split folder, a shipped sample, or a data file (split here with test_size and "
        "seed).",
    )
    test_size: float | None = setting(
        None,
        label="Held-out share or rows",
        group="method",
        minimum=0.0,
        advanced=True,
        hint="a share below 1 such as 0.1, or a whole number of rows such as 20",
        help="Rows held out for evaluation when `dataset` is a data file or a shipped sample (a saved split keeps its "
        "own): a share below 1 (0.1) or a number of rows (20), as `data split --test-size` takes; 0 = none; unset = "
        "the share `data split` starts from (0.1, or up to 0.25 of a small file so that 5 rows are held out).",
    )
    # -- how rows become tokens: the settings the Tokens page shows -------------------------------------------------
    template: str = setting(
        "tokenizer",
        label="Chat template",
        group="tokens",
        help="How a conversation is written out as text for the model: the model's own template (tokenizer, the "
        "usual choice), a built-in one (chatml, llama3, mistral, gemma, alpaca, plain, text, hermes, llama31; "
        "`python -m ftlib tokens FILE --template NAME` shows each) or custom (its Jinja text in template_source, or "
        "a file's with `--template-file FILE`).",
    )
    template_source: str = setting(
        "",
        label="Custom template",
        group="tokens",
        advanced=True,
        when={"template": ("custom",)},
        help="The Jinja text of a custom template (only when template is `custom`; a file's with "
        "`--template-file FILE`).",
    )
    mask_policy: MaskPolicy = setting(
        "all_assistant",
        label="What is trained",
        group="tokens",
        when={"method": (*SFT_METHODS, "dpo", "reward", "kto")},  # not GRPO: it trains on the answers it writes
        help="Which tokens the model learns to write (the mask policy): every assistant reply (all_assistant), the "
        "last one (last_assistant), the completion only (completion_only), or everything.",
    )
    max_length: int = setting(
        384,
        label="Max length (tokens)",
        group="tokens",
        minimum=16,
        maximum=131072,
        step=32,
        hint="256-512 suits chat data",
        # --line N: the row as `train`'s and `data inspect`'s warnings name it (line N of a JSONL file, counted from 1)
        help="Longest example in tokens; longer ones are cut (`python -m ftlib tokens FILE --line N --max-length L` "
        "shows where).",
    )
    packing: bool = setting(
        False,
        label="Packing",
        group="tokens",
        advanced=True,
        when={"method": PACKING_METHODS},  # the rule `train` refuses packing by (methods.packing_refusal)
        help="Pack several short examples into one sequence so less compute goes to padding.",
    )
    packing_strategy: PackingStrategy = setting(
        "bfd",
        label="Rows longer than max length",
        group="tokens",
        advanced=True,
        when={"method": PACKING_METHODS, "packing": (True,)},
        help="What packing does with a row longer than the max length (TRL's packing_strategy): bfd = cut it, its "
        "tail never trained (TRL's default; right for conversations, whose answer would lose its prompt); "
        "bfd_split = split it into pieces, every token kept and trained but each later piece's first (long texts).",
    )
    group_by_length: bool = setting(
        True,
        label="Group by length",
        group="tokens",
        advanced=True,
        when={"method": GROUPING_METHODS},  # KTO and GRPO order their own rows (methods.OWN_ROW_ORDER)
        help="Put examples of similar length in the same batch, so less compute goes to padding. The rows are "
        "shuffled and cut into chunks of up to 50 optimizer steps' rows; the chunks come in random order, each "
        "longest first (the loss curve shows a sawtooth).",
    )
    # -- optimisation -------------------------------------------------------------------------------------------
    learning_rate: float | None = setting(
        None,
        label="Learning rate",
        group="optimisation",
        above=0.0,
        below=1.0,
        step=1e-5,
        hint="try 2e-3 for LoRA, 5e-5 for full fine-tuning",
        help="How big each update step is; it starts at the proven value for the method chosen.",
    )
    epochs: float = setting(
        1.0,
        label="Epochs",
        group="optimisation",
        minimum=0.0,
        maximum=100.0,
        step=0.5,
        help="How many times the model sees the whole training set.",
    )
    max_steps: int = setting(
        0,
        label="Max steps (0 = use epochs)",
        group="optimisation",
        minimum=0,
        help="Stop after this many optimizer steps instead (0 = use epochs).",
    )
    batch_size: int = setting(
        8,
        label="Batch size",
        group="optimisation",
        minimum=1,
        maximum=1024,
        help="Examples processed together (per process: one per GPU); one update step takes batch size × gradient "
        "accumulation × processes of them. For DPO and a reward model an example is a pair (two sequences); for GRPO "
        "a prompt (answered group size times).",
    )
    grad_accum: int = setting(
        1,
        label="Gradient accumulation",
        group="schedule",
        minimum=1,
        maximum=1024,
        advanced=True,
        help="Add up gradients over this many batches before each update (a bigger effective batch, no more memory).",
    )
    warmup_ratio: float = setting(
        0.05,
        label="Warmup share",
        group="schedule",
        minimum=0.0,
        below=1.0,
        step=0.01,
        advanced=True,
        hint="e.g. 0.05",
        help="Share of the steps spent ramping the learning rate up from zero, in whole steps rounded down (a run "
        "under 20 steps has none at 0.05). The constant schedule has no warmup: use constant_with_warmup for one.",
    )
    scheduler: Scheduler = setting(
        "cosine",
        label="Learning-rate schedule",
        group="schedule",
        advanced=True,
        help="How the learning rate changes over the run (cosine, linear, constant, constant_with_warmup).",
    )
    weight_decay: float = setting(
        0.0,
        label="Weight decay",
        group="schedule",
        minimum=0.0,
        maximum=1.0,
        step=0.01,
        advanced=True,
        help="Pull weights gently towards zero (0 = off).",
    )
    max_grad_norm: float = setting(
        1.0,
        label="Max gradient norm",
        group="schedule",
        minimum=0.0,
        maximum=100.0,
        step=0.1,
        advanced=True,
        hint="e.g. 1.0",
        help="If the gradient's overall size (its L2 norm) is above this, scale it down to this before the update: "
        "guards against one bad batch (0 = off).",
    )
    # -- LoRA ----------------------------------------------------------------------------------------------------
    lora_r: int = setting(
        16,
        label="Rank r",
        group="lora",
        minimum=1,
        maximum=1024,
        advanced=True,
        when=ADAPTER,
        hint="8-64 is typical",
        help="Adapter rank: its capacity. Higher learns more but takes more memory.",
    )
    lora_alpha: int = setting(
        32,
        label="Alpha",
        group="lora",
        minimum=1,
        maximum=4096,
        advanced=True,
        when=ADAPTER,
        hint="twice lora_r is a good start",
        help="The adapter's update is multiplied by alpha / rank; alpha = 2 × rank keeps that at 2 when the rank "
        "changes.",
    )
    lora_dropout: float = setting(
        0.05,
        label="Dropout",
        group="lora",
        minimum=0.0,
        below=1.0,
        step=0.05,
        advanced=True,
        # Not DPO, the reward model, KTO or GRPO: TRL switches every dropout off for them (`disable_dropout`).
        when={"method": ("lora", "qlora")},
        help="Randomly drop adapter inputs while training, against memorising.",
    )
    lora_targets: list[str] = setting(
        label="Target layers",
        group="lora",
        advanced=True,
        when=ADAPTER,
        default_factory=lambda: ["all-linear"],
        help="Layers that get an adapter; `all-linear` = every linear layer but the output.",
    )
    # -- 4-bit (QLoRA) -------------------------------------------------------------------------------------------
    quant_type: QuantType = setting(
        "nf4",
        label="4-bit format",
        group="lora",
        advanced=True,
        when={"tuning": ("qlora",)},
        help="4-bit number format for QLoRA: nf4 (best for weights) or fp4.",
    )
    double_quant: bool = setting(
        True,
        label="Double quantization",
        group="lora",
        advanced=True,
        when={"tuning": ("qlora",)},
        help="Store the 4-bit weights' scaling constants (one per 64 weights) in 8 bits too: about 0.37 bit a weight "
        "saved.",
    )
    # -- preference ----------------------------------------------------------------------------------------------
    beta: float = setting(
        0.1,
        label="Beta",
        group="preference",
        minimum=0.0,
        maximum=10.0,
        step=0.05,
        advanced=True,
        when={"method": BETA_METHODS},
        hint="0.1 is the usual start",
        help="How far the trained model may move away from the starting model (higher = stay closer). One setting "
        "shared by DPO, KTO and GRPO (TRL: beta; for GRPO the weight of its KL penalty, 0 = none).",
    )
    # -- bookkeeping ---------------------------------------------------------------------------------------------
    eval_every: int = setting(
        0,
        label="Evaluate every N steps (0 = each epoch)",
        group="optimisation",
        minimum=0,
        help="Measure the held-out rows every N steps (0 = each epoch): their loss; for GRPO, its rewards.",
    )
    early_stopping_patience: int = setting(
        0,
        label="Early stopping (patience)",
        group="optimisation",
        minimum=0,
        maximum=1000,
        hint="e.g. 3",
        when={"method": (*SFT_METHODS, "dpo", "reward", "kto")},  # not GRPO (ftlib.overfitting.NO_EARLY_STOPPING)
        help="Stop once the held-out loss has not improved for this many evaluations in a row, and keep the best "
        "checkpoint as the result instead of the last (0 = off; needs held-out rows).",
    )
    save_every: int = setting(
        50,
        label="Checkpoint every N steps",
        group="schedule",
        minimum=0,
        advanced=True,
        help="Save a checkpoint every N steps, so a crash or stop can resume (0 = only on stop).",
    )
    seed: int = setting(
        0,
        label="Seed",
        group="hardware",
        minimum=0,
        maximum=2**31 - 1,
        advanced=True,
        help="Random seed: the same seed and settings give the same run. With a data file as the dataset it also "
        "picks the held-out rows, so another seed trains and evaluates on other rows.",
    )
    device: str = setting(
        "auto",
        label="Device",
        group="hardware",
        advanced=True,
        help="Where to train: auto (a GPU if present), cpu, cuda, or cuda:N for one GPU (e.g. cuda:1).",
    )
    dtype: DType = setting(
        "auto",
        label="Weights dtype",
        group="hardware",
        advanced=True,
        help="Number format of the weights: auto (GPU: fp32 for a model under 200M parameters, faster there; larger "
        "ones a frozen LoRA base in bf16, fully trained weights fp32 computed in bf16, mixed precision; CPU: fp32, "
        "LoRA SFT's frozen base in bf16 where the CPU has native bf16), float32, bfloat16 "
        "(pure bf16: half the memory, updates below bf16's resolution lost), float16.",
    )
    gradient_checkpointing: bool = setting(
        False,
        label="Gradient checkpointing",
        group="hardware",
        advanced=True,
        help="Recompute activations in the backward pass: less memory, ~20% slower.",
    )
    nproc: int = setting(
        1,
        label="GPUs (processes per machine)",
        group="hardware",
        minimum=1,
        maximum=64,
        advanced=True,
        help="How many processes train the run, one per GPU of this machine (started with torchrun); 1 = a single "
        "process. Without a GPU they split the CPU's cores: little faster than one if at all (on 2 cores, LoRA SFT "
        f"{LORA_SFT_TWO_PROCESSES_ON_CPU} one process's speed, DPO and full fine-tuning "
        f"{OTHER_METHODS_TWO_PROCESSES_ON_CPU}), for trying a multi-GPU setup.",
    )
    sharding: Sharding = setting(
        "none",
        label="Sharding",
        group="hardware",
        advanced=True,
        when={"method": ("lora", "full", "dpo")},  # not QLoRA (4-bit weights are not split)
        help="With several processes: none = each holds the whole model (DDP, fastest when it fits one GPU); fsdp = "
        "weights, gradients and optimizer state are split across them (FSDP), for a model too big for one GPU.",
    )
    nnodes: int = setting(
        1,
        label="Machines",
        group="hardware",
        minimum=1,
        maximum=1024,
        advanced=True,
        help="How many machines train the run together; start it on each one with its own node_rank (1 = this one).",
    )
    node_rank: int = setting(
        0,
        label="This machine's number",
        group="hardware",
        minimum=0,
        maximum=1023,
        advanced=True,
        help="This machine's number among the machines, 0 to nnodes-1; machine 0 keeps the metrics and the model.",
    )
    rdzv_endpoint: str = setting(
        "",
        label="Rendezvous (HOST:PORT)",
        group="hardware",
        advanced=True,
        hint="e.g. 10.0.0.1:29500",
        help="Where the machines meet: HOST:PORT of machine 0, the same on every machine (needed when nnodes > 1).",
    )
    name: str = setting(
        "",
        label="Run name (optional)",
        group="hardware",
        advanced=True,
        # The Train form's box stops there (a browser counts UTF-16 units, as config_checks.name_length does);
        # run_name refuses more everywhere else.
        max_chars=MAX_RUN_NAME,
        help=f"A short label for the run, on one line, at most {MAX_RUN_NAME} characters, an emoji counting as two "
        "(used in its id; `runs rename` changes it later).",
    )

    def __post_init__(self) -> None:
        self.method = str(self.method).strip().lower()
        self.tuning = str(self.tuning).strip().lower()
        if isinstance(self.lora_targets, str):
            self.lora_targets = [t.strip() for t in self.lora_targets.split(",") if t.strip()]
        method_name(self.method, METHODS, ConfigError)  # sft, ppo, orpo, simpo: the offered method nearest to each
        self.rewards = coerce_rewards(self.rewards, ConfigError)  # a list[dict]: JSON/YAML text from a form or flag
        coerce_fields(self, ConfigError)
        self.name = run_name(self.name, ConfigError)  # one line, not too long: `runs rename`'s rule too
        self.tuning = tuning_of(self.method, self.tuning)
        check_limits(self, ConfigError)
        check_combinations(self, ConfigError)  # settings that cannot train together (ftlib.config_checks)
        if self.learning_rate is None:
            self.learning_rate = default_learning_rate(self.method, self.tuning)

    # -- derived -------------------------------------------------------------------------------------------------
    @property
    def uses_4bit(self) -> bool:
        return self.tuning == "qlora"

    @property
    def uses_adapter(self) -> bool:
        return self.tuning in ("lora", "qlora")

    @property
    def cut_length(self) -> int | None:
        """Where rows are cut before training, in tokens: the max length, or None when packing splits a longer row
        into pieces instead (bfd_split: TRL's packing does the splitting)."""
        return None if self.packing and self.packing_strategy == "bfd_split" else self.max_length

    @property
    def kind(self) -> str:
        """The main canonical row kind this method trains on (`sft` or `preference`)."""
        return METHOD_ROWS[self.method][0]

    @property
    def row_kinds(self) -> tuple[str, ...]:
        """Every canonical row kind (ftlib.rows) this method can train on."""
        return METHOD_ROWS[self.method]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RunConfig:
        """Build from a dict: old names are renamed (with a ConfigWarning), unknown keys refused with a hint."""
        return settings_from_dict(cls, data, RENAMED, ConfigError, ConfigWarning)

    @classmethod
    def from_file(cls, path: str | Path) -> RunConfig:
        """Read a run config from YAML (needs PyYAML, which the app ships with) or JSON: a run folder's config.json.
        A run named before names were checked (`config_checks.run_name`: a line break, over MAX_RUN_NAME characters)
        keeps its name as saved, so it still resumes and evaluates; `runs rename` gives it one the rule takes."""
        data = settings_file_data(path, ConfigError)
        saved = data.get("name")
        try:
            run_name(saved if isinstance(saved, str) else "", ConfigError)
        except ConfigError:
            config = cls.from_dict({**data, "name": ""})
            config.name = saved
            return config
        return cls.from_dict(data)


# ---------------------------------------------------------------------------------------------------------------
# Reading the declarations (the form, the CLI and the checks all go through these)
# ---------------------------------------------------------------------------------------------------------------


def field_specs() -> dict[str, FieldSpec]:
    """Every setting of RunConfig, in declaration order, with its type, choices and metadata."""
    return specs_of(RunConfig)


__all__ = [
    "tuning_of",
    "BETA_METHODS",
    "DEFAULT_LR",
    "METHODS",
    "METHOD_HELP",
    "METHOD_ROWS",
    "MASK_POLICIES",
    "PREFERENCE_METHODS",
    "RENAMED",
    "SFT_METHODS",
    "SHARDINGS",
    "TUNINGS",
    "ConfigError",
    "ConfigWarning",
    "FieldSpec",
    "RunConfig",
    "default_learning_rate",
    "field_specs",
]
