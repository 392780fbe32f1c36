"""Evaluate: base vs a fine-tuned run on the run's held-out rows. Reference, base and tuned answers side by side,
per-row loss and perplexity of the reference, aggregates, best and worst rows, a per-token loss heatmap, CSV. A
raw-text run's rows are scored on their every token, as training scored them, and not answered (`ftlib.text_eval`).
A reward-model run is measured by its scores of the held-out pairs instead (ui.reward_eval_view), a GRPO run of prompts
by both models' answers under its rewards (ui.grpo_eval_view); both keep theirs with the run too.

Drawing only: the evaluation runs in `ftlib.eval_results.KeptEvalJob` (an `ftlib.evaluate.EvalJob`, a thread that
never calls st.*); a fragment polls its progress (`run_every`, only while it runs) and reruns the page once when it
ends. The result stays in session_state, so reruns and other widgets do not lose it, and one that ran to its end (and
what tuning cost) is kept in the run's folder from the job's thread (`ftlib.eval_results`): a reload, another tab or a
later visit with the same choices (the boxes outlive the session: `ui.kept.ACROSS_SESSIONS`) shows it again, saying
when it was measured; a result kept for other choices is only named; one still running (started in another tab, or
before a reload) is followed, its choices put into the boxes (`ui.evaluate_choices.follow_running`). Heavy work
takes turns on the device (`ftlib.lease`): while the evaluation waits for a training run or another session, the page
says so, with the position in line. The boxes keep their values through a visit to another page (`ui.kept`); the
number of rows, the answer length and the batch, per run. A chat template with a thinking switch (Qwen3's) gets a
"Thinking" toggle for the answers, starting as the run trained (`ui.evaluate_choices.thinking_choice`); its setting
is part of the key.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ftlib import eval_results as K
from ftlib import evaluate as E
from ftlib import lease
from ftlib import modelset as M
from ftlib.answer_notes import cut_said
from ftlib.decoding import ANSWER_BATCH, DEFAULT_NEW_TOKENS
from ftlib.demo_data import general_rows
from ftlib.errors import UserError, plural
from ftlib.eval_runs import rows_version
from ftlib.loss_words import NATS_MARGIN_SAID, pieces_note, train_heldout_note
from ftlib.loss_words import evaluate_measured_over as measured_over
from ftlib.model_names import model_said
from ftlib.models import context_length
from ftlib.references import item_count, nothing_scored, rewritten_note, written_reply
from ftlib.reward_eval import measured_by
from ftlib.rows import row_kind
from ftlib.run_picker import run_choices
from ftlib.rundir import run_folder_of
from ftlib.splits import rows_in_words
from ftlib.text_eval import TEXT_NOTE, is_text
from ftlib.tuning_cost import TunedWith
from ui import alerts, chart_data, nav
from ui.auth import require_password
from ui.common import cached_tokenizer, job_progress, model_set_for, skipped_rows, user_errors, wait_notice
from ui.evaluate_choices import (
    FIRST_ROWS,
    FIRST_ROWS_SAID,
    box_keys,
    evaluation_time_note,
    follow_running,
    no_reference_said,
    note_started,
    other_choices_said,
    pace_of,
    running_of,
    started_elsewhere_said,
    started_here,
    thinking_choice,
)
from ui.evaluate_view import (
    ACCURACY_HELP,
    HEATMAP_NOTE,
    TABLE_ROWS,
    TEXT_HEATMAP_NOTE,
    answer_at_choice,
    base_columns,
    blanks,
    blanks_said,
    change_help,
    cost_section,
    csv_download,
    heatmap_drawn_from,
    how_sure,
    in_brackets,
    kept_elsewhere_said,
    kept_heatmap,
    kept_said,
    lines_said,
    loops_said,
    places_of,
    row_label,
    side_by_side,
    starting_model,
    token_loss_table,
    with_places,
)
from ui.fragments import polling_fragment
from ui.grpo_eval_view import answers_section
from ui.inputs import number_in_range
from ui.kept import default_for, keep
from ui.kto_eval_view import labels_section
from ui.labels import (
    BASE_OF_RUN,
    RUN_DATA_FIX,
    in_form_words,
    no_reference_fix,
    on_model_page,
    run_split_fix,
    template_label,
)
from ui.reward_eval_view import pairs_section
from ui.row_picker import pick_item
from ui.run_choice import CHOSEN_FIRST, choices_by_name, gone_notes, pick_run
from ui.tables import html_table

# A page is also served by its URL before any session has built app.py's navigation (Streamlit serves the
# pages/ folder until then): the password is checked here too, not only in app.py.
require_password()

JOB_KEY = "evaluate_job"
RUN_KEY = "evaluate_run"  # the run the job evaluates
RATE_KEY = "evaluate_rate"  # (seconds an item, max new tokens, "row"/"reply") of this session's last evaluation
# ... its pace by loops and items (`ftlib.decode_rate.EvalPace`, the estimate's model), where it was measured
PACE_KEY = "evaluate_pace"
RATE_WHOSE_KEY = "evaluate_rate_whose"  # ... and whose it was in words (`pace_of`): one followed may be a teammate's
FINISHED_KEY = "evaluate_finished"  # run name -> its last finished EvalJob (the newest few): picking it again shows it
KEEP_FINISHED = 4
POLL_S = 0.5


def job_models(job: E.EvalJob):
    """The job's model set: its own while it is the job just run, else model_set_for's (cached) from the spec it was
    loaded from."""
    return job.model_set if job.model_set is not None else model_set_for(*job.models_spec, say_where=False)


@st.cache_data(max_entries=4, show_spinner="Loading the run's held-out rows...")
def cached_run_info(run_path: str, version: tuple) -> E.RunInfo:  # noqa: ARG001 (version: a new key when it changes)
    """`run_info`, read again when its config or, for a run that kept no copy of its rows, its split or file changes
    (`rows_version`): keyed by config.json's time alone, a split saved over kept its old held-out rows on the page."""
    # The page's way on, not `data split` or --map; a saved split that does not read is saved again, no new run.
    return E.run_info(run_path, fix=RUN_DATA_FIX, split_fix=run_split_fix)


