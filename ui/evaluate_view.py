"""Drawing on the Evaluate page: the answers side by side, one row at a time, and what fine-tuning cost.

Side by side means, for each held-out row: the prompt, then the reference, the base answer and the tuned answer
next to each other, in full and wrapping, each with its loss (the table stays as a download). Answers and prompts
are drawn with `st.text` (verbatim: no Markdown).
"""

from __future__ import annotations

import hashlib
import json
import math
import time

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ftlib import eval_results as K
from ftlib.answer_notes import both_said, loops_said, only_whitespace, repeats_itself, whitespace_said
from ftlib.demo_data import GENERAL_PROMPTS, general_rows
from ftlib.errors import plural
from ftlib.eval_runs import heldout_lines
from ftlib.eval_stats import MIN_ROWS
from ftlib.evaluate import spreadsheet_csv
from ftlib.model_card import studio_export
from ftlib.next_token import percent
from ftlib.references import ANSWER_AT, several_replies
from ftlib.run_picker import age_words, model_name
from ftlib.split_lines import flat_place
from ftlib.tuning_cost import BASE_MODEL, estimated_seconds, grade_help
from ftlib.tuning_cost import DEFAULTS as TUNING_DEFAULTS
from ui import alerts
from ui.charts import readable_text
from ui.common import job_progress
from ui.compare_view import duration
from ui.evaluate_choices import other_choices_said
from ui.fragments import polling_fragment
from ui.kept import keep, restore

ROWS_PER_PAGE = 8
TABLE_ROWS = 1_000  # rows a page of Evaluate's "All rows as one table" (every row's: 10,000 sent each click)
# Under an answer caught in a loop (`ftlib.answer_notes.repeats_itself`), as Compare marks its cells: the loss scores
# the reference answer, never the model's own, so a looping answer can sit beside a lower loss without a word.
REPEATS = "↻ repeats itself — common for greedy decoding of small or briefly tuned models; the loss does not see it"
COST_KEY = "evaluate_cost"  # session key: (run name, the CostJob measuring it)
POLL_S = 0.5


def _turn_text(message: dict) -> str:
    """One turn as `role: text`, its tool calls (name and arguments) and reasoning included."""
    parts = [str(message.get("content") or "")]
    if message.get("reasoning"):
        parts.insert(0, f"(reasoning) {message['reasoning']}")
    for call in message.get("tool_calls") or []:
        function = call.get("function", call)
        parts.append(
            f"(calls {function.get('name')} with {json.dumps(function.get('arguments'), ensure_ascii=False)})"
        )
    return f"{message.get('role', '?')}: " + "\n".join(p for p in parts if p)


def _user_turns(context: list[dict] | None) -> list[str]:
    return [str(m.get("content") or "") for m in context or [] if m.get("role") == "user"]


def _start(text: str, width: int) -> str:
    text = " ".join(text.split())  # one line: a turn's line breaks would break a picker's option
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def row_label(row, context: list[dict] | None = None, width: int = 40) -> str:
    """What tells a held-out row (an `ftlib.evaluate.EvalRow`) apart from the others in one line, for its header, the
    best and worst rows and the Row picker: its prompt; of a conversation with several user turns (`context`: the
    messages before the reference), the start of its first user turn, then its last, and how many turns the models
    read (ShareGPT-like rows often all end "Thanks! Another?"); a text row's opening words.

    >>> from types import SimpleNamespace as R
    >>> row_label(R(prompt="Name a colour.", reference="Blue."), [{"role": "user", "content": "Name a colour."}])
    'Name a colour.'
    >>> turns = [{"role": "user", "content": "Tell me a joke about cats"}, {"role": "assistant", "content": "..."},
    ...          {"role": "user", "content": "Thanks! Another?"}]
    >>> row_label(R(prompt="Thanks! Another?", reference="..."), turns, width=12)
    'Tell me a j… → Thanks! Ano… (3 turns)'
    """
    if not row.prompt and context is None:  # a text row: no prompt, its text is the reference
        return _start(row.reference, 2 * width + 20)
    users = _user_turns(context)
    if len(users) < 2:
        return row.prompt
    return f"{_start(users[0], width)} → {_start(users[-1], width)} ({plural(len(context), 'turn')})"


