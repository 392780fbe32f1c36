"""The Evaluate page's words on its choices (the boxes above a result): which choices of a kept result differ from
those the boxes hold now, named one by one, and about how long pressing **Evaluate** takes with them; and its
"Thinking" toggle (`thinking_choice`), drawn only for a run whose chat template has the switch, starting as the run
trained (`ftlib.run_thinking`); and the evaluation of a run started last on this server, which a session opening the
run follows while it runs (`follow_running`: a reload or another tab shows its choices and progress).

A choice is a key of `ftlib.eval_results.BOX_CHOICES` ("answer_at" absent: the default "last"); the rows' digest
follows the row count and is never said. Not known here: measuring, the page's layout.
"""

from __future__ import annotations

import time
import weakref

import streamlit as st

from ftlib import eval_results as K
from ftlib.decoding import ANSWER_BATCH
from ftlib.errors import UserError, plural
from ftlib.model_prompts import thinking_default, thinking_writes
from ftlib.references import ANSWER_AT, check_references
from ftlib.rows import row_kind
from ftlib.run_picker import age_words
from ftlib.run_thinking import thinking_start
from ui.auth import who
from ui.common import cached_tokenizer
from ui.compare_view import duration, thinking_caption
from ui.inputs import thinking_toggle
from ui.kept import KEPT
from ui.labels import skipped_words

# The rows box starts at the first FIRST_ROWS rows, where `python -m ftlib evaluate RUN` takes every row (--limit N
# takes the first N): a click in the browser waits for its answers, a few seconds a row on a CPU, and 10,000 held-out
# rows would be hours unasked. The boxes' help says so (FIRST_ROWS_SAID).
FIRST_ROWS = 20
FIRST_ROWS_SAID = (
    f"It starts at the first {FIRST_ROWS}; `python -m ftlib evaluate RUN` takes every one (--limit N: the first N)."
)


def _noun(key: dict) -> str:
    """What a key's items are: held-out rows, a reward model's pairs, a GRPO run's prompts."""
    return {"pairs": "pair", "answers": "prompt"}.get(str(key.get("kind")), "row")


# A kept result asked with no thinking switch given (before the Thinking toggle, or by `evaluate` where the template's
# own setting could not be read) where the toggle names one now: no box brings it back.
_TEMPLATES_OWN = "with the chat template's own thinking setting, not the Thinking toggle's"


def _reply(at: str) -> str:
    """`at` of `ANSWER_AT` in words after "at": "the last reply", "every reply"."""
    return ANSWER_AT.get(at, at)


def differing_choices(shown: dict, current: dict) -> list[str]:
    """The choices of the box keys `shown` (a kept result's) that differ from `current` (the boxes now), each as
    "with 3 rows, not 5" or "at the last reply, not the first", in the boxes' order; the ones that match are not
    named.

    >>> differing_choices({"limit": 3, "max_new_tokens": 64, "batch_size": 8},
    ...                   {"limit": 3, "max_new_tokens": 64, "batch_size": 8, "answer_at": "first"})
    ['at the last reply, not the first']
    >>> differing_choices({"limit": 3, "max_new_tokens": 64, "batch_size": 8, "answer_at": "every"},
    ...                   {"limit": 5, "max_new_tokens": 32, "batch_size": 4})  # doctest: +NORMALIZE_WHITESPACE
    ['with 3 rows, not 5', 'with 64 max new tokens, not 32', 'with 8 rows per batch, not 4',
     'at every reply, not the last']
    """
    noun = _noun(shown)
    said = []
    if shown.get("limit") != current.get("limit"):
        said.append(f"with {plural(int(shown.get('limit') or 0), noun)}, not {current.get('limit')}")
    if shown.get("max_new_tokens") != current.get("max_new_tokens"):
        said.append(f"with {shown.get('max_new_tokens')} max new tokens, not {current.get('max_new_tokens')}")
    if shown.get("batch_size") != current.get("batch_size"):
        batch = plural(int(shown.get("batch_size") or 0), noun)  # "1 row per batch", not "1 rows"
        said.append(f"with {batch} per batch, not {current.get('batch_size')}")
    was, now = str(shown.get("answer_at", "last")), str(current.get("answer_at", "last"))
    if was != now:
        not_now = "at every reply" if now == "every" else _reply(now).removesuffix(" reply")
        said.append(f"at {_reply(was)}, not {not_now}")
    if "thinking" in shown and "thinking" in current and shown["thinking"] != current["thinking"]:
        said.append(
            f"with thinking {'on' if shown['thinking'] else 'off'}, not {'on' if current['thinking'] else 'off'}"
        )
    elif "thinking" in current and "thinking" not in shown:  # kept before the toggle, or with no switch given
        said.append(_TEMPLATES_OWN)
    return said


