"""Training throughput: ftlib against TRL in each of TRL's sensible settings, ratio against the fastest of them.

    .venv/bin/python -m bench.bench_train [--method lora|full|dpo|reward|kto|grpo] [--sides ...] [--max-steps N]

One command per table. `--method lora` (default): LoRA SFT on the `chat_style` sample (171 conversations);
`full`: full fine-tuning on the same rows; `dpo`: LoRA DPO on `preference_pairs` (100 pairs); `reward`: a LoRA
reward model (adapter and score head trained) on the same pairs; `kto`: LoRA KTO on their unpaired form (200 rows,
each chosen answer good, each rejected one bad, shuffled with the run's seed as the studio does); `grpo`: LoRA GRPO
on the `pirate_prompts` prompts (see below). Every side runs the Train page's defaults for the method (batch 8, one
epoch, its learning rate, LoRA r16 on all linear layers, dropout 0.05) on the same rows, each side in its own fresh
process (so peak memory is its own), one after the other:

- `trl-fp32`, `trl-fp32-gc`, `trl-bf16`, `trl-bf16-gc`: TRL's `SFTTrainer` (or `DPOTrainer`, `RewardTrainer`,
  `KTOTrainer`, `GRPOTrainer`) on the raw rows, with its own tokenization and masking (assistant-only loss through the
  template's `{% generation %}` tags; the same chat template), in fp32
  or with bf16 autocast (TRL's default), gradient checkpointing on (`-gc`, TRL's default) or off. The bf16 sides are
  skipped on a CPU without native bf16 matmuls (emulated there, ~100x slower: never TRL's fastest).
- `ftlib`: `ftlib.training.build_trainer` with the Train page's defaults (its fast path on).
- `ftlib-plain`: the same with the fast path off (`FTLIB_FAST_PATH=0`): what the fast path itself is worth.
- `ftlib-fp32`: the same with the weights dtype `float32` (the Train page's *Weights dtype*): on a GPU, fp32
  weights and products with no autocast, as `trl-fp32`; on the H200 TRL's fp32 beat its bf16 autocast by 1.5x
  on the default model, whose steps are bound by kernel launches (BENCHMARKS.md). Under `auto` a model under 200M
  parameters trains so on a GPU anyway (ftlib.precision).
- any side + `-dp2` (`ftlib-dp2`, `trl-bf16-dp2`, ...): that side as 2 data-parallel processes on this machine
  (torchrun, gloo; what the studio's `nproc 2` starts on a CPU): each with half the threads and half the rows of a
  step, so the steps, their rows and the token count are the single process's. Memory and CPU time are both
  processes' together; the first process measures the trained model.

For each side: trained tokens per second (non-padding tokens the trainer saw, counted by the Trainer's
`num_input_tokens_seen`, over the wall time of `trainer.train()`), peak memory (RSS of the process on CPU,
`torch.cuda.max_memory_allocated` on a GPU), a held-out measure from one function shared by all sides (SFT: mean
cross-entropy over the assistant tokens of `samples/chat_style_heldout.jsonl`; DPO and KTO: implicit-reward
accuracy and mean margin on `samples/preference_heldout.jsonl`, the policy against the starting model; the reward
model: pair accuracy, its score of the chosen answer above the rejected one's, and the mean score margin, on the
same pairs encoded once by ftlib.tokens and scored by `ftlib.rewards.RewardModel`) and model FLOPs utilization
(`ftlib.throughput.flops_per_token`, with DPO's and KTO's reference forward, over the matmul peak in the run's matmul
dtype, measured by this script just before and just after that side's run (their mean, shown beside the MFU: the
machine's speed drifts over a table's half hour); KTO's no-grad KL sequences are not counted). The last lines give
ftlib's ratio against the fastest TRL side: tokens/s, held-out measure and peak memory.

GRPO (issue 18.4) is measured in optimizer steps: each step, 2 prompts (`--batch-size`, prompts for GRPO) x 8 answers
of at most 24 new tokens at temperature 0.8, beta 0.1, the rewards {check: chat_style} and {not_repeating: {}}
(ftlib.rewards' built-ins; the TRL side calls the same scorers through TRL's reward-function signature), 6 steps
unless `--max-steps` says otherwise. ftlib writes the answers with its batched decoding (`BatchedRollout`); TRL with
its default generation (transformers `generate`, no vLLM). Reported: optimizer steps/s (the ratio), answers/s,
tokens/s (prompt + answer tokens, TRL's `num_tokens`), the seconds spent writing answers (`gen s`, GRPOTrainer's
`_generate` on both sides), the mean reward over the run's steps and the mean answer length. No held-out measure
and no MFU: generation dominates, and its FLOPs are not a training step's.

With `OMP_NUM_THREADS=1` each side uses one core and its CPU time (process time of `trainer.train()`) measures its
work even while other processes share the machine: the "tokens per CPU second" ratio is the figure to read on a
busy machine, the wall-clock one on a quiet machine.

`--max-steps N` stops every side after N optimizer steps (quick A/B runs; the recorded tables use whole epochs).
The child protocol (`--child SIDE`, one JSON line on stdout) is what `bench/gpu.py` runs its rows with.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
TRAIN = {
    "sft": SAMPLES / "chat_style_sft.jsonl",
    "preference": SAMPLES / "preference_pairs.jsonl",
    "prompt": SAMPLES / "pirate_prompts.jsonl",
}
HELDOUT = {"sft": SAMPLES / "chat_style_heldout.jsonl", "preference": SAMPLES / "preference_heldout.jsonl"}
METHODS = ("lora", "full", "dpo", "qlora", "dpo-full", "reward", "kto", "grpo")
# GRPO's setting for issue 18.4 (the demo's, bench/demo_rl.py): answers per prompt, their length, temperature, KL.
GRPO_REWARDS = [{"check": "chat_style", "weight": 1.0}, {"not_repeating": {}, "weight": 1.0}]
GRPO_SETTINGS = {
    "grpo_group_size": 8,
    "grpo_max_new_tokens": 24,
    "grpo_temperature": 0.8,
    "beta": 0.1,
    "rewards": GRPO_REWARDS,
}
DEFAULT_BATCH = {"grpo": 2}  # rows (pairs) per optimizer step; GRPO: prompts per step (x 8 answers)
DEFAULT_MAX_STEPS = {"grpo": 6}  # 0 = whole epochs
# TRL's settings: (bf16 autocast, gradient checkpointing).
TRL_SETTINGS = {
    "trl-fp32": (False, False),
    "trl-fp32-gc": (False, True),
    "trl-bf16": (True, False),
    "trl-bf16-gc": (True, True),
}
# A side named with this suffix runs as 2 data-parallel processes (torchrun, gloo): each with half the threads and half
# the rows of a step, so the optimizer steps and their rows are the single process's.
DATA_PARALLEL = "-dp2"
SIDES = (
    "ftlib",
    "ftlib-plain",
    "ftlib-fp32",
    *TRL_SETTINGS,
    "ftlib" + DATA_PARALLEL,
    *(side + DATA_PARALLEL for side in TRL_SETTINGS),
)
DEFAULT_SIDES = ("ftlib", *TRL_SETTINGS)


def setting_of(side: str) -> str:
    """The side's setting without the data-parallel suffix (`trl-bf16-dp2` -> `trl-bf16`)."""
    return side.removesuffix(DATA_PARALLEL)


