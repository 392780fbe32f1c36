"""A run's model that cannot be loaded, met on Compare and Evaluate: the engine's refusal (`ftlib.modelset
.check_tuned`) is worded for the CLI ("Give the base it was trained on with --model.", "(`python -m ftlib runs resume
ID`)"); a browser has neither, so each page says its own way (`ui.labels.on_model_page`): Compare the sidebar's Model
box, Evaluate the base the run's config.json names, both the Train page's Resume button."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.testing import make_run, make_tiny_model

ROOT = Path(__file__).resolve().parents[1]
ROWS = [{"messages": [{"role": "user", "content": "Name a fruit."}, {"role": "assistant", "content": "A pear."}]}]


@pytest.fixture(scope="module")
def narrow_base(tmp_path_factory) -> Path:
    """A tiny model of another width than `varied_dir` (32, not 64): the adapter of `adapter_template` misfits it."""
    return make_tiny_model(tmp_path_factory.mktemp("narrow") / "narrow", hidden_size=32)


@pytest.fixture
def misfit_run(narrow_base, adapter_template):
    """A finished run that says it trained on `narrow_base` but holds an adapter of the wider `varied_dir`."""
    workspace.save_split("fruit", ROWS, ROWS, {"format": "messages"})
    config = {"model": str(narrow_base), "dataset": "fruit", "template": "tokenizer", "method": "lora"}
    return make_run("20260102-000000-lora-fruit", config, adapter=adapter_template)


def open_page(page: str, model: Path) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(model)
    at.run()
    return at.switch_page(page).run()


def errors(at) -> str:
    return "\n".join(e.value for e in at.error)


def test_compare_says_the_sidebar_model_box_not_the_cli_flag(misfit_run, narrow_base):
    at = open_page("pages/5_Compare.py", narrow_base)
    assert not at.exception, at.exception
    said = errors(at)
    assert "Could not load the model with its adapters: Could not load the adapter" in said, said
    assert "does not fit the base model" in said
    assert "--model" not in said
    assert said.endswith(
        "Type the base it was trained on in the sidebar's **Model** box, or leave this run out of **Fine-tuned "
        "models**."
    )


def says_the_runs_own_base(said: str) -> None:
    """Evaluate's words for an adapter that does not fit the base the run's config names: that base, no CLI flag."""
    assert "Could not load the model with the run's adapter: Could not load the adapter" in said, said
    assert "--model" not in said
    assert said.endswith("put that base back where the run's config.json points.")


def test_evaluate_says_the_runs_own_base_not_the_cli_flag(misfit_run, narrow_base):
    at = open_page("pages/6_Evaluate.py", narrow_base)
    assert not at.exception, at.exception
    at.slider(key=f"evaluate_max_new_{misfit_run.path.name}").set_value(8)
    next(b for b in at.button if b.label == "Evaluate").click()
    at.run()
    says_the_runs_own_base(errors(at))


def test_a_grpo_runs_answers_say_the_runs_own_base_not_the_cli_flag(narrow_base, adapter_template):
    """The GRPO section's loading (`ui.grpo_eval_view`) says it as the held-out evaluation does."""
    prompts = [{"prompt": [{"role": "user", "content": "Name a fruit."}]}]
    workspace.save_split("fruit_prompts", prompts, prompts)
    config = {"method": "grpo", "model": str(narrow_base), "dataset": "fruit_prompts"}
    config |= {"rewards": [{"length": {"target": 4}}], "grpo_max_new_tokens": 8}
    make_run("20260102-000000-grpo-fruit", config, adapter=adapter_template)
    at = open_page("pages/6_Evaluate.py", narrow_base)
    assert not at.exception, at.exception
    next(b for b in at.button if b.label == "Answer and score").click()
    at.run()
    says_the_runs_own_base(errors(at))


def test_compare_says_a_damaged_adapters_resume_by_the_train_pages_button(varied_dir, adapter_template):
    """A finished run whose adapter file was cut short, with a checkpoint where its training ended: the engine's way
    on is `python -m ftlib runs resume ID`; the page names the Train page's Resume button instead."""
    workspace.save_split("fruit", ROWS, ROWS, {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "fruit", "template": "tokenizer", "method": "lora"}
    run = make_run("20260103-000000-lora-fruit", config, adapter=adapter_template)
    checkpoint = run.checkpoints / "checkpoint-4"  # saved where its training ended (`run_files.ended_at`)
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": 4, "max_steps": 4}), encoding="utf-8")
    os.truncate(run.adapter_dir / "adapter_model.safetensors", 100)
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not at.exception, at.exception
    said = errors(at)
    assert f"The adapter of '{run.id}'" in said and "is damaged" in said, said
    assert "python -m ftlib" not in said
    assert said.endswith(
        "resume the run to write it again where its training ended (**Resume** under the run on the Train page)."
    )
