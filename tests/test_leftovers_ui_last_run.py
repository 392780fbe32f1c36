"""A new session's Train form starts from the run last started in the workspace, from the page or the CLI alike
(`ftlib.last_run`): its settings are that run's own config.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import last_run, runs, workspace
from ftlib.cli import main
from ftlib.testing import make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CHATS = [
    {
        "messages": [
            {"role": "user", "content": f"What is {i} plus {i}?"},
            {"role": "assistant", "content": f"Ahoy! It is {2 * i}."},
        ]
    }
    for i in range(12)
]


def train_page(model_dir) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(model_dir)
    at.session_state["active_split"] = "numbers"
    at.run().switch_page("pages/4_Train.py").run()
    assert not at.exception, at.exception
    return at


def said(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith("Settings start from")]


def test_a_new_session_starts_from_a_run_started_with_the_cli_after_one_started_on_the_page(
    tiny_model_dir, tmp_path, monkeypatch, capsys
):
    """Leftover 1: the settings a new session's form started from were written by the page's Start alone, so after
    `python -m ftlib train ...` a refresh brought back an older page run's settings and named that run."""
    workspace.save_split("numbers", CHATS[:10], CHATS[10:])

    def submit(config, **kw):  # a run folder as the queue leaves it (finished: nothing to start)
        return make_run("r-page", config.to_dict(), state="finished").id

    queue = runs.submit
    monkeypatch.setattr(runs, "submit", submit)
    at = train_page(tiny_model_dir)
    at.number_input(key="train_max_steps").set_value(7)
    at.text_input(key="train_name").set_value("from-page").run()
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception
    first = train_page(tiny_model_dir)  # a new session: the page run
    assert first.number_input(key="train_max_steps").value == 7
    assert said(first) and "from-page · lora" in said(first)[0]

    # The same workspace, a run queued from a shell. A stand-in process instead of training: --detach only queues.
    monkeypatch.setattr(runs, "submit", queue)
    monkeypatch.setattr(runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "pass", str(run.path)])
    rows = tmp_path / "chats.jsonl"
    rows.write_text("".join(json.dumps(r) + "\n" for r in CHATS))
    flags = ["--model", str(tiny_model_dir), "--dataset", str(rows), "--name", "from-cli", "--max-steps", "5"]
    assert main(["train", *flags, "--learning-rate", "0.0007", "--lora-r", "4", "--device", "cpu", "--detach"]) == 0
    cli_run = capsys.readouterr().out.strip()
    assert cli_run != "r-page" and runs.find(cli_run).read_config()["name"] == "from-cli"

    runs.wait(cli_run, timeout=120)  # the stand-in has ended: the run can be deleted below
    fresh = train_page(tiny_model_dir)  # a refresh after the CLI run: its settings and its name in the caption
    assert fresh.number_input(key="train_max_steps").value == 5
    assert fresh.number_input(key="train_learning_rate_lora_lora").value == pytest.approx(0.0007)
    assert fresh.number_input(key="train_lora_r").value == 4
    assert fresh.text_input(key="train_name").value == ""  # a name is one run's
    assert len(said(fresh)) == 1 and "from-cli · lora · chats · " in said(fresh)[0], said(fresh)
    assert "from-page" not in said(fresh)[0]

    runs.delete(cli_run)  # deleted: the run before it is the last run again, named
    again = train_page(tiny_model_dir)
    assert again.number_input(key="train_max_steps").value == 7
    assert said(again) and "from-page · lora" in said(again)[0]


# What a run's config.json may hold after the app changed under it: (id, stored, what comes back for that name).
STORED_SETTINGS = [
    ("kept", {"max_steps": 7}, {"max_steps": 7}),
    ("a number from a JSON file", {"learning_rate": "5e-4"}, {"learning_rate": 0.0005}),
    ("unknown setting", {"colour": "red"}, {}),
    ("below its limit", {"batch_size": 0}, {}),
    ("above its limit", {"learning_rate": 3.0}, {}),
    ("a bool for a number", {"epochs": True}, {}),
    ("a choice no longer offered", {"scheduler": "zigzag"}, {}),
    ("an old name", {"dpo_beta": 0.25}, {"beta": 0.25}),
    ("a reward that cannot work", {"rewards": [{"regex": "(oops"}]}, {}),
    ("rewards", {"rewards": [{"regex": "^Ahoy", "weight": 2.0}]}, {"rewards": [{"regex": "^Ahoy", "weight": 2.0}]}),
    ("layer names not a list", {"lora_targets": 5}, {}),
]


@pytest.mark.parametrize("stored, kept", [c[1:] for c in STORED_SETTINGS], ids=[c[0] for c in STORED_SETTINGS])
def test_the_last_run_settings_come_back_without_what_is_no_longer_valid(stored, kept):
    """A value of the last run's config.json that is no longer valid is left out (its box shows the default), never
    an error."""
    run = make_run("r-1", {"name": "lora-b"})
    run.config_file.write_text(json.dumps({"name": "lora-b", **stored}))
    assert last_run.last_run_settings() == ("r-1", {"name": "lora-b", **kept})


@pytest.mark.parametrize("content", ["", "{not json", '["a", "list"]', "{}"])
def test_a_run_whose_settings_do_not_read_is_passed_over_for_the_one_before(content):
    assert last_run.last_run_settings() == (None, {})  # no run yet
    make_run("r-old", {"max_steps": 3}, created=100.0)
    make_run("r-new", {"max_steps": 4}, created=200.0)
    run_id, settings = last_run.last_run_settings()
    assert (run_id, settings["max_steps"]) == ("r-new", 4)
    (workspace.runs_dir() / "r-new" / "config.json").write_text(content)
    run_id, settings = last_run.last_run_settings()
    assert (run_id, settings["max_steps"]) == ("r-old", 3)


def test_the_newest_run_is_the_one_queued_last_not_the_last_by_name():
    make_run("b-first", {"max_steps": 3}, created=100.0)
    make_run("a-second", {"max_steps": 4}, created=200.0)
    make_run("c-no-status", {"max_steps": 5}, state=None)  # a run from before status files: its config's time
    assert [r.id for r in last_run.newest_runs()] == ["c-no-status", "a-second", "b-first"]
