"""Runs side by side: the settings that differ between two or more runs, each run's numbers, whether their held-out
losses compare, and the loss curves to overlay.

    >>> c = compare(["20261205-101500-lora-chat_style", "20261205-103000-lora-chat_style"])   # doctest: +SKIP
    >>> [(s.label, s.values) for s in c.settings]                                            # doctest: +SKIP
    [('Learning rate', ['0.0002', '0.001'])]
    >>> c.runs[0].best_eval_loss, c.runs[0].best_eval_step, c.comparable                    # doctest: +SKIP
    (1.0523, 40, True)
    >>> print(c.text())                                                                       # doctest: +SKIP

Settings are read from each run's own config.json, listed by the Train form's groups (`ftlib.config`); a
setting equal in every run is left out, and so is the run's name (its column is named by it). A setting an older
run's config does not hold (added since) is shown as the default it would load with, marked `absent`, and compared as
that default; one the config holds that this version no longer knows is "-" in the runs without it.

Held-out losses compare only when they measure the same thing: the same kind of loss (`loss_kind`: an SFT run's
next-token loss is not DPO's, and DPO's at beta 0.1 is not DPO's at beta 0.5) on the same held-out rows
(`ftlib.held_out_sets.rows_key`, the test the Train page's runs table makes), written and cut alike (one chat
template, max length and tokenizer: `ftlib.token_settings`, else a note; the chart still overlays them). A GRPO
run is measured by its answers' mean reward instead (higher is better; `measure`), its loss being TRL's surrogate,
and compares only under the same rewards. Otherwise `notes` say why, the curves are grouped by kind of loss (one
chart each), and a group's held-out lines are flagged `apart` where their rows differ from those of the largest set
of its runs that share theirs (all of them where no two do): drawn over each other they would look like one measure.

Not known here: drawing (ui/runs_compare_view.py), the CLI's words (`runs compare`, ftlib/commands/runs.py).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from ftlib import runs, workspace
from ftlib.config import RENAMED, SFT_METHODS, field_specs
from ftlib.errors import UserError, plural
from ftlib.held_out_sets import rows_key
from ftlib.run_files import json_object
from ftlib.rundir import RunDir, RunSummary
from ftlib.token_settings import recorded_digest, token_notes, token_settings, tokenizer_settings

# Ended runs that trained: what the Train page offers to compare (a failed run's curve is usually a few steps).
COMPARABLE_STATES = ("finished", "interrupted")
# Not a training setting: the run's own name, which heads its column.
NOT_SETTINGS = ("name",)
# The settings that change what a method's loss measures, beside the method itself: which tokens an SFT loss is the
# mean over (the mask policy); DPO's loss function, its beta (the scale of the margin inside the log-sigmoid) and
# label smoothing; KTO's loss, beta and its two weights. GRPO is measured by its answers' mean reward (below), which
# the rewards it is given define.
LOSS_SETTINGS = {
    "sft": ("mask_policy",),
    "dpo": ("dpo_loss_type", "beta", "dpo_label_smoothing", "mask_policy"),
    "kto": ("kto_loss_type", "beta", "desirable_weight", "undesirable_weight", "mask_policy"),
    "grpo": ("rewards",),
    "reward": ("mask_policy",),
}
LOSS_NAMES = {
    "sft": "next-token loss",
    "dpo": "DPO loss",
    "kto": "KTO loss",
    "grpo": "GRPO mean reward",
    "reward": "reward model loss",
}
ABSENT = "-"  # a setting a run's config does not hold and this version has no default for
# Methods measured by their answers' mean reward, higher better, not by their loss: GRPO's loss is TRL's surrogate
# (near 0 whatever the rewards, 0.0 at step 0), and the runs table judges GRPO by its rewards (`run_summary.SCORES`).
REWARD_MEASURED = ("grpo",)
MEASURES = {"loss": "losses", "mean reward": "mean rewards"}  # a run's measure (`RunNumbers.measure`), in the plural
# What a run with no step nor loss is doing, by its state (`_notes`); any other state: it ended before its first step.
WAITING = {
    "queued": "has not started (queued)",
    "running": "has not trained a step yet",
    "stopping": "is stopping before its first step",
}
NOT_USED = "n/a"  # a setting the run's method does not use (beta for LoRA)
UNKNOWN_LOSS = "a loss of a kind not known (its config.json does not read)"
# The order settings are listed in: the Train form's groups, what is trained first (the declaration order puts the
# preference methods' settings, declared in mixins, first of all).
GROUP_ORDER = ("method", "tokens", "optimisation", "schedule", "lora", "preference", "hardware")


@dataclass
class SettingDiff:
    """One setting whose value differs between the runs: `values[i]` is run i's, as text; `absent[i]`: run i's
    config does not hold it, and `values[i]` is the default it loads with (or "-" where there is none)."""

    name: str  # as config.json spells it: `learning_rate`
    label: str  # as the Train form labels it: "Learning rate"
    values: list[str]
    absent: list[bool]


@dataclass
class RunNumbers:
    """One run's numbers beside the others'. `measure`: "loss" (lower is better), or for GRPO "mean reward" (higher
    is better), what `final_train_loss` and `best_eval_loss` then hold; None where the run logged none. tokens: every
    token read over every attempt (prompt and answer alike, `ftlib.metrics`); tokens_per_s: the median of its steps'
    speeds, as the Train page's headline (one slow step does not set it)."""

    id: str
    label: str
    method: str  # "lora", "dpo (lora)": as the runs table says it
    state: str  # "finished", "stopped — resumable": as `runs list` says it
    loss_kind: str  # `loss_kind`: "next-token loss (all_assistant)", "DPO loss (sigmoid, beta 0.1)"
    final_train_loss: float | None
    best_eval_loss: float | None
    best_eval_step: int | None
    steps: int
    max_steps: int
    tokens: int | None
    tokens_per_s: float | None
    measure: str = "loss"


