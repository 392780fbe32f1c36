"""Batches: how a few encoded rows become one rectangle of numbers (right padding, left padding, packing), and what
each way of batching costs on the whole training split. Drawing only: batching is `ftlib.batching`, the grid and
the overview are `ui.batch_view`.

Every box keeps its value through a visit to another page (`ui.kept`). The chat template, what is trained and the max
length are one choice with the Tokens and Train pages: they start from the one last made on any of the three (a
caption says when that was on another page), and a change here is the choice those pages start from; Custom is
offered, and used, while a custom template written on Tokens is kept. The grids and the whole-split table show the
rows cut at that max length, as a run cuts them (and say which were cut). The batch size of the whole-split table
starts from the Train page's and follows it until set to something else here, which is then for this preview only
(said under it).
"""

from __future__ import annotations

import re

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from ftlib import batch_costs, batching, checks, fastpath, workspace
from ftlib.config import field_specs
from ftlib.errors import plural
from ftlib.models import context_length, cuda_available
from ftlib.row_cuts import TOKENS_PAGE_SHOWS
from ftlib.rows import row_kind
from ftlib.split_lines import flat_place, lines_note, named_rows, places_note, row_places
from ftlib.templates import TEMPLATE_NAMES, get_template
from ftlib.tokens import POLICIES
from ui import alerts, chart_data
from ui.auth import require_password
from ui.batch_view import (
    CAPTIONS,
    CSS,
    GRPO_PADDING,
    LEGEND,
    PACKING_FOR_ENGINEERS,
    PROMPTS_LEFT_CAPTION,
    STRATEGIES_SAID,
    TABLE_FOR_ENGINEERS,
    TEXT_WORK_SAID,
    WHY_PACKING,
    WHY_PADDING,
    WORK_CHART_TITLE,
    WORK_LABEL,
    WORK_SAID,
    WORK_UNIT,
    Shown,
    bar_text,
    drawn_from,
    grid_html,
    overview,
    overview_rows,
    padding_free_runs,
    padding_said,
    read_only_what,
    steps_help,
    work_help,
    work_said,
)
from ui.charts import CHART_TEXT, readable_text
from ui.common import active_model, cached_split, cached_tokenizer, require_split, split_row_kinds, user_errors
from ui.form import start_from_last_run
from ui.inputs import number_in_range
from ui.kept import custom_source, default_for, keep, keep_unless, restore, say_where_set, share, show_shared
from ui.labels import as_in_training, in_form_words, policy_label, setting_label, template_label, training_default

# A page is also served by its URL before any session has built app.py's navigation (Streamlit serves the
# pages/ folder until then): the password is checked here too, not only in app.py.
require_password()
# A new session starts from the settings of the run last started, as the Train page does: its template, mask policy
# and max length are the choices this page previews (a cold test: it showed the defaults until Train was opened).
start_from_last_run()

MAX_COLUMNS = 320  # wider grids get a "first position" slider; a browser table of thousands of cells crawls
PACK_LIMITS = (8, int(field_specs()["max_length"].maximum))  # the packed row length a grid offers: any max length
PACK_DEFAULT = "batch_pack_length_default"  # the length the untouched box last showed
# Whole-split statistics and template checks look at this many rows at most (encoded once: ~1 s per 1,500 rows on a
# 2-core CPU, ~100 KB a row held while the page is used); past it the page says that the Train page's check before a
# run covers the rest (a review found refusals past row 3,000 unsaid; 20,000 rows took a minute and 2.5 GB).
STATS_ROW_LIMIT = 3000
# The whole-split table's columns as shown: what the section asks ("which batching wastes least") first, beside the
# strategy. In the table's own order "work per trained token" came eighth, past the right edge of a 1280 px window
# (a cold walk found it only by scrolling the table sideways; the chart below it shows the same two numbers).
TABLE_ORDER = (
    *("strategy", "work per trained token", "padding share (%)", "steps", "real tokens", "padding"),
    *("read, not trained (%)", "trained", "cut"),
)
# Each column's width in pixels: its heading (short: "only read", not "read, not trained (%)") and widest value with
# the cell's padding, at about 6.3 px a character as the table draws them. Together 814: the table's width in a 1280 px
# window with the sidebar open is 820 (a walk found the last two columns cut off there, seen only by scrolling it).
TABLE_WIDTHS = {
    "strategy": 184,  # "Padding, grouped by length"
    "work per trained token": 160,  # its heading; "12.34 positions" is narrower
    "padding share (%)": 100,
    "steps": 55,
    "real tokens": 62,  # headed "tokens"
    "padding": 66,
    "read, not trained (%)": 78,  # headed "only read"
    "trained": 64,
    "cut": 45,
}


