"""Build a run's trainer: its rows through our encoder, the translators from RunConfig to the libraries' objects.

    prepared = build_trainer(RunConfig(method="lora", dataset="chat_style"), run_dir, callbacks=[...])
    prepared.trainer.train()                       # the worker (ftlib/worker.py) does this for the queue
    report = preflight(config)                     # what can be known before a run starts: refusals and warnings

SFT (full / LoRA / QLoRA) uses `trl.SFTTrainer` and DPO uses `trl.DPOTrainer`; the reward model, KTO and GRPO
use TRL's RewardTrainer, KTOTrainer and GRPOTrainer, built in `ftlib.alignment`; PEFT and bitsandbytes give
adapters and 4-bit weights. The trainers never tokenize or mask anything themselves: every row goes through
`ftlib.tokens.encode_rows` with the run's template, mask policy and max length, so the labels the model is
trained on are exactly the ones the Tokens page shows. SFTTrainer receives `input_ids` + `labels` columns (it uses
a `labels` column as is); DPOTrainer and KTOTrainer get collators that build their `completion_mask` from our
labels; GRPO's prompts are our encodings, answered by `ftlib.sampling`'s batched decoding.

Each library object is built by one translator, complete at construction (nothing is patched afterwards):
`trainer_arguments` (SFTConfig / DPOConfig / RewardConfig / KTOConfig / GRPOConfig; it lives in `ftlib.trl_configs`
and is importable from here too), `lora_config` (peft.LoraConfig), `quantization_config`
(transformers.BitsAndBytesConfig; these two and the model's loading live in `ftlib.training_model`).
tests/test_config.py proves every setting reaches its consumer.

Not known here: the run folder (rundir.py), the queue (runs.py), the training process (worker.py), metric
logging (metrics.py), memory (memory.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftlib import distributed, overfitting, run_data, warmup, workspace
from ftlib.alignment import (
    ALIGNMENT_METHODS,
    PreferenceCollator,
    dpo_trainer_class,
    make_trainer,
    preference_dataset,
    training_rows,
)
from ftlib.config import ConfigError, RunConfig
from ftlib.distributed import device_for_process
from ftlib.errors import none_of, numbered, plural
from ftlib.rows import IGNORE_INDEX, row_kind
from ftlib.training_model import (
    load_training_model,
    lora_config,
    quantization_config,
    training_dtypes,
)
from ftlib.trl_configs import trainer_arguments

# Methods whose padded batches run padding-free on a CPU (ftlib.headloss.pack_padded_rows, packed_rows): DPO's and the
# reward model's pairs, KTO's rows, GRPO's prompts and answers. SFT's micro-batches are padding-free by the collator.
ALIGNMENT_PACKED = ("dpo", "kto", "reward", "grpo")

# ---------------------------------------------------------------------------------------------------------------
# Data: rows -> our encodings
# ---------------------------------------------------------------------------------------------------------------


def load_rows(config: RunConfig, run_dir: Path | str | None = None) -> tuple[list[dict], list[dict], str]:
    """(train, test, description) for the config's dataset: a saved split, a split folder, a file, or a sample
    (`run_data.dataset_rows`). `run_dir`: a run's folder; the rows it kept when it was queued come first
    (`workspace.keep_run_split`), so a split saved over or a file edited later does not change what the run trains
    (a resume) or is evaluated on."""
    kept = workspace.kept_split(run_dir)
    if kept is None and (lost := workspace.lost_split(run_dir)):  # the data as it is now is not what it was queued on
        raise workspace.SplitDamaged(lost)
    if kept is not None:
        train, test, meta = workspace.load_split(str(kept))
        what = {"file": "file", "sample": "sample"}.get(meta.get("kept_from"))
        if what is None:  # a split: "the split in /data/tides" where its folder was given, not "saved split 'tides'"
            return train, test, f"{run_data.split_named(config.dataset)} as it was when the run was queued"
        said = f"{what} '{meta.get('name', config.dataset)}' as split when the run was queued"
        return train, test, said + run_data.how_read(meta)
    train, test, meta = run_data.dataset_rows(config)
    if meta.get("kept_from") == "split":
        return train, test, run_data.split_named(config.dataset)
    bad = int(meta.get("errors") or 0)  # the rows of the file it could not read (LoadResult.split_meta)
    return (
        train,
        test,
        f"{meta.get('kept_from', 'file')} '{meta.get('name', config.dataset)}' ({plural(bad, 'bad row')} skipped)",
    )


def check_row_kinds(rows: list[dict], config: RunConfig, split: str = "training") -> None:
    """ConfigError naming the rows (1-based) whose kind this method cannot train on, and what to do instead; `split`
    ("training" or "held-out") names them: "Training rows 2, 3: ..." (unnamed when every training row is wrong)."""
    from ftlib.methods import wrong_rows

    wrong: dict[str, list[int]] = {}
    for i, row in enumerate(rows, start=1):
        kind = row_kind(row)
        if kind not in config.row_kinds:
            wrong.setdefault(kind, []).append(i)
    if not wrong:
        return
    kind, numbers = max(wrong.items(), key=lambda item: len(item[1]))
    named = len(numbers) < len(rows) or split != "training"
    which = f"{numbered(f'{split.capitalize()} row', numbers)}: " if named else ""
    raise ConfigError(which + wrong_rows(config.method, kind))


def encode_for_training(
    rows: list[dict],
    tokenizer,
    template,
    config: RunConfig,
    numbers: list[int] | None = None,
    split: str = "training",
    left_out: list | None = None,
) -> tuple[list, list[int]]:
    """Encode rows exactly as the Tokens page does (one batched call); leave out rows with nothing to learn.

    Returns (encodings, numbers of the rows left out, 1-based); `numbers`, if given, gets each encoding's row number,
    and `left_out` (row number, encoding) for each encoding left out, for the pre-launch report to say why.
    Raises ConfigError when a row's kind does not fit the method, or when the template refuses rows, naming them as
    rows of `split` ("training" or "held-out").
    """
    from ftlib.errors import UserError
    from ftlib.tokens import encode_rows

    check_row_kinds(rows, config, split)
    rows, origin = training_rows(rows, config.method)  # KTO: a pair is two rows; GRPO: a conversation's prompt
    try:
        encoded = encode_rows(rows, tokenizer, template, config.mask_policy, config.cut_length)
    except UserError:
        if refused := run_data.refusal_error(rows, origin, tokenizer, template, config, split):
            raise refused from None
        raise
    out, dropped = [], []
    for i, enc in zip(origin, encoded, strict=True):
        parts = (enc.chosen, enc.rejected) if hasattr(enc, "chosen") else (enc,)
        # A row whose trained tokens were all cut away (or masked by the policy) teaches nothing; a GRPO prompt
        # trains no token of its own, but one cut by the max length would be answered mid-sentence.
        if enc.truncated if config.method == "grpo" else any(all(x == IGNORE_INDEX for x in p.labels) for p in parts):
            dropped.append(i)
            if left_out is not None:
                left_out.append((i, enc))
            continue
        out.append(enc)
        if numbers is not None:
            numbers.append(i)
    return out, sorted(set(dropped))


def sequences(encodings: list) -> list:
    """Every sequence the model sees: each SFT encoding, or the chosen and the rejected side of each pair."""
    return [s for e in encodings for s in ((e.chosen, e.rejected) if hasattr(e, "chosen") else (e,))]


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


@dataclass
class Prepared:
    """What build_trainer produced: the trainer plus what the worker reports and saves."""

    trainer: Any
    tokenizer: Any
    template: Any  # the ftlib ChatTemplate the rows were rendered with (saved with the result)
    train_rows: int
    eval_rows: int
    dropped: int  # training rows left out (`encode_for_training`)
    source: str
    eval_dropped: int = 0  # held-out rows left out
    device: str = "cpu"
    dtype: Any = None  # the compute dtype (4-bit runs compute in this one too)
    products_dtype: Any = None  # bf16 when fastpath.bf16_products multiplies an fp32 model's layers in it
    weights_dtype: Any = None  # the dtype the weights were loaded in (a QLoRA base: the one it was quantized from)
    mean_length: float = 0.0  # tokens per training sequence (per chosen/rejected sequence for DPO)


def run_template(config: RunConfig, tokenizer):
    """The ChatTemplate a run renders its rows with (its custom source included)."""
    from ftlib.templates import get_template

    return get_template(config.template, tokenizer=tokenizer, source=config.template_source or None)


def build_trainer(
    config: RunConfig,
    run_dir: Path,
    callbacks: list | None = None,
    rows: tuple[list[dict], list[dict]] | None = None,
    evaluate_first: bool = False,
) -> Prepared:
    """Load model + data for `config` and return a ready TRL trainer writing into `run_dir`.

    `evaluate_first`: a held-out evaluation before the first step (step 0), as the worker asks for a run that starts
    from the beginning (see `trainer_arguments`)."""
    import torch
    from transformers import PrinterCallback

    from ftlib import fastpath, packed_rows
    from ftlib.data_order import resumable
    from ftlib.models import load_tokenizer
    from ftlib.rundir import RunDir
    from ftlib.template_sandbox import pinned_clock

    train_rows, test_rows, source = load_rows(config, run_dir) if rows is None else (*rows, "rows given in code")
    tokenizer = load_tokenizer(config.model)
    template = run_template(config, tokenizer)
    # A template's date (strftime_now) is the day the run was queued: a resume on another day trains the same tokens.
    with pinned_clock(RunDir(Path(run_dir)).read_status().get("created")):
        train_enc, dropped = encode_for_training(train_rows, tokenizer, template, config)
        eval_enc, eval_dropped = (
            encode_for_training(test_rows, tokenizer, template, config, split="held-out") if test_rows else ([], [])
        )
    if not train_enc:  # a failed run's message: the Train page says its Tokens page (`ui.labels.CLI_WORDS`)
        raise ConfigError(
            f"{none_of(len(train_rows), 'training row', 'be trained')}: no token to learn from with mask policy "
            f"`{config.mask_policy}` and max_length {config.max_length}: the `tokens` command shows why; a longer "
            "max_length or another mask policy usually fixes it."
        )
    torch.manual_seed(config.seed)
    device = device_for_process(config)
    model, dtype = load_training_model(config, device)
    weights_dtype = training_dtypes(config, device)[0]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    callbacks = [*(callbacks or []), *overfitting.callbacks(config, bool(eval_enc))]
    common = dict(processing_class=tokenizer, peft_config=lora_config(config), callbacks=callbacks)
    if config.method in ALIGNMENT_METHODS:
        # A GRPO step holds batch_size x group size answers, each a prompt and at most max new tokens.
        longest = max(len(s.input_ids) for s in sequences(train_enc)) + config.grpo_max_new_tokens
        step_rows = config.batch_size * config.grpo_group_size
        micro = fastpath.micro_batch_size(step_rows, longest, device) if config.method == "grpo" else None
        args = trainer_arguments(
            config, run_dir, device, dtype, bool(eval_enc), micro=micro, evaluate_first=evaluate_first
        )
        trainer = make_trainer(config, model, args, tokenizer, template, train_enc, eval_enc, run_dir, common)
    elif config.method == "dpo":
        import copy

        args = trainer_arguments(config, run_dir, device, dtype, bool(eval_enc), evaluate_first=evaluate_first)
        # Full DPO needs a frozen copy of the starting model as reference; with adapters the base is the reference.
        ref_model = copy.deepcopy(model).eval() if not config.uses_adapter else None
        trainer = distributed.trainer_class(resumable(dpo_trainer_class()), config)(
            model=model,
            ref_model=ref_model,
            args=args,
            data_collator=PreferenceCollator(pad_id=pad_id),
            train_dataset=preference_dataset(train_enc),
            eval_dataset=preference_dataset(eval_enc) if eval_enc else None,
            **common,
        )
    else:
        from trl import SFTTrainer

        if config.packing and not packed_rows.keeps_packed_rows_apart(model):
            # TRL packs into padding-free rows whatever the model; one that attends across them trains each
            # example on its neighbours' text without a word (OPT in transformers 5).
            raise ConfigError(
                f"`packing` lays examples end to end, and this model ({type(model).__name__}) attends across them "
                "instead of keeping each example to itself. Turn packing off for this model."
            )
        # Packed rows are max_length long; otherwise the longest row sets the micro-batch (see ftlib.fastpath).
        longest = config.max_length if config.packing else max(len(e.input_ids) for e in train_enc)
        micro = fastpath.micro_batch_size(config.batch_size, longest, device)
        args = trainer_arguments(
            config,
            run_dir,
            device,
            dtype,
            bool(eval_enc),
            micro=micro,
            evaluate_first=evaluate_first,
            # Packing is padding-free already (and probed above): one probe of the model, not two.
            padding_free=not config.packing and micro > 1 and fastpath.padding_free(model, device),
        )
        trainer = distributed.trainer_class(resumable(SFTTrainer), config)(
            model=model,
            args=args,
            train_dataset=sft_dataset(train_enc),
            eval_dataset=sft_dataset(eval_enc) if eval_enc else None,
            **common,
        )
    fastpath.fuse_lora(trainer.model, device)  # after the trainer wrapped the model with PEFT
    warmup.floor_warmup(trainer, config.warmup_ratio)  # a 4-step run at share 0.05: no step at learning rate 0
    # The alignment trainers' rows come padded (DPO's pairs: 12.8% of the shipped pairs' positions; GRPO's prompts on
    # the left, its answers on the right): the fast LM head (DPO, KTO, GRPO) and the reward model's forward run them
    # padding-free. Probed before fast_attention renames the model's attention (padding_free looks for `sdpa`).
    pack_rows = config.method in ALIGNMENT_PACKED and fastpath.padding_free(trainer.model, device)
    if not config.gradient_checkpointing:  # a checkpoint's recomputed forward must redraw its masks (MaskPool)
        fastpath.share_mask_draws(trainer.model)
    # KTO's and GRPO's frozen reference copy (full tuning) multiplies as the policy does, attention included.
    policy_in_bf16 = False  # the trained model's products run in bf16: its MFU's peak (attach_throughput)
    for model_for_products in (trainer.model, getattr(trainer, "ref_model", None)):
        if model_for_products is not None:
            applied = fastpath.bf16_products(model_for_products, config.method, device, config.dtype, config.tuning)
            policy_in_bf16 = policy_in_bf16 or (applied and model_for_products is trainer.model)
            fastpath.fast_attention(model_for_products, device)
            fastpath.fast_norms(model_for_products, device)
    if pack_rows and config.method == "reward":  # after fast_attention: it probes whether rows can share prompts
        fastpath.pack_score_rows(trainer.model, device)
    # After the trainer gave the model (and DPO's reference copy) TRL's fused LM head; WPO weighting needs an
    # output the fast head does not compute. GRPO's head scores at its sampling temperature (TRL's `temperature`).
    if not getattr(args, "use_weighting", False):
        head_temperature = float(getattr(args, "temperature", 1.0)) if config.method == "grpo" else 1.0
        for model_with_head in (trainer.model, getattr(trainer, "ref_model", None)):
            if model_with_head is not None:
                fastpath.fuse_head(model_with_head, temperature=head_temperature, pack_rows=pack_rows)
    trainer.remove_callback(PrinterCallback)  # it prints raw log dicts; MetricsCallback prints readable lines
    seqs = sequences(train_enc)
    return Prepared(
        trainer=trainer,
        tokenizer=tokenizer,
        template=template,
        train_rows=len(train_enc),
        eval_rows=len(eval_enc),
        dropped=len(dropped),
        eval_dropped=len(eval_dropped),
        source=source,
        device=device,
        dtype=dtype,
        products_dtype=torch.bfloat16 if policy_in_bf16 else None,
        weights_dtype=weights_dtype,
        mean_length=sum(len(s.input_ids) for s in seqs) / len(seqs),
    )


def attach_throughput(prepared: Prepared, callback) -> None:
    """Give the metrics callback what MFU needs: model FLOPs per token and this device's measured matmul peak."""
    from ftlib import throughput

    model = prepared.trainer.model
    callback.flops_per_token = throughput.flops_per_token(model, prepared.mean_length)
    # The peak of the dtype the products run in: an fp32 model with bf16 products (DPO, full, ... on a bf16 CPU)
    # measured against fp32's peak, 4-7x lower there, read MFU 159%.
    dtype = prepared.products_dtype or prepared.dtype or next(model.parameters()).dtype
    callback.peak_flops = throughput.matmul_peak(prepared.device, dtype)
    if str(prepared.device).startswith("cuda"):
        import torch

        torch.cuda.reset_peak_memory_stats(prepared.device)  # the benchmark's products are not training memory
    callback.world_size = int(os.environ.get("WORLD_SIZE", "1"))


