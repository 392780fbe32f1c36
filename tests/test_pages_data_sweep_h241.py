"""AppTest: the Data page's words on a file whose every row is refused (helper 241's data sweep)."""

from __future__ import annotations

import json

from tests.test_pages_data import data_page, upload


def test_a_file_with_no_usable_row_says_none_is_kept():
    """It said "2 of the file's 2 rows cannot be used and are skipped; the other 0 are kept." beside the error."""
    rows = [{"messages": []}, {"messages": [{"role": "user", "content": ""}]}]
    at = data_page()
    at.radio(key="data_source").set_value("Upload").run()
    upload(at, "chats.jsonl", "\n".join(json.dumps(r) for r in rows).encode())
    said = [str(w.value) for w in at.warning if "cannot be used" in str(w.value)]
    assert said == ["2 of the file's 2 rows cannot be used and are skipped; none is kept."], said
