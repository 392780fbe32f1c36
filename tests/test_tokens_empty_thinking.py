"""Tokens: the empty `<think>\\n\\n</think>\\n\\n` a Qwen3-style template writes before a reply without reasoning is
said to be what its thinking switch writes when off (helper 177's walk: it read only "written by the template ...
(trained)", while a run trained on such rows is asked with thinking off by default, `ftlib.run_thinking`)."""

from __future__ import annotations

from pathlib import Path

from ftlib.templates import get_template
from ftlib.tokens import encode_messages

QWEN3 = (Path(__file__).parent / "fixtures/templates/qwen3.jinja").read_text(encoding="utf-8")
ASKED = {"role": "user", "content": "Is the lake frozen in March?"}


def reasons(smol_tokenizer, reply: dict, source: str = QWEN3) -> dict[str, str]:
    enc = encode_messages([ASKED, reply], smol_tokenizer, get_template("custom", smol_tokenizer, source))
    return {enc.text[s.start : s.end]: s.reason for s in enc.segments if s.trained}


def test_the_empty_thinking_block_is_said_to_be_the_switch_off(smol_tokenizer):
    said = reasons(smol_tokenizer, {"role": "assistant", "content": "Mostly, near the shore."})
    assert said["<think>\n\n</think>\n\n"] == (
        "written by the template (trained): the empty thinking block its thinking switch writes when off, so a run "
        "trained on rows like this one is asked with thinking off unless told otherwise"
    )
    assert said["Mostly, near the shore."] == "assistant reply (trained)"


def test_a_block_holding_reasoning_keeps_its_own_words(smol_tokenizer):
    reply = {"role": "assistant", "content": "Mostly.", "reasoning": "March is late winter there."}
    said = reasons(smol_tokenizer, reply)
    opening = next(text for text in said if text.strip() == "<think>")
    assert said[opening] == "written by the template inside the assistant's turn (trained: the model writes it too)"
    assert not any("switch" in why for why in said.values())


def test_a_template_without_the_switch_says_nothing_of_it(smol_tokenizer):
    # The same empty block written for every reply by a template that reads no `enable_thinking`.
    always = QWEN3.replace("enable_thinking", "always_empty_block")
    said = reasons(smol_tokenizer, {"role": "assistant", "content": "Mostly, near the shore."}, always)
    assert "<think>\n\n</think>\n\n" in said, said  # still written, as text of the template's
    assert not any("switch" in why for why in said.values()), said
