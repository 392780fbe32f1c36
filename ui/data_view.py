"""Draw what ftlib.data read: the file's report (format, counts, what is ignored, bad rows), its canonical rows as
chat turns (reasoning, tool calls, tool results and per-turn weights shown where they sit; every kind: sft,
preference, unpaired, text, prompt only) and the token-length histogram.

Texts are drawn with `st.text` (verbatim: no Markdown, so `*`, `_`, `<` and formulas show as written). A long one (a
reply, a tool call with its arguments, a tool's result, and each text of the raw JSON) shows its first 1,000
characters or 25 lines, with the whole in an expander below it (`verbatim`, `raw_json`).
"""

from __future__ import annotations

import json
import re
import textwrap
from functools import lru_cache, partial

import streamlit as st

from ftlib.config import field_specs
from ftlib.data import DataError
from ftlib.data_stats import count_truncated, dataset_stats, row_counts
from ftlib.errors import plural
from ftlib.format_notes import format_said, free_fields
from ftlib.formats import FORMAT_PLAIN, format_label
from ftlib.message_checks import first_dropped_tool_calls
from ftlib.model_names import model_said
from ftlib.notices import shown_notices
from ftlib.rows import as_turns, row_kind
from ftlib.skipped_groups import group_places, skipped_groups
from ftlib.table_peek import first_table_rows
from ftlib.template_input import call_text
from ftlib.templates import TOOL_TEMPLATES, get_template, render
from ui import alerts, chart_data
from ui.common import active_model, cached_tokenizer, user_errors
from ui.kept import custom_source, default_for, keep, keep_unless, shared_value
from ui.labels import as_in_training, in_form_words, on_data_page, setting_label, template_label, training_default
from ui.tables import html_table

STATS_ROW_LIMIT = 5000  # token lengths are measured on at most this many rows, evenly spread
BAD_ROWS_SHOWN = 30  # reasons for skipping listed in full; every skipped row is also in a table below them
CUT_NAMED = 3  # rows a max length cuts, named before "and N more"
# A preview's text is cut after this many characters, or lines of them (a reply of 200 short lines fills a page too).
PREVIEW_CHARS = 1000
PREVIEW_LINES = 25

# What the rows hold, as sentences: (one row, several rows).
COUNT_WORDS = {
    "tool_calls": ("row has tool calls", "rows have tool calls"),
    "tools": ("row lists the tools the model may call", "rows list the tools the model may call"),
    "reasoning": ("row has reasoning before its answer", "rows have reasoning before their answers"),
    "weight_0": ("row has a turn weighted 0 (not trained)", "rows have a turn weighted 0 (not trained)"),
}

AVATARS = {
    "system": ":material/settings:",
    "user": ":material/person:",
    "assistant": ":material/smart_toy:",
    "tool": ":material/build:",
}


def preview_cut(text: str) -> str:
    """The start of `text` the preview shows: its first `PREVIEW_CHARS` characters, of them its first `PREVIEW_LINES`
    lines; `text` itself when it is shorter.

    >>> len(preview_cut("x" * 5000)), preview_cut("a\\nb" * 3) == "a\\nb" * 3
    (1000, True)
    """
    head = text[:PREVIEW_CHARS]
    lines = head.split("\n")
    return "\n".join(lines[:PREVIEW_LINES]) if len(lines) > PREVIEW_LINES else head


def verbatim(text: str) -> None:
    """`text` as it is, its start only where it is long (`preview_cut`): a row of thousands of characters filled the
    page (helper 191's walk); how many are not shown is said, and the whole text is in an expander below it, as a
    dataset viewer cuts a long cell."""
    head = preview_cut(text)
    _as_written(head)
    if head != text:
        st.caption(
            f"… {len(text) - len(head):,} more characters not shown ({len(text):,} in all): the whole text is below."
        )
        with st.expander(f"Show all {len(text):,} characters"):
            _as_written(text)


def _as_written(text: str) -> None:
    """st.text drops what starts and ends `text` and dedents it (textwrap.dedent: "    def f():" showed as "def f():",
    a reply's leading space went unseen); text it would change shows in a code block, which keeps it."""
    if textwrap.dedent(text).strip() == text:
        st.text(text)
    else:
        st.code(text, language=None, wrap_lines=True)


