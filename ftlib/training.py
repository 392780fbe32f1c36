"""Train one run: the run config, the TRL trainers built on our own token labels, and the entry point.

A run is a directory (see runs.py). This module turns its `config.json` into a TRL trainer and trains:

    python -m ftlib.training RUN_DIR                              # one process (what the queue launches)
    python -m torch.distributed.run --nproc_per_node 2 -m ftlib.training RUN_DIR     # DDP, same entry point

SFT (full / LoRA / QLoRA) uses `trl.SFTTrainer` and DPO uses `trl.DPOTrainer`, with PEFT and bitsandbytes
for adapters and 4-bit weights. The trainers never tokenize or mask anything themselves: every row goes through
`ftlib.tokens.encode_row` with the run's template, mask policy and max length, so the labels the model is
trained on are exactly the ones the Tokens page shows. SFTTrainer receives `input_ids` + `labels` columns (it
uses a `labels` column as is); DPOTrainer gets a collator that builds its `completion_mask` from our labels.

Not known here: the queue, status files and stopping (runs.py), metric logging (metrics.py), memory (memory.py).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftlib import workspace
from ftlib.errors import UserError

METHODS = ("full", "lora", "qlora", "dpo")
DPO_TUNING = ("lora", "qlora", "full")
SCHEDULERS = ("cosine", "linear", "constant", "constant_with_warmup")
DTYPES = ("auto", "float32", "bfloat16", "float16")
# Mirrors ftlib.tokens.POLICIES; read from there when it is importable (see _policies()).
_POLICIES_FALLBACK = ("all_assistant", "last_assistant", "completion_only", "everything")
# Proven starting points per method (SmolLM2-135M on the shipped samples, see bench/demo_train.py): adapters
# tolerate a much higher learning rate than updating every weight, and DPO wants a gentler push than SFT.
DEFAULT_LR = {
    "full": 5e-5,
    "lora": 2e-3,
    "qlora": 2e-3,
    ("dpo", "lora"): 1e-3,
    ("dpo", "qlora"): 1e-3,
    ("dpo", "full"): 5e-6,
}


class ConfigError(UserError):
    """A run setting is invalid; the message names the field and the fix."""


def _help(text: str, **kw) -> Any:
    return field(metadata={"help": text}, **kw)


@dataclass
class RunConfig:
    """Everything that defines a training run. Validated at construction; saved as the run's config.json."""

    # What to train
    method: str = _help(
        "full = update every weight; lora = train a small adapter; qlora = LoRA on a 4-bit "
        "base (least memory); dpo = learn from chosen/rejected pairs.",
        default="lora",
    )
    model: str = _help(
        "The model to start from: `default`, a local model folder or a cached hub id.", default="default"
    )
    dataset: str = _help(
        "A saved split name, a split folder, or a data file (split here with test_size and seed).", default=""
    )
    test_size: float = _help(
        "Share of rows held out for evaluation when `dataset` is a plain data file (0 = none).", default=0.1
    )
    dpo_tuning: str = _help(
        "For DPO: train a LoRA adapter (lora), LoRA on a 4-bit base (qlora), or every weight (full).", default="lora"
    )
    # How rows become tokens: the same settings the Tokens page shows
    template: str = _help(
        "Chat template that turns conversations into text; `tokenizer` is the model's own.", default="tokenizer"
    )
    template_source: str = _help("The Jinja text of a custom template (only when template is `custom`).", default="")
    mask_policy: str = _help(
        "Which tokens the model learns from (all_assistant, last_assistant, completion_only, everything).",
        default="all_assistant",
    )
    max_length: int = _help(
        "Longest example in tokens; longer ones are cut (the Tokens page shows where).", default=384
    )
    packing: bool = _help(
        "Pack several short examples into one sequence so less compute goes to padding.", default=False
    )
    group_by_length: bool = _help(
        "Put examples of similar length in the same batch, so less compute goes to "
        "padding (batches still come in random order).",
        default=True,
    )
    # Optimisation
    learning_rate: float | None = _help(
        "How big each update step is. Empty = a proven default for the method.", default=None
    )
    # One epoch at 2e-3 teaches the chat_style sample its style on every held-out prompt in ~20 steps (CPU demo).
    epochs: float = _help("How many times the model sees the whole training set.", default=1.0)
    max_steps: int = _help("Stop after this many optimizer steps instead (0 = use epochs).", default=0)
    batch_size: int = _help("Examples processed together in one step (per device).", default=8)
    grad_accum: int = _help(
        "Add up gradients over this many batches before each update (a bigger effective batch without more memory).",
        default=1,
    )
    warmup_ratio: float = _help("Share of the steps spent ramping the learning rate up from zero.", default=0.05)
    scheduler: str = _help(
        "How the learning rate changes over the run (cosine, linear, constant, constant_with_warmup).",
        default="cosine",
    )
    weight_decay: float = _help("Pull weights gently towards zero (0 = off).", default=0.0)
    max_grad_norm: float = _help("Clip very large updates to this size (0 = off).", default=1.0)
    # LoRA
    lora_r: int = _help("Adapter rank: its capacity. Higher learns more but takes more memory.", default=16)
    lora_alpha: int = _help("Adapter scale; usually twice the rank.", default=32)
    lora_dropout: float = _help("Randomly drop adapter inputs while training, against memorising.", default=0.05)
    lora_targets: list[str] = _help(
        "Layers that get an adapter; `all-linear` = every linear layer but the output.",
        default_factory=lambda: ["all-linear"],
    )
    # 4-bit (QLoRA)
    quant_type: str = _help("4-bit number format for QLoRA: nf4 (best for weights) or fp4.", default="nf4")
    double_quant: bool = _help("Also compress the 4-bit scaling constants (saves a little more memory).", default=True)
    # DPO
    dpo_beta: float = _help("How far DPO may move away from the starting model (higher = stay closer).", default=0.1)
    # Bookkeeping
    eval_every: int = _help("Measure the loss on the held-out rows every N steps (0 = once per epoch).", default=0)
    save_every: int = _help(
        "Save a checkpoint every N steps, so a crash or stop can resume (0 = only on stop).", default=50
    )
    seed: int = _help("Random seed: the same seed and settings give the same run.", default=0)
    device: str = _help("Where to train: auto (GPU if present), cpu or cuda.", default="auto")
    dtype: str = _help(
        "Number format of the weights: auto (bf16 on recent GPUs; on CPU fp32, except a bf16 frozen "
        "base for LoRA where the CPU multiplies bf16 natively), float32, bfloat16, float16.",
        default="auto",
    )
    gradient_checkpointing: bool = _help(
        "Recompute activations in the backward pass: less memory, ~20% slower.", default=False
    )
    nproc: int = _help("Processes to launch with torchrun (DDP) for several GPUs; 1 = a single process.", default=1)
    name: str = _help("A short label for the run (used in its id).", default="")

    def __post_init__(self) -> None:
        self.method = str(self.method).strip().lower()
        self.dpo_tuning = str(self.dpo_tuning).strip().lower()
        if isinstance(self.lora_targets, str):
            self.lora_targets = [t.strip() for t in self.lora_targets.split(",") if t.strip()]
        self._validate()
        if self.learning_rate is None:
            key = ("dpo", self.dpo_tuning) if self.method == "dpo" else self.method
            self.learning_rate = DEFAULT_LR[key]

    # -- validation ----------------------------------------------------------------------------------------------
    def _validate(self) -> None:
        def need(ok: bool, name: str, message: str) -> None:
            if not ok:
                raise ConfigError(f"`{name}` {message} (got {getattr(self, name)!r}).")

        need(self.method in METHODS, "method", f"must be one of {', '.join(METHODS)}")
        need(self.dpo_tuning in DPO_TUNING, "dpo_tuning", f"must be one of {', '.join(DPO_TUNING)}")
        need(bool(str(self.model).strip()), "model", "is empty: use `default` or a model folder")
        need(0.0 <= float(self.test_size) < 1.0, "test_size", "must be a share between 0 and 1, e.g. 0.1")
        if self.template == "custom" and not str(self.template_source).strip():
            raise ConfigError(
                "`template` is custom but `template_source` is empty: paste the Jinja template text, "
                "or pick a named template such as `tokenizer` or `chatml`."
            )
        need(self.mask_policy in _policies(), "mask_policy", f"must be one of {', '.join(_policies())}")
        need(
            isinstance(self.max_length, int) and 16 <= self.max_length <= 131072,
            "max_length",
            "must be a whole number of tokens between 16 and 131072; 256-512 suits chat data",
        )
        if self.learning_rate is not None:
            need(
                0 < float(self.learning_rate) < 1,
                "learning_rate",
                "must be between 0 and 1; try 2e-3 for LoRA, 5e-5 for full fine-tuning",
            )
        need(float(self.epochs) > 0 or self.max_steps > 0, "epochs", "must be above 0 (or set max_steps)")
        need(isinstance(self.max_steps, int) and self.max_steps >= 0, "max_steps", "must be 0 (use epochs) or more")
        need(isinstance(self.batch_size, int) and self.batch_size >= 1, "batch_size", "must be 1 or more")
        need(isinstance(self.grad_accum, int) and self.grad_accum >= 1, "grad_accum", "must be 1 or more")
        need(0.0 <= float(self.warmup_ratio) < 1.0, "warmup_ratio", "must be between 0 and 1, e.g. 0.05")
        need(self.scheduler in SCHEDULERS, "scheduler", f"must be one of {', '.join(SCHEDULERS)}")
        need(float(self.weight_decay) >= 0, "weight_decay", "must be 0 or more")
        need(float(self.max_grad_norm) >= 0, "max_grad_norm", "must be 0 (off) or more, e.g. 1.0")
        need(isinstance(self.lora_r, int) and self.lora_r >= 1, "lora_r", "must be 1 or more; 8-64 is typical")
        need(float(self.lora_alpha) > 0, "lora_alpha", "must be above 0; twice lora_r is a good start")
        need(0.0 <= float(self.lora_dropout) < 1.0, "lora_dropout", "must be between 0 and 1, e.g. 0.05")
        need(
            bool(self.lora_targets) and all(isinstance(t, str) and t for t in self.lora_targets),
            "lora_targets",
            "must list layer names such as q_proj, v_proj, or `all-linear`",
        )
        need(self.quant_type in ("nf4", "fp4"), "quant_type", "must be nf4 or fp4")
        need(float(self.dpo_beta) > 0, "dpo_beta", "must be above 0; 0.1 is the usual start")
        need(isinstance(self.eval_every, int) and self.eval_every >= 0, "eval_every", "must be 0 or more steps")
        need(isinstance(self.save_every, int) and self.save_every >= 0, "save_every", "must be 0 or more steps")
        need(isinstance(self.seed, int), "seed", "must be a whole number")
        need(
            self.device in ("auto", "cpu", "cuda") or str(self.device).startswith("cuda:"),
            "device",
            "must be auto, cpu or cuda",
        )
        need(self.dtype in DTYPES, "dtype", f"must be one of {', '.join(DTYPES)}")
        need(isinstance(self.nproc, int) and 1 <= self.nproc <= 64, "nproc", "must be between 1 and 64")
        if self.packing and self.method == "dpo":
            raise ConfigError(
                "`packing` works for SFT only: DPO compares whole chosen/rejected answers. Turn packing off for DPO."
            )
        if self.uses_4bit and self.device == "cpu" and self.nproc > 1:
            raise ConfigError("`nproc` above 1 with 4-bit weights needs GPUs; use nproc 1 on CPU.")

    # -- derived -------------------------------------------------------------------------------------------------
    @property
    def tuning(self) -> str:
        """How weights are updated: `full`, `lora` or `qlora` (for DPO, its `dpo_tuning`)."""
        return self.dpo_tuning if self.method == "dpo" else self.method

    @property
    def uses_4bit(self) -> bool:
        return self.tuning == "qlora"

    @property
    def uses_adapter(self) -> bool:
        return self.tuning in ("lora", "qlora")

    @property
    def kind(self) -> str:
        """The row kind this method trains on: `sft` or `preference`."""
        return "preference" if self.method == "dpo" else "sft"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RunConfig:
        """Build from a dict, refusing unknown keys with a did-you-mean hint."""
        known = {f.name for f in dataclasses.fields(cls)}
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f" Did you mean `{close[0]}`?" if close else f" Known settings: {', '.join(sorted(known))}."
                raise ConfigError(f"Unknown setting `{key}`.{hint}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise ConfigError(f"Bad run settings: {exc}") from exc

    @classmethod
    def from_file(cls, path: str | Path) -> RunConfig:
        """Read a run config from YAML or JSON."""
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"The config file '{path}' does not exist.")
        text = path.read_text(encoding="utf-8")
        try:
            if path.suffix.lower() in (".yaml", ".yml"):
                import yaml

                data = yaml.safe_load(text) or {}
            else:
                data = json.loads(text)
        except Exception as exc:  # yaml and json raise different types; both mean "cannot parse"
            raise ConfigError(f"Could not read '{path}' as {path.suffix.lstrip('.') or 'JSON'}: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"'{path}' must hold a mapping of settings (key: value), not a {type(data).__name__}.")
        return cls.from_dict(data)


def field_help(name: str) -> str:
    """The one-sentence explanation of a config field (for forms and `--help`)."""
    for f in dataclasses.fields(RunConfig):
        if f.name == name:
            return f.metadata.get("help", "")
    raise KeyError(name)


def _policies() -> tuple[str, ...]:
    try:
        from ftlib.tokens import POLICIES
    except ImportError:
        return _POLICIES_FALLBACK
    return tuple(POLICIES)


# ---------------------------------------------------------------------------------------------------------------
# Data: rows -> our encodings
# ---------------------------------------------------------------------------------------------------------------


def load_rows(config: RunConfig) -> tuple[list[dict], list[dict], str]:
    """(train, test, description) for the config's dataset: a saved split, a split folder, a file, or a sample."""
    spec = str(config.dataset or "").strip()
    if not spec:
        raise ConfigError("`dataset` is empty: name a saved split (see the Data page), a split folder or a data file.")
    path = Path(spec).expanduser()
    saved = workspace.datasets_dir() / workspace.safe_name(spec) / "meta.json"
    if (path / "meta.json").is_file() or saved.is_file():
        train, test, meta = workspace.load_split(spec)
        return train, test, f"saved split '{meta.get('name', spec)}'"
    column_map = None
    if not path.exists():
        sample = _sample_file(spec)
        if sample is None:
            raise ConfigError(
                f"`dataset` '{spec}' is neither a saved split, a split folder, a data file nor a "
                "shipped sample. Save a split on the Data page, or give the path of a "
                ".jsonl/.json/.csv/.parquet file."
            )
        path, column_map = sample.path, sample.column_map
    if path.is_dir():
        raise ConfigError(f"`dataset` '{spec}' is a folder without meta.json: point to a saved split or a data file.")
    from ftlib.data import load_file, split_rows

    result = load_file(path, column_map=column_map)
    if not result.rows:
        first = "; ".join(f"row {e.row}: {e.message}" for e in result.errors[:3])
        raise ConfigError(f"No usable rows in '{path}'. {first}")
    if config.test_size > 0:
        train, test = split_rows(result.rows, test_size=float(config.test_size), seed=config.seed)
    else:  # no held-out rows: no evaluation
        train, test = list(result.rows), []
    return train, test, f"file '{path.name}' ({len(result.errors)} bad rows skipped)"


def _sample_file(name: str):
    """The shipped sample called `name` (see ftlib.demo_data), or None."""
    try:
        from ftlib.demo_data import SampleError, get_sample
    except ImportError:
        return None
    try:
        sample = get_sample(name)
    except SampleError:
        return None
    return sample if sample.path.is_file() else None


def encode_rows(rows: list[dict], tokenizer, template, config: RunConfig) -> tuple[list, int]:
    """Encode rows with ftlib.tokens exactly as the Tokens page does; drop rows with nothing to learn.

    Returns (encodings, dropped). Raises ConfigError when a row's kind does not fit the method.
    """
    from ftlib.tokens import encode_row, is_preference

    out, dropped = [], 0
    for i, row in enumerate(rows):
        is_pref = is_preference(row)
        if config.kind == "preference" and not is_pref:
            raise ConfigError(
                f"Row {i + 1} is a conversation, but DPO needs preference pairs (prompt/chosen/"
                "rejected). Load a preference dataset, or pick an SFT method (lora, qlora, full)."
            )
        if config.kind == "sft" and is_pref:
            raise ConfigError(
                f"Row {i + 1} is a preference pair (prompt/chosen/rejected); SFT methods train on "
                "conversations. Choose the `dpo` method for this dataset."
            )
        # checks=False: the pre-flight checks only render again; ids and labels are the same either way.
        enc = encode_row(row, tokenizer, template, config.mask_policy, config.max_length, checks=False)
        parts = (enc.chosen, enc.rejected) if is_pref else (enc,)
        # A row whose trained tokens were all cut away (or masked by the policy) teaches nothing.
        if any(all(label == -100 for label in part.labels) for part in parts):
            dropped += 1
            continue
        out.append(enc)
    return out, dropped


def sft_dataset(encodings: list):
    """A datasets.Dataset of `input_ids` + `labels`: SFTTrainer uses a `labels` column as is."""
    from datasets import Dataset

    return Dataset.from_dict(
        {
            "input_ids": [list(e.input_ids) for e in encodings],
            "labels": [list(e.labels) for e in encodings],
            "length": [len(e.input_ids) for e in encodings],
        }
    )  # for group_by_length


def preference_dataset(encodings: list):
    """A datasets.Dataset of chosen/rejected ids and labels for `PreferenceCollator`."""
    from datasets import Dataset

    return Dataset.from_dict(
        {
            "chosen_input_ids": [list(e.chosen.input_ids) for e in encodings],
            "chosen_labels": [list(e.chosen.labels) for e in encodings],
            "rejected_input_ids": [list(e.rejected.input_ids) for e in encodings],
            "rejected_labels": [list(e.rejected.labels) for e in encodings],
            "length": [max(len(e.chosen.input_ids), len(e.rejected.input_ids)) for e in encodings],
        }
    )


@dataclass
class PreferenceCollator:
    """Pad chosen then rejected sequences into one batch, with DPOTrainer's `completion_mask` = our labels.

    DPOTrainer scores the tokens where `completion_mask` is 1 (it sets the others' labels to -100), so deriving
    the mask from `labels != -100` makes DPO train exactly the tokens ftlib.tokens marked as trained.

    >>> c = PreferenceCollator(pad_id=2)
    >>> b = c([{"chosen_input_ids": [1, 5, 6], "chosen_labels": [-100, 5, 6],
    ...         "rejected_input_ids": [1, 7], "rejected_labels": [-100, 7]}])
    >>> b["input_ids"].tolist(), b["completion_mask"].tolist()
    ([[1, 5, 6], [1, 7, 2]], [[0, 1, 1], [0, 1, 0]])
    """

    pad_id: int

    def __call__(self, examples: list[dict]) -> dict:
        import torch

        seqs = [e["chosen_input_ids"] for e in examples] + [e["rejected_input_ids"] for e in examples]
        labels = [e["chosen_labels"] for e in examples] + [e["rejected_labels"] for e in examples]
        width = max(len(s) for s in seqs)
        input_ids = torch.full((len(seqs), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(seqs), width), dtype=torch.long)
        completion = torch.zeros((len(seqs), width), dtype=torch.long)
        for i, (ids, lab) in enumerate(zip(seqs, labels, strict=True)):
            input_ids[i, : len(ids)] = torch.tensor(ids)
            attention[i, : len(ids)] = 1
            completion[i, : len(ids)] = torch.tensor([int(x != -100) for x in lab])
        batch = {"input_ids": input_ids, "attention_mask": attention, "completion_mask": completion}
        for key in ("ref_chosen_logps", "ref_rejected_logps"):
            if key in examples[0]:
                batch[key] = torch.tensor([e[key] for e in examples])
        return batch


# ---------------------------------------------------------------------------------------------------------------
# Trainer construction
# ---------------------------------------------------------------------------------------------------------------


def _device_for_process(config: RunConfig) -> str:
    from ftlib.models import pick_device

    device = pick_device(None if config.device == "auto" else config.device)
    local_rank = os.environ.get("LOCAL_RANK")
    # Under torchrun each rank owns one GPU; 4-bit weights are placed at load time, so place them on ours.
    if device.startswith("cuda") and local_rank is not None:
        device = f"cuda:{int(local_rank)}"
    return device


def _trainer_args(config: RunConfig, run_dir: Path, device: str, dtype, has_eval: bool, cls, micro: int | None = None):
    """TrainingArguments for the run. `micro`: rows per forward pass when a step of `batch_size` rows is split into
    micro-batches (fastpath.micro_batch_size); gradient accumulation makes up the rest, same update."""
    import torch

    micro = micro or config.batch_size

    # TRL turns bf16 autocast on by default; follow the weights' dtype instead (on CPU: fp32, autocast only slows).
    on_gpu = device.startswith("cuda")
    precision = {"bf16": on_gpu and dtype == torch.bfloat16, "fp16": on_gpu and dtype == torch.float16}
    eval_kwargs = {"eval_strategy": "no"}
    if has_eval:
        eval_kwargs = (
            {"eval_strategy": "steps", "eval_steps": config.eval_every}
            if config.eval_every
            else {"eval_strategy": "epoch"}
        )
    save_kwargs = (
        {"save_strategy": "steps", "save_steps": config.save_every} if config.save_every else {"save_strategy": "no"}
    )
    return cls(
        output_dir=str(run_dir / "checkpoints"),
        per_device_train_batch_size=micro,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum * (config.batch_size // micro),
        learning_rate=float(config.learning_rate),
        num_train_epochs=float(config.epochs),
        max_steps=config.max_steps or -1,
        warmup_steps=float(config.warmup_ratio),
        lr_scheduler_type=config.scheduler,
        weight_decay=float(config.weight_decay),
        max_grad_norm=float(config.max_grad_norm),
        logging_steps=1,
        # Keep NaN/inf in the logged loss: the metrics callback must see it to stop the run with an explanation.
        logging_nan_inf_filter=False,
        save_total_limit=1,
        report_to=[],
        seed=config.seed,
        data_seed=config.seed,
        use_cpu=device == "cpu",
        gradient_checkpointing=config.gradient_checkpointing,
        disable_tqdm=True,
        dataloader_num_workers=0,
        remove_unused_columns=False,
        train_sampling_strategy="group_by_length" if config.group_by_length else "random",
        length_column_name="length",
        **precision,
        **eval_kwargs,
        **save_kwargs,
    )


def _lora_config(config: RunConfig):
    from peft import LoraConfig

    targets = config.lora_targets
    target_modules = "all-linear" if targets == ["all-linear"] else list(targets)
    return LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=float(config.lora_dropout),
        target_modules=target_modules,
        bias="none",
        task_type="CAUSAL_LM",
    )


def _load_model(config: RunConfig, device: str):
    from ftlib import fastpath
    from ftlib.models import load_model

    if config.uses_4bit:
        from peft import prepare_model_for_kbit_training

        from ftlib.models import pick_dtype

        model = load_model(config.model, device=device, dtype=config.dtype, load_in_4bit=True)
        # Casts norms to fp32 and enables input grads so a frozen 4-bit base can pass gradients to adapters.
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=config.gradient_checkpointing)
        return model, pick_dtype(device, config.dtype)
    model = load_model(config.model, device=device, dtype=fastpath.training_dtype(config.dtype, device, config.method))
    return model, next(model.parameters()).dtype


