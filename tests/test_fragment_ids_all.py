"""Every polling fragment, drawn by `ui.fragments.polling_fragment`: while it polls, a run of the page (or of the
fragment it is nested in) from a widget outside it gives it a new fragment id, its own runs (a timed poll) keep it,
and a late poll for the old id draws nothing; not polling, it keeps one id, or a finished result is drawn by the page.

Why (ui/fragments.py, docs/ARCHITECTURE.md "Bad delta path"): a timed poll that found the fragment under the id a run
had just drawn it with dropped that run's messages of the fragment not yet sent but kept the elements sent as
references to the browser's cache, and Streamlit's browser side stopped for good. tests/test_train_fragment_ids.py
and tests/test_compare_fragment_ids.py check Train's runs section and Compare's grid; this file the reward preview,
Evaluate's progress, an Evaluate section's job and its cost measure, and the Export panel nested in Train's section.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.testing import make_run
from tests.test_pages_alignment import _grpo_page
from tests.test_pages_compare import button, finished_run, open_page, run_until_done, wait_until  # noqa: F401 (a fixture)
from tests.test_pages_train import page as train_page
from tests.test_train_fragment_ids import ROWS, fragment_run, section_ids


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def check_polling(at: AppTest, ids, monkeypatch, first: list[str], outside, drawn, stopped=False) -> str:
    """From the page run that drew the polling fragment under `first` (one id): `outside()` (a page run from a
    widget outside it) gives it a new id and the session keeps no fragment of the old one; two timed polls of the new
    id draw it alone (`drawn(at)`, no page title) under the same id; a late poll for the old id draws nothing. The
    new id."""
    assert not at.exception, at.exception
    assert len(first) == 1 and drawn(at), first
    again = ids(outside)
    assert not at.exception, at.exception
    assert len(again) == 1 and again != first, (first, again)
    storage = at._fragment_storage  # AppTest's, as AppSession's: kept across the session's runs
    # A page run ended by st.stop() (`stopped`: Evaluate's) skips Streamlit's clearing of the fragments it did not
    # register (ScriptRunner: FragmentStorage.clear after the script's end only): the old id stays until a page run
    # reaches its end, and a late poll for it redraws the old fragment, its start dropping only messages of the old
    # id, none of the page run's. Else the session keeps no fragment of the old id and a late poll draws nothing.
    assert storage.contains(again[0]) and storage.contains(first[0]) == stopped
    for _ in range(2):
        assert ids(lambda: fragment_run(at, again[0], monkeypatch)) == []
        assert not at.exception, at.exception
        assert drawn(at) and not at.title
        assert storage.contains(again[0])
    assert ids(lambda: fragment_run(at, first[0], monkeypatch)) == []
    assert not at.exception and drawn(at) == stopped and not at.title
    return again[0]


def test_the_reward_preview_polls_under_a_new_id_on_every_page_run_and_the_page_draws_it_finished(
    tiny_model_dir, monkeypatch
):
    from ftlib import reward_preview

    release = threading.Event()

    def slow_preview(model, tokenizer, config, rows, prompts=3, lock=None):
        assert release.wait(timeout=120)
        return [
            {"prompt": "What is 0?", "answer": f"Ahoy! {i}", "regex": 1.0, "total": 1.0, "advantage": 0.0}
            for i in range(config.grpo_group_size)
        ]

    monkeypatch.setattr(reward_preview, "preview_rewards", slow_preview)
    ids = section_ids(monkeypatch, "result")
    at = _grpo_page(tiny_model_dir)
    at.text_area(key="train_rewards").set_value('[{"regex": "^Ahoy"}]').run()
    try:
        clicked = ids(at.button(key="grpo_preview_button").click().run)

        def writing(at: AppTest) -> bool:
            return "Writing answers and scoring them..." in captions(at)

        polled = check_polling(
            at, ids, monkeypatch, clicked, at.text_input(key="train_name").set_value("x").run, writing
        )
    finally:
        release.set()
    assert at.session_state["grpo_preview"][1].wait(timeout=120)
    fragment_run(at, polled, monkeypatch)  # its last poll: the page once, which draws the finished preview itself
    for _ in range(2):
        finished = ids(at.run)
        assert not at.exception, at.exception
        assert finished == [] and not writing(at)  # no fragment: a late poll finds none
        assert sum("<th>advantage</th>" in h.proto.body for h in at.get("html")) == 1
        assert "GRPO would learn nothing" in at.warning[0].value  # every total the same
        assert not any(b.disabled for b in at.button if b.key == "grpo_preview_button")


def test_evaluates_progress_polls_under_a_new_id_on_every_page_run(finished_run, varied_dir, monkeypatch):  # noqa: F811
    from ftlib import lease

    ids = section_ids(monkeypatch, "progress")
    at = open_page("pages/6_Evaluate.py", varied_dir)
    assert not at.exception, at.exception
    other = lease.Hold("cpu", "generation", "a Compare grid").acquire()  # the evaluation waits for it: it polls
    try:
        clicked = ids(button(at, "Evaluate").click().run)
        wait_until(lambda: at.session_state["evaluate_job"].waiting)
        batch = next(s for s in at.slider if s.label == "Rows per batch")

        def progress(at: AppTest) -> bool:
            return bool(at.get("progress"))

        polled = check_polling(at, ids, monkeypatch, clicked, batch.set_value(3).run, progress, stopped=True)
    finally:
        other.release()
    run_until_done(at, "evaluate_job")
    assert not at.exception, at.exception
    assert ids(at.run) == [] and at.metric  # finished: the page draws the result, nothing polls
    assert not at._fragment_storage.contains(clicked[0]) and not at._fragment_storage.contains(polled)


def job_page():
    """A page with a box outside an Evaluate section's job (`ui.common.run_job_section`) and the cost measure's
    (`ui.evaluate_view.cost_section`), each given a job that runs (`fake_job` in the session)."""
    import streamlit as st

    from ui.common import run_job_section
    from ui.evaluate_view import COST_KEY, cost_section

    st.checkbox("Elsewhere", key="elsewhere")
    job = st.session_state["fake_job"]
    if st.session_state["which"] == "section":
        words = {"idle": "Press Score.", "done": "scored", "error": "Failed", "empty": "Nothing."}
        run_job_section("fake_section", "r1", "Scores", "Score", lambda: job, words)
    else:
        st.session_state[COST_KEY] = ("r1", job)
        cost_section(lambda: None, "tuned", "tokenizer", "r1")


@pytest.mark.parametrize("which", ["section", "cost"])
def test_an_evaluate_sections_job_and_the_cost_measure_poll_under_a_new_id_on_every_page_run(which, monkeypatch):
    """Evaluate's reward-model and GRPO sections (`run_job_section`) and "Measure what it cost", each on a page of its
    own here, with a job that runs (a stand-in: what they read of one)."""
    ids = section_ids(monkeypatch, "progress")
    job = SimpleNamespace(done=False, waiting="", message="Scoring row 3 of 9", fraction=0.3, began=None)
    job.cancel = lambda: None
    at = AppTest.from_function(job_page, default_timeout=60)
    at.session_state["fake_job"] = job
    at.session_state["which"] = which
    at.session_state["fake_section"] = ("r1", job)
    first = ids(at.run)

    def progress(at: AppTest) -> bool:
        return bool(at.get("progress")) and at.get("progress")[0].proto.text.startswith("Scoring row 3 of 9")

    check_polling(at, ids, monkeypatch, first, at.checkbox(key="elsewhere").check().run, progress)


def test_the_export_panel_polls_under_a_new_id_on_every_run_of_the_section_it_is_nested_in(
    tiny_model_dir, monkeypatch
):
    """The Export panel polls while a download is prepared, inside Train's runs section (which polls nothing here: no
    run is active). Each run of the section draws the panel again, so it takes a new id on each: a page run and a run
    of the section alone (a click in it) alike; the panel's own polls keep it."""
    from ui import export_view

    workspace.save_split("numbers", ROWS[:10], ROWS[10:])
    config = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10}
    run = make_run("r-done", config, state="finished", max_steps=10)
    sections, panels = section_ids(monkeypatch, "section"), section_ids(monkeypatch, "panel")
    at = train_page(tiny_model_dir)
    assert not at.exception, at.exception

    def preparing(at: AppTest) -> bool:
        return any(c.startswith("⏳ Preparing the download") for c in captions(at))

    with export_view._preparing_lock:
        export_view._preparing[run.id] = 1
    try:
        first = panels(at.run)
        assert len(first) == 1 and preparing(at), first
        storage = at._fragment_storage
        shown = sections(at.run)  # the section's id: one, kept while no run is active
        assert len(shown) == 1 and sections(at.run) == shown
        steps = at.number_input(key="train_max_steps").set_value(7)  # a field of the form, outside the section
        polled = check_polling(at, panels, monkeypatch, panels(at.run), steps.run, preparing)
        # A run of the section alone (a click in it): the panel again, under a new id; the old one is dropped.
        again = panels(lambda: fragment_run(at, shown[0], monkeypatch))
        assert not at.exception, at.exception
        assert len(again) == 1 and again[0] != polled and preparing(at)
        assert storage.contains(again[0]) and not storage.contains(polled)
    finally:
        with export_view._preparing_lock:
            export_view._preparing.pop(run.id, None)
    # Ready: the panel's poll reruns the page once; polling nothing, the panel keeps one id from run to run.
    fragment_run(at, again[0], monkeypatch)
    assert not at.exception, at.exception
    stable = panels(at.run)
    assert len(stable) == 1 and not preparing(at) and panels(at.run) == stable
