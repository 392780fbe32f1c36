"""One training run's folder and every file in it: the only code that knows their names and formats.

    run = RunDir(workspace.runs_dir() / "20261123-091500-lora-chat_style")
    run.config()                     # the RunConfig (config.json)
    run.update_status(state="running", phase="training")      # status.json, merged under the run's own lock
    run.append_metric({"kind": "train", "step": 3, "loss": 1.2})   # metrics.jsonl, one JSON object per line
    run.summary()                    # a RunSummary: state, progress, losses, timings, for tables and the CLI

The folder holds

    config.json     the RunConfig                      status.json   state, pid, phase, message, timings, the
                                                                     memory estimate shown at the start
    metrics.jsonl   one line per step / evaluation     train.log     everything the process printed
                    (its peak memory so far too)
    checkpoints/    checkpoint-N folders (resume)      adapter/ or model/   the result (safetensors)
    STOP            present while a stop is requested  merged/, exports/    what downloads build (one at a time:
                                                                       .export.lock)
    completions.jsonl   GRPO: per logged step, the answers it wrote and their rewards (the latest is shown live)
    env.json        the FTLIB_* settings of the process that queued it, which its worker is started with

States: queued -> running -> finished | failed | interrupted, `stopping` while a stop is in progress. A run the
person stopped (Stop, or removed from the queue) ends `interrupted` with `stopped_by: "user"` in status.json; one
whose process was killed or lost in a restart ends `interrupted` without it (older runs have no such field). Timings
survive resumes: each attempt's training time is added to `runtime_before` when it ends, so the total shown is
the whole run's, with the parts listed.

Not known here: the queue and processes (runs.py), what training does (training.py, worker.py).
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ftlib import workspace
from ftlib.config import RunConfig
from ftlib.errors import plural
from ftlib.file_lock import locked
from ftlib.memory import human
from ftlib.overfitting import Divergence, diverged

STATES = ("queued", "running", "stopping", "finished", "failed", "interrupted")
ACTIVE = ("running", "stopping")
DONE = ("finished", "failed", "interrupted")
# Where a finished run leaves what it trained, inside its folder (a LoRA adapter, or a full fine-tune's model).
OUTPUT_FOLDERS = ("adapter", "final", "final_adapter", "model")


def run_folder_of(path: str | Path) -> Path:
    """The run's own folder, from the path of its output (`<run>/adapter`, `<run>/model`...) or the folder itself.

    >>> run_folder_of("runs/r1/adapter"), run_folder_of("runs/r1")
    (PosixPath('runs/r1'), PosixPath('runs/r1'))
    """
    path = Path(path)
    return path.parent if path.name in OUTPUT_FOLDERS else path


CONFIG_FILE = "config.json"
STATUS_FILE = "status.json"
METRICS_FILE = "metrics.jsonl"
LOG_FILE = "train.log"
STOP_FILE = "STOP"
COMPLETIONS_FILE = "completions.jsonl"
ENV_FILE = "env.json"
# What each method's runs are judged by in tables and pickers: (the word, the training metric, the held-out metric).
# GRPO's loss is a surrogate that says nothing to a person (it sits near 0, often below); its rewards do. A reward
# model's loss falls to 0.000 at three decimals long before it stops improving; the share of pairs it ranks right
# reads at a glance.
SCORES = {"grpo": ("reward", "reward", "eval_reward"), "reward": ("accuracy", "accuracy", "eval_accuracy")}
LOSS_SCORE = ("loss", "loss", "eval_loss")


@dataclass
class RunSummary:
    """One row of the runs table, typed. `as_dict()` is the CLI's JSON (`runs list --json`); keys are stable."""

    id: str
    name: str
    state: str
    phase: str
    method: str  # e.g. "lora", or "dpo (lora)"
    model: str
    dataset: str
    device: str
    created: float | None
    started: float | None  # when the current (or last) attempt started
    ended: float | None
    duration_s: float  # training wall time over every attempt (resumes included)
    parts_s: list[float]  # the attempts' durations, oldest first
    step: int
    max_steps: int
    progress: float  # 0..1
    eta_s: float | None
    train_loss: float | None
    eval_loss: float | None
    reward_accuracy: float | None
    message: str
    output: str | None  # "adapter" or "model" once finished
    log_tail: list[str] = field(default_factory=list)
    resumable: bool = False
    stopped_by_user: bool = False  # `interrupted` because the person stopped it, not because its process died
    # An ended run whose training loss ended far above where it started (ftlib.overfitting.diverged); None otherwise.
    divergence: Divergence | None = None
    # What the run is judged by (SCORES: "loss", GRPO's "reward", a reward model's "accuracy") and its last training
    # and held-out values. Not in `as_dict()`, whose keys are stable: `runs show --json` has every metric.
    score: str = field(default="loss", metadata={"json": False})
    train_score: float | None = field(default=None, metadata={"json": False})
    eval_score: float | None = field(default=None, metadata={"json": False})
    # Measured peak memory in bytes (ftlib.metrics.peak_memory: the process's peak resident memory on CPU, torch's
    # allocated and reserved on a GPU; the largest process's), the largest over every attempt; None before the first
    # logged step and for runs from before it was recorded.
    peak_memory: int | None = None
    peak_memory_reserved: int | None = None  # on a GPU only
    # The estimate (ftlib.memory, bytes per process) shown when the run was started; None where none was recorded.
    estimated_memory: int | None = None
    processes: int = field(default=1, metadata={"json": False})  # processes training the run (torchrun)
    template: str = field(default="", metadata={"json": False})  # its config's chat template ("" = not recorded)
    kept_step: int | None = None  # the checkpoint early stopping kept (eval_* are its evaluation's); None: the last

    @property
    def label(self) -> str:
        """A short name for pickers: the run name the person gave (if any) · method · dataset · when it was created."""
        when = time.strftime("%b %d %H:%M", time.localtime(self.created)) if self.created else "?"
        dataset = Path(self.dataset).stem if self.dataset else "?"
        return " · ".join(x for x in (self.name.strip(), self.method, dataset, when) if x)

    @property
    def facts(self) -> str:
        """What tells runs with one label apart (a real run from a two-step test): "40 steps · last step's loss
        1.234" (the last step's own, which the Train page's headline averages over the last steps; GRPO: "last step's
        reward 0.930", a reward model: "held-out accuracy 97%"), plus "diverged" for a run whose loss rose."""
        facts = [plural(self.step, "step")]
        if self.score == "accuracy" and (self.eval_score is not None or self.train_score is not None):
            held_out = self.eval_score is not None
            value = self.eval_score if held_out else self.train_score
            facts.append(f"{'held-out ' if held_out else ''}accuracy {score_text('accuracy', value)}")
        elif self.train_score is not None:
            facts.append(f"last step's {self.score} {score_text(self.score, self.train_score, digits=3)}")
        if self.divergence is not None:
            facts.append("diverged")
        return " · ".join(facts)

    @property
    def train_text(self) -> str:
        """The last training value in words for tables: "loss 1.2345", "reward 0.930", "accuracy 97%"; "-" without."""
        return "-" if self.train_score is None else f"{self.score} {score_text(self.score, self.train_score)}"

    @property
    def eval_text(self) -> str:
        """The same for the last held-out evaluation."""
        return "-" if self.eval_score is None else f"{self.score} {score_text(self.score, self.eval_score)}"

    @property
    def state_text(self) -> str:
        """The state in words, for the Train page and `runs list`: a run the person stopped reads "stopped —
        resumable" (its stored state is `interrupted`, which read as a crash); "interrupted" is kept for a run whose
        process was killed or lost in a restart; a finished run whose loss rose reads "finished, diverged"."""
        if self.stopped_by_user:
            return "stopped — resumable"
        if self.state == "finished" and self.divergence is not None:
            return "finished, diverged"
        return self.state

    @property
    def memory_text(self) -> str:
        """The measured peak beside the estimate: "Peak memory 1.68 GiB (process, estimated 1.25 GiB before the
        start)"; on a GPU "Peak GPU memory 1.40 GiB allocated, 1.62 GiB reserved (...)"; "" without a measured peak."""
        if self.peak_memory is None:
            return ""
        gpu = self.peak_memory_reserved is not None
        head = (
            f"Peak GPU memory {human(self.peak_memory)} allocated, {human(self.peak_memory_reserved)} reserved"
            if gpu
            else f"Peak memory {human(self.peak_memory)}"
        )
        unit, units = ("GPU", "GPUs") if gpu else ("process", "processes")
        if self.processes > 1:
            notes = [f"the largest of {plural(self.processes, unit, units)}"]
        else:
            notes = [] if gpu else ["process"]  # a CPU run's resident memory: the whole process, Python included
        if self.estimated_memory:
            per = f" per {unit}" if self.processes > 1 else ""
            notes.append(f"estimated {human(self.estimated_memory)}{per} before the start")
        return head + (f" ({', '.join(notes)})" if notes else "")

    def as_dict(self) -> dict:
        hidden = {f.name for f in fields(self) if f.metadata.get("json") is False}
        return {k: v for k, v in asdict(self).items() if k not in hidden}


