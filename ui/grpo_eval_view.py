"""The Evaluate page for a GRPO run of prompts: both models answer the held-out prompts, the run's rewards score both.

A GRPO run's held-out rows are prompts without reference answers, so there is no loss to show: the base model and
the tuned one each answer every prompt greedily (`ftlib.reward_eval.AnswersJob`, in a thread that never calls st.*),
and the run's own rewards score both answers, as `python -m ftlib evaluate RUN` does. The page shows each model's
mean reward, how often the tuned answer scores higher and how sure the change is (one "How sure:" line, as the
held-out loss has), each reward's mean with its weight and its part of the total, and the answers, the worst change
first. A result measured to its end is kept in the run's folder
(`ftlib.eval_results.KeptAnswersJob`): a reload, another tab or a later visit with the same choices shows it again,
saying when it was measured; one kept for other choices (the batch and answer length are the run's own boxes) is
named, so those can be set again.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from ftlib import eval_results as K
from ftlib.answer_notes import cut_said
from ftlib.column_values import column_answer
from ftlib.decoding import ANSWER_BATCH, DEFAULT_NEW_TOKENS
from ftlib.errors import plural
from ftlib.eval_stats import MIN_ROWS
from ftlib.reward_eval import AnswersJob, absent_column_said
from ftlib.rundir import run_folder_of
from ui import alerts
from ui.alignment_view import reward_parts
from ui.common import model_set_for, restore_kept, run_job_section, skipped_rows, user_errors
from ui.evaluate_choices import FIRST_ROWS, FIRST_ROWS_SAID
from ui.evaluate_view import (
    base_columns,
    changed_said,
    csv_download,
    how_sure,
    kept_said,
    places_of,
    say_others,
    starting_model,
    with_places,
)
from ui.inputs import number_in_range
from ui.kept import default_for, keep
from ui.labels import BASE_OF_RUN, on_model_page

JOB_KEY = "evaluate_answers_job"  # (run name, its AnswersJob): the last scoring of this session
# Beside "How sure:" (`RewardResult.change_stats`): what the interval is and how to read it.
REWARD_CHANGE_HELP = (
    "The mean of the prompts' reward changes (the tuned answer's total minus the base answer's), each prompt counted "
    "once, with its 95% interval (a paired t interval). Wholly above 0: the tuned model clearly scores higher on "
    "prompts like these; across 0: the difference could be chance, and more held-out prompts would tell. Under "
    f"{MIN_ROWS} prompts is too few to tell. Greedy answers: one per model and prompt."
)


def answers_section(run_name: str, label: str, info, run_path: str) -> None:
    """Everything the page shows for GRPO run `run_name` (named `label`; `info`: its ftlib.evaluate.RunInfo, its
    folder `run_path`) on its held-out prompts."""
    # The page's "Base model `...` (itself fine-tuned: ...)" line is the loss section's: here this caption is the
    # first to say "base" (the "Base reward" below), so it says what that is where the studio fine-tuned it: by the
    # short name the metrics and Compare's rows give it ("r7/merged"), its path in the help (helper 84).
    name, made = starting_model(info.model)
    rows = info.test_rows
    st.caption(
        held_out_said(rows)
        + (f"(`{name}`, itself fine-tuned: {made}) " if made else "")
        + "and the tuned model each answer every prompt (greedy), and the run's own rewards score both answers. The "
        "Train page's held-out reward scores answers sampled as training samples them (at its temperature), so the "
        "two numbers differ: greedy takes each model's most likely next token at every step.",
        help=f"The base model: `{info.model}`" if made else None,
    )
    c1, c2, c3 = st.columns(3)
    rows_key = f"evaluate_answers_rows_{run_name}"
    n_rows = number_in_range(
        c1,
        "Prompts to answer",
        1,
        len(rows),
        default_for(rows_key, min(FIRST_ROWS, len(rows)), range(1, len(rows) + 1)),
        key=rows_key,
        help=f"Both models answer every prompt: on a CPU, a few dozen prompts take a few minutes. {FIRST_ROWS_SAID}",
        on_change=keep,
        args=(rows_key,),
    )
    # As long as the answers the run trained on.
    trained = max(8, min(256, int(info.answer_tokens or DEFAULT_NEW_TOKENS)))
    lengths, batches = K.BOX_RANGES["answers"]["max_new_tokens"], K.BOX_RANGES["answers"]["batch_size"]
    max_new = c2.slider(
        "Max new tokens per answer",
        lengths.start,
        lengths[-1],
        default_for(f"evaluate_answer_tokens_{run_name}", trained),
        key=f"evaluate_answer_tokens_{run_name}",
        help=f"The run trained on answers of up to {info.answer_tokens or DEFAULT_NEW_TOKENS} tokens: a reward that "
        "counts words (length) scores longer answers differently.",
    )
    batch_key = f"evaluate_batch_{run_name}"  # per run, as on the page's other sections
    batch = c3.slider(
        "Prompts per batch", batches.start, batches[-1], default_for(batch_key, ANSWER_BATCH, batches), key=batch_key
    )
    for key in (rows_key, f"evaluate_answer_tokens_{run_name}", batch_key):
        keep(key)
    folder = run_folder_of(run_path)
    # Everything that decides the result (`ftlib.eval_results`): a result kept with the run under it is shown again.
    kept_key = (
        None
        if n_rows is None
        else K.answers_key(
            run_path,
            **K.run_rows(info, int(n_rows)),
            max_new_tokens=max_new,
            batch_size=batch,
            rewards=info.rewards,
        )
    )
    # Measured earlier with these very choices (a reload, another tab, another day): that result, not nothing.
    restore_kept(
        JOB_KEY,
        run_name,
        kept_key,
        lambda: K.KeptAnswersJob.restored(
            folder, kept_key, rows, info.rewards, max_new_tokens=max_new, batch_size=batch, limit=int(n_rows)
        ),
    )

    def start() -> AnswersJob:
        with user_errors(
            "Could not load the model with the run's adapter", lambda said: on_model_page(said, BASE_OF_RUN)
        ):
            model_set = model_set_for(info.model, (run_path,))
        return K.KeptAnswersJob(  # kept with the run under `kept_key` once it has run to its end
            model_set,
            rows,
            model_set.tuned[0],
            info.rewards,
            template=info.chat_template(model_set.tokenizer),  # a custom template's Jinja text included
            max_length=info.max_length,
            max_new_tokens=max_new,
            batch_size=batch,
            limit=int(n_rows),
            run_dir=folder,
            key=kept_key,
        ).start()

    # A column a reward reads that none of the prompts has: said before the button, not after both models have
    # loaded (`evaluate_answers` refused it only then); one only some lack is still said by it.
    absent = absent_column_said(info.rewards, rows, int(n_rows)) if n_rows is not None else None
    if absent:
        st.error(absent, icon=alerts.ERROR)
    words = {
        # None where the refusal above says what to change
        "idle": None if absent else "Press **Answer and score** to have both models answer the held-out prompts.",
        "done": "evaluated",
        "error": "Could not evaluate the run",
        "empty": "Stopped before any prompt was answered.",
    }
    disabled = n_rows is None or bool(absent)
    job = run_job_section(JOB_KEY, run_name, label, "Answer and score", start, words, disabled=disabled)
    say_others(st.session_state.get(JOB_KEY), run_name, folder, kept_key)  # answered with other choices: said
    if job is not None:
        _result(job, run_name, len(rows), info.rewards, kept_key, info)


def column_names(rows: list[dict]) -> list[str]:
    """The fields a held-out prompt's rows carry beside it (`rows.with_columns`: a GSM8K row's `answer`), which the
    run's rewards read, in the order first met; [] for rows of prompts only."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row.get("columns") or {}))
    return list(names)


