"""Compare's Seed and Max new tokens outlive a reload, as its prompt and Thinking choice do
(`ui.kept.ACROSS_SESSIONS`): a refresh brought the prompt typed back beside seed 0 and 96 tokens, whatever had been
set (helper 253's brief)."""

from __future__ import annotations

from ftlib import workspace
from tests.test_compare_thinking_kept import open_compare


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
