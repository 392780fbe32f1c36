"""The run's TRL config, translated from its RunConfig: SFTConfig, DPOConfig, RewardConfig, KTOConfig or GRPOConfig.

    args = trainer_arguments(config, run_dir, "cpu", torch.float32, has_eval=True, micro=4)
    args.per_device_train_batch_size   # 4 rows a forward pass; gradient accumulation makes up the step

One translator, complete at construction (nothing is patched afterwards): every setting of a run that the Trainer
reads is passed here, the method's own (beta, the loss type, GRPO's group size and sampling temperature, packing),
the schedule, evaluation and saving, the row order (length grouping; KTO's and GRPO's own order), mixed precision
following the run's compute dtype, early stopping (overfitting.py), FSDP and several machines (distributed.py).
tests/test_config.py checks that each setting reaches it. Not known here: the model and its adapter
(training_model.py), the rows and the trainer built with these arguments (training.py, which re-exports
`trainer_arguments`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ftlib import distributed, overfitting
from ftlib.config import RunConfig
from ftlib.loss_types import SMOOTHED_DPO_LOSSES, grpo_scales_rewards
from ftlib.methods import OWN_ROW_ORDER
from ftlib.training_model import multimodal


def trainer_arguments(
    config: RunConfig,
    run_dir: Path,
    device: str,
    dtype,
    has_eval: bool,
    micro: int | None = None,
    longest: int | None = None,
    evaluate_first: bool = False,
    padding_free: bool = False,
):
    """The SFTConfig, DPOConfig, RewardConfig, KTOConfig or GRPOConfig for the run, complete at construction.

    `micro`: rows per forward pass when a step of `batch_size` rows (GRPO: batch_size x group size answers) is
    split into micro-batches (fastpath.micro_batch_size); gradient accumulation makes up the rest: the same update.
    `evaluate_first`: evaluate the held-out rows once before the first step (transformers' `eval_on_start`), so the
    loss chart starts at the base model's held-out loss (step 0); for a run starting from step 0, not a resume. For
    GRPO the step-0 point is the base model's held-out reward (its answers to the held-out prompts, scored); its
    held-out loss, a policy loss on fresh answers, is not shown.
    `padding_free`: SFT rows end to end without padding (fastpath.padding_free); packing always is.
    """
    import torch

    # TRL turns bf16 autocast on by default; follow the run's compute dtype `dtype` instead (fp32 master weights of a
    # full fine-tune on a GPU still compute in bf16: training_model.training_dtypes); never on CPU (it only slows).
    on_gpu = device.startswith("cuda")
    kwargs: dict[str, Any] = {"bf16": on_gpu and dtype == torch.bfloat16, "fp16": on_gpu and dtype == torch.float16}
    if has_eval:
        kwargs.update(
            {"eval_strategy": "steps", "eval_steps": config.eval_every}
            if config.eval_every
            else {"eval_strategy": "epoch"}
        )
        kwargs["eval_on_start"] = evaluate_first
    else:
        kwargs["eval_strategy"] = "no"
    kwargs.update(
        {"save_strategy": "steps", "save_steps": config.save_every} if config.save_every else {"save_strategy": "no"}
    )
    kwargs.update(overfitting.trainer_kwargs(config, has_eval, kwargs))  # early stopping: a save at each evaluation
    grouped = config.group_by_length and config.method not in OWN_ROW_ORDER  # KTO and GRPO order their own rows
    sampling = "group_by_length" if grouped else "random"
    step_rows = config.batch_size * (config.grpo_group_size if config.method == "grpo" else 1)
    if config.method == "dpo":
        from trl import DPOConfig as cls

        # Rows are already cut by ftlib.tokens.
        kwargs.update(beta=float(config.beta), loss_type=[config.dpo_loss_type], max_length=None)
        if config.dpo_loss_type in SMOOTHED_DPO_LOSSES:  # an older TRL's sigmoid read it too (cDPO)
            kwargs.update(label_smoothing=float(config.dpo_label_smoothing))
    elif config.method == "reward":
        from trl import RewardConfig as cls

        kwargs.update(max_length=None, disable_dropout=True)
    elif config.method == "kto":
        from trl import KTOConfig as cls

        # TRL's KL estimate wants rows in order: alignment.unpaired_dataset shuffled them with the seed already.
        kwargs.update(
            beta=float(config.beta),
            loss_type=config.kto_loss_type,
            desirable_weight=float(config.desirable_weight),
            undesirable_weight=float(config.undesirable_weight),
            max_length=None,
            disable_dropout=True,
        )
        sampling = "sequential"
    elif config.method == "grpo":
        from trl import GRPOConfig as cls

        kwargs.update(
            beta=float(config.beta),
            loss_type=config.grpo_loss_type,
            scale_rewards="group" if grpo_scales_rewards(config.grpo_loss_type) else "none",  # not Dr. GRPO's
            num_generations=config.grpo_group_size,  # batch_size counts prompts; TRL's batches count answers
            max_completion_length=config.grpo_max_new_tokens,
            temperature=float(config.grpo_temperature),
            reward_weights=[float(r.get("weight", 1.0)) for r in config.rewards],
            steps_per_generation=config.grad_accum * (step_rows // (micro or step_rows)),  # one generation a step
            disable_dropout=True,
        )
    else:
        from trl import SFTConfig as cls

        # Packed rows are max_length long, a longer row cut (bfd) or split (bfd_split: encoded whole, `cut_length`)
        # by TRL's packing; otherwise rows are already cut by ftlib.tokens.
        kwargs.update(
            packing=bool(config.packing),
            packing_strategy=config.packing_strategy,
            padding_free=bool(config.packing) or padding_free,
            max_length=config.max_length if config.packing else None,
            dataset_num_proc=None,
        )
    kwargs.update(distributed.trainer_kwargs(config))  # FSDP, several machines
    # DDP: every trainable weight is in each step's graph (an adapter on the text layers, a text model's every weight;
    # TRL's reference models and reward models are not wrapped), so no search for unused ones each step (transformers'
    # default for a run without checkpointing: True, and PyTorch warned it found none, once per process). A multimodal
    # model's full fine-tune trains a vision tower no text reaches: transformers' own choice stays there.
    kwargs["ddp_find_unused_parameters"] = False if config.uses_adapter or not multimodal(config.model) else None
    micro = micro or step_rows
    return cls(
        output_dir=str(Path(run_dir) / "checkpoints"),
        per_device_train_batch_size=micro,
        per_device_eval_batch_size=step_rows,
        gradient_accumulation_steps=config.grad_accum * (step_rows // micro),
        learning_rate=float(config.learning_rate),
        num_train_epochs=float(config.epochs),
        max_steps=config.max_steps or -1,
        warmup_steps=float(config.warmup_ratio),  # a share; counted rounded down (ftlib.warmup.floor_warmup)
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
        # FSDP has its own (ftlib.distributed).
        **{_checkpointing_argument(cls): config.gradient_checkpointing and not distributed.shards(config)},
        disable_tqdm=True,
        dataloader_num_workers=0,
        remove_unused_columns=False,
        train_sampling_strategy=sampling,
        length_column_name="length",
        **kwargs,
    )


def _checkpointing_argument(args_class) -> str:
    """The TrainingArguments field that turns gradient checkpointing on: `activation_checkpointing` in the newest
    transformers 5 releases (where the old name warns in every run log), `gradient_checkpointing` before them (5.17,
    the GPU machine's image, has only that one)."""
    names = {f.name for f in dataclasses.fields(args_class)}
    return "activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"
