"""What a newcomer trying the app cold read wrong (helper 57's walk: a CSV of questions with a system-prompt column,
then a JSONL of preference pairs, through Data, Tokens, Train, Compare, Evaluate and export): each test fails
without its fix.

- Tokens: a rejected answer's rendered text was highlighted green under "trained characters highlighted green",
  beside its own orange "pushed down" pills: it read as an answer the model learns to write.
- Tokens: the key above a plain chat row named "pushed down: a rejected or bad answer" and "padding", neither of
  which a chat row shows.
- Evaluate: "Max new tokens per answer" had no help, and a base answer cut at 64 tokens ("... used to measure")
  read as the model's own odd ending.
- Train: nothing said how many steps a run would take before it started (a first run has no measured speed, so no
  time either): 34 rows at batch size 8 for 1 epoch is 5 steps, found only in the progress bar once running.
- Data: the Format metric shared a row with the counts, at twice a count's width: a 1280 px window showed my CSV's
  format as "instruction and an…" (a metric never wraps).
- Evaluate: a DPO run on pairs was introduced as "Each held-out conversation's last answer is the reference", where
  its results below measure each pair's chosen answer, and its rejected one too.
- Batches: the whole-split table showed "work per trained token", what its heading asks about ("which batching
  wastes least"), eighth, past the right edge of a 1280 px window.
- Data: a CSV's system prompts in a column the guess did not name (`persona`) were only said "Not used: persona (map
  one under Field mapping above to use it)": the Question/Answer boxes had no box for them, and the full editor's
  `system` box was behind an expander headed "for other formats".
- Evaluate: "Measure what it cost" ("several minutes on a CPU") had no Stop, where the held-out evaluation has one;
  a measure stopped (its job cancelled) would have shown the part it got as the whole.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_token_view import read

PAGES = Path(__file__).resolve().parents[1] / "pages"
PREFERENCE = {
    "prompt": [{"role": "user", "content": "Best pet?"}],
    "chosen": [{"role": "assistant", "content": "Dogs, they are loyal."}],
    "rejected": [{"role": "assistant", "content": "Rocks."}],
}


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def tokens_page() -> AppTest:
    return AppTest.from_file(str(PAGES / "2_Tokens.py"), default_timeout=60)


def test_a_rejected_answers_rendered_text_is_drawn_pushed_down_not_trained(tokens_page):
    at = tokens_page
    run(at)
    at.text_area(key="tok_conversation").set_value(json.dumps(PREFERENCE))
    run(at)
    texts = [read(h.proto.body) for h in at.get("html") if 'class="ft-text"' in h.proto.body]
    assert len(texts) == 3  # the shared prompt, then the chosen answer's conversation and the rejected one's

    def marked(flow, klass: str) -> str:
        return "".join(c for c, _, classes in flow.chars if klass in classes)

    _, chosen, rejected = texts
    assert marked(chosen, "ft-on") == "Dogs, they are loyal.<|im_end|>" and not marked(chosen, "ft-down")
    assert marked(rejected, "ft-down") == "Rocks.<|im_end|>" and not marked(rejected, "ft-on")
    headings = [m.value for m in at.markdown if m.value.startswith("**Rendered text**")]
    assert headings == [
        "**Rendered text** (trained characters highlighted green and underlined)",
        "**Rendered text** (pushed-down characters highlighted orange with a dotted underline: made less likely, "
        "never learned)",
    ]


def test_pushed_down_text_is_readable_and_underlined_apart_from_trained_text():
    from tests.test_accessibility import STREAMLIT_TEXT, TEXT_AA, TOKEN_CSS, contrast

    down, on = TOKEN_CSS[".ft-text .ft-down"], TOKEN_CSS[".ft-text .ft-on"]
    assert contrast(STREAMLIT_TEXT, down["background"]) >= TEXT_AA
    assert "dotted" in down["border-bottom"] and "solid" in on["border-bottom"]  # told apart without colour
    assert down["background"] == TOKEN_CSS[".ft-pushed"]["background"]  # the pills' orange


def test_evaluates_answer_length_says_it_cuts_answers_and_not_the_losses(varied_dir, adapter_template):
    from tests.test_pages_evaluate_kept import TEST_ROWS, _run, max_new_box, open_page

    _run(varied_dir, adapter_template, TEST_ROWS)
    at = open_page(varied_dir)
    assert not at.exception, at.exception
    said = max_new_box(at).help or ""
    assert "mid-sentence" in said and "not the model" in said and "losses do not change" in said


def steps_said(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith("This run takes")]


def test_train_says_how_many_steps_a_run_takes_before_it_starts(tiny_model_dir):
    from ftlib import workspace
    from tests.test_pages_train import PREF_ROWS, SFT_ROWS, page

    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    # 10 rows at the default batch size 8, 1 epoch: a step of 8 and one of 2.
    assert steps_said(at) == [
        "This run takes 2 optimizer steps (1 epoch); one pass over the 10 training rows is 2 steps of up to 8 rows."
    ]
    at.number_input(key="train_epochs").set_value(3).run()
    at.number_input(key="train_batch_size").set_value(4).run()
    assert steps_said(at) == [
        "This run takes 9 optimizer steps (3 epochs); one pass over the 10 training rows is 3 steps of up to 4 rows."
    ]
    at.number_input(key="train_max_steps").set_value(4).run()
    assert steps_said(at) == [
        "This run takes 4 optimizer steps (**Max steps**); one pass over the 10 training rows is 3 steps of up to "
        "4 rows."
    ]
    workspace.save_split("pairs", PREF_ROWS[:5], PREF_ROWS[5:], {"format": "preference"})
    at.session_state["active_split"] = "pairs"
    at.run()
    at.radio(key="train_method").set_value("dpo").run()
    assert not at.exception, at.exception
    assert steps_said(at) and "one pass over the 5 training pairs is" in steps_said(at)[0]


def test_the_data_pages_format_has_a_row_of_its_own_so_its_words_are_not_cut(monkeypatch):
    from tests.test_pages_data import FIXTURES, data_page, with_path

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(FIXTURES))  # the local-path box reads only allowed folders
    at = with_path(data_page(), FIXTURES / "qa.csv")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Format"] == "instruction and answer" and metrics["Valid rows"] != ""
    in_columns = [m.label for column in at.columns for m in column.metric]
    assert "Rows read" in in_columns and "Format" not in in_columns


def test_evaluate_says_a_pairs_reference_is_its_chosen_answer(varied_dir, adapter_template):
    from ftlib import workspace
    from ftlib.testing import make_run
    from tests.test_pages_evaluate_kept import open_page
    from tests.test_pages_train import PREF_ROWS

    workspace.save_split("pairs", PREF_ROWS[:3], PREF_ROWS[3:], {"format": "preference"})
    config = {"model": str(varied_dir), "dataset": "pairs", "template": "tokenizer", "method": "dpo"}
    make_run("20260101-000000-dpo-pairs", config, adapter=adapter_template)
    at = open_page(varied_dir)
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Each held-out pair's chosen answer is the reference") for c in captions), captions
    assert not any("conversation's last answer" in c for c in captions)


def test_batches_whole_split_table_shows_what_it_asks_about_beside_the_strategy():
    from ftlib import workspace
    from tests.test_pages_batches import run_page, sft_rows

    workspace.save_split("chats-newcomer", sft_rows(12), sft_rows(2))
    at = run_page()
    assert not at.exception, at.exception
    table = next(d for d in at.dataframe if "work per trained token" in d.value.columns)
    order = list(table.proto.column_order)
    assert order[:3] == ["strategy", "work per trained token", "padding share (%)"]
    assert sorted(order) == sorted(table.value.columns)  # every column still shown


def test_a_tables_system_prompt_column_has_a_box_beside_question_and_answer(tmp_path, monkeypatch):
    from tests.test_pages_data import data_page, texts, with_path

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    table = tmp_path / "odd_names.csv"
    table.write_text(
        "persona,user_question,bot_reply\n"
        + "".join(f"You are a terse librarian.,Question {i}?,Answer {i}. Happy reading!\n" for i in range(6)),
        encoding="utf-8",
    )
    at = with_path(data_page(), table)
    at.selectbox(key="data_pair_question").set_value("user_question").run()
    at.selectbox(key="data_pair_answer").set_value("bot_reply").run()
    assert "Not used: persona" in texts(at) and "You are a terse librarian." not in texts(at)
    system = at.selectbox(key="data_pair_system")
    assert system.label == "System prompt column (optional)" and "never trained" in system.help
    system.set_value("persona").run()
    assert not at.exception, at.exception
    assert "Not used: persona" not in texts(at) and "You are a terse librarian." in texts(at)
    assert at.selectbox(key="data_map_system").value == "persona"  # the full editor's box follows


def _cost_script():
    import streamlit as st

    from ui.evaluate_view import cost_section

    cost_section(lambda: None, "tuned", "tokenizer", "run-a")
    st.session_state["cost_drawn"] = True


def test_what_it_cost_can_be_stopped_and_a_stopped_measure_shows_nothing_of_its_part():
    import time

    from ftlib.jobs import BackgroundJob
    from ui.evaluate_view import COST_KEY

    class Measuring(BackgroundJob):
        """A measure that has a part of its result and runs until stopped."""

        def __init__(self):
            super().__init__("measuring what fine-tuning cost")
            self.message, self.fraction, self.result = "Scoring everyday questions", 0.3, None

        def work(self):
            self.result = "a part"  # drawn as a TuningCost, it would fail the page: it must not be drawn
            while not self.cancelled:
                time.sleep(0.01)

    job = Measuring().start()
    at = AppTest.from_function(_cost_script, default_timeout=30)
    at.session_state[COST_KEY] = ("run-a", job)
    run(at)
    stop = next(b for b in at.button if b.key == "evaluate_cost_stop")
    assert stop.label == "Stop measuring"
    stop.click()
    run(at)
    assert job.cancelled and job.wait(timeout=10)
    run(at)
    assert [w.value for w in at.warning] == [
        "Stopped before the end: nothing is shown, since a part of the measure would mislead. Press **Measure what "
        "it cost** to measure again."
    ]
    assert not any(b.key == "evaluate_cost_stop" for b in at.button)


def test_the_tokens_key_names_only_what_the_row_can_show(tokens_page):
    def legend(at: AppTest) -> str:
        return next(h.proto.body for h in at.get("html") if "ft-legend" in h.proto.body)

    at = run(tokens_page)  # a typed chat by default
    assert "trained (solid bar" in legend(at) and "cut by the max length" in legend(at)
    assert "pushed down" not in legend(at) and "padding (striped)" not in legend(at)
    at.text_area(key="tok_conversation").set_value(json.dumps(PREFERENCE))
    run(at)
    assert "pushed down (dotted bar under it): a rejected or bad answer" in legend(at)
    assert "padding (striped)" not in legend(at)
