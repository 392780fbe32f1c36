"""Rows and turns in the model providers' shapes (ftlib/api_shapes.py), read as OpenAI's messages.

Anthropic's tool results are `tool_result` parts of a user turn, answering the `tool_use` parts of the assistant turn
before; Vertex AI's Gemini tuning rows hold `contents` of `parts`; Amazon Bedrock's conversation rows hold content
blocks and a `system` list. Each was refused or not recognised. The content is ours; the shapes are the providers'.
"""

from __future__ import annotations

import json
from functools import partial

import pytest

from ftlib.data import load_bytes, read_row
from ftlib.data_stats import render_row
from ftlib.templates import get_template, render
from ftlib.turns import parse_messages

ASK = "When is high tide in Whitby?"
CALL = {"type": "tool_use", "id": "toolu_9", "name": "lookup_tide", "input": {"harbour": "Whitby"}}
MOON = {"type": "tool_use", "id": "toolu_10", "name": "lookup_moon", "input": {}}


def conversation(results: list, then: str | None = None) -> list[dict]:
    user = [*results, *([{"type": "text", "text": then}] if then else [])]
    return [
        {"role": "user", "content": "When is high tide in Whitby, and how full is the moon?"},
        {"role": "assistant", "content": [{"type": "text", "text": "Let me look both up."}, CALL, MOON]},
        {"role": "user", "content": user},
        {"role": "assistant", "content": [{"type": "text", "text": "High tide is at 14:05 under a full moon."}]},
    ]


def result(call_id: str, content, **more) -> dict:
    return {"type": "tool_result", "tool_use_id": call_id, "content": content, **more}


def test_each_tool_result_part_is_a_tool_turn_in_order_and_the_users_text_stays_theirs():
    turns = conversation(
        [result("toolu_9", "14:05"), result("toolu_10", [{"type": "text", "text": "full"}], is_error=False)],
        then="Thanks, and is that early?",
    )
    ignored: set[str] = set()
    read = parse_messages(turns, "messages", ignored)
    assert [t["role"] for t in read] == ["user", "assistant", "tool", "tool", "user", "assistant"]
    assert read[2] == {"role": "tool", "content": "14:05", "tool_call_id": "toolu_9"}
    assert read[3] == {"role": "tool", "content": "full", "tool_call_id": "toolu_10"}
    assert read[4] == {"role": "user", "content": "Thanks, and is that early?"}
    assert [c["id"] for c in read[1]["tool_calls"]] == ["toolu_9", "toolu_10"] and ignored == set()


def test_a_file_of_them_loads_renders_each_result_and_names_an_error_flag():
    rows = [
        {"messages": conversation([result("toolu_9", "14:05"), result("toolu_10", "full")])},
        {"messages": conversation([result("toolu_9", "no such harbour", is_error=True), result("toolu_10", "full")])},
    ]
    loaded = load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "claude.jsonl")
    assert [e.message for e in loaded.errors] == [] and len(loaded.rows) == 2
    # is_error is read by no chat template: the text is kept, and the key is named rather than dropped unsaid.
    assert any("messages[].is_error" in n.message for n in loaded.notices)
    shown = render_row(loaded.rows[0], None, partial(render, get_template("hermes")))
    assert shown.count("<tool_response>") == 2 and "14:05" in shown and "full" in shown


def test_an_image_in_a_tool_result_is_refused_as_an_image():
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"}}
    loaded = load_bytes(
        json.dumps({"messages": conversation([result("toolu_9", [image]), result("toolu_10", "full")])}).encode(),
        "claude.jsonl",
    )
    ((_, message),) = [(e.row, e.message) for e in loaded.errors]
    assert "an image" in message


# --- Gemini (Vertex AI tuning rows) -------------------------------------------------------------------------------

HARBOUR = {"type": "object", "properties": {"harbour": {"type": "string"}}}
GEMINI_TOOLS = [
    {
        "functionDeclarations": [
            {"name": "lookup_tide", "description": "High tide at a harbour.", "parameters": HARBOUR}
        ]
    }
]