def draw(
    batch: batching.Batch,
    shown: Shown,
    original_labels: list[list[int]],
    key: str,
    trained_as=None,
    padding_free: bool = False,
    runs: str = "SFT runs",
    prompts_only: bool = False,
    texts: bool = False,
) -> None:
    """The batch's numbers, grid and overview. `trained_as`: the batch's statistics as training computes it (a packed
    batch runs padding-free, so the padding that squares off the picture is not computed); the picture's own if
    None. `padding_free`: this server's runs do not compute the right padding either (`padding_said`); `runs`: which
    runs (`padding_free_runs`); `prompts_only`: GRPO's prompts, which train the answers the model writes to them;
    `texts`: raw texts, whose only tokens read but not trained are their first (`work_said`)."""
    drawn = batch.stats()
    s = trained_as or drawn
    a, b, c, d = st.columns(4)
    a.metric("Rows × positions", f"{batch.shape[0]} × {batch.shape[1]}")
    # A padding-free run (CPU) computes none of the grey cells; a GPU run computes them all. The label says which
    # the number is, the caption below gives the GPU's ("48 (13%) on a GPU · 0 here" was cut to "48 (13%) o…").
    if padding_free:
        b.metric(  # "0 (0%)", as the other tabs' "Padding" says its number
            "Padding computed here",
            "0 (0%)",
            help="On a GPU: " + f"{drawn.padded_positions} ({drawn.pad_fraction:.0%}).",
        )
    else:
        b.metric("Padding", f"{s.padded_positions} ({s.pad_fraction:.0%})")
    b.caption(padding_said(batch.layout, drawn, s, padding_free, runs))
    c.metric("Trained tokens", s.trained_tokens)
    trained = s.trained_tokens > 0
    untrained = (
        "GRPO trains on the answers the model writes to these prompts, not on the prompts: their cost shows in a run."
        if prompts_only
        else "No token of these rows is trained with this setting, so all of the work would be wasted."
    )
    d.metric(
        WORK_LABEL,
        f"{s.computed_per_trained:.2f}" if trained else "none trained",  # its unit in the caption (a value is cut)
        help=work_help(texts) if trained else untrained,
    )
    if prompts_only and not trained:
        c.caption("Prompts for GRPO: the model writes the answers it trains on, during the run.")
    d.caption(work_said(s, texts) if trained else TEXT_WORK_SAID if texts else WORK_SAID)
    st.caption(PROMPTS_LEFT_CAPTION if prompts_only and batch.layout == "left" else CAPTIONS[batch.layout])
    # The colour key before the overview, whose cells it explains as well as the grid's: under the grid, it came after
    # the chart, its table and the position slider, and the chart's colours were said nowhere near it (h240's walk).
    st.html(CSS + LEGEND)
    st.plotly_chart(
        overview_figure(drawn_from(batch, shown.names), batch, shown.names), width="stretch", key=f"{key}_overview"
    )
    chart_data.show(pd.DataFrame(overview_rows(batch, shown.names)))  # what the chart says on hover, as a table
    width, lo = batch.shape[1], 0
    if width > MAX_COLUMNS:
        lo = st.slider("First position shown", 0, width - MAX_COLUMNS, 0, step=16, key=f"{key}_lo")
    st.html(CSS + grid_html(batch, shown, original_labels, lo, min(width, lo + MAX_COLUMNS)))
    if batch.overflow:
        cut = ", ".join(f"{shown.names[o.example]} ({o.length} → {plural(o.kept, 'token')})" for o in batch.overflow)
        st.warning(
            f"Longer than the packed row length, cut to fit: {cut}. Raise the packed row length to keep them.",
            icon=alerts.WARNING,
        )


# The charts are built once per what they draw and shared by every session as the same objects, never changed by the
# page (`st.plotly_chart` sends a copy): built at each click, the three overviews and the table's bars were about half
# of a Batches rerun on the sample (BENCHMARKS.md, "Page responsiveness"). A toggle, a slider of another tab or the
# whole-split table's batch size draws no overview again; other rows, a template or a length make new ones.
@st.cache_resource(max_entries=24, show_spinner=False)
def overview_figure(drawn: str, _batch: batching.Batch, _names: list[str]) -> go.Figure:  # noqa: ARG001 (the key)
    """`overview(_batch, _names)`, kept under `drawn` (`drawn_from(_batch, _names)`: everything it is drawn from)."""
    return overview(_batch, _names)


