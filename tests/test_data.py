"""The data layer: every input format x file type, encodings, bad rows with line numbers, splits and stats."""

from __future__ import annotations

import json
import re
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ftlib import data, file_fields
from ftlib.data import DataError, guess_column_map, load_bytes, load_file, split_rows
from ftlib.data_stats import dataset_stats


def msg(role: str, content: str) -> dict:
    return {"role": role, "content": content}


def sg(who: str, value: str) -> dict:
    return {"from": who, "value": value}


# One table of cases: (format, raw records as a user would write them, canonical rows expected).
FORMAT_CASES = [
    (
        "messages",
        [
            {
                "messages": [
                    msg("system", "Be terse zq1."),
                    msg("user", "Capital of Peru?"),
                    msg("assistant", "Lima zq2."),
                ]
            },
            {"messages": [msg("user", "u1"), msg("assistant", "a1"), msg("user", "u2"), msg("assistant", "a2 zq3")]},
        ],
        [
            {
                "messages": [
                    msg("system", "Be terse zq1."),
                    msg("user", "Capital of Peru?"),
                    msg("assistant", "Lima zq2."),
                ]
            },
            {"messages": [msg("user", "u1"), msg("assistant", "a1"), msg("user", "u2"), msg("assistant", "a2 zq3")]},
        ],
    ),
    (
        "sharegpt",
        [
            {"conversations": [sg("system", "Sys zq4"), sg("human", "Hello zq5"), sg("gpt", "Hi there zq6")]},
            {"conversations": [sg("user", "Q zq7"), sg("assistant", "A zq8")]},
        ],
        [
            {"messages": [msg("system", "Sys zq4"), msg("user", "Hello zq5"), msg("assistant", "Hi there zq6")]},
            {"messages": [msg("user", "Q zq7"), msg("assistant", "A zq8")]},
        ],
    ),
    (
        "alpaca",
        [
            {"instruction": "Translate zq9", "input": "chat", "output": "cat zq10", "system": ""},
            {"instruction": "Add 2 and 2", "input": "", "output": "4 zq11", "system": "You are a calculator."},
        ],
        [
            {"messages": [msg("user", "Translate zq9\n\nchat"), msg("assistant", "cat zq10")]},
            {
                "messages": [
                    msg("system", "You are a calculator."),
                    msg("user", "Add 2 and 2"),
                    msg("assistant", "4 zq11"),
                ]
            },
        ],
    ),
    (
        "prompt_completion",
        [{"prompt": "Once upon zq12", "completion": "a time zq13"}, {"prompt": "P2", "completion": "C2 zq14"}],
        [
            {"messages": [msg("user", "Once upon zq12"), msg("assistant", "a time zq13")]},
            {"messages": [msg("user", "P2"), msg("assistant", "C2 zq14")]},
        ],
    ),
    (
        "prompt_completion",
        [{"prompt": [msg("system", "S zq15"), msg("user", "U zq16")], "completion": [msg("assistant", "A zq17")]}],
        [{"messages": [msg("system", "S zq15"), msg("user", "U zq16"), msg("assistant", "A zq17")]}],
    ),
    (
        "preference",
        [
            {"prompt": "Sky colour zq18?", "chosen": "Blue zq19", "rejected": "Green zq20"},
            {"prompt": "Grass?", "chosen": "Green", "rejected": "Purple zq21"},
        ],
        [
            {
                "prompt": [msg("user", "Sky colour zq18?")],
                "chosen": [msg("assistant", "Blue zq19")],
                "rejected": [msg("assistant", "Green zq20")],
            },
            {
                "prompt": [msg("user", "Grass?")],
                "chosen": [msg("assistant", "Green")],
                "rejected": [msg("assistant", "Purple zq21")],
            },
        ],
    ),
    (
        "preference",  # whole conversations sharing a prompt: the common prefix becomes the prompt
        [
            {
                "chosen": [msg("system", "S zq22"), msg("user", "Q zq23"), msg("assistant", "good zq24")],
                "rejected": [msg("system", "S zq22"), msg("user", "Q zq23"), msg("assistant", "bad zq25")],
            }
        ],
        [
            {
                "prompt": [msg("system", "S zq22"), msg("user", "Q zq23")],
                "chosen": [msg("assistant", "good zq24")],
                "rejected": [msg("assistant", "bad zq25")],
            }
        ],
    ),
    (
        "preference",
        [
            {
                "prompt": [msg("user", "Q zq26")],
                "chosen": [msg("assistant", "yes zq27")],
                "rejected": [msg("assistant", "no zq28")],
            }
        ],
        [
            {
                "prompt": [msg("user", "Q zq26")],
                "chosen": [msg("assistant", "yes zq27")],
                "rejected": [msg("assistant", "no zq28")],
            }
        ],
    ),
]
FILE_TYPES = ["jsonl", "json", "csv", "parquet"]


def write_records(tmp_path, records: list[dict], kind: str):
    path = tmp_path / f"data.{kind}"
    if kind == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    elif kind == "json":
        path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    elif kind == "csv":
        import csv

        columns = list(dict.fromkeys(k for r in records for k in r))
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            # Lists of messages travel through CSV cells as JSON text.
            writer.writerows({k: json.dumps(v) if isinstance(v, list) else v for k, v in r.items()} for r in records)
    else:
        pq.write_table(pa.Table.from_pylist(records), path)
    return path


