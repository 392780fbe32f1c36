"""A run's label names the embedded default model by its bare name: "lora on SmolLM2-135M-Instruct · chat_style ·
...", not "lora on SmolLM2-135M-Instruct (embedded default) · ...", whose brackets sat inside the brackets the pages
put labels in (the queue's "after <label> (training, step 1 of 10)", the run picker's "#2"s and facts). A page or the
CLI naming the model alone still says "SmolLM2-135M-Instruct (embedded default)" (`model_names.model_said`)."""

from __future__ import annotations

import time

from ftlib import modelset as M
from ftlib import runs as runs_module
from ftlib import workspace
from ftlib.model_names import model_said
from ftlib.run_picker import model_name, models_differ, run_choices, train_labels
from ftlib.run_queue import place_in_line
from ftlib.testing import make_run
from tests.test_leftovers_ui_last_run import CHATS
from tests.test_leftovers_ui_run_source import captions, session
from tests.test_run_picker import empty_adapter
from ui.run_view import run_options


def depth(text: str) -> int:
    """How deep the text's round brackets nest (1: brackets, none inside them)."""
    deepest = level = 0
    for char in text:
        level += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, level)
    return deepest


def test_labels_of_runs_on_several_bases_name_the_default_without_brackets(tiny_model_dir, tmp_path):
    adapter = empty_adapter(tmp_path)
    now = time.time()
    base = {"dataset": "chat_style"}
    make_run("r-default", {**base, "model": "default"}, adapter=adapter, created=now - 90, ended=now - 80)
    make_run("r-tiny", {**base, "model": str(tiny_model_dir)}, adapter=adapter, created=now - 70, ended=now - 60)
    make_run("r-live", {**base, "model": "default"}, state="running", started=now, max_steps=10, step=1)
    make_run("r-next", {**base, "model": "default"}, state="queued", queued_at=now)

    labels = train_labels(runs_module.list_runs())
    assert labels["r-default"].startswith("lora on SmolLM2-135M-Instruct · chat_style · "), labels["r-default"]
    assert labels["r-tiny"].startswith(f"lora on {model_name(str(tiny_model_dir))} · chat_style · ")
    said = [
        *run_options(runs_module.list_runs(), labels).values(),  # the Train picker's "✅ label — facts"
        *(f"{c.label} — {c.facts}" for c in run_choices(M.list_run_adapters(), now=now)),  # Compare's, Evaluate's
        place_in_line(runs_module.find("r-next")),  # "Queued: 2nd in line, after <label> (training, ...)."
    ]
    assert "on SmolLM2-135M-Instruct · " in said[-1], said[-1]
    assert [s for s in said if depth(s) > 1] == []


def test_the_default_is_still_told_apart_from_the_hubs_model_of_its_name():
    """A run on the hub's SmolLM2-135M-Instruct beside one on the embedded default: two bases, so labels name them."""
    assert model_name("default") == "SmolLM2-135M-Instruct"
    assert model_name("HuggingFaceTB/SmolLM2-135M-Instruct") == "HuggingFaceTB/SmolLM2-135M-Instruct"  # told apart
    assert models_differ(["default", "HuggingFaceTB/SmolLM2-135M-Instruct"])
    assert not models_differ(["default", " default "])
    assert model_said("default") == "SmolLM2-135M-Instruct (embedded default)"  # where the model is named alone


def test_the_tokens_page_names_the_last_run_on_the_default_without_brackets_in_brackets(tiny_model_dir):
    """The words a value came with from the last run started: "Max length (tokens) 512, from the last run started
    (lora on SmolLM2-135M-Instruct (embedded default) · numbers · ...), which ..." nested brackets."""
    workspace.save_split("numbers", CHATS[:10], CHATS[10:])
    make_run("r-old", {"model": str(tiny_model_dir), "dataset": "numbers"}, created=100.0)
    make_run("r-new", {"model": "default", "dataset": "numbers", "max_length": 512}, created=200.0)
    at = session(tiny_model_dir, "pages/2_Tokens.py")
    (came,) = [c for c in captions(at) if c.startswith("Max length (tokens) 512, from the last run started (")]
    assert "from the last run started (lora on SmolLM2-135M-Instruct · numbers · " in came, came
    assert depth(came) == 1, came
