"""A second sweep of the data path with files in the shapes projects publish (helper 241).

- Capybara's conversations, each exchange one {"input", "output"} pair (LDJnr's Capybara and the sets built like
  it), are read as a user's turn and the assistant's reply, said in a note; every row was refused ("turn 1 has no
  role"), with no way on.
- OpenAssistant's `prompter` (its name of the person asking, kept by some conversions of oasst1/oasst2 into turns)
  is the user: a turn of it was refused as a role not supported.
- OpenAssistant's message trees (oasst1's flat rows of one message each, linked by `parent_id`; oasst2's nested
  `replies`) are refused saying how to write them as conversations: the flat rows were read as plain text, each
  message trained on its own, the questions too, with only `role` named as not read.
- A file whose every row is an empty object {} says so, not "its rows have the fields (none)" (the Data page: "have
  the fields , which no format reads"); a first row {} before rows with keys no longer hides those keys.
- One row of another shape beside one row of the file's own: "the file's other row is messages: to keep it", not
  "other 1 row ...: to keep them".
- An empty cell of a column named as its field says so once: "the 'label' cell is empty: fill it in", not "(that
  column holds the label)".
- UltraFeedback's raw rows (scored `completions`) without their `instruction` are refused saying how to make pairs
  of them, not with their field names alone (with it they are pairs since helper 270).
- A batch bigger than a tiny split says its rows in words: "one pass over it" (one row), "over both" (two), not
  "over all 1".
- A table cell of exactly 32,767 characters (Excel's most, where a sheet saved as CSV cuts a longer text) is named
  as most likely cut: a cut cell of turns failed as "not valid JSON" alone, a cut text trained in silence.
- A compressed file whose text is not UTF-8 says to open it first: `iconv` given the .gz itself converts its
  compressed bytes.
- Rows keyed by their ids ({"q1": {row}, "q2": {row}}) are refused saying to write them as a list, not as one row
  "with the fields q1, q2".
- A table's copied rows are named "data row 2 (line 3 of the file), a copy of data row 1 (line 2 of the file)", not
  with brackets in brackets.
- A `prompt` beside `messages` holding its first user turn again (UltraChat, No Robots) is said to be a copy, in a
  note, not warned of as a field not read.
"""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ftlib.cli import main
from ftlib.data import DataError, MappingNeeded, load_bytes

EXCHANGES = [
    {"input": "Name a moon of Saturn.", "output": "Titan."},
    {"input": "And one of Mars?", "output": "Phobos."},
]


def _jsonl(*rows: dict) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def _parquet(**columns: list) -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (_jsonl({"source": "Know-Logic", "conversation": EXCHANGES}, {"conversation": EXCHANGES[:1]}), "capy.jsonl"),
        (_parquet(conversation=[EXCHANGES, EXCHANGES[:1]]), "capy.parquet"),
        (_jsonl({"messages": EXCHANGES}, {"messages": EXCHANGES[:1]}), "capy.jsonl"),
    ],
)
def test_capybara_exchanges_are_read_as_turns(data, name):
    result = load_bytes(data, name)
    assert not result.errors, [e.message for e in result.errors]
    assert result.rows[0]["messages"] == [
        {"role": "user", "content": "Name a moon of Saturn."},
        {"role": "assistant", "content": "Titan."},
        {"role": "user", "content": "And one of Mars?"},
        {"role": "assistant", "content": "Phobos."},
    ]
    assert len(result.rows[1]["messages"]) == 2
    said = [n.message for n in result.notices if "exchanges" in n.message]
    assert said == [
        'In 2 rows, a conversation\'s turns are written as exchanges, {"input": ..., "output": ...} (as Capybara\'s '
        "rows are): each is read as a user's turn and the assistant's reply to it."
    ], said


def test_a_capybara_exchange_without_its_reply_is_named_by_its_key():
    rows = [
        {"conversation": EXCHANGES},
        {"conversation": [EXCHANGES[0], {"input": "And one of Mars?", "output": None}]},
        {"conversation": [{"input": " ", "output": "Titan."}]},
        {"conversation": [{"input": "Name a moon.", "output": "Io.", "id": 4}]},
    ]
    result = load_bytes(_jsonl(*rows), "capy.jsonl")
    assert [(e.row, e.message) for e in result.errors] == [
        (2, "exchange 2 of 'conversations' has a null 'output' (the assistant's reply): write its text there"),
        (3, "exchange 1 of 'conversations' has an empty 'input' (the user's turn): write its text there"),
    ]
    said = " ".join(n.message for n in result.notices)
    assert "ignored field: `conversations[].id` (a key inside the turns) in 1 row (line 4)" in said, said