def _kind(method: str) -> str:
    """The sample a method trains on: `sft`, `preference` (DPO, the reward model, KTO) or `prompt` (GRPO)."""
    if method == "grpo":
        return "prompt"
    return "preference" if method.startswith("dpo") or method in ("reward", "kto") else "sft"


def default_batch_size(method: str) -> int:
    return DEFAULT_BATCH.get(method, 8)


def default_max_steps(method: str) -> int:
    return DEFAULT_MAX_STEPS.get(method, 0)


# ---------------------------------------------------------------------------------------------------------------
# Measures shared by every side
# ---------------------------------------------------------------------------------------------------------------


def _heldout_encodings(kind: str, tokenizer, template):
    from ftlib.data import load_file
    from ftlib.tokens import encode_row

    rows = load_file(HELDOUT[kind]).rows
    return [encode_row(row, tokenizer, template, "all_assistant", None) for row in rows]


def _sequence_log_probs(model, encoded) -> tuple[float, int]:
    """(sum of log p over the trained tokens, their count) for one encoded sequence."""
    import torch

    device = next(model.parameters()).device
    ids = torch.tensor([encoded.input_ids], device=device)
    target = torch.tensor([encoded.labels], device=device)[0, 1:]
    logits = model(input_ids=ids).logits[0, :-1].float()
    log_probs = torch.log_softmax(logits, dim=-1)
    trained = target != -100
    return float(log_probs[trained].gather(1, target[trained][:, None]).sum()), int(trained.sum())


def heldout_loss(model, tokenizer, template) -> float:
    """Mean cross-entropy over the trained tokens of the held-out SFT sample (same labels for every side)."""
    import torch

    total, count = 0.0, 0
    model.eval()
    with torch.no_grad():
        for enc in _heldout_encodings("sft", tokenizer, template):
            log_p, n = _sequence_log_probs(model, enc)
            total, count = total - log_p, count + n
    return total / count


def heldout_rewards(model, tokenizer, template, beta: float, reference=None) -> tuple[float, float]:
    """(reward accuracy, mean reward margin) of a DPO-trained `model` on the held-out pairs.

    The implicit reward of an answer is beta * (log p_policy - log p_reference) summed over its trained tokens; a
    pair counts as correct when the chosen answer's reward is above the rejected one's (DPO's `rewards/accuracies`).
    The reference is the starting model: the PEFT model with its adapter disabled, or `reference`.
    """
    import contextlib

    import torch

    model.eval()
    scores = []
    with torch.no_grad():
        for enc in _heldout_encodings("preference", tokenizer, template):
            policy = [_sequence_log_probs(model, seq)[0] for seq in (enc.chosen, enc.rejected)]
            with model.disable_adapter() if reference is None else contextlib.nullcontext():
                ref_model = model if reference is None else reference
                ref = [_sequence_log_probs(ref_model, seq)[0] for seq in (enc.chosen, enc.rejected)]
            scores.append(beta * ((policy[0] - ref[0]) - (policy[1] - ref[1])))
    return sum(s > 0 for s in scores) / len(scores), sum(scores) / len(scores)


