"""Hermes function-calling rows (calls as `<tool_call>` text, results as `<tool_response>` text, the tools as a
`<tools>` block of the system text, as NousResearch's hermes-function-calling-v1 publishes them) read as chats with
real tool calls (ftlib/hermes_rows.py), and ms-swift's consecutive `tool_call` turns as one turn of parallel calls.

Before, every such row was refused ("turn 2 writes its call as <tool_call> text in its content ..., which the studio
does not read as a call"), and two ms-swift `tool_call` turns were two assistant turns one after another. The content
is ours; the shape (tags, a Python-literal call, the system text's wording) is Hermes'.
"""

from __future__ import annotations

import json
import re

import pytest

from ftlib.cli import main
from ftlib.data import load_bytes
from ftlib.tokens import encode_row

TIDE = {
    "type": "function",
    "function": {
        "name": "get_tide",
        "description": "High tide time for a harbour",
        "parameters": {"type": "object", "properties": {"harbour": {"type": "string"}}, "required": ["harbour"]},
    },
}
WIND = {"name": "get_wind", "description": "Wind in knots", "parameters": {"type": "object", "properties": {}}}
INTRO = (
    "You are a function calling AI model. You are provided with function signatures within <tools> </tools> XML tags. "
    "Never guess a harbour's name."
)
# What the system turn keeps of INTRO: the sentence on the <tools></tools> tags is the template's to write (the
# hermes template writes it again, in its own tool section)
KEPT = "You are a function calling AI model. Never guess a harbour's name."
AFTER = (
    "For each function call return a json object with function name and arguments within <tool_call> </tool_call> "
    "tags with the following schema:\n<tool_call>\n{'arguments': <args-dict>, 'name': <function-name>}\n</tool_call>\n"
)


def system(tools_text: str) -> dict:
    return {"from": "system", "value": f"{INTRO}\n<tools>\n{tools_text}\n</tools>\n{AFTER}"}


def call(name: str, arguments) -> str:
    return f"<tool_call>\n{json.dumps({'name': name, 'arguments': arguments})}\n</tool_call>"


def response(value: dict) -> str:
    return f"<tool_response>\n{json.dumps(value)}\n</tool_response>"


ASK = {"from": "human", "value": "Tide and wind at Brest?"}
ANSWER = {"from": "gpt", "value": "High tide is at 14:02, with 12 knots of wind."}


def chat(*turns: dict, tools_text: str | None = None) -> dict:
    opening = [system(tools_text)] if tools_text is not None else []
    return {"conversations": [*opening, ASK, *turns, ANSWER]}


def gpt(value: str) -> dict:
    return {"from": "gpt", "value": value}


def tool(value: str) -> dict:
    return {"from": "tool", "value": value}


def jsonl(rows) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


TIDE_CALL = {"name": "get_tide", "arguments": {"harbour": "Brest"}}
HIGH = {"name": "get_tide", "content": {"high": "14:02"}}
KNOTS = {"name": "get_wind", "content": {"knots": 12}}

# (id, the turns after the question, the calls the assistant turn makes, its text, the tool turns' (content, name))
READ = [
    ("single call", [gpt(call("get_tide", {"harbour": "Brest"})), tool(response(HIGH))], [TIDE_CALL], "", [HIGH]),
    (
        "parallel calls, two responses in one tool turn",
        [
            gpt(call("get_tide", {"harbour": "Brest"}) + "\n" + call("get_wind", {})),
            tool(response(HIGH) + response(KNOTS)),
        ],
        [TIDE_CALL, {"name": "get_wind", "arguments": {}}],
        "",
        [HIGH, KNOTS],
    ),
    (
        "prose before the calls",
        [gpt("Let me look that up.\n\n" + call("get_tide", {"harbour": "Brest"})), tool(response(HIGH))],
        [TIDE_CALL],
        "Let me look that up.",
        [HIGH],
    ),
    (
        "arguments as a JSON string",
        [gpt(call("get_tide", json.dumps({"harbour": "Brest"}))), tool(response(HIGH))],
        [TIDE_CALL],
        "",
        [HIGH],
    ),
    (
        "a call written as a Python literal",
        [
            gpt("<tool_call>\n{'arguments': {'harbour': 'Brest'}, 'name': 'get_tide'}\n</tool_call>"),
            tool(response(HIGH)),
        ],
        [TIDE_CALL],
        "",
        [HIGH],
    ),
    (
        "parallel calls as one block of a JSON list",
        [gpt(f"<tool_call>{json.dumps([TIDE_CALL, {'name': 'get_wind', 'arguments': {}}])}</tool_call>")]
        + [tool(response(HIGH)), tool(response(KNOTS))],
        [TIDE_CALL, {"name": "get_wind", "arguments": {}}],
        "",
        [HIGH, KNOTS],
    ),
]


