"""Reasoning: an assistant turn's own (its fields, parts and <think> block as one reasoning) and a row's reasoning
column beside its conversation, read as its one answer's.

    assistant_reasoning({"role": "assistant", "content": "<think>2+2</think>4."}, "<think>2+2</think>4.", [], "turn 2")
    -> ("4.", ["2+2"], ["<think>", "</think>"])        # content, reasoning pieces, the text written around it
    column_reasoning({"prompt": "2+2?", "completion": "4.", "reasoning": "Add them."}, row)
    -> ["reasoning"]                                   # row's answer turn now has "reasoning": "Add them."

A turn's reasoning comes from `reasoning_content`, `reasoning`, `thinking` (REASONING_FIELDS), reasoning content
parts (turns.parse_content) or a leading <think>...</think> (think_blocks.py); an empty one beside a real one is
none, two different ones refuse the row. A column of those names beside a row's turns (`{"prompt", "completion",
"reasoning"}`, `{"messages", "reasoning_content"}`) is the reasoning of the row's one trained assistant turn; where
the row has several (or, in a pair, two answers) it is not read, and the file's report says why and where to put it
(`column_unread_why`, said by notices.unread_why); a column holding a switch ("on"/"off", true/false: Nemotron's
post-training sets say so whether an answer was made thinking) is no reasoning, said in a note (`is_switch`). How a
template writes a reasoning is template_input's.

Not known here: the rest of a turn (turns.py), which fields hold the turns (formats.py).
"""

from __future__ import annotations

from typing import Any

from ftlib.row_problem import RowProblem
from ftlib.think_blocks import split_think_as_written
from ftlib.turn_keys import has_value, missing
from ftlib.turn_names import REASONING_FIELDS
from ftlib.turn_text import kind_name, text

# The text around an inline reasoning, [before, after]: content as written = before + reasoning + after + answer.
INLINE_THINK = "inline_think"

# Why a row's reasoning column is not read, by the row's kind (rows.ROW_KINDS); a GRPO prompt keeps it as a column
# its rewards may read (rows.with_columns), so it has none.
_UNREAD = {
    "sft": "it is not read where a row has several trained assistant turns, as it does not say whose reasoning it is "
    "(put it in that assistant message's `reasoning_content`)",
    "unpaired": "it is not read where a labelled answer has several assistant turns, as it does not say whose "
    "reasoning it is (put it in that assistant message's `reasoning_content`)",
    "preference": "it is not read, as a pair has two answers and it does not say whose reasoning it is (give each "
    "answer its own: chosen and rejected as messages, each reasoning in its assistant message's "
    "`reasoning_content`)",
    "text": "it is not read, as a text row is trained as written (write the reasoning into the text itself)",
}


def no_answer(where: str) -> RowProblem:
    """The refusal of an assistant turn holding reasoning and no answer (or tool call) after it, with the fixes the
    reading accepts: the answer after the reasoning, or the reasoning moved to the turn that answers."""
    return RowProblem(
        f"{where} has reasoning but no answer after it: write the answer it leads to in that turn (after the "
        "reasoning), or move the reasoning into the assistant turn that answers and leave this one out"
    )


def assistant_reasoning(
    turn: dict, content: Any, reasoning: list[str], where: str
) -> tuple[Any, list[str], list[str] | None]:
    """(content, reasoning, wrap) of an assistant turn: `reasoning` (its content parts') with its reasoning fields
    and a leading <think> block of `content` added, at most one distinct piece left; `wrap` the text written around an
    inline reasoning ([before, after], for INLINE_THINK) where only the content wrote it, else None. A canonical turn
    read again (INLINE_THINK given) has its content put back as the file wrote it first. RowProblem for a reasoning
    field that is not text, two different reasonings, or a malformed <think> block."""
    given = [turn[k] for k in REASONING_FIELDS if isinstance(turn.get(k), str)]  # as written, for `inline_think`
    for key in REASONING_FIELDS:
        if isinstance(turn.get(key), str):  # "" or blank: no reasoning, not a second one
            said = text(turn[key], f"the {key} of {where}", optional=True)
            reasoning = reasoning if said is None else [*reasoning, said]
        elif not missing(turn.get(key)):
            raise RowProblem(f"the {key} of {where} must be text, but it is {kind_name(turn[key])}")
    wrap, written = None, turn.get(INLINE_THINK)
    if has_value(written):  # a canonical row read again: its content as the file first wrote it
        reasoning = reasoning or given[:1]  # an empty <think></think> was written: its reasoning is ""
        two_texts = isinstance(written, list) and len(written) == 2 and all(isinstance(v, str) for v in written)
        if not (two_texts and len(reasoning) == 1 and isinstance(content, str)):
            raise RowProblem(f"the {INLINE_THINK} of {where} must be the two texts written around its reasoning")
        content, reasoning = written[0] + reasoning[0] + written[1] + content, []
    if isinstance(content, str):
        try:
            inline, content, wrap = split_think_as_written(content)
        except RowProblem as exc:
            raise RowProblem(f"{where} {exc}") from None
        if inline is not None:
            # Written inline only: the template gets the content as written. Beside a reasoning field or part, the
            # block is that reasoning again, split off; an empty one (Qwen3's answers without thinking) is none.
            blank = not inline.strip() and reasoning
            wrap, reasoning = (None if reasoning else wrap), reasoning if blank else [*reasoning, inline]
        elif has_value(written):
            raise RowProblem(f"the {INLINE_THINK} of {where} does not write its reasoning as a <think> block")
    if any(r.strip() for r in reasoning):  # an empty reasoning part or field beside a real one is none
        reasoning = [r for r in reasoning if r.strip()]
    if len(set(reasoning)) > 1:
        raise RowProblem(f"{where} holds two different reasonings (e.g. a 'reasoning_content' and a <think> block)")
    return content, reasoning, wrap


