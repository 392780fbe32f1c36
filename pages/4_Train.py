"""Train: set up a run with explained knobs and a live memory estimate, queue it, watch it, stop/resume, export.

The form is generated from `ftlib.config.RunConfig` (ui/form.py); what can be known before a run starts (the rows
fit the method, the template renders them, some row trains a token) is checked before the Start button
(`ftlib.run_preflight.preflight`). Runs are subprocesses managed by `ftlib.runs`; everything shown is read from the run
folders on disk, so a refresh, a second tab or an app restart shows the same live run. The page polls (a
fragment with `run_every`) only while a run is queued or running, and reruns once when it ends; otherwise a fragment
that draws nothing only looks whether the run shown is still on disk and whether any run changed state (a teammate's
run queued, resumed or ended: `ui.run_view.rerun_if_deleted`).

The chat template, what is trained and the max length are one choice with the Tokens and Batches pages (`ui.kept`):
the form starts from the one last made on any of the three, says under the box when that was on another page, and a
change here is the choice they start from. Custom is offered while a custom template written on Tokens is kept. A new
session starts from the settings of the run last started (not its name), says so, and offers the defaults instead
(`ui.form.last_run_note`); that run is the one on disk at each redraw (deleted here, elsewhere or with the CLI: the one
before it), and a method of it the split cannot train is said not to be taken (`ui.form`).
"""

from __future__ import annotations

import hashlib
import json

import streamlit as st

from ftlib import models, runs, workspace
from ftlib.config import METHODS, ConfigError, RunConfig
from ftlib.demo_data import sample_choices
from ftlib.distributed import gpu_count
from ftlib.errors import plural
from ftlib.feedback_pairs import PAGE_PAIR_WAY, PAIRS_ONLY, pairing_way
from ftlib.memory import estimate, model_shape
from ftlib.methods import PACKING_METHODS, fitting_methods, unfit_methods
from ftlib.model_names import model_said
from ftlib.overfitting import grpo_prompts_per_step, grpo_steps_per_pass, planned_steps, steps_per_pass
from ftlib.reward_trial import functions_version
from ftlib.row_cuts import TOKENS_PAGE_SHOWS
from ftlib.rows import KIND_HELP, any_uses_tools, row_kind
from ftlib.run_picker import train_labels
from ftlib.run_preflight import Preflight, preflight, qlora_on_cpu_note
from ftlib.run_time import time_estimate
from ftlib.split_lines import lines_note
from ftlib.splits import rows_in_words
from ftlib.templates import TEMPLATE_NAMES, TOOL_TEMPLATES
from ui import alerts, alignment_view, nav
from ui.auth import require_password, who
from ui.common import (
    active_model,
    active_split_name,
    cached_split,
    cached_tokenizer,
    no_split_said,
    split_row_kinds,
    user_errors,
)
from ui.export_view import export_panel
from ui.form import (
    NOT_DRAWN,
    config_form,
    forget,
    form_source,
    last_run_note,
    pick,
    remember_started,
    remembered,
    run_method,
    start_from_last_run,
    where_folded,
)
from ui.fragments import polling_fragment
from ui.kept import custom_source, say_where_set
from ui.labels import ROWS_REFUSED_FIX, TEMPLATE_LABELS, in_form_words
from ui.run_choice import chosen_here
from ui.run_view import (
    ACTIVE,
    RUNS_SEEN,
    deleted_note,
    gone_note,
    memory_panel,
    rerun_if_deleted,
    run_options,
    runs_table,
    show_run,
)
from ui.runs_compare_view import compare_section
from ui.token_panels import SUGGESTED_TEMPLATES

# A page is also served by its URL before any session has built app.py's navigation (Streamlit serves the
# pages/ folder until then): the password is checked here too, not only in app.py.
require_password()
# The settings of the run last started (a new session), or of the one on disk now (that run deleted since), before any
# box is drawn and before the runs below, whose Delete reruns the page when it removes that run.
start_from_last_run()

POLL_SECONDS = 2.0


@st.cache_resource(show_spinner=False)
def cuda_available() -> bool:
    return models.cuda_available()


