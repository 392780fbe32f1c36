"""A cold walk with preference and unpaired data in the shapes published sets use (HH-RLHF transcripts,
UltraFeedback-binarized rows in JSONL and Parquet, KTO's labelled answers in CSV, pairs whose answers are the same):
what it found, each pinned here."""

from __future__ import annotations

import json

import pandas as pd

from ftlib.data import load_bytes, load_file
from ftlib.notices import shown_notices


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _binarized(question: str, good: str, bad: str, **extra) -> dict:
    """A row as UltraFeedback-binarized writes it: the question as `prompt`, and again inside both conversations."""
    ask = {"role": "user", "content": question}
    return {
        "prompt": question,
        "chosen": [ask, {"role": "assistant", "content": good}],
        "rejected": [ask, {"role": "assistant", "content": bad}],
        **extra,
    }


def test_pairs_whose_answers_differ_only_in_spacing_are_named_and_kept():
    """A cold walk: a pair whose chosen and rejected answers differed only by a trailing line break (or a doubled
    space) was trained without a word, while the same pair as an HH-RLHF transcript is refused as "the same": DPO then
    learns to prefer one spacing to another. Named by line in one warning; kept, as spacing can be the point (code)."""
    rows = [
        _binarized("How long should I steep green tea?", "About two minutes.", "Ten minutes in boiling water."),
        _binarized("What is a haiku?", "A short poem of three lines.", "A short poem of three lines.\n"),  # line 2
        {
            "prompt": "How do I tune a guitar?",
            "chosen": "Match each string at the fifth fret.",
            "rejected": "Match each string at the fifth  fret. ",
        },  # line 3: a doubled space and a trailing one
        _binarized("Sort a list in Python?", "Use sorted(xs).", "use sorted(xs)."),  # a letter's case: a real change
    ]
    loaded = load_bytes(_jsonl(rows), "pairs.jsonl")
    assert not loaded.errors and len(loaded.rows) == 4  # kept: a spacing preference can be meant
    (said,) = [n for n in loaded.notices if "spacing" in n.message]
    assert not said.note  # a warning, not a note
    assert said.message.startswith(
        "2 pairs' chosen and rejected answers differ only in spaces or line breaks: line 2; line 3."
    )
    assert "line 4" not in said.message and "line 1" not in said.message
    assert "Write a rejected answer that differs in what it says, or leave such rows out" in said.message
    clean = load_bytes(_jsonl(rows[:1] + rows[3:]), "pairs.jsonl")
    assert not [n for n in clean.notices if "spacing" in n.message]


def test_a_parquet_ultrafeedback_tables_messages_column_is_not_offered_as_the_system_prompt(tmp_path):
    """A cold walk: the Parquet copy of UltraFeedback-binarized rows said "Not used: prompt_id, messages (to use one,
    map it to `system` under Field mapping above)": the `messages` column, a copy of the chosen conversation, offered
    as the system prompt. Its JSONL copy says why it is not read; the table now says so too, and offers the mapping
    only for the other column."""
    rows = [
        _binarized(
            "What is a budget?",
            "A plan for spending and saving.",
            "A small bird.",
            prompt_id="a1",
            messages=[{"role": "user", "content": "What is a budget?"}],
        ),
        _binarized(
            "Why do leaves turn?",
            "Chlorophyll breaks down.",
            "Paint.",
            prompt_id="a2",
            messages=[{"role": "user", "content": "Why do leaves turn?"}],
        ),
    ]
    path = tmp_path / "ultra.parquet"
    pd.DataFrame(rows).to_parquet(path)
    loaded = load_file(path)
    assert loaded.format == "preference" and len(loaded.rows) == 2
    notices, _ = shown_notices(loaded.notices, table=True, how="to use one, map it to `system` under Field mapping")
    (unused,) = [n.message for n in notices if n.ignored]
    assert unused.startswith("Not used: prompt_id (an id of the rows: metadata, neither shown nor trained).")
    assert "Not read: messages (a pair's conversations are its `chosen` and `rejected`" in unused