# Once per version of the run's rows, not at each click: with 10,000 held-out rows, asking which have several replies
# (three times a rerun) and digesting the rows for the kept result's key were 16% and up to a quarter of a rerun
# (BENCHMARKS.md, "Page responsiveness").
@st.cache_data(max_entries=4, show_spinner=False)
def several_replies_of(run_path: str, version: tuple) -> int:
    """`several_replies` of the run's held-out rows (`cached_run_info`'s, of this `version`)."""
    return E.several_replies(cached_run_info(run_path, version).test_rows)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_heldout_key(
    tuned: str,
    weights: dict,  # noqa: ARG001 (a new key when the run is trained further)
    run_path: str,
    version: tuple,
    limit: int,
    max_new_tokens: int,
    batch_size: int,
    answer_at: str,
    thinking: bool | None = None,
) -> dict:
    """`heldout_key` of the first `limit` held-out rows of the run (`cached_run_info`'s, of this `version`) with these
    choices, made again when anything it holds changes: the run's rows or config (`version`), its weights
    (`weights_stamp`) or a box (`thinking`: the Thinking toggle's, None where the template has no switch)."""
    info = cached_run_info(run_path, version)
    boxes = {
        "max_new_tokens": max_new_tokens,
        "batch_size": batch_size,
        "answer_at": answer_at,
        "thinking": thinking,
    }
    return K.heldout_key(tuned, **K.run_rows(info, limit), **boxes)


@st.cache_data(max_entries=16, show_spinner=False)
def nothing_scored_of(run_path: str, version: tuple, limit: int, answer_at: str) -> str | None:
    """`references.nothing_scored` of the run's first `limit` held-out rows answered at `answer_at` (a tokenizer, no
    model), once per version of the rows (`cached_run_info`'s) and choice: why Evaluate would score nothing."""
    info = cached_run_info(run_path, version)
    tokenizer = cached_tokenizer(info.model)
    return nothing_scored(
        info.test_rows[:limit],
        tokenizer,
        info.chat_template(tokenizer),  # a custom template's Jinja text included
        info.max_length,
        answer_at,
        info.split_long,
        choose="**Answer at** above",
        context=context_length(info.model),
    )


st.title("Evaluate")
st.caption("Did fine-tuning change anything? Both models on the run's held-out rows, side by side.")

runs = M.list_run_adapters(reward_models=True)  # a reward model: its score head on held-out pairs
if not runs:
    gone_notes("evaluate_pick")  # the last finished run deleted elsewhere: say so, and by whom, before stopping
    st.info("No finished run yet. Train one on the **Train** page, then come back.", icon=alerts.INFO)
    nav.link("train", label="Go to Train", icon="🏋️")
    st.stop()

by_name = {r.name: r for r in runs}
# Each run's summary, read once per version of its files for the picker and the labels (twice a click before).
choices = run_choices(runs)
run_name = pick_run(
    "Run",
    runs,
    key="evaluate_pick",
    help=f"Finished runs, newest first. {CHOSEN_FIRST}",
    choices=choices,
)
run = by_name[run_name]
labels = choices_by_name(runs, choices)  # run name -> its short label, as the Run box shows it
run_path = run_folder_of(run.path)
version = rows_version(run_path)  # of what the run's held-out rows are read from, and its config
with user_errors("Could not read the run's configuration and held-out rows", in_form_words):  # `test_size`: its box
    info = cached_run_info(str(run_path), version)
if not info.test_rows:
    st.warning(
        f"The run's dataset `{info.dataset}` has no held-out rows. Save a split with a test part on the "
        "**Data** page and train on it.",
        icon=alerts.WARNING,
    )
    st.stop()
if info.method == "reward":  # it writes no answers: its scores of the held-out pairs (ui.reward_eval_view)
    pairs_section(run_name, labels[run_name].label if run_name in labels else run_name, info, str(run.path))
    st.stop()
if measured_by(info.method, info.test_rows) == "rewards":  # no reference answer: its rewards (ui.grpo_eval_view)
    answers_section(run_name, labels[run_name].label if run_name in labels else run_name, info, str(run.path))
    st.stop()