def score_text(score: str, value: float, digits: int | None = None) -> str:
    """A run's score as a person reads it: a share in percent, a loss (4 decimals) or a reward (3) with enough digits
    to tell a small value from 0.

    >>> score_text("accuracy", 0.968), score_text("loss", 1.23456), score_text("reward", 0.9)
    ('97%', '1.2346', '0.900')
    >>> score_text("loss", 0.000123, digits=3)
    '0.000123'
    """
    if score == "accuracy":
        return f"{value:.0%}"
    digits = digits or (4 if score == "loss" else 3)
    if value != 0 and abs(value) < 10 ** (1 - digits):
        return f"{value:.3g}"
    return f"{value:.{digits}f}"


class RunDir:
    """The folder of one run. Every read tolerates a missing or half-written file (the writer may be mid-way)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, RunDir) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    @property
    def id(self) -> str:
        return self.path.name

    # -- where things are --------------------------------------------------------------------------------------
    @property
    def config_file(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def status_file(self) -> Path:
        return self.path / STATUS_FILE

    @property
    def metrics_file(self) -> Path:
        return self.path / METRICS_FILE

    @property
    def log_file(self) -> Path:
        return self.path / LOG_FILE

    @property
    def stop_file(self) -> Path:
        return self.path / STOP_FILE

    @property
    def completions_file(self) -> Path:
        return self.path / COMPLETIONS_FILE

    @property
    def env_file(self) -> Path:
        return self.path / ENV_FILE

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def adapter_dir(self) -> Path:
        return self.path / "adapter"

    @property
    def model_dir(self) -> Path:
        return self.path / "model"

    @property
    def merged_dir(self) -> Path:
        return self.path / "merged"

    @property
    def exports_dir(self) -> Path:
        return self.path / "exports"

    @property
    def export_lock(self) -> Path:
        """Held while a download of the run is built or the copies removed (ftlib.export): builds take turns."""
        return self.path / ".export.lock"

    def exists(self) -> bool:
        return self.config_file.is_file()

    # -- config ------------------------------------------------------------------------------------------------
    def read_config(self) -> dict:
        """config.json as saved ({} when unreadable); see `config()` for the validated RunConfig."""
        try:
            return json.loads(self.config_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return {}

    def config(self) -> RunConfig:
        """The run's RunConfig (old spellings read with a warning); ConfigError when it is not valid."""
        return RunConfig.from_file(self.config_file)

    def write_config(self, config: RunConfig) -> None:
        workspace.atomic_write_text(self.config_file, json.dumps(config.to_dict(), indent=1))

    # -- the environment it was queued with --------------------------------------------------------------------
    def read_env(self) -> dict[str, str]:
        """env.json: the settings its worker is started with ({} for a run queued before runs kept them)."""
        try:
            env = json.loads(self.env_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return {}
        return {str(k): str(v) for k, v in env.items()} if isinstance(env, dict) else {}

    def write_env(self, env: dict[str, str]) -> None:
        workspace.atomic_write_text(self.env_file, json.dumps(env, indent=1, sort_keys=True))
        # Whatever the umask: the settings that can run code are honoured only from a file no one else may write
        # (ftlib.runs.recorded_env).
        os.chmod(self.env_file, 0o600)

    # -- status ------------------------------------------------------------------------------------------------
    def read_status(self) -> dict:
        try:
            return json.loads(self.status_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return {}

    def update_status(self, **fields) -> dict:
        """Merge fields into status.json atomically, under the run's own lock (the worker and the UI both write)."""
        with locked(self.path / ".status.lock"):
            status = self.read_status()
            status.update(fields)
            status["updated"] = time.time()
            workspace.atomic_write_text(self.status_file, json.dumps(status, indent=1))
        return status

    def end_attempt(self, **fields) -> dict:
        """Record the end of the current attempt together with `fields`: its duration joins `parts_s`, up to
        `fields["ended"]` when given (a process found dead: its last sign of life, not the moment it was noticed)."""
        with locked(self.path / ".status.lock"):
            status = self.read_status()
            now = time.time()
            started, ended = status.get("started"), status.get("ended")
            if started and not ended:
                end = float(fields.get("ended") or now)
                status["parts_s"] = [*(status.get("parts_s") or []), round(max(0.0, end - float(started)), 3)]
            status.update(fields)
            status["ended"] = fields.get("ended") or ended or now
            status["updated"] = now
            workspace.atomic_write_text(self.status_file, json.dumps(status, indent=1))
        return status

    # -- metrics -----------------------------------------------------------------------------------------------
    def read_metrics(self) -> list[dict]:
        """All complete metric rows (a half-written last line is skipped)."""
        if not self.metrics_file.is_file():
            return []
        rows = []
        for line in self.metrics_file.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # the writer is mid-line
        return rows

    def last_sign_of_life(self) -> float | None:
        """When the run's process last wrote its log or a metric (seconds since the epoch), None when it wrote
        neither: what a dead process's attempt ends at, however long before anyone noticed it."""
        times = []
        for path in (self.log_file, self.metrics_file):
            try:
                times.append(path.stat().st_mtime)
            except OSError:
                continue
        return max(times) if times else None

    def append_metric(self, row: dict) -> None:
        with open(self.metrics_file, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")

    def keep_metrics_until(self, step: int) -> list[dict]:
        """Drop metric rows after `step` (a resume trains them again); return the rows kept."""
        rows = [r for r in self.read_metrics() if r.get("step", 0) <= step]
        workspace.atomic_write_text(self.metrics_file, "".join(json.dumps(r) + "\n" for r in rows))
        return rows

    def append_completions(self, step: int, rows: list[dict]) -> None:
        """GRPO: the answers of one logged step with their rewards, one JSON line {"step", "rows"}."""
        with open(self.completions_file, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"step": step, "rows": rows}) + "\n")

    def latest_completions(self) -> tuple[int, list[dict]] | None:
        """(step, rows) of the last complete completions line; None before the first."""
        if not self.completions_file.is_file():
            return None
        for line in reversed(self.completions_file.read_text(encoding="utf-8").splitlines()):
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # the writer is mid-line
            return int(entry["step"]), list(entry["rows"])
        return None

    # -- log ---------------------------------------------------------------------------------------------------
    def log_tail(self, lines: int = 20) -> list[str]:
        """The last non-empty lines of the run's log."""
        if not self.log_file.is_file():
            return []
        with open(self.log_file, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64_000))
            text = handle.read().decode("utf-8", errors="replace")
        # tqdm-style carriage returns put many updates on one line; keep the last of each.
        out = [line.rsplit("\r", 1)[-1].rstrip() for line in text.splitlines()]
        return [line for line in out if line.strip()][-lines:]

    # -- stopping ----------------------------------------------------------------------------------------------
    def request_stop(self) -> None:
        self.stop_file.write_text(str(time.time()))

    def stop_requested(self) -> bool:
        return self.stop_file.exists()

    def clear_stop(self) -> None:
        self.stop_file.unlink(missing_ok=True)

    # -- checkpoints and outputs -------------------------------------------------------------------------------
    def last_checkpoint(self) -> Path | None:
        """The newest complete `checkpoints/checkpoint-N` folder, if any."""
        found = []
        for path in self.checkpoints.glob("checkpoint-*"):
            step = path.name.rsplit("-", 1)[-1]
            if step.isdigit() and (path / "trainer_state.json").is_file():
                found.append((int(step), path))
        return max(found)[1] if found else None

    def output(self) -> tuple[Path, bool] | None:
        """(folder, is_full_model) of the finished result: the adapter, or the full model; None before the end."""
        if (self.adapter_dir / "adapter_config.json").is_file():
            return self.adapter_dir, False
        if (self.model_dir / "config.json").is_file():
            return self.model_dir, True
        return None

    def reward_models_failed_on(self, status: dict | None = None) -> list[str]:
        """The reward-model runs this run's failure came from: the ones it could not use (the worker records them as
        `unusable_reward_models`; for a run that failed before it did, those of its config its user error names)."""
        status = self.read_status() if status is None else status
        if status.get("unusable_reward_models") or not status.get("user_error"):
            return list(status.get("unusable_reward_models") or [])
        config, error = self.read_config(), str(status.get("error") or "")
        named = [spec.get("model") for spec in config.get("rewards") or [] if isinstance(spec, dict)]
        return [name for name in named if isinstance(name, str) and repr(name) in error]

    def is_finished_reward_model(self) -> bool:
        """Whether this run is a reward model a GRPO run can score with now: `rewards.check_reward_run`'s conditions
        (trained with method reward, finished, its result in its folder), asked here without its messages because
        rewards imports this module (tests/test_layers.py refuses import cycles)."""
        return (
            self.exists()
            and self.read_config().get("method") == "reward"
            and self.read_status().get("state") == "finished"
            and self.output() is not None
        )

    # -- the summary -------------------------------------------------------------------------------------------
    def summary(self) -> RunSummary:
        status, config = self.read_status(), self.read_config()
        metrics = self.read_metrics()
        train = [m for m in metrics if m.get("kind") == "train"]
        evals = [m for m in metrics if m.get("kind") == "eval"]
        state = status.get("state", "unknown")
        step = train[-1]["step"] if train else int(status.get("step") or 0)
        # Before training begins (queued, loading), the steps the config fixes; the trainer's count once it starts.
        max_steps = int(status.get("max_steps") or 0) or _fixed_steps(config)
        started, ended = status.get("started"), status.get("ended")
        parts = [float(p) for p in status.get("parts_s") or []]
        if started and not ended and state in ACTIVE:
            parts = [*parts, max(0.0, time.time() - float(started))]  # the attempt running now
        elapsed = train[-1].get("elapsed", 0.0) if train else 0.0
        eta = elapsed / step * (max_steps - step) if state in ACTIVE and step and max_steps and elapsed else None
        method = config.get("method", status.get("method", "?"))
        # Judged once the run has ended (a run going may still come down), from the metrics read above.
        divergence = None if state in ACTIVE or state == "queued" else diverged(metrics, method)
        score, train_key, eval_key = SCORES.get(method, LOSS_SCORE)
        last_train = next((m[train_key] for m in reversed(train) if m.get(train_key) is not None), None)
        if (kept_step := status.get("kept_step")) is not None:  # the result is that checkpoint: judged by its eval
            evals = [m for m in evals if m.get("step") == kept_step] or evals
        last_eval = next((m[eval_key] for m in reversed(evals) if m.get(eval_key) is not None), None)
        peaks = {key: _largest(metrics, key) for key in ("peak_memory", "peak_memory_reserved")}
        if method not in ("lora", "qlora", "full"):
            method = f"{method} ({config.get('tuning', config.get('dpo_tuning', 'lora'))})"
        return RunSummary(
            id=self.id,
            name=config.get("name", ""),
            state=state,
            phase=status.get("phase", ""),
            method=method,
            model=config.get("model", ""),
            dataset=config.get("dataset", ""),
            device=status.get("device", ""),
            created=status.get("created"),
            started=started,
            ended=ended,
            duration_s=round(sum(parts), 1),
            parts_s=[round(p, 1) for p in parts],
            step=step,
            max_steps=max_steps,
            progress=min(1.0, step / max_steps) if max_steps else (1.0 if state == "finished" else 0.0),
            eta_s=round(eta, 1) if eta is not None else None,
            train_loss=train[-1].get("loss") if train else None,
            eval_loss=evals[-1].get("eval_loss") if evals else None,
            # DPO's share of pairs whose chosen answer gains more than the rejected one; a reward model's, of pairs it
            # scores the chosen answer higher (its `accuracy`): the same question, one key.
            reward_accuracy=train[-1].get("accuracy" if score == "accuracy" else "reward_accuracy") if train else None,
            message=status.get("message", ""),
            output=status.get("output"),
            log_tail=status.get("log_tail") or ([] if state not in ("failed", "interrupted") else self.log_tail()),
            resumable=self._resumable(state, status, train),
            stopped_by_user=state == "interrupted" and status.get("stopped_by") == "user",
            divergence=divergence,
            score=score,
            train_score=last_train,
            eval_score=last_eval,
            **peaks,
            estimated_memory=status.get("estimated_memory"),
            processes=_processes(config),
            template=str(config.get("template") or ""),
            kept_step=kept_step,
        )

    def _resumable(self, state: str, status: dict, train: list[dict] = ()) -> bool:
        """Whether Resume can help: a stopped or lost run, a failed one with a checkpoint to continue from, or one
        whose failure may not happen again (a crash, out of memory, a full disk). A run that failed before saving a
        checkpoint on the person's own settings or data (`user_error` in status.json), or on a loss or gradient that
        turned NaN/inf (its last training row: the learning rate, which a resume keeps, made it), would start again
        from step 0 and fail the same way; one that failed resuming from a damaged checkpoint (`damaged_checkpoint`)
        would again while that checkpoint is there. One that failed because a reward-model run it scores with could
        not be used (`unusable_reward_models`) is resumable once each of them is a finished reward model again, asked
        now (a run deleted, then copied back): not before, even from a checkpoint."""
        damaged = status.get("damaged_checkpoint")  # its name, e.g. "checkpoint-4"
        if damaged and (self.checkpoints / str(damaged)).exists():
            return False
        waited_on = self.reward_models_failed_on(status)
        if state == "failed" and waited_on:
            return all(
                RunDir(self.path.parent / workspace.safe_name(str(name), "-")).is_finished_reward_model()
                for name in waited_on
            )
        if state == "interrupted":
            return True
        if state != "failed":
            return False
        broke = bool(train) and not all(_finite(train[-1].get(key)) for key in ("loss", "grad_norm"))
        return not (status.get("user_error") or broke) or self.last_checkpoint() is not None