def test_a_turn_naming_its_speaker_is_not_read_as_an_exchange():
    turns = [{"from": "human", "value": "Hi", "input": "x", "output": "y"}, {"from": "gpt", "value": "Hello."}]
    result = load_bytes(_jsonl({"conversations": turns}), "chats.jsonl")
    assert result.rows[0]["messages"][0] == {"role": "user", "content": "Hi"}
    assert not [n for n in result.notices if "exchanges" in n.message]


def test_an_openassistant_prompter_turn_is_the_user():
    turns = [{"role": "prompter", "content": "What is a prime number?"}, {"role": "assistant", "content": "One > 1."}]
    result = load_bytes(
        _jsonl({"messages": turns}, {"messages": turns[:1] + [{"role": "assistant", "content": "7"}]}), "o.jsonl"
    )
    assert not result.errors, [e.message for e in result.errors]
    assert [t["role"] for t in result.rows[0]["messages"]] == ["user", "assistant"]


OASST_FLAT = [
    {"message_id": "m1", "parent_id": None, "role": "prompter", "text": "What is a prime number?", "lang": "en"},
    {"message_id": "m2", "parent_id": "m1", "role": "assistant", "text": "A number with two divisors.", "rank": 0},
    {"message_id": "m3", "parent_id": "m1", "role": "assistant", "text": "An even number.", "rank": 1},
]
OASST_NESTED = {
    "message_tree_id": "t1",
    "prompt": {
        "message_id": "m1",
        "role": "prompter",
        "text": "What is a prime number?",
        "replies": [{"message_id": "m2", "role": "assistant", "text": "A number with two divisors.", "replies": []}],
    },
}


def test_openassistant_message_trees_are_refused_with_the_way_to_conversations():
    """oasst1's flat rows were read as plain text, each message trained on its own (the questions too), with only
    `role` named as not read; oasst2's nested trees were refused as prompts whose turn had no 'content'."""
    flat = pytest.raises(MappingNeeded, load_bytes, _jsonl(*OASST_FLAT), "oasst.jsonl")
    said = str(flat.value)
    assert "its rows look like OpenAssistant's message trees (each message a `role` and its `text`, linked" in said
    assert "Follow each reply back to the first message and write that path as one row" in said, said
    assert "pick the format 'text' (--format text)" in said, said
    as_text = load_bytes(_jsonl(*OASST_FLAT), "oasst.jsonl", fmt="text")  # the way the refusal gives still reads
    assert as_text.format == "text" and len(as_text.rows) == 3
    nested = pytest.raises(MappingNeeded, load_bytes, _jsonl(OASST_NESTED, OASST_NESTED), "oasst2.jsonl")
    said = str(nested.value)
    assert "its rows look like OpenAssistant's message trees" in said and "--format text" not in said, said


def test_a_text_row_with_a_role_but_no_tree_is_still_text():
    rows = [{"text": f"Chapter {i} begins.", "role": "narrator", "id": i} for i in range(2)]
    assert load_bytes(_jsonl(*rows), "story.jsonl").format == "text"


