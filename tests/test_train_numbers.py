"""The Train and Evaluate pages' numbers say what they measure (walk 9, F2, F3, F5, F6): a run records the tokens
it trains beside those it reads, the training-loss headline is a mean of the last steps with the last step's own
in its help, the learning-rate chart says which step's rate it shows, and each page says what its held-out loss
averages."""

from __future__ import annotations

import json
import statistics

import pytest

from ftlib import runs, workspace
from ftlib.models import load_tokenizer
from ftlib.overfitting import smoothed_loss
from ftlib.templates import get_template
from ftlib.testing import make_random_adapter, make_run
from ftlib.tokens import encode_row
from ftlib.worker import execute
from tests.test_pages_compare import TEST_ROWS, button, open_page, run_until_done
from tests.test_pages_train import page
from tests.test_training import SFT_ROWS, tiny_config


def test_a_run_records_the_tokens_it_trains_beside_those_it_reads(tiny_model_dir, tmp_path):
    """Over one pass of the rows, the trained tokens logged are the labels our encoder marks (not -100), counted
    independently of the trainer; the tokens read are every token of the rows, prompt and answer."""
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in SFT_ROWS))
    # 8 rows, 2 a step: 4 steps are one pass over every row, whichever order they come in.
    config = tiny_config(tiny_model_dir, method="lora", max_steps=4, dataset=str(data), test_size=0)
    run_id = runs.create_run(config)
    assert execute(runs.find(run_id).path) == "finished"
    train = [r for r in runs.find(run_id).read_metrics() if r["kind"] == "train"]

    tokenizer = load_tokenizer(str(tiny_model_dir))
    template = get_template(config.template, tokenizer)
    encoded = [encode_row(r, tokenizer, template, config.mask_policy, config.max_length) for r in SFT_ROWS]
    trained = sum(label != -100 for e in encoded for label in e.labels)
    read = sum(len(e.input_ids) for e in encoded)
    assert 0 < trained < read  # sentinel: the prompts are masked, so the two counts differ
    assert [r["step"] for r in train] == [1, 2, 3, 4]
    assert (train[-1]["trained_tokens"], train[-1]["tokens"]) == (trained, read)
    assert all(0 < r["trained_tokens_per_s"] < r["tokens_per_s"] for r in train)


def _steps(losses, trained_share: float | None = 0.25) -> list[dict]:
    rows, read = [], 0
    for step, loss in enumerate(losses, 1):
        read += 400
        row = {"kind": "train", "step": step, "loss": loss, "learning_rate": 0.0 if step == 1 else 0.002}
        row |= {"tokens": read, "tokens_per_s": 400.0 + step}
        if trained_share is not None:
            row |= {
                "trained_tokens": int(read * trained_share),
                "trained_tokens_per_s": (400.0 + step) * trained_share,
            }
        rows.append(row)
    return rows + [{"kind": "eval", "step": len(losses), "eval_loss": 1.5}]


def test_the_headline_loss_is_the_mean_of_the_last_steps_and_the_speed_names_what_it_counts(tiny_model_dir):
    """Walk 9 F6: the headline was the last step's loss on one batch (1.11-1.94 over 12 steps); F3: 'Tokens of text
    trained per second' counted every token read; F2/F5: what the held-out loss and the lr chart show."""
    losses = [3.0, 2.8, 1.2, 1.9, 1.1, 1.8, 1.3, 1.7, 1.4, 1.6, 1.2, 1.9]
    make_run("r-numbers", {"model": str(tiny_model_dir)}, max_steps=12, metrics=_steps(losses))
    at = page(tiny_model_dir)
    shown = {m.label: m for m in at.metric}

    # The later half of a run of 12 steps; of 20 steps or more, the last 10.
    loss = shown["Training loss"]
    assert loss.proto.help.startswith("Smoothed over the last 6 steps")
    assert loss.value == f"{statistics.fmean(losses[-6:]):.4f}" != f"{losses[-1]:.4f}"
    assert "The last step's own (step 12): 1.9000" in loss.proto.help
    assert "Evaluate page" in shown["Held-out loss"].proto.help
    # Said where it shows, not only on hover (a cold review compared it with Evaluate's loss of the same rows).
    assert any(c.value.startswith("Held-out loss: over every reply the run trains") for c in at.caption)
    assert any("Evaluate page's loss counts only each row's last answer" in c.value for c in at.caption)
    read = shown["Tokens per second"].proto.help
    assert "prompt and answer" in read and "trained" not in read
    trained = shown["Trained tokens per second"]
    assert trained.value == f"{statistics.median((400.0 + s) * 0.25 for s in range(1, 13)):,.0f}"
    assert "labels not -100" in trained.proto.help and "25% of the tokens read" in trained.proto.help

    captions = [c.value for c in at.caption]
    assert any(
        c.startswith("The rate each step trained with; with a warmup the first step trains at 0") for c in captions
    )
    assert any("prompt and answer alike" in c and "The trained line" in c for c in captions)
    speed_chart = next(
        json.loads(c.proto.spec) for c in at.get("plotly_chart") if '"Tokens per second"' in c.proto.spec
    )
    assert [t["name"] for t in speed_chart["data"]] == ["read", "trained"]


