"""Two answers and a judge's verdict -> a preference pair: the shapes arenas and human-preference sets publish.

    {"prompt": "...", "response_a": "...", "response_b": "...", "winner": "model_b"}
    -> {"prompt": "...", "chosen": <response_b>, "rejected": <response_a>}

    arena      `response_a` / `response_b` beside a `prompt`, judged by `winner` ("model_a", "model_b", "tie",
               "tie (bothbad)"; also "a" / "b") or by 0/1 columns `winner_model_a` / `winner_model_b` /
               `winner_tie` (0/1, or 0.0/1.0 where a null made the column floats); a prompt and answers written as
               JSON lists of one turn each are that turn
    arena chat `conversation_a` / `conversation_b` (whole conversations) judged by `winner`
    SHP        `human_ref_A` / `human_ref_B` answering `history`, judged by `labels` (1: A preferred, 0: B)
    rated      distilabel's `generations` answering an `instruction` (or `prompt`), a number each in `ratings`:
               the best-rated chosen, the worst-rated rejected
    completions UltraFeedback's raw rows: `completions` answering an `instruction` (or `prompt`), each a `response`
               (or `text`) with its ratings: `fine-grained_score`, else the mean of its `annotations`' `Rating`s
               (honesty, helpfulness ...; "N/A" not counted), else `overall_score`; the highest-rated chosen as
               ultrafeedback_binarized chooses it, the lowest-rated rejected (the binarized set picks one of those
               rated lower at random: the lowest keeps the same file's pairs the same); a tie or fewer than two
               rated answers make no pair, counted in the file's warning
    numbered   `response_0` / `response_1` (or `response_1` / `response_2`) beside a `prompt`, judged by one choice
               column: PKU-SafeRLHF's `better_response_id` / `safer_response_id` (the preferred answer's number),
               or a strength from -3 to 3 (HelpSteer2's `preference_strength`, `overall_preference`: below 0 the
               first answer preferred, above 0 the second, 0 a tie); a column named only `preference` is read as
               the preferred answer's number where every row's is one (0/1 beside `response_0`/`response_1`, 1/2
               beside `response_1`/`response_2`), else named as not read and its rows make no pair (a strength and
               a number read the other's way prefer the worse answer); with several choice columns the first of
               CHOICES is read and the file's warning names the others (`better` over `safer`)

A tie prefers neither answer: the row makes no pair, and is named as left out with why; so is a conversation judged
whole whose sides part before their last answer (a pair is one shared prompt and two last answers). A verdict in
other words is refused by name. A row holding an answer of its own (`completion`, `output`, `messages`) is that
answer's row, read as before. The pair then reads as any preference row (formats.py); the file's report says once
how the rows were read (`judged_records`).

Not known here: how a pair is read (formats.py, pairs.py).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ftlib.errors import plural
from ftlib.rejected_rows import REJECTED, rejected_pair, rejected_shape

# (first answer, second answer, prompt or None) by shape
SHAPES = {
    "arena": ("response_a", "response_b", "prompt"),
    "arena chat": ("conversation_a", "conversation_b", None),
    "SHP": ("human_ref_A", "human_ref_B", "history"),
}
_WINNER_COLUMNS = ("winner_model_a", "winner_model_b", "winner_tie")
# distilabel's rows (its UltraFeedback task rates `generations` so): several answers to an `instruction`, a rating
# each
RATED = ("generations", "ratings")
# UltraFeedback's raw rows: each of the `completions` an answer (its key, the first of these) with its ratings, read
# from the first of RATINGS any of the row's completions holds (ultrafeedback_binarized ranks by the mean of the
# aspects' ratings, which `fine-grained_score` holds, not by the critique's `overall_score`)
COMPLETIONS = "completions"
_RESPONSE = ("response", "text")
RATINGS = ("fine-grained_score", "annotations", "overall_score")
RATED_BY = "`fine-grained_score`, else the mean of the `annotations`' `Rating`s, else `overall_score`"
# The answer fields of the formats formats.py reads: a row holding one is not two answers and a verdict
_ANSWERS = ("completion", "output", "messages", "conversations")
# Numbered answers (PKU-SafeRLHF, HelpSteer2's preferences) and their choice columns, the one read first
_NUMBERED = (("response_0", "response_1"), ("response_1", "response_2"))
CHOICES = ("better_response_id", "preference_strength", "overall_preference", "preference", "safer_response_id")
_IDS = ("better_response_id", "safer_response_id", "preference")  # the preferred answer's number; the others: -3..3
# A generic name: read only where it holds the answers' numbers (`_preference_unread` refuses the file's other values)
_GENERIC = "preference"
_FIRST, _SECOND, _TIE = "first", "second", "tie"
_WORDS = {"model_a": _FIRST, "a": _FIRST, "model_b": _SECOND, "b": _SECOND, "tie": _TIE, "tie (bothbad)": _TIE}


class NoPair(ValueError):
    """A judged row that makes no pair (a tie, a verdict not understood); the message says why."""


class Tie(NoPair):
    """A numbered pair whose strength is 0, or completions rated alike: the file's warning counts them
    (`judged_records`)."""


class Unrated(NoPair):
    """Completions of which fewer than two have a rating: the file's warning counts them (`judged_records`)."""


