"""Unread fields that are a copy of a field that is read: Dahoas' HH-RLHF rows carry a `response` holding the
chosen answer again, a chat export an `answer` holding the conversation's last turn, UltraChat and No Robots a
`prompt` holding its first user turn. Nothing is lost by not reading such a field, and its notice says so
(notices.file_notices), where it said only "not read".

    copies = CopiedFields(source_of)
    for record, done in ...:
        copies.add(record, done.ignored)          # each row kept, the keys its converter did not read
    copies.said(ignored)                          # {"response": "a copy of `chosen`, the same text in every row"}

Texts are compared stripped (an HH answer opens with the space after "Assistant:"). Not known here: the load
(data.py), the notices' other words (notices.py).
"""

from __future__ import annotations

from collections import Counter

# A field a copy of another in at least this share of the rows it is in is said to be one ("nearly all rows": an
# export that fixed a typo in a few answers), where it is in at least NEARLY_ROWS rows; in fewer, every row must be.
NEARLY, NEARLY_ROWS = 0.9, 10

# How the reasons `said` gives open: every row, nearly all (a table's note says them apart: notices.unused_columns)
COPY, NEARLY_COPY = "a copy of", "nearly a copy of"


def _read_texts(record: dict, unread: set[str]) -> dict[tuple[str, str], str]:
    """{(a read field, which of its turns: "" for a text field, "last" or "first user"): its text, stripped}: a text
    field as itself, a conversation (a list of turns) as its last turn's text and its first user turn's (UltraChat's
    and No Robots' `prompt` beside their `messages`)."""
    texts = {}
    for key, value in record.items():
        if key in unread:
            continue
        if isinstance(value, str) and value.strip():
            texts[(key, "")] = value.strip()
        elif isinstance(value, list) and value and isinstance(value[-1], dict):
            asked = next((t for t in value if isinstance(t, dict) and t.get("role", t.get("from")) in _USER), None)
            for which, turn in (("last", value[-1]), ("first user", asked)):
                said = turn.get("content", turn.get("value")) if turn else None
                if isinstance(said, str) and said.strip():
                    texts[(key, which)] = said.strip()
    return texts


_USER = ("user", "human")


class CopiedFields:
    """Counts, per unread field, the rows in which it holds the same text as a field that is read; `source_of`
    names a mapped field by the column it came from."""

    def __init__(self, source_of: dict[str, str] | None = None) -> None:
        self.source_of = source_of or {}
        self.same: Counter = Counter()  # (unread key, (read key, a conversation?)) -> rows

    def add(self, record: dict, unread: list[str]) -> None:
        """Compare each unread text field of `record` (one row kept) with the fields its converter read."""
        texts = None
        for key in unread:
            value = record.get(key)  # a key inside the turns (`messages[].name`) is no top-level field: None
            if not isinstance(value, str) or not value.strip():
                continue
            texts = _read_texts(record, set(unread)) if texts is None else texts
            for read, text in texts.items():
                if text == value.strip():
                    self.same[(key, read)] += 1

    def said(self, ignored: Counter) -> dict[str, str]:
        """{unread field, as `ignored` names it: what it copies}, for each field a copy of one read field in
        every row it is in (`ignored[name]` rows), or nearly all (NEARLY of at least NEARLY_ROWS).

        >>> copies = CopiedFields()
        >>> copies.add({"prompt": "Hi", "chosen": " Hello.", "rejected": "Go.", "response": "Hello."}, ["response"])
        >>> copies.said(Counter({"response": 1}))
        {'response': 'a copy of `chosen`, the same text in every row'}
        >>> copies = CopiedFields()
        >>> chat = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]
        >>> copies.add({"prompt": "Hi", "messages": chat}, ["prompt"])
        >>> copies.said(Counter({"prompt": 1}))
        {'prompt': 'a copy of the first user turn of `messages`, the same text in every row'}
        """
        said = {}
        for (key, (read, turns)), n in self.same.most_common():
            name, read_name = self.source_of.get(key, key), self.source_of.get(read, read)
            named = f"the {turns} turn of `{read_name}`" if turns else f"`{read_name}`"
            rows = ignored.get(name, 0)
            if name in said or not rows:
                continue
            if n >= rows:
                said[name] = f"{COPY} {named}, the same text in every row"
            elif rows >= NEARLY_ROWS and n >= NEARLY * rows:
                said[name] = f"{NEARLY_COPY} {named}, the same text in {n} of its {rows} rows"
        return said


__all__ = ["COPY", "NEARLY", "NEARLY_COPY", "NEARLY_ROWS", "CopiedFields"]
