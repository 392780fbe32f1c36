"""Helper 148's review: the Train page when a teammate deletes the last run, and Compare's speed note after a grid
too short to measure this server's speed."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib.testing import make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")
GONE = "Run `r-last` was deleted, perhaps from another tab or the command line."


def test_a_teammate_deleting_the_last_run_shown_is_said_once_above_no_runs_yet(tiny_model_dir, monkeypatch):
    """With no run left the page returns before the runs section (`run_list`'s early 'No runs yet.'), so the note
    that the run shown went (`gone_note`) must be said there too: its timed look (`rerun_if_deleted`) redraws the
    page, which would otherwise only say there are no runs."""
    from ftlib import runs
    from tests.test_train_fragment_ids import fragment_run, section_ids

    make_run("r-last", {"model": str(tiny_model_dir), "name": "last"})
    ids = section_ids(monkeypatch, "rerun_if_deleted")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at.run()
    watching = ids(at.switch_page("pages/4_Train.py").run)  # the run shown, picked by the page itself
    assert not at.exception, at.exception
    assert at.session_state["train_selected"] == "r-last" and len(watching) == 1, watching

    runs.delete("r-last")  # a teammate, from another browser or the command line
    fragment_run(at, watching[0], monkeypatch)  # the next timed look: the whole page again
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == [GONE]
    assert [c.value for c in at.caption if c.value == "No runs yet."] == ["No runs yet."]
    at.run()  # any later run of the page (a click elsewhere): said once
    assert not at.warning and any(c.value == "No runs yet." for c in at.caption)


def test_after_a_grid_too_short_to_measure_the_speed_compare_does_not_promise_the_first_grid_measures_it():
    """A grid under `decode_rate.MIN_TOKENS` tokens is not taken as this server's speed, so after one the note beside
    the slider still guessed from the benchmarks, saying "your first grid measures this server's speed": untrue of the
    grid just run. It now says which grids measure it. On the default model, whose benchmarks the note quotes (the
    one model with a guess); the page's presets at the slider's least, 8 tokens an answer."""
    from ftlib import decode_rate

    decode_rate.forget()  # a server where no grid has measured the default model
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["active_model"] = "default"
    at.run()
    at.switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    at.slider(key="compare_max_new").set_value(8).run()
    notes = [c.value for c in at.caption if c.value.startswith("⏱")]
    assert len(notes) == 1 and "this model's benchmarks" in notes[0], notes
    next(b for b in at.button if b.label == "Generate").click().run()
    assert at.session_state["compare_job"].wait(timeout=300)
    at.run()
    assert not at.exception, at.exception
    done = at.session_state["compare_job"].progress()
    assert 0 < done.tokens < decode_rate.MIN_TOKENS, done  # too short: not measured
    assert "compare_tokens_per_s" not in at.session_state and decode_rate.measured("cpu", "default") is None
    notes = [c.value for c in at.caption if c.value.startswith("⏱")]
    assert len(notes) == 1 and "this model's benchmarks" in notes[0], notes
    assert "your first grid" not in notes[0], notes  # the first grid ran, and measured nothing
    assert notes[0].endswith(
        f"(this model's benchmarks; a grid writing {decode_rate.MIN_TOKENS} tokens or more measures this server's "
        "speed)."
    ), notes
    decode_rate.forget()