def _dpo_trainer_class():
    from trl import DPOTrainer

    class PretokenizedDPOTrainer(DPOTrainer):
        """DPOTrainer that takes our pre-tokenized chosen/rejected ids and labels as they are."""

        def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
            if "chosen_input_ids" in dataset.column_names:
                return dataset
            return super()._prepare_dataset(dataset, processing_class, args, dataset_name)

        def _set_signature_columns_if_needed(self):
            if self._signature_columns is None:
                self._signature_columns = [
                    "chosen_input_ids",
                    "chosen_labels",
                    "rejected_input_ids",
                    "rejected_labels",
                    "ref_chosen_logps",
                    "ref_rejected_logps",
                    "length",
                ]

    return PretokenizedDPOTrainer


@dataclass
class Prepared:
    """What build_trainer produced: the trainer plus what the entry point reports."""

    trainer: Any
    tokenizer: Any
    train_rows: int
    eval_rows: int
    dropped: int
    source: str
    device: str = "cpu"
    dtype: Any = None  # the compute dtype (4-bit runs compute in this one too)
    mean_length: float = 0.0  # tokens per training row (per chosen/rejected sequence for DPO)


def build_trainer(
    config: RunConfig, run_dir: Path, callbacks: list | None = None, rows: tuple[list[dict], list[dict]] | None = None
) -> Prepared:
    """Load model + data for `config` and return a ready TRL trainer writing into `run_dir`."""
    import torch

    from ftlib import fastpath
    from ftlib.models import load_tokenizer
    from ftlib.templates import get_template

    run_dir = Path(run_dir)
    if rows is None:
        train_rows, test_rows, source = load_rows(config)
    else:
        (train_rows, test_rows), source = rows, "rows given in code"
    tokenizer = load_tokenizer(config.model)
    template = get_template(config.template, tokenizer=tokenizer, source=config.template_source or None)
    train_enc, dropped = encode_rows(train_rows, tokenizer, template, config)
    eval_enc, eval_dropped = encode_rows(test_rows, tokenizer, template, config) if test_rows else ([], 0)
    if not train_enc:
        raise ConfigError(
            f"None of the {len(train_rows)} training rows has a token to learn from with mask policy "
            f"`{config.mask_policy}` and max_length {config.max_length}. Check them on the Tokens page; "
            "a longer max_length or another mask policy usually fixes it."
        )
    torch.manual_seed(config.seed)
    device = _device_for_process(config)
    model, dtype = _load_model(config, device)
    peft_config = _lora_config(config) if config.uses_adapter else None
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    if config.method == "dpo":
        import copy

        from trl import DPOConfig

        args = _trainer_args(config, run_dir, device, dtype, bool(eval_enc), DPOConfig)
        args.beta = float(config.dpo_beta)
        args.max_length = None  # already cut by ftlib.tokens
        # Full DPO needs a frozen copy of the starting model as reference; with adapters the base is the reference.
        ref_model = copy.deepcopy(model).eval() if not config.uses_adapter else None
        trainer = _dpo_trainer_class()(
            model=model,
            ref_model=ref_model,
            args=args,
            data_collator=PreferenceCollator(pad_id=pad_id),
            train_dataset=preference_dataset(train_enc),
            eval_dataset=preference_dataset(eval_enc) if eval_enc else None,
            processing_class=tokenizer,
            peft_config=peft_config,
            callbacks=callbacks,
        )
    else:
        from trl import SFTConfig, SFTTrainer

        # Packed rows are max_length long; otherwise the longest row sets the micro-batch (see ftlib.fastpath).
        longest = config.max_length if config.packing else max(len(e.input_ids) for e in train_enc)
        micro = fastpath.micro_batch_size(config.batch_size, longest, device)
        args = _trainer_args(config, run_dir, device, dtype, bool(eval_enc), SFTConfig, micro=micro)
        args.packing = bool(config.packing)
        args.packing_strategy = "bfd"
        args.max_length = config.max_length if config.packing else None  # rows are already cut by ftlib.tokens
        args.dataset_num_proc = None
        trainer = SFTTrainer(
            model=model,
            args=args,
            train_dataset=sft_dataset(train_enc),
            eval_dataset=sft_dataset(eval_enc) if eval_enc else None,
            processing_class=tokenizer,
            peft_config=peft_config,
            callbacks=callbacks,
        )
    from transformers import PrinterCallback

    fastpath.fuse_lora(trainer.model)  # after the trainer wrapped the model with PEFT
    fastpath.bf16_products(trainer.model, config.method, device, config.dtype)
    fastpath.fast_attention(trainer.model)
    # After the trainer gave the model (and DPO's reference copy) TRL's fused LM head; WPO weighting needs an
    # output the fast head does not compute.
    if not getattr(args, "use_weighting", False):
        for model_with_head in (trainer.model, getattr(trainer, "ref_model", None)):
            if model_with_head is not None:
                fastpath.fuse_head(model_with_head)
    trainer.remove_callback(PrinterCallback)  # it prints raw log dicts; MetricsCallback prints readable lines
    sequences = [s for e in train_enc for s in ((e.chosen, e.rejected) if config.kind == "preference" else (e,))]
    return Prepared(
        trainer=trainer,
        tokenizer=tokenizer,
        train_rows=len(train_enc),
        eval_rows=len(eval_enc),
        dropped=dropped + eval_dropped,
        source=source,
        device=device,
        dtype=dtype,
        mean_length=sum(len(s.input_ids) for s in sequences) / len(sequences),
    )


