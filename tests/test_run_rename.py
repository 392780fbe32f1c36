"""Renaming a run (helper 205): neither the CLI nor the Train page could. `ftlib.run_rename.rename` changes the name
pickers, tables and commands use (config.json's `name`) and nothing else: the id (the folder), every other setting
and config.json's time (when the run was queued, where status.json lost it) stay. `runs rename ID NAME` and the Train
page's "Rename…" call it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import runs, workspace
from ftlib.cli import main
from ftlib.run_people import Who, people
from ftlib.run_rename import MAX_NAME, rename
from ftlib.testing import make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def config_of(run) -> dict:
    return json.loads(run.config_file.read_text(encoding="utf-8"))


def test_a_rename_changes_the_name_alone_and_keeps_the_id_and_config_time(tmp_path):
    run = make_run("r-pirates", {"name": "pirates", "learning_rate": 7e-4, "dataset": "chat_style"})
    config = config_of(run)
    config["an_older_key"] = "kept as written"  # a key this version does not know stays too
    run.config_file.write_text(json.dumps(config), encoding="utf-8")
    os.utime(run.config_file, (1_700_000_000, 1_700_000_000))
    seen = runs.runs_changed_key()

    done = rename("r-pirates", "  pirate v2 ", by=Who(name="Ana", email="ana@example.com"))

    assert (done.old, done.new, done.warnings) == ("pirates", "pirate v2", [])
    assert done.sentence() == "Run `r-pirates` is now named 'pirate v2' (it was 'pirates'); its id stays."
    assert config_of(run) == {**config, "name": "pirate v2"}  # everything else as it was, the old key too
    assert run.config_file.stat().st_mtime == 1_700_000_000  # when it was queued, where status.json lost it
    assert [r.id for r in runs.list_runs()] == ["r-pirates"] and run.path.is_dir()
    info = run.summary()
    assert info.name == "pirate v2" and info.label.startswith("pirate v2 · lora · chat_style")
    assert runs.runs_changed_key() != seen  # a page following the runs redraws with the new name
    assert people(run.path).last_action == "renamed by ana@example.com"
    assert rename("r-pirates", "pirate v2").sentence() == "Run `r-pirates` is already named 'pirate v2'."


def test_a_name_another_run_has_is_done_and_warned():
    make_run("r-one", {"name": "shared"})
    make_run("r-two", {"name": "other"})
    done = rename("r-two", "shared")
    assert done.new == "shared"
    (warning,) = done.warnings
    assert warning.startswith("1 other run already named 'shared' (r-one): where a run is given by its name"), warning


def _damaged(run) -> None:
    run.config_file.write_text("{not json", encoding="utf-8")


def _judge_found_by_name(run) -> None:
    """A GRPO run whose reward model is the run `run` named by its name 'judge' (as `--rewards` may give it)."""
    grpo = workspace.runs_dir() / "r-grpo"
    grpo.mkdir()
    (grpo / "config.json").write_text(json.dumps({"method": "grpo", "rewards": [{"model": "judge"}]}), "utf-8")
    config = config_of(run)
    run.config_file.write_text(json.dumps({**config, "method": "reward"}), encoding="utf-8")


# (id, name given, what is done to the run first, the refusal's start)
REFUSED = [
    ("empty", "  ", None, "A run's name cannot be empty"),
    ("two-lines", "pirate\nv2", None, "A run's name is one line"),
    ("a-tab", "pirate\tv2", None, "A run's name is one line"),
    ("too-long", "x" * (MAX_NAME + 1), None, f"A run's name is at most {MAX_NAME} characters (this one has 101)"),
    ("another-runs-id", "r-other", None, "'r-other' is the id of another run: a command given it would find that run"),
    ("damaged-config", "pirate v2", _damaged, "Run 'r-judge': its config.json "),
    ("reward-model-named", "judge v2", _judge_found_by_name, "Reward model 'r-judge' is found by its name 'judge' by"),
]


@pytest.mark.parametrize(("name", "before", "said"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_a_refused_name_says_why_and_changes_nothing(name, before, said):
    run = make_run("r-judge", {"name": "judge"})
    make_run("r-other", {"name": "other"})
    if before is not None:
        before(run)
    was = run.config_file.read_bytes()
    with pytest.raises(runs.RunError) as refused:
        rename("r-judge", name)
    assert str(refused.value).startswith(said), refused.value
    assert run.config_file.read_bytes() == was
    assert people(run.path).last_action == ""  # nothing recorded: nothing was done


def test_a_reward_model_found_by_its_id_may_be_renamed():
    run = make_run("r-judge", {"name": "judge"})
    _judge_found_by_name(run)
    config = json.loads((workspace.runs_dir() / "r-grpo" / "config.json").read_text("utf-8"))
    config["rewards"] = [{"model": "r-judge"}]  # by its id: a new name changes nothing for it
    (workspace.runs_dir() / "r-grpo" / "config.json").write_text(json.dumps(config), "utf-8")
    assert rename("r-judge", "judge v2").new == "judge v2"


def test_the_cli_renames_a_run_given_by_id_or_name(capsys):
    run = make_run("r-pirates", {"name": "pirates"})
    assert main(["runs", "rename", "r-pirates", "pirate v2"]) == 0
    assert capsys.readouterr().out == "Run `r-pirates` is now named 'pirate v2' (it was 'pirates'); its id stays.\n"
    assert main(["runs", "rename", "pirate v2", "pirate v3"]) == 0  # by the name one run has
    assert config_of(run)["name"] == "pirate v3"
    assert people(run.path).last_action.startswith("renamed by ") and "(command line)" in people(run.path).last_action
    assert main(["runs", "rename", "r-pirates", ""]) == 2
    assert capsys.readouterr().err == (
        "error: A run's name cannot be empty: type one (the run keeps its id whatever its name).\n"
    )
    assert main(["runs", "rename", "", "x"]) == 2
    assert "error: runs rename: ID is empty" in capsys.readouterr().err
    make_run("r-two", {"name": "two"})
    assert main(["runs", "rename", "r-two", "pirate v3"]) == 0
    assert "warning: 1 other run already named 'pirate v3' (r-pirates)" in capsys.readouterr().err


def page(model_dir) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(model_dir)
    return at.run().switch_page("pages/4_Train.py").run()


def run_picker(at: AppTest):
    return next(s for s in at.selectbox if s.label == "Run")


def test_the_train_page_renames_the_run_it_shows(tiny_model_dir):
    run = make_run("r-pirates", {"model": str(tiny_model_dir), "name": "pirates"})
    make_run("r-other", {"model": str(tiny_model_dir), "name": "other"})
    at = page(tiny_model_dir)
    at.session_state["train_selected"] = "r-pirates"
    at.run()
    assert not at.exception, at.exception
    assert "rename_r-pirates" not in [b.key for b in at.button]  # two clicks, as Delete…
    at.button(key="rename_ask_r-pirates").click().run()
    box = at.text_input(key="rename_to_r-pirates")
    assert box.value == "pirates"  # starts from the name it has

    box.set_value("r-other").run()  # another run's id: refused, said, the box left open with what was typed
    at.button(key="rename_r-pirates").click().run()
    assert not at.exception, at.exception
    assert any(e.value.startswith("Could not rename the run: 'r-other' is the id of another run") for e in at.error)
    assert at.text_input(key="rename_to_r-pirates").value == "r-other"
    assert config_of(run)["name"] == "pirates"

    at.text_input(key="rename_to_r-pirates").set_value("pirate v2").run()
    at.button(key="rename_r-pirates").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Run `r-pirates` is now named 'pirate v2'") for s in at.success)
    assert config_of(run)["name"] == "pirate v2"
    assert "rename_to_r-pirates" not in [t.key for t in at.text_input]  # the box closed
    assert run_picker(at).value == "r-pirates"  # the same run shown, under its new name
    assert "✅ pirate v2 · lora" in run_picker(at).format_func("r-pirates")
    assert "pirate v2" in at.dataframe[-1].value.set_index("id").loc["r-pirates", "run"]
