"""An assistant's reasoning written inline, as a <think>...</think> block that opens its content -> the reasoning
and the answer, split the way Qwen3's chat template splits them, and the text written around the reasoning.

    >>> split_think("<think>\\nTides follow the moon.\\n</think>\\n\\nAt 14:05.")
    ('Tides follow the moon.', 'At 14:05.')

A content with an unclosed block or more than one block is a RowProblem (a template would keep part of it and drop
the rest). Not known here: reasoning written in a field or a content part (turns.py reads those).
"""

from __future__ import annotations

from ftlib.row_problem import RowProblem


def split_think(content: str) -> tuple[str | None, str]:
    """(reasoning, answer) of a content that opens with <think>...</think>; (None, content) otherwise.

    Split as Qwen3's chat template splits it: newlines around the reasoning and before the answer are dropped.

    >>> split_think("<think>\\nTides follow the moon.\\n</think>\\n\\nAt 14:05.")
    ('Tides follow the moon.', 'At 14:05.')
    """
    if not content.lstrip().startswith("<think>"):
        return None, content
    if "</think>" not in content:
        raise RowProblem("opens a <think> block that never closes (no </think>)")
    if content.count("</think>") > 1 or content.count("<think>") > 1:
        # Qwen3's template would keep the first reasoning and the last answer and drop what lies between.
        raise RowProblem("holds more than one <think> block; write one reasoning before the answer")
    head, _, answer = content.partition("</think>")
    return head.split("<think>", 1)[1].strip("\n"), answer.lstrip("\n")


def split_think_as_written(content: str) -> tuple[str | None, str, list[str] | None]:
    """`split_think`, and the text around the reasoning: (reasoning, answer, [before, after]) with
    `before + reasoning + after + answer == content`; (None, content, None) for content that opens no <think>.

    >>> split_think_as_written("<think>\\nTides follow the moon.\\n</think>\\n\\nAt 14:05.")
    ('Tides follow the moon.', 'At 14:05.', ['<think>\\n', '\\n</think>\\n\\n'])
    """
    reasoning, answer = split_think(content)
    if reasoning is None:
        return None, content, None
    start = content.index("<think>") + len("<think>")
    start += len(content[start:]) - len(content[start:].lstrip("\n"))  # the newlines that open the block
    end = start + len(reasoning)
    return reasoning, answer, [content[:start], content[end : len(content) - len(answer)]]


__all__ = ["split_think", "split_think_as_written"]