@pytest.mark.parametrize(("case", "turns", "calls", "said", "results"), READ, ids=[c[0] for c in READ])
def test_calls_and_responses_are_read_as_tool_calls_and_tool_turns(case, turns, calls, said, results):
    result = load_bytes(jsonl([chat(*turns, tools_text=json.dumps([TIDE, WIND]))]), "hermes.jsonl")
    assert result.errors == [] and result.valid_rows == 1, result.errors
    messages = result.rows[0]["messages"]
    called = messages[2]
    assert called["role"] == "assistant" and called["content"] == said
    assert [c["function"] for c in called["tool_calls"]] == calls
    tools = [m for m in messages if m["role"] == "tool"]
    assert [(json.loads(t["content"]), t["name"]) for t in tools] == [(r, r["name"]) for r in results]
    assert messages[-1] == {"role": "assistant", "content": ANSWER["value"]}
    assert any("<tool_call> blocks (Hermes function calling) were read" in n.message for n in result.notices)


def test_the_tools_block_becomes_the_rows_tools_and_the_system_keeps_the_text_before_it():
    rows = [
        chat(gpt(call("get_tide", {"harbour": "Brest"})), tool(response(HIGH)), tools_text=json.dumps([TIDE, WIND])),
        # Hermes' own wording writes the schemas as a Python literal; Hermes-2-Pro's prompt writes objects one after
        # another
        chat(gpt(call("get_tide", {"harbour": "Brest"})), tool(response(HIGH)), tools_text=repr([TIDE, WIND])),
        chat(
            gpt(call("get_tide", {"harbour": "Brest"})),
            tool(response(HIGH)),
            tools_text=f"{json.dumps(TIDE)} {json.dumps(WIND)}",
        ),
    ]
    result = load_bytes(jsonl(rows), "hermes.jsonl")
    assert result.errors == [] and result.valid_rows == 3
    for row in result.rows:
        assert row["tools"] == [TIDE, WIND]  # as written: OpenAI's shape and the bare one
        assert row["messages"][0] == {"role": "system", "content": KEPT}  # the call format after </tools>: left out
    (note,) = [n for n in result.notices if "<tools> block in the system text" in n.message]
    assert note.note and note.message.startswith("3 rows: ") and "what comes after </tools>" in note.message
    assert 'less its last sentence where that ends with ":" and led into the block' in note.message


# (id, the system text before <tools>, what the system turn keeps: None for no system turn). A last sentence ending
# with ":" led into the block taken out, and dangled before the template's own tool section.
LEAD_INS = [
    ("Hermes' lead-in", f"{INTRO} Here are the available tools:", KEPT),
    ("a lead-in naming the tags", f"{INTRO}\nYour tools are within <tools></tools> XML tags:", KEPT),
    (
        "only the last sentence goes",
        "Rules:\n- Never guess a harbour's name.\nUse these:",
        "Rules:\n- Never guess a harbour's name.",
    ),
    ("sentences ended in Chinese", "不要猜测港口名称。可用的工具如下:", "不要猜测港口名称。"),
    ("the lead-in alone", "Here are the available tools:", None),
    # "e.g. " ended no sentence: the cut left "Call one when asked, e.g." dangling
    (
        "an abbreviation in the lead-in",
        "Never guess a harbour's name. Call one when asked, e.g. get_tide:",
        "Never guess a harbour's name.",
    ),
    ("i.e. in the lead-in", "Never guess a harbour's name. Use them, i.e. Call one:", "Never guess a harbour's name."),
    ("no colon: kept", f"{INTRO} The tools follow", f"{KEPT} The tools follow"),
    (
        "a colon inside: kept",
        "Units: knots. Never guess a harbour's name.",
        "Units: knots. Never guess a harbour's name.",
    ),
]