def test_a_file_of_empty_objects_says_so(tmp_path, capsys):
    """Its refusal said 'its rows have the fields (none)', and the Data page 'have the fields , which no format
    reads by these names', asking for a field mapping of no fields."""
    said = pytest.raises(DataError, load_bytes, b"{}\n{}\n{}\n", "chats.jsonl")
    assert not isinstance(said.value, MappingNeeded)
    assert str(said.value).startswith(
        "Every row of chats.jsonl is an empty object {} (3 rows): there is nothing in it to read. Write each row's "
        'fields, e.g. {"messages": '
    ), said.value
    assert str(pytest.raises(DataError, load_bytes, b"{}\n", "one.jsonl").value).startswith(
        "The one row of one.jsonl is an empty object {}: there is nothing"  # not "(1 row)" again (h243)
    )
    later = pytest.raises(MappingNeeded, load_bytes, b'{}\n{"topic": "Lakes", "year": 2020}\n', "chats.jsonl")
    assert "its rows have the fields topic, year." in str(later.value), later.value  # the first row with keys
    path = tmp_path / "chats.jsonl"
    path.write_text("{}\n{}\n", encoding="utf-8")
    assert main(["train", "--dataset", str(path), "--max-steps", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "is an empty object {} (2 rows)" in err and err.count("\n") == 1, err


def test_one_row_of_another_shape_beside_one_row_names_it_as_one():
    """It said "the file's other 1 row is messages: to keep them"."""
    chat = [{"role": "user", "content": "Name a river."}, {"role": "assistant", "content": "The Nile."}]
    rows = [{"prompt": "Name a sea.", "completion": "The Aral Sea."}, {"messages": chat}]
    result = load_bytes(_jsonl(*rows), "mixed.jsonl")
    (said,) = [n.message for n in result.notices if "looks like" in n.message]
    assert said.endswith(
        "but the file's other row is messages: to keep it, write this row as messages too, or leave it out."
    ), said


def test_an_empty_cell_of_a_column_named_as_its_field_is_not_said_twice():
    """It said "the 'label' cell is empty (that column holds the label)"; a column of another name still says
    which field it holds."""
    table = b"prompt,completion,label\nName a fruit.,Apple.,yes\nName a fruit.,Rock.,\nName a fruit.,,no\n"
    result = load_bytes(table, "answers.csv")
    assert [e.message for e in result.errors] == [
        "the 'label' cell is empty: fill it in",
        "the 'completion' cell is empty: fill it in",
    ]
    mapped = b"question,reply\nName a fruit.,Apple.\nName a stone.,\n"
    result = load_bytes(mapped, "answers.csv", column_map={"prompt": "question", "completion": "reply"})
    assert [e.message for e in result.errors] == [
        "the 'reply' cell is empty (that column holds the completion): fill it in"
    ]


def test_ultrafeedback_raw_completions_without_their_question_are_refused_saying_how_to_pair_them():
    """They were refused as "its rows have the fields instruction, models, completions, source" alone. With their
    `instruction` they are pairs (helper 270, tests/test_data_shapes_h270.py); without it, refused by name."""
    scored = [
        {"model": "m1", "response": "Mass pulls on mass.", "overall_score": 8.5},
        {"model": "m2", "response": "Things fall.", "overall_score": 4.0},
    ]
    rows = [{"id": f"q{i}", "models": ["m1", "m2"], "completions": scored} for i in (1, 2)]
    said = str(pytest.raises(MappingNeeded, load_bytes, _jsonl(*rows), "uf.jsonl").value)
    assert "its rows look like UltraFeedback's raw rows (several `completions`, each a `response` with its" in said
    assert "`instruction` or `prompt`" in said and '{"prompt": ..., "chosen": ..., "rejected": ...}' in said, said
    steps = {"prompt": "2+2?", "completions": ["2+2 is 4."], "labels": [True]}  # TRL's stepwise: its own words
    said = str(pytest.raises(MappingNeeded, load_bytes, _jsonl(steps), "steps.jsonl").value)
    assert "stepwise supervision" in said and "UltraFeedback" not in said, said


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        (
            1,
            "more than the 1 training row: a step cannot hold more rows than there are, so every step is one pass "
            "over it. Add training rows.",
        ),
        (2, "so every step is one pass over both."),
        (3, "so every step is one pass over all 3."),
    ],
)
def test_a_batch_bigger_than_a_tiny_split_says_its_rows_in_words(rows, said):
    """A one-row file trained with --test-size 0 was told "every step is one pass over all 1"; two rows "all 2"."""
    from ftlib.config import RunConfig
    from ftlib.overfitting import schedule_warnings

    config = RunConfig(model="m", dataset="x", max_steps=1, batch_size=8)
    (warning,) = [w for w in schedule_warnings(config, rows) if w.startswith("Batch size")]
    assert said in warning, warning


