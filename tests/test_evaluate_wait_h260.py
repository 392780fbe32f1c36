"""Evaluate's wait and its time estimate (helper 260).

1. While both models answered the held-out rows, the bar said "Answering the 3 rows in one batch" and stood at 0 until
   every answer was written: no rows done, no tokens, no time left. `evaluate` now keeps a `decode_rate.EvalTally`
   (its items done, the tokens written, each part's seconds) and each progress report says them, the bar moving with
   every decoding step.
2. The estimate under the rows box took the last evaluation's seconds a row and multiplied: on the real default model
   (a loaded 2-core CPU) 3 rows took 25.9 s, so 8 rows were said to take 69 s; they took 24.2 s, one loop of answers
   as the 3 were. The estimate now counts loops of answers (`EvalPace`), each as many decoding steps as that
   evaluation's loops ran, and each item scored.
"""

from __future__ import annotations

from ftlib import evaluate as E
from ftlib.decode_rate import EvalPace, EvalTally
from tests.test_pages_evaluate_kept import finished_run  # noqa: F401 (a fixture: the run on the page)

ROWS = [
    {"messages": [{"role": "user", "content": f"Name a colour, please ({i})."}, {"role": "assistant", "content": c}]}
    for i, c in enumerate(["Teal.", "Ochre, I think.", "Slate grey."])
]


def test_the_answering_says_rows_done_and_tokens_written_and_moves_the_bar(model_set):
    said: list[tuple[str, float]] = []
    tally = EvalTally()
    result = E.evaluate(
        model_set,
        ROWS,
        model_set.names[1],
        max_new_tokens=6,
        batch_size=8,
        progress=lambda m, f: said.append((m, f)),
        step_progress=lambda m, f: said.append((m, f)),
        tally=tally,
    )
    assert len(result.rows) == 3
    answering = [(m, f) for m, f in said if m.startswith("Answering the 3 rows in one batch")]
    # a report after each decoding step, each saying the tokens so far, the bar moving before any row is scored
    assert len(answering) > 2, said
    assert all(" · 0 of 3 rows done · " in m for m, _ in answering)
    assert answering[-1][1] > 0.0 and answering[-1][1] > answering[0][1]
    assert answering[-1][0].endswith(f"{tally.tokens} tokens written")
    scoring = [m for m, _ in said if m.startswith("Scoring the 3 rows")]
    assert scoring and scoring[-1].startswith("Scoring the 3 rows · 2 of 3 rows done")
    # what the tally kept: 3 rows x 2 models, each 1 to 6 tokens, in one loop of 1 to 6 steps
    assert (tally.items, tally.done, tally.batches) == (3, 3, 1)
    assert 6 <= tally.tokens <= 36 and 1 <= tally.steps <= 6
    assert tally.decode_s > 0 and tally.score_s > 0
    # the CLI prints each report: its stderr gets no line a token, only one a batch and a row scored
    printed: list[str] = []
    E.evaluate(
        model_set, ROWS, model_set.names[1], max_new_tokens=6, batch_size=8, progress=lambda m, f: printed.append(m)
    )
    assert (
        len(printed) == 5 and printed[0] == "Answering the 3 rows in one batch · 0 of 3 rows done · 0 tokens written"
    )


def test_an_evaluation_job_keeps_its_tally_and_pace(model_set):
    job = E.EvalJob(model_set, ROWS, model_set.names[1], max_new_tokens=4, batch_size=2).start()
    assert job.wait(timeout=300) and job.error is None
    assert (job.tally.items, job.tally.done, job.tally.batches) == (3, 3, 2)  # 2 rows, then 1
    pace = job.tally.pace(job.busy_s())
    assert (
        pace is not None and pace.max_new_tokens == 4 and 1 <= pace.steps_per_loop <= 4 and pace.loops_per_batch == 1
    )
    assert "rows done" in job.message or job.message == "Done"


