"""Rows the max length cuts, said before a run (`cut_warnings`: `train`, the Train page, `batch`, the Batches page):
how many trained tokens are lost past the cut, the rows whose final reply it takes entirely or the end of
(`final_reply_cut`), and the max length that keeps every row whole. Moved out of run_preflight (its checks before a
run); the encodings are training's own, so what is said is what the run cuts. Knows no page: where a reader sees a
row cut is said in the CLI's words unless the caller gives its own (`shows`).
"""

from __future__ import annotations

from ftlib.errors import numbered, plural

# Rows named in a warning before "and N more".
NAMED_ROWS = 5

# Where a page's reader sees where a row is cut (`cut_warnings(shows=)`): the Train and Batches pages pass it.
TOKENS_PAGE_SHOWS = "the Tokens page shows where a row is cut"


def tokens_command_shows(max_length: int) -> str:
    """Where a CLI user sees where a run at `max_length` tokens cuts a row: the `tokens` command. Said after rows
    numbered from 1, so how --row counts is said too (tokens' own help), and that it reads with the default model
    and template unless given the command's own.

    >>> tokens_command_shows(384)[:86]
    '`python -m ftlib tokens FILE --row N --max-length 384` shows where a row is cut (--row'
    """
    return (
        f"`python -m ftlib tokens FILE --row N --max-length {max_length}` shows where a row is cut (--row counts the "
        "file's rows from 0, not 1; give it this command's --model and --template)"
    )


def cut_warnings(
    encoded: list,
    max_length: int,
    numbers: list[int],
    context: int | None = None,
    left_out: list = (),
    template: str = "",
    can_split: bool = False,
    shows: str | None = None,
) -> list[str]:
    """A warning naming the training rows whose trained tokens the max length cuts off (the row is kept, its end is
    never learned), with how much of everything trained that is, the rows whose final reply is cut entirely or loses
    its end (`final_reply_cut`), and the max length that keeps every row whole; [] when none is cut. A preference pair
    counts once, by either answer. `numbers`: the training row (1-based) of each encoding; `context`: the model's
    context length, past which no max length helps (the rows longer than it are named); `template`: the run's
    template's title, which the lengths are counted in (another template writes other lengths; raw text: none);
    `can_split`: the run's method packs (SFT), so a cut document (a text row) can be split instead of cut (bfd_split);
    `shows`: where the reader sees where a row is cut, in its words (a page's: `TOKENS_PAGE_SHOWS`), else the CLI's
    command (`tokens_command_shows`).

    The rows left with nothing to learn at all are said elsewhere (`encode_for_training` leaves them out); their
    encodings (`left_out`) count in the longest row the fix names, so a max length raised to it keeps them too.
    """
    from ftlib.tokens import parts

    cut_rows, lost, total, unreadable, pushed, documents = [], 0, 0, [], 0, 0
    ends: dict[str, list[int]] = {"entirely": [], "partly": [], "before": []}  # rows, by what the cut takes
    longest = max((len(p.all_ids) for enc in left_out for p in parts(enc).values()), default=0)
    for number, enc in zip(numbers, encoded, strict=False):
        row_lost = 0
        for part in parts(enc).values():
            trained = [t for t in part.token_trained if t] if part.token_trained else []
            total += len(trained)
            longest = max(longest, len(part.all_ids))
            if context and len(part.all_ids) > context and number not in unreadable:
                unreadable.append(number)
            if part.truncated:
                cut = sum(1 for t in part.token_trained[len(part.input_ids) :] if t)
                row_lost += cut
                pushed += cut if getattr(part, "rejected", False) else 0  # a rejected answer's: pushed down
        if row_lost:
            cut_rows.append(number)
            lost += row_lost
            documents += getattr(enc, "template", None) == ""  # a text row: no conversation to split, no template
            # A rejected answer is never imitated: its end cut teaches no stopping (helper 78's walk on DPO pairs).
            said = [final_reply_cut(part) for part in parts(enc).values() if not getattr(part, "rejected", False)]
            if end := next((e for e in ("entirely", "partly") if any(e == cut for cut, _ in said)), None):
                ends[end].append(number)
            if end == "entirely" and any(before for _, before in said):
                ends["before"].append(number)
    if not cut_rows:
        return []
    percent = f"{lost / total:.0%}" if total else ""
    share = f" ({'under 1%' if percent == '0%' else percent} of all trained tokens)" if total else ""
    are = "is" if len(cut_rows) == 1 else "are"
    never = (
        "learned" if not pushed else "pushed down (rejected answers)" if pushed == lost else "learned or pushed down"
    )
    written = f" as the {template} template writes it" if template and documents < len(cut_rows) else ""
    fix = (
        f"Raise the max length (the longest row has {longest} tokens{written}: a max length of {longest} keeps "
        "every row whole) or shorten those rows"
    )
    if unreadable:  # no max length fits a row the model cannot read at all
        one = len(unreadable) == 1
        fix = (
            f"Raise the max length, at most to the model's context of {context} tokens, or shorten those rows; "
            f"{numbered('training row', unreadable)} {'is' if one else 'are'} longer than the model can read at all "
            f"(the longest has {longest} tokens): split {'it' if one else 'them'} into shorter rows, shorten "
            f"{'it' if one else 'them'} or drop {'it' if one else 'them'}"
        )
    if can_split and documents:  # a split answer would lose its prompt: offered for documents only
        fix += (
            f"; or train every token of {'that document' if documents == 1 else f'those {documents} documents'} "
            "(text rows) with packing on and packing_strategy bfd_split (Train page: Rows longer than max length; "
            "--packing --packing-strategy bfd_split), which splits each into pieces of the max length"
        )
    return [
        f"{plural(len(cut_rows), 'training row')} {are} longer than the max length of {max_length} tokens and cut: "
        f"{plural(lost, 'trained token')}{share} past the cut {'is' if lost == 1 else 'are'} never {never} "
        f"({numbered('training row', cut_rows, NAMED_ROWS)})."
        f"{_ends_said(ends, len(cut_rows))} {fix}; {shows or tokens_command_shows(max_length)}."
    ]


