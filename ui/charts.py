"""Plotly figures for training runs, built from the rows of a run's metrics.jsonl (see ftlib.metrics).

Pure functions of the metric rows: no Streamlit here, so the page and tests can use them alike.
"""

from __future__ import annotations

import plotly.graph_objects as go

_LAYOUT = {
    "height": 260,
    "margin": {"l": 10, "r": 10, "t": 36, "b": 10},
    "legend": {"orientation": "h", "y": -0.25},
    "xaxis_title": "step",
}


def _series(rows: list[dict], key: str, kind: str) -> tuple[list, list]:
    points = [(r["step"], r[key]) for r in rows if r.get("kind") == kind and r.get(key) is not None]
    return [p[0] for p in points], [p[1] for p in points]


def _figure(title: str, traces: list[tuple[str, list, list, str]], yaxis: dict | None = None) -> go.Figure:
    fig = go.Figure()
    for name, xs, ys, mode in traces:
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, name=name, mode=mode))
    fig.update_layout(title=title, **_LAYOUT)
    if yaxis:
        fig.update_yaxes(**yaxis)
    return fig


def loss_figure(rows: list[dict]) -> go.Figure:
    """Train loss per step and eval loss at each evaluation."""
    return _figure(
        "Loss",
        [
            ("train loss", *_series(rows, "loss", "train"), "lines"),
            ("eval loss", *_series(rows, "eval_loss", "eval"), "lines+markers"),
        ],
    )


def metric_figure(rows: list[dict], key: str, title: str, kind: str = "train") -> go.Figure:
    """One logged value per step (learning_rate, grad_norm, tokens_per_s, ...)."""
    return _figure(title, [(title.lower(), *_series(rows, key, kind), "lines")])


def reward_figure(rows: list[dict]) -> go.Figure:
    """DPO: reward margin (chosen minus rejected) and the chosen/rejected rewards."""
    return _figure(
        "Rewards (DPO)",
        [
            ("margin", *_series(rows, "reward_margin", "train"), "lines"),
            ("chosen", *_series(rows, "rewards_chosen", "train"), "lines"),
            ("rejected", *_series(rows, "rewards_rejected", "train"), "lines"),
            ("eval margin", *_series(rows, "eval_reward_margin", "eval"), "lines+markers"),
        ],
    )


def accuracy_figure(rows: list[dict]) -> go.Figure:
    """DPO: share of pairs where the chosen answer gets the higher reward."""
    return _figure(
        "Reward accuracy (DPO)",
        [
            ("train", *_series(rows, "reward_accuracy", "train"), "lines"),
            ("eval", *_series(rows, "eval_reward_accuracy", "eval"), "lines+markers"),
        ],
        yaxis={"range": [-0.05, 1.05]},
    )


def run_figures(rows: list[dict], dpo: bool) -> list[go.Figure]:
    """The page's charts for one run, in display order."""
    figures = [loss_figure(rows)]
    if dpo:
        figures += [reward_figure(rows), accuracy_figure(rows)]
    figures += [
        metric_figure(rows, "learning_rate", "Learning rate"),
        metric_figure(rows, "grad_norm", "Grad norm"),
        metric_figure(rows, "tokens_per_s", "Tokens per second"),
    ]
    if any("mfu" in row for row in rows):
        figures.append(metric_figure(rows, "mfu", "MFU (model FLOPs utilization)"))
    return figures
