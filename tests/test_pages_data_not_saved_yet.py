"""AppTest: a file open on the Data page but not saved as a split is named by the pages that read a saved split
(Tokens, Batches, Train), with what to press (helper 191's walk: an upload just read on Data, then Tokens' "Row from
the dataset" said "No dataset yet", as if the file were lost)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_pages_data import ROOT

PAGES = ["2_Tokens.py", "3_Batches.py", "4_Train.py"]


def page(name: str, opened: str | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=60)
    if opened is not None:
        at.session_state["data_open"] = opened  # what the Data page records of the file it shows
    if name == "2_Tokens.py":
        at.session_state["tok_source"] = "Row from the dataset"
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("name", PAGES)
def test_a_file_open_but_not_saved_is_named_with_save_split(name):
    at = page(name, "Kundenfragen 2024.csv")
    said = [i.value for i in at.info]
    assert any(
        "**Kundenfragen 2024.csv** is open on the **Data** page but not saved as a split yet: press **Save split**"
        in s
        for s in said
    ), said
    assert not any("No dataset yet" in s for s in said)


@pytest.mark.parametrize("name", PAGES)
def test_nothing_open_still_says_no_dataset_yet(name):
    at = page(name, None)
    assert any("No dataset yet. Load one on the **Data** page" in i.value for i in at.info)
