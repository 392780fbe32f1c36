"""Helper 255's cold walk, its Data and Train findings (fixed by helper 261), each seen first in Chromium at 1280 px:

1. "Use the ChatML + tools (Hermes) template", clicked for a tool-calling file, carried over to the Alpaca, DPO and
   raw-text runs after it with only a caption saying the settings start from the last run.
2. The raw-text length warning ("1 row (7.1%) would be truncated at 384 tokens (longest: 651): item 6.") named no fix.
3. The Data page warned against its own default: a 14-row file held out 4 by default (a quarter at most) and was told
   "Only 4 held-out rows ... Keep at least 5 held out."
4. After "Make active" on another saved split, the page kept warning "<name> is already a saved split ... tick
   Replace it" of the file it had just saved, while the sidebar named the other split.
5. An Alpaca Parquet's "Which columns hold what" showed instruction and output, not `input`, which it reads.
6. Train: "Held-out loss (before traini..." was cut off in its tile, and a finished run's "Training loss 0.3342"
   (a mean) sat beside the picker's "last step's loss 0.1106" with nothing on screen saying which is which."""

from __future__ import annotations

import json
import math

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.overfitting import smoothed_loss
from ftlib.splits import TINY_TEST_ROWS, count_test_rows, default_test_ratio, rows_to_hold_out_enough, split_warnings
from ftlib.testing import make_run
from tests.test_pages_data import data_page, with_path
from tests.test_pages_train_tool_template_h254 import APP, ROW
from tests.test_train_numbers import _steps


def _chat(n: int) -> dict:
    question = {"role": "user", "content": f"Which coast is Harbour {n} on?"}
    return {"messages": [question, {"role": "assistant", "content": "West."}]}


CHATS = [_chat(n) for n in range(4)]


@pytest.fixture
def _allowed(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))


def _held_out(warnings: list[str]) -> list[str]:
    return [w for w in warnings if "held-out" in w.split(".")[0]]


# -- 1. a tool template carried over to a split without tools ----------------------------------------------------


def test_a_tool_template_kept_for_a_split_without_tools_is_said_beside_the_box_with_the_models_own(tiny_model_dir):
    workspace.save_split("tools", [ROW, ROW], [ROW])
    workspace.save_split("coasts", CHATS, CHATS[:1])
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at.session_state["active_split"] = "tools"
    at = at.run().switch_page("pages/4_Train.py").run()
    at = at.button(key="train_use_hermes").click().run()
    assert at.selectbox(key="train_template").value == "hermes"

    def said(at):
        return [c.value for c in at.caption if "is for conversations with tool calls" in c.value]

    assert not said(at) and not [b for b in at.button if b.key == "train_use_own_template"]  # right for tool rows
    at.session_state["active_split"] = "coasts"  # Make active on the Data page, or the sidebar
    at = at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="train_template").value == "hermes"  # the choice stays the user's: said, not undone
    [words] = said(at)
    assert "**ChatML + tools (Hermes)**" in words and "no row of this split has a tool call" in words, words
    assert "the model's own template is the usual choice" in words
    at = at.button(key="train_use_own_template").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="train_template").value == "tokenizer"
    assert not said(at) and at.session_state["shared_choices"]["template"][0] == "tokenizer"  # Tokens too


# -- 2. the raw-text length warning names its fix ------------------------------------------------------------------


def test_a_raw_text_length_warning_names_packing_with_bfd_split_or_a_longer_max_length(tmp_path, _allowed):
    texts = [{"text": "Tide tables list high and low water."}, {"text": " ".join(["The ebb runs west."] * 200)}]
    path = tmp_path / "notes.json"
    path.write_text(json.dumps(texts))
    at = with_path(data_page(), path)
    [said] = [w.value for w in at.warning if "would be truncated at" in w.value]
    assert said.startswith("1 row (50.0%) would be truncated at 384 tokens"), said
    assert "**Packing**" in said and "**Rows longer than max length** to `bfd_split`" in said, said
    assert "raise the max length" in said


# -- 3. the default held-out share and the too-few-held-out warning agree ------------------------------------------


@pytest.mark.parametrize("n", range(6, 41))
def test_the_default_split_is_never_told_to_hold_out_more_than_it_does(n):
    test = count_test_rows(n, default_test_ratio(n))
    said = _held_out(split_warnings(n - test, test))
    if n < rows_to_hold_out_enough():  # the default holds out fewer than 5: the fix is more rows
        assert test < TINY_TEST_ROWS and len(said) == 1, (n, said)
        assert "Add rows" in said[0] and f"Keep at least {TINY_TEST_ROWS}" not in said[0], said
    else:  # it holds out 5 or more: nothing to say
        assert test >= TINY_TEST_ROWS and not said, (n, said)


def test_the_bounds_of_the_default_and_a_test_size_asked_below_it():
    assert rows_to_hold_out_enough() == 17  # 16 rows hold out a quarter, 4; 17 hold out 5 (ceil 4.25)
    assert math.ceil(16 * default_test_ratio(16)) == 4 and math.ceil(17 * default_test_ratio(17)) == 5
    [small] = _held_out(split_warnings(12, 4))
    assert small.endswith("(holding out 5 of these 16 would leave 11 rows to train on)."), small
    [asked] = _held_out(split_warnings(13, 4))  # 17 rows, 4 asked for where the default holds out 5
    assert asked.endswith("Keep at least 5 held out."), asked
    [tiny] = _held_out(split_warnings(4, 1))  # 5 rows in all: none left to train on with 5 held out
    assert tiny.endswith("need more than 5 in all."), tiny