def answer_at_choice(rows: list[dict], run_name: str, several: int | None = None) -> str:
    """The Evaluate page's "Answer at" choice (`ftlib.references.ANSWER_AT`), kept per run: drawn only where some
    held-out rows have more than one reply (a tool call, then the answer); "last" elsewhere, as before. `several`:
    `several_replies(rows)` where the page has it already (once per version of the rows), counted here if None."""
    several = several_replies(rows) if several is None else several
    if not several:
        return "last"
    return answer_at_radio(
        f"evaluate_answer_at_{run_name}",
        f"{plural(several, 'held-out row')} {'has' if several == 1 else 'have'} more than one reply. At the last "
        "reply, the earlier ones (a tool call and its result) are in the prompt, so what the run learned there is "
        "not tested; at the first reply, both models answer the first question and are scored on the first reply "
        "(a tool call as the template writes it); at every reply, each reply is answered and scored on its own, the "
        "conversation before it the prompt (listed as row 3, reply 2): the replies the Train page's held-out loss "
        "counts under the default mask policy.",
        tuple(ANSWER_AT),
    )


def answer_at_radio(key: str, help: str, choices: tuple[str, ...] = ("last", "first")) -> str:
    """The "Answer at" radio of Evaluate and Compare: which reply of a row with several (`ftlib.references.
    ANSWER_AT`, "last" marked the default) the models answer, kept under `key` for the session (`ui.kept`);
    `help`: the page's words on what the choice changes; `choices`: the keys offered (Compare answers one reply, so
    not "every"). The chosen key of ANSWER_AT."""
    restore(key, list(choices))
    at = st.radio(
        "Answer at",
        list(choices),
        format_func=lambda a: f"{ANSWER_AT[a]}{' (default)' if a == 'last' else ''}",
        horizontal=True,
        key=key,
        help=help,
    )
    keep(key)
    return at


def kept_said(measured_at: float, button: str = "Evaluate", now: float | None = None) -> str:
    """The caption over a result kept from an earlier visit: when it was measured, and that `button` measures again.

    >>> kept_said(0.0, now=7200.0)[-69:]
    '(2 h ago) and kept with the run. Press **Evaluate** to measure again.'
    """
    now = time.time() if now is None else now
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(measured_at))
    ago = age_words(now - measured_at)
    return f"Measured on {when} ({ago}) and kept with the run. Press **{button}** to measure again."


def changed_said(shown: dict | None, current: dict | None, button: str) -> str | None:
    """A line over a result measured under another key (`shown`) than the choices above make now (`current`; None:
    unknown), for a reward model's and a GRPO run's sections; None when there is nothing to say.

    >>> changed_said({"kind": "pairs", "limit": 3}, {"kind": "pairs", "limit": 2}, "Score the pairs")[:54]
    'This result was measured with other choices than those'
    """
    if shown is None or current is None or shown == current:
        return None
    if K.outside_boxes(shown) == K.outside_boxes(current):
        return (
            f"This result was measured with other choices than those above: press **{button}** to measure with them."
        )
    return f"This result was measured before the run or its rows changed: press **{button}** to measure again."


def kept_elsewhere_said(run_dir, key: dict | None) -> str | None:
    """With no result shown: the line naming the run's result kept with other choices (`other_choices_said`), else
    one saying results kept by an earlier version of the studio are not shown (`eval_results.earlier_layout`); None
    when there is neither."""
    if key is None:
        return None
    if said := other_choices_said(None, key, K.others(run_dir, key)):
        return said
    if old := K.earlier_layout(run_dir, key):
        return (
            f"{plural(old, 'result')} of this run kept by an earlier version of the studio "
            f"{'is' if old == 1 else 'are'} not shown: it recorded its choices differently. Press the button above "
            "to measure again; the result is then kept."
        )
    return None


def say_others(held: tuple | None, run_name: str, run_dir, kept_key: dict | None) -> None:
    """Under a reward model's or a GRPO run's section that shows no result of run `run_name` (`held`: the section's
    (run name, job) in session, as `ui.common.run_job_section` holds it): a line naming the result of the run kept
    with other choices than the boxes hold (`other_choices_said`), so a box changed elsewhere does not hide it
    unsaid. Nothing while this session's job of the run is there (its own lines say what it shows)."""
    if kept_key is None or (held and held[0] == run_name):
        return
    if said := kept_elsewhere_said(run_dir, kept_key):
        st.caption(said)