several = several_replies_of(str(run_path), version)  # held-out rows with more than one reply
all_text = all(is_text(row) for row in info.test_rows)  # raw text: no prompt to answer, every token scored
pairs = row_kind(info.test_rows[0]) == "preference"
st.caption(  # what the rest of the page measures (a reward model's and a GRPO run's sections say their own)
    "Each held-out text is the reference, every token of it, as training scored it: we measure how surprised each "
    "model is by it (loss; lower is better). Text has no prompt, so no answers are generated."
    if all_text
    # A pair's reference is its chosen answer, as the results below say ("the chosen answer of each of the 5 held-out
    # pairs"), not "each conversation's last answer"; its rejected answer is scored too.
    else "Each held-out pair's chosen answer is the reference: we measure how surprised each model is by it (loss; "
    "lower is better) and which of the pair's two answers each model finds more likely, and let both models answer "
    "the same prompt."
    if pairs
    # A labelled answer is a reference only when labelled good; one labelled bad is skipped (`ftlib.references`), which
    # "each held-out conversation's last answer" left to a "2 rows skipped" further down (helper 60's cold walk, KTO).
    else "Each held-out answer labelled good is the reference: we measure how surprised each model is by it (loss; "
    "lower is better) and let both models answer the same prompt. Answers labelled bad are no reference (examples "
    "of what not to say), so they are skipped."
    if row_kind(info.test_rows[0]) == "unpaired"
    else "Each held-out conversation's last answer is the reference"
    + (" (or its first, or each reply in turn: **Answer at** below)" if several else "")
    + ": we measure how surprised each model is by it (loss; lower is better) and let both models answer the same "
    "prompt."
)
# "Base" below is this run's starting point; where that is a model the studio fine-tuned (a run's merged export typed
# into the sidebar), the line says so: "base" alone read as the model as published (helper 65's walk). The numbers
# and columns below then name it as this line and Compare's rows do ("r7/merged loss"), not "Base loss" (helper 84).
base_name, made = starting_model(info.model)
BASE = base_name or "Base"  # the metrics' word for it
BASE_SAID = base_name or "the base model"  # ... and their help's
st.caption(
    f"Base model `{base_name or model_said(info.model)}`{f' (itself fine-tuned: {made})' if made else ''} · "
    f"dataset `{info.dataset}` · {rows_in_words(len(info.test_rows), row_kind(info.test_rows[0]), 'held-out')} · "
    # Raw text is read with no chat template, whatever the run's config names (a raw-text run queued from a form
    # that still held a tool-calling run's ChatML + tools template said that one: helper 255's walk).
    f"chat template: {template_label('text' if all_text else info.template)}",  # as Tokens and Train name it
    help=f"The base model: `{info.model}`" if base_name else None,  # its path, which the short name stands for
)

# An answer that stops mid-sentence read as the model's doing (a cold walk: a base answer ended "... used to
# measure" at 64 tokens, with no word that the box had cut it).
MAX_NEW_HELP = (
    "The longest answer each model may write, in tokens. An answer that reaches it stops there, mid-sentence if need "
    "be: that is this limit, not the model. The losses do not change with it (they score the reference answer)."
)
# An evaluation of this run running for another session (another tab, this tab before a reload): this session
# follows it, its choices put into the boxes below, unless one of its own runs.
follow_running(run_path, run_name, JOB_KEY, RUN_KEY)
c1, c2, c3 = st.columns(3)
boxes = box_keys(run_name)
rows_key = boxes["limit"]  # per run: 3 set for a run with 3 held-out rows is not 3 of another's 18
n_rows = number_in_range(
    c1,
    "Rows to evaluate",
    1,
    len(info.test_rows),
    default_for(rows_key, min(FIRST_ROWS, len(info.test_rows)), range(1, len(info.test_rows) + 1)),
    key=rows_key,
    help=(
        "Both models score every row's text (no answers are written). "
        if all_text
        else "Both models answer every row: on a CPU, a few dozen rows take a few minutes. "
    )
    + FIRST_ROWS_SAID,
    on_change=keep,  # typed and left with a click on another page: this run never draws it
    args=(rows_key,),
)
lengths, batches = K.BOX_RANGES["heldout"]["max_new_tokens"], K.BOX_RANGES["heldout"]["batch_size"]
# Per run, as the rows: the answer length and the batch are part of every kept result's key, so one run's do not
# hide another's.
max_new_key, batch_key = boxes["max_new_tokens"], boxes["batch_size"]
max_new = (  # text rows are not answered: no length to choose
    DEFAULT_NEW_TOKENS
    if all_text
    else c2.slider(
        "Max new tokens per answer",
        lengths.start,
        lengths[-1],
        default_for(max_new_key, DEFAULT_NEW_TOKENS, lengths),
        lengths.step,
        key=max_new_key,
        help=MAX_NEW_HELP,
    )
)
batch = c3.slider(
    "Rows per batch",
    batches.start,
    batches[-1],
    default_for(batch_key, ANSWER_BATCH, batches),
    key=batch_key,
    help="Rows answered together in one decoding loop. Answered at every reply, a batch holds replies instead: each "
    "reply is answered on its own, after the conversation before it.",
)
for key in (rows_key, batch_key) if all_text else (rows_key, max_new_key, batch_key):
    keep(key)