@dataclass
class Series:
    """One line to draw: a run's training loss per step (`kind` "training") or its held-out loss at each evaluation
    ("held-out"). `group`: the loss kind, one chart per kind; `apart`: a held-out line whose rows differ from another
    of its group's, left off the chart (its numbers stay in `runs`); `measure`: "loss" or "mean reward"
    (`RunNumbers`)."""

    run_id: str
    kind: str
    group: str
    steps: list[int]
    values: list[float]
    apart: bool = False
    measure: str = "loss"


@dataclass
class Comparison:
    """What `compare` finds; `as_dict()` is `runs compare --json`."""

    ids: list[str]
    labels: list[str]
    settings: list[SettingDiff]
    runs: list[RunNumbers]
    same_loss: bool  # every run's held-out loss is the same kind of loss
    same_rows: bool | None  # every run was scored on the same held-out rows; None: cannot be told
    comparable: bool  # held-out losses compare: same loss, same rows, each run has one
    notes: list[str]  # why they do not, a sentence or two each; [] when they do
    series: list[Series] = field(default_factory=list)
    same_tokens: bool = True  # each kind of loss's runs wrote and cut their rows alike (`ftlib.token_settings`)

    @property
    def note(self) -> str | None:
        """The notes as one markdown text (a list where there are several); None when held-out losses compare."""
        if len(self.notes) < 2:
            return self.notes[0] if self.notes else None
        return "\n".join(f"- {n}" for n in self.notes)

    @property
    def defaults_shown(self) -> bool:
        """Some run's value is the default of a setting its config does not hold (marked "(default)"); not where its
        config does not read at all (every value "-")."""
        marked = (
            a and v not in (ABSENT, NOT_USED) for s in self.settings for v, a in zip(s.values, s.absent, strict=True)
        )
        return any(marked)

    @property
    def measures(self) -> str:
        """What the runs' numbers are: "loss", "mean reward" (GRPO runs alone) or "loss or mean reward"."""
        return " or ".join(dict.fromkeys(sorted(r.measure for r in self.runs))) or "loss"

    def as_dict(self) -> dict:
        return asdict(self)

    def text(self) -> str:
        """The comparison as plain text for a terminal: the settings that differ (a column per run) and each run's
        numbers; `notes` are the caller's to print (the CLI writes them on stderr, as `note:` lines)."""
        heads = [f"run {i}" for i in range(1, len(self.ids) + 1)]
        lines = [f"{head}: {run_id}" for head, run_id in zip(heads, self.ids, strict=True)]
        if self.settings:
            rows = [
                (
                    f"{s.label} ({s.name})",
                    [
                        v + (" (default)" if a and v not in (ABSENT, NOT_USED) else "")
                        for v, a in zip(s.values, s.absent, strict=True)
                    ],
                )
                for s in self.settings
            ]
            lines += ["", *_table("settings that differ", heads, rows)]
            if self.defaults_shown:
                lines.append("(default): not in that run's config (a setting added since); the value it loads with")
        else:
            lines += ["", "settings: the same in every run"]
        numbers = [
            ("method", [r.method for r in self.runs]),
            ("state", [r.state for r in self.runs]),
            (f"training {self.measures} (last step)", [_loss(r.final_train_loss) for r in self.runs]),
            (f"best held-out {self.measures}", [_best(r) for r in self.runs]),
            ("steps", [f"{r.steps}/{r.max_steps or '?'}" for r in self.runs]),
            ("tokens", ["-" if r.tokens is None else f"{r.tokens:,}" for r in self.runs]),
            ("tokens/s (median)", ["-" if r.tokens_per_s is None else f"{r.tokens_per_s:,.0f}" for r in self.runs]),
        ]
        lines += ["", *_table("numbers", heads, numbers)]
        return "\n".join(lines)


