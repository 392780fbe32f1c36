"""A good/bad label column that holds a rating: refused before its 1s are read as "good".

KTO's rows carry a label, true for a good answer and false for a bad one; 1 and 0 are read as true and false
(`turns.as_bool`). A column of ratings (1 to 5 stars, a 0-10 score) mapped or named as the label holds 1s too, and
those are its *worst* answers: read one by one, every 1 would train as a good answer while the 4s and 5s are refused.
`rating_problem` looks at the whole column first. The other way round, a file read as answers to imitate that
leaves a rating or thumbs column unread is warned of (`unread_judgement`): its 1-star answers would be imitated.

Not known here: how a row's label is read (formats.py), loading a file (data.py).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Collection
from typing import Any

from ftlib.split_lines import rows_said

# The keys an unpaired row's label is read from, in the order formats._label reads them.
LABEL_KEYS = ("label", "kto_tag")


def as_number(value: Any) -> float | None:
    """A label written as a number (an int, a float, or text holding one); None for booleans, words and the rest.

    >>> [as_number(v) for v in (5, "4", " 2.5 ", True, "good", None, "nan")]
    [5.0, 4.0, 2.5, None, None, None, None]
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if number == number else None  # NaN is no rating


def rating_problem(
    records: list[tuple[int, dict]], shown: dict[str, str], what: str = "field", noun: str = "row", keys=()
) -> str | None:
    """Why an unpaired file's label column cannot be read as good/bad labels, or None when it can: it holds numbers
    other than 0 and 1 (a rating). `records` are (line or row number, mapped record); `shown` maps a field to the
    file's own column name, and `noun` what a number points to ("line" in JSONL), for the message; `keys`: a .json
    file's keys its rows were read from (`LoadResult.from_keys`), each row's said too (`split_lines.rows_said`).

    >>> rows = [(1, {"label": 5}), (2, {"label": 1}), (3, {"label": "4"})]
    >>> print(rating_problem(rows, {"label": "rating"}, "column"))  # doctest: +ELLIPSIS
    The 'rating' column, read as the good/bad label, holds ratings (4 and 5 besides 0 and 1; rows 1, 3): read...
    >>> rating_problem([(1, {"label": 1}), (2, {"label": "false"})], {})
    >>> rating_problem([(1, {"label": 1}), (2, {"label": 0}), (3, {"label": 2}), (4, {"label": 1})], {})  # a typo
    """
    others: dict[float, list[int]] = {}
    key, numbers = None, 0
    for number, record in records:
        key = next((k for k in LABEL_KEYS if k in record), key)
        value = as_number(record.get(key)) if key else None
        numbers += value is not None
        if value is not None and value not in (0, 1):
            others.setdefault(value, []).append(number)
    off_scale = sum(map(len, others.values()))
    # A scale shows as several other values (1-5 stars), or as one that is common (0-2); a stray 2 among good/bad
    # labels is that row's own mistake, refused with its row (formats._label).
    if not (len(others) >= 2 or (off_scale >= 2 and 4 * off_scale >= numbers)):
        return None
    values = sorted(others)
    said = [f"{v:g}" for v in values[:5]] + (["..."] if len(values) > 5 else [])
    rows = sorted(n for v in values for n in others[v])
    name = shown.get(key, key)
    return (
        f"The '{name}' {what}, read as the good/bad label, holds ratings ({' and '.join(said)} besides 0 and 1; "
        f"{rows_said(noun, rows, keys)}): read one by one, its 1s would train as good answers, though on such a "
        f"scale they are the worst. Turn the rating into a label first (a 'label' {what}: true for the ratings you "
        "call good, false for the bad ones, nothing for the rest), or pick another format ('Read the file as' on the "
        "Data page, --format in the CLI)."
    )


def contradicting_labels(rows: list[dict], places: list[str], shown: int = 3) -> str | None:
    """A warning naming unpaired rows that hold the same prompt and answer labelled good in one and bad in another
    (`places`: where each row is in the file, "line 4"); None when no answer is labelled both ways. KTO would push
    the same answer up and down at once, and a train/test split can put one label on each side.

    >>> row = {"prompt": [{"role": "user", "content": "Hi"}], "completion": [{"role": "assistant", "content": "Yo"}]}
    >>> contradicting_labels([row | {"label": True}, row | {"label": False}], ["line 1", "line 2"])[:76]
    '1 answer is labelled both good and bad: the same prompt and answer in line 1'
    """
    seen: dict[str, dict[bool, str]] = {}
    for row, place in zip(rows, places, strict=True):
        if isinstance(row.get("label"), bool):
            key = json.dumps([row.get("prompt"), row.get("completion")], sort_keys=True, ensure_ascii=False)
            seen.setdefault(key, {}).setdefault(row["label"], place)
    both = [labels for labels in seen.values() if len(labels) == 2]
    if not both:
        return None
    told = "; ".join(f"in {labels[True]} (good) and {labels[False]} (bad)" for labels in both[:shown])
    more = f"; and {len(both) - shown} more" if len(both) > shown else ""
    one = len(both) == 1
    return (
        f"{len(both)} answer{'' if one else 's'} {'is' if one else 'are'} labelled both good and bad: the same prompt "
        f"and answer {told}{more}. KTO would push {'it' if one else 'each'} up and down at once, and a split can put "
        "one label in training and the other in the held-out rows. Keep the right label and drop the other row."
    )


# Words in a column's name that say it judges its row's answer (a feedback export's rating, thumbs, votes), as whole
# words: `start_time` holds no star, `user_rating` a rating.
JUDGING_WORDS = re.compile(
    r"(?<![a-z])(ratings?|rated|scores?|stars?|thumbs?|feedback|(up|down)?votes?|helpful\w*|grades?)(?![a-z])"
)
# ...and those that do where the column holds good/bad labels: a KTO label under another name (`kto_label`,
# `is_desirable`); a `label` of categories (`sports`) judges nothing.
LABEL_NAMES = re.compile(r"(?<![a-z])(labels?|(un)?desirable)(?![a-z])")


