"""Real-world row shapes (issue 14): tool calls, reasoning, unpaired labels, weights, history, preference variants,
content parts, raw text and prompt-only rows, in every file type they travel in; refusals that name the reason;
fields that are not read, named once per file; field mapping for JSON, JSONL and Parquet as for CSV.

Every case is (id, file types, records as another project writes them, format, canonical rows expected). The
content is ours; the shapes are those of OpenAI / Hugging Face messages, ShareGPT and LLaMA-Factory, Alpaca and TRL.
"""

from __future__ import annotations

import csv
import json
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ftlib.data import DataError, MappingNeeded, load_bytes, load_file
from ftlib.data_stats import dataset_stats, render_row
from ftlib.formats import convert_record
from ftlib.turns import split_think

ALL = ("jsonl", "json", "csv", "parquet")
NO_PARQUET = ("jsonl", "json", "csv")  # values of mixed types in one column (text or parts) cannot be a Parquet column


AROUND = ["<think>\n", "\n</think>\n\n"]  # the text a file wrote around an inline reasoning


def m(role: str, content: str, **extra) -> dict:
    return {"role": role, "content": content, **extra}


def call(name: str, arguments: dict, **extra) -> dict:
    return {"type": "function", "function": {"name": name, "arguments": arguments}, **extra}


TIDE_TOOL = {
    "type": "function",
    "function": {
        "name": "lookup_tide",
        "description": "High and low tide times for a harbour today.",
        "parameters": {"type": "object", "properties": {"harbour": {"type": "string"}}, "required": ["harbour"]},
    },
}
TIDE_Q = "When is high tide in Dover?"
TIDE_A = "High tide in Dover is at 14:05."
# The issue's example: a call with no text, its result, and the answer.
TIDE_ROW = {
    "messages": [
        m("user", TIDE_Q),
        m("assistant", "", tool_calls=[call("lookup_tide", {"harbour": "Dover"}, id="call_1")]),
        m("tool", "High tide 14:05", tool_call_id="call_1", name="lookup_tide"),
        m("assistant", TIDE_A),
    ],
    "tools": [TIDE_TOOL],
}
Q, A = m("user", "What is 6 x 7?"), m("assistant", "42.")

