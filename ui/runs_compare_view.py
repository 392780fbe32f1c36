"""Runs side by side on the Train page: a folded "Compare runs" section under the runs table.

Pick two finished or stopped runs or more: their training and held-out losses on one chart (a colour per run, a
dash per kind of line), the settings that differ, each run's numbers, and a note where their held-out losses do not
compare. Everything is `ftlib.run_compare`'s; only drawing here.
"""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go
import streamlit as st
from plotly.colors import qualitative

from ftlib import run_compare, runs
from ftlib.errors import UserError
from ftlib.run_picker import numbered_labels, train_labels
from ftlib.rundir import RunSummary
from ui import alerts, chart_data
from ui.charts import DASHES, SYMBOLS, envelope, readable_text, step_ticks
from ui.run_choice import gone_words
from ui.run_view import run_options
from ui.tables import html_table

PICKED = "train_compare_runs"  # session key: the multiselect's runs
TITLE = "Compare runs"
# A colour per run (Plotly's own ten), a dash per kind of line: a run's two lines share a colour, and the kinds are
# told apart without it.
COLOURS = qualitative.Plotly
KIND_DASH = {"training": DASHES[0], "held-out": DASHES[1]}
TITLE_CHARS = 56  # a chart title's longest line: what fits a chart in the Train page's column at 800 px
LEGEND_SETTINGS = 2  # the settings that differ named in a chart's legend, after each run's label
DEFAULT_NOTE = (
    "(default): that run's settings do not hold it (added since it ran); shown as the default it loads with."
)


def compare_section(summaries: list[RunSummary]) -> None:
    """The folded section: a pick of the finished and stopped runs among `summaries` (the runs the page listed; at
    first the two most recent finished runs of one method, `run_compare.default_pick`), and for two or more
    picked, the comparison. Its tables are HTML (`ui.tables`), not dataframes: the runs table stays the page's last
    dataframe."""
    offered = run_compare.comparable_runs(summaries)
    gone_notes(summaries)
    with st.expander(TITLE, expanded=False):
        if len(offered) < 2:
            st.caption("Two runs that finished or were stopped are needed to compare them side by side.")
            return
        # Labelled and numbered over every run the page listed, as its picker and runs table are, not over the runs
        # offered here (or picked): one run has one name on the page ("#2" there, "#1" here read as another run).
        labels = train_labels(summaries)
        texts = run_options(summaries, labels)
        ids = [s.id for s in offered]
        if PICKED in st.session_state:  # a run deleted since (or now training again) is no longer offered
            st.session_state[PICKED] = [i for i in st.session_state[PICKED] if i in ids]
            picked = st.multiselect("Runs to compare", ids, format_func=texts.__getitem__, key=PICKED)
        else:
            default = run_compare.default_pick(offered)
            picked = st.multiselect("Runs to compare", ids, default=default, format_func=texts.__getitem__, key=PICKED)
        if len(picked) < 2:
            st.caption("Pick two runs or more to see their curves, settings and numbers side by side.")
            return
        try:
            comparison = run_compare.compare(picked, short_labels(summaries, labels), charted=True)  # curves here
        except UserError as exc:  # a run deleted in another tab between the listing and now
            st.error(f"Could not compare these runs: {exc}", icon=alerts.ERROR)
            return
        draw(comparison)


def gone_notes(summaries: list[RunSummary]) -> None:
    """Once each, above the folded section: a picked run deleted since (by a teammate, in another tab or with the
    CLI), in the words the Train page says its shown run gone with (`ui.run_choice.gone_words`), not dropped from
    the pick without a word. A picked run still there but no longer offered (training again) is not gone."""
    listed = {s.id for s in summaries}
    for run_id in st.session_state.get(PICKED, []):
        if run_id in listed:
            continue
        try:
            runs.find(run_id)
        except runs.RunError:
            if said := gone_words(run_id):  # "" once the Train page's picker, Compare or Evaluate said it
                st.warning(said, icon=alerts.WARNING)


def short_labels(summaries: list[RunSummary], labels: dict[str, str] | None = None) -> dict[str, str]:
    """Each run's name as the Train page's picker and runs table give it (`ftlib.run_picker.numbered_labels`: its
    label, runs with one label numbered "#1", "#2" from the oldest), for the chart's legend and the tables' columns.
    `summaries`: every run the page listed, not only those picked, so a run's number is the one it has there;
    `labels`: `train_labels(summaries)`, by default."""
    return numbered_labels(summaries, labels)


def draw(comparison: run_compare.Comparison) -> None:
    """The comparison's charts (one per kind of loss), its note, the settings that differ and each run's numbers."""
    if comparison.notes:
        st.info(comparison.note, icon=alerts.INFO)
    groups = list(dict.fromkeys(s.group for s in comparison.series))
    for group in groups:
        fig = loss_figure(comparison, group, titled=len(groups) > 1)
        st.plotly_chart(fig, width="stretch", key=f"compare_{group}", config={"displayModeBar": False})
        chart_data.show(fig)  # its numbers for the keyboard and a screen reader (hover only)
    if not groups:
        st.caption(f"None of these runs logged a {comparison.measures} yet.")  # GRPO's: its mean reward
    st.markdown("**Settings that differ**")
    if comparison.settings:
        st.html(html_table(settings_table(comparison), widths={"setting": "9em"}))
        if comparison.defaults_shown:
            st.caption(DEFAULT_NOTE)
    else:
        st.caption("Every setting is the same in these runs.")
    st.markdown("**Numbers**")
    # The least widths keep "finished" and "40/40" whole and a run's label legible at 800 px (the table scrolls).
    st.html(html_table(numbers_table(comparison), widths={"run": "12em", "state": "4.5em", "steps": "4em"}))


