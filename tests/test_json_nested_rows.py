"""A .json file holding its rows one key further in: `{"data": {column: [cells]}}` and `{"data": {"train": [...],
"test": [...]}}` were one record, refused as "its rows have the fields version, data" with a `--map` fix that could
not help. They are read as rows, with a note saying where from."""

from __future__ import annotations

import json

from ftlib.cli import main
from ftlib.data import load_bytes


def test_columns_under_a_key_are_read_as_rows_with_a_note():
    document = {"version": 2, "data": {"instruction": ["Name a colour.", "Add 2 and 3."], "output": ["Teal.", "5"]}}
    result = load_bytes(json.dumps(document).encode(), "cols.json")
    assert (result.format, result.errors) == ("alpaca", [])
    assert [r["messages"][-1]["content"] for r in result.rows] == ["Teal.", "5"]
    assert [(n.message, n.note) for n in result.notices] == [
        (
            "The rows are read from under the key 'data'; it holds them as lists of cells by column ({column: "
            "[cells]}): the n-th cell of each column is row n. The key 'version' is not rows and ignored.",
            True,
        )
    ]


def test_splits_under_a_key_are_read_together_with_the_split_note():
    pairs = [{"prompt": f"Which number follows {i}?", "completion": f"{i + 1}."} for i in range(5)]
    document = {"data": {"train": pairs[:3], "test": pairs[3:]}}
    result = load_bytes(json.dumps(document).encode(), "splits.json")
    assert (result.format, result.errors, len(result.rows)) == ("prompt_completion", [], 5)
    assert result.from_keys == (("train", 3), ("test", 2))  # one key in: the split's keys, kept for split_keys
    (notice,) = result.notices
    assert notice.message == (
        "The rows are read from under the key 'data'; the file holds its own split: the keys 'train' (3 rows) and "
        "'test' (2 rows), read in that order. Where a split is made of it, its 'test' rows are the held-out ones as "
        "published, unless a split drawn from all its rows is asked for."
    )


def test_one_row_with_an_object_field_stays_one_row():
    row = {"prompt": "Hi?", "completion": "Hello.", "meta": {"tags": ["a", "b"], "scores": [1, 2]}}
    result = load_bytes(json.dumps(row).encode(), "one.json")
    assert (result.format, len(result.rows)) == ("prompt_completion", 1)
    assert not any("under the key" in n.message for n in result.notices)


def test_cli_inspect_reads_columns_under_a_key(tmp_path, capsys):
    path = tmp_path / "cols.json"
    path.write_text(json.dumps({"data": {"text": ["One line.", "Another line."]}}))
    assert main(["data", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "rows read:  2" in out and "under the key 'data'" in out


def test_one_question_and_answer_row_with_an_object_of_lists_stays_one_row():
    # Named as a question and an answer, not as _ROW_KEYS' fields: its 'meta' of lists was read as two rows of tags
    # and votes, the question and answer "not rows and ignored".
    row = {"question": "What is 2+2?", "answer": "4", "meta": {"tags": ["math", "easy"], "votes": [3, 1]}}
    result = load_bytes(json.dumps(row).encode(), "one.json")
    assert len(result.rows) == 1
    assert not any("under the key" in n.message for n in result.notices)


def test_rows_wrapped_under_an_answer_like_key_holding_an_object_are_still_read():
    document = {"status": "ok", "response": {"data": [{"prompt": "Hi?", "completion": "Hello."}] * 2}}
    result = load_bytes(json.dumps(document).encode(), "api.json")
    assert (result.format, len(result.rows)) == ("prompt_completion", 2)
