"""How long a run will train, before it starts, from what an earlier run on this server measured.

    est = time_estimate(config, train_tokens=report.tokens, train_rows=report.step_rows, device="cpu")
    est.sentence()   # 'About 0:03:10 of training (not counting loading the model, held-out evaluations or saving
                     #  checkpoints): 38,400 tokens at the 202 tokens/s that run 20261201-100000-lora-trees ...'
    # None when no earlier run of the same model and method on this kind of device logged its speed

The rate is an earlier run's median tokens/s (the tokens each step read, `metrics.jsonl`'s `tokens_per_s`, logged
by ftlib.metrics: every process's tokens, over the seconds inside optimizer steps alone), so the figure is the steps'
time, and the sentence says what is not in it (loading the model, the held-out evaluations, the base model's before
the first step too, and checkpoints). It is as good as that run was like this one: the same model, method (and
tuning), and kind of device, newest first, one that trained with as many processes preferred. Without one
nothing is said: a figure from another machine misleads more than it helps (BENCHMARKS.md's rates differ tenfold
between a CPU and a GPU, and with the server's load). A rate of another number of processes is used as it is, and
the sentence says so (`processes_words`).

Not known here: the page's words around it (pages/4_Train.py), the run's own progress (rundir.RunDir.summary).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass

from ftlib.config import RunConfig
from ftlib.distributed import world_size
from ftlib.overfitting import passes
from ftlib.process_settings import LORA_SFT_TWO_PROCESSES_ON_CPU

DEVICE_KINDS = {"cuda": "GPU", "cpu": "CPU", "mps": "Apple GPU"}


def device_kind(device: str) -> str:
    """'GPU' for 'cuda:0' or 'cuda', 'CPU' for 'cpu' or '' (the worker's default): what a rate carries over between.

    >>> device_kind("cuda:1"), device_kind(""), device_kind("mps")
    ('GPU', 'CPU', 'Apple GPU')
    """
    return DEVICE_KINDS.get((device or "cpu").split(":")[0], device)


@dataclass(frozen=True)
class TimeEstimate:
    """About `seconds` of training: `tokens` read at `rate` tokens/s, as run `measured_by` read them."""

    seconds: float
    tokens: int
    rate: float
    measured_by: str
    device: str  # 'CPU', 'GPU'
    processes_said: str = ""  # `processes_words`: "" where that run trained with as many processes as this one

    def sentence(self) -> str:
        """One plain sentence for the Train page and `train`'s note, saying what it leaves out (the rate is the
        optimizer steps', `metrics._interval`: "after the model loads" left the held-out evaluations unsaid, h237)
        and where the rate comes from."""
        return (
            f"About {clock(self.seconds)} of training (not counting loading the model, held-out evaluations or saving "
            f"checkpoints): {self.tokens:,} tokens at the "
            f"{self.rate:,.0f} tokens/s that run {self.measured_by} measured with this model and method on this "
            f"server's {self.device}. A rough figure: other work on the {self.device} slows it."
            + (f" {self.processes_said}" if self.processes_said else "")
        )


def processes_words(config: RunConfig, measured: int | None, device: str) -> str:
    """What the estimate says where the run that measured its rate trained with `measured` processes and `config`
    with another number: "" where they agree or `measured` is not known.

    Measured (BENCHMARKS.md, "Data parallel on 2 cores", 2026-12-01, and "A fifth kind of CPU", 2026-12-06): LoRA SFT
    with 2 processes on one CPU read 0.91x the tokens/s of 1 process on AMD EPYC cores and 1.10-1.13x on an AMX Xeon,
    so for LoRA SFT on a CPU a rate of 1 process stands for 2, and back: "about the same". LoRA DPO (0.53x) and full
    fine-tuning (0.55x) were measured on the AMD cores alone, before changes to the products, and nothing with several
    GPUs here: not scaled, said as measured with that number of processes.

    >>> processes_words(RunConfig(nproc=2), 1, "cpu")[:70]
    'That run trained with 1 process, this one with 2: LoRA SFT was about a'
    >>> processes_words(RunConfig(method="full", nproc=2), 1, "cpu")[50:]
    "the figure is that run's speed; this method's speed with 2 processes was not measured here."
    >>> processes_words(RunConfig(nproc=2), 2, "cpu")
    ''
    """
    processes = world_size(config)
    if measured is None or measured == processes:
        return ""
    said = f"That run trained with {measured} process{'es' if measured > 1 else ''}, this one with {processes}: "
    if device_kind(device) == "CPU" and config.method == "lora" and {measured, processes} == {1, 2}:
        return said + (
            "LoRA SFT was about as fast with 2 processes on a CPU as with 1 "
            f"({LORA_SFT_TWO_PROCESSES_ON_CPU} on the two kinds of CPU measured)."
        )
    return said + (
        f"the figure is that run's speed; this method's speed with {processes} "
        f"process{'es' if processes > 1 else ''} was not measured here."
    )


def clock(seconds: float) -> str:
    """'0:03:10' (hours:minutes:seconds), at least one second.

    >>> clock(190.4), clock(0.2)
    ('0:03:10', '0:00:01')
    """
    return str(dt.timedelta(seconds=max(1, round(seconds))))


def run_tokens(config: RunConfig, train_tokens: int, train_rows: int) -> int:
    """The tokens a run reads: one pass's `train_tokens` (its training rows' tokens, unpadded) times its passes
    (its epochs, or max steps over the steps a pass takes: `overfitting.passes`). `train_rows`: the rows the trainer
    steps over (`Preflight.step_rows`), a packing run's packed rows, so that max steps read the packed rows' share of
    the tokens, not the training rows' (a step of 8 packed rows reads 8 rows of up to max length, not 8 documents).
    A GRPO run's rows are prompts: each is read once per answer of its group, with that answer (up to
    `grpo_max_new_tokens`), as TRL's `num_tokens`, the rate's tokens, counts them; answers that end sooner make the
    figure an upper bound."""
    if config.method == "grpo":
        train_tokens = config.grpo_group_size * (train_tokens + train_rows * config.grpo_max_new_tokens)
    return math.ceil(train_tokens * passes(config, train_rows)) if train_rows else 0


def measured_rate(config: RunConfig, device: str, runs: list | None = None) -> tuple[float, str] | None:
    """(median tokens/s, run id) of the newest earlier run with this model, method and tuning on this kind of
    device that logged its speed; None when there is none. `runs`: RunDir objects (default: the workspace's)."""
    from ftlib.rundir import run_folders

    kind, found = device_kind(device), None
    for run in sorted(run_folders() if runs is None else runs, key=lambda r: r.path.name, reverse=True):
        earlier = run.read_config()
        same = (earlier.get("model"), earlier.get("method"), earlier.get("tuning"))
        if same != (config.model, config.method, config.tuning):
            continue
        if device_kind(run.read_status().get("device") or earlier.get("device") or "") != kind:
            continue
        speeds = [r["tokens_per_s"] for r in run.read_metrics() if r.get("kind") == "train" and r.get("tokens_per_s")]
        if not speeds:
            continue
        if world_size(earlier) == world_size(config):  # as many processes: preferred to a newer run of another number
            return statistics.median(speeds), run.path.name
        found = found or (statistics.median(speeds), run.path.name)
    return found


def time_estimate(
    config: RunConfig, train_tokens: int, train_rows: int, device: str, runs: list | None = None
) -> TimeEstimate | None:
    """About how long `config` trains on `device` ('cpu', 'cuda:0'), or None when no earlier run measured a rate
    for it (`measured_rate`) or the run reads no tokens. Loading the model, the held-out evaluations (the one before
    the first step too) and checkpoints are left out, as `TimeEstimate.sentence` says: the figure is the steps'
    time."""
    tokens = run_tokens(config, train_tokens, train_rows)
    measured = measured_rate(config, device, runs) if tokens else None
    if measured is None:
        return None
    rate, run_id = measured
    said = processes_words(config, _processes(run_id, runs), device)
    return TimeEstimate(tokens / rate, tokens, rate, run_id, device_kind(device), said)


def _processes(run_id: str, runs: list | None = None) -> int | None:
    """How many processes run `run_id` trained with (its config.json), None where it is not among `runs`."""
    from ftlib.rundir import run_folders

    for run in run_folders() if runs is None else runs:
        if run.path.name == run_id:
            return world_size(run.read_config())
    return None


__all__ = [
    "DEVICE_KINDS",
    "TimeEstimate",
    "clock",
    "device_kind",
    "measured_rate",
    "processes_words",
    "run_tokens",
    "time_estimate",
]
