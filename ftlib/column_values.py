"""What GRPO's `contains_column` reward reads from a prompt row's columns, and how it scores an answer against it.

    found(columns, "reward_model.ground_truth")   # a field inside an object column (verl's, OpenAI RFT's shape)
    answers(columns, "answers")                   # ["6", "six"]: a list of texts or numbers is any of these answers
    object_problem("reward_model", {"style": "rule", "ground_truth": "6"})   # why an object is refused; the path
    column_answer_score("3 plus 3 is 6.\\n#### 6", "It is 6.")               # 1.0: whole words and numbers only

A column holding an object (no path, or a path that stops at one) or a list of objects has no text to look for: its
`str()` is never in an answer, so every reward would be 0 and GRPO would learn nothing, silently. It is refused
instead, naming the keys it has and the dotted path to write, as the reward the user wrote (`contains_column` or
`final_answer`; `answer_field` picks a field named like an answer). Not known here: building a run's rewards and
checking the rows before launch (rewards.py), reading files (rows.py).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from ftlib.reward_functions import RewardError, asked

# A field named like the answer to compare with, in the order one is recommended when an object has several.
ANSWER_NAMES = (
    *("ground_truth", "answer", "answers", "final_answer", "correct_answer", "expected_answer", "expected"),
    *("solution", "target", "targets", "reference", "references", "gold", "label", "output", "result"),
)


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()  # `found`: the row has no such column or field


def found(columns, path: str):
    """The value at `path` in a row's `columns`: the column of that name, else a field inside an object column by a
    dotted path ("reward_model.ground_truth"; a key with dots of its own is tried whole first); MISSING if none.

    >>> row = {"reward_model": {"style": "rule", "ground_truth": "6"}, "a.b": 1}
    >>> found(row, "reward_model.ground_truth"), found(row, "a.b"), found(row, "reward_model.answer"), found(None, "a")
    ('6', 1, MISSING, MISSING)
    """
    if not isinstance(columns, dict):
        return MISSING
    if path in columns:
        return columns[path]
    dot = path.find(".")
    while dot >= 0:  # each dot once, the head a slice (joining it part by part made a long path's walk quadratic)
        if (
            isinstance(inner := columns.get(path[:dot]), dict)
            and (value := found(inner, path[dot + 1 :])) is not MISSING
        ):
            return value
        dot = path.find(".", dot + 1)
    return MISSING


def texts(value) -> list[str] | None:
    """The answers a value gives, as text: a text or number is one, a list of them is each; [] for None; None for an
    object or a list holding objects or lists (nothing to look for in an answer).

    >>> texts("6"), texts(6), texts(["6", "six"]), texts(None), texts({"a": 1}), texts([{"a": 1}])
    (['6'], ['6'], ['6', 'six'], [], None, None)
    """
    if value is None:
        return []
    if isinstance(value, str | int | float):
        return [str(value)]
    if isinstance(value, list) and all(isinstance(v, str | int | float) or v is None for v in value):
        return [str(v) for v in value if v is not None]
    return None


def answers(columns, path: str, kind: str = "contains_column") -> list[str]:
    """The answers the row's `columns` give at `path` (`found`, `texts`) that are not blank: [] when it has none there
    (no such column, None, "", an empty list). RewardError (`object_problem`, its hint in the reward `kind` read) when
    it holds an object.

    >>> answers({"answers": ["6", "six", " "]}, "answers"), answers({"answer": "  "}, "answer")
    (['6', 'six'], [])
    """
    value = found(columns, path)
    got = texts(None if value is MISSING else value)
    if got is None:
        raise RewardError(object_problem(path, value, kind))
    return [t for t in got if t.strip()]


def answer_field(value: dict) -> str | None:
    """The dotted path inside an object to the field that most likely holds the answer: one named like it
    (ANSWER_NAMES) holding text or numbers, looked for in nested objects too; None when there is none.

    >>> answer_field({"style": "rule", "ground_truth": "6"}), answer_field({"meta": {"answer": 6}}), answer_field({})
    ('ground_truth', 'meta.answer', None)
    """
    named = [k for k in value if str(k).lower() in ANSWER_NAMES and any(t.strip() for t in texts(value[k]) or [])]
    if named:
        return min(named, key=lambda k: ANSWER_NAMES.index(str(k).lower()))
    for key, item in value.items():
        if isinstance(item, dict) and (inner := answer_field(item)):
            return f"{key}.{inner}"
    return None


def _keys(value: dict) -> str:
    keys = [str(k) for k in value]
    return ", ".join(keys[:8]) + (f" and {len(keys) - 8} more" if len(keys) > 8 else "")


def object_problem(path: str, value, kind: str = "contains_column") -> str:
    """Why a column reward cannot compare an answer with `value` (an object, or a list holding objects), and what to
    write instead, in the reward `kind` the user wrote (one of reward_config.COLUMN_KINDS: the hint keeps their
    choice): the dotted path to its answer-like field (`answer_field`), else a field of text or a registered
    function, which receives the whole column as TRL passes a dataset's columns.

    >>> print(object_problem("reward_model", {"style": "rule", "ground_truth": "6"}))
    `reward_model` holds an object (keys: style, ground_truth): name the field inside it, {"contains_column": \
"reward_model.ground_truth"}.
    """
    column = path.split(".")[0]
    function = f"a reward function registered by the operator receives it whole, as `{column}=`"
    if isinstance(value, dict):
        keys = f"`{path}` holds an object (keys: {_keys(value)})"
        if field := answer_field(value):
            return f"{keys}: name the field inside it, {json.dumps({kind: f'{path}.{field}'})}."
        return (
            f"{keys}, no text to compare an answer with: name a field of text inside it, "
            f"{json.dumps({kind: f'{path}.KEY'})}, or use a function ({function})."
        )
    return f"`{path}` holds a list of objects or lists, not of texts or numbers to compare an answer with: {function}."


def column_answer(value: str) -> str:
    """The answer a row's column gives, to find in the model's: GSM8K's worked solution ends "#### 42" (its final
    answer after the last "####"); MATH's puts it in the last `\\boxed{...}` (braces inside it counted); any other
    value is itself, stripped.

    >>> column_answer("3 plus 3 is 6.\\n#### 6"), column_answer(" Paris ")
    ('6', 'Paris')
    >>> column_answer("x is $\\\\boxed{\\\\frac{1}{2}}$."), column_answer("$\\\\boxed{6}$")
    ('\\\\frac{1}{2}', '6')
    """
    if "####" in value:
        return value.rsplit("####", 1)[1].strip()
    boxed = last_boxed(value)  # an unclosed box: the value as it is
    return (value if boxed is None else boxed).strip()


def last_boxed(text: str) -> str | None:
    """The inside of the last `\\boxed{...}` in `text`, to its matching brace (braces inside it counted); None when
    there is none, or it is not closed.

    >>> last_boxed("\\\\boxed{1} then \\\\boxed{\\\\frac{1}{2}}."), last_boxed("\\\\boxed{1"), last_boxed("6")
    ('\\\\frac{1}{2}', None, None)
    """
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    depth, begin = 0, start + len("\\boxed{")
    for end in range(begin, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth < 0:
            return text[begin:end]
    return None


def column_answer_score(value: str, text: str) -> float:
    """1.0 when the model's answer `text` holds the column's answer (`column_answer`) as a whole word or number, else
    0.0: "10" is not in "It is 100." nor in "6.10", "-10" or a fraction "10/3" (a substring match gave those full
    marks: a cold review).

    >>> [column_answer_score("10", t) for t in ("It is 10.", "It is 100.", "It is 6.10", "It is -10", "10,000")]
    [1.0, 0.0, 0.0, 0.0, 0.0]
    >>> [column_answer_score("1", t) for t in ("It is 1/2.", "1/2", "It is 3/1.", "It is 1.", "Pages 1/ 2")]
    [0.0, 0.0, 0.0, 1.0, 1.0]
    >>> column_answer_score("3 plus 3 is 6.\\n#### 6", "The answer is 6."), column_answer_score("Paris", "Parisian")
    (1.0, 0.0)
    """
    answer = column_answer(value)
    # Not inside a longer word or number: no word character either side, no digit group, decimal or fraction going
    # on, and no minus sign before a number.
    before = r"(?<![\w])(?<!\d[.,/])" + (r"(?<!-)" if answer[:1].isdigit() else "")
    if re.search(before + re.escape(answer) + r"(?!\w)(?![.,/]\d)", text):
        return 1.0
    return 1.0 if _number_written(answer, text) else 0.0


# A number as people and models write it: thousands grouped by commas ("5,000"), a decimal tail ("13.00"), a minus
# sign; not a part of a longer word, number, decimal or fraction, nor after a hyphen it does not take as its sign
# ("x-13", "5-3": the same bounds as the whole-word match above).
NUMBER = re.compile(r"(?<![\w.,/])(?:(-)|(?<!-))(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?!\w)(?![.,/]\d)")


def number_value(text: str):
    """`text` as a Decimal when it is one number as `NUMBER` reads it ("5,000", "-2", "13.50"), else None."""
    match = NUMBER.fullmatch(text.strip())
    if not match:
        return None
    return Decimal((match.group(1) or "") + match.group(2).replace(",", "") + (match.group(3) or ""))


def _number_written(answer: str, text: str) -> bool:
    """True when `answer` is a number and `text` writes the same number otherwise: "5,000" or "5000.00" for GSM8K's
    "#### 5000" (its final answers carry no commas; models and people write them, and the whole-word match alone
    scored those answers 0: a cold walk, helper 89). Equal in value: "13.5" is not "13", "-10" is not "10"."""
    wanted = number_value(answer)
    if wanted is None:
        return False
    return any(
        Decimal((m.group(1) or "") + m.group(2).replace(",", "") + (m.group(3) or "")) == wanted
        for m in NUMBER.finditer(text)
    )


def example_row(path: str) -> str:
    """A row of a file of prompts that gives `path` a value, as JSON.

    >>> example_row("reward_model.ground_truth")
    '{"prompt": "What is 2+2?", "reward_model": {"ground_truth": "4"}}'
    """
    value: object = "4"
    for key in reversed(path.split(".")):
        value = {key: value}
    return json.dumps({"prompt": "What is 2+2?", **value})


def contains_column_score(column: str):
    """`contains_column`'s scorer: 1.0 when the answer holds the value at its row's `column` (a name, or a dotted path
    into an object column: `found`) as a whole word or number (GSM8K's final answer after "####":
    `column_answer_score`), the best over a list of answers, else 0.0. RewardError for a row without a value there, or
    whose value is an object (`object_problem`)."""
    return column_scorer("contains_column", column, column_answer_score)


def column_scorer(kind: str, column: str, compare):
    """A reward `kind`'s scorer over a batch (TRL's reward-function shape) that compares each answer with the value
    at its row's `column` by `compare(value, answer) -> float`, the best over a list of values. RewardError naming
    `kind` for a row without a value there, or whose value is an object (`object_problem`)."""

    def score(prompts, completions, tools=None, columns=None) -> list[float]:
        columns = list(columns) if columns is not None else [None] * len(completions)
        out = []
        for prompt, text, given in zip(prompts, completions, columns, strict=True):
            try:
                values = answers(given, column, kind)
            except RewardError as exc:
                raise RewardError(f"`{kind}` cannot score the answers to {asked(prompt)}: {exc}") from None
            if not values:
                has = f"its columns: {', '.join(given)}" if given else "it has none beside the prompt"
                lacks = "does not have" if found(given, column) is MISSING else "leaves empty"  # "", None, [] in code
                raise RewardError(
                    f"`{kind}` names the column {column!r}, which the prompt {asked(prompt)} {lacks} "
                    f"({has}). A file of prompts carries its other fields to the rewards, e.g. {example_row(column)}."
                )
            out.append(max(compare(v, text) for v in values))
        return out

    return score


def unreadable(path: str, columns, kind: str = "contains_column") -> tuple[list[int], str]:
    """(the rows, 1-based, whose value at `path` is an object or a list holding them, the first one's `object_problem`
    for the reward `kind`, or ""), among rows given as each row's `columns`."""
    bad = [n for n, given in enumerate(columns, start=1) if texts(_value(given, path)) is None]
    return bad, object_problem(path, _value(columns[bad[0] - 1], path), kind) if bad else ""


