"""Which finished run a page offers first, and how a run is named beside it: a short label and the facts that tell
a real run from a two-step test (how long ago it finished, its steps, its last step's loss).

    choices = run_choices(list_run_adapters())          # one RunChoice per finished run, newest first
    first = preselect(choices, dataset="chat_style")    # the newest finished run trained on the current dataset
    f"{choices[first].label} · {choices[first].facts}"  # "LoRA · chat_style · Nov 29 20:53 · 40 steps ·
                                                        #  last step's loss 1.2345"

Compare and Evaluate use these, so the tuned model is never just whatever ran last: a test run on another dataset
is not picked over a real run on the one being studied. The Train page names its runs the same way (`train_labels`),
and a run's number among runs of one label ("#2") is the one it has there (`option_numbers` over every run).
A label names the run's base model when the runs listed beside it used more than one ("lora on qwen-0.5b · ..."),
and its chat template when it is not the model's own ("... · ChatML template · ..."). Not known here: the run
folder's files (rundir.py), what a run left to load (modelset.py); nothing here imports torch.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from ftlib.file_bytes import data_stem
from ftlib.file_stamps import file_stamp
from ftlib.model_names import DEFAULT_MODEL, DEFAULT_MODEL_NAME, model_said
from ftlib.run_people import WHO_FILE
from ftlib.rundir import ACTIVE, DONE, RunDir, RunSummary, run_folder_of, run_folders
from ftlib.templates import BUILTIN_TEMPLATES


@dataclass(frozen=True)
class RunChoice:
    """A finished run as a picker shows it."""

    name: str  # the run's id (its folder name), as `ftlib.modelset.RunAdapter.name`
    # The name the person gave it (if any) · method (on its model) · its template · dataset · when (`with_base`).
    label: str
    # What does not change once the run has finished: a picker's option text must stay the same from one redraw to
    # the next (Streamlit keeps a selection by its text; a ticking "12 min ago" in it dropped the selection).
    facts: str  # "40 steps · last step's loss 1.2345" (GRPO: "last step's reward 0.930"; RunSummary.facts)
    age: str  # "12 min ago" (when it finished, as of now)
    dataset: str  # the dataset's short name (a saved split's name, a file's stem)
    finished: float | None  # when it finished (epoch seconds)
    diverged: bool = False  # its training loss ended far above where it started (ftlib.overfitting.diverged)


def age_words(seconds: float) -> str:
    """How long ago, in words a person reads at a glance.

    >>> [age_words(s) for s in (20, 150, 7200, 200000)]
    ['just now', '2 min ago', '2 h ago', '2 days ago']
    """
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


def dataset_name(dataset: str) -> str:
    """The short name of a run's dataset setting: a saved split's name, a file's stem."""
    return data_stem(dataset) if dataset else ""


# The folder names a finished run gives its outputs: a base model chosen from one is named with its run's id too.
RUN_OUTPUT_NAMES = ("merged", "model", "adapter", "final", "final_adapter")


def model_name(spec: str) -> str:
    """A base model named short: the embedded default by its bare name, "SmolLM2-135M-Instruct" (a run's label
    names it so: the pages put labels in brackets, "from the last run started (lora on SmolLM2-135M-Instruct ·
    ...)", where `model_names.model_said`'s "(embedded default)" nested a bracket in them; a model named alone keeps
    those words), a hub id or a folder by its last name, a finished run's output folder (`merged/`, `model/`) by its
    run's id too, and a hub id or folder of the default's name by its owner or folder too (two bases `models_differ`
    tells apart: by the last name alone, both labels said "lora on SmolLM2-135M-Instruct"); "" when the run did not
    record one.

    >>> [model_name(s) for s in ("Qwen/Qwen2.5-0.5B", "/srv/models/llama-1b/", "/ws/runs/r7/merged", "")]
    ['Qwen2.5-0.5B', 'llama-1b', 'r7/merged', '']
    >>> model_name("default"), model_name("HuggingFaceTB/SmolLM2-135M-Instruct")
    ('SmolLM2-135M-Instruct', 'HuggingFaceTB/SmolLM2-135M-Instruct')
    """
    path = Path(spec.strip())
    if not spec.strip():
        return ""
    if spec.strip() == DEFAULT_MODEL:
        return DEFAULT_MODEL_NAME
    longer = path.name in RUN_OUTPUT_NAMES or path.name == DEFAULT_MODEL_NAME  # not the default's bare name
    return f"{path.parent.name}/{path.name}" if longer and path.parent.name else path.name


def _base_key(spec: str) -> str:
    """What tells two bases apart: the short name, the embedded default's words kept (`model_said`), so a run on it
    and one on the hub's model of its name are two bases."""
    return model_said(spec) if spec.strip() == DEFAULT_MODEL else model_name(spec)