@pytest.mark.parametrize(("case", "before", "kept"), LEAD_INS, ids=[c[0] for c in LEAD_INS])
def test_a_last_sentence_leading_into_the_tools_block_leaves_with_it(case, before, kept):
    opening = {"from": "system", "value": f"{before}\n<tools>\n{json.dumps([TIDE])}\n</tools>\n{AFTER}"}
    row = {
        "conversations": [
            opening,
            *chat(gpt(call("get_tide", {"harbour": "Brest"})), tool(response(HIGH)))["conversations"],
        ]
    }
    result = load_bytes(jsonl([row]), "hermes.jsonl")
    assert result.errors == [] and result.rows[0]["tools"] == [TIDE], result.errors
    first = result.rows[0]["messages"][0]
    assert first == (
        {"role": "system", "content": kept} if kept is not None else {"role": "user", "content": ASK["value"]}
    )


def test_a_tools_block_that_does_not_parse_keeps_the_system_text_and_says_so_once():
    broken = "[{'name': 'get_tide', 'parameters': {]"
    rows = [chat(gpt("Brest's tide tables are on the harbour office wall.")) | {"id": i} for i in range(2)]
    rows = [{**r, "conversations": [system(broken), *r["conversations"]]} for r in rows]
    result = load_bytes(jsonl(rows), "hermes.jsonl")
    assert result.errors == [] and result.valid_rows == 2
    assert all("tools" not in row for row in result.rows)
    assert result.rows[0]["messages"][0]["content"] == system(broken)["value"]
    (warning,) = [n for n in result.notices if "<tools> block" in n.message]
    assert not warning.note and warning.message.startswith("2 rows: the <tools> block in the system text is not")
    assert "kept as written" in warning.message and "Write the block as a JSON list" in warning.message


def test_messages_rows_and_a_top_level_system_are_read_the_same_way():
    row = {
        "system": f"Be brief.\n<tools>\n{json.dumps([WIND])}\n</tools>",
        "messages": [
            {"role": "user", "content": "Wind?"},
            {"role": "assistant", "content": call("get_wind", {})},
            {"role": "tool", "content": response(KNOTS)},
            {"role": "assistant", "content": "12 knots."},
        ],
    }
    (read,) = load_bytes(jsonl([row]), "hermes.jsonl").rows
    assert read["tools"] == [WIND] and read["messages"][0] == {"role": "system", "content": "Be brief."}
    assert read["messages"][2]["tool_calls"][0]["function"] == {"name": "get_wind", "arguments": {}}
    assert read["messages"][3] == {"role": "tool", "content": json.dumps(KNOTS), "name": "get_wind"}


# (id, the assistant's turn, the tool turn after it, what the refusal says)
REFUSED = [
    (
        "malformed JSON",
        gpt('<tool_call>\n{"name": "get_tide", "arguments": {"harbour": "Brest"}\n</tool_call>'),
        tool(response(HIGH)),
        r"the <tool_call> block 1 of turn 3 \(assistant\) of 'conversations' is not valid JSON \(Expecting ',' "
        r"delimiter\): write the call as \{\"name\": \.\.\., \"arguments\": \{\.\.\.\}\}",
    ),
    (
        "a call with no name",
        gpt('<tool_call>\n{"arguments": {"harbour": "Brest"}}\n</tool_call>'),
        tool(response(HIGH)),
        r"the <tool_call> block 1 of turn 3 \(assistant\) of 'conversations' has no function name: write the call",
    ),
    (
        "an unclosed tag",
        gpt('Checking.\n<tool_call>\n{"name": "get_tide", "arguments": {"harbour": "Brest"}}'),
        tool(response(HIGH)),
        r"turn 3 \(assistant\) of 'conversations' opens a <tool_call> block that never closes \(no </tool_call> "
        r"after it\): close it after the call's JSON",
    ),
    (
        "text after the calls",
        gpt(call("get_tide", {"harbour": "Brest"}) + "\nI will wait for the answer."),
        tool(response(HIGH)),
        r"turn 3 \(assistant\) of 'conversations' writes text after or between its <tool_call> blocks; .* Move that "
        r"text before the first <tool_call>, or into the next assistant turn",
    ),
    (
        # The calls were read from the last block alone; the first, with the text after it, was trained as words.
        "text between the calls",
        gpt(call("get_tide", {"harbour": "Brest"}) + "\nAnd the wind:\n" + call("get_tide", {"harbour": "Sein"})),
        tool(response(HIGH)),
        r"turn 3 \(assistant\) of 'conversations' writes text after or between its <tool_call> blocks",
    ),
    (
        "an unclosed tag before a closed one",
        gpt('<tool_call>\n{"name": "get_tide", "arguments": {}}\n' + call("get_tide", {"harbour": "Brest"})),
        tool(response(HIGH)),
        r"turn 3 \(assistant\) of 'conversations' opens a <tool_call> block that never closes",
    ),
    (
        "an unclosed response",
        gpt(call("get_tide", {"harbour": "Brest"})),
        tool('<tool_response>\n{"high": "14:02"}'),
        r"turn 4 \(tool\) of 'conversations' opens a <tool_response> block that never closes",
    ),
    (
        "text beside the responses",
        gpt(call("get_tide", {"harbour": "Brest"})),
        tool(response(HIGH) + "\nThe office was closed."),
        r"turn 4 \(tool\) of 'conversations' holds text outside its <tool_response> blocks",
    ),
    (
        "calls written both ways",
        {**gpt(call("get_tide", {"harbour": "Brest"})), "tool_calls": [TIDE_CALL]},
        tool(response(HIGH)),
        r"turn 3 \(assistant\) of 'conversations' has `tool_calls` and also writes calls as <tool_call> text",
    ),
]