def final_reply_cut(enc) -> tuple[str | None, bool]:
    """(what the max length cuts of the last assistant reply of one encoded sequence, when it is trained: "entirely",
    "partly" (its end, end-of-turn token included) or None; whether the reply before it is cut mid-way too, losing its
    end-of-turn token), from the turns the cut reaches (`Encoded.cut_turns`)."""
    last = max((k for k, m in enumerate(enc.messages) if m.get("role") == "assistant"), default=None)
    replies = [t for t in enc.cut_turns if t["role"] == "assistant" and t["trained"]]
    final = next((t for t in replies if t["message"] == last), None)
    if final is None:
        return None, False
    return ("entirely" if final["fully_cut"] else "partly"), any(not t["fully_cut"] for t in replies if t is not final)


def _ends_said(ends: dict[str, list[int]], cut: int) -> str:
    """The sentences of `cut_warnings` on the final replies the cut takes (`ends`: the rows of each kind, of `cut`
    rows cut in all); "" when it takes none."""

    def among(rows: list[int]) -> str:  # which of the rows cut, named unless it is all of them
        if len(rows) == cut:
            return "this row" if cut == 1 else f"all {cut}"
        return f"{len(rows)} of them ({numbered('training row', rows, NAMED_ROWS)})"

    said = ""
    if entirely := ends["entirely"]:
        before = ends["before"]
        which = "each" if len(before) == len(entirely) else f"{len(before)} of those"
        also = f", and in {which} the reply before it is cut mid-way (its end-of-turn token lost)" if before else ""
        said += (
            f" In {among(entirely)} the final reply is cut off entirely{also}: the model never sees how "
            f"{'this conversation ends' if len(entirely) == 1 else 'these conversations end'}."
        )
    if partly := ends["partly"]:
        said += (
            f" In {among(partly)} the final reply loses its end, its end-of-turn token included, so the model learns "
            "to stop nowhere."
        )
    return said