def template_words(template: str) -> str:
    """A run's chat template as a label says it: "" for the model's own (`tokenizer`, the usual choice, said nowhere),
    "raw text" for a run read as raw text (no chat template: `rundir`'s summary says "text" for a run of text rows),
    else the name the Tokens and Train pages give it ("ChatML template", "custom template").

    >>> [template_words(t) for t in ("tokenizer", "chatml", "custom", "text")]
    ['', 'ChatML template', 'custom template', 'raw text']
    """
    if template in ("", "tokenizer"):
        return ""
    if template == "text":
        return "raw text"
    title = BUILTIN_TEMPLATES[template].title if template in BUILTIN_TEMPLATES else template
    return f"{title} template"


def models_differ(specs: Iterable[str]) -> bool:
    """Whether runs listed together were trained on more than one base model (by their short names, the embedded
    default apart from the hub's model of its name; unrecorded ones left out): only then do their labels name it.
    On one model, the name would lengthen every label alike."""
    return len({_base_key(s) for s in specs} - {""}) > 1


def with_base(info: RunSummary, template: str = "tokenizer", show_model: bool = False) -> str:
    """`info.label` naming, after the method, the base model when `show_model` (see `models_differ`) and the chat
    template when it is not the model's own: "lora on llama-1b · ChatML template ·
    chat_style · Nov 29 23:24" (the model's own template, one model: "lora · chat_style · Nov 29 23:24").
    """
    model = model_name(info.model) if show_model else ""
    method = " · ".join(
        x for x in (f"{info.method} on {model}" if model else info.method, template_words(template)) if x
    )
    # Given to RunSummary.label in the method's place: that property owns the label's order and its time format.
    return replace(info, method=method).label


def train_labels(infos: list[RunSummary]) -> dict[str, str]:
    """Each run's label by id (`with_base`), for the Train page's picker and runs table: every run, finished or not,
    with the chat template its summary read from its config.json."""
    show = models_differ(info.model for info in infos)
    return {info.id: with_base(info, info.template, show) for info in infos}


# The Train page's picker shows each run's state as an icon before its label.
STATE_ICON = {"queued": "⏳", "running": "🏃", "stopping": "✋", "finished": "✅", "failed": "❌", "interrupted": "⏸️"}


def state_icon(info: RunSummary) -> str:
    """A run's state as the Train page's picker and heading show it: ⚠️ where it needs a look (ended unexpectedly, a
    loss that rose, a status file that does not read), else its state's own icon."""
    if info.state == "interrupted" and not info.stopped_by_user:
        return "⚠️"  # ended unexpectedly: not the pause sign a person's own stop shows
    if info.state == "finished" and info.divergence is not None:
        return "⚠️"  # finished, but the loss rose: not the green tick of a run that learnt something
    if info.state == "unknown":
        return "⚠️"  # its status.json is missing or does not read: what to do is said under its heading
    return STATE_ICON.get(info.state, "")


def run_option(info: RunSummary, label: str) -> str:
    """The Train page's run picker's text for a run: its state's icon, its short label (`with_base`), and once it has
    ended its steps and last step's loss, which tell apart runs started the same minute on the same data. A running
    run's text holds no step count: the picker is redrawn whenever its text changes, which would close it every
    poll."""
    text = f"{state_icon(info)} {label}"
    return text if info.state in ("queued", *ACTIVE) else f"{text} — {info.facts}"


def option_numbers(infos: list[RunSummary], labels: dict[str, str]) -> dict[str, int | None]:
    """Each run's number among the runs whose label (`labels`: `train_labels(infos)`) equals its own, 1, 2... from the
    oldest (by creation time, then id); None for a run whose label is its own alone. Only what a run keeps for life
    decides it, not what its picker text adds (`run_option`: its state's icon, its steps and loss): numbered over
    those texts, two runs of one minute swapped numbers as one went from queued to training to finished, and the
    "#2" a person had read became "#1". Equal labels numbered, the picker's texts stay unequal."""
    oldest_first = sorted(infos, key=lambda r: (r.created or 0, r.id))
    numbers = duplicate_numbers([labels[info.id] for info in oldest_first])
    return {info.id: n for info, n in zip(oldest_first, numbers, strict=True)}


def numbered_labels(infos: list[RunSummary], labels: dict[str, str] | None = None) -> dict[str, str]:
    """Each run's name as the Train page's picker gives it, less its state icon and facts: its label (`labels`, by
    default `train_labels(infos)`, over every run the picker lists) and its number among runs with that label
    (`option_numbers`: "lora · chat_style · Dec 06 17:16 #2"). The runs table, Compare runs and a queued run's place
    in line name runs so, so a name read there is found in the picker."""
    labels = train_labels(infos) if labels is None else labels
    numbers = option_numbers(infos, labels)
    return {info.id: labels[info.id] + (f" #{numbers[info.id]}" if numbers[info.id] else "") for info in infos}


