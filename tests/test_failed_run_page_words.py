"""A run that failed on data it could not read is said on the Train page in the page's words, and by `runs show` in
the CLI's: the page showed the worker's message as it is, `--map COLUMN=FIELD`, `python -m ftlib data split ...`,
`--test-size 0` and `--dataset DIR` to people with no shell (`ui.labels.failed_run_words`). Such a run was queued on
data that could not be read then (the Train page queues it: `run_data.readable_rows`), or kept no copy of its rows
(older runs, resumed)."""

from __future__ import annotations

import pytest

from ftlib import worker, workspace
from ftlib.cli import main
from ftlib.testing import make_run
from tests.test_evaluate_page_words import unreadable_data
from tests.test_page_reruns import open_page, save
from ui.labels import RUN_FAILED_DATA_FIX

CLI_WORDS = ("python -m ftlib", "data split", "--")
CASES = {  # name -> (what the page says first, the CLI's way on that `runs show` keeps)
    "qa": (
        "Could not tell which columns of qa.csv hold the prompt and the answer (columns: alpha, beta). Map them under "
        "Field mapping on the Data page; a column of documents to learn as plain text (every token trained): map "
        "`alpha` to text.",
        "Or save the file as a split with the mapping (on the Data page",
    ),
    "oldsplit": (
        "**Dataset** 'oldsplit' is a folder of the workspace's datasets without meta.json",
        "(the Data page, or `python -m ftlib data split FILE --out DIR`)",
    ),
    "tiny": (
        "**Held-out share or rows** 0.5 cannot split 'tiny.jsonl': A train/test split needs at least 2 rows",
        "test_size 0 (`--test-size 0`)",
    ),
    "tides": ("", workspace.SPLIT_AGAIN),
}


def failed_run(tmp_path, model, name: str) -> str:
    """A run queued without a copy of its rows on data that cannot be read, failed by the worker; its id."""
    data = unreadable_data(tmp_path)
    save("tides")  # the active split: the Train page's form is drawn for it
    if name == "tides":  # cut short after the run was queued on it
        (workspace.split_folder("tides") / "train.jsonl").write_text('{"messages": [')
    dataset = data.get(name, name)
    config = {"model": str(model), "template": "chatml", "dataset": dataset, "max_steps": 1}
    more = {"test_size": 0.5} if name == "tiny" else {}
    run = make_run(f"20260101-000000-lora-{name}", {**config, **more}, state="queued")
    assert worker.execute(run.path) == "failed"
    return run.id


@pytest.mark.parametrize("name", list(CASES))
def test_the_train_page_says_a_failed_runs_data_in_its_words(tmp_path, capsys, tiny_model_dir, name):
    run_id = failed_run(tmp_path, tiny_model_dir, name)
    first, cli = CASES[name]
    assert main(["runs", "show", run_id]) == 0
    assert cli in capsys.readouterr().out  # the CLI keeps its commands
    at = open_page("pages/4_Train.py", tiny_model_dir)
    errors = [e.value for e in at.error if not e.value.startswith("Could not open the saved split")]
    (error,) = errors  # the run's, under its controls
    assert error.startswith(first) and error.endswith(RUN_FAILED_DATA_FIX), error
    assert not [w for w in CLI_WORDS if w in error], error


@pytest.mark.parametrize(
    "damaged, way", [("status", "(**Resume** and **Delete…** below)."), ("config", "(**Delete…** below).")]
)
def test_a_damaged_run_names_the_train_pages_buttons_not_the_clis_commands(capsys, tiny_model_dir, damaged, way):
    save("tides")
    run = make_run("20260101-000000-lora-x", {"model": str(tiny_model_dir), "dataset": "tides"}, state="interrupted")
    (run.path / f"{damaged}.json").write_text('{"id": "x", "sta')
    assert main(["runs", "show", run.id]) == 0
    assert "(`python -m ftlib runs " in capsys.readouterr().out  # the CLI keeps its commands
    at = open_page("pages/4_Train.py", tiny_model_dir)
    (warning,) = [w.value for w in at.warning if w.value.startswith(f"{damaged}.json is not complete JSON")]
    assert warning.endswith(way) and "python -m ftlib" not in warning, warning


def test_a_finished_run_whose_config_does_not_read_offers_its_download_not_the_clis_commands(
    capsys, varied_dir, adapter_template
):
    """What it trained still exports: the page says its download under Export (the adapter alone: a merged model or a
    GGUF file would be built on the default model, the base its config named being lost), not `runs export ID` and
    `sample --adapter ID --model`, which `runs show` keeps. Compare and Evaluate do not offer it (no base known)."""
    save("tides")
    config = {"model": str(varied_dir), "template": "tokenizer", "dataset": "tides"}
    run = make_run("20260101-000000-lora-kept", config, adapter=adapter_template)
    (run.path / "config.json").write_text('{"model": "/some/ba')
    assert main(["runs", "show", run.id]) == 0
    assert f"(`python -m ftlib runs export {run.id}`; `sample --adapter {run.id} --model`" in capsys.readouterr().out
    at = open_page("pages/4_Train.py", varied_dir)
    (warning,) = [w.value for w in at.warning if w.value.startswith("config.json is not complete JSON")]
    assert " What it trained can still be downloaded (**Export** below). " in warning, warning
    assert "python -m ftlib" not in warning and "sample --adapter" not in warning, warning
    assert [b.proto.label.split(" · ")[0] for b in at.get("download_button")] == ["Download the adapter (PEFT, .zip)"]


@pytest.mark.parametrize("how", [["--merged"], ["--gguf", "q8_0"]])
def test_runs_export_merges_no_adapter_whose_runs_config_does_not_read(capsys, varied_dir, adapter_template, how):
    """The base a merge loads is the one config.json names: read as empty, it was the default model."""
    config = {"model": str(varied_dir), "template": "tokenizer", "dataset": "tides"}
    run = make_run("20260101-000000-lora-kept", config, adapter=adapter_template)
    (run.path / "config.json").write_text('{"model": "/some/ba')
    assert main(["runs", "export", run.id, *how]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith(f"error: Run '{run.id}' cannot be merged: its config.json does not read")
        and err.count("\n") == 1
    ), err
    assert not run.merged_dir.exists()