@st.cache_resource(max_entries=16, show_spinner=False)
def strategies_chart(table: pd.DataFrame) -> go.Figure:
    """The whole-split table's padding share and work per trained token as bars, one facet each: kept per table (its
    values are the key), so a click that changes no number of it draws the same figure."""
    long_table = table.melt(id_vars="strategy", value_vars=["padding share (%)", "work per trained token"])
    # Each bar's label (`bar_text`): a 0% bar has no height, and packing's stood unlabelled beside 36.32 and 39.38.
    columns = (long_table["variable"], long_table["value"], long_table["strategy"])
    long_table["label"] = [bar_text(column, value, strategy) for column, value, strategy in zip(*columns, strict=True)]
    long_table["value"] = long_table["value"].fillna(0)  # nothing trained: a bar of none, labelled so
    # One neutral colour: a red bar would read as "bad" (the palette's third colour fell on packing, the best).
    fig = px.bar(
        long_table,
        x="strategy",
        y="value",
        facet_col="variable",
        text="label",
        height=320,
        color_discrete_sequence=["#4c78a8"],
    )
    # A bar of 0 carries its label above the axis, at full size (inside a bar of no height it was not drawn at all).
    for trace in fig.data:
        trace.textposition = ["outside" if not y else "auto" for y in trace.y]
        trace.constraintext = "none"
        trace.cliponaxis = False
        trace.outsidetextfont = {"color": CHART_TEXT}  # the theme's light grey, over no bar, was hard to read
    fig.update_yaxes(matches=None, showticklabels=True, title=None)
    titles = {"work per trained token": WORK_CHART_TITLE}  # its unit, as the table's cells say it
    fig.for_each_annotation(lambda a: a.update(text=titles.get(name := a.text.split("=")[-1], name)))
    fig.update_layout(showlegend=False, margin=dict(t=30, b=10))
    return readable_text(fig)


ROW_NAME = re.compile(r"row (\d+)\b")  # a sequence's name, `batching.encode_examples`' "row 3" / "row 3 · chosen"


def training_lines(meta: dict, size: int, said: list[str], names: list[str] = ()) -> str:
    """Where in the file the training rows `said` names ("training row 3", a run's words) and the sequences `names`
    ("row 3 · chosen") are, by row: `places_note`'s sentence over the split's `size` training rows; "" for a split
    that keeps no places (saved before they were kept)."""
    numbers = [n for side, n in named_rows(said) if side == "train"]
    numbers += [int(m.group(1)) for name in names if (m := ROW_NAME.match(name))]
    named = [("train", n) for n in sorted(set(numbers))]
    return places_note(meta, named, {"train": size}, "training", "the split's")


def cut_row_said(meta: dict, size: int, names: list[str], examples: list) -> str:
    """The cut rows among `examples` named as the page's info says them, each with its place in the file where the
    split keeps it: "row 3 (line 5 of chats.jsonl: 1957 → 384 tokens)" (helper 191's walk had "row 3 (1957 → 384
    tokens)" and no line); "" when none is cut."""
    cut = [(name, e) for name, e in zip(names, examples, strict=True) if e.truncated]
    numbers = [int(m.group(1)) for name, _ in cut if (m := ROW_NAME.match(name))]
    places = row_places(meta, "train", size, numbers)
    said = []
    for name, e in cut:
        m = ROW_NAME.match(name)
        place = places.get(int(m.group(1))) if m else None
        where = f"{flat_place(place)}: " if place else ""  # "(line 5 of the file)" flat: no brackets in brackets
        said.append(f"{name} ({where}{len(e.all_ids)} → {len(e.input_ids)} tokens)")
    return ", ".join(said)


# One split's encoding at a time, for ten minutes: the server's memory is shared by every session.
@st.cache_resource(max_entries=1, ttl=600, show_spinner="Encoding the training split as a run encodes it...")
def split_encoded(
    split: str, version: tuple, model_spec: str, template: str, policy: str, limit: int, source: str | None = None
) -> tuple[list, list[str], dict[int, str]]:
    """`batching.encode_examples` of the first `limit` training rows, each pair one item: shared by the table and the
    template checks, and kept while the batch size or max length change (a review timed the same 3,000 rows
    encoded twice on first render and again on every batch-size change). A resource: the same objects each time,
    never changed by the page. `version` as `split_stats`'s."""
    tok = cached_tokenizer(model_spec)
    chosen = get_template(template, tok, source=source)
    return batching.encode_examples(cached_split(split)[0][:limit], tok, chosen, policy, first=1, pairs=True)


