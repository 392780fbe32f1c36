"""Rows the max length cuts, said before a run (`cut_warnings`: `train`, the Train page, `batch`, the Batches page):
how many trained tokens are lost past the cut, the rows whose final reply it takes entirely or the end of
(`final_reply_cut`), and the max length that keeps every row whole. Moved out of run_preflight (its checks before a
run); the encodings are training's own, so what is said is what the run cuts. Knows no page: where a reader sees a
row cut is said in the CLI's words unless the caller gives its own (`shows`).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence

from ftlib.errors import numbered, plural

# Rows named in a warning before "and N more".
NAMED_ROWS = 5

# Where a page's reader sees where a row is cut (`cut_warnings(shows=)`): the Train and Batches pages pass it.
TOKENS_PAGE_SHOWS = "the Tokens page shows where a row is cut"


def tokens_command_shows(max_length: int, flags: Sequence[str] | None = None) -> str:
    """Where a CLI user sees where a run at `max_length` tokens cuts a row, when the warning cannot name the file
    (a saved split): the `tokens` command, --line N naming a row as the file's rows are named (counted from 1), with
    `flags` (the run's --model, --template, ... where not the defaults: `run_flags`); None: the run's are not known,
    so it asks for them.

    >>> tokens_command_shows(384, ["--template", "chatml"])[:98]
    '`python -m ftlib tokens FILE --line N --max-length 384 --template chatml` shows where a row is cut'
    """
    given = "" if flags is None else "".join(f" {shlex.quote(f)}" for f in flags)
    ask = "; give it this command's --model and --template" if flags is None else ""
    return (
        f"`python -m ftlib tokens FILE --line N --max-length {max_length}{given}` shows where a row is cut (N: where "
        f"the row is in FILE, counted from 1 as `data inspect` names rows{ask})"
    )


def tokens_command(file: str, line: int, flags: Sequence[str] = (), max_length: int | None = None) -> str:
    """The `tokens` command that shows the row at `line` of `file` (its --line: a JSONL line, a JSON item, a table's
    data row, as `LoadResult.where` numbers them) with `flags`, cut at `max_length` when given; shell-quoted.

    >>> tokens_command("my chats.jsonl", 4, ["--model", "m"], 32)
    "python -m ftlib tokens 'my chats.jsonl' --line 4 --model m --max-length 32"
    """
    words = ["python -m ftlib tokens", shlex.quote(str(file)), f"--line {line}", *map(shlex.quote, flags)]
    return " ".join(words + ([f"--max-length {max_length}"] if max_length is not None else []))


def row_shows(command: str, row: int) -> str:
    """`cut_warnings`' last words where the caller knows the file: `command` (`tokens_command`) shows training row
    `row`, the first the warning names, cut."""
    return f"`{command}` shows where training row {row} is cut"


def run_flags(
    config, template_file: str | None = None, fmt: str | None = None, pairs: Sequence[str] = ()
) -> list[str] | None:
    """The `tokens` flags that read and encode a row as the run of `config` does: --format and --map (`fmt`,
    `pairs`: how the run read its file), --model, --template (a custom one: --template-file `template_file`) and
    --policy, each left out where it is the default; None for a custom template from no file (no flag gives it)."""
    from ftlib.config import field_specs

    specs = field_specs()
    flags = ["--format", fmt] if fmt else []
    flags += [word for pair in pairs for word in ("--map", pair)]
    flags += ["--model", config.model] if config.model != specs["model"].default else []
    if config.template == "custom":
        if not template_file:
            return None
        flags += ["--template-file", template_file]
    elif config.template != specs["template"].default:
        flags += ["--template", config.template]
    return flags + (["--policy", config.mask_policy] if config.mask_policy != specs["mask_policy"].default else [])


def run_shows(config, data, template_file: str | None = None, fmt: str | None = None, pairs: Sequence[str] = ()):
    """`cut_warnings(shows=)` for `train`: given the first training row cut, the `tokens` command that shows it (its
    --line from the places the run's split keeps, `data.meta`'s `train_lines`, with `run_flags`) where the run reads
    a data file (`data`: run_data.DatasetRows); else where a row is cut in general (`tokens_command_shows`)."""
    from ftlib.split_lines import side_places

    flags = run_flags(config, template_file, fmt, pairs)
    found = side_places(data.meta, "train", len(data.train)) if data.loaded is not None else None
    if flags is None or found is None or data.meta.get("kept_from") != "file":
        return tokens_command_shows(config.max_length, flags)
    from ftlib.item_lines import shown_at  # a .jsonl file read whole: an item's first line is what --line takes

    lines = found[1]  # each training row's place in the file
    return lambda row: row_shows(
        tokens_command(data.loaded.source, shown_at(data.loaded, lines[row - 1]), flags, config.max_length), row
    )


def cut_warnings(
    encoded: list,
    max_length: int,
    numbers: list[int],
    context: int | None = None,
    left_out: list = (),
    template: str = "",
    can_split: bool = False,
    shows: str | Callable[[int], str] | None = None,
) -> list[str]:
    """A warning naming the training rows whose trained tokens the max length cuts off (the row is kept, its end is
    never learned), with how much of everything trained that is, the rows whose final reply is cut entirely or loses
    its end (`final_reply_cut`), and the max length that keeps every row whole; [] when none is cut. A preference pair
    counts once, by either answer. `numbers`: the training row (1-based) of each encoding; `context`: the model's
    context length, past which no max length helps (the rows longer than it are named); `template`: the run's
    template's title, which the lengths are counted in (another template writes other lengths; raw text: none);
    `can_split`: the run's method packs (SFT), so a cut document (a text row) can be split instead of cut (bfd_split);
    `shows`: where the reader sees where a row is cut, in its words (a page's: `TOKENS_PAGE_SHOWS`), or a function of
    the first row cut giving them (the CLI's command that shows that very row: `row_shows`, `run_shows`), else the
    CLI's command for any row (`tokens_command_shows`).

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
    said = shows(cut_rows[0]) if callable(shows) else shows or tokens_command_shows(max_length)
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
        f"{_ends_said(ends, len(cut_rows))} {fix}; {said}."
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
