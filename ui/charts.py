"""Plotly figures for training runs, built from the rows of a run's metrics.jsonl (see ftlib.metrics).

Pure functions of the metric rows: no Streamlit here, so the page and tests can use them alike.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from ftlib.overfitting import memorising_from

# Chart text (ticks, axis titles, legend): Streamlit's chart theme greys it to #808495, 3.7:1 on white, under the
# 4.5:1 WCAG 2.1 asks of text; this is 6.3:1. Set on each axis: the theme overrides the layout's own font colour.
CHART_TEXT = "#5c5f6e"


def readable_text(fig: go.Figure) -> go.Figure:
    """`fig` with its ticks, axis titles, legend, colour-bar text and uncoloured annotations in CHART_TEXT (every
    axis, facets included). Call it last: annotations added after it keep the theme's grey."""
    fig.update_xaxes(tickfont_color=CHART_TEXT, title_font_color=CHART_TEXT)
    fig.update_yaxes(tickfont_color=CHART_TEXT, title_font_color=CHART_TEXT)
    fig.update_layout(legend_font_color=CHART_TEXT)
    for note in fig.layout.annotations:  # a facet's title, a cutoff line's label; one coloured on purpose is kept
        if note.font.color is None:
            note.font.color = CHART_TEXT
    for trace in fig.data:
        if "colorbar" in trace:  # a heatmap's scale (a line's markers have none)
            trace.colorbar.update(tickfont_color=CHART_TEXT, title_font_color=CHART_TEXT)
    return fig


# A line drawn under a chart (by its title): what its numbers mean where a reader would assume otherwise.
NOTES = {
    # Our metrics log the rate a step's update used; HF's Trainer logs the scheduler's rate after its step (walk 9 F5).
    "Learning rate": "The rate each step trained with; with a warmup the first step trains at 0. (The Hugging Face "
    "trainer's own logs show each step the next step's rate.)",
    "Tokens per second": "Every token of each step's rows, prompt and answer alike.",
    # The alignment charts' lines read as TRL logs them (rewards/chosen, rewards/margins, ...): words a non-engineer
    # can read, or the accuracy's first point, 0 (TRL logs a step's pairs before its update), reads as a model
    # preferring every wrong answer (helper 196).
    "Rewards (DPO)": "A reward here is how much more likely the model finds an answer now than it did before training "
    "(the change in its log-probability × beta; 0 = unchanged). DPO widens the margin, chosen minus rejected: both "
    "rewards can fall while the margin grows, and the model still learns the preference.",
    "Reward accuracy (DPO)": "The share of pairs whose chosen answer gained more than its rejected one since the "
    "start (0.5 = a coin toss). Each line's first point reads 0: before its first update the model is its own "
    "starting point, so no pair is ahead yet, not a model that prefers the wrong answers.",
    "Rewards (KTO)": "A reward here is how much more likely the model finds an answer now than it did before training "
    "(the change in its log-probability × beta; 0 = unchanged): the good answers' should rise and the bad answers' "
    "fall. The held-out margin is the good answers' reward minus the bad ones' on the held-out rows.",
    "Accuracy (chosen above rejected)": "The share of pairs whose chosen answer the reward model scores above the "
    "rejected one (0.5 = a coin toss).",
    "Margin (score of chosen minus rejected)": "How far above the rejected answer the chosen one scores, on average. "
    "A score means nothing alone, only which of two answers scores higher.",
    "Rewards (mean per step)": "The mean reward of the answers GRPO wrote at each step, in total and by each reward "
    "(sampled at the run's temperature, so they vary from step to step); the held-out lines score answers to the "
    "held-out prompts at each evaluation. The shaded band is the total's spread over the step's answers.",
}
TRAINED_NOTE = (
    " The trained line counts only the tokens the model learns to write (those the loss is computed on: labels not "
    "-100)."
)


def chart_note(fig: go.Figure) -> str | None:
    """The line under a chart, or None: `NOTES` by its title, the tokens chart's naming its trained line if drawn."""
    note = NOTES.get(fig.layout.title.text)
    if note and any(trace.name == "trained" for trace in fig.data):
        note += TRAINED_NOTE
    return note


# The legend sits above the plot, right of the title, so it never covers the x axis's title.
_LAYOUT = {
    "height": 270,
    "margin": {"l": 10, "r": 10, "t": 44, "b": 10},
    "title": {"x": 0, "xanchor": "left", "y": 0.97},
    "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom"},
    "xaxis_title": "step",
}