# "last", "first" (a tool-calling row's call), or "every"
answer_at = answer_at_choice(info.test_rows, run_name, several)
# A chat template with a thinking switch (Qwen3's): both models answer as the run trained, unless toggled.
run_said = labels[run_name].label if run_name in labels else run_name
thinking = None if all_text else thinking_choice(c2, info, run_path, version, run_said, boxes["thinking"])
# Every reference past the run's max length: said before the button, not after both models have loaded (a walk).
# No row with a reference answer (a KTO split's held-out answers all labelled bad) too: `evaluate`'s refusal, before.
unscorable = n_rows and no_reference_said(info.test_rows, int(n_rows))
try:
    unscorable = unscorable or (n_rows and nothing_scored_of(str(run_path), version, int(n_rows), answer_at))
except (UserError, OSError):  # no tokenizer to read: pressing Evaluate says why, as before
    pass
if unscorable:
    st.error(unscorable, icon=alerts.ERROR)

# Everything that decides the result (`ftlib.eval_results`): a result kept with the run under it is shown again.
kept_key = (
    None
    if n_rows is None
    else cached_heldout_key(
        str(run.path),
        K.weights_stamp(run.path),
        str(run_path),
        version,
        int(n_rows),
        max_new,
        batch,
        answer_at,
        thinking,
    )
)
job: E.EvalJob | None = st.session_state.get(JOB_KEY)
finished: dict = st.session_state.setdefault(FINISHED_KEY, {})
if job is not None and job.done and job.result is not None and job.result.rows and job.began and job.ended_at:
    # How fast this device evaluates: the estimate under the rows box (a review: 500 rows, ~15 min, unannounced). An
    # item (a row, or each reply answered at every reply) is one answer and score by each model: its pace carries over.
    # Less the time it waited in line after it began (its turns lent to a training run): a pace with a teammate's
    # training steps in it said "About 8 min for 3 rows" (helper 208's walk: 160.8 s a row).
    per_item = job.busy_s() / len(job.result.rows)
    st.session_state[RATE_KEY] = (per_item, job.kwargs.get("max_new_tokens", DEFAULT_NEW_TOKENS), job.result.noun)
    # By loops of answers and items scored: a pace a row from 3 rows (one loop) said 8 rows (one loop too) took 2.7
    # times as long as they did (helper 260's measure). None for a result kept from earlier: the pace a row then.
    st.session_state[PACE_KEY] = job.tally.pace(job.busy_s()) if getattr(job, "tally", None) else None
    st.session_state[RATE_WHOSE_KEY] = pace_of(job)  # a followed teammate's is not "your last evaluation"
if n_rows is not None and (
    note := evaluation_time_note(
        int(n_rows),
        max_new,
        st.session_state.get(RATE_KEY),
        item_count(info.test_rows[: int(n_rows)], answer_at),
        st.session_state.get(RATE_WHOSE_KEY, "your last evaluation"),
        pace=st.session_state.get(PACE_KEY),
        batch_size=batch,
    )
):
    c1.caption(note)
if job is not None and job.done and job.result is not None:
    # A finished job keeps no model of its own: its set comes back from model_set_for's cache (`job_models`), so the
    # few kept for a return visit do not each hold a copy of the model (a review: 4 copies of one base).
    if job.models_spec is not None:
        job.model_set = None
    finished.pop(st.session_state.get(RUN_KEY), None)  # re-inserted last: the newest stay
    finished[st.session_state.get(RUN_KEY)] = job
    while len(finished) > KEEP_FINISHED:
        finished.pop(next(iter(finished)))
if (job is None or job.done) and st.session_state.get(RUN_KEY) != run_name and run_name in finished:
    # Back on a run evaluated earlier in this session: its result, not the last one of another run.
    job = st.session_state[JOB_KEY] = finished[run_name]
    st.session_state[RUN_KEY] = run_name
mine = job is not None and st.session_state.get(RUN_KEY) == run_name  # this session's job is of this run
if (job is None or job.done) and kept_key is not None and (not mine or getattr(job, "kept_key", None) != kept_key):
    # Measured earlier with these very choices (a reload, another tab, another day): that result, not nothing.
    kept = K.KeptEvalJob.restored(
        run_path,
        kept_key,
        info.test_rows,
        max_new_tokens=max_new,
        batch_size=batch,
        limit=int(n_rows),
        # a custom template's Jinja text included, as a job started below gets it (the per-token view reads it)
        template=info.chat_template(cached_tokenizer(info.model)) if info.template_source else info.template,
        max_length=info.max_length,
        split_long=info.split_long,  # a bfd_split run: its longer rows scored in pieces, as training split them
        answer_at=answer_at,
        thinking=thinking,
    )
    if kept is not None:
        kept.models_spec = (info.model, (str(run.path),))
        job = st.session_state[JOB_KEY] = kept
        st.session_state[RUN_KEY] = run_name