@st.cache_data(max_entries=16, show_spinner="Batching the training split every way...")
def split_stats(
    split: str,
    version: tuple,
    model_spec: str,
    template: str,
    policy: str,
    batch_size: int,
    max_length: int,
    limit: int,
    source: str | None = None,
    grad_accum: int = 1,
    seed: int = 0,
    packing_strategy: str = "bfd",
    packs: bool = False,
) -> tuple[list[dict], dict[str, str], int, dict[int, str], list[tuple[str, str, int]], list[str]]:
    """`compare_strategies` over the first `limit` training rows (a preference pair is one of a batch's rows, with
    both answers, as DPO trains it) as `strategy_rows` (`ftlib batch`'s numbers, steps of `grad_accum` batches), the
    strategies they cannot use and why, how many are pairs, {row number: why} of the rows a run refuses (they
    cannot be encoded: left out of the table), the rows a run would leave out at `max_length` as (name, reason,
    tokens) (`batch_costs.untrained_rows`), and `train`'s warning of the rows it cuts and keeps
    (`batch_costs.cut_warnings`, as `ftlib batch` says it). Cached: the page reruns on every click and this takes
    about a second per few thousand rows; `version` (`workspace.split_version`) keys the split as saved now, so a
    split replaced under the same name is counted again. `source`: a custom template's Jinja text; `seed`: the run's,
    which orders the length-grouped batches; `packing_strategy`: the run's, whether packing cuts a longer row or
    splits it into pieces; `packs`: the run packs (the Train page's packing on), so under bfd_split it cuts and leaves
    out no row for its length (`batch_costs.cut_length`) and neither the rows left out nor the cut warning name one."""
    examples, names, failed = split_encoded(split, version, model_spec, template, policy, limit, source)
    if not examples:
        return [], {}, 0, failed, [], []
    compared = batch_costs.compare_strategies(
        examples, batch_size, max_length, seed=seed, grad_accum=grad_accum, packing_strategy=packing_strategy
    )
    stats = batch_costs.strategy_rows(compared, grad_accum)
    cut_at = batch_costs.cut_length(examples, max_length, packing_strategy if packs else "bfd")  # None: kept whole
    untrained = [(names[i], why, n) for i, why, n in batch_costs.untrained_rows(examples, cut_at)]
    tok = cached_tokenizer(model_spec)
    chosen, rows = get_template(template, tok, source=source), cached_split(split)[0][:limit]  # the rows encoded
    context = context_length(model_spec)
    cut = batch_costs.cut_warnings(
        examples, rows, None, tok, chosen, policy, cut_at, context, failed=failed, shows=TOKENS_PAGE_SHOWS
    )
    # Packing said as a fact of the rows' methods: nobody turned it on here (train's "Turn packing off" read so).
    unusable = batch_costs.unavailable(examples, neutral=True)
    return stats, unusable, batching.pairs_in(examples), failed, untrained, cut


@st.cache_data(max_entries=16, show_spinner="Checking the template on the training split...")
def split_template_checks(
    split: str, version: tuple, model_spec: str, template: str, policy: str, limit: int, source: str | None = None
) -> list[tuple[str, str, str]]:
    """What the template leaves out of the first `limit` training rows (tool calls, tools, reasoning), as (severity,
    message, fix): `checks.template_report`, what `train` refuses or warns about and `ftlib batch` prints. `version`
    as `split_stats`'s."""
    chosen = get_template(template, cached_tokenizer(model_spec), source=source)
    examples, _, failed = split_encoded(split, version, model_spec, template, policy, limit, source)
    rows = len(examples) + len(failed)
    numbers = [n for n in range(1, rows + 1) if n not in failed]  # one item a row (`pairs`): its number
    found = checks.template_report(examples, chosen, numbers, total=rows) if examples else []
    return [(c.severity, c.message, c.fix) for c in found]


