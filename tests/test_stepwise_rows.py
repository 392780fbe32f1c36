"""TRL's stepwise supervision rows (a `prompt`, its steps in `completions`, a label a step in `labels`: a process
reward model's data) are refused saying what they are and what to write instead, not read as GRPO's prompts with the
steps and labels passed to the reward functions as columns. The content is ours; the shape is TRL's.
"""

from __future__ import annotations

import json

import pytest

from ftlib.data import MappingNeeded, load_bytes

ROWS = [
    {"prompt": f"What is {i} + 1?", "completions": [f"{i} plus one", f"is {i + 1}."], "labels": [True, i % 2 == 0]}
    for i in range(4)
]


def jsonl(rows) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def test_stepwise_rows_are_named_with_what_to_write():
    with pytest.raises(MappingNeeded) as refused:
        load_bytes(jsonl(ROWS), "prm.jsonl")
    said = str(refused.value)
    assert "its rows look like TRL's stepwise supervision" in said and "PRMTrainer" in said
    assert "join them into one `completion`" in said


def test_prompt_only_given_reads_the_prompts_and_a_prompt_with_one_answer_list_stays_a_prompt():
    assert load_bytes(jsonl(ROWS), "prm.jsonl", fmt="prompt_only").valid_rows == 4
    answers = [{"prompt": f"What is {i} + 1?", "answer": [str(i + 1), f"{i + 1}.0"]} for i in range(4)]
    assert load_bytes(jsonl(answers), "grpo.jsonl").format == "prompt_only"
