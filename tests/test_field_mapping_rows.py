"""A field mapping, a forced format and a label column, read the way their files meant them (a tester's cold walk).

- `--map response=output` on a file that also has `output`: a row with both is refused (one would be lost), a row
  with only one reads it; a file spelling one key two ways (`conversation`/`conversations`) reads every row.
- `--format alpaca` keeps the guess from names (`question` -> instruction) that the detected format had.
- A label column of ratings (1-5) is refused before its 1s train as good answers; a stray 2 stays that row's error.
- A null where a value belongs says null, and a turn's text under another key names the key.
- Each field of the mapping editor says what it holds and which formats read it (those that need it marked).
"""

from __future__ import annotations

import json

import pytest

from ftlib.data import DataError, load_bytes
from ftlib.formats import FIELDS, FORMAT_FIELDS, convert_record, format_label
from ftlib.mapping import ALWAYS_REQUIRED, FIELD_PLAIN, REQUIRED_FIELDS, field_help
from ftlib.turns import RowProblem


def _jsonl(*rows: dict) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def test_a_field_mapped_onto_a_name_the_file_also_has_loses_no_value():
    data = _jsonl(
        {"instruction": "Greet me.", "output": "Hello.", "response": "Hi there."},  # both: refused
        {"instruction": "Part ways.", "output": "Goodbye."},  # its own output
        {"instruction": "Shout.", "response": "HEY."},  # the mapped column
    )
    result = load_bytes(data, "both.jsonl", column_map={"output": "response"})
    assert [(e.row, e.message.split(",")[0]) for e in result.errors] == [
        (1, "it has both 'response' (mapped to the output) and its own 'output'")
    ]
    assert "map 'output' to another field" in result.errors[0].message
    assert [r["messages"][-1]["content"] for r in result.rows] == ["Goodbye.", "HEY."]
    assert result.row_numbers == [2, 3]


def test_a_file_that_spells_one_key_two_ways_reads_every_row_with_the_mapping():
    turns = [{"from": "human", "value": "Name a tide."}, {"from": "gpt", "value": "Spring tide."}]
    data = _jsonl({"conversations": turns}, {"conversation": turns}, {"conversations": turns})
    result = load_bytes(data, "mixed.jsonl", column_map={"conversations": "conversation"})
    assert (result.format, len(result.rows), result.errors) == ("sharegpt", 3, [])


def test_a_mapping_every_row_refuses_is_a_file_error():
    data = _jsonl({"instruction": "A", "output": "B", "response": "C"})
    with pytest.raises(DataError, match=r"No row can be read with this field mapping: it has both .* \(row 1\)"):
        load_bytes(data, "clash.jsonl", column_map={"output": "response"})


@pytest.mark.parametrize("fmt", [None, "alpaca"])
def test_a_forced_format_keeps_the_mapping_its_names_suggest(fmt):
    data = _jsonl(
        {"question": "Who built the lighthouse?", "answer": "The harbour guild.", "context": "Local history"},
        {"question": "When is high tide?", "answer": "At noon.", "context": "Tables"},
    )
    result = load_bytes(data, "qa.jsonl", fmt=fmt)
    assert result.errors == [] and result.format == "alpaca"
    assert result.column_map == {"instruction": "question", "output": "answer", "input": "context"}
    assert result.rows[0]["messages"][0]["content"] == "Who built the lighthouse?\n\nLocal history"


def test_a_forced_format_whose_fields_are_already_there_maps_nothing():
    data = _jsonl({"prompt": "Tide at Dover?", "completion": "High at noon."})
    result = load_bytes(data, "pc.jsonl", fmt="prompt_only")
    assert (result.format, result.column_map, len(result.rows)) == ("prompt_only", None, 1)


def test_a_forced_format_the_names_cannot_fill_still_names_the_row():
    result = load_bytes(_jsonl({"query": "Hi"}, {"instruction": "Hi", "output": "Hello"}), "x.jsonl", fmt="alpaca")
    assert [e.row for e in result.errors] == [1] and len(result.rows) == 1


RATED = b"prompt,completion,rating\nHi,Hello,5\nHi,Go away,1\nHi,Hey,4\nHi,Hm,2\n"


def test_a_rating_column_read_as_the_label_is_refused_before_its_ones_train_as_good():
    with pytest.raises(DataError) as caught:
        load_bytes(RATED, "rated.csv", column_map={"prompt": "prompt", "completion": "completion", "label": "rating"})
    message = str(caught.value)
    assert message.startswith("The 'rating' column, read as the good/bad label, holds ratings (2 and 4 and 5 besides")
    assert "data rows 1, 3, 4" in message and "a 'label' column: true for the ratings you call good" in message