@pytest.mark.parametrize("kind", FILE_TYPES)
@pytest.mark.parametrize(
    "fmt, records, expected", FORMAT_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(FORMAT_CASES)]
)
def test_every_format_in_every_file_type(tmp_path, kind, fmt, records, expected):
    result = load_file(write_records(tmp_path, records, kind))
    assert (result.format, result.errors, result.warnings) == (fmt, [], [])
    assert result.rows == expected
    assert result.total == len(records) and result.row_numbers == list(range(1, len(records) + 1))
    assert all(data.is_preference(r) == (fmt == "preference") for r in result.rows)


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_bom_and_crlf_are_tolerated(tmp_path, kind):
    fmt, records, expected = FORMAT_CASES[2]
    plain = write_records(tmp_path, records, kind).read_bytes().replace(b"\r\n", b"\n")
    messy = b"\xef\xbb\xbf" + plain.replace(b"\n", b"\r\n")
    assert load_bytes(messy, f"x.{kind}").rows == expected
    assert load_bytes(messy, f"x.{kind}").rows == load_bytes(plain, f"x.{kind}").rows


@pytest.mark.parametrize(
    "payload, name, match",
    [
        ('{"prompt": "café", "completion": "x"}\n'.encode("latin-1"), "latin.jsonl", "latin.jsonl is not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.jsonl", "image.jsonl looks like a binary file"),
        ('{"prompt": "a"}'.encode("utf-16"), "wide.json", "wide.json is saved as UTF-16"),
        (b"", "empty.jsonl", "empty.jsonl is empty"),
        (b"\xef\xbb\xbf\n  \r\n", "blank.csv", "blank.csv is empty"),
        (b"not json at all", "notes.txt", r"unsupported file type '.txt'.*> notes.jsonl`"),
        (b"PK\x03\x04", "faq.xlsx", r"unsupported file type '.xlsx'.*Save the sheet as CSV"),
        (b"\xff\xff\xff\xff", "data-00000-of-00001.arrow", r"'.arrow'.*saved with `save_to_disk`.*to_parquet"),
        (b'[{"a": 1,]', "broken.json", "broken.json is not valid JSON"),
        (b"PAR1garbage", "bad.parquet", "bad.parquet is not a readable Parquet file"),
        (b'{"body": "hello"}\n{"body": "bye"}\n', "plain.jsonl", "rows have the fields body"),
        (b'[1, 2]\n"x"\n', "junk.jsonl", "No row of junk.jsonl could be read"),
    ],
)
def test_unusable_files_raise_a_clear_error(payload, name, match):
    with pytest.raises(DataError, match=match):
        load_bytes(payload, name)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_file(tmp_path / "nope.jsonl")
    with pytest.raises(DataError, match="is a folder"):
        load_file(tmp_path)


def test_malformed_jsonl_lines_keep_good_rows_with_line_numbers(tmp_path):
    good = json.dumps({"prompt": "p", "completion": "c"})
    lines = [good, '{"prompt": "p", "completion":', "", "[1, 2, 3]", "42", good.replace('"c"', '"c2"'), ""]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = load_file(path)
    assert [(e.row, e.message.split(": ")[0].split(" (")[0]) for e in result.errors] == [
        (2, "this line is not valid JSON"),
        (4, "this line holds a list, not an object {...}"),
        (5, "this line holds a number, not an object {...}"),
    ]
    assert result.row_numbers == [1, 6] and result.total == 5
    assert result.rows[1]["messages"][1]["content"] == "c2"
    # a line cut short: said in words, not as JSON's "Expecting value"
    assert result.errors[0].message.endswith("it ends before its JSON does, a closing } or ] missing; the line was "
                                             "cut short, or one object is written over several lines: write each "
                                             "on one line")  # fmt: skip


U, A = msg("user", "q"), msg("assistant", "a")


