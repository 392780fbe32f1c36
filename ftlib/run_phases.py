"""What a run is doing before its first step, said in its status's phase (the Train page's line under the run's name,
`runs show`): the step-0 evaluation of the untrained model, then the first step, then "training".

    callback = phase_callback(update)      # update(phase=...): the worker's status writer (rank 0 only)
    callback.eval_rows = prepared.eval_rows
    # given to the trainer with the others (worker.execute)

A newcomer pressed Start and saw "step 0 of 4 · 0:00:26 training" with no word of what it was doing: the phase
said "training" from the moment the model had loaded, through the held-out evaluation before the first step (on a
CPU, tens of seconds) and the first step (the slowest: its kernels and buffers are set up as it runs).

Not known here: the status file (rundir.py), the time left once steps are logged (rundir.RunDir.summary's eta).
"""

from __future__ import annotations

from ftlib.errors import plural

FIRST_STEP = "running the first step (the slowest: the time left shows after it)"
TRAINING = "training"


def evaluating_words(eval_rows: int) -> str:
    """The phase while the untrained model is evaluated before the first step.

    >>> evaluating_words(5)
    "scoring the untrained model on 5 held-out rows (the loss chart's step 0)"
    """
    return f"scoring the untrained model on {plural(eval_rows, 'held-out row')} (the loss chart's step 0)"


def phase_callback(update):
    """A transformers TrainerCallback that calls `update(phase=...)` as training begins (the step-0 evaluation when
    the trainer runs one, `eval_on_start`, else the first step), when that evaluation ends, and once after the
    first step ("training"). Set its `eval_rows` (the held-out rows) before training."""
    from transformers import TrainerCallback

    class PhaseCallback(TrainerCallback):
        eval_rows = 0
        stepped = False

        def on_train_begin(self, args, state, control, **kwargs):
            first_eval = args.eval_on_start and self.eval_rows and not state.global_step
            update(phase=evaluating_words(self.eval_rows) if first_eval else FIRST_STEP)

        def on_evaluate(self, args, state, control, **kwargs):
            if not self.stepped:
                update(phase=FIRST_STEP)

        def on_step_end(self, args, state, control, **kwargs):
            if not self.stepped:
                self.stepped = True
                update(phase=TRAINING)

    return PhaseCallback()


__all__ = ["FIRST_STEP", "TRAINING", "evaluating_words", "phase_callback"]