def compare(ids: Sequence[str], labels: dict[str, str] | None = None, charted: bool = False) -> Comparison:
    """Runs `ids` (2 or more, each once) side by side; `labels`: run id -> the name a page shows (the id otherwise);
    `charted`: the caller draws their curves (the Train page), so the notes say what its chart does with them (`runs
    compare` draws none: its notes name no page).

    Raises UserError for fewer than 2 ids, an id given twice, and (`runs.RunError`) a run that does not exist."""
    ids = check_ids(ids)
    found = [runs.find(i) for i in ids]
    summaries = [run.summary() for run in found]
    configs = [_config(run) for run in found]
    metrics = [run.read_metrics() for run in found]
    # GRPO's loss is its surrogate (0.0 at step 0): its runs are compared by their answers' mean reward instead.
    measures = ["mean reward" if (c or {}).get("method") in REWARD_MEASURED else "loss" for c in configs]
    metrics = [
        _reward_rows(rows) if measure != "loss" else rows for rows, measure in zip(metrics, measures, strict=True)
    ]
    labels = {i: (labels or {}).get(i, i) for i in ids}
    kinds = [UNKNOWN_LOSS if config is None else loss_kind(config) for config in configs]
    numbers = [
        _numbers(summary, rows, labels[summary.id], kind, measure)
        for summary, rows, kind, measure in zip(summaries, metrics, kinds, measures, strict=True)
    ]
    keys = [rows_key(run.path) for run in found]
    same_loss = len(set(kinds)) == 1
    same_rows = None if None in keys else len(set(keys)) == 1
    tokens = _tokens(found, configs, measures)
    same_tokens = all(len({t for t, g in zip(tokens, kinds, strict=True) if g == k} - {None}) < 2 for k in kinds)
    notes = _notes(numbers, kinds, keys, tokens, charted)
    comparable = same_loss and bool(same_rows) and same_tokens and all(n.best_eval_loss is not None for n in numbers)
    return Comparison(
        ids=ids,
        labels=[labels[i] for i in ids],
        settings=setting_diffs(configs),
        runs=numbers,
        same_loss=same_loss,
        same_rows=same_rows,
        comparable=comparable,
        notes=[] if comparable else notes,
        series=_series(ids, metrics, kinds, keys, measures),
        same_tokens=same_tokens,
    )


