"""Review h206: defects found reviewing this session's commits, each test failing without its fix."""

from __future__ import annotations

import pytest

from ftlib.cli import main
from ftlib.testing import make_run


def test_evaluate_a_run_whose_config_and_status_are_both_damaged_says_what_the_other_commands_say(capsys):
    """32c1a722 made `runs list/show/resume/export` and `sample` say one thing of a run whose config.json and
    status.json both do not read (what is left, a backup of both, `runs delete`); `evaluate RUN` still said
    json's own "Could not read '.../config.json' as JSON: Unterminated string starting at (line 1, column 12)."."""
    run = make_run("20261207-150000-lora-lost", {"dataset": "chat_style"})
    run.adapter_dir.mkdir(parents=True, exist_ok=True)
    (run.adapter_dir / "adapter_config.json").write_text("{}")
    run.config_file.write_text('{"method": "lo')
    run.status_file.write_text('{"state": "fin')
    assert main(["evaluate", run.id]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: Run '{run.id}' cannot be used: config.json and status.json are not complete JSON")
    assert "Restore both files from a backup" in err and f"runs delete {run.id}" in err, err
    assert "Unterminated string" not in err, err


def test_evaluate_a_run_whose_config_alone_is_damaged_still_names_the_file():
    """Only config.json damaged (its status reads): the refusal is as before, the file and what is wrong with it."""
    from ftlib.config import ConfigError
    from ftlib.eval_runs import run_info

    run = make_run("20261207-150100-lora-cfg", {"dataset": "chat_style"})
    run.config_file.write_text('{"method": "lo')
    try:
        run_info(run.path)
    except ConfigError as exc:
        assert "config.json' as JSON" in str(exc), exc
    else:
        raise AssertionError("a config.json that does not read was read")


def test_the_data_split_command_a_train_refusal_gives_is_quoted_for_the_shell(tmp_path, capsys, tiny_model_dir):
    """c1cbd09c's `train` refusal of a table it cannot map ends "Or save the file as a split with the mapping (...
    `python -m ftlib data split FILE --map COLUMN=FIELD --out DIR`) ...": FILE was pasted unquoted, so a folder with a
    space in its name ("my data") split the command in two when copied. Quoted as the --map example beside it is."""
    import shlex

    folder = tmp_path / "my data"
    folder.mkdir()
    table = folder / "odd.csv"
    table.write_text("alpha,beta\nWhat is two and two?,Four\nName a colour.,Teal\nA large cat?,Lion\n")
    assert main(["train", "--dataset", str(table), "--model", str(tiny_model_dir), "--detach"]) == 2
    err = capsys.readouterr().err
    command = err.split("`python -m ftlib data split ", 1)[1].split("`", 1)[0]
    assert shlex.split(command) == [str(table), "--map", "COLUMN=FIELD", "--out", "DIR"], command


def test_a_seed_alone_keeps_a_json_files_own_split_in_train_and_the_readme_says_so(tmp_path):
    """8a72dfac: `train --dataset FILE.json` splits a file holding {"train": [...], "test": [...]} by its keys while
    test_size is unset, whatever its seed (a RunConfig always has one); the README said "a test size or a seed draws
    a split from all its rows", which is `data split`'s rule (--seed given), not train's."""
    import json
    from pathlib import Path

    from ftlib.config import RunConfig
    from ftlib.run_data import read_dataset

    def chat(q: str, a: str) -> dict:
        return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}

    path = tmp_path / "sums.json"
    train = [chat(f"What is {i} plus {i + 3}?", str(2 * i + 3)) for i in range(12)]
    test = [chat(f"Add {i} and {i + 7}.", str(2 * i + 7)) for i in range(4)]
    path.write_text(json.dumps({"train": train, "test": test}))
    data = read_dataset(RunConfig(model="m", dataset=str(path), seed=7))
    assert (len(data.train), len(data.test), data.meta["split"], data.meta["test_key"]) == (12, 4, "own", "test")
    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    assert "a test size or a seed draws a split from all its rows" not in readme
    assert "a `seed` alone does not here; in `data split`, --seed does" in readme


def test_a_run_with_both_files_damaged_points_to_its_train_log_only_where_it_has_one():
    """32c1a722's words said "its train.log says how far it trained" of a folder with no train.log (a run killed as it
    started, a folder copied without it): said only where the file is there."""
    from ftlib.rundir import RunDir

    run = make_run("20261207-150200-lora-nolog", {"dataset": "chat_style"})
    run.adapter_dir.mkdir(parents=True, exist_ok=True)
    (run.adapter_dir / "adapter_config.json").write_text("{}")
    run.config_file.write_text('{"method": "lo')
    run.status_file.write_text("")
    run.log_file.unlink(missing_ok=True)
    said = RunDir(run.path).summary().message
    assert "Still in its folder" in said and "train.log" not in said, said
    run.log_file.write_text("step 1 loss 2.1\n")
    assert "its train.log says how far it trained" in RunDir(run.path).summary().message