def heldout_pair_accuracy(model, tokenizer, template) -> tuple[float, float]:
    """(pair accuracy, mean score margin) of a reward model on the held-out pairs.

    Each answer is scored as the studio scores it (`ftlib.rewards.RewardModel.score_ids`: the score head at the last
    token) on ids from ftlib.tokens, the same for every side; accuracy is `ftlib.rewards.pair_accuracy` (chosen scored
    above rejected; a tie counts as wrong, as in TRL), the margin the mean of score(chosen) - score(rejected).
    """
    from ftlib.rewards import RewardModel, pair_accuracy

    model.eval()
    if getattr(model.config, "pad_token_id", None) is None:
        model.config.pad_token_id = (
            tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        )
    scorer = RewardModel(model, tokenizer, template)
    encodings = _heldout_encodings("preference", tokenizer, template)
    chosen = scorer.score_ids([e.chosen.input_ids for e in encodings])
    rejected = scorer.score_ids([e.rejected.input_ids for e in encodings])
    margin = sum(c - r for c, r in zip(chosen, rejected, strict=True)) / len(chosen)
    return pair_accuracy(chosen, rejected), margin


def trl_reward_functions(specs: list[dict]) -> list:
    """ftlib.rewards' rewards as TRL reward functions, `f(prompts, completions, **kwargs) -> [float]`, named after the
    reward (TRL logs `rewards/<name>/mean`). Prompts arrive as turns (TRL's conversational prompts) or their JSON text;
    completions as text or as TRL's conversational `[{"role": "assistant", "content": text}]`. Weights are TRL's
    `reward_weights`, as the studio passes them.
    """
    from ftlib.rewards import build_rewards

    def text(completion) -> str:
        return completion if isinstance(completion, str) else str(completion[-1].get("content", ""))

    functions = []
    for reward in build_rewards(specs):

        def function(prompts, completions, _reward=reward, **kwargs):
            turns = [json.loads(p) if isinstance(p, str) else p for p in prompts]
            return _reward.score(turns, [text(c) for c in completions])

        function.__name__ = reward.name
        functions.append(function)
    return functions


def peak_memory(device: str) -> int:
    import torch

    if device.startswith("cuda"):
        return int(torch.cuda.max_memory_allocated())
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def _collective_device():
    """Where a tensor for an all-reduce must live: NCCL reduces only CUDA tensors (as ftlib.metrics does)."""
    import torch

    if torch.distributed.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def bf16_usable(device: str) -> bool:
    """Whether bf16 matmuls run natively here (a CPU without AVX512_BF16/AMX emulates them ~100x slower)."""
    import torch

    from ftlib.fastpath import native_cpu_bf16

    if device.startswith("cuda"):
        return torch.cuda.is_bf16_supported(including_emulation=False)  # T4 and V100 only emulate it
    return native_cpu_bf16()


# ---------------------------------------------------------------------------------------------------------------
# One side, in its own process
# ---------------------------------------------------------------------------------------------------------------


def _config(
    method: str, model: str, epochs: float, max_steps: int, device: str, batch_size: int = 8, processes: int = 1
):
    from ftlib.config import RunConfig

    tuning = {"dpo": "lora", "dpo-full": "full"}
    # The Train page's defaults; no checkpoints or evaluation inside the timed loop for either side.
    return RunConfig(
        method="dpo" if method in tuning else method,
        tuning=tuning.get(method, "lora"),
        model=model,
        dataset=str(TRAIN[_kind(method)]),
        test_size=0,
        epochs=epochs,
        max_steps=max_steps,
        save_every=0,
        template="chatml",
        device=device,
        batch_size=batch_size,
        nproc=processes,
        **(GRPO_SETTINGS if method == "grpo" else {}),
    )


def _train_rows(kind: str) -> list[dict]:
    from ftlib.data import load_file

    return load_file(TRAIN[kind]).rows


def _trl_alignment_trainer(config, model, tokenizer, common: dict, peft_config):
    """TRL's RewardTrainer, KTOTrainer or GRPOTrainer on the raw rows, with their own tokenization."""
    import copy
    import random

    from datasets import Dataset

    from ftlib.alignment import unpair

    rows = _train_rows(_kind(config.method))
    if config.method == "reward":
        from trl import RewardConfig, RewardTrainer

        # The score head reads the last token of right-padded rows: the model must know the pad token.
        model.config.pad_token_id = tokenizer.pad_token_id
        args = RewardConfig(**common, max_length=config.max_length)
        data = [{key: row[key] for key in ("prompt", "chosen", "rejected")} for row in rows]
        # peft_config (ftlib.training.lora_config) trains the score head whole beside the adapter, as the studio does.
        return RewardTrainer(
            model=model,
            args=args,
            train_dataset=Dataset.from_list(data),
            processing_class=tokenizer,
            peft_config=peft_config,
        )
    if config.method == "kto":
        from trl import KTOConfig, KTOTrainer

        # The unpaired form of the pairs (alignment.unpair, TRL's unpair_preference_dataset), in the order the studio
        # trains them (shuffled with the seed); KTO reads them in order (TRL's default sequential sampling).
        data = [r for row in rows for r in unpair(row)]
        random.Random(config.seed).shuffle(data)
        args = KTOConfig(**common, beta=float(config.beta), max_length=config.max_length)
        return KTOTrainer(
            model=model,
            ref_model=copy.deepcopy(model).eval() if peft_config is None else None,
            args=args,
            train_dataset=Dataset.from_list(data),
            processing_class=tokenizer,
            peft_config=peft_config,
        )
    from trl import GRPOConfig, GRPOTrainer

    group = config.grpo_group_size
    # TRL's batches count answers: batch_size prompts x group answers a step, generated once a step; TRL's default
    # generation (transformers generate, no vLLM).
    args = GRPOConfig(
        **{**common, "per_device_train_batch_size": config.batch_size * group, "include_num_input_tokens_seen": "no"},
        num_generations=group,
        max_completion_length=config.grpo_max_new_tokens,
        temperature=float(config.grpo_temperature),
        beta=float(config.beta),
        reward_weights=[float(r.get("weight", 1.0)) for r in config.rewards],
        logging_steps=1,  # each step's mean reward in the log history
    )
    return GRPOTrainer(
        model=model,
        reward_funcs=trl_reward_functions(config.rewards),
        args=args,
        train_dataset=Dataset.from_list([{"prompt": row["prompt"]} for row in rows]),
        processing_class=tokenizer,
        peft_config=peft_config,
    )


