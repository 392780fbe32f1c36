"""Preference data in published shapes, after helper 187's walk (UltraFeedback-binarized in JSONL and Parquet,
Dahoas' HH-RLHF copies, pairs made from labelled answers): what was left, each pinned here."""

from __future__ import annotations

import pandas as pd

from ftlib.cli import main
from ftlib.data import load_bytes, load_file
from ftlib.feedback_pairs import feedback_pairs
from ftlib.format_notes import FORMAT_FIELDS, FORMAT_HELP
from ftlib.notices import shown_notices
from tests.test_pages_data import _allowed_data_dirs, data_page, with_path  # noqa: F401 (a fixture)
from tests.test_walk_h187 import _binarized, _jsonl

ORCHARD = [
    _binarized("When do apples ripen?", "Mostly in early autumn.", "At midnight.", prompt_id="q-17", lang="en"),
    _binarized("Do pears ripen off the tree?", "Yes, picked firm they soften indoors.", "Never.", prompt_id="q-18"),
]


def test_a_parquet_rows_prompt_id_is_said_to_be_an_id_as_in_its_jsonl_copy(tmp_path):
    """A Parquet of UltraFeedback-style rows offered its `prompt_id` column "map it to `system`" on the Data page,
    while the JSONL copy of the same rows calls it an id (metadata, not read). The table now says what JSONL says,
    and offers the mapping only for a column that could hold a field (`lang`)."""
    path = tmp_path / "orchard.parquet"
    pd.DataFrame(ORCHARD).to_parquet(path)
    loaded = load_file(path)
    assert loaded.format == "preference" and len(loaded.rows) == 2
    notices, _ = shown_notices(loaded.notices, table=True, how="--map COLUMN=FIELD to use one")
    (unused,) = [n.message for n in notices if n.ignored]
    assert unused == (
        "Not used: prompt_id (an id of the rows: metadata, neither shown nor trained); lang (--map COLUMN=FIELD to "
        "use one)."
    )
    jsonl = load_bytes(_jsonl(ORCHARD), "orchard.jsonl")
    said = [n.message for n in shown_notices(jsonl.notices)[0] if n.ignored]
    assert "Not used: `prompt_id` (an id of the rows: metadata, neither shown nor trained)." in said

    at = with_path(data_page(), path)
    assert not at.exception and not at.error, [e.value for e in at.error]
    (line,) = [c.value for c in at.caption if "Not used:" in c.value]
    assert "prompt_id (an id of the rows: metadata, neither shown nor trained); lang (to use one, map it" in line
    assert "prompt_id (to use one" not in line


def _dahoas(question: str, good: str, bad: str) -> dict:
    """A row in Dahoas' HH-RLHF copies' shape: a transcript prompt ending "Assistant:", each answer opening with the
    space after it, and `response` holding the chosen answer again."""
    return {"prompt": f"\n\nHuman: {question}\n\nAssistant:", "response": good, "chosen": good, "rejected": bad}


HEDGES = [
    _dahoas("How tall does a privet hedge grow?", " Trimmed, about two metres.", " Privet is green."),
    _dahoas("When should I trim a hedge?", " After the birds have nested, in late summer.", " On Tuesdays."),
]


def test_an_unread_column_that_copies_a_read_one_is_said_to_be_a_copy(tmp_path):
    """Dahoas' HH-RLHF rows carry `response`, a copy of `chosen`: the warning said only that it is not read, so the
    user could not tell whether anything was lost. It now says the field holds what `chosen` holds (compared
    stripped), in the JSONL warning, the Parquet note, and for the last turn of a conversation; a field that differs
    in some of a few rows is still only "not read"."""
    loaded = load_bytes(_jsonl(HEDGES), "hedges.jsonl")
    assert loaded.format == "preference" and len(loaded.rows) == 2
    (notice,) = [n for n in loaded.notices if n.field == "response"]
    said = notice.message
    assert notice.note  # nothing lost: a note, as a row's id is, not a warning
    assert said == (
        "ignored field: `response` in 2 rows; it is a copy of `chosen`, the same text in every row, so nothing is "
        "lost by not reading it"
    )

    path = tmp_path / "hedges.jsonl"
    path.write_bytes(_jsonl(HEDGES))
    at = with_path(data_page(), path)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert not [w.value for w in at.warning if "response" in w.value]  # a note, not a warning (few rows are)
    assert any("`response` in 2 rows; it is a copy of `chosen`" in c.value for c in at.caption)

    table = load_bytes(pd.DataFrame(HEDGES).to_parquet(), "hedges.parquet")
    notices, _ = shown_notices(table.notices, table=True, how="--map COLUMN=FIELD to use one")
    (unused,) = [n.message for n in notices if n.ignored]
    assert unused == "Not read: response (a copy of `chosen`, the same text in every row: nothing is lost)."

    chats = [
        {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}], "answer": f"{a}\n"}
        for q, a in (("Name a hedge plant.", "Box."), ("Name another.", "Yew."))
    ]
    (said,) = [n.message for n in load_bytes(_jsonl(chats), "chats.jsonl").notices if n.field == "answer"]
    assert "it is a copy of the last turn of `messages`, the same text in every row, so nothing is lost" in said

    edited = [HEDGES[0], {**HEDGES[1], "response": " Late summer."}]
    (notice,) = [n for n in load_bytes(_jsonl(edited), "hedges.jsonl").notices if n.field == "response"]
    assert "the studio does not read it" in notice.message and "copy" not in notice.message and not notice.note


