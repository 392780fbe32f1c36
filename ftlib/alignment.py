"""Alignment after SFT, on TRL: DPO's pieces (`DPOTrainer`), a reward model (`RewardTrainer`), KTO (`KTOTrainer`)
and GRPO (`GRPOTrainer`), all fed with rows our encoder prepared, as SFT is.

    trainer = make_trainer(config, model, args, tokenizer, template, train_enc, eval_enc, run_dir, common)

- dpo: `PreferenceCollator` pads chosen then rejected and derives DPOTrainer's completion mask from our labels
  (training.build_trainer builds the DPOTrainer itself).

- reward: pairs become `chosen_ids` / `rejected_ids` for TRL's collator; a one-number score head sits on the chosen
  base (LoRA trains the adapter and the head, PEFT's `modules_to_save`; full trains everything). TRL's loss is
  -log sigmoid(score(chosen) - score(rejected)) (Ouyang et al. 2022), its accuracy the share of pairs ranked right.
- kto: unpaired rows (a pair counts as a good and a bad row) become one sequence each; `UnpairedCollator` builds
  TRL's completion masks from our labels and, per batch, the mismatched (prompt, someone else's answer) sequences
  KTO's KL estimate needs (Ethayarajh et al. 2024).
- grpo: prompts (a conversation's turns before its last answer, with the row's tools) are rendered by our encoder and
  carried through TRL as text (`prompt_text`: turns and tools, so prompts that differ only in their tools stay two
  prompts, each rendered and scored with its own); the answers are written by `ftlib.sampling`'s batched decoding
  (`BatchedRollout`, TRL's `rollout_func`), every answer of a step in one decoding loop with a generator per answer;
  `ftlib.rewards` scores them; each logged step's answers and rewards go to the run folder's completions.jsonl for
  the Train page (Shao et al. 2024, DeepSeekMath). These pieces are in `ftlib.grpo_rollout`.

Not known here: the translators from RunConfig to TRL's configs and PEFT (training.py, which calls this), what the
rewards compute (rewards.py), the run queue (runs.py).
"""

from __future__ import annotations

import random
import warnings
from dataclasses import dataclass
from pathlib import Path

from ftlib.grpo_rollout import (  # GRPO's feed for TRL, kept importable from here
    COLUMNS_FIELD,
    BatchedRollout,
    completion_rows,
    prompt_dataset,
    prompt_parts,
    prompt_text,
    reward_functions,
)
from ftlib.rows import IGNORE_INDEX, as_turns, row_kind

ALIGNMENT_METHODS = ("reward", "kto", "grpo")

# ---------------------------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------------------------


def unpair(row: dict) -> list[dict]:
    """A preference row as two unpaired rows, the chosen answer good and the rejected one bad (TRL's
    `unpair_preference_dataset`); an unpaired row as itself."""
    if row_kind(row) != "preference":
        return [row]
    extra = {"tools": row["tools"]} if row.get("tools") else {}
    prompt = as_turns(row.get("prompt"), "user")
    return [
        {"prompt": prompt, "completion": as_turns(row[side]), "label": side == "chosen", **extra}
        for side in ("chosen", "rejected")
    ]


def kto_pair_notes(rows: list[dict], method: str) -> list[str]:
    """What KTO makes of preference pairs, said before a run starts (`unpair`): each pair is a good row (its chosen
    answer) and a bad row (its rejected one), so the run trains on twice as many rows as the split has pairs.

    >>> kto_pair_notes([{"prompt": "Hi", "chosen": "Hello!", "rejected": "Go away."}] * 3, "kto")
    ['KTO reads each of the 3 preference pairs as a good answer (chosen) and a bad answer (rejected): 6 rows.']
    """
    pairs = sum(row_kind(row) == "preference" for row in rows) if method == "kto" else 0
    if not pairs:
        return []
    which = f"each of the {pairs} preference pairs" if pairs > 1 else "the 1 preference pair"
    return [f"KTO reads {which} as a good answer (chosen) and a bad answer (rejected): {2 * pairs} rows."]


def prompt_row(row: dict) -> dict:
    """The prompt GRPO answers: a prompt-only row as it is; a conversation up to (not including) its last
    assistant turn.

    >>> prompt_row({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]})
    {'prompt': [{'role': 'user', 'content': 'Hi'}]}
    """
    if row_kind(row) != "sft":
        return row
    messages = list(row["messages"])
    last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=len(messages))
    out = {"prompt": messages[:last]}
    if row.get("tools"):
        out["tools"] = row["tools"]
    return out


