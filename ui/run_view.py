"""Drawing one training run on the Train page: its state, progress, live numbers, charts and controls.

Everything shown is read from the run's folder (`ftlib.rundir.RunDir`) on each draw, so a refresh, a second tab
or a restarted server shows the same run. Only drawing here: the queue is `ftlib.runs`; the Export panel is
`ui.export_view`.
"""

from __future__ import annotations

import datetime as dt
import statistics

import pandas as pd
import streamlit as st

from ftlib import runs, workspace
from ftlib.errors import UserError
from ftlib.held_out_sets import different_rows_note
from ftlib.memory import human
from ftlib.methods import SFT_METHODS
from ftlib.overfitting import NO_LOSS_TREND, memorising_from, smoothed_loss
from ftlib.run_people import UNNAMED_BROWSER, started_by_another
from ftlib.run_picker import STATE_ICON, numbered_labels, run_named, run_option, state_icon, with_base
from ftlib.run_resume import reward_model_users_said
from ftlib.run_summary import LAST_STEP_HEADING
from ftlib.run_watch import GRACE
from ftlib.rundir import RunDir, RunSummary
from ui import alerts, chart_data
from ui.auth import browser_said, who
from ui.charts import chart_note, run_figures
from ui.common import os_failure, user_errors
from ui.labels import damaged_run_words, failed_run_words
from ui.run_choice import deleted_here, gone_words
from ui.run_rename_view import rename_control
from ui.tables import html_table

ACTIVE = ("queued", *runs.ACTIVE)
WATCHING = "train_watching"  # session key: the runs this session polls until they end
STOP_ERROR = "train_stop_error"  # session key: why the last Stop click failed, shown once
DELETED = "train_deleted"  # session key: the run the last Delete click removed, said once
SELECTED = "train_selected"  # session key: the run the picker shows
RUNS_SEEN = "train_runs_seen"  # session key: `runs.runs_changed_key()` when the page last listed the runs
CONFIRMING = "train_confirm_delete"  # session key: the run whose "Delete…" was clicked, asking for confirmation
STOP_ASKING = "train_confirm_stop"  # session key: another person's run whose Stop was clicked, asking first


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return str(dt.timedelta(seconds=int(seconds)))


def part_names(count: int) -> list[str]:
    """What each attempt of a run was, for the parts of its training time.

    >>> part_names(2)
    ['before the stop', 'after resuming']
    >>> part_names(3)
    ['before the first stop', 'after resume 1', 'after resume 2']
    """
    if count == 2:
        return ["before the stop", "after resuming"]
    return ["before the first stop"] + [f"after resume {i}" for i in range(1, count)]


def timing_text(info: RunSummary, train_started: float | None = None) -> str:
    """'0:02:31 in all', with the parts of a resumed run named: '0:02:31 in all (0:01:43 before the stop + 0:00:48
    after resuming)'. A run of one attempt whose status says when training began (`train_started`, epoch seconds; the
    model and data load before it) says the loading apart: '0:02:31 in all: 0:00:24 loading, 0:02:07 training', and
    '0:00:24 loading (no training yet)' while it has not begun. Each attempt's time counts from its process's start,
    its loading included: not "training" (a cold walk, h118: a stopped run read '0:00:39 in all: 0:00:17 loading,
    0:00:21 training', then '0:00:39 training' once resumed)."""
    # The time counts from the process's start: helper 78's walk read "0:00:24 training" while the model loaded.
    if len(info.parts_s) <= 1 and info.started:
        if train_started is not None and train_started >= info.started:  # this attempt's, not an earlier one's
            loading = min(info.duration_s, train_started - info.started)
            return (
                f"{fmt_seconds(info.duration_s)} in all: {fmt_seconds(loading)} loading, "
                f"{fmt_seconds(info.duration_s - loading)} training"
            )
        if info.state in runs.ACTIVE:  # started, training not begun
            return f"{fmt_seconds(info.duration_s)} loading (no training yet)"
    text = f"{fmt_seconds(info.duration_s)} in all"
    if len(info.parts_s) > 1:
        names = part_names(len(info.parts_s))
        text += " (" + " + ".join(f"{fmt_seconds(p)} {n}" for p, n in zip(info.parts_s, names, strict=True)) + ")"
    return text


def train_began(run) -> float | None:
    """When the run's latest attempt began training (epoch seconds, its status's `train_started`), None if unknown."""
    value = run.read_status().get("train_started")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def typical_speed(metrics: list[dict], key: str = "tokens_per_s") -> float | None:
    """The median tokens/s (`key`: read, or `trained_tokens_per_s`) of the logged training steps: one slow step (the
    first, the one a stop or a resume falls on) does not set the headline, as the latest step's value did."""
    speeds = [r[key] for r in metrics if r.get("kind") == "train" and r.get(key) is not None]
    return statistics.median(speeds) if speeds else None


def trained_share(metrics: list[dict]) -> float | None:
    """The share of the tokens read that were trained (labels not -100), over the latest attempt's steps so far
    (both counts start at 0 in each attempt); None where the run did not count them (ftlib.metrics)."""
    counted = [r for r in metrics if r.get("kind") == "train" and r.get("trained_tokens") is not None]
    last = counted[-1] if counted else None
    return last["trained_tokens"] / last["tokens"] if last and last.get("tokens") else None


