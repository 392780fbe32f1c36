"""A row's `tools` reach every reward and GRPO's prompts: a reward model scores a pair with tools on the ids it trained
on (the tool schemas rendered in), GRPO keeps prompts that differ only in their tools apart (each prompted with its
own, each reward given its own), and the reward preview counts them as two prompts."""

from __future__ import annotations

import json

import pytest
import torch

from ftlib.alignment import prompt_parts, prompt_text
from ftlib.reward_preview import flat_prompts, preview_prompt
from ftlib.rewards import REGISTRY_ENV, RewardModel, build_rewards, score_completions
from ftlib.tokens import encode_row
from ftlib.training import build_trainer
from tests.test_alignment import _steady
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


# ---------------------------------------------------------------------------------------------------------------
# GRPO
# ---------------------------------------------------------------------------------------------------------------

# Registered (operator) reward functions: one takes the tools, one is written the old way and must keep working.
REGISTERED = """
def count_tools(prompt, completion, tools=None):
    return float(len(tools or []))

def takes_all(prompt, completion, **kwargs):
    return 10.0 * len(kwargs.get("tools") or [])

def old_style(prompt, completion):
    return 1.0 + len(prompt)
"""


@pytest.fixture
def registered(tmp_path, monkeypatch):
    module = tmp_path / "tool_rewards.py"
    module.write_text(REGISTERED)
    registry = tmp_path / "rewards.json"
    registry.write_text(json.dumps({n: f"{module}:{n}" for n in ("count_tools", "takes_all", "old_style")}))
    monkeypatch.setenv(REGISTRY_ENV, str(registry))
    return [{"function": "count_tools"}, {"function": "takes_all"}, {"function": "old_style"}]


def test_prompt_text_round_trips_turns_and_tools():
    assert prompt_text(QUESTION) == json.dumps(QUESTION)  # a tool-less prompt's text is what it always was
    assert prompt_parts(prompt_text(QUESTION)) == (QUESTION, None)
    assert prompt_parts(prompt_text(QUESTION, TOOLS)) == (QUESTION, TOOLS)
    assert prompt_text(QUESTION, TOOLS) != prompt_text(QUESTION) and prompt_text(QUESTION, []) == prompt_text(QUESTION)


def test_grpo_prompts_that_differ_only_in_tools_are_prompted_and_rewarded_each_with_its_own(
    varied_model, tmp_path, registered
):
    rows = [{"prompt": QUESTION, "tools": TOOLS}, {"prompt": QUESTION}]
    settings = dict(grpo_group_size=2, batch_size=2, template="hermes", max_length=512, grpo_max_new_tokens=4)
    config = _steady(varied_model(3), method="grpo", rewards=registered, **settings)
    prepared = build_trainer(config, tmp_path, rows=(rows, []))
    trainer = prepared.trainer
    prompts = list(trainer.train_dataset["prompt"])
    assert len(set(prompts)) == 2 and prompt_parts(prompts[0]) == (QUESTION, TOOLS)

    trainer.model.train()
    inputs = [{"prompt": p} for p in prompts for _ in range(2)]  # TRL repeats each prompt group-size times
    output = trainer._generate_and_score_completions(inputs)
    # Each prompt's ids are its own rendering: with the tools for the first, without for the second.
    want = [encode_row(row, prepared.tokenizer, prepared.template).input_ids for row in rows]
    ids = output["prompt_ids"][output["prompt_mask"].bool()].split([int(n) for n in output["prompt_mask"].sum(1)])
    assert [t.tolist() for t in ids] == [want[0], want[0], want[1], want[1]]
    texts = [prepared.tokenizer.decode(w) for w in want]
    assert "get_weather" in texts[0] and "get_weather" not in texts[1]
    rewards = trainer._logs["rewards"]
    assert list(rewards["count_tools"]) == [2.0, 2.0, 0.0, 0.0]  # as registered: given each prompt's own tools
    assert list(rewards["takes_all"]) == [20.0, 20.0, 0.0, 0.0]  # **kwargs: given them too
    assert list(rewards["old_style"]) == [2.0, 2.0, 2.0, 2.0]  # written without tools: called as it always was


def test_score_completions_passes_each_answers_tools_to_every_reward(registered):
    rewards = build_rewards(registered + [{"regex": "a"}])
    table = score_completions(rewards, [QUESTION, QUESTION], ["a", "b"], [TOOLS, None])
    assert table.scores == {
        "count_tools": [2.0, 0.0],
        "takes_all": [20.0, 0.0],
        "old_style": [2.0, 2.0],
        "regex": [1.0, 0.0],
    }
    assert score_completions(rewards, [QUESTION], ["a"]).scores["count_tools"] == [0.0]  # no tools given: none


# ---------------------------------------------------------------------------------------------------------------
# The reward preview
# ---------------------------------------------------------------------------------------------------------------


def test_the_preview_counts_prompts_that_differ_only_in_tools_as_two(varied_model, registered):
    from ftlib.models import load_model, load_tokenizer
    from ftlib.reward_preview import preview_rewards

    model_dir = varied_model(3)
    config = _steady(
        model_dir, method="grpo", rewards=registered[:1], grpo_group_size=2, template="hermes", max_length=512
    )
    model, tokenizer = load_model(str(model_dir), device="cpu"), load_tokenizer(str(model_dir))
    rows = [{"prompt": QUESTION, "tools": TOOLS}, {"prompt": QUESTION}]
    table = preview_rewards(model, tokenizer, config, rows, prompts=2)
    assert [r["count_tools"] for r in table] == [2.0, 2.0, 0.0, 0.0]  # each prompt scored with its own tools
    assert [r.get("tools") for r in table] == [TOOLS, TOOLS, None, None]
    assert len({preview_prompt(r) for r in table}) == 2
    assert flat_prompts(table)[1] == 2
    same_last_turn = [{"prompt": "Hi", "messages": QUESTION, "advantage": 0.0, "tools": TOOLS}]
    assert flat_prompts(same_last_turn + [{**same_last_turn[0], "tools": None}]) == (2, 2)


def _draw_preview(rows):
    from ui.alignment_view import preview_table

    preview_table(rows)


def test_the_preview_table_shows_prompts_that_differ_only_in_tools_apart_with_their_tools():
    from streamlit.testing.v1 import AppTest

    def answers(tools):
        return [
            {"prompt": QUESTION[-1]["content"], "answer": f"Answer {i}", "regex": float(i), "total": float(i)}
            | {"advantage": 0.5 - i, "messages": QUESTION, **({"tools": tools} if tools else {})}
            for i in range(2)
        ]

    at = AppTest.from_function(_draw_preview, args=(answers(TOOLS) + answers(None),)).run()
    assert not at.exception
    assert [m.value for m in at.markdown if m.value.startswith("**Prompt ")] == [
        "**Prompt 1:** Is it cold in Oslo?",
        "**Prompt 2:** Is it cold in Oslo?",
    ]
    (folded,) = at.expander  # only the prompt with tools has more to show than its one turn
    assert "**tools**: `get_weather`, `get_time`" in [m.value for m in folded.markdown]
    tables = [h.proto.body for h in at.get("html")]
    assert len(tables) == 2 and not any("<th>tools</th>" in t for t in tables)