def _trl_trainer(config, side: str, out: str, device: str):
    """TRL's SFTTrainer / DPOTrainer on the raw rows, with TRL's own tokenization and masking."""
    import copy

    from datasets import Dataset

    from ftlib.models import load_model, load_tokenizer
    from ftlib.templates import get_template
    from ftlib.training import lora_config

    autocast, checkpointing = TRL_SETTINGS[setting_of(side)]
    tokenizer = load_tokenizer(config.model)
    template = get_template(config.template, tokenizer)
    tokenizer.chat_template = template.source  # TRL needs {% generation %} tags for assistant_only_loss
    on_gpu = device.startswith("cuda")
    # fp32 weights as TRL's examples load them (autocast computes in bf16); QLoRA: the same 4-bit base as ftlib.
    from ftlib.models import pick_dtype
    from ftlib.training import quantization_config

    quantization = quantization_config(config, pick_dtype(device, None))  # QLoRA: the same 4-bit base as ftlib
    model = load_model(
        config.model,
        device=device,
        dtype=None if quantization else "float32",
        quantization=quantization,
        score=config.method == "reward",
    )
    common = dict(
        output_dir=out,
        per_device_train_batch_size=config.batch_size,
        learning_rate=float(config.learning_rate),
        num_train_epochs=float(config.epochs),
        max_steps=config.max_steps or -1,
        warmup_steps=float(config.warmup_ratio),
        lr_scheduler_type=config.scheduler,
        seed=config.seed,
        report_to=[],
        save_strategy="no",
        eval_strategy="no",
        disable_tqdm=True,
        bf16=autocast,
        use_cpu=not on_gpu,
        dataloader_num_workers=0,
        gradient_checkpointing=checkpointing,
        include_num_input_tokens_seen="non_padding",
    )
    peft_config = lora_config(config) if config.uses_adapter else None
    if config.method in ("reward", "kto", "grpo"):
        return _trl_alignment_trainer(config, model, tokenizer, common, peft_config), tokenizer, template
    rows = _train_rows(config.kind)
    if config.kind == "preference":
        from trl import DPOConfig, DPOTrainer

        args = DPOConfig(**common, beta=float(config.beta), max_length=config.max_length)
        # Canonical preference rows are conversational: TRL renders prompt and answers with the same template.
        data = [{key: row[key] for key in ("prompt", "chosen", "rejected")} for row in rows]
        trainer = DPOTrainer(
            model=model,
            ref_model=copy.deepcopy(model).eval() if peft_config is None else None,
            args=args,
            train_dataset=Dataset.from_list(data),
            processing_class=tokenizer,
            peft_config=peft_config,
        )
    else:
        from trl import SFTConfig, SFTTrainer

        args = SFTConfig(**common, assistant_only_loss=True, max_length=config.max_length)
        trainer = SFTTrainer(
            model=model,
            args=args,
            train_dataset=Dataset.from_list([{"messages": row["messages"]} for row in rows]),
            processing_class=tokenizer,
            peft_config=peft_config,
        )
    return trainer, tokenizer, template


def _ftlib_trainer(config, out: str):
    from ftlib.templates import get_template
    from ftlib.training import build_trainer

    prepared = build_trainer(config, Path(out), rows=(_train_rows(_kind(config.method)), []))
    if config.method != "grpo":  # GRPO counts its prompt and answer tokens itself (TRL's `num_tokens`)
        # Rows laid end to end (fastpath.padding_free) carry no padding, and without an attention mask "non_padding"
        # would skip every real token equal to the pad id (the end-of-turn token, for SmolLM2).
        free = getattr(prepared.trainer.args, "padding_free", False)
        prepared.trainer.args.include_num_input_tokens_seen = "all" if free else "non_padding"
    template = get_template(config.template, prepared.tokenizer)
    return prepared.trainer, prepared.tokenizer, template


def _step_clock(device: str):
    """A TrainerCallback noting (time, tokens seen) at the end of every optimizer step, in `.marks`."""
    from transformers import TrainerCallback

    class StepClock(TrainerCallback):
        def __init__(self):
            self.marks = []

        def on_step_end(self, args, state, control, **kwargs):
            if device.startswith("cuda"):
                import torch

                torch.cuda.synchronize()
            self.marks.append((time.perf_counter(), state.num_input_tokens_seen))

    return StepClock()


def _generation_clock(trainer, device: str) -> list[float]:
    """Time GRPO's answer writing: both sides write them in GRPOTrainer._generate (ftlib's through its
    `rollout_func`, TRL's through transformers `generate`); the returned one-item list holds the seconds spent."""
    spent = [0.0]
    original = trainer._generate

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            if device.startswith("cuda"):
                import torch

                torch.cuda.synchronize()
            spent[0] += time.perf_counter() - start

    trainer._generate = timed
    return spent


