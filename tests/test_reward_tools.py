"""A row's `tools` reach a reward model: it scores a pair with tools on the ids it trained on (the tool schemas
rendered in), not on the tool-less rendering."""

from __future__ import annotations

import pytest
import torch

from ftlib.rewards import RewardModel
from ftlib.training import build_trainer
from tests.test_training import tiny_config

# Two tools whose schemas the "hermes" template writes into the system turn: a row with them renders other text.
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city today.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    },
    {
        "type": "function",
        "function": {"name": "get_time", "description": "The time now.", "parameters": {"type": "object"}},
    },
]
QUESTION = [{"role": "user", "content": "Is it cold in Oslo?"}]
TOOL_PAIRS = [
    {
        "prompt": [{"role": "user", "content": f"Is it cold in city number {i}?"}],
        "chosen": [{"role": "assistant", "content": f"Let me check the weather in city {i}."}],
        "rejected": [{"role": "assistant", "content": "No idea."}],
        "tools": TOOLS,
    }
    for i in range(4)
]


# ---------------------------------------------------------------------------------------------------------------
# A reward model
# ---------------------------------------------------------------------------------------------------------------


def test_a_reward_model_scores_a_row_with_tools_on_the_ids_it_trained_on(tiny_model_dir, tmp_path):
    config = tiny_config(tiny_model_dir, method="reward", template="hermes", max_length=512)
    prepared = build_trainer(config, tmp_path, rows=(TOOL_PAIRS, []))
    trained_on = prepared.trainer.train_dataset["chosen_ids"]
    model = prepared.trainer.model.eval()
    torch.manual_seed(0)
    with torch.no_grad():  # a score head of zeros scores everything 0: spread it, so scores can differ
        for name, p in model.named_parameters():
            if "score" in name:
                p.normal_(0, 0.5)
    reward = RewardModel(model, prepared.tokenizer, prepared.template, config.max_length)
    for row, ids in zip(TOOL_PAIRS, trained_on, strict=True):
        answer = row["chosen"][0]["content"]
        assert reward.encode(row["prompt"], answer, row["tools"]) == ids
        assert reward.encode(row["prompt"], answer) != ids  # the tool-less rendering is other text
    # The tools are in what training saw (the pair's own encoding, rendered with its schemas).
    text = prepared.tokenizer.decode(trained_on[0])
    assert "get_weather" in text and "get_time" in text

    prompt, answers = TOOL_PAIRS[0]["prompt"], ["Let me check the weather in city 0.", "No idea."]
    with_tools, without = reward.score(prompt, answers, TOOLS), reward.score(prompt, answers)
    assert with_tools == pytest.approx(reward.score_ids([trained_on[0], reward.encode(prompt, answers[1], TOOLS)]))
    assert all(abs(a - b) > 1e-6 for a, b in zip(with_tools, without, strict=True))
    # GRPO's reward: one score per (prompt, answer), each with its own row's tools.
    many = reward.score_many([prompt, prompt], [answers[0], answers[0]], [TOOLS, None])
    assert many == pytest.approx([with_tools[0], without[0]])
