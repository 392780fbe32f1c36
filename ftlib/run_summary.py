"""One row of the runs table, typed: `RunSummary` (what `RunDir.summary()` reads from a run's folder), its words for
tables, pickers and the CLI, and how each method's runs are judged (`SCORES`: a loss, GRPO's reward, a reward model's
accuracy).

    info = RunDir(path).summary()
    info.state_text, info.facts, info.train_text    # "stopped — resumable", "40 steps · last step's loss 1.2345", ...
    info.as_dict()                                    # `runs list --json`: its keys are stable

Not known here: the run folder's files (rundir.py, which builds a summary and re-exports these names).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields

from ftlib.errors import plural
from ftlib.file_bytes import data_stem
from ftlib.memory import human
from ftlib.overfitting import Divergence

# What each method's runs are judged by in tables and pickers: (the word, the training metric, the held-out metric).
# GRPO's loss is a surrogate that says nothing to a person (it sits near 0, often below); its rewards do. A reward
# model's loss falls to 0.000 at three decimals long before it stops improving; the share of pairs it ranks right
# reads at a glance.
SCORES = {"grpo": ("reward", "reward", "eval_reward"), "reward": ("accuracy", "accuracy", "eval_accuracy")}
LOSS_SCORE = ("loss", "loss", "eval_loss")
# The heading over each run's last training value (`train_text`) in `runs list` and the Train page's runs table: the
# last step's own, where the Train page's headline and `runs show` also give the mean of the last steps.
LAST_STEP_HEADING = "training (last step)"


@dataclass
class RunSummary:
    """One row of the runs table, typed. `as_dict()` is the CLI's JSON (`runs list --json`); keys are stable."""

    id: str
    name: str
    state: str
    phase: str
    method: str  # the table's label: "lora", or "dpo (lora)" (`runs show --json` has the config's own values)
    tuning: str  # what trains: "lora", "qlora" or "full"
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
    # The step `train_score` was logged at: the last step's, unless metrics.jsonl lost the lines after it.
    train_score_step: int | None = field(default=None, metadata={"json": False})
    # Measured peak memory in bytes (ftlib.metrics.peak_memory: the process's peak resident memory on CPU, torch's
    # allocated and reserved on a GPU; the largest process's), the largest over every attempt; None before the first
    # logged step and for runs from before it was recorded.
    peak_memory: int | None = None
    peak_memory_reserved: int | None = None  # on a GPU only
    # The estimate (ftlib.memory, bytes per process) shown when the run was started; None where none was recorded.
    estimated_memory: int | None = None
    processes: int = field(default=1, metadata={"json": False})  # processes training the run (torchrun)
    # Its config's chat template ("" = not recorded), or "text" for a run of raw text rows (read with none)
    template: str = field(default="", metadata={"json": False})
    # When it was queued (nanoseconds since 1970; status.json's `queued_at`): the queue starts runs in this order.
    queued_at: float | None = field(default=None, metadata={"json": False})
    kept_step: int | None = None  # the checkpoint early stopping kept (eval_* are its evaluation's); None: the last
    # Each file of the run that could not be read, in a sentence ("status.json is empty"); [] when all read.
    unreadable: list[str] = field(default_factory=list)
    # Who started it ("ana@example.com", "bob (command line)") and the last thing done to it since ("stopped by
    # ana@example.com"), where known (ftlib.run_people, its who.json); "" for nobody known and runs from before.
    started_by: str = ""
    last_action: str = ""

    @property
    def label(self) -> str:
        """A short name for pickers: the run name the person gave (if any) · method · dataset · when it was created."""
        when = time.strftime("%b %d %H:%M", time.localtime(self.created)) if self.created else "?"
        dataset = data_stem(self.dataset) if self.dataset else "?"
        return " · ".join(x for x in (self.name.strip(), self.method, dataset, when) if x)

    @property
    def facts(self) -> str:
        """What tells runs with one label apart (a real run from a two-step test): "40 steps · last step's loss
        1.2345" (the last step's own, as `train_text` rounds it; the Train page's headline smooths it over the last
        steps and says so; GRPO: "last step's
        reward 0.930", a reward model: "held-out accuracy 97%"), plus "diverged" for a run whose loss rose."""
        facts = [plural(self.step, "step")]
        if self.score == "accuracy" and (self.eval_score is not None or self.train_score is not None):
            held_out = self.eval_score is not None
            value = self.eval_score if held_out else self.train_score
            facts.append(f"{'held-out ' if held_out else ''}accuracy {score_text('accuracy', value)}")
        elif self.train_score is not None:
            when = f"step {self._lost_after}" if self._lost_after else "last step"
            # Rounded as the runs table's `train_text` rounds it: one figure (a loss 0.251 here was 0.2509 there)
            facts.append(f"{when}'s {self.score} {score_text(self.score, self.train_score)}")
        if self.divergence is not None:
            facts.append("diverged")
        return " · ".join(facts)

    @property
    def _lost_after(self) -> int | None:
        """The step `train_score` is from where the later steps' metrics were lost (a cut file); None otherwise."""
        step = self.train_score_step
        return step if step is not None and step < self.step else None

    @property
    def train_text(self) -> str:
        """The last training value in words for tables: "loss 1.2345", "reward 0.930", "accuracy 97%" ("loss 1.2345
        (step 1)" where the later steps' metrics were lost); "-" without."""
        if self.train_score is None:
            return "-"
        step = f" (step {self._lost_after})" if self._lost_after else ""
        return f"{self.score} {score_text(self.score, self.train_score)}{step}"

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
        if self.state == "unknown":  # status.json missing or damaged: `message` says what to do
            return "no readable status"
        if self.state == "finished" and self.divergence is not None:
            return "finished, diverged"
        return self.state

    @property
    def people_text(self) -> str:
        """'started by ana@example.com · stopped by bob (command line)'; "" where nobody is known."""
        return " · ".join(
            x for x in (f"started by {self.started_by}" if self.started_by else "", self.last_action) if x
        )

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


