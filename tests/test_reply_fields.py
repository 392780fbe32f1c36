"""A prompt beside a field named as the model's reply (`response`, `output`, `reply`...) is a prompt and its answer,
read as prompt_completion with a note saying so, from JSONL, JSON and CSV alike (as Dolly's instruction/response
is read as an instruction and its answer). `answer` and `target` beside a prompt stay what GRPO's reward functions
check the model's answers against (TRL's math sets), with the warning naming the Data page's control for that file
type; a file of prompts alone, or prompts only chosen, stays prompts only."""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes


def _rows(prompt: str, answer: str | None) -> list[dict]:
    return [
        {prompt: "Name a colour of the sea.", **({answer: "Deep blue, mostly."} if answer else {})},
        {prompt: "Name a bird that swims.", **({answer: "The puffin does."} if answer else {})},
    ]


def _file(name: str, records: list[dict]) -> bytes:
    if name.endswith(".csv"):
        keys = list(records[0])
        return (",".join(keys) + "\n" + "".join(",".join(f'"{r[k]}"' for k in keys) + "\n" for r in records)).encode()
    if name.endswith(".json"):
        return json.dumps(records).encode()
    return ("\n".join(json.dumps(r) for r in records) + "\n").encode()


# (id, prompt key, answer key, file name, format read, the key read as the completion or None)
CASES = [
    ("prompt_response_jsonl", "prompt", "response", "f.jsonl", "prompt_completion", "response"),
    ("prompt_response_csv", "prompt", "response", "f.csv", "prompt_completion", "response"),
    ("prompt_response_json", "prompt", "response", "f.json", "prompt_completion", "response"),
    ("prompt_output_jsonl", "prompt", "output", "f.jsonl", "prompt_completion", "output"),
    ("prompt_reply_csv", "prompt", "reply", "f.csv", "prompt_completion", "reply"),
    ("question_response_jsonl", "question", "response", "f.jsonl", "alpaca", None),  # as before: instruction/output
    ("prompt_answer_jsonl", "prompt", "answer", "f.jsonl", "prompt_only", None),  # GRPO's reward column
    ("prompt_answer_csv", "prompt", "answer", "f.csv", "prompt_only", None),
    ("prompt_target_jsonl", "prompt", "target", "f.jsonl", "prompt_only", None),
    ("prompt_solution_jsonl", "prompt", "solution", "f.jsonl", "prompt_only", None),  # TRL's math sets: for rewards
    ("problem_solution_jsonl", "problem", "solution", "f.jsonl", "alpaca", None),  # MATH: was not recognised at all
    ("problem_solution_csv", "problem", "solution", "f.csv", "alpaca", None),
    ("prompts_alone_jsonl", "prompt", None, "f.jsonl", "prompt_only", None),
]


@pytest.mark.parametrize(
    ("prompt", "answer", "name", "fmt", "completion"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_prompt_beside_a_reply_is_read_as_its_answer(prompt, answer, name, fmt, completion):
    result = load_bytes(_file(name, _rows(prompt, answer)), name)
    assert result.format == fmt and not result.errors
    notes = [n.message for n in result.notices if n.note and "is read as the answer" in n.message]
    if completion:
        assert result.column_map == {"prompt": "prompt", "completion": completion}
        assert result.rows[1]["messages"][1] == {"role": "assistant", "content": "The puffin does."}
        (note,) = notes  # said, with the way back to prompts only
        assert f"`{completion}` is read as the answer to each `prompt`" in note and "--format prompt_only" in note
    else:
        assert not notes


def test_a_labelled_reply_is_said_to_be_judged_not_trained():
    """{prompt, response, label} rows are read as answers marked good or bad, but the note said they were read as
    prompt and answer, `response` "the one trained" (a bad answer is never imitated)."""
    records = [
        {"prompt": "Is fire cold?", "response": "Yes, freezing.", "label": False},
        {"prompt": "Is ice cold?", "response": "Yes.", "label": True},
    ]
    result = load_bytes(_file("k.jsonl", records), "k.jsonl")
    assert result.format == "unpaired_preference" and not result.errors
    (note,) = [n.message for n in result.notices if "is read as the answer" in n.message]
    assert "as answers marked good or bad (unpaired_preference)" in note and "the answer its label marks" in note
    assert "the one trained" not in note and "prompt_completion" not in note


def test_prompts_only_chosen_keeps_the_reply_for_the_rewards():
    result = load_bytes(_file("f.jsonl", _rows("prompt", "response")), "f.jsonl", fmt="prompt_only")
    assert result.format == "prompt_only" and result.rows[0]["columns"] == {"response": "Deep blue, mostly."}


def test_a_reply_in_fewer_than_half_the_rows_leaves_the_prompts_as_they_are():
    records = _rows("prompt", None) + [{"prompt": "Name a fish.", "response": "A carp."}]
    result = load_bytes(_file("f.jsonl", records), "f.jsonl")
    assert result.format == "prompt_only" and not result.errors and len(result.rows) == 3


@pytest.mark.parametrize(
    ("name", "control"),
    [("f.jsonl", "choose `answer` in the `completion` box under Field mapping"), ("f.csv", "as the Answer column")],
)
def test_the_unread_answer_warning_names_the_data_page_control_the_file_type_has(name, control):
    """A JSON file has no Answer column on the Data page (that pair of boxes is a table's): its fix names the
    `completion` box of the Field mapping grid."""
    result = load_bytes(_file(name, _rows("prompt", "answer")), name)
    (warning,) = [n.message for n in result.notices if not n.note and "map it to `completion`" in n.message]
    assert control in warning and "--map answer=completion" in warning
    assert ("Answer column" in warning) == name.endswith(".csv")
