"""A .json file holding its own split ({"train": [...], "test": [...]}, ftlib.split_keys) numbers its rows across its
keys: "item 7" is the 'test' key's first item, and a user opening the file to find "item 7" found the 'test' key's
seventh (or none). The Data page's preview said "Item 7 (the 'test' key's item 1)"; every other place naming such a
row said "item 7" alone (helper 225). Now one function names the row everywhere (`split_lines.place`, through
`LoadResult.where` and a saved split's meta.json): data inspect, tokens --row/--line, data split's warnings, the
file's notes (blank fields, copies), train's refusals and a saved split's places, evaluate --data and the Tokens,
Batches and Evaluate pages' captions. And `tokens --line N` on a .jsonl file of one pretty-printed JSON value showed
item N: a line of a .jsonl file is now a line of the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftlib import workspace
from ftlib.cli import main
from ftlib.data import load_file
from ftlib.split_keys import keyed_meta, keyed_split
from ftlib.split_lines import flat_place, lines_note, row_place, row_places

ROOT = Path(__file__).resolve().parents[1]


def chat(question: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


# The published shape: a gardening Q&A set with its own split. 'test' item 1 (item 7 in all) has an empty answer,
# so it is refused; 'test' item 3 (item 9) repeats 'train' item 2 exactly.
TRAIN = [chat(f"How often should I water the fern on shelf {n}?", f"Shelf {n}: twice a week.") for n in range(1, 7)]
TEST = [
    chat("Does a cactus need water in winter?", ""),
    chat("When should a monstera be repotted?", "In spring, once roots show."),
    TRAIN[1],
    chat("Why do tomato leaves turn yellow?", "Mostly from too much water."),
]


def write(tmp_path: Path, name: str = "garden.json", indent: int | None = None, document=None) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document or {"train": TRAIN, "test": TEST}, indent=indent), encoding="utf-8")
    return path


def test_data_inspect_names_a_bad_rows_key_and_its_item_there(tmp_path, capsys):
    path = write(tmp_path)
    assert main(["data", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "  item 7 (the 'test' key's item 1): turn 2 (assistant)" in out, out
    # The note on copies names each row so too, flat inside its brackets
    assert "item 9 at the 'test' key's item 3 (of item 2 at the 'train' key's item 2)" in out, out
    assert main(["data", "inspect", str(path), "--json"]) == 0
    (error,) = json.loads(capsys.readouterr().out)["errors"]
    assert (error["row"], error["where"]) == (7, "item 7 (the 'test' key's item 1)")


def test_data_split_names_the_training_copy_of_a_test_row_by_its_key(tmp_path, capsys):
    path = write(tmp_path)
    assert main(["data", "split", str(path), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    (copies,) = [line for line in err.splitlines() if "exact copies" in line]
    assert "(exact copies of 1 of its rows): item 2 (the 'train' key's item 2). It is taken out" in copies, copies
    assert "item 7 (the 'test' key's item 1): turn 2" in err, err


def test_a_blank_field_note_names_each_rows_key_flat(tmp_path):
    """blank_values' note says its rows in brackets: "(item 8 at the 'test' key's item 2)", not "(item 8)"."""
    prompts = [{"prompt": f"What is {n} plus {n}?", "answer": str(2 * n)} for n in range(1, 7)]
    held = [{"prompt": "What is 9 plus 9?", "answer": "18"}, {"prompt": "What is 7 plus 1?", "answer": None}]
    result = load_file(write(tmp_path, "sums.json", document={"train": prompts, "test": held}))
    (note,) = [n.message for n in result.notices if "`answer`" in n.message and "empty or null" in n.message]
    assert "in 1 row (item 8 at the 'test' key's item 2), while" in note, note


