"""One training run's folder and every file in it: the only code that knows their names and formats.

    run = RunDir(workspace.runs_dir() / "20261123-091500-lora-chat_style")
    run.config()                     # the RunConfig (config.json)
    run.update_status(state="running", phase="training")      # status.json, merged under the run's own lock
    run.append_metric({"kind": "train", "step": 3, "loss": 1.2})   # metrics.jsonl, one JSON object per line
    run.summary()                    # a RunSummary (ftlib.run_summary): state, progress, losses, timings

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
    who.json        who started, stopped, resumed it, where known (ftlib.run_people; runs from before have none)

States: queued -> running -> finished | failed | interrupted, `stopping` while a stop is in progress. A run the
person stopped (Stop, or removed from the queue) ends `interrupted` with `stopped_by: "user"` in status.json; one
whose process was killed or lost in a restart ends `interrupted` without it (older runs have no such field). Each
attempt's training time joins `parts_s` when it ends: the total shown is the whole run's, with the parts listed.

A file that does not read (cut short, not UTF-8, not a JSON object; ftlib.run_files reads them) reads as empty,
and the summary names it and what to do (`RunSummary.unreadable`): one damaged run never stops the others or the
queue. So does a value of another kind than its field's (`STATUS_FIELDS`, `CONFIG_TEXTS`; a metric that is not a
number), read as missing. A status.json that is missing or does not read reads as state `unknown`, resumable while
its config reads. `log_start` in status.json: where this attempt's lines begin in train.log (every attempt appends).

Not known here: the queue and processes (runs.py), what training does (training.py, worker.py).
"""

from __future__ import annotations

import functools
import json
import math
import os
import time
from pathlib import Path

