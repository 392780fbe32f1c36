"""The prompt two answers share when no field holds it: HH-RLHF transcripts, whole conversations, plain text.

    split_transcripts("\\n\\nHuman: 6 x 7?\\n\\nAssistant: 42.", "\\n\\nHuman: 6 x 7?\\n\\nAssistant: 48.")
    -> ([user "6 x 7?"], [assistant "42."], [assistant "48."])
    split_common_prefix(chosen_turns, rejected_turns)      # the turns both open with are the prompt
    split_conversations(chosen_turns, rejected_turns)      # the same, refusing two that part before their answers
    split_text_prefix("Q: Sky?\\nA: Blue.", "Q: Sky?\\nA: Green.")  -> ("Q: Sky?\\nA:", " Blue.", " Green.")
    spacing_only(rows, places)                             # a warning naming pairs that differ in spacing alone

Each follows TRL's `extract_prompt` (the shared beginning is the prompt), except that plain text is split at the
start of a word rather than inside one (`split_text_prefix`).

Not known here: which fields hold the pair and the notes that say how it was read (formats.py); turns (turns.py).
"""

from __future__ import annotations

import re
from os.path import commonprefix
from typing import Any

from ftlib.turns import RowProblem, text

# A turn of an Anthropic HH-RLHF transcript starts a paragraph: "Human:" inside a line is part of the text.
_TRANSCRIPT_TURN = re.compile(r"\n\n(Human|Assistant):[ \t]?")
# Copies of it re-exported with one newline between turns: a turn starts a line (only where no turn starts a
# paragraph: in a paragraph transcript a line starting "Human:" is part of a turn's text).
_TRANSCRIPT_LINE_TURN = re.compile(r"\n(Human|Assistant):[ \t]?")


def is_transcript(value: Any) -> bool:
    """Whether `value` is a whole Human/Assistant transcript as Anthropic's HH-RLHF writes one (turns a blank line
    apart), or as copies of it write one (a line apart).

    >>> is_transcript("\\n\\nHuman: Hi.\\n\\nAssistant: Hello!"), is_transcript("Human nature is odd.")
    (True, False)
    >>> is_transcript("Human: Hi.\\nAssistant: Hello!")
    True
    """
    return isinstance(value, str) and value.lstrip().startswith("Human:") and "\nAssistant:" in value


def parse_transcript(value: str, field: str) -> list[dict]:
    """The turns of a Human/Assistant transcript: Human -> user, Assistant -> assistant, each turn's text stripped.

    A turn starts at a blank line followed by "Human:" or "Assistant:" (at a line's start where the transcript has
    no blank line before an "Assistant:"); a last "Assistant:" with nothing after it (a prompt waiting for its
    answer) is not a turn; any other empty turn is a RowProblem.

    >>> parse_transcript("\\n\\nHuman: Hi.\\n\\nAssistant: Hello! Human: is a word here.", "chosen")
    [{'role': 'user', 'content': 'Hi.'}, {'role': 'assistant', 'content': 'Hello! Human: is a word here.'}]
    >>> [m["content"] for m in parse_transcript("Human: Hi.\\nAssistant: Hello!\\nHuman: Bye.", "chosen")]
    ['Hi.', 'Hello!', 'Bye.']
    """
    turn = _TRANSCRIPT_TURN if "\n\nAssistant:" in value else _TRANSCRIPT_LINE_TURN
    parts = turn.split("\n\n" + value.lstrip())
    turns = []
    for k in range(1, len(parts), 2):
        content = parts[k + 1].strip()
        if not content and k + 2 == len(parts) and parts[k] == "Assistant":
            break
        if not content:
            raise RowProblem(f"turn {len(turns) + 1} of the '{field}' transcript ({parts[k]}:) is empty")
        turns.append({"role": "user" if parts[k] == "Human" else "assistant", "content": text(content, field)})
    return turns


def split_common_prefix(chosen: list, rejected: list) -> tuple[list, list, list]:
    """(prompt, chosen, rejected): the turns both share at the start become the prompt.

    >>> q, a, b = ({"role": r, "content": c} for r, c in [("user", "Sky?"), ("assistant", "Y"), ("assistant", "N")])
    >>> split_common_prefix([q, a], [q, b])[0]
    [{'role': 'user', 'content': 'Sky?'}]
    """
    n = 0
    while n < min(len(chosen), len(rejected)) and chosen[n] == rejected[n]:
        n += 1
    return chosen[:n], chosen[n:], rejected[n:]


