"""Rows longer than a run's max length, or than the model can read at all.

A cold review: `tokens` on a row of 20,000 words said `tokens=20044 trained=20002` and nothing else, though a run cuts
rows at 384 tokens by default and SmolLM2 reads 8192; with `--max-length 384` the fix asked for a max length of
20044, more than the model's context. Now `tokens` without --max-length says what a run at its default would cut
(`cut_in_training`), and no fix asks for a max length past the model's context (`models.context_length`).
"""

from __future__ import annotations

import json

import pytest

from ftlib.checks import longer_fix
from ftlib.cli import main
from ftlib.config import RunConfig, field_specs
from ftlib.models import context_length
from ftlib.run_preflight import preflight as run_preflight

RUN_DEFAULT = field_specs()["max_length"].default  # 384, what `train` and the Train form start from
SMOL_CONTEXT = 8192  # SmolLM2-135M's max_position_embeddings


def long_row(words: int) -> dict:
    return {"messages": [{"role": "user", "content": "Say it."}, {"role": "assistant", "content": "word " * words}]}


def tokens(tmp_path, capsys, row: dict, *args: str) -> tuple[int, str]:
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    code = main(["tokens", str(path), *args])
    out = capsys.readouterr().out
    return code, "\n".join(line for line in out.splitlines() if not line.lstrip()[:1].isdigit())  # not the table


def test_context_length_reads_the_models_config(tiny_model_dir, tmp_path):
    assert context_length("default") == SMOL_CONTEXT
    assert context_length(str(tiny_model_dir)) == 2048  # ftlib.testing's tiny Llama
    for name, config, expected in (
        ("gpt2", {"model_type": "gpt2", "n_positions": 1024}, 1024),
        ("vision", {"model_type": "x", "text_config": {"max_position_embeddings": 4096}}, 4096),
        ("none", {"model_type": "x"}, None),
    ):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text(json.dumps(config), encoding="utf-8")
        assert context_length(str(tmp_path / name)) == expected, name


# (length, context, words the fix says, words it must not say)
FIXES = [
    (900, None, ["Raise the max length to at least 900 tokens"], ["context"]),
    (900, 8192, ["Raise the max length to at least 900 tokens (the model reads up to 8192)"], ["can read at all"]),
    (20044, 8192, ["longer than the model can read at all (20044 tokens; its context is 8192 tokens)",
                   "Split it into shorter rows", "drop it"], ["Raise the max length"]),
]  # fmt: skip


@pytest.mark.parametrize("length, context, says, not_said", FIXES)
def test_no_fix_asks_for_a_max_length_past_the_models_context(length, context, says, not_said):
    fix = longer_fix(length, context)
    assert all(words in fix for words in says) and not any(words in fix for words in not_said), fix


def test_tokens_without_max_length_says_a_run_would_cut_a_row_longer_than_the_model_reads(tmp_path, capsys):
    code, out = tokens(tmp_path, capsys, long_row(9000))
    assert code == 0  # a warning: the exit code is an error's alone
    said = next(line for line in out.splitlines() if "[cut_in_training]" in line)
    assert said.startswith(f"WARNING: [cut_in_training] A training run cuts each row at its max length, {RUN_DEFAULT}")
    total = int(out.split(" tokens=")[1].split()[0])
    trained = int(out.split(" trained=")[1].split()[0])
    assert total > SMOL_CONTEXT and f"this row is {total} tokens" in said
    assert (
        f"of its {trained} trained tokens (" in said and "the end of message 2 (an assistant reply) included" in said
    )
    fix = out.split("[cut_in_training]")[1].split("fix: ")[1].splitlines()[0]
    assert f"({total} tokens; its context is {SMOL_CONTEXT} tokens)" in fix and "Raise" not in fix
    # Given a max length, the cut is shown and its fix is bounded the same way; the run's default is not said again.
    code, cut = tokens(tmp_path, capsys, long_row(9000), "--max-length", str(RUN_DEFAULT))
    assert code == 0 and "[truncated_assistant]" in cut and "[cut_in_training]" not in cut
    assert f"Raise the max length to at least {total}" not in cut and "can read at all" in cut


def test_tokens_without_max_length_on_a_row_the_model_reads(tmp_path, capsys):
    _, out = tokens(tmp_path, capsys, long_row(600))
    total = int(out.split(" tokens=")[1].split()[0])
    assert RUN_DEFAULT < total < SMOL_CONTEXT and "[cut_in_training]" in out
    assert f"Raise the max length to at least {total} tokens (the model reads up to {SMOL_CONTEXT})" in out
    _, short = tokens(tmp_path, capsys, long_row(20))
    assert "cut_in_training" not in short
    code, as_json = tokens(tmp_path, capsys, long_row(600), "--json")
    checks = json.loads(as_json)["checks"]
    assert code == 0 and [c["severity"] for c in checks if c["code"] == "cut_in_training"] == ["warning"]


def test_a_runs_report_bounds_its_advice_by_the_models_context(tiny_model_dir, smol_tokenizer):
    """The tiny test model reads 2048 tokens: a row of about 2,500 is not fixed by any max length."""
    short = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ahoy!"}]}
    config = RunConfig(model=str(tiny_model_dir), dataset="x", max_steps=1, max_length=64)
    report = run_preflight(config, tokenizer=smol_tokenizer, rows=([short, long_row(2500), short], []))
    (said,) = [w for w in report.warnings if "longer than the max length of 64 tokens and cut" in w]
    assert "at most to the model's context of 2048 tokens" in said, said
    assert "training row 2 is longer than the model can read at all" in said and "split it" in said, said
    fits = run_preflight(config, tokenizer=smol_tokenizer, rows=([short, long_row(200), short], []))
    (said,) = [w for w in fits.warnings if "and cut" in w]
    assert "Raise the max length (the longest row has" in said and "can read at all" not in said


def test_a_max_length_that_lets_rows_past_the_models_context_is_refused(tiny_model_dir, smol_tokenizer):
    """A cold review trained at `--max-length 100000` on a row of 3,602 tokens with a model reading 2048: rc 0,
    "0 rows dropped", positions past the context trained. Refused before the run now, naming both numbers; a large
    max length over rows the model reads whole is harmless and not refused."""
    short = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ahoy!"}]}
    config = RunConfig(model=str(tiny_model_dir), dataset="x", max_steps=1, max_length=100000)
    report = run_preflight(config, tokenizer=smol_tokenizer, rows=([short, long_row(2500)], []))
    (said,) = [e for e in report.errors if "context" in e]
    assert said.startswith("The max length of 100000 tokens lets rows of up to ") and "reads at most 2048" in said
    assert "Set the max length to 2048 or less" in said
    held_out = run_preflight(config, tokenizer=smol_tokenizer, rows=([short, short], [long_row(2500)]))
    assert [e for e in held_out.errors if "reads at most 2048" in e]
    fine = run_preflight(config, tokenizer=smol_tokenizer, rows=([short, short], [short]))
    assert not [e for e in fine.errors if "context" in e]
