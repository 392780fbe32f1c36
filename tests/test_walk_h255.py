"""Helper 255's cold browser walk with four files shaped as projects publish them (a ShareGPT tool-calling JSONL, a
preference CSV with commas, quotes and line breaks in its cells, an Alpaca Parquet, a JSON array of raw texts).

A raw-text run queued while the Train form still held the ChatML + tools (Hermes) template chosen for the tool-calling
data before it was labelled "lora · ChatML + tools (Hermes) template · notes" on Train, Compare and Evaluate, and
Evaluate's line said "chat template: ChatML + tools (Hermes)", though no template wrote a row of it (raw text is read
as written, `run_data.trained_on_text`): a reader took the run for a chat run on that template."""

from __future__ import annotations

import json

from ftlib import modelset as M
from ftlib import workspace
from ftlib.run_picker import run_choices, train_labels
from ftlib.rundir import RunDir
from ftlib.testing import make_run

TEXTS = [
    {"text": "Tide tables list high and low water for each harbour."},
    {"text": "A bowline makes a fixed loop that does not slip."},
]
TRAIN = [{"text": f"Log {n}: wind south-west, visibility good, sea moderate."} for n in range(4)]


def _kept(run: RunDir, fmt: str) -> None:
    """The run's own copy of its rows, read as `fmt` (what `run_data.trained_on_text` reads)."""
    (run.path / "split").mkdir()
    (run.path / "split" / "meta.json").write_text(json.dumps({"format": fmt, "name": run.id.rsplit("-", 1)[-1]}))


def test_a_raw_text_run_is_labelled_raw_text_not_the_template_its_config_names(adapter_template):
    text = make_run("20261207-235835-lora-notes", {"dataset": "notes", "template": "hermes"}, adapter=adapter_template)
    chat = make_run("20261207-234648-lora-tides", {"dataset": "tides", "template": "hermes"}, adapter=adapter_template)
    _kept(text, "text")
    _kept(chat, "sharegpt")
    assert text.summary().template == "text" and chat.summary().template == "hermes"
    labels = train_labels([text.summary(), chat.summary()])
    assert labels[text.id].startswith("lora · raw text · notes · "), labels
    assert labels[chat.id].startswith("lora · ChatML + tools (Hermes) template · tides · "), labels
    picked = {c.name: c.label for c in run_choices(M.list_run_adapters())}  # Compare's and Evaluate's pickers
    assert picked[text.id].startswith("lora · raw text · notes · ") and "Hermes" not in picked[text.id], picked


def test_evaluate_names_no_chat_template_for_a_raw_text_run(varied_dir, adapter_template):
    from tests.test_pages_compare import open_page

    workspace.save_split("texts", TRAIN, TEXTS)
    make_run(
        "20260101-000000-lora-texts",
        {"model": str(varied_dir), "dataset": "texts", "template": "hermes"},
        adapter=adapter_template,
    )
    at = open_page("pages/6_Evaluate.py", varied_dir)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    line = next(c.value for c in at.caption if c.value.startswith("Base model"))
    assert "chat template: Raw text" in line and "Hermes" not in line, line


def test_tokens_says_a_text_row_is_read_without_the_template_and_policy_boxes_above():
    from streamlit.testing.v1 import AppTest

    from tests.test_pages_tokens import PAGE, _typed, run

    at = _typed(run(AppTest.from_file(PAGE, default_timeout=60)), {"text": "Tide tables list high and low water."})
    note = next(c.value for c in at.caption if c.value.startswith("A plain text row"))
    assert "the **Chat template** and **What is trained** above change nothing here" in note, note


def test_evaluates_helped_and_hurt_tables_head_a_text_runs_rows_text_not_prompt(varied_dir, adapter_template):
    from tests.test_pages_compare import button, open_page, run_until_done

    workspace.save_split("texts", TRAIN, TEXTS)
    make_run("20260101-000000-lora-texts", {"model": str(varied_dir), "dataset": "texts"}, adapter=adapter_template)
    at = open_page("pages/6_Evaluate.py", varied_dir)
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    tables = [h.proto.body for h in at.get("html") if "<th" in h.proto.body and "change" in h.proto.body]
    assert tables, "no Helped most / Hurt most table"  # two texts: one helped or hurt at least
    assert all(">text<" in t and ">prompt<" not in t for t in tables), tables