def check_ids(ids: Sequence[str]) -> list[str]:
    """`ids` as a list, checked: two or more, none twice (UserError naming the fix otherwise).

    >>> check_ids(["a", "b", "a"])
    Traceback (most recent call last):
    ftlib.errors.UserError: Run 'a' is given twice: give two different runs or more.
    """
    ids = list(ids)
    if len(ids) < 2:
        raise UserError(f"Comparing needs two runs or more; {plural(len(ids), 'run')} given.")
    twice = list(dict.fromkeys(i for i in ids if ids.count(i) > 1))
    if twice:
        named = ", ".join(f"'{i}'" for i in twice)
        raise UserError(f"Run {named} is given twice: give two different runs or more.")
    return ids


def setting_diffs(configs: Sequence[dict | None]) -> list[SettingDiff]:
    """The settings whose values differ between `configs` (each a run's config.json as read; None: it does not
    read, every value "-"), by the Train form's groups (`GROUP_ORDER`), then settings this version no longer knows, by
    name. A setting a run's method does not use (beta for LoRA: `FieldSpec.applies`; test_size with a saved split)
    reads "n/a" there, and is left out where the runs that use it agree.

    >>> [(d.name, d.values, d.absent) for d in setting_diffs([{"method": "dpo", "beta": 0.5}, {"method": "dpo"}])]
    [('beta', ['0.5', '0.1'], [False, True])]
    >>> [(d.name, d.values) for d in setting_diffs([{"method": "dpo"}, {"method": "lora", "learning_rate": 0.001}])]
    [('method', ['dpo', 'lora']), ('learning_rate', ['auto', '0.001'])]
    """
    specs = field_specs()
    configs = [None if c is None else {RENAMED.get(k, k): v for k, v in c.items()} for c in configs]
    held = {k for c in configs if c for k in c}
    filled = [None if c is None else {n: s.default for n, s in specs.items()} | c for c in configs]
    diffs = []
    ordered = sorted(specs, key=lambda n: GROUP_ORDER.index(specs[n].group) if specs[n].group in GROUP_ORDER else 99)
    for name in [*ordered, *sorted(held - set(specs))]:
        if name in NOT_SETTINGS:
            continue
        values, absent = [], []
        for config, values_of in zip(configs, filled, strict=True):
            absent.append(config is None or name not in config)
            if values_of is None or name not in values_of:
                values.append(ABSENT)
            elif (name in specs and not specs[name].applies(values_of)) or (name == "test_size" and _split(values_of)):
                values.append(NOT_USED)
            else:
                values.append(_value_text(values_of[name]))
        if len({v for v in values if v != NOT_USED}) > 1:
            label = specs[name].label if name in specs else name
            diffs.append(SettingDiff(name=name, label=label, values=values, absent=absent))
    return diffs


def loss_kind(config: dict) -> str:
    """What a run's loss measures, in words: its method's loss and the settings that change it (`LOSS_SETTINGS`,
    those its method uses), missing ones read as their defaults. Two runs' losses compare only where these are equal.

    >>> loss_kind({"method": "lora"}) == loss_kind({"method": "full", "mask_policy": "all_assistant"})
    True
    >>> loss_kind({"method": "dpo", "beta": 0.5})
    'DPO loss (sigmoid, beta 0.5, all_assistant)'
    """
    specs = field_specs()
    values = {n: s.default for n, s in specs.items()} | {RENAMED.get(k, k): v for k, v in config.items()}
    method = str(values["method"])
    family = "sft" if method in SFT_METHODS else method
    said = []
    for name in LOSS_SETTINGS.get(family, ()):
        if name in specs and specs[name].applies(values):
            text = _value_text(values[name])
            # A setting's label where its value alone says nothing ("beta 0.1"); GRPO's rewards by their own word
            # (their label carries a hint for the form: "Rewards (a JSON or YAML list)").
            label = "rewards" if name == "rewards" else specs[name].label.lower()
            said.append(text if name.endswith(("_type", "mask_policy")) else f"{label} {text}")
    name = LOSS_NAMES.get(family, f"{method} loss")
    return f"{name} ({', '.join(said)})" if said else name