CASES = [
    (
        "openai-tool-call-arguments-as-json-text",
        ALL,
        [
            {
                "tools": [TIDE_TOOL],
                "messages": [
                    {"role": "user", "content": TIDE_Q},
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": "lookup_tide", "arguments": '{"harbour": "Dover"}'},
                            }
                        ],
                    },
                    {"role": "tool", "tool_call_id": "call_1", "name": "lookup_tide", "content": "High tide 14:05"},
                    {"role": "assistant", "content": TIDE_A},
                ],
            }
        ],
        "messages",
        [TIDE_ROW],
    ),
    (
        "hf-tool-call-object-arguments-text-beside-tools-as-json-text",
        NO_PARQUET,
        [
            {
                "tools": json.dumps([TIDE_TOOL]),
                "messages": [
                    {"role": "user", "content": "Tide at Dover, please."},
                    {
                        "role": "assistant",
                        "content": "Let me look that up.",
                        "tool_calls": [
                            {
                                "type": "function",
                                "function": {"name": "lookup_tide", "arguments": {"harbour": "Dover"}},
                            }
                        ],
                    },
                    {"role": "tool", "name": "lookup_tide", "content": {"high": "14:05"}},
                    {"role": "assistant", "content": "14:05."},
                ],
            }
        ],
        "messages",
        [
            {
                "messages": [
                    m("user", "Tide at Dover, please."),
                    m("assistant", "Let me look that up.", tool_calls=[call("lookup_tide", {"harbour": "Dover"})]),
                    m("tool", '{"high": "14:05"}', name="lookup_tide"),
                    m("assistant", "14:05."),
                ],
                "tools": [TIDE_TOOL],
            }
        ],
    ),
    (
        "sharegpt-function-call-observation-tools-string",
        ALL,
        [
            {
                "conversations": [
                    {"from": "human", "value": TIDE_Q},
                    {"from": "function_call", "value": '{"name": "lookup_tide", "arguments": {"harbour": "Dover"}}'},
                    {"from": "observation", "value": "High tide 14:05"},
                    {"from": "gpt", "value": TIDE_A},
                ],
                "tools": json.dumps([TIDE_TOOL["function"]]),
            }
        ],
        "sharegpt",
        [
            {
                "messages": [
                    m("user", TIDE_Q),
                    m("assistant", "", tool_calls=[call("lookup_tide", {"harbour": "Dover"})]),
                    m("tool", "High tide 14:05"),
                    m("assistant", TIDE_A),
                ],
                "tools": [TIDE_TOOL["function"]],
            }
        ],
    ),
    (
        "reasoning-from-fields-parts-and-inline-think",
        NO_PARQUET,
        [
            {"messages": [Q, {"role": "assistant", "content": "42.", "reasoning_content": "Six sevens are 42."}]},
            {"messages": [Q, {"role": "assistant", "content": "42.", "reasoning": "Six sevens are 42."}]},
            {"messages": [Q, {"role": "assistant", "content": "42.", "thinking": "Six sevens are 42."}]},
            {"messages": [Q, {"role": "assistant", "content": "<think>\nSix sevens are 42.\n</think>\n\n42."}]},
            {
                "messages": [
                    Q,
                    {
                        "role": "assistant",
                        "content": [
                            {"type": "thinking", "thinking": "Six sevens are 42."},
                            {"type": "text", "text": "42."},
                        ],
                    },
                ]
            },
            {
                "messages": [
                    Q,
                    {
                        "role": "assistant",
                        "content": [
                            {"type": "reasoning", "text": "Six sevens are 42."},
                            {"type": "text", "value": "42."},
                        ],
                    },
                ]
            },
        ],
        "messages",
        # Written inline, the text around the reasoning is kept (`inline_think`): templates get the content as the
        # file wrote it.
        [
            {"messages": [Q, m("assistant", "42.", reasoning="Six sevens are 42.")]},
            {"messages": [Q, m("assistant", "42.", reasoning="Six sevens are 42.")]},
            {"messages": [Q, m("assistant", "42.", reasoning="Six sevens are 42.")]},
            {"messages": [Q, m("assistant", "42.", reasoning="Six sevens are 42.", inline_think=AROUND)]},
            {"messages": [Q, m("assistant", "42.", reasoning="Six sevens are 42.")]},
            {"messages": [Q, m("assistant", "42.", reasoning="Six sevens are 42.")]},
        ],
    ),
    (
        "empty-think-block-is-kept-as-empty-reasoning",
        ALL,
        [{"messages": [Q, {"role": "assistant", "content": "<think>\n\n</think>\n\n42."}]}],
        "messages",
        [{"messages": [Q, m("assistant", "42.", reasoning="", inline_think=["<think>\n\n", "</think>\n\n"])]}],
    ),
    (
        "openai-weight-and-loss-weight",
        NO_PARQUET,
        [
            {"messages": [Q, m("assistant", "41.", weight=0), m("user", "Again?"), m("assistant", "42.", weight=1)]},
            {"messages": [Q, {"role": "assistant", "content": "41.", "loss_weight": 0.0}, m("user", "Again?"), A]},
        ],
        "messages",
        [
            {"messages": [Q, m("assistant", "41.", weight=0), m("user", "Again?"), m("assistant", "42.", weight=1)]},
            {"messages": [Q, m("assistant", "41.", weight=0), m("user", "Again?"), A]},
        ],
    ),
    (
        "trl-kto-text",
        ALL,
        [
            {"prompt": "What is 6 x 7?", "completion": "42.", "label": True},
            {"prompt": "What is 6 x 7?", "completion": "48.", "label": False},
        ],
        "unpaired_preference",
        [
            {"prompt": [Q], "completion": [A], "label": True},
            {"prompt": [Q], "completion": [m("assistant", "48.")], "label": False},
        ],
    ),
    (
        "trl-kto-conversational",
        ALL,
        [{"prompt": [Q], "completion": [m("assistant", "48.")], "label": False}],
        "unpaired_preference",
        [{"prompt": [Q], "completion": [m("assistant", "48.")], "label": False}],
    ),
    (
        "messages-with-label",
        ALL,
        [{"messages": [m("system", "Be exact."), Q, A], "label": True}],
        "unpaired_preference",
        [{"prompt": [m("system", "Be exact."), Q], "completion": [A], "label": True}],
    ),
    (
        "sharegpt-kto-tag",
        ALL,
        [
            {
                "conversations": [{"from": "human", "value": "What is 6 x 7?"}, {"from": "gpt", "value": "48."}],
                "kto_tag": False,
            }
        ],
        "unpaired_preference",
        [{"prompt": [Q], "completion": [m("assistant", "48.")], "label": False}],
    ),
    (
        "alpaca-history-and-system",
        NO_PARQUET,
        [
            {
                "instruction": "And times 2?",
                "input": "",
                "output": "84.",
                "system": "Be exact.",
                "history": [["What is 6 x 7?", "42."]],
            }
        ],
        "alpaca",
        [{"messages": [m("system", "Be exact."), Q, A, m("user", "And times 2?"), m("assistant", "84.")]}],
    ),
    (
        "alpaca-shaped-preference-with-input",
        ALL,
        [{"instruction": "Multiply the numbers.", "input": "6 and 7", "chosen": "42.", "rejected": "48."}],
        "preference",
        [
            {
                "prompt": [m("user", "Multiply the numbers.\n\n6 and 7")],
                "chosen": [A],
                "rejected": [m("assistant", "48.")],
            }
        ],
    ),
    (
        "sharegpt-preference-turn-objects",
        ALL,
        [
            {
                "conversations": [{"from": "human", "value": "What is 6 x 7?"}],
                "chosen": {"from": "gpt", "value": "42."},
                "rejected": {"from": "gpt", "value": "48."},
            }
        ],
        "preference",
        [{"prompt": [Q], "chosen": [A], "rejected": [m("assistant", "48.")]}],
    ),
    (
        "chosen-messages-rejected-messages",
        ALL,
        [{"chosen_messages": [Q, A], "rejected_messages": [Q, m("assistant", "48.")]}],
        "preference",
        [{"prompt": [Q], "chosen": [A], "rejected": [m("assistant", "48.")]}],
    ),
    (
        "question-chosen-rejected-with-system",
        ALL,
        [{"system": "Be exact.", "question": "What is 6 x 7?", "chosen": "42.", "rejected": "48."}],
        "preference",
        [{"prompt": [m("system", "Be exact."), Q], "chosen": [A], "rejected": [m("assistant", "48.")]}],
    ),
    (
        "implicit-prompt-with-the-same-prompt-written-beside",
        ALL,
        [{"prompt": "What is 6 x 7?", "chosen": [Q, A], "rejected": [Q, m("assistant", "48.")]}],
        "preference",
        [{"prompt": [Q], "chosen": [A], "rejected": [m("assistant", "48.")]}],
    ),
    (
        "content-parts-text-and-value",
        NO_PARQUET,
        [
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [{"type": "text", "text": "What is "}, {"type": "text", "text": "6 x 7?"}],
                    },
                    {"role": "assistant", "content": [{"value": "42."}]},
                ]
            }
        ],
        "messages",
        [{"messages": [Q, A]}],
    ),
    (
        "tool-call-content-part",
        NO_PARQUET,
        [
            {
                "messages": [
                    {"role": "user", "content": TIDE_Q},
                    {
                        "role": "assistant",
                        "content": [
                            {"type": "tool_use", "id": "t1", "name": "lookup_tide", "input": {"harbour": "Dover"}}
                        ],
                    },
                    {"role": "tool", "tool_call_id": "t1", "content": "High tide 14:05"},
                    {"role": "assistant", "content": TIDE_A},
                ]
            }
        ],
        "messages",
        [
            {
                "messages": [
                    m("user", TIDE_Q),
                    m("assistant", "", tool_calls=[call("lookup_tide", {"harbour": "Dover"}, id="t1")]),
                    m("tool", "High tide 14:05", tool_call_id="t1"),
                    m("assistant", TIDE_A),
                ]
            }
        ],
    ),
    (
        "raw-text",
        ALL,
        [{"text": "The tide turns twice a day.\n\nSailors watch it."}, {"text": "  Leading spaces stay."}],
        "text",
        [{"text": "The tide turns twice a day.\n\nSailors watch it."}, {"text": "  Leading spaces stay."}],
    ),
    (
        "prompt-only-text-and-messages",
        NO_PARQUET,
        [{"prompt": "What is 6 x 7?"}, {"prompt": [m("system", "Be exact."), Q]}],
        "prompt_only",
        [{"prompt": [Q]}, {"prompt": [m("system", "Be exact."), Q]}],
    ),
]
CASE_PARAMS = [
    pytest.param(kind, records, fmt, expected, id=f"{case_id}-{kind}")
    for case_id, kinds, records, fmt, expected in CASES
    for kind in kinds
]