def gemini_row(**more) -> dict:
    return {
        "systemInstruction": {"role": "system", "parts": [{"text": "You answer about tides."}, {"text": "Be brief."}]},
        "tools": GEMINI_TOOLS,
        "contents": [
            {"role": "user", "parts": [{"text": "When is high tide in Whitby?"}]},
            {
                "role": "model",
                "parts": [
                    {"text": "The user wants Whitby's tide.", "thought": True},
                    {
                        "functionCall": {"name": "lookup_tide", "args": {"harbour": "Whitby"}},
                        "thoughtSignature": "c2ln",
                    },
                ],
            },  # fmt: skip
            {"role": "user", "parts": [{"functionResponse": {"name": "lookup_tide", "response": {"time": "14:05"}}}]},
            {"role": "model", "parts": [{"text": "At 14:05."}]},
        ],
        **more,
    }


def test_geminis_tuning_rows_are_read_as_messages_with_their_calls_reasoning_and_tools():
    loaded = load_bytes(json.dumps(gemini_row()).encode(), "vertex.jsonl")
    assert [e.message for e in loaded.errors] == [] and loaded.format == "messages"
    (row,) = loaded.rows
    roles = [t["role"] for t in row["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    assert row["messages"][0]["content"] == "You answer about tides.\n\nBe brief."
    call = row["messages"][2]
    assert call["reasoning"] == "The user wants Whitby's tide."
    assert call["tool_calls"] == [
        {"type": "function", "function": {"name": "lookup_tide", "arguments": {"harbour": "Whitby"}}}
    ]
    assert row["messages"][3] == {"role": "tool", "content": '{"time": "14:05"}', "name": "lookup_tide"}
    assert row["tools"] == [{"type": "function", "function": GEMINI_TOOLS[0]["functionDeclarations"][0]}]
    said = [n.message for n in loaded.notices]
    assert any(m.startswith("1 row in Gemini's shape") for m in said)
    assert not any("ignored field" in m for m in said)  # the thought signature is no text to train, as Anthropic's


def test_a_gemini_image_part_is_refused_as_an_image_and_a_typed_row_reads_the_same():
    image = {"inlineData": {"mimeType": "image/png", "data": "iVBO"}}
    row = gemini_row()
    row["contents"][0]["parts"].append(image)
    loaded = load_bytes(json.dumps(row).encode(), "vertex.jsonl")
    assert "an image" in loaded.errors[0].message
    assert read_row(gemini_row()).row == load_bytes(json.dumps(gemini_row()).encode(), "v.jsonl").rows[0]


# --- Amazon Bedrock (conversation rows) ----------------------------------------------------------------------------


def bedrock_row() -> dict:
    spec = {"name": "lookup_tide", "description": "High tide at a harbour.",
            "inputSchema": {"json": {"type": "object", "properties": {"harbour": {"type": "string"}}}}}  # fmt: skip
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You answer about tides."}],
        "toolConfig": {"tools": [{"toolSpec": spec}]},
        "messages": [
            {"role": "user", "content": [{"text": "When is high tide in Whitby?"}]},
            {
                "role": "assistant",
                "content": [
                    {"reasoningContent": {"reasoningText": {"text": "Look it up.", "signature": "c2ln"}}},
                    {"toolUse": {"toolUseId": "tooluse_1", "name": "lookup_tide", "input": {"harbour": "Whitby"}}},
                ],
            },  # fmt: skip
            {
                "role": "user",
                "content": [
                    {
                        "toolResult": {
                            "toolUseId": "tooluse_1",
                            "content": [{"json": {"time": "14:05"}}],
                            "status": "success",
                        }
                    },
                ],
            },  # fmt: skip
            {"role": "assistant", "content": [{"text": "At 14:05."}]},
        ],
    }


def test_bedrocks_conversation_rows_are_read_as_messages_with_their_calls_reasoning_and_tools():
    loaded = load_bytes(json.dumps(bedrock_row()).encode(), "bedrock.jsonl")
    assert [e.message for e in loaded.errors] == []
    (row,) = loaded.rows
    system, ask, call, result, answer = row["messages"]
    assert system == {"role": "system", "content": "You answer about tides."}
    assert (call["reasoning"], call["tool_calls"][0]["id"]) == ("Look it up.", "tooluse_1")
    assert call["tool_calls"][0]["function"] == {"name": "lookup_tide", "arguments": {"harbour": "Whitby"}}
    assert result["tool_call_id"] == "tooluse_1" and json.loads(result["content"]) == {"time": "14:05"}
    assert answer == {"role": "assistant", "content": "At 14:05."}
    assert row["tools"][0]["function"]["parameters"]["properties"] == {"harbour": {"type": "string"}}
    said = [n.message for n in loaded.notices]
    assert any(m.startswith("1 row in Amazon Bedrock's conversation shape") for m in said)
    assert not any("ignored field" in m for m in said)  # "success", like is_error false, says nothing


def test_a_bedrock_error_result_keeps_its_text_and_names_the_flag_and_a_document_is_refused():
    row = bedrock_row()
    row["messages"][2]["content"][0]["toolResult"]["status"] = "error"
    loaded = load_bytes(json.dumps(row).encode(), "bedrock.jsonl")
    assert any("messages[].is_error" in n.message for n in loaded.notices)
    row["messages"][0]["content"].append({"document": {"format": "pdf", "name": "tides", "source": {"bytes": "JVBE"}}})
    assert "a file" in load_bytes(json.dumps(row).encode(), "bedrock.jsonl").errors[0].message


def test_coheres_chat_rows_name_the_model_chatbot():
    """Cohere's chat fine-tuning rows: System, User, Chatbot (were refused: "the role 'Chatbot', which is not
    supported")."""
    turns = [{"role": "System", "content": "Be brief."}, {"role": "User", "content": "Hi?"},
             {"role": "Chatbot", "content": "Hello."}]  # fmt: skip
    assert [t["role"] for t in parse_messages(turns, "messages")] == ["system", "user", "assistant"]


def test_anthropics_system_blocks_are_its_text_and_a_contents_field_of_other_things_is_left_alone():
    """Anthropic's API takes `system` as a list of typed text blocks (with a caching hint): it was refused as "must be
    text, but it is a list". A `contents` key not holding Gemini's turns is no conversation: read as written."""
    system = [{"type": "text", "text": "You answer about tides.", "cache_control": {"type": "ephemeral"}}]
    row = {"system": system, "messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hi."}]}
    loaded = load_bytes(json.dumps(row).encode(), "claude.jsonl")
    assert loaded.rows[0]["messages"][0] == {"role": "system", "content": "You answer about tides."}
    assert not any("shape" in n.message for n in loaded.notices)  # a system list alone is no provider's row
    other = {"instruction": "List the chapters.", "output": "One, two.", "contents": ["Chapter one", "Chapter two"]}
    loaded = load_bytes(json.dumps(other).encode(), "book.jsonl")
    assert loaded.format == "alpaca" and any("`contents`" in n.message for n in loaded.notices)  # named, not read