def default_pick(summaries: Sequence[RunSummary]) -> list[str]:
    """The runs a compare view starts on: the two most recent finished runs of one method (the method of the newest
    finished run that has a second one) that held out the same rows, so their held-out losses compare; else its two
    most recent; newest first; [] when no method has two finished runs."""
    finished = sorted((s for s in summaries if s.state == "finished"), key=lambda s: s.created or 0, reverse=True)
    for newest in finished:
        same = [s.id for s in finished if s.method == newest.method]
        if len(same) >= 2:
            keyed = [(run_id, rows_key(workspace.runs_dir() / run_id)) for run_id in same]
            for i, (run_id, key) in enumerate(keyed):
                partner = next((other for other, k in keyed[i + 1 :] if key is not None and k == key), None)
                if partner:
                    return [run_id, partner]
            return same[:2]
    return []


def comparable_runs(summaries: Sequence[RunSummary]) -> list[RunSummary]:
    """The runs a compare view offers: those that ended after training (finished, or stopped after a step), newest
    first; a run stopped before its first step (taken out of the queue) has no curve nor numbers to compare."""
    ended = (s for s in summaries if s.state in COMPARABLE_STATES and s.step > 0)
    return sorted(ended, key=lambda s: s.created or 0, reverse=True)


def attempt_tokens(rows: Sequence[dict]) -> int | None:
    """The tokens a run read over every attempt: `tokens` counts from 0 in each attempt (`ftlib.metrics`), so an
    attempt ends where the count falls, and the attempts' last counts add up. None where no step counted them.

    >>> attempt_tokens([{"kind": "train", "tokens": t} for t in (100, 200, 300, 50, 150)])
    450
    """
    total, last = 0, None
    for row in rows:
        if row.get("kind") != "train" or row.get("tokens") is None:
            continue
        if last is not None and row["tokens"] < last:
            total += last
        last = row["tokens"]
    return None if last is None else int(total + last)


# -- what compare puts together ---------------------------------------------------------------------------------------
def _config(run: RunDir) -> dict | None:
    config, problem = json_object(run.config_file)
    return None if problem else config


def _tokens(found: list[RunDir], configs: list[dict | None], measures: list[str]) -> list[tuple | None]:
    """Each run's `token_settings` and its tokenizer (`tokenizer_settings`); None for a run measured by its mean
    reward or whose config does not read."""
    weighed = [i for i, (c, m) in enumerate(zip(configs, measures, strict=True)) if c is not None and m == "loss"]
    cut = tokenizer_settings(
        [configs[i].get("model") for i in weighed], [recorded_digest(found[i].read_status()) for i in weighed]
    )
    tokens: list[tuple | None] = [None] * len(found)
    for i, tokenizer in zip(weighed, cut, strict=True):
        tokens[i] = (*token_settings(configs[i]), tokenizer)
    return tokens


def _reward_rows(rows: list[dict]) -> list[dict]:
    """A GRPO run's metric rows with its mean reward (`reward`, `eval_reward`) where the rest of this module reads a
    loss (`loss`, `eval_loss`), its surrogate loss left out."""
    out = []
    for row in rows:
        kept = {k: v for k, v in row.items() if k not in ("loss", "eval_loss")}
        for loss, reward in (("loss", "reward"), ("eval_loss", "eval_reward")):
            if row.get(reward) is not None:
                kept[loss] = row[reward]
        out.append(kept)
    return out


