"""A .json file that holds its own split (`{"train": [...], "test": [...]}`, how many projects export a dataset with
its splits) was read as all its rows together and split anew, its published test rows partly trained on; the way to
keep them was a python command and a second file. Its held-out key is now the test split where a split is made
(ftlib.split_keys): which key becomes which, in words, from the engine and `data split`."""

from __future__ import annotations

import json
import sys

import pytest

from ftlib import runs
from ftlib.cli import main
from ftlib.data import load_bytes
from ftlib.errors import UserError
from ftlib.split_keys import keyed_meta, keyed_split
from ftlib.split_lines import unpack


def qa(tag: str, n: int) -> list[dict]:
    return [{"prompt": f"Wie heißt die {tag}-Zahl nach {i}?", "completion": f"{tag} {i + 1}."} for i in range(n)]


def asked(rows: list[dict]) -> list[str]:
    return [r["messages"][0]["content"] for r in rows]


TRAIN, TEST, VALID, EXTRA = qa("train", 6), qa("test", 3), qa("valid", 2), qa("extra", 2)
# (id, document, test key, training keys' rows in order, test rows, left out, words the sentence must hold)
CASES = [
    (
        "train_test",
        {"train": TRAIN, "test": TEST, "info": {"v": 1}},
        "test",
        TRAIN,
        TEST,
        [],
        ["'train' (6 rows) trains"],
    ),
    ("validation_as_test", {"train": TRAIN, "validation": VALID}, "validation", TRAIN, VALID, [], ["no 'test' key"]),
    (
        "validation_left_out",
        {"train": TRAIN, "validation": VALID, "test": TEST},
        "test",
        TRAIN,
        TEST,
        ["validation"],
        ["'validation' (2 rows) is left out, neither trained on nor held out"],
    ),
    (
        "extra_key_trained",
        {"train": TRAIN, "test": TEST, "extra": EXTRA},
        "test",
        TRAIN + EXTRA,
        TEST,
        [],
        ["'extra' is named neither train nor test, so its rows are trained on with the rest"],
    ),
    (
        "one_key_in",
        {"version": 2, "data": {"Train": TRAIN, "TEST": TEST}},
        "TEST",
        TRAIN,
        TEST,
        [],
        ["'TEST' (3 rows)"],
    ),
    (
        "words_of_keys",  # UltraChat 200k's split names: the first key named test is the test split
        {"train_sft": TRAIN, "test_sft": TEST, "train_gen": EXTRA, "test_gen": VALID},
        "test_sft",
        TRAIN + EXTRA,
        TEST,
        ["test_gen"],
        ["'train_sft' (6 rows) and 'train_gen' (2 rows) train", "'test_gen' (2 rows) is left out"],
    ),
]


