"""The file-level notices of a load: notes on how a file was read, warnings on what in it is not read.

    FieldNotice("ignored field: `source` in 3 rows; ...", field="source", rows=3)
    file_notices(ignored, records, fmt, refused)   # rows that look like another format, fields nothing reads

A row that looks like another format than the file's is said once per format, with what happens to it: read
without what only that format uses, or refused (its error says why). Not known here: reading and converting
(readers.py, formats.py), the load itself (data.py), the notes on a file of prompts' other columns that GRPO's
rewards read (reward_columns.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ftlib.copied_fields import COPY, NEARLY_COPY
from ftlib.errors import plural
from ftlib.formats import FORMAT_FIELDS, FORMAT_KIND, detect_row_format
from ftlib.label_values import SCORE_KEYS
from ftlib.turn_names import REASONING_FIELDS
from ftlib.turn_reasoning import column_unread_why
from ftlib.turn_weights import NAN_MARK, unread_weight_why

# The two shapes of a conversation: a file may mix them, and each row is read by its own (`own_chat_shape`).
CHATS = ("messages", "sharegpt")
CHAT_NOTES = {
    "messages": "the conversation is in `messages` (role/content turns) among ShareGPT rows: read as it is written.",
    "sharegpt": "the conversation is in `conversations` (ShareGPT) among rows of `messages`: read as it is written.",
}


@dataclass
class FieldNotice:
    """A file-level notice: a warning (a field that is not read, rows that look like another format) or a note on
    how the file was read (`note`: a .csv delimiter other than the comma), which is not a problem."""

    message: str
    field: str | None = None  # the file's own name of an ignored field (a column, a key, `turns[].key`)
    rows: int = 0  # how many rows it concerns
    note: bool = False
    ignored: bool = False  # a field nothing reads (`file_notices`): past IGNORED_SHOWN of them, said in one line
    about: tuple[str, ...] = ()  # the unread fields a warning names with its own way to use them (a rating column)
    reason: str = ""  # why nothing reads an ignored field, where more can be said than that (`unread_why`)
    # A file of prompts' fields a warning asks about (are they the answers? `answers_unread`): GRPO's, once chosen
    passed: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        # "row": None marks a file-level entry among the per-row warnings of `data inspect --json`.
        entry = {"row": None, "message": self.message, "field": self.field, "rows": self.rows}
        return entry | {"note": True} if self.note else entry  # warnings keep the shape they always had


def own_chat_shape(record: dict, fmt: str) -> str:
    """The format to read `record` as in a file read as `fmt`: its own when both are shapes of a conversation.

    >>> own_chat_shape({"conversations": [{"from": "human", "value": "Hi"}]}, "messages")
    'sharegpt'
    """
    shape = detect_row_format(record) if fmt in CHATS else None
    return shape if shape in CHATS else fmt


def looks_like_text(value: Any) -> bool:
    """Whether a cell reads as a sentence (two words or more, or one ending in . ! ?), not an id, a number or a tag.

    >>> [looks_like_text(v) for v in ("Click 'Forgot password'.", "Eight.", "T-1001", "billing", "42", None)]
    [True, True, False, False, False, False]
    """
    if not isinstance(value, str) or _is_number(value):
        return False
    text = value.strip()
    return len(text.split()) >= 2 or text[-1:] in ".!?"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def looks_like(record: dict) -> str | None:
    """The format to suggest for a record: its own, except a conversation format for a row with a label field (read
    as a conversation, an answer marked bad would be trained), and prompts only for a row holding an answer's field
    (a pair's `chosen` without its `rejected` is a broken pair, not a prompt to read alone).

    >>> looks_like({"prompt": "2+2?", "chosen": "4"}) is None
    True
    """
    own = detect_row_format(record)
    if own and FORMAT_KIND[own] == "sft" and {"label", "kto_tag"} & set(record):
        return None
    if own == "prompt_only" and _ANSWER_FIELDS & set(record):
        return None
    return own


_ANSWER_FIELDS = frozenset(("chosen", "rejected", "chosen_messages", "rejected_messages", "completion", "output"))


# The conversation formats, by the field that holds the turns: read as prompts for GRPO by mapping it to prompt.
_CHATS = {"messages": "messages", "sharegpt": "conversations"}


def _as_prompt(fmt: str) -> str:
    """How rows of the conversation format `fmt` are read as prompts only (a conversation that has no answer yet).

    >>> _as_prompt("sharegpt").split(" (Field")[0]
    'To read their turns as prompts (for GRPO), map `conversations` to prompt'
    """
    key = _CHATS[fmt]
    return (
        f"To read their turns as prompts (for GRPO), map `{key}` to prompt (Field mapping on the Data page: "
        f"{key} -> prompt; --map {key}=prompt in the CLI)"
    )


def with_hint(message: str, record: dict, fmt: str) -> str:
    """A row error, plus the format the row looks like when that is another one (19.10: say what fits); a chat row
    read as prompts only is told how its turns are read as the prompt."""
    own = looks_like(record)
    if fmt == "prompt_only" and own in _CHATS:
        return f"{message} (this row looks like {own}: to read its turns as the prompt, map `{_CHATS[own]}` to prompt)"
    return message + other_format_said(own, fmt) if own and own != fmt else message


def other_format_said(own: str, fmt: str) -> str:
    """What `with_hint` adds to the error of a row read as `fmt` that looks like `own`: the ending `data inspect
    --format` finds when every row's error is only that (`commands.wrong_format`).

    >>> other_format_said("messages", "alpaca")
    ' (this row looks like messages, not alpaca)'
    """
    return f" (this row looks like {own}, not {fmt})"


def places_said(n: int, places: list[str]) -> str:
    """Where the `n` rows of a notice are, from the first rows' places: all of them, or the first; "" when none.

    >>> places_said(2, ["line 3", "line 9"]), places_said(40, ["line 3", "line 9", "line 12"]), places_said(1, [])
    (' (line 3, line 9)', ' (the first: line 3)', '')
    """
    if not places:
        return ""
    return f" ({', '.join(places)})" if n <= len(places) else f" (the first: {places[0]})"


# Keys a format reads beyond FORMAT_FIELDS (synonyms read from JSON rows as written).
_ALSO_READ = {"preference": ("chosen_messages", "rejected_messages", "question"), "unpaired_preference": ("kto_tag",)}


def file_notices(
    ignored: Counter,
    records: list[tuple[int, dict]],
    fmt: str,
    refused: set[int] | frozenset[int] = frozenset(),
    found_at: dict[str, list[str]] | None = None,
    kept: int | None = None,
    copies: dict[str, str] | None = None,
) -> list[FieldNotice]:
    """Rows that look like another format (saying which of them are read and which `refused`, by row number), then
    the fields no converter read, with the number of rows each is in and where the first are (`found_at`: field ->
    the first rows' places in the file's words, "line 31"), said only for a field in fewer than the `kept` rows (the
    rows read, whose fields are counted; all the `records` if None). `copies`: field -> why nothing is lost, for a
    field that holds what a read one holds (copied_fields.CopiedFields.said)."""
    notices = []
    looks: dict[str, list[tuple[int, dict]]] = {}
    for number, record in records:
        own = looks_like(record)
        if own and own != own_chat_shape(record, fmt):
            looks.setdefault(own, []).append((number, record))
    for other, those in sorted(looks.items(), key=lambda item: -len(item[1])):
        reads = (*FORMAT_FIELDS[other], *_ALSO_READ.get(other, ()))
        extra = [k for k in reads if k not in FORMAT_FIELDS[fmt] and any(k in r for _, r in those)]
        has = f" (with {', '.join(f'`{k}`' for k in extra)})" if extra else ""
        n, bad = len(those), sum(number in refused for number, _ in those)
        if not bad:
            fate = f"read as {fmt}, what only {other} uses is not read"
        elif bad == n:
            fate = "it is refused (its error says why)" if n == 1 else "they are refused (their errors say why)"
        else:
            fate = (
                f"{bad} of them {'is' if bad == 1 else 'are'} refused (their errors say why), the "
                f"others are read as {fmt} without what only {other} uses"
            )
        them = "it" if n == 1 else "them"
        pick = (
            f"Pick the format '{other}' ('Read the file as' on the Data page, --format in the CLI) to read {them} as "
            "that"
        )
        if bad == n and kept and not (fmt == "prompt_only" and other in _CHATS):  # odd rows among the file's others:
            these = "this row" if n == 1 else "these rows"  # switching loses those
            others = "other row is" if kept == 1 else f"other {kept} rows are"
            pick += (
                f"; but the file's {others} {fmt}: to keep {'it' if kept == 1 else 'them'}, write {these} as {fmt} "
                f"too, or leave {them} out"
            )
        if bad and fmt == "prompt_only" and other in _CHATS:  # a chat without answers is refused as a chat too
            pick = f"{_as_prompt(other)}; or, to train on them as chats, {pick[0].lower()}{pick[1:]}"
        elif bad and FORMAT_KIND[fmt] == "unpaired" and FORMAT_KIND.get(other) == "sft":
            # An answer of a good/bad file without its label: read as SFT, the file's bad answers would be imitated.
            pick = (
                f"Give {'it' if n == 1 else 'each'} a 'label' (true for a good answer, false for a bad one) to train "
                f"on {'it' if n == 1 else 'them'}, or leave {'it' if n == 1 else 'them'} out: read as {other}, the "
                "file would train every answer as one to imitate, the ones labelled bad too"
            )
        notices.append(
            FieldNotice(
                f"{plural(n, 'row')} {'looks' if n == 1 else 'look'} like {other}{has}, not {fmt}: {fate}. {pick}.",
                rows=n,
            )
        )
    for name, n in ignored.most_common():
        # A weight of NaN on an assistant's turn: named by its key (its reason says the NaN), the turn is trained
        own = name.removesuffix(NAN_MARK)
        where = " (a key inside the turns)" if "[]." in name else ""
        shown = f"`{own}`" if name.strip() else "the column with no name in the header"  # not "ignored field: ``"
        places, at = (found_at or {}).get(name, []), ""
        # A stray key in one row of thousands is found by its place; a key of every row read is not, with rows
        # refused beside them (a cold walk: "`prompt_id` in 6 rows (the first: line 1)", in each of the 6 kept).
        if places and n < (len(records) if kept is None else kept):
            at = places_said(n, places)
        copy = (copies or {}).get(name, "")
        reason = copy or unread_why(name, fmt)
        why = f"it is {copy}" if copy else reason or "the studio does not read it"
        # a copy of a read field in every row: nothing is lost (Dahoas' `response`, the chosen answer again)
        fate = "nothing is lost by not reading it" if copy.startswith(COPY) else "it is neither shown nor trained"
        fate = "" if own != name else f", so {fate}"  # a NaN weight's reason says what becomes of its turn
        notices.append(
            FieldNotice(
                f"ignored field: {shown}{where} in {plural(n, 'row')}{at}; {why}{fate}",
                field=own,
                rows=n,
                ignored=True,
                reason=reason,
                note=copy.startswith(COPY),  # nothing lost: said as a row's id is, not warned of
            )
        )
    return notices


def unread_why(name: str, fmt: str) -> str:
    """Why a field read as `fmt` is not read, where more can be said than that nothing reads it ("" otherwise): a
    preference row's `messages` beside its `chosen` and `rejected` conversations (UltraFeedback-binarized's, a copy
    of the chosen one), a pair's own scores (which no field takes), a reasoning column where it does not say whose
    reasoning it is (several answers: turn_reasoning.column_unread_why).

    >>> unread_why("messages", "preference")[:56]
    "it is not read, as a pair's conversations are its `chose"
    """
    if fmt == "preference" and name == "messages":
        return f"it is not read, as {PAIR_MESSAGES} (a `messages` beside them {A_COPY})"
    if fmt == "preference" and name in SCORE_NAMES:
        return "it is a score, and the studio reads none (a pair trains with `chosen` as the better answer)"
    if name in REASONING_FIELDS:  # read as the reasoning of a row's one answer: unread where that is not said
        return column_unread_why(FORMAT_KIND.get(fmt, ""))
    return unread_weight_why(name, FORMAT_KIND.get(fmt, ""))  # a user turn's `training: true`


# Why a preference file's `messages` is not read (UltraFeedback-binarized's copy of the chosen conversation).
PAIR_MESSAGES, A_COPY = "a pair's conversations are its `chosen` and `rejected`", "is often a copy of the chosen one"

# Ignored fields said one by one: a file of hundreds of varying keys (a review: 700) would otherwise bury the rest.
IGNORED_SHOWN = 10


def shown_notices(
    notices: list[FieldNotice], limit: int = IGNORED_SHOWN, table: bool = False, how: str = ""
) -> tuple[list[FieldNotice], str]:
    """(the notices to say one by one, a line for the ignored fields past the first `limit` or ""). Every notice
    that is not an ignored field is kept; ignored fields come most common first (`file_notices`), so the ones left
    for the line are those in the fewest rows. `data inspect --json` still lists each.

    `table` (a CSV, TSV, Parquet or spreadsheet file): its columns nothing reads are normal (a sheet's ids, dates,
    notes), not a problem: said in one note, `unused_columns`, with `how` to map one (the page's box, the CLI's
    --map), where the first of them was. A JSON file's unread keys stay warnings: there one is often a misspelling;
    except a row's id (`is_id`: ShareGPT's `id`), metadata as a table's id column is, said in a note the same way
    (`unused_ids`), where the first of them was: named, not warned of (helper 174's walk: a yellow box per file).

    >>> many = [FieldNotice(f"ignored field: `k{i}` ...", field=f"k{i}", rows=1, ignored=True) for i in range(13)]
    >>> shown, rest = shown_notices([FieldNotice("a note", field="n", note=True), *many])
    >>> len(shown), rest
    (11, 'and 3 more ignored fields, not read: `k10`, `k11`, `k12`')
    >>> [n.message for n in shown_notices(many[:2], table=True, how="--map COLUMN=FIELD to use one")[0]]
    ['Not used: k0, k1 (--map COLUMN=FIELD to use one).']
    >>> [n.message for n in shown_notices([FieldNotice("...", field="id", rows=3, ignored=True), *many[:1]])[0]]
    ['Not used: `id` (an id of the rows: metadata, neither shown nor trained).', 'ignored field: `k0` ...']
    """
    ignored = [n for n in notices if n.ignored]
    ids = [n for n in ignored if not table and n.field and is_id(n.field)]
    if ids:  # one note in place of the first id's warning, the others' left out
        first, dropped = notices.index(ids[0]), {id(n) for n in ids}
        notices = [
            unused_ids(ids) if i == first else n for i, n in enumerate(notices) if i == first or id(n) not in dropped
        ]
        ignored = [n for n in ignored if id(n) not in dropped]
    if table and ignored:
        first = notices.index(ignored[0])
        kept = [n for n in notices if not n.ignored]
        # A column a warning names with its own way to use it (a thumbs column: as the label) is not offered `how`
        # too (a walk read "map it to `system`" of it, beside the warning saying to map it as the label).
        warned = {name for n in kept for name in n.about}
        names = [n.field or "" for n in ignored if n.field not in warned]
        # a pair's `messages` column is not offered `how` (a walk read "map it to `system`" of it): said with why
        paired = [n.field for n in ignored if n.field == "messages" and n.reason]
        # a copy of a read column (Dahoas' `response`): nothing to map, and nothing lost (copied_fields)
        copied = {n.field: n.reason for n in ignored if n.reason.startswith((COPY, NEARLY_COPY))}
        # a reasoning column beside a pair's two answers: why, and where it goes, as a JSON file's warning says it
        copied |= {n.field: n.reason for n in ignored if n.field in REASONING_FIELDS and n.reason}
        unused = [unused_columns(names, how, paired, copied)] if names else []
        return [*kept[:first], *unused, *kept[first:]], ""
    if len(ignored) <= limit:
        return list(notices), ""
    hidden = {id(n) for n in ignored[limit:]}
    names = [f"`{n.field}`" for n in ignored[limit:]]
    listed = ", ".join(names[:8]) + (f" and {len(names) - 8} others" if len(names) > 8 else "")
    return [n for n in notices if id(n) not in hidden], f"and {len(names)} more ignored fields, not read: {listed}"


def is_id(name: str) -> bool:
    """Whether a top-level field's name says it is a row's identifier (`id`, `_id`, `uuid`, `conversation_id`,
    `promptId`): metadata that nothing needs to read, not a misspelled field.

    >>> [is_id(n) for n in ("id", "_id", "UUID", "conversation_id", "promptId", "idea", "paid", "messages[].id")]
    [True, True, True, True, True, False, False, False]
    """
    low = name.lower()
    return "[]." not in name and (low in ID_NAMES or low.endswith(("_id", "-id", " id")) or name.endswith("Id"))


ID_NAMES = frozenset({"id", "_id", "uuid", "guid", "idx"})
# What an id nothing reads is, one and several: the same words for a JSON file's keys and a table's columns.
ID_WORDS = (
    "an id of the rows: metadata, neither shown nor trained",
    "ids of the rows: metadata, neither shown nor trained",
)


def said_in_a_note(notice: FieldNotice, table: bool) -> bool:
    """Whether `shown_notices` says `notice` in a note rather than as a warning: a note, or a field nothing reads
    that is a table's column (`table`) or a row's id (`is_id`)."""
    return notice.note or (notice.ignored and (table or is_id(notice.field or "")))


def unused_ids(ids: list[FieldNotice]) -> FieldNotice:
    """One note naming a JSON file's id fields nothing reads (`ids`: their ignored-field notices), as `unused_columns`
    names a table's: `note` and `ignored` set, the first one's field and row count."""
    one = len(ids) == 1
    listed = ", ".join(f"`{n.field}`" for n in ids)
    return FieldNotice(
        f"Not used: {listed} ({ID_WORDS[not one]}).",
        field=ids[0].field,
        rows=ids[0].rows,
        note=True,
        ignored=True,
    )


# The columns of a pair's own scores (score_chosen...): read by no field.
SCORE_NAMES = frozenset(name for pair in SCORE_KEYS for name in pair)

# Unused columns a note names before "and N more" (a wide sheet has hundreds).
COLUMNS_NAMED = 20


def unused_columns(
    names: list[str], how: str, paired: list[str] | None = None, copied: dict[str, str] | None = None
) -> FieldNotice:
    """One neutral note naming a table's columns nothing reads (`names`, the file's own; "" is the header's column
    with no name), with `how` to use one, in brackets when given; `note` and `ignored` both set. `paired`: those of
    `names` that are a preference table's `messages`, said apart with why (`PAIR_MESSAGES`) and offered no `how`;
    `copied`: those that are a copy of a read column, with why nothing is lost (copied_fields), or a reasoning column
    no answer takes, with why (`unread_why`, "it is not read, as ..."), said apart too.

    >>> unused_columns(["Notes", "", "Created"], "map one above to use it").message
    'Not used: Notes, (the column with no name), Created (map one above to use it).'
    >>> unused_columns(["id", "score_chosen"], "map one above to use it").message[:80]
    'Not used: id (an id of the rows: metadata, neither shown nor trained). Not read:'
    >>> unused_columns(["prompt_id", "lang"], "map one above to use it").message
    'Not used: prompt_id (an id of the rows: metadata, neither shown nor trained); lang (map one above to use it).'
    >>> unused_columns(["lang", "messages[].name"], "map one above to use it").message[42:]
    'Not read: messages[].name (a key inside the turns, which no field of the mapping takes).'
    """
    # A pair's own scores (UltraFeedback's score_chosen): no field of a mapping takes a score, so "map one" would
    # offer a fix that does not exist; said apart, with what is trained instead.
    scores = [name for name in names if name in SCORE_NAMES]
    # A key inside a column's turns (Parquet's `messages[].name`) is no column: a mapping cannot take it either.
    inner = [name for name in names if "[]." in name]
    paired = [name for name in paired or () if name in names]
    copied = {n: why for n, why in (copied or {}).items() if n in names and n not in paired and n not in SCORE_NAMES}
    kept = [n for n in names if n not in SCORE_NAMES and n not in inner and n not in paired and n not in copied]
    # A row's id (UltraFeedback's `prompt_id`) is metadata, as a JSON file's `unused_ids` says: no field takes it,
    # so it is not offered `how` (a walk read "map it to `system`" of a Parquet's prompt_id).
    ids = [name for name in kept if is_id(name)]
    said = [name if name.strip() else "(the column with no name)" for name in kept if name not in ids]
    listed = ", ".join(said[:COLUMNS_NAMED])
    if len(said) > COLUMNS_NAMED:
        listed += f" and {len(said) - COLUMNS_NAMED} more"
    parts = [f"{listed}{f' ({how})' if how else ''}"] if said else []
    if ids:
        parts.insert(0, f"{', '.join(ids)} ({ID_WORDS[len(ids) > 1]})")
    message = f"Not used: {'; '.join(parts)}." if parts else ""
    if scores:
        message += (
            f"{' ' if message else ''}Not read: {', '.join(scores)} (scores: the studio reads none, and no field "
            "of the mapping takes one; each pair trains with `chosen` as the better answer)."
        )
    if paired:
        message += (
            f"{' ' if message else ''}Not read: {', '.join(paired)} ({PAIR_MESSAGES}; a column beside them {A_COPY})."
        )
    for name, why in copied.items():
        lost = ": nothing is lost" if why.startswith(COPY) else ""
        # a reasoning column's why is a sentence of its own, with brackets inside (turn_reasoning.column_unread_why)
        said = f"The column {name} {why[3:]}" if why.startswith("it ") else f"Not read: {name} ({why}{lost})"
        message += f"{' ' if message else ''}{said}."
    if inner:
        message += (
            f"{' ' if message else ''}Not read: {', '.join(inner)} ({'a key' if len(inner) == 1 else 'keys'} "
            "inside the turns, which no field of the mapping takes)."
        )
    return FieldNotice(
        message,
        field=names[0] if names else None,
        note=True,
        ignored=True,  # a note of the fields nothing reads: the page says it in a line, not a box
    )
