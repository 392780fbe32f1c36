"""Helper 83's cold CLI walk on files in shapes projects publish: what `tokens` tells a person whose file marks
turns with Axolotl's `train` or ms-swift's `loss` flags, not OpenAI's `weight`."""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main


def _row(flag: dict) -> dict:
    return {
        "messages": [
            {"role": "user", "content": "Tips for a kettle?"},
            {"role": "assistant", "content": "A first long draft.", **flag},
            {"role": "user", "content": "Shorter please."},
            {"role": "assistant", "content": "Descale it with vinegar.", "loss": True},
        ]
    }


@pytest.mark.parametrize("flag", [{"loss": "false"}, {"train": 0}], ids=["loss-false", "train-0"])
def test_a_turn_flagged_not_trained_is_told_how_the_file_marks_it_trained(tmp_path, tiny_model_dir, capsys, flag):
    """`tokens` said 'set the weight to 1 to train a turn' of a turn written `"loss": "false"`: the file has no
    `weight`, and adding `"weight": 1` beside the flag gets the row refused (the keys differ). The fix names the
    flag too."""
    path = tmp_path / "flags.jsonl"
    path.write_text(json.dumps(_row(flag)) + "\n", encoding="utf-8")
    assert main(["tokens", str(path), "--model", str(tiny_model_dir), "--json"]) == 0
    checks = {c["code"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    fix = checks["weight_zero"]["fix"]
    assert '"loss": true' in fix and '"train": true' in fix and '"weight": 1' in fix, fix
    # What the fix offers is read back as trained, not refused: the flag set true trains both replies.
    trained = _row({k: True for k in flag})
    path.write_text(json.dumps(trained) + "\n", encoding="utf-8")
    assert main(["tokens", str(path), "--model", str(tiny_model_dir), "--json"]) == 0
    assert "weight_zero" not in {c["code"] for c in json.loads(capsys.readouterr().out)["checks"]}