def test_axolotls_template_free_segments_are_refused_with_what_to_write():
    rows = [{"segments": [{"label": False, "text": "Q: tide? "}, {"label": True, "text": "A: 14:05"}]}] * 2
    with pytest.raises(Exception, match=r"look like Axolotl's template-free `segments`.*Write each row as `messages`"):
        load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "segments.jsonl")


def test_a_streamed_call_its_reasoning_in_pieces_cache_hints_and_anthropics_tools_read_as_one():
    """A cold review: a LangChain dump of a streamed Anthropic message holds the call as a `tool_use` part with empty
    `input` (the arguments in `partial_json`) beside `tool_calls`: trained twice, once with no arguments; two `thought`
    parts of one Gemini turn were refused as "two different reasonings"; Bedrock's `cachePoint` refused the row; and
    Anthropic's `input_schema` tools were shown to the model as written, not as the `parameters` it is served with."""
    streamed = {"type": "tool_use", "id": "toolu_9", "name": "lookup_tide", "input": {}, "partial_json": "{}"}
    turn = {"type": "ai", "content": [{"type": "text", "text": "Looking."}, streamed],
            "tool_calls": [{"name": "lookup_tide", "args": {"harbour": "Whitby"}, "id": "toolu_9"}]}  # fmt: skip
    notes: list[str] = []
    (_, read) = parse_messages([{"role": "user", "content": ASK}, turn], "messages", set(), notes)
    assert read["tool_calls"] == [
        {"type": "function", "function": {"name": "lookup_tide", "arguments": {"harbour": "Whitby"}}, "id": "toolu_9"}
    ]
    assert len(notes) == 1
    moon, coast = (
        {"text": "Tides follow the moon.", "thought": True},
        {"text": "Whitby is on the coast.", "thought": True},
    )
    thoughts = {"role": "model", "parts": [moon, coast, {"text": "At 14:05."}]}
    (_, model) = parse_messages([{"role": "user", "parts": [{"text": ASK}]}, thoughts], "contents")
    assert (
        model["reasoning"] == "Tides follow the moon.\n\nWhitby is on the coast." and model["content"] == "At 14:05."
    )
    row = bedrock_row()
    row["system"].append({"cachePoint": {"type": "default"}})
    row["messages"][0]["content"].append({"cachePoint": {"type": "default"}})
    loaded = load_bytes(json.dumps(row).encode(), "bedrock.jsonl")
    assert [e.message for e in loaded.errors] == [] and loaded.rows[0]["messages"][1]["content"] == ASK
    tool = {"name": "lookup_tide", "description": "High tide.", "input_schema": HARBOUR}
    anthropic = {
        "tools": [tool],
        "messages": [{"role": "user", "content": ASK}, {"role": "assistant", "content": "Hi"}],
    }
    (loaded_row,) = load_bytes(json.dumps(anthropic).encode(), "claude.jsonl").rows
    assert loaded_row["tools"] == [
        {"type": "function", "function": {"name": "lookup_tide", "description": "High tide.", "parameters": HARBOUR}}
    ]
    choice = bedrock_row()
    choice["toolConfig"]["toolChoice"] = {"auto": {}}  # no template reads it: named, not dropped
    assert any("`toolConfig`" in n.message for n in load_bytes(json.dumps(choice).encode(), "b.jsonl").notices)
    redacted = bedrock_row()
    redacted["messages"][1]["content"][0] = {"reasoningContent": {"redactedContent": "ZW5j"}}
    assert "redacted_thinking" in load_bytes(json.dumps(redacted).encode(), "b.jsonl").errors[0].message