from ftlib import run_files, run_phases, workspace
from ftlib.config import RunConfig
from ftlib.errors import plural
from ftlib.file_lock import locked
from ftlib.run_digest import metric_facts
from ftlib.run_files import (
    COUNT,
    DURATIONS,
    ORDER,
    TEXT,
    TEXTS,
    WHEN,
    cached_json_lines,
    is_number,
    json_lines,
    json_object,
    text_tail,
    typed,
    wrong_words,
)
from ftlib.run_people import people
from ftlib.run_recovery import damage_message, resumable
from ftlib.run_summary import LOSS_SCORE, SCORES, RunSummary, score_text

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
# What each field of status.json that is read holds (ftlib.run_files.typed): a value of another kind reads as missing,
# and the summary names it. Fields not named here (flags such as `user_error`, `rows_kept`) are read as they are.
STATUS_FIELDS = {
    **dict.fromkeys(("created", "started", "ended", "updated", "train_started", "stop_now"), WHEN),
    "queued_at": ORDER,  # nanoseconds since 1970
    "parts_s": DURATIONS,
    **dict.fromkeys(("step", "max_steps", "planned_steps", "kept_step", "log_start", "estimated_memory"), COUNT),
    "pid": COUNT,
    **dict.fromkeys(("id", "phase", "message", "device", "output", "method", "tuning", "stopped_by"), TEXT),
    **dict.fromkeys(
        ("damaged_checkpoint", "error", "rendezvous", "weights_dtype", "computed_in", "resumed_from"), TEXT
    ),
    **dict.fromkeys(("log_tail", "unusable_reward_models"), TEXTS),
}
# By folder, the end `runs.reconcile` could not write (a full disk) of a run whose process ended: what `summary` shows.
UNWRITTEN_ENDS: dict[str, dict] = {}
# The settings of config.json a summary reads as text (a RunConfig reads the others, "40" for 40 too).
CONFIG_TEXTS = dict.fromkeys(("name", "method", "tuning", "dpo_tuning", "model", "dataset", "template"), TEXT)


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
    def merged_sources(self) -> Path:
        """What `merged/` was built from (ftlib.merged_sources): beside it, not in the folder a download hands out."""
        return self.path / "merged.sources.json"

    @property
    def exports_dir(self) -> Path:
        return self.path / "exports"

    @property
    def export_lock(self) -> Path:
        """Held while a download of the run is built or the copies removed (ftlib.export): builds take turns."""
        return self.path / ".export.lock"

    def exists(self) -> bool:
        """Holds config.json, or another file only runs write: a run that lost its config is listed and deletable."""
        return any((self.path / name).is_file() for name in (CONFIG_FILE, STATUS_FILE, METRICS_FILE, LOG_FILE))

    # -- config ------------------------------------------------------------------------------------------------
    def read_config(self) -> dict:
        """config.json as saved ({} when unreadable); see `config()` for the validated RunConfig."""
        return json_object(self.config_file)[0]

    def config(self) -> RunConfig:
        """The run's RunConfig (old spellings read with a warning); ConfigError when it is not valid."""
        return RunConfig.from_file(self.config_file)

    def write_config(self, config: RunConfig) -> None:
        workspace.atomic_write_text(self.config_file, json.dumps(config.to_dict(), indent=1))

    # -- the environment it was queued with --------------------------------------------------------------------
    def read_env(self) -> dict[str, str]:
        """env.json: the settings its worker is started with ({} for a run queued before runs kept them)."""
        return {str(k): str(v) for k, v in json_object(self.env_file)[0].items()}

    def write_env(self, env: dict[str, str]) -> None:
        workspace.atomic_write_text(self.env_file, json.dumps(env, indent=1, sort_keys=True))
        # Whatever the umask: the settings that can run code are honoured only from a file no one else may write
        # (ftlib.runs.recorded_env).
        os.chmod(self.env_file, 0o600)

    # -- status ------------------------------------------------------------------------------------------------
    def read_status(self) -> dict:
        """status.json ({} when missing or unreadable: `checked_status` says which), without a value of another kind
        than its field's (`STATUS_FIELDS`): every reader gets a number where a number is read. One that names no state
        is read as it is (`checked_status` judges it): `update_status` merges into it, and keeps what it holds."""
        return typed(json_object(self.status_file)[0], STATUS_FIELDS)[0]

    def checked_status(self) -> tuple[dict, str | None]:
        """(status, None), or ({}, what is wrong with status.json) when it is missing, does not read, or names no
        state: "is empty", "holds a JSON list, not an object" (`ftlib.run_files.json_object`)."""
        return self._status()[:2]

    def _status(self) -> tuple[dict, str | None, list[str]]:
        """`checked_status`, and the fields left out for holding a value of another kind (`ftlib.run_files.typed`)."""
        status, problem = json_object(self.status_file)
        if problem is None and status.get("state") not in STATES:
            return {}, "names no state this version knows", []
        status, wrong = typed(status, STATUS_FIELDS)
        return status, problem, wrong

    def update_status(self, **fields) -> dict:
        """Merge fields into status.json atomically, under the run's own lock (the worker and the UI both write)."""
        return self.update_status_while(None, **fields)

    def update_status_while(self, states, **fields) -> dict | None:
        """`update_status` only while the run's state is one of `states` (None: any), checked under the lock; None
        when it was not: the worker may have ended the run since the caller read its status."""
        with locked(self.path / ".status.lock", make_parent=False):  # a deleted run is not made anew
            status = self.read_status()
            if states is not None and status.get("state") not in states:
                return None
            status.update(fields)
            status["updated"] = time.time()
            workspace.atomic_write_text(self.status_file, json.dumps(status, indent=1))
        return status

    def end_attempt(self, **fields) -> dict:
        """Record the end of the current attempt together with `fields`: its duration joins `parts_s`, up to
        `fields["ended"]` when given (a process found dead: its last sign of life, not the moment it was noticed)."""
        with locked(self.path / ".status.lock", make_parent=False):  # a deleted run is not made anew
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
        """All complete metric rows: a half-written last line (the writer is mid-line) and damaged lines are left out
        (`checked_metrics` counts those)."""
        return self.checked_metrics()[0]

    def checked_metrics(self, live: bool = True) -> tuple[list[dict], int]:
        """(metric rows, damaged lines left out): a row is a JSON object with a whole-number step, whose values but
        its `kind` are numbers (another value is left out of its row: `_metrics` names it); `live`: the run's process
        may be writing, so a last line without its newline is that write, not damage."""
        return self._metrics(live)[:2]

    def _metrics(self, live: bool = True, cached: bool = True) -> tuple[list[dict], int, list[str]]:
        """`checked_metrics`, and the names of the values left out of their rows for not being numbers; `cached`:
        the parsed rows are kept for the next reader (the charts), not for a summary, whose facts are kept instead."""
        rows, bad = (cached_json_lines if cached else run_files.json_lines)(self.metrics_file, live)
        kept, wrong = [], set()
        for row in rows:
            if type(row.get("step")) is not int:
                continue
            odd = [k for k, v in row.items() if k != "kind" and v is not None and not is_number(v)]
            wrong.update(odd)
            kept.append({k: v for k, v in row.items() if k not in odd})
        return kept, bad + len(rows) - len(kept), sorted(wrong)

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
        """(step, rows) of the last complete completions line; None before the first (damaged lines left out)."""
        for entry in reversed(json_lines(self.completions_file)[0]):
            if type(entry.get("step")) is int and isinstance(entry.get("rows"), list):
                return entry["step"], entry["rows"]
        return None

    # -- log ---------------------------------------------------------------------------------------------------
    def log_tail(self, lines: int = 20, since: int | None = 0) -> list[str]:
        """The last non-empty lines of the run's log written after byte `since` (status.json's `log_start`: where the
        current attempt's lines begin, the log being appended to across resumes)."""
        return text_tail(self.log_file, lines, since=_count(since))

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
        rewards, error = self.read_config().get("rewards"), str(status.get("error") or "")
        named = [spec.get("model") for spec in rewards if isinstance(spec, dict)] if isinstance(rewards, list) else []
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
        status, status_problem, status_wrong = self._status()
        status.update(UNWRITTEN_ENDS.get(str(self.path), {}) if status.get("state") in ACTIVE else {})
        config, config_problem = json_object(self.config_file)
        config, config_wrong = typed(config, CONFIG_TEXTS)  # a value of another kind: as if missing, and named
        state = status.get("state", "unknown")
        damage = damage_message(self, status_problem, config_problem)  # "" when both read
        method = config.get("method") or status.get("method") or "?"
        kept_step = status.get("kept_step")  # the result is that checkpoint: judged by its eval
        # A finished run's file is whole: a last line without its newline was cut short, not being written. Its
        # divergence is judged once the run has ended (a run going may still come down).
        live, judged = state not in DONE, state not in ACTIVE and state != "queued"
        # A live run's rows are parsed for its charts too (each new step, both read the same parse); an ended run's
        # facts are kept, its rows need not be.
        read = functools.partial(self._metrics, live, cached=live)
        facts = metric_facts(self.metrics_file, read, live, method, kept_step, judged)
        last = facts.last_train or {}
        step = last["step"] if facts.last_train else _count(status.get("step"))
        if state == "finished":  # the trainer's count at the end, whatever metrics.jsonl kept
            step = max(step, _count(status.get("step")))
        # Before training begins (queued, loading), the steps planned when it was queued (`planned_steps`), else those
        # the config fixes; the trainer's count once it starts.
        max_steps = _count(status.get("max_steps")) or _count(status.get("planned_steps")) or _fixed_steps(config)
        started, ended = status.get("started"), status.get("ended")
        parts = [float(p) for p in status.get("parts_s") or []]  # numbers, 0 or more (STATUS_FIELDS)
        if started and not ended and state in ACTIVE:
            parts = [*parts, max(0.0, time.time() - float(started))]  # the attempt running now
        elapsed = last.get("elapsed", 0.0)
        going = state in ACTIVE and step and max_steps and elapsed and not run_phases.first_step(status.get("phase"))
        eta = elapsed / step * (max_steps - step) if going and math.isfinite(elapsed) else None  # not NaN, Infinity
        score, train_key, _ = SCORES.get(method, LOSS_SCORE)
        own = method in ("lora", "qlora", "full")  # the method names what trains
        tuning = method if own else config.get("tuning") or config.get("dpo_tuning") or "lora"
        if not own:
            method = f"{method} ({tuning})"
        return RunSummary(
            id=self.id,
            name=config.get("name") or "",
            state=state,
            phase=status.get("phase") or "",
            method=method,
            tuning=tuning,
            model=config.get("model") or "",
            dataset=config.get("dataset") or "",
            device=status.get("device") or "",
            created=status.get("created")
            or (self.config_file.stat().st_mtime if self.config_file.is_file() else None),
            queued_at=status.get("queued_at"),  # a lost status: when it was queued
            started=started,
            ended=ended,
            duration_s=round(sum(parts), 1),
            parts_s=[round(p, 1) for p in parts],
            step=step,
            max_steps=max_steps,
            progress=min(1.0, step / max_steps) if max_steps else (1.0 if state == "finished" else 0.0),
            eta_s=round(eta, 1) if eta is not None else None,
            train_loss=last.get("loss"),
            eval_loss=(facts.last_eval or {}).get("eval_loss"),
            # DPO's share of pairs whose chosen answer gains more than the rejected one; a reward model's, of pairs it
            # scores the chosen answer higher (its `accuracy`): the same question, one key.
            reward_accuracy=last.get("accuracy" if score == "accuracy" else "reward_accuracy"),
            message=damage or status.get("message") or "",
            output=status.get("output"),
            log_tail=status.get("log_tail")
            or ([] if state not in ("failed", "interrupted") else self.log_tail(since=status.get("log_start"))),
            resumable=not config_problem and (bool(status_problem) or resumable(self, state, status, last)),
            stopped_by_user=state == "interrupted" and status.get("stopped_by") == "user",
            divergence=facts.divergence,
            score=score,
            train_score=facts.scored.get(train_key),
            train_score_step=facts.scored.get("step"),
            eval_score=facts.eval_score,
            **facts.peaks,
            estimated_memory=status.get("estimated_memory"),
            processes=_processes(config),
            template=_template_read_with(self.path, config),
            kept_step=kept_step,
            **people(self.path).as_dict(),  # who started it, and the last to act on it since, where known
            unreadable=[
                *([damage] if damage else []),
                *wrong_words(STATUS_FILE, status_wrong),
                *wrong_words(CONFIG_FILE, config_wrong),
                *_left_out_words(facts.left_out),
                *_not_numbers_words(list(facts.not_numbers)),
            ],
        )