def _joined(parts: list[str]) -> str:
    """Choices said by `differing_choices`, each holding a comma already: "with 2 rows, not 3; at every reply, not
    the last"."""
    return "; ".join(parts)


def other_choices_said(shown: dict | None, current: dict | None, others: list | None = None) -> str | None:
    """A line when the result shown was measured with other choices than the boxes hold now (`shown`, `current`:
    `heldout_key`s; None: unknown), naming each choice that differs (`differing_choices`), or, with no result shown,
    when results of this run with other choices are kept (`others`: `ftlib.eval_results.Kept`, newest first); None
    when there is nothing to say."""
    if shown is not None and current is not None and shown != current:
        if K.outside_boxes(shown) == K.outside_boxes(current):  # only the boxes differ (the rows follow the row count)
            differ = differing_choices(shown, current)
            what = _joined(differ) if differ else "with other choices"
            return f"This result was measured {what}: press **Evaluate** to measure with the choices above."
        return "This result was measured before the run or its rows changed: press **Evaluate** to measure again."
    if shown is None and others:
        latest = others[0]
        differ = differing_choices(latest.key, current) if current is not None else []
        what = _joined(differ) if differ else "with other choices"
        if _TEMPLATES_OWN in differ:  # the boxes cannot set it: measure again
            return (
                f"This run was evaluated {age_words(time.time() - latest.at)} {what}: press **Evaluate** to measure "
                "with the choices above."
            )
        return (
            f"This run was evaluated {age_words(time.time() - latest.at)} {what}: set "
            f"{'that' if len(differ) == 1 else 'those'} above to see that result again."
        )
    return None


def _has_reference(row: dict) -> bool:
    """Whether `row` has a reference answer to score, by the rule `evaluate` skips rows by."""
    try:
        check_references([row])
    except UserError:
        return False
    return True


def no_reference_said(rows: list[dict], limit: int) -> str | None:
    """Why none of the first `limit` of `rows` (a run's held-out rows) can be evaluated, said before the button as
    `evaluate` would say it after both models load (`references.check_references`: its first reason, in the page's
    words); None where one of them has a reference answer. Every one a KTO answer labelled bad: said of each ("its
    answer" read as said of one row of 6) and the way on: more rows where a later one is labelled good, else a split
    that holds out some (a walk: "6 held-out labelled answers", and the refusal only after pressing Evaluate).

    >>> bad = {"prompt": [{"role": "user", "content": "Hi"}], "completion": [{"role": "assistant", "content": "No."}],
    ...        "label": False}
    >>> no_reference_said([bad, bad], 2).startswith("None of the 2 test rows can be evaluated: each one's answer is ")
    True
    >>> no_reference_said([bad, bad, dict(bad, label=True)], 2).endswith("held-out row 3's answer is labelled good.")
    True
    >>> no_reference_said([dict(bad, label=True), bad], 2) is None
    True
    """
    chosen = list(rows[:limit])
    try:
        check_references(chosen)
        return None
    except UserError as exc:
        said = skipped_words(str(exc))
    if not all(row_kind(row) == "unpaired" and not row.get("label") for row in chosen):
        return said  # a prompt, a text row...: the engine's reason and way on, as pressing Evaluate said it
    later = next((i for i in range(len(chosen), len(rows)) if _has_reference(rows[i])), None)
    if later is not None:
        n = later + 1
        return f"{said} Set **Rows to evaluate** to {n} or more: held-out row {n}'s answer is labelled good."
    return (
        f"{said} No held-out answer of this run is labelled good: on the **Data** page, save the split again"
        " with a larger **Test size** or another **Seed** so that some answers labelled good are held "
        "out, and train a run on it."
    )