b1, b2, _ = st.columns([2, 2, 3])  # wide enough at 800 px: [1, 1, 4] cut the button to "Eval…"
# The evaluation the boxes ask for runs already (this tab's, or one followed): pressing Evaluate again would start the
# same one a second time (helper 174's walk).
same_runs = mine and job is not None and not job.done and getattr(job, "kept_key", None) == kept_key
if b1.button(
    "Evaluate",
    type="primary",
    disabled=n_rows is None or bool(unscorable) or same_runs,
    help="An evaluation with these choices is running: its progress is below." if same_runs else None,
):
    if (other := running_of(run_path)) is not None and other.kept_key == kept_key:  # another tab's, the same
        if job is not None and not job.done and job is not other and started_here(job):
            job.cancel()
        job = st.session_state[JOB_KEY] = other
        st.session_state[RUN_KEY] = run_name
        st.rerun()  # its progress below, the button disabled
    if job is not None and not job.done and started_here(job):  # one followed (another tab's) runs on
        job.cancel()
    with user_errors("Could not load the model with the run's adapter", lambda said: on_model_page(said, BASE_OF_RUN)):
        model_set = model_set_for(info.model, (str(run.path),))
    job = K.KeptEvalJob(  # kept with the run under `kept_key` once it has run to its end
        model_set,
        info.test_rows,
        model_set.tuned[0],
        max_new_tokens=max_new,
        batch_size=batch,
        limit=int(n_rows),
        template=info.chat_template(model_set.tokenizer),  # a custom template's Jinja text included
        max_length=info.max_length,  # each reference cut where training cut the run's rows
        split_long=info.split_long,  # or, for a bfd_split run, scored in the pieces training split it into
        answer_at=answer_at,
        thinking=thinking,  # the template's switch for the answers (None: no switch)
        no_reference_fix=no_reference_fix,  # a row without a reference answer: what to do, in this page's words
        label="an evaluation",
        run_dir=run_path,
        key=kept_key,
        mask_policy=info.mask_policy,  # a KTO run's answers scored on the tokens training summed
        method=info.method,  # a KTO run's preference pairs: a good and a bad answer each, as it trained them
    )
    job.models_spec = (info.model, (str(run.path),))  # model_set_for's key: the set comes back from there
    job.start()
    note_started(run_path, job)  # a reload or another tab on this run follows it while it runs
    # This run's globals outlive it while the tab stays open (its widgets' callables hold them): a set named in them
    # stayed loaded with its adapter, past cached_model_set's 3 (7 open tabs: 7 sets). The job holds it while it runs.
    model_set = None
    st.session_state[JOB_KEY] = job
    st.session_state[RUN_KEY] = run_name
# A followed evaluation (another tab's, this tab's before a reload, a teammate's) says whose it is above its progress.
elsewhere = started_elsewhere_said(job) if job is not None and not job.done else None
if (
    job is not None
    and not job.done
    and b2.button("Stop", help="It ends for whoever started it too: see above the progress." if elsewhere else None)
):
    job.cancel()

if job is None:
    if not unscorable:  # else its refusal above says what to change
        st.info(
            f"Press **Evaluate** to score {'' if all_text else 'and answer '}the held-out rows with both models.",
            icon=alerts.INFO,
        )
    if said := kept_elsewhere_said(run_path, kept_key):
        st.caption(said)
    st.stop()
job_run = st.session_state.get(RUN_KEY, run_name)
job_label = labels[job_run].label if job_run in labels else job_run
if job_run != run_name and job.done:
    # Another run's result under this run's name would read as this run's: its result comes back when it is picked.
    st.info(
        f"**{labels[run_name].label}** has not been evaluated in this session: press **Evaluate**. The last "
        f"evaluation, of {job_label}, comes back when you pick that run.",
        icon=alerts.INFO,
    )
    if said := kept_elsewhere_said(run_path, kept_key):
        st.caption(said)
    st.stop()

if not job.done:

    def progress() -> None:
        if job.done:
            st.rerun()  # once, so the controls drawn while it ran (the Stop button) match the finished state
        # The same elements in every poll (an empty slot when there is nothing to say): see docs/ARCHITECTURE.md.
        if job_run != run_name:
            st.caption(f"Evaluating {job_label}; pick it again to see its result.")
        else:
            st.empty()
        if elsewhere:
            st.caption(elsewhere)
        else:
            st.empty()
        job_progress(job)

    # Only while the job runs (the finished page does not poll), under a new id on every page run: ui/fragments.py.
    polling_fragment(progress, POLL_S)
    st.stop()
if job.error:
    st.error(f"The evaluation failed: {job.error}", icon=alerts.ERROR)
    st.stop()
if job.result is None:  # stopped while it waited for the device
    st.warning("Stopped before any row was evaluated.", icon=alerts.WARNING)
    st.stop()

result: E.EvalResult = job.result
if job.cancelled:  # the result's items (`EvalResult.noun`): rows, or answered at every reply, replies
    st.warning(f"Stopped early: {plural(len(result.rows), result.noun)} evaluated.", icon=alerts.WARNING)
if not result.rows:
    st.stop()

