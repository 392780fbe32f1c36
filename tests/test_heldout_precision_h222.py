"""Why Evaluate's base loss and the Train page's held-out loss differ when the held-out rows are one batch (a walk:
3.217 on Evaluate beside 3.2109 on Train, same run, same rows). Not the batches (one batch is one mean over every
token alike), not the tokens, padding, dropout or template: the precision. A LoRA run on a CPU that multiplies bf16
natively keeps its frozen base in bfloat16 (`precision.training_dtype`), so its held-out loss is computed in bf16;
Evaluate loads the base in float32 (`models.pick_dtype`). In float32 both the numbers agree to rounding; the run
records what it computed in (status.json `computed_in`), and the words say that, not "averages each batch's mean"."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from ftlib import evaluate as E
from ftlib import runs
from ftlib.config import RunConfig
from ftlib.eval_runs import run_info
from ftlib.rundir import RunDir
from ftlib.training import build_trainer, save_final

# Seven rows trained, three held out: the three fit one held-out batch of batch_size 4.
ROWS = [
    {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}
    for q, a in [
        ("Which way does a compass needle point?", "North, more or less."),
        ("What do you call frozen rain?", "Hail, or sleet when it is fine."),
        ("How many wheels has a tricycle?", "Three wheels."),
        ("What colour is a ripe lemon?", "Yellow."),
        ("Which month follows March?", "April comes next."),
        ("What does a thermometer measure?", "Temperature."),
        ("Name a tool for cutting paper.", "Scissors work well."),
        ("How many sides has a square?", "Four equal sides."),
        ("What is the plural of mouse?", "Mice."),
        ("Where does a bird sleep?", "Often in a nest or on a branch."),
    ]
]


def run_of(model_dir, tmp_path, **kw):
    """A run on ROWS (3 held out) with its trainer built; LoRA at its start is the base model."""
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    settings = dict(model=str(model_dir), dataset=str(data), test_size=3, batch_size=4, max_steps=1, save_every=0)
    config = RunConfig(**{**settings, **kw})
    run = runs.find(runs.create_run(config))
    return config, run, build_trainer(config, run.path)


@pytest.mark.parametrize("bf16", ["0", "1"])
def test_one_batch_held_out_loss_is_evaluates_base_loss_but_for_the_precision(
    bf16, model_set, varied_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("FTLIB_CPU_BF16", bf16)
    config, run, prepared = run_of(varied_dir, tmp_path, lora_dropout=0.0)
    assert len(list(prepared.trainer.get_eval_dataloader())) == 1  # one batch: every token alike, as Evaluate
    heldout = prepared.trainer.evaluate()["eval_loss"]  # LoRA at init: the base model's, as Train's step 0
    info = run_info(run.path)
    assert len(info.test_rows) == 3
    result = E.evaluate(model_set, info.test_rows, model_set.names[1], max_new_tokens=1, template=info.template)
    assert result.dtype == "float32"  # Evaluate scores on CPU in float32
    if bf16 == "0":  # float32 both: the same number (no other cause left)
        assert heldout == pytest.approx(result.base_token_loss, rel=1e-4)
    else:  # a bfloat16 base: the held-out loss moves, Evaluate's does not
        assert str(prepared.weights_dtype) == "torch.bfloat16"
        assert abs(heldout - result.base_token_loss) > 1e-4 * result.base_token_loss


def test_the_words_name_the_precision_not_the_batches_of_a_one_batch_run(varied_dir, tmp_path, monkeypatch):
    """The reason Evaluate (page and CLI) gives: a bf16 run's held-out loss computes in bfloat16; in one batch it is
    not "each batch's mean". A run in float32 on one batch: nothing differs, and it says Train's step 0 is the base
    loss here. Five held-out rows of a batch of 4 are two batches: said as before."""
    from ftlib.commands.evaluate import _loss_notes

    monkeypatch.setenv("FTLIB_CPU_BF16", "1")
    config, run, prepared = run_of(varied_dir, tmp_path)
    save_final(prepared, config, run.path)
    assert RunDir(run.path).read_status()["computed_in"] == "bfloat16"
    info = run_info(run.path)
    assert info.one_batch and info.computed_in == "bfloat16"
    rows = [E.EvalRow(i, "q", "a", "x", "y", 1.0, 0.5, tokens=4) for i in range(3)]
    result = E.EvalResult("tuned", rows, dtype="float32")
    note = _loss_notes(SimpleNamespace(data=None), result, info)[1]  # the CLI's; the page passes the same
    assert "computes in bfloat16, the precision the run trained in, where Evaluate computes in float32" in note
    assert "batch's mean" not in note

    fp32 = SimpleNamespace(**{**vars(info), "computed_in": "float32"})
    same = _loss_notes(SimpleNamespace(data=None), result, fp32)[1]
    assert "in one batch" in same and "in the same precision (float32)" in same and "is the base loss here" in same
    assert "differs" not in same

    two = SimpleNamespace(**{**vars(info), "one_batch": False})
    assert "averages each batch's mean" in _loss_notes(SimpleNamespace(data=None), result, two)[1]
    kept = E.EvalResult("tuned", rows)  # a result kept before the dtype was: no word on it
    assert "bfloat16" not in _loss_notes(SimpleNamespace(data=None), kept, two)[1]


def test_a_run_records_the_products_dtype_it_computed_in(varied_dir, tmp_path, monkeypatch):
    """A full fine-tune on a bf16 CPU keeps fp32 weights and multiplies in bf16 (`fastpath.bf16_products`): its
    weights_dtype says float32, its held-out loss was bf16's. `computed_in` says so; run_info reads it."""
    monkeypatch.setenv("FTLIB_CPU_BF16", "1")
    config, run, prepared = run_of(varied_dir, tmp_path, method="full")
    save_final(prepared, config, run.path)
    status = RunDir(run.path).read_status()
    assert (status["weights_dtype"], status["computed_in"]) == ("float32", "bfloat16")
    assert run_info(run.path).computed_in == "bfloat16"
    # A run finished before `computed_in` was recorded: its adapter's base dtype says it; a full one's does not.
    lora, full = SimpleNamespace(method="lora"), SimpleNamespace(method="full")
    from ftlib.eval_runs import heldout_precision

    assert heldout_precision(lora, {"weights_dtype": "bfloat16"}) == "bfloat16"
    assert heldout_precision(full, {"weights_dtype": "float32"}) is None
