"""What a run is doing before its first step and after its last, said in its status's phase (the Train page's line
under the run's name, `runs show`): the step-0 evaluation of the untrained model, then the first step, then
"training", then, once the last step is done, the held-out evaluation of the trained model before the result is saved.

    callback = phase_callback(update)      # update(phase=...): the worker's status writer (rank 0 only)
    callback.eval_rows = prepared.eval_rows
    # given to the trainer with the others (worker.execute)

A newcomer pressed Start and saw "step 0 of 4 · 0:00:26 training" with no word of what it was doing: the phase
said "training" from the moment the model had loaded, through the held-out evaluation before the first step (on a
CPU, tens of seconds) and the first step (the slowest: its kernels and buffers are set up as it runs). After the
last step the page said "step 4 of 4 · about 0:00:00 left" and "training" for the 7 s of the last held-out
evaluation (helper 78's walk).

Not known here: the status file (rundir.py), the time left once steps are logged (rundir.RunDir.summary's eta).
"""

from __future__ import annotations

from ftlib.errors import plural

FIRST_STEP = "running the first step (the slowest: the time left shows after it)"
# The first step of a resumed run's attempt: as slow (its kernels and buffers are set up again), and after the steps
# its stop kept. Said as the first step of the whole run, it read "running the first step" at step 1 of 10 with the
# time left of the steps before the stop beside it (helper 208's walk: "about 0:25:49 left" from one 172 s step).
RESUMED_STEP = "running step {step}, the first since the resume (the slowest: the time left shows after it)"
TRAINING = "training"
# Before an attempt's first step: written by the launcher (runs._launch) as its process starts, and by the worker
# while it loads the model and the rows. A resumed run's steps before its stop say nothing of this attempt's either.
STARTING = "starting"
LOADING = "loading model and data"


LOSS_CHART = "the loss chart"


def first_step_words(done: int) -> str:
    """The phase while the first step of an attempt runs, `done` steps already taken (a resumed run's).

    >>> first_step_words(0) == FIRST_STEP, first_step_words(1)
    (True, 'running step 2, the first since the resume (the slowest: the time left shows after it)')
    """
    return RESUMED_STEP.format(step=done + 1) if done else FIRST_STEP


def first_step(phase) -> bool:
    """Whether a status's phase says an attempt's first step runs (`first_step_words`) or is still to come (the
    process `STARTING`, `LOADING` the model), when no time left is said: the steps before a resume, timed in another
    attempt, tell nothing of it (helper 219's walk: "about 0:00:33 left", frozen, for the 40 s a resumed run loaded).

    >>> first_step(FIRST_STEP), first_step(first_step_words(4)), first_step(LOADING), first_step(STARTING)
    (True, True, True, True)
    >>> first_step(TRAINING), first_step(None)
    (False, False)
    """
    return isinstance(phase, str) and (phase in (STARTING, LOADING) or phase.endswith(FIRST_STEP.partition(" (")[2]))


def held_out_chart(method: str) -> str:
    """The Train page's chart that shows a run's held-out score, as the phase words name it: GRPO shows no loss chart,
    its held-out scores are the Rewards chart's "held-out" points (ui.charts); every other method's, the loss chart.

    >>> held_out_chart("grpo"), held_out_chart("dpo")
    ('the Rewards chart', 'the loss chart')
    """
    return "the Rewards chart" if method == "grpo" else LOSS_CHART


def evaluating_words(eval_rows: int, chart: str = LOSS_CHART) -> str:
    """The phase while the untrained model is evaluated before the first step; `chart`: where the score shows
    (`held_out_chart`).

    >>> evaluating_words(5)
    "scoring the untrained model on 5 held-out rows (the loss chart's step 0)"
    >>> evaluating_words(2, held_out_chart("grpo"))
    "scoring the untrained model on 2 held-out rows (the Rewards chart's step 0)"
    """
    return f"scoring the untrained model on {plural(eval_rows, 'held-out row')} ({chart}'s step 0)"


def finishing_words(eval_rows: int, chart: str = LOSS_CHART) -> str:
    """The phase once the last step is done, until the result is saved (`eval_rows` 0: no held-out rows, or none
    evaluated; `chart` as in `evaluating_words`).

    >>> finishing_words(6)
    "last step done: scoring the trained model on 6 held-out rows (the loss chart's last point), then saving"
    >>> finishing_words(0)
    'last step done: saving the trained model'
    """
    if not eval_rows:
        return "last step done: saving the trained model"
    return (
        f"last step done: scoring the trained model on {plural(eval_rows, 'held-out row')} ({chart}'s last "
        "point), then saving"
    )


def phase_callback(update):
    """A transformers TrainerCallback that calls `update(phase=...)` as training begins (the step-0 evaluation when
    the trainer runs one, `eval_on_start`, else the first step), when that evaluation ends, and once after the
    first step ("training"), and after the last step (`finishing_words`: the trainer evaluates the held-out rows at
    the end whatever `eval_every` says). Set its `eval_rows` (the held-out rows) and, for a method whose held-out score
    is not on the loss chart, its `chart` (`held_out_chart`) before training."""
    from transformers import TrainerCallback

    class PhaseCallback(TrainerCallback):
        eval_rows = 0
        chart = LOSS_CHART
        stepped = False
        first = FIRST_STEP  # the phase while the attempt's first step runs (`first_step_words`)

        def on_train_begin(self, args, state, control, **kwargs):
            first_eval = args.eval_on_start and self.eval_rows and not state.global_step
            # A resumed run's trainer has its checkpoint's step here: "running step 3, the first since the resume"
            self.first = first_step_words(state.global_step)
            update(phase=evaluating_words(self.eval_rows, self.chart) if first_eval else self.first)

        def on_evaluate(self, args, state, control, **kwargs):
            if not self.stepped:
                update(phase=self.first)

        def on_step_end(self, args, state, control, **kwargs):
            last = bool(state.max_steps) and state.global_step >= state.max_steps
            if last:  # transformers' DefaultFlowCallback evaluates at the last step under either eval strategy
                update(phase=finishing_words(self.eval_rows if args.eval_strategy != "no" else 0, self.chart))
            elif not self.stepped:
                update(phase=TRAINING)
            self.stepped = True

    return PhaseCallback()


__all__ = [
    "FIRST_STEP",
    "LOSS_CHART",
    "RESUMED_STEP",
    "TRAINING",
    "evaluating_words",
    "finishing_words",
    "first_step",
    "first_step_words",
    "held_out_chart",
    "phase_callback",
]
