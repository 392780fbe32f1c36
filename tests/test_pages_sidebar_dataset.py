"""AppTest: the sidebar's dataset line names the file open on the Data page even when the page stops early (helper
191's walk: odd_headers.csv open and asking for a column mapping, the sidebar still said "not saved yet:
bom_crlf.jsonl", the upload before it: app.py's second line ran only after a page that ran to its end).

AppTest runs app.py's own body on its first run only, so the line is driven through a script that draws it as
app.py does (`ui.common.dataset_line`, `show_dataset` before and after the page) around the Data page itself."""

from __future__ import annotations

import os

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_pages_data import FIXTURES, ROOT


@pytest.fixture(autouse=True)
def _allowed_data_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_DATA_DIRS", os.pathsep.join([str(FIXTURES), str(tmp_path)]))


def sidebar_around_the_data_page():
    import runpy

    import streamlit as st

    from tests.test_pages_data import ROOT
    from ui.common import dataset_line, show_dataset

    with st.sidebar:
        dataset_line(st.empty())
    show_dataset()
    runpy.run_path(str(ROOT / "pages" / "1_Data.py"), run_name="__main__")
    show_dataset()


def line(at: AppTest) -> str:
    said = [c.value for c in at.sidebar.caption if c.value.startswith("Dataset:")]
    assert len(said) == 1, said
    return said[0]


def test_a_file_stopping_the_page_is_the_one_the_sidebar_names(tmp_path):
    odd = tmp_path / "odd_headers.csv"
    odd.write_text("Spalte A,Spalte B\nWie spät ist es?,Drei Uhr.\nWer bist du?,Ein Modell.\n", encoding="utf-8")
    at = AppTest.from_function(sidebar_around_the_data_page, default_timeout=60)
    at.session_state["data_open"] = "bom_crlf.jsonl"  # the file open on the run before
    at.run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(odd)).run()
    assert not at.exception, at.exception
    assert "bom_crlf.jsonl" not in line(at)
    assert line(at) == "Dataset: not saved yet: **odd_headers.csv** (Save split on Data)"


def test_a_file_read_to_the_end_is_named_too():
    at = AppTest.from_function(sidebar_around_the_data_page, default_timeout=60).run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(FIXTURES / "chat_mixed.jsonl")).run()
    assert not at.exception, at.exception
    assert line(at) == "Dataset: not saved yet: **chat_mixed.jsonl** (Save split on Data)"


def test_app_draws_its_line_with_these(monkeypatch):
    # What the tests above drive is what app.py draws: its dataset line is ui.common's.
    import streamlit as st

    import ui.common

    monkeypatch.setattr(ui.common, "show_dataset", lambda: st.sidebar.caption("Dataset: drawn by ui.common"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert "Dataset: drawn by ui.common" in [c.value for c in at.sidebar.caption]
