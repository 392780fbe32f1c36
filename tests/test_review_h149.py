"""Helper 149's review of the evaluate side: each test failed before its fix."""

from __future__ import annotations

import json

from ftlib import workspace
from ftlib.cli import main
from ftlib.testing import make_run

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
