"""AppTest for the sidebar's Model box: a refused model says why once, where it was typed, and is not left behind.

AppTest runs app.py's own body on its first run only (later runs under st.navigation run the page alone), so the
box is tested through a script that draws it as app.py does: `ui.common.model_box()` in the sidebar.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.common import REMEMBERED_NOTE

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


def _copy(source: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(source, target)
    return target


def test_a_model_folder_that_cannot_load_is_refused_in_the_box(tiny_model_dir, tmp_path, monkeypatch):
    """Walk 8A: a folder with config.json and a tokenizer but no weights, and one whose config.json is broken, were
    taken by the box; the first failed only when a run started, the second on every page as "Could not load a
    tokenizer". Both are refused where they are typed, saying what is wrong."""
    monkeypatch.setenv("FTLIB_MODEL_DIRS", str(tmp_path))
    no_weights = _copy(tiny_model_dir, tmp_path / "no-weights")
    (no_weights / "model.safetensors").unlink()
    broken = _copy(tiny_model_dir, tmp_path / "broken-config")
    (broken / "config.json").write_text('{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size')
    at = sidebar()
    for folder, says in ((no_weights, "has a config.json but no weights"), (broken, "config.json of")):
        box(at).set_value(str(folder)).run()
        [refusal] = errors(at)
        assert refusal.startswith(f"`{folder}` cannot be used:") and says in refusal, refusal
        assert box(at).value == "default"
    assert "is not valid JSON" in refusal and "Could not load a tokenizer" not in refusal


def test_a_model_outside_the_allowed_folders_names_the_model_setting_only(tiny_model_dir):
    """Walk 8A: the refusal said "Upload it instead" (there is no model upload) and named FTLIB_DATA_DIRS too."""
    at = sidebar()
    box(at).set_value(str(tiny_model_dir)).run()  # FTLIB_MODEL_DIRS is not set: outside the allowed folders
    [refusal] = errors(at)
    assert "outside the folders this server allows" in refusal and "FTLIB_MODEL_DIRS" in refusal
    assert "pload" not in refusal and "FTLIB_DATA_DIRS" not in refusal


def test_a_new_session_starts_from_the_model_last_chosen(tiny_model_dir, tmp_path, monkeypatch):
    """Walk 8A: a browser refresh put the box back to `default` (the dataset survived: it is kept in the workspace), so
    the next run would have started on SmolLM2. A new session starts from the model last chosen in the workspace; one
    that no longer loads gives way to `default` with a note that says which and why.

    It once started there without a word (no caption was asserted here). On a shared server that model may be a
    teammate's choice (helper 65's walk, two sessions): the new session says so once, in one caption under the box,
    and not on the reruns that follow. The session that typed the model, and one starting from `default`, say
    nothing."""
    monkeypatch.setenv("FTLIB_MODEL_DIRS", str(tmp_path))
    mine = _copy(tiny_model_dir, tmp_path / "my-model")
    typed = sidebar()
    assert box(typed).value == "default" and not typed.sidebar.caption  # nothing chosen before: nothing said
    box(typed).set_value(str(mine)).run()
    assert not typed.sidebar.caption  # typed here: nothing to say

    refreshed = sidebar()  # a refresh, a second tab: a new session
    assert box(refreshed).value == str(mine) and errors(refreshed) == []
    assert [c.value for c in refreshed.sidebar.caption] == [REMEMBERED_NOTE]
    refreshed.run()
    assert not refreshed.sidebar.caption and box(refreshed).value == str(mine)  # said once, the model kept

    (mine / "model.safetensors").unlink()  # its weights are gone since
    gone = sidebar()
    assert box(gone).value == "default" and errors(gone) == []
    [note] = [c.value for c in gone.sidebar.caption]
    assert note.startswith(f"The model last chosen here, `{mine}`, cannot be used any more (") and "no weights" in note
    assert note.endswith("Back to `default`.")
    gone.run()
    assert not gone.sidebar.caption and box(gone).value == "default"  # said once
