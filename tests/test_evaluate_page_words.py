"""Evaluate says a run whose held-out rows cannot be read in the page's words, the CLI in its own: the page showed the
CLI's `python -m ftlib data split ...`, `--map COLUMN=FIELD` and `--test-size 0` to people with no shell, and
`run_info`'s "pass --model, --adapter and --data" (`eval_runs.run_info`'s `fix`, `run_data.DataRefused`)."""

from __future__ import annotations

import json

import pytest

from ftlib import workspace
from ftlib.cli import main
from ftlib.eval_runs import EvalError, run_info
from ftlib.testing import make_run
from tests.test_page_reruns import open_page
from ui.labels import RUN_DATA_FIX

CLI_WORDS = ("python -m ftlib", "--map", "--test-size", "--dataset", "--model", "data split")


def unreadable_data(tmp_path) -> dict[str, str]:
    """Data a run cannot read, by name -> its `dataset`: a CSV whose columns need a mapping (qa), a workspace folder
    without meta.json (oldsplit), a file of one row, too small for a test size of 0.5 (tiny)."""
    table = tmp_path / "qa.csv"
    table.write_text("alpha,beta\n" + "".join(f"Q{i}?,A{i}.\n" for i in range(8)))
    tiny = tmp_path / "tiny.jsonl"
    chat = [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]
    tiny.write_text(json.dumps({"messages": chat}) + "\n")
    (workspace.datasets_dir() / "oldsplit").mkdir(parents=True)
    return {"qa": str(table), "oldsplit": "oldsplit", "tiny": str(tiny)}


def runs_that_kept_no_rows(tmp_path, model, adapter) -> dict[str, str]:
    """Runs queued before runs kept a copy of their rows, each on data that cannot be read now (`unreadable_data`).
    Name -> run id."""
    data = unreadable_data(tmp_path)
    config = {"model": str(model), "template": "tokenizer", "method": "lora"}
    made = {}
    for i, (name, dataset, more) in enumerate(
        [("qa", data["qa"], {}), ("oldsplit", "oldsplit", {}), ("tiny", data["tiny"], {"test_size": 0.5})]
    ):
        run = make_run(f"20260101-00000{i}-lora-{name}", {**config, "dataset": dataset, **more}, adapter=adapter)
        made[name] = run.id
    return made


@pytest.mark.parametrize(
    "name, what",
    [
        ("qa", "qa.csv needs its columns mapped: which of them holds what is not known (its columns: alpha, beta)."),
        ("oldsplit", "**Dataset** 'oldsplit' is a folder of the workspace's datasets without meta.json"),
        ("tiny", "**Held-out share or rows** 0.5 cannot split 'tiny.jsonl': A train/test split needs at least 2 rows"),
    ],
)
def test_the_page_says_the_pages_way_and_the_cli_its_own(tmp_path, capsys, varied_dir, adapter_template, name, what):
    run_id = runs_that_kept_no_rows(tmp_path, varied_dir, adapter_template)[name]
    # The CLI keeps its commands (asked first: the page's log lines would be written to capsys' closed stream).
    assert main(["evaluate", run_id]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    cli = {"qa": "Or save the file as a split with", "oldsplit": "`python -m ftlib data split FILE --out DIR`"}
    assert cli.get(name, "test_size 0 (`--test-size 0`)") in err
    assert RUN_DATA_FIX not in err
    at = open_page("pages/6_Evaluate.py", varied_dir)
    box = at.selectbox(key="evaluate_pick")
    box.set_value(next(o for o in box.options if f"· {name} ·" in o)).run()
    (error,) = [e.value for e in at.error]
    assert error.startswith(f"Could not read the run's configuration and held-out rows: {what}"), error
    assert error.endswith(RUN_DATA_FIX)
    assert not [w for w in CLI_WORDS if w in error], error


def test_run_info_without_a_config_ends_with_the_callers_way(tmp_path):
    with pytest.raises(EvalError) as cli:
        run_info(tmp_path)
    assert str(cli.value) == f"'{tmp_path}' has no config.json; pass --model, --adapter and --data instead."
    with pytest.raises(EvalError) as page:
        run_info(tmp_path, fix=RUN_DATA_FIX)
    assert str(page.value) == f"'{tmp_path}' has no config.json. {RUN_DATA_FIX}"
