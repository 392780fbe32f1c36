"""What GRPO's reward functions read of a file of prompts' other columns, said as the load's notices.

    passed_columns(Counter({"answer": 40}), rows=rows)   # a note a column: passed to the rewards, what reads it
    answers_unread(["answer"], table=False)               # prompts with sentences beside them: the answers?
    column_reward("answer", ["#### 6"])                   # the built-in column reward that fits a column's values

A file of prompts (prompt_only) keeps its other columns beside each prompt: GRPO passes them to its reward
functions under their own names, as TRL passes a dataset's columns. Which built-in reward fits a column's values
(`final_answer`, `contains_column`, a dotted path into objects, nothing for a tag of the file) is said here, for
the Data page, `data inspect` and `train --method grpo` alike. Not known here: the load's other notices
(notices.py: `FieldNotice` is defined there), the rewards themselves (rewards.py, column_values.py, final_answer.py).
"""

from __future__ import annotations

import json
import re
import shlex
from collections import Counter
from collections.abc import Sequence

from ftlib.column_values import ANSWER_NAMES, answer_field, found, texts
from ftlib.errors import plural
from ftlib.final_answer import column_kind
from ftlib.notices import FieldNotice
from ftlib.rows import COLUMNS
from ftlib.turn_keys import brief


def answer_box(table: bool) -> str:
    """Where the Data page maps a field to the answer: a table's Answer column box; a JSON file's `completion` box
    under Field mapping."""
    return "as the Answer column" if table else "in the `completion` box under Field mapping"


# Names that say a field holds the worse answer (`bad`, `rejected_response`): the pair offered puts it second, as
# `rejected`, whatever the file's order ({"prompt", "bad", "good"} was offered as "`bad` is the better answer")
_WORSE = re.compile(r"(^|[_\W])(bad|worse|worst|rejected?|dispreferred|negative|neg|loser?|wrong)($|[_\W\d])", re.I)


def better_first(names: list[str]) -> list[str]:
    """Fields of answers in the order a pair takes them (chosen, rejected): the file's order, except that a field
    whose name says it is the worse answer (`bad`, `rejected`, `worse`) comes after the others. The first is also
    the one offered as the answer to imitate and for a column reward, so `bad` is never the answer offered.

    >>> better_first(["bad", "good"]), better_first(["good", "bad"]), better_first(["answer_a", "answer_b"])
    (['good', 'bad'], ['good', 'bad'], ['answer_a', 'answer_b'])
    >>> better_first(["bad", "good", "notes"])
    ['good', 'notes', 'bad']
    """
    return sorted(names, key=lambda n: bool(_WORSE.search(n)))  # stable: the file's order within each group


def answers_unread(names: list[str], table: bool, values: list | None = None) -> FieldNotice:
    """Read as prompts (guessed), while fields of sentences beside them may hold the answers: for GRPO they stay as
    they are (each row passes them to the reward functions, which check the model's answers against them); mapped to
    `completion` the rows become conversations to imitate, and GRPO would see the prompt alone. With the first
    field's `values` (its rows'), the column reward that fits them is named (`column_reward`); without, both are.
    This warning is the one place a field it names is said: `passed_columns` is not given it too."""
    what = "column" if table else "field"
    # The page's control for it: a table's Answer column box; a JSON file's `completion` box under Field mapping
    box = answer_box(table)
    listed = ", ".join(f"`{n}`" for n in names)
    rewards = (
        f'built in: {{"final_answer": "{names[0]}"}} for a final answer (GSM8K\'s "#### 13", a \\boxed{{}}, a '
        f'number), else {{"contains_column": "{names[0]}"}}'
        if values is None
        else column_reward(names[0], values)
    )
    pair = "".join(  # a prompt's better and worse answers ({"prompt", "good", "bad"}): DPO's pair
        f" Where `{a}` is the better answer and `{b}` the worse one (DPO, a reward model), map them to `chosen` and "
        f"`rejected` (their boxes under Field mapping on the Data page; `--map {shlex.quote(a + '=chosen')} --map "
        f"{shlex.quote(b + '=rejected')}` in the CLI)."
        for a, b in ([better_first(names[:2])] if len(names) > 1 else [])
    )
    return FieldNotice(
        f"read as prompts without answers (prompt_only), and the {what}{'s' if len(names) > 1 else ''} {listed} "
        f"{'hold' if len(names) > 1 else 'holds'} text beside each prompt. GRPO passes "
        f"{'them' if len(names) > 1 else 'it'} to its reward functions "
        f"(`{names[0]}=` to a registered one; {rewards}), which can "
        "check the model's answers against it; the format 'prompt_only' (--format prompt_only) says that is meant. "
        f"To imitate it as the answer instead (SFT), map it to `completion` (choose `{names[0]}` {box} on the "
        f"Data page; `--map {shlex.quote(f'{names[0]}=completion')}` in the CLI): GRPO then sees the prompts alone, "
        "and no reward sees it." + pair,
        field=names[0],
        passed=tuple(names),
    )