# ------------------------------------------------------------------------------------------------ aggregates


def _num(value: float) -> str:
    return f"{value:,.2f}" if abs(value) < 1e4 else f"{value:.3g}"


agg = result.aggregates()
answered = [r for r in result.rows if not r.is_text]  # a text row is scored, not answered (`ftlib.text_eval`)
# The held-out rows evaluated, each once: answered at every reply, a row of several replies gives several items.
evaluated = [job.rows[i] for i in dict.fromkeys(r.index for r in result.rows)]
st.subheader("What it gained")
if getattr(job, "measured_at", None) is not None:  # kept from an earlier visit (a reload, another tab)
    st.caption(kept_said(job.measured_at))
if said := other_choices_said(getattr(job, "kept_key", None), kept_key):
    st.caption(said)
if len(evaluated) < len(info.test_rows):  # every number below is of these rows only
    held_out = rows_in_words(len(info.test_rows), row_kind(info.test_rows[0]), "held-out")  # pairs as pairs
    st.caption(f"On {len(evaluated)} of the run's {held_out}.")
m1, m2, m3 = st.columns(3)
# What the mean weighs and is over, since the Train page's held-out loss of the same rows can differ (walk 9 F2; a
# walk's three different "loss" numbers for one run: `ftlib.loss_words`).
over = measured_over(result.rows, result.answer_at, method=info.method)  # the rows of how many: said just above
differs = train_heldout_note(
    evaluated,
    info.mask_policy,
    result.answer_at,
    len(info.test_rows),
    len(result.rewritten),
    info.method,
    split=result.split_long,  # a bfd_split run: Train packs and splits its held-out rows as Evaluate scores them
    one_batch=info.one_batch,  # Train's mean is of one batch's tokens, every token alike, as here
    trained_in=info.computed_in,  # bfloat16 on a CPU that multiplies it natively, float32 here: a hundredth apart
    scored_in=result.dtype,
)
LOSS_HELP = f"{over} Nats per token; lower is better. {differs}"
m1.metric(f"{BASE} loss", f"{agg['base_loss']:.3f}", help=LOSS_HELP)
m2.metric(
    "Tuned loss", f"{agg['tuned_loss']:.3f}", f"{agg['loss_change']:+.3f}", delta_color="inverse", help=LOSS_HELP
)
blank = blanks(result.rows)  # tuned answers of only whitespace: a better number is no success for them
m3.metric(
    "Closer to the reference",
    f"{agg['rows_improved']:.0%}",
    f"but {blank} of {len(result.rows)} tuned answers show nothing" if blank else None,
    delta_color="orange",
    delta_arrow="off",
    help=f"Share of the {plural(len(result.rows), result.noun)} whose {'reference answer' if answered else 'text'} "
    f"the tuned model finds more likely than {BASE_SAID} did.",
)
# The same from a kept result: computed from its rows (answered at every reply, per reply, with what that assumes),
# and how its mean differs from the change under Tuned loss, which weighs every token alike.
how_sure(result.change_said(), change_help(base_name))  # "tuned minus r7/merged" where the studio tuned it
if agg["text_rows"]:
    st.caption(TEXT_NOTE)
st.caption(
    f"Loss here: {over[0].lower()}{over[1:]} {differs}"
    + (
        " It measures how close each model's wording is to the reference answers, not whether its own answers are "
        "right: read the answers side by side below."
        if answered
        else ""
    )
)
if said := rewritten_note(result.rewritten, result.answer_at):  # a template rewriting earlier turns
    st.caption(said)  # (Qwen3's): those replies were scored as asked, not as training read them
# What those numbers cannot show (Compare marks its cells the same way): answers that loop, or show nothing.
for said in (loops_said(result.rows), blanks_said(result.rows), cut_said(result.rows, result.max_new_tokens)):
    if said:
        st.warning(said, icon=alerts.WARNING)
if agg["pairs"]:
    st.markdown(f"**Preference pairs** ({agg['pairs']}): which of the two answers each model finds more likely")
    margin = f"mean log-ratio margin {agg['mean_reward_margin']:+.2f} nats"
    if info.method in ("dpo", "kto"):  # the result shown is this run's (another run's is not shown under its name)
        margin += f"; the Train page's reward margin is beta x it: {info.beta * agg['mean_reward_margin']:+.2f}"
    q1, q2, q3 = st.columns(3)
    q1.metric(f"{BASE} prefers the chosen answer", f"{agg['base_prefers_chosen']:.0%}")
    moved = round((agg["tuned_prefers_chosen"] - agg["base_prefers_chosen"]) * 100)
    q2.metric(
        "Tuned prefers the chosen answer",
        f"{agg['tuned_prefers_chosen']:.0%}",
        f"{moved:+d} points" if moved else None,  # no green arrow for no change
    )
    q3.metric(
        "Moved toward the chosen answer",
        f"{agg['reward_accuracy']:.0%}",
        help="Share of pairs where tuning made the chosen answer more likely relative to the rejected one: DPO's "
        f"reward accuracy, as the Train page's held-out chart shows it ({margin}). {NATS_MARGIN_SAID}",
    )
    how_sure(result.accuracy_stats().sentence(E.PAIRS_MOVED), ACCURACY_HELP)
    # Helper 78's walk: Train said "Held-out reward accuracy 100%" and this page "Tuned prefers the chosen answer 0%".
    same = (
        " The Train page's reward accuracy is the third, *Moved toward the chosen answer*: DPO's reward is each "
        "answer's change against the starting model, not its likelihood, so it can read 100% where both models "
        "prefer the rejected answers."
        if info.method == "dpo"
        else ""
    )
    st.caption(
        "Preference tuning (DPO, KTO) often makes both answers of a pair less likely than before, so the loss on the "
        "chosen answer above can rise while the model's preference moves the right way: for pairs, these three "
        "numbers are the measure. Which answer a model prefers is summed over each answer's tokens, so a much "
        "shorter answer is usually the more likely one to both models; what tuning did is the change." + same
    )