NULLS_LEFT_OUT = "Keys holding null inside the lists and objects of the file's columns are left out"


def write(tmp_path, records: list[dict], kind: str, name: str = "data"):
    """`records` as a user's file of type `kind`; in CSV, lists and objects travel as JSON text in their cells."""
    path = tmp_path / f"{name}.{kind}"
    if kind == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    elif kind == "json":
        path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    elif kind == "csv":
        columns = list(dict.fromkeys(k for r in records for k in r))
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for r in records:
                writer.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in r.items()})
    else:
        pq.write_table(pa.Table.from_pylist(records), path)
    return path


@pytest.mark.parametrize("kind, records, fmt, expected", CASE_PARAMS)
def test_every_shape_in_every_file_type(tmp_path, kind, records, fmt, expected):
    result = load_file(write(tmp_path, records, kind))
    assert [e.as_dict() for e in result.errors] == []
    assert (result.format, result.rows) == (fmt, expected)
    # Nothing in these rows goes unread. Parquet gives every turn the keys any turn has; the nulls of the keys a turn
    # never had are left out, which a note says (tests/test_readers.py). Rows that spell one answer several ways
    # read as the same row, which the duplicates note says (the reasoning case).
    said = [n.message for n in result.notices if not (kind == "parquet" and NULLS_LEFT_OUT in n.message)]
    # a 'prompt' written again at the start of both conversations is read once, which a note says (h263)
    assert [s for s in said if "repeat an earlier one exactly" not in s and "is written again at the" not in s] == []
    assert result.row_numbers == list(range(1, len(records) + 1))


def test_the_issue_example_holds_every_part_of_the_tool_call(tmp_path):
    rows = load_file(write(tmp_path, CASES[0][2], "jsonl")).rows
    call_turn = rows[0]["messages"][1]
    assert call_turn["content"] == "" and call_turn["tool_calls"][0]["function"]["arguments"] == {"harbour": "Dover"}
    assert load_file(write(tmp_path, CASES[0][2], "jsonl")).summary()["counts"] == {
        "tool_calls": 1,
        "tools": 1,
        "reasoning": 0,
        "weight_0": 0,
    }


# --- refusals name the real reason ----------------------------------------------------------------------------