def whole_split(
    name: str,
    version: tuple,
    train: list[dict],
    meta: dict,
    model: str,
    template_name: str,
    policy: str,
    max_length: int,
    source: str | None = None,
) -> None:
    st.subheader(f"All of `{name}`: which batching wastes least")
    s1, s2 = st.columns(2)
    # Starts at the Train form's value, so the table shows what a run with it would do; a value set here is kept (for
    # this preview only), an untouched box follows the Train page. The max length is the one above (one choice).
    size_in_training = training_default("batch_size")
    batch_size = number_in_range(
        s1,
        setting_label("batch_size"),
        field_specs()["batch_size"].minimum,  # a run's limits, as the Train form and `ftlib batch` take it
        field_specs()["batch_size"].maximum,
        default_for("batch_split_size", size_in_training),
        key="batch_split_size",
        help="Rows in one batch; a training step takes this many times the gradient accumulation (and the "
        "number of processes).",
        on_change=keep,
        args=("batch_split_size",),
    )
    keep_unless("batch_split_size", size_in_training)
    if batch_size is None:
        return
    s1.caption(as_in_training("batch_size", batch_size))
    grad_accum = int(training_default("grad_accum"))  # steps are optimizer steps, as the Train page's run makes them
    if grad_accum > 1:
        s1.caption(f"A step adds up {grad_accum} batches ({setting_label('grad_accum')}, as on the Train page).")
    # The Train page's settings, not a second copy; bfd_split is a packing strategy: with packing off no run splits.
    splits = bool(training_default("packing")) and training_default("packing_strategy") == "bfd_split"
    s2.caption(
        f"Every strategy cuts longer examples to the max length set above ({plural(max_length, 'token')}), as a run "
        "does; packing fills rows of that length"
        + (
            f", and splits a longer example into pieces of it, every token packed, as the Train page's "
            f"{setting_label('packing_strategy')} bfd_split does."
            if splits
            else "."
        )
    )
    with user_errors("Could not compute the statistics", in_form_words):
        stats, unusable, pairs, failed, untrained, cut = split_stats(
            name,
            version,
            model,
            template_name,
            policy,
            int(batch_size),
            int(max_length),
            STATS_ROW_LIMIT,
            source,
            grad_accum,
            int(training_default("seed")),  # the run's first epoch grouped by length, for its seed (`batch --seed`)
            "bfd_split" if splits else "bfd",  # `batch --packing-strategy`
            bool(training_default("packing")),  # a bfd_split run cuts no row; bfd_split with packing off is no run
        )
    if failed:  # as `train` and `ftlib batch` refuse them
        number, why = next(iter(failed.items()))
        others = f" (and {plural(len(failed) - 1, 'other row')})" if len(failed) > 1 else ""
        st.error(
            f"Train refuses these rows: row {number}{others} of the training split cannot be encoded: {why} The "
            "**Tokens** page shows the row.",
            icon=alerts.ERROR,
        )
    if not stats:
        st.warning("No training row could be encoded with these settings.", icon=alerts.WARNING)
        return
    # Raw texts alone have no prompt: what they read untrained is each text's first token (the help says so)
    texts = set(split_row_kinds(name)) == {"text"}
    table = pd.DataFrame(
        {
            "strategy": [batch_costs.STRATEGY_LABELS[s["strategy"]] for s in stats],
            "steps": [s["steps"] for s in stats],
            "real tokens": [s["real_tokens"] for s in stats],
            "padding": [s["padded_positions"] for s in stats],
            # in percent, rounded here: 2.36 and 2.03 both read 0.02 as fractions on the chart
            "padding share (%)": [round(100 * s["pad_fraction"], 2) for s in stats],
            # the prompts and other context read, not trained: no batching removes it (apart from padding's share)
            "read, not trained (%)": [round(100 * s["read_fraction"], 2) for s in stats],
            "trained": [s["trained_tokens"] for s in stats],
            # empty, not infinite, where nothing is trained (prompt-only rows: GRPO trains the answers it writes)
            "work per trained token": [s["computed_per_trained"] for s in stats],  # rounded as `ftlib batch` prints
            "cut": [s["dropped_tokens"] for s in stats],
        }
    )
    number = st.column_config.NumberColumn
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_order=TABLE_ORDER,
        # Each column as wide as its heading and values need, the headings short (the percent sign is in the cells),
        # the longer words in each heading's help: all nine fit a 1280 px window (TABLE_WIDTHS), where the last two
        # began past its right edge.
        column_config={
            "strategy": st.column_config.TextColumn(width=TABLE_WIDTHS["strategy"]),
            "steps": number(width=TABLE_WIDTHS["steps"], help=steps_help(grad_accum)),
            "real tokens": number(
                "tokens", width=TABLE_WIDTHS["real tokens"], help="Real tokens computed: every position but padding."
            ),
            "padding": number(width=TABLE_WIDTHS["padding"], help="Positions filled with padding."),
            "padding share (%)": number(
                "padding share",
                format="%.2f%%",
                width=TABLE_WIDTHS["padding share (%)"],
                help="Share of the computed positions that are padding: the batching changes it.",
            ),
            "read, not trained (%)": number(
                "only read",
                format="%.2f%%",
                width=TABLE_WIDTHS["read, not trained (%)"],
                help="Read, not trained: the share of the computed positions the model reads but does not learn from "
                f"({read_only_what(texts)}): the same for every batching, since the model needs them as context.",
            ),
            "trained": number(width=TABLE_WIDTHS["trained"], help="Tokens the loss learns from."),
            "work per trained token": number(
                format=f"%.2f {WORK_UNIT}",  # its unit in each cell: a bare 3.22 said nothing of what it counts
                width=TABLE_WIDTHS["work per trained token"],
                help=work_help(texts) + " Empty where no token is trained.",
            ),
            "cut": number(
                width=TABLE_WIDTHS["cut"], help="Tokens cut off because an example is longer than the max length."
            ),
        },
    )
    units = stats[0]["examples"] - pairs  # rows, or pairs (a pair is two sequences)
    seed = int(training_default("seed"))
    if said := batch_costs.grouping_said(stats, units, int(batch_size), grad_accum, seed, "pair" if pairs else "row"):
        st.caption(said)  # on a small split grouping sorts nothing and can pad more than shuffling (a walk asked why)
    if not cuda_available() and fastpath.padding_free_allowed():
        # The grid above says these runs compute no right padding; the table counts a padded batch's (a GPU's).
        st.caption(
            "The table counts what a padded batch computes, as on a GPU. On this CPU server, "
            f"{padding_free_runs(frozenset(split_row_kinds(name)))} lay the rows end to end and compute no padding."
        )
    sequences = plural(stats[0]["examples"], "sequence")
    note = f"{sequences} from the training split"
    if pairs:  # a step takes `batch_size` pairs, so twice as many sequences
        note = (
            f"{plural(pairs, 'preference pair')} ({sequences}) from the training split: a batch takes "
            f"{plural(batch_size, 'pair')}, the chosen and the rejected answer of each side by side, as DPO trains "
            "them"
        )
    if len(train) > STATS_ROW_LIMIT:
        note += f" (the first {STATS_ROW_LIMIT} of {len(train)} rows)"
    if failed:
        note += (
            f"; {plural(len(failed), 'row')} a run refuses (above) {'is' if len(failed) == 1 else 'are'} not counted"
        )
    st.caption(f"{note}. {STRATEGIES_SAID} **{WORK_LABEL}**: {TEXT_WORK_SAID if texts else WORK_SAID}")
    # Which row is the run's: a default one groups by length (a reviewer read "shuffled" as what a run does).
    method = training_default("method")
    used = batch_costs.run_strategy(method, training_default("packing"), training_default("group_by_length"))
    if any(s["strategy"] == used for s in stats):
        st.caption(
            f"A run with the Train page's settings now ({setting_label('method')} {method}, "
            f"{setting_label('group_by_length')} {'on' if training_default('group_by_length') else 'off'}, "
            f"{setting_label('packing')} {'on' if training_default('packing') else 'off'}) batches as "
            f"**{batch_costs.STRATEGY_LABELS[used]}**."
        )
    for strategy, why in unusable.items():
        st.info(f"**{batch_costs.STRATEGY_LABELS[strategy]}** is left out of the table: {why}", icon=alerts.INFO)
    fixes = {
        "cut": "Raise the max length above, or shorten the rows.",
        "masked": "Pick another loss policy above, or fix the rows.",
        "long_prompt": "Raise the max length above, or shorten the prompts.",
    }
    for said in batch_costs.untrained_warnings(untrained, max_length, f"the loss policy '{policy}'", fixes):
        st.warning(said, icon=alerts.WARNING)
    for said in cut:  # the rows kept, cut: the "cut" column alone said it (helper 104's walk); `train`'s words
        st.warning(in_form_words(said), icon=alerts.WARNING)  # the Train page's boxes, not `--packing`
    if where := training_lines(meta, len(train), cut, [name for name, _, _ in untrained]):  # their lines
        st.caption(where)
    with st.expander("For engineers: how this table is counted"):
        st.markdown(TABLE_FOR_ENGINEERS)
    st.plotly_chart(strategies_chart(table), width="stretch")


