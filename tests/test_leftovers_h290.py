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
