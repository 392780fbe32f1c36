"""How far a Compare grid is (walk 6 #9): `GenerationJob.progress()` counts what the engine's own decoding writes,
answers finished of all, and the time from the first forward (a wait for the device not counted)."""

from __future__ import annotations

import time

import pytest

from ftlib import lease
from ftlib import modelset as M
from ftlib import sampling as S


@pytest.fixture(scope="module")
def model_set(varied_model):
    return M.load_model_set(str(varied_model(2)), device="cpu")


def test_a_finished_grid_counts_every_token_the_engine_wrote(model_set):
    tok = model_set.tokenizer
    settings = [S.GREEDY, S.PRESETS["balanced"], S.PRESETS["creative"]]
    rows = S.grid_rows(tuple(S.render_prompt(tok, "Name a river.")[1]), settings, [None])
    job = M.GenerationJob(model_set, rows, max_new_tokens=24, seed=5)
    before = job.progress()
    assert (before.tokens, before.max_tokens, before.finished, before.answers) == (0, 3 * 24, 0, 3)
    assert before.elapsed_s == 0 and before.tokens_per_s is None
    job.start()
    assert job.wait(timeout=120) and job.error is None
    expected = S.generate(model_set.model, tok, rows, max_new_tokens=24, seed=5)  # the reference decoding
    lengths = [len(r.tokens) + (r.finish_reason == "stop") for r in expected]  # the job keeps the stop as a token
    assert [len(t) for t in job.snapshot()] == lengths
    done = job.progress()
    # Every answer finished, so "at most" is what they wrote: the bar is full.
    assert (done.tokens, done.max_tokens, done.finished, done.answers) == (sum(lengths), sum(lengths), 3, 3)
    assert done.fraction == 1.0 and done.elapsed_s > 0
    assert done.tokens_per_s == pytest.approx(done.tokens / done.elapsed_s)
    time.sleep(0.05)
    assert job.progress().elapsed_s == done.elapsed_s  # a finished grid's time stands still


def test_the_time_waiting_for_the_device_is_not_counted(model_set):
    tok = model_set.tokenizer
    rows = [S.GenRow(tuple(S.render_prompt(tok, "Hi")[1]), S.GREEDY)]
    training = lease.Hold("cpu", "training", "20261130-lora-demo").acquire()
    try:
        began = time.monotonic()
        job = M.GenerationJob(model_set, rows, max_new_tokens=4, label="a Compare grid").start()
        deadline = time.monotonic() + 60
        while not job.waiting:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.5)
        waiting = job.progress()
        assert waiting.elapsed_s == 0 and waiting.tokens == 0  # no progress line while it waits
    finally:
        training.release()
    assert job.wait(timeout=60) and job.error is None
    whole = time.monotonic() - began
    assert 0 < job.progress().elapsed_s < whole - 0.5  # the half second in line is left out
