"""A split saved from a .json file's own keys (`{"train": [...], "test": [...]}`, ftlib.split_keys) is named by its
keys where it is described: the Tokens page's row caption said its test part was "in the test file's order" (there is
no test file), the saved splits' "From" named the file alone, and `data inspect --json` did not give the keys that
`data split --json` gives."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.cli import main
from ftlib.data import load_bytes
from ftlib.split_keys import keyed_meta, keyed_split

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "2_Tokens.py")


def chats(tag: str, n: int) -> list[dict]:
    return [
        {"prompt": f"Which tide comes after {tag} {i}?", "completion": f"The {tag} tide {i + 1}."} for i in range(n)
    ]


DOCUMENT = {"train": chats("spring", 4), "extra": chats("neap", 2), "validation": chats("ebb", 2)}


def _saved(document: dict, name: str = "tides.json") -> dict:
    """Save `document`'s own split as the Data page saves it (its meta.json), and return that meta.json."""
    result = load_bytes(json.dumps(document).encode(), name)
    keyed = keyed_split(result, name)
    meta = keyed_meta(result, keyed, "tides", dedupe=False, file=name) | {"path": f"/srv/data/{name}"}
    workspace.save_split("tides", keyed.split.train, keyed.split.test, meta)
    return meta


def _caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Rows of the saved split's"))


def test_the_tokens_caption_names_the_keys_a_keyed_split_keeps_the_order_of():
    meta = _saved(DOCUMENT)
    assert (meta["test_key"], meta["train_keys"]) == ("validation", ["train", "extra"])
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    assert _caption(at).startswith(
        "Rows of the saved split's training part, in the order of the file's keys 'train' and 'extra', one after the "
        "other, with any copies of test rows taken out: row 1 is item 1 of tides.json (the 'train' key's item 1)."
    ), _caption(at)
    at.radio(key="tok_part").set_value("test").run()
    assert _caption(at).startswith(
        "Rows of the saved split's test part, in the order of the file's 'validation' key with only its usable rows: "
        "row 1 is item 7 of tides.json (the 'validation' key's item 1)."
    ), _caption(at)


def test_a_keyed_split_names_its_test_key_where_it_came_from():
    _saved(DOCUMENT)
    [split] = workspace.list_splits()
    assert split["origin"] == "/srv/data/tides.json, its test rows from its 'validation' key"


def test_data_inspect_json_gives_the_keys_as_data_split_json_does(tmp_path, capsys):
    path = tmp_path / "tides.json"
    path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    assert main(["data", "inspect", str(path), "--json"]) == 0
    inspected = json.loads(capsys.readouterr().out)
    assert main(["data", "split", str(path), "--out", str(tmp_path / "out"), "--json"]) == 0
    split = json.loads(capsys.readouterr().out)
    rows = {"train": 4, "extra": 2, "validation": 2}
    assert (
        inspected["keys"]
        == split["keys"]
        == {"test": "validation", "train": ["train", "extra"], "left_out": [], "rows": rows}
    )
    plain = tmp_path / "rows.json"
    plain.write_text(json.dumps(chats("spring", 3)), encoding="utf-8")  # no keys of its own: null, as in data split
    assert main(["data", "inspect", str(plain), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["keys"] is None
