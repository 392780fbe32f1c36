"""Real-world data shapes from walk 6: KTO labels written 1/0, HH-RLHF transcripts, JSON objects that wrap their rows.

The product's rule: nothing in a file is silently dropped; it is used, or named in a note, a warning or a refusal.
The content is ours; the shapes are those of pandas/CSV exports of TRL's KTO data, Anthropic's HH-RLHF and JSON
dumps with a version and metadata beside the rows.
"""

from __future__ import annotations

import json

import pytest

from ftlib.data import MappingNeeded, load_bytes, load_file
from ftlib.readers import DataError
from tests.test_formats import write

# A KTO file: each answer judged good or bad. The bad answers are sentinels that must never become training targets.
JUDGED = [
    ("Name a prime number.", "Seven.", True),
    ("Name a prime number.", "Nine.", False),
    ("What colour is a ripe banana?", "Yellow.", True),
    ("What colour is a ripe banana?", "Blue, mostly.", False),
    ("How many days are in a leap year?", "366.", True),
]
BAD_ANSWERS = {"Nine.", "Blue, mostly."}


def kto(label_of) -> list[dict]:
    return [{"prompt": p, "completion": c, "label": label_of(ok)} for p, c, ok in JUDGED]


# (id, file type, records): the label as each export writes it.
LABEL_CASES = [
    ("jsonl-ints", "jsonl", kto(int)),
    ("json-ints", "json", kto(int)),
    ("csv-1-0", "csv", kto(int)),  # the cells read "1" and "0"
    # Read before walk 6 too; kept beside the 1/0 cases as guards: pandas writes True/False, some tools TRUE/FALSE.
    ("csv-True-False", "csv", kto(lambda ok: str(ok))),
    ("csv-upper", "csv", kto(lambda ok: str(ok).upper())),
    ("jsonl-text-1-0", "jsonl", kto(lambda ok: "1" if ok else "0")),
    ("parquet-ints", "parquet", kto(int)),
    ("parquet-floats", "parquet", kto(float)),  # a label column with a gap elsewhere turns to floats
]


@pytest.mark.parametrize("kind, records", [c[1:] for c in LABEL_CASES], ids=[c[0] for c in LABEL_CASES])
def test_a_label_written_1_0_judges_the_answer_and_is_never_trained_as_one(tmp_path, kind, records):
    result = load_file(write(tmp_path, records, kind))
    assert (result.format, result.errors) == ("unpaired_preference", [])
    assert [(r["completion"][0]["content"], r["label"]) for r in result.rows] == [(c, ok) for _, c, ok in JUDGED]
    counts = result.summary()["counts"]
    assert (counts["good"], counts["bad"]) == (3, 2)
    assert not any("messages" in r for r in result.rows)  # no row is a conversation to imitate
    assert [n.message for n in result.notices] == []  # the label is read, not "ignored"


def test_a_label_that_is_no_judgement_refuses_its_row_by_name_never_trains_it():
    records = kto(int)
    records[1]["label"] = "billing"  # a category, not good/bad: which answers are bad is not known
    result = load_bytes("".join(json.dumps(r) + "\n" for r in records).encode(), "kto.jsonl")
    assert result.format == "unpaired_preference"
    assert [e.row for e in result.errors] == [2]
    assert (
        "the 'label' must be true, 1, yes, good or desirable (a good answer) or false, 0, no, bad or undesirable "
        "(a bad one), in any case, not 'billing'"
    ) in result.errors[0].message
    assert len(result.rows) == 4 and "Nine." not in json.dumps(result.rows)  # the refused answer is in no row


@pytest.mark.parametrize("labels", [["maybe", "unsure"], [None, None]], ids=["no-judgement", "empty"])
def test_forced_unpaired_with_no_valid_row_counts_0_and_never_suggests_training_the_answers(labels):
    records = [{"prompt": p, "completion": c, "label": lab} for (p, c, _), lab in zip(JUDGED, labels, strict=False)]
    result = load_bytes("".join(json.dumps(r) + "\n" for r in records).encode(), "k.jsonl", fmt="unpaired_preference")
    assert result.rows == [] and len(result.errors) == 2
    counts = result.summary()["counts"]
    assert (counts["good"], counts["bad"]) == (0, 0)  # the page's metrics read these
    said = " ".join([n.message for n in result.notices] + [e.message for e in result.errors])
    assert "prompt_completion" not in said  # the reading that would train the answers is not offered


def hh(*turns: str) -> str:
    """An HH-RLHF transcript: each turn a paragraph, the file's leading blank line included."""
    return "".join(f"\n\n{t}" for t in turns)


def u(text: str) -> dict:
    return {"role": "user", "content": text}


def a(text: str) -> dict:
    return {"role": "assistant", "content": text}