U = {"role": "user", "content": "q"}
REFUSALS = [
    (
        "malformed-arguments",
        {
            "messages": [
                U,
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"type": "function", "function": {"name": "lookup_tide", "arguments": '{"harbour": Dover}'}}
                    ],
                },
            ]
        },
        r"the arguments of tool call 1 \(`lookup_tide`\) of turn 2 \(assistant\) of 'messages' are not valid JSON",
    ),
    (
        "arguments-not-an-object",
        {"messages": [U, {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "[1, 2]"}}]}]},
        r"the arguments of tool call 1 \(`f`\) .* must be a JSON object, but they are a list",
    ),
    (
        "call-without-a-name",
        {"messages": [U, {"role": "assistant", "tool_calls": [{"function": {"arguments": {}}}]}]},
        r"tool call 1 of turn 2 \(assistant\) of 'messages' has no function name",
    ),
    (
        "null-text-part",
        {"messages": [{"role": "user", "content": [{"type": "text", "text": None}]}, A]},
        r"content part 1 of turn 1 \(user\) of 'messages' has no text \(null\)",
    ),
    (
        "image-part",
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x.png"}}]}, A]},
        r"this row has an image .*; the studio trains text-only models",
    ),
    (
        "audio-part",
        {"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}, A]},
        r"this row has audio",
    ),
    (
        "images-field",
        {"messages": [m("user", "<image>What is this?"), A], "images": ["cat.png"]},
        r"this row has an image \(the 'images' field\)",
    ),
    (
        "llava-image-field",
        {
            "conversations": [{"from": "human", "value": "<image>\nWhat?"}, {"from": "gpt", "value": "A cat."}],
            "image": "cat.jpg",
        },
        r"this row has an image \(the 'image' field\)",
    ),
    ("videos-field", {"messages": [U, A], "videos": ["v.mp4"]}, r"this row has a video"),
    (
        "unknown-part-type",
        {"messages": [{"role": "user", "content": [{"type": "hologram", "text": "x"}]}, A]},
        r"has the type 'hologram', which the studio does not read",
    ),
    (
        "unclosed-think",
        {"messages": [U, m("assistant", "<think>hmm, 42")]},
        r"turn 2 \(assistant\) of 'messages' opens a <think> block that never closes",
    ),
    (
        "two-think-blocks",
        {"messages": [U, m("assistant", "<think>a</think>x<think>b</think>y")]},
        r"more than one <think> block",
    ),
    (
        "reasoning-without-answer",
        {"messages": [U, m("assistant", "<think>only thoughts</think>")]},
        r"has reasoning but no answer",
    ),
    (
        "two-different-reasonings",
        {"messages": [U, m("assistant", "<think>a</think>42", reasoning_content="b")]},
        r"two different reasonings",
    ),
    (
        "reasoning-on-a-user-turn",
        {
            "messages": [
                {"role": "user", "content": [{"type": "reasoning", "text": "x"}, {"type": "text", "text": "q"}]},
                A,
            ]
        },
        r"turn 1 \(user\) .* only the assistant's turns carry those",
    ),
    (
        "weight-half",
        {"messages": [U, m("assistant", "a", weight=0.5)]},
        r"the weight of turn 2 \(assistant\) of 'messages' must be 0 \(not trained\) or 1",
    ),
    ("every-weight-zero", {"messages": [U, m("assistant", "a", weight=0)]}, r"every assistant turn has weight 0"),
    (
        "tool-result-without-a-call",
        {"messages": [U, m("tool", "14:05"), A]},
        r"turn 2 is a tool result, but the turn before it is not an assistant turn that calls a tool",
    ),
    (
        "observation-without-a-call",
        {
            "conversations": [
                {"from": "human", "value": "q"},
                {"from": "observation", "value": "x"},
                {"from": "gpt", "value": "a"},
            ]
        },
        r"turn 2 is a tool result",
    ),
    (
        "label-not-true-or-false",
        {"prompt": "q", "completion": "a", "label": "maybe", "kto_tag": "maybe"},
        r"the 'label' must be true, 1, yes, good or desirable \(a good answer\) or false, 0, no, bad or undesirable "
        r"\(a bad one\), in any case, not 'maybe'",
    ),
    (
        "labelled-conversation-ending-with-the-user",
        {"messages": [U, A, m("user", "more?")], "label": True},
        r"must end with the assistant's answer that the label judges",
    ),
    ("tools-not-schemas", {"messages": [U, A], "tools": "[1, 2]"}, r"'tools' must be a list of tool schemas"),
    (
        "tool-schema-without-a-name",
        {"messages": [U, A], "tools": [{"type": "function", "function": {"description": "x"}}]},
        r"tool 1 in 'tools' has no name",
    ),
    (
        "history-not-pairs",
        {"instruction": "i", "output": "o", "history": [["only one"]]},
        r"entry 1 of 'history' must be an \[instruction, response\] pair, but it has 1 item$",
    ),
    (  # a CLI walk (h141): an entry of three items was refused without saying it has three
        "history-entry-of-three",
        {"instruction": "i", "output": "o", "history": [["q", "a"], ["q2", "a2", "extra"]]},
        r"entry 2 of 'history' must be an \[instruction, response\] pair, but it has 3 items$",
    ),
    (
        "history-entry-not-a-list",
        {"instruction": "i", "output": "o", "history": ["q"]},
        r"entry 1 of 'history' must be an \[instruction, response\] pair, but it is text$",
    ),
    ("empty-text", {"text": "   "}, r"the text is empty"),
    (  # a cold review: OpenAI's legacy `functions` beside `tools` that name other functions
        "tools-and-legacy-functions-that-differ",
        {"messages": [U, A], "tools": [TIDE_TOOL], "functions": [{"name": "moon_phase", "parameters": {}}]},
        r"this row has both `tools` and `functions` \(OpenAI's legacy name of tools\), and they differ: .* Move the "
        r"functions into `tools` and remove `functions`",
    ),
    (  # a cold review: Hermes-style call text the studio cannot read as a call (here inside a code block)
        "hermes-tool-call-text-not-read",
        {
            "conversations": [
                {"from": "human", "value": "Tide at Dover?"},
                {
                    "from": "gpt",
                    "value": '```\n<tool_call>\n{"name": "lookup_tide", "arguments": {"harbour": "Dover"}}\n'
                    "</tool_call>\n```",
                },
                {"from": "tool", "value": '{"high": "14:05"}'},
                {"from": "gpt", "value": "At 14:05."},
            ]
        },
        r"turn 3 is a tool result, .*: turn 2 has <tool_call> in its text, but no call the studio reads there \(as "
        r"Hermes function-calling data writes calls: <tool_call> blocks that end the assistant's turn, .* Write its "
        r"calls so, or as OpenAI `tool_calls`",
    ),
    (
        "tool-result-after-no-call",
        {"messages": [U, A, m("tool", "14:05"), A]},
        r"turn 3 is a tool result, but the turn before it is not an assistant turn that calls a tool: give the "
        r"assistant turn before it its `tool_calls`, or leave the tool result out",
    ),
    ("prompt-only-ending-with-the-assistant", {"prompt": [U, A]}, r"the prompt must end with a user turn"),
]


@pytest.mark.parametrize("record, match", [pytest.param(r, p, id=i) for i, r, p in REFUSALS])
def test_a_refused_row_names_the_real_reason(record, match):
    # Every row of the file is that row, read in the format it is detected as: each is refused with the reason.
    payload = "".join(json.dumps(r) + "\n" for r in (record, record, record)).encode()
    result = load_bytes(payload, "rows.jsonl")
    assert [e.row for e in result.errors] == [1, 2, 3] and result.rows == []
    assert re.search(match, result.errors[0].message), result.errors[0].message


def test_an_answer_labelled_both_good_and_bad_is_named_with_its_rows():
    """A cold review: the same prompt and answer labelled true and false trained both ways without a word (and a split
    put one in each part). Both rows are kept (which label is right is the user's call) and named."""
    rows = [
        {"prompt": "Hi", "completion": "Hello", "label": True},
        {"prompt": "Hi", "completion": "Go away", "label": False},
        {"prompt": "Hi", "completion": "Hello", "label": "false"},
        {"prompt": "Hi", "completion": "Go away", "label": 0},
    ]
    result = load_bytes("".join(json.dumps(r) + "\n" for r in rows).encode(), "kto.jsonl")
    assert len(result.rows) == 4
    (said,) = [n.message for n in result.notices if "labelled both" in n.message]
    assert said.startswith(
        "1 answer is labelled both good and bad: the same prompt and answer in line 1 (good) and line 3 (bad). KTO "
    ), said
    result = load_bytes("".join(json.dumps(r) + "\n" for r in rows[:2]).encode(), "kto.jsonl")
    assert not [n for n in result.notices if "labelled both" in n.message]


def test_pairs_read_as_unpaired_are_told_of_label_not_llama_factorys_kto_tag():
    """A cold review forced `--format unpaired_preference` on chosen/rejected pairs and was told "the 'kto_tag' field
    is missing": the name only LLaMA-Factory's files use, in a row that has neither (in no row: said of the file)."""
    payload = json.dumps({"prompt": "Say hi", "chosen": "Hi!", "rejected": "No."}).encode()
    with pytest.raises(MappingNeeded, match=r"needs a field for: label\. "):
        load_bytes(payload, "pairs.jsonl", fmt="unpaired_preference")
    tagged = json.dumps({"prompt": "Say hi", "completion": "Hi!", "kto_tag": "maybe"}).encode()
    (error,) = load_bytes(tagged, "kto.jsonl", fmt="unpaired_preference").errors
    assert error.message.startswith("the 'kto_tag' must be true"), error.message


