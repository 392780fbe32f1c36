"""Follow-ups of helper 83's CLI walk: `tokens` says how the file was read, `data split --test-size 0` says where
test_size 0 is taken, the weight-0 checks name the `loss`/`train` flags too, `train`/`runs show` say a thing once."""

from __future__ import annotations

import io
import json
from pathlib import Path

from ftlib.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
READ_AS = [  # a `bot` reply and a user turn in two text parts: the rendered text differs from the file
    {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "A kettle?"}, {"type": "text", "text": "Ok"}]},
            {"role": "bot", "content": "Descale it with vinegar."},
        ]
    },
    {"messages": [{"role": "user", "content": "A fern?"}, {"role": "assistant", "content": "Mist it."}]},
]
PLAIN = [{"messages": [{"role": "user", "content": "A fern?"}, {"role": "assistant", "content": "Mist it."}]}]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_tokens_says_how_the_file_was_read_as_data_inspect_does(tmp_path, tiny_model_dir, capsys):
    """`tokens` of a file with a `bot` role and content parts showed the text as read (the parts joined, `bot` as the
    assistant's turn) without a word of either, where `data inspect` notes both."""
    path = _write(tmp_path / "read_as.jsonl", READ_AS)
    assert main(["data", "inspect", str(path)]) == 0
    inspected = [line.removeprefix("note:").strip() for line in capsys.readouterr().out.splitlines()]
    assert main(["tokens", str(path), "--model", str(tiny_model_dir)]) == 0
    notes = [line.removeprefix("note: ") for line in capsys.readouterr().err.splitlines() if line.startswith("note: ")]
    assert len(notes) == 2 and all(note in inspected for note in notes), notes
    assert any("names the assistant's turns `bot`" in note for note in notes)
    assert any("several text parts" in note for note in notes)
    assert main(["tokens", str(path), "--model", str(tiny_model_dir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["notes"] == notes
    # A file read as written has none to say.
    plain = _write(tmp_path / "plain.jsonl", PLAIN)
    assert main(["tokens", str(plain), "--model", str(tiny_model_dir)]) == 0
    assert "note:" not in capsys.readouterr().err
    assert main(["tokens", str(plain), "--model", str(tiny_model_dir), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["notes"] == [] and out["file_warnings"] == []


def test_tokens_names_a_field_nothing_reads_as_train_does(tmp_path, tiny_model_dir, capsys):
    path = _write(tmp_path / "source.jsonl", [{**PLAIN[0], "source": "forum"}])
    assert main(["tokens", str(path), "--model", str(tiny_model_dir), "--json"]) == 0
    (said,) = json.loads(capsys.readouterr().out)["file_warnings"]
    assert "`source` in 1 row" in said, said


def test_data_split_test_size_0_points_to_train_which_takes_it_and_the_readme_says_so(tmp_path, capsys):
    """README said train's `test_size` 0 "holds out none, as `data split --test-size` takes", but `data split` refused
    0 with 'choose between 1 and 5 rows'. A split is its held-out rows: 0 stays refused, saying where 0 is taken."""
    path = _write(tmp_path / "six.jsonl", PLAIN * 6)
    assert main(["data", "split", str(path), "--test-size", "0", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: --test-size 0 holds out no row"), err
    assert f"train --dataset {path} --test-size 0" in err and not (tmp_path / "s").exists()
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "0, which `data split` refuses, holds out none" in text


def test_the_weight_0_checks_name_the_loss_and_train_flags_too(tmp_path, tiny_model_dir, capsys):
    """A turn written `"loss": false` was told it 'has weight 0 in the data', a key the file never wrote."""

    def turns(first: bool, last: bool) -> list[dict]:
        return [
            {"role": "user", "content": "Tips for a kettle?"},
            {"role": "assistant", "content": "A first long draft.", "loss": first},
            {"role": "user", "content": "Shorter please."},
            {"role": "assistant", "content": "Descale it.", "loss": last},
        ]

    path = _write(tmp_path / "swift.jsonl", [{"messages": turns(False, True)}, {"messages": turns(True, False)}])
    flags = 'has weight 0 in the data (`"weight": 0`, or `"loss"` or `"train"` false)'
    for row, policy, code in ((0, "all_assistant", "weight_zero"), (0, "everything", "weight_zero"),
                              (1, "last_assistant", "no_trained_tokens")):  # fmt: skip
        argv = ["tokens", str(path), "--row", str(row), "--policy", policy, "--model", str(tiny_model_dir), "--json"]
        assert main(argv) == (1 if code == "no_trained_tokens" else 0)
        checks = {c["code"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
        assert flags in checks[code]["message"], checks


def test_train_says_the_state_once_and_runs_show_rounds_the_losses(capsys, monkeypatch):
    """`train` printed '[id] running: Starting.' (and 'finished: Finished.'); `runs show` printed
    'train_loss: 0.8211997151374817' beside 'training: loss 0.8212'."""
    from types import SimpleNamespace

    from ftlib import runs
    from ftlib.commands.train import follow
    from ftlib.testing import make_run

    steps = [{"kind": "train", "step": 2, "loss": 0.8211997151374817}, {"kind": "eval", "step": 2, "eval_loss": 0.91}]
    run = make_run("r-done", max_steps=2, step=2, message="Finished.", metrics=steps)
    real = runs.wait
    seen = iter([SimpleNamespace(state="running", phase="starting", message="Starting.", stopped_by_user=False)])
    monkeypatch.setattr(runs, "wait", lambda run_id, timeout=None: next(seen, None) or real(run_id, timeout=timeout))
    out = io.StringIO()
    follow("r-done", out=out, poll=0)
    assert out.getvalue().splitlines() == ["[r-done] running", "[r-done] finished"]
    assert main(["runs", "show", run.path.name]) == 0
    text = capsys.readouterr().out
    assert "\ntrain_loss: 0.8212\n" in text and "\neval_loss: 0.9100\n" in text, text
    assert main(["runs", "show", "r-done", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["train_loss"] == 0.8211997151374817