def test_a_field_that_copies_another_in_nearly_all_rows_is_said_to_be_nearly_a_copy():
    """An export that fixed a typo in a few answers: `response` holds `chosen` in 19 of 20 rows."""
    rows = [_dahoas(f"Question {i}?", f" Answer {i}.", f" Wrong {i}.") for i in range(20)]
    rows[7]["response"] = " Answer seven."
    (said,) = [n.message for n in load_bytes(_jsonl(rows), "many.jsonl").notices if n.field == "response"]
    assert said.endswith(
        "it is nearly a copy of `chosen`, the same text in 19 of its 20 rows, so it is neither shown nor trained"
    )


# Thumbs on a garden helper's answers; line 2's bad answer was exported empty (null), so its row is refused.
THUMBS = [
    {"prompt": "How deep do I plant tulips?", "completion": "About 15 cm, pointed end up.", "label": True},
    {"prompt": "How deep do I plant tulips?", "completion": None, "label": False},
    {"prompt": "Can mint share a pot?", "completion": "Better alone: it spreads.", "label": True},
    {"prompt": "Can mint share a pot?", "completion": "Mint is purple.", "label": False},
    {"prompt": "Is frost bad for basil?", "completion": "Yes, bring it in.", "label": True},
]


def test_pairing_says_a_prompts_bad_answer_was_set_aside_not_that_it_has_good_answers_only(tmp_path, capsys):
    """`data pair` (and the Data page's Save as preference pairs) said a prompt "has good answers only" when its
    bad answer was in a row refused when the file was read: the user looked for a bad answer that is there. It now
    names that row; a prompt that truly has no bad answer (line 5) is said as before."""
    path = tmp_path / "thumbs.jsonl"
    path.write_bytes(_jsonl(THUMBS))
    loaded = load_file(path)
    assert [e.row for e in loaded.errors] == [2] and len(loaded.rows) == 4
    made = feedback_pairs(loaded.rows, loaded.row_numbers, loaded.where, loaded.errors)
    assert made.left_out == [
        (
            1,
            "its prompt's bad answer, line 2, was set aside when the file was read (see why among the rows skipped), "
            "so this good answer has none to pair with: fix that row to pair them",
        ),
        (5, "its prompt has good answers only, so there is no bad answer to pair with"),
    ]
    assert main(["data", "pair", str(path), "--out", str(tmp_path / "pairs.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "left out 2 rows (a good answer whose bad one was set aside: 1, good answers only: 1):" in out
    assert "  line 1: its prompt's bad answer, line 2, was set aside" in out

    at = with_path(data_page(), path)
    assert not at.exception, at.exception
    (left,) = [e for e in at.expander if e.label == "2 answers without a partner, left out of the pairs"]
    (shown,) = left.dataframe
    assert "its prompt's bad answer, line 2, was set aside" in shown.value["why"][0]


# The words a non-engineer stopped at in the Data page's "Read as" line (helper 187's walk)
JARGON = ("TRL", "standard rows", "with no roles", "online RL", "DPO pairs")


def test_each_formats_caption_is_in_plain_words_with_its_fields_standard_names_once(tmp_path):
    """The Data page's format caption read "...the template 'text' writes the text as it is, with no roles, what
    TRL calls standard rows": jargon to a non-engineer. Each format's line says what a row holds in plain words,
    and the fields' standard names once, at its end, each a field the format reads."""
    for fmt, line in FORMAT_HELP.items():
        assert line.startswith(f"{fmt}: ") and not any(word in line for word in JARGON), (fmt, line)
        said, _, fields = line.rpartition(" (field")
        assert fields.startswith(("s: ", ": ")) and fields.endswith(")"), (fmt, line)
        named = fields.split(": ", 1)[1].rstrip(")").split(";")[0].split(", ")
        assert set(named) <= set(FORMAT_FIELDS[fmt]), (fmt, named)  # each a field the format reads
        assert "fields:" not in said  # once
    path = tmp_path / "orchard.jsonl"
    path.write_bytes(_jsonl(ORCHARD))
    at = with_path(data_page(), path)
    (caption,) = [c.value for c in at.caption if c.value.startswith("Read as ")]
    assert caption == (
        "Read as preference pairs (preference): a prompt with a better and a worse answer, for DPO or a reward model; "
        "plain text is read as one message each, or written as it is with the chat template 'text' (fields: prompt, "
        "chosen, rejected)."
    )
