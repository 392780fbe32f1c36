"""What a run that stopped on a NaN/inf loss or gradient tells its user: the learning rate to go back to (the
method's proven default, as the Train form's warning says) and float16 only for a run that trained in it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from transformers import TrainerControl, TrainerState

from ftlib.metrics import MetricsCallback
from ftlib.testing import make_run

# (id, the run's settings, float16 autocast, the weights' dtype, what the advice must say, whether it names float16)
CASES = [
    ("lora", {"method": "lora"}, False, torch.float32, "such as 0.002, the usual for LoRA (this run used 0.9)", False),
    ("full", {"method": "full"}, False, torch.float32, "such as 0.00005, the usual for Full fine-tuning", False),
    ("dpo-lora", {"method": "dpo", "tuning": "lora"}, False, torch.float32, "such as 0.001, the usual for DPO", False),
    ("fp16-autocast", {"method": "lora"}, True, torch.float32, "such as 0.002, the usual for LoRA", True),
    ("float16-weights", {"method": "lora"}, False, torch.float16, "such as 0.002, the usual for LoRA", True),
]


@pytest.mark.parametrize(
    "settings, fp16, dtype, advice, names_float16", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_an_inf_gradient_names_the_methods_learning_rate_and_float16_only_when_used(
    tmp_path, settings, fp16, dtype, advice, names_float16
):
    """Walk 8B #5: a LoRA run at learning rate 0.9 was told "a third of 0.9" (the form says "go back to 0.002") and
    "use float32/bfloat16 instead of float16", though it never used float16."""
    run = make_run("r-hot", {"dataset": "d", **settings}, state="running", root=tmp_path)
    callback = MetricsCallback(run)
    args = SimpleNamespace(learning_rate=0.9, fp16=fp16)
    state, control = TrainerState(), TrainerControl()
    state.global_step, state.max_steps = 5, 6
    callback.on_log(
        args, state, control, logs={"loss": 9.5, "grad_norm": float("inf")}, model=SimpleNamespace(dtype=dtype)
    )
    assert control.should_training_stop and not control.should_save
    assert callback.failure.startswith("Training stopped at step 5: the gradient size became inf.")
    assert advice in callback.failure, callback.failure
    assert "a third of" not in callback.failure
    assert ("float16" in callback.failure) is names_float16, callback.failure


def test_a_run_already_at_the_proven_rate_is_told_a_lower_one_than_its_own(tmp_path):
    run = make_run(
        "r-fp16", {"dataset": "d", "method": "lora", "learning_rate": 0.002}, state="running", root=tmp_path
    )
    callback = MetricsCallback(run)
    state, control = TrainerState(), TrainerControl()
    state.global_step = 7
    logs = {"loss": float("nan"), "grad_norm": 1.0}
    callback.on_log(SimpleNamespace(learning_rate=0.002, fp16=True), state, control, logs=logs)
    assert "such as 0.00067, about a third of this run's 0.002" in callback.failure, callback.failure


@pytest.mark.parametrize("step, stops", [(5, True), (6, False)])
def test_a_stop_asked_during_the_last_step_lets_the_run_finish(tmp_path, step, stops):
    """A cold review: `runs stop` landing on the last step ended the run "interrupted" without its result, and its
    resume trained a step past max_steps (a real optimizer step for GRPO). On the last step the run finishes."""
    run = make_run("r-stop", {"dataset": "d"}, state="running", root=tmp_path)
    run.request_stop()
    callback = MetricsCallback(run)
    state, control = TrainerState(), TrainerControl()
    state.global_step, state.max_steps = step, 6
    callback.on_step_end(SimpleNamespace(device="cpu"), state, control)
    assert callback.stopped is stops and bool(control.should_training_stop) is stops
    assert bool(control.should_save) is stops  # the last step saves the run's result instead
