"""Helper 168: a skeptical review of the commits from f99cdba on; each test failed before its fix."""

from __future__ import annotations

import json

from ftlib.cli import main


def test_the_tokens_command_a_cut_warning_names_says_how_its_row_is_counted(tmp_path, capsys, tiny_model_dir):
    """30cfd74 ended `batch`'s and `train`'s cut warning with '`python -m ftlib tokens FILE --row N --max-length 32`
    shows where a row is cut' right after '(training rows 1, 3)': --row counts a file's valid rows from 0 (and
    `tokens` reads with the default model and template), so --row 1 showed line 2, a row the cut does not reach."""
    reply = {"role": "assistant", "content": "a long reply " * 20}
    rows = [
        {"messages": [{"role": "user", "content": "hello there"}, reply]},
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]},
    ]
    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["batch", str(data), "--model", str(tiny_model_dir), "--max-length", "32"]) == 0
    cut = [line for line in capsys.readouterr().err.splitlines() if "longer than the max length" in line]
    # Since helper 171 the command names that very row (--line, as the warning numbers it) with the command's model
    # and template, rather than FILE --row N with how --row counts.
    assert len(cut) == 1 and cut[0].endswith(
        f"`python -m ftlib tokens {data} --line 2 --model {tiny_model_dir} --template tokenizer --max-length 32` "
        "shows where training row 2 is cut."
    ), cut