def training_rows(rows: list[dict], method: str) -> tuple[list[dict], list[int]]:
    """The rows `method` trains on and, for each, the number (1-based) of the row it came from."""
    if method == "kto":
        pairs = [(r, n) for n, row in enumerate(rows, start=1) for r in unpair(row)]
    elif method == "grpo":
        pairs = [(prompt_row(row), n) for n, row in enumerate(rows, start=1)]
    else:
        pairs = [(row, n) for n, row in enumerate(rows, start=1)]
    return [r for r, _ in pairs], [n for _, n in pairs]


def prompt_start(enc) -> int:
    """Where an encoded answer starts: the first trained token (everything before it is the prompt)."""
    return next((i for i, label in enumerate(enc.labels) if label != IGNORE_INDEX), len(enc.labels))


# ---------------------------------------------------------------------------------------------------------------
# DPO
# ---------------------------------------------------------------------------------------------------------------


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
            completion[i, : len(ids)] = torch.tensor([int(x != IGNORE_INDEX) for x in lab])
        batch = {"input_ids": input_ids, "attention_mask": attention, "completion_mask": completion}
        for key in ("ref_chosen_logps", "ref_rejected_logps"):
            if key in examples[0]:
                batch[key] = torch.tensor([e[key] for e in examples])
        return batch


def dpo_trainer_class():
    """TRL's `DPOTrainer` subclassed to take `preference_dataset`'s pre-tokenized chosen/rejected ids and labels
    as they are (not re-tokenized, those columns kept). Built on call: trl is imported then (ImportError without)."""
    per_pair = (*(f"{k}/{s}" for k in ("rewards", "logps") for s in ("chosen", "rejected")), "rewards/margins")

    class PretokenizedDPOTrainer(_pair_weighted("DPOTrainer", (*per_pair, "rewards/accuracies"))):
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


# ---------------------------------------------------------------------------------------------------------------
# Reward model
# ---------------------------------------------------------------------------------------------------------------


def reward_dataset(encodings: list):
    """A datasets.Dataset of `chosen_ids` / `rejected_ids` (TRL's processed reward columns) and their length."""
    from datasets import Dataset

    return Dataset.from_dict(
        {
            "chosen_ids": [list(e.chosen.input_ids) for e in encodings],
            "rejected_ids": [list(e.rejected.input_ids) for e in encodings],
            "length": [max(len(e.chosen.input_ids), len(e.rejected.input_ids)) for e in encodings],
        }
    )


def pairwise_metrics(chosen, rejected) -> dict[str, float]:
    """A reward model's loss, accuracy and margin on pairs, as TRL's RewardTrainer computes them.

    `chosen`, `rejected`: [N] scores. loss = mean(-log sigmoid(chosen - rejected)); accuracy = share with
    chosen > rejected; margin = mean(chosen - rejected).
    """
    import torch
    import torch.nn.functional as F

    chosen, rejected = torch.as_tensor(chosen, dtype=torch.float32), torch.as_tensor(rejected, dtype=torch.float32)
    return {
        "loss": float(-F.logsigmoid(chosen - rejected).mean()),
        "accuracy": float((chosen > rejected).float().mean()),
        "margin": float((chosen - rejected).mean()),
    }


# ---------------------------------------------------------------------------------------------------------------
# KTO
# ---------------------------------------------------------------------------------------------------------------


def unpaired_dataset(encodings: list, seed: int):
    """A datasets.Dataset of unpaired sequences (ids, our labels, where the answer starts, good or bad), shuffled
    with `seed`, and its KL pairs formed within each batch (UnpairedCollator). TRL's KTOTrainer read it in this order
    under transformers < 5.2; from 5.2 on it draws it in the Trainer's own order, shuffled each epoch with the seed."""
    from datasets import Dataset

    order = list(range(len(encodings)))
    random.Random(seed).shuffle(order)
    chosen = [encodings[i] for i in order]
    return Dataset.from_dict(
        {
            "input_ids": [list(e.input_ids) for e in chosen],
            "labels": [list(e.labels) for e in chosen],
            "answer_start": [prompt_start(e) for e in chosen],
            "label": [bool(e.label) for e in chosen],
        }
    )