def judged_shape(record: Any) -> str | None:
    """The key of SHAPES whose two answers and verdict `record` holds, "rated" for rated answers, else None.

    >>> judged_shape({"prompt": "2+2?", "response_a": "4", "response_b": "5", "winner": "model_a"})
    'arena'
    >>> judged_shape({"prompt": "2+2?", "response_a": "4", "response_b": "5"}) is None   # no verdict: not a pair
    True
    """
    if rejected_shape(record):  # ms-swift's chat and its rejected answer (rejected_rows)
        return REJECTED
    if not isinstance(record, dict) or {"chosen", "rejected", *_ANSWERS} & set(record):
        return None  # a row with an answer of its own is that answer's row, whatever else it carries
    if "prompt" in record and _numbered(record) and set(CHOICES) & set(record):
        return "numbered"
    answers = record.get(COMPLETIONS)
    if isinstance(answers, list) and answers and {"instruction", "prompt"} & set(record):
        # ... rated: a prompt's `completions` without any rating key (a GRPO file's column for its rewards) are no
        # judged answers, and stay the prompt's column as before
        rated = any(isinstance(a, dict) and set(RATINGS) & set(a) for a in answers)
        if rated and all(isinstance(a, dict) and set(_RESPONSE) & set(a) for a in answers):
            return "completions"
    if all(isinstance(record.get(k), list) for k in RATED) and {"instruction", "prompt"} & set(record):
        texts = all(isinstance(g, str | list) for g in record["generations"])  # answers, not numbers
        return "rated" if texts else None
    for shape, (first, second, prompt) in SHAPES.items():
        if first in record and second in record and (prompt is None or prompt in record):
            verdict = "labels" if shape == "SHP" else "winner"
            if verdict in record or (shape == "arena" and set(_WINNER_COLUMNS) <= set(record)):
                return shape
    return None