def cut_texts(value):
    """(`value` with each text longer than the preview's cut (`preview_cut`) cut there and marked "… [N more
    characters]", how many were cut); `value` itself when none is. Keys, numbers and the nesting stay as they are.

    >>> cut_texts({"a": ["x" * 1200, "short"], "n": 3})[0]["a"][0][-24:], cut_texts({"a": "b"})
    ('x… [200 more characters]', ({'a': 'b'}, 0))
    """
    if isinstance(value, str):
        head = preview_cut(value)
        return (value, 0) if head == value else (f"{head}… [{len(value) - len(head):,} more characters]", 1)
    if isinstance(value, (list, dict)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        parts = {k: cut_texts(v) for k, v in items}
        if not any(n for _, n in parts.values()):
            return value, 0
        cut = {k: v for k, (v, _) in parts.items()}
        return (cut if isinstance(value, dict) else list(cut.values())), sum(n for _, n in parts.values())
    return value, 0


def raw_json(row: dict) -> None:
    """A canonical row as JSON, each long text cut as the preview cuts one (`cut_texts`: a reply or a call's arguments
    of thousands of characters filled the page), how many were cut said, and the whole row in an expander below."""
    shown, cut = cut_texts(row)
    st.json(shown)
    if cut:
        st.caption(
            f"{plural(cut, 'text')} over {PREVIEW_CHARS:,} characters or {PREVIEW_LINES} lines "
            f"{'is' if cut == 1 else 'are'} cut above (marked “… [N more characters]”): the whole row is below."
        )
        with st.expander("Show the whole row"):
            st.json(row)


def show_turns(turns: list[dict]) -> None:
    """One chat message per turn; reasoning, tool calls and a weight of 0 are labelled inside it."""
    for turn in turns:
        with st.chat_message(turn["role"], avatar=AVATARS.get(turn["role"])):
            if turn["role"] == "tool":
                st.caption("Tool result" + (f" of `{turn['name']}`" if turn.get("name") else ""))
            if turn.get("reasoning"):
                st.caption("Reasoning (before the answer)")
                verbatim(turn["reasoning"])
            if turn.get("content"):
                verbatim(turn["content"])
            for call in turn.get("tool_calls") or []:
                st.caption("Tool call")
                # Cut as a long text is: a call's 5,000-character arguments filled the page (helper 203's brief)
                verbatim(call_text(call, limit=None))
            if turn.get("weight") == 0:
                st.caption("Weight 0: shown to the model as context, not trained.")


def show_tools(row: dict) -> None:
    tools = row.get("tools") or []
    if tools:
        names = [(t.get("function") if isinstance(t.get("function"), dict) else t).get("name") for t in tools]
        with st.expander(f"Tools the model may call: {', '.join(map(str, names))}"):
            st.json(tools)


def counts_sentence(counts: dict[str, int]) -> str:
    """What the rows hold in plain sentences with correct plurals ("" when nothing notable).

    >>> counts_sentence({"tool_calls": 1, "tools": 2, "reasoning": 0, "weight_0": 0})
    '1 row has tool calls. 2 rows list the tools the model may call.'
    """
    parts = [f"{counts[k]} {one if counts[k] == 1 else many}." for k, (one, many) in COUNT_WORDS.items() if counts[k]]
    return " ".join(parts)


def show_row(row: dict, where: str, raw: bool) -> None:
    """One row in a bordered box headed with where it is in the file (`LoadResult.where`: a .json file's key said
    too, "item 7 (the 'test' key's item 1)", as every message names the row); `raw` shows the canonical JSON
    instead."""
    with st.container(border=True):
        st.caption(where[:1].upper() + where[1:])
        if raw:
            raw_json(row)
            return
        kind = row_kind(row)
        show_tools(row)
        if kind == "text":
            st.caption("Plain text: every token after the first is trained (next-token prediction, no chat template).")
            verbatim(row["text"])
        elif kind == "prompt_only":
            show_turns(as_turns(row["prompt"], "user"))
            st.caption("A prompt without an answer: the model writes answers itself (online RL).")
            if row.get("columns"):  # rows.with_columns: not trained, passed to GRPO's reward functions
                given = "; ".join(f"`{k}` = {json.dumps(v, ensure_ascii=False)}" for k, v in row["columns"].items())
                st.caption(f"Given to GRPO's reward functions beside the prompt: {given}")
        elif kind == "preference":
            show_turns(as_turns(row["prompt"], "user"))
            good, bad = st.columns(2)
            with good:
                st.markdown("**Chosen** ✅")
                show_turns(as_turns(row["chosen"]))
            with bad:
                st.markdown("**Rejected** ❌")
                show_turns(as_turns(row["rejected"]))
        elif kind == "unpaired":
            show_turns(as_turns(row["prompt"], "user"))
            st.markdown("**A good answer** ✅" if row["label"] else "**A bad answer** ❌ (learnt as what not to say)")
            show_turns(as_turns(row["completion"]))
        else:
            show_turns(row["messages"])


@st.cache_data(max_entries=4, show_spinner=False)
def first_rows_cached(path: str, version: tuple, shown: str) -> list[dict]:
    """The first rows of a table as the file holds them (`table_peek.first_table_rows`); `version` (`file_stamp`) in
    the key so an edited or replaced file is read again. [] for a file that is not a table or cannot be read (the
    page says why elsewhere)."""
    try:
        return first_table_rows(path, shown)
    except (DataError, OSError):
        return []


def show_first_rows(rows: list[dict], shown: str) -> None:
    """The table's first `rows` as a grid above the column boxes, so a table whose columns were not guessed is
    mapped seeing its cells (a cold walk: the boxes started at "(none)" and no row was shown until both were set)."""
    if not rows:
        return
    st.caption(
        f"The first {plural(len(rows), 'row')} of **{shown}**, as the file holds them: which column holds the "
        "question, and which the answer?"
    )
    st.dataframe(rows, hide_index=True)


def show_report(result, counts: dict[str, int] | None = None) -> None:
    """Metrics (good/bad answers for unpaired rows), what the rows hold, file-level notices, the skipped rows.
    `counts`: `ftlib.data_stats.row_counts` of its rows where the page keeps them (counted here otherwise)."""
    counts = counts if counts is not None else row_counts(result.rows, result.kind)
    # The format in plain words, on a row of its own; its standard name (what docs and the CLI call it) under the
    # counts. Beside them, at twice a count's width, a 1280 px window cut "instruction and answer" to "instruction
    # and an…" (and "answers marked good or bad" beside five counts worse): a metric never wraps.
    st.metric("Format", FORMAT_PLAIN[result.format])
    metrics = {"Rows read": result.total, "Valid rows": result.valid_rows, "Skipped rows": len(result.errors)}
    if result.kind == "unpaired":
        metrics.update({"Good answers": counts.get("good", 0), "Bad answers": counts.get("bad", 0)})
    for column, (name, value) in zip(st.columns(len(metrics)), metrics.items(), strict=True):
        column.metric(name, value)
    # the format's fields as this file has them: pairs without a prompt field read it from their shared opening
    fields = [*result.fields, *(result.column_map or {})]
    notes = [n.message for n in result.notices]
    st.caption(f"Read as {format_label(result.format)}: {format_said(result.format, fields, notes)}.")
    held = counts_sentence(counts)
    if held:
        st.caption(held)
    if counts.get("tool_calls"):
        # Whether the model sees the calls is the chat template's doing, chosen on Tokens and Train (which check it).
        st.info(
            "Tool calls reach the model only if its chat template writes them: many models' own templates leave "
            "them out, and the model would learn to answer without calling. The **Tokens** page "
            "shows what the template keeps; **Train** refuses a template that drops them and names one that keeps "
            "them (e.g. `hermes`).",
            icon=alerts.INFO,
        )
    # What the reader chose for the file (a delimiter other than the comma) is a note, not a problem: shown as
    # information, like the tool-call note above; what may be wrong (fields not read, another format) as warnings.
    # A table's columns nothing reads (ids, dates, notes) are normal: one info line naming them, not a warning each;
    # a JSON file's unread keys stay warnings (there one is often a misspelling).
    # Mapping is offered only where a field of the format is still free, and which ones: a `category` column beside a
    # question and an answer has none to go to when every field is taken (a walk read "map one ... to use it").
    free = free_fields(result.format, result.column_map)
    named = " or ".join(f"`{f}`" for f in free)  # at most a few: `input` or `system`
    how = f"to use one, map it to {named} under Field mapping above" if free else ""
    notices, rest = shown_notices(result.notices, table=result.columns is not None, how=how)
    for unused in (n for n in notices if n.note and n.ignored):  # a table's columns nothing reads: a plain line
        st.caption(f"{alerts.INFO} {unused.message}")
    # worded for the page and the CLI at once: here the boxes are "above", and the CLI's `--map` is not said
    notes = [on_data_page(n.message) for n in notices if n.note and not n.ignored]
    problems = [on_data_page(n.message) for n in notices if not n.note]
    problems += [rest[0].upper() + rest[1:] + "."] if rest else []
    for note in notes:
        st.info(note, icon=alerts.INFO)
    if problems:
        st.warning("\n".join(f"- {m}" for m in problems), icon=alerts.WARNING)
    if rest:  # every field nothing reads, in a table rather than hundreds of bullets
        ignored = [{"field": n.field, "rows": n.rows} for n in result.notices if n.ignored]
        with st.expander(f"All {len(ignored)} ignored fields"):
            st.dataframe(ignored, hide_index=True)
    if result.errors:
        bad, kept = len(result.errors), result.total - len(result.errors)
        st.warning(
            f"{bad} of the file's {plural(result.total, 'row')} cannot be used and "
            f"{'is' if bad == 1 else 'are'} skipped; "
            + (f"the other {kept} {'is' if kept == 1 else 'are'} kept." if kept else "none is kept."),
            icon=alerts.WARNING,
        )
        # One line per reason, not per row (a 30-row file with 10 rows skipped for one reason showed its sentence
        # 10 times): how many rows, which, and each row's own detail (its turn, its value) where that differs.
        groups = skipped_groups([(result.where(e.row), on_data_page(e.message)) for e in result.errors])
        shown = [{"rows": group_places(rows), "why it is skipped": why} for rows, why in groups]
        st.html(
            html_table(
                shown[:BAD_ROWS_SHOWN],
                widths={"rows": "11em"},
                code=("why it is skipped",),
                breaks=("why it is skipped",),
            )
        )
        if len(groups) > BAD_ROWS_SHOWN:
            st.caption(f"The first {BAD_ROWS_SHOWN} of {len(groups)} reasons; every row is listed below.")
        if len(groups) < len(result.errors) or len(groups) > BAD_ROWS_SHOWN:  # nothing hidden: each row, its reason
            with st.expander(f"Every skipped row ({len(result.errors)}), each with its own reason"):
                st.dataframe(
                    [{"where": result.where(e.row), "why": on_data_page(e.message)} for e in result.errors],
                    hide_index=True,
                )
    if result.warnings:
        odd = len(result.warnings)
        with st.expander(
            f"{plural(odd, 'row')} {'is' if odd == 1 else 'are'} kept but {'looks' if odd == 1 else 'look'} odd"
        ):
            # Where each row is in the file's own words ("item 4", "data row 5 (line 6 of the file)"), as the skipped
            # rows above and the preview say it: a bare 4 read as the file's line 4 of a CSV (the header is line 1).
            st.dataframe(
                [{"where": result.where(w.row), "what looks odd": w.message} for w in result.warnings], hide_index=True
            )


def length_figure(lengths: list[int], cutoff: int):
    """A histogram of token lengths with the max-length cutoff as a dashed line (when it is in view).

    Built once per lengths and cutoff in this process: the Data page reruns at every click, and plotly express took
    ~0.03 s of CPU to build the same figure each time (st.plotly_chart only reads it, through `to_dict`)."""
    return _length_figure(tuple(lengths), cutoff)


@lru_cache(maxsize=16)
def _length_figure(lengths: tuple[int, ...], cutoff: int):
    import plotly.express as px

    from ui.charts import readable_text

    longest = max(lengths)
    fig = px.histogram(
        x=list(lengths), nbins=min(60, max(10, len(set(lengths)))), labels={"x": "tokens per row", "count": "rows"}
    )
    # Scale to the data, not to a far-away cutoff, so short datasets still show their shape.
    x_max = max(longest, min(cutoff, 2 * longest)) * 1.08
    if cutoff <= x_max:
        fig.add_vline(x=cutoff, line_dash="dash", line_color="red", annotation_text=f"max length {cutoff}")
    fig.update_layout(
        height=320, margin={"t": 30, "b": 10}, yaxis_title="rows", showlegend=False, xaxis_range=[0, x_max]
    )
    return readable_text(fig)


def length_table(lengths: list[int]):
    """The token-length histogram's numbers as a table: rows per range of lengths (the ranges that hold rows), in the
    histogram's own number of bins; for `chart_data.show`."""
    import numpy as np
    import pandas as pd

    counts, edges = np.histogram(lengths, bins=min(60, max(10, len(set(lengths)))))
    spans = [
        (int(np.ceil(lo)), int(np.ceil(hi)) - (i < len(counts) - 1))
        for i, (lo, hi) in enumerate(zip(edges, edges[1:], strict=False))
    ]
    return pd.DataFrame(
        [
            {"tokens per row": f"{lo}" if lo >= hi else f"{lo}-{hi}", "rows": int(n)}
            for (lo, hi), n in zip(spans, counts, strict=True)
            if n
        ]
    )


@st.cache_data(max_entries=8, show_spinner="Measuring token lengths...")
def token_lengths(key: tuple, model: str, template: str, source: str, _rows: list[dict], _tokenizer) -> list[int]:
    """Token length of each row under the chat template `template` (cached by file, model and template)."""
    chat = get_template(template, _tokenizer, source=source or None)
    return dataset_stats(_rows, _tokenizer, render=partial(render, chat), template=chat)["token_lengths"]


def shape_said(shape: str, shown: str) -> str:
    """Why no format reads the file `shown`, whose rows are in a shape another tool publishes (`MappingNeeded.shape`:
    OpenAssistant's message trees, UltraFeedback's raw rows, rows keyed by an id, ...), and what to write instead, for
    everyone (it was only in the full message under "For engineers"): the format box by its label, not its flag.

    >>> print(shape_said("its rows are odd; pick the format 'text' (--format text)", "a.jsonl"))
    No format reads **a.jsonl** as it is: its rows are odd; pick **plain text (text)** in **Read the file as** above.
    """
    said = on_data_page(f"No format reads **{shown}** as it is: {shape}.")
    return re.sub(r"the format '(\w+)'", lambda m: f"**{format_label(m[1])}** in **Read the file as** above", said)


def template_box_elsewhere(message: str) -> str:
    """A template's refusal (worded for the pages and the CLI at once) as the Data page says it: its Chat template box
    is on the Tokens, Batches and Train pages (one choice on the three), not on this one."""
    return in_form_words(message).replace("the **Chat template** box", "the **Chat template** box on the Tokens page")


def chosen_template() -> tuple[str, str]:
    """(name, custom source or "") of the template training will use: the one last chosen on Tokens, Batches or
    Train (one choice on the three, `ui.kept.shared`), else the model's own."""
    name = shared_value("template", field_specs()["template"].default)
    return name, custom_source() if name == "custom" else ""


def token_histogram(result, key: tuple) -> None:
    """Token lengths of the rows under the template training will use, and how many a max length would cut; when
    that template leaves out the rows' tool calls (Train refuses it for them), the lengths under one that writes them
    (`TOOL_TEMPLATES[0]`), said beside the chart, never a count of the rows without their calls."""
    st.subheader("Token lengths")
    model = active_model()
    rows, numbers = result.rows, result.row_numbers
    if len(rows) > STATS_ROW_LIMIT:
        step = -(-len(rows) // STATS_ROW_LIMIT)
        rows, numbers = rows[::step], numbers[::step]
        st.caption(f"Measured on {len(rows)} evenly spread rows of {result.valid_rows}.")
    template, source = chosen_template()
    keeps = TOOL_TEMPLATES[0]
    with user_errors(f"Could not load the tokenizer of `{model_said(model)}`"):
        tokenizer = cached_tokenizer(model)
    named = template_label(template, in_sentence=True)  # "the model's own template", mid-sentence
    with user_errors(f"Could not measure the rows with {named}", template_box_elsewhere):
        # The same check as `data inspect`'s warning (ftlib.message_checks), so page and CLI cannot disagree.
        chat = get_template(template, tokenizer, source=source or None) if template != keeps else None
        dropped = chat is not None and first_dropped_tool_calls(rows, tokenizer, chat) is not None
        # A template that leaves the calls out is refused for these rows by Train: its lengths counted rows without
        # their calls, a run's never (h254). Measured with one that writes them instead, and said beside the chart.
        lengths = token_lengths(key, model, *((keeps, "") if dropped else (template, source)), rows, tokenizer)
    measured = template_label(keeps, in_sentence=True) if dropped else named
    how = {
        "preference": "the prompt and the longer of its two answers, as training cuts each",
        "unpaired": "the prompt and its answer",
        "text": "the text and the end-of-text token training adds",
    }.get(result.kind, "the whole conversation")
    # One pair of brackets: "(the whole conversation, written with X (chosen on ...))" nested two (helper 105's walk)
    written = "" if result.kind == "text" else f", written with **{named}**, chosen on Tokens, Batches or Train"
    written = f", written with **{measured}** (see below)" if dropped else written
    st.caption(f"How long each row is for `{model_said(model)}`, in tokens: {how}{written}.")
    if dropped:
        st.warning(
            f"These lengths are measured with **{measured}**, not with **{named}**, which is chosen on Tokens, "
            "Batches or Train: that one leaves out these rows' tool calls, so Train refuses it for them, and its "
            f"lengths would count the rows without their calls. Choose **{measured}** (or another template that "
            "writes tool calls) in the **Chat template** box on the Tokens or Train page.",
            icon=alerts.WARNING,
        )
    longest = max(lengths)
    top = max(2048, 1 << (longest - 1).bit_length())
    # -- the length-check slider (walk-view): starts at the Train form's max length and says whether it is that one
    start = min(training_default("max_length"), top)
    cutoff = st.slider(
        setting_label("max_length"),
        16,
        top,
        default_for("data_max_length", start, range(16, top + 1)),
        16,
        key="data_max_length",
        help="Training cuts every example to this many tokens; this slider only previews it.",
        on_change=keep,
        args=("data_max_length",),
    )
    keep_unless("data_max_length", start)  # untouched, it follows the Train form's max length after a visit there
    st.caption(as_in_training("max_length", cutoff))
    # -- end of the length-check slider
    over, fraction = count_truncated(lengths, cutoff)
    st.plotly_chart(length_figure(lengths, cutoff))
    chart_data.show(length_table(lengths))  # the histogram's bars for the keyboard and a screen reader (hover only)
    # Each count says which template it is for: a green "0 rows" of a template that leaves the calls out stood above
    # the warning that hermes, which Train asks for, cuts 20 (helper 67's walk). Not green then: training cannot use
    # that template for these rows.
    under = "" if result.kind == "text" else f" with {measured}"
    # Which rows, in the file's words ("line 4", "data row 3 (line 4 of the file)"): a cold walk (helper 191) was told
    # "1 row (25.0%) would be truncated" and had to find it by eye in the preview.
    cut = [result.where(n) for n, length in zip(numbers, lengths, strict=True) if length > cutoff]
    which = f": {', '.join(cut[:CUT_NAMED])}" + (f" and {len(cut) - CUT_NAMED} more" if len(cut) > CUT_NAMED else "")
    message = (
        f"{plural(over, 'row')} ({fraction:.1%}) would be truncated at {cutoff} tokens{under} (longest: {longest})"
        f"{which if cut else ''}."
    )
    if over and result.kind == "text":  # the fix, as README's Long documents says it (a walk was told no way out)
        message += (
            f" Training never sees a text's tokens past the cut. To train every token, turn on "
            f"**{setting_label('packing')}** and set **{setting_label('packing_strategy')}** to `bfd_split` (Train "
            "page, **More settings**, *How rows become tokens*): each long text is then split into pieces of the max "
            "length; or raise the max length."
        )
    alerts.show("warning" if over else "info" if dropped else "success", message)