def _template_read_with(path: Path, config: dict) -> str:
    """The chat template a run's rows were read with, as its labels name it: its config's (`template`; "" where not
    recorded), or "text" for a run of raw text, whose rows no template wrote whatever its config says
    (`run_data.trained_on_text`, as `modelset.trained_template` reads it for Compare and Evaluate). A raw-text run
    queued while a tool-calling run's ChatML + tools template was the Train form's was labelled "ChatML + tools
    (Hermes) template" on Train, Compare and Evaluate (helper 255's walk)."""
    from ftlib.run_data import trained_on_text

    template = str(config.get("template") or "")
    return "text" if template and trained_on_text(path) else template


def run_folders(root: str | Path | None = None) -> list[RunDir]:
    """The run folders under `root` (the workspace's runs/), by name (`RunDir.exists`), not a run being created
    (run_create's hidden `.ID.partial`) nor the queue's files. The queue (runs.py) and the run a new Train form starts
    from (last_run.py) list runs with this."""
    root = Path(root) if root is not None else workspace.runs_dir()
    if not root.is_dir():
        return []
    folders = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    return [run for run in map(RunDir, folders) if run.exists()]


def _left_out_words(left_out: int) -> list[str]:
    said = f"{METRICS_FILE} has {plural(left_out, 'damaged line')} (cut short, or not a metric row), left out of the"
    return [said + " charts and numbers."] if left_out else []


def _not_numbers_words(names: list[str]) -> list[str]:
    named = ", ".join(f"`{name}`" for name in names)
    said = f"{METRICS_FILE} holds values that are not numbers, left out of the charts and numbers: {named}."
    return [said] if names else []


def _count(value) -> int:
    """A whole number read from a run's file, 0 where it holds none (missing, damaged, another kind of value)."""
    return value if type(value) is int and value > 0 else 0


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
    "CONFIG_TEXTS",
    "DONE",
    "ENV_FILE",
    "LOG_FILE",
    "LOSS_SCORE",
    "METRICS_FILE",
    "SCORES",
    "STATES",
    "STATUS_FIELDS",
    "STATUS_FILE",
    "STOP_FILE",
    "RunDir",
    "RunSummary",
    "locked",
    "run_folders",
    "score_text",
]
