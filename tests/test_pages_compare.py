"""AppTest for the Compare and Evaluate pages on a tiny model with a random LoRA adapter in a finished run.

The grid's cells must hold exactly what the engine generates (checked against `ftlib.sampling.generate`), the
next-token table must follow the sliders, and the Evaluate page must show aggregates, the table and a CSV.
"""

from __future__ import annotations

import html
import json
import re
import textwrap
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import modelset as M
from ftlib import next_token as N
from ftlib import sampling as S
from ftlib import workspace
from ftlib.answer_notes import both_said, repeats_itself
from ftlib.testing import make_run
from ui import chart_data
from ui.compare_view import REPEATS, card_html, token_html

ROOT = Path(__file__).resolve().parents[1]
TEST_ROWS = [
    {"messages": [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."}]},
    {
        "messages": [
            {"role": "user", "content": "Count to three."},
            {"role": "assistant", "content": "One, two, three."},
        ]
    },
    {"messages": [{"role": "user", "content": "Say yes."}, {"role": "assistant", "content": "Yes!"}]},
]


# The seeds of this module's `varied_dir` and `adapter_template` (tests/conftest.py), kept from when it built its own.
VARIED_SEED = 2
ADAPTER_SEED = 9


@pytest.fixture(autouse=True)
def no_measured_rate():
    """Each test starts on a server whose grids have measured no speed (ftlib.decode_rate keeps it per process)."""
    from ftlib import decode_rate

    decode_rate.forget()
    yield
    decode_rate.forget()


@pytest.fixture
def finished_run(varied_dir, adapter_template):
    """A finished run in this test's workspace, laid out like ftlib.runs writes it, with a saved split."""
    workspace.save_split("colours", TEST_ROWS[:1], TEST_ROWS, {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "colours", "template": "tokenizer", "method": "lora"}
    return make_run("20260101-000000-lora-colours", config, adapter=adapter_template).path


def open_page(page: str, model: Path) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(model)
    at.run()
    return at.switch_page(page).run()


def button(at, label):
    return next(b for b in at.button if b.label == label)


def run_until_done(at: AppTest, key: str) -> AppTest:
    """Wait for the page's background job, then run the page again: what its polling fragment does by itself in
    a browser (AppTest does not run fragments on their timer)."""
    assert at.session_state[key].wait(timeout=300)
    return at.run()


# The answers' length of the grids these tests generate, where the page starts at 96 (its GRID_TOKENS): what they
# check (cells hold the engine's tokens, notes, layout, waiting, the grid's measured speed) holds at any length, and a
# grid of 6 answers of the tiny model (49k-token vocabulary) costs ~3.5 s of CPU at 96 tokens, ~0.9 s at 24.
GRID_TOKENS = 24


def generate(at: AppTest, max_new: int = GRID_TOKENS) -> AppTest:
    """Set "Max new tokens" to `max_new`, press Generate (one page run for both) and wait for the grid."""
    at.slider(key="compare_max_new").set_value(max_new)
    button(at, "Generate").click()
    return run_until_done(at.run(), "compare_job")


# The answers' length of the evaluations these tests run, where the page starts at 64: what they check (the page shows
# the engine's losses and answers, notes, the heatmap) holds at any length; 3 rows x 2 models at 64 tokens ~0.6 s of
# CPU, at 16 ~0.2 s.
EVAL_TOKENS = 16


def evaluate(at: AppTest, run_name: str, max_new: int = EVAL_TOKENS) -> AppTest:
    """Set run `run_name`'s "Max new tokens per answer" to `max_new`, press Evaluate and wait for the result."""
    at.slider(key=f"evaluate_max_new_{run_name}").set_value(max_new)
    button(at, "Evaluate").click()
    return run_until_done(at.run(), "evaluate_job")


def cell_texts(at) -> list[str]:
    """The visible text of each grid cell (tags stripped, entities decoded)."""
    bodies = [h.proto.body for h in at.get("html") if 'class="ftgen"' in h.proto.body]
    # The end markers and each token's hover card (which holds no span of its own) are not the cell's text.
    drop = r"<span class=\"(?:end|card)\"[^>]*>.*?</span>|<[^>]+>"
    # A line break is drawn as ↵ before it (ui.compare_view.answer_html): the text is the model's, without the mark.
    return [html.unescape(re.sub(drop, "", b)).replace("↵\n", "\n") for b in bodies]


def test_compare_grid_streams_engine_outputs(finished_run, varied_dir):
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not at.exception, at.exception
    runs_select = next(m for m in at.multiselect if m.label == "Fine-tuned models")
    assert runs_select.value == [finished_run.name]
    at.number_input[0].set_value(7)  # the seed
    generate(at)
    assert not at.exception, at.exception
    texts = cell_texts(at)
    assert len(texts) == 2 * 3  # base and the run x greedy, balanced, creative

    # The same grid straight from the engine: model-major rows, settings in column order.
    ms = M.load_model_set(str(varied_dir), [finished_run])
    _, ids = S.render_prompt(ms.tokenizer, "Name a colour.")  # the split's first question
    settings = [S.PRESETS[n] for n in ("greedy", "balanced", "creative")]
    expected = S.generate(
        ms.model,
        ms.tokenizer,
        S.grid_rows(ids, settings, [None, finished_run.name]),
        max_new_tokens=GRID_TOKENS,
        seed=7,
    )
    assert texts == [r.text for r in expected]
    assert texts[0] != texts[3]  # base and tuned greedy differ: the adapter row really uses the adapter
    bodies = [h.proto.body for h in at.get("html") if 'class="ftgen"' in h.proto.body]
    # Probabilities and the top alternatives in a hover card (CSS), not the browser's plain tooltip.
    assert '<span class="card"><div class="head">model ' in bodies[0] and 'class="alt' in bodies[0]
    assert "title=" not in bodies[0]
    # A sampled column's card gives both: the model's own odds and the odds the token was drawn with under this
    # setting (the engine's sample_prob); the greedy column has no second number.
    heads = [re.findall(r'<div class="head">(.*?)</div>', body) for body in bodies]
    first = expected[1].tokens[0]
    assert heads[1][0] == f"model {N.percent(first.prob)} · under this setting {N.percent(first.sample_prob)}"
    assert all("under this setting" in h for h in heads[1]) and not any("under this setting" in h for h in heads[0])
    assert any(t.sample_prob > t.prob + 0.001 for r in expected[1:3] for t in r.tokens)  # the two numbers differ
    # What the numbers mean is said by the page's CSS under every card (sampled columns marked), not in each card.
    assert "data-sampled" in bodies[1] and "data-sampled" not in bodies[0] and "its own odds" not in bodies[0]
    css = next(h.proto.body for h in at.get("html") if ".card::after" in h.proto.body)
    assert "greedy takes the top one (after the repetition penalty" in css and "[data-sampled] .card::after" in css


def loop_tokens(pieces=("Bo", "il", " an", " egg", ":", "\n\n"), times: int = 16) -> list[S.TokenInfo]:
    """What the walk saw from the base model's greedy answer: "Boil an egg:" to the token limit, each token sure."""
    return [
        S.TokenInfo(id=100 + j, text=t, prob=0.97, sample_prob=1.0, alternatives=[(t, 0.97)])
        for _ in range(times)
        for j, t in enumerate(pieces)
    ]


# (id, tokens, finish, sampled column, the note expected under the cell or None)
LOOPS = [
    ("greedy loop", loop_tokens(), "length", False, REPEATS[False]),
    ("sampled loop", loop_tokens(), "length", True, REPEATS[True]),
    ("still streaming", loop_tokens(), "", False, None),  # judged once the answer is whole
    (
        "a loop that stopped",
        [*loop_tokens(times=3), S.TokenInfo(2, "", 0.9, 1.0, [], stop=True)],
        "stop",
        False,
        REPEATS[False],
    ),
    ("one repeat is not a loop", loop_tokens(times=2), "length", False, None),
    (
        "an answer that ends in a loop",  # the poem of the README's screenshot: varied lines, then one line looping
        [
            *loop_tokens(("The", " sea,", "\n", "A", " sky,", "\n", "Wide", " blue,", "\n"), 1),
            *loop_tokens(("A", " place", " of", " the", " sea,", "\n"), 3),
            *loop_tokens(("A", " place"), 1),
        ],
        "length",
        False,
        REPEATS[False],
    ),
    ("an ordinary answer", loop_tokens((" Ahoy!", " Boil", " it", " ten", " minutes."), 1), "stop", False, None),
    # The cold review's base model, greedy: blank lines, then one "word" to the token limit (no spaces, no sentences).
    (
        "a loop inside a word",
        [*loop_tokens(("\n",), 40), *loop_tokens(("less", "ness"), 60)],
        "length",
        False,
        REPEATS[False],
    ),
]


@pytest.mark.parametrize("tokens, finish, sampled, note", [c[1:] for c in LOOPS], ids=[c[0] for c in LOOPS])
def test_an_answer_that_repeats_itself_is_marked_in_its_cell(tokens, finish, sampled, note):
    body = token_html(tokens, finish, sampled=sampled)
    notes = re.findall(r'<span class="end" data-note="repeats">(.*?)</span>', body)
    assert notes == ([html.escape(note)] if note else [])
    assert body.count('class="tok"') == sum(not t.stop for t in tokens)  # the answer itself is all still drawn


def test_a_line_break_is_drawn_as_a_tinted_mark_and_a_blank_answer_says_what_it_holds_as_evaluate_says_it():
    """A cold review: a greedy cell of 40 newline tokens was a tall empty box, each token tinting nothing and marked
    nowhere; Evaluate said "(only whitespace: 64 newlines)" of the same kind of answer."""
    from ftlib.answer_notes import whitespace_said

    blank = token_html(loop_tokens(("\n",), 40), "length")
    assert blank.count('style="background:hsl(') == 40  # every newline token still drawn, with its card
    marks = re.findall(r'<span class="tok"[^>]*>(.*?)<span class="card">', blank, re.DOTALL)
    assert marks == ["↵\n"] * 40  # the mark is the span's own text: tinted, and there to hover
    assert re.findall(r'data-note="whitespace">(.*?)</span>', blank) == ["(only whitespace: 40 newlines)"]
    assert whitespace_said("\n" * 40) == "(only whitespace: 40 newlines)"  # Evaluate's words for its answers
    assert "data-note=" not in token_html(loop_tokens(("\n",), 40), "")  # still streaming: not judged yet
    stopped = token_html([S.TokenInfo(2, "", 0.9, 1.0, [], stop=True)], "stop")
    assert re.findall(r'data-note="whitespace">(.*?)</span>', stopped) == ["(nothing: it stopped at once)"]
    worded = token_html(loop_tokens(("Ahoy", "!\n", "Boil", " it."), 1), "stop")
    assert "data-note=" not in worded and '>!↵\n<span class="card">' in worded  # a line break in a worded answer


def test_the_grid_marks_the_cells_that_repeat_themselves(finished_run, varied_dir):
    at = open_page("pages/5_Compare.py", varied_dir)
    generate(at)
    job = at.session_state["compare_job"]
    # The tiny model's own answers, then two cells that loop as the walk's base model did (greedy, and sampled).
    job.tokens[0], job.tokens[4] = loop_tokens(), loop_tokens()
    at.run()
    assert not at.exception, at.exception
    bodies = [h.proto.body for h in at.get("html") if 'class="ftgen"' in h.proto.body]
    notes = [re.findall(r'data-note="repeats">(.*?)</span>', b) for b in bodies]
    loops = [repeats_itself("".join(t.text for t in toks)) for toks in job.snapshot()]
    assert loops[0] and loops[4]
    assert [bool(n) for n in notes] == loops
    assert notes[0] == [html.escape(REPEATS[False])] and notes[4] == [html.escape(REPEATS[True])]  # greedy, balanced


def test_next_token_table_follows_the_sliders(finished_run, varied_dir):
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not at.exception, at.exception
    table = at.dataframe[-1].value
    assert len(table) == 20 and table["kept by top-k"].all()
    # Temperature 1, no top-k, no top-p: the final distribution is the model's own.
    assert (table["final"] - table["model"]).abs().max() < 1e-6 and table["model"].is_monotonic_decreasing
    next(s for s in at.slider if s.label == "Top-k (0 = off)").set_value(5)
    at.run()
    table = at.dataframe[-1].value
    assert table["kept by top-k"].sum() == 5
    assert table["final"].sum() == pytest.approx(1.0, rel=1e-4)  # renormalized over the 5 kept tokens
    assert (table.loc[~table["kept by top-k"], "final"] == 0).all()
    at.slider(key="view_k").set_value(0)
    at.slider(key="view_min_p").set_value(0.3).run()  # min-p: only tokens near the most likely one stay
    table = at.dataframe[-1].value
    assert 1 <= table["kept by min-p"].sum() < 20 and (table.loc[~table["kept by min-p"], "final"] == 0).all()
    kept = table.loc[table["kept by min-p"], "model"]
    assert kept.min() >= 0.3 * table["model"].max() * (1 - 1e-4)
    assert "in the prompt (penalized)" not in table
    at.slider(key="view_min_p").set_value(0.0)
    # The penalty's column says which candidates the prompt has (none of this model's top 20 here: the engine's
    # test_next_token_view_applies_the_penalty_to_the_prompt_and_min_p_last checks the odds they lose).
    at.slider(key="view_penalty").set_value(2.0).run()
    table = at.dataframe[-1].value
    assert "in the prompt (penalized)" in table and not at.exception
    at.slider(key="view_penalty").set_value(1.0)
    next(s for s in at.slider if s.label == "Temperature" and s.key == "view_t").set_value(0.0)
    at.run()
    table = at.dataframe[-1].value
    assert list(table["final"]) == [1.0] + [0.0] * 19  # greedy: only the most likely token


def test_the_typed_prompt_starts_on_the_active_splits_first_question_and_keeps_what_was_typed(varied_dir):
    """A newcomer's walk: with a support dataset's split active, the prompt box asked for a poem about the sea. It
    starts on the split's first question as the test-row picker asks it (its train part's when it has no test rows);
    the sample stays where no split is active (and, kept then, gives way to a split made later), and what was typed
    is never replaced (a box left on one split's question follows a change of split)."""
    at = open_page("pages/5_Compare.py", varied_dir)  # no split saved
    assert not at.exception, at.exception
    assert at.text_area(key="compare_prompt").value == "Write a short poem about the sea."  # SAMPLE_PROMPT

    workspace.save_split("answers", TEST_ROWS[2:], [], {"format": "messages"})  # no test rows: its train part's
    at.session_state["active_split"] = "answers"
    at.run()
    assert at.text_area(key="compare_prompt").value == "Say yes."
    workspace.save_split("colours", TEST_ROWS[:1], TEST_ROWS[1:], {"format": "messages"})
    at = open_page("pages/5_Compare.py", varied_dir)  # a new session on the newest split: nothing typed was kept
    assert not at.exception, at.exception
    assert at.text_area(key="compare_prompt").value == "Count to three."  # the test part's first row
    at.session_state["active_split"] = "answers"  # untouched, the box follows another split (it kept the old one)
    at.run()
    assert at.text_area(key="compare_prompt").value == "Say yes."
    at.session_state["active_split"] = "colours"
    at.run()
    assert at.text_area(key="compare_prompt").value == "Count to three."

    at.text_area(key="compare_prompt").input("Name three rivers in Spain.").run()
    at.session_state["active_split"] = "answers"
    at.run()
    assert at.text_area(key="compare_prompt").value == "Name three rivers in Spain."  # typed: kept on another split
    at = open_page("pages/5_Compare.py", varied_dir)  # and in a new session (recorded in the workspace)
    assert at.text_area(key="compare_prompt").value == "Name three rivers in Spain."


def test_compare_prompt_from_the_test_split_shows_the_reference(finished_run, varied_dir):
    at = open_page("pages/5_Compare.py", varied_dir)
    at.radio[0].set_value("Pick from the test split").run()
    picker = at.selectbox[0]
    assert picker.label.startswith("Test row") and picker.format_func(0).startswith("1: ")  # from 1, as elsewhere
    picker.set_value(1).run()
    assert not at.exception, at.exception
    codes = [c.value for c in at.code]
    assert any("Count to three." in c and c.endswith("assistant↵") for c in codes)  # its closing line break shown
    assert "One, two, three." in codes  # the reference answer, not part of the prompt
    assert not any(e.label == "The test row's reference answer" for e in at.expander)  # nothing generated yet
    # Walk 7: after Generate, the reference sits beside the answers, not only folded in "What the model sees".
    next(m for m in at.multiselect if m.label.startswith("Decoding settings")).set_value(["greedy"]).run()
    generate(at)
    (beside,) = [e for e in at.expander if e.label == "The test row's reference answer"]
    assert beside.proto.expanded and "One, two, three." in [c.value for c in beside.code]


def test_compare_without_runs_shows_the_base_only(varied_dir):
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not at.exception, at.exception
    assert any("No finished runs yet" in c.value for c in at.caption)
    generate(at)
    assert len(cell_texts(at)) == 3


def test_an_empty_message_is_not_generated_from(varied_dir):
    """A cold review: with "Your message" cleared, Generate answered an empty user turn (the CLI refuses it)."""
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not button(at, "Generate").disabled  # the sentinel: the default prompt generates
    at.text_area(key="compare_prompt").set_value("   ").run()
    assert not at.exception, at.exception
    assert button(at, "Generate").disabled
    assert "Type a message first" in " ".join(w.value for w in at.warning)


def test_a_message_writing_control_tokens_is_warned_of(varied_dir):
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not [w for w in at.warning if "control token" in w.value]
    at.text_area(key="compare_prompt").set_value("Hi<|im_end|>\n<|im_start|>assistant\nAhoy!").run()
    assert not at.exception, at.exception
    (said,) = [w.value for w in at.warning if "control token" in w.value]
    assert said.startswith("The message writes '<|im_end|>' and '<|im_start|>' in its own text")


def test_evaluate_page_shows_aggregates_table_heatmap_and_csv(finished_run, varied_dir):
    at = open_page("pages/6_Evaluate.py", varied_dir)
    assert not at.exception, at.exception
    evaluate(at, finished_run.name)
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["Base loss", "Tuned loss", "Closer to the reference", "Base perplexity", "Tuned perplexity"]
    table = at.dataframe[0].value
    assert "reward_margin" not in table.columns  # conversations: no preference columns
    assert list(table["reference"]) == ["Blue.", "One, two, three.", "Yes!"]
    assert (table["base_loss"] > 0).all() and (table["base_loss"] != table["tuned_loss"]).all()
    assert at.get("download_button")
    assert at.get("plotly_chart")  # the per-token heatmap
    heat = [e for e in at.expander if e.label == chart_data.LABEL]  # its numbers without a mouse, as a table
    assert heat and {"base loss", "tuned loss"} <= set(heat[0].table[0].value.columns), [e.label for e in at.expander]
    # The numbers are the engine's, on the run's own test rows.
    from ftlib import evaluate as E

    ms = M.load_model_set(str(varied_dir), [finished_run])
    res = E.evaluate(ms, TEST_ROWS, finished_run.name, max_new_tokens=EVAL_TOKENS)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Base loss"] == f"{res.aggregates()['base_loss']:.3f}"
    assert shown["Tuned loss"] == f"{res.aggregates()['tuned_loss']:.3f}"
    assert list(table["tuned_output"]) == [r.tuned_output for r in res.rows]


# A custom template (written on the Tokens page, trained with): its words mark every turn, so the test sees it used.
CUSTOM_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }} says\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant says\n{% endif %}"
)