# (id, record, canonical row)
TRANSCRIPTS = [
    (
        "one-turn",
        {
            "chosen": hh("Human: Is it safe to swim after eating?", "Assistant: Yes; a light meal is fine."),
            "rejected": hh("Human: Is it safe to swim after eating?", "Assistant: Never, you will sink."),
        },
        {
            "prompt": [u("Is it safe to swim after eating?")],
            "chosen": [a("Yes; a light meal is fine.")],
            "rejected": [a("Never, you will sink.")],
        },
    ),
    (
        "multi-turn-with-Human-mid-line",
        {
            "chosen": hh(
                "Human: Hi!",
                "Assistant: Hello. Human: that is how the log labels you, by the way.",
                "Human: Odd. What rhymes with cat?",
                "Assistant: Hat, mat and bat.",
            ),
            "rejected": hh(
                "Human: Hi!",
                "Assistant: Hello. Human: that is how the log labels you, by the way.",
                "Human: Odd. What rhymes with cat?",
                "Assistant: Dog.",
            ),
        },
        {
            "prompt": [
                u("Hi!"),
                a("Hello. Human: that is how the log labels you, by the way."),
                u("Odd. What rhymes with cat?"),
            ],
            "chosen": [a("Hat, mat and bat.")],
            "rejected": [a("Dog.")],
        },
    ),
    (
        "no-leading-blank-line",
        {
            "chosen": "Human: Two plus two?\n\nAssistant: Four.\n\nIt is basic arithmetic.",
            "rejected": "Human: Two plus two?\n\nAssistant: Five.",
        },
        {
            "prompt": [u("Two plus two?")],
            "chosen": [a("Four.\n\nIt is basic arithmetic.")],
            "rejected": [a("Five.")],
        },
    ),
]


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_hh_rlhf_transcripts_are_read_as_turns_with_a_note(tmp_path, kind):
    records = [record for _, record, _ in TRANSCRIPTS]
    result = load_file(write(tmp_path, records, kind))
    assert (result.format, [e.as_dict() for e in result.errors]) == ("preference", [])
    assert result.rows == [row for _, _, row in TRANSCRIPTS]
    notes = [n.message for n in result.notices if n.note]
    assert notes[0].startswith("In 3 rows, `chosen` and `rejected` are whole Human/Assistant transcripts")
    assert [n.message for n in result.notices if not n.note] == []


def test_transcripts_a_line_apart_are_read_as_turns_too():
    """Copies of HH-RLHF re-exported with one newline between turns were read as two plain texts: the prompt was
    "Human: ...\\nAssistant:" as one user turn, trained under the chat template as if it were the user's words."""
    one_line = {
        "chosen": "Human: Hi.\nAssistant: Hello.\nHuman: Capital of Peru?\nAssistant: Lima.\nIt is on the coast.",
        "rejected": "Human: Hi.\nAssistant: Hello.\nHuman: Capital of Peru?\nAssistant: Cusco.",
    }
    result = load_bytes((json.dumps(one_line) + "\n").encode(), "hh.jsonl")
    assert (result.format, result.errors) == ("preference", [])
    assert result.rows == [
        {
            "prompt": [u("Hi."), a("Hello."), u("Capital of Peru?")],
            "chosen": [a("Lima.\nIt is on the coast.")],
            "rejected": [a("Cusco.")],
        }
    ]
    assert "whole Human/Assistant transcripts" in result.notices[0].message


def test_transcript_pairs_train_only_their_last_answers(smol_tokenizer):
    """Tokens, Batches and Train encode the pairs: each sequence trains its own last answer, never a Human turn."""
    from ftlib.batching import encode_examples
    from ftlib.templates import get_template

    payload = "".join(json.dumps(record) + "\n" for _, record, _ in TRANSCRIPTS).encode()
    rows = load_bytes(payload, "hh.jsonl").rows
    examples, names, failed = encode_examples(
        rows, smol_tokenizer, get_template("chatml", smol_tokenizer), "all_assistant"
    )
    assert failed == {} and names[:2] == ["row 0 · chosen", "row 0 · rejected"] and len(examples) == 6
    for example, (_, _, row), side in zip(
        examples, [t for t in TRANSCRIPTS for _ in (0, 1)], ["chosen", "rejected"] * 3, strict=True
    ):
        trained = smol_tokenizer.decode(
            [i for i, lab in zip(example.input_ids, example.labels, strict=True) if lab != -100]
        )
        assert row[side][0]["content"] in trained and "Human" not in trained and "Odd." not in trained