def _numbers(summary: RunSummary, rows: list[dict], label: str, kind: str, measure: str = "loss") -> RunNumbers:
    # A NaN (a diverged step) is never a best; the first of equal ones is, the earliest.
    evals = [
        r
        for r in rows
        if r.get("kind") == "eval" and r.get("eval_loss") is not None and r["eval_loss"] == r["eval_loss"]
    ]
    pick = min if measure == "loss" else max  # a mean reward: the highest is the best
    best = pick(evals, key=lambda r: r["eval_loss"]) if evals else None
    speeds = [r["tokens_per_s"] for r in rows if r.get("kind") == "train" and r.get("tokens_per_s") is not None]
    trained = [r for r in rows if r.get("kind") == "train" and r.get("loss") is not None]
    return RunNumbers(
        id=summary.id,
        label=label,
        method=summary.method,
        state=summary.state_text,
        loss_kind=kind,
        final_train_loss=trained[-1]["loss"] if trained else None,
        best_eval_loss=best["eval_loss"] if best else None,
        best_eval_step=best["step"] if best else None,
        steps=summary.step,
        max_steps=summary.max_steps,
        tokens=attempt_tokens(rows),
        tokens_per_s=statistics.median(speeds) if speeds else None,
        measure=measure,
    )


def _notes(
    numbers: list[RunNumbers],
    kinds: list[str],
    keys: list[str | None],
    tokens: list[tuple | None],
    charted: bool = False,
) -> list[str]:
    """Why the held-out losses do not compare, a sentence or two each; [] when nothing stands in the way. `tokens`:
    each run's `token_settings`, None for a run measured by its mean reward or whose config does not read; `charted`:
    what the Train page's chart does with them is said too (`compare`)."""
    said = []
    left_out = " The Train page's chart leaves their held-out lines out." if charted else ""
    if len(set(kinds)) > 1:
        groups = {kind: [n.label for n in numbers if n.loss_kind == kind] for kind in dict.fromkeys(kinds)}
        each = "; ".join(f"{', '.join(names)}: {kind}" for kind, names in groups.items())
        said.append(
            f"These runs' {_plural_measure(n.measure for n in numbers)} are not the same measure ({each}): a "
            "number of one kind says nothing about another. Compare numbers only within one kind"
            + (" (the Train page draws each kind on its own chart)." if charted else ".")
        )
    for kind in dict.fromkeys(kinds):
        group = [(n, k) for n, k, g in zip(numbers, keys, kinds, strict=True) if g == kind]
        if len(group) < 2:
            continue
        unknown = [n.label for n, k in group if k is None and n.best_eval_loss is not None]
        if unknown:
            one = len(unknown) == 1
            said.append(
                f"Whether these runs were scored on the same held-out rows cannot be told: {', '.join(unknown)} "
                f"{'keeps' if one else 'keep'} no copy of {'its' if one else 'their'} rows (queued before runs kept "
                f"them).{left_out}"
            )
        known = {k for _, k in group if k is not None}
        if len(known) > 1:
            sets = {k: [n.label for n, kk in group if kk == k] for k in dict.fromkeys(k for _, k in group if k)}
            listed = "; ".join(f"{', '.join(names)} (set {i})" for i, names in enumerate(sets.values(), 1))
            measure = group[0][0].measure  # one kind of loss, one measure: "loss", or GRPO's "mean reward"
            said.append(
                f"Held-out {_plural_measure([measure])} compare only between runs scored on the same rows, and these "
                f"runs hold out different ones (another dataset, held-out share or seed picks other rows): {listed}. "
                f"Each run's held-out {measure} is its own rows'.{left_out}"
            )
        said += token_notes([(n, t) for n, t, g in zip(numbers, tokens, kinds, strict=True) if g == kind], charted)
    # A run with no step trained nor scored (queued, loading, or ended before its first step): said so, not given an
    # ended run's reasons for having no held-out loss.
    waiting = [n for n in numbers if n.steps == 0 and n.final_train_loss is None and n.best_eval_loss is None]
    if waiting:
        said.append(
            " ".join(
                f"{n.label} {WAITING.get(n.state, f'ended before its first step ({n.state})')}: no {n.measure} to "
                "compare."
                for n in waiting
            )
        )
    missing = [n.label for n in numbers if n.best_eval_loss is None and n not in waiting]
    if missing:
        said.append(
            f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no held-out number (no rows held out, or "
            "no evaluation before it ended)."
        )
    return said


def _plural_measure(measures) -> str:
    """What runs measured by `measures` ("loss", "mean reward") hold, in a sentence's words: "losses", "mean rewards",
    or, GRPO runs beside others, "numbers (losses and mean rewards)": a GRPO run's mean reward is no loss.

    >>> _plural_measure(["loss", "loss"]), _plural_measure(["mean reward", "loss"])
    ('losses', 'numbers (losses and mean rewards)')
    """
    measures = set(measures)
    said = [plural for measure, plural in MEASURES.items() if measure in measures]
    return said[0] if len(said) == 1 else f"numbers ({' and '.join(said)})"


def _series(
    ids: list[str], metrics: list[list[dict]], kinds: list[str], keys: list[str | None], measures: list[str]
) -> list[Series]:
    out = []
    for run_id, rows, kind, key, measure in zip(ids, metrics, kinds, keys, measures, strict=True):
        # Runs of one kind scored on different rows (or rows not known): the held-out lines drawn are those of the
        # largest set of two or more runs sharing their rows, the first such set on a tie; the others stand apart.
        group = [k for g, k in zip(kinds, keys, strict=True) if g == kind]
        shared = max(set(group) - {None}, key=lambda k: (group.count(k), -group.index(k)), default=None)
        drawn = len(group) == 1 or (shared is not None and group.count(shared) >= 2 and key == shared)
        apart = not drawn
        for name, kind_of_row, metric in (("training", "train", "loss"), ("held-out", "eval", "eval_loss")):
            points = [
                (r["step"], r[metric]) for r in rows if r.get("kind") == kind_of_row and r.get(metric) is not None
            ]
            if points:
                steps, values = (list(p) for p in zip(*points, strict=True))
                held_apart = name == "held-out" and apart
                out.append(Series(run_id, name, kind, steps, values, apart=held_apart, measure=measure))
    return out


def _split(config: dict) -> bool:
    """The run trained on a saved split, which has its own held-out rows: its `test_size` split nothing (an earlier
    run's 0.1 beside a later one's unset is no difference; `runs compare`'s note says where their rows differ)."""
    from ftlib.run_data import split_folder

    return split_folder(str(config.get("dataset") or "")) is not None


def _value_text(value) -> str:
    """A setting's value as the table shows it: None as "auto" (the method's default), lists and mappings as JSON.

    >>> [_value_text(v) for v in (None, 2e-4, True, 16, "lora", [{"check": "chat_style"}])]
    ['auto', '0.0002', 'true', '16', 'lora', '[{"check": "chat_style"}]']
    """
    if value is None:
        return "auto"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _loss(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _best(numbers: RunNumbers) -> str:  # step 0: the starting model's, which no trained step beat
    step = f" (step {numbers.best_eval_step}{', before training' * (numbers.best_eval_step == 0)})"
    return "-" if numbers.best_eval_loss is None else f"{numbers.best_eval_loss:.4f}{step}"


def _table(title: str, heads: list[str], rows: list[tuple[str, list[str]]]) -> list[str]:
    """Lines of a plain-text table: `title` over the row names, one column per run, each as wide as its widest on a
    terminal (`term_width`: a run named in CJK characters or emoji takes two columns a character)."""
    from ftlib.term_width import pad, width

    first = max(width(title), *(width(name) for name, _ in rows)) + 2
    widths = [max(width(head), *(width(values[i]) for _, values in rows)) + 2 for i, head in enumerate(heads)]
    lines = [pad(title, first) + "".join(pad(h, w) for h, w in zip(heads, widths, strict=True))]
    lines += [
        pad(name, first) + "".join(pad(v, w) for v, w in zip(values, widths, strict=True)) for name, values in rows
    ]
    return [line.rstrip() for line in lines]


__all__ = [
    "COMPARABLE_STATES",
    "Comparison",
    "RunNumbers",
    "Series",
    "SettingDiff",
    "attempt_tokens",
    "check_ids",
    "comparable_runs",
    "compare",
    "default_pick",
    "loss_kind",
    "setting_diffs",
    "token_settings",
]