@dataclass
class UnpairedCollator:
    """Pad unpaired sequences for KTOTrainer: `completion_mask` = our trained tokens, and the KL sequences.

    KTO estimates how far the policy moved with mismatched pairs: row i's prompt followed by the answer of row
    i-1 of the same batch (TRL rotates answers by one the same way, before batching). The KL sequence's mask
    covers the borrowed answer's trained tokens.

    >>> c = UnpairedCollator(pad_id=0)
    >>> b = c([{"input_ids": [1, 2, 3], "labels": [-100, 2, 3], "answer_start": 1, "label": True},
    ...        {"input_ids": [4, 5], "labels": [-100, 5], "answer_start": 1, "label": False}])
    >>> b["completion_mask"].tolist(), b["KL_input_ids"].tolist(), b["label"].tolist()
    ([[0, 1, 1], [0, 1, 0]], [[1, 5, 0], [4, 2, 3]], [True, False])
    """

    pad_id: int
    kl: bool = True  # build the KL sequences (KTO's own loss; apo_zero_unpaired makes no KL estimate)

    def _pad(self, seqs: list[list[int]], masks: list[list[int]], prefix: str) -> dict:
        import torch

        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(seqs), width), dtype=torch.long)
        completion = torch.zeros((len(seqs), width), dtype=torch.long)
        for i, (seq, mask) in enumerate(zip(seqs, masks, strict=True)):
            ids[i, : len(seq)], attention[i, : len(seq)] = torch.tensor(seq), 1
            completion[i, : len(seq)] = torch.tensor(mask)
        return {
            f"{prefix}input_ids": ids,
            f"{prefix}attention_mask": attention,
            f"{prefix}completion_mask": completion,
        }

    def __call__(self, examples: list[dict]) -> dict:
        import torch

        masks = [[int(x != IGNORE_INDEX) for x in e["labels"]] for e in examples]
        batch = self._pad([list(e["input_ids"]) for e in examples], masks, "")
        batch["label"] = torch.tensor([bool(e["label"]) for e in examples])
        if not self.kl:
            return batch
        kl_ids, kl_masks = [], []
        for i, e in enumerate(examples):
            other, start, at = examples[i - 1], e["answer_start"], examples[i - 1]["answer_start"]
            kl_ids.append(list(e["input_ids"][:start]) + list(other["input_ids"][at:]))
            kl_masks.append([0] * start + masks[i - 1][at:])
        batch.update(self._pad(kl_ids, kl_masks, "KL_"))
        return batch


# ---------------------------------------------------------------------------------------------------------------
# Trainers
# ---------------------------------------------------------------------------------------------------------------


def _pair_weighted(name: str, keys: tuple[str, ...]):
    """TRL's trainer `name` (RewardTrainer, DPOTrainer) with its per-pair `keys` logged by pair, not by batch: 7 pairs
    in batches of 4 and 3 read "accuracy 0.50", where Evaluate said 0.43 (a cold review): a batch counts per pair."""
    import trl

    class PairWeighted(getattr(trl, name)):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            pairs = int(inputs["input_ids"].shape[0]) // 2  # both collators: every chosen row, then every rejected
            out = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            logged = self._metrics["train" if self.model.training else "eval"]
            for key in logged.keys() & keys:  # (not a key the trainer did not log: an empty list would be averaged)
                logged[key].extend(logged[key][-1:] * (pairs - 1))
            return out

    return PairWeighted


def _kto_trainer_class():
    from trl import KTOTrainer

    from ftlib.metrics import AnswerWeighted  # rewards logged by answer, as Evaluate's (kto_eval) are

    class PretokenizedKTOTrainer(AnswerWeighted, KTOTrainer):
        """KTOTrainer on our encoded rows: no tokenizing, KL sequences made per batch by UnpairedCollator."""

        def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
            return dataset

        def log(self, logs, start_time=None):
            # A loss without KTO's KL estimate (apo_zero_unpaired) still logs `kl` 0 at every step: a number that
            # reads "the model has not moved". Leave it out of the run's metrics instead.
            if not self.calculate_KL:
                for metrics in self._metrics.values():
                    metrics.pop("kl", None)
            super().log(logs, start_time)

        def _set_signature_columns_if_needed(self):
            if self._signature_columns is None:
                self._signature_columns = ["input_ids", "labels", "answer_start", "label"]

    return PretokenizedKTOTrainer