def test_an_assistant_turn_with_only_a_tool_call_is_valid_not_missing():
    result = load_bytes(json.dumps(CASES[0][2][0]).encode(), "t.jsonl")
    assert result.errors == [] and result.rows == [TIDE_ROW]


# OpenAI's legacy function calling: `functions` holds the row's schemas, bare, beside `function_call` turns.
LEGACY_ROW = {
    "messages": [
        m("user", TIDE_Q),
        {
            "role": "assistant",
            "content": None,
            "function_call": {"name": "lookup_tide", "arguments": '{"harbour": "Dover"}'},
        },
        {"role": "function", "name": "lookup_tide", "content": "High tide 14:05"},
        m("assistant", TIDE_A),
    ],
    "functions": [TIDE_TOOL["function"]],
}


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_legacy_functions_are_the_rows_tools(tmp_path, kind):
    """A cold review: `functions` was named ignored while the row's call was warned to call a function it never
    showed. Its bare schemas are read as the row's tools, in the shape a `tools` entry has, with a note."""
    result = load_file(write(tmp_path, [LEGACY_ROW], kind))
    assert [e.as_dict() for e in result.errors] == [] and result.warnings == []
    (row,) = result.rows
    assert row["tools"] == [TIDE_TOOL]  # {"type": "function", "function": schema}, as TIDE_ROW's `tools`
    assert row["messages"][1]["tool_calls"] == [call("lookup_tide", {"harbour": "Dover"})]
    said = [n.message for n in result.notices]
    assert [n for n in said if "ignored field" in n] == []
    assert any("`functions` (OpenAI's legacy name of `tools`" in n and "read as the row's tools" in n for n in said)
    # Beside `tools` that say the same (a converter may write both), both are read as one list, without a word.
    both = load_bytes(json.dumps({**LEGACY_ROW, "tools": [TIDE_TOOL]}).encode(), "both.jsonl")
    assert both.rows == [row] and [n.message for n in both.notices] == []


def test_unread_keys_of_a_tool_calls_function_are_named():
    """A cold review: a key inside `tool_calls[].function` beside its name and arguments vanished without a word,
    while one beside `function` was named. Both are named, and so are those of a call written as a content part."""
    turn = m("assistant", "", tool_calls=[call("lookup_tide", '{"harbour": "Dover"}', id="c1", index=0)])
    turn["tool_calls"][0]["function"]["note"] = "sentinel-note"
    parts = m(
        "assistant",
        [{"type": "tool_use", "id": "c2", "name": "lookup_tide", "input": {"harbour": "Dover"}, "cache": "x"}],
    )
    rows = [{"messages": [m("user", TIDE_Q), t, m("tool", "14:05"), A], "tools": [TIDE_TOOL]} for t in (turn, parts)]
    result = load_bytes("".join(json.dumps(r) + "\n" for r in rows).encode(), "calls.jsonl")
    assert len(result.rows) == 2 and result.errors == []
    assert {n.field: n.rows for n in result.notices} == {
        "messages[].tool_calls[].function.note": 1,
        "messages[].tool_calls[].index": 1,
        "messages[].content[].cache": 1,
    }


USER_ONLY = [
    {"messages": [m("user", "What is 6 x 7?")]},
    {"messages": [m("system", "Be exact."), m("user", "Half of 10?")]},
]


def test_a_chat_without_answers_is_told_how_to_read_it_as_prompts():
    """A cold review: user-only `messages` rows were refused with "nothing to train on", and forced to prompt_only
    told to pick the format 'messages' (circular). Both now say the mapping that reads them, and it does."""
    payload = "".join(json.dumps(r) + "\n" for r in USER_ONLY).encode()
    refused = load_bytes(payload, "prompts.jsonl")
    assert refused.rows == [] and len(refused.errors) == 2
    said = refused.errors[0].message
    assert said.startswith("there is no assistant turn, so there is nothing to train on. If these are prompts"), said
    assert "Field mapping on the Data page, messages -> prompt (CLI: --map messages=prompt)" in said
    forced = load_bytes(payload, "prompts.jsonl", fmt="prompt_only")
    (notice,) = [n.message for n in forced.notices]
    assert (
        "map `messages` to prompt (Field mapping on the Data page: messages -> prompt; --map messages=prompt" in notice
    )
    assert forced.errors[0].message.endswith(
        "(this row looks like messages: to read its turns as the prompt, map `messages` to prompt)"
    )
    mapped = load_bytes(payload, "prompts.jsonl", column_map={"prompt": "messages"})  # the advice, followed
    assert mapped.format == "prompt_only" and mapped.errors == []
    assert [r["prompt"] for r in mapped.rows] == [r["messages"] for r in USER_ONLY]


# --- nothing is dropped silently ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["jsonl", "json", "parquet"])
def test_ignored_fields_are_named_once_per_file_with_their_row_count(tmp_path, kind):
    records = [
        {"id": i, "source": "forum", "messages": [{"role": "user", "content": f"q{i}", "timestamp": "12:00"}, A]}
        for i in range(3)
    ]
    records[2]["source"] = None  # a null is no data: not counted
    result = load_file(write(tmp_path, records, kind))
    assert result.errors == [] and len(result.rows) == 3
    warned = [n for n in result.notices if not n.note]  # Parquet also notes the nulls it left out of the turns
    named = {n.field: n.rows for n in warned}
    assert named == {"id": 3, "source": 2, "messages[].timestamp": 3}
    messages = [n.message for n in warned]
    assert "ignored field: `id` in 3 rows; the studio does not read it, so it is neither shown nor trained" in messages
    summary = result.summary()
    first = len(result.notices) - len(warned)
    assert summary["warnings"][first] == {"row": None, "message": messages[0], "field": "id", "rows": 3}


