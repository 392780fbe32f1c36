"""Answers marked good or bad (thumbs up / down) -> preference pairs: per prompt, the i-th good answer with the i-th
bad one, in file order.

    row 1  {"prompt": P, "completion": A, "label": true}      ->  {"prompt": P, "chosen": A, "rejected": B}
    row 2  {"prompt": P, "completion": B, "label": false}
    row 3  {"prompt": P, "completion": C, "label": true}      ->  left out: P's second good answer, no bad one left
    row 4  {"prompt": Q, "completion": D, "label": false}     ->  left out: Q has bad answers only

This is TRL's unpaired preference data (KTO's `prompt`/`completion`/`label`) read the other way: TRL's
`unpair_preference_dataset` splits each pair into a good row and a bad row; here rows of one prompt are put back
together, so DPO and a reward model (which need `prompt`/`chosen`/`rejected`) can train on feedback.

Pairing rules (decided here, `tests/test_feedback_pairs.py` holds them):
- The good and bad answers of a prompt are zipped, not crossed: 2 good and 3 bad make 2 pairs, not 6. Every
  combination would weight a prompt with many answers by their product (10 x 10 answers: 100 pairs beside another
  prompt's 1), and reuse each answer in several pairs, which DPO reads as that answer counting several times.
- Prompts are the same when their canonical turns are (ftlib.rows; with their `tools`): a string prompt and a
  one-turn messages list with that text are one prompt, as the studio trains both alike. Prompts that differ only in
  spaces or line breaks are NOT merged (a space can change what a model answers, and a merge would be silent): each
  row left out for it says which row's prompt it nearly matches, so the user can make them the same.
- An answer labelled both good and bad under one prompt (the same answer's rows disagree) is in no pair: paired
  with itself it has nothing to prefer (the pair is refused when read), and the feedback does not say which it is.
  Each of its rows is left out naming a row of the other label; the prompt's other answers pair as above.
- Every row that makes no pair is returned with why (`FeedbackPairs.left_out`): nothing is dropped unsaid.
- A prompt whose answers of one label are all in rows refused when the file was read (an empty answer) names those
  rows (`refused`: refused_answers.RefusedAnswer) where it would say the prompt has answers of the other label only.

Not known here: reading files (data.py), writing the file (commands/data_pair.py, the Data page).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ftlib.errors import UserError, plural
from ftlib.rows import row_kind


class NotFeedback(UserError):
    """A row that is not an answer labelled good or bad (ftlib.rows' `unpaired` kind); the message names it."""


@dataclass
class FeedbackPairs:
    """What `feedback_pairs` made: the `pairs` (canonical preference rows), the source rows of each (good, bad), the
    rows that made none with why (row number, reason; in row order) and how many prompts made at least one pair."""

    pairs: list[dict] = field(default_factory=list)
    sources: list[tuple[int, int]] = field(default_factory=list)
    left_out: list[tuple[int, str]] = field(default_factory=list)
    prompts: int = 0


def prompt_key(row: dict) -> str:
    """The prompt a row answers, as one string: its canonical turns and tools, exactly (spaces count)."""
    return json.dumps([row["prompt"], row.get("tools")], sort_keys=True, ensure_ascii=False)


def _squashed(row: dict) -> str:
    """The prompt with every run of whitespace as one space: prompts equal so only nearly match (said, not merged).
    JSON writes a line break or tab as an escape: a Windows export's \\r\\n is a line break too."""
    return " ".join(prompt_key(row).replace("\\r", " ").replace("\\n", " ").replace("\\t", " ").split())


def feedback_pairs(
    rows: list[dict],
    numbers: list[int] | None = None,
    where: Callable[[int], str] = lambda n: f"row {n}",
    refused: Sequence = (),
) -> FeedbackPairs:
    """Pair each prompt's good answers with its bad ones, the i-th good with the i-th bad in row order.

    `rows`: canonical unpaired rows {"prompt": [turn], "completion": [turn], "label": bool} (ftlib.rows);
    `numbers`: each row's number in its file (1-based; default 1, 2, ...); `where`: a number in words, for the
    reasons ("line 4"; `LoadResult.where`); `refused`: the rows refused when read (`LoadResult.errors`), whose
    answers of a known prompt and label (refused_answers.RefusedAnswer) are named where a prompt lacks its other
    label's answer for them. Each pair is {"prompt", "chosen", "rejected"} (with the rows' `tools`
    where they have some). NotFeedback when a row is of another kind (a preference pair, a conversation).

    >>> good = {"prompt": [{"role": "user", "content": "2+2?"}], "label": True}
    >>> rows = [good | {"completion": [{"role": "assistant", "content": "4"}]},
    ...         good | {"completion": [{"role": "assistant", "content": "5"}], "label": False},
    ...         good | {"completion": [{"role": "assistant", "content": "Four"}]}]
    >>> made = feedback_pairs(rows)
    >>> [(p["chosen"][0]["content"], p["rejected"][0]["content"]) for p in made.pairs], made.sources
    ([('4', '5')], [(1, 2)])
    >>> made.left_out
    [(3, 'its prompt has 2 good answers and 1 bad one, paired in file order: this good answer has no bad one left')]
    """
    numbers = list(range(1, len(rows) + 1)) if numbers is None else numbers
    groups: dict[str, tuple[list[int], list[int]]] = {}  # prompt -> (indexes of good rows, of bad rows)
    for i, row in enumerate(rows):
        kind = row_kind(row)
        if kind != "unpaired":
            raise NotFeedback(
                f"{where(numbers[i])[:1].upper()}{where(numbers[i])[1:]} is not an answer labelled good or bad (it "
                f"reads as a {kind} row): pairing reads rows of `prompt`, `completion` and a true/false `label`."
            )
        groups.setdefault(prompt_key(row), ([], []))[0 if row["label"] else 1].append(i)
    made, left = FeedbackPairs(), {}
    torn = set()  # the prompts with an answer labelled both good and bad
    for key, (good, bad) in groups.items():  # such an answer: its rows out of the pairing, said
        answer = {i: json.dumps(rows[i]["completion"], sort_keys=True) for i in good + bad}
        both = {answer[i] for i in good} & {answer[i] for i in bad}
        for mine, theirs, label in ((good, bad, "bad"), (bad, good, "good")):
            for i in (i for i in mine if answer[i] in both):
                other = next(j for j in theirs if answer[j] == answer[i])
                left[numbers[i]] = (
                    f"the same answer to this prompt is labelled {label} at {where(numbers[other])}: labelled both "
                    "good and bad, it is in no pair (paired with itself there is nothing to prefer)"
                )
        good[:], bad[:] = ([i for i in mine if answer[i] not in both] for mine in (good, bad))
        torn |= {key} if both else set()
    # squashed prompt -> (first row, spare good answers?, spare bad answers?) of each prompt: its answers left unpaired
    near: dict[str, list[tuple[int, bool, bool]]] = {}
    for good, bad in groups.values():
        if good or bad:
            spare = (len(good) > len(bad), len(bad) > len(good))
            near.setdefault(_squashed(rows[(good or bad)[0]]), []).append(((good or bad)[0], *spare))
    for key, (good, bad) in groups.items():
        if not (good or bad):
            continue
        for g, b in zip(good, bad, strict=False):
            pair = {"prompt": rows[g]["prompt"], "chosen": rows[g]["completion"], "rejected": rows[b]["completion"]}
            made.pairs.append(pair | ({"tools": rows[g]["tools"]} if rows[g].get("tools") else {}))
            made.sources.append((numbers[g], numbers[b]))
        made.prompts += bool(good and bad)
        besides = " besides those labelled both good and bad" if key in torn else ""
        counts = f"{plural(len(good), 'good answer')} and {plural(len(bad), 'bad one')}{besides}"
        for label, extra in (("good", good[len(bad) :]), ("bad", bad[len(good) :])):
            other = "bad" if label == "good" else "good"
            why = (
                f"its prompt has {counts}, paired in file order: this {label} answer has no {other} one left"
                if good and bad
                else f"its prompt has {label} answers only{besides}, so there is no {other} answer to pair with"
            )
            # its other answer was in a row refused when read (an empty answer): not "good answers only" (a walk)
            aside = [e.row for e in refused if getattr(e, "prompt_key", None) == key and e.label == (other == "good")]
            if extra and aside and not (good and bad):
                were = "was" if len(aside) == 1 else "were"
                why = (
                    f"its prompt's {other} {'answer' if len(aside) == 1 else 'answers'}, "
                    f"{', '.join(where(n) for n in aside[:3])}{' and more' if len(aside) > 3 else ''}, {were} set "
                    f"aside when the file was read (see why among the rows skipped), so this {label} answer has none "
                    f"to pair with: fix {'that row' if len(aside) == 1 else 'those rows'} to pair them"
                )
            # A prompt differing only in spaces that leaves answers of the other label unpaired: the user may have
            # meant one prompt, and as one the two would pair (a near prompt whose answers all paired has none to give)
            others = [n for n, *spare in near[_squashed(rows[(good or bad)[0]])] if spare[label == "good"]]
            if extra and others:
                why += (
                    f" (its prompt differs from {where(numbers[others[0]])}'s only in spaces or line breaks; prompts "
                    "pair only when identical: make them the same to pair them)"
                )
            left.update({numbers[i]: why for i in extra})
    made.left_out = sorted(left.items())
    return made


def pairs_jsonl(pairs: list[dict]) -> str:
    """The pairs as JSON lines: as text ({"prompt": "...", "chosen": "...", "rejected": "..."}) where every pair is one
    plain user turn and two plain assistant turns, else every pair as turns (one shape for the whole file: a
    dataset's column holds one type). The studio and TRL read both alike."""
    plain = all(_text(p["prompt"], "user") is not None for p in pairs) and all(
        _text(p[k], "assistant") is not None and "tools" not in p for p in pairs for k in ("chosen", "rejected")
    )
    if plain:
        pairs = [{"prompt": _text(p["prompt"], "user")} | {k: _text(p[k], "assistant") for k in PAIR} for p in pairs]
    return "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs)


PAIR = ("chosen", "rejected")


def _text(turns: list[dict], role: str) -> str | None:
    """The text of one plain turn of `role` (no reasoning, no tool calls), else None."""
    if len(turns) == 1 and set(turns[0]) == {"role", "content"} and turns[0]["role"] == role:
        return turns[0]["content"]
    return None


def pair_hint(rows: list[dict], command: str) -> str:
    """The way from answers labelled good or bad to the pairs DPO and a reward model need, with its counts; "" where
    no prompt has both a good and a bad answer (or a row is of another kind). `command` writes the pairs ("`python
    -m ftlib data pair chats.jsonl --out pairs.jsonl`").

    >>> row = {"prompt": [{"role": "user", "content": "Hi"}], "completion": [{"role": "assistant", "content": "Hey"}]}
    >>> pair_hint([row | {"label": True}, row | {"completion": [], "label": False}], "`pair`")
    ' 1 prompt has both a good and a bad answer: `pair` makes 1 preference pair.'
    """
    try:
        made = feedback_pairs(rows)
    except NotFeedback:
        return ""
    if not made.prompts:
        return ""
    has = "has" if made.prompts == 1 else "have"
    return (
        f" {plural(made.prompts, 'prompt')} {has} both a good and a bad answer: {command} makes "
        f"{plural(len(made.pairs), 'preference pair')}."
    )


# The Train page's way from such answers to pairs (the Data page's button, `ui.data_files.offer_pairs`), as `train`'s
# is `python -m ftlib data pair FILE --out pairs.jsonl` (`commands.data_pair.train_hint`).
PAGE_PAIR_WAY = "the Data page's **Save as preference pairs** (above the rows, with the file of these answers open)"
# The methods that train on pairs only, so refuse answers labelled good or bad (KTO trains on them as they are).
PAIRS_ONLY = ("dpo", "reward")


def pairing_way(method: str, rows: list[dict], way: str) -> str:
    """What the refusal of `method` (DPO, a reward model) on answers labelled good or bad (`rows`, canonical) adds:
    `pair_hint`'s sentence with `way` (the CLI's `data pair` command, the page's `PAGE_PAIR_WAY`), one sentence for
    `train` and the Train page alike (h227's walk: the page's refusal did not point to pairing them); "" for other
    methods, other rows, or where no prompt has both a good and a bad answer.

    >>> row = {"prompt": [{"role": "user", "content": "Hi"}], "completion": [{"role": "assistant", "content": "Yo"}]}
    >>> pairing_way("dpo", [row | {"label": True}, row | {"completion": [], "label": False}], PAGE_PAIR_WAY)
    "1 prompt has both a good and a bad answer: the Data page's **Save as preference pairs** (above the rows, \
with the file of these answers open) makes 1 preference pair."
    >>> pairing_way("kto", [row | {"label": True}, row | {"completion": [], "label": False}], PAGE_PAIR_WAY)
    ''
    """
    return pair_hint(rows, way).strip() if method in PAIRS_ONLY else ""


__all__ = [
    "PAGE_PAIR_WAY",
    "PAIRS_ONLY",
    "FeedbackPairs",
    "NotFeedback",
    "feedback_pairs",
    "pair_hint",
    "pairing_way",
    "pairs_jsonl",
]