@pytest.mark.parametrize(
    "record, reason",
    [
        (
            {
                "chosen": hh("Human: Hi.", "Assistant: Hello.", "Human: Tell me a joke.", "Assistant: A pun."),
                "rejected": hh("Human: Hi.", "Assistant: Go away.", "Human: Tell me a joke.", "Assistant: No."),
            },
            "the chosen and rejected transcripts differ at turn 2, before their last answers",
        ),
        (
            {"chosen": hh("Human: Hi.", "Assistant: Hello."), "rejected": hh("Human: Hi.", "Assistant: Hello.")},
            "chosen and rejected are the same",
        ),
        (
            {"chosen": hh("Human: Hi.", "Assistant: Hello."), "rejected": hh("Human: Hi.", "Assistant:")},
            "the rejected transcript ends with an empty Assistant: turn, so it holds no answer",  # was "a Human:"
        ),
        (
            {
                "chosen": hh("Human: Hi.", "Assistant: Hello."),
                "rejected": hh("Human: Hi.", "Assistant: Yo.", "Human: Hm?"),
            },
            "the rejected transcript ends with a Human: turn, so it holds no answer",
        ),
        (
            {"chosen": hh("Human: Hi.", "Assistant: Hello."), "rejected": "Go away."},
            "'chosen' is a whole Human/Assistant transcript but 'rejected' is not",
        ),
        (
            {
                "chosen": hh("Human: Hi.", "Assistant:", "Human: Hello?", "Assistant: Yes?"),
                "rejected": hh("Human: Hi.", "Assistant:", "Human: Hello?", "Assistant: No."),
            },
            "turn 2 of the 'chosen' transcript (Assistant:) is empty",
        ),
    ],
    ids=["different-prompts", "same-answers", "empty-last-answer", "ends-on-human", "one-sided", "empty-turn"],
)
def test_a_transcript_pair_that_cannot_be_preferred_is_refused_saying_why(record, reason):
    good = TRANSCRIPTS[0][1]
    payload = "".join(json.dumps(r) + "\n" for r in (good, record)).encode()
    result = load_bytes(payload, "hh.jsonl")
    assert result.format == "preference" and len(result.rows) == 1
    assert [e.row for e in result.errors] == [2] and reason in result.errors[0].message, result.errors[0].message


def test_a_prompt_written_as_a_transcript_is_read_as_its_turns():
    # Derived HH sets: the transcript up to an open "Assistant:" as the prompt, the answers apart.
    record = {
        "prompt": hh("Human: Hi.", "Assistant: Hello.", "Human: Capital of Peru?", "Assistant:"),
        "chosen": " Lima.",
        "rejected": " Cusco.",
    }
    result = load_bytes((json.dumps(record) + "\n").encode(), "hh.jsonl")
    assert result.errors == [] and result.rows[0]["prompt"] == [u("Hi."), a("Hello."), u("Capital of Peru?")]
    # the space that joined the answer to "Assistant:" left out, as the transcript's turns are stripped (helper 187)
    assert result.rows[0]["chosen"] == [a("Lima.")] and result.rows[0]["rejected"] == [a("Cusco.")]
    assert any(n.note and "`prompt` is a Human/Assistant transcript" in n.message for n in result.notices)


TWO_ALPACA = [{"instruction": "Say hi.", "output": "Hi."}, {"instruction": "Say bye.", "output": "Bye."}]


@pytest.mark.parametrize(
    "document, note",
    [
        (
            {"version": "1.2", "data": TWO_ALPACA, "meta": {"source": "us"}},
            "The rows are read from the key 'data'; the keys 'version', 'meta' are not rows and are ignored.",
        ),
        (
            {"rows": TWO_ALPACA, "license": "CC-BY"},
            "The rows are read from the key 'rows'; the key 'license' is not rows and is ignored.",
        ),
        ({"data": TWO_ALPACA}, "The rows are read from the key 'data'."),
    ],
)
def test_a_json_object_wrapping_its_rows_names_the_key_and_what_is_beside_it(document, note):
    result = load_bytes(json.dumps(document).encode(), "doc.json")
    assert (len(result.rows), result.errors) == (2, [])
    assert [(n.message, n.note) for n in result.notices] == [(note, True)]


def test_a_json_object_with_a_list_of_rows_per_split_reads_them_all_and_says_so():
    """{"train": [...], "test": [...]} (how split datasets are often dumped) was one record, refused as "its rows
    have the fields train, test" with advice to map fields. Every row is read, each key's count kept for the split
    (`from_keys`: its 'test' rows are the test split where one is made, ftlib.split_keys), and a note says how."""
    rows = [{"prompt": f"Q{i}?", "completion": f"A{i}."} for i in range(6)]
    document = {"train": rows[:4], "test": rows[4:], "info": {"name": "mine"}}
    result = load_bytes(json.dumps(document).encode(), "splits.json")
    assert (result.format, result.errors) == ("prompt_completion", [])
    assert [r["messages"][0]["content"] for r in result.rows] == [f"Q{i}?" for i in range(6)]  # train, then test
    assert result.from_keys == (("train", 4), ("test", 2))
    assert [(n.message, n.note) for n in result.notices] == [
        (
            "The file holds its own split: the keys 'train' (4 rows) and 'test' (2 rows), read in that order. Where a "
            "split is made of it, its 'test' rows are the held-out ones as published, unless a split drawn from all "
            "its rows is asked for. The key 'info' is not rows and ignored.",
            True,
        )
    ]


