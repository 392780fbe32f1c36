"""Helper 149's review of the evaluate side: each test failed before its fix."""

from __future__ import annotations

import json

from ftlib import workspace
from ftlib.cli import main
from ftlib.testing import make_run

CHAT = {"messages": [{"role": "user", "content": "Hi."}, {"role": "assistant", "content": "Hello."}]}
PROMPTS = [{"prompt": [{"role": "user", "content": p}]} for p in ("Write a line about tea.", "Name a colour.", "Hi.")]


def test_a_data_files_prompts_lacking_a_rewards_column_are_not_called_held_out(
    capsys, varied_dir, adapter_template, tmp_path
):
    """`evaluate RUN --data FILE` of a GRPO run whose reward reads `answer`, on a file without it: the refusal called
    the file's rows "3 held-out prompts", as if the run's own held-out split lacked the column."""
    rows = [{**p, "columns": {"answer": a}} for p, a in zip(PROMPTS, ("tea", "red", "hi"), strict=True)]
    workspace.save_split("graded-h149", rows, rows)
    config = {"method": "grpo", "model": str(varied_dir), "dataset": "graded-h149"}
    make_run("graded-h149-run", {**config, "rewards": [{"contains_column": "answer"}]}, adapter=adapter_template)
    file = tmp_path / "asked.jsonl"
    file.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in ("Pick a tea.", "Pick a hue.", "Say hey.")))
    assert main(["evaluate", "graded-h149-run", "--data", str(file), "--max-new-tokens", "2"]) == 2
    err = capsys.readouterr().err
    said = next(line for line in err.splitlines() if line.startswith("error: "))
    assert "reads the column 'answer', which 3 prompts ('Pick a tea.', ...) do not have" in said, said
    assert "held-out" not in said, said


def test_the_margin_note_gives_a_small_margin_as_evaluate_prints_it():
    """A DPO/KTO margin early in training (0.0047, a held-out one in a KTO review) was printed as
    `mean_reward_margin: 0.0047` and `trl_reward_margin: 0.0005`, and the note after them said "0.1 x 0.00 = 0.00"."""
    from ftlib.loss_words import reward_margin_note

    assert reward_margin_note(0.1, 0.0047).startswith(
        "trl_reward_margin is beta x mean_reward_margin (0.1 x 0.0047 = 0.0005): "
    )


LONG_ASK = "Read this first. " + " ".join(f"Point {n} of the brief is plain." for n in range(40))


def test_a_data_files_rows_refused_before_loading_are_named_by_their_lines(
    capsys, varied_dir, adapter_template, tmp_path
):
    """`evaluate RUN --data FILE` where every answer begins past the run's max length is refused before any model
    loads; it named the rows "test rows 1, 2", counted among the rows read, where the rest of `evaluate` names a
    file's rows by their place in it: with an unreadable first line they are lines 2 and 3."""
    workspace.save_split("plain-h149", [CHAT], [CHAT])
    # A finished run (its adapter there): a run with no result is refused first, before its rows are read (c344559e)
    config = {"model": str(varied_dir), "dataset": "plain-h149", "max_length": 32}
    make_run("cut-h149", config, adapter=adapter_template)
    rows = [{"messages": [{"role": "user", "content": LONG_ASK}, {"role": "assistant", "content": a}]} for a in "AB"]
    file = tmp_path / "long.jsonl"
    file.write_text("not json\n" + "".join(json.dumps(row) + "\n" for row in rows))
    assert main(["evaluate", "cut-h149", "--data", str(file)]) == 2
    said = next(line for line in capsys.readouterr().err.splitlines() if line.startswith("error: "))
    assert "of each of the 2 test rows (lines 2, 3) begins after it" in said, said


def test_the_refusal_does_not_call_one_row_of_three_the_only_test_row(smol_tokenizer):
    """A KTO split's held-out rows, two labelled bad (no reference answer) and one good whose answer begins past the
    max length: the refusal read "None of the 3 test rows can be evaluated ...: the reference answer (the last reply)
    of the only test row (test row 2) begins after it", three rows and the only one in one sentence."""
    from ftlib.references import nothing_scored

    def unpaired(ask: str, label: bool) -> dict:
        return {"prompt": [{"role": "user", "content": ask}], "completion": [{"role": "assistant", "content": "Ok."}],
                "label": label}  # fmt: skip

    rows = [unpaired("Hi.", False), unpaired(LONG_ASK, True), unpaired("Yo.", False)]
    said = nothing_scored(rows, smol_tokenizer, "chatml", 32)
    assert said.startswith("None of the 3 test rows can be evaluated at the run's max length of 32 tokens: "), said
    assert "of the only test row with a reference answer (test row 2) begins after it" in said, said
    both = nothing_scored([rows[1], rows[0], rows[1]], smol_tokenizer, "chatml", 32)
    assert "of each of the 2 test rows with a reference answer (test rows 1, 3) begins after it" in both, both
    assert "of the only test row (test row 1)" in nothing_scored(rows[1:2], smol_tokenizer, "chatml", 32)
