"""Helper 271's leftovers on Compare, Batches and the Train form.

Compare's decoding settings outlive a reload, as its Seed and Max new tokens do (`ui.kept.ACROSS_SESSIONS`): a
refresh brought the seed and length kept back beside greedy, balanced and creative and the custom column off, whatever
had been picked."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.config import default_learning_rate
from tests.test_compare_thinking_kept import ROOT, open_compare

SLIDERS = {"custom_t": 0.45, "custom_k": 40, "custom_p": 0.8, "custom_min_p": 0.05, "custom_penalty": 1.3}


def test_a_new_session_starts_from_the_presets_and_custom_setting_last_chosen(varied_dir):
    first = open_compare(varied_dir)
    assert first.multiselect(key="compare_presets").value == ["greedy", "balanced", "creative"]
    first.multiselect(key="compare_presets").set_value(["creative"]).run()
    first.checkbox(key="compare_custom").check().run()
    for key, value in SLIDERS.items():
        first.slider(key=key).set_value(value).run()
    assert not first.exception, first.exception

    reloaded = open_compare(varied_dir)  # nothing of the first session's state: only what the workspace recorded
    assert reloaded.multiselect(key="compare_presets").value == ["creative"]
    assert reloaded.checkbox(key="compare_custom").value is True
    assert {key: reloaded.slider(key=key).value for key in SLIDERS} == SLIDERS

    reloaded.multiselect(key="compare_presets").set_value(["greedy", "balanced"]).run()  # the last change wins
    assert open_compare(varied_dir).multiselect(key="compare_presets").value == ["greedy", "balanced"]


def test_a_recorded_slider_value_past_the_sliders_range_is_not_put_back(varied_dir):
    """A record from a server whose sliders went further (or one edited by hand) leaves the slider at its default:
    put back as it is, a temperature of 5 past the slider's 2 stops the page with an exception."""
    workspace.remember_choice("custom_t", 5.0)
    workspace.remember_choice("custom_k", 12.5)  # not a whole number: the top-k slider takes none
    workspace.remember_choice("custom_p", 0.7)
    at = open_compare(varied_dir)
    assert (at.slider(key="custom_t").value, at.slider(key="custom_k").value) == (0.9, 0)
    assert at.slider(key="custom_p").value == 0.7


def column_helps(at) -> dict[str, str]:
    """Each column's help in the Batches page's whole-split table (its column config, as the browser gets it)."""
    import json

    (table,) = [d for d in at.dataframe if "only read" in d.proto.columns]
    return {name: c.get("help", "") for name, c in json.loads(table.proto.columns).items()}


def test_batches_says_what_raw_texts_read_untrained_in_the_tables_and_metrics_help():
    """On raw text the whole-split table's "only read" column said in its help "(prompts, system text, earlier turns)"
    and "Work per trained token" (the column and each grid's metric) said the same, of rows that have none of them."""
    from tests.test_cold_walk_h262 import TEXTS
    from tests.test_pages_batches import run_page

    workspace.save_split("texts-h271", TEXTS, TEXTS[:1])
    at = run_page()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    helps = column_helps(at)
    work = [m.help for m in at.metric if m.label == "Work per trained token"]
    assert work and helps["read, not trained (%)"] and helps["work per trained token"], (helps, work)
    for said in [helps["read, not trained (%)"], helps["work per trained token"], *work]:
        assert "each text's first token, which no earlier token predicts" in said, said
        assert "prompts" not in said and "earlier turns" not in said, said


def test_batches_says_prompts_in_the_tables_help_on_conversations():
    from tests.test_pages_batches import run_page, sft_rows

    workspace.save_split("chats-h271", sft_rows(12), sft_rows(2), {"format": "messages"})
    at = run_page()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert "(prompts, system text, earlier turns)" in column_helps(at)["read, not trained (%)"]


def test_a_box_hidden_after_start_from_the_defaults_is_drawn_afresh_when_it_shows_again(tiny_model_dir):
    """ "Start from the defaults" marks the boxes it drops, to put their defaults into the browser on the next draw
    (`ui.form.DEFAULTED`). A box not drawn on that run (full fine-tuning's learning rate, once the defaults chose LoRA)
    kept its mark; shown again later, as a box new to the browser, it was drawn on Streamlit's own default (0) with
    its value sent after it, which a browser paints first (a refresh showed Max steps 0 that way)."""
    from ftlib.testing import make_run
    from tests.test_pages_train import APP, SFT_ROWS

    workspace.save_split("numbers-h271", SFT_ROWS[:10], SFT_ROWS[10:])
    make_run("20990101-000000-full-h271", {"model": str(tiny_model_dir), "dataset": "numbers-h271", "method": "full"})
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at.session_state["active_split"] = "numbers-h271"
    at.run().switch_page("pages/4_Train.py").run()
    assert at.radio(key="train_method").value == "full"
    full_rate = "train_learning_rate_full_full"
    assert full_rate in [n.key for n in at.number_input]
    at.button(key="train_form_defaults").click().run()
    assert at.radio(key="train_method").value == "lora"  # full's learning rate is not drawn on this run

    at.radio(key="train_method").set_value("full").run()
    assert not at.exception, at.exception
    box = at.number_input(key=full_rate)
    assert box.value == default_learning_rate("full", "full")
    assert box.proto.default == box.value, box.proto.default  # drawn on its own value, not on 0


def test_a_kept_choice_no_longer_offered_is_said_with_what_is_used_instead(varied_dir):
    """`ui.kept.restore` left out a kept value the box no longer offers (a run deleted, a length past the slider's
    end) without a word: the box simply showed something else. Now one line under the box says so."""
    workspace.remember_choice("compare_max_new", 1000)  # a new session's record, from a server whose slider went on
    workspace.remember_choice("custom_t", 5.0)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(varied_dir)
    at.session_state["kept_widgets"] = {"view_model": "20990101-000000-lora-deleted"}  # kept, then deleted
    at.run().switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    infos = [i.value for i in at.info]
    for said in (
        "Max new tokens: 1000, chosen earlier, is no longer offered; 96 is used instead.",
        "Temperature: 5.0, chosen earlier, is no longer offered; 0.9 is used instead.",
        "Model: 20990101-000000-lora-deleted, chosen earlier, is no longer offered; base is used instead.",
    ):
        assert said in infos, infos
    at.run()  # said once: the box now holds what it shows
    assert not [i for i in at.info if "no longer offered" in i.value]