def test_a_json_file_that_is_one_row_with_a_tools_list_is_that_row():
    """An object with one list of objects was read as the rows of that list: a single row's `tools` became the rows."""
    row = {
        "prompt": "What time is it in Oslo?",
        "completion": "Let me check.",
        "tools": [{"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}],
    }
    result = load_bytes(json.dumps(row).encode(), "one.json")
    assert (result.format, len(result.rows), result.errors, result.notices) == ("prompt_completion", 1, [], [])
    assert result.rows[0]["tools"] == row["tools"]


# --- the cold review: implicit prompts, KTO's words, the developer role, a system field twice, mixed chats ------


def lines(*records: dict) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


# (id, chosen, rejected, the prompt, the chosen answer, the rejected answer): TRL's implicit-prompt shape. The first
# three part between words, where TRL's extract_prompt is the reference; the others part inside a word.
SHARED_TEXT = [
    (
        "qa-lines",
        "Q: Colour of the sky?\nA: Blue.",
        "Q: Colour of the sky?\nA: Green.",
        "Q: Colour of the sky?\nA:",
        " Blue.",
        " Green.",
    ),
    ("newline", "Colour of grass?\nGreen.", "Colour of grass?\nRed.", "Colour of grass?\n", "Green.", "Red."),
    ("no-spaces", "天空是蓝色的。", "天空是绿色的。", "天空是", "蓝色的。", "绿色的。"),
    ("inside-a-word", "The sky is blue.", "The sky is black.", "The sky is", " blue.", " black."),
    (
        "inside-after-a-newline",
        "Translate 'chat':\nCat",
        "Translate 'chat':\nChat",
        "Translate 'chat':\n",
        "Cat",
        "Chat",
    ),
    (
        "one-goes-on",
        "Q: Say hi.\nA: Hi.",
        "Q: Say hi.\nA: Hi. How are you?",
        "Q: Say hi.\nA:",
        " Hi.",
        " Hi. How are you?",
    ),
]
BETWEEN_WORDS = 3


@pytest.mark.parametrize(
    "chosen, rejected, prompt, good, bad", [c[1:] for c in SHARED_TEXT], ids=[c[0] for c in SHARED_TEXT]
)
def test_plain_text_pairs_without_a_prompt_share_it_at_a_word_boundary(chosen, rejected, prompt, good, bad):
    result = load_bytes(lines({"chosen": chosen, "rejected": rejected}), "pairs.jsonl")
    assert (result.format, result.errors) == ("preference", [])
    assert result.rows == [{"prompt": [u(prompt)], "chosen": [a(good)], "rejected": [a(bad)]}]
    assert prompt + good == chosen and prompt + bad == rejected  # no character lost or added
    (note,) = [n.message for n in result.notices]
    assert note.startswith("In 1 row, `chosen` and `rejected` are whole texts with no prompt beside them")


def test_shared_text_splits_agree_with_trl_between_words_and_end_before_a_word_it_cuts():
    from trl.data_utils import extract_prompt

    for case_id, chosen, rejected, prompt, good, bad in SHARED_TEXT:
        trl = extract_prompt({"chosen": chosen, "rejected": rejected})
        if SHARED_TEXT.index((case_id, chosen, rejected, prompt, good, bad)) < BETWEEN_WORDS:
            assert (trl["prompt"], trl["chosen"], trl["rejected"]) == (prompt, good, bad), case_id
        else:  # TRL's prompt takes the start of the word both answers begin; ours stops before it
            assert (
                trl["prompt"].startswith(prompt) and trl["prompt"][-1].isalnum() and len(trl["prompt"]) > len(prompt)
            )


@pytest.mark.parametrize(
    "record, reason",
    [
        ({"chosen": "Q: Hi?\nA: Yo.", "rejected": "Q: Hi?\nA: Yo."}, "chosen and rejected are the same"),
        (
            {"chosen": "Blue.", "rejected": "Green."},
            "they do not begin with the same text, so the prompt cannot be found",
        ),
        ({"chosen": "Q: Sky?\nA: ", "rejected": "Q: Sky?\nA: Blue."}, "the chosen text holds nothing after the text"),
    ],
    ids=["identical", "nothing-shared", "no-answer"],
)
def test_a_plain_text_pair_without_a_prompt_that_cannot_be_split_is_refused_saying_why(record, reason):
    good = {"chosen": "Q: 2+2?\nA: 4.", "rejected": "Q: 2+2?\nA: 5."}
    result = load_bytes(lines(good, record), "pairs.jsonl")
    assert len(result.rows) == 1 and [e.row for e in result.errors] == [2]
    assert reason in result.errors[0].message, result.errors[0].message


def test_an_empty_prompt_cell_is_missing_not_an_implicit_prompt(tmp_path):
    """A prompt column whose cell is empty is a gap to name, not a sign that the answers hold the prompt."""
    path = tmp_path / "pairs.csv"
    path.write_text("prompt,chosen,rejected\n,The answer is 4.,The answer is 5.\n2+2?,4.,5.\n", encoding="utf-8")
    result = load_file(path)
    assert len(result.rows) == 1 and [e.row for e in result.errors] == [1]
    assert "the 'prompt' cell is empty" in result.errors[0].message


@pytest.mark.parametrize(
    "good, bad", [("good", "bad"), ("Good", "BAD"), ("desirable", "undesirable"), ("Desirable", "Undesirable")]
)
@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_kto_labels_written_as_words_judge_the_answer(tmp_path, kind, good, bad):
    result = load_file(write(tmp_path, kto(lambda ok: good if ok else bad), kind))
    assert (result.format, result.errors) == ("unpaired_preference", [])
    assert [(r["completion"][0]["content"], r["label"]) for r in result.rows] == [(c, ok) for _, c, ok in JUDGED]
    assert (result.summary()["counts"]["good"], result.summary()["counts"]["bad"]) == (3, 2)


def test_a_label_refusal_lists_every_word_it_reads():
    from ftlib.turns import LABEL_WORDS

    records = kto(lambda ok: "good" if ok else "bad")
    records[1]["label"] = "meh"
    (error,) = load_bytes(lines(*records), "kto.jsonl").errors
    assert error.row == 2 and "not 'meh'" in error.message
    assert all(f" {word}" in error.message for word in (*LABEL_WORDS[True], *LABEL_WORDS[False]))


@pytest.mark.parametrize("speaker", ["chatgpt", "bing", "bard"])
def test_sharegpt_turns_named_after_an_assistant_product_are_the_assistants(speaker):
    """The original ShareGPT scrape names some answers' speaker by product; they were refused as unknown roles."""
    row = {"conversations": [{"from": "human", "value": "Hi."}, {"from": speaker, "value": "Hello."}]}
    result = load_bytes(lines(row), "scrape.jsonl")
    assert (result.format, result.errors) == ("sharegpt", [])
    assert result.rows[0]["messages"] == [u("Hi."), a("Hello.")]


def test_the_developer_role_is_the_system_turn_with_a_note():
    row = {"messages": [{"role": "developer", "content": "Answer in French."}, u("Hi."), a("Salut.")]}
    result = load_bytes(lines(row, {**row, "messages": [*row["messages"][:2], a("Bonjour.")]}), "dev.jsonl")
    assert result.errors == [] and result.rows[0]["messages"][0] == {"role": "system", "content": "Answer in French."}
    assert [n.message for n in result.notices] == [
        "In 2 rows, `messages` has a `developer` turn (OpenAI's newer name of the system message): read as the system "
        "turn."
    ]


@pytest.mark.parametrize(
    "turns, said",
    [
        (
            [{"role": "system", "content": "Be kind."}, {"role": "developer", "content": "Be brief."}],
            "and turn 1 is a system",
        ),
        (
            [{"role": "developer", "content": "Be kind."}, {"role": "developer", "content": "Be brief."}],
            "turn 2 is a developer",
        ),
    ],
    ids=["system-and-developer", "two-developers"],
)
def test_a_developer_turn_beside_another_system_turn_is_refused(turns, said):
    good = {"messages": [u("Hi."), a("Hello.")]}
    result = load_bytes(lines(good, {"messages": [*turns, u("Hi."), a("Hello.")]}), "dev.jsonl")
    assert len(result.rows) == 1 and [e.row for e in result.errors] == [2]
    assert "is a developer message" in result.errors[0].message and said in result.errors[0].message
    assert "a conversation has one system message" in result.errors[0].message
    assert result.notices == []  # the refused row's developer turn is not said to be read


SYSTEM_TWICE = [
    (
        "messages",
        {
            "system": "Column says: be terse.",
            "messages": [{"role": "system", "content": "Turn says: be warm."}, u("Hi."), a("Hey!")],
        },
    ),
    (
        "sharegpt",
        {
            "system": "Column says: be terse.",
            "conversations": [
                {"from": "system", "value": "Turn says: be warm."},
                {"from": "human", "value": "Hi."},
                {"from": "gpt", "value": "Hey!"},
            ],
        },
    ),
    (
        "prompt_completion",
        {
            "system": "Column says: be terse.",
            "prompt": [{"role": "system", "content": "Turn says: be warm."}, u("Hi.")],
            "completion": [a("Hey!")],
        },
    ),
    (
        "developer",
        {
            "system": "Column says: be terse.",
            "messages": [{"role": "developer", "content": "Turn says: be warm."}, u("Hi."), a("Hey!")],
        },
    ),
]


@pytest.mark.parametrize("record", [c[1] for c in SYSTEM_TWICE], ids=[c[0] for c in SYSTEM_TWICE])
def test_a_system_field_beside_a_system_turn_of_its_own_is_named_not_dropped(record):
    result = load_bytes(lines(record), "sys.jsonl")
    assert result.errors == [] and result.rows[0]["messages"][0] == {
        "role": "system",
        "content": "Turn says: be warm.",
    }
    assert [(w.row, w.message) for w in result.warnings] == [
        (
            1,
            "the 'system' field is not used: the conversation opens with a system turn of its own, which is used "
            "instead. Remove one of the two, or make them the same",
        )
    ]
    same = dict(record, system=" Turn says: be warm.\n")
    assert load_bytes(lines(same), "same.jsonl").warnings == []  # the same text twice: nothing to say


@pytest.mark.parametrize(
    "record, said",
    [
        (
            {"prompt": "2+2=", "completion": float("inf")},
            '\'completion\' must be text, or a list of messages like [{"role": "assistant"',
        ),
        (
            {"prompt": float("-inf"), "completion": "Yes."},
            '\'prompt\' must be text, or a list of messages like [{"role": "user"',
        ),
    ],
)
def test_a_number_with_no_text_where_text_belongs_says_text_or_messages(record, said):
    """Infinity (which Python's json writes and reads) has no text to be read as, unlike 4 (numbers_as_text)."""
    (error,) = load_bytes(lines(record), "pc.jsonl", fmt="prompt_completion").errors
    assert said in error.message and error.message.endswith("but it is a number")


def test_a_file_mixing_messages_and_sharegpt_rows_reads_each_as_written():
    rows = [
        {"messages": [u("Hi."), a("Hello.")]},
        {"conversations": [{"from": "human", "value": "Bye."}, {"from": "gpt", "value": "Ciao."}]},
        {"messages": [u("Thanks."), a("Welcome.")]},
    ]
    result = load_bytes(lines(*rows), "mixed.jsonl")
    assert (result.format, result.errors) == ("messages", [])
    assert [r["messages"][1]["content"] for r in result.rows] == ["Hello.", "Ciao.", "Welcome."]
    assert [(n.message, n.note) for n in result.notices] == [
        (
            "In 1 row, the conversation is in `conversations` (ShareGPT) among rows of `messages`: read as it is "
            "written.",
            True,
        )
    ]
    # The other way round, and when the format is picked: every row is still read.
    sharegpt = load_bytes(lines(rows[1], rows[1], rows[0]), "mixed.jsonl")
    assert (sharegpt.format, len(sharegpt.rows), sharegpt.errors) == ("sharegpt", 3, [])
    assert len(load_bytes(lines(*rows), "mixed.jsonl", fmt="sharegpt").rows) == 3


def test_rows_of_another_format_say_they_are_refused_when_they_are():
    rows = [{"messages": [u("Hi."), a(answer)]} for answer in ("Hello.", "Hey.", "Hi!")]
    rows.append({"instruction": "Say hi.", "output": "Hi."})
    result = load_bytes(lines(*rows), "mixed.jsonl")
    assert len(result.rows) == 3 and [e.row for e in result.errors] == [4]
    (warning,) = result.notices
    assert warning.message.startswith(
        "1 row looks like alpaca (with `instruction`, `output`), not messages: it is refused (its error says why)."
    )
    assert "what only alpaca uses is not read" not in warning.message


def test_tool_calls_and_results_that_match_nothing_are_named_and_kept(tmp_path):
    """A cold review: a result whose tool_call_id answers no call, and a call to a function the row's tools do not
    define, were trained without a word. Both are kept (the row may be right and the schema list short) and named."""
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    call = {"id": "call_1", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
    rows = [
        {
            "messages": [
                {"role": "user", "content": "Time in Oslo?"},
                {"role": "assistant", "content": "", "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "call_9", "content": "12:00"},
                {"role": "assistant", "content": "It is noon."},
            ],
            "tools": tools,
        },
        {  # the same conversation, consistent: nothing to say
            "messages": [
                {"role": "user", "content": "Weather in Oslo?"},
                {"role": "assistant", "content": "", "tool_calls": [{**call, "function": {"name": "get_weather"}}]},
                {"role": "tool", "tool_call_id": "call_1", "content": "Rain."},
                {"role": "assistant", "content": "Rain."},
            ],
            "tools": tools,
        },
    ]
    path = tmp_path / "tools.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = load_file(path)
    assert result.valid_rows == 2
    said = [w.message for w in result.warnings]
    assert [w.row for w in result.warnings] == [1, 1], said
    assert any("turn 2 calls 'get_time': the row's tools define get_weather, not it" in m for m in said)
    assert any("turn 3 answers the tool call 'call_9': no call before it has that id (call_1)" in m for m in said)


def test_a_call_to_a_function_no_tools_field_or_message_names_is_said(tmp_path):
    """A cold review: rows calling `w` with an empty tools cell trained without a word. Where no `tools` are given
    and no message before the call names the function, the model learns to call what it is never shown; a system
    prompt that describes the tool in words is enough."""
    call = {"id": "c1", "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}
    after = [{"role": "tool", "tool_call_id": "c1", "content": "3C"}, {"role": "assistant", "content": "3C."}]
    asks = [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "", "tool_calls": [call]}]
    rows = [
        {"messages": asks + after},
        {"messages": [{"role": "system", "content": "You may call get_weather(city)."}, *asks, *after]},
        {"messages": asks + after, "tools": []},
    ]
    path = tmp_path / "calls.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = load_file(path)
    assert result.valid_rows == 3
    assert {w.row: w.message for w in result.warnings} == {
        1: "turn 2 calls 'get_weather', but the row defines no tools (no `tools` field) and no message before it "
        "names that function: the model learns to call a function it is never shown. Give the row its tool schemas "
        "in a `tools` field (or a `tools` column)",
        3: "turn 2 calls 'get_weather', but the row defines no tools (no `tools` field) and no message before it "
        "names that function: the model learns to call a function it is never shown. Give the row its tool schemas "
        "in a `tools` field (or a `tools` column)",
    }


def _parquet(records: list[dict]) -> bytes:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(records), out)
    return out.getvalue()


def test_numbers_and_true_false_in_text_fields_read_as_json_writes_them_in_every_file_type():
    """A math set's numeric answers and a yes/no set's true/false: a JSONL file used to refuse every row ("must be
    text, but it is a number") while the same Parquet file trained them as Python's str wrote them ("True")."""
    records = [
        {"instruction": "What is 2+2?", "output": 4},
        {"instruction": "Half of 13?", "output": 6.5},
        {"instruction": "Is 3 odd?", "output": True},
    ]
    jsonl = load_bytes(lines(*records), "math.jsonl")
    # One file per row: a Parquet column is of one type, and one holding 4 and 6.5 holds 4.0 (read as "4.0").
    parquet = [load_bytes(_parquet([r]), f"row{i}.parquet") for i, r in enumerate(records)]
    csv = load_bytes(b"instruction,output\nWhat is 2+2?,4\nHalf of 13?,6.5\nIs 3 odd?,true\n", "math.csv")
    answers = [r["messages"][-1]["content"] for r in jsonl.rows]
    assert jsonl.errors == [] and answers == ["4", "6.5", "true"]
    assert [r["messages"][-1]["content"] for p in parquet for r in p.rows] == answers
    assert [r["messages"] for r in csv.rows] == [r["messages"] for r in jsonl.rows]
    (note,) = [n for n in jsonl.notices if n.field == "output"]
    assert note.note and "in 3 rows (line 1, line 2, line 3)" in note.message and '4 as "4"' in note.message
    assert all(any(n.field == "output" and "data row 1" in n.message for n in p.notices) for p in parquet)
    assert not any("number" in n.message for n in csv.notices)  # a CSV cell is text as written: nothing to say


def test_kto_rows_in_alpacas_shape_read_numeric_answers_as_alpaca_rows_do():
    """{"instruction", "output", "label"} rows (KTO's Alpaca shape) refused every numeric answer that the same file
    without labels trained: their text fields were missing from the format's field list (FORMAT_FIELDS)."""
    kto = load_bytes(
        lines(
            {"instruction": "Half of 13?", "output": 6.5, "label": True},
            {"instruction": "Half of 8?", "output": 5, "label": False},
        ),
        "kto.jsonl",
    )
    assert kto.format == "unpaired_preference" and kto.errors == []
    assert [(r["completion"][-1]["content"], r["label"]) for r in kto.rows] == [("6.5", True), ("5", False)]
    assert [n.field for n in kto.notices if n.note] == ["output"]


def test_numbers_outside_text_fields_keep_their_values():
    """A Parquet label column of true/false still judges the answers, and a prompt file's numeric column still
    reaches GRPO's reward functions as a number (as TRL passes a dataset's columns)."""
    kto = load_bytes(
        _parquet(
            [
                {"prompt": "2+2?", "completion": "4", "label": True},
                {"prompt": "2+2?", "completion": "5", "label": False},
            ]
        ),
        "kto.parquet",
    )
    assert kto.format == "unpaired_preference" and [r["label"] for r in kto.rows] == [True, False]
    prompts = load_bytes(lines({"prompt": "What is 6*7?", "answer": 42}), "gsm.jsonl", fmt="prompt_only")
    assert prompts.rows[0]["columns"] == {"answer": 42}
    assert not any("number" in n.message for n in prompts.notices)


def test_a_csv_row_short_of_cells_is_told_so_when_its_empty_cell_refuses_it():
    """A reviewer's `C,x` under `instruction,input,output` was told only "the 'output' cell is empty": the row has
    no such cell at all. A short row whose missing cells are not needed is read, as before."""
    result = load_bytes(b"instruction,input,output\nA,,x\nB,y,z\nC,x\n", "ragged.csv")
    (error,) = result.errors
    assert error.row == 3 and error.message == (
        "the 'output' cell is empty; this row has 2 cells but the header names 3 "
        "columns, so 'output' read as empty: a cell or a ',' is missing"
    )
    optional_last = load_bytes(b"instruction,output,input\nA,x\n", "short.csv")
    assert optional_last.errors == [] and len(optional_last.rows) == 1


def test_prompts_with_an_answer_column_read_alike_from_jsonl_csv_and_parquet():
    """A reviewer's GRPO file: from JSONL, prompts with `answer` passed to the rewards; from CSV or Parquet, the
    same rows were guessed as alpaca, GRPO threw the answer away without a word, and {"contains_column": "answer"}
    was refused; conversational prompts in Parquet (the hub's layout) were refused as "the instruction must be
    text". Columns named as a format's fields are read as that format, whatever the file type."""
    records = [
        {"prompt": "What is 6 times 7? Answer with the number.", "answer": "The answer is 42."},
        {"prompt": "Name the capital of France in one word.", "answer": "It is Paris."},
    ]
    csv = "prompt,answer\n" + "".join(f'"{r["prompt"]}","{r["answer"]}"\n' for r in records)
    loaded = [
        load_bytes(lines(*records), "grpo.jsonl"),
        load_bytes(csv.encode(), "grpo.csv"),
        load_bytes(_parquet(records), "grpo.parquet"),
    ]
    assert [r.format for r in loaded] == ["prompt_only"] * 3
    assert loaded[1].rows == loaded[2].rows == loaded[0].rows
    assert [r["columns"] for r in loaded[0].rows] == [{"answer": r["answer"]} for r in records]
    for result in loaded:  # said loudly, with the way to read the column as the answer to imitate instead
        assert any("map it to `completion`" in n.message and not n.note for n in result.notices)
    conversational = [{"prompt": [{"role": "user", "content": r["prompt"]}], "answer": r["answer"]} for r in records]
    chats = load_bytes(_parquet(conversational), "grpo_chat.parquet")
    assert chats.errors == [] and chats.rows == loaded[0].rows


def test_a_pair_whose_answers_start_differently_and_a_prefilled_prompt_are_told_what_is_true():
    """A reviewer's pair with `chosen` opening on a user turn was told "'chosen' starts with the answer"; a prompt
    ending with the start of an answer (a prefill, which TRL passes on) was told it ends with "a assistant turn"."""
    pair = {"prompt": [u("What is 2+2?")], "chosen": [u("4")], "rejected": [a("5")]}
    (error,) = load_bytes(lines(pair), "pairs.jsonl").errors
    assert error.message.startswith("'chosen' starts with a user turn, while 'rejected' starts with the answer:")
    prefill = {"prompt": [u("What is 2+2?"), a("The answer is")]}
    (error,) = load_bytes(lines(prefill), "prompts.jsonl", fmt="prompt_only").errors
    assert "ends with an assistant turn (the start of an answer to continue): move that text" in error.message


def test_a_table_with_a_prompt_column_and_no_answer_column_is_told_what_it_lacks():
    """A reviewer's `instruction,input` CSV was asked to "choose its Question column and its Answer column", with no
    word that it has no answer column at all."""
    with pytest.raises(DataError) as raised:
        load_bytes(b"instruction,input\nDo a,\nDo b,x\n", "no_answers.csv")
    assert str(raised.value).startswith(
        "no_answers.csv has the prompt in 'instruction' but no column named as an answer (output, answer, response, "
        "completion...; columns: instruction, input). Map the column that holds the answers to output"
    )


def test_a_number_too_large_for_a_float_is_read_as_its_digits():
    """math.isfinite(10**400) raises OverflowError: the check must not turn an int into a float on its way."""
    (row,) = load_bytes(lines({"instruction": "A big number?", "output": 10**400}), "big.jsonl").rows
    assert row["messages"][-1]["content"] == "1" + "0" * 400


def test_forced_unpaired_with_no_label_field_is_said_once_naming_the_fields_not_on_every_row():
    # {"question", "answer", "good": true}: `good` is no name of a label, so the file needs a mapping, as a CSV's
    # would (MappingNeeded: the Data page opens its field mapping), not 24 rows each refused for a missing 'label'
    records = [{"question": f"Q{i}?", "answer": f"A{i}.", "good": i % 2 == 0} for i in range(6)]
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    with pytest.raises(MappingNeeded, match=r"needs a field for: label\. .*its fields: question, answer, good\."):
        load_bytes(data, "kto.jsonl", fmt="unpaired_preference")
    mapped = load_bytes(
        data, "kto.jsonl", fmt="unpaired_preference", column_map={"label": "good", "prompt": "question"}
    )
    assert len(mapped.rows) == 6 and not mapped.errors
