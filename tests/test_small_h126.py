"""Helper 126's small items.

1. `data inspect --model --json` on raw text (format `text`) gave `lengths` the template "tokenizer" and the title
   "model's own", while its text line says "raw text, no chat template": the JSON says that too now.
2. Its `tokens:` line said raw text's long rows are "cut in training"; packing with packing_strategy bfd_split keeps
   every token of a document (train's cut warning offers it): the line says so, for raw text only.
3. The Batches page's caption and whole-split table counted bfd_split from the packing_strategy setting alone, with
   the Train page's packing off (no run splits then): they follow packing too, as its warnings do since ee5202e.
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
    tokenizer = "the tokenizer of `SmolLM2-135M-Instruct`, the embedded default"  # no brackets in the line's own
    assert f"(raw text, no chat template: {tokenizer})" in capsys.readouterr().out
    chat = _write(tmp_path / "chat.jsonl", CHAT)  # a chat file keeps its template's name and title
    assert main(["data", "inspect", str(chat), "--model", "default", "--json"]) == 0
    lengths = json.loads(capsys.readouterr().out)["lengths"]
    assert (lengths["template"], lengths["title"]) == ("tokenizer", "model's own")


def test_raw_texts_cut_rows_name_bfd_split_packing_a_chats_do_not(tmp_path, capsys):
    path = _write(tmp_path / "notes.jsonl", [{"text": t} for t in NOTES])
    assert main(["data", "inspect", str(path), "--model", "default", "--max-length", "16"]) == 0
    [said] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("tokens:")]
    assert said.endswith(
        "1 row is longer than --max-length 16 (line 1; cut in training; packing with packing_strategy bfd_split keeps "
        "every token, in pieces)"
    ), said
    chat = _write(tmp_path / "chat.jsonl", CHAT * 2)  # a chat's cut reply is not split: no packing way offered
    assert main(["data", "inspect", str(chat), "--model", "default", "--max-length", "16"]) == 0
    [said] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("tokens:")]
    assert said.endswith("2 rows are longer than --max-length 16 (line 1, line 2; cut in training)"), said


def test_the_batches_page_counts_no_split_with_the_train_pages_packing_off(tiny_model_dir):
    from ftlib import workspace
    from tests.test_packing_split import DOCS, MAX
    from tests.test_pages_train import page

    workspace.save_split("documents", DOCS, DOCS[1:2])
    at = page(tiny_model_dir)
    at.number_input(key="train_max_length").set_value(MAX).run()
    at.toggle(key="train_packing").set_value(True).run()
    at.selectbox(key="train_packing_strategy").set_value("bfd_split").run()
    at.toggle(key="train_packing").set_value(False).run()  # bfd_split kept as the setting, but nothing packs
    at.switch_page("pages/3_Batches.py").run()
    assert not at.exception, at.exception
    assert not [c.value for c in at.caption if "splits a longer example" in c.value]
    table = next(d.value for d in at.dataframe if "strategy" in d.value.columns).set_index("strategy")
    assert table.loc["Packing", "cut"] > 0  # what packing would do under the run's bfd: cut, as the warnings say
    assert any("longer than the max length" in w.value for w in at.warning)