def ordinal(n: int) -> str:
    """A place in words.

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def doing_words(info: RunSummary) -> str:
    """What a run ahead in the queue is doing, in a few words, and who started it where known: "training, step 5 of
    12, started by ana@example.com", "queued"."""
    if info.state == "queued":
        doing = "queued"
    elif info.state == "stopping":
        doing = f"stopping at step {info.step}"
    elif info.phase == "training":
        doing = f"training, step {info.step} of {info.max_steps or '?'}"
    else:
        doing = info.phase or info.state
    return doing + (f", started by {info.started_by}" if info.started_by else "")


def both_lost_words(run, problems: dict[str, str]) -> str:
    """What to do about a run (a `RunDir`) whose config.json and status.json both do not read (`problems`: {file name:
    what is wrong with it, "is not complete JSON (...)"}), its result and last checkpoint folders named: it cannot
    resume (no settings) and `runs export`, `sample` and `evaluate` refuse it (whether it finished is not known), so
    the way on is a backup of both files or the folders themselves, never one of those commands (each pointed to the
    other: a loop)."""
    (first, one), (second, other) = problems.items()
    lost = f"{first} and {second} are {one[3:]}" if one == other and one.startswith("is ") else None
    lost = lost or f"{first} {one} and {second} {other}"
    run_id, result = run.id, run.output()
    kept = [path for path in (result and result[0], run.last_checkpoint()) if path]
    how = f"`python -m ftlib runs delete {run_id}`, or Delete on the Train page"
    said = (
        f"{lost}: the run's settings and its state are lost, so it cannot resume, and whether it finished is not "
        "known, so `runs export`, `sample` and `evaluate` cannot take anything in it as its result."
    )
    if kept:
        loads = "an adapter loads with PeftModel.from_pretrained on the base model its adapter_config.json names"
        loads = "a full model's folder loads with from_pretrained" if result and result[1] else loads
        names = " and ".join(
            f"{path.parent.name + '/' if path.parent.name == 'checkpoints' else ''}{path.name}/" for path in kept
        )
        log = "; its train.log says how far it trained" if run.log_file.is_file() else ""  # none: not promised
        said += (
            f" Still in its folder {run.path}: {names} ({loads}{log}). Restore both files from a backup to use it "
            f"here again, or copy out what you need; then delete it ({how})."
        )
    else:
        said += f" Nothing it trained is left in its folder. Restore both files from a backup, or delete it ({how})."
    return said


def held_out_rewards_said(metrics: list[dict]) -> str:
    """What a preference run's held-out line adds to its loss (`runs show`, the end of `train`): DPO's held-out reward
    accuracy (", reward accuracy 75%") from the last evaluation that measured it; KTO's rewards of the good and the
    bad answers (", rewards good +1.204, bad -0.871"); "" for other methods or before one. `metrics`: metrics.jsonl's
    records.

    >>> held_out_rewards_said([{"kind": "eval", "step": 2, "eval_loss": 0.2, "eval_reward_accuracy": 0.75}])
    ', reward accuracy 75%'
    """
    evals = [m for m in metrics if m.get("kind") == "eval" and m.get("eval_reward_accuracy") is not None]
    if evals:
        return f", reward accuracy {evals[-1]['eval_reward_accuracy']:.0%}"
    return f", rewards {sides}" if (sides := kto_rewards_said(metrics, "eval")) else ""


def kto_rewards_said(metrics: list[dict], kind: str) -> str:
    """A KTO run's implicit rewards (beta x the log-ratio against the starting model) of its good and its bad answers
    at its last `kind` ("train", "eval") record that has them: "good +4.526, bad -2.735" (a side a batch of one label
    did not log left out); "" for other methods, whose records have a reward accuracy instead, or before one.

    >>> kto_rewards_said([{"kind": "train", "rewards_chosen": 4.5262, "rewards_rejected": -2.7349}], "train")
    'good +4.526, bad -2.735'
    """
    at = "eval_" if kind == "eval" else ""
    keys = [("good", f"{at}rewards_chosen"), ("bad", f"{at}rewards_rejected")]
    logged = [
        m
        for m in metrics
        if m.get("kind") == kind and f"{at}reward_accuracy" not in m and any(m.get(k) is not None for _, k in keys)
    ]
    return ", ".join(f"{w} {logged[-1][k]:+.3f}" for w, k in keys if logged[-1].get(k) is not None) if logged else ""


__all__ = [
    "LAST_STEP_HEADING",
    "LOSS_SCORE",
    "SCORES",
    "RunSummary",
    "both_lost_words",
    "doing_words",
    "held_out_rewards_said",
    "kto_rewards_said",
    "ordinal",
    "score_text",
]