# --- Gemini's code execution tool; redacted reasoning ----------------------------------------------------------------

SUM_CODE = "primes = [p for p in range(2, 30) if all(p % d for d in range(2, p))]\nprint(sum(primes))\n"


def code_row(outcome: str, output: str) -> dict:
    return {
        "contents": [
            {"role": "user", "parts": [{"text": "What is the sum of the primes below 30?"}]},
            {
                "role": "model",
                "parts": [
                    {"text": "I'll add them up in code."},
                    {"executableCode": {"language": "PYTHON", "code": SUM_CODE}},
                    {"codeExecutionResult": {"outcome": outcome, "output": output}},
                    {"text": "The sum is 129."},
                ],
            },
        ]
    }


@pytest.mark.parametrize(
    ("outcome", "output", "named"),
    [
        ("OUTCOME_OK", "129\n", None),
        (
            "OUTCOME_FAILED",
            "NameError: name 'primes' is not defined",
            "2 of the results did not end OK (OUTCOME_FAILED: 2)",
        ),
    ],
)
def test_geminis_code_execution_parts_are_fenced_text_of_the_reply_said_once_per_file(outcome, output, named):
    """The code execution tool's parts were refused: "content part 2 of turn 2 (assistant) of 'messages' has no type".
    No template has a turn for code Google ran, so code and output are the reply's text, as Google's docs show them."""
    loaded = load_bytes("\n".join([json.dumps(code_row(outcome, output))] * 2).encode(), "vertex.jsonl")
    assert [e.message for e in loaded.errors] == []
    reply = loaded.rows[0]["messages"][1]
    assert reply == {
        "role": "assistant",
        "content": f"I'll add them up in code.\n\n```python\n{SUM_CODE.strip()}\n```\n\n```\n{output.strip()}\n```\n\n"
        "The sum is 129.",
    }
    (note,) = [n.message for n in loaded.notices if "code execution" in n.message]
    assert note.startswith("4 code execution parts (Gemini's `executableCode` and `codeExecutionResult`) in 2 rows")
    assert "became text of the model's reply" in note
    assert (named in note) if named else "did not end OK" not in note


