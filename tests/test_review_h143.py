"""Helper 143's review of this session's commits: defects confirmed by a probe, each with the check that failed."""

from __future__ import annotations

import json
import shutil
from types import SimpleNamespace

from ftlib import workspace
from ftlib.rundir import run_folders


def test_a_listed_run_folder_named_by_hand_does_not_redraw_the_train_page_every_poll(monkeypatch):
    # A run folder copied or renamed by hand ("exp 1 (copy)") is listed, picked and shown, but `runs.find` takes no
    # such id: the Train page's 2 s look (rerun_if_deleted) read it as deleted and reran the page on every poll.
    import ui.run_view as run_view

    folder = workspace.runs_dir() / "exp 1 (copy)"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"method": "lora", "model": "m"}))
    assert [r.path.name for r in run_folders()] == ["exp 1 (copy)"]  # listed, as the runs section lists runs
    reruns = []
    fake = SimpleNamespace(session_state={run_view.SELECTED: "exp 1 (copy)"}, rerun=lambda: reruns.append(1))
    monkeypatch.setattr(run_view, "st", fake)
    run_view.rerun_if_deleted()
    assert reruns == []

    shutil.rmtree(folder)  # deleted by a teammate: the page is drawn again, saying so
    run_view.rerun_if_deleted()
    assert reruns == [1]


def test_the_data_pages_note_on_a_json_of_splits_points_below_to_the_test_file_without_the_cli():
    # The engine's note said "... as the data's own test file, on the Data page or with `data split FILE --test-file
    # TEST`"; on_data_page turned it into "..., above or with `data split ...`". The file's own 'test' key is now the
    # test split where it is made (the Data page's Test rows below, ftlib.split_keys): the note names no box, no
    # "above" and no CLI command.
    from ftlib.json_layout import json_layout
    from ui.labels import on_data_page

    pairs = [{"prompt": "Which day follows Monday?", "completion": "Tuesday."}] * 3
    said = on_data_page(json_layout({"train": pairs[:2], "test": pairs[2:]})[1])
    assert "above" not in said and "data split" not in said, said
    assert said.endswith(
        "Where a split is made of it, its 'test' rows are the held-out ones as published, unless a split drawn from "
        "all its rows is asked for."
    ), said