def loss_headline(metrics: list[dict]) -> tuple[str, str, str] | None:
    """(label, value, help) of the training-loss headline: the mean of the last steps, the help saying how many (the
    runs table and the picker give the last step's own, which the help names); None before a step has a loss."""
    smoothed = smoothed_loss(metrics)
    if smoothed is None:
        return None
    mean, count = smoothed
    last = next(r for r in reversed(metrics) if r.get("kind") == "train" and r.get("loss") is not None)
    if count == 1:
        return f"Training loss, step {last['step']}", f"{mean:.4f}", "How wrong the model is on this step's rows."
    why = (
        f"Smoothed over the last {count} steps: the mean of their losses, since each step's loss is on that step's "
        "batch alone and jumps from batch to batch (the chart below shows every step). The last step's own (step "
        f"{last['step']}): {last['loss']:.4f}, the figure the runs table and the run picker show. How wrong the model "
        "is on the rows it trains on; lower is better."
    )
    # The smoothing is said in the help: "Training loss, smoothed over the last 10 steps" was cut off in the metric's
    # box at 1280 px (helper 78's walk).
    return "Training loss", f"{mean:.4f}", why


def loss_caption(metrics: list[dict]) -> str | None:
    """The words under the training-loss headline where it is a mean: "Mean of the last 10 steps · last step's loss
    0.1106", the figure the run picker and the runs table show, so the two read as what they are at a glance (a
    walk read "Training loss 0.3342" beside the picker's "last step's loss 0.1106" as two numbers for one thing);
    None where the headline is one step's own (its label says so) or before a step has a loss."""
    smoothed = smoothed_loss(metrics)
    if smoothed is None or smoothed[1] == 1:
        return None
    last = next(r for r in reversed(metrics) if r.get("kind") == "train" and r.get("loss") is not None)
    return f"Mean of the last {smoothed[1]} steps · last step's loss {last['loss']:.4f}"


HELD_OUT_HELP = (
    "The same on rows it never trains on (step {step}): the number that tells whether it learns something that "
    "carries over. It is the trainer's eval loss: each batch's mean over the tokens the run's mask policy trains "
    "(every reply, by default), averaged over batches, computed in the precision the run trained in (bfloat16 on a "
    "CPU that multiplies it natively, for a LoRA run). The Evaluate page counts every token of each row's last "
    "answer alike, in float32 on a CPU, so its number for the same rows differs; its loss caption says by what."
)
# The preference methods' loss is their own objective, not a loss over tokens (a cold review: KTO's and the reward
# model's held-out loss were explained as SFT's).
HELD_OUT_OBJECTIVES = {
    "dpo": "DPO's objective on the held-out pairs (with the default loss type, -log sigmoid(beta x how much more "
    "than the starting model it prefers the chosen answer): 0.693 at the start, lower as it prefers the chosen ones)",
    "reward": "the reward model's loss on the held-out pairs, -log sigmoid(chosen score - rejected score): 0.693 "
    "when it cannot tell them apart, lower as it scores the chosen answers above the rejected ones",
    "kto": "KTO's objective on the held-out answers (with the default loss type, 1 - sigmoid(beta x (how much "
    "likelier than at the start the model finds a good answer, less a KL estimate)), the reverse for bad answers, "
    "each answer's loss times its weight: {start}, lower as good answers gain and bad ones lose)",
}


def kto_start(weights: tuple[float, float] | None) -> str:
    """KTO's held-out objective before training, said for the run's (desirable_weight, undesirable_weight): TRL
    multiplies each answer's loss, 0.5 while the model is the starting one, by its weight (`KTOTrainer.kto_loss`), so
    the start is 0.5 x the answers' mean weight: between half the smaller weight and half the larger.

    >>> kto_start((2.0, 3.0))
    'between 1 and 1.5 at the start (half the weights, 2 for good answers and 3 for bad, mixed by their shares)'
    """
    if weights is None:
        return "0.5 at the start when both weights are 1"
    good, bad = (float(w) for w in weights)
    if good == bad:
        return f"{0.5 * good:g} at the start (both weights are {good:g})"
    low, high = sorted((0.5 * good, 0.5 * bad))
    return (
        f"between {low:g} and {high:g} at the start (half the weights, {good:g} for good answers and {bad:g} for "
        "bad, mixed by their shares)"
    )


def held_out_help(method: str | None, step: int, kto_weights: tuple[float, float] | None = None) -> str:
    """The held-out loss's help: what the number is for this run's method (KTO's start from the run's weights)."""
    step = "0, before training" if step == 0 else step  # its tile says only "(at start)"
    if method in HELD_OUT_OBJECTIVES:
        said = HELD_OUT_OBJECTIVES[method].replace("{start}", kto_start(kto_weights))
        return (
            f"The same on rows it never trains on (step {step}): whether what it learns carries over. It is "
            f"{said}. The Evaluate page measures the run otherwise."
        )
    return HELD_OUT_HELP.format(step=step)


# Under the numbers, once an SFT run's held-out loss shows (the alignment methods' loss is their own objective): the
# Evaluate page's loss of the same rows and run differs, and a hover-only help left users comparing the two.
HELD_OUT_NOTE = (
    "Held-out loss: over every reply the run trains in its held-out rows (the mask policy's, the trainer's mean). "
    "The Evaluate page's loss counts only each row's last answer, so the two differ for the same rows."
)


REWARD_HELP = "The mean total reward of this step's answers."