@st.cache_resource(max_entries=4, show_spinner=False)
def cached_shape(model: str):
    return model_shape(model)


@st.cache_data(max_entries=16, show_spinner="Checking the rows against these settings...")
def cached_preflight(config_json: str, split: str, saved_at: float | None, root: str, functions: str) -> Preflight:
    """The pre-launch report for these settings (keyed by the split's save time, so a re-saved split is re-read, and
    by `functions`, GRPO's reward functions' files as they are now: one the operator fixed is tried again)."""
    config = RunConfig.from_dict(json.loads(config_json))
    train, test, _ = cached_split(split)
    return preflight(
        config,
        tokenizer=cached_tokenizer(config.model),
        rows=(train, test),
        shows=TOKENS_PAGE_SHOWS,  # a row cut, and rows the template refuses: what to do in this page's words
        refusal_fix=ROWS_REFUSED_FIX,
    )


@st.cache_data(ttl=30, max_entries=16, show_spinner=False)
def time_note(config_json: str, tokens: int, train_rows: int, device: str, root: str, runs_changed: float) -> str:
    """About how long the run trains, from an earlier run's speed on this server (ftlib.run_time); "" without one.
    Read again when a run is added or removed (`runs_changed`: the runs folder's time), else every 30 s."""
    est = time_estimate(RunConfig.from_dict(json.loads(config_json)), tokens, train_rows, device)
    return est.sentence() if est else ""


def start_panel(config: RunConfig, split: str, saved_at: float | None) -> None:
    """What is known before launch, the memory estimate, and the Start button (only when nothing refuses it)."""
    functions = functions_version(config.rewards) if config.method == "grpo" else ""
    report = cached_preflight(json.dumps(config.to_dict()), split, saved_at, str(workspace.workspace_dir()), functions)
    offer = template_offer(report, config.template)
    for error in report.errors:  # worded for the CLI too: each `setting` said by its box's label here
        st.error(in_form_words(error) + where_folded(error, config), icon=alerts.ERROR)
        offer = template_button(offer, error)
    for warning in report.warnings:
        st.warning(in_form_words(warning) + where_folded(warning, config), icon=alerts.WARNING)
        offer = template_button(offer, warning)
    for note in report.notes:  # how the rows are read, not a problem: the reasoning's way into the text, as `train`
        st.caption(note)
    train, test, meta = cached_split(split)
    if where := lines_note(meta, report.errors + report.warnings, (len(train), len(test))):  # "held-out row 2": line 9
        st.caption(where)
    if not report.ok:
        # The template's problems are fixed here, in the box above, not only on other pages (as this said).
        st.caption(
            "Fix what is named above to start a run: a template's problem in the **Chat template** box above, a "
            "setting's in its box, the rows themselves on the **Data** or **Tokens** page."
        )
        start_refused()
        return
    if config.method == "grpo":
        alignment_view.reward_preview(config, split)
    with user_errors("Could not estimate memory"):
        est = estimate(
            config,
            seq_len=report.longest or config.max_length,
            shape=cached_shape(config.model),
            train_rows=report.train_rows,
            row_tokens=report.packed,  # a packing run's batches hold its packed rows, up to max length each
        )
    answers = config.grpo_max_new_tokens if config.method == "grpo" else 0  # each GRPO prompt's answers add up to it
    memory_panel(est, max(report.packed, default=report.longest), answers)  # the longest row a batch holds
    root, folder = str(workspace.workspace_dir()), workspace.runs_dir()
    changed = folder.stat().st_mtime if folder.is_dir() else 0.0
    # The steps and the time count the rows the trainer steps over: a packing run's packed rows (`step_rows`).
    if said := time_note(json.dumps(config.to_dict()), report.tokens, report.step_rows, est.device, root, changed):
        st.caption(said)
    if said := steps_note(config, report.train_rows, row_kind(train[0]) if train else "sft", report.step_rows):
        st.caption(said)
    if st.button("Start training", type="primary", key="train_start"):
        with user_errors("Could not start the run"):
            # The estimate is kept, to show beside the run's measured peak; `by`: the signed-in person, if any.
            # Its planned steps: its progress and the runs table count to them until the trainer reports its own
            # (they read "step 0 of ?"), GRPO's included (whole steps of prompts, as `steps_note` says).
            planned = planned_steps(config, report.step_rows) if report.train_rows else None
            run_id = runs.submit(config, estimated_memory=est.total, by=who(), planned_steps=planned)
        remember_started()  # a refresh or a new tab starts the form from this run's settings, not the defaults
        st.session_state["train_selected"] = run_id  # the runs list below shows the new run
        chosen_here(run_id)  # and Compare and Evaluate offer it first once it has finished, not a teammate's newer one
        st.toast(f"Queued {run_id}")
        st.rerun()