def split_conversations(chosen: list[dict], rejected: list[dict]) -> tuple[list, list, list]:
    """(prompt, chosen, rejected) of two whole conversations (lists of messages): the turns both open with are the
    prompt, the rest of each its answer (assistant and tool turns). RowProblem where they share no opening turn, or
    part before their last answers (a user or system turn after the turn where they differ): then they do not answer
    one conversation.

    >>> q, a, b = ({"role": r, "content": c} for r, c in [("user", "Sky?"), ("assistant", "Y"), ("assistant", "N")])
    >>> [len(part) for part in split_conversations([q, a], [q, b])]
    [1, 1, 1]
    """
    # A side ending on a user turn holds no final answer: said first, not as where the two part (helper 256)
    ends = [
        n for n, t in (("chosen", chosen), ("rejected", rejected)) if t and t[-1]["role"] not in ("assistant", "tool")
    ]
    if ends:
        last = chosen[-1]["role"] if ends[0] == "chosen" else rejected[-1]["role"]
        who = f"{ends[0]} ends" if len(ends) == 1 else "chosen and rejected both end"
        raise RowProblem(
            f"{who} with a {last} turn, so {'it holds' if len(ends) == 1 else 'they hold'} no final answer to prefer: "
            "end each conversation with the assistant's answer, or leave the row out"
        )
    prompt, good, bad = split_common_prefix(chosen, rejected)
    if not prompt:
        # their system turns, where those differ, else how a pair holds its prompt: the same opening turns, or apart
        fix = system_difference(chosen, rejected) or (
            ": start both with the same prompt turns (the same question), or put the prompt in a `prompt` field and "
            "only each answer in `chosen` and `rejected`"
        )
        raise RowProblem(
            "chosen and rejected are whole conversations but share no opening turns, so the prompt cannot be found"
            + fix
        )
    for name, turns in (("chosen", good), ("rejected", bad)):
        at = next((i for i, m in enumerate(turns) if m["role"] not in ("assistant", "tool")), None)
        if at is not None:
            raise RowProblem(
                f"chosen and rejected are whole conversations that differ at turn {len(prompt) + 1}, before their "
                f"last answers ({name}'s turn {len(prompt) + at + 1} is a {turns[at]['role']} turn, not an answer): "
                "they do not answer the same conversation, so neither can be preferred to the other. Make their turns "
                "the same up to the last answer, or leave the row out"
            )
    return prompt, good, bad


def system_difference(chosen: list[dict], rejected: list[dict]) -> str:
    """Why two conversations that share no opening turn do so where it is their system turns ("": not that): one
    opens with a system turn the other lacks, or both with different ones (a set that wrote the system prompt into
    one side only). Said with the fix, to follow the refusal's words.

    >>> s, q = {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Sky?"}
    >>> system_difference([s, q], [q])[:59]
    ': chosen opens with a system turn that rejected lacks. Give'
    """
    opens = [bool(turns) and turns[0].get("role") == "system" for turns in (chosen, rejected)]
    if opens == [True, True]:
        return (
            ": their system turns differ (the first turn of each). Give both the same system turn, as both answer "
            "the same conversation"
        )
    if any(opens):
        one, other = ("chosen", "rejected") if opens[0] else ("rejected", "chosen")
        return (
            f": {one} opens with a system turn that {other} lacks. Give both the same system turn (or neither), as "
            "both answer the same conversation"
        )
    return ""


def split_transcripts(chosen: Any, rejected: Any) -> tuple[list[dict], list[dict], list[dict]] | None:
    """(prompt, chosen, rejected) of two HH-RLHF transcripts, None when neither is one: the turns up to each one's
    last Human turn are its prompt, the rest its answer. Both prompts must be the same, or the two answers do not
    answer one conversation.

    >>> split_transcripts("\\n\\nHuman: 6 x 7?\\n\\nAssistant: 42.", "\\n\\nHuman: 6 x 7?\\n\\nAssistant: 48.")[1]
    [{'role': 'assistant', 'content': '42.'}]
    """
    found = [is_transcript(chosen), is_transcript(rejected)]
    if not any(found):
        return None
    if not all(found):
        one, other = ("chosen", "rejected") if found[0] else ("rejected", "chosen")
        raise RowProblem(
            f"'{one}' is a whole Human/Assistant transcript but '{other}' is not: write both as transcripts, "
            "or both as answers beside a 'prompt'"
        )
    split = []
    for name, value in (("chosen", chosen), ("rejected", rejected)):
        turns = parse_transcript(value, name)
        last_user = max(i for i, m in enumerate(turns) if m["role"] == "user")
        if last_user == len(turns) - 1:
            # parse_transcript drops a last "Assistant:" with nothing after it (HH-RLHF has such rows): say that.
            ends = "an empty Assistant: turn" if value.rstrip().endswith("Assistant:") else "a Human: turn"
            raise RowProblem(f"the {name} transcript ends with {ends}, so it holds no answer to prefer")
        split.append((turns[: last_user + 1], turns[last_user + 1 :]))
    (prompt, chosen_turns), (other, rejected_turns) = split
    if prompt != other:
        turn = len(split_common_prefix(prompt, other)[0])  # the first turn where they part, from 0
        raise RowProblem(
            f"the chosen and rejected transcripts differ at turn {turn + 1}, before their last answers: they do not "
            "answer the same conversation, so neither can be preferred to the other"
        )
    return prompt, chosen_turns, rejected_turns