@pytest.mark.parametrize(("case", "called", "answered", "message"), REFUSED, ids=[c[0] for c in REFUSED])
def test_a_malformed_block_refuses_its_row_by_line_and_the_good_rows_are_kept(case, called, answered, message):
    good = chat(gpt(call("get_tide", {"harbour": "Brest"})), tool(response(HIGH)), tools_text=json.dumps([TIDE]))
    bad = chat(called, answered, tools_text=json.dumps([TIDE]))
    result = load_bytes(jsonl([good, bad]), "hermes.jsonl")
    assert result.valid_rows == 1 and [e.row for e in result.errors] == [2]
    assert result.rows[0]["messages"][2]["tool_calls"]
    assert re.search(message, result.errors[0].message), result.errors[0].message


def test_the_tools_note_counts_only_the_rows_kept():
    # Helper 67's walk: "21 rows: the tools ... were read" above 20 valid rows, one refused after its tools were read
    good = chat(gpt(call("get_tide", {"harbour": "Brest"})), tool(response(HIGH)), tools_text=json.dumps([TIDE]))
    bad = chat(gpt('<tool_call>\n{"name": "get_tide"\n</tool_call>'), tool(response(HIGH)), tools_text="[{]")
    refused = chat(gpt('<tool_call>\n{"name": "get_tide"\n</tool_call>'), tools_text=json.dumps([TIDE]))
    result = load_bytes(jsonl([good, good, refused, bad]), "hermes.jsonl")
    assert result.valid_rows == 2 and [e.row for e in result.errors] == [3, 4]
    (note,) = [n for n in result.notices if "were read as the row's tools" in n.message]
    assert note.note and note.message.startswith("2 rows: the tools listed as a <tools> block")
    # The row whose block did not parse was refused too: no warning of 1 row with no tools among the rows kept
    assert not any("is not a list of tool schemas" in n.message for n in result.notices)
    result = load_bytes(jsonl([good, refused]), "hermes.jsonl")
    assert [n.message[:6] for n in result.notices if "were read as the row's tools" in n.message] == ["1 row:"]
    result = load_bytes(jsonl([refused, good | {"conversations": good["conversations"][1:]}]), "hermes.jsonl")
    assert not any("<tools> block" in n.message for n in result.notices)  # the one row read was refused


