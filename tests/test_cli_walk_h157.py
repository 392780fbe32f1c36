"""Helper 157's cold walk of the alignment methods from the command line, with files shaped as published preference
data is (a chat export with thumbs, UltraFeedback, HH-RLHF): a command the CLI offers as the way on works as given."""

from __future__ import annotations

import json
import shlex

from ftlib import runs
from ftlib.cli import main
from tests.test_cli_errors import one_error_line


def test_data_pair_offers_kto_with_the_map_that_read_the_labels(tmp_path, capsys, tiny_model_dir, no_training):
    """A chat export whose `feedback` column is mapped as the label, each question answered once: nothing to pair,
    and the KTO command offered instead dropped `--map feedback=label`, so `train` read the rows as alpaca
    conversations and refused KTO on them."""
    path = tmp_path / "chat export.jsonl"  # a space: the path is quoted for the shell
    rows = [
        {"question": f"Tip {i}?", "response": f"Answer {i}.", "feedback": "thumbs_up" if i % 3 else "thumbs_down"}
        for i in range(12)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = str(tmp_path / "pairs.jsonl")
    line = one_error_line(capsys, ["data", "pair", str(path), "--map", "feedback=label", "--out", out])
    offered = line.rsplit("`", 2)[1]
    assert offered == f"python -m ftlib train --method kto --dataset {shlex.quote(str(path))} --map feedback=label"
    argv = shlex.split(offered)[3:] + ["--model", str(tiny_model_dir), "--max-steps", "1", "--detach"]
    assert main(argv) == 0, capsys.readouterr().err
    assert [r.method for r in runs.list_runs(refresh=False)] == ["kto (lora)"]