def evaluation_time_note(
    rows: int,
    max_new_tokens: int,
    last: tuple | None,
    items: int | None = None,
    whose: str = "your last evaluation",
    pace=None,
    batch_size: int = ANSWER_BATCH,
) -> str | None:
    """Under the rows box: about how long evaluating `rows` rows takes, `items` things answered and scored (answered
    at every reply, their replies, `ftlib.references.item_count`; None: one a row), at the pace of the last evaluation
    this session showed (`last`: seconds an item, its max new tokens and what an item was, "row" or "reply"; an older
    (seconds, tokens) a row; None: none yet), scaled by the answers' length; None under a minute. Each item is one
    answer and one score by each model, whichever reply it is, so the pace of an item carries over between choices.
    `whose`: that evaluation in words (`pace_of`): "your last evaluation", or another's followed here.

    >>> evaluation_time_note(500, 64, (1.8, 64, "row"))
    '⏱ About 15 min 0 s for 500 rows, at the 1.8 s a row of your last evaluation (64 new tokens).'
    >>> evaluation_time_note(3, 64, (31.3 / 3, 64, "reply"), items=9)
    '⏱ About 1 min 34 s for 9 replies of 3 rows, at the 10.4 s a reply of your last evaluation (64 new tokens).'
    >>> evaluation_time_note(20, 64, (1.8, 64)) is None, evaluation_time_note(500, 64, None) is None
    (True, True)

    `pace`: that evaluation's `ftlib.decode_rate.EvalPace`, where it was measured (else the pace an item above): the
    estimate counts the loops of `batch_size` items answered together, each as many decoding steps as that
    evaluation's ran, and each item scored. A pace an item counted each row as a whole loop's time: from 3 rows, 8
    took 2.7 times less than it said (a batch of 8 answers in about the time of a batch of 3; helper 260).

    >>> from ftlib.decode_rate import EvalPace
    >>> p = EvalPace(step_s=0.5, score_s=0.4, steps_per_loop=48, max_new_tokens=64, limited=0.0)
    >>> evaluation_time_note(40, 64, (9.0, 64, "row"), pace=p)  # doctest: +NORMALIZE_WHITESPACE
    '⏱ About 2 min 16 s for 40 rows, at the pace of your last evaluation: 5 loops of up to 8 rows answered together,
     each about 48 steps (a token of
     every answer a step) at 0.50 s a step, and 0.4 s a row scored.'
    """
    if pace is not None:
        seconds = pace.seconds(items if items is not None else rows, batch_size, max_new_tokens)
        if seconds < 60:
            return None
        n = items if items is not None else rows
        noun = "row" if n == rows else "reply"
        what = plural(rows, "row") if n == rows else f"{plural(n, 'reply')} of {plural(rows, 'row')}"
        loops = round(pace.loops(n, batch_size))
        steps = pace.limited * max_new_tokens + (1 - pace.limited) * min(pace.steps_per_loop, max_new_tokens)
        return (
            f"⏱ About {duration(seconds)} for {what}, at the pace of {whose}: {plural(loops, 'loop')} of up to "
            f"{plural(batch_size, noun)} answered together, each about {steps:.0f} steps (a token of every answer a "
            f"step) at {pace.step_s:.2f} s a step, and {pace.score_s:.1f} s a {noun} scored."
        )
    if not last:
        return None
    per_item, then, *was = last
    items = rows if items is None else items
    seconds = items * per_item * max_new_tokens / max(then, 1)  # answers dominate: about as long as they may be
    if seconds < 60:
        return None
    scaled = "" if max_new_tokens == then else f", scaled to {max_new_tokens} new tokens from {then}"
    length = f" ({then} new tokens)" if not scaled else ""
    what = plural(rows, "row") if items == rows else f"{plural(items, 'reply')} of {plural(rows, 'row')}"
    pace = was[0] if was else "row"
    return f"⏱ About {duration(seconds)} for {what}, at the {per_item:.1f} s a {pace} of {whose}{length}{scaled}."


