"""Compare's Thinking choice outlives a reload (helper 205): a new session (a refresh, a second tab) starts from the
choice last made, as Compare's prompt does (`ui.kept.ACROSS_SESSIONS`); it was back at its first option every time."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.test_thinking_evaluate import thinking_model  # noqa: F401 (a fixture: a tiny model with a thinking switch)

ROOT = Path(__file__).resolve().parents[1]


def open_compare(model: Path) -> AppTest:
    """A new browser session on the Compare page, the base model alone (no run picked)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(model)
    at.run()
    at = at.switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    return at


def thinking(at: AppTest):
    return next(r for r in at.radio if r.label == "Thinking")


def test_a_new_session_starts_from_the_thinking_choice_last_made(thinking_model):  # noqa: F811 (a fixture)
    first = open_compare(thinking_model)
    assert thinking(first).value == "trained"  # nothing chosen yet: the first option
    thinking(first).set_value("off").run()
    assert not first.exception, first.exception

    reloaded = open_compare(thinking_model)  # a reload: a new session, nothing of the first one's state
    assert thinking(reloaded).value == "off"
    assert "Asked with thinking off" in " ".join(c.value for c in reloaded.caption)

    thinking(reloaded).set_value("on").run()  # the last change wins, whichever session made it
    assert thinking(open_compare(thinking_model)).value == "on"