def test_tokens_line_and_row_name_the_key(tmp_path, capsys):
    path = write(tmp_path)
    assert main(["tokens", str(path), "--line", "8", "--template", "chatml"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"--line 8 is item 8 of {path} (the 'test' key's item 2)"
    assert main(["tokens", str(path), "--row", "6", "--template", "chatml", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["file_row"], out["where"]) == (8, "item 8 (the 'test' key's item 2)")
    assert out["skipped_rows"][0]["where"] == "item 7 (the 'test' key's item 1)"
    assert main(["tokens", str(path), "--line", "7", "--template", "chatml"]) == 2
    assert f"--line 7: item 7 of {path} (the 'test' key's item 1) was set aside" in capsys.readouterr().err


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_tokens_line_of_a_pretty_printed_jsonl_file_is_a_line_of_the_file(tmp_path, capsys):
    """A .jsonl file of one pretty-printed object, its rows named "item N": --line 40 showed item 40 (here: past the
    end) or a row far from line 40; now the row whose text holds that line."""
    path = write(tmp_path, "garden.jsonl", indent=2)
    monstera = _line_of(path, "monstera")  # inside the 'test' key's item 2 (item 8)
    assert main(["tokens", str(path), "--line", str(monstera), "--template", "chatml", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "monstera" in out["text"] and out["where"] == "item 8 (the 'test' key's item 2)"
    assert main(["tokens", str(path), "--line", str(monstera), "--template", "chatml"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"--line {monstera} is item 8 of {path} at the 'test' key's item 2 (lines "), first
    # A line between rows ("test": [) is no row's: the nearest are said with their lines
    between = _line_of(path, '"test": [')
    assert main(["tokens", str(path), "--line", str(between), "--template", "chatml"]) == 2
    err = capsys.readouterr().err
    assert "is no row's" in err and "item 6 (the 'train' key's item 6) on lines" in err, err
    assert "item 7 (the 'test' key's item 1) on lines" in err, err
    # The line of a row set aside: refused with why, as a row of a JSONL file is
    cactus = _line_of(path, "cactus")
    assert main(["tokens", str(path), "--line", str(cactus), "--template", "chatml"]) == 2
    err = capsys.readouterr().err
    assert f"--line {cactus}: item 7 (the 'test' key's item 1) on lines " in err and "set aside" in err, err
    # A .json file keeps --line N as item N, as its help says
    assert main(["tokens", str(write(tmp_path, indent=2)), "--line", "8", "--template", "chatml", "--json"]) == 0
    assert "monstera" in json.loads(capsys.readouterr().out)["text"]


def test_tokens_help_says_what_line_means_in_a_pretty_printed_jsonl_file(capsys):
    with pytest.raises(SystemExit):
        main(["tokens", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "In a .jsonl file a line is always a line of the file" in text, text
    assert "the row on line N of the file" in text, text


def saved_keyed(tmp_path: Path, name: str = "garden") -> dict:
    result = load_file(write(tmp_path))
    keyed = keyed_split(result, "garden.json")
    meta = keyed_meta(result, keyed, "garden.json", dedupe=False)
    workspace.save_split(name, keyed.split.train, keyed.split.test, meta)
    return meta


def test_a_saved_splits_places_name_the_key(tmp_path):
    meta = saved_keyed(tmp_path)
    # held out: items 8, 9, 10 (item 7 refused); trained: items 1, 3, 4, 5, 6 (item 2 is a copy of a test row)
    assert row_place(meta, "test", 1, 3) == "item 8 of garden.json (the 'test' key's item 2)"
    assert row_places(meta, "train", 5, [2]) == {2: "item 3 of garden.json (the 'train' key's item 3)"}
    note = lines_note(meta, ["Held-out row 3 scores no token."], (5, 3))
    assert note.endswith("held-out row 3 is item 10 (the 'test' key's item 4)."), note
    assert flat_place(row_place(meta, "test", 1, 3)) == "item 8 of garden.json at the 'test' key's item 2"


def test_a_saved_split_of_a_file_read_from_one_place_keeps_no_keys(tmp_path):
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(TRAIN), encoding="utf-8")
    result = load_file(path)
    meta = result.split_meta("plain.json", 0, 1, False, train=result.rows[:5], test=result.rows[5:])
    assert "keys" not in meta["test_lines"] and row_place(meta, "test", 1, 1) == "item 6 of plain.json"
    meta["test_lines"]["keys"] = [["train", "six"]]  # edited by hand: not read, the row still named
    assert row_place(meta, "test", 1, 1) == "item 6 of plain.json"


def test_the_tokens_page_caption_names_the_key(tmp_path):
    from streamlit.testing.v1 import AppTest

    saved_keyed(tmp_path)
    at = AppTest.from_file(str(ROOT / "pages" / "2_Tokens.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    at.radio(key="tok_part").set_value("test").run()
    at.number_input(key="tok_row").set_value(2).run()
    captions = [c.value for c in at.caption]
    assert any(c.endswith("row 2 is item 9 of garden.json (the 'test' key's item 3).") for c in captions), captions


def test_train_on_the_file_names_the_key_of_a_held_out_row_it_warns_of(tmp_path, capsys, tiny_model_dir, no_training):
    """train's warnings name "Held-out row 4" of the split it made; the note says where that is in the file: the
    'test' key's item 5, not "item 11" (a user counting items in 'test' finds none)."""
    long = chat("Tell me everything about roses. " + " ".join(["petal"] * 300), "They are lovely.")
    path = write(tmp_path, document={"train": TRAIN, "test": [*TEST, long]})
    args = ["train", "--model", str(tiny_model_dir), "--dataset", str(path), "--max-steps", "1", "--max-length", "64"]
    assert main([*args, "--device", "cpu", "--detach", "--save-every", "0"]) == 0
    err = capsys.readouterr().err
    assert "item 7 (the 'test' key's item 1): turn 2 (assistant)" in err, err  # the row refused as the file is read
    (note,) = [line for line in err.splitlines() if line.startswith("note: The row numbers above")]
    assert note.endswith("held-out row 4 is item 11 (the 'test' key's item 5)."), note


def test_the_evaluate_page_says_a_keyed_rows_place_flat_in_its_brackets(tmp_path):
    from types import SimpleNamespace

    from ui.evaluate_view import in_brackets, places_of

    meta = saved_keyed(tmp_path)
    info = SimpleNamespace(meta=meta, test_rows=[{}, {}, {}])
    assert in_brackets(places_of(info, [2])[2]) == "(item 10 of garden.json at the 'test' key's item 4)"


def test_a_rating_column_refused_names_its_rows_keys(tmp_path):
    """label_values.rating_problem named "items 2, 8" of a keyed file: now with each key's items."""
    from ftlib.readers import DataError

    rated = [{"prompt": f"Rate tip {n}.", "completion": f"Tip {n}.", "label": n % 5 + 1} for n in range(6)]
    held = [{"prompt": "Rate tip 9.", "completion": "Tip 9.", "label": 4}]
    path = write(tmp_path, "rated.json", document={"train": rated, "test": held})
    with pytest.raises(DataError) as refused:
        load_file(path, fmt="unpaired_preference")
    assert "at the 'train' key's items 2, 3, 4, 5 and the 'test' key's item 1)" in str(refused.value), refused.value


def test_the_lines_of_each_row_in_the_layouts_a_jsonl_file_of_one_value_may_hold():
    from ftlib.item_lines import item_lines

    rows = [{"text": "Mulch keeps the soil moist."}, {"text": "Prune roses in late winter."}]
    nested = json.dumps({"version": 2, "data": {"train": rows[:1], "test": rows[1:]}}, indent=1)
    assert item_lines(nested) == [(5, 7), (10, 12)]
    viewer = {"features": [], "rows": [{"row_idx": i, "row": r, "truncated_cells": []} for i, r in enumerate(rows)]}
    assert item_lines(json.dumps(viewer, indent=1)) == [(6, 8), (13, 15)]  # each item's 'row', not the item
    assert item_lines(json.dumps({"text": [r["text"] for r in rows]}, indent=1)) is None  # cells by column


def test_tokens_line_of_a_jsonl_file_written_by_column_is_refused_with_the_way_on(tmp_path, capsys):
    columns = {"instruction": ["Name a herb.", "Name a tree."], "output": ["Basil.", "Oak."]}
    path = write(tmp_path, "columns.jsonl", indent=1, document=columns)
    assert main(["tokens", str(path), "--line", "3", "--template", "chatml"]) == 2
    err = capsys.readouterr().err
    assert "no row is on a line of its own. Name the row with --row N instead" in err, err


def test_the_batches_page_names_the_key_of_a_row_train_refuses(tmp_path):
    from streamlit.testing.v1 import AppTest

    call = {"id": "w1", "type": "function", "function": {"name": "soil_moisture", "arguments": "{}"}}
    tool_row = {
        "messages": [
            {"role": "user", "content": "Is the bed dry?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "w1", "content": "12%"},
            {"role": "assistant", "content": "Yes: water it."},
        ]
    }
    path = write(tmp_path, document={"train": [TRAIN[0], TEST[0], tool_row, TRAIN[2]], "test": TEST[1:2] + TEST[3:]})
    result = load_file(path)
    keyed = keyed_split(result, "garden.json")
    workspace.save_split(
        "garden", keyed.split.train, keyed.split.test, keyed_meta(result, keyed, "garden.json", False)
    )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run().switch_page("pages/3_Batches.py").run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    assert any(c.endswith("training row 2 is item 3 (the 'train' key's item 3).") for c in captions), captions