# A chart with more lines than this (GRPO's rewards: total, each reward, their held-out lines and the band) has its
# legend under the plot, left-aligned, the figure taller by its rows: above, 7 entries wrapped into 4 rows beside the
# title and squeezed the plot to half its height in half a 1280 px window (helper 202's walk).
LEGEND_ABOVE = 4
LEGEND_ROW = 22  # pixels per legend row, as plotly draws a 12 px font
LEGEND_PER_ROW = 2  # entries per row in half the main column at 1280 px ("held-out not_repeating" is ~170 px)


def place_legend(fig: go.Figure) -> go.Figure:
    """`fig` with its legend above the plot (`_LAYOUT`) when it has at most LEGEND_ABOVE entries, else under the x
    axis, left-aligned, and the figure taller by the legend's rows so the plot keeps its height. Call it once every
    trace is added."""
    entries = sum(1 for t in fig.data if t.showlegend is not False)
    if entries <= LEGEND_ABOVE:
        return fig
    rows = math.ceil(entries / LEGEND_PER_ROW)
    fig.update_layout(
        height=_LAYOUT["height"] + rows * LEGEND_ROW,
        margin_b=_LAYOUT["margin"]["b"] + rows * LEGEND_ROW,
        # In the figure's own coordinates (the container), so its place does not depend on the plot's height: at the
        # bottom, in the margin made for it, under the x axis and its title.
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yref": "container", "yanchor": "bottom"},
    )
    return fig


def step_ticks(last_step: int, most: int = 8) -> float:
    """The distance between step ticks: a whole 1, 2 or 5 x 10^k, so a short run never shows step 1.5.

    >>> [step_ticks(n) for n in (3, 8, 9, 40, 1000)]
    [1, 1, 2, 5, 200]
    """
    raw = max(1.0, last_step / most)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _series(rows: list[dict], key: str, kind: str) -> tuple[list, list]:
    points = [(r["step"], r[key]) for r in rows if r.get("kind") == kind and r.get(key) is not None]
    return [p[0] for p in points], [p[1] for p in points]


# A line of more steps than this is drawn from each stretch's lowest and highest point (`envelope`): a 20,000-step
# run's charts were ~450 KB of JSON sent on every 2 s poll, for more points than the chart has pixels.
MAX_POINTS = 2000


def envelope(xs: list, ys: list, most: int = MAX_POINTS) -> tuple[list, list]:
    """At most `most` points of a line: each of `most` // 2 stretches of steps keeps its lowest and highest point,
    in step order, so a spike or a dip stays where it was (TensorBoard samples instead, and can drop them). Lines of
    `most` points or fewer are returned as they are.

    >>> envelope([1, 2, 3, 4, 5, 6], [5, 1, 9, 2, 2, 3], most=4)
    ([2, 3, 4, 6], [1, 9, 2, 3])
    """
    if len(xs) <= most:
        return xs, ys
    stretches, kept = most // 2, []
    size = math.ceil(len(xs) / stretches)
    for start in range(0, len(xs), size):
        part = range(start, min(start + size, len(xs)))
        low, high = min(part, key=ys.__getitem__), max(part, key=ys.__getitem__)
        kept += sorted({low, high})
    return [xs[i] for i in kept], [ys[i] for i in kept]


# Each line of a chart has its own dash (and the legend draws it), so lines are told apart without their colour:
# Plotly's default red and green (DPO's chosen and rejected) are the pair a colour-blind reader confuses.
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
# Held-out points (lines+markers) also get their own marker shape per line.
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star")


def _figure(title: str, traces: list[tuple[str, list, list, str]], yaxis: dict | None = None) -> go.Figure:
    fig = go.Figure()
    for name, xs, ys, mode in traces:
        if xs:
            if mode == "lines":  # a step's line (evaluations' markers are few, each kept)
                xs, ys = envelope(xs, ys)
                # One point draws no line: a run's first step showed "Training loss, step 1 0.6931" above a chart
                # with the held-out marker alone (a newcomer's walk). Its marker shows it until a second step.
                mode = "lines+markers" if len(xs) == 1 else mode
            n = len(fig.data)  # a line not drawn (no points) takes no dash: the drawn ones stay distinct
            style = {"line": {"dash": DASHES[n % len(DASHES)]}}
            if "markers" in mode:
                style["marker"] = {"symbol": SYMBOLS[n % len(SYMBOLS)], "size": 7}
            fig.add_trace(go.Scatter(x=xs, y=ys, name=name, mode=mode, **style))
    fig.update_layout(**_LAYOUT)
    fig.update_layout(title_text=title)
    steps = [x for _, xs, _, _ in traces for x in xs]
    if steps:
        fig.update_xaxes(tick0=0, dtick=step_ticks(max(steps)), **one_step_range(steps))
    if yaxis:
        fig.update_yaxes(**yaxis)
    return readable_text(place_legend(fig))


