"""The Train page of a GRPO run as a user saw it in a browser (helper 202's walk: DPO, KTO and GRPO runs on the shipped
samples, at 1280 and 1600 px): its reward cut short and its legend squeezing its chart, each pinned here."""

from __future__ import annotations

from ftlib.testing import make_run
from tests.test_pages_train import page

# A GRPO step as the walk's run logged it: a mean reward of 0.087, spread 0.319 over the step's answers.
WALKED = [
    {"kind": "train", "step": s, "loss": 0.0, "reward": 0.087, "reward_std": 0.319, "kl": 0.0004}
    | {"reward_check": 0.05, "reward_not_repeating": 0.9, "completion_length": 16.0}
    for s in (1, 2)
]


def test_a_grpo_runs_reward_fits_its_quarter_of_the_row_with_its_spread_under_it(tiny_model_dir):
    """At 1280 px the four headline numbers share the main column: "0.087 ± 0.319" showed as "0.087 ± 0..." (a
    metric's value is cut, never wrapped). The number stands alone; the spread is a line under it, in full."""
    make_run(
        "r-grpo-walk",
        {"method": "grpo", "rewards": [{"check": "chat_style"}], "model": str(tiny_model_dir), "max_steps": 2},
        max_steps=2,
        metrics=WALKED,
    )
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Reward"] == "0.087"
    # The walk's screenshots: values of up to 8 characters fit a quarter of the row at 1280 px; "0.087 ± 0.319" (13)
    # did not.
    assert all(len(value) <= 8 for label, value in shown.items() if label != "Estimated peak memory"), shown
    assert "± 0.319 over the step's answers (their standard deviation)" in [c.value for c in at.caption]


def test_grpos_rewards_legend_of_seven_lines_goes_under_the_plot_and_the_plot_keeps_its_height():
    """Two rewards make GRPO's Rewards chart 7 legend entries (total, each reward, their held-out lines, the band):
    above the plot, beside the title, they wrapped into 4 rows and squeezed the plot to half its height in half a
    1280 px window. Past 4 entries the legend sits under the x axis and the figure grows by its rows; a chart of few
    lines (KTO's rewards) keeps its legend above, as before."""
    from ui.charts import _LAYOUT, grpo_figures, kto_figures

    rows = [dict(r) for r in WALKED] + [
        {"kind": "eval", "step": 2, "eval_loss": 0.0, "eval_reward": 0.1, "eval_reward_check": 0.0}
        | {"eval_reward_not_repeating": 0.9}
    ]
    rewards = grpo_figures(rows)[0]
    assert [t.name for t in rewards.data] == [
        *("total", "check", "not_repeating", "held-out total", "held-out check", "held-out not_repeating"),
        "total ± spread",
    ]
    legend, layout = rewards.layout.legend, rewards.layout
    assert (legend.yref, legend.y, legend.yanchor, legend.xanchor) == ("container", 0, "bottom", "left")
    plot = layout.height - layout.margin.t - layout.margin.b
    assert plot == _LAYOUT["height"] - _LAYOUT["margin"]["t"] - _LAYOUT["margin"]["b"]  # the legend's rows added
    assert layout.margin.b >= 4 * 20  # room for 4 rows of 2 entries
    kto = kto_figures([{"kind": "train", "step": 1, "rewards_chosen": 0.1, "rewards_rejected": -0.1}])[0]
    assert (kto.layout.legend.y, kto.layout.legend.yanchor, kto.layout.height) == (1.0, "bottom", _LAYOUT["height"])


def test_a_learning_rate_and_kl_read_as_numbers_not_si_prefixes():
    """GRPO's learning-rate axis read "500µ, 400µ, ..." (plotly's SI prefixes) for 5e-4: a reader who knows the rate
    as 5e-4 or 0.0005 has to translate micro. One-line charts tick in plain numbers (d3's "~g": 0.0005, 2e-5)."""
    from ui.charts import run_figures

    rows = [{"kind": "train", "step": s, "learning_rate": 5e-4 / s, "kl": 4e-5 * s, "loss": 0.0, "grad_norm": 0.1 * s}
            for s in (1, 2, 3)]  # fmt: skip
    shown, engineers = run_figures(rows, dpo=False, method="grpo")
    by_title = {f.layout.title.text: f for f in shown + engineers}
    for title in ("Learning rate", "KL (how far the model moved)", "Gradient size (grad norm)"):
        assert by_title[title].layout.yaxis.tickformat == "~g", title


def test_grpos_form_leaves_no_empty_column_where_a_setting_it_does_not_use_would_be(tiny_model_dir):
    """The Train form lays its main settings three to a row; GRPO does not use What is trained, and its place stayed
    an empty column between Chat template and Max length. Settings the method does not use take no place."""
    from ftlib import workspace
    from tests.test_pages_alignment import PROMPT_ROWS

    workspace.save_split("pirate", PROMPT_ROWS[:8], PROMPT_ROWS[8:])
    at = page(tiny_model_dir)
    assert at.radio(key="train_method").value == "grpo"
    form_rows = [c for c in at.main.columns if c.weight == 1 / 3]  # three_a_row's columns
    rows = [[bool(c.children) for c in form_rows[i : i + 3]] for i in range(0, len(form_rows), 3)]
    assert form_rows and all(row == sorted(row, reverse=True) for row in rows), rows  # blanks only end a row
    keys = [w.key for c in form_rows for w in c.children.values() if getattr(w, "key", None)]
    assert keys.index("train_max_length") == keys.index("train_template") + 1  # side by side now
