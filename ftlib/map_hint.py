"""The `--map` example a table that needs a mapping is told: its likeliest columns, quoted for the shell.

    map_example(["Ticket ID", "Created", "Customer Message", "Agent Reply"], raw)
    -> "e.g. `--map 'Customer Message=instruction' --map 'Agent Reply=output'`"

The likeliest are the columns holding the longest text (by their mean length over the rows), not the first ones (an
id and a date); in the file's order, the prompt being the left one. Not here: guessing a mapping from the columns'
names (mapping.py).
"""

from __future__ import annotations

import shlex

from ftlib.notices import looks_like_text


def likeliest_columns(columns: list[str], raw: list[tuple[int, dict]], n: int = 2) -> list[str]:
    """The `n` columns of `columns` whose cells hold the longest text in the records `raw` ((row number, record)), in
    the file's order; a column of ids, numbers or tags (no cell reads as a sentence: `notices.looks_like_text`) only
    where too few others hold text.

    >>> raw = [(1, {"id": "T-1", "q": "How do I log in?", "a": "Press Log in, then type it."})]
    >>> likeliest_columns(["id", "q", "a"], raw)
    ['q', 'a']
    """

    def score(col: str) -> tuple[bool, float]:
        values = [r.get(col) for _, r in raw]
        text = [v for v in values if isinstance(v, str)]
        mean = sum(len(v) for v in text) / max(len(values), 1)
        return any(looks_like_text(v) for v in text), mean

    ranked = sorted(columns, key=score, reverse=True)[:n]
    return [c for c in columns if c in ranked]


def map_example(columns: list[str], raw: list[tuple[int, dict]]) -> str:
    """The CLI's mapping of the likeliest columns (`likeliest_columns`), each `--map` argument quoted for the shell
    (shlex.quote: a name with a space, `Ticket ID`, split in two). Returns "e.g. `--map ...`".

    >>> map_example(["col_a", "col_b", "notes"], []), map_example(["text"], [])
    ('e.g. `--map col_a=instruction --map col_b=output`', 'e.g. `--map text=instruction`')
    """
    chosen = likeliest_columns(columns, raw)
    pairs = zip(chosen, ("instruction", "output"), strict=False)
    return "e.g. `" + " ".join(f"--map {shlex.quote(f'{c}={f}')}" for c, f in pairs) + "`"


def text_example(columns: list[str], raw: list[tuple[int, dict]]) -> str:
    """The CLI's mapping of the likeliest column (`likeliest_columns`) as plain text, quoted as `map_example` quotes
    it: a table of documents (`content`, as some corpora name it) is read as text, not as prompts and answers.

    >>> text_example(["url", "content"], [(1, {"url": "https://a.org/1", "content": "The mill was built in 1820."})])
    '`--map content=text`'
    """
    return f"`--map {shlex.quote(f'{likeliest_columns(columns, raw, 1)[0]}=text')}`"


__all__ = ["likeliest_columns", "map_example", "text_example"]