if (shift := getattr(job, "label_shift", None)) is not None and shift.answers:  # a KTO run's good and bad answers
    labels_section(shift, BASE, BASE_SAID, info.beta if info.method == "kto" else None)
with st.expander("For engineers: perplexity"):
    p1, p2 = st.columns(2)
    p1.metric(
        f"{BASE} perplexity",
        _num(agg["base_perplexity"]),
        help="exp(loss): roughly how many tokens the model hesitates between at each step.",
    )
    p2.metric("Tuned perplexity", _num(agg["tuned_perplexity"]))
# each skipped row's line in the file beside it in the expander: a caption outside the closed expander named rows
# nothing open showed (a walk)
skipped_rows(
    result.skipped,
    f"{plural(len(result.skipped), result.noun)} skipped",
    places_of(info, [i for i, _ in result.skipped]),
)
if result.cut:
    st.caption(result.cut_note())  # a bfd_split run's: scored in pieces (`EvalResult.split_long`)
# "held-out row 3 is line 9 of chats.jsonl", for the rows named above
lines_said(info, [*result.cut, *(i for i, _ in result.rewritten)])

# ------------------------------------------------------------------------------------------------ what it cost

st.subheader("What it cost")
evaluated = by_name.get(job_run)  # the run the shown evaluation used, whatever is picked above now
tuned_with = TunedWith.from_run(run_folder_of(evaluated.path)) if evaluated else None
cost_kept = evaluated and (
    run_folder_of(evaluated.path),
    K.cost_key(
        evaluated.path,
        model=info.model,
        template=info.template,
        template_source=info.template_source,
        prompts=general_rows(),
    ),
)
cost_section(
    lambda: job_models(job),
    result.adapter,
    job.kwargs.get("template", "tokenizer"),
    job_run,
    tuned_with,
    cost_kept,
    base=base_name,  # "Everyday loss, r7/merged", as the numbers above name the base (helper 94)
)

# ------------------------------------------------------------------------------------------------ side by side

# Each row's conversation before its reference: what tells rows apart whose last user turns are alike (`row_label`).
at = job.kwargs.get("answer_at", "last")  # the reply the job answered: the prompts before it
contexts = {r.item: E.conversation(job.rows[r.index], at, r.reply)[:-1] for r in answered}  # by (row, reply)
if answered:  # a text row has no answers to set side by side
    st.subheader("Side by side")
    side_by_side(
        answered,
        contexts=contexts,
        tools={r.index: job.rows[r.index].get("tools") for r in answered},  # the models read them too
        places=places_of(info, [r.index for r in answered]),  # each row's line in the file, where the split keeps it
        # A reference with a tool call or reasoning as the template writes it, as the answers beside it are written.
        written=lambda r: written_reply(
            job.rows[r.index], cached_tokenizer(info.model), job.kwargs.get("template", "tokenizer"), at, r.reply
        ),
        limit=result.max_new_tokens,  # an answer it cut says so (`EvalRow.base_at_limit`)
        base=base_name,  # its heading and "tuned minus r7/merged" where the studio fine-tuned it; else "Base model"
    )