def run_choices(adapters, now: float | None = None, every: list[RunSummary] | None = None) -> list[RunChoice]:
    """A RunChoice for each finished run (`ftlib.modelset.RunAdapter`s, as `list_run_adapters` gives them), newest
    first by when they finished; labels name the base model when `adapters` were trained on more than one, and a run's
    number is the Train page's (`option_numbers` over `every` run, by default each run folder beside the adapters',
    `listed_summaries`): "#2" on Train is "#2" here, whichever runs are offered. Each summary is read once per version
    of its files (`kept_summary`) where the run has ended, not at every call: the pages ask at every click."""
    now = time.time() if now is None else now
    adapters = list(adapters)
    if not adapters:
        return []
    if every is None:
        root = run_folder_of(adapters[0].path).parent  # the runs folder the adapters were listed from
        every = listed_summaries(root, ended=[adapter.name for adapter in adapters])
    listed = {info.id: info for info in every}
    for adapter in adapters:  # a run finished since `every` was listed is numbered among them too
        if adapter.name not in listed:
            listed[adapter.name] = kept_summary(run_folder_of(adapter.path))
    labels = train_labels(list(listed.values()))  # the Train page's, each run's number counted among equal ones
    numbers = option_numbers(list(listed.values()), labels)
    names = {i: labels[i] + (f" #{n}" if n else "") for i, n in numbers.items()}  # `numbered_labels`
    show_model = models_differ(adapter.model for adapter in adapters)
    same_model_words = show_model == models_differ(info.model for info in listed.values())
    out = []
    for adapter in adapters:
        info = listed[adapter.name]
        finished = info.ended or info.created
        number = numbers[adapter.name]
        # The Train page's label where the base model is named alike (its `template` is the adapter's, read from
        # the same config.json); else named over the runs offered (one model's, on Compare: not repeated).
        label = labels[adapter.name] if same_model_words else with_base(info, adapter.template, show_model)
        out.append(
            RunChoice(
                name=adapter.name,
                label=label + (f" #{number}" if number else ""),
                facts=info.facts,
                age=age_words(now - finished) if finished else "",
                dataset=dataset_name(info.dataset),
                finished=finished,
                diverged=info.divergence is not None,
            )
        )
    return _told_apart(sorted(out, key=lambda c: c.finished or 0, reverse=True), names)


def listed_summaries(root: str | Path | None = None, ended: Iterable[str] = ()) -> list[RunSummary]:
    """Every run folder's summary under `root` (the workspace's runs/ by default), as the Train page lists them, for
    naming runs as it does: a run that has ended read once per version of its files (`kept_summary`), one queued or
    going read now. `ended`: ids of runs known to have ended (the adapters offered), whose status is not read twice."""
    known = set(ended)
    return [
        kept_summary(run.path) if run.id in known or run.read_status().get("state") in DONE else run.summary()
        for run in run_folders(root)
    ]


def run_named(run_id: str, root: str | Path | None = None) -> tuple[str, str] | None:
    """A run as the Train page's picker names it and who started it, where known: ("bob quick test · lora ·
    chat_style · Dec 07 16:13", "ana@example.com") (`numbered_labels` over every run under `root`, the workspace's
    runs/ by default; "" for nobody known); None for an id with no run folder (a run deleted meanwhile). The waiting
    messages of pages and commands name the run holding a device so (`lease.WaitState.message`): by its id alone, a
    teammate's run was not one they knew from the Train page."""
    every = listed_summaries(root)
    info = next((s for s in every if s.id == run_id), None)
    return None if info is None else (numbered_labels(every)[run_id], info.started_by)


# Run folder -> (summary_stamp, RunSummary) of the finished runs asked about in this process: every session's pickers
# read each one at every click (a fifth of a Compare click with 41 runs, BENCHMARKS.md "Page responsiveness"), and a
# summary parses the run's metrics and checks its weights. A plain dict, not a Streamlit cache: looking 41 runs up in
# st.cache_resource (its hashing of each stamp) cost more than reading them.
_KEPT: dict[str, tuple[tuple, RunSummary]] = {}
KEPT_MOST = 2048  # runs kept at most (a few KB each): past it, all are let go of and read again as asked


def summary_stamp(folder: str | Path) -> tuple:
    """The version of what a finished run's summary is read from (`RunDir.summary`): its status.json, config.json,
    metrics.jsonl and who.json, its checkpoints folder and each file of its result (whose weights are checked), as
    `file_stamp`s. A run resumed, finished again, renamed, acted on or deleted gets another.

    >>> summary_stamp("/no/such/run") == summary_stamp("/no/such/run")
    True
    """
    run = RunDir(folder)
    files = [run.status_file, run.config_file, run.metrics_file, run.path / WHO_FILE, run.checkpoints]
    stamps = [file_stamp(path) for path in files]
    for result in (run.adapter_dir, run.model_dir):
        try:
            with os.scandir(result) as entries:
                stamps += sorted((e.name, e.inode(), *_times(e)) for e in entries)
        except OSError:  # none (a LoRA run has no model/), or not readable: the summary says so
            stamps.append(())
    return tuple(stamps)


