"""A conversation's turns as libraries and APIs write them -> the turns ftlib/turns.py reads (OpenAI's chat
messages), each numbered by the turn it was written as, so a row's problems name the turn the file holds.

In order: the OpenAI Responses API's items as turns (openai_turns.item_turns); a LangChain dump as the message it
holds (langchain_turns); an assistant's `refusal` as its reply and a reasoning part's Responses API `summary` as its
text (openai_turns.refusal_turn, summary_parts); Anthropic's, Gemini's and
Bedrock's turns as the turns they hold (api_shapes.api_turns: a tool result part is a turn of its own); last, Hermes'
`<tool_call>` and `<tool_response>` text as calls and tool turns, ms-swift's consecutive `tool_call` turns as one
(hermes_rows.hermes_turns).

    >>> written_turns([{"type": "human", "content": "Hi"}, {"role": "assistant", "refusal": "No."}], "messages", set())
    [(1, {'content': 'Hi', 'role': 'human'}), (2, {'role': 'assistant', 'content': 'No.'})]

Not known here: how a turn is read (turns.py).
"""

from __future__ import annotations

from typing import Any

from ftlib.api_shapes import api_turns
from ftlib.hermes_rows import hermes_turns
from ftlib.langchain_turns import langchain_turn
from ftlib.openai_turns import item_turns, refusal_turn, summary_parts


def written_turns(turns: list, field: str, ignored: set[str], notes: list[str] | None = None) -> list[tuple[int, Any]]:
    """(number of the turn written, turn in OpenAI's shape) for each turn `turns` hold; what a conversion reads but
    no template does is added to `ignored` (`<field>[].<key>`), how a turn was read to `notes` (once each)."""
    out = []
    for i, turn in item_turns(turns, field):
        turn = refusal_turn(langchain_turn(turn, field, ignored, notes), field, ignored, notes)
        turn = summary_parts(turn, field, ignored)
        out += [(i, one) for one in api_turns(turn)]
    return hermes_turns(out, field, notes)


__all__ = ["written_turns"]