def attach_throughput(prepared: Prepared, callback) -> None:
    """Give the metrics callback what MFU needs: model FLOPs per token and this device's measured matmul peak."""
    from ftlib import throughput

    model = prepared.trainer.model
    callback.flops_per_token = throughput.flops_per_token(model, prepared.mean_length)
    callback.peak_flops = throughput.matmul_peak(prepared.device, prepared.dtype or next(model.parameters()).dtype)
    callback.world_size = int(os.environ.get("WORLD_SIZE", "1"))


# ---------------------------------------------------------------------------------------------------------------
# Entry point: python -m ftlib.training RUN_DIR
# ---------------------------------------------------------------------------------------------------------------


def last_checkpoint(run_dir: Path) -> Path | None:
    """The newest complete `checkpoints/checkpoint-N` folder, if any."""
    folder = Path(run_dir) / "checkpoints"
    found = []
    for path in folder.glob("checkpoint-*"):
        step = path.name.rsplit("-", 1)[-1]
        if step.isdigit() and (path / "trainer_state.json").is_file():
            found.append((int(step), path))
    return max(found)[1] if found else None


def _friendly_error(exc: BaseException) -> str:
    """One actionable sentence for the failures people meet: out of memory, a full disk, our own errors."""
    text = str(exc)
    lowered = text.lower()
    if (
        isinstance(exc, MemoryError)
        or "out of memory" in lowered
        or "can't allocate memory" in lowered
        or "not enough memory" in lowered
    ):
        return (
            "The device ran out of memory. Lower the batch size or max length, turn on gradient checkpointing, "
            f"or use LoRA/QLoRA instead of full fine-tuning. ({type(exc).__name__}: {text[:300]})"
        )
    if workspace.is_disk_full(exc):
        filename = getattr(exc, "path", None) or getattr(exc, "filename", None)  # path: a workspace.DiskFullError
        where = f" while writing {filename}" if filename else ""
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or text[:200]
        return (
            f"The disk is full{where} ({reason}). {workspace.space_hint()}Then resume: the run continues from "
            "its last complete checkpoint, and its metrics so far are kept."
        )
    if isinstance(exc, UserError):  # the engine's own errors already read as sentences
        return text
    return f"{type(exc).__name__}: {text[:500]}"