def template_offer(report: Preflight, template: str) -> tuple[str, str] | None:
    """(the block's text, the built-in template) of the first of the template's blocks whose fix names a built-in
    template other than `template` (`ui.token_panels.SUGGESTED_TEMPLATES`: tool calls or tools the template leaves
    out: the Hermes one), refusal first; None when none does."""
    for text in report.errors + report.warnings:
        name = SUGGESTED_TEMPLATES.get(report.codes.get(text, ""))
        if name and name != template:
            return text, name
    return None


def template_button(offer: tuple[str, str] | None, text: str) -> tuple[str, str] | None:
    """Under the block `text`: the button that picks the offered template in the Chat template box, when `offer` is
    of that block (it saw the checks as sentences and had to find the box and the name in it: h254). The offer still
    to make after it: None once made."""
    if offer is None or offer[0] != text:
        return offer
    name = offer[1]
    st.button(
        f"Use the {TEMPLATE_LABELS[name]} template",
        key=f"train_use_{name}",
        on_click=pick,
        args=("template", name),
        help="Picks it in the Chat template box above (Tokens and Batches start from it too).",
    )
    return None


def steps_note(config: RunConfig, train_rows: int, kind: str, stepped: int | None = None) -> str:
    """How many optimizer steps the run takes, of how many rows, before it starts: its progress said "step 0 of 4"
    only once started, and a first run (no speed measured yet, so no time said) said nothing of its length. GRPO's
    steps are whole steps of prompts, each answered group-size times (`grpo_steps_per_pass`: a batch left short is
    left out, as its own warning says). `stepped`: the rows the trainer steps over when a packing run packs the
    training rows into others (`Preflight.step_rows`; a step takes batch-size packed rows). "" without rows."""
    if train_rows <= 0:
        return ""
    stepped = train_rows if stepped is None else stepped
    if config.method == "grpo":
        steps, per_step = planned_steps(config, train_rows), grpo_prompts_per_step(config)
        length = "**Max steps**" if config.max_steps else f"{config.epochs:g} epoch" + "s" * (config.epochs != 1)
        return (
            f"This run takes {plural(steps, 'optimizer step')} ({length}); one pass over the "
            f"{plural(train_rows, 'training prompt')} is {plural(grpo_steps_per_pass(config, train_rows), 'step')} "
            f"of {plural(per_step, 'prompt')}, each answered {config.grpo_group_size} times."
        )
    kind = "unpaired" if config.method == "kto" else kind  # KTO reads a pair as a good and a bad answer
    per_pass = steps_per_pass(config, stepped)
    steps = planned_steps(config, stepped)  # as zero_rate_warning counts them, and the queued run's progress
    per_step = config.batch_size * config.grad_accum * config.nproc * config.nnodes  # steps_per_pass's
    one_pass = (
        f"one pass over the {rows_in_words(train_rows, kind, 'training')} is {plural(per_pass, 'step')} of up to "
        f"{rows_in_words(min(per_step, train_rows), kind)}"
    )
    if config.packing and config.method in PACKING_METHODS:  # TRL steps over the rows it packs (`step_rows`)
        one_pass = (
            f"one pass over the {rows_in_words(train_rows, kind, 'training')}, packed into "
            f"{plural(stepped, 'row')} of up to {config.max_length:,} tokens, is {plural(per_pass, 'step')} of up "
            f"to {plural(min(per_step, stepped), 'packed row')}"
        )
    if config.max_steps:
        return f"This run takes {plural(steps, 'optimizer step')} (**Max steps**); {one_pass}."
    epochs = f"{config.epochs:g} epoch" + ("" if config.epochs == 1 else "s")
    return f"This run takes {plural(steps, 'optimizer step')} ({epochs}); {one_pass}."


