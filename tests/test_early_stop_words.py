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