def split_text_prefix(chosen: str, rejected: str) -> tuple[str, str, str]:
    """(prompt, chosen, rejected) of two texts that each hold the prompt and then an answer: the characters both
    begin with are the prompt, the rest of each its answer, so that prompt + answer is each text unchanged.

    As TRL's `extract_prompt` splits text, with a space just before the split going to the answers; except where
    the texts part inside a word ("... is 42." / "... is 48."), or one ends where the other goes on: then the
    prompt ends before that word, whose shared start belongs to both answers. DPO compares the answers through the
    difference of their log-probabilities, in which tokens both answers share cancel out. Text without any
    whitespace before the split (Chinese, Japanese) is split where the characters part, as TRL does.

    >>> split_text_prefix("Q: Sky colour?\\nA: Blue.", "Q: Sky colour?\\nA: Green.")
    ('Q: Sky colour?\\nA:', ' Blue.', ' Green.')
    >>> split_text_prefix("The answer is 42.", "The answer is 48.")
    ('The answer is', ' 42.', ' 48.')
    """
    n = len(commonprefix([chosen, rejected]))
    rests = (chosen[n:], rejected[n:])
    in_word = n > 0 and chosen[n - 1].isalnum() and any(not r or r[0].isalnum() for r in rests)
    if (in_word or not all(rests)) and any(c.isspace() for c in chosen[:n]):
        while not chosen[n - 1].isspace():
            n -= 1
    if n > 0 and chosen[n - 1] == " ":
        n -= 1
    return chosen[:n], chosen[n:], rejected[n:]


def same_answers(record: dict) -> RowProblem:
    """The refusal of a pair `record` whose chosen and rejected answers are the same once read; where the file's two
    texts differ, only in whitespace around their turns (an HH-RLHF transcript's turns are read stripped), it says so.

    >>> str(same_answers({"chosen": "Hi", "rejected": "Hi"}))
    'chosen and rejected are the same, so there is nothing to prefer'
    """
    chosen, rejected = record.get("chosen"), record.get("rejected")
    if (
        isinstance(chosen, str)
        and isinstance(rejected, str)
        and chosen != rejected
        and chosen.split() == rejected.split()
    ):
        return RowProblem(
            "chosen and rejected differ only in the spaces or line breaks around their turns, which are read without "
            "them, so there is nothing to prefer"
        )
    return RowProblem("chosen and rejected are the same, so there is nothing to prefer")


def _squeezed(turns: list[dict]) -> list[dict]:
    """`turns` with every run of whitespace in a text value written as one space, and none at either end."""
    return [{k: " ".join(v.split()) if isinstance(v, str) else v for k, v in turn.items()} for turn in turns]


def spacing_only(rows: list[dict], places: list[str], shown: int = 3) -> str | None:
    """A warning naming canonical preference rows whose chosen and rejected answers differ only in whitespace
    (`places`: where each row is in the file, "line 4"); None where none does. DPO and a reward model then learn to
    prefer one spacing to the other, often a trailing line break an export left. Warned, not refused: spacing can be
    the point (a code answer's indentation); answers that are the same outright are refused when read (formats.py).

    >>> pair = {"chosen": [{"role": "assistant", "content": "Blue."}]}
    >>> spacing_only([pair | {"rejected": [{"role": "assistant", "content": "Blue.\\n"}]}], ["line 2"])[:81]
    "1 pair's chosen and rejected answers differ only in spaces or line breaks: line 2"
    """
    found = [
        place
        for row, place in zip(rows, places, strict=True)
        if row.get("chosen") != row.get("rejected")
        and isinstance(row.get("chosen"), list)
        and isinstance(row.get("rejected"), list)
        and _squeezed(row["chosen"]) == _squeezed(row["rejected"])
    ]
    if not found:
        return None
    more = f"; and {len(found) - shown} more" if len(found) > shown else ""
    whose = "pair's" if len(found) == 1 else "pairs'"
    return (
        f"{len(found)} {whose} chosen and rejected answers differ only in spaces or line breaks: "
        f"{'; '.join(found[:shown])}{more}. Training would prefer one spacing to the other, not one answer to the "
        "other (often a space or line break an export left at the end). Write a rejected answer that differs in what "
        "it says, or leave such rows out."
    )


__all__ = [
    "is_transcript",
    "parse_transcript",
    "same_answers",
    "split_common_prefix",
    "split_conversations",
    "split_text_prefix",
    "spacing_only",
    "split_transcripts",
    "system_difference",
]
