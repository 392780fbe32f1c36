"""The Compare page's estimate before a session's first grid (ftlib.decode_rate, ui.compare_view.first_grid_note):
from the grid's work and a rate this server measured, else a range from the benchmarks, always said roughly."""

from __future__ import annotations

import re
import threading

from ftlib import decode_rate
from ui.compare_view import first_grid_note, rough_duration


def test_the_server_keeps_the_last_grids_rate_per_device_and_model():
    decode_rate.forget()
    assert decode_rate.measured("cpu", "default") is None
    threads = [threading.Thread(target=decode_rate.remember, args=("cpu", "default", r)) for r in (5.0, 6.0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert decode_rate.measured("cpu", "default") in (5.0, 6.0)
    decode_rate.remember("cpu", "default", 3.2)
    decode_rate.remember("cpu", "default", 0.0)  # no tokens written: not a speed
    assert decode_rate.measured("cpu", "default") == 3.2
    assert decode_rate.measured("cpu", "other/model") is None and decode_rate.measured("cuda", "default") is None
    decode_rate.forget()
    assert decode_rate.measured("cpu", "default") is None


def test_the_work_counts_every_answer_at_its_limit_and_the_prompt_cheaply():
    assert decode_rate.grid_work(6, 96) == 576
    assert decode_rate.grid_work(6, 96, prefill_tokens=80) == 576 + 80 * decode_rate.PREFILL_COST
    assert 0 < decode_rate.PREFILL_COST < 1


def test_the_walks_first_grid_is_said_roughly_at_the_servers_speed():
    """Walk: a first grid took 1 min 28 s at 3.2 tokens/s (a busy 2-core CPU), unannounced."""
    note = first_grid_note(3, 96, 120, 3.2)
    work = decode_rate.grid_work(3, 96, 120)
    assert note.startswith("⏱ Up to 288 tokens (3 answers × 96, and the prompt): roughly 1.5 min on this CPU")
    assert rough_duration(work / 3.2) == "1.5 min"
    assert note.endswith("on this CPU, at the pace a grid measured on this server earlier.")


def test_before_any_grid_on_this_server_the_default_models_range_is_a_labelled_guess():
    quiet, busy = decode_rate.DEFAULT_TOKENS_PER_S["cpu"]
    assert quiet > busy > 0
    note = first_grid_note(8, 512, 100, None, (quiet, busy))
    work = decode_rate.grid_work(8, 512, 100)
    assert f"roughly {rough_duration(work / quiet)} on a quiet CPU, {rough_duration(work / busy)} or more" in note
    assert "benchmarks" in note and "a grid writing 32 tokens or more measures this server's speed" in note
    assert not re.search(r"\d+ min \d+ s|\d\.\d s|about", note)  # no "3 min 57 s": the guess is no better
    # another model, nothing measured: the old, unquantified note for a long grid, none for a short one
    assert first_grid_note(8, 96, 100, None) is None
    assert "long on a CPU" in first_grid_note(8, 512, 100, None)


def test_rough_durations_are_no_more_precise_than_the_estimate():
    cases = [(3, "a few seconds"), (14, "10 s"), (37, "40 s"), (88, "1.5 min"), (179, "3 min"), (1000, "17 min")]
    assert [rough_duration(s) for s, _ in cases] == [said for _, said in cases]
