"""One run, one training loss (helper 57's cold walk: 0.3938 "average of the last 2 steps" in the headline, 0.251 in
the run picker, 0.2509 in the runs table, none saying why they differ). The picker and the table give the last step's
loss rounded alike; the headline's mean of the last steps is named as smoothed, and its help names the last step's."""

from __future__ import annotations

from ftlib.testing import make_run
from tests.test_pages_train import page, picker_labels

LOSSES = [0.9, 0.8, 0.536724, 0.250876]  # the last: 0.251 at 3 decimals, 0.2509 at 4; the mean of the last 2: 0.3938


def test_the_picker_the_table_and_the_headline_agree_on_the_training_loss(tiny_model_dir):
    metrics = [{"kind": "train", "step": s, "loss": loss} for s, loss in enumerate(LOSSES, 1)]
    make_run("r-loss", {"model": str(tiny_model_dir)}, max_steps=4, metrics=metrics)
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    [label] = picker_labels(at)
    assert label.endswith("4 steps · last step's loss 0.2509"), label
    assert at.dataframe[-1].value.set_index("id").loc["r-loss", "training (last step)"] == "loss 0.2509"
    [headline] = [m for m in at.metric if m.label.startswith("Training loss")]
    # The label stays short enough for its box (helper 78's walk: the smoothing in it was cut off); the help says it.
    assert headline.label == "Training loss" and headline.value == "0.3938"
    assert headline.proto.help.startswith("Smoothed over the last 2 steps: the mean of their losses")
    assert "The last step's own (step 4): 0.2509, the figure the runs table and the run picker show" in (
        headline.proto.help
    )