@pytest.mark.parametrize(
    "record, match",
    [
        ({"messages": [msg("robot", "beep"), A]}, "role 'robot', which is not supported"),
        ({"messages": [{"role": 3, "content": "x"}, A]}, "role '3', which is not supported"),
        ({"messages": [U, msg("assistant", "")]}, r"turn 2 \(assistant\) of 'messages' is empty"),
        ({"messages": [msg("user", "  \n "), A]}, r"turn 1 \(user\) of 'messages' is empty"),
        ({"messages": [{"role": "user", "content": 7}, A]}, "must be text, but it is a number"),
        ({"messages": [{"role": "user"}, A]}, r"turn 1 \(user\) of 'messages' has no 'content' \(give"),
        (
            {"messages": [{"content": "x"}, A]},
            r"turn 1 of 'messages' has no role \(expected 'role' or 'from'; it has `content`\)",
        ),
        ({"messages": [U]}, "no assistant turn"),
        ({"messages": [U, A, msg("system", "late")]}, "turn 3 is a system message"),
        ({"messages": "hello"}, "'messages' must be a list of messages"),
        ({"messages": []}, "'messages' is an empty list"),
        ({"messages": [U, "a"]}, "turn 2 of 'messages' is text, not a message"),
        (
            {"messages": [{"role": "user", "content": [{"type": "image", "url": "x"}]}, A]},
            "this row has an image .turn 1 .user. of 'messages'.; the studio trains text-only models",
        ),
        ({"conversations": [sg("human", "q"), sg("tool", "x")]}, "turn 2 is a tool result, but the turn before"),
        ({"instruction": "do", "output": {"n": 5}}, "the output .the answer. must be text"),
        ({"instruction": "", "output": "x"}, "the instruction is empty"),
        ({"instruction": "do", "input": "x"}, "the 'output' field is missing"),
        ({"prompt": "p", "completion": [msg("user", "x")]}, "turn 1 of the completion is a user turn"),
        ({"prompt": "p", "chosen": "same", "rejected": "same"}, "chosen and rejected are the same"),
        ({"chosen": "yes", "rejected": "no"}, "no 'prompt' beside them, and they do not begin with the same text"),
        ({"chosen": [msg("user", "x"), A], "rejected": [msg("user", "y"), A]}, "share no opening turns"),
        ({"prompt": [U, A], "chosen": "x", "rejected": "y"}, "prompt must end with a user turn"),
        (
            {"chosen": [U, A, msg("user", "more"), A], "rejected": [U, msg("assistant", "b")]},
            "differ at turn 2, before their last answers .chosen's turn 3 is a user turn, not an answer.",
        ),
    ],
)
def test_every_validation_error_names_the_row_and_reason(record, match):
    # Row 2 is the bad one: the error must point at it, and the good rows around it stay.
    fmt = data.detect_row_format(record) or "alpaca"
    good = {
        "messages": {"messages": [U, A]},
        "sharegpt": {"conversations": [sg("human", "q"), sg("gpt", "a")]},
        "alpaca": {"instruction": "i", "output": "o"},
        "prompt_completion": {"prompt": "p", "completion": "c"},
        "preference": {"prompt": "p", "chosen": "c", "rejected": "r"},
    }[fmt]
    payload = "".join(json.dumps(r) + "\n" for r in (good, record, good)).encode()
    result = load_bytes(payload, "rows.jsonl", fmt=fmt)
    assert len(result.errors) == 1 and result.errors[0].row == 2, result.errors
    assert result.row_numbers == [1, 3]
    assert re.search(match, result.errors[0].message), result.errors[0].message


@pytest.mark.parametrize(
    "messages, match",
    [
        ([U, A, msg("assistant", "again")], "turns 2 and 3 are both from the assistant"),
        ([msg("system", "s"), U, msg("user", "more"), A], "turns 2 and 3 are both from the user"),
        ([msg("assistant", "hello"), U, A], "starts with the assistant"),
        ([U, A, msg("user", "bye")], "last turn is a user message"),
    ],
)
def test_odd_but_trainable_conversations_are_kept_with_a_warning(messages, match):
    result = load_bytes(json.dumps({"messages": messages}).encode(), "w.jsonl")
    assert result.errors == [] and result.rows == [{"messages": messages}]
    assert len(result.warnings) == 1 and result.warnings[0].row == 1
    assert match in result.warnings[0].message