def test_the_data_page_does_not_warn_against_its_own_default_for_a_14_row_file(tmp_path, _allowed):
    path = tmp_path / "coasts.jsonl"
    path.write_text("".join(json.dumps(_chat(n)) + "\n" for n in range(14)))
    at = with_path(data_page(), path)
    [said] = [w.value for w in at.warning if w.value.startswith("Only 4 held-out rows")]
    assert "Keep at least" not in said and "Add rows: from 17 rows on" in said, said


# -- 4. Make active on another split: the file saved above is not warned of --------------------------------------


def test_after_make_active_on_another_split_the_file_saved_is_said_as_saved_not_warned_of(tmp_path, _allowed):
    path = tmp_path / "coasts.jsonl"
    path.write_text("".join(json.dumps(_chat(n)) + "\n" for n in range(8)))
    at = with_path(data_page(), path)
    at = at.button(key="split_save").click().run()
    assert not at.exception, at.exception
    workspace.save_split("tides", CHATS, CHATS[:1])
    at = at.run()
    at.selectbox(key="split_pick").set_value("tides").run()
    at = at.button(key="split_activate").click().run()
    assert not at.exception, at.exception
    assert not [w.value for w in at.warning if "is already" in w.value], [w.value for w in at.warning]
    [said] = [c.value for c in at.caption if c.value.startswith("This file is saved as `coasts`")]
    assert "**tides**, the active split" in said and "tick **Replace it**" in said, said
    assert at.button(key="split_save").disabled  # replacing it still takes the tick
    # A name taken by a split of another file is still warned of.
    at.text_input(key="split_name").input("tides").run()
    assert [w.value for w in at.warning if w.value.startswith("`tides` is already the active dataset")]


# -- 5. an Alpaca table's input column --------------------------------------------------------------------------


def test_an_alpaca_parquets_input_column_has_its_box_beside_instruction_and_output(tmp_path, _allowed):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [
        {"instruction": "Summarise the notice.", "input": "The ferry leaves at nine.", "output": "Ferry at nine."},
        {"instruction": "Name a tide.", "input": "", "output": "The spring tide."},
    ] * 3
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "alpaca.parquet")
    at = with_path(data_page(), tmp_path / "alpaca.parquet")
    assert at.selectbox(key="data_pair_question").value == "instruction"
    box = at.selectbox(key="data_pair_input")
    assert box.value == "input" and box.label == "Input column (optional)"
    assert at.selectbox(key="data_pair_answer").value == "output"
    (tmp_path / "pc.jsonl").write_text(json.dumps({"prompt": "Tide?", "completion": "High at six."}) + "\n")
    at = with_path(data_page(), tmp_path / "pc.jsonl")
    assert not [b for b in at.selectbox if b.key == "data_pair_input"]  # prompt/completion rows read no input


# -- 6. Train's tiles read as what they are -----------------------------------------------------------------------


def test_a_held_out_loss_before_training_fits_its_tile_and_a_mean_loss_says_so_beside_the_last_steps(tiny_model_dir):
    from tests.test_pages_train import page

    before = _steps([3.0, 2.8, 2.5])
    before[-1]["step"] = 0  # the only evaluation so far: the starting model's
    make_run("r-before", {"model": str(tiny_model_dir)}, max_steps=12, metrics=before)
    at = page(tiny_model_dir)
    [tile] = [m for m in at.metric if m.label.startswith("Held-out loss")]
    # "Held-out loss (before training)" was cut off at 1280 px; "(kept, step 2)" fits, and so does this
    assert tile.label == "Held-out loss (at start)" and len(tile.label) <= len("Held-out loss (kept, step 2)")
    assert "(step 0, before training)" in tile.proto.help
    losses = [2.0 - 0.1 * n for n in range(11)] + [0.1106]
    make_run("r-done", {"model": str(tiny_model_dir)}, max_steps=12, metrics=_steps(losses))
    at.session_state["train_selected"] = "r-done"
    at = at.run()
    mean, count = smoothed_loss(_steps(losses))
    shown = {m.label: m.value for m in at.metric}
    assert shown["Training loss"] == f"{mean:.4f}" != "0.1106" and count > 1, shown
    said = f"Mean of the last {count} steps · last step's loss 0.1106"  # the run picker's words for the second
    assert [c.value for c in at.caption if c.value == said], [c.value for c in at.caption]


def test_a_tool_template_kept_for_a_raw_text_split_says_no_chat_template_writes_its_rows(tiny_model_dir):
    workspace.save_split("notes", [{"text": f"Log {n}: wind south-west."} for n in range(4)], [{"text": "Calm."}])
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at.session_state["active_split"] = "notes"
    at.session_state["train_template"] = "hermes"  # as kept from the tool-calling run the settings start from
    at = at.run().switch_page("pages/4_Train.py").run()
    assert not at.exception, at.exception
    [words] = [c.value for c in at.caption if "is for conversations with tool calls" in c.value]
    assert "this split's rows are raw text, read as written: no chat template writes them" in words, words
    assert at.button(key="train_use_own_template")
