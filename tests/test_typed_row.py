"""A row typed by hand (the Tokens page, ftlib.typed_row.read_row) is read as the same row in a file is
(ftlib.data.load_bytes): a Hermes system text's <tools> block among the rest."""

from __future__ import annotations

import copy
import json

import pytest

from ftlib.data import load_bytes, read_row
from ftlib.formats import RowProblem
from ftlib.tokens import encode_row

SCHEMA = {
    "type": "function",
    "function": {
        "name": "ferry_times",
        "description": "Departures of the ferry between two piers today",
        "parameters": {
            "type": "object",
            "properties": {"from_pier": {"type": "string"}, "to_pier": {"type": "string"}},
            "required": ["from_pier", "to_pier"],
        },
    },
}
SYSTEM = (
    "You help travellers on the island. Give times as written by the ferry company. You have access to these "
    f"tools:\n<tools>\n{json.dumps([SCHEMA])}\n</tools>\nFor each call return a JSON object within "
    "<tool_call></tool_call> XML tags."
)
HERMES_ROW = {
    "conversations": [
        {"from": "system", "value": SYSTEM},
        {"from": "human", "value": "When does the next ferry leave North Pier for Lantern Bay?"},
        {
            "from": "gpt",
            "value": '<tool_call>\n{"name": "ferry_times", "arguments": {"from_pier": "North Pier", '
            '"to_pier": "Lantern Bay"}}\n</tool_call>',
        },
        {"from": "tool", "value": '<tool_response>\n{"departures": ["16:40", "18:10"]}\n</tool_response>'},
        {"from": "gpt", "value": "The next ferry leaves North Pier at 16:40, then 18:10."},
    ]
}


def _from_file(row: dict) -> dict:
    (read,) = load_bytes((json.dumps(row) + "\n").encode(), "ferry.jsonl").rows
    return read


def test_a_typed_hermes_row_gets_its_tools_block_as_a_file_row_does(smol_tokenizer):
    """Helper 85's task: a typed Hermes row had its <tool_call>s read but kept its <tools> block as system text, the
    schemas then said as the system prompt's words and the row with no tools; in a file they are the row's tools."""
    typed = read_row(copy.deepcopy(HERMES_ROW))
    filed = _from_file(HERMES_ROW)
    assert typed.row == filed
    assert [t["function"]["name"] for t in typed.row["tools"]] == ["ferry_times"]
    assert typed.row["messages"][0] == {
        "role": "system",
        "content": "You help travellers on the island. Give times as written by the ferry company.",
    }
    assert not typed.warnings  # the call names a tool the row defines
    # Said of the row as the file says it of its rows (without the file's "1 row: ")
    (note,) = [n for n in typed.notes if "<tools> block" in n]
    assert note.startswith("the tools listed as a <tools> block in the system text (Hermes function calling)")
    for template in ("hermes", "llama31"):  # the tokens and what is trained, as a training run of the file gets them
        by_hand, in_file = (encode_row(r, smol_tokenizer, template) for r in (typed.row, filed))
        assert by_hand.input_ids == in_file.input_ids and by_hand.labels == in_file.labels
    masked = "".join(t.text for t in encode_row(typed.row, smol_tokenizer, "hermes").tokens if not t.trained)
    assert masked.count("Departures of the ferry") == 1 and "For each call return" not in masked


def test_a_typed_rows_tools_block_that_does_not_parse_is_kept_as_text_with_a_warning():
    row = copy.deepcopy(HERMES_ROW)
    row["conversations"][0]["value"] = "Be brief.\n<tools>\nferry_times(from_pier, to_pier)\n</tools>"
    typed = read_row(row)
    assert typed.row == _from_file(row) and "tools" not in typed.row
    assert typed.row["messages"][0]["content"] == row["conversations"][0]["value"]
    assert any(
        w.startswith("the `<tools>` block in the system text is not a list of tool schemas") for w in typed.warnings
    )
    assert not any("<tools> block" in n for n in typed.notes)


def test_a_typed_row_without_a_tools_block_is_read_as_before():
    chat = [{"role": "system", "content": "Name <tools> you like."}, {"role": "user", "content": "Hammer?"}]
    chat.append({"role": "assistant", "content": "A good one."})
    typed = read_row(chat)
    assert typed.row == {"messages": chat} and not typed.warnings and not typed.notes