def start_refused() -> None:
    """The Start button in its place, switched off, saying why: where it vanished, a newcomer looked for it rather
    than at the message above."""
    why = "Fix what is named above to start a run."
    st.button("Start training", type="primary", key="train_start_refused", disabled=True, help=why)


def new_run(model: str, split: str) -> None:
    with user_errors("Could not open the saved split"):
        train, test, meta = cached_split(split)
    kind = row_kind(train[0]) if train else "sft"  # preference pairs counted as pairs
    st.caption(
        f"Model **{model_said(model)}** · dataset **{split}**: {rows_in_words(len(train), kind, 'training')}, "
        f"{len(test)} held out for evaluation. Change them in the sidebar and on the Data page."
    )
    kinds = list(split_row_kinds(split))  # every row's kind, looked at once per version of the split
    methods = fitting_methods(kinds)
    if not methods:
        held = " and ".join(KIND_HELP[k] for k in sorted(set(kinds)))
        st.warning(
            f"This split holds {held}; no training method trains on a mix of those. Save a split of one kind: "
            "conversations (SFT), preference pairs (DPO, a reward model, KTO), good/bad answers (KTO) or prompts "
            "(GRPO).",
            icon=alerts.WARNING,
        )
        return
    templates = [n for n in TEMPLATE_NAMES if n != "custom" or custom_source()]  # Custom: once written on Tokens
    # One process per GPU of this server (1 on CPU); several machines are started from the CLI (README).
    found = gpu_count()
    gpus = max(1, found)
    unfit = unfit_methods(kinds, {name: sample.kind for name, sample in sample_choices().items()})
    for method in PAIRS_ONLY if "unpaired" in kinds else ():  # good/bad answers of one prompt: the way to pairs
        if method in unfit and (way := pairing_way(method, train + test, PAGE_PAIR_WAY)):
            unfit[method] += f" {way}"  # as `train` says it, with `data pair`'s command
    # Another split than the one the method was chosen for, and the method cannot train it: start from one that can
    # (the radio keeps its value across splits; dropping it lets the form's default apply).
    if st.session_state.get("train_method_split") != split and remembered("train_method") in unfit:
        forget("train_method")
    st.session_state["train_method_split"] = split
    # The method the form starts on: the run's it starts from where this split can train it (a split changed back to
    # one it fits brings it back), else the first that fits.
    default_method = run_method() if run_method() in methods else methods[0]
    shown = remembered("train_method") if remembered("train_method") in METHODS else default_method
    last_run_note(shown, unfit)  # which run the settings are from, what was not taken, and a way back to the defaults
    values, refused = config_form(
        fixed={"model": model, "dataset": split},
        choices={
            "method": METHODS,  # all of them: those this split cannot train say what they need
            "template": templates,
            # One GPU of several too (cuda:1), as `train --device` takes it: the queue runs one run per device.
            "device": ("auto", "cpu", "cuda", *(f"cuda:{i}" for i in range(found if found > 1 else 0)))
            if cuda_available()
            else ("auto", "cpu"),
            "nproc": tuple(range(1, gpus + 1)),
        },
        # The template and what is trained start from the choice shared with Tokens and Batches (ui.kept), not here.
        defaults={"method": default_method},
        hidden=NOT_DRAWN + (("sharding",) if gpus == 1 else ()),
        unfit=unfit,
        placeholders={"rewards": alignment_view.REWARDS_PLACEHOLDER},
        after={
            # Its example fits the rows: checked against their `answer`, where they carry one (helper 89's walk)
            "rewards": lambda where, value: alignment_view.rewards_box(where, value, train),
            "nproc": gpu_note(found),
            "template": template_notes(model, split, kinds),
            "mask_policy": where_set("mask_policy"),
            "max_length": where_set("max_length"),
        },
    )
    if values["method"] in unfit:  # the form said what data it needs and where to get it
        nav.link("data", label="Go to Data", icon="📂")
        return
    if values.get("method") == "grpo":
        alignment_view.reward_help()
        if alignment_view.rewards_unwritten(values):  # a hint under the box, not an error, until they type
            return
    if values.get("template") == "custom":
        values["template_source"] = custom_source()
        st.caption("The custom template written on the Tokens page is used.")
    if refused:  # each error is under its box; nothing starts with a value the user did not see
        st.error(f"Fix {', '.join(f'**{r}**' for r in refused)} (marked above) to start a run.", icon=alerts.ERROR)
        start_refused()
        return
    try:
        config = RunConfig.from_dict(values)
    except ConfigError as exc:
        st.error(in_form_words(str(exc)), icon=alerts.ERROR)
        start_refused()
        return
    if note := qlora_on_cpu_note(config):  # trains correctly there (training_model.keep_4bit_trainable), not fast
        st.info(note, icon=alerts.INFO)
    start_panel(config, split, meta.get("saved_at"))