def reward_help(row: dict) -> str:
    """The Reward number's help: `REWARD_HELP`, and where `row` (a step's metrics) has a spread, that it is the line
    under the number (`spread_said`); a step logged without one (no `reward_std`) shows none under it."""
    return REWARD_HELP + (" Their spread is the line under the number." if row.get("reward_std") is not None else "")


def spread_said(std: float) -> str:
    """The line under a step's mean reward: its spread over the step's answers (TRL's `reward_std`, their standard
    deviation). Under the number, not in it: "0.087 ± 0.319" was cut to "0.087 ± 0..." in a quarter of a 1280 px
    window (helper 202's walk).

    >>> spread_said(0.3187)
    "± 0.319 over the step's answers (their standard deviation)"
    """
    return f"± {std:.3f} over the step's answers (their standard deviation)"


def live_numbers(
    metrics: list[dict],
    method: str | None = None,
    kept_step: int | None = None,
    kto_weights: tuple[float, float] | None = None,
) -> None:
    """The training loss (the mean of the last steps) and speed, and the latest held-out loss (MFU is for engineers,
    below); for a run whose early stopping kept an earlier checkpoint (`kept_step`), that checkpoint's. GRPO's loss
    is a surrogate that means nothing to a person: its headline is the mean reward, on the step's own answers and on
    held-out prompts. `kto_weights`: a KTO run's (desirable_weight, undesirable_weight), which set its start."""
    last = next((row for row in reversed(metrics) if row.get("kind") == "train"), None)
    if last is None:
        return
    evals = [row for row in metrics if row.get("kind") == "eval"]
    kept = [row for row in evals if kept_step is not None and row.get("step") == kept_step]
    held_out = (kept or evals or [None])[-1]
    grpo = method == "grpo"
    said_held_out = False
    # Until the first evaluation of a run the latest is step 0's, the starting model's: named so beside live numbers.
    # "(at start)", not "(before training)": that was cut off in its tile at 1280 px ("Held-out loss (before
    # traini...", helper 255's walk); the help says "before training" in full.
    before = " (at start)" if held_out is not None and held_out.get("step") == 0 else ""
    before = f" (kept, step {kept_step})" if kept else before
    c1, c2, c3, c4 = st.columns(4)
    if grpo and last.get("reward") is not None:
        c1.metric("Reward", f"{last['reward']:.3f}", help=reward_help(last))
        if last.get("reward_std") is not None:
            c1.caption(spread_said(last["reward_std"]))
    elif not grpo and (headline := loss_headline(metrics)) is not None:
        label, value, why = headline
        c1.metric(label, value, help=why)
        if said := loss_caption(metrics):
            c1.caption(said)
    if grpo and held_out is not None and held_out.get("eval_reward") is not None:
        c2.metric(
            f"Held-out reward{before}",
            f"{held_out['eval_reward']:.3f}",
            help="The mean total reward of its answers to prompts it never trains on (step "
            f"{held_out['step'] or '0, before training'}): whether what it learns carries over.",
        )
    elif not grpo and held_out is not None and held_out.get("eval_loss") is not None:
        c2.metric(
            f"Held-out loss{before}",
            f"{held_out['eval_loss']:.4f}",
            help=held_out_help(method, held_out["step"], kto_weights),
        )
        said_held_out = method in (*SFT_METHODS, None)  # the alignment methods' loss is their own objective
    speed, trained = typical_speed(metrics), typical_speed(metrics, "trained_tokens_per_s")
    share = trained_share(metrics)
    if speed is not None:
        c3.metric(
            "Tokens per second",
            f"{speed:,.0f}",
            help="Tokens the model reads per second, prompt and answer alike: the median over the steps so far (each "
            "step's own value is in the chart below), so one slow step does not set it. Time spent evaluating and "
            "saving checkpoints is not counted.",
        )
    if trained is not None and share is not None:
        c4.metric(
            "Trained tokens per second",
            f"{trained:,.0f}",
            help=f"Of the tokens read, those the loss is computed on (labels not -100: the replies the model learns "
            f"to write); {share:.0%} of the tokens read so far. The median over the steps, as beside.",
        )
    # The alignment methods' headline numbers (see ftlib.metrics); GRPO's reward is above. A training step's accuracy
    # is of its few pairs: said so, with the held-out one beside it (a cold review: a reward model right on every
    # held-out pair showed "Accuracy 0.000", its last step's batch).
    pairs = "Share of pairs whose chosen answer scored above the rejected one"
    dpo_pairs = "Share of pairs whose chosen answer the model made likelier than the rejected one (against the start)"
    evaluated = held_out or {}
    # Before training DPO's model is its own reference: every pair's two rewards are 0, none ahead, so this reads 0%
    # (a newcomer's walk read "Held-out reward accuracy 0%" beside "Held-out loss (before training)" as a model
    # preferring every wrong answer).
    start = " Before training the model is its own reference, so no pair is ahead yet: 0%."
    start = start if evaluated.get("step") == 0 else ""
    dpo_held_out = f"{dpo_pairs}, in the held-out pairs.{start}"
    extra = [
        ("Accuracy (last step)", last, "accuracy", f"{pairs}, in the last training step's pairs.", None),
        ("Held-out accuracy" + before, evaluated, "eval_accuracy", f"{pairs}, in the held-out pairs.", None),
        ("Reward accuracy (last step)", last, "reward_accuracy", f"{dpo_pairs}, in the last step's pairs.", None),
        ("Held-out reward accuracy" + before, evaluated, "eval_reward_accuracy", dpo_held_out, None),
        # KTO's estimate is a batch mean clamped at 0 (TRL's KTOTrainer), so it reads 0 while it is below.
        (
            "KL",
            last,
            "kl",
            "How far the model has moved from where it started, estimated on this step's rows (0 = "
            "not at all; KTO's estimate stops at 0, so it can read 0 while the model moves a little).",
            None,
        ),
    ]
    if not grpo:
        extra.insert(
            0,
            ("Reward", last, "reward", reward_help(last), "reward_std"),
        )
    shown = [(n, row, k, h, s) for n, row, k, h, s in extra if row.get(k) is not None]
    for column, (name, row, key, why, spread) in zip(st.columns(len(shown)) if shown else [], shown, strict=True):
        share = "accuracy" in key  # a share of pairs: a percentage, as the run picker says it
        # KL starts near 0 and grows slowly (GRPO's: 4e-5 to 4e-4): significant digits, never "0.000" when it is not 0.
        text = f"{row[key]:.0%}" if share else f"{row[key]:.3g}" if key == "kl" else f"{row[key]:.3f}"
        column.metric(name, text, help=why)
        if spread and row.get(spread) is not None:
            column.caption(spread_said(row[spread]))
    if said_held_out:
        st.caption(HELD_OUT_NOTE)


