"""A cold newcomer's CLI walk with files shaped as projects publish them (helper 136): what it found, pinned."""

from __future__ import annotations

import json

from ftlib.data import load_bytes


def _jsonl(*rows: dict) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def _whole_pair(prompt: list[dict], topic: str) -> dict:
    """TRL's conversational pair with its prompt written twice: in `prompt` and at the start of both answers."""
    asked = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"Summarize {topic}."}]
    return {
        "prompt": prompt,
        "chosen": [*asked, {"role": "assistant", "content": f"{topic}: in short."}],
        "rejected": [*asked, {"role": "assistant", "content": f"No idea about {topic}."}],
    }


def test_a_prompt_of_turns_that_the_whole_conversations_repeat_is_read_not_called_ignored():
    with_system = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Summarize tides."}]
    without = [{"role": "user", "content": "Summarize kites.\n"}]
    result = load_bytes(_jsonl(_whole_pair(with_system, "tides"), _whole_pair(without, "kites")), "pairs.jsonl")
    assert len(result.rows) == 2 and result.errors == []
    assert result.rows[0]["prompt"] == with_system
    # Before: "ignored field: `prompt` in 2 rows; ... neither shown nor trained", of turns that are trained.
    assert not [w for w in result.warnings if "prompt" in w.message]
    # read once, which a note says (helper 263), not called ignored
    assert not [n for n in result.notices if "prompt" in n.message and "is written again at the" not in n.message]


def test_a_prompt_of_other_turns_than_the_conversations_begin_with_is_said_for_its_row():
    other = [{"role": "user", "content": "Summarize the harbour."}]
    same = [{"role": "user", "content": "Summarize owls."}]
    result = load_bytes(_jsonl(_whole_pair(same, "owls"), _whole_pair(other, "tides")), "pairs.jsonl")
    assert len(result.rows) == 2
    assert [(w.row, w.message) for w in result.warnings] == [
        (
            2,
            "its 'prompt' turns are not the turns the chosen and rejected conversations begin with; theirs are "
            "trained and the 'prompt' field is not read",
        )
    ]
    said = [n for n in result.notices if "prompt" in n.message and "is written again at the" not in n.message]
    assert not said  # said once, for its row (the note on row 1's prompt read once aside: helper 263)


def _viewer_item(n: int, row: dict, cut: list[str]) -> dict:
    return {"row_idx": n, "row": row, "truncated_cells": cut}


def test_the_dataset_viewer_api_answer_saved_as_json_reads_each_row_and_names_cut_cells():
    chats = [
        {"messages": [{"role": "user", "content": f"Tide {n}?"}, {"role": "assistant", "content": f"High at {n}."}]}
        for n in range(3)
    ]
    answer = {
        "features": [{"feature_idx": 0, "name": "messages", "type": {"_type": "List"}}],
        "rows": [_viewer_item(n, row, ["messages"] if n == 1 else []) for n, row in enumerate(chats)],
        "num_rows_total": 3,
        "partial": False,
    }
    # Before: refused, "Could not recognise the format ...: its rows have the fields row_idx, row, truncated_cells".
    result = load_bytes(json.dumps(answer).encode(), "first_rows.json")
    assert result.errors == [] and [r["messages"] for r in result.rows] == [c["messages"] for c in chats]
    note = " ".join(n.message for n in result.notices)
    assert "as the Hugging Face dataset viewer's API (/rows, /first-rows) writes it" in note
    assert "The keys 'features', 'num_rows_total', 'partial' beside 'rows' are not rows and ignored." in note
    assert "In 1 of the 3 rows the viewer cut cells short ('messages')" in note
    bare = load_bytes(json.dumps(answer["rows"]).encode(), "rows.json")  # the list of items alone
    assert len(bare.rows) == 3 and bare.errors == []


def test_a_key_inside_the_turns_is_not_offered_a_mapping_that_cannot_take_it():
    from types import SimpleNamespace

    from ftlib.commands import unread_warning
    from ftlib.notices import unused_columns

    # A Parquet file's note (table columns): `lang` can be mapped, `messages[].name` cannot (--map refuses it:
    # "has no column 'messages[].name'"), so it is said apart, as a pair's scores are.
    note = unused_columns(["lang", "messages[].name"], "--map COLUMN=FIELD to use one").message
    assert note == (
        "Not used: lang (--map COLUMN=FIELD to use one). "
        "Not read: messages[].name (a key inside the turns, which no field of the mapping takes)."
    )
    turns = [{"role": "user", "content": "Hi", "id": "t1"}, {"role": "assistant", "content": "Hello"}]
    args = SimpleNamespace(file="chats.jsonl", fmt=None, map=[])
    only_inner = load_bytes(_jsonl({"messages": turns}), "chats.jsonl")
    said = unread_warning(only_inner, args)
    assert "`messages[].id` in 1 row" in said and "--map" not in said.split("see `")[0]
    mixed = load_bytes(_jsonl({"messages": turns, "lang": "en"}), "chats.jsonl")
    said = unread_warning(mixed, args)
    assert (
        "If a column of them holds a field, map it with --map COLUMN=FIELD (a key inside the turns cannot be)" in said
    )


def test_evaluate_on_a_data_file_names_the_fields_nothing_reads(capsys, varied_dir, adapter_template, tmp_path):
    """`evaluate RUN --data FILE` named the rows it could not read but not the fields it left unread, which `train`
    and `tokens` name (a cold walk: a Parquet file's `lang` and `messages[].name` passed without a word)."""
    from ftlib import workspace
    from ftlib.cli import main
    from ftlib.testing import make_run

    chats = [
        {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}], "lang": "en"}
        for q, a in (("Name a fruit.", "Apple."), ("Name a tree.", "An oak."))
    ]
    workspace.save_split("trees", chats[:1], chats[1:])
    make_run("sft-run", {"model": str(varied_dir), "dataset": "trees"}, adapter=adapter_template)
    path = tmp_path / "held_out.jsonl"
    path.write_bytes(_jsonl(*chats) + b"\n{broken\n")
    assert main(["evaluate", "sft-run", "--data", str(path), "--max-new-tokens", "2", "--json"]) == 0
    err = capsys.readouterr().err
    assert "1 of 3 rows in" in err  # the row it could not read, named before too
    assert f"warning: a field of {path} is not read: `lang` in 2 rows" in err