def change_help(base: str = "") -> str:
    """Beside "How sure:" (`ftlib.eval_stats`): what the interval is and how to read it. `base`: the base model's
    short name where the studio fine-tuned it (`starting_model`), so the change reads "tuned minus r7/merged", as
    the metrics above name it; "" for a model as published ("tuned minus base")."""
    return (
        f"The mean of the rows' loss changes (tuned minus {base or 'base'}), each row counted once (answered at every "
        "reply, each reply), with its 95% interval (a paired t interval). Wholly below 0: the tuned model is clearly "
        "less surprised by held-out rows like these; across 0: the "
        f"difference could be chance, and more held-out rows would tell. Under {MIN_ROWS} rows is too few to tell; "
        f"answered at every reply, under {MIN_ROWS} conversations, since one conversation's replies are not "
        "independent draws. The "
        "change under Tuned loss weighs every token alike, so the two can differ: the line says so where they do."
    )


CHANGE_HELP = change_help()  # a model as published
ACCURACY_HELP = (
    "The share with its 95% interval (Wilson's, for a share of few pairs). A coin would land near 50%: an interval "
    f"wholly above it is clearly better than chance; one across it could be chance. Under {MIN_ROWS} pairs is too few "
    "to tell."
)


def how_sure(sentence: str, help: str) -> None:
    """One calm line under a result's numbers: how sure they are (an `ftlib.eval_stats` sentence), `help` beside it."""
    st.caption(f"**How sure:** {sentence}", help=help)


def answer(text: str, at_limit: bool | None = None, limit: int | None = None) -> None:
    """A model's answer, verbatim, with a note under it when it loops (`REPEATS`); one that shows nothing says what
    it holds (`whitespace_said`). `at_limit`: it stopped at the `limit` (max new tokens) rather than at its own end
    (`EvalRow.base_at_limit`), said under it apart from its words, as Compare's cells end "… (max new tokens)"; None
    (a result kept before this was recorded) says nothing."""
    st.text(text.strip() or whitespace_said(text))
    if at_limit:
        at = f"{limit} tokens" if limit else "the token limit"
        st.caption(
            # No bracket inside :orange[...]: its first "]" would end the colour
            f":orange[**… cut at {at}**] (max new tokens): not the model's own end. Raise **Max new tokens per "
            "answer** above to see more."
        )
    if repeats_itself(text):
        st.caption(REPEATS)


def blanks(rows) -> int:
    """How many of the tuned model's answers show nothing (`ftlib.answer_notes.only_whitespace`)."""
    return sum(only_whitespace(r.tuned_output) for r in rows if not r.is_text)


def blanks_said(rows) -> str | None:
    """One line for the aggregates when answers show nothing (empty, or only whitespace such as 64 newlines): the
    loss and "closer to the reference" score the reference answers, so a model that writes nothing can still look
    better there; None when every answer shows something."""
    rows = [r for r in rows if not r.is_text]  # a text row is scored, not answered
    base = sum(only_whitespace(r.base_output) for r in rows)
    tuned = blanks(rows)
    if not base and not tuned:
        return None
    return (
        f"⚠ {both_said(tuned, base, len(rows))} show nothing (empty or only whitespace): the loss and "
        '"closer to the reference" score the reference answers, not these, so a better '
        "number above is no success for them."
    )


def tool_names(tools: list | None) -> str:
    """The names of a row's tool schemas, as a line: "get_weather, get_time"."""
    return ", ".join(str((t.get("function") or t).get("name", "?")) for t in tools or [] if isinstance(t, dict))


def places_of(info, indices) -> dict[int, str]:
    """Where each held-out row at `indices` (counted from 0) of the run `info` (its `ftlib.evaluate.RunInfo`) is in
    the file its split was saved from: {index: "line 9 of chats.jsonl"}, as `ftlib.eval_runs.heldout_place` says
    each; {} for a split saved before the places were kept."""
    from ftlib.split_lines import row_places

    found = row_places(info.meta, "test", len(info.test_rows), [i + 1 for i in indices])  # unpacked once for all
    return {n - 1: said for n, said in found.items()}