# A call whose arguments quote the tags: the nearest <tool_call> before </tool_call> was read as the block's opening,
# and the row refused as "opens a <tool_call> block that never closes"
QUOTING = {"name": "send_note", "arguments": {"text": "Wrap each call in <tool_call> tags, close with </tool_call>."}}
QUOTED = [
    ("one call", call(**QUOTING), [QUOTING]),
    (
        "after a call, as a Python literal",
        call("get_tide", {"harbour": "Brest"}) + "\n<tool_call>\n" + repr(QUOTING) + "\n</tool_call>",
        [TIDE_CALL, QUOTING],
    ),
    ("before a call", call(**QUOTING) + "\n" + call("get_tide", {"harbour": "Brest"}), [QUOTING, TIDE_CALL]),
    (
        "the tag three times",
        call("send_note", {"text": "<tool_call> <tool_call>", "more": "<tool_call>"}),
        [{"name": "send_note", "arguments": {"text": "<tool_call> <tool_call>", "more": "<tool_call>"}}],
    ),
]


@pytest.mark.parametrize(("case", "said", "calls"), QUOTED, ids=[c[0] for c in QUOTED])
def test_a_call_whose_arguments_quote_the_tags_is_read(case, said, calls):
    row = chat(gpt("Noting it.\n" + said), *[tool(response({"ok": True}))] * len(calls))
    result = load_bytes(jsonl([row]), "hermes.jsonl")
    assert result.errors == [] and result.valid_rows == 1, result.errors
    called = result.rows[0]["messages"][1]
    assert called["content"] == "Noting it." and [c["function"] for c in called["tool_calls"]] == calls


@pytest.mark.parametrize(
    "said",
    [
        "Hermes models wrap each call in a <tool_call> tag, then wait for a <tool_response>.",
        "An example:\n```\n<tool_call>\n" + json.dumps(TIDE_CALL) + "\n</tool_call>\n```",
        "Write <tool_call> on its own line,\n<tool_call>\nthen the JSON, then close the tag.",
    ],
    ids=["in a sentence", "in a code block", "opening a line, no JSON after it"],
)
def test_text_that_mentions_the_tag_stays_text(said):
    row = {"conversations": [{"from": "human", "value": "How does Hermes call tools?"}, gpt(said)]}
    result = load_bytes(jsonl([row]), "chat.jsonl")
    assert result.errors == [] and result.rows[0]["messages"][1] == {"role": "assistant", "content": said}
    assert not any("Hermes function calling" in n.message for n in result.notices)


def _trained(row: dict, tokenizer, template: str) -> tuple[str, str]:
    encoded = encode_row(row, tokenizer, template)
    return (
        "".join(t.text for t in encoded.tokens if t.trained),
        "".join(t.text for t in encoded.tokens if not t.trained),
    )


def test_the_call_is_trained_and_the_results_and_schemas_are_masked(smol_tokenizer):
    row = chat(
        gpt("Let me look.\n" + call("get_tide", {"harbour": "Brest"}) + "\n" + call("get_wind", {})),
        tool(response(HIGH) + "\n" + response(KNOTS)),
        tools_text=repr([TIDE, WIND]),
    )
    (read,) = load_bytes(jsonl([row]), "hermes.jsonl").rows
    trained, masked = _trained(read, smol_tokenizer, "hermes")
    # The hermes template writes the calls back as the file wrote them (the text before, then one block each)
    assert trained.startswith(row["conversations"][2]["value"] + "<|im_end|>")
    assert ANSWER["value"] in trained and "14:02" not in trained.replace(ANSWER["value"], "")
    assert "High tide time for a harbour" not in trained and "High tide time for a harbour" in masked  # input
    assert masked.count("<tool_response>") == 2 and '"knots": 12' in masked
    # The schemas once, in the template's block; the tags named once, by the template (the intro's sentence naming
    # them left with the file's block: the system prompt said it twice)
    assert masked.count("High tide time for a harbour") == 1 and masked.count("</tools>") == 2
    assert masked.count("function signatures within") == 1
    # Llama 3.1's built-in writes the same calls its own way, still trained
    trained, masked = _trained(read, smol_tokenizer, "llama31")
    assert '{"name": "get_tide", "parameters": {"harbour": "Brest"}}' in trained and "14:02" in masked


