"""One row typed by hand (the Tokens page's box), read as a data file's row is read by `data.load_file`.

    read_row([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ahoy!"}]).row
    read_row({"instruction": "Greet me.", "output": "Ahoy!", "id": 3}).ignored        # ['id']

The steps a file's rows go through before their format is guessed are taken in the same order: a provider's shape
as OpenAI's messages (api_shapes), a system text's Hermes `<tools>` block as the row's tools (hermes_rows), a
request and the calls answering it (xLAM's, Glaive's) as a chat (call_rows), two answers and a verdict as a
preference pair (judged_pairs); then the row's format is the one its keys point to and it
is converted (formats). What a file says once for its rows is said of the row: a note in `Converted.notes`, a
warning in `Converted.warnings`.

Not known here: reading files (data.py), the page that shows the row (pages/2_Tokens.py).
"""

from __future__ import annotations

from typing import Any

from ftlib.api_shapes import api_records
from ftlib.call_rows import call_records
from ftlib.errors import plural
from ftlib.formats import Converted, RowProblem, convert, detect_row_format
from ftlib.hermes_rows import hermes_notes, hermes_record
from ftlib.judged_pairs import NoPair, judged_pair, judged_shape
from ftlib.rows import lone_surrogate

# A typed row's <tools> block that is not a list of schemas: said of this row, as the file's warning says it of its
# rows (hermes_rows.hermes_notes)
UNREAD_TOOLS = (
    "the `<tools>` block in the system text is not a list of tool schemas (JSON objects with a name, or their "
    "Python literal): the system text is kept as written, schemas and all, and the row has no tools for the chat "
    'template to write. Write the block as a JSON list of {"name", "description", "parameters"} objects to have it '
    "read as the row's tools"
)


def surrogate_message(where: str) -> str:
    """Why a row whose text holds a lone surrogate at `where` (`rows.lone_surrogate`) is refused, with the fix."""
    return (
        f"{where} holds an invalid character (a lone surrogate such as \\ud800, half of an escaped pair like "
        "\\ud83d\\ude00): not valid unicode text; write the whole character or delete the escape"
    )


def _tools_note() -> str:
    """The file's note on rows whose `<tools>` were read (hermes_notes), said of one row: without its "1 row: "."""
    ((said, _),) = hermes_notes({0}, set(), [0])
    return said.removeprefix(f"{plural(1, 'row')}: ")


def _shape_note(note: str) -> str:
    """A file's note on its rows of a shape read as a chat (api_shapes', call_rows'), said of one row: "this row is
    in xLAM's ...", less the file's way to read it otherwise (a Field mapping on the Data page, which the typed row
    has no box for); a note that does not open with "1 row in" (Gemini's code parts) as written."""
    if not note.startswith(one := f"{plural(1, 'row')} in "):
        return note
    return "this row is in " + note.removeprefix(one).split(" To read the queries as prompts")[0]


def read_row(value: Any) -> Converted:
    """One row typed by hand (the Tokens page), read as a data file's row is: a list is a conversation, an object is
    read in the format its keys point to (`formats.detect_row_format`), a Hermes system text's `<tools>` block as the
    row's tools, xLAM's and Glaive's calls as a chat. Returns `formats.Converted` (the canonical row, its warnings,
    the keys not read, its notes); raises RowProblem with the reason when it cannot be used, naming every shape the
    studio reads when no key points to one.

    >>> read_row({"instruction": "Greet me.", "output": "Ahoy!", "id": 3}).ignored
    ['id']
    """
    from ftlib.formats import FORMAT_HELP, format_label

    if bad := lone_surrogate(value):
        raise RowProblem(f"This row cannot be used: {surrogate_message(bad)}.")
    ((_, record),), shape_notes = api_records([(0, {"messages": value} if isinstance(value, list) else value)])
    # The system text's <tools> block as the row's tools, as data.load_file reads a file's rows (hermes_records):
    # left as text, the tools were the system prompt's words, not the schemas the chat template writes
    tools_read = hermes_record(record)
    if tools_read is not None:
        record = tools_read[0]
    # xLAM's query and calls, Glaive's system and chat: a chat, as data.load_file reads them (call_records) before
    # the pairs; left as written, an xLAM row had no field the studio reads and was refused
    ((_, record),), call_notes = call_records([(0, record)])
    shape_notes += call_notes
    if shape := judged_shape(record):  # two answers and a verdict: the pair, as a file's row is read
        try:
            record = judged_pair(record, shape)
        except NoPair as exc:
            raise RowProblem(f"This row makes no preference pair: {exc}.") from None
    fmt = detect_row_format(record)
    if fmt is None:
        shapes = "\n".join(f"- {line}" for line in FORMAT_HELP.values())
        raise RowProblem(
            "This row has none of the fields the studio reads. Write a list of messages, or an object in one of "
            f"these shapes:\n\n{shapes}"
        )
    try:
        done = convert(record, fmt)
    except RowProblem as exc:
        raise RowProblem(f"This row, read as {format_label(fmt)}, cannot be used: {exc}.") from None
    if bad := lone_surrogate(done.row):  # in JSON text a field held (a tool call's arguments)
        raise RowProblem(f"This row cannot be used: {surrogate_message(bad)}.")
    if tools_read is not None:
        if tools_read[1]:
            done.notes.insert(0, _tools_note())  # first, as the file's note comes before its rows' notes
        else:
            done.warnings.append(UNREAD_TOOLS)
    done.notes[:0] = [_shape_note(note) for note in shape_notes]  # a file's notes on its shapes come before the rest
    return done


__all__ = ["UNREAD_TOOLS", "read_row", "surrogate_message"]
