"""How a run's data was read (the format and the column mapping) reaches what says and reproduces the run.

A run queued with `train --format/--map` keeps them in its split/meta.json, not in config.json (RunConfig has no such
setting; config.json is written by rundir.py from it): `runs show` says them, `train runs/ID/config.json` reads the
file with them again (tests/test_cli_train_data.py), and a resume trains on the mapped rows it kept. A run of the
Train page is queued on a saved split, whose mapping the Data page applied: `runs show` said nothing of it; it now says
the split's file, its format and mapping, as `data split --map` reproduces them."""

from __future__ import annotations

import json

from ftlib import runs
from ftlib.cli import main
from tests.test_cli_train_data import MAP, RANKED, SMALL, write_rows


def test_runs_show_says_how_a_saved_splits_file_was_read(tmp_path, capsys, tiny_model_dir, no_training):
    path = write_rows(tmp_path / "ranked.jsonl", RANKED)
    split = tmp_path / "ranked-split"
    assert main(["data", "split", path, *MAP, "--test-size", "2", "--out", str(split)]) == 0
    args = ["train", "--method", "dpo", "--model", str(tiny_model_dir), "--dataset", str(split), *SMALL, "--detach"]
    assert main(args) == 0
    run_id = capsys.readouterr().out.strip().splitlines()[-1]
    data = runs.get(run_id)["data"]
    assert data["column_map"] == {"prompt": "question", "chosen": "better", "rejected": "worse"}
    assert (data["from"], data["split_of"], data["format"]) == ("split", "ranked.jsonl", "preference")
    assert main(["runs", "show", run_id]) == 0
    shown = capsys.readouterr().out
    assert (
        "rows: 6 training, 2 held out, kept when it was queued; the split made from ranked.jsonl read as preference "
        "pairs (preference) with --map question=prompt --map better=chosen --map worse=rejected\n"
    ) in shown


def test_runs_show_of_a_run_that_kept_no_rows_claims_none(tmp_path, capsys, tiny_model_dir, no_training):
    """A run made before runs kept their own rows (no split/ folder): `runs show` said "rows: ? training, ? held
    out, kept when it was queued" (an upgrade review)."""
    import shutil

    args = ["train", "--model", str(tiny_model_dir), "--dataset", write_rows(tmp_path / "r.jsonl", RANKED), *SMALL]
    assert main([*args, *MAP, "--method", "dpo", "--test-size", "2", "--detach"]) == 0
    run = runs.find(capsys.readouterr().out.strip().splitlines()[-1])
    shutil.rmtree(run.path / "split")  # as an older version left it
    assert not runs.get(run.id)["data"]
    assert main(["runs", "show", run.id]) == 0
    assert "kept when it was queued" not in capsys.readouterr().out


def test_a_resumed_run_keeps_the_rows_its_map_made(tmp_path, capsys, tiny_model_dir, no_training):
    from ftlib.training import load_rows

    path = write_rows(tmp_path / "ranked.jsonl", RANKED)
    args = ["train", "--method", "dpo", "--model", str(tiny_model_dir), "--dataset", path, "--test-size", "2", *SMALL]
    assert main([*args, *MAP, "--detach"]) == 0
    run = runs.find(capsys.readouterr().out.strip())
    before = load_rows(run.config(), run.path)
    write_rows(tmp_path / "ranked.jsonl", RANKED[:2])  # the file changes: the run's rows do not
    runs.wait(run.id, timeout=60, poll=0.2)  # the stand-in worker ends; the run is then stopped, as if by a person
    run.update_status(state="interrupted")
    assert main(["runs", "resume", run.id]) == 0
    capsys.readouterr()
    assert load_rows(run.config(), run.path) == before  # what the worker trains on when it resumes
    assert runs.get(run.id)["data"]["read_with"]["map"] == ["question=prompt", "better=chosen", "worse=rejected"]
    assert json.loads(run.config_file.read_text())["dataset"] == path


def test_a_split_folder_of_an_older_version_is_named_with_the_command_that_saves_it_again(
    tmp_path, capsys, tiny_model_dir, no_training
):
    """A split folder without meta.json (`data split --out` of 2026-11-30 wrote none): by name it was "neither a saved
    split, a split folder, a data file nor a shipped sample", though the workspace holds it."""
    from ftlib import workspace

    old = workspace.datasets_dir() / "chat"
    old.mkdir(parents=True)
    write_rows(old / "train.jsonl", RANKED)
    for dataset in ("chat", str(old)):
        args = ["train", "--model", str(tiny_model_dir), "--dataset", dataset, *SMALL]
        assert main(args) == 2
        said = capsys.readouterr().err
        assert "without meta.json" in said and "data split FILE --out DIR" in said, said
    assert not list(workspace.runs_dir().iterdir())
