"""Hermes function-calling rows as other exports write them (ftlib/hermes_rows.py), checked against what transformers'
`apply_chat_template` renders with the built-in hermes template and Qwen2.5's own (tests/fixtures/templates):

- the results of the assistant's calls written in the user's turn, a `<tool_response>` block each (as Qwen2.5's
  template renders them): they stayed a user turn, the tools' answers read as the user's words;
- the system text's sentences that a tool template writes itself ("You are provided with function signatures within
  <tools></tools> XML tags", "You may call one or more functions ..."): kept, the hermes template's system prompt said
  them twice; a lead-in with "e.g." was cut at the abbreviation, leaving "..., e.g." dangling; and a lead-in left
  last once such a sentence went ("Use these tools:" before it) stayed, dangling;
- consecutive ShareGPT `function_call` turns, one call each: two assistant turns one after another, not one turn of
  parallel calls as ms-swift's consecutive `tool_call` turns are read.

The content is ours (a cyclist's day out: the forecast and a bike shop's hours); the shapes are the exports'.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftlib.data import load_bytes
from ftlib.templates import get_template, render
from ftlib.tokens import encode_row

QWEN = (Path(__file__).parent / "fixtures" / "templates" / "qwen2_5.jinja").read_text()
RAIN = {
    "type": "function",
    "function": {
        "name": "rain_chance",
        "description": "Chance of rain this afternoon in a town",
        "parameters": {"type": "object", "properties": {"town": {"type": "string"}}, "required": ["town"]},
    },
}
SHOP = {"name": "shop_hours", "description": "A bike shop's opening hours", "parameters": {"type": "object"}}
RAIN_CALL = {"name": "rain_chance", "arguments": {"town": "Ghent"}}
SHOP_CALL = {"name": "shop_hours", "arguments": {}}
WET, OPEN = '{"chance": 0.2}', '{"open": "09:00-18:00"}'
ASK = {"from": "human", "value": "Can I ride to Ghent this afternoon, and is the bike shop open?"}
ANSWER = {"from": "gpt", "value": "A 20% chance of rain; the shop is open 09:00-18:00."}


def calls(*said: dict) -> dict:
    return {"from": "gpt", "value": "\n".join(f"<tool_call>\n{json.dumps(c)}\n</tool_call>" for c in said)}


def results(*said: str, by: str = "human") -> dict:
    return {"from": by, "value": "\n".join(f"<tool_response>\n{r}\n</tool_response>" for r in said)}


def read(*turns: dict, tools: list | str | None = (RAIN, SHOP)) -> dict:
    row = {"conversations": list(turns)} | (
        {"tools": list(tools) if isinstance(tools, tuple) else tools} if tools else {}
    )
    result = load_bytes((json.dumps(row) + "\n").encode(), "export.jsonl")
    assert result.errors == [] and result.warnings == [] and result.valid_rows == 1, (result.errors, result.warnings)
    return result.rows[0] | {"notices": [n.message for n in result.notices]}


# (id, the turns after the question, the roles read, the tool turns' (content, name))
USER_RESULTS = [
    ("one result", [calls(RAIN_CALL), results(WET)], ["assistant", "tool"], [(WET, "rain_chance")]),
    (
        "parallel results in one user turn",
        [calls(RAIN_CALL, SHOP_CALL), results(WET, OPEN)],
        ["assistant", "tool", "tool"],
        [(WET, "rain_chance"), (OPEN, "shop_hours")],
    ),
    (
        "a user turn for each result",
        [calls(RAIN_CALL, SHOP_CALL), results(WET), results(OPEN)],
        ["assistant", "tool", "tool"],
        [(WET, "rain_chance"), (OPEN, "shop_hours")],
    ),
    (
        "after a ShareGPT function_call turn",
        [{"from": "function_call", "value": json.dumps(RAIN_CALL)}, results(WET)],
        ["assistant", "tool"],
        [(WET, None)],
    ),
]


@pytest.mark.parametrize(("case", "turns", "roles", "tools"), USER_RESULTS, ids=[c[0] for c in USER_RESULTS])
def test_a_user_turn_of_results_after_the_calls_is_read_as_tool_turns(case, turns, roles, tools):
    row = read(ASK, *turns, ANSWER)
    messages = row["messages"]
    assert [m["role"] for m in messages] == ["user", *roles, "assistant"]
    assert [(m["content"], m.get("name")) for m in messages if m["role"] == "tool"] == tools
    assert any(
        "user turns made only of <tool_response> blocks, right after the assistant's calls" in n
        for n in row["notices"]
    )


def test_a_user_turn_of_results_is_named_after_the_calls_not_after_the_user():
    """OpenAI's messages name a user by `name` ("ana", a chat log's speaker): the results her turn holds are the
    tools', named after the calls they answer (the tool turn was named "ana")."""
    said = [
        {"role": "user", "name": "ana", "content": ASK["value"]},
        {"role": "assistant", "content": calls(RAIN_CALL, SHOP_CALL)["value"]},
        {"role": "user", "name": "ana", "content": results(WET, OPEN)["value"]},
        {"role": "assistant", "content": ANSWER["value"]},
    ]
    result = load_bytes((json.dumps({"messages": said, "tools": [RAIN, SHOP]}) + "\n").encode(), "chat_log.jsonl")
    assert result.errors == [] and result.valid_rows == 1, result.errors
    tools = [(m["content"], m.get("name")) for m in result.rows[0]["messages"] if m["role"] == "tool"]
    assert tools == [(WET, "rain_chance"), (OPEN, "shop_hours")]