def engineer_numbers(metrics: list[dict], figures: list, run_id: str) -> None:
    """Model FLOPs utilization and the charts only an engineer reads, folded away."""
    last = next((row for row in reversed(metrics) if row.get("kind") == "train"), None)
    if not figures and (last is None or last.get("mfu") is None):
        return
    with st.expander("For engineers: gradient size, MFU"):
        if last is not None and last.get("mfu") is not None:
            st.metric(
                "MFU",
                f"{last['mfu']:.1%}",
                help="Model FLOPs utilization: the FLOPs the model needs for these tokens over the matmul peak "
                "measured on this device, in the dtype the products run in, when the run started (a machine busy "
                "then measures a low peak, and MFU reads high). A prompt that rows share (DPO's pairs) is computed "
                "once on a CPU but counted for each row.",
            )
        charts(figures, run_id)


def charts(figures: list, run_id: str) -> None:
    for i in range(0, len(figures), 2):
        for col, fig in zip(st.columns(2), figures[i : i + 2], strict=False):
            # No plotly toolbar: it would sit over the legend; dragging still zooms, a double click resets.
            col.plotly_chart(
                fig, width="stretch", key=f"chart_{run_id}_{fig.layout.title.text}", config={"displayModeBar": False}
            )
            if note := chart_note(fig):
                col.caption(note)
            chart_data.show(fig, where=col)  # its numbers for the keyboard and a screen reader (hover only)


def _stop(run_id: str) -> None:
    """The Stop button's callback: it runs before the redraw, so the page already shows 'Stopping…'."""
    try:
        # The signed-in person, where there is one; else a browser that named no one, which a teammate's page says
        # ("stopped in a browser by someone not signed in"; on a server with no sign-in, "stopped in a browser (this
        # server has no sign-in)": ui.auth.browser_said) rather than a bare "Stopped at step 4".
        runs.stop(run_id, by=who() or UNNAMED_BROWSER)
    except UserError as exc:
        st.session_state[STOP_ERROR] = f"Could not stop the run: {exc}"
    except OSError as exc:  # a workspace this server's account may not write (README: Running it for a team)
        st.session_state[STOP_ERROR] = f"Could not stop the run: {os_failure(exc)}"


def _ask_stop(run_id: str) -> None:
    """Stop's callback on a run another signed-in person started: the question shows under this run first."""
    st.session_state[STOP_ASKING] = run_id


def _stop_asked(run_id: str) -> None:
    st.session_state.pop(STOP_ASKING, None)
    _stop(run_id)


def _cancel_stop() -> None:
    st.session_state.pop(STOP_ASKING, None)


def stop_confirmation(info: RunSummary, owner: str) -> None:
    """The row that asks before another person's run is stopped (`owner`: who started it), naming it as the picker
    does (`run_picker.run_named`: its "#2" among runs of one label too); one's own run stops at one click."""
    # As runs.stop does it: a queued run leaves the queue, having no step to save (a review found the question saying
    # "saves a checkpoint after its current step" of a run that had not started).
    what = (
        "It leaves the queue before it starts; Resume puts it back"
        if info.state == "queued"
        else "It saves a checkpoint after its current step and ends; it can be resumed from there"
    )
    named = run_named(info.id)  # None: its folder gone meanwhile (the picker drops it at the next poll)
    with st.container(border=True):
        st.warning(
            f"Stop {owner}'s run `{named[0] if named else with_base(info, info.template)}`? {what}, and its page says "
            "you stopped it.",
            icon=alerts.WARNING,
        )
        yes, no, _ = st.columns([3, 1, 2])
        yes.button("Stop it", key=f"stop_yes_{info.id}", type="primary", on_click=_stop_asked, args=(info.id,))
        no.button("Cancel", key=f"stop_cancel_{info.id}", on_click=_cancel_stop)


def _still_there(run_id: str) -> bool:
    try:
        runs.find(run_id)
    except runs.RunError:
        return False
    return True