st.title("Batches")
st.caption(
    "A model trains on a rectangle: every row in a batch must have the same length. Here are three ways to make "
    "that rectangle from the same few examples, and what each one wastes."
)
name, train, test, meta = require_split()
version = workspace.split_version(name)  # the split as saved now: what the cached encodings are keyed by
model = active_model()
with user_errors("Could not load the tokenizer"):
    tokenizer = cached_tokenizer(model)

left, mid, right = st.columns(3)
# One choice with Tokens and Train (ui.kept): the first option of each box is its default, so a choice put back
# leaves no default to drop. Custom only while a custom template written on Tokens is kept. The max length too: the
# rows below are cut at it, as a run cuts them.
source = custom_source() or None
run_template = field_specs()["template"].default  # a run's: the first option, the box's default
templates = [run_template, *[t for t in TEMPLATE_NAMES if t not in (run_template, "custom")]]
if source:
    templates.append("custom")
show_shared("batch_template", "template", templates)
template_name = left.selectbox(
    "Chat template",
    templates,
    key="batch_template",
    format_func=template_label,
    on_change=share,
    args=("batch_template", "template", "Batches"),
)
say_where_set(left, "template", template_name, "Batches")
if template_name == "custom":
    left.caption("The custom template written on the Tokens page is used.")
else:
    source = None
