"""AppTest for the sidebar's Model box: a refused model says why once, where it was typed, and is not left behind.

AppTest runs app.py's own body on its first run only (later runs under st.navigation run the page alone), so the
box is tested through a script that draws it as app.py does: `ui.common.model_box()` in the sidebar.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def sidebar_and_a_page():
    import streamlit as st

    from ui.common import model_box

    with st.sidebar:
        model_box()
    st.write("the page")


def sidebar() -> AppTest:
    at = AppTest.from_function(sidebar_and_a_page, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def box(at: AppTest):
    return at.sidebar.text_input(key="active_model")


def errors(at: AppTest) -> list[str]:
    """Every error box on the screen; each must be in the sidebar, under the box."""
    shown = [e.value for e in at.error]
    assert shown == [e.value for e in at.sidebar.error], shown
    return shown


def test_the_app_sidebar_is_this_model_box(monkeypatch):
    # What the tests below drive is what app.py draws: its sidebar's model box is ui.common.model_box.
    import streamlit as st

    import ui.common

    monkeypatch.setattr(ui.common, "model_box", lambda: st.caption("model box drawn"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert "model box drawn" in [c.value for c in at.sidebar.caption]


def test_a_refused_model_is_explained_once_and_then_gone(tiny_model_dir, monkeypatch):
    monkeypatch.setenv("FTLIB_MODEL_DIRS", str(tiny_model_dir.parent))
    at = sidebar()
    box(at).set_value("/etc").run()
    [refusal] = errors(at)
    assert refusal.startswith("`/etc` cannot be used:") and "outside the folders" in refusal, refusal
    assert box(at).value == "default"  # the last good model stays

    at.run()  # any next run: a click on the page, another page
    assert errors(at) == [] and box(at).value == "default"
    assert at.markdown[-1].value == "the page"

    # Refused again, then a model that works: the refusal goes with it.
    box(at).set_value("no-such/model").run()
    assert len(errors(at)) == 1 and "`no-such/model` cannot be used" in errors(at)[0]
    box(at).set_value(str(tiny_model_dir)).run()
    assert errors(at) == [] and box(at).value == str(tiny_model_dir)
    at.run()
    assert errors(at) == [] and box(at).value == str(tiny_model_dir)