@pytest.mark.parametrize(
    "kind, note_at, source_at",
    [
        ("jsonl", "line 5, line 7", "line 4"),
        ("csv", "data row 5 (line 6 of the file), data row 7 (line 8 of the file)", "data row 4 (line 5 of the file)"),
    ],
)
def test_a_field_in_some_rows_only_is_found_by_its_place(tmp_path, kind, note_at, source_at):
    """A cold review: a stray key in one row of 31 was named with a count and no place. A field in some rows gives
    where they are (the first three, or the first); one in every row needs none."""
    records = [{"instruction": f"q{i}", "output": f"a{i}", "id": i} for i in range(8)]
    for i in (4, 6):
        records[i]["note"] = "check"
    for i in range(3, 8):
        records[i]["source"] = "forum"
    result = load_file(write(tmp_path, records, kind))
    said = {n.field: n.message for n in result.notices if not n.note}
    assert "`id` in 8 rows;" in said["id"]
    assert f"`note` in 2 rows ({note_at});" in said["note"]
    assert f"`source` in 5 rows (the first: {source_at});" in said["source"]


def test_weight_0_on_a_prompt_turn_is_read_and_weight_1_there_is_named(tmp_path):
    """OpenAI-style files put `weight` on every turn: 0 on a user or system turn says what the studio does anyway
    (not trained), so it is read, not named ignored (a cold review found it named though the assistant's was read);
    1 there would ask to train a prompt turn, which the studio does not do: named."""
    records = [
        {"messages": [m("system", "s", weight=0), m("user", "q", weight=0), m("assistant", "a", weight=1)]},
        {"messages": [m("user", "q", weight=0), m("assistant", "a", weight=0), m("user", "q2"), A]},
    ]
    result = load_file(write(tmp_path, records, "jsonl"))
    assert result.errors == [] and [n.message for n in result.notices if not n.note] == []
    assert [t.get("weight") for t in result.rows[1]["messages"]] == [None, 0, None, None]
    records[0]["messages"][1]["weight"] = 1
    result = load_file(write(tmp_path, records, "jsonl"))
    assert {n.field: n.rows for n in result.notices if not n.note} == {"messages[].weight": 1}


def test_a_csv_column_nothing_reads_is_named(tmp_path):
    path = tmp_path / "qa.csv"
    path.write_text("question,answer,notes\nWhat is 6 x 7?,42.,checked\nHalf of 10?,5.,\n", encoding="utf-8")
    result = load_file(path)
    assert result.format == "alpaca" and [(n.field, n.rows) for n in result.notices] == [("notes", 1)]


def test_a_preference_file_read_as_sharegpt_says_what_it_drops():
    # 19.10: forced to ShareGPT, the conversations still train, but chosen/rejected are dropped: say so.
    row = {
        "conversations": [
            {"from": "human", "value": "Hi"},
            {"from": "gpt", "value": "Hello."},
            {"from": "human", "value": "6 x 7?"},
        ],
        "chosen": {"from": "gpt", "value": "42."},
        "rejected": {"from": "gpt", "value": "48."},
    }
    other = {**row, "conversations": [*row["conversations"][:2], {"from": "human", "value": "7 x 6?"}]}
    payload = (json.dumps(row) + "\n" + json.dumps(other) + "\n").encode()
    assert load_bytes(payload, "p.jsonl").format == "preference"  # detected right by itself
    forced = load_bytes(payload, "p.jsonl", fmt="sharegpt")
    assert len(forced.rows) == 2
    messages = [n.message for n in forced.notices]
    assert messages[0].startswith("2 rows look like preference (with `chosen`, `rejected`), not sharegpt")
    assert "Pick the format 'preference'" in messages[0]
    assert {n.field for n in forced.notices[1:]} == {"chosen", "rejected"}


def test_unpaired_rows_are_never_read_as_sft(tmp_path):
    records = [{"prompt": "What is 6 x 7?", "completion": "48.", "label": False}] * 3
    result = load_file(write(tmp_path, records, "jsonl"))
    assert result.format == "unpaired_preference" and result.kind == "unpaired"
    assert all("messages" not in r for r in result.rows)
    assert result.summary()["counts"]["bad"] == 3 and result.summary()["counts"]["good"] == 0


@pytest.mark.parametrize("fmt", ["messages", "prompt_completion"])
def test_a_labelled_row_is_never_trained_as_a_conversation(fmt):
    # Forced (or outvoted) into an SFT format, a row judged bad must be refused, not become a training target.
    rows = [{"messages": [Q, m("assistant", "48.")], "prompt": "What is 6 x 7?", "completion": "48.", "label": False}]
    rows.append({"messages": [Q, A], "prompt": "What is 6 x 7?", "completion": "42.", "kto_tag": "true"})
    result = load_bytes("".join(json.dumps(r) + "\n" for r in rows).encode(), "kto.jsonl", fmt=fmt)
    assert result.rows == [] and [e.row for e in result.errors] == [1, 2]
    assert "this row has a good/bad label ('label': false)" in result.errors[0].message


def test_trl_unpaired_rows_read_back_exactly():
    # Reference: TRL's own unpair_preference_dataset writes the KTO format; every row must come back as written.
    from datasets import Dataset
    from trl.data_utils import unpair_preference_dataset

    pairs = Dataset.from_list(
        [
            {"prompt": [Q], "chosen": [A], "rejected": [m("assistant", "48.")]},
            {
                "prompt": [m("user", "Capital of Peru?")],
                "chosen": [m("assistant", "Lima.")],
                "rejected": [m("assistant", "Cusco.")],
            },
        ]
    )
    unpaired = unpair_preference_dataset(pairs).to_list()
    result = load_bytes("".join(json.dumps(r) + "\n" for r in unpaired).encode(), "kto.jsonl")
    assert result.format == "unpaired_preference" and result.rows == unpaired


# Qwen3's chat template (Qwen/Qwen3-8B tokenizer_config.json, revision 895c8d1) splits an inline reasoning from
# the answer with these two expressions; the data layer must split the same way.
QWEN3_SPLIT = (
    "{%- set c = content %}"
    "{{ c.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}\x00"
    "{{ c.split('</think>')[-1].lstrip('\\n') }}"
)


@pytest.mark.parametrize(
    "content",
    [
        "<think>\nSix sevens.\n</think>\n\n42.",
        "<think>Six sevens.</think>42.",
        "<think>\n\nline one\nline two\n\n</think>\n\n\n42.\n",
        "  <think>x</think>\n42.",
        "<think>\n\n</think>\n\n42.",
    ],
)
def test_inline_think_splits_like_qwen3s_template(content):
    import jinja2

    reasoning, answer = jinja2.Environment().from_string(QWEN3_SPLIT).render(content=content).split("\x00")
    assert split_think(content) == (reasoning, answer)


