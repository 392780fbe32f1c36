"""Train page (AppTest): GRPO's rewards are tried before Start (`ftlib.reward_trial`), and the page keeps that
pre-flight per settings; a reward function the operator fixed in its file is tried again at the next rerun, not only
once a setting changes (`reward_trial.functions_version` is part of the key). Nothing trains."""

from __future__ import annotations

import json

from ftlib import workspace
from ftlib.reward_functions import REGISTRY_ENV
from ftlib.reward_trial import functions_version
from tests.test_pages_alignment import PROMPT_ROWS
from tests.test_pages_train import page

BROKEN = "def pirate(prompt, completion):\n    raise ValueError('no parrot here')\n"
FIXED = "def pirate(prompt, completion):\n    return 1.0 if 'Ahoy' in completion else 0.0\n"


def register(tmp_path, monkeypatch, code: str):
    functions = tmp_path / "pirate_rewards.py"
    functions.write_text(code)
    (tmp_path / "rewards.json").write_text(json.dumps({"pirate": f"{functions}:pirate"}))
    monkeypatch.setenv(REGISTRY_ENV, str(tmp_path / "rewards.json"))
    return functions


def test_a_reward_function_fixed_in_its_file_is_tried_again_at_the_next_rerun(tiny_model_dir, tmp_path, monkeypatch):
    functions = register(tmp_path, monkeypatch, BROKEN)
    workspace.save_split("pirate", PROMPT_ROWS[:8], PROMPT_ROWS[8:])
    at = page(tiny_model_dir)
    at.text_area(key="train_rewards").set_value('[{"function": "pirate"}]').run()
    assert not at.exception
    assert any("raised ValueError: no parrot here" in e.value for e in at.error), [e.value for e in at.error]
    assert not [b for b in at.button if b.key == "train_start"]
    functions.write_text(FIXED)  # the operator fixes the file; the settings stay as they were
    at.run()
    assert not at.exception
    assert not any("no parrot here" in e.value for e in at.error)
    assert [b for b in at.button if b.key == "train_start"]


def test_the_functions_version_follows_the_registered_files_bytes(tmp_path, monkeypatch):
    functions = register(tmp_path, monkeypatch, BROKEN)
    specs = [{"function": "pirate"}]
    broken = functions_version(specs)
    functions.write_text(FIXED)
    fixed = functions_version(specs)
    assert broken and fixed and broken != fixed and functions_version(specs) == fixed
    functions.unlink()
    assert functions_version(specs) not in ("", fixed)  # gone: another key too, said missing by the trial
    assert functions_version([{"regex": "^Ahoy"}]) == ""  # no function: the key is the settings alone
