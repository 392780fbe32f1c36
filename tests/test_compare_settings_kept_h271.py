"""Helper 271's Compare and form leftovers.

Compare's decoding settings outlive a reload, as its Seed and Max new tokens do (`ui.kept.ACROSS_SESSIONS`): a
refresh brought the seed and length kept back beside greedy, balanced and creative and the custom column off, whatever
had been picked."""

from __future__ import annotations

from ftlib import workspace
from tests.test_compare_thinking_kept import open_compare

SLIDERS = {"custom_t": 0.45, "custom_k": 40, "custom_p": 0.8, "custom_min_p": 0.05, "custom_penalty": 1.3}


def test_a_new_session_starts_from_the_presets_and_custom_setting_last_chosen(varied_dir):
    first = open_compare(varied_dir)
    assert first.multiselect(key="compare_presets").value == ["greedy", "balanced", "creative"]
    first.multiselect(key="compare_presets").set_value(["creative"]).run()
    first.checkbox(key="compare_custom").check().run()
    for key, value in SLIDERS.items():
        first.slider(key=key).set_value(value).run()
    assert not first.exception, first.exception

    reloaded = open_compare(varied_dir)  # nothing of the first session's state: only what the workspace recorded
    assert reloaded.multiselect(key="compare_presets").value == ["creative"]
    assert reloaded.checkbox(key="compare_custom").value is True
    assert {key: reloaded.slider(key=key).value for key in SLIDERS} == SLIDERS

    reloaded.multiselect(key="compare_presets").set_value(["greedy", "balanced"]).run()  # the last change wins
    assert open_compare(varied_dir).multiselect(key="compare_presets").value == ["greedy", "balanced"]


def test_a_recorded_slider_value_past_the_sliders_range_is_not_put_back(varied_dir):
    """A record from a server whose sliders went further (or one edited by hand) leaves the slider at its default:
    put back as it is, a temperature of 5 past the slider's 2 stops the page with an exception."""
    workspace.remember_choice("custom_t", 5.0)
    workspace.remember_choice("custom_k", 12.5)  # not a whole number: the top-k slider takes none
    workspace.remember_choice("custom_p", 0.7)
    at = open_compare(varied_dir)
    assert (at.slider(key="custom_t").value, at.slider(key="custom_k").value) == (0.9, 0)
    assert at.slider(key="custom_p").value == 0.7
