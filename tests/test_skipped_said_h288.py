"""The CLI's `warning:` line on skipped rows says each reason once, with how many rows and which, as the Data page
groups them (ftlib.skipped_groups): a 30-row ShareGPT file with 10 rows skipped for one reason said it 10 times'
worth of "line N: <same sentence>"; reasons differing only by a quoted value are one, each row's own value after it."""

from __future__ import annotations

import json
from types import SimpleNamespace

from ftlib.commands import skipped_warning
from ftlib.data import load_file

NO_ANSWER = (3, 8, 11, 14, 15, 17, 20, 22, 25, 28)  # 0-based: lines 4, 9, 12, ...


def test_warning_groups_reasons(tmp_path):
    path = tmp_path / "chat.jsonl"
    with path.open("w") as f:
        for i in range(30):
            turns = [{"from": "human", "value": f"Q {i}?"}, {"from": "gpt", "value": f"A {i}."}]
            if i in NO_ANSWER:
                turns = turns[:1]
            if i in (5, 6):
                turns.append({"from": "wizard" if i == 5 else "elf", "value": "x"})
            f.write(json.dumps({"conversations": turns}) + "\n")
    result = load_file(str(path))
    assert len(result.errors) == 12
    args = SimpleNamespace(file=str(path), fmt=None, map=[], model=None)
    line = skipped_warning(result, args)
    assert line.count("no assistant turn") == 1  # once, not once per row
    assert "10 rows: lines 4, 9, 12 and 7 more: " in line
    assert "2 rows: lines 6, 7: " in line and "'wizard' (line 6); 'elf' (line 7)" in line
    assert "line 9:" not in line  # no per-row listing
    assert "See every row with `python -m ftlib data inspect" in line


def test_reasons_past_the_first_few_are_counted_as_reasons():
    from ftlib.data import load_bytes

    rows = [
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]},
        *[{"messages": []}] * 2,
        {"messages": [{"role": "user", "content": "Hi"}]},
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "wizard", "content": "x"}]},
    ]
    text = ("".join(json.dumps(r) + "\n" for r in rows) + "{not json\n").encode()
    result = load_bytes(text, "chats.jsonl")
    args = SimpleNamespace(file="chats.jsonl", fmt=None, map=[], model=None)
    line = skipped_warning(result, args, few=2)
    assert "2 rows: lines 2, 3: " in line  # the most common reason first
    assert "(and 2 other reasons)" in line and "(and 3 more)" not in line, line