def in_brackets(place: str) -> str:
    """A row's place in the file (`places_of`) in brackets, flat (`ftlib.split_lines.flat_place`): not brackets in
    brackets (a walk read "(data row 1 of faq.csv (line 2 of the file))").

    >>> in_brackets("data row 1 of faq.csv (line 2 of the file)"), in_brackets("line 9 of chats.jsonl")
    ('(data row 1 of faq.csv at line 2 of the file)', '(line 9 of chats.jsonl)')
    """
    return f"({flat_place(place)})"


def lines_said(info, indices, where: str = "above") -> None:
    """A caption saying where in the file the held-out rows at `indices` (named `where` on the page by their number)
    are: "The row numbers above count the run's held-out rows, not the rows of chats.jsonl: held-out row 3 is line
    9." Nothing for a split saved before the places were kept (`ftlib.eval_runs.heldout_lines`)."""
    if said := heldout_lines(info.meta, indices, len(info.test_rows), where):
        st.caption(said)


def with_places(table, info):
    """`table` (a DataFrame whose `row` column counts held-out rows from 1) with a `where` column after it: each row's
    place in the file ("line 9 of chats.jsonl"); `table` unchanged when the split keeps no places."""
    places = places_of(info, [int(n) - 1 for n in table["row"]]) if "row" in table else {}
    if places:
        table.insert(list(table.columns).index("row") + 1, "where", [places.get(int(n) - 1, "") for n in table["row"]])
    return table


def csv_download(result, file_name: str) -> None:
    """The "Download CSV" button of an evaluation's `result` (any with `to_csv()`: the base-vs-tuned, reward-model
    and GRPO results), the file written for a spreadsheet (`ftlib.evaluate.spreadsheet_csv`) when the button is
    clicked: Streamlit 1.67 calls a callable `data` then, on a thread of its own. Built eagerly, every rerun of the
    page (any box touched) wrote it again: 0.4 s and 6.7 MB for 5,000 rows, kept in the server's memory each time.
    """
    st.download_button("Download CSV", lambda: spreadsheet_csv(result.to_csv()), file_name=file_name, mime="text/csv")


def _of_item(mapping: dict, row):
    """What `mapping` holds for an evaluated item: under its (index, reply) (answered at every reply, `EvalRow.item`),
    else under its row's index."""
    return mapping.get((row.index, getattr(row, "reply", None)), mapping.get(row.index))


def answered_turn(row, context: list[dict]) -> tuple[str, str]:
    """(what the heading calls the message a reply answers, its text): the last message before the reply
    (`context[-1]`), "the prompt" for a user's (of several user turns, which conversation and "its last turn"), "the
    tool result" for a tool's (answered at every reply, the reply after a call answers its result).

    >>> from types import SimpleNamespace as R
    >>> answered_turn(R(prompt="Rain?", reference="Yes."), [{"role": "user", "content": "Rain?"},
    ...     {"role": "assistant", "tool_calls": [{"name": "w"}]}, {"role": "tool", "content": '{"rain": 1}'}])
    ('the tool result', '{"rain": 1}')
    """
    last = context[-1] if context else {"role": "user"}
    if last.get("role") == "tool":
        return "the tool result", str(last.get("content") or "")
    if last.get("role") != "user":  # a system prompt or another assistant turn just before the reply
        return f"the {last.get('role')} turn before it", _turn_text(last).split(": ", 1)[-1]
    label = row_label(row, context)  # several user turns: which conversation, then its last turn in full
    return ("the prompt" if label == row.prompt else f"{label} · its last turn:"), row.prompt