# Run folder -> the held-out evaluation of it started last on this server, from any session (a tab, another tab, the
# tab before a reload): a session with no evaluation of its own running follows it (`follow_running`). Weak: a job
# held by no session (its tab gone) and no thread (ended) is let go of with its rows and model set.
_STARTED: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


# Session key: a weak reference to the evaluation this session started last (`started_here`).
STARTED_KEY = "evaluate_started"


# EvalJob -> who started it (`ui.auth.who`: a person signed in with OIDC; None: nobody known), noted as it starts: a
# session following it says so (`started_elsewhere_said`), and its pace is not called "your last evaluation" there.
_STARTED_BY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def note_started(run_dir, job) -> None:
    """Note `job` (an `ftlib.evaluate.EvalJob` just started) as the evaluation of the run in `run_dir` that a session
    opening the run's page follows while it runs (`running_of`, `follow_running`), as this session's own, and who
    started it (`ui.auth.who`, where the server knows)."""
    _STARTED[str(run_dir)] = job
    _STARTED_BY[job] = who()
    st.session_state[STARTED_KEY] = weakref.ref(job)


def _started_by_me(job) -> bool | None:
    """True: this session started `job`, or the person signed in here did (another tab of theirs); False: someone
    else known did; None: not known (no sign-in: an open server or the password alone, which everyone shares)."""
    if started_here(job):
        return True
    starter, me = _STARTED_BY.get(job), who()
    if starter is None or me is None:
        return None
    return starter == me


def started_elsewhere_said(job) -> str | None:
    """Above a followed evaluation's progress: who started it, where it was not this session, and that **Stop** ends
    it for them too (helper 208's walk: a teammate's evaluation, followed, said nothing of whose it was and offered
    Stop); None for this session's own."""
    if started_here(job):
        return None
    mine = _started_by_me(job)
    if mine:
        return "You started this evaluation in another tab, or in this one before a reload: **Stop** ends it there."
    starter = _STARTED_BY.get(job)
    if mine is False and starter is not None:
        return f"{starter.text()} started this evaluation, which this page follows: **Stop** ends it for them too."
    return (
        "This evaluation was started in another browser session (another tab, this tab before a reload, or a "
        "teammate; the server knows no names without a sign-in): **Stop** ends it there too."
    )


def pace_of(job) -> str:
    """A finished evaluation in the words of the time estimate's "at the 1.8 s a row of ...": "your last evaluation"
    for one started here or by the person signed in here, "ana@example.com's last evaluation" for a teammate's, "the
    last evaluation" where who started it is not known."""
    mine = _started_by_me(job)
    if mine:
        return "your last evaluation"
    starter = _STARTED_BY.get(job)
    return f"{starter.text()}'s last evaluation" if mine is False and starter is not None else "the last evaluation"


def started_here(job) -> bool:
    """Whether this session started `job` (`note_started`): only its own is cancelled when it starts another. One it
    follows (another tab's, or this tab's before a reload) runs on to its end, kept with the run, and the new one
    waits its turn (a second tab pressing Evaluate with other choices stopped the first tab's evaluation)."""
    ref = st.session_state.get(STARTED_KEY)
    return ref is not None and ref() is job


def running_of(run_dir):
    """The evaluation of the run in `run_dir` started last on this server (`note_started`) while it runs; else None."""
    job = _STARTED.get(str(run_dir))
    return job if job is not None and not job.done else None


