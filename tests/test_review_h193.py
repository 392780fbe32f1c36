"""Helper 193's review of this session's commits: each defect found, pinned."""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes

CHATS = [
    [{"role": "user", "content": "Name a river in Peru."}, {"role": "assistant", "content": "The Amazon."}],
    [{"role": "user", "content": "¿Qué hora es en Lima?"}, {"role": "assistant", "content": "Son las tres 🙂"}],
]

# (id, a .json file written as columns, one of them of objects with a null where a row has none: what a dataset's
# `to_dict()` writes for an optional struct column)
COLUMNS = [
    ("messages", {"messages": CHATS, "meta": [{"source": "atlas"}, None]}, "messages"),
    (
        "alpaca",
        {"instruction": ["Say hi.", "Say bye."], "output": ["Hi.", "Bye."], "meta": [None, {"n": 2}]},
        "alpaca",
    ),
]


@pytest.mark.parametrize(("value", "fmt"), [c[1:] for c in COLUMNS], ids=[c[0] for c in COLUMNS])
def test_a_column_of_objects_with_a_null_is_a_column_not_the_rows(value, fmt):
    """5d3ee1b read a list under a key as the rows when half its items are objects, so that a null among them is set
    aside: a file of columns whose `meta` column has a null (the other columns text or turns) was then read as the
    rows of `meta` (the text columns ignored) or as one row, and every row refused; it read as its two rows before."""
    result = load_bytes(json.dumps(value, ensure_ascii=False).encode(), "columns.json")
    assert result.format == fmt and len(result.rows) == 2 and not result.errors, result.errors


def test_trains_unread_fields_hint_names_every_column_it_offers_the_mapping(tmp_path):
    """af3959e named the columns a --map could take beside a pair's scores, but only the first 3: a file with a fourth
    such column read "If `a` or `b` or `c` holds a field", the fourth offered nothing though it is listed."""
    from types import SimpleNamespace

    from ftlib.commands import unread_warning

    ask = {"role": "user", "content": "Name a bird."}
    row = {
        "chosen": [ask, {"role": "assistant", "content": "A wren."}],
        "rejected": [ask, {"role": "assistant", "content": "A trout."}],
        "score_chosen": 9,
        **{name: "x" for name in ("source", "batch", "reviewer", "ticket")},
    }
    path = tmp_path / "birds.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    said = unread_warning(load_bytes(path.read_bytes(), path.name), SimpleNamespace(file=str(path), fmt=None, map=[]))
    assert "`score_chosen` in 1 row" in said and "`ticket` in 1 row" in said, said
    hint = said.partition("If ")[2].partition(" holds a field")[0]
    assert all(f"`{name}`" in hint for name in ("source", "batch", "reviewer", "ticket")), said
    assert "score_chosen" not in hint, said


def test_trains_unread_fields_hint_offers_no_mapping_for_an_id(tmp_path):
    """af3959e's hint read "If `prompt_id` holds a field, map it with --map" of UltraFeedback rows, where 838835e has
    the Data page and `data inspect` say the same column is an id, metadata no field takes: the CLI's train and tokens
    offered what the page refuses. An id is not offered --map; a column beside it still is, and the hint about keys
    inside the turns is not given where none is."""
    from types import SimpleNamespace

    from ftlib.commands import unread_warning

    ask = {"role": "user", "content": "Name a bird."}
    pair = {
        "chosen": [ask, {"role": "assistant", "content": "A wren."}],
        "rejected": [ask, {"role": "assistant", "content": "A trout."}],
    }
    args = SimpleNamespace(fmt=None, map=[])

    def said(row: dict, name: str) -> str:
        path = tmp_path / name
        path.write_text(json.dumps(row) + "\n", encoding="utf-8")
        return unread_warning(load_bytes(path.read_bytes(), name), SimpleNamespace(**vars(args), file=str(path)))

    ultra = said(pair | {"prompt_id": "a1", "score_chosen": 8.0}, "ultra.jsonl")
    assert "`prompt_id` in 1 row" in ultra and "--map" not in ultra, ultra
    with_lang = said(pair | {"prompt_id": "a1", "lang": "en"}, "lang.jsonl")
    assert "If `lang` holds a field, map it with --map COLUMN=FIELD" in with_lang, with_lang
    assert "a key inside the turns" not in with_lang and "`prompt_id` holds" not in with_lang, with_lang