def test_text_content_parts_and_top_level_system_are_normalized():
    record = {
        "system": "Sys",
        "conversations": [
            {"from": "HUMAN", "value": "hi"},
            {"role": "gpt", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        ],
    }
    result = load_bytes(json.dumps(record).encode(), "x.jsonl")
    # two text parts, a line break between them as vLLM serves them (they ran together as "ab": test_export_turns)
    assert result.rows == [{"messages": [msg("system", "Sys"), msg("user", "hi"), msg("assistant", "a\nb")]}]


def test_format_is_the_majority_and_can_be_overridden():
    rows = [{"instruction": f"i{n}", "output": f"o{n}"} for n in range(3)] + [{"messages": [U, A]}]
    payload = "".join(json.dumps(r) + "\n" for r in rows).encode()
    result = load_bytes(payload, "mix.jsonl")
    assert result.format == "alpaca" and len(result.rows) == 3
    assert [(e.row, "'instruction' field is missing" in e.message) for e in result.errors] == [(4, True)]
    forced = load_bytes(payload, "mix.jsonl", fmt="messages")
    assert forced.format == "messages" and forced.row_numbers == [4] and len(forced.errors) == 3
    with pytest.raises(DataError, match="Unknown format 'chatml'"):
        load_bytes(payload, "mix.jsonl", fmt="chatml")


@pytest.mark.parametrize(
    "document, rows",
    [
        ({"instruction": ["a", "b"], "output": ["x", "y"]}, 2),  # an object of columns
        ({"version": 2, "data": [{"prompt": "p", "completion": "c"}] * 3}, 3),  # an object wrapping the rows
        ({"messages": [U, A]}, 1),  # a single conversation, not rows of turns
        ({"chosen": [U, A], "rejected": [U, msg("assistant", "b")]}, 1),
    ],
)
def test_json_document_shapes(document, rows):
    result = load_bytes(json.dumps(document).encode(), "doc.json")
    assert (len(result.rows), result.errors) == (rows, [])


def test_json_file_holding_jsonl_is_read_line_by_line():
    payload = b'{"prompt": "a", "completion": "b"}\n{"prompt": "c", "completion": "d"}\n'
    assert len(load_bytes(payload, "really-jsonl.json").rows) == 2


def test_load_bytes_matches_load_file(tmp_path):
    path = write_records(tmp_path, FORMAT_CASES[0][1], "jsonl")
    from_disk, in_memory = load_file(path), load_bytes(path.read_bytes(), path.name)
    assert (from_disk.rows, from_disk.format) == (in_memory.rows, in_memory.format)
    assert from_disk.source == str(path)


@pytest.mark.parametrize(
    "columns, expected",
    [
        (["question", "answer"], {"instruction": "question", "output": "answer"}),
        (["Instruction", "Input", "Output"], {"instruction": "Instruction", "input": "Input", "output": "Output"}),
        (["prompt", "completion"], {"prompt": "prompt", "completion": "completion"}),
        # `prompt` is prompt_completion's own name: a reply's name beside it is the completion (a list of messages
        # as the prompt reads too, which alpaca's instruction refuses)
        (["prompt", "response"], {"prompt": "prompt", "completion": "response"}),
        (["id", "prompt", "chosen", "rejected"], {"prompt": "prompt", "chosen": "chosen", "rejected": "rejected"}),
        (["messages", "source"], {"messages": "messages"}),
        (["conversations", "system_prompt"], {"conversations": "conversations", "system": "system_prompt"}),
        (["Question", "Context", "Answer"], {"instruction": "Question", "input": "Context", "output": "Answer"}),
        (["text", "label"], {"text": "text"}),  # raw text; `label` is then reported as an ignored field
        (["id", "score"], {}),
        # Walk 2, 3: the answer names of chat logs and support tables, the question names likewise.
        (["query", "reply"], {"instruction": "query", "output": "reply"}),
        (["user", "assistant"], {"instruction": "user", "output": "assistant"}),
        (["human", "bot"], {"instruction": "human", "output": "bot"}),
        (["question_text", "answer_text"], {"instruction": "question_text", "output": "answer_text"}),
        (["user_message", "assistant_response"], {"instruction": "user_message", "output": "assistant_response"}),
        (["query", "response", "label"], {"prompt": "query", "completion": "response", "label": "label"}),
        (["query", "resolution"], {"prompt": "query"}),  # no answer name: prompts (see the next test)
        # A cold walk: an FAQ table's Q and A columns were not guessed (both had to be picked by hand).
        (["Q", "A", "notes", "", "Unnamed"], {"instruction": "Q", "output": "A"}),
        (["question", "a"], {"instruction": "question", "output": "a"}),
    ],
)
def test_guess_column_map(columns, expected):
    assert guess_column_map(columns) == expected


TICKETS = (
    b"query,resolution,category,ticket\n"
    b"How do I reset my password?,Click 'Forgot password' on the login page.,account,T-1001\n"
    b"Where is my invoice?,Under Billing > History.,billing,T-1002\n"
    b"Can I pay by card?,Yes.,billing,T-1003\n"
)


def test_prompts_read_while_a_column_of_sentences_goes_unread_name_it_as_the_answers():
    """Walk 2, 3: read as prompts only, the table's `resolution` column (sentences, unlike the tags and ids) is
    named first, with how to map it; said only when the format was guessed, not when prompts only was chosen. The
    other columns go with each prompt to GRPO's reward functions (a note each), not ignored."""
    guessed = load_bytes(TICKETS, "tickets.csv")
    assert (guessed.format, guessed.unread_answers) == ("prompt_only", ["resolution"])
    first = guessed.notices[0]
    assert first.field == "resolution" and "`--map resolution=completion`" in first.message
    # each passed on; `resolution` said by the warning alone, not again in a note of its own
    assert [n.field for n in guessed.notices[1:]] == ["category", "ticket"]
    assert all(n.note and "GRPO passes it to the reward functions" in n.message for n in guessed.notices[1:])
    assert guessed.rows[1]["columns"] == {"resolution": "Under Billing > History.", "category": "billing"} | {
        "ticket": "T-1002"
    }
    chosen = load_bytes(TICKETS, "tickets.csv", fmt="prompt_only")
    assert chosen.unread_answers == ["resolution"] and [n.field for n in chosen.notices] == [
        "resolution",
        "category",
        "ticket",
    ]
    mapped = load_bytes(TICKETS, "tickets.csv", column_map={"prompt": "query", "completion": "resolution"})
    assert mapped.format == "prompt_completion" and not mapped.unread_answers
    assert mapped.rows[1]["messages"][1]["content"] == "Under Billing > History."


def test_explicit_column_map_for_a_table(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("q_text,a_text,notes\nWhat is 6x7?,42,x\nHalf of 10?,,y\n", encoding="utf-8")
    with pytest.raises(DataError, match="Could not tell which columns") as caught:
        load_file(path)
    assert "e.g. `--map q_text=instruction --map a_text=output`" in str(caught.value)  # the file's own columns
    result = load_file(path, column_map={"prompt": "q_text", "completion": "a_text"})
    assert result.format == "prompt_completion" and result.columns == ["q_text", "a_text", "notes"]
    # The number cell stays the text "42"; the empty cell is an error that names the column.
    assert result.rows == [{"messages": [msg("user", "What is 6x7?"), msg("assistant", "42")]}]
    assert [(e.row, e.message) for e in result.errors] == [
        (2, "the 'a_text' cell is empty (that column holds the completion): fill it in")
    ]
    assert data.peek_columns(path) == ["q_text", "a_text", "notes"]
    with pytest.raises(DataError, match="no column 'nope'"):
        load_file(path, column_map={"prompt": "nope", "completion": "a_text"})
    with pytest.raises(DataError, match="needs a column for: completion"):
        load_file(path, column_map={"prompt": "q_text"}, fmt="prompt_completion")


def test_peek_columns(tmp_path):
    assert data.peek_columns(write_records(tmp_path, FORMAT_CASES[2][1], "parquet")) == [
        "instruction",
        "input",
        "output",
        "system",
    ]
    assert data.peek_columns(write_records(tmp_path, FORMAT_CASES[3][1], "csv")) == ["prompt", "completion"]
    assert data.peek_columns(write_records(tmp_path, FORMAT_CASES[3][1], "jsonl")) is None


def test_peek_fields_of_a_long_jsonl_file_parses_its_first_rows_only(tmp_path, monkeypatch):
    """A review: the mapping editor's field list parsed all 100,000 lines of a JSONL file to keep the keys of the first
    1,000 (2-5 s). It parses those lines alone, and the whole file only where they do not parse alone."""
    rows = [{"prompt": f"Q{i}?", "completion": f"A{i}.", **({"late": 1} if i > 1500 else {})} for i in range(3000)]
    path = tmp_path / "long.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    parsed, real = [], file_fields.text_records
    monkeypatch.setattr(file_fields, "text_records", lambda d, *a: parsed.append(len(d)) or real(d, *a))
    assert data.peek_fields(path) == (["prompt", "completion"], False)
    assert len(parsed) == 1 and parsed[0] < path.stat().st_size / 2
    pretty = tmp_path / "pretty.jsonl"  # pretty-printed JSON under a .jsonl name, cut mid-object: read whole
    pretty.write_text("\n".join(json.dumps({"n": i, "id": i, **r}, indent=2) for i, r in enumerate(rows[:1200])))
    assert data.peek_fields(pretty) == (["n", "id", "prompt", "completion"], False)
    assert parsed[-1] == pretty.stat().st_size  # 6 lines an object: the 1,000th line cuts one in two
    wrapped = tmp_path / "wrapped.jsonl"  # one object wrapping the rows, pretty-printed: read whole, rows unwrapped
    wrapped.write_text(json.dumps({"data": rows[:1200]}, indent=2))
    assert data.peek_fields(wrapped) == (["prompt", "completion"], False) and parsed[-1] == wrapped.stat().st_size
    # Fewer than 1,000 rows in those lines (blank lines; objects that end on line 1,000): the whole file, whose later
    # rows may hold keys the first ones lack (a review).
    blanks = tmp_path / "blanks.jsonl"
    blanks.write_text("".join(json.dumps(r) + "\n\n" for r in rows[:600]) + json.dumps({"text": "x", "system": "s"}))
    assert data.peek_fields(blanks) == (["prompt", "completion", "text", "system"], False)
    short = tmp_path / "short.jsonl"
    short.write_text(json.dumps({"text": "One line."}) + "\n")
    assert data.peek_fields(short) == (["text"], False)
    table = write_records(tmp_path, FORMAT_CASES[3][1], "csv")
    assert data.peek_fields(table) == (["prompt", "completion"], True)


PREFIX_CASES = [
    ([U, A], [U, msg("assistant", "b")]),
    (
        [msg("system", "s"), U, A, msg("user", "q2"), msg("assistant", "x")],
        [msg("system", "s"), U, A, msg("user", "q2"), msg("assistant", "y")],
    ),
    ([U, msg("assistant", "long"), msg("assistant", "longer")], [U, msg("assistant", "short")]),
]


@pytest.mark.parametrize("chosen, rejected", PREFIX_CASES)
def test_preference_prefix_split_agrees_with_trl(chosen, rejected):
    from trl.data_utils import extract_prompt

    result = load_bytes(json.dumps({"chosen": chosen, "rejected": rejected}).encode(), "p.jsonl")
    assert result.errors == []
    assert result.rows == [extract_prompt({"chosen": chosen, "rejected": rejected})]


# --- splitting ------------------------------------------------------------------------------------------------

ROWS = [{"messages": [msg("user", f"q{i}"), msg("assistant", f"a{i}")]} for i in range(50)]


def _keys(rows):
    return {json.dumps(r, sort_keys=True) for r in rows}


@pytest.mark.parametrize("test_size, n_test", [(0.1, 5), (0.11, 6), (0.5, 25), (1, 1), (20, 20), (49, 49)])
def test_split_counts_disjoint_and_complete(test_size, n_test):
    train, test = split_rows(ROWS, test_size=test_size, seed=3)
    assert (len(train), len(test)) == (50 - n_test, n_test)
    assert not _keys(train) & _keys(test) and _keys(train) | _keys(test) == _keys(ROWS)


def test_split_is_reproducible_and_depends_on_the_seed():
    assert split_rows(ROWS, 0.2, seed=7) == split_rows(ROWS, 0.2, seed=7)
    tests = {json.dumps(split_rows(ROWS, 0.2, seed=s)[1]) for s in range(5)}
    assert len(tests) == 5


def test_dedupe_drops_exact_duplicates_before_splitting():
    rows = ROWS[:10] + ROWS[:10] + [dict(ROWS[0])]
    deduped, dropped = data.dedupe_rows(rows)
    assert (deduped, dropped) == (ROWS[:10], 11)
    train, test = split_rows(rows, test_size=3, seed=1, dedupe=True)
    assert (len(train), len(test)) == (7, 3) and not _keys(train) & _keys(test)
    # Without dedupe the copies of a row stay on one side (tests/test_splits.py): no seed puts one in both splits.
    leaks = [s for s in range(20) if _keys(split_rows(rows, 0.3, seed=s)[0]) & _keys(split_rows(rows, 0.3, seed=s)[1])]
    assert not leaks


def test_a_file_report_names_rows_that_repeat_an_earlier_one():
    """A cold review: `data inspect` said nothing of five identical rows; only `split` counted them."""
    row = {"prompt": "Hi", "completion": "Hello"}
    text = "\n".join(json.dumps(r) for r in [row, {"prompt": "Bye", "completion": "Bye."}, row, row]) + "\n"
    (note,) = [n.message for n in load_bytes(text.encode(), "copies.jsonl").notices if "repeat" in n.message]
    assert note.startswith("2 rows repeat an earlier one exactly: line 3 (of line 1), line 4 (of line 1).")
    assert not [
        n for n in load_bytes(text.encode()[: text.index("\n", 60) + 1], "x.jsonl").notices if "repeat" in n.message
    ]


@pytest.mark.parametrize(
    "rows, test_size, match",
    [
        (ROWS[:5], 5, "between 1 and 4 rows"),
        (ROWS[:5], 0, "between 1 and 4 rows"),
        (ROWS[:5], -2, "between 1 and 4 rows"),
        (ROWS[:5], 1.0, "ratio must be between 0 and 1"),
        (ROWS[:5], 0.0, "ratio must be between 0 and 1"),
        (ROWS[:5], True, "ratio like 0.1 or a row count"),
        (ROWS[:5], "10%", "ratio like 0.1 or a row count"),
        (ROWS[:1], 0.5, "at least 2 rows; there is 1"),
        ([], 0.1, "at least 2 rows; there are 0"),
    ],
)
def test_impossible_splits_say_how_to_fix_them(rows, test_size, match):
    with pytest.raises(DataError, match=match):
        split_rows(rows, test_size=test_size)


def test_ratio_rounds_up_so_test_is_never_empty():
    assert len(split_rows(ROWS[:3], 0.01)[1]) == 1


# --- statistics -----------------------------------------------------------------------------------------------

STAT_ROWS = [
    {"messages": [msg("user", "Hi"), msg("assistant", "Hello there, how can I help?")]},
    {
        "messages": [
            msg("system", "Be brief."),
            msg("user", "Explain gravity " * 20),
            msg("assistant", "Mass attracts."),
        ]
    },
    {"prompt": [msg("user", "Pick one")], "chosen": [msg("assistant", "A")], "rejected": [msg("assistant", "B" * 90)]},
]


def test_stats_without_tokenizer():
    stats = dataset_stats(STAT_ROWS)
    assert stats["rows"] == 3 and stats["preference_rows"] == 1
    assert stats["turns"] == {"min": 2, "mean": 7 / 3, "max": 3}
    assert stats["chars"]["total"] == 2 + 28 + 9 + 16 * 20 + 14 + 8 + 1  # preference counts prompt + chosen
    assert "token_lengths" not in stats


def test_token_lengths_agree_with_tokenizing_the_rendered_template(smol_tokenizer):
    stats = dataset_stats(STAT_ROWS, smol_tokenizer, max_length=None)
    # A pair is as long as its longer side, here the rejected one (B x 90), as training cuts each side.
    conversations = [r["messages"] for r in STAT_ROWS[:2]] + [STAT_ROWS[2]["prompt"] + STAT_ROWS[2]["rejected"]]
    expected = [
        len(
            smol_tokenizer(smol_tokenizer.apply_chat_template(c, tokenize=False), add_special_tokens=False)[
                "input_ids"
            ]
        )
        for c in conversations
    ]
    assert stats["token_lengths"] == expected
    # Reference: the tokenizer's own tokenize=True path gives the same count (no doubled BOS).
    direct = [
        len(smol_tokenizer.apply_chat_template(c, tokenize=True, return_dict=True)["input_ids"]) for c in conversations
    ]
    assert expected == direct
    assert stats["tokens"]["max"] == max(expected) and "truncated" not in stats


def test_truncation_count(smol_tokenizer):
    lengths = dataset_stats(STAT_ROWS, smol_tokenizer)["token_lengths"]
    cut = sorted(lengths)[1]  # exactly one row is longer than the middle length
    stats = dataset_stats(STAT_ROWS, smol_tokenizer, max_length=cut)
    assert (stats["truncated"], stats["max_length"]) == (1, cut)
    assert stats["truncated_fraction"] == pytest.approx(1 / 3)
    assert dataset_stats(STAT_ROWS, smol_tokenizer, max_length=max(lengths))["truncated"] == 0


def test_a_text_rows_length_counts_the_eos_training_adds(smol_tokenizer):
    """A reference review: "The sky is blue." counted 5 tokens on the Data page and 6 in training (the EOS, as TRL's
    add_eos), so at max length 5 the page said nothing was cut while training cut the EOS."""
    from ftlib.tokens import encode_row

    row = {"text": "The sky is blue."}
    trained = len(encode_row(row, smol_tokenizer, "chatml").input_ids)  # a text row: no template
    stats = dataset_stats([row], smol_tokenizer, max_length=trained - 1)
    assert stats["token_lengths"] == [trained] and stats["truncated"] == 1


def test_table_rows_know_the_line_of_the_file_they_start_on():
    """A quoted cell spanning lines moves every later row down; blank lines are skipped by the reader."""
    data = b'question,answer\nA?,"one\ntwo"\n\nB?,b\nC?,c,extra\n'
    result = load_bytes(data, "faq.csv")
    assert result.lines == [2, 5, 6]
    assert [result.where(n) for n in (1, 2, 3)] == [
        "data row 1 (line 2 of the file)",
        "data row 2 (line 5 of the file)",
        "data row 3 (line 6 of the file)",
    ]
    assert [e.row for e in result.errors] == [3]
    assert load_bytes(b'{"text": "a"}\n\n{"text": "b"}\n', "t.jsonl").where(3) == "line 3"


def test_an_unmapped_table_asks_for_a_mapping_with_what_a_page_needs():
    """MappingNeeded is a DataError (the CLI prints it as before) carrying the file's own name and columns."""
    with pytest.raises(data.MappingNeeded, match="--map") as caught:
        load_bytes(b"Kundenfrage,Antwort\nWie?,So.\n", "faq export.csv")
    need = caught.value
    assert isinstance(need, DataError)
    assert (need.name, need.fields, need.table, need.fmt, need.gaps) == (
        "faq export.csv",
        ["Kundenfrage", "Antwort"],
        True,
        None,
        [],
    )
    with pytest.raises(data.MappingNeeded) as caught:
        load_bytes(
            b"Kundenfrage,Antwort\nWie?,So.\n", "faq.csv", fmt="preference", column_map={"prompt": "Kundenfrage"}
        )
    assert (caught.value.fmt, caught.value.gaps) == ("preference", ["chosen", "rejected"])


def test_a_line_python_printed_is_named_as_such_with_the_fix():
    """A newcomer's walk: lines written by `str(row)` read "Expecting property name enclosed in double quotes
    (column 2)"; what JSON's decoder meant, and the fix, are said."""
    body = b"{'prompt': 'Hi', 'completion': 'Hello.'}\n" + b'{"prompt": "Hi", "completion": None}\n'
    body += b'{"prompt": "Hi", "completion": "Hello."}\n'
    result = load_bytes(body, "rows.jsonl")
    quotes, literal = (e.message for e in result.errors)
    assert quotes.endswith("it is written with single quotes at column 2, as Python prints a dict (`str(row)`), not "
                           "as JSON: write each line with `json.dumps(row)`")  # fmt: skip
    assert "it holds True, False or None (JSON's true, false, null) at column 32" in literal and len(result.rows) == 1


def test_a_file_of_unknown_fields_names_the_lines_it_could_not_read():
    """Two prompt/completion lines broken beside one line of other keys: "Could not recognise the format ... its rows
    have the fields foo, bar" said nothing of the broken lines, which hold the file's real rows."""
    body = b'{"foo": 1, "bar": "x"}\n{"prompt": "hi", "completion": broken}\n{"prompt": "a"\n'
    with pytest.raises(data.MappingNeeded) as caught:
        load_bytes(body, "export.jsonl")
    need = caught.value
    assert "the 1 row it could read has the fields foo, bar. 2 other rows could not be read at all" in str(need)
    assert [b.split(":")[0] for b in need.broken] == ["line 2", "line 3"]
    assert "not valid JSON" in need.broken[0]
    with pytest.raises(data.MappingNeeded) as clean:  # nothing broken: nothing more said
        load_bytes(b'{"foo": 1}\n', "export.jsonl")
    assert clean.value.broken == [] and "its rows have the fields foo." in str(clean.value)


def test_the_command_offered_for_a_text_file_makes_a_file_the_studio_reads(tmp_path):
    """The fix a .txt file is given is run as written: its result loads as one raw-text row per block of the file
    between blank lines (8f74abe: the whole file as one row was cut at the max length), a quote kept."""
    import re
    import subprocess

    notes = tmp_path / "notes.txt"
    notes.write_text('First line of the notes.\nSecond line, with a quote: "yes".\n\nA second block.\n')
    with pytest.raises(DataError) as raised:
        load_file(notes)
    command = re.search(r"`(python -c .*)`", str(raised.value)).group(1)
    subprocess.run(command.replace("python", sys.executable, 1), shell=True, cwd=tmp_path, check=True)
    result = load_file(tmp_path / "notes.jsonl")
    blocks = ['First line of the notes.\nSecond line, with a quote: "yes".', "A second block."]
    assert result.format == "text" and [r["text"] for r in result.rows] == blocks


def test_direction_controls_are_warned_and_drawn_as_marks_not_obeyed():
    """A cold review: a right-to-left override (U+202E) showed a row's "evil" as "live" on Data and Tokens, and the
    template's <|im_end|> backwards after it, without a word."""
    from ui.token_view import rendered_html, tokens_html

    rows = [
        {"prompt": "Translate: \u202elive\u202c hello", "completion": "مرحبا"},
        {"prompt": "Hi", "completion": "Yo"},
    ]
    loaded = load_bytes("".join(json.dumps(r) + "\n" for r in rows).encode(), "bidi.jsonl")
    assert len(loaded.rows) == 2 and [w.row for w in loaded.warnings] == [1]  # Arabic text alone is no warning
    assert loaded.warnings[0].message.startswith("the text holds direction controls (U+202C, U+202E)")
    shown = rendered_html(rows[0]["prompt"]) + tokens_html([{"text": "\u202elive", "trained": False}])
    assert "\u202e" not in shown and "\u202c" not in shown and shown.count("⟨U+202E⟩") == 2 and "⟨U+202C⟩" in shown


def test_invisible_control_characters_in_text_are_warned_and_the_row_kept():
    """A cold review: "Hello\\x1b[31m" (a terminal's colour code) and a NUL were trained without a word."""
    rows = [
        {"prompt": "Hi\u0000there", "completion": "Hello\u001b[31m"},
        {"prompt": "Tabs\tand\r\nbreaks", "completion": "are fine.\n"},
    ]
    loaded = load_bytes("".join(json.dumps(r) + "\n" for r in rows).encode(), "ctrl.jsonl")
    assert len(loaded.rows) == 2 and [w.row for w in loaded.warnings] == [1]
    assert loaded.warnings[0].message.startswith("the text holds invisible control characters (U+0000, U+001B)")


def test_a_typed_row_with_a_lone_surrogate_outside_its_turns_is_refused_naming_where():
    """The Tokens page's typed row is read as a file's row: a lone surrogate (`\\ud800`) in a tool schema or a key is
    refused with where it is, before it reaches the tokenizer (which cannot encode it)."""
    from ftlib.formats import RowProblem

    chat = [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]
    tools = [{"type": "function", "function": {"name": "f", "description": "bad \ud800"}}]
    with pytest.raises(RowProblem, match=r"`tools\[0\]\.function\.description` holds an invalid character"):
        data.read_row({"messages": chat, "tools": tools})
    with pytest.raises(RowProblem, match=r"the field name `id\\udc80`"):
        data.read_row({"messages": chat, "id\udc80": 1})
    typed = json.loads('[{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "\\ud83d\\ude00"}]')
    assert data.read_row(typed).row["messages"][1]["content"] == "\U0001f600"  # a whole pair is one character


@pytest.mark.parametrize(
    "name, first, second",
    [
        ("joined.jsonl", b'{"prompt": "Hi?", "completion": "Hello."}\n', b'{"prompt": "Yo?", "completion": "Hey."}\n'),
        ("joined.csv", b"prompt,completion\nHi?,Hello.\n", b"Yo?,Hey.\n"),
    ],
)
def test_files_joined_with_cat_keep_no_byte_order_mark(name, first, second):
    """`cat a b > joined`: each file's BOM (EF BB BF) begins a line. Its JSONL line was refused as "not valid JSON:
    Expecting value (column 1)", with nothing to see; its CSV cell kept U+FEFF in the prompt, to be trained."""
    bom = b"\xef\xbb\xbf"
    result = load_bytes(bom + first + bom + second, name)
    assert result.errors == []
    assert [r["messages"][0]["content"] for r in result.rows] == ["Hi?", "Yo?"]


def test_parquet_text_stored_as_bytes_is_read_as_text(tmp_path):
    """Spark and Hive write strings as plain Parquet binary: every row was refused ("it is bytes"). UTF-8 bytes are
    read as text, said in a note; a column of other bytes (an image's) stays bytes and, unread, refuses nothing."""
    table = pa.table(
        {
            "prompt": pa.array(["Grüße?".encode(), "你好？".encode()], pa.binary()),
            "completion": pa.array(["Ahoy 👋🏽".encode(), b"Hi."], pa.large_binary()),
            "thumbnail": pa.array([b"\x89PNG\xff", b"\xff\xd8\xff"], pa.binary()),
        }
    )
    path = tmp_path / "spark.parquet"
    pq.write_table(table, path)
    result = load_file(path)
    assert result.errors == [] and result.format == "prompt_completion"
    assert [r["messages"][0]["content"] for r in result.rows] == ["Grüße?", "你好？"]
    assert result.rows[0]["messages"][1]["content"] == "Ahoy 👋🏽"
    notes = [n.message for n in result.notices if "stored as bytes" in n.message]
    assert notes and "`prompt`, `completion`" in notes[0] and "thumbnail" not in notes[0]


def test_text_that_was_decoded_with_the_wrong_encoding_is_named():
    """A file converted from Windows-1252 while it was UTF-8 already (or read so on its way) holds `CafÃ©` for
    `Café`: valid UTF-8, read without a word, and trained as written. The row is kept with a warning that says what
    it reads as; accented, German and CJK text says nothing."""
    rows = [
        {"prompt": "Un cafÃ© crÃ¨me ?", "completion": "Oui, â€œtout de suiteâ€\x9d."},
        {"prompt": "Crème brûlée, « Ça va » ?", "completion": "Größe: Äpfel über 你好 👋🏽 — “fine”."},
    ]
    result = load_bytes("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode(), "garbled.jsonl")
    assert len(result.rows) == 2
    said = [(w.row, w.message) for w in result.warnings if "wrong encoding (" in w.message]
    assert said == [
        (
            1,
            "the text looks decoded with the wrong encoding ('Ã©' is 'é' as UTF-8, read as Windows-1252): trained as "
            "written, the model learns to write it; fix the file (Python: `text.encode('cp1252').decode('utf-8')`, "
            "or the ftfy package)",
        )
    ]