@pytest.mark.parametrize(
    ("document", "test_key", "train", "test", "left", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_files_own_test_key_is_the_test_split(document, test_key, train, test, left, words):
    result = load_bytes(json.dumps(document, ensure_ascii=False).encode(), "splits.json")
    keyed = keyed_split(result, "splits.json")
    assert keyed is not None
    assert (keyed.roles.test, list(keyed.roles.left_out)) == (test_key, left)
    assert asked(keyed.split.train) == asked_raw(train)  # the training keys' rows, in the file's order
    assert asked(keyed.split.test) == asked_raw(test)  # the test key's rows as published, in order
    assert keyed.said.startswith(f"The file's own split: '{test_key}' ({len(test)} rows) of splits.json is held out")
    for said in words:
        assert said in keyed.said, keyed.said
    assert not any("also in" in w for w in keyed.split.warnings)


def asked_raw(rows: list[dict]) -> list[str]:
    return [r["prompt"] for r in rows]


@pytest.mark.parametrize(
    "document",
    [{"sft": TRAIN, "gen": TEST}, {"validation": VALID, "test": TEST}, {"data": TRAIN}, TRAIN],
    ids=["no_key_held_out", "no_key_trains", "one_key", "array"],
)
def test_a_file_without_its_own_split_has_none(document):
    result = load_bytes(json.dumps(document, ensure_ascii=False).encode(), "rows.json")
    assert keyed_split(result, "rows.json") is None


def test_a_training_row_copied_in_test_is_taken_out_and_bad_rows_stay_with_their_key():
    # item 3 of 'train' is test's first row; 'test' has a null (item 9) and 'train' a row with no answer (item 2)
    document = {"train": [TRAIN[0], {"prompt": "Ohne Antwort?"}, TEST[0], *TRAIN[1:5]], "test": [*TEST, None]}
    result = load_bytes(json.dumps(document, ensure_ascii=False).encode(), "splits.json")
    assert [e.row for e in result.errors] == [2, 11]
    keyed = keyed_split(result, "splits.json")
    assert asked(keyed.split.train) == asked_raw([TRAIN[0], *TRAIN[1:5]])
    assert asked(keyed.split.test) == asked_raw(TEST)
    assert keyed.rows == {"train": 6, "test": 3}  # usable rows per key
    assert keyed.split.warnings[0].startswith(
        "1 row of 'train' of splits.json is also in 'test' of splits.json (exact copies of 1 of its rows): item 3 "
        "(the 'train' key's item 3)."
    )
    meta = keyed_meta(result, keyed, "splits", dedupe=False, file="splits.json")
    assert (meta["split"], meta["test_key"], meta["train_keys"], meta["left_out_keys"]) == (
        "own",
        "test",
        ["train"],
        [],
    )
    assert "seed" not in meta and "test_size" not in meta  # nothing was drawn
    assert unpack(meta["train_lines"]["rows"]) == [1, 4, 5, 6, 7]
    assert unpack(meta["test_lines"]["rows"]) == [8, 9, 10]


def test_training_keys_with_no_usable_row_are_refused_in_words():
    document = {"train": [{"prompt": "Ohne Antwort?"}], "test": TEST}
    result = load_bytes(json.dumps(document, ensure_ascii=False).encode(), "splits.json")
    with pytest.raises(UserError, match=r"^No row of 'train' of splits.json can be used \(1 row read\)"):
        keyed_split(result, "splits.json")


def test_a_jsonl_file_holding_one_object_of_splits_is_split_by_its_keys():
    text = json.dumps({"train": TRAIN, "test": TEST}, ensure_ascii=False, indent=2)  # pretty-printed, named .jsonl
    result = load_bytes(text.encode(), "splits.jsonl")
    keyed = keyed_split(result, "splits.jsonl")
    assert (asked(keyed.split.train), asked(keyed.split.test)) == (asked_raw(TRAIN), asked_raw(TEST))


# --- data split ---------------------------------------------------------------------------------------------------


def _write(tmp_path, document) -> str:
    path = tmp_path / "splits.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _read(path) -> list[str]:
    return [json.loads(line)["messages"][0]["content"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_data_split_holds_out_the_files_test_key_and_says_so_in_one_line(tmp_path, capsys):
    path = _write(tmp_path, {"train": TRAIN, "validation": VALID, "test": TEST})
    assert main(["data", "split", path, "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().err  # notes and warnings on stderr
    said = [line for line in out.splitlines() if "file's own split:" in line]
    assert said == [
        f"note: The file's own split: 'test' (3 rows) of {path} is held out as published, and 'train' (6 rows) "
        "trains; 'validation' (2 rows) is left out, neither trained on nor held out: one key is the test split. "
        "--test-size draws a split from all its rows instead."
    ]
    assert _read(tmp_path / "out" / "train.jsonl") == asked_raw(TRAIN)
    assert _read(tmp_path / "out" / "test.jsonl") == asked_raw(TEST)
    meta = json.loads((tmp_path / "out" / "meta.json").read_text())
    assert (meta["split"], meta["test_key"], meta["train_rows"], meta["test_rows"]) == ("own", "test", 6, 3)


def test_data_split_with_a_test_size_draws_from_all_rows_as_before_and_says_the_key_is_not_kept(tmp_path, capsys):
    path = _write(tmp_path, {"train": TRAIN, "test": TEST})
    assert main(["data", "split", path, "--test-size", "3", "--seed", "1", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().err  # notes and warnings on stderr
    assert "file's own split:" not in out
    assert f"note: {path} holds its own split, but --test-size or --seed draws this one from all its rows" in out
    assert sorted(_read(tmp_path / "out" / "test.jsonl")) != sorted(asked_raw(TEST))  # seed 1 draws others
    assert len(_read(tmp_path / "out" / "train.jsonl")) + len(_read(tmp_path / "out" / "test.jsonl")) == 9
    assert "split" not in json.loads((tmp_path / "out" / "meta.json").read_text())


def test_data_split_json_names_the_keys(tmp_path, capsys):
    path = _write(tmp_path, {"train": TRAIN, "test": TEST, "extra": EXTRA})
    assert main(["data", "split", path, "--out", str(tmp_path / "out"), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["keys"] == {
        "test": "test",
        "train": ["train", "extra"],
        "left_out": [],
        "rows": {"train": 6, "test": 3, "extra": 2},
    }
    assert (said["train_rows"], said["test_rows"]) == (8, 3)
    assert any(n.startswith("The file's own split:") for n in said["notes"])


def test_data_split_refuses_training_keys_with_no_usable_row_in_one_line(tmp_path, capsys):
    path = _write(tmp_path, {"train": [{"prompt": "Ohne Antwort?"}], "test": TEST})
    assert main(["data", "split", path, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: No row of 'train' of {path} can be used"), err
    assert not (tmp_path / "out" / "train.jsonl").exists()


def test_data_split_with_a_test_file_warns_that_the_files_own_test_key_trains(tmp_path, capsys):
    path = _write(tmp_path, {"train": TRAIN, "test": TEST})
    other = tmp_path / "other.json"
    other.write_text(json.dumps(qa("andere", 3), ensure_ascii=False), encoding="utf-8")
    assert main(["data", "split", path, "--test-file", str(other), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().err  # notes and warnings on stderr
    assert (
        f"warning: {path} holds its own split, but with --test-file every one of its keys trains, 'test' among them; "
        "leave out --test-file to hold out 'test' as published."
    ) in out.splitlines()
    assert len(_read(tmp_path / "out" / "train.jsonl")) == 9  # as before: every key's rows train


# --- train --dataset FILE.json ------------------------------------------------------------------------------------


def test_train_on_the_file_holds_out_its_test_key_unless_a_test_size_is_given(
    monkeypatch, tmp_path, capsys, tiny_model_dir
):
    monkeypatch.setattr(runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "pass", str(run.path)])
    path = _write(tmp_path, {"train": TRAIN + [TEST[0]], "test": TEST})  # a test row copied into train too
    argv = ["train", "--dataset", path, "--model", str(tiny_model_dir), "--device", "cpu", "--max-steps", "1"]
    assert main([*argv, "--detach"]) == 0
    out, err = capsys.readouterr()
    said = [line for line in err.splitlines() if "file's own split:" in line]
    assert said == [
        "note: The file's own split: 'test' (3 rows) of splits.json is held out as published, and 'train' (7 rows) "
        "trains. --test-size draws a split from all its rows instead."
    ], err
    assert "warning: 1 row of 'train' of splits.json is also in 'test' of splits.json" in err
    kept = runs.find(out.strip()).path / "split"  # the rows the run keeps and trains on
    train = [json.loads(line) for line in (kept / "train.jsonl").read_text().splitlines()]
    test = [json.loads(line) for line in (kept / "test.jsonl").read_text().splitlines()]
    assert (asked(train), asked(test)) == (asked_raw(TRAIN), asked_raw(TEST))
    assert json.loads((kept / "meta.json").read_text())["test_key"] == "test"

    assert main([*argv, "--test-size", "3", "--detach"]) == 0  # as before: drawn from all 10 rows
    out, err = capsys.readouterr()
    assert "file's own split:" not in err
    test = (runs.find(out.strip()).path / "split" / "test.jsonl").read_text().splitlines()
    assert len(test) == 3
