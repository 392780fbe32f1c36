"""Reviewers' leftovers (helper 290): each test fails without its fix."""

from __future__ import annotations

import json

from ftlib.cli import main


def test_a_reward_typed_without_a_space_after_the_colon_is_not_called_invalid(capsys):
    """`--rewards '[{final_answer:answer}]'` is valid YAML (one key `final_answer:answer` with no value): the line
    said "`rewards` is not valid JSON or YAML (... write a space after the colon ...)"; now the fix alone."""
    code = main(["train", "--method", "grpo", "--rewards", "[{final_answer:answer}]"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert "not valid JSON or YAML" not in err and "Write a list such as" not in err, err
    assert "write a space after the colon: {final_answer: answer}" in err, err


def test_batch_json_carries_the_file_warnings_and_notes_plain_batch_prints(tmp_path, tiny_model_dir, capsys):
    """bdc71ccb made plain `batch` print a field nothing reads (a warning) and how the file was read (a note) on
    stderr; `batch --json` carried neither. They are now its "file_warnings" and "notes", as `tokens --json` has."""
    turns = [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]
    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps({"messages": turns, "sorce": "web"}) + "\n" for _ in range(4)))
    assert main(["batch", str(data), "--model", str(tiny_model_dir), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert any("`sorce` in 4 rows" in w for w in out["file_warnings"]), out["file_warnings"]
    assert not any(w.startswith("warning: ") for w in out["file_warnings"]), out["file_warnings"]
    table = tmp_path / "qa.csv"
    table.write_text("prompt,completion,source\n" + "".join(f"Q{i}?,A{i}.,web\n" for i in range(4)))
    assert main(["batch", str(table), "--model", str(tiny_model_dir), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "Not used: source (--map COLUMN=FIELD to use one)." in out["notes"], out["notes"]


def _chat(question: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


def _keyed(tmp_path, nested: bool = False) -> str:
    """A .json file that holds its own split: 'train' (4 items) and 'test' (2), one key further in when `nested`."""
    rows = [_chat(f"Q{i}?", f"A{i}.") for i in range(6)]
    value = {"train": rows[:4], "test": rows[4:]}
    path = tmp_path / "splits.json"
    path.write_text(json.dumps({"data": value} if nested else value))
    return str(path)


def test_batch_leaves_out_the_split_note_and_says_which_rows_it_counts(tmp_path, tiny_model_dir, capsys):
    """`batch` of a file holding its own split printed json_layout's "Where a split is made of it, ..." though batch
    makes no split, and counted every key's rows without a word: the note is left out, by its mark, and a note of
    its own says the counts are of all keys, a run training on 'train' alone."""
    for nested in (False, True):
        data = _keyed(tmp_path, nested)
        assert main(["batch", data, "--model", str(tiny_model_dir)]) == 0
        out = capsys.readouterr()
        assert out.out.startswith("6 rows,"), out.out  # both keys' rows
        assert "Where a split is made" not in out.err, out.err
        assert (
            f"note: {data} holds its own split: these counts are of the rows of all its keys, 'train' (4 items), "
            "'test' (2 items), read in that order; a run on it trains on the rows of 'train' alone ('test' held out)."
        ) in out.err, out.err
        assert main(["batch", data, "--model", str(tiny_model_dir), "--json"]) == 0
        notes = json.loads(capsys.readouterr().out)["notes"]
        assert not any("Where a split is made" in n for n in notes) and any("all its keys" in n for n in notes)


def test_evaluate_leaves_out_the_split_note_of_a_file_holding_its_split_one_key_in(
    varied_dir, adapter_template, tmp_path, capsys
):
    """edf1696c left the note out by its opening words, so `{"data": {"train": [...], "test": [...]}}`, whose note
    opens "The rows are read from under the key 'data'; the file holds its own split", still said "Where a split
    is made of it" on `evaluate --data`, which makes none: the note is now left out by its mark."""
    from ftlib import workspace
    from ftlib.testing import make_run

    workspace.save_split("keyed-h290", [_chat("Name a river.", "The Rhine.")], [_chat("Name a hill.", "Kinder.")])
    make_run("keyed-run", {"model": str(varied_dir), "dataset": "keyed-h290"}, adapter=adapter_template)
    data = _keyed(tmp_path, nested=True)
    assert main(["evaluate", "keyed-run", "--data", data, "--max-new-tokens", "2", "--json"]) == 0
    err = capsys.readouterr().err
    assert "Where a split is made" not in err and "holds its own split: only its held-out key 'test'" in err, err