def _precision(trainer, model) -> str:
    if getattr(trainer.args, "bf16", False):
        return "bf16 autocast"
    dtypes = {p.dtype for p in model.parameters() if not p.requires_grad} or {next(model.parameters()).dtype}
    if any("int" in str(d) or "uint8" in str(d) for d in dtypes):
        return "4-bit base"
    import torch

    if dtypes == {torch.bfloat16}:
        return "bf16 base"
    mixed = any(hasattr(m, "_ftlib_shadow") or getattr(m, "_ftlib_bf16_products", False) for m in model.modules())
    return "bf16 products" if mixed or torch.bfloat16 in dtypes else "fp32"


def run_side(
    side: str,
    method: str,
    model: str,
    epochs: float,
    max_steps: int = 0,
    device: str = "auto",
    batch_size: int = 0,
    warmup_steps: int = 0,
) -> dict:
    """Train one side in this process; return its measures (see the module docstring).

    `batch_size` 0: the method's default (8 rows; GRPO 2 prompts). `warmup_steps` > 0: tokens/s (GRPO: steps/s)
    over the steps after the first `warmup_steps` only (a GPU's first steps pay for kernel selection and
    allocations; a whole CPU epoch is timed from its start).
    """
    import tempfile

    import torch

    from ftlib import throughput
    from ftlib.models import pick_device

    if setting_of(side) == "ftlib-plain":
        os.environ["FTLIB_FAST_PATH"] = "0"
    batch_size = batch_size or default_batch_size(method)
    device = pick_device(device)
    world = int(os.environ.get("WORLD_SIZE", "1"))  # torchrun's, for a data-parallel side
    config = _config(method, model, epochs, max_steps, "cpu" if device == "cpu" else device, batch_size, world)
    if setting_of(side) == "ftlib-fp32":
        config = dataclasses.replace(config, dtype="float32")
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    with tempfile.TemporaryDirectory() as out:
        if side.startswith("trl"):
            trainer, tokenizer, template = _trl_trainer(config, side, out, device)
        else:
            trainer, tokenizer, template = _ftlib_trainer(config, out)
        clock = _step_clock(device)
        trainer.add_callback(clock)
        generation = _generation_clock(trainer, device) if method == "grpo" else [0.0]
        start = time.perf_counter()
        cpu_start = time.process_time()
        trainer.train()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        peak = peak_memory(device)  # before the held-out measure loads anything else
        if world > 1:  # every process's memory and CPU time; rank 0 alone measures the (identical) trained model
            totals = torch.tensor([float(peak), cpu], dtype=torch.float64, device=_collective_device())
            torch.distributed.all_reduce(totals)
            peak, cpu = int(totals[0]), float(totals[1])
            if torch.distributed.get_rank() != 0:
                return None
        trained = trainer.model
        tokens = float(trainer.state.num_input_tokens_seen)
        steps = trainer.state.global_step
        timed_tokens, timed_wall, timed_steps = tokens, wall, steps
        if 0 < warmup_steps < len(clock.marks) - 1:
            (t0, n0), (t1, n1) = clock.marks[warmup_steps], clock.marks[-1]
            timed_tokens, timed_wall = float(n1 - n0), t1 - t0
            timed_steps = len(clock.marks) - 1 - warmup_steps
        rows_seen = steps * config.batch_size * config.grad_accum * world
        paired = method.startswith("dpo") or method == "reward"  # two sequences a row: chosen and rejected
        per_token = throughput.flops_per_token(
            trained,
            mean_seq=tokens / max(1, rows_seen * (2 if paired else 1)),
            reference=method.startswith("dpo") or method == "kto",
        )
        result = {
            "side": side,
            "method": method,
            "precision": _precision(trainer, trained),
            "checkpointing": bool(trainer.args.gradient_checkpointing),
            "steps": steps,
            "tokens": tokens,
            "wall_s": wall,
            "cpu_s": cpu,
            "tokens_per_s": timed_tokens / timed_wall,
            "timed_s": timed_wall,
            "flops": per_token * timed_tokens,
            "peak_bytes": peak,
            "device": device,
            "threads": torch.get_num_threads(),
            "processes": world,
        }
        if method == "grpo":
            # Optimizer steps are the measure (generation dominates); no MFU: decoding FLOPs are not a step's.
            logged = [h for h in trainer.state.log_history if "reward" in h]
            lengths = [h["completions/mean_length"] for h in logged if "completions/mean_length" in h]
            completions = rows_seen * config.grpo_group_size
            result |= {
                "flops": 0.0,
                "steps_per_s": timed_steps / timed_wall,
                "completions": completions,
                "completions_per_s": timed_steps * config.batch_size * world * config.grpo_group_size / timed_wall,
                "generation_s": generation[0],  # of the whole run (wall_s), warm-up steps included
                "mean_reward": sum(h["reward"] for h in logged) / len(logged) if logged else float("nan"),
                "completion_length": sum(lengths) / len(lengths) if lengths else float("nan"),
            }
        elif method == "reward":
            accuracy, margin = heldout_pair_accuracy(trained, tokenizer, template)
            result |= {"heldout_pair_accuracy": accuracy, "heldout_margin": margin}
        elif method.startswith("dpo") or method == "kto":
            reference = None
            if not config.uses_adapter:
                from ftlib.models import load_model

                reference = load_model(config.model, device=device, dtype="float32").eval()
            accuracy, margin = heldout_rewards(trained, tokenizer, template, float(config.beta), reference)
            result |= {"heldout_accuracy": accuracy, "heldout_margin": margin}
        else:
            result["heldout_loss"] = heldout_loss(trained, tokenizer, template)
    return result