show_shared("batch_policy", "mask_policy", POLICIES)
policy = mid.selectbox(
    "What is trained",
    POLICIES,
    key="batch_policy",
    format_func=policy_label,
    help="Which tokens get a label (the rest get -100).",
    on_change=share,
    args=("batch_policy", "mask_policy", "Batches"),
)
say_where_set(mid, "mask_policy", policy, "Batches")
restored = show_shared("batch_max_length", "max_length")
spec = field_specs()["max_length"]
max_length = number_in_range(
    right,
    setting_label("max_length"),
    spec.minimum,
    spec.maximum,
    None if restored else training_default("max_length"),
    step=spec.step,
    key="batch_max_length",
    help="Rows are cut to this many tokens, as training cuts them, in the grids and the table below; the Tokens and "
    "Train pages use it too.",
    on_change=share,
    args=("batch_max_length", "max_length", "Batches"),
)
if max_length is None:
    st.stop()
right.caption(as_in_training("max_length", max_length, "Batches"))
if not train:
    st.warning(
        f"The split `{name}` has no training rows. Save a split with some on the **Data** page.", icon=alerts.WARNING
    )
    st.stop()
rows_box, first_box = st.columns(2)
if len(train) > 1:
    most = min(16, len(train))
    n_rows = rows_box.slider(
        "Rows shown (preview only)",
        1,
        most,
        default_for("batch_rows", min(4, len(train)), range(1, most + 1), "Rows shown"),
        key="batch_rows",
        help="How many rows the grids below lay out, a few so they stay readable. Training's batch size is set on "
        f"the Train page ({training_default('batch_size')} for a run started now); the table at the bottom starts "
        "from it.",
    )
    keep("batch_rows")
else:
    n_rows = 1  # a slider needs two values to choose from
    rows_box.caption("One training row: nothing to pad against, but packing still shows its layout.")
last_first = max(1, len(train) - n_rows + 1)
number = number_in_range(
    first_box,
    "Starting at row",
    1,
    last_first,
    # a kept row past this split's end is not put back (said under the box)
    default_for("batch_first", 1, range(1, last_first + 1), "Starting at row"),
    key="batch_first",
    help="Row number in the training split, counted from 1 as on the Data page.",
    on_change=keep,
    args=("batch_first",),
)
keep("batch_first")
if number is None:
    st.stop()
first = number - 1  # the index into the split; rows are named by their number from 1

with user_errors("Could not encode the rows", in_form_words):
    examples, names, _ = batching.encode_examples(
        train[first : first + n_rows],
        tokenizer,
        get_template(template_name, tokenizer, source=source),
        policy,
        first=number,
        strict=True,
        max_length=max_length,
    )
with user_errors("Could not check the template", in_form_words):
    # What Train refuses or warns about these rows under this template, as the Tokens page and `ftlib batch` say it.
    found = split_template_checks(name, version, model, template_name, policy, STATS_ROW_LIMIT, source)
    for severity, message, fix in found:
        alerts.show(
            "error" if severity == "error" else "warning",
            ("Train refuses these rows: " if severity == "error" else "") + in_form_words(f"{message} {fix}"),
        )
    if where := lines_note(meta, [message for _, message, _ in found], (len(train), len(test))):  # their lines
        st.caption(where)
if len(train) > STATS_ROW_LIMIT:
    st.info(
        f"This page checks and counts the first {STATS_ROW_LIMIT:,} of the split's {len(train):,} training rows. The "
        "**Train** page checks every row before a run starts.",
        icon=alerts.INFO,
    )
cut = cut_row_said(meta, len(train), names, examples)
if cut:  # what a run does to them: the grids, their numbers and the packed row length below count the cut rows
    st.info(
        f"Cut to the max length of {plural(max_length, 'token')}, as a run cuts them: {cut}. The grids "
        "below show these rows as a run sees them; the **Tokens** page shows where a row is cut."
        + (
            f" A run that packs with {setting_label('packing_strategy')} bfd_split (the Train page's) splits them "
            "into pieces instead: the whole-split table below counts that."
            if training_default("packing") and training_default("packing_strategy") == "bfd_split"
            else ""
        ),
        icon=alerts.INFO,
    )
original_labels = [batching.as_dict(e)["labels"] for e in examples]  # as encoded, before padding or packing
lengths = [len(labels) for labels in original_labels]
pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

