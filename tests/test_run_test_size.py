"""`train --dataset FILE` holds out what the Data page and `data split` hold out when no `test_size` is given: the
share a split starts from (`splits.default_test_ratio`: 0.1, or up to 0.25 of a small file so that 5 rows are held
out), where it held out 0.1 of any file. A `test_size` given, 0.1 included (an earlier run's config.json), is kept."""

from __future__ import annotations

import json

from ftlib import runs, workspace
from ftlib.cli import main
from ftlib.config import RunConfig, field_specs
from ftlib.run_data import read_dataset
from ftlib.splits import count_test_rows, default_test_ratio

# 32 rows: 0.1 holds out 4 (ceil 3.2), the Data page's 0.15 holds out 5.
CHATS = [
    {"messages": [{"role": "user", "content": f"Name colour {i}."}, {"role": "assistant", "content": f"Teal {i}."}]}
    for i in range(32)
]


def _file(tmp_path) -> str:
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in CHATS))
    return str(path)


def _queued(capsys) -> tuple[list[dict], list[dict], dict, dict]:
    """The last queued run's kept rows and meta.json, and its config.json."""
    run = runs.find(capsys.readouterr().out.strip().splitlines()[-1])
    return (*workspace.load_split(str(workspace.kept_split(run.path))), run.read_config())


def test_a_file_is_split_as_data_split_splits_it_when_no_test_size_is_given(tmp_path, capsys, tiny_model_dir,
                                                                              no_training):  # fmt: skip
    data = _file(tmp_path)
    assert default_test_ratio(32) == 0.15 and count_test_rows(32, 0.15) == 5 != count_test_rows(32, 0.1)
    assert main(["data", "split", data, "--seed", "3", "--out", str(tmp_path / "split")]) == 0
    flags = ["--model", str(tiny_model_dir), "--dataset", data, "--seed", "3", "--device", "cpu", "--detach"]
    assert main(["train", *flags]) == 0
    train, test, meta, config = _queued(capsys)
    assert len(test) == 5 and meta["test_size"] == 0.15
    assert (train, test) == workspace.load_split(str(tmp_path / "split"))[:2]  # the very rows `data split` gives
    assert config["test_size"] is None  # unset: the default share (what it held out is in meta.json)


def test_a_test_size_given_is_kept_an_earlier_runs_01_too(tmp_path, capsys, tiny_model_dir, no_training):
    data = _file(tmp_path)
    flags = ["--model", str(tiny_model_dir), "--dataset", data, "--device", "cpu", "--detach"]
    assert main(["train", *flags, "--test-size", "0.1"]) == 0
    assert [len(part) for part in _queued(capsys)[:2]] == [28, 4]
    old = tmp_path / "config.json"  # a run's config.json written while 0.1 was the default
    old.write_text(json.dumps({**RunConfig(dataset=data, model=str(tiny_model_dir)).to_dict(), "test_size": 0.1}))
    assert main(["train", str(old), "--detach"]) == 0
    assert [len(part) for part in _queued(capsys)[:2]] == [28, 4]
    assert "Ignored" not in capsys.readouterr().err


def test_an_earlier_runs_config_on_a_saved_split_names_no_test_size(tmp_path, capsys, tiny_model_dir, no_training):
    """Its 0.1 was the default then: reused on a saved split, it is not named as ignored (a number given now is)."""
    workspace.save_split("saved", CHATS[:28], CHATS[28:])
    old = tmp_path / "config.json"
    old.write_text(json.dumps({**RunConfig(dataset="saved", model=str(tiny_model_dir)).to_dict(), "test_size": 0.1}))
    assert main(["train", str(old), "--device", "cpu", "--detach"]) == 0
    assert "test_size" not in capsys.readouterr().err
    old.write_text(json.dumps({**RunConfig(dataset="saved", model=str(tiny_model_dir)).to_dict(), "test_size": 0.2}))
    assert main(["train", str(old), "--device", "cpu", "--detach"]) == 0
    said = capsys.readouterr().err
    # The split named as given, with its held-out count (d2b8acac: "the split in /path" where a folder is given)
    assert "`test_size` 0.2 (it splits a data file; the saved split 'saved' has its own 4 held-out rows)" in said


def test_the_engine_reads_an_unset_test_size_as_the_default_share(tmp_path):
    data = _file(tmp_path)
    assert [len(p) for p in read_dataset(RunConfig(dataset=data)).rows[:2]] == [27, 5]
    assert [len(p) for p in read_dataset(RunConfig(dataset=data, test_size=0.1)).rows[:2]] == [28, 4]
    assert [len(p) for p in read_dataset(RunConfig(dataset=data, test_size=0)).rows[:2]] == [32, 0]


def test_the_setting_and_its_flag_say_what_unset_means(capsys):
    spec = field_specs()["test_size"]
    assert spec.default is None and spec.optional and "unset = the share `data split` starts from" in spec.help
    try:
        main(["train", "--help"])
    except SystemExit:
        pass
    said = " ".join(capsys.readouterr().out.split())
    flag = said[said.index("--test-size TEST_SIZE Rows held out") :]
    assert "Default: the share `data split` starts from." in flag[:500], flag[:500]
    rate = said[said.index("--learning-rate LEARNING_RATE How big") :]
    assert "Default: a proven value for the method: lora 2e-3," in rate[:300], rate[:300]
