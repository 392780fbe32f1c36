"""The fields beside each prompt of a GRPO run's rows, by the prompt's last turn (ftlib/row_fields.py): what the Train
page's Latest answers shows beside each answer ("row's answer"). Read from the run's own copy of its rows first, else
the saved split its config names; the page only caches it by the split's folder and time (ui/alignment_view.py).
"""

from __future__ import annotations

import os

from ftlib import workspace
from ftlib.row_fields import fields_by_last_turn, prompt_fields, run_split
from ftlib.testing import make_run


def ask(text: str, answer=None, system: str | None = None) -> dict:
    turns = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": text}]
    return {"prompt": turns} | ({"columns": {"answer": answer}} if answer is not None else {})


CHANGE, APPLES = "31 - 18 = 13.\n#### 13", "12 / 4 = 3.\n#### 3"


def test_each_prompts_fields_by_its_last_turn():
    rows = [
        ask("Lena's change?", CHANGE, system="Think step by step."),  # the last turn names it, not the system's
        ask("Apples each?", APPLES),
        ask("Apples each?", APPLES),  # the same row twice: kept
        ask("Shared?", "#### 1"),
        ask("Shared?", "#### 2"),  # one last turn, two answers: which was answered cannot be told, neither kept
        ask("No fields."),
        {"prompt": "not turns", "columns": {"answer": "4"}},
        {"prompt": [], "columns": {"answer": "4"}},
        {"prompt": ["not a turn"], "columns": {"answer": "4"}},
    ]
    assert fields_by_last_turn(rows) == {"Lena's change?": {"answer": CHANGE}, "Apples each?": {"answer": APPLES}}
    assert fields_by_last_turn([ask("Hi.")]) == {}


def test_a_runs_fields_are_read_from_its_own_rows_first_then_its_saved_split():
    workspace.save_split("gsm", [ask("Lena's change?", CHANGE)], [ask("Apples each?", APPLES)], {})
    config = {"method": "grpo", "dataset": "gsm", "rewards": [{"final_answer": "answer"}]}
    run = make_run("20261206-210000-grpo-gsm", config, state="running")
    folder, stamp = run_split(run.path, config)
    assert folder == str(workspace.datasets_dir() / "gsm")
    assert prompt_fields(folder) == {"Lena's change?": {"answer": CHANGE}, "Apples each?": {"answer": APPLES}}
    # Saved again: a new time, so the page's cache reads it again
    meta = workspace.datasets_dir() / "gsm" / "meta.json"
    os.utime(meta, ns=(stamp + 10**9, stamp + 10**9))
    assert run_split(run.path, config) == (folder, stamp + 10**9)
    # The run's own copy of its rows wins over the split its config names (which may have been saved over since)
    kept = workspace.keep_run_split(run.path, [ask("Kept?", "#### 9")], [], {})
    assert run_split(run.path, config)[0] == str(kept)
    assert prompt_fields(kept) == {"Kept?": {"answer": "#### 9"}}


def test_no_fields_for_a_data_file_a_missing_split_or_one_that_cannot_be_read(tmp_path):
    run = make_run("20261206-210001-grpo-file", {"method": "grpo", "rewards": [{"regex": "a"}]}, state="running")
    assert run_split(run.path, {"dataset": str(tmp_path / "prompts.jsonl")}) is None
    assert run_split(run.path, {"dataset": "no_such_split"}) is None and run_split(run.path, {}) is None
    assert prompt_fields(tmp_path / "gone") == {}
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "meta.json").write_text("[1, 2]", encoding="utf-8")  # no JSON object
    assert prompt_fields(broken) == {}
