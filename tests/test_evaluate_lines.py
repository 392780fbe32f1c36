"""The Evaluate page and the CLI's `evaluate` name a run's held-out rows by their place in its split ("held-out row
1", the rows cut at the max length, the rows skipped, the side-by-side rows, the table's rows); a split saved with its
rows' places (`ftlib.split_lines`) now also says the line of the file the user has ("held-out row 1 is line 4 of
chats.jsonl"), for a run trained on a saved split and on a file. An older split without them is named as before."""

from __future__ import annotations

import json

import pytest

from ftlib.eval_runs import heldout_lines, heldout_place, run_info
from ftlib.testing import make_run
from tests.test_cli_evaluate_kept import cli
from tests.test_pages_evaluate_kept import open_page
from tests.test_split_lines import CHATS, LONG, chat, saved_with_lines, write_lines

# Blank and broken lines before the held-out rows: the file's lines are not the split's row numbers.
ROWS = [CHATS[0], "", CHATS[1], "{not json", chat("Tell a long story.", LONG), CHATS[2], "", CHATS[3], CHATS[4]]
TEST_AT = [2, 4]  # of the file's rows read: the long story (line 5) and CHATS[3] (line 8)


def run_on(name: str, varied_dir, adapter_template, **config):
    config = {"model": str(varied_dir), "dataset": name, "template": "tokenizer", "method": "lora"} | config
    return make_run(f"20260101-000000-lora-{name}", config | {"max_length": 64}, adapter=adapter_template)


@pytest.fixture
def split_run(tmp_path, varied_dir, adapter_template):
    saved_with_lines(tmp_path, ROWS, TEST_AT, name="chats")
    return run_on("chats", varied_dir, adapter_template)


def test_a_runs_held_out_rows_are_placed_in_the_file_its_split_was_saved_from(split_run):
    info = run_info(split_run.path)
    assert [heldout_place(info.meta, i, 2) for i in range(2)] == ["line 5 of chats.jsonl", "line 8 of chats.jsonl"]
    assert heldout_lines(info.meta, [1, 0, 1], 2) == (
        "The row numbers above count the run's held-out rows, not the rows of chats.jsonl: held-out row 2 is line 8; "
        "held-out row 1 is line 5."
    )
    assert heldout_lines(info.meta, [], 2) == "" and heldout_lines(info.meta, [0], 3) == ""  # none; edited since


def test_a_run_on_a_file_places_its_held_out_rows_as_its_split_of_the_file_drew_them(
    tmp_path, varied_dir, adapter_template
):
    path = tmp_path / "chats.jsonl"
    first_line = write_lines(path, ROWS)
    run = run_on(str(path), varied_dir, adapter_template, test_size=2, seed=3)
    info = run_info(run.path)
    assert len(info.test_rows) == 2
    for i, row in enumerate(info.test_rows):  # each held-out row's line holds that very row
        assert heldout_place(info.meta, i, 2) == f"line {first_line[json.dumps(row)]} of chats.jsonl"


def test_an_old_split_without_places_is_named_as_before(tmp_path, varied_dir, adapter_template):
    saved_with_lines(tmp_path, ROWS, TEST_AT, name="old", lines=False)
    info = run_info(run_on("old", varied_dir, adapter_template).path)
    assert heldout_place(info.meta, 0, 2) is None and heldout_lines(info.meta, [0, 1], 2) == ""


def test_the_cli_and_then_the_page_name_the_file_line_of_the_rows_they_name(capsys, split_run, varied_dir):
    """One run evaluated from the CLI, then its page opened: the page shows the CLI's `--json` evaluation as after a
    reload (the page's own test evaluated the run with the same command a second time)."""
    out = cli(capsys, "evaluate", split_run.id, "--max-new-tokens", "4")[0]
    assert "Row 1 was scored on the first 64 tokens only" in out, out  # the long story, cut
    assert (
        "note: The row numbers above count the run's held-out rows, not the rows of chats.jsonl: held-out row 1 is "
        "line 5." in out
    ), out
    agg = json.loads(cli(capsys, "evaluate", split_run.id, "--json")[0])  # kept for the page: its boxes' defaults
    assert [r["where"] for r in agg["per_row"]] == ["line 5 of chats.jsonl", "line 8 of chats.jsonl"]

    at = open_page(varied_dir)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    captions = [c.value for c in at.caption]
    note = (
        "The row numbers above count the run's held-out rows, not the rows of chats.jsonl: held-out row 1 is line 5."
    )
    assert note in captions, captions  # under the note on the rows cut at the max length
    assert any(c.startswith("Held-out row 2 (line 8 of chats.jsonl) · ") for c in captions), captions
    row_box = next(box for box in at.selectbox if box.label == "Row")  # the per-token view's choice of row
    assert row_box.options[1].startswith("2 (line 8 of chats.jsonl): "), row_box.options
    table = next(d.value for d in at.dataframe if "where" in d.value)
    assert list(table["where"]) == ["line 5 of chats.jsonl", "line 8 of chats.jsonl"]


