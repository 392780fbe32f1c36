"""Helper 178: what helper 174's browser walk found with the default model and a ShareGPT split.

- Compare's custom column was headed "custom: temperature=0.7,top_k=40,top_p=0.9": one word with no space, it broke
  mid-word in a narrow column, and the line under it said the same values again. It is headed "custom", its values
  said once, in words that wrap between them.
- A ShareGPT file whose rows carry the common `id` had a yellow warning for it, while a table's id column got a quiet
  note: an id is metadata, so a JSON file's is named in a note too (`ftlib.notices.unused_ids`); any other key nothing
  reads stays a warning (there one is often a misspelling).
"""

from __future__ import annotations

import dataclasses

from ftlib.decoding import PRESETS, DecodingSetting
from tests.test_pages_data import data_page, with_path, write_jsonl
from ui import alerts
from ui.compare_view import setting_header


def test_the_custom_columns_heading_says_each_value_once_in_words_that_wrap():
    custom = DecodingSetting(0.7, 40, 0.9)
    header = setting_header(dataclasses.replace(custom, name=f"custom: {custom.key}")).replace("\u00a0", " ")
    name, _, values = header.partition("  \n")
    assert name == "**custom**"
    assert values == ":gray[temperature 0.7 · top-k 40 · top-p 0.9]"
    for word in ("temperature", "top-k", "top-p"):
        assert header.count(word) == 1, header
    assert "top_k=40" not in header  # no key, one word with no space to break at
    # A preset keeps its own name, "greedy" (its key too) included.
    assert [setting_header(s).split("**")[1] for s in PRESETS.values()] == list(PRESETS)


def _sharegpt(i: int, **extra) -> dict:
    turns = [{"from": "human", "value": f"What is {i} + {i}?"}, {"from": "gpt", "value": f"{2 * i}."}]
    return {"id": f"chat-{i}", "conversations": turns, **extra}


def test_a_sharegpt_files_id_is_a_named_note_on_the_data_page_not_a_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))  # a path the Data page may read
    rows = [_sharegpt(1), _sharegpt(2), _sharegpt(3, lang="en")]  # `lang`: no id, still a warning
    at = with_path(data_page(), write_jsonl(tmp_path / "chats.jsonl", rows))
    assert not at.error, [e.value for e in at.error]
    warned = "\n".join(w.value for w in at.warning)
    assert "`id`" not in warned, warned
    assert "ignored field: `lang` in 1 row" in warned  # a key that may be a misspelling stays a warning
    noted = [c.value for c in at.caption if "Not used:" in c.value]
    assert noted == [f"{alerts.INFO} Not used: `id` (an id of the rows: metadata, neither shown nor trained)."], noted
    # The same file without `lang`: no field warned of at all.
    quiet = with_path(data_page(), write_jsonl(tmp_path / "ids.jsonl", rows[:2]))
    assert not any("ignored field" in w.value for w in quiet.warning), [w.value for w in quiet.warning]
    assert any("Not used: `id`" in c.value for c in quiet.caption)