# --- field mapping for every file type -------------------------------------------------------------------------

# Names nothing is guessed from ("q" and "a" are: FAQ tables use them).
ODD = [{"ask": "What is 6 x 7?", "say": "42.", "n": "x"}, {"ask": "Half of 10?", "say": "5.", "n": "y"}]


@pytest.mark.parametrize("kind", ALL)
def test_field_mapping_works_for_every_file_type(tmp_path, kind):
    path = write(tmp_path, ODD, kind)
    with pytest.raises(DataError, match="Field mapping"):
        load_file(path)  # nothing to recognise: the message names the control that fixes it
    result = load_file(path, column_map={"instruction": "ask", "output": "say"})
    assert (result.format, result.column_map) == ("alpaca", {"instruction": "ask", "output": "say"})
    assert result.rows[0] == {"messages": [m("user", "What is 6 x 7?"), A]}
    assert [(n.field, n.rows) for n in result.notices] == [("n", 2)]
    what = "column" if kind in ("csv", "parquet") else "field"
    with pytest.raises(DataError, match=f"has no {what} 'nope' \\(mapped to 'output'\\)"):
        load_file(path, column_map={"instruction": "ask", "output": "nope"})
    with pytest.raises(DataError, match="Unknown field 'answer'"):
        load_file(path, column_map={"answer": "say"})


def test_a_mapping_to_none_stops_a_field_being_read(tmp_path):
    path = write(tmp_path, [{"instruction": "i", "output": "o", "system": "Be terse."}], "jsonl")
    assert load_file(path).rows[0]["messages"][0] == m("system", "Be terse.")
    result = load_file(path, column_map={"system": None})
    assert result.rows == [{"messages": [m("user", "i"), m("assistant", "o")]}]


def test_json_keys_with_other_names_get_a_guessed_mapping():
    payload = json.dumps([{"question": "What is 6 x 7?", "answer": "42."}]).encode()
    result = load_bytes(payload, "qa.json")
    assert (result.format, result.column_map) == ("alpaca", {"instruction": "question", "output": "answer"})


def test_csv_preference_keeps_the_input():
    payload = b"instruction,input,chosen,rejected\nMultiply the numbers.,6 and 7,42.,48.\n"
    assert load_bytes(payload, "p.csv").rows[0]["prompt"] == [m("user", "Multiply the numbers.\n\n6 and 7")]


# --- statistics of the new kinds ----------------------------------------------------------------------------


def test_token_lengths_of_text_and_tool_rows_agree_with_the_tokenizer(smol_tokenizer):
    rows = [{"text": "The tide turns twice a day."}, TIDE_ROW, {"prompt": [Q]}]
    lengths = dataset_stats(rows, smol_tokenizer)["token_lengths"]
    assert render_row(rows[0], smol_tokenizer) == "The tide turns twice a day."
    # Reference: transformers renders the file's own messages with tools= the same way.
    reference = smol_tokenizer.apply_chat_template(
        [dict(t, content=t["content"] or "") for t in TIDE_ROW["messages"]], tools=[TIDE_TOOL], tokenize=False
    )
    assert render_row(TIDE_ROW, smol_tokenizer) == reference
    # A text row is trained with the EOS TRL's language modelling adds (tokens.py): counted with it.
    trained_text = rows[0]["text"] + smol_tokenizer.eos_token
    expected = [len(smol_tokenizer(t, add_special_tokens=False)["input_ids"]) for t in (trained_text, reference)]
    assert lengths[:2] == expected
    prompt_text = smol_tokenizer.apply_chat_template([Q], tokenize=False, add_generation_prompt=True)
    assert render_row(rows[2], smol_tokenizer) == prompt_text


def test_convert_record_keeps_its_two_value_contract():
    row, warnings = convert_record({"prompt": "q", "completion": "a", "label": True}, "unpaired_preference")
    assert row == {"prompt": [m("user", "q")], "completion": [m("assistant", "a")], "label": True} and warnings == []


# --- answers as published by function-calling, OpenAI-weighted and UltraFeedback data (a review, 2026-12-05) ------


def _rows(*records: dict) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def test_an_answer_of_an_empty_json_list_is_text_not_an_empty_conversation():
    """Function-calling data answers "[]" for "no call to make": it was refused as "'completion' is an empty list:
    there is no conversation" (every row of a KTO file of such answers), while an Alpaca `output` of "[]" was read."""
    sft = load_bytes(_rows({"prompt": "No weather? Reply with the calls as JSON.", "completion": "[]"}), "c.jsonl")
    pair = load_bytes(_rows({"prompt": "Even numbers in [1, 3]?", "chosen": "[]", "rejected": "[1, 3]"}), "p.jsonl")
    kto = load_bytes(_rows({"prompt": "Calls for nothing?", "completion": "[]", "label": True}), "k.jsonl")
    assert [r.errors for r in (sft, pair, kto)] == [[], [], []]
    assert sft.rows[0]["messages"][-1] == {"role": "assistant", "content": "[]"}
    assert pair.rows[0]["chosen"] == [{"role": "assistant", "content": "[]"}]
    assert kto.rows[0]["completion"] == [{"role": "assistant", "content": "[]"}]


def test_the_json_text_of_a_message_is_read_as_it_with_a_note_and_of_another_role_stays_text():
    """The JSON text of an assistant message in `completion` was read as that message without a word (its content
    trained, not the JSON); the JSON of a user message there was refused ("only assistant turns")."""
    message = json.dumps({"role": "assistant", "content": "Hello there!"})
    user_line = json.dumps({"role": "user", "content": "hi"})
    result = load_bytes(
        _rows({"prompt": "Greet me.", "completion": message}, {"prompt": "A chat line?", "completion": user_line}),
        "c.jsonl",
    )
    assert result.errors == []
    assert [r["messages"][-1]["content"] for r in result.rows] == ["Hello there!", user_line]
    (note,) = [n.message for n in result.notices if "JSON text of a message" in n.message]
    assert note.startswith("In 1 row, `completion` holds the JSON text of a message of its own role")