@st.cache_data(max_entries=8, show_spinner=False)
def split_uses_tools(split: str, saved_at: float | None) -> bool:
    """Whether any row of the saved split `split` (as saved at `saved_at`) involves tools (`rows.any_uses_tools`)."""
    train, test, _ = cached_split(split)
    return any_uses_tools(train + test)


def template_notes(model: str, split: str, kinds: list[str]):
    """Under the Chat template box: where its value was set (`where_set`); and where it holds a template that writes
    tool calls (TOOL_TEMPLATES) while this split has none, that said plainly, with a button for the model's own.
    A walk's "Use the ChatML + tools (Hermes) template" for a tool-calling file carried over to the Alpaca, DPO and
    raw-text runs after it, only a caption saying the settings start from the last run (helper 255). The box keeps
    what it holds: a choice stays the user's, said, not undone."""
    said = where_set("template")

    def draw(where, value) -> str:
        said(where, value)
        if value not in TOOL_TEMPLATES or split_uses_tools(split, cached_split(split)[2].get("saved_at")):
            return ""
        label = TEMPLATE_LABELS[value]
        if set(kinds) == {"text"}:
            rows_said = "this split's rows are raw text, read as written: no chat template writes them"
        else:
            rows_said = "no row of this split has a tool call, a tool's result or tools to offer"
        own = getattr(cached_tokenizer(model), "chat_template", None)  # a base model may have none to offer
        where.caption(
            f"**{label}** is for conversations with tool calls, and {rows_said}. It stays chosen until changed"
            + ("; for these rows the model's own template is the usual choice." if own else ".")
        )
        if not own:
            return ""
        where.button(
            "Use the model's own template",
            key="train_use_own_template",
            on_click=pick,
            args=("template", "tokenizer"),
            help="Picks it in the Chat template box above (Tokens and Batches start from it too).",
        )
        return ""

    return draw


def where_set(setting: str):
    """Under the template's, the mask policy's or the max length's box: where its value was chosen, when on Tokens or
    Batches."""

    def draw(where, value) -> str:
        say_where_set(where, setting, value, "Train")
        return ""

    return draw


def gpu_note(found: int):
    """Under the GPUs box: the GPUs this server has (or that runs use the CPU), and where several machines start."""

    def draw(where, value) -> str:
        have = f"{plural(found, 'GPU')} found: one process per GPU." if found else "No GPU found: runs use the CPU."
        where.caption(
            f"{have} A run on several machines is started from the command line on each of them (README, "
            '"Several GPUs, several machines").'
        )
        return ""

    return draw