def loss_figure(comparison: run_compare.Comparison, group: str, titled: bool = False) -> go.Figure:
    """The training loss (a line) and held-out loss (a dashed line with markers; GRPO's: its mean reward) of each run
    of one kind of loss, a colour per run; a held-out line scored on other rows than its group's others
    (`Series.apart`) is left out."""
    colour = {run_id: COLOURS[i % len(COLOURS)] for i, run_id in enumerate(comparison.ids)}
    label = legend_labels(comparison)
    fig = go.Figure()
    steps = []
    for series in comparison.series:
        if series.group != group or series.apart:
            continue
        xs, ys = envelope(series.steps, series.values) if series.kind == "training" else (series.steps, series.values)
        held_out = series.kind == "held-out"
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                name=f"{label[series.run_id]} · {series.kind}",
                mode="lines+markers" if held_out else "lines",
                line={"color": colour[series.run_id], "dash": KIND_DASH[series.kind]},
                marker={"symbol": SYMBOLS[1], "size": 7} if held_out else None,
            )
        )
        steps += series.steps
    # A GRPO group is its answers' mean reward (`run_compare.Series.measure`), where higher is better.
    measure = next((s.measure for s in comparison.series if s.group == group), "loss")
    what = "Mean reward (higher is better)" if measure == "mean reward" else "Loss"
    # Plotly never wraps a title: a long one (GRPO's rewards) was cut at the chart's right edge at 800 px.
    title = textwrap.wrap(f"{what}: {group}" if titled else what, TITLE_CHARS, break_long_words=False)
    fig.update_layout(
        title={"text": "<br>".join(title), "x": 0, "xanchor": "left"},
        height=340 + 22 * (len(title) - 1),
        margin={"l": 10, "r": 10, "t": 44 + 22 * (len(title) - 1), "b": 10},
        # Below the plot: a run's label is long, and two lines per run above it would cover the title.
        # At the figure's foot (container), not a share of the plot's height under it: the legend's second row
        # covered the x axis's title at 1400 px.
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0},
        xaxis_title="step",  # the title says what the y axis is, as the run's own charts do
    )
    if steps:
        fig.update_xaxes(tick0=0, dtick=step_ticks(max(steps)))
    return readable_text(fig)


def legend_labels(comparison: run_compare.Comparison, most: int = LEGEND_SETTINGS) -> dict[str, str]:
    """Run id -> its label in a chart's legend: the runs table's label and the first `most` settings that differ but
    the method (the label says it), so two runs of one method are told apart on the chart by what was changed
    ("... · learning rate 0.001"), not by their start times alone."""
    shown = [s for s in comparison.settings if s.name != "method"][:most]
    return {
        run_id: " · ".join([label, *(f"{s.label.split(' (')[0].lower()} {s.values[i]}" for s in shown)])
        for i, (run_id, label) in enumerate(zip(comparison.ids, comparison.labels, strict=True))
    }


def settings_table(comparison: run_compare.Comparison) -> list[dict]:
    """A row per setting that differs, a column per run; a value its run's config lacks marked "(default)"."""
    rows = []
    for s in comparison.settings:
        row = {"setting": s.label}
        for run_label, value, absent in zip(comparison.labels, s.values, s.absent, strict=True):
            marked = absent and value not in (run_compare.ABSENT, run_compare.NOT_USED)
            row[run_label] = f"{value} (default)" if marked else value
        rows.append(row)
    return rows


def numbers_table(comparison: run_compare.Comparison) -> list[dict]:
    """A row per run: its method, state, last training loss, best held-out loss and its step (a GRPO run's mean
    reward, `Comparison.measures`), steps, tokens read and median tokens per second."""
    return [
        {
            "run": r.label,
            "method": r.method,
            "state": r.state,
            f"training {comparison.measures} (last step)": _number(r.final_train_loss, "{:.4f}"),
            f"best held-out {comparison.measures}": _number(r.best_eval_loss, "{:.4f}"),
            "at step": _at_step(r.best_eval_step),
            "steps": f"{r.steps}/{r.max_steps or '?'}",
            "tokens": _number(r.tokens, "{:,}"),
            "tokens/s": _number(r.tokens_per_s, "{:,.0f}"),
        }
        for r in comparison.runs
    ]


def _at_step(step: int | None) -> str:
    """The step of a run's best held-out number; step 0 is the starting model's, said so: no trained step beat it
    (a KTO run starts at 0.5, a DPO run at ln 2, whatever the data)."""
    return "-" if step is None else "0 (before training)" if step == 0 else str(step)


def _number(value, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)
