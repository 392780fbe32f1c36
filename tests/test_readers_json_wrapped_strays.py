""".json files whose rows sit under a key (`{"data": [...]}`, `{"train": [...], "test": [...]}`) with an entry that is
not an object among them: a null an exporter left at the end, a stray text. The rows are still read from the key and
each stray entry is set aside by its item number, as in a bare array (helper 191's walk: one null under 'data' made
the whole file "rows have the fields data", its format not recognised)."""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes

GOOD = [
    {"instruction": "Translate to French", "input": "Good morning", "output": "Bonjour"},
    {"instruction": "名前を英語で書いてください", "input": "山田太郎", "output": "Taro Yamada 🙂"},
]

# (id, the file's value, the item numbers set aside with what they hold)
CASES = [
    ("null_at_the_end", {"data": [*GOOD, None]}, {3: "null"}),
    ("text_between", {"version": 2, "data": [GOOD[0], "oops", GOOD[1]]}, {2: "text"}),
    ("null_in_test", {"train": GOOD, "test": [GOOD[0], None]}, {4: "null"}),
]


@pytest.mark.parametrize(("value", "strays"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_stray_entry_under_the_rows_key_is_set_aside_by_its_item(value, strays):
    result = load_bytes(json.dumps(value, ensure_ascii=False).encode(), "export.json")
    assert result.format == "alpaca"
    assert result.valid_rows == result.total - len(strays) >= 2
    assert {e.row: e.message for e in result.errors}.keys() == strays.keys()
    for error in result.errors:
        assert f"this entry is {strays[error.row]}" in error.message
    said = ("read from the key", "are read together", "holds its own split")
    assert any(any(words in n.message for words in said) for n in result.notices)


def test_a_list_of_mostly_text_beside_the_rows_is_still_not_rows():
    """A key holding text (tags) beside the rows' key stays ignored: only a list of objects, at least half, is rows."""
    value = {"tags": ["faq", "de", {"lang": "de"}], "data": GOOD}
    result = load_bytes(json.dumps(value, ensure_ascii=False).encode(), "export.json")
    assert (result.format, result.valid_rows, result.errors) == ("alpaca", 2, [])
