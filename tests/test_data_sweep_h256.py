"""A third sweep of the data path with files in the shapes projects publish (helper 256).

- A Hugging Face dataset saved with `save_to_disk` (a folder of .arrow shards and `state.json`; a DatasetDict's
  `dataset_dict.json` and a folder per split) is refused saying what it is and with the command that writes it as
  JSONL (each split of a DatasetDict, then `data split train.jsonl --test-file test.jsonl`), by `data inspect`,
  `tokens`, `train --dataset` and `evaluate --data`. It said "is a folder; choose a .jsonl, .json, .csv, .tsv or
  .parquet file inside it", where it holds none. The .json files it writes beside the rows (`state.json`,
  `dataset_dict.json`, `dataset_info.json`: what an uploader offers of such a folder) are refused the same way, where
  their keys were read as one row of no format ("its rows have the fields _data_files, ...").
- A weight on a turn that is not the assistant's (Axolotl's `training: true` on a user's turn) is named with why it
  is not read (only the assistant's turns are trained by a weight) and, for chat data, the policy that trains every
  token; it said "the studio does not read it", of a key it reads on the assistant's turns.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest

from ftlib.cli import main
from ftlib.data import DataError, load_bytes
from tests.test_cli_errors import one_error_line

CHATS = [
    [{"role": "user", "content": "Name a bird that cannot fly."}, {"role": "assistant", "content": "The kiwi."}],
    [{"role": "user", "content": "And one that swims?"}, {"role": "assistant", "content": "The penguin."}],
    [{"role": "user", "content": "Fastest bird?"}, {"role": "assistant", "content": "The peregrine falcon."}],
]


def _saved(folder, splits: dict[str, list] | None = None, rows: list | None = None) -> None:
    """A folder as `datasets`' save_to_disk writes it: a DatasetDict of `splits`, or one Dataset of `rows`."""
    datasets = pytest.importorskip("datasets")
    if splits is None:
        datasets.Dataset.from_dict({"messages": rows}).save_to_disk(str(folder))
    else:
        parts = {name: datasets.Dataset.from_dict({"messages": chats}) for name, chats in splits.items()}
        datasets.DatasetDict(parts).save_to_disk(str(folder))


def _run_the_command(line: str, cwd) -> None:
    """Run the `python -c ...` the refusal gives, as a user pastes it, in `cwd`."""
    command = line.split("`python -c ", 1)[1].split("` writes", 1)[0]
    subprocess.run([sys.executable, "-c", *shlex.split(command)], cwd=cwd, check=True, capture_output=True)


