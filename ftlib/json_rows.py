"""Parse JSON text the way a row needs it: keys written twice are found, and values spread over lines are located.

    decoder = KeyedDecoder()
    value = decoder.parse('{"prompt": "A", "prompt": "B"}')   # {'prompt': 'B'}, as json.loads gives it
    decoder.repeated                                       # [({'prompt': 'B'}, ['prompt'])]: what was lost
    documents(text, decoder)                               # [(line, value), ...] of JSON values one after another

A JSON object may write a key twice; every JSON reader keeps only the last value, so the first is lost without a
word. `KeyedDecoder` builds each object from its (key, value) pairs (json's `object_pairs_hook`) and records the
objects that had fewer keys than pairs. On the parse alone it costs about a fifth more than `json.loads` (0.35 s
-> 0.42 s for 200k rows); reading a 200k-row JSONL file (text_records, best of 3) measured 1.63 s before and 1.31 s
after, a .json array of them 0.79 s and 0.88 s. Counting each key's quotes in the text first measured slower (0.45 s),
and a test that skips lines would miss a key written with escapes (`"pr\\u006fmpt"`).

`documents` reads values written one after another (pretty-printed objects, several lines each; or separated by
commas, an array without its brackets) and says on which line each starts; `array_items` does the same for the items
of one array. Both raise json.JSONDecodeError, whose lineno and colno point into the whole text. The notes and
refusals on such files are worded here too (`shape_note` for .jsonl, `values_note` for .json, `arrays_message`), and
what json's decoder found wrong (`json_problem`: a comma before a closing bracket in plain words).

Not known here: what a row is, or the wording of row errors (readers.py). A leaf module: turns.py and readers.py
import `parse_json` and `JSONProblem` from here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from ftlib.errors import UserError, numbered

SPACE = json.decoder.WHITESPACE  # the whitespace JSON allows between values (space, tab, CR, LF)


class JSONProblem(UserError):
    """json.loads failed in a way JSONDecodeError does not cover, with a plain reason."""


class RepeatedKeys(JSONProblem):
    """JSON text (a cell, a tool call's arguments) wrote a key twice in one object: the first value would be lost."""


def parse_json(text: str) -> Any:
    """json.loads of JSON text inside a row (a CSV cell, a tool call's `arguments`, a `tools` string), with the
    failures it raises outside JSONDecodeError turned into plain reasons (JSONProblem), and a key written twice in
    one object refused (RepeatedKeys), as a key written twice in a line of the file is: json.loads keeps the last
    value, so the first would be lost without a word.

    >>> parse_json('{"city": "Oslo", "city": "Rome"}')
    Traceback (most recent call last):
    ftlib.json_rows.RepeatedKeys: the key 'city' is written twice in one object; JSON readers keep only the last \
value, so the first would be lost without a word: keep one of them (rename or delete the other)
    """
    decoder = KeyedDecoder()
    value = decoder.parse(text)
    if decoder.repeated:
        keys = list(dict.fromkeys(k for _, ks in decoder.repeated for k in ks))
        raise RepeatedKeys(lost_message(keys, [], "one object"))
    return value


class KeyedDecoder:
    """json.loads that records each object which wrote a key twice, in `repeated` as (the object, its keys).

    `repeated` grows across calls; clear it (`decoder.repeated.clear()`) before a value whose losses matter.

    >>> decoder = KeyedDecoder()
    >>> decoder.parse('{"prompt": "First", "completion": "A1", "prompt": "Second"}')
    {'prompt': 'Second', 'completion': 'A1'}
    >>> decoder.repeated
    [({'prompt': 'Second', 'completion': 'A1'}, ['prompt'])]
    """

    def __init__(self) -> None:
        self.repeated: list[tuple[dict, list[str]]] = []
        repeated = self.repeated

        def pairs_hook(pairs: list) -> dict:
            obj = dict(pairs)
            if len(obj) < len(pairs):
                repeated.append((obj, [k for k, n in Counter(k for k, _ in pairs).items() if n > 1]))
            return obj

        self._decoder = json.JSONDecoder(object_pairs_hook=pairs_hook)

    def parse(self, text: str) -> Any:
        """The value of JSON `text` (as json.loads); json.JSONDecodeError for invalid JSON, JSONProblem
        for what json raises outside it (nesting thousands deep, a number too long)."""
        return _guarded(self._decoder.decode, text)

    def parse_at(self, text: str, start: int) -> tuple[Any, int]:
        """(the value that starts at index `start` of `text`, the index after it); errors as `parse`."""
        return _guarded(self._decoder.raw_decode, text, start)


def _guarded(parse, *args):
    try:
        return parse(*args)
    except RecursionError:
        # A hostile or broken file can nest brackets thousands deep; Python's parser recurses per level.
        raise JSONProblem("it is nested too deeply (thousands of brackets inside each other)") from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # e.g. "Exceeds the limit (4300 digits) for integer string conversion"
        raise JSONProblem(f"it holds a number too long to read ({str(exc).split(';')[0]})") from None


def _objects(value: Any):
    """`value` if it is an object, then every object inside it (depth first)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def lost_keys(rows: list, repeated: list[tuple[dict, list[str]]]) -> tuple[dict[int, tuple[list, list]], list[str]]:
    """Where the keys written twice (`KeyedDecoder.repeated`) are: ({index in `rows`: (keys written twice in the row
    itself, keys written twice in objects inside it)}, keys written twice in objects that are in no row: the object
    that wraps the rows, or a file laid out by column). Each key once per place, in the order found.

    >>> decoder = KeyedDecoder()
    >>> rows = decoder.parse('[{"a": 1}, {"b": 1, "b": 2, "c": {"d": 1, "d": 2}}]')
    >>> lost_keys(rows, decoder.repeated)
    ({1: (['b'], ['d'])}, [])
    """
    keys_of = {id(obj): keys for obj, keys in repeated}
    placed: set[int] = set()
    lost = {}
    for index, row in enumerate(rows):
        own, inner = [], []
        for obj in _objects(row):
            keys = keys_of.get(id(obj))
            if keys is not None:
                placed.add(id(obj))
                (own if obj is row else inner).extend(keys)
        if own or inner:
            lost[index] = (list(dict.fromkeys(own)), list(dict.fromkeys(inner)))
    outside = [k for obj, keys in repeated if id(obj) not in placed for k in keys]
    return lost, list(dict.fromkeys(outside))


def quoted(keys: list[str]) -> str:
    """'a' / 'a', 'b' and 'c' for a message.

    >>> quoted(["a", "b", "c"])
    "'a', 'b' and 'c'"
    """
    names = [f"'{k}'" for k in keys]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def lost_message(own: list[str], inner: list[str], where: str) -> str:
    """Why a row that wrote a key twice is not read, and the fix; `where` is "this line" or "this entry".

    >>> lost_message(["prompt"], [], "this line")
    "the key 'prompt' is written twice in this line; JSON readers keep only the last value, so the first would be \
lost without a word: keep one of them (rename or delete the other)"
    """
    # Refused, not kept with a warning: which value the user meant is unknown, and the last one paired with the
    # rest of the row (a second prompt with the first prompt's answer) is a wrong example, not a lesser one.
    parts = [
        f"{'the key' if len(keys) == 1 else 'the keys'} {quoted(keys)} {'is' if len(keys) == 1 else 'are'} "
        f"written twice {place}"
        for keys, place in ((own, f"in {where}"), (inner, f"in an object inside {where}"))
        if keys
    ]
    return (
        f"{' and '.join(parts)}; JSON readers keep only the last value, so the first would be lost without a word: "
        "keep one of them (rename or delete the other)"
    )


def outer_keys_message(name: str, keys: list[str], text: str) -> str:
    """Why a .json file is refused whose object around the rows (or a column of it) writes a key twice: what the first
    holds would be lost. The lines say where the key is written, at any depth."""
    lines = sorted(
        {
            text.count("\n", 0, m.start()) + 1
            for k in keys
            for m in re.finditer(re.escape(json.dumps(k)) + r"\s*:", text)
        }
    )
    at = f" (written on lines {', '.join(map(str, lines))})" if 1 < len(lines) <= 8 else ""
    at = f" (written twice on line {lines[0]})" if len(lines) == 1 else at
    what = f"the key {quoted(keys)} is" if len(keys) == 1 else f"the keys {quoted(keys)} are"
    return (
        f"In {name}, {what} written twice in the object that holds the rows or columns{at}; JSON readers keep only "
        "the last value, so what the first holds would be lost without a word. Keep one of them (rename or delete "
        "the other)."
    )


_SPREAD = "spread over several lines (pretty-printed)"
_PLACES = 'numbered by their place in it ("item N"), not by line'
_SHAPES = {
    "array": "one JSON array{spread}, not one object per line: it is read as JSON, each item a row numbered by the "
    "line it starts on. Name it .json, or write one object per line (`jq -c '.[]' {name} > fixed.jsonl`).",
    "array_places": f"one JSON array{{spread}}, not one object per line: it is read as JSON, its items {_PLACES}. "
    "Name it .json, or write one object per line (`jq -c '.[]' {name} > fixed.jsonl`).",
    "object": "one JSON object{spread}: it is read as one row.",
    "wrapper": f"one JSON object{{spread}}, not one object per line: it is read as JSON, its rows {_PLACES}. "
    "Name it .json.",
    "objects": "JSON objects{spread}, not one object per line: each object is read as a row, numbered by the line "
    "it starts on. `jq -c . {name} > fixed.jsonl` writes one object per line.",
}


def json_problem(exc: json.JSONDecodeError) -> str:
    """What json's decoder found wrong, in its words; a comma before a closing bracket in ours (`closing_comma`)."""
    if close := closing_comma(exc):  # JSON's own words point at the bracket: "Expecting value"
        last = "item" if close == "]" else "key and value"
        return (
            f"there is a comma before the closing {close}, after the last {last}, which JSON does not allow; remove it"
        )
    if exc.msg.startswith("Invalid control character") and exc.pos < len(exc.doc):  # "... at": which one, and why
        char = exc.doc[exc.pos]
        what = {"\t": "a tab", "\r": "a carriage return", "\x00": "a NUL"}.get(char, "a control character")
        escape = {"\t": "\\t", "\r": "\\r"}.get(char, f"\\u{ord(char):04x}")
        return f"a text holds {what} (U+{ord(char):04X}) as it is, which JSON writes escaped: write {escape} there"
    # exc.msg sometimes ends in "at" already ("Unterminated string starting at"); exc.pos completes it.
    return f"{exc.msg} character {exc.pos}" if exc.msg.endswith(" at") else exc.msg


def closing_comma(exc: json.JSONDecodeError) -> str | None:
    """The bracket (] or }) that a comma comes right before where `exc` failed (`[{...}, {...},]`), which JSON
    allows nowhere; None for any other problem. Read backwards from the error: a large file's text is not copied.

    >>> try:
    ...     json.loads('[{"a": 1},\\n]')
    ... except json.JSONDecodeError as exc:
    ...     closing_comma(exc)
    ']'
    >>> try:
    ...     json.loads('[{"a": 1,]')
    ... except json.JSONDecodeError as exc:
    ...     closing_comma(exc) is None
    True
    """
    doc, end = exc.doc, exc.pos
    # An array wants a value after its comma, an object a key: `{"a": 1,]` lacks its }, and says so in json's words.
    expected = {"]": "Expecting value", "}": "Expecting property name"}.get(doc[end : end + 1])
    if expected is None or not exc.msg.startswith(expected):
        return None
    while end and doc[end - 1] in " \t\r\n":
        end -= 1
    return doc[exc.pos] if doc[end - 1 : end] == "," else None


def shape_note(shape: str, name: str, spread: bool) -> str:
    """The note on a .jsonl file read as one JSON document (shape: a key of `_SHAPES`), `spread` when its first value
    goes on over several lines.

    >>> shape_note("array", "a.jsonl", True).split(":")[0]
    'This .jsonl file holds one JSON array spread over several lines (pretty-printed), not one object per line'
    """
    return "This .jsonl file holds " + _SHAPES[shape].format(spread=f" {_SPREAD}" if spread else "", name=name)


def pretty_error(name: str, line: int, column: int, problem: str) -> str:
    """Why a pretty-printed .jsonl file that is not valid JSON is refused, where, and the fix."""
    return (
        f"{name} looks pretty-printed (JSON {_SPREAD}, not one object per line), and is not valid JSON at line "
        f"{line}, column {column} ({problem}). Fix the JSON there; JSONL needs one object per line, which "
        f"`jq -c . {name} > fixed.jsonl` then writes."
    )


# How a .json file of several JSON values one after another is read (readers.json_values): its rows are numbered by
# the line each starts on, as a .jsonl file's are.
_BY_LINE = "named by the line it starts on"
_VALUES = {
    "jsonl": "one JSON object per line (JSONL), not one JSON value: it is read line by line, each line a row.",
    "spread": f"JSON objects one after another, {_SPREAD}, not one JSON value: each is read as a row, {_BY_LINE}. "
    "`jq -s . {name} > fixed.json` writes them as one array.",
    "commas": "JSON objects separated by commas without the [ ] around them: they are read as the items of one JSON "
    f"array, each a row {_BY_LINE}. Put [ before the first object and ] after the last to make it valid JSON.",
    # `[{...}, {...},]` is not valid JSON either: the comma after the last object goes first.
    "commas_after_last": "JSON objects separated by commas without the [ ] around them, and a comma after the last "
    f"one: they are read as the items of one JSON array, each a row {_BY_LINE}. Delete the comma after the last "
    "object, then put [ before the first object and ] after the last to make it valid JSON.",
    "comma_after": "one JSON value and a comma after it, which is left out.",
    # a .jsonl file whose every line ends in a comma (readers.text_records): JSON Lines has nothing after an object
    "jsonl_commas": "one JSON object per line with a comma after each, as a JSON array's items are written: they are "
    f"read as the items of one JSON array, each a row {_BY_LINE}. JSON Lines has nothing after each object: remove "
    "the commas at the line ends (`sed 's/,[[:space:]]*$//' {name} > fixed.jsonl`).",
}


def ends_on_comma(text: str) -> bool:
    """Whether the last character of `text` that is not JSON whitespace is a comma (read from the end: a large file's
    text is not copied). `[{...}, {...},]` is not valid JSON: the fix deletes that comma too.

    >>> ends_on_comma('{"a": 1},\\n{"a": 2},\\n\\n'), ends_on_comma('{"a": 1},\\n{"a": 2}\\n')
    (True, False)"""
    end = len(text)
    while end and text[end - 1] in " \t\r\n":
        end -= 1
    return text[end - 1 : end] == ","


def second_line_is_a_row(text: str) -> bool:
    """Whether the second non-blank line of `text` is a whole JSON object by itself: JSONL under a first line cut
    short, not pretty-printed JSON (whose second line is a piece of the first value, `  "messages": [`)."""
    line = next((line.strip() for line in text.splitlines()[1:3] if line.strip()), "")
    try:
        return line.startswith("{") and isinstance(parse_json(line), dict)
    except (json.JSONDecodeError, JSONProblem):
        return False


def text_rows_message(name: str, texts: list, path: str) -> str:
    """Why a file whose rows are all texts (`["a", "b"]`; `"a"` per JSONL line; `{"data": ["a", ...]}`) is refused,
    said once with the fix (`path`: jq's path to the texts and a pipe, `.[] | `, `.data[] | `; "" for a line's): a
    row is an object naming its fields, and a text alone may be a document or a question, so it is not guessed (no
    reader here takes a bare text as a row). Texts that each hold a JSON object are offered jq's `fromjson`.

    >>> text_rows_message("a.json", ["Hi.", "Bye."], ".[] | ").split(":")[0]
    'a.json holds only texts, 2 of them (the first "Hi."), not objects {...}'
    """
    first = json.dumps(texts[0][:40] + ("…" if len(texts[0]) > 40 else ""), ensure_ascii=False)
    said = f"{name} holds only texts, {len(texts)} of them (the first {first}), not objects {{...}}: a row is an "
    if all(t.lstrip().startswith("{") for t in texts[:3]):
        return (
            f"{said}object naming its fields, so none is read. Each text holds a JSON object written as a string: "
            f"write the objects themselves (`jq -c '{path}fromjson' {name} > fixed.jsonl`)."
        )
    return (
        f"{said}object naming its fields, so none is read (a text alone may be a document or a question). For plain "
        f"text to train on, write each as {{\"text\": ...}} (`jq -c '{path}{{text: .}}' {name} > fixed.jsonl`); for "
        'questions without answers (GRPO), as {"prompt": ...}.'
    )


def values_note(shape: str, name: str) -> str:
    """The note on a .json file read as JSON values one after another (shape: a key of `_VALUES`).

    >>> values_note("commas", "a.json").split(":")[0]
    'a.json holds JSON objects separated by commas without the [ ] around them'
    """
    return f"{name} holds " + _VALUES[shape].replace("{name}", name)


def values_error(name: str, commas: bool, line: int, column: int, problem: str, comma_last: bool = False) -> str:
    """Why a .json file of pretty-printed or comma-separated JSON values that is not valid JSON is refused, where, and
    the fix; `comma_last`: the text ends on a comma, which the fix deletes too (`[{...},]` is not JSON either)."""
    shape = "JSON objects separated by commas without the [ ] around them" if commas else f"JSON objects {_SPREAD}"
    fix = ", and put [ before the first object and ] after the last" if commas else ""
    if commas and comma_last:
        fix = ", delete the comma after the last object" + fix
    where = f"line {line}, column {column} ({problem})"
    return f"{name} holds {shape}, and is not valid JSON at {where}. Fix the JSON there{fix}."


def arrays_message(name: str, lines: list[int], jsonl: bool = False) -> str:
    """Why a file of JSON arrays one after another (starting on `lines`) is refused: each may be a list of rows or one
    conversation's turns, and reading either wrongly would lose the other without a word. A .json file (one JSON value)
    holds too many values; a .jsonl file (`jsonl`: one value per line, each an object) holds arrays where its objects
    belong, each line one JSON value all the same.

    >>> arrays_message("a.json", [1, 4]).split(":")[0]
    'a.json holds 2 JSON arrays one after another (starting on lines 1, 4), not one JSON value'
    >>> arrays_message("a.jsonl", [1, 2], jsonl=True).split(":")[0]
    'a.jsonl holds 2 JSON arrays [...] (starting on lines 1, 2), not objects'
    """
    unknown = "whether each array is a list of rows or one conversation's turns is not known, so none is read"
    if jsonl:
        return (
            f"{name} holds {len(lines)} JSON arrays [...] (starting on {numbered('line', lines)}), not objects: a "
            f".jsonl file has one JSON object {{...}} per line, each a row; {unknown}. If each array is one "
            f"conversation's turns, write one conversation per line (`jq -c '{{messages: .}}' {name} > fixed.jsonl`); "
            f"if each holds rows, write one row per line (`jq -c '.[]' {name} > fixed.jsonl`)."
        )
    return (
        f"{name} holds {len(lines)} JSON arrays one after another (starting on {numbered('line', lines)}), not one "
        f"JSON value: {unknown}. Join them into one array of rows (`jq -s add {name} > fixed.json`), or, if each is a "
        f"conversation, write one conversation per line (`jq -c '{{messages: .}}' {name} > fixed.jsonl`)."
    )


def mixed_message(name: str, lines: list[int]) -> str:
    """Why a file of JSON objects with JSON arrays among them (starting on `lines`) is refused: an array may hold
    rows or one conversation's turns, and reading it as one bad row would lose what it holds.

    >>> mixed_message("a.json", [1]).split(":")[0]
    'a.json holds JSON objects one after another with a JSON array among them (starting on line 1)'
    """
    one = "a JSON array" if len(lines) == 1 else f"{len(lines)} JSON arrays"
    return (
        f"{name} holds JSON objects one after another with {one} among them (starting on {numbered('line', lines)}):"
        " whether an array holds rows or one conversation's turns is not known, so the file is not read. Write each"
        f" row as an object, e.g. with `jq -s 'map(if type == \"array\" then .[] else . end)' {name} > fixed.json`"
        " if the arrays hold rows."
    )


def documents(text: str, decoder: KeyedDecoder, commas: bool = False) -> list[tuple[int, Any]]:
    """(the 1-based line it starts on, value) of each JSON value in `text`, written one after another with only
    whitespace between them (pretty-printed objects, several lines each); with `commas`, a comma between each two
    (an array's items without its brackets; one after the last is allowed).

    >>> documents('{\\n "a": 1\\n}\\n{\\n "a": 2\\n}\\n', KeyedDecoder())
    [(1, {'a': 1}), (4, {'a': 2})]
    >>> documents('{"a": 1},\\n{"a": 2},\\n', KeyedDecoder(), commas=True)
    [(1, {'a': 1}), (2, {'a': 2})]
    """
    found, line, counted, pos = [], 1, 0, SPACE.match(text, 0).end()
    while pos < len(text):
        line += text.count("\n", counted, pos)
        counted = pos
        value, pos = decoder.parse_at(text, pos)
        found.append((line, value))
        pos = SPACE.match(text, pos).end()
        if commas and pos < len(text):
            if text[pos] != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
            pos = SPACE.match(text, pos + 1).end()
    return found


def array_items(text: str, decoder: KeyedDecoder) -> list[tuple[int, Any]] | None:
    """(the 1-based line it starts on, item) of each item of the JSON array that is the whole of `text`; None when
    other values follow the array (lines that each hold an array, say). json.JSONDecodeError for invalid JSON.

    >>> array_items('[\\n  {"a": 1},\\n  {"a": 2}\\n]\\n', KeyedDecoder())
    [(2, {'a': 1}), (3, {'a': 2})]
    """
    pos = SPACE.match(text, 0).end()
    if text[pos : pos + 1] != "[":
        raise json.JSONDecodeError("Expecting '['", text, pos)
    items, line, counted = [], 1, 0
    pos = SPACE.match(text, pos + 1).end()
    if text[pos : pos + 1] == "]":
        pos += 1
    else:
        while True:
            line += text.count("\n", counted, pos)
            counted = pos
            value, pos = decoder.parse_at(text, pos)
            items.append((line, value))
            pos = SPACE.match(text, pos).end()
            mark = text[pos : pos + 1]
            if mark == "]":
                pos += 1
                break
            if mark != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
            pos = SPACE.match(text, pos + 1).end()
    return items if SPACE.match(text, pos).end() == len(text) else None


def read_jsonl(path) -> list:
    """The JSON values of a JSON Lines file the studio wrote (a split, a shipped sample), one per non-blank line;
    OSError, or ValueError naming the line of a bad one ("line 12: Unterminated string ... (column 16)";
    UnicodeDecodeError for bytes that are not UTF-8). A user's data file is read by readers.py instead."""
    with open(path, encoding="utf-8") as handle:
        out = []
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"line {number}: {exc.msg} (column {exc.colno})") from None
        return out


__all__ = [
    "ends_on_comma",
    "second_line_is_a_row",
    "text_rows_message",
    "SPACE",
    "read_jsonl",
    "JSONProblem",
    "KeyedDecoder",
    "RepeatedKeys",
    "parse_json",
    "pretty_error",
    "shape_note",
    "array_items",
    "arrays_message",
    "closing_comma",
    "json_problem",
    "mixed_message",
    "documents",
    "lost_keys",
    "lost_message",
    "outer_keys_message",
    "quoted",
    "values_error",
    "values_note",
]
