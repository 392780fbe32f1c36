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


ITEMS = "kettle chain loaf fern kayak tent scarf drill piano saddle lantern hammock".split()
GEMINI = [  # Gemini's `contents` of `parts`
    {"contents": [{"role": "user", "parts": [{"text": f"{item}?"}]}, {"role": "model", "parts": [{"text": "Oil."}]}]}
    for item in ITEMS
]


def _lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_data_split_never_writes_over_the_file_it_splits_or_the_datas_own_split(tmp_path, capsys, monkeypatch):
    """`data split train.jsonl --out .` (data published as train.jsonl + test.jsonl, split in its own folder) wrote
    the split over train.jsonl (12 Gemini rows became 9 canonical ones) and over the user's test.jsonl, exit 0."""
    monkeypatch.chdir(tmp_path)
    own = [json.dumps(r) for r in GEMINI]
    (tmp_path / "train.jsonl").write_text("\n".join(own) + "\n", encoding="utf-8")
    assert main(["data", "split", "train.jsonl", "--out", "."]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --out . would write the split over train.jsonl, the file being split"), err
    assert len(err.strip().splitlines()) == 1 and _lines(tmp_path / "train.jsonl") == own
    (tmp_path / "test.jsonl").write_text(own[0] + "\n", encoding="utf-8")
    argv = ["data", "split", "train.jsonl", "--test-file", "test.jsonl", "--out", str(tmp_path), "--json"]
    assert main(argv) == 2 and capsys.readouterr().out == ""
    # Another file split into that folder would replace the data's own train.jsonl and test.jsonl: refused too.
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "rows.jsonl").write_text("\n".join(own) + "\n", encoding="utf-8")
    assert main(["data", "split", "more/rows.jsonl", "--out", "."]) == 2
    assert "holds train.jsonl and test.jsonl but no meta.json" in capsys.readouterr().err
    assert _lines(tmp_path / "train.jsonl") == own and _lines(tmp_path / "test.jsonl") == own[:1]
    # A folder holding a split this command wrote (its meta.json) is written over, as before.
    assert main(["data", "split", "more/rows.jsonl", "--out", "split"]) == 0
    assert main(["data", "split", "more/rows.jsonl", "--out", "split", "--seed", "1"]) == 0
    assert len(_lines(tmp_path / "split" / "train.jsonl")) == 9


def test_inspect_says_what_weight_0_counts_for_a_file_of_loss_flags(tmp_path, capsys):
    """`data inspect` of an ms-swift file (`"loss": false` on a draft reply) said 'holding:    weight_0 1': a key the
    file never wrote. The count keeps its --json name, said in words."""
    path = tmp_path / "swift.jsonl"
    path.write_text(json.dumps(_row({"loss": False})) + "\n", encoding="utf-8")
    assert main(["data", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "holding:    weight_0 1 (rows with a turn marked not trained: weight 0, loss or train false)\n" in out
    assert main(["data", "inspect", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["weight_0"] == 1


def test_runs_show_says_the_chat_template_the_run_trained_with(capsys):
    """`runs show` of a tool-calling run trained with `--template hermes` named its method, model and rows but not its
    template (only --json's config had it), the setting that decides whether its calls were trained at all."""
    from ftlib.testing import make_run

    make_run("r-tools", {"template": "hermes"}, max_steps=2)
    make_run("r-plain", {"template": "tokenizer"}, max_steps=2)
    assert main(["runs", "show", "r-tools"]) == 0
    assert "\ntemplate: hermes\n" in capsys.readouterr().out
    assert main(["runs", "show", "r-plain"]) == 0
    assert "\ntemplate: tokenizer (the model's own)\n" in capsys.readouterr().out