# Where a run's result is written before it is renamed into place (`save_final`): a folder one level down, so that
# nothing looking for a run's adapter (`<run>/*/adapter_config.json`) or model finds a half-written one there.
PARTIAL_DIR = ".partial"


def save_final(prepared: Prepared, config: RunConfig, run_dir: Path) -> Path:
    """Save the adapter (PEFT format) or the full model, with the tokenizer, as safetensors.

    The tokenizer's `chat_template` becomes the template the run trained with (unless that was the model's own),
    so the adapter, the merged model and anything loading them format chats exactly as training did; the
    generation_config.json's eos ids gain the template's end of turn, so they stop a reply where the studio does.
    An adapter names its base by hub id where one is known (`hub_base.name_hub_base`), not by this server's folder.
    The run's status records `weights_dtype`, the dtype its weights were loaded in: a QLoRA base was quantized
    from it, and an export quantizes it again from the same (`export._merge`).

    Everything is written into `.partial/adapter` (or `model`) first and renamed to `adapter/` only when complete: a
    run killed or out of disk midway leaves no half result where exports, sampling and evaluation read one (a full
    model's weights alone take seconds to write), and what it left is removed by the next save
    (`remove_unfinished_save`). A result there already (from an attempt that died before it was recorded as finished)
    is moved aside first, then replaced.
    """
    run_dir = Path(run_dir)
    target = run_dir / ("adapter" if config.uses_adapter else "model")
    trainer, tokenizer = prepared.trainer, prepared.tokenizer
    saving = trainer.args.should_save  # global rank 0, or each machine's first process (distributed.trainer_kwargs)
    partial = run_dir / PARTIAL_DIR / target.name
    if saving:
        remove_unfinished_save(run_dir)
    # On any failure (a full disk: a DiskFullError naming the result) the partial result goes; the earlier one stays.
    model_config = getattr(trainer.model, "config", None)
    if not config.uses_adapter and getattr(model_config, "use_cache", None) is False:
        # Training turns the KV cache off (gradient checkpointing, TRL); saved so, the model would return no cache
        # from a plain forward. A result is for generating: saved as its base was, with the cache on.
        model_config.use_cache = True
    with workspace.partial_output(run_dir / PARTIAL_DIR, target) if saving else contextlib.nullcontext():
        trainer.save_model(str(partial))  # PEFT models save only the adapter; every process takes part (FSDP)
        if not saving:
            return target
        # The Trainer pickles its arguments beside the weights; the run's config.json already says them, and an
        # export (and whoever unzips it) should hold safetensors and JSON only: unpickling a file can run code.
        (partial / "training_args.bin").unlink(missing_ok=True)
        if config.uses_adapter:
            from ftlib.hub_base import name_hub_base

            name_hub_base(partial, config.model)
        if prepared.weights_dtype is not None:
            from ftlib.rundir import RunDir

            # What its held-out loss was computed in (bf16 products of fp32 weights count as bf16): Evaluate's
            # words on why the Train page's held-out loss differs compare it with the dtype Evaluate scores in.
            computed = prepared.products_dtype or prepared.dtype or prepared.weights_dtype
            RunDir(run_dir).update_status(
                weights_dtype=str(prepared.weights_dtype).removeprefix("torch."),
                computed_in=str(computed).removeprefix("torch."),
            )
        if prepared.template.name != "tokenizer":
            tokenizer.chat_template = prepared.template.source
        tokenizer.save_pretrained(str(partial))
        if config.method != "reward":  # plain `generate` on the result stops where the studio does
            from ftlib import stops

            base = getattr(trainer.model, "generation_config", None)  # beside an adapter: the base's, ids added
            stops.write_eos(partial, tokenizer, prepared.template, base)
        if target.exists() or target.is_symlink():  # a folder cannot be renamed onto one that holds files
            os.replace(target, partial.with_name(f"{target.name}.replaced"))
        os.replace(partial, target)
    remove_unfinished_save(run_dir)  # the result it replaced, if any
    return target


def remove_unfinished_save(run_dir: Path | str) -> None:
    """Remove what a `save_final` that did not complete left in the run's folder (killed midway: a half-written
    result, safetensors' temporary file of a model's weights among it), and a result it moved aside. Only the
    process that saves calls it, while no other one saves the run."""
    shutil.rmtree(Path(run_dir) / PARTIAL_DIR, ignore_errors=True)


__all__ = [
    "PreferenceCollator",
    "Prepared",
    "attach_throughput",
    "build_trainer",
    "check_row_kinds",
    "device_for_process",
    "encode_for_training",
    "load_rows",
    "load_training_model",
    "lora_config",
    "preference_dataset",
    "quantization_config",
    "remove_unfinished_save",
    "run_template",
    "save_final",
    "sft_dataset",
    "trainer_arguments",
]