# xLAM's shape (a query, the calls answering it, the tools they call), with `answers` and `tools` as JSON text as
# the published sets write them
HARBOUR_TOOLS = [
    {
        "name": "harbour_depth",
        "description": "Depth of water at a harbour's entrance at a given hour, in metres",
        "parameters": {
            "type": "object",
            "properties": {"harbour": {"type": "string"}, "hour": {"type": "string"}},
            "required": ["harbour", "hour"],
        },
    }
]
XLAM_ROW = {
    "query": "Is there enough water to enter Port Merrow at 09:00 and at 15:00 with a 2 m keel?",
    "answers": json.dumps(
        [
            {"name": "harbour_depth", "arguments": {"harbour": "Port Merrow", "hour": "09:00"}},
            {"name": "harbour_depth", "arguments": {"harbour": "Port Merrow", "hour": "15:00"}},
        ]
    ),
    "tools": json.dumps(HARBOUR_TOOLS),
}


def test_a_typed_xlam_row_is_read_as_a_chat_as_a_file_row_is(smol_tokenizer):
    """Helper 86's task: a typed xLAM row was refused ("This row has none of the fields the studio reads") while the
    same row in a file is a chat (call_rows.call_records): the query the user's turn, the calls the reply."""
    typed = read_row(copy.deepcopy(XLAM_ROW))
    filed = _from_file(XLAM_ROW)
    assert typed.row == filed
    user, reply = typed.row["messages"]
    assert user == {"role": "user", "content": XLAM_ROW["query"]}
    assert [c["function"]["arguments"]["hour"] for c in reply["tool_calls"]] == ["09:00", "15:00"]
    assert typed.row["tools"] == HARBOUR_TOOLS and not typed.warnings and not typed.ignored
    for template in ("hermes", "llama31"):  # the tokens and what is trained, as a training run of the file gets them
        by_hand, in_file = (encode_row(r, smol_tokenizer, template) for r in (typed.row, filed))
        assert by_hand.input_ids == in_file.input_ids and by_hand.labels == in_file.labels
    # The file's note said of the row, less the Data page's Field mapping, which a typed row has no box for
    (note,) = typed.notes
    assert note.startswith("this row is in xLAM's function-calling shape (a `query`, the `answers` that call its")
    assert note.endswith("is refused).") and "Field mapping" not in note


def test_a_typed_xlam_row_of_no_calls_is_refused_as_the_files_row_is():
    row = {**XLAM_ROW, "answers": "[]"}
    with pytest.raises(RowProblem) as refused:
        read_row(row)
    said = str(refused.value)
    (error,) = load_bytes(b"\n".join(json.dumps(r).encode() for r in (row, XLAM_ROW)), "harbour.jsonl").errors
    assert "turn 2 (assistant) of 'messages' is empty" in said and "turn 2 (assistant) of 'messages'" in error.message


def test_a_typed_glaive_row_is_read_as_a_chat_as_a_file_row_is():
    """call_records reads Glaive's shape too: typed, it was refused as xLAM's was."""
    schema = json.dumps(HARBOUR_TOOLS[0])
    row = {
        "system": "SYSTEM: You are a harbour assistant with access to the following functions. Use them if "
        f"required -\n{schema}",
        "chat": 'USER: How deep is Port Merrow at noon? \n\n\nASSISTANT: <functioncall> {"name": "harbour_depth", '
        '"arguments": \'{"harbour": "Port Merrow", "hour": "12:00"}\'} <|endoftext|>\n\n\n'
        'FUNCTION RESPONSE: {"depth_m": 3.4}\n\n\nASSISTANT: 3.4 m at the entrance at noon. <|endoftext|>',
    }
    typed = read_row(copy.deepcopy(row))
    assert typed.row == _from_file(row) and typed.row["tools"] == HARBOUR_TOOLS
    assert [t["role"] for t in typed.row["messages"]] == ["system", "user", "assistant", "tool", "assistant"]
    assert typed.notes[0].startswith("this row is in Glaive's function-calling shape")


def test_a_typed_gemini_row_says_it_was_read_as_a_chat_as_a_file_says_of_its_rows():
    """The provider's note (api_shapes.api_records) was dropped for a typed row: said of it as call_rows' is."""
    row = {
        "systemInstruction": {"parts": [{"text": "Answer as a lighthouse keeper."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Is the lamp lit?"}]},
            {"role": "model", "parts": [{"text": "Since dusk, as every night."}]},
        ],
    }
    typed = read_row(copy.deepcopy(row))
    assert typed.row == _from_file(row)
    assert typed.notes[0].startswith("this row is in Gemini's shape") and typed.notes[0].endswith("of 'messages'")