def one_step_range(steps: list) -> dict:
    """The x axis of a chart whose every point is at one step: plotly's own range for it is that step plus or minus
    one, so a run's step-0 held-out loss, before its first training step, was one point mid-way on an axis from -1 to
    1 (helper 240's walk). Its range then starts at 0 and reaches past the step (to 1 at least), with a tenth of it
    either side so the point is not cut at the edge; {} for points at several steps.

    >>> one_step_range([0]), one_step_range([5, 5]), one_step_range([1, 2]), one_step_range([])
    ({'range': [-0.1, 1.1]}, {'range': [-0.5, 5.5]}, {}, {})
    """
    if not steps or len(set(steps)) > 1:
        return {}
    last = max(steps[0], 1)
    return {"range": [-last / 10, last * 1.1]}


# The mark beside the held-out loss measured at step 0, while it is the chart's only point: with one line plotly
# draws no legend, so nothing said what the lone point was.
BEFORE_TRAINING = "held-out loss before training"


def loss_figure(rows: list[dict]) -> go.Figure:
    """Training loss per step and held-out loss at each evaluation; a dashed line where the held-out loss starts
    rising while the training loss still falls (ftlib.overfitting.memorising_from). While the only point is the
    held-out loss at step 0 (before the first training step), it is named beside it (BEFORE_TRAINING)."""
    train, held_out = _series(rows, "loss", "train"), _series(rows, "eval_loss", "eval")
    fig = _figure("Loss", [("training loss", *train, "lines"), ("held-out loss", *held_out, "lines+markers")])
    if not train[0] and held_out[0] == [0]:
        fig.add_annotation(
            x=0,
            y=held_out[1][0],
            text=BEFORE_TRAINING,
            showarrow=False,
            xanchor="left",
            xshift=10,
            font_color=CHART_TEXT,
        )
    turn = memorising_from(rows)
    if turn is not None:
        fig.add_vline(
            x=turn.step,
            line_dash="dash",
            line_color="#d62728",
            annotation_text="memorising from here",
            annotation_position="top left",
            annotation_font_color="#d62728",
        )
    return fig


def speed_figure(rows: list[dict]) -> go.Figure:
    """Tokens per second at each step: every token read (prompt and answer) and, where the run counted them, the
    trained ones (labels not -100; see ftlib.metrics)."""
    return _figure(
        "Tokens per second",
        [
            ("read", *_series(rows, "tokens_per_s", "train"), "lines"),
            ("trained", *_series(rows, "trained_tokens_per_s", "train"), "lines"),
        ],
    )


def metric_figure(rows: list[dict], key: str, title: str, kind: str = "train") -> go.Figure:
    """One logged value per step (learning_rate, grad_norm, kl, ...). Ticks as plain numbers ("0.0005", "2e-5"):
    plotly's default SI prefixes wrote a learning rate of 5e-4 as "500µ" and KL as "40µ" (helper 202's walk). A
    value the same at every step (a constant learning rate) is drawn mid-chart on an axis from 0 to twice it
    (`flat_range`)."""
    xs, ys = _series(rows, key, kind)
    return _figure(title, [(title.lower(), xs, ys, "lines")], yaxis={"tickformat": "~g", **flat_range(ys)})


