"""Helper 126's small items.

1. `data inspect --model --json` on raw text (format `text`) gave `lengths` the template "tokenizer" and the title
   "model's own", while its text line says "raw text, no chat template": the JSON says that too now.
"""

from __future__ import annotations

import json

from ftlib.cli import main

NOTES = [
    "Field notes, 9 June. The beehives on the south slope swarmed twice before noon; the queen cells were cut back.",
    "Clover in flower along the lane.",
    "Rain.",
]
CHAT = [{"messages": [{"role": "user", "content": "Colour of the sky?"}, {"role": "assistant", "content": "Blue."}]}]


def _write(path, rows: list[dict]):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_raw_text_lengths_in_json_name_no_template_as_the_text_line_says(tmp_path, capsys):
    path = _write(tmp_path / "notes.jsonl", [{"text": t} for t in NOTES])
    assert main(["data", "inspect", str(path), "--model", "default", "--json"]) == 0
    lengths = json.loads(capsys.readouterr().out)["lengths"]
    assert (lengths["template"], lengths["title"], lengths["rows"]) == (None, "raw text, no chat template", 3)
    assert main(["data", "inspect", str(path), "--model", "default"]) == 0
    assert "(raw text, no chat template: the tokenizer of `default`)" in capsys.readouterr().out
    chat = _write(tmp_path / "chat.jsonl", CHAT)  # a chat file keeps its template's name and title
    assert main(["data", "inspect", str(chat), "--model", "default", "--json"]) == 0
    lengths = json.loads(capsys.readouterr().out)["lengths"]
    assert (lengths["template"], lengths["title"]) == ("tokenizer", "model's own")
