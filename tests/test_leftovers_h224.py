"""Helper 224's leftovers: one width rule for the CLI's tables (the tokens table's text column too); the Run name
boxes' limit from the engine."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.cli import main
from ftlib.config_checks import MAX_RUN_NAME
from ftlib.term_width import width
from ftlib.testing import make_run

# Each text's columns on a terminal: a skin-tone modifier colours the emoji before it (0 columns), but alone (a token
# of its own, quoted) a terminal draws its swatch, two columns wide; a variation selector alone draws nothing.
WIDTHS = [
    ("emoji_with_tone", "👍🏽", 2),
    ("tone_alone", "🏽", 2),
    ("tone_quoted", '"🏽"', 4),
    ("tone_after_a_letter", "a🏽", 3),
    ("heart_made_emoji", "❤️", 1),
    ("selector_quoted", '"\ufe0f"', 2),
]


def test_term_width_counts_a_skin_tone_modifier_alone_as_its_swatch():
    for case, text, columns in WIDTHS:
        assert width(text) == columns, (case, width(text))


def test_the_tokens_table_pads_and_cuts_its_text_column_by_the_clis_one_width_rule(tmp_path, capsys):
    """`tokens`' table kept a rule of its own (a variation selector one column, no ellipsis on a cut token): its reason
    column started one column further right after a token holding U+FE0F alone, and a token of 80 '#' was cut to
    24 characters with nothing saying so."""
    path = tmp_path / "wide.jsonl"
    row = {"messages": [{"role": "user", "content": "❤️ 👍🏽 价"}, {"role": "assistant", "content": "#" * 80}]}
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["tokens", str(path), "--row", "0", "--template", "chatml"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line[:4].strip().isdigit()]
    assert any('"\ufe0f"' in line for line in rows) and any('"🏽"' in line for line in rows)
    # Every reason starts in one terminal column, by term_width's rule (the runs list's and data files' too).
    starts = {width(line[: line.index(" user prompt")]) for line in rows if " user prompt" in line}
    starts |= {width(line[: line.index(" assistant reply")]) for line in rows if " assistant reply" in line}
    assert len(starts) == 1, starts
    (cut,) = [line for line in rows if '"####' in line]
    assert '"' + "#" * 22 + "… assistant reply" in cut, cut


APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_the_run_name_boxes_stop_at_the_run_name_rules_limit(tiny_model_dir):
    """The Train form's Run name box took any length and refused past `MAX_RUN_NAME` only after the text was in; its
    limit is the engine's (the field's `max_chars`, config_checks' constant), as the Rename… box's is."""
    rows = [{"messages": [{"role": "user", "content": "Tide?"}, {"role": "assistant", "content": "Low."}]}]
    workspace.save_split("tides", rows * 10, rows * 2)  # a split chosen: the New run form is drawn
    make_run("r-named", {"model": str(tiny_model_dir), "dataset": "tides", "name": "pirate v2"})
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at.run().switch_page("pages/4_Train.py").run()
    at.session_state["train_selected"] = "r-named"
    at.run()
    assert at.text_input(key="train_name").max_chars == MAX_RUN_NAME
    at.button(key="rename_ask_r-named").click().run()
    assert not at.exception, at.exception
    assert at.text_input(key="rename_to_r-named").max_chars == MAX_RUN_NAME


def test_the_stop_question_names_a_teammates_run_as_the_picker_does(tiny_model_dir, monkeypatch):
    """Two of Ana's runs named alike, on one split, queued the same minute: the picker tells them apart as "#1" and
    "#2"; the question before Bob stops one said the label alone, so which of the two it meant was not said."""
    import time

    import ui.auth
    from ftlib import run_people
    from tests.test_pages_train import SFT_ROWS
    from tests.test_run_people import AUTH

    monkeypatch.setattr(ui.auth, "_authlib_installed", lambda: True)  # as tests/test_run_people.py signs in
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    config = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10, "name": "ana pirate run"}
    created = time.time()
    # The first trains (no pid, just started: the queue counts it as running), so the second stays queued.
    make_run("r-first", config, state="running", started=created, created=created, max_steps=10, device="cpu")
    run = make_run("r-second", config, state="queued", queued_at=time.time_ns(), created=created, device="cpu")
    for folder in ("r-first", "r-second"):
        run_people.record(workspace.runs_dir() / folder, "start", run_people.Who(name="Ana", email="ana@example.com"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "name": "Bob Stone", "email": "bob@example.com"}
    at.session_state["active_model"] = str(tiny_model_dir)
    at.run().switch_page("pages/4_Train.py").run()
    at.session_state["train_selected"] = "r-second"
    at.run()
    picked = next(s for s in at.selectbox if s.label == "Run")
    assert picked.value == "r-second" and " #2" in picked.format_func("r-second"), picked.format_func("r-second")
    at.button(key="stop_r-second").click().run()
    assert not at.exception, at.exception
    (asked,) = [w.value for w in at.warning if w.value.startswith("Stop ana@example.com's run")]
    label = picked.format_func("r-second").split(" ", 1)[1]  # the picker's text less its state icon
    assert f"`{label}`" in asked, (asked, label)
    assert run.read_status()["state"] == "queued"


def test_the_nproc_help_and_the_cpu_warning_say_the_same_measured_speeds():
    """The nproc field's help said "0.5-1.13x on 2 cores" in words of its own while the warning before a launch said
    the constant's range (0.91-1.13x for LoRA SFT) and 0.5x for the others; both read the config layer's constants."""
    from ftlib.config import RunConfig
    from ftlib.distributed import cpu_process_warnings
    from ftlib.fields import specs_of
    from ftlib.process_settings import LORA_SFT_TWO_PROCESSES_ON_CPU, OTHER_METHODS_TWO_PROCESSES_ON_CPU

    said = specs_of(RunConfig)["nproc"].help
    (warned,) = cpu_process_warnings(RunConfig(nproc=2), gpus=0)
    for speed in (LORA_SFT_TWO_PROCESSES_ON_CPU, OTHER_METHODS_TWO_PROCESSES_ON_CPU):
        assert speed in said and speed in warned, (speed, said, warned)


def test_the_rename_box_of_a_run_named_before_the_rule_holds_its_whole_name_and_a_rename_says_why(tiny_model_dir):
    """A run named before names were checked (147 characters) opened Rename… with the box at 147/100: the browser
    took no key (each Backspace left it over the limit) and the Rename button cut the name at 100 characters with
    nothing said (Streamlit's max_chars cuts the value it is given). The box now holds the whole name and stops at
    it, so it can be shortened there; a name still too long is refused in the rule's words."""
    import json

    from ftlib.run_rename import MAX_NAME

    run = make_run("r-old", {"model": str(tiny_model_dir), "dataset": "chat_style", "name": "x"}, max_steps=2)
    long_name = "Lotsenfahrt " * 12 + "end"
    run.config_file.write_text(json.dumps({**run.read_config(), "name": long_name}), encoding="utf-8")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at.run().switch_page("pages/4_Train.py").run()
    at.session_state["train_selected"] = "r-old"
    at.run()
    at.button(key="rename_ask_r-old").click().run()
    box = at.text_input(key="rename_to_r-old")
    assert box.value == long_name and box.max_chars >= len(long_name) > MAX_NAME, (box.value, box.max_chars)
    at.button(key="rename_r-old").click().run()
    assert not at.exception, at.exception
    assert run.config().name == long_name  # not cut at 100 characters
    errors = [e.value for e in at.error]
    assert any(f"at most {MAX_NAME} characters (this one has {len(long_name)})" in e for e in errors), errors
    at.text_input(key="rename_to_r-old").set_value("Lotsenfahrt end").run()
    at.button(key="rename_r-old").click().run()
    assert run.config().name == "Lotsenfahrt end"