def _times(entry: os.DirEntry) -> tuple:
    try:
        stat = entry.stat()
    except OSError:
        return ()
    return stat.st_mtime_ns, stat.st_size


def kept_summary(folder: str | Path) -> RunSummary:
    """`RunDir(folder).summary()` of a finished run, read again only when `summary_stamp(folder)` changed: a finished
    run's summary depends on its files alone (not on the time), so one kept under their stamp is the one they give.
    The same object is returned to every caller: never change it (`dataclasses.replace` makes a copy)."""
    key, stamp = str(folder), summary_stamp(folder)
    kept = _KEPT.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    info = RunDir(folder).summary()
    if len(_KEPT) >= KEPT_MOST:
        _KEPT.clear()
    _KEPT[key] = (stamp, info)
    return info


def _told_apart(choices: list[RunChoice], names: dict[str, str]) -> list[RunChoice]:
    """The same choices, where two still read alike (label and facts) named as the Train page names them (`names`:
    `numbered_labels` over every run): their labels differ only in the base model, which a picker of runs on one
    model leaves out (a run whose config recorded none beside one on the sidebar's model). A picker keeps a choice by
    its text: of two equal texts, the second could not be picked."""
    counts = Counter((c.label, c.facts) for c in choices)
    return [c if counts[(c.label, c.facts)] == 1 else replace(c, label=names[c.name]) for c in choices]


def duplicate_numbers(keys: list) -> list[int | None]:
    """For option texts (or keys) in order, oldest first: 1, 2... for each one that occurs more than once, None for
    the others. A picker keeps a choice by its option text, so of two equal texts the second could not be picked.

    >>> duplicate_numbers(["a", "b", "a"])
    [1, None, 2]
    """
    counts, seen = Counter(keys), Counter()
    out: list[int | None] = []
    for key in keys:
        seen[key] += 1
        out.append(seen[key] if counts[key] > 1 else None)
    return out


def preselect(
    choices: list[RunChoice],
    dataset: str | None,
    last_pick: tuple[str, float] | None = None,
    own: str | None = None,
) -> int | None:
    """The index of the run to offer first; None when there is no run.

    `own` is the run the person's own session last started or chose (on Train, Compare or Evaluate): offered first
    whenever it is among `choices`, whatever finished since. On a shared server the newest run is often a teammate's,
    and the workspace's last pick anyone's: neither is the run this person is there to look at.

    `last_pick` is (name, when, epoch seconds) of the run the person last chose on Compare or Evaluate: it is offered
    again (Evaluate after Compare studies the same run), unless it is gone or a run on `dataset` finished after that
    choice (a run just trained is the one to look at). Otherwise the newest run trained on `dataset` (the active
    split's name), else the newest; a run that diverged only when no other is there.

    >>> runs = [RunChoice("b", "", "", "", "chat", 200.0), RunChoice("a", "", "", "", "chat", 100.0)]
    >>> preselect(runs, "chat"), preselect(runs, "chat", ("a", 150.0)), preselect(runs, "chat", ("a", 250.0))
    (0, 0, 1)
    >>> preselect(runs, "chat", ("b", 250.0), own="a"), preselect(runs, "chat", own="gone")
    (1, 0)
    """
    if not choices:
        return None
    mine = next((i for i, c in enumerate(choices) if own and c.name == own), None)
    if mine is not None:
        return mine
    wanted = dataset_name(dataset or "")
    healthy = [i for i, c in enumerate(choices) if not c.diverged] or list(range(len(choices)))
    newest = next((i for i in healthy if wanted and choices[i].dataset == wanted), healthy[0])
    if last_pick is not None:
        name, when = last_pick
        picked = next((i for i, c in enumerate(choices) if c.name == name), None)
        newer = any(c.dataset == wanted and (c.finished or 0) > when for c in choices) if wanted else False
        if picked is not None and not newer:
            return picked
    return newest


__all__ = [
    "STATE_ICON",
    "RunChoice",
    "age_words",
    "dataset_name",
    "duplicate_numbers",
    "kept_summary",
    "listed_summaries",
    "model_name",
    "models_differ",
    "numbered_labels",
    "option_numbers",
    "preselect",
    "run_choices",
    "run_named",
    "run_option",
    "state_icon",
    "summary_stamp",
    "template_words",
    "train_labels",
    "with_base",
]