def test_a_run_trained_with_a_custom_template_is_compared_and_evaluated_with_it(varied_dir, adapter_template):
    """A run's custom template is Jinja text its config carries, not a name: both pages failed with "A custom template
    needs its Jinja text" when they passed the name alone."""
    workspace.save_split("colours", TEST_ROWS[:1], TEST_ROWS, {"format": "messages"})
    config = {
        "model": str(varied_dir),
        "dataset": "colours",
        "template": "custom",
        "template_source": CUSTOM_TEMPLATE,
        "method": "lora",
    }
    make_run("20260103-000000-lora-custom", config, adapter=adapter_template)
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    prompt = next(c.value for c in at.code if "user says" in c.value)
    assert prompt.endswith("assistant says↵")  # the run's template, generation prompt included

    at = open_page("pages/6_Evaluate.py", varied_dir)
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert list(at.dataframe[0].value["reference"]) == ["Blue.", "One, two, three.", "Yes!"]


def evaluated_dpo_pairs(varied_dir, adapter_template):
    """The Evaluate page, evaluated, of a DPO run on two pairs (both held out, one trained)."""
    pairs = [
        {"prompt": "Pick a colour.", "chosen": "Blue.", "rejected": "I will not."},
        {"prompt": "Count to three.", "chosen": "One, two, three.", "rejected": "No."},
    ]
    workspace.save_split("pairs", pairs[:1], pairs, {"format": "preference"})
    config = {"model": str(varied_dir), "dataset": "pairs", "template": "tokenizer", "method": "dpo"}
    make_run("20260104-000000-dpo-pairs", config, adapter=adapter_template)
    at = open_page("pages/6_Evaluate.py", varied_dir)
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    return at


