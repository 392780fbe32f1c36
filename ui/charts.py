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


def reward_model_figures(rows: list[dict]) -> list[go.Figure]:
    """A reward model: accuracy (chosen scored above rejected) and margin, on training and held-out pairs."""
    accuracy = _figure(
        "Accuracy (chosen above rejected)",
        [
            ("train", *_series(rows, "accuracy", "train"), "lines"),
            ("held-out", *_series(rows, "eval_accuracy", "eval"), "lines+markers"),
        ],
        yaxis={"range": [-0.05, 1.05]},
    )
    margin = _figure(
        "Margin (score of chosen minus rejected)",
        [
            ("train", *_series(rows, "margin", "train"), "lines"),
            ("held-out", *_series(rows, "eval_margin", "eval"), "lines+markers"),
        ],
    )
    return [accuracy, margin]


def kto_figures(rows: list[dict]) -> list[go.Figure]:
    """KTO: the rewards of good and bad answers (they should part), and its KL estimate."""
    rewards = _figure(
        "Rewards (KTO)",
        [
            ("good answers", *_series(rows, "rewards_chosen", "train"), "lines"),
            ("bad answers", *_series(rows, "rewards_rejected", "train"), "lines"),
            ("held-out margin", *_series(rows, "eval_reward_margin", "eval"), "lines+markers"),
        ],
    )
    return [rewards, metric_figure(rows, "kl", "KL (how far the model moved)")]


def grpo_figures(rows: list[dict]) -> list[go.Figure]:
    """GRPO: each reward's mean (the total's spread shaded around it), KL and answer length."""
    names = sorted(
        {k[len("reward_") :] for r in rows for k in r if k.startswith("reward_") and not k.endswith("_std")}
    )
    traces = [("total", *_series(rows, "reward", "train"), "lines")]
    traces += [(name, *_series(rows, f"reward_{name}", "train"), "lines") for name in names]
    rewards = _figure("Rewards (mean per step)", traces)
    xs, means = _series(rows, "reward", "train")
    _, spreads = _series(rows, "reward_std", "train")
    if xs and len(spreads) == len(means):
        band = [m + s for m, s in zip(means, spreads, strict=True)] + [
            m - s for m, s in zip(means, spreads, strict=True)
        ][::-1]
        rewards.add_trace(
            go.Scatter(x=xs + xs[::-1], y=band, fill="toself", name="total ± spread", opacity=0.2, mode="none")
        )
    return [
        rewards,
        metric_figure(rows, "kl", "KL (how far the model moved)"),
        metric_figure(rows, "completion_length", "Answer length (tokens)"),
    ]


def run_figures(rows: list[dict], dpo: bool, method: str | None = None) -> list[go.Figure]:
    """The page's charts for one run, in display order."""
    figures = [loss_figure(rows)]
    if dpo:
        figures += [reward_figure(rows), accuracy_figure(rows)]
    extra = {"reward": reward_model_figures, "kto": kto_figures, "grpo": grpo_figures}.get(method)
    figures += extra(rows) if extra else []
    figures += [
        metric_figure(rows, "learning_rate", "Learning rate"),
        metric_figure(rows, "grad_norm", "Grad norm"),
        metric_figure(rows, "tokens_per_s", "Tokens per second"),
    ]
    if any("mfu" in row for row in rows):
        figures.append(metric_figure(rows, "mfu", "MFU (model FLOPs utilization)"))
    return figures
