"""Evaluate's "Download CSV" (AppTest) is built when it is clicked, not on every rerun: the page hands Streamlit a
callable (`st.download_button(data=callable)`, Streamlit 1.67), and what it returns is the very file the page built
eagerly before (`spreadsheet_csv(result.to_csv())`)."""

from __future__ import annotations

import streamlit

from ftlib import evaluate as E
from tests.test_pages_compare import button, finished_run, open_page, run_until_done  # noqa: F401 (a fixture)

# The seeds of this module's `varied_dir` and `adapter_template` (tests/conftest.py), as tests/test_pages_compare's.
VARIED_SEED = 2
ADAPTER_SEED = 9


def test_the_csv_is_built_on_the_click_and_is_the_file_built_before(finished_run, varied_dir, monkeypatch):  # noqa: F811
    given, built = [], []
    draw = streamlit.download_button

    def spy(label, data, *args, **kwargs):
        given.append((label, data, kwargs.get("file_name")))
        return draw(label, data, *args, **kwargs)

    to_csv = E.EvalResult.to_csv

    def counted(self):
        built.append(self)
        return to_csv(self)

    monkeypatch.setattr(streamlit, "download_button", spy)
    monkeypatch.setattr(E.EvalResult, "to_csv", counted)
    at = open_page("pages/6_Evaluate.py", varied_dir)
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    at.run()  # a rerun, as any box touched makes
    assert not at.exception, at.exception
    csvs = [(data, name) for label, data, name in given if label == "Download CSV"]
    assert len(csvs) >= 2 and not built  # drawn on each run, the file written on none
    data, name = csvs[-1]
    result = at.session_state["evaluate_job"].result
    assert callable(data) and name == f"eval-{finished_run.name}.csv"
    assert data() == E.spreadsheet_csv(to_csv(result))  # the same bytes as the eager build
    assert data().startswith(b"\xef\xbb\xbfindex,") and len(built) == 2  # built now, on the "click"
