"""A turn's text parts in the providers' shapes joined as each provider's own SDK joins them (ftlib/api_shapes.py
`as_written`): Gemini's parts and Anthropic's text blocks with nothing between (google-genai's `response.text`,
Anthropic's `get_final_text()`), Bedrock's blocks and OpenAI's content parts with the line break vLLM serves them
with (turns.join_parts). Gemini's and Anthropic's got that line break too: a reply saved in pieces read
'14:05\\n, low tide 20:17.'. The content is ours; the shapes are the providers'.
"""

from __future__ import annotations

import json

from ftlib.data import load_bytes

PIECES = ["High tide at Whitby is 14:05", ", low tide 20:17."]
JOINED = "High tide at Whitby is 14:05, low tide 20:17."
ASK = "When are the tides at Whitby?"


def load(row: dict):
    result = load_bytes(json.dumps(row).encode(), "tides.jsonl")
    assert [e.message for e in result.errors] == [] and len(result.rows) == 1
    return result.rows[0]["messages"], [n.message for n in result.notices if "text parts" in n.message]


def test_a_gemini_turns_text_parts_are_one_text_as_google_genai_joins_them():
    reply = {"role": "model", "parts": [{"text": p} for p in PIECES]}
    row = {"contents": [{"role": "user", "parts": [{"text": ASK}]}, reply]}
    turns, said = load(row)
    assert turns[-1] == {"role": "assistant", "content": JOINED} and said == []


def test_a_google_genai_dump_joins_its_parts_the_same_and_a_thought_stays_the_reasoning():
    dumped = [{"text": p, "thought": None, "function_call": None} for p in PIECES]
    thought = {"text": "The table lists both.", "thought": True, "function_call": None}
    row = {"contents": [{"role": "user", "parts": [{"text": ASK}]}, {"role": "model", "parts": [thought, *dumped]}]}
    turns, said = load(row)
    assert turns[-1]["content"] == JOINED and turns[-1]["reasoning"] == "The table lists both." and said == []


def anthropic_row(reply: list[dict], with_call: bool = True) -> dict:
    call = {"type": "tool_use", "id": "toolu_3", "name": "tide_table", "input": {"harbour": "Whitby"}}
    answer = {"type": "tool_result", "tool_use_id": "toolu_3", "content": "14:05 / 20:17"}
    called = [{"role": "assistant", "content": [call]}, {"role": "user", "content": [answer]}] if with_call else []
    return {"messages": [{"role": "user", "content": ASK}, *called, {"role": "assistant", "content": reply}]}


def test_an_anthropic_rows_text_blocks_are_one_text_as_its_sdk_joins_them():
    # the reply's own blocks are plain text: the row is Anthropic's by its tool_use and tool_result blocks
    turns, said = load(anthropic_row([{"type": "text", "text": p} for p in PIECES]))
    assert [t["role"] for t in turns] == ["user", "assistant", "tool", "assistant"]
    assert turns[-1]["content"] == JOINED and said == []


def test_an_anthropic_row_known_by_its_cache_hint_joins_a_users_blocks_as_written():
    hinted = {"type": "text", "text": "Tide table: 14:05 high", "cache_control": {"type": "ephemeral"}}
    row = {"messages": [{"role": "user", "content": [hinted, {"type": "text", "text": ", 20:17 low."}]}]}
    row["messages"].append({"role": "assistant", "content": "High at 14:05."})
    turns, said = load(row)
    assert turns[0]["content"] == "Tide table: 14:05 high, 20:17 low." and said == []


def test_openai_content_parts_and_bedrocks_blocks_keep_the_line_break_vllm_serves():
    openai = anthropic_row([{"type": "text", "text": p} for p in PIECES], with_call=False)  # no Anthropic block
    bedrock = {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [
            {"role": "user", "content": [{"text": ASK}]},
            {"role": "assistant", "content": [{"text": p} for p in PIECES]},
        ],
    }
    for row in (openai, bedrock):
        turns, said = load(row)
        assert turns[-1]["content"] == "\n".join(PIECES) and len(said) == 1 and "line break" in said[0]
