"""A run's name follows one rule wherever it is given: `runs rename` refused a name of two lines or of more than 100
characters, while `train --name`, a config file's `name` and the Train page's Run name box took any (a name with a
line break broke the runs table's row and the picker's label). One rule now (`config_checks.run_name`), in the same
words, with `runs rename` calling it; a run named before keeps its name as saved and still reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import runs, workspace
from ftlib.cli import main
from ftlib.config import ConfigError, RunConfig
from ftlib.config_checks import MAX_RUN_NAME
from ftlib.run_rename import check_name, rename
from ftlib.testing import make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")
LONG = "Lotsenfahrt " * 9  # 108 characters: one line, too long to label a run
# (id, name given, the refusal's opening words; None: taken, as the run keeps it)
CASES = [
    ("a_line_break", "pirate\nv2", "A run's name is one line: this one has a line break"),
    ("a_tab", "pirate\tv2", "A run's name is one line"),
    ("a_line_separator", "pirate\u2028v2", "A run's name is one line"),
    ("too_long", LONG, f"A run's name is at most {MAX_RUN_NAME} characters (this one has {len(LONG.strip())})"),
    ("a_zero_width_space", "pirate\u200bv2", "A run's name is one line: this one has a line break or another control"),
    ("a_direction_override", "pirate \u202ev2", "A run's name is one line"),
    ("spaces_around", "  Kapitän v2 ", None),
    # Joiners written in emoji and in Persian and Indic words, a subdivision flag's tags: part of the name
    ("emoji_joined", "Modèle 海盗 \U0001f3f4\u200d\u2620\ufe0f \U0001f468\u200d\U0001f469\u200d\U0001f467", None),
    ("a_persian_non_joiner", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", None),
    ("a_flag_of_tags", "Scotland \U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", None),
    ("exactly_the_limit", "k" * MAX_RUN_NAME, None),
    # Counted as the browser counts the Run name box's characters (UTF-16: an emoji is two), where the box stops
    ("emoji_at_the_boxs_limit", "\U0001f99c" * (MAX_RUN_NAME // 2), None),
    (
        "emoji_past_the_boxs_limit",
        "\U0001f99c" * (MAX_RUN_NAME // 2 + 1),
        f"A run's name is at most {MAX_RUN_NAME} characters (this one has {MAX_RUN_NAME + 2}, an emoji counting as "
        "two)",
    ),
]


@pytest.mark.parametrize(("name", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_config_refuses_the_names_runs_rename_refuses_in_its_words(name, words):
    if words is None:
        assert RunConfig(name=name).name == check_name(name) == name.strip()
        return
    with pytest.raises(ConfigError) as config_refused:
        RunConfig(name=name)
    with pytest.raises(runs.RunError) as rename_refused:
        check_name(name)
    assert str(config_refused.value) == str(rename_refused.value)
    assert str(config_refused.value).startswith(words), config_refused.value


def test_an_empty_name_is_no_name_for_a_run_but_refused_by_runs_rename():
    assert RunConfig(name="  ").name == ""
    with pytest.raises(runs.RunError, match="A run's name cannot be empty"):
        check_name("  ")


def _refused_in_one_line(capsys, words: str) -> None:
    err = capsys.readouterr().err
    assert err.startswith(f"error: {words}") and err.count("\n") == 1, err
    assert runs.list_runs() == []


def test_train_name_is_refused_in_one_line_before_a_run_is_made(capsys):
    assert main(["train", "--dataset", "chat_style", "--name", "pirate\nv2", "--max-steps", "1"]) == 2
    _refused_in_one_line(capsys, "A run's name is one line: this one has a line break")


def test_a_config_files_name_is_refused_the_same(tmp_path, capsys):
    config = tmp_path / "run.yaml"
    config.write_text(f"dataset: chat_style\nmax_steps: 1\nname: {LONG}\n", encoding="utf-8")
    assert main(["train", str(config)]) == 2
    _refused_in_one_line(capsys, f"A run's name is at most {MAX_RUN_NAME} characters")


def test_a_run_named_before_the_rule_still_reads_and_can_be_renamed():
    run = make_run("20261130-090000-lora-old", {"name": "Lotse"}, max_steps=2)
    run.config_file.write_text(json.dumps({**run.read_config(), "name": "Lotse\nalt"}), encoding="utf-8")
    assert run.config().name == "Lotse\nalt"  # it resumes and evaluates as before; nothing else changed
    assert rename(run.id, "Lotse alt").new == "Lotse alt"
    assert json.loads(run.config_file.read_text())["name"] == "Lotse alt"


def test_the_train_pages_run_name_box_is_refused_in_the_same_words_and_nothing_starts(tiny_model_dir):
    rows = [
        {"messages": [{"role": "user", "content": f"Tide {i}?"}, {"role": "assistant", "content": f"At {i}."}]}
        for i in range(12)
    ]
    workspace.save_split("tides", rows[:10], rows[10:])
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at = at.run().switch_page("pages/4_Train.py").run()
    assert any(b.key == "train_start" for b in at.button)
    # A tab (pasted from a spreadsheet): too long a name no longer gets in, the box stops at MAX_RUN_NAME
    # (test_leftovers_h224), as the browser does at its field's `max_chars`.
    at.text_input(key="train_name").set_value("pirate\tv2").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(e.startswith("A run's name is one line: this one has a line break") for e in errors), errors
    assert not any(b.key == "train_start" for b in at.button)
    assert runs.list_runs() == []