# On screen rows count from 1 (as on the Data page); the CSV keeps the engine's 0-based `index`. A page of
# TABLE_ROWS rows at a time: 10,000 rows evaluated were built and sent to the browser at each click.
table_page = 1
with st.expander("All rows as one table"):
    table_pages = -(-len(result.rows) // TABLE_ROWS)
    if table_pages > 1:
        # A box per run and page count: one for every result kept page 3 of 3 for a result of 2 pages, an error
        table_page = number_in_range(
            st, f"Page (of {table_pages})", 1, table_pages, 1, key=f"eval_table_page_{job_run}_{table_pages}"
        )
        if table_page is not None:
            first_shown = (table_page - 1) * TABLE_ROWS
            st.caption(
                f"Rows {first_shown + 1} to {min(first_shown + TABLE_ROWS, len(result.rows))} of "
                f"{len(result.rows)}, {TABLE_ROWS:,} a page: **Download CSV** below holds them all."
            )
    table_box = st.empty()
shown_page = table_page or 1  # a page out of range: its error above, no table
table_rows = result.rows[(shown_page - 1) * TABLE_ROWS : shown_page * TABLE_ROWS]
table = pd.DataFrame([r.as_dict() for r in table_rows])
if not agg["pairs"]:  # the preference columns are empty for conversations
    table = table.drop(
        columns=[
            "base_rejected_logp",
            "tuned_rejected_logp",
            "base_prefers_chosen",
            "tuned_prefers_chosen",
            "reward_margin",
        ]
    )
if not answered:  # text rows only: no prompt, no answers
    table = table.drop(columns=["prompt", "base_output", "tuned_output", "base_at_limit", "tuned_at_limit"])
table.insert(0, "row", table.pop("index") + 1)
if "reply" in table:  # answered at every reply: which reply of the row, beside it
    table.insert(1, "reply", table.pop("reply").astype("Int64"))
table = with_places(table, info)  # "line 9 of chats.jsonl", where the split keeps its rows' places
table = base_columns(table, base_name)  # "r7/merged_loss" where the base is a studio export (the CSV keeps "base_")
if table_page:
    table_box.dataframe(table, hide_index=True, width="stretch")
best, worst = result.best_and_worst(3)
b_col, w_col = st.columns(2)
for col, title, rows in (
    (b_col, "**Helped most** (largest loss drop)", [r for r in best if r.loss_change < 0]),
    (w_col, "**Hurt most** (largest loss rise)", [r for r in worst if r.loss_change > 0]),
):
    col.markdown(title)
    if rows:  # a wrapped table: a long prompt must not push the change out of view
        shown = [
            {
                "row": r.index + 1,
                **({"reply": r.reply or ""} if result.answer_at == "every" else {}),
                # Held-out texts have no prompt: the column says what it shows (helper 255's walk read "prompt")
                "prompt" if answered else "text": row_label(r, contexts.get(r.item)),
                "change": f"{r.loss_change:+.3f}",
            }
            for r in rows
        ]
        col.html(html_table(shown))
    else:
        col.caption("None.")
helped = [r.index for r in best if r.loss_change < 0] + [r.index for r in worst if r.loss_change > 0]
lines_said(info, helped)  # the rows just named, by their line in the file
csv_download(result, f"eval-{job_run}.csv")  # built on the click, not on each rerun

# ------------------------------------------------------------------------------------------------ per-token loss

st.subheader("Where the reference surprises each model")
# By row index; answered at every reply, by (row index, reply): an item each.
prompts = {r.index if r.reply is None else r.item: r for r in result.rows}  # labelled when shown (`_item`)
row_places = places_of(info, [r.index for r in result.rows])  # "line 9 of chats.jsonl", where the split keeps it


def _item(item: int | tuple[int, int]) -> str:
    """A Row picker's option: the row counted from 1, its line in the file, which reply (at every reply), prompt."""
    i, reply = (item, None) if isinstance(item, int) else item
    where = f" {in_brackets(row_places[i])}" if i in row_places else ""
    label = row_label(prompts[item], contexts.get(prompts[item].item))
    return f"{i + 1}{where}{f', reply {reply}' if reply is not None else ''}: {label[:90]}"


# Every item listed up to row_picker.LISTED_ROWS; beyond, a number box (10,000 labels were written at each click)
pick = pick_item(st, "Row", list(prompts), _item)
if pick is None:  # a number out of range: said under the box
    st.stop()
pick_row, pick_reply = (pick, None) if isinstance(pick, int) else pick
show_wait = wait_notice()

view = job.token_views.get(pick)  # scored once per item: a rerun (any box on the page) draws it again
if view is None:
    with user_errors("Could not score this row"):
        ms = job_models(job)  # the model, rows and template the job used, whatever is selected above now
        # Two forwards, in turn with a training run or other sessions (ftlib.lease); a wait is shown above.
        with lease.hold(ms.device, "evaluation", "a per-token view", on_wait=show_wait):
            view = job.token_views[pick] = E.token_losses(
                ms,
                job.rows[pick_row],
                result.adapter,
                template=job.kwargs.get("template", "tokenizer"),
                max_length=job.kwargs.get("max_length"),  # the tokens the table's losses are of
                split_long=job.kwargs.get("split_long", False),  # a bfd_split run's: in pieces, as evaluated
                answer_at=at,
                reply=pick_reply,  # answered at every reply: which
            )
        ms = None  # not kept with this run's globals (see `model_set = None` above)
# Its rows and its table's columns name the base as the numbers above do ("r7/merged loss"; "base" as published).
st.plotly_chart(kept_heatmap(heatmap_drawn_from(view), view, base_name), width="stretch")  # built once per drawing
chart_data.show(token_loss_table(view, base_name))  # the heatmap's numbers for the keyboard and a screen reader
heatmap_note = TEXT_HEATMAP_NOTE if is_text(job.rows[pick_row]) else HEATMAP_NOTE
# A bfd_split run's longer row, scored in the pieces training read it in (`Reference.split`): said under it
pieces = pieces_note(len(view.tokens), job.kwargs.get("max_length"), job.kwargs.get("split_long", False))
st.caption(f"{heatmap_note} {pieces}" if pieces else heatmap_note)