def save_final(trainer, tokenizer, config: RunConfig, run_dir: Path) -> Path:
    """Save the adapter (PEFT format) or the full model, with the tokenizer, as safetensors."""
    target = Path(run_dir) / ("adapter" if config.uses_adapter else "model")
    trainer.save_model(str(target))  # PEFT models save only the adapter; only the main process writes
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(str(target))
    return target


def execute(run_dir: str | Path) -> str:
    """Train the run in `run_dir` in this process; return its final state. Writes status as it goes (rank 0)."""
    from ftlib import runs
    from ftlib.metrics import MetricsCallback

    run_dir = Path(run_dir)
    rank = int(os.environ.get("RANK", "0"))
    main = rank == 0
    status = runs.read_status(run_dir)
    resume = bool(status.get("resume"))

    def update(**fields) -> None:
        if main:
            runs.update_status(run_dir, **fields)

    callback = None
    try:
        config = RunConfig.from_file(run_dir / "config.json")
        if main:
            # The launcher already wrote `running` (or `stopping`, if a stop came first); a run started by hand
            # (e.g. under torchrun) registers itself here.
            extra = {} if status.get("pid") else {"pid": os.getpid(), "started": time.time()}
            if status.get("state") != "stopping":
                extra["state"] = "running"
            update(phase="loading model and data", error=None, message="Running.", **extra)
        callback = MetricsCallback(run_dir, is_main=main)
        prepared = build_trainer(config, run_dir, callbacks=[callback])
        attach_throughput(prepared, callback)
        checkpoint = last_checkpoint(run_dir) if resume else None
        if main:
            print(
                f"[ftlib] {prepared.train_rows} training rows, {prepared.eval_rows} eval rows from "
                f"{prepared.source}; {prepared.dropped} rows dropped (nothing to learn)",
                flush=True,
            )
            if checkpoint is not None:
                print(f"[ftlib] resuming from {checkpoint.name}", flush=True)
        callback.prepare_resume(checkpoint)
        update(
            phase="training",
            train_rows=prepared.train_rows,
            eval_rows=prepared.eval_rows,
            resumed_from=checkpoint.name if checkpoint else None,
        )
        prepared.trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
        if callback.failure:
            update(state="failed", phase="", message=callback.failure, error=callback.failure, ended=time.time())
            return "failed"
        if callback.stopped:
            update(
                state="interrupted",
                phase="",
                ended=time.time(),
                message=f"Stopped at step {prepared.trainer.state.global_step}; resume continues from the "
                "last checkpoint.",
            )
            return "interrupted"
        update(phase="saving")
        final = save_final(prepared.trainer, prepared.tokenizer, config, run_dir)
        update(
            state="finished",
            phase="",
            output=final.name,
            ended=time.time(),
            message="Finished.",
            step=prepared.trainer.state.global_step,
        )
        return "finished"
    except BaseException as exc:  # a crash must end as a readable status, never a silent dead run
        traceback.print_exc()
        sys.stdout.flush()
        if isinstance(exc, KeyboardInterrupt):
            update(state="interrupted", phase="", message="Interrupted.", ended=time.time())
            return "interrupted"
        message = _friendly_error(exc)
        print(f"[ftlib] {message}", flush=True)
        try:
            update(
                state="failed",
                phase="",
                message=message,
                error=message,
                ended=time.time(),
                log_tail=runs.log_tail(run_dir),
            )
        except OSError:  # the disk may be too full for the status file too: the queue then reports the run as
            traceback.print_exc()  # ended unexpectedly (runs.reconcile), and the log holds the message
        return "failed"


def main(argv: list[str] | None = None) -> int:
    """`python -m ftlib.training RUN_DIR`: train, then start the next queued run (rank 0 only)."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m ftlib.training RUN_DIR", file=sys.stderr)
        return 2
    from ftlib import runs

    run_dir = Path(argv[0]).resolve()
    runs.install_stop_signal(run_dir)
    state = execute(run_dir)
    if int(os.environ.get("RANK", "0")) == 0:
        try:
            runs.advance()  # the queue moves on when a run ends
        except Exception:  # never turn a finished run into a failure because the next one could not start
            traceback.print_exc()
    return 0 if state in ("finished", "interrupted") else 1


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "ConfigError",
    "RunConfig",
    "PreferenceCollator",
    "build_trainer",
    "encode_rows",
    "execute",
    "field_help",
    "last_checkpoint",
    "load_rows",
    "main",
]
