"""Edges of Gemini's shapes (ftlib/api_shapes.py) that a mutation review found untested: the code execution tool's
fences (an unspecified language, an empty output, text ending in a newline, a thought signature), google-genai's
snake_case `file_data` and `thought_signature`, a call's and a result's keys not read, and a dumped Schema's unset
fields at any depth. Read through the public reader; the content is ours, the shapes Google's.
"""

from __future__ import annotations

import json

from ftlib.data import load_bytes

ASK = {"role": "user", "parts": [{"text": "What is the sum of the primes below 30?"}]}


def load(*rows: dict):
    return load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "vertex.jsonl")


def test_code_parts_fence_an_unspecified_language_and_an_empty_output_with_one_blank_line():
    """LANGUAGE_UNSPECIFIED opens a plain fence; code that printed nothing is an empty block; text that already ends
    in a newline gets one more, not two; a part's thought signature is no text and says nothing."""
    reply = {
        "role": "model",
        "parts": [
            {"text": "I'll check in code:\n"},
            {
                "executableCode": {"language": "LANGUAGE_UNSPECIFIED", "code": "total = 129"},
                "thoughtSignature": "c2ln",
            },
            {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": ""}},
            {"text": "The sum is 129."},
        ],
    }
    loaded = load({"contents": [ASK, reply]})
    assert [e.message for e in loaded.errors] == []
    assert loaded.rows[0]["messages"][1]["content"] == (
        "I'll check in code:\n\n```\ntotal = 129\n```\n\n```\n```\n\nThe sum is 129."
    )
    assert [n.field for n in loaded.notices if n.field] == []
    (note,) = [n.message for n in loaded.notices if "code execution" in n.message]
    assert note.startswith("2 code execution parts (Gemini's `executableCode` and `codeExecutionResult`) in 1 row ")


def test_google_genais_file_data_is_refused_by_what_it_holds_and_a_text_parts_signature_says_nothing():
    """`file_data` (a video in Cloud Storage) is refused as a video, as `fileData` is; a text part's
    `thought_signature` (Gemini signs text parts too) is no text, left out as the camelCase one is."""
    video = {"file_data": {"file_uri": "gs://tides/whitby.mp4", "mime_type": "video/mp4"}, "text": None}
    watched = {"contents": [{"role": "user", "parts": [{"text": "What does this show?"}, video]},
                            {"role": "model", "parts": [{"text": "A rising tide."}]}]}  # fmt: skip
    assert "this row has a video" in load(watched).errors[0].message
    signed = {"contents": [ASK, {"role": "model", "parts": [{"text": "129.", "thought_signature": "c2ln"}]}]}
    loaded = load(signed)
    assert [e.message for e in loaded.errors] == []
    assert loaded.rows[0]["messages"][1] == {"role": "assistant", "content": "129."}
    assert [n.field for n in loaded.notices if n.field] == []


def test_keys_of_a_call_and_a_result_not_read_are_named():
    """A functionCall's and a functionResponse's keys no template reads (a streamed result's `willContinue`, a call's
    `partialArgs`) are named in the file's report, not dropped unsaid."""
    call = {"functionCall": {"name": "lookup_tide", "args": {"harbour": "Whitby"}, "partialArgs": [{"jsonPath": "$"}]}}
    answer = {"functionResponse": {"name": "lookup_tide", "response": {"time": "14:05"}, "willContinue": True}}
    turns = [ASK, {"role": "model", "parts": [call]}, {"role": "user", "parts": [answer]},
             {"role": "model", "parts": [{"text": "At 14:05."}]}]  # fmt: skip
    loaded = load({"contents": turns})
    assert [e.message for e in loaded.errors] == []
    named = " ".join(n.field for n in loaded.notices if n.field)
    assert "partialArgs" in named and "willContinue" in named


def test_a_dumped_schemas_unset_fields_are_left_out_at_any_depth():
    """google-genai's `model_dump()` of a Schema writes every unset field as None, in nested properties too: none of
    them reaches the tool the template shows the model."""
    harbour = {"type": "STRING", "description": "A harbour's name.", "enum": None, "format": None, "items": None}
    declared = {"name": "lookup_tide", "description": "High tide at a harbour.", "behavior": None,
                "parameters": {"type": "OBJECT", "properties": {"harbour": harbour}, "required": ["harbour"],
                               "nullable": None}}  # fmt: skip
    row = {
        "contents": [ASK, {"role": "model", "parts": [{"text": "129."}]}],
        "tools": [{"function_declarations": [declared]}],
    }
    loaded = load(row)
    assert [e.message for e in loaded.errors] == []
    assert loaded.rows[0]["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "lookup_tide",
                "description": "High tide at a harbour.",
                "parameters": {
                    "type": "OBJECT",
                    "properties": {"harbour": {"type": "STRING", "description": "A harbour's name."}},
                    "required": ["harbour"],
                },
            },
        }
    ]