def judging_names(unread: list[str], labels: Collection[str] = ()) -> list[str]:
    """The names among `unread` that say they judge each answer (a rating, thumbs, votes; a label's name where
    `labels`, the fields holding good/bad labels, has it), the first 3: those `unread_judgement` names.

    >>> judging_names(["id", "Thumbs Up", "user_rating", "scoreboard", "kto_label", "label_text"], ["kto_label"])
    ['Thumbs Up', 'user_rating', 'kto_label']
    """
    said = [n for n in unread if JUDGING_WORDS.search(n.lower()) or (n in labels and LABEL_NAMES.search(n.lower()))]
    return said[:3]


def unread_judgement(unread: list[str], fmt: str, what: str = "column", labels: Collection[str] = ()) -> str | None:
    """A warning for an answers-to-imitate read (`fmt`: prompt_completion, messages...) that leaves unread a field
    whose name says it judges each answer (`unread`: the file's own names); None when none does. Read so, every
    answer trains as a good one, the thumbs-down and 1-star ones too; a rating mapped as the label is refused
    (`rating_problem`), so the way is a label made from it. `labels`: the fields of `unread` whose every value is a
    good/bad label as written (label_words.as_bool: thumbs_up/thumbs_down, 1/0): those are mapped as the label as
    they are, and the warning says so rather than to make a label of them.

    >>> unread_judgement(["conversation_id", "Rating"], "prompt_completion")[:60]
    "The 'Rating' column is not read, though its name says it may"
    >>> unread_judgement(["feedback"], "alpaca", labels=["feedback"]).split("too. ")[1][:62]
    'Its values are good/bad labels as they are: map it as the labe'
    >>> unread_judgement(["conversation_id", "start_time", "scoreboard"], "prompt_completion")
    """
    names = judging_names(unread, labels)
    if not names:
        return None
    said = " and ".join(f"'{name}'" for name in names)
    one = len(names) == 1
    verb, says = ("is", "its name says it") if one else ("are", "their names say they")
    fix = (
        f"To learn from the judgement, turn it into a 'label' {what} (true for the answers you call good, false for "
        "the bad ones) and read the file as answers marked good or bad (KTO, 'Read the file as' on the Data page, "
        "--format unpaired_preference in the CLI)"
    )
    if one and names[0] in labels:  # thumbs_up/thumbs_down, 1/0: read as they are once mapped (f21b85b)
        fix = (
            f"Its values are good/bad labels as they are: map it as the label to learn from the judgement "
            f"(`--map {shlex.quote(f'{names[0]}=label')}` in the CLI, the label box under Field mapping on the Data "
            "page), and the file is read as answers marked good or bad (KTO)"
        )
    return (
        f"The {said} {what}{'' if one else 's'} {verb} not read, though {says} may judge each answer: read as {fmt}, "
        f"every answer is trained as one to imitate, the badly rated ones too. {fix}; or leave the bad answers out "
        "of the file."
    )


# A preference row's own scores of its two answers, as sets publish them beside chosen and rejected (UltraFeedback's).
SCORE_KEYS = (
    ("score_chosen", "score_rejected"),
    ("chosen_score", "rejected_score"),
    ("chosen_rating", "rejected_rating"),
)


def scores_against(record: dict) -> str | None:
    """The scores of a preference record that rate its rejected answer as good as the chosen one or better, as the
    file writes them ("score_chosen 2, score_rejected 9"); None where they do not, or where it has none (`SCORE_KEYS`,
    each a number or text holding one).

    >>> scores_against({"score_chosen": "5.0", "score_rejected": 5})
    'score_chosen 5.0, score_rejected 5'
    >>> scores_against({"score_chosen": 8, "score_rejected": 2}) is None
    True
    """
    for good, bad in SCORE_KEYS:
        chosen, rejected = as_number(record.get(good)), as_number(record.get(bad))
        if chosen is not None and rejected is not None and chosen <= rejected:
            return f"{good} {record[good]}, {bad} {record[bad]}"
    return None


def scores_note(against: list[tuple[str, str]], shown: int = 3) -> str | None:
    """A warning naming the pairs whose own scores rate the rejected answer as good as the chosen one or better
    (`against`: (where the row is, "line 4"; `scores_against`'s words) of each), None for none. The scores are not
    read: DPO and a reward model train every pair's `chosen` as the better answer, so a tie teaches a preference its
    raters did not have, and a reversed pair the opposite of theirs (UltraFeedback-style sets hold ties)."""
    if not against:
        return None
    told = "; ".join(f"{place} has {said}" for place, said in against[:shown])
    more = f"; and {len(against) - shown} more" if len(against) > shown else ""
    one = len(against) == 1
    return (
        f"{len(against)} pair{'' if one else 's'} {'rates' if one else 'rate'} the rejected answer as good as the "
        f"chosen one or better by {'its' if one else 'their'} own scores: {told}{more}. The scores are not read: "
        f"{'it is' if one else 'each is'} trained with `chosen` as the better answer all the same, a tie as a "
        "preference nobody had. Leave such rows out, or swap a reversed pair's chosen and rejected."
    )


__all__ = [
    "JUDGING_WORDS",
    "LABEL_KEYS",
    "LABEL_NAMES",
    "SCORE_KEYS",
    "as_number",
    "contradicting_labels",
    "rating_problem",
    "scores_against",
    "scores_note",
    "judging_names",
    "unread_judgement",
]
