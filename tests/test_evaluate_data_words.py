"""`evaluate RUN --data FILE`: the loss note named the file's rows "each of the 3 held-out rows", which they are not
(the run's held-out rows are its own split's). With a file it names the file's rows; with none, the held-out rows."""

from __future__ import annotations

import json
from types import SimpleNamespace

from ftlib.loss_words import evaluate_measured_over

R = SimpleNamespace


def test_the_words_name_a_files_rows_not_held_out_ones():
    rows = [R(index=i, tokens=4, is_text=False, is_pair=False) for i in range(3)]
    said = evaluate_measured_over(rows, source="checks.jsonl")
    assert said == (
        "Average loss per answer token of the last reply of each of the 3 rows of checks.jsonl (12 tokens, each "
        "counting alike)."
    )
    assert "held-out" not in said
    assert "of each of the 3 held-out rows (" in evaluate_measured_over(rows)


def test_pairs_texts_and_every_reply_name_the_file_too():
    pairs = [R(index=i, tokens=3, is_text=False, is_pair=True) for i in range(2)]
    assert "the chosen answer of each of the 2 pairs of prefs.json (" in evaluate_measured_over(
        pairs, source="prefs.json"
    )
    texts = [R(index=i, tokens=5, is_text=True, is_pair=False) for i in range(2)]
    assert evaluate_measured_over(texts, source="notes.txt").startswith(
        "Average loss per token of the texts of notes.txt:"
    )
    replies = [
        R(index=0, reply=1, tokens=2, is_text=False, is_pair=False),
        R(index=0, reply=2, tokens=2, is_text=False, is_pair=False),
    ]
    said = evaluate_measured_over(replies, "every", source="chat.jsonl")
    assert "the 2 replies of the 1 row of chat.jsonl (" in said


def test_the_cli_names_the_data_files_rows(capsys, tmp_path, varied_dir, adapter_template):
    from ftlib import workspace
    from ftlib.cli import main
    from ftlib.testing import make_run

    plain = {"messages": [{"role": "user", "content": "Say yes."}, {"role": "assistant", "content": "Yes!"}]}
    other = {"messages": [{"role": "user", "content": "Say no."}, {"role": "assistant", "content": "No."}]}
    workspace.save_split("answers", [plain], [plain], {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "answers", "template": "hermes", "method": "lora"}
    run = make_run("20260101-000000-lora-answers", config, adapter=adapter_template)
    path = tmp_path / "extra.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (other, other, plain)))
    assert main(["evaluate", run.id, "--data", str(path), "--max-new-tokens", "4"]) == 0
    out = capsys.readouterr().out
    assert (
        "note: loss here: Average loss per answer token of the last reply of each of the 3 rows of extra.jsonl" in out
    )
    assert "held-out rows (" not in out