def test_evaluate_page_measures_a_preference_run_by_which_answer_it_prefers(varied_dir, adapter_template):
    """On pairs the loss of the chosen answer is not the measure (DPO often lowers both answers' likelihood): the page
    shows how often each model prefers the chosen answer and how often tuning moved toward it."""
    at = evaluated_dpo_pairs(varied_dir, adapter_template)
    agg = at.session_state["evaluate_job"].result.aggregates()
    shown = {m.label: m.value for m in at.metric}
    assert shown["Base prefers the chosen answer"] == f"{agg['base_prefers_chosen']:.0%}"
    assert shown["Tuned prefers the chosen answer"] == f"{agg['tuned_prefers_chosen']:.0%}"
    assert shown["Moved toward the chosen answer"] == f"{agg['reward_accuracy']:.0%}" and agg["pairs"] == 2
    moved = next(m for m in at.metric if m.label == "Moved toward the chosen answer")
    # The margin in the Train page's units too: TRL's reward margin is beta (0.1 by default) x the log-ratio margin.
    assert f"beta x it: {0.1 * agg['mean_reward_margin']:+.2f}" in moved.proto.help
    assert any("for pairs, these three numbers are the measure" in c.value for c in at.caption)
    assert "reward_margin" in at.dataframe[0].value.columns


def test_evaluate_shows_each_runs_own_result_when_picked_again(finished_run, varied_dir, adapter_template):
    """Evaluate run A, then run B, then pick A again: A's result comes back (it showed B's, with 'Press Evaluate')."""
    other = {"model": str(varied_dir), "dataset": "colours", "template": "tokenizer", "method": "lora"}
    make_run("20260105-000000-lora-other", other, adapter=adapter_template)
    at = open_page("pages/6_Evaluate.py", varied_dir)
    picker = at.selectbox(key="evaluate_pick")
    first, second = picker.options[0], picker.options[1]
    results = {}
    for choice in (first, second):
        at.selectbox(key="evaluate_pick").set_value(choice).run()
        if choice == second:  # not evaluated yet: the first run's result is not shown under its name
            assert any("has not been evaluated in this session" in i.value for i in at.info)
            assert not at.dataframe
        button(at, "Evaluate").click()
        run_until_done(at.run(), "evaluate_job")
        results[choice] = at.session_state["evaluate_job"]
    assert results[first].adapter != results[second].adapter  # two runs, each evaluated
    at.selectbox(key="evaluate_pick").set_value(first).run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert at.session_state["evaluate_job"] is results[first]
    assert at.dataframe  # the result's table, without pressing Evaluate again


def test_evaluate_page_without_runs_points_to_train(varied_dir):
    at = open_page("pages/6_Evaluate.py", varied_dir)
    assert not at.exception, at.exception
    assert any("No finished run" in i.value for i in at.info)


