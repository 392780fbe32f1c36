"""What the tool-call check says a template that drops the calls teaches (walk 6 #6): SmolLM2's own template writes
neither the calls nor the schemas, so an assistant turn that only called a tool is rendered as an empty turn whose
end-of-turn marker is still trained right after the question. The message must say that, not that the model would
"answer as if it had" called the tool, and the fix must name a template that writes tool calls."""

from __future__ import annotations

import copy

import pytest

from ftlib.checks import preflight
from ftlib.templates import get_template
from ftlib.tokens import encode_row

CALL = {
    "id": "call_7f3a",
    "type": "function",
    "function": {"name": "get_weather", "arguments": {"city": "Lyon", "unit": "celsius"}},
}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius"]}},
                "required": ["city"],
            },
        },
    }
]
WEATHER = {
    "messages": [
        {"role": "user", "content": "Do I need an umbrella in Lyon today?"},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "call_7f3a", "content": '{"rain_mm": 4.2, "temp_c": 13}'},
        {"role": "assistant", "content": "Yes: 4.2 mm of rain is forecast in Lyon, take an umbrella."},
    ],
    "tools": TOOLS,
}


def _with(turn: int, **changes) -> dict:
    row = copy.deepcopy(WEATHER)
    row["messages"][turn].update(changes)
    return row


# (id, row, what the message must say, what it must not say)
CASES = [
    (
        "only a call: an empty reply right after the question",
        WEATHER,
        ["so that turn trains an empty reply", "right after the user's question", "answer with nothing"],
        ["as if it had", "text beside the call"],
    ),
    (
        "a call with words beside it: only the words",
        _with(1, content="Let me look that up."),
        ["trains only the text beside the call", "learns to write it alone"],
        ["empty reply", "as if it had"],
    ),
    (
        "a call in a turn that is not trained (weight 0): nothing learned from it",
        _with(1, weight=0),
        [
            "leaves out the tool calls of message 2 (an assistant reply).",
            "the tool results after them answer a call it was never",
        ],
        ["empty reply", "text beside the call", "as if it had", "learns to make one"],  # it is not trained at all
    ),
]


@pytest.mark.parametrize("row, says, never", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_message_says_what_a_turn_without_its_call_teaches(smol_tokenizer, row, says, never):
    template = get_template("tokenizer", smol_tokenizer)
    enc = encode_row(row, smol_tokenizer, template)
    check = next(c for c in preflight(enc, smol_tokenizer, template) if c.code == "tool_calls_dropped")
    assert check.severity == "error"
    for words in says:
        assert words in check.message, check.message
    for words in never:
        assert words not in check.message, check.message
    assert "writes tool calls" in check.fix and "'ChatML + tools (Hermes)' (--template hermes)" in check.fix


def test_the_empty_reply_is_what_the_encoding_trains(smol_tokenizer):
    """The reference for the message: under SmolLM2's own template the call's turn trains one token, its end-of-turn
    marker, and the text just before it is the question's turn and the assistant header, nothing of the call."""
    template = get_template("tokenizer", smol_tokenizer)
    enc = encode_row(WEATHER, smol_tokenizer, template)
    trained = [t for t in enc.tokens if t.trained and t.message == 1]
    assert [(t.text, t.segment) for t in trained] == [("<|im_end|>", "end_of_turn")]
    before = "".join(t.text for t in enc.tokens[: trained[0].index])
    assert before.endswith("Do I need an umbrella in Lyon today?<|im_end|>\n<|im_start|>assistant\n")
    assert "get_weather" not in enc.text
    # Under hermes the call is written and trained: the check is silent.
    hermes = get_template("hermes", smol_tokenizer)
    enc = encode_row(WEATHER, smol_tokenizer, hermes)
    assert not any(c.code == "tool_calls_dropped" for c in preflight(enc, smol_tokenizer, hermes))
    assert "get_weather" in "".join(t.text for t in enc.tokens if t.trained)


# ChatML that writes only a turn's first call (as a template written for one call per turn does).
FIRST_CALL_ONLY = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{% if m.tool_calls %}<tool_call>\n"
    '{"name": "{{ m.tool_calls[0].function.name }}", "arguments": {{ m.tool_calls[0].function.arguments | tojson }}}'
    "\n</tool_call>{% else %}{{ m.content }}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def test_a_template_that_writes_only_some_calls_says_so(smol_tokenizer):
    """A cold review: a template writing the first of two calls was said to leave out "the tool calls" and to train
    "an empty reply" the model "never sees a call" in, while the first call was written and trained."""
    template = get_template("custom", smol_tokenizer, source=FIRST_CALL_ONLY)
    second = {**CALL, "id": "call_8b1c", "function": {"name": "get_weather", "arguments": {"city": "Nice"}}}
    row = _with(1, tool_calls=[CALL, second])
    row["messages"].insert(3, {"role": "tool", "tool_call_id": "call_8b1c", "content": '{"rain_mm": 0}'})
    enc = encode_row(row, smol_tokenizer, template)
    assert "Lyon" in "".join(t.text for t in enc.tokens if t.trained and t.message == 1)  # the first call trains
    check = next(c for c in preflight(enc, smol_tokenizer, template) if c.code == "tool_calls_dropped")
    assert check.message == (
        "The custom template writes only some of the tool calls of message 2 (an assistant reply): the row makes 2 "
        "in message 2, so the model learns to make fewer calls than the row does."
    )
    assert "'ChatML + tools (Hermes)' (--template hermes)" in check.fix
