"""Two answers and a judge's verdict read as a preference pair (ftlib/judged_pairs.py): the shapes arenas (a prompt,
`response_a`/`response_b` and a `winner`, or 0/1 winner columns; whole `conversation_a`/`conversation_b`) and
Stanford's SHP (`history`, `human_ref_A`/`human_ref_B`, `labels`) publish. They were read as prompts only, the answers
passed to GRPO's rewards (arena), or not recognised (the others). The content is ours; the shapes are theirs.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from ftlib.data import load_bytes
from ftlib.judged_pairs import NoPair, judged_pair

ASK = "When is high tide in Whitby?"
GOOD, BAD = "At 14:05.", "Tides are unknowable."


def jsonl(*rows: dict):
    return load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "judged.jsonl")


def test_an_empty_mapping_as_the_data_page_passes_it_reads_the_pairs_too():
    row = {"prompt": ASK, "response_a": GOOD, "response_b": BAD, "winner": "model_a"}
    loaded = load_bytes(json.dumps(row).encode(), "arena.jsonl", column_map={})
    assert loaded.format == "preference" and len(loaded.rows) == 1


def test_an_arena_file_is_pairs_with_the_winners_answer_chosen_and_ties_named():
    rows = [
        {"prompt": ASK, "response_a": GOOD, "response_b": BAD, "winner": "model_a", "model_a": "m1"},
        {"prompt": ASK, "response_a": BAD, "response_b": GOOD, "winner": "model_b", "model_a": "m2"},
        {"prompt": ASK, "response_a": BAD, "response_b": GOOD, "winner": "tie (bothbad)", "model_a": "m3"},
    ]
    loaded = jsonl(*rows)
    assert loaded.format == "preference" and len(loaded.rows) == 2
    for row in loaded.rows:
        assert row["prompt"] == [{"role": "user", "content": ASK}]
        assert [t["content"] for t in row["chosen"]] == [GOOD] and [t["content"] for t in row["rejected"]] == [BAD]
    ((line, why),) = [(e.row, e.message) for e in loaded.errors]
    assert line == 3 and "tie" in why and "makes no pair" in why
    said = [n.message for n in loaded.notices]
    assert any(m.startswith("3 rows judge two answers (`response_a`, `response_b`, `winner`)") for m in said)
    assert any("1 without a preferred answer left out" in m for m in said)
    assert any("`model_a`" in m for m in said)  # a key nothing reads is still named


def test_the_arena_csv_with_winner_columns_and_turns_as_json_lists():
    """Arena's human-preference export: a CSV whose prompt and answers are JSON lists of turns, judged by 0/1
    columns. Read as a shared user turn and one answer each."""
    out = io.StringIO()
    fields = ["id", "prompt", "response_a", "response_b", "winner_model_a", "winner_model_b", "winner_tie"]
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    values = [7, json.dumps([ASK]), json.dumps([BAD]), json.dumps([GOOD]), 0, 1, 0]
    writer.writerow(dict(zip(fields, values, strict=True)))
    loaded = load_bytes(out.getvalue().encode(), "arena.csv")
    assert [e.message for e in loaded.errors] == []
    (row,) = loaded.rows
    assert row["prompt"] == [{"role": "user", "content": ASK}]
    assert row["chosen"] == [{"role": "assistant", "content": GOOD}]
    assert row["rejected"] == [{"role": "assistant", "content": BAD}]


def test_arena_conversations_and_shp_rows_are_pairs():
    def chat(answer: str) -> list:
        return [{"role": "user", "content": ASK}, {"role": "assistant", "content": answer}]

    loaded = jsonl({"conversation_a": chat(BAD), "conversation_b": chat(GOOD), "winner": "model_b", "turn": 1})
    (row,) = loaded.rows
    assert [t["content"] for t in row["chosen"]] == [GOOD] and [t["content"] for t in row["rejected"]] == [BAD]
    shp = jsonl({"history": ASK, "human_ref_A": GOOD, "human_ref_B": BAD, "labels": 1, "score_A": 9, "score_B": 2})
    (row,) = shp.rows
    assert [t["content"] for t in row["chosen"]] == [GOOD] and row["prompt"] == [{"role": "user", "content": ASK}]
    assert any("`score_A`" in n.message for n in shp.notices)


@pytest.mark.parametrize(
    ("record", "says"),
    [
        ({"prompt": ASK, "response_a": GOOD, "response_b": BAD, "winner": "model_c"}, '`winner` is "model_c"'),
        ({"prompt": ASK, "response_a": GOOD, "response_b": BAD, "winner": True}, "`winner` is true"),
        ({"history": ASK, "human_ref_A": GOOD, "human_ref_B": BAD, "labels": 2}, "`labels` is 2"),
        (
            {"prompt": ASK, "response_a": GOOD, "response_b": BAD, "winner_model_a": 1, "winner_model_b": 1,
             "winner_tie": 0},
            "one of them should be 1",
        ),
    ],
)  # fmt: skip
def test_a_verdict_in_other_words_is_refused_by_name(record, says):
    shape = "SHP" if "history" in record else "arena"
    with pytest.raises(NoPair, match=says):
        judged_pair(record, shape)


def test_two_answers_without_a_verdict_a_forced_format_and_a_mapping_are_left_as_they_were():
    unjudged = jsonl({"prompt": ASK, "response_a": GOOD, "response_b": BAD})
    assert unjudged.format == "prompt_only"  # no verdict: GRPO's columns, as before
    row = {"prompt": ASK, "response_a": GOOD, "response_b": BAD, "winner": "model_a"}
    data = json.dumps(row).encode()
    assert load_bytes(data, "a.jsonl", fmt="prompt_only").rows[0]["columns"]["winner"] == "model_a"
    mapped = load_bytes(data, "a.jsonl", column_map={"prompt": "prompt", "completion": "response_a"})
    assert mapped.format == "prompt_completion"


def test_distilabels_rated_answers_are_the_best_against_the_worst_and_equal_ratings_make_no_pair():
    """distilabel's rows (UltraFeedback's raw shape): several `generations` to an `instruction`, a number each in
    `ratings` (a failed rating is null). They were not recognised."""
    rated = {"instruction": ASK, "generations": ["At noon.", GOOD, BAD], "ratings": [3, 5, None], "model_names": ["a"]}
    same = {"instruction": ASK, "generations": [GOOD, BAD], "ratings": [4, 4]}
    uneven = {"prompt": ASK, "generations": [GOOD, BAD], "ratings": [4]}
    loaded = jsonl(rated, same, uneven)
    (row,) = loaded.rows
    assert [t["content"] for t in row["chosen"]] == [GOOD] and [t["content"] for t in row["rejected"]] == ["At noon."]
    refused = {e.row: e.message for e in loaded.errors}
    assert "every rated answer has the rating 4" in refused[2]
    assert "`generations` holds 2 answers but `ratings` 1" in refused[3]
    said = [n.message for n in loaded.notices]
    assert any("3 rows rate several answers" in m and "not used" in m and "2 without a preferred" in m for m in said)
    assert any("`model_names`" in m for m in said)


def test_verdicts_written_as_floats_read_as_their_numbers_and_ratings_as_text_too():
    """A cold review: SHP's `labels` 1.0 (a Parquet column with a null is floats) chose human_ref_B, silently; the
    winner columns as 0.0/1.0 refused every row ("are [1.0, 0.0, 0.0]: one of them should be 1")."""
    shp = jsonl({"history": ASK, "human_ref_A": GOOD, "human_ref_B": BAD, "labels": 1.0})
    assert [t["content"] for t in shp.rows[0]["chosen"]] == [GOOD]
    arena = {"prompt": ASK, "response_a": BAD, "response_b": GOOD, "winner_model_a": 0.0, "winner_model_b": 1.0,
             "winner_tie": 0.0}  # fmt: skip
    assert [t["content"] for t in jsonl(arena).rows[0]["chosen"]] == [GOOD]
    rated = jsonl({"instruction": ASK, "generations": [BAD, GOOD], "ratings": ["2", "4.5"]})
    assert [t["content"] for t in rated.rows[0]["chosen"]] == [GOOD]


def test_conversations_that_part_before_their_last_answer_make_no_pair_and_uneven_lists_are_refused():
    """A cold review: multi-turn arena rows were refused as "the chosen answer contains a user turn" (the user wrote
    no chosen), and a prompt of two turns beside answers of one and two was trained as literal JSON text."""
    two = {"prompt": json.dumps([ASK, "And tomorrow?"]), "response_a": json.dumps([GOOD, "15:10."]),
           "response_b": json.dumps([BAD, "Unknowable."]), "winner": "model_a"}  # fmt: skip
    uneven = {**two, "response_a": json.dumps([GOOD])}
    chat = [{"role": "user", "content": ASK}, {"role": "assistant", "content": GOOD},
            {"role": "user", "content": "And tomorrow?"}, {"role": "assistant", "content": "15:10."}]  # fmt: skip
    other = [*chat[:1], {"role": "assistant", "content": BAD}, *chat[2:]]
    last_only = [*chat[:3], {"role": "assistant", "content": "Unknowable."}]
    loaded = jsonl(two, uneven, {"conversation_a": chat, "conversation_b": other, "winner": "model_b"},
                   {"conversation_a": chat, "conversation_b": last_only, "winner": "model_a"})  # fmt: skip
    refused = {e.row: e.message for e in loaded.errors}
    assert "two conversations of 2 turns, whose answers differ before the last one" in refused[1]
    assert "the prompt holds 2 turns but the answers 1 and 2" in refused[2]
    assert "differ before the last one" in refused[3] and 4 not in refused
    (row,) = loaded.rows  # sides sharing all but the last answer: a pair, the earlier turns its prompt
    assert [t["content"] for t in row["chosen"]] == ["15:10."] and len(row["prompt"]) == 3


def test_a_row_with_an_answer_of_its_own_is_read_as_before_whatever_judged_fields_it_carries():
    """A cold review: {prompt, completion, response_a, response_b, winner: "Alice"} was refused for its `winner`, and
    an alpaca row with numeric `generations`/`ratings` became a pair of "2" over "1"."""
    loaded = jsonl({"prompt": ASK, "completion": GOOD, "response_a": "x", "response_b": "y", "winner": "Alice"})
    assert loaded.format == "prompt_completion" and len(loaded.rows) == 1
    alpaca = jsonl({"instruction": ASK, "output": GOOD, "generations": [1, 2], "ratings": [3, 4]})
    assert alpaca.format == "alpaca"
    with pytest.raises(Exception, match="Could not recognise the format"):  # numbers are no answers: as before
        jsonl({"instruction": ASK, "generations": [1, 2], "ratings": [3, 4]})


def test_a_row_typed_on_the_tokens_page_is_read_as_a_file_row_is():
    from ftlib.data import read_row
    from ftlib.turns import RowProblem

    typed = {"prompt": ASK, "response_a": BAD, "response_b": GOOD, "winner": "model_b"}
    row = read_row(typed).row
    assert [t["content"] for t in row["chosen"]] == [GOOD] and [t["content"] for t in row["rejected"]] == [BAD]
    with pytest.raises(RowProblem, match="makes no preference pair: the judge called it a tie"):
        read_row({**typed, "winner": "tie"})