def judged_pair(record: dict, shape: str) -> dict:
    """The preference row `record` (of `shape`, see `judged_shape`) makes: the preferred answer `chosen`, the other
    `rejected`, the prompt `prompt`; every other key kept (the file's report names those not read). NoPair for a
    tie or a verdict it cannot read.

    >>> judged_pair({"history": "2+2?", "human_ref_A": "4", "human_ref_B": "5", "labels": 0}, "SHP")
    {'prompt': '2+2?', 'chosen': '5', 'rejected': '4'}
    """
    if shape == "rated":
        return _rated_pair(record)
    if shape == "completions":
        return _completions_pair(record)
    if shape == "numbered":
        return _numbered_pair(record)
    if shape == REJECTED:
        pair = rejected_pair(record)
        if isinstance(pair, str):
            raise NoPair(pair)
        return pair
    first, second, prompt_key = SHAPES[shape]
    winner = _winner(record, shape)
    if winner == _TIE:
        raise NoPair("the judge called it a tie, so neither answer is preferred and the row makes no pair")
    used = {first, second, prompt_key, "labels" if shape == "SHP" else "winner", *_WINNER_COLUMNS}
    out = {k: v for k, v in record.items() if k not in used}
    chosen, rejected = (record[first], record[second]) if winner == _FIRST else (record[second], record[first])
    if prompt_key is None:
        _one_answer_apart(chosen, rejected)
        return {**out, "chosen": chosen, "rejected": rejected}
    prompt = record[prompt_key]
    turns = _turn_lists(prompt, chosen, rejected)
    if turns is None:
        return {**out, "prompt": prompt, "chosen": chosen, "rejected": rejected}
    asks, good, bad = turns  # Arena's export: a list of the user's turns, and of each answer's replies to them
    if not len(asks) == len(good) == len(bad):
        raise NoPair(
            f"the prompt holds {len(asks)} turns but the answers {len(good)} and {len(bad)}: one reply a turn"
        )
    if len(asks) > 1:
        raise NoPair(_MULTI_TURN.format(turns=len(asks)))
    return {**out, "prompt": asks[0], "chosen": good[0], "rejected": bad[0]}


def _rated_pair(record: dict) -> dict:
    """The best-rated of a row's `generations` chosen and the worst-rated rejected (the first of equals each)."""
    answers, ratings = record["generations"], record["ratings"]
    if len(answers) != len(ratings):
        raise NoPair(f"`generations` holds {len(answers)} answers but `ratings` {len(ratings)}: one rating an answer")
    ratings = [_number(r) for r in ratings]  # numbers, or their text (a CSV's); a failed rating (null) is none
    rated = [i for i, r in enumerate(ratings) if r is not None]
    if len(rated) < 2:
        raise NoPair("fewer than two answers have a rating, so none is preferred and the row makes no pair")
    best = max(rated, key=lambda i: (ratings[i], -i))
    worst = min(rated, key=lambda i: (ratings[i], i))
    if ratings[best] == ratings[worst]:
        raise NoPair(
            f"every rated answer has the rating {ratings[best]:g}, so none is preferred and the row makes no pair"
        )
    prompt_key = "instruction" if "instruction" in record else "prompt"
    out = {k: v for k, v in record.items() if k not in (prompt_key, *RATED)}
    return {**out, "prompt": record[prompt_key], "chosen": answers[best], "rejected": answers[worst]}


def rating_read(record: dict) -> str | None:
    """The key of RATINGS a row's completions are rated by: the first any of them holds a number under."""
    answers = record[COMPLETIONS]
    return next((key for key in RATINGS if any(_rating(a, key) is not None for a in answers)), None)


def _rating(answer: dict, key: str) -> float | None:
    """A completion's rating under `key`: a number (or its text); for `annotations`, the mean of the aspects'
    `Rating`s that are numbers ("N/A" is none), an aspect written as one object or a list of them.

    >>> aspects = {"honesty": {"Rating": "4"}, "helpfulness": [{"Rating": "5"}], "truthfulness": {"Rating": "N/A"}}
    >>> _rating({"annotations": aspects}, "annotations")
    4.5
    """
    if key != "annotations":
        return _number(answer.get(key))
    aspects = answer.get(key)
    if not isinstance(aspects, dict):
        return None
    ratings = []
    for aspect in aspects.values():
        for part in aspect if isinstance(aspect, list) else [aspect]:
            rating = _number(part.get("Rating")) if isinstance(part, dict) else None
            ratings += [] if rating is None else [rating]
    return sum(ratings) / len(ratings) if ratings else None