def held_out_said(rows: list[dict]) -> str:
    """The caption's opening, up to the base model's name: what a GRPO run's held-out rows are, and why no loss is
    measured. Rows with fields beside their prompts (a GSM8K row's `answer`) carry what the rewards check, not a
    reply: "without reference answers" was wrong of those (helper 89's walk of GSM8K-shaped prompts)."""
    names = column_names(rows)
    if not names:
        return (
            "A GRPO run's held-out rows are prompts without reference answers, so there is no loss to measure: the "
            "base "
        )
    fields = ", ".join(f"`{n}`" for n in names)
    return (
        f"A GRPO run's held-out rows are prompts, each with {fields} beside it, which the run's rewards read (shown "
        "beside the answers below, so a right answer can be told): that is no reply written in the chat template, "
        "so there is no loss to measure: the base "
    )


def _fields(rows: list[dict], index: int) -> dict:
    """Held-out row `index`'s fields beside its prompt ({} past the rows: a result kept before the split changed)."""
    return (rows[index].get("columns") or {}) if 0 <= index < len(rows) else {}


def column_cell(value) -> str:
    """A prompt's field as the answers table shows it: text as it is, led by the final answer `contains_column`
    looks for where that is not the whole text (a cell shows the start of a text, and GSM8K's "#### 13" is at its
    end); anything else as JSON.

    >>> column_cell("9 * 2 = 18.\\n#### 13"), column_cell("Paris"), column_cell({"x": [1]})
    ('13 ← 9 * 2 = 18.\\n#### 13', 'Paris', '{"x": [1]}')
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    final = column_answer(value)
    return f"{final} ← {value}" if final and final != value.strip() else value


def _result(job: AnswersJob, run_name: str, held_out: int, specs: list, kept_key: dict | None, info=None) -> None:
    result = job.result
    agg = result.aggregates()
    if job.cancelled:
        st.warning(f"Stopped early: {plural(len(result.rows), 'prompt')} answered.", icon=alerts.WARNING)
    elif len(result.rows) < held_out:
        st.caption(f"On {len(result.rows)} of the run's {plural(held_out, 'held-out prompt')}.")
    if getattr(job, "measured_at", None) is not None:  # kept from an earlier visit (a reload, another tab)
        st.caption(kept_said(job.measured_at, "Answer and score"))
    if said := changed_said(getattr(job, "kept_key", None), kept_key, "Answer and score"):
        st.caption(said)
    m1, m2, m3 = st.columns(3)
    # The base named as the caption above names it, where the studio fine-tuned it ("r7/merged reward").
    name = starting_model(info.model)[0] if info is not None else ""
    base = name or "Base"
    m1.metric(
        f"{base} reward", f"{agg['base_reward']:.3f}", help=f"{name or 'The base model'}'s answers' mean total reward."
    )
    m2.metric(
        "Tuned reward",
        f"{agg['tuned_reward']:.3f}",
        f"{agg['reward_change']:+.3f}",
        help="The tuned model's answers' mean total reward (the weighted sum of the run's rewards, as GRPO sums it).",
    )
    m3.metric(
        "Tuned answer scores higher",
        f"{agg['rows_improved']:.0%}",
        help=f"Share of prompts whose tuned answer scores more than {name or 'the base'}'s "
        f"({agg['rows_worse']:.0%} less).",
    )
    how_sure(result.how_sure()[0], REWARD_CHANGE_HELP)  # the same from a kept result: computed from its rows
    if len(result.rewards) > 1 or any(spec.get("weight", 1) != 1 for spec in specs):  # each reward's part
        sides = {
            name if side == "base" and name else side: (
                {reward: agg[f"{side}_reward_{reward}"] for reward in result.rewards},
                agg[f"{side}_reward"],
            )
            for side in ("base", "tuned")
        }
        reward_parts(specs, sides, where=f" (the {base} and Tuned reward above)")
    limit = job.kwargs.get("max_new_tokens")  # each answer's limit: said of the answers it cut
    if said := cut_said(result.rows, limit):  # a cut answer's end is not the model's own, yet its reward scores it
        st.warning(said, icon=alerts.WARNING)
    # each skipped row's line in the file beside it in the expander, not in a caption outside it
    places = places_of(info, [i for i, _ in result.skipped]) if info is not None else None
    skipped_rows(result.skipped, f"{plural(len(result.skipped), 'prompt')} not answered", places)
    table = pd.DataFrame([r.as_dict() for r in result.rows])
    table.insert(0, "row", table.pop("index") + 1)
    table = with_places(table, info) if info is not None else table  # each prompt's line in the file: `where`
    table = table.sort_values("reward_change")  # where tuning did worst first: what to read
    for side in ("base", "tuned"):  # an answer the limit cut ends saying so, as the held-out answers' note does
        table[f"{side}_output"] = [
            cut_answer(text, cut, limit)
            for text, cut in zip(table[f"{side}_output"], table[f"{side}_at_limit"], strict=True)
        ]
        # ... and is marked ✂ in a narrow column before it: a cell shows an answer's start, and a 64-token answer's
        # end, where it says its cut, is past the cell's right edge (helper 67's walk of the live GRPO table)
        table[f"{side}_cut"] = ["✂" if cut is True else "" for cut in table[f"{side}_at_limit"]]
    known = any(isinstance(cut, bool) for side in ("base", "tuned") for cut in table[f"{side}_at_limit"])
    marks = {side: [f"{side}_cut"] if known else [] for side in ("base", "tuned")}  # none in a result kept before
    st.markdown("**The answers, the largest drop in reward first**")
    # The answers and their rewards first, the file's place last: before them, `where` and the prompt filled a 1280 px
    # window, and the answers began past its right edge (helper 60's cold walk).
    shown = ["row", "prompt", *marks["base"], "base_output", *marks["tuned"], "tuned_output"]
    # What the rewards read beside each prompt (a GSM8K row's `answer`), after the answers: whether one is right can
    # be told at a glance (helper 89's walk: the table had the answers and no reference).
    rows = info.test_rows if info is not None else []
    named = {n: n if n not in table else f"{n} (field)" for n in column_names(rows)}
    for field, column in named.items():
        table[column] = [column_cell(_fields(rows, int(n) - 1).get(field)) for n in table["row"]]
    shown += list(named.values())
    shown += ["base_reward", "tuned_reward", "reward_change"]
    shown += ["where"] if "where" in table else []
    # "r7/merged_output" where the base is a studio export, as the metrics above name it (the CSV keeps "base_")
    shown_table = base_columns(table[shown], name)
    # The prompt and both answers a fixed medium width: sized to the longest text, the base's answers filled a 1280 px
    # window and the tuned ones began past its right edge (helper 202's walk). A cell shows its whole text on hover.
    wide = [c for c in shown_table.columns if c == "prompt" or c.endswith("_output")]
    st.dataframe(
        shown_table,
        hide_index=True,
        width="stretch",
        column_config={c: st.column_config.TextColumn(width="medium") for c in wide},
    )
    csv_download(result, f"eval-{run_name}.csv")  # built on the click, not on each rerun


def cut_answer(text: str, at_limit: bool | None, limit: int | None, at_context: bool = False) -> str:
    """An answer as the table shows it: one that stopped at the `limit` (max new tokens) rather than at its own end
    ends "… [cut at 64 tokens]" (`ui.evaluate_view.answer`'s words; a table cell has no colour), one the model's
    context ended (`at_context`: a GRPO answer's `at_context`) "… [cut at the model's context]"; None (a result kept
    before this was recorded) adds nothing.

    >>> cut_answer("2 + 2 is", True, 64), cut_answer("4.", False, 64), cut_answer("2 +", True, 64, at_context=True)
    ('2 + 2 is … [cut at 64 tokens]', '4.', "2 + … [cut at the model's context]")
    """
    if at_limit is None or pd.isna(at_limit) or not at_limit:  # a kept result's unknown reads as None or NaN
        return text
    where = "the model's context" if at_context is True else f"{limit} tokens" if limit else "the token limit"
    return f"{text.rstrip()} … [cut at {where}]"


__all__ = ["answers_section", "column_cell", "column_names", "cut_answer", "held_out_said"]
