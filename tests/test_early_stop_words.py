"""An early-stopped run whose best checkpoint never beat the untrained model says so (a tester's cold walk: held-out
loss 3.20 before training, 3.79 at step 2, 20.70 at step 4; "the best checkpoint: step 2" and nothing more)."""

from __future__ import annotations

from transformers import TrainerState

from ftlib.config import RunConfig
from ftlib.overfitting import finish_message


def _state(evals: dict[int, float], best: int, step: int, planned: int = 16) -> TrainerState:
    state = TrainerState(global_step=step, max_steps=planned)
    state.log_history = [{"step": s, "eval_loss": loss} for s, loss in evals.items()]
    state.best_global_step, state.best_metric = best, evals[best]
    return state


CONFIG = RunConfig(early_stopping_patience=1, learning_rate=0.02)


def test_a_best_checkpoint_worse_than_the_untrained_model_is_said():
    said = finish_message(_state({0: 3.1976, 2: 3.7903, 4: 20.6997}, best=2, step=4), CONFIG)
    assert said.startswith("Stopped early at step 4 of 16: the held-out loss had not improved for 1 evaluation(s). ")
    assert said.endswith(
        "The saved result is the best checkpoint: step 2, held-out loss 3.7903. No evaluation beat the held-out loss "
        "before training (3.1976): the saved result is worse on new rows than the untrained model. Lower the "
        "learning rate (it is 0.02) or train on more rows."
    )


def test_a_best_checkpoint_that_improved_says_only_where_it_is():
    said = finish_message(_state({0: 3.1976, 2: 2.5, 4: 2.9}, best=2, step=4), CONFIG)
    assert said.endswith("The saved result is the best checkpoint: step 2, held-out loss 2.5000.")
    # A resumed run's history may start after step 0: nothing to compare with, nothing claimed.
    assert "untrained" not in finish_message(_state({2: 3.7, 4: 4.1}, best=2, step=4), CONFIG)


METRICS = [
    {"kind": "train", "step": 1, "loss": 0.9},
    {"kind": "train", "step": 2, "loss": 0.8},
    {"kind": "train", "step": 3, "loss": 0.7},
    {"kind": "train", "step": 4, "loss": 0.5},
    *({"kind": "eval", "step": s, "eval_loss": v} for s, v in ((0, 3.1976), (2, 3.7903), (4, 20.6997))),
]


def test_runs_list_and_show_judge_the_kept_checkpoint_not_the_last_evaluation(capsys):
    """The same walk: `runs list` showed held-out loss 20.70, the last evaluation's, for a run whose result is step 2's
    checkpoint (3.79). Every table now gives the kept checkpoint's, and `runs show` names both."""
    from ftlib.cli import main
    from ftlib.testing import make_run

    run = make_run("early", {"dataset": "x", "early_stopping_patience": 1}, metrics=METRICS, kept_step=2)
    summary = run.summary()
    assert (summary.kept_step, summary.eval_loss, summary.eval_text) == (2, 3.7903, "loss 3.7903")
    assert summary.as_dict()["kept_step"] == 2
    assert main(["runs", "show", "early"]) == 0
    out = capsys.readouterr().out
    assert "held-out: loss 3.7903 (the kept checkpoint's, step 2; the last evaluation's, step 4: loss 20.6997)" in out
    # The Train page's headline is the mean of the last steps: `runs show` gives it beside the last step's (a cold
    # walk saw 10.7145 on the page and 10.6314 in the CLI for one run).
    assert "training: loss 0.5000 (last step; smoothed over the last 2 steps 0.6000)\n" in out
    assert main(["runs", "list"]) == 0
    assert "loss 3.7903" in capsys.readouterr().out
    # A run that kept its last step (no early stopping) is judged by its last evaluation, as before.
    plain = make_run("plain", {"dataset": "x"}, metrics=METRICS).summary()
    assert (plain.kept_step, plain.eval_loss) == (None, 20.6997)


def test_the_train_page_shows_the_kept_checkpoints_held_out_loss(tiny_model_dir):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from ftlib.testing import make_run

    config = {"dataset": "x", "early_stopping_patience": 1, "model": str(tiny_model_dir)}
    run = make_run("20261202-000000-lora-early", config, metrics=METRICS, kept_step=2)
    at = AppTest.from_file(str(Path(__file__).parents[1] / "app.py"), default_timeout=60)
    at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = run.id
    at.run()
    assert not at.exception, at.exception
    assert any(m.label == "Held-out loss (kept, step 2)" and m.value == "3.7903" for m in at.metric)
