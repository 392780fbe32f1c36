"""AppTest: an upload open on the Data page is said to be open once its file box has emptied (another page, a
refresh), and the sidebar names it while no split is saved (helper 177's walk: the empty box and "Dataset: none
yet" read as a lost upload, while Save split still saved it)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ftlib import workspace
from tests.test_pages_data import QA_CSV, ROOT, data_page, round_trip, sidebar_dataset, upload


def sidebar_with(session: dict) -> str:
    """The sidebar's dataset line drawn over a session holding `session` (AppTest draws app.py's sidebar on a
    session's first run only: a page switched to runs alone)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return sidebar_dataset(at)


def test_an_upload_reopened_after_another_page_is_named_with_what_save_split_does():
    at = data_page()
    at.radio(key="data_source").set_value("Upload").run()
    upload(at, "support answers.csv", QA_CSV)
    assert at.session_state["data_open"] == "support answers.csv"  # what the sidebar names
    assert sidebar_with({"data_open": "support answers.csv"}) == (
        "Dataset: not saved yet: **support answers.csv** (Save split on Data)"
    )
    round_trip(at)
    (stored,) = workspace.list_uploads()
    assert at.file_uploader(key="data_upload").value is None  # the box is empty again
    assert at.selectbox(key="data_earlier").value == stored.name
    said = [c.value for c in at.caption if c.value.startswith("Open: ")]
    assert said == [
        "Open: **support answers.csv**, the copy this server stored of the upload (the box above empties after "
        "another page or a refresh). **Save split** below saves a split of it. To read another file, put it in the "
        "box above or pick it here; to close this one, pick (none)."
    ]
    assert at.text_input(key="split_name").value == "support_answers"
    # Closed: nothing is open, and the sidebar says so again.
    at.selectbox(key="data_earlier").set_value("(none)").run()
    assert not [c for c in at.caption if c.value.startswith("Open: ")]
    assert at.session_state["data_open"] is None
    assert sidebar_with({"data_open": None}) == "Dataset: none yet (see Data)"


def test_a_saved_split_is_the_sidebars_dataset_not_the_file_open():
    workspace.save_split("earlier", [{"text": "a"}], [{"text": "b"}])
    at = data_page()
    at.radio(key="data_source").set_value("Upload").run()
    upload(at, "support answers.csv", QA_CSV)
    assert at.session_state["data_open"] == "support answers.csv"
    assert sidebar_with({"data_open": "support answers.csv"}) == "Dataset: **earlier**"
