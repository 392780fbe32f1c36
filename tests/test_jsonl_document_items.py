"""A .jsonl file holding one pretty-printed JSON object that wraps its rows (`{"version": 2, "data": [...]}`), or an
array whose items sit side by side on a line, has its rows numbered by item, not by line: they were called "line N"
all the same (its note even said 'the report's "line N" is its row N'), so "line 3" pointed at the wrong line of the
file. They are "item N" now, wherever a row is named: `data inspect`, its --json, the Data page, a saved split's
places."""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main
from ftlib.data import load_bytes


def fact(q: str, a: str | None) -> dict:
    return {"instruction": q, **({"output": a} if a is not None else {})}


FACTS = [
    fact("Name a red fruit.", "A cherry."),
    fact("Name a yellow fruit.", None),
    fact("Name a green one.", "A lime."),
]
WRAPPED = json.dumps({"version": 2, "data": FACTS}, indent=2)  # the bad row is item 2, on line 8 of the file
# Items 1 and 2 on line 1, item 3 on line 2
SIDE_BY_SIDE = "[" + ", ".join(map(json.dumps, FACTS[:2])) + ",\n " + json.dumps(FACTS[2]) + "]\n"
PRETTY_ARRAY = json.dumps(FACTS, indent=1)  # one item a line or more: numbered by the line each starts on

# (id, text, where the bad row is named, the note's words)
CASES = [
    ("wrapper_object", WRAPPED, "item 2", 'its rows numbered by their place in it ("item N"), not by line'),
    ("array_side_by_side", SIDE_BY_SIDE, "item 2", 'its items numbered by their place in it ("item N")'),
    ("pretty_array_by_line", PRETTY_ARRAY, "line 6", "each item a row numbered by the line it starts on"),
]


@pytest.mark.parametrize(("text", "where", "note"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_jsonl_documents_rows_are_named_as_they_are_numbered(text, where, note):
    result = load_bytes(text.encode(), "facts.jsonl")
    [error] = result.errors
    assert result.where(error.row) == where
    assert any(note in n.message for n in result.notices), [n.message for n in result.notices]
    assert "line N" not in " ".join(n.message for n in result.notices)


def test_data_inspect_names_the_wrapped_rows_by_item(tmp_path, capsys):
    path = tmp_path / "facts.jsonl"
    path.write_text(WRAPPED, encoding="utf-8")
    assert main(["data", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "  item 2: the 'output' field is missing" in out, out
    assert "line 2" not in out
    assert main(["data", "inspect", str(path), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert [e["where"] for e in said["errors"]] == ["item 2"]


def test_the_data_page_names_the_wrapped_rows_by_item(tmp_path, monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))  # the Local path box reads only allowed folders
    path = tmp_path / "facts.jsonl"
    path.write_text(WRAPPED, encoding="utf-8")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60).run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(path)).run()
    assert not at.exception, at.exception
    [skipped] = [h.proto.body for h in at.get("html") if "why it is skipped" in h.proto.body]  # the rows left out
    assert "item 2" in skipped and "line 2" not in skipped, skipped