def test_a_run_that_did_not_count_its_trained_tokens_shows_no_trained_number(tiny_model_dir):
    """A run from before the count (or a method whose batches have no labels): no trained number, no line about one."""
    make_run("r-old", {"model": str(tiny_model_dir)}, max_steps=3, metrics=_steps([2.0, 1.5, 1.0], None))
    at = page(tiny_model_dir)
    labels = [m.label for m in at.metric]
    assert "Tokens per second" in labels and "Trained tokens per second" not in labels
    assert "Training loss, step 3" in labels  # one step is the later half of three
    assert not any("The trained line" in c.value for c in at.caption)


def test_the_evaluate_page_says_what_its_loss_averages_and_why_trains_can_differ(varied_model, tmp_path):
    model = varied_model(2)
    adapter = make_random_adapter(str(model), tmp_path / "adapter", seed=9, b_std=0.5)
    workspace.save_split("colours", TEST_ROWS[:1], TEST_ROWS, {"format": "messages"})
    # One row per held-out batch: several batches, whose means Train averages (one batch would not differ so:
    # tests/test_heldout_precision_h222.py).
    config = {"model": str(model), "dataset": "colours", "template": "tokenizer", "method": "lora", "batch_size": 1}
    make_run("20260101-000000-lora-colours", config, adapter=adapter)
    at = open_page("pages/6_Evaluate.py", model)
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    helps = {m.label: m.proto.help for m in at.metric}
    for label in ("Base loss", "Tuned loss"):
        assert "Average loss per answer token of the last reply of each of the" in helps[label], helps
        assert "Train's held-out loss differs" in helps[label], helps
    said = [c.value for c in at.caption if c.value.startswith("Loss here:")]
    assert len(said) == 1 and "per answer token of the last reply of each of the" in said[0], said  # not only on hover
    assert "Train's held-out loss differs: it averages each batch's mean rather than every token alike" in said[0]


def test_a_held_out_number_from_before_training_says_so(tiny_model_dir):
    """A cold review: before a run's first evaluation, 'Held-out loss 3.2655' beside the live training loss was the
    starting model's (step 0), with nothing saying so."""
    rows = _steps([3.0, 2.8, 2.5])
    rows[-1]["step"] = 0  # the only evaluation so far: the starting model's
    make_run("r-before", {"model": str(tiny_model_dir)}, max_steps=12, metrics=rows)
    at = page(tiny_model_dir)
    shown = {m.label: m.value for m in at.metric}
    assert shown.get("Held-out loss (at start)") == "1.5000" and "Held-out loss" not in shown, shown


@pytest.mark.parametrize(
    "method, said",
    [
        ("kto", "KTO's objective on the held-out answers"),
        ("reward", "-log sigmoid(chosen score - rejected score)"),
        ("dpo", "DPO's objective on the held-out pairs"),
    ],
)
def test_a_preference_runs_held_out_loss_says_what_its_objective_is(tiny_model_dir, method, said):
    """A cold review: a KTO run's and a reward model's "Held-out loss" help described SFT's mean over the tokens the
    mask policy trains; each method's loss is its own objective, said as such."""
    make_run(f"r-{method}", {"model": str(tiny_model_dir), "method": method}, max_steps=3, metrics=_steps([1, 1, 1]))
    at = page(tiny_model_dir)
    help_text = {m.label: m.proto.help for m in at.metric}["Held-out loss"]
    assert said in help_text and "mask policy" not in help_text, help_text
    assert not any(c.value.startswith("Held-out loss: over every reply") for c in at.caption)


def test_a_short_runs_headline_averages_its_later_half_not_the_steps_before_it_learnt(tiny_model_dir):
    """A newcomer's walk: a 4-step run's headline read "Training loss, last 4 steps 1.1001" beside the picker's "last
    step's loss 0.303" (its first step's loss before it learnt anything in the mean), and the held-out loss looked
    five times lower than training's. The headline averages at most the later half of the steps."""
    losses = [3.2, 0.6, 0.35, 0.3]
    make_run("r-short", {"model": str(tiny_model_dir)}, max_steps=4, metrics=_steps(losses))
    shown = {m.label: m for m in page(tiny_model_dir).metric}
    assert shown["Training loss"].value == f"{statistics.fmean(losses[-2:]):.4f}"
    assert shown["Training loss"].proto.help.startswith("Smoothed over the last 2 steps")
    many = [1.0 + 1 / step for step in range(1, 41)]
    assert smoothed_loss(_steps(many)) == (pytest.approx(statistics.fmean(many[-10:])), 10)  # then the last 10


@pytest.mark.parametrize(
    "weights, said",
    [
        ({}, "0.5 at the start (both weights are 1)"),
        ({"desirable_weight": 2.0, "undesirable_weight": 2.0}, "1 at the start (both weights are 2)"),
        ({"desirable_weight": 2.0, "undesirable_weight": 3.0}, "between 1 and 1.5 at the start"),
    ],
)
def test_a_kto_runs_held_out_start_is_said_from_its_weights(tiny_model_dir, weights, said):
    """A review: the help said "0.5 at the start" whatever the weights, but TRL multiplies each answer's loss (0.5
    before training) by desirable_weight or undesirable_weight (`KTOTrainer`), so the start is half their mean."""
    config = {"model": str(tiny_model_dir), "method": "kto", **weights}
    make_run("r-kto", config, max_steps=3, metrics=_steps([1, 1, 1]))
    at = page(tiny_model_dir)
    help_text = {m.label: m.proto.help for m in at.metric}["Held-out loss"]
    assert said in help_text, help_text