def test_a_saved_dataset_folder_says_how_to_write_it_as_jsonl(tmp_path, capsys):
    folder = tmp_path / "bird facts"  # a space: the command quotes it
    _saved(folder, rows=CHATS)
    capsys.readouterr()  # datasets' progress bars
    line = one_error_line(capsys, ["data", "inspect", str(folder)])
    assert line.startswith(
        f"error: {folder} is a Hugging Face dataset saved with `save_to_disk` (its rows are in .arrow files, which "
        "the studio does not read). Write it as a JSONL file and choose that: `python -c "
    ), line
    assert line.endswith(f"'{folder}' 'bird facts.jsonl'` writes 'bird facts.jsonl' here."), line
    assert "inside it" not in line, line
    assert one_error_line(capsys, ["tokens", str(folder), "--row", "0"]) == line
    _run_the_command(line, tmp_path)  # the fix works: its rows read as they were saved
    assert main(["data", "inspect", str(tmp_path / "bird facts.jsonl"), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert (said["format"], said["valid_rows"]) == ("messages", 3), said


def test_a_saved_dataset_dict_names_its_splits_and_keeps_the_test_split(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "birds"
    _saved(folder, splits={"train": CHATS[:2], "test": CHATS[2:]})
    capsys.readouterr()
    line = one_error_line(capsys, ["data", "split", str(folder), "--out", str(tmp_path / "out")])
    assert line.startswith(
        f"error: {folder} is a Hugging Face dataset saved with `save_to_disk` (its rows are in .arrow files, which "
        "the studio does not read), with the splits 'train', 'test'. Write each split as a JSONL file and choose "
        "those: `python -c "
    ), line
    assert line.endswith(
        "writes train.jsonl, test.jsonl here; then `python -m ftlib data split train.jsonl --test-file test.jsonl "
        "--out DIR` keeps test.jsonl's rows as the held-out ones."
    ), line
    assert one_error_line(capsys, ["train", "--dataset", str(folder), "--max-steps", "1"]) == line  # not "meta.json"
    _run_the_command(line, tmp_path)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "split"
    assert main(["data", "split", "train.jsonl", "--test-file", "test.jsonl", "--out", str(out)]) == 0
    held = [json.loads(x)["messages"] for x in (out / "test.jsonl").read_text(encoding="utf-8").splitlines()]
    assert held == CHATS[2:], held


def test_evaluate_data_of_a_saved_dataset_says_how_to_write_it(tmp_path, capsys, varied_dir, adapter_template):
    from ftlib import workspace
    from ftlib.testing import make_run

    workspace.save_split("birds", [{"messages": CHATS[0]}], [{"messages": CHATS[1]}])
    make_run("bird-run", {"model": str(varied_dir), "dataset": "birds"}, adapter=adapter_template)
    folder = tmp_path / "held"
    _saved(folder, rows=CHATS)
    capsys.readouterr()  # datasets' progress bars
    line = one_error_line(capsys, ["evaluate", "bird-run", "--data", str(folder)])
    assert line.startswith(f"error: {folder} is a Hugging Face dataset saved with `save_to_disk`"), line
    plain = tmp_path / "plain"
    plain.mkdir()
    line = one_error_line(capsys, ["evaluate", "bird-run", "--data", str(plain)])
    assert line.startswith(f"error: --data '{plain}' is a folder without meta.json, so not a saved split"), line


@pytest.mark.parametrize("name", ["state.json", "dataset_info.json", "dataset_dict.json"])
def test_the_json_files_save_to_disk_writes_are_refused_with_the_fix(tmp_path, capsys, name):
    folder = tmp_path / "birds"
    _saved(folder, splits={"train": CHATS[:2], "validation": CHATS[2:]})
    capsys.readouterr()
    path = folder / name if name == "dataset_dict.json" else folder / "train" / name
    said = str(pytest.raises(DataError, load_bytes, path.read_bytes(), name).value)  # an upload of it
    assert said.startswith(
        f"{name} is a file `save_to_disk` writes beside a Hugging Face dataset's rows, not rows (those are in .arrow "
        "files, which the studio does not read). Write "
    ), said
    assert said.endswith(f" FOLDER: the folder that holds {name}."), said
    if name == "dataset_dict.json":  # its splits named, the held-out one kept as published
        assert (
            "writes train.jsonl, validation.jsonl here; then `python -m ftlib data split train.jsonl --test-file "
            "validation.jsonl --out DIR`" in said
        ), said
    assert one_error_line(capsys, ["data", "inspect", str(path)]) == f"error: {said}"
    other = tmp_path / name  # a file of that name holding rows is read as rows
    other.write_text(json.dumps([{"messages": CHATS[0]}, {"messages": CHATS[1]}]), encoding="utf-8")
    assert len(load_bytes(other.read_bytes(), name).rows) == 2


def test_any_other_folder_is_still_said_to_be_a_folder(tmp_path, capsys):
    (tmp_path / "state.json").write_text("{}", encoding="utf-8")  # no .arrow beside it: not a saved dataset
    (tmp_path / "chats.jsonl").write_text(json.dumps({"messages": CHATS[0]}) + "\n", encoding="utf-8")
    line = one_error_line(capsys, ["data", "inspect", str(tmp_path)])
    assert line == f"error: {tmp_path} is a folder; choose a .jsonl, .json, .csv, .tsv or .parquet file inside it."


def _jsonl(*rows: dict) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def test_a_weight_on_a_users_turn_says_why_it_is_not_read():
    asked = {"role": "user", "content": "Name a noble gas.", "training": True}  # Axolotl: train this user turn
    chat = {"messages": [asked, {"role": "assistant", "content": "Neon.", "training": True}]}
    said = [n.message for n in load_bytes(_jsonl(chat, {"messages": CHATS[0]}), "gases.jsonl").notices]
    assert said == [
        "ignored field: `messages[].training` (a key inside the turns) in 1 row (line 1); it is the weight of a turn "
        "that is not the assistant's, and only the assistant's turns are trained by a weight (to train every token, "
        "the user's too, choose everything under What is trained: `--mask-policy everything`), so it is neither "
        "shown nor trained"
    ], said
    quiet = {"messages": [{**asked, "training": False}, chat["messages"][1]]}  # false: what a user turn is anyway
    assert load_bytes(_jsonl(quiet), "gases.jsonl").notices == []
    pair = {
        "prompt": [{**CHATS[0][0], "weight": 1}],
        "chosen": "The kiwi.",
        "rejected": "The emu.",
    }  # DPO: no `everything`
    said = [n.message for n in load_bytes(_jsonl(pair), "pairs.jsonl").notices]
    assert len(said) == 1 and "only the assistant's turns are trained by a weight, so it is" in said[0], said