def _ask_delete(run_id: str) -> None:
    """The "Delete…" button's callback: the confirmation row shows under this run, and only while it is shown."""
    st.session_state[CONFIRMING] = run_id


def _cancel_delete() -> None:
    st.session_state.pop(CONFIRMING, None)


def _delete(run_id: str) -> None:
    """The confirmation's callback: it runs before the redraw, so the picker no longer offers the run. Whatever
    happens, the confirmation closes: the picker may show another run next, and it must not open under it."""
    st.session_state.pop(CONFIRMING, None)
    try:
        # Named to a session that had it open (`gone_note`): the person, or a browser without identity, as a stop is.
        runs.delete(run_id, by=who() or UNNAMED_BROWSER)
    except (UserError, OSError) as exc:
        if not _still_there(run_id):  # deleted meanwhile elsewhere: `gone_note` says so, in a browser's words
            return
        said = os_failure(exc) if isinstance(exc, OSError) else exc
        st.session_state[STOP_ERROR] = f"Could not delete the run: {said}"
        return
    st.session_state.pop(SELECTED, None)
    st.session_state[DELETED] = run_id
    deleted_here(run_id)  # said by `deleted_note`: Compare and Evaluate do not tell this session again


def rerun_if_deleted() -> None:
    """While nothing runs (the runs section does not poll): the whole page again once the run shown is no longer on
    disk (deleted by a teammate, in another tab or with the CLI), so `gone_note` says so then, not at the next click;
    or once any run was created, deleted, started, stopped, resumed or ended since the page listed them
    (`runs.runs_changed_key`, kept under `RUNS_SEEN` by the page), so a run queued or resumed elsewhere is followed
    live here too. Stats only, nothing drawn: cheap enough to poll every few seconds."""
    shown = st.session_state.get(SELECTED)
    # Gone as the runs section lists runs (`RunDir.exists`, its folder by name), not as `runs.find` takes an id: a
    # folder named by hand ("exp 1 (copy)") is listed and shown, but no id `find` takes: it redrew the page each poll.
    if shown and not RunDir(workspace.runs_dir() / shown).exists():
        st.rerun()
    # A second tab left on a finished run showed a teammate's resumed run as "stopped — resumable" until a click,
    # after it had finished (helper 174's walk): nothing polled while nothing ran here.
    seen = st.session_state.get(RUNS_SEEN)
    if seen is not None and runs.runs_changed_key() != seen:
        st.rerun()


def deleted_note() -> None:
    """Once, after a Delete click: which run went."""
    if DELETED in st.session_state:
        st.success(f"Deleted run `{st.session_state.pop(DELETED)}` and everything in its folder.", icon=alerts.SUCCESS)


def gone_note(run_ids) -> None:
    """Once: the run this session showed is no longer there (deleted by a teammate, in another tab or with the CLI),
    so the picker shows another one; said before it does, in a browser user's words, naming who deleted it where the
    workspace's removals log knows (`ui.run_choice.gone_words`, which Compare and Evaluate say it with too)."""
    shown = st.session_state.get(SELECTED)
    if shown and shown not in run_ids:
        st.session_state.pop(SELECTED)
        st.session_state.pop(CONFIRMING, None)
        if said := gone_words(shown):  # "" once Compare or Evaluate said it
            st.warning(said, icon=alerts.WARNING)


def controls(info: RunSummary) -> None:
    # One button at a time (Stop, Stopping… or Resume), always in the first column: Resume sat one column in.
    b1, b2, b3 = st.columns([2, 2, 3])  # [1, 1, 4] cut "Delete…" to "Dele…" at 800 px
    if STOP_ERROR in st.session_state:
        st.error(st.session_state.pop(STOP_ERROR), icon=alerts.ERROR)
    # Another signed-in person's run asks first, as Delete… does; one's own run (or nobody known) stops at one click.
    owner = started_by_another(workspace.runs_dir() / info.id, who()) if info.state in ("queued", "running") else ""
    if st.session_state.get(STOP_ASKING, info.id) != info.id or not owner:
        st.session_state.pop(STOP_ASKING, None)  # another run shown, or this one no longer stoppable
    if info.state in ("queued", "running"):
        b1.button(
            "Stop",
            key=f"stop_{info.id}",
            help="Saves a checkpoint after the current step; resume later."
            + (f" Asks first: {owner} started this run." if owner else ""),
            on_click=_ask_stop if owner else _stop,
            args=(info.id,),
        )
        if st.session_state.get(STOP_ASKING) == info.id:
            stop_confirmation(info, owner)
    elif info.state == "stopping":
        b1.button(
            "Stopping…",
            key=f"stopping_{info.id}",
            disabled=True,
            help="The run saves a checkpoint after its current step, then ends.",
        )
        b2.button(
            "Stop now",
            key=f"stop_now_{info.id}",
            help="Ends the run's processes at once, without saving the step under way (for a run that never reaches "
            f"the end of a step, e.g. waiting for another machine: one still there {GRACE:g} s later is killed). "
            "Resume continues from the last checkpoint saved (from the beginning if there is none).",
            on_click=_stop,
            args=(info.id,),
        )
    if info.resumable and b1.button("Resume", key=f"resume_{info.id}", help="Continues from the last checkpoint."):
        with user_errors("Could not resume the run"):
            runs.resume(info.id, by=who() or UNNAMED_BROWSER)
        st.rerun()
    if st.session_state.get(CONFIRMING, info.id) != info.id:
        st.session_state.pop(CONFIRMING)  # asked for another run: switching runs closes the confirmation
    if info.state in (*runs.DONE, "unknown"):  # "unknown": its status.json does not read; delete refuses while it runs
        # Two clicks: "Delete…" opens a confirmation that names this run and belongs to it (a popover stayed open
        # when the picker moved to another run, its button under the pointer: walk 8B #3).
        # In the first free column: beside Resume, else first (alone in the second it sat after an empty gap).
        (b2 if info.resumable else b1).button(
            "Delete…",
            key=f"delete_ask_{info.id}",
            help="Remove this run and its folder from the server (asks first).",
            on_click=_ask_delete,
            args=(info.id,),
        )
        if st.session_state.get(CONFIRMING) == info.id:
            delete_confirmation(info.id)
    # In any state (the name trains nothing), in the first free column: no gap before it, as Delete… sits
    first = info.state in ("queued", "running", "stopping", *runs.DONE, "unknown") or info.resumable
    second = info.state == "stopping" or (info.resumable and info.state in (*runs.DONE, "unknown"))
    rename_control(b3 if second else b2 if first else b1, info)  # ui.run_rename_view