def _keyed_file(tmp_path, train_ok: bool, test_ok: bool):
    """A .json file of {"train": [...], "test": [...]} whose train or test rows have no answer (none usable)."""
    import json

    def chat(q: str, a: str | None) -> dict:
        turns = [{"role": "user", "content": q}] + ([{"role": "assistant", "content": a}] if a else [])
        return {"messages": turns}

    train = [chat(f"What is {i} plus {i + 3}?", str(2 * i + 3) if train_ok else None) for i in range(8)]
    test = [chat(f"Add {i} and {i + 7}.", str(2 * i + 7) if test_ok else None) for i in range(3)]
    path = tmp_path / "sums.json"
    path.write_text(json.dumps({"train": train, "test": test}))
    return path


def test_a_json_files_own_test_key_without_a_usable_row_is_named_as_a_key_with_the_way_on(tmp_path, capsys):
    """e17946d6/8a72dfac: `data split` and `train` of a file whose 'test' key holds no usable row refused with
    own_split's words for a second file, "The test file 'test' of sums.json has no valid rows ... so it cannot be the
    held-out split", and no way on: the same file was split from all its rows before, and --test-size still does
    that. The refusal names the key, what is wrong with its first rows, and both ways (fix them, or --test-size /
    the Data page's 'split from this file'); the training keys' refusal says the same way."""
    path = _keyed_file(tmp_path, train_ok=True, test_ok=False)
    assert main(["data", "split", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "test file" not in err, err
    assert err.startswith(f"error: No row of 'test' of {path} can be used (3 rows read"), err
    assert "The first left out, item 9 (the 'test' key's item 1): there is no assistant turn" in err, err
    assert err.rstrip().endswith(
        "Fix those rows, or draw a split from all its rows instead ('split from this file' on the Data page, "
        "`--test-size` on the command line)."
    ), err
    assert main(["data", "split", str(path), "--test-size", "2", "--out", str(tmp_path / "drawn")]) == 0  # the way on
    capsys.readouterr()

    path = _keyed_file(tmp_path, train_ok=False, test_ok=True)
    assert main(["data", "split", str(path), "--out", str(tmp_path / "out2")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: No row of 'train' of {path} can be used (8 rows read"), err
    assert "The first left out, item 1 (the 'train' key's item 1): there is no assistant turn" in err, err
    assert err.rstrip().endswith("('split from this file' on the Data page, `--test-size` on the command line)."), err


def test_the_data_page_starts_at_the_random_split_where_the_own_test_key_has_no_usable_row(tmp_path, monkeypatch):
    """8a72dfac made a .json file's own test split the Data page's default Test rows choice; for a file whose 'test'
    key holds no usable row it opened on a refusal ("No row of 'test' ... can be used"), Save refused, where the same
    file had been split from its rows. It starts at 'split from this file' then, its own split still offered (and
    refused in words when picked); the way on is said as the page says it, not with the CLI's flag."""
    import json
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    path = tmp_path / "sums.json"
    train = [{"instruction": f"Add {i} and {i + 3}.", "output": str(2 * i + 3)} for i in range(12)]
    path.write_text(json.dumps({"train": train, "test": [{"instruction": f"Add {i} and 9."} for i in range(3)]}))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(path)).run()
    assert not at.exception, at.exception
    radio = at.radio(key="split_test_from")
    assert (radio.value, radio.options[0]) == ("split", "use the file's own test split ('test', 0 rows)")
    assert not [e.value for e in at.error], [e.value for e in at.error]
    radio.set_value("keys").run()
    (refusal,) = [e.value for e in at.error if "No row of 'test'" in e.value]
    assert "('split from this file' above)" in refusal and "--test-size" not in refusal, refusal


def test_runs_show_says_a_runs_name_so_a_rename_can_be_seen_from_the_command_line(capsys):
    """64695111's `runs rename ID NAME` says the name is the one `runs list` shows and commands take; but neither
    `runs show` nor `runs list` printed a run's name (only --json had it): after a rename nothing the CLI printed
    changed but a 'renamed by' line. `runs show` says the name under the id."""
    run = make_run("20261207-150300-lora-named", {"dataset": "chat_style", "name": "pirates"})
    assert main(["runs", "rename", run.id, "pirate v2"]) == 0
    capsys.readouterr()
    assert main(["runs", "show", "pirate v2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [f"id: {run.id}", "name: pirate v2"], lines
    with pytest.raises(SystemExit):
        main(["runs", "rename", "--help"])
    assert "`runs list` show" not in " ".join(capsys.readouterr().out.split())