def _value(given, path: str):
    value = found(given, path)
    return None if value is MISSING else value


def path_keys(path: str, columns, kind: str = "contains_column") -> str:
    """For a dotted `path` that no row has: "; `reward_model` holds the keys style, ground_truth", the keys of the
    first object it goes into, with the path to its answer-like field (`answer_field`) if it has one, as the reward
    `kind` written; "" otherwise.

    >>> print(path_keys("reward_model.answer", [{"reward_model": {"style": "rule", "ground_truth": "6"}}]))
    ; `reward_model` holds the keys style, ground_truth: {"contains_column": "reward_model.ground_truth"}?
    """
    # Only the heads with an object at them in some row are looked up, longest first: looking up each head in every
    # row made a long path's check quadratic (1,000 parts over 189 rows took 44 s, a review).
    ends = {end for given in columns for end in _object_ends(given, path) if end < len(path)}
    for head in (path[:end] for end in sorted(ends, reverse=True)):
        value = next((v for given in columns if isinstance(v := found(given, head), dict)), None)
        if value is not None:
            field = answer_field(value)
            path = f": {json.dumps({kind: f'{head}.{field}'})}?" if field else ""
            return f"; `{head}` holds the keys {_keys(value)}{path}"
    return ""


def _object_ends(columns, path: str) -> list[int]:
    """Where `path` reaches an object in a row's `columns`, by any split of it into keys: the lengths of the heads
    (path[:end]) with an object at them. Each object of the row is entered at most once, so the walk is as long as
    the row, whatever the path.

    >>> _object_ends({"a": {"b.c": {"d": 1}}, "x": 1}, "a.b.c.d")
    [1, 5]
    """
    ends, todo = [], [(columns, 0)] if isinstance(columns, dict) else []
    while todo:
        value, start = todo.pop()
        for key, inner in value.items():
            end = start + len(key) if isinstance(key, str) else -1
            if (
                end >= start
                and isinstance(inner, dict)
                and path.startswith(key, start)
                and path[end : end + 1] in ("", ".")
            ):
                ends.append(end)
                todo.append((inner, end + 1))
    return sorted(ends)