def delete_confirmation(run_id: str) -> None:
    """The row that asks before a run is deleted, naming it on the question and on the button."""
    # The GRPO runs that score with it (a reward model), as `runs delete` warns: not "nothing else changes".
    users = reward_model_users_said(run_id)
    with st.container(border=True):
        st.warning(
            f"Delete run `{run_id}` for good? Its result, checkpoints, charts and log go, and any merged model or "
            "zip made for a download. Teammates lose it too" + (f". {users}" if users else "; nothing else changes."),
            icon=alerts.WARNING,  # a warning's symbol, as every warning box (ui.alerts); the buttons say Delete
        )
        yes, no, _ = st.columns([3, 1, 2])
        yes.button(f"Delete {run_id}", key=f"delete_{run_id}", type="primary", on_click=_delete, args=(run_id,))
        no.button("Cancel", key=f"delete_cancel_{run_id}", on_click=_cancel_delete)


def run_caption(label: str, phase: str, message: str, people: str, queued: bool = False) -> str:
    """The line under a run's heading: its label, phase, message and who started it and acted on it since ("started
    by ana@example.com · stopped by ..."), each left out where empty. A queued run's message names the runs ahead and
    who started them, so its own people come before it: after it, "... (running, started by ana). · started by ana"
    read as one run's starter said twice.

    >>> run_caption("r · lora", "queued", "Queued: 2nd in line, after a (training, started by bob).", "started by ana",
    ...             queued=True)
    'r · lora · queued · started by ana · Queued: 2nd in line, after a (training, started by bob).'
    >>> run_caption("r · lora", "", "Done.", "started by ana")
    'r · lora · Done. · started by ana'
    """
    parts = (label, phase, people, message) if queued else (label, phase, message, people)
    return " · ".join(x for x in parts if x)


def said_once(phase: str, message: str, state: str) -> str:
    """A run's status message, or "" where it only repeats its phase or its state, both shown beside it (the worker
    writes "Starting." under the phase "starting", "Running." and "Finished." under headings that say the state;
    helper 78's walk read "starting · Starting.").

    >>> said_once("starting", "Starting.", "running"), said_once("loading model and data", "Running.", "running")
    ('', '')
    >>> said_once("", "Stopped at step 3.", "interrupted")
    'Stopped at step 3.'
    """
    bare = message.strip().rstrip(".").strip().lower()
    return "" if bare and bare in (phase.strip().lower(), state.strip().lower()) else message