def test_a_cell_cut_at_excels_limit_is_named():
    """A sheet saved from Excel cuts a cell's text at 32,767 characters without a word: a cell of turns then failed
    as "not valid JSON (Unterminated string starting at)" alone, a text cell trained cut mid-way in silence."""
    turns = json.dumps([{"role": "user", "content": "Q" * 40_000}, {"role": "assistant", "content": "A."}])
    table = io.StringIO()
    csv.writer(table).writerows([["messages"], [turns[:32_767]], [json.dumps([{"role": "user", "content": "Hi"}])]])
    result = load_bytes(table.getvalue().encode(), "chats.csv")
    (said,) = [n.message for n in result.notices if "32,767" in n.message]
    assert said.startswith(
        "1 cell holds exactly 32,767 characters, the most an Excel cell holds (data row 1 (line 2 of the file): "
        "`messages`): it was most likely cut there when the sheet was saved"
    ), said
    table = io.StringIO()
    rows = [["question", "answer"], ["Q" * 32_767, "A."], ["Say hi.", "Hi" + "!" * 32_765], ["Say yo.", "Yo."]]
    csv.writer(table).writerows(rows)
    result = load_bytes(table.getvalue().encode(), "answers.csv")
    assert len(result.rows) == 3  # kept: the user's call
    (said,) = [n.message for n in result.notices if "32,767" in n.message]
    assert "2 cells hold exactly 32,767 characters" in said and "`question`; data row 2 (line 3" in said, said
    full = io.StringIO()
    csv.writer(full).writerows([["question", "answer"], ["Q" * 32_766, "A."], ["Say yo.", "Yo."]])
    assert not [n for n in load_bytes(full.getvalue().encode(), "answers.csv").notices if "32,767" in n.message]


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        ("chats.jsonl.gz", '{"text": "Hé"}\n'.encode("utf-16"), "is saved as UTF-16. Save it again as UTF-8"),
        ("faq.csv.gz", b"instruction,output\nCaf\xe9?,Oui.\n", "is not UTF-8 text (byte 0xe9 on line 2, column 4"),
    ],
)
def test_a_compressed_file_not_in_utf8_says_to_open_it_first(name, text, said):
    """`iconv -f UTF-16 -t UTF-8` given chats.jsonl.gz itself converts its compressed bytes: the fix is the file
    inside it."""
    import gzip

    message = str(pytest.raises(DataError, load_bytes, gzip.compress(text), name).value)
    assert said in message, message
    assert message.endswith(
        f" It is compressed: open it first (`gunzip {name}`), fix the file it holds, and compress that again."
    ), message
    plain = str(pytest.raises(DataError, load_bytes, text, name.removesuffix(".gz")).value)
    assert "compressed" not in plain, plain


def test_rows_keyed_by_their_ids_are_refused_saying_to_write_them_as_a_list():
    """{"q1": {row}, "q2": {row}} (pandas' orient="index" with a named index) was refused as one row "with the
    fields q1, q2", which no mapping could read."""
    rows = {"q1": {"instruction": "Say hi.", "output": "Hi."}, "q2": {"instruction": "Count.", "output": "1 2"}}
    said = str(pytest.raises(MappingNeeded, load_bytes, json.dumps(rows).encode(), "faq.json").value)
    assert said.startswith(
        "Could not recognise the format of faq.json: each of its top-level fields holds a row of its own (rows keyed "
        'by an id, as pandas\' `to_json(orient="index")` writes a DataFrame with a named index)'
    ), said
    numbered = {"0": rows["q1"], "1": rows["q2"]}  # pandas' own row numbers: read as rows, as before
    assert len(load_bytes(json.dumps(numbered).encode(), "faq.json").rows) == 2


def test_a_tables_copied_rows_are_named_without_brackets_in_brackets():
    """It said "data row 2 (line 3 of the file) (of data row 1 (line 2 of the file))"."""
    result = load_bytes(b"instruction,output\nName a lake.,Titicaca.\nName a lake.,Titicaca.\nSay hi.,Hi.\n", "q.csv")
    (said,) = [n.message for n in result.notices if "repeats an earlier one" in n.message]
    assert said.startswith(
        "1 row repeats an earlier one exactly: data row 2 (line 3 of the file), a copy of data row 1 (line 2 of the "
        "file). A copy counts"
    ), said
    lines = load_bytes(b'{"text": "Hi."}\n{"text": "Hi."}\n', "t.jsonl")
    assert [n.message for n in lines.notices if "line 2 (of line 1)" in n.message]  # a JSONL line's place: as before


def test_a_prompt_beside_messages_that_copies_its_first_user_turn_is_said_a_copy():
    """UltraChat's and No Robots' rows carry a `prompt` that is their first user turn again: it was warned of as
    "ignored field: `prompt` ... neither shown nor trained", as if something were lost."""
    rows = [
        {
            "prompt": f"Name a lake in country {i}.",
            "prompt_id": f"p{i}",
            "messages": [
                {"role": "user", "content": f"Name a lake in country {i}."},
                {"role": "assistant", "content": "Titicaca."},
                {"role": "user", "content": "Another?"},
                {"role": "assistant", "content": "Poopó."},
            ],
        }
        for i in range(3)
    ]
    result = load_bytes(_jsonl(*rows), "ultrachat.jsonl")
    (said,) = [n for n in result.notices if n.field == "prompt"]
    assert "a copy of the first user turn of `messages`, the same text in every row" in said.message, said.message
    assert said.note, said
