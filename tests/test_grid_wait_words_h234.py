"""Compare's words while a grid waits for the CPU (helper 227's walk, a training run taking turns):

1. A finished grid said "576 tokens in 4 min 31 s (2.1 tokens/s)" after ~17 min, most of it in line behind the run:
   it says the wait too ("... in 4 min 31 s of generating (2.1 tokens/s), and 12 min 0 s waiting for the CPU"),
   from `jobs.BackgroundJob.waited_in_all` (`ui.compare_view.finished_line`).
2. For its first minute in line the grid drew no word above its empty cells (the only note was the next-token
   view's, at the bottom): the page run that starts it says it waits for its turn, before the wait's first report.
3. Back in line mid-way, the bar's frozen working time ("· 20 s") looked stalled: it says it is paused while waiting
   (`ui.compare_view.progress_line(waiting=True)`).
"""

from __future__ import annotations

import pytest

from ftlib import lease
from ftlib import modelset as M
from tests.test_compare_gaps_h221 import held_grids, start_grid, tab  # noqa: F401 (a fixture)
from tests.test_followed_jobs_h214 import DEADLINE_S
from tests.test_pages_compare import GRID_TOKENS, button, finished_run, infos  # noqa: F401 (a fixture)


def _finished_grid(varied_dir, held_grids):  # noqa: F811
    first = start_grid(varied_dir)
    job = first.session_state["compare_job"]
    held_grids.set()
    assert job.wait(DEADLINE_S) and job.error is None, job.error
    first.run()
    assert not first.exception, first.exception
    return first, job


def test_a_finished_grid_says_how_long_it_waited_for_the_cpu_beside_its_working_time(
    finished_run,  # noqa: F811
    varied_dir,
    held_grids,  # noqa: F811
):
    first, job = _finished_grid(varied_dir, held_grids)
    (line,) = [c.value for c in first.caption if " answers, " in c.value and " tokens in " in c.value]
    assert "waiting" not in line  # it never waited: the line as before
    # The walk's grid: 4 min 31 s of its own work and 12 min back in line behind a training run.
    job.ended, job.waited_s = job.started + 271.0 + 720.0, 720.0
    first.run()
    (line,) = [c.value for c in first.caption if " answers, " in c.value and " tokens in " in c.value]
    assert line == (
        "6 answers, 144 tokens in 4 min 31 s of generating (0.5 tokens/s), and 12 min 0 s waiting for the CPU."
    ), line


def test_a_grid_in_line_for_the_cpu_says_so_above_its_cells_from_the_first_draw(
    finished_run,  # noqa: F811
    varied_dir,
    held_grids,  # noqa: F811
    monkeypatch,
):
    # The wait's first report not yet come (the page run that pressed Generate draws before it): never, here.
    monkeypatch.setattr(M.GenerationJob, "_on_wait", lambda self, state: None)
    monkeypatch.setenv("FTLIB_LEASE", "1")
    first = tab(varied_dir)  # its next-token view read before the device is taken (the page run would wait for it)
    with lease.hold("cpu", "training", "a teammate's run"):
        first.number_input(key="compare_seed").set_value(7)
        first.slider(key="compare_max_new").set_value(GRID_TOKENS)
        button(first, "Generate").click()
        first.run()
        assert not first.exception, first.exception
        job = first.session_state["compare_job"]
        assert job.began is None and not job.waiting
        notes = [i for i in infos(first) if i.startswith("Waiting for its turn on the CPU")]
        assert len(notes) == 1, infos(first)
    held_grids.set()
    assert job.wait(DEADLINE_S) and job.error is None, job.error
    first.run()
    assert not [i for i in infos(first) if i.startswith("Waiting")], infos(first)


@pytest.mark.parametrize("waiting", [False, True], ids=["writing", "back in line"])
def test_a_grid_back_in_line_says_its_clock_is_paused_while_it_waits(
    finished_run,  # noqa: F811
    varied_dir,
    held_grids,  # noqa: F811
    waiting,
):
    first, job = _finished_grid(varied_dir, held_grids)
    full = job.snapshot()
    try:  # drawn mid-way by hand (AppTest runs no timer): 20 s of work, then back in line behind a training run
        job.tokens[:] = [t[:2] for t in full]
        job.done, job.ended, job.waited_s = False, job.started + 20.0, 0.0
        job.waiting = "Waiting for a free slot on the CPU: position 1 in line (training is using it)." * waiting
        first.run()
        assert not first.exception, first.exception
        (bar,) = first.get("progress")
        assert ("· 20 s of generating (paused while waiting)" in bar.proto.text) is waiting, bar.proto.text
        assert (" · 20 s" in bar.proto.text) is True
    finally:
        job.tokens[:], job.done, job.waiting = full, True, ""