# (id, the turns after the question): the user's turn is left as written
LEFT = [
    ("text beside the block", [calls(RAIN_CALL), {"from": "human", "value": results(WET)["value"] + "\nThanks!"}]),
    ("a block never closed", [calls(RAIN_CALL), {"from": "human", "value": "<tool_response>\n" + WET}]),
    ("no call before it", [{"from": "gpt", "value": "Which town?"}, results(WET)]),
    ("after the answer to the calls", [calls(RAIN_CALL), results(WET, by="tool"), ANSWER, results(OPEN)]),
]


@pytest.mark.parametrize(("case", "turns"), LEFT, ids=[c[0] for c in LEFT])
def test_a_user_turn_that_is_not_only_results_after_calls_stays_the_users(case, turns):
    row = read(ASK, *turns, ANSWER)
    last_user = [m for m in row["messages"] if m["role"] == "user"][-1]
    assert last_user["content"] == turns[-1]["value"] and "<tool_response>" in last_user["content"]
    assert not any("user turns made only of <tool_response>" in n for n in row["notices"])


def test_results_in_a_user_turn_render_as_the_tool_turn_they_are(smol_tokenizer):
    """The export as Qwen2.5 renders it (results in a user turn) is read back as the tool turns it rendered: Qwen2.5's
    template writes the same text again, and the hermes template writes its own tool turn, masked."""
    both = (RAIN_CALL, SHOP_CALL)
    row = read(ASK, calls(*both), results(WET, OPEN), ANSWER, tools=[RAIN, SHOP])
    messages, tools = row["messages"], row["tools"]
    assert messages == [
        {"role": "user", "content": ASK["value"]},
        {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": c} for c in both]},
        {"role": "tool", "content": WET, "name": "rain_chance"},
        {"role": "tool", "content": OPEN, "name": "shop_hours"},
        {"role": "assistant", "content": ANSWER["value"]},
    ]
    qwen = smol_tokenizer.apply_chat_template(messages, chat_template=QWEN, tools=tools, tokenize=False)
    assert "<|im_start|>user\n" + results(WET, OPEN)["value"] + "<|im_end|>" in qwen  # as the export wrote it
    hermes = get_template("hermes", smol_tokenizer)
    text = render(hermes, messages, tools=tools)
    assert text == smol_tokenizer.apply_chat_template(
        messages, chat_template=hermes.source, tools=tools, tokenize=False
    )
    assert "<|im_start|>tool\n" + results(WET, OPEN)["value"] + "<|im_end|>" in text
    encoded = encode_row({k: row[k] for k in ("messages", "tools")}, smol_tokenizer, "hermes")
    trained = "".join(t.text for t in encoded.tokens if t.trained)
    assert trained == calls(RAIN_CALL, SHOP_CALL)["value"] + "<|im_end|>" + ANSWER["value"] + "<|im_end|>"


HERMES_V1 = (
    "You are a function calling AI model. You are provided with function signatures within <tools> </tools> XML tags. "
    "You may call one or more functions to assist with the user query. Don't make assumptions about what values to "
    "plug into functions."
)
# (id, the system text before <tools>, what the system turn keeps): every other sentence, as written
SYSTEMS = [
    (
        "hermes-function-calling-v1",
        HERMES_V1,
        "You are a function calling AI model. Don't make assumptions about what values to plug into functions.",
    ),
    (
        "Hermes-2-Pro's prompt",
        HERMES_V1 + " Here are the available tools:",
        "You are a function calling AI model. Don't make assumptions about what values to plug into functions.",
    ),
    (
        "Qwen2.5's own tools section, rendered into the export",
        "You are a cycling guide.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        "You are provided with function signatures within <tools></tools> XML tags:",
        "You are a cycling guide.",
    ),
    (
        "headings: one left with nothing under it goes, one over the file's own words stays",
        "# Rules\n\nNever guess a town's name.\n\n## Tools\n\nYou may call one or more functions to assist with the "
        "user query.",
        "# Rules\n\nNever guess a town's name.",
    ),
    (
        "a lead-in with an abbreviation",
        "Never guess a town's name.\nYou are provided with function signatures within <tools></tools> XML tags.\n"
        "Call one only when asked, e.g. rain_chance:",
        "Never guess a town's name.",
    ),
    (
        "sentences that only mention the tools: kept",
        "Use only the functions within <tools></tools> tags. You may call them in parallel.",
        "Use only the functions within <tools></tools> tags. You may call them in parallel.",
    ),
]


@pytest.mark.parametrize(("case", "before", "kept"), SYSTEMS, ids=[c[0] for c in SYSTEMS])
def test_the_system_prompt_says_the_templates_tool_instructions_once(smol_tokenizer, case, before, kept):
    opening = {"from": "system", "value": f"{before}\n<tools>\n{json.dumps([RAIN])}\n</tools>\nCall in tags."}
    row = read(opening, ASK, calls(RAIN_CALL), results(WET, by="tool"), ANSWER, tools=None)
    messages = row["messages"]
    assert messages[0] == {"role": "system", "content": kept} and row["tools"] == [RAIN]
    hermes = get_template("hermes", smol_tokenizer)
    for source in (hermes.source, QWEN):
        text = smol_tokenizer.apply_chat_template(messages, chat_template=source, tools=row["tools"], tokenize=False)
        system = text[: text.index("<|im_end|>")]
        # The template's own instructions once each, after the sentences the file's system text adds
        assert system.count("function signatures within") == 1, system
        assert system.count("You may call one or more functions to assist") == 1, system
        assert system.count("# Tools") <= 1, system  # Qwen2.5's heading of its tools section, once
        assert system.startswith("<|im_start|>system\n" + kept + "\n\n")
        if source == hermes.source:  # the studio renders what transformers does
            assert render(hermes, messages, tools=row["tools"]) == text


SIGNATURES = "You are provided with function signatures within <tools></tools> XML tags."
# (id, the system text before <tools>, what the system turn keeps: None for no system turn). A lead-in ending with
# ":" that is last only once the template's sentence after it went led into the block too, and dangled as well.
REVEALED = [
    ("the lead-in alone once the sentence went", f"Use these tools:\n{SIGNATURES}", None),
    ("after the file's own sentence", f"Never guess a town's name. Use these tools:\n{SIGNATURES}",
     "Never guess a town's name."),
    ("the user's sentence after it: kept", f"Use these tools:\n{SIGNATURES} Answer in the rider's language.",
     "Use these tools:\nAnswer in the rider's language."),
    ("no lead-in", f"Never guess a town's name.\n{SIGNATURES}", "Never guess a town's name."),
    ("that sentence only", f"Rules:\nUse these tools:\n{SIGNATURES}", "Rules:"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "before", "kept"), REVEALED, ids=[c[0] for c in REVEALED])
def test_a_lead_in_left_last_by_the_templates_sentence_leaves_with_it(case, before, kept):
    opening = {"from": "system", "value": f"{before}\n<tools>\n{json.dumps([RAIN])}\n</tools>\nCall in tags."}
    row = read(opening, ASK, calls(RAIN_CALL), results(WET, by="tool"), ANSWER, tools=None)
    first = {"role": "system", "content": kept} if kept is not None else {"role": "user", "content": ASK["value"]}
    assert row["messages"][0] == first and row["tools"] == [RAIN]


def test_consecutive_sharegpt_function_call_turns_are_one_turn_of_parallel_calls(smol_tokenizer):
    said = [{"from": "function_call", "value": json.dumps(c)} for c in (RAIN_CALL, SHOP_CALL)]
    observed = [{"from": "observation", "value": r} for r in (WET, OPEN)]
    row = read(ASK, *said, *observed, ANSWER, tools=json.dumps([RAIN, SHOP]))  # as a ShareGPT export writes them
    messages = row["messages"]  # no warning "turns 2 and 3 are both from the assistant" (read checks)
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "tool", "assistant"]
    assert [c["function"] for c in messages[1]["tool_calls"]] == [RAIN_CALL, SHOP_CALL]
    assert any("consecutive `function_call` turns were read as one assistant turn" in n for n in row["notices"])
    hermes = get_template("hermes", smol_tokenizer)
    text = render(hermes, messages, tools=row["tools"])
    assert text == smol_tokenizer.apply_chat_template(
        messages, chat_template=hermes.source, tools=row["tools"], tokenize=False
    )
    assert text.count("<|im_start|>assistant") == 2 and calls(RAIN_CALL, SHOP_CALL)["value"] + "<|im_end|>" in text
    # A turn of the JSON list LLaMA-Factory writes for parallel calls joins the next turn's calls
    listed = [{"from": "function_call", "value": json.dumps([RAIN_CALL, SHOP_CALL])}, said[0]]
    row = read(ASK, *listed, *observed, {"from": "observation", "value": WET}, ANSWER)
    assert [c["function"]["name"] for c in row["messages"][1]["tool_calls"]] == ["rain_chance", "shop_hours"] * 1 + [
        "rain_chance"
    ]
