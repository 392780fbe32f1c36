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