def flat_range(ys: list) -> dict:
    """The y axis of a line whose every value is one number: plotly's own range for it is that number plus or minus
    one, so a constant learning rate of 1e-4 was drawn as a flat line on "0" of an axis from -1 to 1 (helper 230's
    walk). Its range is then the value plus or minus itself (plus or minus one for 0); {} for a line that moves.

    >>> flat_range([1e-4, 1e-4]), flat_range([0.0]), flat_range([1, 2]), flat_range([])
    ({'range': [0.0, 0.0002]}, {'range': [-1.0, 1.0]}, {}, {})
    """
    if not ys or len(set(ys)) > 1:
        return {}
    pad = abs(ys[0]) or 1.0
    return {"range": [ys[0] - pad, ys[0] + pad]}


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
    """KTO: the rewards of good and bad answers (they should part), and its KL estimate where the run logs one (the
    apo_zero_unpaired loss makes none, and the studio's KTO trainer then logs no `kl`)."""
    rewards = _figure(
        "Rewards (KTO)",
        [
            ("good answers", *_series(rows, "rewards_chosen", "train"), "lines"),
            ("bad answers", *_series(rows, "rewards_rejected", "train"), "lines"),
            ("held-out margin", *_series(rows, "eval_reward_margin", "eval"), "lines+markers"),
        ],
    )
    # TRL's KTO estimates KL from one batch of mismatched prompt/answer pairs and clamps it at 0 (the KTO paper's
    # z_ref): it jumps from step to step and sits at 0 often; its trend is what to read.
    if not any(row.get("kl") is not None for row in rows):
        return [rewards]
    return [rewards, metric_figure(rows, "kl", "KL estimate (one batch each step: noisy, never below 0)")]


def grpo_figures(rows: list[dict]) -> list[go.Figure]:
    """GRPO: each reward's mean (the total's spread shaded around it) on the step's answers, and beside them the same
    on held-out prompts at each evaluation (`eval_reward`, `eval_reward_<name>`); KL and answer length."""
    names = sorted(
        {k[len("reward_") :] for r in rows for k in r if k.startswith("reward_") and not k.endswith("_std")}
    )
    traces = [("total", *_series(rows, "reward", "train"), "lines")]
    traces += [(name, *_series(rows, f"reward_{name}", "train"), "lines") for name in names]
    traces += [("held-out total", *_series(rows, "eval_reward", "eval"), "lines+markers")]
    traces += [(f"held-out {name}", *_series(rows, f"eval_reward_{name}", "eval"), "lines+markers") for name in names]
    rewards = _figure("Rewards (mean per step)", traces)
    xs, means = _series(rows, "reward", "train")
    _, spreads = _series(rows, "reward_std", "train")
    if xs and len(spreads) == len(means):
        every = math.ceil(len(xs) / MAX_POINTS)  # a shaded band of a long run: every n-th step is enough
        xs, means, spreads = xs[::every], means[::every], spreads[::every]
        band = [m + s for m, s in zip(means, spreads, strict=True)] + [
            m - s for m, s in zip(means, spreads, strict=True)
        ][::-1]
        rewards.add_trace(
            go.Scatter(x=xs + xs[::-1], y=band, fill="toself", name="total ± spread", opacity=0.2, mode="none")
        )
    place_legend(rewards)
    return [
        rewards,
        metric_figure(rows, "kl", "KL (how far the model moved)"),
        metric_figure(rows, "completion_length", "Answer length (tokens)"),
    ]


def run_figures(rows: list[dict], dpo: bool, method: str | None = None) -> tuple[list[go.Figure], list[go.Figure]]:
    """The page's charts for one run, in display order: (for everyone, for engineers). GRPO's loss is a surrogate
    whose value (near 0, often below) says nothing about the answers, and its held-out loss less: its rewards come
    first, and its training loss is for engineers only. A chart with no points (before the first step, a KL the
    run does not log) is not among them."""
    grpo = method == "grpo"
    figures = [] if grpo else [loss_figure(rows)]
    if dpo:
        figures += [reward_figure(rows), accuracy_figure(rows)]
    extra = {"reward": reward_model_figures, "kto": kto_figures, "grpo": grpo_figures}.get(method)
    figures += extra(rows) if extra else []
    figures += [
        metric_figure(rows, "learning_rate", "Learning rate"),
        speed_figure(rows),
    ]
    engineers = [metric_figure(rows, "grad_norm", "Gradient size (grad norm)")]
    if grpo:
        engineers.append(metric_figure(rows, "loss", "Loss (GRPO's surrogate objective)"))
    if any("mfu" in row for row in rows):
        engineers.append(metric_figure(rows, "mfu", "MFU (model FLOPs utilization)"))
    # A chart with nothing to draw is left out: between a run's step-0 held-out score and its first step, the
    # learning rate, speed and gradient charts were empty frames with made-up axes (helper 227's walk).
    return [f for f in figures if f.data], [f for f in engineers if f.data]
