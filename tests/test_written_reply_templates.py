"""`references.written_reply` under a chat template that writes no tool call: None (the reference as the data has it),
not an empty text under "as the chat template writes it" on Evaluate's side by side."""

from __future__ import annotations

import pytest

CALL = {"id": "c1", "type": "function", "function": {"name": "tide", "arguments": '{"bay": 1}'}}
ROW = {
    "messages": [
        {"role": "user", "content": "Tide?"},
        {"role": "assistant", "content": "", "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "c1", "content": '{"metres": 2}'},
        {"role": "assistant", "content": "Two metres."},
    ]
}


@pytest.mark.parametrize("template", ["chatml", "gemma"])
def test_a_tool_call_a_template_does_not_write_is_the_datas_reference(template, smol_tokenizer):
    from ftlib.references import written_reply
    from ftlib.templates import get_template

    assert written_reply(ROW, smol_tokenizer, get_template(template, smol_tokenizer), "first") is None
    assert written_reply(ROW, smol_tokenizer, get_template("hermes", smol_tokenizer), "first")  # Hermes writes it
