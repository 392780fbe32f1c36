"""Tests that kill the mutants of this morning's prompt grouping (splits.prompt_key, prompt_groups, shared_prompts,
prompt_warnings, split_rows' group placement), ftlib/token_settings.py and own_split's shared-prompt warning that the
suite let live (helper 51's mutation review, 2026-12-06). Each names the mutant it kills."""

from __future__ import annotations

import json
from pathlib import Path

from ftlib.data import LoadResult
from ftlib.own_split import own_split
from ftlib.splits import prompt_key, prompt_warnings, split_rows
from ftlib.token_settings import recorded_digest, tokenizer_digest


def turn(role: str, text: str) -> dict:
    return {"role": role, "content": text}


def chat(*texts: str, tools: list | None = None) -> dict:
    """A chat of alternating user/assistant turns (`texts`), with `tools` where given."""
    row = {"messages": [turn("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(texts)]}
    return row | ({"tools": tools} if tools else {})


def tool(name: str) -> list[dict]:
    return [{"type": "function", "function": {"name": name, "parameters": {"type": "object", "properties": {}}}}]


def test_a_chat_under_another_tool_set_is_another_prompt():
    """Mutant: the prompt key without the row's `tools` (one question asked with get_weather and with get_time)."""
    assert prompt_key(chat("Weather?", "Sunny.", tools=tool("get_weather"))) != prompt_key(
        chat("Weather?", "Sunny.", tools=tool("get_time"))
    )
    assert prompt_key(chat("Weather?", "Sunny.", tools=tool("get_weather"))) == prompt_key(
        chat("Weather?", "Rainy.", tools=tool("get_weather"))
    )


def test_a_chat_with_no_assistant_message_is_its_own_prompt():
    """Mutant: `max(..., default=-1)`: a chat with no assistant message keyed by all its turns but the last, so two
    questions under one system prompt were one prompt."""
    first = {"messages": [turn("system", "Be brief."), turn("user", "What is a comet?")]}
    second = {"messages": [turn("system", "Be brief."), turn("user", "What is a planet?")]}
    assert prompt_key(first) != prompt_key(second)


def pairs(n_prompts: int, per_prompt: int) -> list[dict]:
    return [
        {"prompt": [turn("user", f"Q{i}?")], "chosen": [turn("assistant", f"G{j}")], "rejected": []}
        for i in range(n_prompts)
        for j in range(per_prompt)
    ]


def test_two_prompts_on_two_sides_are_not_said_to_be_one_prompt_on_both():
    """Mutant: `prompts <= 2`: a file of two prompts, one on each side, was said to hold one prompt on both sides."""
    rows = pairs(2, 3)
    said = prompt_warnings(rows[:3], rows[3:], "preference")
    assert said and said[0].startswith("2 prompts have several pairs each") and "both sides" not in said[0]


def test_one_prompts_rows_all_in_train_are_not_said_to_be_on_both_sides():
    """Mutant: `prompts == 1 and train` (no `and test`): a part of one prompt's rows with nothing held out was said to
    be on both sides."""
    rows = pairs(1, 3)
    said = prompt_warnings(rows, [], "preference")
    assert said and "both sides" not in said[0] and said[0].startswith("1 prompt has several pairs:")


def test_prompts_only_with_several_rows_are_counted_in_rows():
    """Mutant: prompt-only rows (GRPO) counted as 'several prompts each' for one prompt's several rows."""
    rows = [
        {"prompt": [turn("user", f"What is {i} + {i}?")], "columns": {"source": s}} for i in range(4) for s in "ab"
    ]
    said = prompt_warnings(rows[:6], rows[6:], "prompt_only")
    assert said and said[0].startswith("4 prompts have several rows each:")


def test_labelled_answers_left_short_of_a_label_are_made_up_to_the_count_by_whole_prompts():
    """Mutants: the second pass of split_rows dropped, or its `<= count` made `< count`: a KTO file of good+bad prompts
    and single bad answers held out 4 of the 5 asked (the bad share is full, a good one has no single left)."""
    rows = [
        {"prompt": [turn("user", f"Q{i}?")], "completion": [turn("assistant", f"{w}{i}")], "label": good}
        for i in range(10)
        for w, good in (("Right", True), ("Wrong", False))
    ]
    rows += [
        {"prompt": [turn("user", f"Alone {i}?")], "completion": [turn("assistant", "No.")], "label": False}
        for i in range(4)
    ]
    for seed in range(8):
        train, test = split_rows(rows, test_size=5, seed=seed)
        assert len(test) == 5 and len(train) == len(rows) - 5


def published(rows: list[dict]) -> LoadResult:
    return LoadResult("preference", rows, [], len(rows), list(range(1, len(rows) + 1)), file_type="jsonl")


def test_three_training_rows_on_test_prompts_are_named_without_and_0_more():
    """Mutant: `len(places) >= SHOWN`: exactly 3 rows named said '... line 3 and 0 more.'"""
    train = published(pairs(3, 1))
    test = published([dict(row, chosen=[turn("assistant", "Other")]) for row in pairs(3, 1)])
    said = own_split(train, test, "train.jsonl", "test.jsonl").warnings[0]
    assert said.startswith(
        "3 rows of train.jsonl share their prompt with a row of test.jsonl: line 1, line 2, line 3."
    )
    assert "more" not in said


def test_a_training_row_taken_out_as_a_copy_of_a_test_row_is_not_also_named_as_sharing_its_prompt():
    """Mutant: the shared-prompt warning read over all training rows, not those kept: a row taken out (an exact copy
    of a test row) was named again as another answer kept."""
    rows = pairs(4, 1)
    test = published([rows[1]])
    split = own_split(published(rows), test, "train.jsonl", "test.jsonl")
    assert split.removed == 1 and not any("share" in w and "prompt" in w for w in split.warnings)


def folder(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    (where := tmp_path / name).mkdir()
    for file, text in files.items():
        (where / file).write_text(text)
    return where


VOCAB = {"vocab.json": json.dumps({"a": 0, "b": 1}), "merges.txt": "a b\n"}


def test_another_chat_template_or_key_order_in_tokenizer_config_is_the_same_tokenizer(tmp_path):
    """Mutants: "chat_template" dropped from NOT_CUTTING (a run with another template is said to be on another
    tokenizer: the template is its own setting), and tokenizer_config.json's settings digested in file order."""
    one = {"add_bos_token": False, "chat_template": "{{ messages }}", "model_max_length": 8192, "pad_token": None}
    other = {
        "pad_token": None,
        "model_max_length": 2048,
        "chat_template": "{% for m in messages %}{{ m }}{% endfor %}",
    }
    other["add_bos_token"] = False  # the same settings that cut text, written in another order
    first = folder(tmp_path, "first", VOCAB | {"tokenizer_config.json": json.dumps(one)})
    second = folder(tmp_path, "second", VOCAB | {"tokenizer_config.json": json.dumps(other)})
    assert tokenizer_digest(first) == tokenizer_digest(second) is not None
    cutting = folder(tmp_path, "cutting", VOCAB | {"tokenizer_config.json": json.dumps(one | {"add_bos_token": True})})
    assert tokenizer_digest(cutting) != tokenizer_digest(first)


def test_a_folder_with_only_tokenizer_config_has_no_digest(tmp_path):
    """Mutant: `if not stamps`: a folder holding tokenizer_config.json but no vocabulary file (not converted yet) had
    a digest, so two such folders of other models compared as one tokenizer."""
    assert tokenizer_digest(folder(tmp_path, "bare", {"tokenizer_config.json": "{}"})) is None


def test_bytes_moved_from_one_tokenizer_file_to_another_are_another_tokenizer(tmp_path):
    """Mutant: each file digested by its bytes alone, not its name and length: merges.txt 'a b\\n' + vocab.json and
    merges.txt 'a' + ' b\\n' at vocab.json's head digested alike."""
    vocab = VOCAB["vocab.json"]
    first = folder(tmp_path, "first", {"merges.txt": "a b\n", "vocab.json": vocab})
    second = folder(tmp_path, "second", {"merges.txt": "a", "vocab.json": " b\n" + vocab})
    assert tokenizer_digest(first) != tokenizer_digest(second)


def test_a_recorded_digest_is_64_hex_digits_exactly():
    """Mutant: `DIGEST.match`: a status value of 64 hex digits and more was read as a digest."""
    assert recorded_digest({"tokenizer": "a" * 64}) == "a" * 64
    assert recorded_digest({"tokenizer": "a" * 64 + "-copy"}) is None
    assert recorded_digest({"tokenizer": "a" * 65}) is None


def test_a_run_on_the_default_model_names_its_tokenizer_by_its_hub_id():
    """Mutant: the name without `models.hub_id`: the default model's tokenizer was said as 'tokenizer default'."""
    from ftlib.token_settings import tokenizer_settings

    assert tokenizer_settings(["default"], ["a" * 64]) == ["tokenizer HuggingFaceTB/SmolLM2-135M-Instruct (aaaaaaaa)"]


def test_a_tokenizer_config_that_is_not_json_gives_no_digest_not_a_traceback(tmp_path):
    """Mutant: only OSError caught: a broken tokenizer_config.json raised JSONDecodeError out of tokenizer_digest
    (a run queued on that folder, `runs compare`)."""
    assert tokenizer_digest(folder(tmp_path, "broken", VOCAB | {"tokenizer_config.json": "{not json"})) is None


def test_more_than_three_training_rows_on_test_prompts_are_counted_after_the_first_three():
    """Mutant: no ' and N more': 5 rows named as if 3."""
    test = published([dict(row, chosen=[turn("assistant", "Other")]) for row in pairs(5, 1)])
    said = own_split(published(pairs(5, 1)), test, "train.jsonl", "test.jsonl").warnings[0]
    assert said.startswith(
        "5 rows of train.jsonl share their prompt with a row of test.jsonl: line 1, line 2, line 3 and 2 more."
    )