def test_an_answer_after_a_transcript_prompt_ending_assistant_is_read_without_the_space_that_joined_them():
    """A cold walk: HH-RLHF as Dahoas' copies publish it (`prompt` a transcript ending "Assistant:", each answer
    starting with the space that follows it) read the prompt as chat turns but kept that space: the Tokens view
    showed " Give" trained first in every answer, so the model learns to open each reply with a space. The turns of
    a transcript are read stripped; so is the answer that ends one, for pairs, KTO's labelled answers and SFT."""
    prompt = "\n\nHuman: How do I keep basil alive?\n\nAssistant:"
    pairs = load_bytes(
        _jsonl([{"prompt": prompt, "chosen": " Give it six hours of sun.", "rejected": " Basil is a plant."}]),
        "hh.jsonl",
    )
    (row,) = pairs.rows
    assert row["prompt"] == [{"role": "user", "content": "How do I keep basil alive?"}]
    assert row["chosen"] == [{"role": "assistant", "content": "Give it six hours of sun."}]
    assert row["rejected"] == [{"role": "assistant", "content": "Basil is a plant."}]
    labelled = load_bytes(
        _jsonl([{"prompt": prompt, "completion": " Basil is a plant.", "label": False}]), "kto.jsonl"
    )
    assert labelled.rows[0]["completion"] == [{"role": "assistant", "content": "Basil is a plant."}]
    sft = load_bytes(_jsonl([{"prompt": prompt, "completion": " Give it sun.\n"}]), "sft.jsonl")
    assert sft.rows[0]["messages"][-1] == {"role": "assistant", "content": "Give it sun."}
    # a prompt of plain text keeps its answer as written: its space may be meant (a text the answer continues)
    plain = load_bytes(_jsonl([{"prompt": "Sky colour?", "chosen": " Blue.", "rejected": " Green."}]), "p.jsonl")
    assert plain.rows[0]["chosen"] == [{"role": "assistant", "content": " Blue."}]


def test_hh_transcripts_that_differ_only_in_spacing_around_a_turn_are_refused_saying_so():
    """A cold walk: two HH-RLHF transcripts whose last answers differed only by a trailing space were refused as
    "chosen and rejected are the same", which they visibly are not; the refusal now says where they differ."""
    ask = "\n\nHuman: What is a haiku?\n\nAssistant: "
    rows = [
        {"chosen": ask + "A short poem of three lines.", "rejected": ask + "A short poem of three lines. "},
        {"chosen": ask + "A short poem.", "rejected": ask + "A short poem."},  # the same outright
        {"chosen": ask + "A short poem.", "rejected": ask + "A fish."},
    ]
    loaded = load_bytes(_jsonl(rows), "hh.jsonl")
    assert [(e.row, e.message) for e in loaded.errors] == [
        (
            1,
            "chosen and rejected differ only in the spaces or line breaks around their turns, which are read "
            "without them, so there is nothing to prefer",
        ),
        (2, "chosen and rejected are the same, so there is nothing to prefer"),
    ]


def test_trains_unread_fields_warning_offers_the_mapping_only_for_a_column_a_field_could_take(tmp_path):
    """A cold walk: `train` and `tokens` of UltraFeedback-binarized rows warned that `prompt_id`, `messages`,
    `score_chosen` and `score_rejected` are not read, then "If one holds a field, map it with --map COLUMN=FIELD":
    no field takes a score, and the `messages` copy is no field either (`data inspect` says why of each)."""
    from types import SimpleNamespace

    from ftlib.commands import unread_warning

    rows = [
        _binarized(
            "What is a budget?",
            "A plan for money.",
            "A bird.",
            prompt_id="a1",
            score_chosen=8,
            score_rejected=2,
            messages=[{"role": "user", "content": "What is a budget?"}],
        ),
    ]
    path = tmp_path / "ultra.parquet"
    pd.DataFrame(rows).to_parquet(path)
    said = unread_warning(load_file(path), SimpleNamespace(file=str(path), fmt=None, map=[]))
    assert all(f"`{name}` in 1 row" in said for name in ("prompt_id", "messages", "score_chosen", "score_rejected"))
    # `prompt_id` is an id, metadata, as the Data page and `data inspect` say it (helper 193): no --map offered either
    assert f"the studio neither shows nor trains them. See `python -m ftlib data inspect {path}`." in said
    assert "If one holds a field" not in said and "--map" not in said
    only_scores = [{"prompt": "Q?", "chosen": "A.", "rejected": "B.", "score_chosen": 8, "score_rejected": 2}]
    said = unread_warning(
        load_bytes(_jsonl(only_scores), "s.jsonl"), SimpleNamespace(file="s.jsonl", fmt=None, map=[])
    )
    assert said.endswith("neither shows nor trains them. See `python -m ftlib data inspect s.jsonl`."), said
