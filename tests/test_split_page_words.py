"""A saved split whose files do not read (cut short, edited) is said in the page's words on every page that opens it,
and in the CLI's by the CLI: the pages showed "(the Data page's Split and save, or `python -m ftlib data split`)" to
people with no shell (`workspace.load_split`'s `fix`, `ui.common.SPLIT_AGAIN`; Evaluate's run on such a split:
`eval_runs.run_info`'s `split_fix`, `ui.labels.run_split_fix`)."""

from __future__ import annotations

import pytest

from ftlib import workspace
from ftlib.cli import main
from ftlib.testing import make_run
from tests.test_page_reruns import TEST, TRAIN, open_page, save
from ui.common import SPLIT_AGAIN
from ui.labels import RUN_DATA_FIX, run_split_fix

CLI_WORDS = ("python -m ftlib", "data split", "--")


def cut_short(name: str = "tides"):
    """The saved split `name`, made active, its train.jsonl cut in its second row."""
    save(name)
    folder = workspace.split_folder(name)
    (folder / "train.jsonl").write_text('{"messages": []}\n{"messages": [{"role": "us')
    return folder


def test_the_engine_says_the_clis_way_unless_given_the_callers():
    folder = cut_short()
    with pytest.raises(workspace.SplitDamaged) as cli:
        workspace.load_split("tides")
    said = f"{folder / 'train.jsonl'} cannot be read (line 2: "
    assert str(cli.value).startswith(said) and str(cli.value).endswith(workspace.SPLIT_AGAIN)
    assert "`python -m ftlib data split`" in workspace.SPLIT_AGAIN
    with pytest.raises(workspace.SplitDamaged) as page:
        workspace.load_split("tides", fix="Do this.")
    assert str(page.value) == f"{page.value.what} Do this." and page.value.fix == "Do this."


@pytest.mark.parametrize("page", ["pages/2_Tokens.py", "pages/3_Batches.py", "pages/4_Train.py", "pages/5_Compare.py"])
def test_each_page_that_opens_the_split_says_the_pages_way(tiny_model_dir, page):
    folder = cut_short()
    at = open_page(page, tiny_model_dir)
    (error,) = [e.value for e in at.error]
    assert error.startswith(f"Could not open the saved split: {folder / 'train.jsonl'} cannot be read (line 2: ")
    assert error.endswith(SPLIT_AGAIN), error
    assert not [w for w in CLI_WORDS if w in error], error


def test_evaluate_of_a_run_that_kept_no_rows_of_the_split_says_the_pages_way(capsys, varied_dir, adapter_template):
    """A run queued before runs kept their rows reads its saved split as it is now, by its name: saving the split
    again is the way on, named with the split ('tides'), not `RUN_DATA_FIX`'s 'train a run on it' (no new run is
    needed)."""
    workspace.save_split("tides", TRAIN, TEST, {"format": "messages"})
    config = {"model": str(varied_dir), "template": "tokenizer", "method": "lora", "dataset": "tides"}
    make_run("20260101-000000-lora-tides", config, adapter=adapter_template)
    (workspace.split_folder("tides") / "test.jsonl").write_text('{"messages": [')
    assert main(["evaluate", "20260101-000000-lora-tides"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and err.rstrip().endswith(workspace.SPLIT_AGAIN)
    at = open_page("pages/6_Evaluate.py", varied_dir)
    (error,) = [e.value for e in at.error]
    assert error.startswith("Could not read the run's configuration and held-out rows: ") and "test.jsonl" in error
    assert error.endswith(run_split_fix("tides")), error
    assert "Save the split 'tides' again" in error and "train a run" not in error and RUN_DATA_FIX not in error
    assert not [w for w in CLI_WORDS if w in error], error


def test_a_test_file_of_another_kind_names_the_data_pages_box_alone(tmp_path, monkeypatch):
    """`own_split.check_test_file` says "('Read the file as' on the Data page, `--format` on the command line)": the
    Data page showed it as it is, under its own box."""
    from tests.test_pages_data_own_split import TRAIN, data_page, own_test_file, write_jsonl

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    at = data_page(write_jsonl(tmp_path / "chats.jsonl", TRAIN))
    pairs = [{"prompt": "Say hi.", "chosen": "Hi!", "rejected": "Go away."}]
    at = own_test_file(at, write_jsonl(tmp_path / "pairs.jsonl", pairs))
    (error,) = [e.value for e in at.error]
    assert "choose the format that reads it right ('Read the file as' above). Nothing can be saved" in error, error
    assert "--format" not in error and "command line" not in error