def for_grpo(notices: list[FieldNotice], rows: Sequence[dict], table: bool = False) -> list[FieldNotice]:
    """A file of prompts' `notices` where GRPO is known to train on it (`train --method grpo`): the warning asking
    whether its fields of sentences hold the answers to train (`answers_unread`) has no doubt left, and is said as
    the note of what the rewards read of each field (`passed_columns`, without the way to train it as the answer)."""
    said = []
    for notice in notices:
        counts = Counter({n: sum(n in (r.get(COLUMNS) or {}) for r in rows) for n in notice.passed})
        said += passed_columns(counts, table, rows, grpo=True) if notice.passed else [notice]
    return said


def passed_columns(
    passed: Counter, table: bool = False, rows: Sequence[dict] = (), grpo: bool = False
) -> list[FieldNotice]:
    """Notes on the fields a file of prompts carries beside each prompt (`rows.with_columns`), with the number of rows
    each is in: not part of the prompt, never trained, passed to GRPO's reward functions under their own names; what
    the built-in column reward that fits its values in `rows` reads of it (`column_reward`); and how to train one as
    the answer instead (`table`: a CSV, TSV or Parquet file, whose page control differs), but where the run is known
    to be GRPO's (`grpo`). Returns one note a field."""
    return [
        FieldNotice(
            f"`{name}` in {plural(n, 'row')} is not part of the prompt: GRPO passes it to the reward functions, as "
            f"`{name}=` to a registered function (as TRL passes a dataset's columns); "
            f"{column_reward(name, [r[COLUMNS][name] for r in rows if name in (r.get(COLUMNS) or {})])}."
            + (
                ""
                if grpo
                else f" To train it as the answer instead (SFT, DPO), choose `{name}` {answer_box(table)} on the Data "
                f"page (`--map {shlex.quote(f'{name}=completion')}` in the CLI)."  # quoted: a name with a space
            ),
            field=name,
            rows=n,
            note=True,
        )
        for name, n in passed.most_common()
    ]


# Where a column's final answer is, as `final_answer` reads it (column_values.column_answer)
OWN_FINAL = ' (after "####", in \\boxed{}, or the whole value): what an answer says on its way there does not count'
# A column holding one value in this many rows or more is a tag of the file (verl's `data_source`), not an answer,
# whatever its name says nothing of: below it, a small file's answers may well agree ("yes" twice), and only the name
# tells a tag from an answer (`is_tag`).
TAG_ROWS = 10
# Names of a column that tags a row with where it came from or what it tests (verl's `data_source`, `ability`):
# never an answer to look for, in a file of any size.
TAG_NAMES = frozenset(
    ("data_source", "source", "dataset", "dataset_name", "ability", "task", "task_type", "subject", "domain")
    + ("category", "split", "language", "lang", "difficulty", "level")
)


