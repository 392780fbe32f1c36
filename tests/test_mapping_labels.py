"""A field mapping onto KTO's label (`--map good=label`, the Data page's `label` box): a label marks answers good or
bad, so a file of {question, answer, good} mapped `good=label` and `question=prompt` is read as answers marked good
or bad (TRL's unpaired prompt, completion, label), its answer as the completion, and said; not as prompts only with
the answer and the label left to GRPO's rewards. Where no column holds an answer, the refusal names the completion."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib.cli import main
from ftlib.data import MappingNeeded, load_file

ROOT = Path(__file__).resolve().parents[1]
ROWS = [("What is 2+2?", "4", True), ("Capital of France?", "Berlin", False), ("Colour of the sky?", "Blue", True)]
MAP = ["--map", "good=label", "--map", "question=prompt"]


def rated(tmp_path, answer_key: str = "answer") -> Path:
    path = tmp_path / "rated.jsonl"
    path.write_text("".join(json.dumps({"question": q, answer_key: a, "good": g}) + "\n" for q, a, g in ROWS))
    return path


def test_a_label_and_a_prompt_mapped_read_the_answer_as_the_completion_the_label_marks(tmp_path):
    result = load_file(rated(tmp_path), column_map={"label": "good", "prompt": "question"})
    assert result.format == "unpaired_preference"
    assert [(r["completion"][0]["content"], r["label"]) for r in result.rows] == [
        ("4", True),
        ("Berlin", False),
        (
            "Blue",
            True,
        ),
    ]
    assert result.column_map == {"label": "good", "prompt": "question", "completion": "answer"}


@pytest.mark.parametrize("answer_key", ["answer", "response"])
def test_data_inspect_reads_the_mapped_label_as_kto_and_says_which_column_is_the_answer(tmp_path, capsys, answer_key):
    assert main(["data", "inspect", str(rated(tmp_path, answer_key)), *MAP, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["format"], report["valid_rows"]) == ("unpaired_preference", 3)
    assert report["column_map"]["completion"] == answer_key
    notes = " ".join(w["message"] for w in report["warnings"])
    assert f"`good` is read as the label of answers marked good or bad (KTO), so `{answer_key}` is read as" in notes
    assert "GRPO passes it to the reward functions" not in notes  # neither the label nor the answer left unread


def test_without_an_answer_column_the_refusal_names_the_completion_to_map(tmp_path, capsys):
    path = tmp_path / "asked.jsonl"
    path.write_text("".join(json.dumps({"question": q, "notes": "n", "good": g}) + "\n" for q, _, g in ROWS))
    with pytest.raises(MappingNeeded) as caught:
        load_file(path, column_map={"label": "good", "prompt": "question"})
    assert (caught.value.fmt, caught.value.gaps) == ("unpaired_preference", ["completion"])
    assert main(["data", "inspect", str(path), *MAP]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Read as unpaired_preference, asked.jsonl needs a field for: completion")


def test_prompts_only_asked_for_keep_the_label_and_the_answer_as_columns(tmp_path, capsys):
    """`--format prompt_only`: the person said prompts (GRPO), so nothing is read as an answer."""
    assert main(["data", "inspect", str(rated(tmp_path)), *MAP, "--format", "prompt_only", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["format"] == "prompt_only"


def test_the_data_pages_label_box_reads_the_file_as_answers_marked_good_or_bad(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_DATA_DIRS", os.pathsep.join([str(tmp_path)]))
    path = rated(tmp_path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(path)).run()
    at.selectbox(key="data_map_prompt").set_value("question").run()
    at.selectbox(key="data_map_label").set_value("good").run()
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["Format"] == "answers marked good or bad"


def test_a_completion_set_to_none_is_not_guessed_back():
    """The Data page passes a field the file names but the person set to (none) as None: it stays unread."""
    from ftlib.mapping import labelled_map

    row = {"question": "2+2?", "answer": "4", "completion": "four", "good": True}
    chosen = {"label": "good", "prompt": "question", "completion": None}
    assert labelled_map(chosen, list(row), [(1, row)], []) == chosen
