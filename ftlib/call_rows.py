"""Function-calling rows written as a request and the calls that answer it -> OpenAI's messages, before a row's format
is guessed, where no format other than messages and no field mapping is given (data.load_file calls `call_records`):
a mapping such as `--map query=prompt` reads the file as written (prompts for GRPO, `answers` beside them).

    Salesforce's xLAM / APIGen shape (xlam-function-calling-60k and the sets built like it):
        {"query": "Tide at Brest?", "answers": "[{\"name\": \"get_tide\", \"arguments\": {\"harbour\": \"Brest\"}}]",
         "tools": "[{\"name\": \"get_tide\", \"description\": ..., \"parameters\": {...}}]"}
    -> {"messages": [{"role": "user", "content": "Tide at Brest?"},
                     {"role": "assistant", "content": "", "tool_calls": <answers>}],
        "tools": <tools>}

The request is the user's turn and the calls, in order (parallel calls as one turn of several), the assistant's
reply: what the model learns to write. `answers` and `tools` may be JSON text or lists; turns.py reads the calls
(a call's `arguments` as an object or JSON text) and formats.py the tools, each refusing what it cannot read with the
reason. Without this, such a row was read as a prompt for GRPO with `answers` beside it for a reward: an SFT run had
nothing to train on, and said so only as "prompts only".

A row with no calls (`answers` an empty list, as the sets' "irrelevance" rows write a request no tool serves) has no
reply to learn: its assistant turn is left empty, which turns.py refuses ("turn 2 (assistant) of 'messages' is
empty"), and the file's note says why (`call_records`), rather than training an empty answer.

Not known here: how a turn or a call is read (turns.py), a row's format (formats.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ftlib.glaive_rows import glaive_record, glaive_sharegpt_record

# The keys of a row that is something else already: a chat, or a prompt with its answer
_OTHER_SHAPES = ("messages", "conversations", "prompt", "instruction", "completion", "chosen", "text")


def _empty(value: Any) -> bool:
    return value == [] or (isinstance(value, str) and value.strip().replace(" ", "") == "[]")


def call_record(record: Any) -> dict | None:
    """`record` as a messages row when it is written as a `query` with the `answers` (tool calls) that answer it and
    the `tools` they call; None for any other row. The row's other keys are kept as they are (an `id` is then
    named as a field nothing reads). A row whose `answers` is an empty list keeps no reply: its assistant turn is
    empty text, which turns.py refuses.

    >>> call_record({"query": "Tide?", "answers": [{"name": "tide", "arguments": {}}], "tools": []})["messages"][1]
    {'role': 'assistant', 'content': '', 'tool_calls': [{'name': 'tide', 'arguments': {}}]}
    >>> call_record({"query": "Tide?", "answer": "14:02"}) is None
    True
    """
    if not (isinstance(record, dict) and isinstance(record.get("query"), str)):
        return None
    if "answers" not in record or "tools" not in record or any(k in record for k in _OTHER_SHAPES):
        return None
    out = {k: v for k, v in record.items() if k not in ("query", "answers")}
    reply: dict = {"role": "assistant", "content": ""}
    if not _empty(record["answers"]):
        reply["tool_calls"] = record["answers"]
    out["messages"] = [{"role": "user", "content": record["query"]}, reply]
    return out


def maps_a_column(column_map: dict | None) -> bool:
    """Whether a field mapping maps a column to another field: the Data page passes a table's fields as the engine
    read them, a column under its own name ({"tools": "tools"}) or a field not read as None, which map nothing."""
    return any(c is not None and c != f for f, c in (column_map or {}).items())


def written_map(columns: list[str] | None) -> dict | None:
    """A table's engine reading once its rows are chats or pairs here (call_records, judged_pairs): its columns a
    format reads as they are, each under its own name, what the Data page's boxes start from ({"tools": "tools"},
    an arena's {"prompt": "prompt"}); None for a file that is not a table."""
    return {c: c for c in columns if c in ("tools", "system", "prompt")} or None if columns is not None else None


def call_records(records: Iterable[tuple[int, Any]]) -> tuple[list[tuple[int, Any]], list[str]]:
    """`call_record` (xLAM's rows) or glaive_rows' glaive_record / glaive_sharegpt_record (Glaive's, flat or in
    ShareGPT) of each (line, record) where it reads one (the others as they are), and the file's note on each
    shape found, with how many rows ([] when none was)."""
    out, found = [], {"xlam": 0, "glaive": 0, "glaive_sharegpt": 0}
    for number, record in records:
        called, shape = call_record(record), "xlam"
        if called is None:
            called, shape = glaive_record(record), "glaive"
        if called is None:
            called, shape = glaive_sharegpt_record(record), "glaive_sharegpt"
        if called is not None:
            found[shape] += 1
        out.append((number, record if called is None else called))
    rows = {shape: f"{n} row{'s' if n != 1 else ''}" for shape, n in found.items()}
    notes = [
        f"{rows['xlam']} in xLAM's function-calling shape (a `query`, the `answers` that call its `tools`), read as "
        "chat messages: the query is the user's turn and the calls the reply the model learns; a row's problems "
        "name its turns as turns of 'messages' (a row of no calls, `answers` an empty list, has an empty reply and "
        "is refused). To read the queries as prompts for GRPO instead, with `answers` beside them for a reward, map "
        "`query` to prompt (Field mapping on the Data page; --map query=prompt in the CLI)",
        f"{rows['glaive']} in Glaive's function-calling shape (a `system` text listing the functions, the whole "
        "`chat` in one text), read as chat messages: the chat cut at each USER:, ASSISTANT: and FUNCTION RESPONSE:, "
        "a `<functioncall>` as the assistant's tool call, the functions as the row's tools, each `<|endoftext|>` as "
        "the end of a turn (the template writes its own); a row's problems name its turns as turns of 'messages'",
        f"{rows['glaive_sharegpt']} in Glaive's function-calling chats converted to ShareGPT (`gpt` turns writing "
        "`<functioncall> {...}`, results from `function-response`): each `<functioncall>` read as the assistant's "
        "tool call (the tag's JSON, its arguments JSON text in single quotes as Glaive writes them), a result turn "
        "as the tool's, the functions the `system` turn lists after ' - ' as the row's tools",
    ]
    return out, [note for note, n in zip(notes, found.values(), strict=True) if n]


__all__ = ["call_record", "call_records", "maps_a_column", "written_map"]
