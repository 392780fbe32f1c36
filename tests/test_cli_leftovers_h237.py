"""CLI leftovers (helper 237): what `train`'s step lines say, named in `train --help`."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from ftlib.cli import main

# One logged row of each method (metrics.jsonl's names, as ftlib.metrics maps TRL's logs), the heading of its part of
# the legend, and the columns its step line prints beside the common ones: each must be named there.
COMMON = {"step": 3, "loss": 0.6931, "learning_rate": 2e-4, "grad_norm": 0.81, "tokens_per_s": 912.0, "elapsed": 14}
STEP_ROWS = [
    ("every method", {}, ["loss", "lr", "grad", "tok/s"]),
    ("DPO", {"reward_accuracy": 1.0, "reward_margin": 3.735}, ["reward acc", "margin"]),
    ("reward model", {"accuracy": 0.75, "margin": 1.2}, ["accuracy", "margin"]),
    ("KTO", {"rewards_chosen": 0.12, "rewards_rejected": -0.34, "kl": 0.0}, ["rewards good", "kl"]),
    ("GRPO", {"reward": 0.81, "reward_std": 0.21, "kl": 0.002}, ["reward", "kl"]),
]


def _train_help(capsys) -> str:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    return capsys.readouterr().out


@pytest.mark.parametrize("heading, logged, columns", STEP_ROWS, ids=[r[0] for r in STEP_ROWS])
def test_train_help_names_each_column_of_its_step_lines_per_method(capsys, heading, logged, columns):
    """`train` printed "[step 3/20] loss 0.6931 ... reward acc 1.00 margin 3.735" (DPO), KTO's "rewards good +0.120 bad
    -0.340 kl ≤0 (clamped)" and GRPO's "reward 0.810 ± 0.210" with no word anywhere of what each is: `train --help`
    now ends with a legend, each column the line prints named under its method, with TRL's logged name."""
    from ftlib.metrics import _progress_line

    line = _progress_line({**COMMON, **logged}, SimpleNamespace(max_steps=20))
    said = _train_help(capsys)
    legend = said[said.index("What each progress line says") : said.index("Exit code:")]
    # Its parts: the common columns, then one under each method's heading ("DPO:" on a line of its own).
    parts = re.split(r"\n([A-Za-z][\w ]*):\n", legend)
    part = dict(zip(parts[1::2], parts[2::2], strict=True)).get(heading, "") if heading != "every method" else parts[0]
    for column in columns:
        assert re.search(rf"\b{re.escape(column)}\b", line), (column, line)  # the line prints it
        assert re.search(rf"^ {{2}}{re.escape(column)}\b", part, re.M), (column, part)  # the legend names it, a row
    assert "page" not in said.lower()


def test_the_step_legend_gives_trls_names_and_the_readings_that_matter(capsys):
    """The standard meaning, in TRL's logged names (what a reader of TRL's docs or a W&B chart knows them by)."""
    said = " ".join(_train_help(capsys).split())
    for name in ("rewards/accuracies", "rewards/margins", "rewards/chosen", "rewards/rejected", "reward_std"):
        assert name in said, name
    assert "0.50 is chance" in said and "kl ≤0 (clamped)" in said and "[eval step N]" in said