def side_by_side(
    rows,
    key: str = "eval_side_page",
    contexts: dict | None = None,
    tools: dict | None = None,
    places=None,
    written=None,
    limit: int | None = None,
    base: str = "",
) -> None:
    """Each `ftlib.evaluate.EvalRow`: the message its reply answers (`answered_turn`), then reference | base | tuned,
    with losses; paged. `contexts`: each row's whole conversation before the reference (by `index`, or by (index,
    reply) answered at every reply), shown folded when it is more than one user turn or the row has `tools` (by
    `index`: its tool schemas, which both models read too). `places`: where each row is in the file (by `index`:
    "line 9 of chats.jsonl", `places_of`), said beside its number. `written`: a function of a row giving its reference
    as the chat template writes it where that differs from the data's (a tool call, reasoning:
    `ftlib.references.written_reply`), shown as the answers are, the data's form under it. `limit`: the max new
    tokens each answer had (`EvalResult.max_new_tokens`), said under an answer it cut. `base`: the base model's
    short name where the studio fine-tuned it (`starting_model`: "r7/merged"), its heading and the word in "the
    change is tuned minus ..."; "" for a model as published ("Base model", "base")."""
    pages = max(1, -(-len(rows) // ROWS_PER_PAGE))
    if pages > 1:
        page = st.number_input(f"Page (of {pages})", value=1, step=1, key=key)
        if not 1 <= page <= pages:
            st.error(
                f"**Page (of {pages})**: {page:g} is out of range. Use a number from 1 to {pages}.", icon=alerts.ERROR
            )
            return
    else:
        page = 1
    start = (int(page) - 1) * ROWS_PER_PAGE
    for row in rows[start : start + ROWS_PER_PAGE]:
        with st.container(border=True):
            context = _of_item(contexts or {}, row) or []
            said, answers = answered_turn(row, context)  # the prompt, or the tool result the reply answers
            where = f" {in_brackets(places[row.index])}" if places and row.index in places else ""  # its line
            reply = f", reply {row.reply}" if getattr(row, "reply", None) is not None else ""  # at every reply: which
            st.caption(f"Held-out row {row.index + 1}{where}{reply} · {said}")  # counted from 1, as on the Data page
            st.text(answers)
            offered = (tools or {}).get(row.index)
            if len(context) > 1 or offered:  # earlier turns, a system message, tools: what both models also read
                with st.expander(f"The whole prompt the models read ({plural(len(context), 'turn')})"):
                    if offered:
                        st.caption(f"With the row's tools, as training showed them: {tool_names(offered)}")
                    st.text("\n\n".join(_turn_text(m) for m in context))
            reference, base_column, tuned = st.columns(3)
            with reference:
                as_written = written(row) if written else None
                # A pair's reference is its chosen answer: said, so its rejected one is not looked for here.
                whose = "the test split's chosen answer" if getattr(row, "is_pair", False) else "the test split's"
                if as_written is None:
                    st.markdown(f"**Reference answer** ({whose})")
                    st.text(row.reference)
                else:  # the form the models' answers take: a tool call as <tool_call> text, not name(arguments)
                    st.markdown(f"**Reference answer** ({whose}, as the chat template writes it)")
                    st.text(as_written)
                    st.caption("As the models answer, above; in the data file:")
                    st.text(row.reference)
            with base_column:
                st.markdown(f"**{base or 'Base model'}** · loss {row.base_loss:.3f}")
                answer(row.base_output, getattr(row, "base_at_limit", None), limit)
            with tuned:
                change = row.loss_change
                colour = "green" if change < 0 else "red" if change > 0 else "gray"
                st.markdown(f"**Tuned model** · loss {row.tuned_loss:.3f} :{colour}[({change:+.3f})]")
                answer(row.tuned_output, getattr(row, "tuned_at_limit", None), limit)
    st.caption(
        "Loss = how surprised a model is by the reference answer (lower is better); the change is tuned minus "
        f"{base or 'base'}. "
        "Answers are greedy: each model takes its most likely next token at every step (repeatable, though not "
        "necessarily its most likely whole reply)."
    )


def starting_model(model: str) -> tuple[str, str]:
    """(name, how it was made) of a run's base model `model` (its config's spec) where the studio fine-tuned it: its
    short name, as Compare's rows and the sidebar name it ("r7/merged", `ftlib.run_picker.model_name`), and
    `ftlib.model_card.studio_export`'s words ("run r7's merged model"); ("", "") for a model as published, which the
    page calls "Base". One name for one model: "Base loss" beside a caption saying the base was r7's merged model
    read as two models.

    >>> starting_model("default")
    ('', '')
    """
    made = studio_export(model)
    return (model_name(model), made) if made else ("", "")


def base_columns(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """`table` with its base model's columns ("base_loss", "base_output", ...) named for `name` ("r7/merged_loss",
    `starting_model`'s name) where it is given; unchanged for "" (a model as published: "base_")."""
    if not name:
        return table
    return table.rename(columns={c: f"{name}_{c[5:]}" for c in table.columns if c.startswith("base_")})


def cost_panel(cost, run=None, base: str = "") -> None:
    """What fine-tuning cost (an ftlib.tuning_cost.TuningCost): forgetting and variety, numbers and sentences; the
    forgetting advice fits `run` (an ftlib.tuning_cost.TunedWith: the settings of the run evaluated) when given.
    `base`: the base model's short name where the studio fine-tuned it (`starting_model`: "Everyday loss,
    r7/merged", and "than r7/merged did" in the sentences, as the held-out numbers above name it); "" for a model as
    published ("Everyday loss, base", "than the base model did")."""
    lost, varied = cost.forgetting, cost.diversity
    c1, c2, c3, c4 = st.columns(4)
    said = base or "base"  # the metrics' word for the base model
    c1.metric(
        f"Everyday loss, {said}", f"{lost.base_loss:.3f}", help="Mean loss of plain answers to general questions."
    )
    c2.metric(
        "Everyday loss, tuned",
        f"{lost.tuned_loss:.3f}",
        f"{lost.change:+.3f} ({lost.relative_change:+.0%})",
        delta_color="inverse",
        help=grade_help(base or BASE_MODEL),
    )
    c3.metric(
        f"Variety, {said}", f"{varied.base:.0%}", help="Distinct word pairs over sampled answers to one question."
    )
    # A change of a share, in percentage points ("-5 points" for 90% -> 85%; "-5%" read as a relative drop)
    # Neither colour: more variety is not good in itself (noise varies most), nor less bad (a style is sameness).
    # Of the shares as shown: 90% and 98% read "+8 points", not the unrounded "+9" (a visual review).
    points = f"{round(varied.tuned * 100) - round(varied.base * 100):+d} points"
    c4.metric(
        "Variety, tuned",
        f"{varied.tuned:.0%}",
        points,
        delta_color="off",
        help="The same for the tuned model; the change is in percentage points.",
    )
    named = base or BASE_MODEL  # the sentences' words for it: "than r7/merged did", else "than the base model did"
    st.markdown(f"- {lost.sentence(run, named)}\n- {varied.sentence(named)}")
    with st.expander("The sampled answers behind the variety numbers"):
        for question, base_answers, tuned_answers in varied.answers:
            st.markdown(f"**{question}**")
            left, right = st.columns(2)
            left.caption(base or "Base")
            right.caption("Tuned")
            for b, t in zip(base_answers, tuned_answers, strict=True):
                left.text(b.strip() or "(empty)")
                right.text(t.strip() or "(empty)")


# What the page's measure of the cost does (`tuning_cost`'s defaults, on every shipped everyday question).
COST_WORK = {"rows": len(general_rows()), **TUNING_DEFAULTS}


def cost_time_note(seconds: float | None, work: dict | None = None) -> str:
    """Above "Measure what it cost": about how long it takes, and what that is timed from: the pace of the last measure
    this server ran to its end since it started (`seconds`, `ftlib.tuning_cost.estimated_seconds`; the page measures
    the same work each time, maybe of another model); else what it does and that it takes minutes on a CPU.

    >>> cost_time_note(630.0)  # doctest: +NORMALIZE_WHITESPACE
    '⏱ About 10 min 30 s, timed from the last measure of what it cost that this server ran to its end (it may have
     measured another model).'
    >>> cost_time_note(None, {"rows": 24, "questions": 8, "samples": 4, "max_new_tokens": 40})[:83]
    '⏱ It samples 4 answers to each of 8 questions from both models (up to 40 tokens eac'
    """
    if seconds is not None:
        return (
            f"⏱ About {duration(seconds)}, timed from the last measure of what it cost that this server ran to its "
            "end (it may have measured another model)."
        )
    w = work or COST_WORK
    answers = 2 * w["samples"] * w["questions"]
    return (
        f"⏱ It samples {w['samples']} answers to each of {w['questions']} questions from both models (up to "
        f"{w['max_new_tokens']} tokens each: {answers} answers) and scores {w['rows']} everyday answers: several "
        "minutes on a CPU, under a minute on a GPU."
    )


def cost_section(model_set, tuned: str, template: str, run_name: str, run=None, kept=None, base: str = "") -> None:
    """What fine-tuning cost, measured on demand (a CostJob in the background, polled while it runs); `run` (an
    ftlib.tuning_cost.TunedWith) fits the advice to the run's settings. `model_set`: a function returning the model
    set, called only when the measure starts (a finished evaluation's set may have to be loaded again). `kept`: (the
    run's folder, its `ftlib.eval_results.cost_key`): a result measured to its end is kept there, and one kept from
    an earlier visit is shown until this session measures again. `base`: as `cost_panel`'s."""
    st.caption(
        "Fine-tuning can cost something too: forgetting some of what the model could do, and answering more "
        f"alike. Both are measured on everyday questions unrelated to your data (`samples/{GENERAL_PROMPTS.name}`)."
    )
    held = st.session_state.get(COST_KEY)
    job = held[1] if held and held[0] == run_name else None
    running = job is not None and not job.done
    if not running:  # how long the click will take, said before it (a walk: 10 minutes on a CPU, unannounced)
        st.caption(cost_time_note(estimated_seconds(**COST_WORK)))
    start, stop, _ = st.columns([2, 2, 5])  # wide enough at 800 px for "Measure what it cost"
    if start.button("Measure what it cost", key="evaluate_cost_start", disabled=running):
        folder, key = kept or (None, None)  # kept with the run once measured, from the job's thread
        job = K.KeptCostJob(model_set(), tuned, run_dir=folder, key=key, template=template)
        st.session_state[COST_KEY] = (run_name, job.start())
        running = True
    if running:  # minutes on a CPU: a way out, as the held-out evaluation's Stop (a cold walk found none)
        stop.button("Stop measuring", key="evaluate_cost_stop", on_click=job.cancel)
    if job is None:
        found = K.restore(*kept) if kept is not None else None
        if found is not None:
            st.caption(kept_said(found[1], "Measure what it cost"))
            cost_panel(found[0], run, base)
        return
    if running:

        def progress() -> None:
            if job.done:
                st.rerun()  # once, to show the result
            job_progress(job)  # its step, the time so far and, once a first piece is done, the time left

        polling_fragment(progress, POLL_S)  # only while it runs, under a new id on every page run
        return
    if job.cancelled:  # what a stopped measure got is a part of the questions or none of the sampling: not shown
        st.warning(
            "Stopped before the end: nothing is shown, since a part of the measure would mislead. Press **Measure "
            "what it cost** to measure again.",
            icon=alerts.WARNING,
        )
    elif job.error:
        st.error(f"Could not measure what it cost: {job.error}", icon=alerts.ERROR)
    elif job.result is None:
        st.warning("Stopped before anything was measured.", icon=alerts.WARNING)
    else:
        cost_panel(job.result, run, base)


# The heatmap's colour scale, the same on every run and row: from loss 0 (the model was sure of the token) to the
# loss of a token it gave 1 chance in 10,000 (9.2 nats), darkest for anything less likely. Auto-ranged, a run whose
# tokens all lay between 10.6 and 11 drew 10.6 (no better than guessing among 49k tokens) white: "not surprising".
# A tick a power of ten of chance: evenly spaced in loss (a 50% tick sat on the 100% one in the 220 px chart).
LOSS_TICKS = [(0.0, "100%"), (math.log(10), "10%"), (math.log(100), "1%")]
LOSS_TICKS += [(math.log(1000), "0.1%"), (math.log(10_000), "0.01%")]
LOSS_MAX = LOSS_TICKS[-1][0]
_SCALE_NOTE = (
    "Colour = how surprised each model is by the reference token, on one scale for every run: white = the model "
    "was sure of it (loss 0), darkest = it gave the token 1 chance in 10,000 or less (loss 9.2 and above)."
)
HEATMAP_NOTE = _SCALE_NOTE + " Only the reference answer and its end-of-turn token are scored; the prompt is context."
# A raw-text row (`ftlib.text_eval`): the reference is the whole text.
TEXT_HEATMAP_NOTE = (
    _SCALE_NOTE + " Every token of the text is scored, its end-of-text token included, but the first: nothing "
    "before it predicts it."
)


def token_loss_table(view, base: str = "") -> pd.DataFrame:
    """The per-token loss heatmap's numbers as a table (`chart_data.show`): a row per scored token, each model's loss
    and the chance it gave the token. `base`: as `token_loss_figure`'s ("r7/merged loss"; "base loss" for "")."""
    scored = [i for i, s in enumerate(view.scored) if s]
    table = {"token": [f"{j}: {view.tokens[i]!r}" if view.tokens[i] else f"{j}: …" for j, i in enumerate(scored)]}
    for name, losses in zip([base or "base", "tuned"], view.losses.values(), strict=False):  # the heatmap's rows
        table[f"{name} loss"] = [round(losses[i], 3) for i in scored]
        table[f"{name} chance"] = [percent(math.exp(-losses[i])) for i in scored]
    return pd.DataFrame(table)


def token_loss_figure(view, base: str = "") -> go.Figure:
    """The per-token loss heatmap of one row (an ftlib.evaluate.TokenLosses): base on top, tuned below, coloured on
    a fixed scale (`LOSS_TICKS`: loss 0 to LOSS_MAX, each tick with the chance it means), so a colour means the same
    on every run; the hover gives each token's loss and chance. `base`: the top row's name where the studio
    fine-tuned the base (`starting_model`: "r7/merged"); "" for a model as published ("base")."""
    scored = [i for i, s in enumerate(view.scored) if s]
    # A later byte of a character split over tokens has no text of its own (the Tokens page's …; it read '')
    labels = [f"{j}:{view.tokens[i]!r}" if view.tokens[i] else f"{j}:…" for j, i in enumerate(scored)]
    z = [[view.losses[name][i] for i in scored] for name in view.losses]
    chances = [[percent(math.exp(-loss)) for loss in row] for row in z]
    heat = go.Figure(
        go.Heatmap(
            z=z,
            x=labels,
            y=[base or "base", "tuned"][: len(z)],
            zmin=0.0,
            zmax=LOSS_MAX,
            colorscale="Reds",
            colorbar={
                "title": "loss (chance)",
                "tickvals": [loss for loss, _ in LOSS_TICKS],
                "ticktext": [f"{loss:.1f} ({chance})" for loss, chance in LOSS_TICKS],
            },
            customdata=chances,
            hovertemplate="%{y} · token %{x}<br>loss %{z:.2f} · the model gave it %{customdata}<extra></extra>",
        )
    )
    heat.update_layout(
        height=220, margin={"t": 10, "b": 10}, xaxis={"tickangle": -45}, yaxis={"autorange": "reversed"}
    )
    return readable_text(heat)


def heatmap_drawn_from(view) -> str:
    """A digest of everything `token_loss_figure(view)` draws (each token's text, whether it is scored, each model's
    name and loss per token): the key its figure is kept under, so another row, reply or result that differs anywhere
    is drawn again.

    >>> from types import SimpleNamespace as V
    >>> a, b = (V(tokens=["Hi"], scored=[True], losses={"base": [loss]}) for loss in (1.0, 2.0))
    >>> heatmap_drawn_from(a) == heatmap_drawn_from(V(**vars(a))) != heatmap_drawn_from(b)
    True
    """
    drawn = [list(view.tokens), list(view.scored), [[name, list(losses)] for name, losses in view.losses.items()]]
    return hashlib.blake2b(json.dumps(drawn).encode("utf-8"), digest_size=16).hexdigest()


# Kept for every session under what it draws, never changed by a page (`st.plotly_chart` sends a copy): built at each
# click, the heatmap and its text colours were a fifth of an Evaluate rerun on the sample (BENCHMARKS.md, "Page
# responsiveness"). Another row or a new result draws its own; a box that changes neither draws none again.
@st.cache_resource(max_entries=16, show_spinner=False)
def kept_heatmap(drawn: str, _view, base: str = "") -> go.Figure:  # noqa: ARG001 (the key)
    """`token_loss_figure(_view, base)`, kept under `drawn` (`heatmap_drawn_from(_view)`: everything it is drawn
    from) and `base` (its top row's name)."""
    return token_loss_figure(_view, base)


__all__ = [
    "ACCURACY_HELP",
    "CHANGE_HELP",
    "COST_KEY",
    "HEATMAP_NOTE",
    "LOSS_MAX",
    "LOSS_TICKS",
    "REPEATS",
    "ROWS_PER_PAGE",
    "TABLE_ROWS",
    "TEXT_HEATMAP_NOTE",
    "answer",
    "answered_turn",
    "base_columns",
    "blanks",
    "blanks_said",
    "change_help",
    "cost_panel",
    "cost_section",
    "csv_download",
    "heatmap_drawn_from",
    "kept_heatmap",
    "how_sure",
    "lines_said",
    "places_of",
    "with_places",
    "kept_said",
    "changed_said",
    "loops_said",
    "kept_elsewhere_said",
    "other_choices_said",
    "row_label",
    "side_by_side",
    "starting_model",
    "token_loss_figure",
    "token_loss_table",
    "tool_names",
]
