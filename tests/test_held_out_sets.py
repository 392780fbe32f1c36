"""Runs scored on different held-out rows are named where their held-out numbers stand side by side: the Train page's
runs table and `runs list` (a run on a data file holds out the rows its seed picks)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import runs, workspace
from ftlib.held_out_sets import different_rows_note, rows_key
from ftlib.splits import split_rows
from ftlib.testing import make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ROWS = [
    {"messages": [{"role": "user", "content": f"Name {i}."}, {"role": "assistant", "content": f"It is {i}."}]}
    for i in range(40)
]
SCORED = [{"kind": "train", "step": 1, "loss": 2.0}, {"kind": "eval", "step": 1, "eval_loss": 1.9}]


def run_on(run_id: str, seed: int, method: str = "lora", metrics=SCORED):
    """A finished run that kept the rows a data file split with `seed` gives it, as `train` keeps them."""
    run = make_run(run_id, {"method": method, "seed": seed}, metrics=metrics)
    train, test = split_rows(ROWS, test_size=0.2, seed=seed)
    workspace.keep_run_split(run.path, train, test, {"name": "numbers"})
    return run


def test_runs_of_other_seeds_are_named_as_scored_on_other_rows():
    run_on("r-seed0", 0)
    run_on("r-seed0-again", 0)
    run_on("r-seed1", 1)
    assert rows_key(runs.find("r-seed0").path) == rows_key(runs.find("r-seed0-again").path)
    assert rows_key(runs.find("r-seed0").path) != rows_key(runs.find("r-seed1").path)
    summaries = runs.list_runs()
    note = different_rows_note(summaries, {r.id: r.id for r in summaries})
    assert note.startswith("Held-out numbers compare only between runs scored on the same rows")
    sets = [part.rsplit(" (set ", 1)[0] for part in note.split("- lora: ")[1].split("; ")]
    assert sorted(sorted(names.split(", ")) for names in sets) == [["r-seed0", "r-seed0-again"], ["r-seed1"]]


def test_runs_sharing_a_label_are_named_by_their_ids_too():
    run_on("r-x", 0)
    run_on("r-y", 1)
    summaries = runs.list_runs()
    note = different_rows_note(summaries, {"r-x": "lora · numbers · 12:48", "r-y": "lora · numbers · 12:48"})
    assert "lora · numbers · 12:48 (r-x)" in note and "lora · numbers · 12:48 (r-y)" in note


def test_a_label_no_other_run_shares_is_named_as_it_is():
    run_on("r-x", 0)
    run_on("r-y", 0)
    run_on("r-z", 1)
    labels = {"r-x": "lora · numbers · 12:48", "r-y": "lora · numbers · 12:48", "r-z": "lora · numbers · 12:50"}
    note = different_rows_note(runs.list_runs(), labels)
    assert "; lora · numbers · 12:50 (set " in note or note.split("- lora: ")[1].startswith(
        "lora · numbers · 12:50 (set"
    )
    assert "(r-z)" not in note and "(r-x)" in note


def test_nothing_is_said_when_the_rows_are_the_same_or_cannot_be_known():
    run_on("r-a", 3)
    run_on("r-b", 3)
    run_on("r-unscored", 4, metrics=[{"kind": "train", "step": 1, "loss": 2.0}])  # no held-out number to compare
    run_on("r-dpo", 5, method="dpo")  # another method's number means something else
    make_run("r-old", {"method": "lora"}, metrics=SCORED)  # kept no rows (before runs kept them)
    summaries = runs.list_runs()
    assert different_rows_note(summaries, {}) is None
    assert rows_key(runs.find("r-old").path) is None


def test_a_run_that_held_out_no_row_has_no_rows_key():
    # Runs holding out nothing must not read as "the same held-out rows" through an empty file's hash.
    run = make_run("r-none", {"method": "lora"}, metrics=SCORED)
    workspace.keep_run_split(run.path, ROWS, [], {"name": "numbers"})
    assert (workspace.kept_split(run.path) / "test.jsonl").is_file()
    assert rows_key(run.path) is None


def test_the_train_page_and_runs_list_say_it(tiny_model_dir, capsys):
    from ftlib.cli import main

    run_on("r-one", 0)
    run_on("r-two", 1)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at = at.run().switch_page("pages/4_Train.py").run()
    assert not at.exception
    assert any(c.value.startswith("Held-out numbers compare only") for c in at.caption)
    assert main(["runs", "list"]) == 0
    assert "note: Held-out numbers compare only" in capsys.readouterr().err
