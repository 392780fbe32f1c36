"""AppTest: the Data page's length check names the rows a max length would cut, in the file's words (helper 191's
walk: a JSONL export with a BOM, Windows line ends and one very long answer was told "1 row (25.0%) would be
truncated at 384 tokens", and the row had to be found by eye in the preview)."""

from __future__ import annotations

import json

import pytest

from tests.test_pages_data import data_page, with_path


@pytest.fixture(autouse=True)
def _allowed(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))


def _chat(question: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


def test_the_rows_a_max_length_cuts_are_named_by_line(tmp_path):
    rows = [
        _chat("Wie spät ist es in Tokio? 🕐", "21 Uhr. 東京は夜の九時です。"),
        _chat("Explain tides at length.", " ".join(["The moon pulls the near side of the sea toward it."] * 60)),
        _chat("请用一句话介绍长城。", "长城是古代的防御工事。"),
        _chat("And the sun?", " ".join(["The sun pulls as well, about half as strongly as the moon."] * 60)),
    ]
    path = tmp_path / "export.jsonl"
    # A spreadsheet tool's export: a BOM, Windows line ends and a blank line at the end.
    path.write_bytes(
        b"\xef\xbb\xbf" + "".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in rows).encode() + b"\r\n"
    )
    at = with_path(data_page(), path)
    at.slider(key="data_max_length").set_value(128).run()
    (said,) = [w.value for w in at.warning if "would be truncated at 128 tokens" in w.value]
    assert said.startswith("2 rows (50.0%) would be truncated at 128 tokens") and said.endswith(": line 2, line 4."), (
        said
    )
    at.slider(key="data_max_length").set_value(2048).run()
    (ok,) = [s.value for s in at.success if "would be truncated" in s.value]
    assert ok.startswith("0 rows (0.0%)") and ok.endswith(")."), ok  # nothing cut: no row named