def _completions_pair(record: dict) -> dict:
    """The highest-rated of a row's `completions` chosen and the lowest-rated rejected (the first of equals each).

    >>> row = {"instruction": "2+2?", "completions": [{"response": "5", "overall_score": 2},
    ...        {"response": "4", "overall_score": 9}, {"response": "Four", "overall_score": 7}]}
    >>> _completions_pair(row)
    {'prompt': '2+2?', 'chosen': '4', 'rejected': '5'}
    """
    key = rating_read(record)
    answers = [next(a[k] for k in _RESPONSE if k in a) for a in record[COMPLETIONS]]
    ratings = [_rating(a, key) if key else None for a in record[COMPLETIONS]]
    rated = [i for i, r in enumerate(ratings) if r is not None and isinstance(answers[i], str | list)]
    if len(rated) < 2:
        held = (
            f"{len(rated)} of its {len(answers)} completions has"
            if rated
            else f"none of its {len(answers)} completions has"
        )
        raise Unrated(
            f"{held} a rating ({_said(key) if key else RATED_BY}), so none is preferred and the row makes no pair"
        )
    best = max(rated, key=lambda i: (ratings[i], -i))
    worst = min(rated, key=lambda i: (ratings[i], i))
    if ratings[best] == ratings[worst]:
        raise Tie(
            f"every rated completion is rated {ratings[best]:g} ({_said(key or '')}), so none is preferred and the "
            "row makes no pair"
        )
    prompt_key = "instruction" if "instruction" in record else "prompt"
    out = {k: v for k, v in record.items() if k not in (prompt_key, COMPLETIONS)}
    return {**out, "prompt": record[prompt_key], "chosen": answers[best], "rejected": answers[worst]}


def _said(key: str) -> str:
    """A rating key in words: `annotations` is the mean of its aspects' ratings."""
    return "the mean of its `annotations`' `Rating`s" if key == "annotations" else f"`{key}`"


def _numbered(record: dict) -> tuple[str, str] | None:
    """The two numbered answer keys `record` holds (`response_0`/`response_1` first), else None."""
    return next((pair for pair in _NUMBERED if set(pair) <= set(record)), None)


def _numbered_pair(record: dict) -> dict:
    """The pair of numbered answers, preferred by the first of CHOICES the row holds (see the module's docstring).

    >>> row = {"prompt": "2+2?", "response_0": "5", "response_1": "4", "better_response_id": 1, "safer_response_id": 0}
    >>> _numbered_pair(row)
    {'prompt': '2+2?', 'chosen': '4', 'rejected': '5'}
    >>> _numbered_pair({"prompt": "2+2?", "response_1": "4", "response_2": "5", "preference_strength": -2})["chosen"]
    '4'
    """
    first, second = _numbered(record)  # type: ignore[misc]
    column = next(c for c in CHOICES if c in record)
    value, said = _number(record[column]), json.dumps(record[column], default=str)
    named = record[column].strip() if isinstance(record[column], str) else None
    if named in (first, second):  # the answer named by its key ("response_2", as a ranking export writes it)
        winner = _FIRST if named == first else _SECOND
    elif column in _IDS:
        ids = {int(first[-1]): _FIRST, int(second[-1]): _SECOND}  # response_0 is answer 0
        if value not in ids and column == _GENERIC:
            raise NoPair(_preference_unread(first, second, said))
        if value not in ids:
            raise NoPair(
                f"`{column}` is {said}: it names the preferred answer by its number, {first[-1]} (`{first}`) or "
                f"{second[-1]} (`{second}`), or by its key"
            )
        winner = ids[int(value)]  # type: ignore[arg-type]
    elif value is None or not -3 <= value <= 3 or value != int(value):  # inf out before int()
        raise NoPair(
            f"`{column}` is {said}: the studio reads it as a preference strength, a whole number from -3 to 3 "
            f"(below 0 `{first}` is preferred, above 0 `{second}`, 0 is a tie), as HelpSteer2 writes it, or the "
            f"preferred answer's key (`{first}` or `{second}`)"
        )
    elif value == 0:
        raise Tie(
            f"`{column}` is 0, a tie on its -3 to 3 scale: neither answer is preferred and the row makes no pair"
        )
    else:
        winner = _FIRST if value < 0 else _SECOND
    chosen, rejected = (first, second) if winner == _FIRST else (second, first)
    out = {k: v for k, v in record.items() if k not in (first, second, "prompt", *CHOICES)}  # the others: a warning
    return {**out, "prompt": record["prompt"], "chosen": record[chosen], "rejected": record[rejected]}


