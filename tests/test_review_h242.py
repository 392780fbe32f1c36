"""Helper 242's review of the commits since 343909eb: the faults it found, each with the test that fails before."""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_file

ASK = {"role": "user", "content": "What is 3 + 4?"}


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


# NVIDIA's Nemotron post-training sets (v1, v2) write a row-level `"reasoning": "on"` or `"off"` beside `messages`:
# whether the answer was made thinking, its reasoning inline in a <think> block. 64f723a4 read that column as the
# answer's reasoning: "off" was trained as "<think>off</think>", and each "on" row was refused ("the 'reasoning' field
# and the assistant turn's own reasoning ... differ").
SWITCH_ROWS = [
    {"reasoning": "off", "messages": [ASK, {"role": "assistant", "content": "7"}]},
    {"reasoning": "on", "messages": [ASK, {"role": "assistant", "content": "<think>\nThree and four.\n</think>\n7"}]},
    {"reasoning": "OFF", "messages": [ASK, {"role": "assistant", "content": "<think></think>7"}]},
]


def test_a_reasoning_column_holding_on_or_off_is_a_switch_not_a_reasoning(tmp_path):
    result = load_file(_jsonl(tmp_path / "nemotron_like.jsonl", SWITCH_ROWS))
    assert [e.message for e in result.errors] == []
    answers = [row["messages"][-1] for row in result.rows]
    assert [a.get("reasoning") for a in answers] == [None, "Three and four.", ""]  # the <think> blocks', as written
    assert [a["content"] for a in answers] == ["7", "7", "7"]
    said = [n.message for n in result.notices]
    assert any("`reasoning` holds a switch" in s for s in said), said
    assert not any("ignored field: `reasoning`" in s for s in said), said


@pytest.mark.parametrize("value", [True, False, "yes"])
def test_a_true_false_thinking_column_beside_a_chat_keeps_its_rows(tmp_path, value):
    rows = [{"thinking": value, "messages": [ASK, {"role": "assistant", "content": "7"}]}]
    result = load_file(_jsonl(tmp_path / "flag.jsonl", rows))
    assert [e.message for e in result.errors] == []
    assert result.rows[0]["messages"][1].get("reasoning") is None


def test_a_reasoning_column_of_text_is_still_the_answers_reasoning(tmp_path):
    rows = [{"reasoning": "Three and four make seven.", "messages": [ASK, {"role": "assistant", "content": "7"}]}]
    result = load_file(_jsonl(tmp_path / "real.jsonl", rows))
    assert result.rows[0]["messages"][1]["reasoning"] == "Three and four make seven."
    assert not any("switch" in n.message for n in result.notices)


# 28953117's `cells.escaped_breaks` counts no `\n` in a cell holding a backslash before anything but n, r or t (a
# path's `\d`, a regex's `\d+`). An export that escaped its line breaks as JSON does escapes its quotes too (`\"`)
# and may write `\u00e9`: those cells, the likeliest to hold escaped breaks, were left out of the note.
JSON_ESCAPED = [
    ('He said \\"yes\\".\\nThen he left.', 1),
    ("Caf\\u00e9 opens at 8.\\nIt shuts at 5.", 1),
    ('A \\"quoted\\" list:\\n- one\\n- two', 2),
    ("C:\\new\\data", 0),  # a path still counts none
    ('print(\\"a\\nb\\")', 0),  # a string in one line of code still none
]


@pytest.mark.parametrize("cell, breaks", JSON_ESCAPED, ids=[c for c, _ in JSON_ESCAPED])
def test_a_cell_escaped_as_json_counts_its_line_breaks(cell, breaks):
    from ftlib.cells import escaped_breaks

    assert escaped_breaks(cell) == breaks


def test_the_escaped_break_note_names_cells_escaped_as_json():
    from ftlib.table_records import escaped_line_breaks

    said = escaped_line_breaks([(1, {"output": 'He said \\"yes\\".\\nThen he left.\\nThe end.'})])
    assert said and said[0].startswith("1 cell (data row 1) holds the two characters \\n"), said


# ce748e92 named the embedded default by its bare name in a run's label, and `models_differ` still told it apart from
# the hub's model of that name (or a folder of it): two bases, so labels name the base, both as
# "lora on SmolLM2-135M-Instruct · ...": the naming that was to tell them apart said the same for both.
def test_labels_of_runs_on_the_default_and_on_the_hubs_model_of_its_name_differ():
    from ftlib import runs
    from ftlib.run_picker import model_name, train_labels
    from ftlib.testing import make_run

    base = {"dataset": "chat_style"}
    make_run("r-embedded", {**base, "model": "default"}, created=100.0)
    make_run("r-hub", {**base, "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}, created=200.0)
    make_run("r-folder", {**base, "model": "/srv/models/SmolLM2-135M-Instruct"}, created=300.0)
    labels = train_labels(runs.list_runs())
    named = {run_id: label.split(" · ")[0] for run_id, label in labels.items()}
    assert named == {
        "r-embedded": "lora on SmolLM2-135M-Instruct",
        "r-hub": "lora on HuggingFaceTB/SmolLM2-135M-Instruct",
        "r-folder": "lora on models/SmolLM2-135M-Instruct",
    }, named
    assert model_name("Qwen/Qwen2.5-0.5B") == "Qwen2.5-0.5B"  # any other model keeps its last name