def show_run(run_id: str) -> None:
    """Status, progress, charts and controls of one run (drawn inside a polling fragment while it is active)."""
    try:
        stale = runs.refresh_runs()  # notices a dead process and starts the next queued run ("" unless read-only)
        run = runs.find(run_id)
    except runs.RunError as exc:
        st.warning(str(exc), icon=alerts.WARNING)
        return
    info, metrics, config = run.summary(), run.read_metrics(), run.read_config()
    method = config.get("method")
    st.markdown(f"#### {state_icon(info)} `{run_id}` — {info.state_text}")
    # What comes and goes between two polls of a run sits in a container, one slot of the section said or not (here,
    # the live numbers and the charts below): every element after it keeps its place (why: above `controls`).
    with st.container():
        if stale:
            st.caption(stale)
        for said in info.unreadable:  # a damaged file of the run: which, and what to do (its buttons, not the CLI's)
            st.warning(damaged_run_words(said), icon=alerts.WARNING)
    # A queued run: where it is in line and behind what, rather than "Waiting for its turn."
    # A failed run's message is the red box under the controls: not here as well; a damaged run's is the warning.
    message = runs.queue_place(run_id) if info.state == "queued" else "" if info.state == "failed" else info.message
    message = "" if message in info.unreadable else message
    # The selected run names its base model even where the picker's labels leave it out (every run on one model).
    label = with_base(info, info.template, show_model=True)
    message = said_once(info.phase, message, info.state)  # not "starting · Starting." nor "training · Running."
    people = browser_said(info.people_text)  # "stopped in a browser (this server has no sign-in)" where none is set
    st.caption(run_caption(label, info.phase, message, people, queued=info.state == "queued"))
    if info.state in ACTIVE or info.max_steps:
        # Past the last step (its held-out evaluation, saving) the phase says what is left, not "about 0:00:00 left".
        going = info.eta_s is not None and info.step < (info.max_steps or 0)
        eta = f" · about {fmt_seconds(info.eta_s)} left" if going else ""
        # A queued run has not trained yet: no "0:00:00 training" (a resumed one's earlier time still shows).
        timing = "" if info.state == "queued" and not info.duration_s else f" · {timing_text(info, train_began(run))}"
        st.progress(float(info.progress), text=f"step {info.step} of {info.max_steps or '?'}{timing}{eta}")
    with st.container():  # nothing before the first training step, then its numbers: one slot (see above)
        weights = (config.get("desirable_weight", 1.0), config.get("undesirable_weight", 1.0))
        live_numbers(metrics, method, info.kept_step, weights if method == "kto" else None)
        peak_memory_note(info)
        went_wrong = info.divergence
        if went_wrong is not None:
            text = went_wrong.sentence()
            st.warning(
                f"{text[0].upper()}{text[1:]} (A new run starts from this one's settings: lower its learning rate "
                "there.) This run's result is "
                "likely worse than the model it started from.",
                icon=alerts.WARNING,
            )
    # In one slot of the section, whatever they hold (the Rename box, a Stop or Delete question, what a click did):
    # the run's charts after them keep their places in the section. A click that opened one moved them down, and a
    # chart unchanged since the last poll is sent as a reference to the browser's cache, which the next poll's start
    # keeps while it drops the click's other elements (ui/fragments.py): it landed in the block the browser held there.
    with st.container():
        controls(info)
    if info.state == "failed" and info.message not in info.unreadable:  # a damaged config is said above
        st.error(failed_run_words(info.message), icon=alerts.ERROR)  # the worker's words are the CLI's
    if info.state in ("failed", "interrupted") and info.log_tail:
        with st.expander("Last log lines"):
            st.code("\n".join(info.log_tail))
    # The charts in one slot: a chart with no points is left out (ui.charts.run_figures), so at the first training
    # step after the step-0 held-out score their rows, and the engineers' fold, appear; the Export panel, the runs
    # table and Compare runs (whose unchanged chart goes as a reference) stay where the browser holds them.
    with st.container():
        if metrics:
            plain, engineers = run_figures(metrics, dpo=method == "dpo", method=method)
            # GRPO's held-out loss is its surrogate's: rising or falling, it does not say the model memorises.
            turn = None if method in NO_LOSS_TREND else memorising_from(metrics)
            if turn is not None:
                st.warning(
                    f"{turn.sentence()} More steps would make it worse on new text. **Early stopping (patience)** "
                    "in the settings stops there and keeps the best checkpoint as the result.",
                    icon=alerts.WARNING,
                )
            charts(plain, run_id)
            engineer_numbers(metrics, engineers, run_id)
        elif info.state in ACTIVE:
            st.caption("The first numbers appear after the first training step.")
    if method == "grpo":
        from ui.alignment_view import completions_table, step_reward_parts

        with st.container():  # none before the first step's answers: one slot, as the charts are
            step_reward_parts(config.get("rewards") or [], metrics, info.kept_step)  # the Reward metric, by reward
            completions_table(run)
    watching = st.session_state.setdefault(WATCHING, set())
    if info.state in ACTIVE:
        watching.add(run_id)
    elif run_id in watching:
        watching.discard(run_id)
        st.rerun()  # once: stop polling and show the finished run's exports


PEAK_MEMORY_HELP = {
    "cpu": "Measured while the run trains: the training process's peak resident memory so far, as the operating "
    "system counts it. That includes what Python, torch and the tokenizer hold before training starts (about 0.6 "
    "GB), which the estimate counts too (its Libraries part).",
    "gpu": "Measured while the run trains: the most GPU memory torch has allocated so far (what the estimate counts), "
    "and reserved (allocated plus the allocator's cache, what other programs on the GPU cannot use).",
}


def peak_memory_note(info: RunSummary) -> None:
    """The run's measured peak memory beside the estimate it was started with; nothing before its first logged step,
    or for a run from before peaks were recorded."""
    if info.memory_text:
        gpu = info.peak_memory_reserved is not None
        st.caption(info.memory_text, help=PEAK_MEMORY_HELP["gpu" if gpu else "cpu"])


def run_options(infos: list[RunSummary], labels: dict[str, str]) -> dict[str, str]:
    """`run_option` for each run by id (`labels`: `ftlib.run_picker.train_labels`), runs with equal labels (two queued
    the same minute on the same data) numbered "#1", "#2"... from the oldest, the number beside the label as the runs
    table and the queue say it ("✅ lora · chat_style · Dec 06 17:16 #2 — 40 steps · ..."; `numbered_labels`): the
    picker keeps a choice by its text, so equal texts left one run unpickable."""
    names = numbered_labels(infos, labels)
    return {info.id: run_option(info, names[info.id]) for info in infos}


# The runs table's column of each run's last training value: the last step's own, where the Train page's headline
# averages the last steps ("Training loss, last 10 steps"); `runs list` heads its column with the same words.
TRAINING_COLUMN = LAST_STEP_HEADING
RUN_LABEL_FITS = 30  # characters of a run's label its column shows on one line
WRAPPING_ROW_HEIGHT = 72  # px: above 4rem, Streamlit wraps a long cell (three lines of a label fit)


