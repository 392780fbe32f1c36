"""ui.evaluate_view's side-by-side rows: the prompt's last user turn, and the whole conversation the models read when
there is more to it (earlier turns, a system message, tool calls and results)."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from ftlib.evaluate import EvalRow

CONTEXT = [
    {"role": "system", "content": "You plan trips."},
    {"role": "user", "content": "Weather in Oslo?"},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"type": "function", "function": {"name": "weather", "arguments": {"city": "Oslo"}}}],
    },
    {"role": "tool", "content": '{"temp": -3}'},
]


def draw(rows, contexts):
    from ui.evaluate_view import side_by_side

    side_by_side(rows, contexts=contexts)


def row(index: int, prompt: str) -> EvalRow:
    return EvalRow(index, prompt, "It is -3 C.", "Cold.", "Minus three.", 2.0, 1.5, 4)


def test_a_multi_turn_prompt_is_shown_whole_behind_its_last_user_turn():
    rows = [row(0, "Weather in Oslo?"), row(1, "Hi")]
    contexts = {0: CONTEXT, 1: [{"role": "user", "content": "Hi"}]}
    at = AppTest.from_function(draw, args=(rows, contexts)).run()
    assert not at.exception, at.exception
    [whole] = at.expander  # only the row with more than its one user turn
    assert whole.label == "The whole prompt the models read (4 turns)"
    text = whole.text[0].value
    assert text.startswith("system: You plan trips.\n\nuser: Weather in Oslo?")
    assert 'assistant: (calls weather with {"city": "Oslo"})' in text and 'tool: {"temp": -3}' in text
    # The reply after a tool result answers it: the heading names that result, the question is in the whole prompt.
    assert [c.value for c in at.caption][:2] == ["Held-out row 1 · the tool result", "Held-out row 2 · the prompt"]
    assert at.text[0].value == '{"temp": -3}'


# What the walk's 8-step pirate run answered greedily (walk 6 #8): a greeting to the token limit, beside a lower loss.
AHOY = "Ahoy! " * 13 + "Ahoy"
HONEST = "A day is 24 hours long: the time the Earth takes to turn once."


def test_an_answer_that_repeats_itself_is_flagged_under_it_as_compare_flags_it():
    from ftlib.rewards import repeats_itself
    from ui.evaluate_view import REPEATS

    assert repeats_itself(AHOY) and not repeats_itself(HONEST)  # the reference Compare's cells use
    rows = [
        EvalRow(0, "How long is a day?", "24 hours.", HONEST, AHOY, 2.1, 1.2, 4),
        EvalRow(1, "Greet me.", "Hello!", AHOY, "Ahoy, matey!", 2.0, 1.1, 3),
    ]
    at = AppTest.from_function(draw, args=(rows, {})).run()
    assert not at.exception, at.exception
    # The captions in page order: each row's prompt label, then a note under each looping answer only.
    captions = [c.value for c in at.caption][:-1]  # the last one explains the loss
    assert captions == [
        "Held-out row 1 · the prompt",
        REPEATS,  # under the tuned answer
        "Held-out row 2 · the prompt",
        REPEATS,  # under the base answer
    ]
    assert "↻ repeats itself" in REPEATS and "loss" in REPEATS
    texts = [t.value for t in at.text]
    assert texts[texts.index(AHOY.strip()) - 1] == HONEST  # the note is under the tuned answer of row 1


def test_the_aggregates_say_how_many_answers_loop():
    from ui.evaluate_view import loops_said

    rows = [
        EvalRow(i, f"Q{i}?", "A.", base, tuned, 2.0, 1.0, 3)
        for i, (base, tuned) in enumerate([(HONEST, AHOY), (AHOY, AHOY), (HONEST, HONEST)])
    ]
    said = loops_said(rows)
    assert said.startswith("↻ 2 of 3 tuned answers and 1 of the base model's repeat themselves")
    assert loops_said(rows[2:]) is None


def draw_with_tools(rows, contexts, tools):
    from ui.evaluate_view import side_by_side

    side_by_side(rows, contexts=contexts, tools=tools)


def test_a_rows_tools_are_named_in_the_prompt_the_models_read():
    """Walk 8A #1: both models are asked with the row's tool schemas, as training showed them; the folded prompt says
    so, even for a one-turn prompt (there is more to it than the user's turn)."""
    weather = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    clock = {"name": "get_time", "parameters": {"type": "object"}}  # the flat form some datasets publish
    rows = [row(0, "Weather in Oslo?"), row(1, "Time in Oslo?"), row(2, "Hi")]
    contexts = {0: CONTEXT, 1: [{"role": "user", "content": "Time in Oslo?"}], 2: [{"role": "user", "content": "Hi"}]}
    at = AppTest.from_function(draw_with_tools, args=(rows, contexts, {0: [weather, clock], 1: [clock]})).run()
    assert not at.exception, at.exception
    assert [e.label for e in at.expander] == [
        "The whole prompt the models read (4 turns)",
        "The whole prompt the models read (1 turn)",
    ]
    said = [c.value for c in at.caption if c.value.startswith("With the row's tools")]
    assert said == [
        "With the row's tools, as training showed them: get_weather, get_time",
        "With the row's tools, as training showed them: get_time",
    ]


# Walk 8A #7: the tuned model wrote 64 newline tokens (running to the token limit); the page said it "stopped at once".
@pytest.mark.parametrize(
    "output, shown",
    [
        ("\n" * 64, "(only whitespace: 64 newlines)"),
        ("", "(nothing: it stopped at once)"),
        (" \n\t\n", "(only whitespace: 1 space, 2 newlines, 1 tab)"),
        ("  ", "(only whitespace: 2 spaces)"),
    ],
    ids=["newlines", "empty", "mixed", "spaces"],
)
def test_an_answer_of_only_whitespace_says_what_it_wrote_and_an_empty_one_that_it_stopped(output, shown):
    rows = [EvalRow(0, "How long is a day?", "24 hours.", HONEST, output, 2.1, 1.2, 4)]
    at = AppTest.from_function(draw, args=(rows, {})).run()
    assert not at.exception, at.exception
    texts = [t.value for t in at.text]
    assert texts == ["How long is a day?", "24 hours.", HONEST, shown]


def test_the_per_token_heatmap_has_one_colour_scale_for_every_run():
    """A cold review: auto-ranged from 10.6 to 11, tokens at loss 10.6 (no better than guessing among 49k tokens)
    were drawn white, "not surprising". The scale is fixed: loss 0 white, 1 chance in 10,000 or less darkest."""
    import math

    from ftlib.evaluate import TokenLosses
    from ui.evaluate_view import LOSS_MAX, token_loss_figure

    def figure(losses):
        view = TokenLosses(
            tokens=["<prompt>", *[f"t{i}" for i in range(len(losses))]],
            scored=[False, *[True] * len(losses)],
            losses={"base": [None, *losses], "tuned": [None, *losses]},
        )
        return token_loss_figure(view).data[0]

    near_uniform, sure = figure([10.6, 10.8, 11.0]), figure([0.01, 0.2, 0.7])
    for heat in (near_uniform, sure):
        assert (heat.zmin, heat.zmax) == (0.0, LOSS_MAX)  # the same scale, whatever the row's losses
    assert LOSS_MAX == pytest.approx(math.log(10_000)) and min(near_uniform.z[0]) > LOSS_MAX  # drawn darkest
    ticks = dict(zip(near_uniform.colorbar.tickvals, near_uniform.colorbar.ticktext, strict=True))
    assert ticks[0.0] == "0.0 (100%)" and ticks[LOSS_MAX] == "9.2 (0.01%)"
    assert near_uniform.customdata[0][0] == "0.0025%"  # the hover: the chance the model gave the reference token


def test_answers_that_show_nothing_are_counted_under_the_numbers_they_flatter():
    """A cold review: "Closer to the reference 100%" for a model that wrote 64 newlines read as a success."""
    from ui.evaluate_view import blanks, blanks_said

    rows = [
        EvalRow(0, "Q?", "A.", HONEST, "\n" * 64, 2.0, 1.0, 3),
        EvalRow(1, "Q?", "A.", "", " ", 2.0, 1.0, 3),
        EvalRow(2, "Q?", "A.", HONEST, HONEST, 2.0, 1.0, 3),
    ]
    assert blanks(rows) == 2
    said = blanks_said(rows)
    assert said.startswith("⚠ 2 of 3 tuned answers and 1 of the base model's show nothing (empty or only whitespace)")
    assert '"closer to the reference"' in said and "no success" in said
    assert blanks_said(rows[2:]) is None


def draw_progress(began_ago, fraction):
    import time

    from ftlib.jobs import BackgroundJob
    from ui.common import job_progress

    job = BackgroundJob("an evaluation")
    job.message, job.fraction = "Answering rows 25-32 of 100", fraction
    job.began = None if began_ago is None else time.monotonic() - began_ago
    job_progress(job)


@pytest.mark.parametrize(
    "began_ago, fraction, said",
    [
        (80, 0.25, r"Answering rows 25-32 of 100 · 1 min 2\d s so far, about 4 min \d s left"),
        (1, 0.25, "Answering rows 25-32 of 100"),  # its first seconds: the share says little yet
        (None, 0.0, "Answering rows 25-32 of 100"),  # not begun
    ],
)
def test_a_long_job_says_how_long_it_has_run_and_about_how_long_is_left(began_ago, fraction, said):
    """A review: 500 held-out rows took ~15 minutes with only "Answering rows 25-32 of 100" to go by."""
    at = AppTest.from_function(draw_progress, args=(began_ago, fraction)).run()
    assert not at.exception, at.exception
    (bar,) = at.get("progress")
    assert re.fullmatch(said, bar.proto.text), bar.proto.text  # the seconds the test itself takes may add one


def test_a_byte_piece_of_a_character_is_labelled_as_the_tokens_page_draws_it():
    """An emoji's later byte tokens have no text of their own: the heatmap labelled them `''`, unexplained."""
    from ftlib.evaluate import TokenLosses
    from ui.evaluate_view import token_loss_figure

    view = TokenLosses(
        tokens=["<p>", "👋", "", "", "!"], scored=[False, True, True, True, True], losses={"base": [None, 1, 2, 3, 4]}
    )
    assert list(token_loss_figure(view).data[0].x) == ["0:'👋'", "1:…", "2:…", "3:'!'"]


def draw_skipped(skipped, places):
    from ui.common import skipped_rows

    skipped_rows(skipped, "rows not scored", places)


def test_skipped_rows_show_their_reasons_whole_with_names_as_code():
    """Helper 151's walk: Evaluate's skipped rows sat in a dataframe whose "why" cell cut the reason at its width and
    showed its `names` with their backticks. The first rows are listed with their reasons wrapped in full, names as
    code; a long list also whole in a dataframe."""
    why = "its reply has no text (its `content` is empty): nothing of it would be scored, so it is skipped"
    at = AppTest.from_function(draw_skipped, args=([(2, why)], {2: "line 3 of chats.jsonl"})).run()
    assert not at.exception, at.exception
    (table,) = [h.proto.body for h in at.get("html")]
    assert "<code>content</code>" in table and "`" not in table and "line 3 of chats.jsonl" in table
    assert "nothing of it would be scored, so it is skipped" in table and not at.dataframe
    many = [(i, why) for i in range(31)]
    at = AppTest.from_function(draw_skipped, args=(many, None)).run()
    assert not at.exception, at.exception
    assert [len(d.value) for d in at.dataframe] == [31] and "The first 30 of 31" in at.caption[0].value
