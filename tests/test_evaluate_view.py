"""ui.evaluate_view's side-by-side rows: the prompt's last user turn, and the whole conversation the models read when
there is more to it (earlier turns, a system message, tool calls and results)."""

from __future__ import annotations

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
    assert [c.value for c in at.caption][:2] == ["Held-out row 1 · the prompt", "Held-out row 2 · the prompt"]
