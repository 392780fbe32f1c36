"""`python -m ftlib evaluate`'s text output named its figures by the aggregates' internal keys (`cut_rows: 6`,
`rows_improved: 0.8333`, `mean_row_tuned_loss`, `row_change_lower`): a user read names, not words, and shares as
fractions. The text now says each in words (`ftlib.commands.evaluate_words`), how sure a change is once, on its
`how sure:` line; `--json` keeps every key as it was, for scripts and tests."""

from __future__ import annotations

import json

from ftlib import workspace
from ftlib.cli import main
from ftlib.commands.evaluate_words import aggregate_lines
from ftlib.reward_eval import PairResult, PairScore, RewardedAnswers, RewardResult
from ftlib.testing import make_run

CHATS = [
    {
        "messages": [
            {"role": "user", "content": f"Name colour {i}."},
            {"role": "assistant", "content": f"Blue {i}. " * 6},
        ]
    }
    for i in range(5)
]
PROMPT_ONLY = {"prompt": [{"role": "user", "content": "Write a line about tea."}]}  # skipped: no reference
PAIRS = [
    {
        "prompt": [{"role": "user", "content": f"Pick a fruit, round {i}."}],
        "chosen": [{"role": "assistant", "content": "A pear."}],
        "rejected": [{"role": "assistant", "content": "Gravel."}],
    }
    for i in range(3)
]
# Keys whose word is the key itself: a DPO run's beta, a switch template's thinking.
WORDS_ALREADY = {"beta", "thinking"}


def keys_printed(out: str, agg: dict) -> list[str]:
    return [key for key in agg if key not in WORDS_ALREADY and f"\n{key}: " in "\n" + out]


def text_and_json(capsys, run_id: str) -> tuple[str, dict]:
    assert main(["evaluate", run_id, "--max-new-tokens", "2"]) == 0
    out = capsys.readouterr().out
    assert main(["evaluate", run_id, "--max-new-tokens", "2", "--json"]) == 0
    return out, json.loads(capsys.readouterr().out)


def test_evaluate_prints_its_figures_in_words_and_keeps_the_json_keys(capsys, varied_dir, adapter_template):
    rows = [*CHATS, PROMPT_ONLY]
    workspace.save_split("colours", rows[:1], rows, {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "colours", "template": "tokenizer", "method": "lora"}
    make_run("run-words", config | {"max_length": 40}, adapter=adapter_template)  # 40 tokens: answers cut
    out, agg = text_and_json(capsys, "run-words")
    assert {"cut_rows", "rows_improved", "mean_row_tuned_loss", "row_change_lower", "skipped"} <= set(agg)  # --json
    assert keys_printed(out, agg) == [], out
    lines = out.splitlines()
    assert lines[:3] == [
        "tuned model: run-words",
        f"base model: {varied_dir}",
        "chat template: tokenizer (the model's own)",
    ]
    assert f"rows cut at the run's max length: {agg['cut_rows']}" in lines and agg["cut_rows"] > 0
    assert f"closer to the reference (tuned loss lower): {agg['rows_improved']:.1%} of rows" in lines
    assert "rows skipped: 1 (why: below)" in lines
    assert "row_change" not in out and any(line.startswith("how sure: ") for line in lines)  # said once, in words


def test_a_dpo_runs_pairs_and_margins_are_in_words(capsys, varied_dir, adapter_template):
    workspace.save_split("fruit-pairs", PAIRS[:1], PAIRS)
    config = {"model": str(varied_dir), "dataset": "fruit-pairs", "method": "dpo", "beta": 0.25}
    make_run("run-dpo-words", config, adapter=adapter_template)
    out, agg = text_and_json(capsys, "run-dpo-words")
    assert keys_printed(out, agg) == [], out
    assert f"moved toward the chosen answer (reward accuracy): {agg['reward_accuracy']:.1%} of pairs" in out
    assert "note: TRL's reward margin is beta x the mean reward margin (0.25 x " in out


def test_a_reward_models_and_a_grpo_runs_figures_are_in_their_own_words():
    pairs = PairResult("rm", [PairScore(i, "Q?", "A.", "B.", 1.0 + i, 0.5) for i in range(3)])
    lines = aggregate_lines(pairs.aggregates())
    assert "pairs scored: 3" in lines and "accuracy (chosen answer scored higher): 100.0% of pairs" in lines
    assert keys_printed("\n".join(lines), pairs.aggregates()) == []
    answers = RewardedAnswers(0, "Hi", "Hello.", "Ahoy!", {"regex": 0.0}, {"regex": 1.0}, 0.0, 1.0)
    rewarded = RewardResult("grpo", ["regex"], [answers], weights={"regex": 1.0}, labels={"regex": "regex '^Ahoy'"})
    lines = aggregate_lines(rewarded.aggregates())
    assert "prompts answered: 1" in lines and "tuned answer scores higher: 100.0% of prompts" in lines
    assert "tuned reward, regex: 1.0000" in lines and "rewards: regex = regex '^Ahoy'" in lines
    assert keys_printed("\n".join(lines), rewarded.aggregates()) == []