def _answers(row: dict) -> list[dict]:
    """The turns a row trains as answers that a reasoning column could belong to: an SFT row's assistant turns not
    weighted 0 (a prompt/completion row's prompt turns are), an unpaired row's completion's assistant turns."""
    if "messages" in row:
        return [t for t in row["messages"] if t["role"] == "assistant" and t.get("weight") != 0]
    if "completion" in row and "label" in row:
        return [t for t in row["completion"] if t["role"] == "assistant"]
    return []  # a pair has two answers; a text row none; a GRPO prompt carries its columns for the rewards


# A reasoning column that holds a switch, not a reasoning: NVIDIA's Nemotron post-training sets write `"reasoning":
# "on"` or `"off"` beside `messages` (whether the answer was made thinking; its <think> block holds the reasoning).
# Read as the reasoning, "off" was trained as one ("<think>off</think>") and the rows that think were refused.
SWITCHES = frozenset({"on", "off", "true", "false", "yes", "no", "enabled", "disabled"})


def is_switch(value: Any) -> bool:
    """Whether a reasoning column's value is a switch (true/false, "on"/"off", ...), never a reasoning.

    >>> is_switch("off"), is_switch(True), is_switch("Add 2 and 2.")
    (True, True, False)
    """
    return isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in SWITCHES)


def switch_note(key: str) -> str:
    """The file's note on a reasoning column `key` that holds a switch (`is_switch`): read as none."""
    return (
        f"`{key}` holds a switch (on/off, true/false: whether the answer was made thinking), not a reasoning, so it "
        "is not read as one: an answer's reasoning is read from its own <think> block or `reasoning_content`"
    )


def column_reasoning(record: dict, row: dict, notes: list[str] | None = None) -> list[str]:
    """The reasoning columns of `record` (REASONING_FIELDS beside its turns) read into `row`, its canonical row: the
    reasoning of its one trained assistant turn, which gets it as its `reasoning` (a column that says what the turn
    already says is read as that). Returns the keys read ([] where the row has no such column, or several answers:
    then the column stays unread, `column_unread_why` saying why). A column holding a switch ("on"/"off", true;
    `is_switch`) beside a row's answers is read as no reasoning, said once in `notes` (the record's). RowProblem for
    a column that is not text, two columns or a column and the turn's own reasoning that differ.

    >>> row = {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4."}]}
    >>> column_reasoning({"messages": [], "reasoning": "Add 2 and 2."}, row), row["messages"][1]["reasoning"]
    (['reasoning'], 'Add 2 and 2.')
    """
    keys = [k for k in REASONING_FIELDS if has_value(record.get(k))]
    switches = [k for k in keys if is_switch(record[k])]
    if switches and set(row) & {"messages", "completion", "chosen", "text"}:  # a GRPO prompt keeps it for rewards
        for key in switches:
            if notes is not None and (said := switch_note(key)) not in notes:
                notes.append(said)
        keys = [k for k in keys if k not in switches]
        return switches + column_reasoning({k: record[k] for k in keys}, row, notes) if keys else switches
    answers = _answers(row)
    if not keys or len(answers) != 1:
        return []
    said = {k: text(record[k], f"the '{k}' field (the answer's reasoning)", optional=True) for k in keys}
    found = {k: v for k, v in said.items() if v is not None}
    if len({v.strip() for v in found.values()}) > 1:
        named = " and ".join(f"'{k}'" for k in found)
        raise RowProblem(f"the {named} fields hold two different reasonings for one answer: keep one of them")
    if not found:
        return keys  # blank: no reasoning, read as none
    key, value = next(iter(found.items()))
    answer = answers[0]
    own = answer.get("reasoning")
    if own is not None and own.strip() != value.strip():
        empty = "" if own.strip() else ", empty there"
        raise RowProblem(
            f"the '{key}' field and the assistant turn's own reasoning (its `reasoning_content` or <think> "
            f"block{empty}) differ: a turn has one reasoning. Keep one of them"
        )
    if own is None:
        answer["reasoning"] = value
    return keys


def column_unread_why(kind: str) -> str:
    """Why a reasoning column of a row of `kind` (rows.ROW_KINDS) is not read, with where to put it instead; ""
    for a GRPO prompt, which keeps it for its rewards."""
    return _UNREAD.get(kind, "")


__all__ = [
    "INLINE_THINK",
    "SWITCHES",
    "assistant_reasoning",
    "column_reasoning",
    "column_unread_why",
    "is_switch",
    "no_answer",
    "switch_note",
]