def is_tag(name: str, values: list) -> bool:
    """Whether a column `name` holding `values` (its rows') is a tag of the file, not an answer: one text or number
    in every row of two or more. A name of a tag (TAG_NAMES) makes it one from two rows; a name of an answer
    (column_values.ANSWER_NAMES) never (the file says it is the answer: equal answers are still looked for); any other
    name from TAG_ROWS rows, as the values alone cannot tell a tag from a small file's agreeing answers below that.

    >>> is_tag("data_source", ["gsm8k"] * 2), is_tag("answer", ["yes"] * 20), is_tag("note", ["x"] * 2)
    (True, False, False)
    """
    if len(values) < 2 or not isinstance(values[0], (str, int, float)) or any(v != values[0] for v in values):
        return False
    key = str(name).lower()
    if key in ANSWER_NAMES:
        return False
    return key in TAG_NAMES or len(values) >= TAG_ROWS


def column_reward(name: str, values: list) -> str:
    """What a built-in column reward makes of a column with these `values` (its rows'), as a clause, with the kind that
    fits them (`final_answer.column_kind`): a final answer (GSM8K's "#### 13", MATH's \\boxed{}, a number) is
    compared with the answer's final answer by `final_answer`; free text is looked for in the answer by
    `contains_column`; a list, any of its items; an object, the field named like an answer by its dotted path
    (`column_values.answer_field`), else nothing (a registered function reads it); one value in every row of a
    column `is_tag` names a tag of the file, nothing. Never a bare `{"contains_column": NAME}` that would score
    every answer 0.

    >>> column_reward("reward_model", [{"style": "rule", "ground_truth": "6"}])
    'it holds objects (keys: style, ground_truth): {"final_answer": "reward_model.ground_truth"} rewards an answer \
whose final answer equals its `ground_truth`'
    >>> column_reward("data_source", ["openai/gsm8k"] * TAG_ROWS)
    'it holds the same value in every row ("openai/gsm8k"): a tag, not an answer to look for (a registered \
function can read it)'
    >>> column_reward("answers", [["6", "six"]]), column_reward("answer", ["It is 6."])
    ('{"contains_column": "answers"} rewards an answer that contains any of its items', \
'{"contains_column": "answer"} rewards an answer that contains it')
    >>> print(column_reward("answer", ["3 and 3 is 6.\\n#### 6"]))
    {"final_answer": "answer"} rewards an answer whose final answer equals its own (after "####", in \\boxed{}, or \
the whole value): what an answer says on its way there does not count
    """
    objects = [v for v in values if isinstance(v, dict)]
    if objects:
        merged: dict = {}
        for value in objects:
            merged.update({k: v for k, v in value.items() if k not in merged})
        keys = f"it holds objects (keys: {', '.join(map(str, list(merged)[:8]))}{', ...' if len(merged) > 8 else ''})"
        if field := answer_field(merged):
            kind = column_kind(found(v, field) for v in objects)
            reward = json.dumps({kind: f"{name}.{field}"})
            return f"{keys}: {reward} rewards an answer {_compared(kind)} its `{field.split('.')[-1]}`"
        return f"{keys}, which `contains_column` cannot look for in an answer (it reads text or numbers)"
    if is_tag(name, values):
        # verl's `data_source`, `ability`: a tag of the whole file, never an answer (each answer would score the same)
        return (
            f"it holds the same value in every row ({brief(values[0], 40)}): a tag, not an answer to look for (a "
            "registered function can read it)"
        )
    if any(texts(v) is None for v in values):  # lists of objects or lists
        return "it holds lists of objects, which `contains_column` cannot look for in an answer (it reads text)"
    kind = column_kind(values)
    reward = json.dumps({kind: name})
    if any(isinstance(v, list) for v in values):
        return f"{reward} rewards an answer {_compared(kind)} any of its items"
    if kind == "final_answer":
        return f"{reward} rewards an answer whose final answer equals its own{OWN_FINAL}"
    return f"{reward} rewards an answer that contains it"


def _compared(kind: str) -> str:
    """How a column reward of `kind` compares an answer with a column's value, before "it" or "any of its items"."""
    return "whose final answer equals" if kind == "final_answer" else "that contains"
