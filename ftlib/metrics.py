"""The trainer callback that turns TRL's logs into the run's `metrics.jsonl`, and stops runs when asked.

Each optimizer step appends one JSON line: step, epoch, loss, learning rate, grad norm, tokens/s, elapsed
seconds, and per method: DPO and KTO the rewards of chosen/rejected (KTO: desirable/undesirable) answers, their
margin (DPO: the reward accuracy), KTO the KL estimate; a reward model its `accuracy` (chosen scored above
rejected) and `margin`; GRPO the mean `reward`, `reward_std`, `reward_<name>` per reward (and `_std`), `kl`,
`completion_length` and `frac_reward_zero_std` (the share of groups whose answers all got one reward). Each
evaluation appends a line with the eval loss (and the same keys, `eval_`-prefixed).
Every line also carries the peak memory so far, in bytes (`peak_memory`; on a GPU `peak_memory_reserved` too): of
the largest process, where several train the run (see `peak_memory`).
The callback also

- stops gracefully when a `STOP` file appears in the run directory (a checkpoint is saved first), with every
  DDP rank agreeing on the same step;
- stops a run whose loss or gradient turns NaN/inf, with an explanation a person can act on.

`tokens` is TRL's `num_tokens`: every token the model reads (prompt and answer). `trained_tokens` counts those the
loss is computed on (labels not -100), the count the Trainer divides the loss by (`num_items_in_batch`), read off
each step's micro-batches by `MetricsCallback.count_trained_tokens`; both count from 0 in each attempt.

Tokens per second counts training only: the seconds between each optimizer step's `on_step_begin` and `on_step_end`
(what a step does: the forward, backward and optimizer update; GRPO's answer writing too). The Trainer evaluates,
saves checkpoints and logs between steps, and the device lease hands over there (ftlib.sharing): counted as
training, each evaluation or checkpoint showed as a sharp dip that read as a fault (issue 19, item 14).

Not known here: the run folder's files (rundir.py, which this writes through), the trainer (training.py).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

from transformers import TrainerCallback

from ftlib.methods import METHOD_NAMES, default_learning_rate
from ftlib.overfitting import no_signal_note, plain_number
from ftlib.rundir import RunDir

# TRL log keys -> our column names (the page and the CLI read these).
_TRAIN_KEYS = {
    "loss": "loss",
    "learning_rate": "learning_rate",
    "grad_norm": "grad_norm",
    "epoch": "epoch",
    "mean_token_accuracy": "token_accuracy",
    "rewards/chosen": "rewards_chosen",
    "rewards/rejected": "rewards_rejected",
    "rewards/margins": "reward_margin",
    "rewards/accuracies": "reward_accuracy",
    "logps/chosen": "logps_chosen",
    "logps/rejected": "logps_rejected",
    # the reward model (TRL's RewardTrainer), KTO and GRPO
    "accuracy": "accuracy",
    "margin": "margin",
    "kl": "kl",
    "reward": "reward",
    "reward_std": "reward_std",
    "completions/mean_length": "completion_length",
    "completions/clipped_ratio": "completion_clipped",
    "frac_reward_zero_std": "frac_reward_zero_std",  # GRPO: the share of groups whose answers all scored alike
    "entropy": "entropy",
}
_EVAL_KEYS = {
    "eval_loss": "eval_loss",
    "eval_mean_token_accuracy": "eval_token_accuracy",
    "eval_rewards/margins": "eval_reward_margin",
    "eval_rewards/accuracies": "eval_reward_accuracy",
    "eval_rewards/chosen": "eval_rewards_chosen",
    "eval_rewards/rejected": "eval_rewards_rejected",
    "eval_accuracy": "eval_accuracy",
    "eval_margin": "eval_margin",
    "eval_kl": "eval_kl",
    "eval_reward": "eval_reward",
    "eval_reward_std": "eval_reward_std",
    "eval_frac_reward_zero_std": "eval_frac_reward_zero_std",
}


def _reward_keys(logs: dict, prefix: str = "") -> dict:
    """GRPO's per-reward means and spreads: TRL's `rewards/<name>/mean|std` -> `reward_<name>[_std]`."""
    out = {}
    for key, value in logs.items():
        parts = key.removeprefix(prefix).split("/")
        if key.startswith(prefix) and len(parts) == 3 and parts[0] == "rewards" and parts[2] in ("mean", "std"):
            out[f"{prefix}reward_{parts[1]}" + ("_std" if parts[2] == "std" else "")] = value
    return out


def non_finite_message(
    step: int, what: str, value: float, lr: float, method: str = "lora", tuning: str = "lora", float16: bool = False
) -> str:
    """Why a run stopped on a NaN/inf loss or gradient, and what to change: the same settings would do it again, so
    the advice is a new run, never a resume. The learning rate to go back to is the method's proven default (what the
    form's warning says), or a third of this run's when it was at or below that already; float16, whose numbers
    overflow sooner, is named only for a run that trained in it.

    >>> non_finite_message(5, "gradient size", float("inf"), 0.9)[:71]
    'Training stopped at step 5: the gradient size became inf. The updates g'
    >>> "0.002, the usual for LoRA (this run used 0.9)" in non_finite_message(5, "loss", float("nan"), 0.9)
    True
    >>> "float16" in non_finite_message(5, "loss", float("nan"), 0.9), "float16" in non_finite_message(
    ...     5, "loss", float("nan"), 0.9, float16=True)
    (False, True)
    """
    try:
        default = default_learning_rate(method, tuning)
    except KeyError:  # a config this version does not know: no proven rate to name
        default = None
    if default is not None and lr > default:
        lower = f"{plain_number(default)}, the usual for {METHOD_NAMES.get(method, method)} (this run used {lr:g})"
    else:
        lower = f"{plain_number(float(f'{lr / 3:.2g}'))}, about a third of this run's {lr:g}"
    text = (
        f"Training stopped at step {step}: the {what} became {value}. The updates grew too large for the numbers to "
        "stay finite, and resuming with the same settings would do it again. Start a new run with a lower learning "
        f"rate, such as {lower}, and keep gradient clipping on (max_grad_norm 1.0)."
    )
    if float16:
        text += " Training in bfloat16 or float32 instead of float16 helps too: float16 overflows sooner."
    return text


def equal_rewards(entry: dict) -> bool:
    """Whether a GRPO step's log (a metrics.jsonl row or TRL's log entry) says every group of answers got equal
    rewards: TRL's `frac_reward_zero_std` (the share of groups whose rewards have spread 0) at 1, or `reward_std` 0
    where it logs no such share. An answer's advantage is its reward minus its group's mean (DeepSeekMath's GRPO), so
    then every advantage is 0 and the rewards teach that step nothing, whatever its loss and gradient say.

    >>> equal_rewards({"reward_std": 0.5, "frac_reward_zero_std": 1.0}), equal_rewards({"reward_std": 0.0})
    (True, True)
    >>> equal_rewards({"reward_std": 0.4, "frac_reward_zero_std": 0.5}), equal_rewards({"loss": 0.7})
    (False, False)
    """
    share = entry.get("frac_reward_zero_std")
    if share is not None:  # groups alike within but apart from each other: reward_std > 0, yet every advantage 0
        return share >= 1.0
    return "reward_std" in entry and not entry["reward_std"]


# What helps, said when a step first gets equal rewards and in the count at the end.
EQUAL_REWARDS_FIX = "a reward that tells answers apart, or a larger group size (`grpo_group_size`), helps"


EQUAL_RECENT = 3  # this many last logged steps all with equal rewards in every group: warned (`equal_recently`)


def equal_recently(metrics: list[dict]) -> bool:
    """Whether the last EQUAL_RECENT logged training steps of a GRPO run (metrics.jsonl rows, `kind` "train") all had
    equal rewards in every group (`equal_rewards`): the run is learning nothing from its rewards now.

    >>> equal_recently([{"kind": "train", "step": s, "reward_std": 0.0} for s in (1, 2, 3)])
    True
    >>> equal_recently([{"kind": "train", "step": 1, "reward_std": 0.0}])  # too few steps to say
    False
    """
    steps = [r for r in metrics if r.get("kind") == "train" and ("reward_std" in r or "frac_reward_zero_std" in r)]
    recent = steps[-EQUAL_RECENT:]
    return len(recent) == EQUAL_RECENT and all(equal_rewards(r) for r in recent)


def equal_rewards_first(step: int) -> str:
    """The line said once, at the first GRPO step whose groups all got equal rewards (`equal_rewards`)."""
    return (
        f"[ftlib] step {step}: every group of answers got equal rewards, so each answer's advantage (its reward minus "
        f"its group's mean) is 0 and the step learned nothing from them (frac_reward_zero_std 1); "
        f"{EQUAL_REWARDS_FIX}. Such steps are marked `equal rewards`."
    )


def equal_rewards_count(log_history: list[dict]) -> str:
    """How many of a GRPO run's logged steps had equal rewards in every group (`equal_rewards`), as the run's last
    line: "" where none did (or for another method). `log_history`: TRL's log entries (TrainerState.log_history:
    a resumed run's earlier attempts too); evaluations' entries (`eval_`-prefixed keys) are not steps.

    >>> equal_rewards_count([{"reward_std": 0.0}, {"reward_std": 0.3}, {"eval_reward_std": 0.0}])[:72]
    '[ftlib] 1 of 2 steps had equal rewards in every group: nothing to learn '
    >>> equal_rewards_count([{"reward_std": 0.3}]), equal_rewards_count([{"loss": 0.5}])
    ('', '')
    """
    steps = [e for e in log_history if "reward_std" in e or "frac_reward_zero_std" in e]
    equal = sum(equal_rewards(e) for e in steps)
    if not equal:
        return ""
    return (
        f"[ftlib] {equal} of {len(steps)} steps had equal rewards in every group: nothing to learn from them; "
        f"{EQUAL_REWARDS_FIX}."
    )


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


PEAK_KEYS = ("peak_memory", "peak_memory_reserved")


def peak_memory(device=None) -> dict[str, int]:
    """This process's peak memory so far, in bytes: {"peak_memory": ...}, plus "peak_memory_reserved" on a GPU.

    `device`: the trainer's (`TrainingArguments.device`); None or a CPU means the CPU. On a CUDA device, the most
    torch's allocator handed out (`torch.cuda.max_memory_allocated`, what the estimate counts) and the most it held
    from the driver (`max_memory_reserved`: that plus its cache). On CPU, the process's peak resident memory.
    """
    if getattr(device, "type", str(device).split(":")[0]) == "cuda":
        import torch

        return {
            "peak_memory": int(torch.cuda.max_memory_allocated(device)),
            "peak_memory_reserved": int(torch.cuda.max_memory_reserved(device)),
        }
    import resource

    # ru_maxrss is KiB on Linux (bytes on macOS) and covers the whole process: besides what training holds, the
    # baseline of Python, torch, the tokenizer and the libraries (a few hundred MiB the estimate does not count).
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_memory": int(rss) * (1 if sys.platform == "darwin" else 1024)}


class MetricsCallback(TrainerCallback):
    """Writes metrics.jsonl (main process only) and handles STOP files and NaN losses (every process)."""

    def __init__(self, run: RunDir | Path, is_main: bool = True):
        self.run = run if isinstance(run, RunDir) else RunDir(run)
        self.is_main = is_main
        self.stopped = False  # stopped because a person asked
        self.failure: str | None = None  # stopped because training broke (NaN/inf)
        self._elapsed_before = 0.0  # seconds spent in earlier attempts of a resumed run
        self._t0 = time.time()
        self._last = (None, None)  # (tokens seen, time) at the previous log
        self.trained_tokens: int | None = None  # tokens with a label this attempt; None: not counted
        self._trained_last = 0  # trained_tokens at the previous training log
        self.clock = time.time  # what the step timer reads (tests give a fake one)
        self._step_began: float | None = None  # when the optimizer step in progress began
        self._step_seconds = 0.0  # seconds spent inside optimizer steps since the previous training log
        # Set by the trainer's owner (worker.execute) to log model FLOPs utilization; see ftlib.throughput.
        self.flops_per_token: float | None = None
        self.peak_flops: float | None = None
        self.world_size = 1
        # The largest process's peak memory at the last step's end (every rank's, gathered with the stop flag).
        self._peak: dict[str, int] = {}
        self._equal_said = False  # whether this attempt said what a GRPO step with equal rewards means

    # -- resume --------------------------------------------------------------------------------------------------
    def prepare_resume(self, checkpoint: Path | None) -> None:
        """Keep the metric rows up to the checkpoint's step (later ones will be trained again); without a checkpoint,
        none: the run starts over, its step-0 evaluation included."""
        if not self.is_main:
            return
        keep_until = int(checkpoint.name.rsplit("-", 1)[-1]) if checkpoint is not None else -1
        rows = self.run.keep_metrics_until(keep_until)
        if rows:
            self._elapsed_before = max(float(r.get("elapsed", 0.0)) for r in rows)

    # -- trained tokens -----------------------------------------------------------------------------------------------
    def count_trained_tokens(self, trainer) -> None:
        """Count the tokens each optimizer step trains (labels not -100) into `trained_tokens`.

        TRL logs only the tokens read (`num_tokens`). The Trainer's `get_batch_samples` collects a step's micro-batches
        and counts their trained tokens to divide the loss by (`num_items_in_batch`: labels shifted by one as the loss
        is, every process's under DDP); this wraps it to add that count up. Where the Trainer counts nothing (batches
        without labels: DPO, KTO, GRPO; a model whose forward takes no loss arguments), `trained_tokens` stays None.
        """
        collect = trainer.get_batch_samples

        def get_batch_samples(*args, **kwargs):
            batches, num_items = collect(*args, **kwargs)
            if num_items is not None:
                self.trained_tokens = (self.trained_tokens or 0) + int(num_items)  # a 0-d tensor or an int
            return batches, num_items

        trainer.get_batch_samples = get_batch_samples

    # -- stop requests -------------------------------------------------------------------------------------------
    def _stop_requested(self, device=None) -> bool:
        """Whether a stop was asked for, agreed by every rank. Each rank's peak memory (on `device`) rides on the same
        all-reduce, a maximum like the flag: the metrics keep the largest process's without another collective."""
        wanted = self.run.stop_requested()
        self._peak = peak_memory(device)
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
            import torch

            # Every rank must stop at the same step, or the others wait forever in the next all-reduce.
            where = "cuda" if dist.get_backend() == "nccl" else "cpu"
            values = [1 if wanted else 0, *(self._peak.get(key, 0) for key in PEAK_KEYS)]
            flag = torch.tensor(values, dtype=torch.int64, device=where)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            wanted = bool(flag[0].item())
            gathered = zip(PEAK_KEYS, flag[1:].tolist(), strict=True)
            self._peak = {key: int(value) for key, value in gathered if key in self._peak}
        return wanted

    def _peak_so_far(self, device=None) -> dict[str, int]:
        """What a metrics row records as the peak memory: the largest process's at the last step's end, or this
        process's now where that is higher (an evaluation since, or no step yet)."""
        return {key: max(value, self._peak.get(key, 0)) for key, value in peak_memory(device).items()}

    def on_train_begin(self, args, state, control, **kwargs):
        self._t0 = time.time()
        self._last = (None, None)
        self._step_began, self._step_seconds = None, 0.0
        self.trained_tokens, self._trained_last = None, 0
        if self.is_main:
            self.run.update_status(
                max_steps=state.max_steps,
                step=state.global_step,
                epochs=args.num_train_epochs,
                train_started=self._t0,
            )
        return control

    def on_step_begin(self, args, state, control, **kwargs):
        self._step_began = self.clock()
        return control

    def on_step_end(self, args, state, control, **kwargs):
        if self._step_began is not None:
            self._step_seconds += max(0.0, self.clock() - self._step_began)
            self._step_began = None
        last = bool(state.max_steps) and state.global_step >= state.max_steps
        # A stop asked for during the last step: the run ends anyway, and finishes (it saves its result). Marked as
        # stopped, it ended "interrupted" without a result, and its resume trained a step past max_steps.
        # (asked on every step all the same: the ranks agree on it, and each one's peak memory rides along)
        wanted = not self.stopped and self._stop_requested(getattr(args, "device", None))
        if wanted and not last:
            self.stopped = True
            control.should_save = True  # the checkpoint a resume continues from
            control.should_training_stop = True
            if getattr(args, "load_best_model_at_end", False) and getattr(args, "save_total_limit", None) == 1:
                # Early stopping keeps the best checkpoint, and at the end of training the Trainer deletes every
                # other one when the limit is 1: this one too, and the resume would retrain from the best.
                args.save_total_limit = 2
            if self.is_main:
                print(f"[ftlib] stop requested: saving a checkpoint at step {state.global_step}", flush=True)
        return control

    def on_epoch_end(self, args, state, control, **kwargs):
        """A stop mid-epoch ends the epoch's loop there, and the Trainer then held the epoch's end at the stop's step:
        a held-out evaluation scheduled once per epoch (and early stopping's checkpoint of it) ran there, off the
        schedule. Early stopping counted it, so the resumed run stopped where the uninterrupted one trained on (step
        12 of 40, its result 0.27 away in the weights). A stop at an epoch's last step keeps the epoch's end."""
        if self.stopped and not float(state.epoch or 0).is_integer():
            control.should_evaluate = control.should_save = False  # the stop's checkpoint is saved already
        return control

    # -- logging -------------------------------------------------------------------------------------------------
    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = dict(logs or {})
        now = time.time()
        elapsed = self._elapsed_before + (now - self._t0)
        row: dict = {"step": state.global_step, "elapsed": round(elapsed, 3)}
        if "eval_loss" in logs:
            row["kind"] = "eval"
            row.update({ours: logs[theirs] for theirs, ours in _EVAL_KEYS.items() if theirs in logs})
            row.update(_reward_keys(logs, "eval_"))
            row["epoch"] = logs.get("epoch", state.epoch)
        elif "loss" in logs:
            row["kind"] = "train"
            row.update({ours: logs[theirs] for theirs, ours in _TRAIN_KEYS.items() if theirs in logs})
            row.update(_reward_keys(logs))
            tokens = logs.get("num_tokens")
            if tokens is not None:
                row["tokens"] = tokens
                new_tokens, seconds = self._interval(tokens, now)
                if seconds > 0:
                    row["tokens_per_s"] = new_tokens / seconds
                if self.trained_tokens is not None:
                    row["trained_tokens"] = self.trained_tokens
                    if seconds > 0:
                        row["trained_tokens_per_s"] = (self.trained_tokens - self._trained_last) / seconds
                    self._trained_last = self.trained_tokens
                self._last = (tokens, now)
                if "tokens_per_s" in row and self.flops_per_token and self.peak_flops:
                    # num_tokens counts every rank's tokens; each rank has its own device peak.
                    row["mfu"] = row["tokens_per_s"] * self.flops_per_token / (self.peak_flops * self.world_size)
            self._check_finite(row, args, state, control, kwargs.get("model"))
        elif "train_runtime" in logs:
            row["kind"] = "summary"
            row.update({k: logs[k] for k in ("train_loss", "train_runtime") if k in logs})
        else:
            return control
        row.update(self._peak_so_far(getattr(args, "device", None)))  # so a running run shows it too
        if self.is_main:
            self.run.append_metric(row)
            if row["kind"] == "train":
                print(_progress_line(row, state), flush=True)
                if not self._equal_said and row.get("reward") is not None and equal_rewards(row):
                    self._equal_said = True  # said once; later such steps carry the mark only
                    print(equal_rewards_first(row["step"]), flush=True)
            elif row["kind"] == "eval":
                print(_eval_line(row), flush=True)
        return control

    def on_train_end(self, args, state, control, **kwargs):
        """GRPO: how many steps had equal rewards in every group. Not where every step had and the run finishes: its
        message says that at length (`overfitting.no_signal_note`, which the worker adds)."""
        said = equal_rewards_count(state.log_history)
        if self.is_main and said and (self.stopped or self.failure or not no_signal_note(state.log_history)):
            print(said, flush=True)
        return control

    def _interval(self, tokens: float, now: float) -> tuple[float, float]:
        """(tokens read, seconds) since the previous training log: the seconds spent inside optimizer steps
        (evaluation, checkpoints and the device's handover between steps left out); `num_tokens` counts from 0 in
        each attempt. Without step times (a trainer that logs outside steps), the wall time since the previous log."""
        prev_tokens, prev_time = self._last
        new_tokens = tokens - prev_tokens if prev_tokens is not None and tokens >= prev_tokens else tokens
        seconds, self._step_seconds = self._step_seconds, 0.0
        if seconds <= 0:
            seconds = now - (prev_time if prev_tokens is not None and tokens >= prev_tokens else self._t0)
        return new_tokens, seconds

    def _check_finite(self, row: dict, args, state, control, model=None) -> None:
        for what, key in (("loss", "loss"), ("gradient size", "grad_norm")):
            value = row.get(key)
            if value is not None and not _finite(value):
                config = self.run.read_config()
                self.failure = non_finite_message(
                    state.global_step,
                    what,
                    value,
                    args.learning_rate,
                    method=config.get("method", "lora"),
                    tuning=config.get("tuning", "lora"),
                    # fp16 autocast on a GPU, or weights loaded in float16
                    float16=bool(getattr(args, "fp16", False)) or str(getattr(model, "dtype", "")) == "torch.float16",
                )
                control.should_training_stop = True
                control.should_save = False  # a checkpoint of broken weights is worth nothing
                if self.is_main:
                    print(f"[ftlib] {self.failure}", flush=True)
                return


def _kto_parts(row: dict, prefix: str = "") -> list[str]:
    """KTO's words of a step's (`prefix` "") or an evaluation's ("eval_") log row: its implicit rewards (beta x the
    log-ratio against the starting model) of the good and of the bad answers, which say whether it learns the labels
    where its loss alone did not (no pairs, so no accuracy; a batch of one label logs that side only), and its KL
    estimate; [] for a row of pairs (DPO's reward accuracy, a reward model's accuracy).

    >>> _kto_parts({"rewards_chosen": 0.2, "rewards_rejected": -0.1, "kl": 0.0})
    ['rewards good +0.200 bad -0.100', 'kl ≤0 (clamped)']
    """
    sides = [
        (w, row[prefix + k]) for w, k in (("good", "rewards_chosen"), ("bad", "rewards_rejected")) if prefix + k in row
    ]
    parts = []
    if prefix + "reward_accuracy" not in row and prefix + "accuracy" not in row and sides:
        parts.append("rewards " + " ".join(f"{w} {v:+.3f}" for w, v in sides))
    if (kl := row.get(prefix + "kl")) is not None:
        # TRL's KTOTrainer estimate is a batch mean clamped at 0, and exactly 0 while a LoRA adapter is at its start:
        # a bare "kl 0.0000" at every step read "not moved" where it says "at or below 0" (a CLI walk, h141).
        parts.append("kl ≤0 (clamped)" if kl == 0 else f"kl {kl:.4f}")
    return parts


def _eval_line(row: dict) -> str:
    """The console's line for an evaluation: its loss; GRPO's mean reward instead (its loss is a surrogate that sits
    near 0 and says nothing); beside the loss what the step lines show: a reward model's accuracy, DPO's reward
    accuracy and margin, KTO's rewards of the good and the bad answers and its KL estimate.

    >>> _eval_line({"step": 3, "eval_loss": 4e-06, "eval_reward": 1.8585, "eval_reward_std": 0.26})
    '[eval step 3] eval reward 1.859 ± 0.260'
    >>> _eval_line({"step": 4, "eval_loss": 0.6211, "eval_accuracy": 1.0})
    '[eval step 4] eval loss 0.6211 accuracy 1.00'
    >>> _eval_line({"step": 2, "eval_loss": 0.48, "eval_rewards_chosen": 0.2, "eval_rewards_rejected": -0.1,
    ...             "eval_kl": 0.0})
    '[eval step 2] eval loss 0.4800 rewards good +0.200 bad -0.100 kl ≤0 (clamped)'
    """
    if row.get("eval_reward") is not None:  # GRPO
        spread = row.get("eval_reward_std") or 0
        return f"[eval step {row['step']}] eval reward {row['eval_reward']:.3f} ± {spread:.3f}"
    line = f"[eval step {row['step']}] eval loss {row.get('eval_loss', float('nan')):.4f}"
    if row.get("eval_accuracy") is not None:  # a reward model
        line += f" accuracy {row['eval_accuracy']:.2f}"
    if row.get("eval_reward_accuracy") is not None:  # DPO
        line += f" reward acc {row['eval_reward_accuracy']:.2f} margin {row.get('eval_reward_margin', 0):.3f}"
    return " ".join([line, *_kto_parts(row, "eval_")])  # GRPO's returned above


def _progress_line(row: dict, state) -> str:
    """The console's line for a training step; GRPO's leads with its mean reward in place of its surrogate loss."""
    grpo = row.get("reward") is not None
    parts = [f"[step {row['step']}/{state.max_steps}]"]
    if grpo:
        parts.append(f"reward {row['reward']:.3f} ± {row.get('reward_std') or 0:.3f}")
    else:
        parts.append(f"loss {row.get('loss', float('nan')):.4f}")
    if "learning_rate" in row:
        parts.append(f"lr {row['learning_rate']:.2e}")
    if "grad_norm" in row and row["grad_norm"] is not None:
        parts.append(f"grad {row['grad_norm']:.3f}")
    if grpo and equal_rewards(row):  # every advantage 0: no signal from the rewards (`equal_rewards_first` says why)
        parts.append("equal rewards")
    if "reward_accuracy" in row:
        parts.append(f"reward acc {row['reward_accuracy']:.2f} margin {row.get('reward_margin', 0):.3f}")
    if "accuracy" in row:  # a reward model
        parts.append(f"accuracy {row['accuracy']:.2f} margin {row.get('margin', 0):.3f}")
    if not grpo:
        parts += _kto_parts(row)
    elif row.get("kl") is not None:  # GRPO's estimate is never below 0 on its own: its 0 is a 0
        parts.append(f"kl {row['kl']:.4f}")
    if "tokens_per_s" in row:
        parts.append(f"{row['tokens_per_s']:.0f} tok/s")
    parts.append(f"{row['elapsed']:.0f}s")
    return " ".join(parts)


class AnswerWeighted:
    """A KTOTrainer mixin (`class T(AnswerWeighted, KTOTrainer)`) that logs the rewards and log-probabilities of good
    and bad answers by answer, not by batch, and their margin as the difference of those means.

    TRL appends each batch's mean reward of its good answers (and of its bad ones) and averages the means; its margin
    is each batch's difference, from batches that hold both labels only. Held-out answers in batches [good, good],
    [good, bad], [bad] read a margin of 0.0115 where the same answers in one batch read 0.0047, and held-out batches
    that each hold one label logged no margin at all; the Evaluate page's per-answer means (ftlib.kto_eval), which it
    says are these rewards over beta, did not match. Counts one process's answers (a batch's mean already spans every
    process's), as `alignment._pair_weighted` counts its pairs."""

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        good = sum(bool(label) for label in inputs["label"])
        out = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        logged = self._metrics["train" if self.model.training else "eval"]
        for side, answers in (("chosen", good), ("rejected", len(inputs["label"]) - good)):
            for key in (f"rewards/{side}", f"logps/{side}"):
                if answers and logged.get(key):  # TRL logged this batch's mean of that side: it counts per answer
                    logged[key].extend(logged[key][-1:] * (answers - 1))
        logged.pop("rewards/margins", None)  # the difference of the means, made when logged (`log`)
        return out

    def log(self, logs, start_time=None):
        for metrics in self._metrics.values():
            chosen, rejected = metrics.get("rewards/chosen"), metrics.get("rewards/rejected")
            if chosen and rejected:
                metrics["rewards/margins"] = [sum(chosen) / len(chosen) - sum(rejected) / len(rejected)]
        super().log(logs, start_time)
