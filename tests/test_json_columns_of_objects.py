"""A .json file written as columns (`Dataset.to_dict()`, `df.to_dict("list")`: each key a list, all as long) whose
column of objects has no null (a struct column `meta`, a `completion` of one message a row) is read as its columns,
not as the rows of that column (its questions ignored) nor as one row of lists (every row refused). Helper 203's
brief; helper 193 settled the same file with a null in that column (tests/test_review_h193). A wrapper whose list
beside the rows is named as no field (`ids`) still has its rows read from the key."""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes
from ftlib.json_layout import json_layout

RECIPES = ["Wie lange kocht ein Ei?", "¿Cómo se hace un sofrito?", "How long do I rest a steak?"]
ANSWERS = ["Etwa sieben Minuten für ein wachsweiches Ei.", "Cebolla, ajo y tomate a fuego lento.", "Five minutes."]
META = [
    {"source": "kitchen-faq", "lang": "de", "difficulty": 1},
    {"source": "kitchen-faq", "lang": "es", "difficulty": 2},
    {"source": "forum", "lang": "en", "difficulty": 1},
]


def _chat(q: str, a: str) -> list[dict]:
    return [{"role": "user", "content": q}, {"role": "assistant", "content": a}]


# (id, a file written as columns with a column of objects and no null, its format, the rows' first field read)
COLUMNS = [
    ("question-answer", {"question": RECIPES, "answer": ANSWERS, "meta": META}, "alpaca"),
    ("prompt-completion", {"prompt": RECIPES, "completion": ANSWERS, "metadata": META}, "prompt_completion"),
    (
        "completion-one-message",  # TRL's conversational prompt-completion with each completion a single message
        {
            "prompt": RECIPES,
            "completion": [{"role": "assistant", "content": a} for a in ANSWERS],
        },
        "prompt_completion",
    ),
    ("messages", {"messages": [_chat(q, a) for q, a in zip(RECIPES, ANSWERS, strict=True)], "meta": META}, "messages"),
    ("instruction", {"instruction": RECIPES, "output": ANSWERS, "extra": META}, "alpaca"),
    ("text", {"text": [f"{q}\n{a}" for q, a in zip(RECIPES, ANSWERS, strict=True)], "meta": META}, "text"),
]


@pytest.mark.parametrize(("value", "fmt"), [c[1:] for c in COLUMNS], ids=[c[0] for c in COLUMNS])
def test_a_column_of_objects_without_a_null_is_a_column_not_the_rows(value, fmt):
    result = load_bytes(json.dumps(value, ensure_ascii=False, indent=2).encode(), "kitchen.json")
    assert (result.format, len(result.rows), result.errors) == (fmt, 3, []), result.errors
    said = " ".join(n.message for n in result.notices)
    assert "read from the key" not in said, said  # not the rows of `meta`
    texts = json.dumps(result.rows, ensure_ascii=False)
    assert all(q in texts for q in RECIPES) and all(a in texts for a in ANSWERS)


def test_each_row_keeps_its_own_cell_of_the_object_column():
    rows, note = json_layout({"question": RECIPES, "answer": ANSWERS, "meta": META})
    assert note is None and [(r["question"], r["meta"]["lang"]) for r in rows] == list(
        zip(RECIPES, ["de", "es", "en"], strict=True)
    )


def test_a_wrapper_whose_list_beside_the_rows_names_no_field_still_reads_the_rows_from_its_key():
    rows = [{"instruction": q, "output": a} for q, a in zip(RECIPES, ANSWERS, strict=True)]
    result = load_bytes(json.dumps({"ids": [101, 102, 103], "data": rows}).encode(), "export.json")
    assert (result.format, len(result.rows), result.errors) == ("alpaca", 3, [])
    assert any("read from the key 'data'" in n.message for n in result.notices)