def run_list() -> None:
    """The run picker, the selected run and the runs table, redrawn every few seconds while a run is queued or
    running (a fragment), so the picker's icons, the states and the times change when a run's state does."""
    # Before the listing: a change after it is seen at the next look (`rerun_if_deleted`), not missed.
    st.session_state[RUNS_SEEN] = runs.runs_changed_key()
    first = runs.list_runs()
    if not first:
        deleted_note()
        gone_note(())
        st.caption("No runs yet.")
        return
    active = tuple(r.id for r in first if r.state in ACTIVE)
    # The runs just listed serve this run of the script; only the fragment's own reruns list them again (each listing
    # reads every run's files: twice a rerun was twice the work, every 2 s while a run trains).
    listed = [first]

    def section() -> None:
        all_runs = listed.pop() if listed else runs.list_runs()
        if form_source() not in (None, *(r.id for r in all_runs)):
            st.rerun()  # the run the form starts from was deleted: the whole page, so the form follows the disk
        with st.container():  # one slot, said or not: what follows keeps its place (ui.run_view.show_run's controls)
            deleted_note()
            gone_note({r.id for r in all_runs})  # deleted elsewhere: said before the picker moves to another run
        if not all_runs:  # the last one was just deleted
            st.caption("No runs yet.")
            return
        if tuple(r.id for r in all_runs if r.state in ACTIVE) != active:
            st.rerun()  # a run started or ended: redraw the page once, polling on or off
        by_id = {r.id: r for r in all_runs}
        selected = st.session_state.get("train_selected")
        # Opens on the run training (its live curve is what one comes for), not the newest run queued behind it.
        training = [r.id for r in all_runs if r.state in ACTIVE and r.state != "queued"]
        default = selected if selected in by_id else next(iter(training or active), all_runs[0].id)
        # The options' labels carry each run's state icon (and, once ended, its steps and final loss): the picker is
        # drawn afresh on the remembered run when one changes, or when the remembered run does (a new run started,
        # one deleted), by a key made of both. A pick is remembered in its callback, before the script runs, so the
        # widget drawn next already starts on it: a keyless picker (its identity holding the chosen index) dropped
        # every second pick, sent to the widget drawn before it (a cold review, 2026-12-02).
        labels = train_labels(all_runs)  # each run's base model (when runs used several) and its own template
        texts = run_options(all_runs, labels)
        drawn = "\n".join([default, *(texts[i] for i in by_id)])
        key = "train_run_" + hashlib.sha1(drawn.encode()).hexdigest()[:16]
        index = list(by_id).index(default)
        run_id = st.selectbox(
            "Run",
            list(by_id),
            index=index,
            format_func=texts.__getitem__,
            key=key,
            on_change=remember_pick,
            args=(key,),
        )
        st.session_state["train_selected"] = run_id
        show_run(run_id)
        export_panel(run_id)
        if by_id[run_id].state == "finished" and by_id[run_id].method.startswith("reward"):
            alignment_view.score_panel(run_id)
        runs_table(all_runs, labels)
        compare_section(all_runs)  # folded under the runs table: two finished or stopped runs or more side by side

    # While it polls, the section takes a new fragment id on every run of the page (a run starting or ending, a click
    # outside it: a form field, the sidebar), so a late timed poll cannot prune what that page run drew ("Bad delta
    # path index": ui/fragments.py says why); its own runs (a poll, a click in it) keep the id. Not polling: one id.
    polling_fragment(section, POLL_SECONDS if active else None)
    if not active:
        # Nothing runs, so the section above does not poll, and a teammate deleting the run it shows went unsaid
        # until a click: a look at that run's folder alone on the same cadence redraws the page once it is gone.
        polling_fragment(rerun_if_deleted, POLL_SECONDS)


def remember_pick(key: str) -> None:
    """The run picker's callback: the run picked is the one the page shows (before the script runs again)."""
    st.session_state["train_selected"] = st.session_state[key]
    chosen_here(st.session_state[key])  # Compare and Evaluate offer it first too, once it has finished


st.title("Train")
st.caption(
    "Pick a method, check the memory it needs, press **Start training**, and watch the run. Runs keep going if you "
    "close the tab; come back any time."
)
new_run_box = st.container()
st.divider()
st.subheader("Runs")
run_list()  # drawn first, so nothing that goes wrong with the new-run settings can hide the runs
with new_run_box:
    st.subheader("New run")
    split_name = active_split_name()
    if split_name:
        new_run(active_model(), split_name)
    else:
        st.info(no_split_said(), icon=alerts.INFO)
        nav.link("data", label="Go to Data", icon="📂")