# ---------------------------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------------------------


def child_command(
    side: str,
    method: str,
    model: str,
    epochs: float,
    max_steps: int,
    device: str,
    batch_size: int = 0,
    warmup_steps: int = 0,
) -> list[str]:
    """The command line that runs one side in a fresh process (`run_child` reads its JSON line). `batch_size` 0:
    the method's default (8 rows; GRPO 2 prompts)."""
    return [
        sys.executable,
        "-m",
        "bench.bench_train",
        "--child",
        side,
        "--method",
        method,
        "--model",
        model,
        "--epochs",
        str(epochs),
        "--max-steps",
        str(max_steps),
        "--device",
        device,
        "--batch-size",
        str(batch_size),
        "--warmup-steps",
        str(warmup_steps),
    ]


def data_parallel(
    command: list[str], batch_size: int, threads: int, env: dict | None = None, processes: int = 2
) -> tuple[list[str], dict]:
    """A side's child command run as `processes` torchrun processes on this machine, each with its share of the rows
    of a step (`--batch-size`) and of the `threads`, as ftlib.distributed.cpu_threads gives a studio run; with its
    environment. Refused (SystemExit) when the rows of a step do not split evenly."""
    if batch_size % processes:
        raise SystemExit(f"--batch-size {batch_size} does not split over {processes} data-parallel processes")
    command = list(command)
    command[command.index("--batch-size") + 1] = str(batch_size // processes)
    launcher = ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(processes)]
    env = (os.environ.copy() if env is None else dict(env)) | {"OMP_NUM_THREADS": str(max(1, threads // processes))}
    return [command[0], *launcher, *command[1:]], env


def run_child(command: list[str], timeout: float | None = None, env: dict | None = None) -> dict:
    """Run one side's process; its JSON result, or {"error": why} when it failed, timed out or printed none."""
    try:
        proc = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env or os.environ.copy()
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    result = _last_json(proc.stdout)
    # A child that measured and then failed a check it states (`"check"`: bench_sampling's greedy rows differing) keeps
    # its measures; any other non-zero exit is a failure, whatever dict-like lines it printed before (TRL's logs).
    if result is not None and (proc.returncode == 0 or "check" in result):
        return {**result, **({"exit": proc.returncode} if proc.returncode else {})}
    return {"error": f"exit {proc.returncode}: {_last_words(proc.stderr + proc.stdout)}", "log": proc.stderr[-4000:]}


def _last_json(output: str) -> dict | None:
    """The last line of `output` that is a JSON object (a child's result); None without one. Lines that look like one
    and are not (transformers' PrinterCallback prints Python dicts) are passed over."""
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


def _last_words(output: str) -> str:
    """The line of a failed child's output that says why: its last `error:` or exception line, else its last line
    that is not a progress bar (a weight-loading bar hid a grid's reason on the H200).

    >>> _last_words("Traceback ...\\nValueError: no\\nLoading: 100%|##| 272/272 [00:00<00:00, 3578.0it/s]\\n")
    'ValueError: no'
    >>> _last_words(""), _last_words("one\\ntwo\\n")
    ('no output', 'two')
    """
    lines = [line.strip() for line in output.replace("\r", "\n").splitlines() if line.strip()]
    lines = [line for line in lines if not re.search(r"\d+%\|", line)]  # tqdm's "42%|####  |"
    said = [line for line in lines if line.startswith("error:") or re.match(r"[A-Za-z_.]*(Error|Exception)\b", line)]
    return (said or lines or ["no output"])[-1][:200]


def measure_peaks(device: str) -> dict:
    """The matmul peak here now, in FLOP/s, per dtype the sides compute in (`float32`, and `bfloat16` where native)."""
    from ftlib.throughput import matmul_peak

    peaks = {"float32": matmul_peak(device, "float32", seconds=1.0, cache=False)}
    if bf16_usable(device):
        peaks["bfloat16"] = matmul_peak(device, "bfloat16", seconds=1.0, cache=False)
    return peaks


def matmul_dtype(result: dict) -> str:
    """The dtype of a side's products: its MFU's peak."""
    dtype = "bfloat16" if "bf16" in result["precision"] or result["precision"] == "4-bit base" else "float32"
    if result["precision"] == "4-bit base" and not result["device"].startswith("cuda"):
        dtype = "float32"
    return dtype


def mfu_of(result: dict, peaks: dict) -> float:
    """Model FLOPs per second over the measured matmul peak in the run's matmul dtype."""
    dtype = matmul_dtype(result)
    return result["flops"] / result.get("timed_s", result["wall_s"]) / peaks[dtype] if peaks.get(dtype) else 0.0


def heldout_text(result: dict) -> str:
    if "heldout_loss" in result:
        return f"loss {result['heldout_loss']:.4f}"
    if "heldout_accuracy" in result:
        return f"acc {result['heldout_accuracy']:.2f} margin {result['heldout_margin']:+.2f}"
    if "heldout_pair_accuracy" in result:
        return f"pair acc {result['heldout_pair_accuracy']:.2f} margin {result['heldout_margin']:+.2f}"
    return "-"


def speed(result: dict, by: str = "wall") -> float:
    """What a side is ranked by: tokens per second (GRPO: optimizer steps per second), of wall time or (`by="cpu"`) of
    CPU time."""
    grpo = "steps_per_s" in result
    if by == "cpu":
        return (result["steps"] if grpo else result["tokens"]) / result["cpu_s"]
    return result["steps_per_s"] if grpo else result["tokens_per_s"]


def fastest_reference(results: dict, by: str = "wall") -> str | None:
    """The TRL side with the most tokens per second (GRPO: steps per second; `by="cpu"`: per CPU second, the measure
    for single-thread runs on a busy machine)."""
    trl = [side for side, r in results.items() if side.startswith("trl") and "error" not in r and "skipped" not in r]
    return max(trl, key=lambda side: speed(results[side], by)) if trl else None


def comparison(ours: dict, ref: dict) -> str:
    """ftlib against a reference side: tokens/s ratio (GRPO: steps/s), held-out measure (GRPO: mean reward) and peak
    memory ratio."""
    if "steps_per_s" in ours:
        return ", ".join(
            [
                f"{speed(ours) / speed(ref):.2f}x optimizer steps/s (wall)",
                f"{speed(ours, 'cpu') / speed(ref, 'cpu'):.2f}x steps per CPU second",
                f"answers/s {ours['completions_per_s']:.2f} vs {ref['completions_per_s']:.2f}",
                f"mean reward {ours['mean_reward']:.3f} vs {ref['mean_reward']:.3f}",
                f"answer length {ours['completion_length']:.1f} vs {ref['completion_length']:.1f} tokens",
                f"writing answers {ours['generation_s']:.1f} s vs {ref['generation_s']:.1f} s",
                f"peak memory {ours['peak_bytes'] / ref['peak_bytes']:.2f}x",
                f"steps {ours['steps']} vs {ref['steps']}",
            ]
        )
    parts = [
        f"{ours['tokens_per_s'] / ref['tokens_per_s']:.2f}x tokens/s (wall)",
        f"{(ours['tokens'] / ours['cpu_s']) / (ref['tokens'] / ref['cpu_s']):.2f}x tokens per CPU second",
    ]
    if "heldout_loss" in ours:
        parts.append(f"held-out loss {ours['heldout_loss'] / ref['heldout_loss'] - 1:+.1%}")
    elif "heldout_pair_accuracy" in ours:
        parts.append(
            f"held-out pair accuracy {ours['heldout_pair_accuracy']:.2f} vs {ref['heldout_pair_accuracy']:.2f} "
            f"(score margin {ours['heldout_margin']:+.2f} vs {ref['heldout_margin']:+.2f})"
        )
    else:
        parts.append(
            f"held-out reward accuracy {ours['heldout_accuracy']:.2f} vs {ref['heldout_accuracy']:.2f} "
            f"(margin {ours['heldout_margin']:+.2f} vs {ref['heldout_margin']:+.2f})"
        )
    parts.append(f"peak memory {ours['peak_bytes'] / ref['peak_bytes']:.2f}x")
    parts.append(f"tokens {ours['tokens']:,.0f} vs {ref['tokens']:,.0f}")
    return ", ".join(parts)


def print_grpo_table(results: dict) -> None:
    """GRPO's table: optimizer steps and answers per second, and what the rewards said over the run."""
    print(
        f"\n{'side':<16} {'precision':<14} {'ckpt':<5} {'steps':>5} {'steps/s':>8} {'answers/s':>9} {'tokens/s':>9} "
        f"{'wall s':>7} {'gen s':>7} {'CPU s':>7} {'st/CPU s':>8} {'peak MiB':>9} {'mean reward':>11} {'length':>6}"
    )
    for side, r in results.items():
        if "error" in r or "skipped" in r:
            print(f"{side:<16} {r.get('error') or r.get('skipped')}")
            continue
        print(
            f"{side:<16} {r['precision']:<14} {'on' if r['checkpointing'] else 'off':<5} {r['steps']:>5} "
            f"{r['steps_per_s']:>8.3f} {r['completions_per_s']:>9.2f} {r['tokens_per_s']:>9,.0f} {r['wall_s']:>7.1f} "
            f"{r['generation_s']:>7.1f} "
            f"{r['cpu_s']:>7.1f} {speed(r, 'cpu'):>8.4f} {r['peak_bytes'] / 2**20:>9,.0f} {r['mean_reward']:>11.3f} "
            f"{r['completion_length']:>6.1f}"
        )


def print_table(results: dict, peaks: dict) -> None:
    """`peaks`: side -> {dtype: FLOP/s} measured around that side's run."""
    if any("steps_per_s" in r for r in results.values()):
        print_grpo_table(results)
        return
    print(
        f"\n{'side':<16} {'precision':<14} {'ckpt':<5} {'steps':>5} {'tokens/s':>9} {'wall s':>7} {'CPU s':>7} "
        f"{'tok/CPU s':>9} {'peak MiB':>9} {'held-out':<26} {'MFU':>6} {'of GFLOP/s':>10}"
    )
    for side, r in results.items():
        if "error" in r or "skipped" in r:
            print(f"{side:<16} {r.get('error') or r.get('skipped')}")
            continue
        print(
            f"{side:<16} {r['precision']:<14} {'on' if r['checkpointing'] else 'off':<5} {r['steps']:>5} "
            f"{r['tokens_per_s']:>9,.0f} {r['wall_s']:>7.1f} {r['cpu_s']:>7.1f} {r['tokens'] / r['cpu_s']:>9,.1f} "
            f"{r['peak_bytes'] / 2**20:>9,.0f} "
            f"{heldout_text(r):<26} {mfu_of(r, peaks[side]):>6.1%} {peaks[side][matmul_dtype(r)] / 1e9:>10,.0f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="lora", choices=METHODS)
    parser.add_argument("--model", default="default")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument(
        "--max-steps", type=int, default=None, help="stop each side after N steps (0 = whole epochs; GRPO's default 6)"
    )
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--batch-size", type=int, default=0, help="rows per step (GRPO: prompts); 0 = the method's (8; GRPO 2)"
    )
    parser.add_argument("--warmup-steps", type=int, default=0, help="time only the steps after the first N")
    parser.add_argument("--sides", default=",".join(DEFAULT_SIDES), help=f"comma-separated, from {', '.join(SIDES)}")
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # Every side checked before the first is measured: a misspelt last side stopped the command minutes in.
    if unknown := [side for side in (s.strip() for s in args.sides.split(",")) if side and side not in SIDES]:
        parser.error(f"unknown side {unknown[0]!r}; choose from {', '.join(SIDES)}")
    if args.max_steps is None:
        args.max_steps = default_max_steps(args.method)
    args.batch_size = args.batch_size or default_batch_size(args.method)
    if args.child:
        result = run_side(
            args.child,
            args.method,
            args.model,
            args.epochs,
            args.max_steps,
            args.device,
            args.batch_size,
            args.warmup_steps,
        )
        if result is not None:  # a data-parallel side: its first process speaks for all
            print(json.dumps(result), flush=True)
        from ftlib.distributed import close_process_group

        close_process_group()  # a -dp2 side's gloo group left to the exit aborted rank 1 there once (CI44)
        return 0

    import torch

    from ftlib.models import pick_device
    from ftlib.sharing import process_env

    device = pick_device(args.device)
    peaks = measure_peaks(device)
    print(
        f"{args.method} on {device}, {torch.get_num_threads()} threads; matmul peak "
        + ", ".join(f"{name} {value / 1e9:,.1f} GFLOP/s" for name, value in peaks.items())
        + f"; load average {os.getloadavg()[0]:.2f} at start"
    )
    results, side_peaks = {}, {}
    for side in [s.strip() for s in args.sides.split(",") if s.strip()]:
        if side not in SIDES:
            raise SystemExit(f"unknown side {side!r}; choose from {', '.join(SIDES)}")
        if side.startswith("trl") and TRL_SETTINGS[setting_of(side)][0] and "bfloat16" not in peaks:
            results[side] = {"skipped": "skipped: bf16 is emulated on this device (never TRL's fastest)"}
            continue
        command = child_command(
            side, args.method, args.model, args.epochs, args.max_steps, device, args.batch_size, args.warmup_steps
        )
        # ftlib's sides train in the environment the studio's launcher gives a run (ftlib.sharing.process_env).
        env = process_env(os.environ.copy()) if side.startswith("ftlib") else None
        if side.endswith(DATA_PARALLEL):
            command, env = data_parallel(command, args.batch_size, torch.get_num_threads(), env)
        results[side] = run_child(command, env=env)
        after = measure_peaks(device)  # each side's MFU against the peak measured on either side of it
        side_peaks[side] = {dtype: (peaks[dtype] + after[dtype]) / 2 for dtype in peaks}
        peaks = after
        r = results[side]
        if "error" in r:
            sys.stderr.write(r.get("log", ""))
            print(f"  {side}: FAILED ({r['error']})", flush=True)
        else:
            print(f"  {side}: {r['steps']} steps, {r['wall_s']:.1f} s, {r['precision']}", flush=True)
    print_table(results, side_peaks)
    for by in ("wall", "cpu"):
        fastest = fastest_reference(results, by)
        if fastest:
            print(f"\nTRL's fastest setting here by {by} time: {fastest}")
        for name in ("ftlib", "ftlib" + DATA_PARALLEL):
            ours = results.get(name)
            if fastest and ours and "error" not in ours:
                print(f"{name} / {fastest}: {comparison(ours, results[fastest])}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0 if all("error" not in r for r in results.values()) else 1


def leave_out_bitsandbytes(argv: list[str]) -> bool:
    """A child process that quantizes nothing starts without bitsandbytes, as a studio run does
    (`ftlib.training_model.leave_out_bitsandbytes`: PEFT imports it, and it imports torch's inductor, ~1 s of each
    row's start on the CPUs here, of the ~20 s a row spent starting on the lent H200). Only for a child's own
    process: the tests call `main` in theirs, where a QLoRA test may need it later. True if it did."""
    from ftlib.config import RunConfig
    from ftlib.training_model import leave_out_bitsandbytes as leave_out

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--child")
    parser.add_argument("--method", default="lora")
    parser.add_argument("--model", default="default")
    known, _ = parser.parse_known_args(argv)
    if not known.child or known.method == "qlora":
        return False
    return leave_out(RunConfig(method="lora", model=known.model))


if __name__ == "__main__":
    leave_out_bitsandbytes(sys.argv[1:])
    raise SystemExit(main())