def test_the_cli_says_nothing_more_for_an_old_split(capsys, tmp_path, varied_dir, adapter_template):
    saved_with_lines(tmp_path, ROWS, TEST_AT, name="old", lines=False)
    run = run_on("old", varied_dir, adapter_template)
    out = cli(capsys, "evaluate", run.id, "--max-new-tokens", "4")[0]
    assert "Row 1 was scored on the first 64 tokens only" in out and "count the run's held-out rows" not in out
    agg = json.loads(cli(capsys, "evaluate", run.id, "--json", "--max-new-tokens", "4")[0])
    assert all("where" not in r for r in agg["per_row"])


def test_a_grpo_runs_answers_name_the_file_line_of_each_prompt(capsys, tmp_path, varied_dir, adapter_template):
    prompts = [{"prompt": [{"role": "user", "content": f"Say {w}."}]} for w in ("hi", "yes", "no", "ok")]
    saved_with_lines(tmp_path, [prompts[0], "", prompts[1], prompts[2], "", prompts[3]], [1, 3], name="asks")
    config = {"method": "grpo", "model": str(varied_dir), "dataset": "asks", "rewards": [{"length": {"target": 4}}]}
    run = make_run("20260101-000000-grpo-asks", config | {"grpo_max_new_tokens": 8}, adapter=adapter_template)
    agg = json.loads(cli(capsys, "evaluate", run.id, "--json")[0])  # kept for the page: its boxes' defaults
    assert [r["where"] for r in agg["per_row"]] == ["line 3 of asks.jsonl", "line 6 of asks.jsonl"]
    at = open_page(varied_dir)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    table = at.dataframe[-1].value
    assert dict(zip(table["row"], table["where"], strict=True)) == {
        1: "line 3 of asks.jsonl",
        2: "line 6 of asks.jsonl",
    }


def test_the_cli_names_the_lines_of_a_saved_splits_test_part_given_with_data(capsys, split_run):
    out = cli(capsys, "evaluate", split_run.id, "--data", "chats", "--max-new-tokens", "4")[0]
    assert (
        "note: The row numbers above count the split's held-out rows, not the rows of chats.jsonl: held-out row 1 is "
        "line 5." in out
    ), out
    agg = json.loads(cli(capsys, "evaluate", split_run.id, "--data", "chats", "--json", "--max-new-tokens", "4")[0])
    assert [r["where"] for r in agg["per_row"]] == ["line 5 of chats.jsonl", "line 8 of chats.jsonl"]


def test_the_cli_names_the_file_line_of_the_rows_of_a_saved_split_the_run_trained_on(capsys, tmp_path, split_run):
    """`evaluate RUN --data SPLIT` warned of rows the run trained on as "(row 1, row 2)": the split's held-out rows,
    though the file's lines of those rows are kept in the split, as every other row the CLI names is placed."""
    saved_with_lines(tmp_path, ROWS, [1, 3, 4], name="other")  # held out: CHATS[1] (line 3), CHATS[2] (line 6), [3]
    err = cli(capsys, "evaluate", split_run.id, "--data", "other", "--max-new-tokens", "2")[1]
    assert (
        "warning: 2 of the 3 held-out rows of the split other are rows the run trained on: held-out row 1 (line 3 of "
        "other.jsonl), held-out row 2 (line 6 of other.jsonl); on them the tuned model is measured on what it was "
        "taught" in err
    ), err
    saved_with_lines(tmp_path, ROWS, [1, 3, 4], name="older", lines=False)  # saved before the places were kept
    err = cli(capsys, "evaluate", split_run.id, "--data", "older", "--max-new-tokens", "2")[1]
    assert "are rows the run trained on: held-out row 1, held-out row 2; on them" in err, err