def _finite(value) -> bool:
    """A logged number that is finite, or none logged (a step may leave out its gradient size)."""
    return value is None or (isinstance(value, (int, float)) and math.isfinite(value))


def _largest(metrics: list[dict], key: str) -> int | None:
    """The largest value of `key` in the metric rows (a resumed run's attempts each start from their own process's
    peak); None where no row has it."""
    values = [row[key] for row in metrics if isinstance(row.get(key), (int, float))]
    return int(max(values)) if values else None


def _processes(config: dict) -> int:
    """Processes training the run: per machine times machines (1 for runs saved before these settings)."""
    try:
        return max(1, int(config.get("nproc") or 1) * int(config.get("nnodes") or 1))
    except (TypeError, ValueError):
        return 1


def _fixed_steps(config: dict) -> int:
    """The steps a saved config fixes (`max_steps`; 0 when its epochs decide them)."""
    try:
        return max(0, int(config.get("max_steps") or 0))
    except (TypeError, ValueError):
        return 0


__all__ = [
    "ACTIVE",
    "COMPLETIONS_FILE",
    "CONFIG_FILE",
    "DONE",
    "ENV_FILE",
    "LOG_FILE",
    "METRICS_FILE",
    "STATES",
    "STATUS_FILE",
    "STOP_FILE",
    "RunDir",
    "RunSummary",
    "locked",
    "score_text",
]
