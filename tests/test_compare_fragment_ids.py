"""The Compare page's grid while it fills: its polling fragment has a new id on every run of the page; the fragment's
own runs (a timed poll, Stop) keep it.

Why (pages/5_Compare.py, above the call of `grid`): the browser's timed polls race each page run (a setting changed,
the prompt typed, the sidebar, while the grid fills); a poll that found a fragment of the same id in that page run
dropped the page run's grid messages not yet sent but kept the cells sent as references to the browser's cache, and
Streamlit's browser side stopped for good ("Bad delta path index"). Polls for an id the page run did not register are
skipped and drop none of its messages (Streamlit 1.67: AppSession.request_rerun, ScriptRunner's
FragmentStorageKeyError). tests/test_train_fragment_ids.py checks the same of Train's runs section.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.test_pages_compare import button, open_page, run_until_done
from tests.test_train_fragment_ids import fragment_run, section_ids


def drawn_grid(at: AppTest) -> bool:
    """Whether the last run drew a running grid (its Stop button)."""
    return any(b.label == "Stop" for b in at.button)


def test_the_filling_grid_has_a_new_fragment_id_on_every_page_run_and_keeps_it_through_its_own_runs(
    varied_dir, monkeypatch
):
    ids = section_ids(monkeypatch, "grid")
    at = open_page("pages/5_Compare.py", varied_dir)
    button(at, "Generate").click()
    at = run_until_done(at.run(), "compare_job")
    assert not at.exception, at.exception
    job = at.session_state["compare_job"]
    full = job.snapshot()
    try:
        job.tokens[:] = [t[:1] for t in full]  # the same grid seen mid-way: its fragment polls
        job.done = False
        filling = ids(at.run)
        assert not at.exception, at.exception
        assert len(filling) == 1 and drawn_grid(at), filling

        # A setting changed while it fills (outside the grid): the page reruns, still polling, under a new id; the
        # session keeps no fragment of the old one.
        changed = ids(at.slider(key="compare_max_new").set_value(64).run)
        assert not at.exception, at.exception
        assert len(changed) == 1 and changed != filling, (filling, changed)
        storage = at._fragment_storage  # AppTest's, as AppSession's: kept across the session's runs
        assert storage.contains(changed[0]) and not storage.contains(filling[0])

        # The browser's timed poll: the grid alone, under the same id (no new one), and again.
        for _ in range(2):
            assert ids(lambda: fragment_run(at, changed[0], monkeypatch)) == []
            assert not at.exception, at.exception
            assert drawn_grid(at) and not at.title  # the grid, not the page
            assert storage.contains(changed[0])
        # A late poll for the old id: skipped, it draws nothing.
        fragment_run(at, filling[0], monkeypatch)
        assert not at.exception and not drawn_grid(at)
    finally:
        job.tokens[:], job.done = full, True