def box_keys(run_name: str) -> dict[str, str]:
    """The Evaluate page's box of each choice of a held-out evaluation (an EvalJob's kwargs), for the run
    `run_name`."""
    return {
        "limit": f"evaluate_rows_{run_name}",
        "max_new_tokens": f"evaluate_max_new_{run_name}",
        "batch_size": f"evaluate_batch_{run_name}",
        "answer_at": f"evaluate_answer_at_{run_name}",
        "thinking": f"evaluate_thinking_{run_name}",
    }


def follow_running(run_dir, run_name: str, job_key: str, run_key: str):
    """Before the page draws its boxes: where this session has no evaluation of its own running and one of the run
    in `run_dir` runs (started in another tab, or in this tab before a reload: a new session), make it this
    session's job of the run (`job_key`, `run_key` of session_state) and put the choices it was started with into the
    boxes, so the page shows them and its progress, not the boxes' last values and "press Evaluate" (helper 174's
    walk: Answer at came back as the last reply, and Evaluate would have started the same evaluation again). Only
    where the run's boxes are not on screen (a new session, a visit from another page): what the user just set in them
    stays, and pressing Evaluate with the running one's choices follows it then. Returns the job followed, or None."""
    own = st.session_state.get(job_key)
    running = running_of(run_dir)
    if running is None or running is own or (own is not None and not own.done):  # its own is not displaced
        return None
    if box_keys(run_name)["limit"] in st.session_state:  # drawn by the last run of the page: the user's
        return None
    kept = st.session_state.setdefault(KEPT, {})
    for choice, key in box_keys(run_name).items():
        value = running.kwargs.get(choice)
        if value is not None:  # (thinking: None where the template has no switch, and no box)
            kept[key] = value  # put back by `ui.kept.restore` as the box is drawn, as after a visit elsewhere
            st.session_state.pop(key, None)
    st.session_state[job_key], st.session_state[run_key] = running, run_name
    return running


__all__ = [
    "FIRST_ROWS",
    "FIRST_ROWS_SAID",
    "box_keys",
    "differing_choices",
    "evaluation_time_note",
    "follow_running",
    "no_reference_said",
    "note_started",
    "other_choices_said",
    "pace_of",
    "running_of",
    "started_elsewhere_said",
    "started_here",
]


@st.cache_data(max_entries=16, show_spinner=False)
def _trained_start(run_path: str, version: tuple, model: str, template: str, source: str) -> tuple | None:  # noqa: ARG001
    """(`thinking_start` of the run's chat template: where it starts, whether the run said it; the template's own
    default; what it writes on and off), once per version of the run's files (`version`: `eval_runs.rows_version`);
    None for a template without the switch."""
    from ftlib.templates import get_template

    chosen = get_template(template, cached_tokenizer(model), source or None)
    if not chosen.thinking_switch:
        return None
    return *thinking_start(chosen, run_path), thinking_default(chosen), thinking_writes(chosen)


def thinking_choice(column, info, run_path, version: tuple, run_label: str, key: str) -> bool | None:
    """Evaluate's "Thinking" toggle in `column`, drawn only where the run's chat template (`info`: its
    `eval_runs.RunInfo`) has the switch (Qwen3's `enable_thinking`): it starts as the run trained, off where its
    training rows' replies follow the empty reasoning block (`run_thinking.thinking_start`), else at the template's
    own default, and its caption says which. Its value (per run: `key`), or None where there is no switch."""
    try:
        found = _trained_start(str(run_path), version, info.model, info.template, info.template_source)
    except (UserError, OSError):  # no tokenizer or template to read: pressing Evaluate says why, as before
        return None
    if found is None:  # no switch: nothing to choose
        return None
    start, from_run, own, writes = found
    return thinking_toggle(
        column,
        key,
        start,
        "The chat template's thinking switch for both models' answers, as transformers' "
        "`apply_chat_template(..., enable_thinking=...)` gives it: off, a reasoning model answers at once. The losses "
        "score the reference answers as training rendered them, with or without it.",
        thinking_caption(writes, own, [], (start, run_label) if from_run else None),
    )