# Each toggle's column as wide as its label needs: at 1280 px even shares cut "Attention mask row" to "Attention
# mas..." (helper 78's walk).
c1, c2, c3, c4, c5 = st.columns([1.3, 1.3, 0.9, 1.1, 1])
# Room for about two examples per row by default, so the packing view shows examples sharing a row; within the box's
# limits (rows of a long max length may not fit two to a row: the grid says which it cuts to fit).
default_pack = max(8, max(lengths), min(sum(lengths), 2 * max(lengths)))
default_pack = min(-(-default_pack // 8) * 8, PACK_LIMITS[1])
# An untouched box follows the rows shown: Streamlit keeps a keyed box's first value whatever default it is drawn
# with later (a review: rows 5-8 of 284 tokens packed into rows of 80, rows 1-4's fit, cut and undercounted).
shown_before = st.session_state.get(PACK_DEFAULT, default_pack)
if "batch_pack_length" in st.session_state and st.session_state["batch_pack_length"] == shown_before:
    st.session_state["batch_pack_length"] = default_pack
pack_start = None if "batch_pack_length" in st.session_state else default_for("batch_pack_length", default_pack)
st.session_state[PACK_DEFAULT] = default_pack
pack_length = number_in_range(
    c1,
    "Packed row length",
    *PACK_LIMITS,
    pack_start,
    key="batch_pack_length",
    help="Examples are laid end to end in rows of at most this many tokens.",
    on_change=keep,
    args=("batch_pack_length",),
)
keep_unless("batch_pack_length", default_pack)  # untouched, it fits the rows shown
rows_shown = {
    "batch_id_row": False,
    "batch_attention_row": False,
    "batch_label_row": True,
    "batch_position_row": False,
}
starts = {key: False if restore(key) else value for key, value in rows_shown.items()}  # Streamlit's own: no warning
shown = Shown(
    names=names,
    texts=[[t.text for t in e.tokens] for e in examples],
    attention=c2.toggle("Attention mask row", value=starts["batch_attention_row"], key="batch_attention_row"),
    labels=c3.toggle("Label row", value=starts["batch_label_row"], key="batch_label_row"),
    positions=c4.toggle("Position id row", value=starts["batch_position_row"], key="batch_position_row"),
    ids=c5.toggle("Token id row", value=starts["batch_id_row"], key="batch_id_row"),
)
for key in rows_shown:
    keep(key)
if pack_length is None:
    st.stop()
with user_errors("Could not batch the rows"):
    views = {
        "Right padding (training)": batching.collate(examples, pad_id, "right"),
        "Left padding (generation)": batching.collate(examples, pad_id, "left"),
        "Packing": batching.pack(examples, int(pack_length), pad_id),
    }
    # What training computes for the packed rows: TRL lays them end to end as one row (as the table below counts).
    packed_in_training = batch_costs.strategy_stats(examples, len(examples), "packing", int(pack_length))
    # What a padding-free run computes for the right-padded rows: the same rows in order, end to end in one row.
    padding_free_in_training = batching.pack(examples, sum(lengths), pad_id, strategy="in_order").stats()
st.caption("Hover a cell for its token id, attention, label and position id; the toggles above show each as a row.")
# The preview lays out each pair's two answers as sequences; a run never packs pairs.
kinds_shown = {row_kind(r) for r in train[first : first + n_rows]}
not_packed = batch_costs.packing_not_applied(list(kinds_shown))  # why the rows' methods do not pack them
runs = padding_free_runs(kinds_shown)  # who, on a CPU server, lays these rows end to end
for tab, (title, batch) in zip(st.tabs(list(views)), views.items(), strict=True):
    with tab:
        if title == "Packing" and not_packed:
            st.info(
                f"How these sequences would lie end to end; a run does not do this. {not_packed}", icon=alerts.INFO
            )
        if title.startswith("Right") and kinds_shown == {"prompt_only"}:
            # TRL's GRPOTrainer pads its prompts on the left, to generate the answers and to train on them.
            st.info(GRPO_PADDING, icon=alerts.INFO)
        # SFT, DPO and reward-model runs on CPU lay right-padded rows end to end (ftlib.fastpath.padding_free; pairs
        # through ftlib.headloss.pack_padded_rows and ftlib.packed_rows.pack_score_rows); GPUs pad.
        padding_free = title.startswith("Right") and not cuda_available() and fastpath.padding_free_allowed()
        trained_as = packed_in_training if title == "Packing" else padding_free_in_training if padding_free else None
        prompts_only = kinds_shown == {"prompt_only"}
        draw(
            batch,
            shown,
            original_labels,
            title.split()[0].lower(),
            trained_as,
            padding_free,
            runs,
            prompts_only,
            texts=kinds_shown == {"text"},
        )
with st.expander("Why training pads on the right and generation on the left", expanded=True):
    st.markdown(WHY_PADDING)
with st.expander("What packing saves, and what it costs", expanded=True):
    st.markdown(WHY_PACKING)
with st.expander("For engineers: padding token, attention kernels"):
    st.markdown(
        f"Pad token id {pad_id} (`{tokenizer.pad_token}`)."
        + (
            " It is also the end-of-turn token here: labels are built before padding, so a real end-of-turn stays "
            "trained while the padding gets label -100 (the loss skips it) and attention 0 (no real token reads it)."
            if pad_id == tokenizer.eos_token_id
            else ""
        )
    )
    st.markdown(PACKING_FOR_ENGINEERS)
whole_split(name, version, train, meta, model, template_name, policy, max_length, source)