def test_anthropics_redacted_thinking_is_refused_by_name():
    """Encrypted reasoning has no text to train: refused naming the block, never dropped (Bedrock's `redactedContent`
    is pinned above)."""
    redacted = {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"}
    turns = [{"role": "user", "content": ASK},
             {"role": "assistant", "content": [redacted, {"type": "text", "text": "At 14:05."}]}]  # fmt: skip
    loaded = load_bytes(json.dumps({"messages": turns}).encode(), "claude.jsonl")
    ((line, message),) = [(e.row, e.message) for e in loaded.errors]
    assert line == 1 and "'redacted_thinking'" in message and "content part 1 of turn 2 (assistant)" in message


# --- google-genai's Python dumps (snake_case) ------------------------------------------------------------------------

# `[c.model_dump() for c in contents]`: the REST shape's keys in snake_case, each unset field None
UNSET = dict.fromkeys(
    ("video_metadata", "thought", "inline_data", "file_data", "thought_signature", "code_execution_result",
     "executable_code", "function_call", "function_response", "text")
)  # fmt: skip


def sdk_part(**given) -> dict:
    return {**UNSET, **given}


def test_google_genai_snake_case_dumps_read_as_their_rest_twins():
    """google-genai's dumps were refused: "content part 1 of turn 2 (assistant) of 'messages' has no type"."""
    snake = {
        "system_instruction": {"parts": [sdk_part(text="You answer about tides."), sdk_part(text="Be brief.")]},
        "tools": [
            {
                "function_declarations": [
                    {**GEMINI_TOOLS[0]["functionDeclarations"][0], "behavior": None, "parameters_json_schema": None}
                ],
                "code_execution": None,
            }
        ],
        "contents": [
            {"role": "user", "parts": [sdk_part(text="When is high tide in Whitby?")]},
            {
                "role": "model",
                "parts": [
                    sdk_part(text="The user wants Whitby's tide.", thought=True),
                    sdk_part(
                        function_call={"id": None, "name": "lookup_tide", "args": {"harbour": "Whitby"}},
                        thought_signature="c2ln",
                    ),
                ],
            },
            {
                "role": "user",
                "parts": [
                    sdk_part(
                        function_response={
                            "id": None,
                            "name": "lookup_tide",
                            "response": {"time": "14:05"},
                            "will_continue": None,
                        }
                    )  # fmt: skip
                ],
            },
            {"role": "model", "parts": [sdk_part(text="At 14:05.")]},
        ],
    }
    loaded = load_bytes(json.dumps(snake).encode(), "genai.jsonl")
    assert [e.message for e in loaded.errors] == []
    assert loaded.rows == load_bytes(json.dumps(gemini_row()).encode(), "vertex.jsonl").rows
    assert not any("ignored field" in n.message for n in loaded.notices)
    code = code_row("OUTCOME_OK", "129\n")
    code["contents"][1]["parts"][1:3] = [
        sdk_part(executable_code={"language": "PYTHON", "code": SUM_CODE}),
        sdk_part(code_execution_result={"outcome": "OUTCOME_OK", "output": "129\n"}),
    ]
    as_rest = load_bytes(json.dumps(code_row("OUTCOME_OK", "129\n")).encode(), "vertex.jsonl")
    loaded = load_bytes(json.dumps(code).encode(), "genai.jsonl")
    assert loaded.rows == as_rest.rows and [n.message for n in loaded.notices] == [n.message for n in as_rest.notices]
    schema = {"name": "lookup_tide", "parameters": None, "parameters_json_schema": HARBOUR}  # the SDK's JSON schema
    given = load_bytes(json.dumps({**snake, "tools": [{"function_declarations": [schema]}]}).encode(), "genai.jsonl")
    assert given.rows[0]["tools"] == [{"type": "function", "function": {"name": "lookup_tide", "parameters": HARBOUR}}]
    image = sdk_part(inline_data={"mime_type": "image/png", "data": "iVBO", "display_name": None})
    snake["contents"][0]["parts"].append(image)
    assert "an image" in load_bytes(json.dumps(snake).encode(), "genai.jsonl").errors[0].message


def test_a_rest_rows_null_in_a_tool_schema_is_kept_as_written():
    """Only google-genai's dumps write unset fields as None: a REST row's `"default": null` is the schema's own value
    (a mutation review: every None at any depth was dropped, in REST rows too, without a word)."""
    nullable = {"type": "object", "properties": {"harbour": {"type": "string", "nullable": True, "default": None}}}
    tools = [{"functionDeclarations": [{"name": "lookup_tide", "description": "Tide.", "parameters": nullable}]}]
    loaded = load_bytes(json.dumps(gemini_row(tools=tools)).encode(), "vertex.jsonl")
    (row,) = loaded.rows
    assert row["tools"][0]["function"]["parameters"] == nullable