def runs_table(rows: list[RunSummary], labels: dict[str, str]) -> None:
    """Every run, one row each, named as the picker names it (`labels`: `ftlib.run_picker.train_labels`): what it is
    judged by (a loss; GRPO's mean reward, a reward model's accuracy) at its last step and held-out evaluation, "-"
    where it has none (a failed run that never trained)."""
    # Named as the picker names it, its number included: two runs queued the same minute on the same data and
    # ended alike read as one row twice ("lora · chat_style · Dec 06 17:02" on three rows, a newcomer's walk).
    names = numbered_labels(rows, labels)
    table = pd.DataFrame(
        [
            {
                "run": names[r.id],
                "state": f"{state_icon(r)} {r.state_text}",
                "steps": f"{r.step}/{r.max_steps or '?'}",
                "training time": "-" if r.state == "queued" and not r.duration_s else fmt_seconds(r.duration_s),
                TRAINING_COLUMN: r.train_text,
                "held-out": r.eval_text,
                "started by": r.started_by or "-",
                "training loss": r.train_loss,
                "held-out loss": r.eval_loss,
                "id": r.id,
            }
            for r in rows
        ]
    )
    # Widths in pixels, wide enough for the longest value ("⏸️ stopped — resumable"): a cut word misleads. The run
    # id and the raw losses are in the table's data (tests, a copy) but not shown: the heading above names the
    # selected run's id, and "training" / "held-out" say each run's numbers in words.
    widths = {"run": 230, "state": 180, "steps": 70, "training time": 110, TRAINING_COLUMN: 150, "held-out": 140}
    widths |= {"started by": 180}  # an e-mail, or an OS account with "(command line)"
    helps = {
        TRAINING_COLUMN: "At the last step: the loss (lower is better); for GRPO the mean reward of its answers, for "
        "a reward model the share of pairs it ranks right (higher is better).",
        "held-out": "The same on the held-out rows, at the last evaluation.",
    }
    config = {name: st.column_config.TextColumn(width=w, help=helps.get(name)) for name, w in widths.items()}
    hidden = ("id", "training loss", "held-out loss", *(() if any(r.started_by for r in rows) else ("started by",)))
    order = [c for c in table.columns if c not in hidden]  # who started each run: shown once some run recorded it
    # A run's label is often longer than its column ("lora · ChatML + tools (Hermes) template · chat_tools · Dec 03
    # 08:58" was cut at "…templat"): rows taller than 4rem let Streamlit wrap a cell, so each shows whole.
    tall = any(len(label) > RUN_LABEL_FITS for label in table["run"])
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config=config,
        column_order=order,
        row_height=WRAPPING_ROW_HEIGHT if tall else None,
    )
    if different := different_rows_note(rows, labels):
        st.caption(different)


def memory_panel(est, longest: int, answer_tokens: int = 0) -> None:
    """The memory estimate for the current settings, as a headline and a table of its parts. `longest`: the longest
    row in tokens; `answer_tokens`: what a GRPO run writes after each prompt (its max answer length; 0 otherwise)."""
    c1, c2 = st.columns([1, 2])
    with c1:
        st.metric(
            "Estimated peak memory" + (f" per {est.per}" if est.processes > 1 else ""),
            human(est.total),
            help="About this much: weights + gradients + optimizer state + activations, for the longest batch of "
            "this dataset, plus the libraries on a CPU (the whole process) or the CUDA context on a GPU.",
        )
        where = "GPU memory" if est.device.startswith("cuda") else "free RAM"
        if est.fits is False:
            st.error(est.too_big(), icon=alerts.ERROR)
        elif est.fits:
            shared = f"its {est.sharing} processes ({human(est.total * est.sharing)}) in " if est.sharing > 1 else ""
            st.success(f"Fits: {shared}{human(est.available)} of {where} on {est.device}.", icon=alerts.SUCCESS)
        # A GRPO row is a prompt: its sequences are the prompt and an answer up to the max answer length, which the
        # estimate counts (ftlib.memory); "longest sequence 21 tokens" for 21 + 64 misread the table (helper 151).
        longest_said = (
            f"longest prompt {longest} tokens, each answer up to {answer_tokens} more "
            f"({longest + answer_tokens} in all)"
            if answer_tokens
            else f"longest sequence {longest} tokens"
        )
        st.caption(f"{est.trainable / 1e6:.2f}M of {est.params / 1e6:.0f}M parameters trained; {longest_said}.")
    with c2:
        rows = [
            {"part": part, "memory": human(n), "share": f"{n / max(est.total, 1):.0%}", "what it holds": what}
            for part, n, what in est.rows()
        ]
        st.html(html_table(rows, widths={"part": "8em", "memory": "6em", "share": "4em"}))


__all__ = [
    "ACTIVE",
    "RUNS_SEEN",
    "STATE_ICON",
    "charts",
    "controls",
    "engineer_numbers",
    "gone_note",
    "fmt_seconds",
    "live_numbers",
    "loss_headline",
    "memory_panel",
    "part_names",
    "peak_memory_note",
    "rerun_if_deleted",
    "run_option",
    "runs_table",
    "show_run",
    "state_icon",
    "timing_text",
    "trained_share",
    "typical_speed",
]
