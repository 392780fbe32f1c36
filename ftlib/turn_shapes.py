"""A conversation's turns as libraries and APIs write them -> the turns ftlib/turns.py reads (OpenAI's chat
messages), each numbered by the turn it was written as, so a row's problems name the turn the file holds.

In order: the OpenAI Responses API's items as turns (openai_turns.item_turns); an exchange written as one
{"input", "output"} pair (Capybara's `conversation`) as the user's turn and the reply (`exchange_turns`); a LangChain
dump as the message it holds (langchain_turns); an assistant's `refusal` as its reply and a reasoning part's
Responses API `summary` as its text (openai_turns.refusal_turn, summary_parts); Anthropic's, Gemini's and Bedrock's
turns as the turns they hold (api_shapes.api_turns: a tool result part is a turn of its own); last, Hermes'
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
from ftlib.row_problem import RowProblem

# An exchange written as one pair, {"input": the user's words, "output": the reply} (LDJnr's Capybara and the sets
# built like it): read as two turns, said once per file. A turn naming its speaker is a turn, not a pair.
EXCHANGE_NOTE = (
    'a conversation\'s turns are written as exchanges, {"input": ..., "output": ...} (as Capybara\'s rows are): '
    "each is read as a user's turn and the assistant's reply to it."
)
SPEAKER_KEYS = ("role", "from", "type")


def exchange_turns(
    turn: Any, i: int, field: str, ignored: set[str], notes: list[str] | None = None
) -> list[dict] | None:
    """The user's turn and the assistant's reply that exchange `i` (from 1), `turn` ({"input", "output"}, no speaker
    named), holds, said in `notes` (EXCHANGE_NOTE, once); its other keys are named in `ignored`. None for any other
    turn. Raises RowProblem for an `input` or `output` that is null or empty, by the key the file writes.

    >>> exchange_turns({"input": "Name a moon.", "output": "Titan."}, 1, "conversations", set())
    [{'role': 'user', 'content': 'Name a moon.'}, {'role': 'assistant', 'content': 'Titan.'}]
    >>> exchange_turns({"from": "human", "value": "Hi", "input": "x", "output": "y"}, 1, "conversations", set())
    >>> try:
    ...     exchange_turns({"input": "Hi", "output": None}, 2, "conversations", set())
    ... except RowProblem as problem:
    ...     print(problem)
    exchange 2 of 'conversations' has a null 'output' (the assistant's reply): write its text there
    """
    if not isinstance(turn, dict) or not {"input", "output"} <= turn.keys() or any(k in turn for k in SPEAKER_KEYS):
        return None
    for key, what in (("input", "the user's turn"), ("output", "the assistant's reply")):
        value = turn[key]
        if value is None or (isinstance(value, str) and not value.strip()):
            said = "a null" if value is None else "an empty"
            raise RowProblem(f"exchange {i} of '{field}' has {said} '{key}' ({what}): write its text there")
    ignored.update(f"{field}[].{k}" for k in turn if k not in ("input", "output"))
    if notes is not None and EXCHANGE_NOTE not in notes:
        notes.append(EXCHANGE_NOTE)
    return [{"role": "user", "content": turn["input"]}, {"role": "assistant", "content": turn["output"]}]


def written_turns(turns: list, field: str, ignored: set[str], notes: list[str] | None = None) -> list[tuple[int, Any]]:
    """(number of the turn written, turn in OpenAI's shape) for each turn `turns` hold; what a conversion reads but
    no template does is added to `ignored` (`<field>[].<key>`), how a turn was read to `notes` (once each)."""
    out = []
    for i, turn in item_turns(turns, field):
        if (pair := exchange_turns(turn, i, field, ignored, notes)) is not None:
            out += [(i, one) for one in pair]
            continue
        turn = refusal_turn(langchain_turn(turn, field, ignored, notes), field, ignored, notes)
        turn = summary_parts(turn, field, ignored)
        out += [(i, one) for one in api_turns(turn)]
    return hermes_turns(out, field, notes)


__all__ = ["EXCHANGE_NOTE", "exchange_turns", "written_turns"]
