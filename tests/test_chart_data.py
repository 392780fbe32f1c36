"""Each chart's numbers are reached without a mouse (WCAG 1.1.1, 2.1.1): a Plotly chart shows its values on hover
only, so the Train page's curves and the Batches overview have a collapsed "Chart data" table under them
(ui/chart_data.py); a long curve is sampled to a readable table, its last point kept.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from ftlib import batching, workspace
from ftlib.testing import make_run
from ui import chart_data
from ui.batch_view import overview_rows
from ui.charts import loss_figure


def test_a_figure_becomes_a_table_of_its_points_one_column_per_line():
    rows = [{"kind": "train", "step": s, "loss": 3.0 - 0.5 * s} for s in (1, 2, 3)]
    rows += [{"kind": "eval", "step": 2, "eval_loss": 2.75}]
    table = chart_data.figure_table(loss_figure(rows))
    assert list(table.columns) == ["step", "training loss", "held-out loss"], table
    assert table["step"].tolist() == [1, 2, 3] and table["training loss"].tolist() == [2.5, 2.0, 1.5]
    held_out = table["held-out loss"].tolist()
    assert math.isnan(held_out[0]) and held_out[1] == 2.75 and math.isnan(held_out[2])  # only where it was measured


def test_a_horizontal_bar_chart_lists_its_categories_and_an_unnamed_trace_takes_the_axis_title():
    fig = go.Figure(go.Bar(x=[0.6, 0.3], y=["Ahoy", " Hi"], orientation="h"))
    fig.update_layout(xaxis_title="probability", yaxis_title="token")
    table = chart_data.figure_table(fig)
    assert table.to_dict("records") == [{"token": "Ahoy", "probability": 0.6}, {"token": " Hi", "probability": 0.3}]


def test_a_long_curve_is_sampled_with_its_first_and_last_points_and_says_so():
    part, said = chart_data.sampled(pd.DataFrame({"step": range(1, 20_001), "loss": range(20_000)}))
    assert len(part) == chart_data.MOST and part["step"].iloc[0] == 1 and part["step"].iloc[-1] == 20_000
    assert said == f"{chart_data.MOST} of the 20,000 points, evenly spaced, the first and the last included."
    whole, said = chart_data.sampled(pd.DataFrame({"step": [1, 2]}))
    assert len(whole) == 2 and said == ""


def test_the_batch_overview_counts_each_rows_positions_as_the_chart_colours_them():
    batch = batching.collate([{"input_ids": [5, 6, 7, 8], "labels": [-100, -100, 7, 8]}, {"input_ids": [9]}], 3)
    assert overview_rows(batch, ["first", "second"]) == [
        {"row": "first", "trained": 2, "only read": 2, "padding": 0},
        {"row": "second", "trained": 0, "only read": 1, "padding": 3},
    ]


def test_the_train_pages_curves_each_have_their_numbers_in_a_table(tiny_model_dir):
    from tests.test_pages_train import page

    numbers = {"learning_rate": 1e-4, "grad_norm": 0.5, "tokens_per_s": 300.0}  # each chart has points
    rows = [{"kind": "train", "step": s, "loss": 3.0 - 0.01 * s, **numbers} for s in range(1, 121)]
    make_run("r-chart-data", {"model": str(tiny_model_dir)}, max_steps=120, metrics=rows)
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    charts = at.get("plotly_chart")
    tables = [e for e in at.expander if e.label == chart_data.LABEL]
    assert charts and len(tables) == len(charts), (len(charts), [e.label for e in at.expander])
    loss = next(t for t in tables if "training loss" in t.table[0].value.columns)  # the Loss chart's
    frame = loss.table[0].value
    assert len(frame) == chart_data.MOST and frame["step"].iloc[-1] == 120, frame  # sampled, the last step kept
    assert any("of the 120 points" in c.value for c in loss.caption)


def test_the_batches_overview_has_its_numbers_in_a_table():
    from tests.test_pages_batches import run_page, sft_rows

    workspace.save_split("chats-chart-data", sft_rows(4), sft_rows(2))
    at = run_page()
    assert not at.exception, at.exception
    tables = [e for e in at.expander if e.label == chart_data.LABEL]
    assert tables, [e.label for e in at.expander]
    frame = tables[0].table[0].value
    assert list(frame.columns) == ["row", "trained", "only read", "padding"] and frame["trained"].sum() > 0, frame


def test_the_data_pages_length_histogram_has_its_rows_per_length_range_in_a_table():
    """Every row counted once, in ranges that do not overlap, the ranges that hold no row left out."""
    from ui.data_view import length_table

    lengths = [5, 5, 6, 40, 41, 300]
    frame = length_table(lengths)
    assert list(frame.columns) == ["tokens per row", "rows"] and frame["rows"].sum() == len(lengths)
    spans = [
        tuple(int(x) for x in str(r).split("-")) if "-" in str(r) else (int(r), int(r))
        for r in frame["tokens per row"]
    ]
    for (_, hi), (lo, _) in zip(spans, spans[1:], strict=False):
        assert hi < lo, spans  # no length in two ranges
    for (lo, hi), n in zip(spans, frame["rows"], strict=True):
        assert n == sum(lo <= x <= hi for x in lengths), (lo, hi, n)
    assert length_table([7, 7, 7]).to_dict("records") == [{"tokens per row": "7", "rows": 3}]


def test_evaluates_token_loss_heatmap_has_each_scored_tokens_losses_in_a_table():
    """A row per scored token (the ones the heatmap draws), each model's loss and the chance it gave the token."""
    from types import SimpleNamespace

    from ui.evaluate_view import token_loss_table

    view = SimpleNamespace(
        tokens=["<|im_start|>", "Ahoy", "!", ""],
        scored=[False, True, True, True],
        losses={"base": [0.0, 2.0, 0.1, 1.0], "20261205-run": [0.0, 0.5, 0.05, 0.7]},  # keyed by model
    )
    frame = token_loss_table(view)
    assert list(frame["token"]) == ["0: 'Ahoy'", "1: '!'", "2: …"]
    assert list(frame["base loss"]) == [2.0, 0.1, 1.0] and list(frame["tuned loss"]) == [0.5, 0.05, 0.7]
    assert frame["tuned chance"].iloc[0] == chart_percent(math.exp(-0.5))


def chart_percent(p: float) -> str:
    from ftlib.next_token import percent

    return percent(p)


def test_a_constant_learning_rate_is_drawn_on_an_axis_around_it():
    """plotly's range for one repeated value is that value plus or minus one: a constant 1e-4 lay on "0" of an axis
    from -1 to 1 (helper 230's walk). The axis is 0 to twice the value; a learning rate that moves keeps autorange."""
    from ui.charts import metric_figure

    flat = [{"kind": "train", "step": s, "learning_rate": 1e-4} for s in (1, 2, 3)]
    assert tuple(metric_figure(flat, "learning_rate", "Learning rate").layout.yaxis.range) == (0.0, 2e-4)
    moving = [{"kind": "train", "step": s, "learning_rate": s * 1e-5} for s in (1, 2, 3)]
    assert metric_figure(moving, "learning_rate", "Learning rate").layout.yaxis.range is None