@pytest.mark.parametrize(
    "record, what",
    [
        (
            {
                "prompt": "Hi",
                "chosen": [{"role": "assistant", "content": "Hello.", "weight": 0}],
                "rejected": [{"role": "assistant", "content": "Go."}],
            },
            "the chosen answer",
        ),
        (
            {"prompt": "Hi", "completion": [{"role": "assistant", "content": "Go.", "weight": 0}], "label": False},
            "the labelled answer",
        ),
    ],
    ids=["preference", "kto"],
)
def test_a_judged_answer_weighted_0_everywhere_is_refused_by_name(record, what):
    """A pair's answer with weight 0 was counted valid and then trained nothing: `batch` blamed the --policy, and a KTO
    file of them would refuse to start. DPO and KTO score answers whole: the row is refused, the weight named."""
    result = load_bytes(_rows(record, record), "w.jsonl")
    assert result.rows == [] and [e.row for e in result.errors] == [1, 2]
    assert result.errors[0].message.startswith(f"{what} has weight 0 on every assistant turn"), result.errors[0]
    earlier = {  # weight 0 on an earlier reply inside the prompt: not an answer judged, read as before
        "prompt": [U, {"role": "assistant", "content": "Earlier.", "weight": 0}, {"role": "user", "content": "Again"}],
        "chosen": "Hello.",
        "rejected": "Go.",
    }
    assert load_bytes(_rows(earlier), "w.jsonl").errors == []


def test_a_prompt_written_with_its_newline_is_the_question_the_pair_shares():
    """UltraFeedback-style rows write the prompt with the turn's own trailing newline: "its 'prompt' ... is not the
    question the chosen and rejected conversations share" was warned on every such row."""
    question = "Name a citrus fruit.\n"
    record = {
        "prompt": question,
        "chosen": [{"role": "user", "content": question}, {"role": "assistant", "content": "A lemon."}],
        "rejected": [{"role": "user", "content": question}, {"role": "assistant", "content": "A potato."}],
    }
    result = load_bytes(_rows(record), "uf.jsonl")
    assert result.errors == [] and result.warnings == [] and len(result.rows) == 1


def test_openai_preference_fine_tuning_rows_are_pairs():
    """OpenAI's DPO rows ({"input": {"messages", "tools"}, "preferred_output", "non_preferred_output"}) were "Could not
    recognise the format", and with --map still refused: input.messages could not be reached."""
    tool = {"type": "function", "function": {"name": "tide_table", "parameters": {"type": "object"}}}
    record = {
        "input": {
            "messages": [{"role": "user", "content": "When is high tide at the old pier?"}],
            "tools": [tool],
            "parallel_tool_calls": False,
        },
        "preferred_output": [{"role": "assistant", "content": "Around 14:10, by the harbour's table."}],
        "non_preferred_output": [{"role": "assistant", "content": "Whenever the moon says."}],
    }
    result = load_bytes(_rows(record, {**record, "input": {"messages": record["input"]["messages"]}}), "dpo.jsonl")
    assert result.format == "preference" and result.errors == []
    first, second = result.rows
    assert first["prompt"] == [{"role": "user", "content": "When is high tide at the old pier?"}]
    assert first["chosen"][0]["content"].startswith("Around 14:10") and first["rejected"][0]["content"].startswith("W")
    assert first["tools"] == [tool] and "tools" not in second
    said = " ".join(n.message for n in result.notices)
    assert "OpenAI's preference fine-tuning answers" in said and "`input.parallel_tool_calls` in 1 row" in said
    bare = {k: v for k, v in record.items() if k != "input"} | {"input": {"tools": [tool]}}
    (error,) = load_bytes(_rows(bare), "dpo.jsonl").errors
    assert "input.messages" in error.message


def test_the_file_report_says_a_repeated_legacy_call_is_read_once_and_how_to_reward_an_object_column():
    """Two notes written by turns.py and notices.py that the file report did not receive: the legacy `function_call`
    repeating a `tool_calls` call was named as an ignored field, and a verl-style `reward_model` object was offered
    to `contains_column` as it is (every reward 0)."""
    call = {"name": "tide_table", "arguments": '{"pier": "old"}'}
    chat = {
        "messages": [
            {"role": "user", "content": "High tide at the old pier?"},
            {"role": "assistant", "content": "", "function_call": call, "tool_calls": [{"function": call}]},
            {"role": "tool", "content": "14:10"},
            {"role": "assistant", "content": "Around 14:10."},
        ]
    }
    said = [n.message for n in load_bytes(_rows(chat), "calls.jsonl").notices]
    assert any("the same call, read once" in m for m in said) and not any("ignored field" in m for m in said), said
    verl = {"prompt": "Add 3 and 3.", "reward_model": {"style": "rule", "ground_truth": "6"}}
    said = " ".join(n.message for n in load_bytes(_rows(verl, verl), "verl.jsonl").notices)
    assert '{"final_answer": "reward_model.ground_truth"}' in said  # a number: its final answer (helper 93)
    assert '"reward_model"}' not in said


@pytest.mark.parametrize(
    "record, where",
    [
        (
            {
                "image_path": "pics/gull.jpg",
                "conversations": [
                    {"from": "human", "value": "<image>\nWhich bird?"},
                    {"from": "gpt", "value": "A gull."},
                ],
            },
            "the `<image>` placeholder of a multimodal dataset, in turn 1)",
        ),
        (
            {"prompt": "Describe it: <video>", "chosen": "Waves.", "rejected": "Sand."},
            "the `<video>` placeholder of a multimodal dataset, in turn 1 of the prompt)",
        ),
    ],
    ids=["llava", "preference"],
)
def test_a_media_placeholder_whose_file_sits_under_an_unread_key_is_refused(record, where):
    """A LLaVA row keeps its image under `image_path`: only that key was named as ignored, and the literal `<image>`
    was trained, teaching answers about a picture the model never sees. Images under `image`/`images` were refused."""
    (error,) = load_bytes(_rows(record), "m.jsonl").errors
    assert error.message.startswith("this row has a") and where in error.message, error.message
    text = load_bytes(_rows({"text": 'An SVG holds <image> elements: <image href="a.png"/>.'}), "t.jsonl")
    assert text.errors == [] and len(text.rows) == 1  # plain text is trained as written