def test_consecutive_ms_swift_tool_call_turns_are_one_turn_of_parallel_calls(smol_tokenizer):
    row = {
        "tools": [TIDE, {"type": "function", "function": WIND}],
        "messages": [
            {"role": "user", "content": "Tide and wind at Brest?"},
            {"role": "tool_call", "content": json.dumps(TIDE_CALL)},
            {"role": "tool_call", "content": json.dumps({"name": "get_wind", "arguments": {}})},
            {"role": "tool_response", "content": '{"high": "14:02"}'},
            {"role": "tool_response", "content": '{"knots": 12}'},
            {"role": "assistant", "content": "14:02, 12 knots."},
        ],
    }
    result = load_bytes(jsonl([row]), "agent.jsonl")
    assert result.errors == [] and result.warnings == []  # no "turns 2 and 3 are both from the assistant"
    turns = result.rows[0]["messages"]
    assert [t["role"] for t in turns] == ["user", "assistant", "tool", "tool", "assistant"]
    assert [c["function"]["name"] for c in turns[1]["tool_calls"]] == ["get_tide", "get_wind"]
    assert any("consecutive ms-swift `tool_call` turns" in n.message for n in result.notices)
    trained, _ = _trained(result.rows[0], smol_tokenizer, "hermes")
    assert trained.count("<|im_end|>") == 2  # one call turn, one answer: not two assistant turns of one call each
    # A tool_call turn that is not JSON is not merged away: turns.py refuses it by its own number
    row["messages"][2]["content"] = '{"name": "get_wind", '
    (error,) = load_bytes(jsonl([row]), "agent.jsonl").errors
    assert "the tool call of turn 3 (assistant) of 'messages' is not valid JSON" in error.message


def test_cli_inspect_and_tokens_read_a_hermes_file(tmp_path, capsys):
    path = tmp_path / "hermes.jsonl"
    good = chat(gpt(call("get_tide", {"harbour": "Brest"})), tool(response(HIGH)), tools_text=json.dumps([TIDE]))
    bad = chat(gpt('<tool_call>\n{"name": "get_tide"\n</tool_call>'), tool(response(HIGH)))
    path.write_bytes(jsonl([good, bad]))
    assert main(["data", "inspect", str(path), "--template", "hermes"]) == 0
    out = capsys.readouterr().out
    assert "valid rows: 1" in out and "holding:    tool_calls 1, tools 1" in out
    assert "line 2: the <tool_call> block 1 of turn 2 (assistant) of 'conversations' is not valid JSON" in out
    assert "leaves out tool calls" not in out
    assert main(["tokens", str(path), "--row", "0", "--template", "hermes", "--model", "default", "--json"]) == 0
    tokens = json.loads(capsys.readouterr().out)["tokens"]
    trained = "".join(t["text"] for t in tokens if t["label"] != -100)
    assert trained == call("get_tide", {"harbour": "Brest"}) + "<|im_end|>" + ANSWER["value"] + "<|im_end|>"


def test_a_rows_own_tools_are_kept_and_the_block_still_leaves_the_system_text():
    """The block's tools the row's own `tools` lack join them: the system text told the model of get_wind, and with
    the block taken out of it, get_wind was dropped without a word (the own tools alone were kept)."""
    row = chat(gpt(call("get_tide", {"harbour": "Brest"})), tool(response(HIGH)), tools_text=json.dumps([TIDE, WIND]))
    (read,) = load_bytes(jsonl([row | {"tools": [TIDE]}]), "hermes.jsonl").rows
    assert read["messages"][0] == {"role": "system", "content": KEPT}
    assert [t.get("function", t)["name"] for t in read["tools"]] == ["get_tide", "get_wind"], read["tools"]
    (same,) = load_bytes(jsonl([row | {"tools": [TIDE, WIND]}]), "hermes.jsonl").rows
    assert same["tools"] == read["tools"]


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_the_same_rows_as_a_table(kind):
    import io

    import pandas as pd

    row = chat(gpt(call("get_tide", {"harbour": "Brest"})), tool(response(HIGH)), tools_text=repr([TIDE, WIND]))
    # A CSV cell holds the conversation as JSON text; Parquet holds the list itself
    frame = pd.DataFrame([{"conversations": json.dumps(row["conversations"])} if kind == "csv" else row])
    buffer = io.BytesIO()
    frame.to_csv(buffer, index=False) if kind == "csv" else frame.to_parquet(buffer)
    result = load_bytes(buffer.getvalue(), f"hermes.{kind}")
    assert result.errors == [] and result.valid_rows == 1
    (read,) = result.rows
    assert read["tools"] == [TIDE, WIND] and read["messages"][0] == {"role": "system", "content": KEPT}
    assert read["messages"][2]["tool_calls"][0]["function"] == TIDE_CALL
