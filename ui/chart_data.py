"""A chart's numbers as a table, folded under it: what a Plotly chart says on hover only, for the keyboard and a
screen reader (WCAG 1.1.1, 2.1.1).

A Plotly chart is a picture to a screen reader, and its values show when a mouse hovers a point; no key reaches
them. Each chart of the pages has a collapsed "Chart data" expander under it with the same numbers:

    st.plotly_chart(fig)
    chart_data.show(fig)                     # a line or bar chart: its points, one row per x, one column per line
    chart_data.show(frame, where=col)        # a table made for the chart (a heatmap's counts), in a column

A long curve is sampled to at most MOST rows, evenly, its first and last points always kept, and the expander
says so: a 20,000-step run's table is read, not scrolled. `figure_table` is the pure part (no Streamlit).
Not known here: what the numbers mean (the chart's title and axes say it; the table keeps their names).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

# Rows shown of a long curve: its first and last points and evenly spaced ones between.
MOST = 50
LABEL = "Chart data (the chart's numbers as a table)"


def _title(text) -> str:
    return str(text or "").strip()


def figure_table(fig: go.Figure) -> pd.DataFrame:
    """The points of `fig`'s lines and bars as one table: a row per x value (the x axis's title names the column),
    a column per trace (its legend name; the chart's y axis title for a chart of one unnamed trace). A horizontal
    bar chart's categories are its rows. Traces without x and y (a heatmap) are left out: give `show` a table.

    >>> fig = go.Figure([go.Scatter(x=[1, 2], y=[3.0, 2.5], name="train"), go.Scatter(x=[2], y=[2.9], name="eval")])
    >>> _ = fig.update_layout(xaxis_title="step")
    >>> figure_table(fig).to_dict("records")
    [{'step': 1, 'train': 3.0, 'eval': nan}, {'step': 2, 'train': 2.5, 'eval': 2.9}]
    """
    x_axis, y_axis = fig.layout.xaxis, fig.layout.yaxis
    if any(t.type == "bar" and t.orientation == "h" for t in fig.data):  # its categories run down the y axis
        x_axis, y_axis = y_axis, x_axis
    x_name = _title(x_axis.title.text) or "x"
    y_name = _title(y_axis.title.text) or _title(fig.layout.title.text) or "value"
    columns: dict[str, dict] = {}
    order: list = []
    for i, trace in enumerate(fig.data):
        x, y = getattr(trace, "x", None), getattr(trace, "y", None)
        if x is None or y is None or trace.type not in ("scatter", "scattergl", "bar"):
            continue
        if trace.type == "bar" and trace.orientation == "h":
            x, y = y, x
        name = _title(trace.name) or (y_name if i == 0 else f"{y_name} {i + 1}")
        while name in columns or name == x_name:
            name += " "  # two traces of one name (a chart's facets) keep both
        columns[name] = {}
        for xv, yv in zip(x, y, strict=False):
            if xv not in columns[name]:
                order.append(xv)
            columns[name][xv] = yv
    seen, xs = set(), []
    for xv in order:
        if xv not in seen:
            seen.add(xv)
            xs.append(xv)
    if all(isinstance(v, (int, float)) for v in xs):
        xs.sort()
    return pd.DataFrame({x_name: xs, **{n: [c.get(xv) for xv in xs] for n, c in columns.items()}})


def sampled(frame: pd.DataFrame, most: int = MOST) -> tuple[pd.DataFrame, str]:
    """At most `most` rows of `frame`: all of a short one; of a long one its first and last rows and evenly spaced
    rows between. With the line saying which ("" when all are shown).

    >>> part, said = sampled(pd.DataFrame({"step": range(1, 1001)}), most=5)
    >>> list(part["step"]), said
    ([1, 251, 501, 750, 1000], '5 of the 1,000 points, evenly spaced, the first and the last included.')
    """
    n = len(frame)
    if n <= most:
        return frame, ""
    picks = sorted({round(i * (n - 1) / (most - 1)) for i in range(most)})
    return frame.iloc[picks].reset_index(drop=True), (
        f"{len(picks)} of the {n:,} points, evenly spaced, the first and the last included."
    )


def show(chart, where=None, most: int = MOST) -> None:
    """A collapsed "Chart data" expander in `where` (a column or container; the page by default) holding `chart`'s
    numbers as a static table: a Plotly figure's lines and bars (`figure_table`) or a table made for it, sampled
    (`sampled`). Nothing for a chart without points."""
    frame = chart if isinstance(chart, pd.DataFrame) else figure_table(chart)
    if frame.empty:
        return
    frame, said = sampled(frame, most)
    with (where if where is not None else st).expander(LABEL, expanded=False):
        if said:
            st.caption(said)
        # A static table (an HTML <table>, which a screen reader walks cell by cell), not st.dataframe's canvas grid
        st.table(frame, hide_index=True, border="horizontal")