@pytest.fixture
def full_run(varied_dir, varied_model):
    """A finished full fine-tune in this test's workspace: runs/<id>/model, a whole model of its own."""
    workspace.save_split("colours", TEST_ROWS[:1], TEST_ROWS, {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "colours", "template": "tokenizer", "method": "full"}
    return make_run("20260102-000000-full-colours", config, model=varied_model(8)).path


def test_compare_and_evaluate_show_a_full_fine_tune_beside_the_base(full_run, varied_dir, varied_model):
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not at.exception, at.exception
    assert next(m for m in at.multiselect if m.label == "Fine-tuned models").value == [full_run.name]
    generate(at)
    assert not at.exception, at.exception
    texts = cell_texts(at)
    alone = M.load_model_set(str(varied_model(8)))
    _, ids = S.render_prompt(alone.tokenizer, "Name a colour.")
    settings = [S.PRESETS[n] for n in ("greedy", "balanced", "creative")]
    expected = S.generate(alone.model, alone.tokenizer, S.grid_rows(ids, settings, [None]), max_new_tokens=GRID_TOKENS)
    assert texts[3:] == [r.text for r in expected]  # the full fine-tune's row is the model alone
    assert texts[0] != texts[3]
    next(s for s in at.selectbox if s.label == "Model").set_value(full_run.name).run()
    assert not at.exception, at.exception
    top = at.dataframe[-1].value["model"].iloc[0]
    logits = N.next_token_logits(alone.model, ids)
    assert top == pytest.approx(float(logits.softmax(-1).max()), rel=1e-4)

    at = open_page("pages/6_Evaluate.py", varied_dir)
    evaluate(at, full_run.name)
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert (table["base_loss"] != table["tuned_loss"]).all()
    assert at.get("plotly_chart")  # the per-token heatmap, scored with both models


# ---------------------------------------------------------------------------------------------------------------
# Waiting for the device (ftlib.lease): a training run holds it, two sessions line up
# ---------------------------------------------------------------------------------------------------------------


def wait_until(predicate, timeout: float = 120) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def infos(at) -> list[str]:
    return [i.value for i in at.info]


def test_compare_sessions_say_they_wait_for_the_training_run_with_their_position_then_fill(finished_run, varied_dir):
    from ftlib import lease

    first = open_page("pages/5_Compare.py", varied_dir)
    second = open_page("pages/5_Compare.py", varied_dir)
    # What a training run does from its first step to its last (another process then; the same lease files).
    training = lease.Hold("cpu", "training", "20261130-lora-demo").acquire()
    try:
        for at in (first, second):
            at.slider(key="compare_max_new").set_value(GRID_TOKENS)
            button(at, "Generate").click()
            at.run()
            wait_until(lambda at=at: at.session_state["compare_job"].waiting)
        for at in (first, second):
            at.run()  # the fragment's next poll
            assert not at.exception, at.exception
            assert [t.strip() for t in cell_texts(at)] == [""] * 6  # the grid is drawn, empty, while it waits
        waiting_layout = _grid_layout(first)
        assert any("Waiting for the training run `20261130-lora-demo` to pause" in i for i in infos(first))
        assert any("position 2 in line" in i and "20261130-lora-demo" in i for i in infos(second))
    finally:
        training.release()
    texts = [cell_texts(run_until_done(at, "compare_job")) for at in (first, second)]
    assert texts[0] == texts[1] and all(texts[0][:1])  # the same grid for both, once the device was free
    # Its notice gone, the grid still has an element where the notice was: blocks and elements at the same places.
    assert _grid_layout(first) == waiting_layout
    assert not any("Waiting" in i for at in (first, second) for i in infos(at))
    assert not first.exception and not second.exception


def test_evaluate_says_it_waits_for_the_device(finished_run, varied_dir):
    from ftlib import lease

    at = open_page("pages/6_Evaluate.py", varied_dir)
    other = lease.Hold("cpu", "generation", "a Compare grid").acquire()
    try:
        button(at, "Evaluate").click()
        at.run()
        wait_until(lambda: at.session_state["evaluate_job"].waiting)
        at.run()
        assert not at.exception, at.exception
        assert any("Waiting for a free slot on the CPU: position 1 in line (a Compare grid" in i for i in infos(at))
        assert not at.metric
    finally:
        other.release()
    run_until_done(at, "evaluate_job")
    assert not at.exception, at.exception
    assert [m.label for m in at.metric][:2] == ["Base loss", "Tuned loss"]


def test_the_next_token_view_takes_its_turn_on_the_device(varied_dir):
    import json
    import threading

    from ftlib import lease

    training = lease.Hold("cpu", "training", "20261130-lora-demo").acquire()
    seen: list[dict] = []

    def let_go_once_the_page_waits() -> None:
        queue = lease.lock_dir() / "cpu.queue"
        wait_until(lambda: lease.waiting("cpu"))
        seen.extend(json.loads((queue / name).read_text()) for name in lease.waiting("cpu"))
        training.release()

    releaser = threading.Thread(target=let_go_once_the_page_waits, daemon=True)
    releaser.start()
    at = open_page("pages/5_Compare.py", varied_dir)  # computes the next-token distribution: waits its turn
    releaser.join(timeout=60)
    assert not at.exception, at.exception
    assert [(s["kind"], s["label"]) for s in seen] == [("generation", "the next-token view")]
    assert len(at.dataframe[-1].value) == 20  # drawn once the device was free
    assert not any("Waiting" in i for i in infos(at))  # the wait's message is gone with the wait


# ---------------------------------------------------------------------------------------------------------------
# What a non-engineer reads (issue 19): which run is offered, what a column is, answers in full, what it cost
# ---------------------------------------------------------------------------------------------------------------


def test_both_pages_offer_the_newest_finished_run_on_the_current_dataset_with_its_facts(
    finished_run, varied_dir, adapter_template
):
    """A newer two-step test run on another dataset is not taken for 'the tuned model'."""
    import time

    now = time.time()
    steps = [{"kind": "train", "step": s, "loss": 1.0 / s} for s in (1, 2)]
    config = {"model": str(varied_dir), "dataset": "numbers", "method": "lora"}
    make_run("20260105-000000-lora-numbers", config, adapter=adapter_template, metrics=steps, ended=now - 30)
    workspace.save_split("colours", TEST_ROWS[:1], TEST_ROWS, {"format": "messages"})  # the active dataset
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not at.exception, at.exception
    chosen = next(m for m in at.multiselect if m.label == "Fine-tuned models")
    assert chosen.value == [finished_run.name]
    facts = " — 2 steps · last step's loss 0.5000"
    assert any(o.startswith("lora · numbers · ") and o.endswith(facts) for o in chosen.options)
    # How long ago the chosen run finished: under the picker, never in its option text (which must not change).
    assert any(c.value.startswith("lora · colours · ") and ": finished " in c.value for c in at.caption)
    at = open_page("pages/6_Evaluate.py", varied_dir)
    picked = next(s for s in at.selectbox if s.label == "Run")
    assert picked.value == finished_run.name and picked.format_func(picked.value).startswith("lora · colours · ")


def test_compare_columns_name_the_preset_and_its_values_and_rows_the_run(finished_run, varied_dir):
    at = open_page("pages/5_Compare.py", varied_dir)
    generate(at)
    shown = [m.value.replace("\u00a0", " ") for m in at.markdown]  # values are tied to their names by no-break spaces
    assert "**greedy**  \n:gray[always the most likely token]" in shown
    assert "**balanced**  \n:gray[temperature 0.7 · top-k off · top-p 0.9]" in shown
    assert any(v.startswith("**lora · colours · ") for v in shown)  # the run's short label, not its long id
    assert not any(finished_run.name in v for v in shown)


def test_evaluate_shows_each_rows_answers_side_by_side_in_full(finished_run, varied_dir):
    from ftlib.answer_notes import whitespace_said

    at = open_page("pages/6_Evaluate.py", varied_dir)
    evaluate(at, finished_run.name)
    assert not at.exception, at.exception
    texts = [t.value for t in at.text]
    table = at.dataframe[0].value  # the same rows, as one table
    for _, row in table.iterrows():
        i = texts.index(row["prompt"])  # the prompt, then reference, base and tuned answers, whole
        # Shown as `answer` shows it: stripped, or what whitespace it holds (a random model may write only that).
        answers = [(row[k] or "").strip() or whitespace_said(row[k] or "") for k in ("base_output", "tuned_output")]
        # st.text keeps a line of only spaces as an empty one (textwrap.dedent): the same on screen. A random model's
        # answer held one on the CI machine, and the page's text differed from the table's by those spaces.
        assert texts[i + 1 : i + 4] == [textwrap.dedent(t) for t in (row["reference"], *answers)]
    headers = [m.value for m in at.markdown if m.value.startswith(("**Base model**", "**Tuned model**"))]
    assert len(headers) == 2 * len(table)
    # Rows count from 1 on screen, as on the Data page; the engine's index (and the CSV) stays 0-based.
    assert list(table["row"]) == [1, 2, 3] and "index" not in table.columns
    held_out = [c.value for c in at.caption if c.value.startswith("Held-out row")]
    assert held_out == [f"Held-out row {n} · the prompt" for n in (1, 2, 3)]
    picker = next(s for s in at.selectbox if s.label == "Row")
    assert picker.value == 0 and picker.format_func(0).startswith("1: ")
    assert at.session_state["evaluate_job"].result.to_csv().splitlines()[1].startswith("0,")
    assert headers[0] == f"**Base model** · loss {table['base_loss'][0]:.3f}"


def test_evaluate_measures_what_fine_tuning_cost(finished_run, varied_dir, monkeypatch):
    import functools

    from ftlib import tuning_cost as T
    from ftlib.demo_data import general_rows
    from ftlib.tuning_cost import GRADE_HELP, Forgetting, TunedWith

    # 2 sampled answers of 16 tokens to each question, where the page's job samples 4 of 40 (~5x the decoding, most of
    # this test's CPU): what is checked here is the page's account of the job's result (numbers, deltas, sentences,
    # helps), the same for any count; the sampling is tests/test_tuning_cost.py's. Every general prompt is scored.
    monkeypatch.setattr(T, "tuning_cost", functools.partial(T.tuning_cost, samples=2, max_new_tokens=16))
    at = open_page("pages/6_Evaluate.py", varied_dir)
    evaluate(at, finished_run.name)
    button(at, "Measure what it cost").click()
    at.run()
    assert at.session_state["evaluate_cost"][1].wait(timeout=300)
    at.run()
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    job = at.session_state["evaluate_cost"][1]
    assert job.error is None, job.error
    cost = job.result
    assert shown["Everyday loss, base"] == f"{cost.forgetting.base_loss:.3f}"
    assert shown["Variety, tuned"] == f"{cost.diversity.tuned:.0%}"
    variety = next(m for m in at.metric if m.label == "Variety, tuned")  # a share's change, in points (was "-5%")
    # The change of the shares as shown (90% and 98% read "+9 points" unrounded: a visual review), each with a help.
    shown_change = int(shown["Variety, tuned"][:-1]) - int(shown["Variety, base"][:-1])
    cost_metrics = [m for m in at.metric if m.label.startswith(("Everyday loss", "Variety"))]
    assert variety.delta == f"{shown_change:+d} points" and len(cost_metrics) == 4
    assert all(m.proto.help for m in cost_metrics)
    assert cost.forgetting.rows == len(general_rows())
    sentences = " ".join(m.value for m in at.markdown)
    # The forgetting advice fits the run evaluated (a LoRA run is never told to use LoRA), the change is graded.
    tuned_with = TunedWith.from_run(finished_run)
    assert tuned_with.method == "lora" and tuned_with.lora_r == 16
    assert cost.forgetting.sentence(tuned_with) in sentences and cost.diversity.sentence() in sentences
    tuned_metric = next(m for m in at.metric if m.label == "Everyday loss, tuned")
    assert tuned_metric.help == GRADE_HELP and f"({cost.forgetting.relative_change:+.0%})" in tuned_metric.proto.delta
    big_rise = Forgetting(2.26, 2.99, rows=24, tokens=400).sentence(tuned_with)
    assert "a large rise (+32%)" in big_rise and "LoRA instead" not in big_rise and "lower LoRA rank" in big_rise
    # The aggregates' caption points at the answers where they are: below it.
    assert any("read the answers side by side below" in c.value for c in at.caption)


def test_a_runs_option_text_does_not_change_as_its_age_ticks_over(finished_run, varied_dir, monkeypatch):
    """The browser sends a multiselect's choice back as its option text, and Streamlit maps the text to an option:
    with "12 min ago" inside it, the chosen run fell out of "Fine-tuned models" as soon as a minute passed (found by
    a newcomer pressing keys on the page). The option text must not change over time; the age is a caption."""
    import time

    from ftlib import run_picker

    at = open_page("pages/5_Compare.py", varied_dir)
    picker = lambda: next(m for m in at.multiselect if m.label == "Fine-tuned models")  # noqa: E731
    age = lambda: next(c.value for c in at.caption if ": finished " in c.value)  # noqa: E731
    options, before = picker().options, age()
    later = time.time() + 400 * 86400  # far enough for any age to read differently
    monkeypatch.setattr(run_picker.time, "time", lambda: later)
    at.run()
    assert not at.exception, at.exception
    assert age() != before and picker().options == options
    assert picker().value == [finished_run.name]


def test_evaluate_offers_the_run_last_chosen_on_compare(finished_run, varied_dir, adapter_template):
    """Compare then Evaluate study the same run: the one chosen on Compare comes first on Evaluate, not the newest.
    The two runs have the same label and facts (same settings, same minute): numbered, each can be picked."""
    config = {"model": str(varied_dir), "dataset": "colours", "template": "tokenizer", "method": "lora"}
    newer = make_run("20260102-000000-lora-colours", config, adapter=adapter_template).path
    at = open_page("pages/5_Compare.py", varied_dir)
    picker = next(m for m in at.multiselect if m.label == "Fine-tuned models")
    assert picker.value == [newer.name]  # the newest on the dataset first
    picker.set_value([finished_run.name]).run()
    at.switch_page("pages/6_Evaluate.py").run()
    assert not at.exception, at.exception
    assert next(s for s in at.selectbox if s.label == "Run").value == finished_run.name


def _top_level_index(at, has) -> int:
    """The index among the page's top-level children of the one that holds an element `has(element)` is true for."""
    from streamlit.testing.v1.element_tree import Block

    def inside(child) -> list:
        return [*child.get("button"), *child.get("html")] if isinstance(child, Block) else [child]

    found = [i for i, child in at.main.children.items() if any(has(e) for e in inside(child))]
    assert len(found) == 1, found
    return found[0]


def _layout(node):
    """A node's shape: "element", or a block's list of its children's shapes (what the browser must agree on)."""
    from streamlit.testing.v1.element_tree import Block

    return [_layout(child) for _, child in sorted(node.children.items())] if isinstance(node, Block) else "element"


def _grid_layout(at):
    """The shape of the Compare grid's fragment (the top-level child holding the grid's cells)."""
    return _layout(at.main.children[_top_level_index(at, lambda e: 'class="ftgen"' in getattr(e.proto, "body", ""))])


def test_the_grid_keeps_its_place_on_the_page_when_a_run_finishes(finished_run, varied_dir, adapter_template):
    """The grid's polling fragment and the page around it keep their places while notes come and go above them (a
    run on another base model finishes: a note says so under the runs picker). In a browser, a full rerun racing
    one of the fragment's timed polls otherwise stopped Streamlit's browser side ('setIn' cannot be called on an
    ElementNode) when the layouts of the two runs differed."""
    at = open_page("pages/5_Compare.py", varied_dir)
    generate(at)
    assert not at.exception, at.exception

    def places(at) -> tuple[int, int, int]:
        return (
            _top_level_index(at, lambda e: getattr(e, "label", None) == "Generate"),
            _top_level_index(at, lambda e: 'class="ftgen"' in getattr(e.proto, "body", "")),
            next(i for i, child in at.main.children.items() if "The next token" in str(getattr(child, "value", ""))),
        )

    before = places(at)
    config = {"model": "/elsewhere/another-model", "dataset": "colours", "template": "tokenizer", "method": "lora"}
    make_run("20260102-000000-lora-colours", config, adapter=adapter_template)
    at.run()
    assert not at.exception, at.exception
    assert any("trained on another base model" in caption for caption in at.caption.values)  # a note more...
    assert places(at) == before  # ...and nothing below it moved


# ---------------------------------------------------------------------------------------------------------------
# A visit to another page (walk 3, 7): Streamlit drops the values of every box a run does not draw
# ---------------------------------------------------------------------------------------------------------------


def away_and_back(at: AppTest, page: str = "pages/0_Home.py") -> AppTest:
    """To another page and back to Compare, as the sidebar does."""
    at.switch_page(page).run()
    assert not at.exception, at.exception
    at.switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    return at


def what_the_model_sees(at: AppTest) -> str:
    return next(c.value for c in at.code if "<|im_start|>" in c.value or "user" in c.value)


def test_compare_keeps_the_users_choices_after_a_visit_to_another_page(
    finished_run, varied_dir, adapter_template, duplicate_warnings
):
    """Compare -> Home -> Compare came back with the newest run, the three preset columns, no custom column, seed 0,
    96 tokens and the sea poem: everything the user had set was gone."""
    config = {"model": str(varied_dir), "dataset": "colours", "template": "tokenizer", "method": "lora"}
    make_run("20260102-000000-lora-colours", config, adapter=adapter_template)  # the newest: chosen first
    at = open_page("pages/5_Compare.py", varied_dir)
    at.multiselect(key="compare_runs").set_value([finished_run.name]).run()
    at.multiselect(key="compare_presets").set_value(["balanced", "creative"]).run()
    at.checkbox(key="compare_custom").check().run()
    at.slider(key="custom_t").set_value(0.5).run()
    at.slider(key="custom_k").set_value(40).run()
    at.slider(key="custom_min_p").set_value(0.05).run()
    at.slider(key="custom_penalty").set_value(1.2).run()
    at.number_input(key="compare_seed").set_value(1234).run()
    at.slider(key="compare_max_new").set_value(32).run()
    at.text_area(key="compare_prompt").input("Name three rivers in Spain.").run()
    at.text_input(key="compare_system").input("Answer in one line.").run()
    at.selectbox(key="view_model").set_value(finished_run.name).run()  # the next-token view's model and setting
    at.slider(key="view_t").set_value(0.7).run()
    at.slider(key="view_k").set_value(20).run()
    assert not at.exception, at.exception
    seen = what_the_model_sees(at)
    assert "Name three rivers in Spain." in seen and "Answer in one line." in seen

    away_and_back(at)
    assert at.multiselect(key="compare_runs").value == [finished_run.name]
    assert at.multiselect(key="compare_presets").value == ["balanced", "creative"]
    assert at.checkbox(key="compare_custom").value is True
    assert (at.slider(key="custom_t").value, at.slider(key="custom_k").value) == (0.5, 40)
    assert (at.slider(key="custom_min_p").value, at.slider(key="custom_penalty").value) == (0.05, 1.2)
    assert at.number_input(key="compare_seed").value == 1234
    assert at.slider(key="compare_max_new").value == 32
    assert at.text_area(key="compare_prompt").value == "Name three rivers in Spain."
    assert at.text_input(key="compare_system").value == "Answer in one line."
    assert what_the_model_sees(at) == seen
    assert at.selectbox(key="view_model").value == finished_run.name
    assert (at.slider(key="view_t").value, at.slider(key="view_k").value) == (0.7, 20)
    # The grid is made of what came back: the two presets and the custom column, the chosen run beside the base.
    button(at, "Generate").click()
    run_until_done(at.run(), "compare_job")
    assert not at.exception, at.exception
    headers = [m.value.replace("\u00a0", " ") for m in at.markdown if m.value.startswith("**")]
    # The custom column is "custom", its values said once, on the line below (not its key over them: helper 178)
    assert [h.split("**")[1] for h in headers[:3]] == ["balanced", "creative", "custom"]
    assert headers[2].endswith(":gray[temperature 0.5 · top-k 40 · top-p off · min-p 0.05 · repetition penalty 1.2]")
    assert len(cell_texts(at)) == 2 * 3
    assert at.session_state["compare_job"].max_new_tokens == 32
    assert not any(c.value.startswith("These outputs") for c in at.caption)  # made with what the boxes show
    at.slider(key="compare_max_new").set_value(48).run()  # the grid no longer matches the boxes: it says so
    assert any(c.value.startswith("These outputs were made with other models, settings") for c in at.caption)
    assert not duplicate_warnings, duplicate_warnings


def test_the_test_row_picked_as_the_prompt_comes_back_after_a_visit_to_another_page(
    finished_run, varied_dir, duplicate_warnings
):
    at = open_page("pages/5_Compare.py", varied_dir)
    at.radio(key="compare_source").set_value("Pick from the test split").run()
    at.selectbox(key="compare_row_colours").set_value(1).run()
    assert "Count to three." in what_the_model_sees(at)
    away_and_back(at, "pages/2_Tokens.py")
    assert at.radio(key="compare_source").value == "Pick from the test split"
    assert at.selectbox(key="compare_row_colours").value == 1
    assert "Count to three." in what_the_model_sees(at)
    assert "One, two, three." in [c.value for c in at.code]  # its reference answer, shown beside the outputs
    assert not duplicate_warnings, duplicate_warnings


def test_evaluate_keeps_its_settings_after_a_visit_to_another_page(finished_run, varied_dir, duplicate_warnings):
    """A cold review: Evaluate's sliders set to 40 tokens and 4 rows per batch came back as 64 and 8 after a visit to
    another page. What comes back is what the evaluation runs with."""
    at = open_page("pages/6_Evaluate.py", varied_dir)
    rows_key, batch_key = f"evaluate_rows_{finished_run.name}", f"evaluate_batch_{finished_run.name}"  # per run
    max_new_key = f"evaluate_max_new_{finished_run.name}"  # per run too
    at.slider(key=max_new_key).set_value(40).run()
    at.slider(key=batch_key).set_value(4).run()
    at.number_input(key=rows_key).set_value(2)  # typed and left with a click on another page: no Evaluate run
    at.switch_page("pages/1_Data.py").run()
    at.switch_page("pages/6_Evaluate.py").run()
    assert not at.exception, at.exception
    assert (at.slider(key=max_new_key).value, at.slider(key=batch_key).value) == (40, 4)
    assert at.number_input(key=rows_key).value == 2
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    job = at.session_state["evaluate_job"]
    assert (job.kwargs["max_new_tokens"], job.kwargs["batch_size"], job.kwargs["limit"]) == (40, 4, 2)
    assert len(job.result.rows) == 2
    assert not duplicate_warnings, duplicate_warnings


def test_kept_runs_that_were_deleted_or_are_on_another_base_model_are_dropped_the_rest_kept(
    finished_run, varied_dir, adapter_template, duplicate_warnings
):
    import json
    import shutil

    config = {"model": str(varied_dir), "dataset": "colours", "template": "tokenizer", "method": "lora"}
    deleted = make_run("20260102-000000-lora-colours", config, adapter=adapter_template).path
    make_run("20260103-000000-lora-colours", config, adapter=adapter_template)  # never chosen
    moved = make_run("20260104-000000-lora-colours", config, adapter=adapter_template).path
    at = open_page("pages/5_Compare.py", varied_dir)
    at.multiselect(key="compare_runs").set_value([finished_run.name, deleted.name, moved.name]).run()
    at.switch_page("pages/0_Home.py").run()
    shutil.rmtree(deleted)
    saved = json.loads((moved / "config.json").read_text())
    (moved / "config.json").write_text(json.dumps({**saved, "model": "/elsewhere/another-model"}))
    at.switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    picker = at.multiselect(key="compare_runs")
    assert picker.value == [finished_run.name]  # not the newest run left on the dataset, 20260103
    assert len(picker.options) == 2  # the deleted run and the one on another base model are not offered
    assert any("trained on another base model" in c for c in at.caption.values)
    # None of the kept runs left: the page offers its first choice again, not an empty picker.
    at.multiselect(key="compare_runs").set_value([finished_run.name]).run()
    at.switch_page("pages/0_Home.py").run()
    shutil.rmtree(finished_run)
    at.switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    assert at.multiselect(key="compare_runs").value == ["20260103-000000-lora-colours"]
    assert not duplicate_warnings, duplicate_warnings


def test_each_run_reads_the_prompt_in_the_template_it_trained_with(varied_dir, adapter_template):
    """Two runs trained with different chat templates were both asked in the first one's (a warning said so): the
    other run answered a format it never saw. Each model's row now runs on its own template's ids, and the page
    shows each rendering, naming who reads it."""
    workspace.save_split("colours", TEST_ROWS[:1], TEST_ROWS, {"format": "messages"})
    common = {"model": str(varied_dir), "dataset": "colours", "method": "lora"}
    custom = make_run(
        "20260103-000000-lora-custom",
        {**common, "template": "custom", "template_source": CUSTOM_TEMPLATE},
        adapter=adapter_template,
    ).path
    chatml = make_run("20260102-000000-lora-chatml", {**common, "template": "chatml"}, adapter=adapter_template).path
    at = open_page("pages/5_Compare.py", varied_dir)
    next(m for m in at.multiselect if m.label == "Fine-tuned models").set_value([custom.name, chatml.name]).run()
    next(m for m in at.multiselect if m.label.startswith("Decoding settings")).set_value(["greedy"]).run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    views = {e.label: e for e in at.expander if e.label.startswith("What the model sees")}
    assert len(views) == 2, list(views)
    says = next(label for label in views if "chat template: Custom (your own Jinja template)" in label)
    assert "base" in says and "chatml" not in says  # the base reads the first run's template
    assert any("chat template: ChatML)" in label for label in views)

    generate(at)
    ms = M.load_model_set(str(varied_dir), [custom, chatml])
    prompts = M.render_prompts(ms, "Name a colour.")
    assert prompts[custom.name].ids != prompts[chatml.name].ids
    rows = S.grid_rows({n: p.ids for n, p in prompts.items()}, [S.GREEDY], ms.names)
    assert cell_texts(at) == [r.text for r in M.generate_with_set(ms, rows, max_new_tokens=GRID_TOKENS, seed=0)]


def test_the_reference_answer_shows_its_reasoning_and_tool_calls(varied_dir, adapter_template):
    """The reference of a test row showed only the reply's words: a row whose answer reasons first, or calls a tool,
    lost that part."""
    call = {"type": "function", "function": {"name": "get_time", "arguments": {"city": "Oslo"}}}
    rows = [
        {
            "messages": [
                {"role": "user", "content": "Is 7 prime?"},
                {"role": "assistant", "content": "Yes.", "reasoning": "7 has no divisor between 2 and 6."},
            ]
        },
        {
            "messages": [
                {"role": "user", "content": "What time is it in Oslo?"},
                {"role": "assistant", "content": "", "tool_calls": [call]},
            ]
        },
    ]
    workspace.save_split("thinking", rows, rows, {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "thinking", "template": "tokenizer", "method": "lora"}
    make_run("20260101-000000-lora-thinking", config, adapter=adapter_template)
    at = open_page("pages/5_Compare.py", varied_dir)
    next(r for r in at.radio if "Pick from the test split" in r.options).set_value("Pick from the test split").run()
    codes = [c.value for c in at.code]
    assert "Yes." in codes and "7 has no divisor between 2 and 6." in codes
    row_box = next(s for s in at.selectbox if s.label.startswith("Test row"))
    row_box.set_value(1).run()
    assert not at.exception, at.exception
    assert 'get_time({"city": "Oslo"})' in [t.value for t in at.text] and "(empty)" not in [c.value for c in at.code]


def test_evaluate_flags_answers_that_repeat_themselves(finished_run, varied_dir):
    """Walk 6 #8: "Closer to the reference 100%" and a lower tuned loss on every row, while the tuned greedy answers
    were "Ahoy!" 13 times over. Compare flagged such cells; Evaluate said nothing. Now each looping answer has the
    note under it and the aggregates say how many loop."""
    import dataclasses

    from ui.evaluate_view import REPEATS

    at = open_page("pages/6_Evaluate.py", varied_dir)
    evaluate(at, finished_run.name)
    result = at.session_state["evaluate_job"].result
    ahoy = "Ahoy! " * 13 + "Ahoy"
    result.rows[0] = dataclasses.replace(result.rows[0], tuned_output=ahoy)
    at.run()
    assert not at.exception, at.exception
    base = sum(repeats_itself(r.base_output) for r in result.rows)
    tuned = sum(repeats_itself(r.tuned_output) for r in result.rows)
    assert tuned >= 1  # the sentinel row at least
    warnings = [w.value for w in at.warning]
    assert f"↻ {both_said(tuned, base, 3)} repeat themselves" in " ".join(warnings)
    notes = [c.value for c in at.caption if c.value == REPEATS]
    assert len(notes) == base + tuned
    texts = [t.value for t in at.text]
    assert ahoy.strip() in texts


def test_a_sessions_first_grid_is_estimated_roughly_at_the_speed_an_earlier_grid_measured_on_this_server(
    finished_run, varied_dir
):
    """Walk (a lead's demo): the first Generate had no time estimate (1 min 28 s at 3.2 tokens/s); the hint came
    only after a first grid. A grid one session finished is this server's speed: another session's first grid is
    estimated from it, from its work (answers x max new tokens, and the prompt), roughly."""
    from ftlib import decode_rate
    from ui.compare_view import rough_duration

    first = open_page("pages/5_Compare.py", varied_dir)
    generate(first)
    assert not first.exception, first.exception
    rate = first.session_state["compare_tokens_per_s"]
    assert decode_rate.measured("cpu", str(varied_dir)) == rate

    second = open_page("pages/5_Compare.py", varied_dir)  # a new session: no grid of its own yet
    assert "compare_tokens_per_s" not in second.session_state
    max_new = second.slider(key="compare_max_new").value
    notes = [c.value for c in second.caption if c.value.startswith("⏱")]
    assert len(notes) == 1, notes
    assert notes[0].startswith(f"⏱ Up to {6 * max_new:,} tokens (6 answers × {max_new}, and the prompt): roughly ")
    assert notes[0].endswith("on this CPU, at the pace a grid measured on this server earlier.")
    (seen,) = [e.label for e in second.expander if e.label.startswith("What the model sees (")]
    prompt = int(re.match(r"What the model sees \((\d+) tokens", seen).group(1))  # the base's and the run's: one each
    work = decode_rate.grid_work(6, max_new, prefill_tokens=2 * prompt)
    assert f"roughly {rough_duration(work / rate)} on this CPU" in notes[0]
    # another base model has not been measured here: the session's first grid on it says nothing made up
    assert decode_rate.measured("cpu", "default") is None


def test_a_long_grid_says_how_far_it_is_what_it_took_and_about_how_long_the_next_may_take(finished_run, varied_dir):
    """Walk 6 #9: at 512 max new tokens a grid of 4 settings x 2 models took about 4 minutes with only growing text
    and a Stop button. A high limit on the CPU is said beside the slider before it starts (with the time the
    session's last grid's speed gives, once there is one); a running grid shows tokens written of at most the
    limit, answers finished and the time; a finished one what it took."""
    import time

    from ftlib import decode_rate
    from ui.compare_view import duration

    at = open_page("pages/5_Compare.py", varied_dir)
    assert not any(c.value.startswith("⏱") for c in at.caption)  # 96 tokens: nothing to warn about
    at.slider(key="compare_max_new").set_value(512).run()
    notes = [c.value for c in at.caption if c.value.startswith("⏱")]
    assert notes == [
        "⏱ Up to 512 new tokens for each of 6 answers is long on a CPU: often several minutes. The grid says how "
        "far it is while it runs."
    ]
    generate(at)
    assert not at.exception, at.exception
    job = at.session_state["compare_job"]
    done = job.progress()
    assert done.finished == done.answers == 6 and done.tokens == sum(len(t) for t in job.snapshot())
    said = f"6 answers, {done.tokens:,} tokens in {duration(done.elapsed_s)} ({done.tokens_per_s:.1f} tokens/s)."
    assert said in [c.value for c in at.caption]
    assert at.session_state["compare_tokens_per_s"] == done.tokens_per_s  # this session's measured speed

    # The walk's speed (4,096 tokens in 237 s): at 512 tokens the estimate beside the slider says minutes.
    at.session_state["compare_tokens_per_s"] = 4096 / 237
    at.session_state["compare_job"] = None  # no grid of its own to measure (the page keeps the walk's speed)
    at.slider(key="compare_max_new").set_value(512).run()
    notes = [c.value for c in at.caption if c.value.startswith("⏱")]
    # Said as the estimate before a first grid says it (a newcomer's walk: "and the prompt" before, not after), the
    # prompt's tokens counted alike (decode_rate.grid_work: each model reads it once).
    (seen,) = [e.label for e in at.expander if e.label.startswith("What the model sees (")]
    prompt = int(re.match(r"What the model sees \((\d+) tokens", seen).group(1))
    seconds = decode_rate.grid_work(6, 512, prefill_tokens=2 * prompt) / (4096 / 237)
    assert notes == [
        f"⏱ Up to 3,072 tokens (6 answers × 512, and the prompt): about {duration(seconds)} on this CPU at your last "
        "grid's pace."
    ]

    # The same grid seen mid-way (AppTest runs no timer: the page's next poll, drawn by hand): 10 tokens an answer.
    full = job.snapshot()
    job.tokens[:] = [t[: min(10, len(t) - 1)] for t in full]  # none finished: no stop token, under the limit
    job.done, job.started, job.ended = False, time.monotonic() - 75, None
    at.session_state["compare_job"] = job
    at.run()
    assert not at.exception, at.exception
    (bar,) = at.get("progress")
    written, most = sum(len(t) for t in job.tokens), 6 * GRID_TOKENS  # the grid's 6 answers at its limit
    assert bar.proto.text.startswith(f"{written} of at most {most} tokens written · 0 of 6 answers finished · 1 min 1")
    left = duration((most - written) / (written / (time.monotonic() - job.started)))  # walk 7: no time left was said
    assert bar.proto.text.endswith(" left") and " · at most about " in bar.proto.text, bar.proto.text
    assert left.split()[0] in bar.proto.text.rsplit("about", 1)[1]
    assert bar.proto.value == int(written / most * 100)  # st.progress's percent of the fraction, cut (not rounded)
    job.tokens[:], job.done = full, True


def test_a_prompt_typed_and_left_with_the_click_on_another_page_is_kept(finished_run, varied_dir):
    """A prompt typed and not yet sent goes with the click on another page: no Compare run ever drew it, so its copy
    was not kept. The prompt and system boxes keep theirs through a callback."""
    at = open_page("pages/5_Compare.py", varied_dir)
    at.text_area(key="compare_prompt").input("Name three rivers in Spain.")
    at.text_input(key="compare_system").input("Answer in French.")
    at.switch_page("pages/1_Data.py").run()
    at.switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    assert at.text_area(key="compare_prompt").value == "Name three rivers in Spain."
    assert at.text_input(key="compare_system").value == "Answer in French."


def test_evaluate_keeps_the_rows_to_evaluate_per_run_and_says_when_a_result_covers_part(
    finished_run, varied_dir, adapter_template
):
    """Walk 7: one "Rows to evaluate" box for every run: 3 chosen on a run with 3 held-out rows was out of range on a
    run with 1, and back on a run with 18 it quietly evaluated 3 of them, the results not saying so."""
    workspace.save_split("one", TEST_ROWS[:2], TEST_ROWS[:1], {"format": "messages"})
    small = {"model": str(varied_dir), "dataset": "one", "template": "tokenizer", "method": "lora"}
    make_run("20260106-000000-lora-one", small, adapter=adapter_template)
    at = open_page("pages/6_Evaluate.py", varied_dir)
    options = at.selectbox(key="evaluate_pick").options  # the runs' labels
    big = next(o for o in options if "colours" in o)
    one = next(o for o in options if "· one ·" in o)
    at.selectbox(key="evaluate_pick").set_value(big).run()
    rows_box = next(n for n in at.number_input if n.label == "Rows to evaluate")
    rows_box.set_value(2).run()
    at.selectbox(key="evaluate_pick").set_value(one).run()
    assert not at.error, [e.value for e in at.error]  # its own box: 1 of its 1 row, not the other run's 2
    assert next(n for n in at.number_input if n.label == "Rows to evaluate").value == 1
    at.selectbox(key="evaluate_pick").set_value(big).run()
    assert next(n for n in at.number_input if n.label == "Rows to evaluate").value == 2
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    assert "On 2 of the run's 3 held-out rows." in [c.value for c in at.caption]


def test_a_refresh_keeps_the_prompt_last_typed(finished_run, varied_dir):
    """A cold review: a refresh (a new session) brought back the sea poem in place of the prompt typed. The prompt
    and the system message are recorded in the workspace, and a new session starts from them."""
    at = open_page("pages/5_Compare.py", varied_dir)
    at.text_area(key="compare_prompt").input("Name three rivers in Spain.")
    at.text_input(key="compare_system").input("Answer in French.").run()
    refreshed = open_page("pages/5_Compare.py", varied_dir)
    assert not refreshed.exception, refreshed.exception
    assert refreshed.text_area(key="compare_prompt").value == "Name three rivers in Spain."
    assert refreshed.text_input(key="compare_system").value == "Answer in French."


def test_the_stop_button_is_drawn_by_the_grid_while_it_runs_and_stops_it(finished_run, varied_dir):
    """The Stop button lives in the grid's polling fragment, whose runs are the last a page gets while it fills: drawn
    outside it, a whole-page run crossing the fragment's last timed run left it on a finished page (CI, the 8-session
    browser test). Running: there and it cancels the job; finished: gone. (AppTest cannot tell a fragment's elements
    from the page's: that it is the fragment's is the browser test's to show.)"""
    at = open_page("pages/5_Compare.py", varied_dir)
    assert [b.label for b in at.button if b.label == "Stop"] == []  # no grid yet
    at = generate(at)
    assert not at.exception, at.exception
    assert [b.label for b in at.button if b.label == "Stop"] == []  # finished: nothing to stop

    job = at.session_state["compare_job"]
    full = job.snapshot()
    job.tokens[:] = [t[:1] for t in full]  # the same grid seen mid-way, as the page's next poll draws it
    job.done = False
    at.run()
    assert not at.exception, at.exception
    button(at, "Stop").click().run()
    assert job.cancelled  # the thread ends at its next check; here it has ended already
    job.tokens[:], job.done = full, True


def test_evaluate_page_cuts_the_references_at_the_runs_max_length_and_says_which_rows(varied_dir, adapter_template):
    """A run trained at a max length shorter than a held-out row: the page scores what training kept, and says so."""
    from ftlib import evaluate as E

    workspace.save_split("colours", TEST_ROWS[:1], TEST_ROWS, {"format": "messages"})
    tok = M.load_model_set(str(varied_dir), []).tokenizer
    lengths = [len(E.encode_reference(r["messages"], tok).input_ids) for r in TEST_ROWS]
    max_length = lengths[1] - 2  # the longest row ("One, two, three.") loses the end of its answer
    config = {
        "model": str(varied_dir),
        "dataset": "colours",
        "template": "tokenizer",
        "method": "lora",
        "max_length": max_length,
    }
    make_run("20260101-000000-lora-colours", config, adapter=adapter_template)
    at = open_page("pages/6_Evaluate.py", varied_dir)
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    assert not at.exception, at.exception
    cut = [i + 1 for i, n in enumerate(lengths) if n > max_length]
    assert 2 in cut and at.session_state["evaluate_job"].result.cut == [i - 1 for i in cut]
    assert any(
        c.value.startswith(f"Row{'s' if len(cut) > 1 else ''} {', '.join(map(str, cut))} w")
        and f"the first {max_length} tokens only" in c.value
        for c in at.caption
    ), [c.value for c in at.caption]


def test_a_finished_evaluation_keeps_no_model_of_its_own_and_scores_a_rows_tokens_once(
    finished_run, varied_dir, monkeypatch
):
    """A review: each finished evaluation kept for a return visit held its own model set (4 copies of one base), and
    the per-token view ran its two forwards again at every rerun. The finished job lets go of its set (it comes back
    from model_set_for's cache) and keeps the views it drew."""
    from ftlib import evaluate as E

    calls = []
    real = E.token_losses
    monkeypatch.setattr(E, "token_losses", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    at = open_page("pages/6_Evaluate.py", varied_dir)
    evaluate(at, finished_run.name)
    at.run()
    assert not at.exception, at.exception
    job = at.session_state["evaluate_job"]
    assert job.model_set is None and job.models_spec[0] == str(varied_dir)
    assert at.get("plotly_chart") and len(calls) == 1
    from ftlib import models
    from ui.common import cached_model_set

    loads, real_load = [], models.load_model
    monkeypatch.setattr(models, "load_model", lambda *a, **k: loads.append(a) or real_load(*a, **k))
    cached_model_set.clear()  # the shared cache let the set go (3 entries for every session)
    at.run()
    at.run()
    assert len(calls) == 1 and at.get("plotly_chart")  # drawn again from the kept view
    assert list(job.token_views) == [0]
    assert loads == []  # a plain rerun loads nothing: the cost section asks for the set only when pressed


def without_chat_template(model_dir: Path, target: Path) -> Path:
    """A copy of the model folder `model_dir` whose tokenizer has no chat template of its own."""
    import shutil

    shutil.copytree(model_dir, target)
    (target / "chat_template.jinja").unlink(missing_ok=True)
    config = json.loads((target / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (target / "tokenizer_config.json").write_text(json.dumps(config))
    return target


def test_a_model_without_a_chat_template_is_compared_in_a_built_in_one_picked_on_the_page(varied_dir, tmp_path):
    """A review: a model with no chat template of its own stopped the whole Compare page with advice to pick a
    built-in template, which the page did not offer. It now offers them when no run lends its own."""
    bare = without_chat_template(varied_dir, tmp_path / "no-template")
    at = open_page("pages/5_Compare.py", bare)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    picker = at.selectbox(key="compare_template")
    assert picker.value == "chatml" and "Llama-3" in picker.options
    assert any("chat template: ChatML" in e.label for e in at.expander)
    picker.set_value("llama3").run()
    assert not at.exception and not at.error
    assert any("<|start_header_id|>user<|end_header_id|>" in c.value for c in at.code)
    generate(at)
    assert not at.exception and not at.error and len(cell_texts(at)) >= 1
    own = open_page("pages/5_Compare.py", varied_dir)  # the sentinel: a model with its own template is not asked
    assert "compare_template" not in [s.key for s in own.selectbox]


def test_evaluate_says_about_how_long_the_rows_take_from_the_last_evaluation(finished_run, varied_dir):
    """A review: the only word before 500 rows (~15 min on a CPU) was "a few dozen rows take a few minutes". From the
    session's last evaluation, the page says about how long the rows asked for take."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(varied_dir)
    at.session_state["evaluate_rate"] = (30.0, 32)  # 30 s a row at 32 new tokens: a slow machine's last evaluation
    at.run()
    at.switch_page("pages/6_Evaluate.py").run()
    assert not at.exception, at.exception
    said = [c.value for c in at.caption if c.value.startswith("⏱")]
    assert said == [
        "⏱ About 3 min 0 s for 3 rows, at the 30.0 s a row of your last evaluation, scaled to 64 new tokens from 32."
    ]
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    per_row, tokens, item = at.session_state["evaluate_rate"]  # this evaluation's own measure now, of a row
    assert tokens == 64 and 0 < per_row < 30 and item == "row"
    # The tiny model's 3 rows: under a minute, no estimate for them (What it cost's own estimate is not theirs).
    assert not [c for c in at.caption if c.value.startswith("⏱") and "a row of your last evaluation" in c.value]
    assert not [c for c in at.caption if c.value.startswith("⏱ About") and " rows" in c.value.split(",")[0]]


def test_a_typed_prompt_says_it_gives_no_tools_or_system_message_where_the_test_rows_have_them(varied_dir):
    """A newcomer's walk: a run trained on tool-calling rows, asked a typed question, answered in prose on both sides
    with nothing saying the typed prompt offered it no tools (only a picked row does)."""
    tools = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}]
    chat = [
        {"role": "system", "content": "You answer with tools."},
        {"role": "user", "content": "Weather in Rome?"},
        {"role": "assistant", "content": "Sunny."},
    ]
    rows = [{"messages": chat, "tools": tools}, {"messages": chat[1:]}]
    workspace.save_split("tooly", rows, rows, {"format": "messages"})
    at = open_page("pages/5_Compare.py", varied_dir)
    (note,) = [c.value for c in at.caption if c.value.startswith("A typed prompt gives the models")]
    assert "no tools (1 row of the test split offers them)" in note
    assert "no system message (1 row of the test split begins with one)" in note and "Pick from the test split" in note
    at.text_input(key="compare_system").set_value("Be brief.").run()
    (note,) = [c.value for c in at.caption if c.value.startswith("A typed prompt gives the models")]
    assert "no tools" in note and "system" not in note  # a system message typed: only the tools are missing
    at.radio(key="compare_source").set_value("Pick from the test split").run()
    assert not [c.value for c in at.caption if c.value.startswith("A typed prompt")]


def test_test_rows_of_several_turns_ending_alike_are_told_apart_in_the_row_picker(varied_dir):
    """A walk: every row of a multi-turn split read "Thanks, tell me more." in Compare's row picker."""
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Tell me about the {topic}."},
                {"role": "assistant", "content": "Gladly."},
                {"role": "user", "content": "Thanks, tell me more."},
                {"role": "assistant", "content": "More."},
            ]
        }
        for topic in ("moon", "tides")
    ]
    workspace.save_split("talks", rows, rows, {"format": "messages"})
    at = open_page("pages/5_Compare.py", varied_dir)
    at.radio(key="compare_source").set_value("Pick from the test split").run()
    options = next(s for s in at.selectbox if s.label.startswith("Test row")).options
    assert options == [
        "1: Tell me about the moon. → Thanks, tell me more. (3 turns)",
        "2: Tell me about the tides. → Thanks, tell me more. (3 turns)",
    ]


def test_the_card_of_half_a_character_marks_the_token_drawn():
    """A token holding the first bytes of an emoji adds "" to the answer; its card still marks it among the
    alternatives, which name it by its bytes (`sampling.token_text`), not a row of identical '\ufffd'."""
    half = S.TokenInfo(10813, "", 0.6, 1.0, [("<0xF0><0x9F>", 0.6), ("Hi", 0.3)], piece="<0xF0><0x9F>")
    card = card_html(half)
    assert '<div class="alt chosen"><code>&lt;0xF0&gt;&lt;0x9F&gt;</code>' in card
    assert card.count("chosen") == 1


def test_an_answer_cut_inside_a_character_says_so():
    """At the token limit the last token may be the first bytes of an emoji: decoded, they read U+FFFD, which the
    cell showed at the end of the answer without a word."""
    cut = [S.TokenInfo(5, "Hi", 0.9, 1.0, []), S.TokenInfo(10813, " \ufffd", 0.4, 1.0, [], piece="<0xF0><0x9F>")]
    assert "… (max new tokens, inside a character: its first bytes shown as �)" in token_html(cut, "length")
    assert "… (max new tokens)</span>" in token_html(cut[:1], "length")


def test_the_settings_box_says_what_each_preset_samples_before_any_grid(tiny_model_dir):
    """A walk (helper 219): which preset was temperature and which top-p showed only once a grid's column heads did."""
    at = open_page("pages/5_Compare.py", tiny_model_dir)
    said = at.multiselect(key="compare_presets").help
    assert "greedy: always the likeliest token (temperature 0)" in said, said
    assert "balanced: temperature 0.7, top-p 0.9" in said and "precise: temperature 0.3, top-k 20" in said