def test_a_full_fine_tunes_two_loops_move_the_bar_to_the_end_and_count_in_the_pace(varied_dir, varied_model):
    """A full fine-tune decodes in a loop of its own after the base's (`ModelSet.by_model`): the bar read the steps
    against one loop's limit, stood at its answering share through the second loop, and the pace took both loops'
    steps for one loop's, halving the estimate (helper 258's review of f69ad72f)."""
    import shutil

    from ftlib import modelset as M

    run = varied_model(6).parent / "full-wait-run"
    if not run.exists():
        shutil.copytree(varied_model(6), run / "model")
    full_set = M.load_model_set(str(varied_dir), [run], device="cpu")
    said: list[float] = []
    tally = EvalTally()
    E.evaluate(full_set, ROWS[:1], "full-wait-run", max_new_tokens=6, batch_size=8, tally=tally,
               step_progress=lambda m, f: said.append(f) if m.startswith("Answering") else None)  # fmt: skip
    assert (tally.batches, tally.loops) == (1, 2) and tally.steps > 1
    bar = said[-tally.steps :]  # one report a step, the last at the answering share (0.85) once both loops end
    assert len(set(bar)) == len(bar), bar  # every step moves it: none of the second loop's stands still
    pace = tally.pace()
    assert pace.loops_per_batch == 2 and pace.steps_per_loop == tally.steps / 2
    assert pace.loops(8, 8) == 2 and pace.loops(9, 8) == 4


# The measure behind item 2 (real default model, an 8-step LoRA run of the chat_style sample, 64 max new tokens; the
# loop ran to the limit): 3 rows, one loop of 64 steps in 24.8 s, 3 rows scored in 1.0 s; 25.9 s in all.
MEASURED_3 = EvalTally(items=3, max_new_tokens=64, batch_size=8, done=3, tokens=276, steps=64, decode_s=24.8)
MEASURED_3.batches, MEASURED_3.loops, MEASURED_3.limit_loops, MEASURED_3.score_s = 1, 1, 1, 1.0


def test_eight_rows_are_one_loop_of_answers_as_three_were():
    pace = MEASURED_3.pace(25.9)
    eight = pace.seconds(items=8, batch_size=8, max_new_tokens=64)
    assert 24.0 < eight < 30.0  # they took 24.2 s; a pace a row said 69 s (8 x 25.9 / 3)
    assert pace.seconds(items=9, batch_size=8, max_new_tokens=64) > 1.9 * eight - 8 * pace.score_s  # a second loop
    # loops that ran to the limit run to a higher one; loops that ended early end there again
    assert pace.seconds(items=8, batch_size=8, max_new_tokens=128) > 1.9 * 64 * pace.step_s
    early = EvalPace(step_s=0.4, score_s=0.3, steps_per_loop=20, max_new_tokens=64, limited=0.0)
    assert early.seconds(8, 8, 128) == early.seconds(8, 8, 64)


def test_the_note_under_the_rows_box_counts_loops_and_says_how():
    from ui.evaluate_choices import evaluation_time_note

    pace = MEASURED_3.pace(25.9)
    said = evaluation_time_note(40, 64, (25.9 / 3, 64, "row"), pace=pace, batch_size=8)
    # 5 loops x 64 steps x 0.3875 s + 40 x 0.37 s: about 2 min 19 s, where a pace a row said 5 min 45 s
    assert said.startswith("⏱ About 2 min 1"), said
    assert (
        "5 loops of up to 8 rows answered together, each about 64 steps (a token of every answer a step) at 0.39 s "
        "a step" in said
    )
    assert evaluation_time_note(8, 64, (25.9 / 3, 64, "row"), pace=pace) is None  # under a minute: nothing said


def test_the_page_keeps_the_pace_of_its_evaluation_and_estimates_by_it(finished_run, varied_dir):  # noqa: F811
    from tests.test_pages_evaluate_kept import evaluate, open_page

    at = evaluate(open_page(varied_dir), rows=2, max_new=8)
    assert not at.exception, at.exception
    pace = at.session_state["evaluate_pace"]
    assert isinstance(pace, EvalPace) and pace.max_new_tokens == 8
    # That job as if measured on a slow machine: 100 s, 80 of them in its one loop of 8 steps, 20 scoring 2 rows.
    job = at.session_state["evaluate_job"]
    job.busy_s = lambda: 100.0
    job.tally = EvalTally(items=2, max_new_tokens=8, batch_size=8, done=2, steps=8, decode_s=80.0, score_s=20.0)
    job.tally.batches = job.tally.loops = job.tally.limit_loops = 1
    next(n for n in at.number_input if n.label == "Rows to evaluate").set_value(3).run()
    captions = " ".join(c.value for c in at.caption)
    # 1 loop of up to 8 rows x 8 steps x 10 s + 3 x 10 s = 110 s, where a pace a row (50 s) said 150 s
    assert "⏱ About 1 min 50 s for 3 rows, at the pace of your last evaluation: 1 loop of up to 8 rows" in captions
