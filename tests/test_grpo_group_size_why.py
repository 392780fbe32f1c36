"""GRPO's answers per prompt (`grpo_group_size`) refused below 2, saying why in the CLI and on the Train page alike
(helper 202's walk: "1 is out of range; use a number at least 2 and at most 64", and no word of why)."""

from __future__ import annotations

import json

import pytest

from ftlib import workspace
from ftlib.cli import main
from ftlib.config import ConfigError, RunConfig
from tests.test_pages_alignment import PROMPT_ROWS
from tests.test_pages_train import page

# Why a GRPO group needs two answers, as both the Train form and the CLI must say it.
GROUP_WHY = (
    "advantage is its reward minus the mean of its group's rewards (GRPO, DeepSeekMath: arXiv 2402.03300)",
    "1 answer per prompt gives every answer an advantage of 0",
    "4, the default",
)


def test_a_group_of_one_answer_is_refused_saying_why_in_the_config_and_the_cli(tmp_path, capsys, tiny_model_dir):
    """`grpo_group_size` 1 said only "must be at least 2 and at most 64": not why, so a user saving compute with one
    answer per prompt could not tell that it would learn nothing. The refusal now says GRPO's advantage (reward
    minus the group's mean) is 0 for a group of one, cites the method's paper, and what to choose."""
    with pytest.raises(ConfigError) as refused:
        RunConfig(method="grpo", rewards=[{"regex": "^Ahoy"}], grpo_group_size=1)
    said = str(refused.value)
    assert all(part in said for part in GROUP_WHY), said
    data = tmp_path / "prompts.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in PROMPT_ROWS))
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", str(data), "--method", "grpo"]
    assert main([*argv, "--rewards", '[{"regex": "^Ahoy"}]', "--grpo-group-size", "1", "--detach"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: `grpo_group_size` must be at least 2") and len(err.splitlines()) == 1, err
    assert all(part in err for part in GROUP_WHY), err


def test_a_group_of_one_answer_is_refused_on_the_train_page_in_the_clis_words(tiny_model_dir):
    workspace.save_split("pirate", PROMPT_ROWS[:8], PROMPT_ROWS[8:])
    at = page(tiny_model_dir)
    assert at.radio(key="train_method").value == "grpo"
    at.number_input(key="train_grpo_group_size").set_value(1).run()
    assert not at.exception
    (refusal,) = [e.value for e in at.error if e.value.startswith("**Answers per prompt**")]
    assert refusal.startswith("**Answers per prompt**: 1 is out of range; use a number at least 2 and at most 64; ")
    assert all(part in refusal for part in GROUP_WHY), refusal
    assert not any(b.key == "train_start" for b in at.button)
