"""Compare's Seed and Max new tokens outlive a reload, as its prompt and Thinking choice do
(`ui.kept.ACROSS_SESSIONS`): a refresh brought the prompt typed back beside seed 0 and 96 tokens, whatever had been
set (helper 253's brief)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import workspace

ROOT = Path(__file__).resolve().parents[1]


def open_compare(model: Path) -> AppTest:
    """A new browser session (a reload, a second tab) on the Compare page, the base model alone."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(model)
    at.run()
    at = at.switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    return at


def test_a_new_session_starts_from_the_seed_and_answer_length_last_set(varied_dir):
    first = open_compare(varied_dir)
    assert (first.number_input(key="compare_seed").value, first.slider(key="compare_max_new").value) == (0, 96)
    first.number_input(key="compare_seed").set_value(1234).run()
    first.slider(key="compare_max_new").set_value(32).run()
    assert not first.exception, first.exception

    reloaded = open_compare(varied_dir)  # nothing of the first session's state: only what the workspace recorded
    assert reloaded.number_input(key="compare_seed").value == 1234
    assert reloaded.slider(key="compare_max_new").value == 32

    reloaded.slider(key="compare_max_new").set_value(200).run()  # the last change wins, whichever session made it
    assert open_compare(varied_dir).slider(key="compare_max_new").value == 200


def test_a_recorded_answer_length_the_slider_does_not_offer_is_not_put_back(varied_dir):
    """A record from a server whose slider went further (or one edited by hand) leaves the slider at its default: put
    back as it is, 1,000 past the slider's end stopped the page with an exception."""
    workspace.remember_choice("compare_max_new", 1000)
    workspace.remember_choice("compare_seed", 7)
    at = open_compare(varied_dir)
    assert at.slider(key="compare_max_new").value == 96
    assert at.number_input(key="compare_seed").value == 7