def _preference_unread(first: str, second: str, said: str) -> str:
    """Why a row's `preference` is not read: the column holds values other than the answers' numbers (`said`: this
    row's, or the file's first such value and where)."""
    return (
        f"`{_GENERIC}` is {said}: a column of that name is read only as the preferred answer's number, {first[-1]} "
        f"(`{first}`) or {second[-1]} (`{second}`), in every row; as a strength or a choice read the other way it "
        "would prefer the worse answer, so it is not read and the row makes no pair (write the preferred answer's "
        "number as `better_response_id`, or a -3..3 strength as `preference_strength`)"
    )


def _preference_ids(records: list[tuple[int, Any]]) -> str | None:
    """The first value (as JSON) of a numbered row judged by `preference` that is not one of its answers' numbers
    (nor its key), else None: then the file's `preference` column is not read in any row."""
    for _, record in records:
        if judged_shape(record) != "numbered" or next(c for c in CHOICES if c in record) != _GENERIC:
            continue
        first, second = _numbered(record)  # type: ignore[misc]
        value = record[_GENERIC]
        named = value.strip() if isinstance(value, str) else None
        if named not in (first, second) and _number(value) not in (int(first[-1]), int(second[-1])):
            return json.dumps(value, default=str)
    return None


def _number(value: Any) -> float | None:
    """A number as a table or JSON writes it (1, 1.0, "1", " 4.5"); None for anything else (True, "good", NaN).

    >>> _number(1.0) == 1, _number("4.5"), _number(True), _number(float("nan")), _number("x")
    (True, 4.5, None, None, None)
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number else None


def _winner(record: dict, shape: str) -> str:
    if shape == "SHP":
        label = _number(record.get("labels"))
        if label in (0, 1):
            return _FIRST if label == 1 else _SECOND
        raise NoPair(f"`labels` is {json.dumps(label, default=str)}: SHP's 1 prefers human_ref_A, 0 human_ref_B")
    if "winner" in record:
        word = record["winner"].strip().lower() if isinstance(record["winner"], str) else None
        if word in _WORDS:
            return _WORDS[word]
        said = json.dumps(record["winner"], default=str)
        raise NoPair(f"`winner` is {said}; the studio reads model_a, model_b, tie or tie (bothbad)")
    flags = [record.get(k) for k in _WINNER_COLUMNS]
    read = [_number(f) for f in flags]  # 0/1, or 0.0/1.0 where a null made the column floats (pandas, Parquet)
    if sorted(read, key=str) == [0, 0, 1]:
        return (_FIRST, _SECOND, _TIE)[read.index(1)]
    raise NoPair(f"`winner_model_a`, `winner_model_b`, `winner_tie` are {flags}: one of them should be 1")


# Why a conversation judged as a whole makes no pair: its two sides part before their last answer.
_MULTI_TURN = (
    "the judge compared two conversations of {turns} turns, whose answers differ before the last one: a pair is one "
    "shared prompt and two last answers, so the row makes none (keep its first turn as a row of its own to use it)"
)


def _one_answer_apart(chosen: Any, rejected: Any) -> None:
    """NoPair when two whole conversations differ before their last assistant turn (see _MULTI_TURN)."""
    if not (isinstance(chosen, list) and isinstance(rejected, list)):
        return
    pairs = zip(chosen, rejected, strict=False)  # sides of other lengths part where the shorter ends
    shared = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(chosen), len(rejected)))
    later = [t for t in (*chosen[shared + 1 :], *rejected[shared + 1 :]) if isinstance(t, dict)]
    if any(t.get("role") in ("user", "human") for t in later):
        raise NoPair(_MULTI_TURN.format(turns=sum(isinstance(t, dict) and t.get("role") == "user" for t in chosen)))


def _turn_lists(prompt: Any, chosen: Any, rejected: Any) -> tuple[list, list, list] | None:
    """A prompt and two answers written as JSON lists of turns (Arena's export: one item per user turn), when all
    three are; None for plain text."""
    lists = []
    for value in (prompt, chosen, rejected):
        if isinstance(value, str) and value.lstrip().startswith("["):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                return None
        if not (isinstance(value, list) and all(isinstance(v, str) or v is None for v in value)):
            return None
        lists.append(value)
    return tuple(lists)  # type: ignore[return-value]


def _read_from(record: dict, shape: str) -> str:
    """The keys a judged row of `shape` is read from, as the file's note names them."""
    if shape == "numbered":
        return "`{}`, `{}`, `{}`".format(*_numbered(record), next(c for c in CHOICES if c in record))  # type: ignore[misc]
    if shape == "completions":
        return f"`instruction` (or `prompt`), `{COMPLETIONS}`"  # one note for both
    if shape in ("rated", REJECTED):
        return "`generations`, `ratings`" if shape == "rated" else f"`{REJECTED}` beside the chat"
    first, second, _ = SHAPES[shape]
    verdict = "labels" if shape == "SHP" else "winner" if "winner" in record else "`, `".join(_WINNER_COLUMNS)
    return f"`{first}`, `{second}`, `{verdict}`"


def judged_records(
    records: list[tuple[int, Any]],
) -> tuple[list[tuple[int, Any]], list[tuple[int, str]], list[str], list[str]]:
    """(records with each judged row as its pair, (line, why) of each judged row that makes none, the file's notes on
    how its judged rows were read, its warnings: numbered pairs' choice columns not read and their ties counted).

    >>> row = {"prompt": "2+2?", "response_0": "5", "response_1": "4", "better_response_id": 1, "safer_response_id": 0}
    >>> print(judged_records([(1, row)])[3][0][:67])
    1 row holds `better_response_id` and `safer_response_id`: each pair
    """
    out, refused, found, left = [], [], Counter(), Counter()
    unread, ties = Counter(), Counter()  # numbered pairs: (choice read, those not) -> rows; choice column -> ties
    unpaired = Counter()  # UltraFeedback's completions making no pair: "tie" / "unrated" -> rows
    records = list(records)  # two passes: a `preference` value not an answer's number makes the column read in no row
    odd = _preference_ids(records)
    generic = 0  # the rows whose `preference` is then not read
    records.reverse()  # then popped in file order: each record let go as its row is made (a file's rows drained)
    while records:
        number, record = records.pop()
        shape = judged_shape(record)
        if shape is None:
            out.append((number, record))
            continue
        if odd and shape == "numbered" and next(c for c in CHOICES if c in record) == _GENERIC:
            first, second = _numbered(record)  # type: ignore[misc]
            mine = json.dumps(record[_GENERIC], default=str)
            value = mine if mine == odd else f"{mine} here and {odd} in another row"
            refused.append((number, _preference_unread(first, second, value)))
            generic += 1
            continue
        said = _read_from(record, shape)
        found[said] += 1
        if shape == "numbered" and len(choices := [c for c in CHOICES if c in record]) > 1:
            unread[choices[0], tuple(choices[1:])] += 1
        try:
            out.append((number, judged_pair(record, shape)))
        except (Tie, Unrated) as exc:  # counted in a warning, each named with the rows left out
            refused.append((number, str(exc)))
            if shape == "completions":
                unpaired["tie" if isinstance(exc, Tie) else "unrated"] += 1
            else:
                ties[next(c for c in CHOICES if c in record)] += 1
        except NoPair as exc:
            refused.append((number, str(exc)))
            left[said] += 1
    notes = [
        (
            f"{plural(n, 'row')} {'rates' if n == 1 else 'rate'} several answers ({said}): read as preference "
            "pairs, the best-rated answer chosen and the worst-rated rejected (the answers rated between them are "
            "not used)"
            if said.startswith("`generations`")
            else f"{plural(n, 'row')} {'rates' if n == 1 else 'rate'} several completions ({said}, as UltraFeedback's "
            f"raw rows do, each rated by {RATED_BY}): read as preference pairs as ultrafeedback_binarized makes them, "
            "the highest-rated completion chosen; the rejected one is the lowest-rated (the first of equals), where "
            "the binarized set picks one rated lower at random, so the same file makes the same pairs"
            if said.endswith(f"`{COMPLETIONS}`")
            else f"{plural(n, 'row')} {'holds' if n == 1 else 'hold'} a rejected answer ({said}, as ms-swift's "
            "preference rows do): read as preference pairs, the chat's last answer chosen and the rejected answer "
            "rejected, the turns before them the prompt"
            if said.startswith(f"`{REJECTED}`")
            else f"{plural(n, 'row')} {'judges' if n == 1 else 'judge'} two answers ({said}): read as preference "
            "pairs, the preferred answer chosen and the other rejected"
        )
        + (f"; {left[said]} without a preferred answer left out, each named" if left[said] else "")
        for said, n in found.items()
    ]
    warnings = [
        f"{plural(n, 'row')} {'holds' if n == 1 else 'hold'} `{used}` and `{'` and `'.join(others)}`: each pair "
        f"prefers the answer `{used}` names; `{'`, `'.join(others)}` {'is' if len(others) == 1 else 'are'} not read "
        f"(to pair by `{others[0]}` instead, leave `{used}` out of the file)"
        for (used, others), n in unread.items()
    ]
    warnings += [
        f"{plural(n, 'row')} {'is a tie' if n == 1 else 'are ties'} (`{column}` 0): neither answer is preferred, "
        f"so {'it makes' if n == 1 else 'they make'} no pair and {'is' if n == 1 else 'are'} left out (named with the "
        "rows left out)"
        for column, n in ties.items()
    ]
    if generic:
        warnings.append(
            f"`{_GENERIC}` is not read ({plural(generic, 'row')} judged by it): it holds values other than the "
            f"numbers of the answers beside it ({odd}, for one), and a column of that name is read only as "
            "the preferred answer's number; as a strength or a choice read the other way it would prefer the worse "
            f"answer, so {'that row makes' if generic == 1 else 'those rows make'} no pair (each named). Write the "
            "preferred answer's number as `better_response_id`, or a -3..3 strength as `preference_strength`"
        )
    if unpaired:
        why = [f"{unpaired['tie']} whose completions are all rated alike"] * bool(unpaired["tie"])
        why += [f"{unpaired['unrated']} with fewer than two completions rated"] * bool(unpaired["unrated"])
        n = sum(unpaired.values())
        warnings.append(
            f"{plural(n, 'row')} of rated completions {'makes' if n == 1 else 'make'} no pair ({' and '.join(why)}): "
            f"no completion is preferred, so {'it is' if n == 1 else 'they are'} left out (named with the rows left "
            "out)"
        )
    return out, refused, notes, warnings


__all__ = [
    "CHOICES",
    "COMPLETIONS",
    "RATINGS",
    "SHAPES",
    "NoPair",
    "Tie",
    "Unrated",
    "judged_pair",
    "judged_records",
    "judged_shape",
    "rating_read",
]