def _grpo_trainer_class():
    from trl import GRPOTrainer

    class StudioGRPOTrainer(GRPOTrainer):
        """GRPOTrainer that writes each logged step's answers and rewards to the run folder (the live table)."""

        run = None  # the RunDir to write completions.jsonl into
        reward_weight_by_name: dict = {}
        _written_step = -1

        def log(self, logs, start_time=None):
            step = self.state.global_step
            if self.run is not None and self.model.training and self.accelerator.is_main_process:
                if step != self._written_step and self._logs["completion"]:
                    self.run.append_completions(step, completion_rows(self._logs, self.reward_weight_by_name))
                    self._written_step = step
            super().log(logs, start_time)

    return StudioGRPOTrainer


def make_trainer(config, model, args, tokenizer, template, train_enc, eval_enc, run_dir, common: dict):
    """The TRL trainer for a reward, KTO or GRPO run (`common`: processing_class, peft_config, callbacks)."""
    import copy

    from ftlib import distributed
    from ftlib.data_order import resumable

    def trainer_class(base, config):  # FSDP runs shard on CPU too; every run resumes in its own order (data_order)
        return distributed.trainer_class(resumable(base), config)

    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    if config.method == "reward":
        trainer = trainer_class(_pair_weighted("RewardTrainer", ("accuracy", "margin")), config)(
            model=model,
            args=args,
            train_dataset=reward_dataset(train_enc),
            eval_dataset=reward_dataset(eval_enc) if eval_enc else None,
            **common,
        )
        if config.uses_4bit:  # TRL casts every trainable weight of a 4-bit run to bf16 (QLoRA's adapters) ...
            for module in trainer.model.modules():  # ... but the score head must take the hidden states' dtype
                if hasattr(module, "modules_to_save") and hasattr(module, "original_module"):
                    module.modules_to_save.to(next(module.original_module.parameters()).dtype)
        return trainer
    if config.method == "kto":
        # Full KTO needs a frozen copy of the starting model as reference; with adapters the base is the reference.
        ref_model = copy.deepcopy(model).eval() if not config.uses_adapter else None
        return trainer_class(_kto_trainer_class(), config)(
            model=model,
            ref_model=ref_model,
            args=args,
            data_collator=UnpairedCollator(pad_id=pad_id, kl=config.kto_loss_type == "kto"),
            train_dataset=unpaired_dataset(train_enc, config.seed),
            eval_dataset=unpaired_dataset(eval_enc, config.seed) if eval_enc else None,
            **common,
        )
    from ftlib.rewards import build_rewards, check_columns
    from ftlib.rundir import RunDir

    # The run's device, not its weights' (an FSDP run's sit on the CPU until the trainer shards them onto its GPU).
    rewards = build_rewards(config.rewards, device=str(args.device))
    for encodings, what in ((train_enc, "training prompt"), (eval_enc or [], "held-out prompt")):  # before a step
        check_columns(rewards, [getattr(e, "columns", None) for e in encodings], what, [e.messages for e in encodings])
    # The answers' length and temperature come from the GRPOConfig: TRL scores log-probabilities at that temperature.
    rollout = BatchedRollout(train_enc, tokenizer, args.max_completion_length, args.temperature, args.seed, template)
    rollout.add(eval_enc)
    with warnings.catch_warnings():
        # TRL 1.16 calls `rollout_func` experimental; it is used as documented there.
        warnings.filterwarnings("ignore", message=".*rollout_func.*experimental")
        trainer = trainer_class(_grpo_trainer_class(), config)(
            model=model,
            reward_funcs=reward_functions(rewards),
            args=args,
            train_dataset=prompt_dataset(train_enc),
            eval_dataset=prompt_dataset(eval_enc) if eval_enc else None,
            rollout_func=rollout,
            **common,
        )
    trainer.run = RunDir(Path(run_dir))
    trainer.reward_weight_by_name = {r.name: r.weight for r in rewards}
    return trainer


__all__ = [
    "ALIGNMENT_METHODS",
    "COLUMNS_FIELD",
    "BatchedRollout",
    "PreferenceCollator",
    "UnpairedCollator",
    "completion_rows",
    "dpo_trainer_class",
    "kto_pair_notes",
    "make_trainer",
    "pairwise_metrics",
    "preference_dataset",
    "prompt_dataset",
    "prompt_parts",
    "prompt_row",
    "prompt_start",
    "prompt_text",
    "reward_dataset",
    "reward_functions",
    "training_rows",
    "unpair",
    "unpaired_dataset",
]