def test_the_cli_refuses_a_rating_label_in_one_line(tmp_path, capsys):
    from ftlib.cli import main

    path = tmp_path / "rated.jsonl"
    path.write_bytes(_jsonl(*({"prompt": "Hi", "completion": c, "rating": r} for c, r in [("Yo", 5), ("No", 1)])))
    path.write_bytes(path.read_bytes() + b"\n" + _jsonl({"prompt": "Hi", "completion": "Hey", "rating": 3}))
    assert main(["data", "inspect", str(path), "--map", "rating=label"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: The 'rating' field, read as the good/bad label, holds ratings (3 and 5") and (
        "lines 1, 3" in err
    )
    assert err.count("\n") == 1


def test_a_stray_number_among_good_and_bad_labels_is_only_its_rows_error():
    rows = [{"prompt": f"Q{i}", "completion": "A", "label": v} for i, v in enumerate([True, False, 1, 0, 2, "good"])]
    result = load_bytes(_jsonl(*rows), "kto.jsonl")
    assert [e.row for e in result.errors] == [5] and "not 2" in result.errors[0].message
    assert len(result.rows) == 5


def test_a_null_value_says_null_and_an_absent_one_missing():
    with pytest.raises(
        RowProblem,
        match=r"^the 'output' field is null: rows read as instruction and answer \(alpaca\) need 'instruction' and",
    ):
        convert_record({"instruction": "Hi", "output": None}, "alpaca")
    with pytest.raises(RowProblem, match=r"^the 'output' field is missing"):
        convert_record({"instruction": "Hi"}, "alpaca")


@pytest.mark.parametrize(
    ("turn", "said"),
    [
        ({"role": "user", "text": "Hi"}, "turn 1 (user) of 'messages' has no 'content' (it has 'text': name that key"),
        ({"role": "user", "content": None}, "turn 1 (user) of 'messages' has a null 'content' (give it the turn's"),
    ],
)
def test_a_turn_without_content_says_what_it_holds_instead(turn, said):
    with pytest.raises(RowProblem) as caught:
        convert_record({"messages": [turn, {"role": "assistant", "content": "Hello"}]}, "messages")
    assert str(caught.value).startswith(said)


def test_an_assistant_turn_with_null_content_and_no_call_says_so():
    row = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": None}]}
    with pytest.raises(RowProblem, match=r"turn 2 \(assistant\) of 'messages' has a null 'content'"):
        convert_record(row, "messages")


def _pair(prompt, chosen_tail, rejected_tail):
    asked = [{"role": "user", "content": "Name a harbour."}]
    return {
        "prompt": prompt,
        "chosen": [*asked, {"role": "assistant", "content": chosen_tail}],
        "rejected": [*asked, {"role": "assistant", "content": rejected_tail}],
    }


def test_a_prompt_field_that_is_not_the_conversations_question_is_warned_per_row():
    result = load_bytes(
        _jsonl(_pair("Name a planet.", "Dover.", "Mars."), _pair("Name a harbour.", "A", "B")), "p.jsonl"
    )
    assert len(result.rows) == 2 and result.errors == []
    assert [(w.row, w.message) for w in result.warnings] == [
        (
            1,
            "its 'prompt' ('Name a planet.') is not the question the chosen and rejected conversations share "
            "('Name a harbour.'); theirs is trained and the 'prompt' field is not read",
        )
    ]
    # Said once, for its row, not as an ignored field; row 2's prompt, the conversations' own question, is read once
    # from them and said so in a note (d69691ac)
    prompt_notices = [n.message for n in result.notices if "prompt" in n.message]
    assert prompt_notices == [
        "In 1 row, the 'prompt' is written again at the start of the chosen and rejected conversations: it is read "
        "once, as their shared opening turns, not added before them a second time"
    ], prompt_notices


def test_answers_beside_a_prompt_that_hold_a_user_turn_say_so():
    row = {
        "prompt": "Q5",
        "chosen": [
            {"role": "assistant", "content": "First."},
            {"role": "user", "content": "More?"},
            {"role": "assistant", "content": "Second."},
        ],
        "rejected": [{"role": "assistant", "content": "No."}],
    }
    with pytest.raises(RowProblem, match=r"^'chosen' starts with the answer, yet its turn 2 is a user turn: beside"):
        convert_record(row, "preference")


def test_two_turns_in_a_row_are_said_for_each_role():
    turns = [
        {"from": "human", "value": "Hi"},
        {"from": "human", "value": "Are you there?"},
        {"from": "gpt", "value": "Yes."},
        {"from": "gpt", "value": "Still here."},
    ]
    _, warnings = convert_record({"conversations": turns}, "sharegpt")
    assert [w.split(";")[0] for w in warnings] == [
        "turns 1 and 2 are both from the user",
        "turns 3 and 4 are both from the assistant",
    ]


@pytest.mark.parametrize("field", FIELDS)
def test_each_mapping_box_says_what_its_field_holds_and_which_formats_read_it(field):
    said = field_help(field)
    assert said.startswith(FIELD_PLAIN[field])
    for fmt, fields in FORMAT_FIELDS.items():
        named = format_label(fmt) in said
        kto_alpaca = fmt == "unpaired_preference" and field in ("instruction", "input", "output")  # _from_unpaired
        assert named == (field in fields or kto_alpaca), (fmt, said)
        assert (f"{format_label(fmt)}, needed" in said) == (field in ALWAYS_REQUIRED[fmt]), (fmt, said)
        assert field not in ALWAYS_REQUIRED[fmt] or field in REQUIRED_FIELDS[fmt]  # a subset of the first shape's
    if field in ("prompt", "completion"):  # KTO reads them, but a file of messages and labels needs neither
        assert "(unpaired_preference)" in said and "(unpaired_preference), needed" not in said, said
    if field == "label":
        assert "answers marked good or bad (unpaired_preference), needed" in said


@pytest.mark.parametrize("answer", ["output", "response"])
def test_input_and_an_answer_alone_read_as_a_question_and_its_answer(answer):
    """A cold review: {"input", "output"} and {"input", "response"} rows were "Could not recognise the format", where
    {"query", "response"} and {"instruction", "answer"} read as Alpaca. Alone beside an answer, `input` is the
    question; beside an instruction it stays Alpaca's context."""
    loaded = load_bytes(_jsonl({"input": "Translate: cat", answer: "chat"}), "pairs.jsonl")
    assert loaded.format == "alpaca" and loaded.column_map == {"instruction": "input", "output": answer}
    assert [m["content"] for m in loaded.rows[0]["messages"]] == ["Translate: cat", "chat"]
    both = load_bytes(_jsonl({"instruction": "Translate:", "input": "cat", "output": "chat"}), "alpaca.jsonl")
    assert both.rows[0]["messages"][0]["content"] == "Translate:\n\ncat"
