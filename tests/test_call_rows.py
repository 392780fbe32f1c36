"""Function-calling rows in xLAM's shape (a `query`, the `answers` that call its `tools`, both often JSON text) read as
a chat whose reply is the calls (ftlib/call_rows.py).

Before, such a file was read as prompts for GRPO with `answers` beside them for a reward: SFT had nothing to train,
and the calls the data set exists to teach were never shown to the model. The content is ours; the shape is the one
Salesforce's xlam-function-calling-60k and the sets built like it publish.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from ftlib.data import load_bytes
from ftlib.tokens import encode_row

TOOLS = [
    {
        "name": "get_tide",
        "description": "High and low tide times for a harbour",
        "parameters": {"harbour": {"type": "str", "description": "The harbour's name"}},
    },
    {"name": "get_wind", "description": "Wind speed in knots", "parameters": {"harbour": {"type": "str"}}},
]


def xlam(i: int, answers=None) -> dict:
    calls = [
        {"name": "get_tide", "arguments": {"harbour": f"Brest {i}"}},
        {"name": "get_wind", "arguments": {"harbour": f"Cork {i}"}},
    ]
    return {
        "id": i,
        "query": f"Tide at Brest {i} and wind at Cork {i}?",
        "answers": json.dumps(calls) if answers is None else answers,
        "tools": json.dumps(TOOLS),
    }


def jsonl(rows) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def test_a_query_and_its_calls_are_a_chat_whose_reply_is_the_calls(smol_tokenizer):
    result = load_bytes(jsonl([xlam(i) for i in range(4)]), "xlam.jsonl")
    assert result.format == "messages" and result.errors == []
    row = result.rows[0]
    assert row["messages"][0] == {"role": "user", "content": "Tide at Brest 0 and wind at Cork 0?"}
    calls = row["messages"][1]["tool_calls"]
    assert [c["function"] for c in calls] == [  # parallel calls, in order, arguments as objects (not JSON text)
        {"name": "get_tide", "arguments": {"harbour": "Brest 0"}},
        {"name": "get_wind", "arguments": {"harbour": "Cork 0"}},
    ]
    assert [t["function"]["name"] if "function" in t else t["name"] for t in row["tools"]] == ["get_tide", "get_wind"]
    assert any("xLAM's function-calling shape" in n.message and n.note for n in result.notices)
    encoded = encode_row(row, smol_tokenizer, "hermes")
    trained = "".join(t.text for t in encoded.tokens if t.trained)
    assert '"name": "get_tide", "arguments": {"harbour": "Brest 0"}' in trained
    assert '"name": "get_wind"' in trained and "Tide at Brest" not in trained


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_the_same_rows_as_a_table(kind):
    frame = pd.DataFrame([xlam(i) for i in range(4)])
    buffer = io.BytesIO()
    frame.to_csv(buffer, index=False) if kind == "csv" else frame.to_parquet(buffer)
    result = load_bytes(buffer.getvalue(), f"xlam.{kind}")
    assert result.format == "messages" and result.valid_rows == 4
    assert result.rows[0]["messages"][1]["tool_calls"][0]["function"]["name"] == "get_tide"
    assert result.column_map == {"tools": "tools"}  # what the Data page starts its boxes from: no column renamed
    # The page passes the fields it leaves unmapped as None: still the engine's own reading, tools kept
    again = load_bytes(buffer.getvalue(), f"xlam.{kind}", column_map={"tools": "tools", "prompt": None})
    assert again.format == "messages" and again.rows[0]["tools"]


@pytest.mark.parametrize(
    ("fmt", "column_map"), [("prompt_only", None), (None, {"prompt": "query"}), ("prompt_only", {"prompt": "query"})]
)
def test_a_format_or_a_mapping_given_reads_the_file_as_written(fmt, column_map):
    result = load_bytes(jsonl([xlam(i) for i in range(4)]), "xlam.jsonl", fmt=fmt, column_map=column_map)
    assert result.format == "prompt_only" and result.valid_rows == 4  # prompts for GRPO, `answers` for a reward
    assert not any("xLAM" in n.message for n in result.notices)


def test_a_row_of_no_calls_is_refused_not_trained_as_an_empty_reply():
    result = load_bytes(jsonl([xlam(0), xlam(1, answers="[]"), xlam(2)]), "xlam.jsonl")
    assert result.valid_rows == 2
    ((error,),) = [result.errors]
    assert error.row == 2 and "turn 2 (assistant) of 'messages' is empty" in error.message
    assert any("`answers` an empty list, has an empty reply and is refused" in n.message for n in result.notices)


def test_a_query_beside_an_answer_or_a_chat_is_not_taken_for_calls():
    prompts = [{"query": f"What is {i} times 3?", "answers": str(3 * i)} for i in range(4)]  # no tools: GRPO's
    assert load_bytes(jsonl(prompts), "q.jsonl").format == "prompt_only"
    chats = [{**xlam(0), "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}]
    result = load_bytes(jsonl(chats), "c.jsonl")
    assert result.rows[0]["messages"][1] == {"role": "assistant", "content": "Hello"}
