"""A template's refusal of rows, said by `train` before the run: the rows it names are found in the data file.

Helper 159's walk with Mistral- and Gemma-style custom templates: `train` said "The chat template cannot render rows
1, 2, 3, 4, 5, 6" of a file split into training and held-out rows, the numbers of the run's training rows read as the
file's lines (and, without a side named, no note said which lines they were).
"""

from __future__ import annotations

import json

from ftlib import runs
from ftlib.cli import main


def test_a_refused_row_is_named_by_its_side_and_its_line(tmp_path, capsys, tiny_model_dir):
    rows = [
        {"messages": [{"role": "user", "content": f"Name a colour, {i}."}, {"role": "assistant", "content": "Teal."}]}
        for i in range(8)
    ]
    # Line 5 opens on a system turn and answers it at once: Gemma's template wants a user turn after the system one.
    rows[4] = {"messages": [{"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "Hello."}]}
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", str(data), "--template", "gemma"]
    # Seed 1 draws line 5 into the training rows, as the 4th of them: "row 4" read as the file's line 4.
    code, said = main([*argv, "--test-size", "2", "--seed", "1"]), capsys.readouterr()
    assert code == 2, said.out + said.err
    assert said.err.startswith("error: The chat template cannot render training row 4: "), said.err
    assert "training row 4 is line 5." in said.err, said.err
    assert runs.list_runs(refresh=False) == []
