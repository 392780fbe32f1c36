"""Evaluate of a run packing with packing_strategy bfd_split: TRL cut none of its rows, it split each longer one into
pieces of the max length, each trained without what came before it (its first token unscored), and it packs and
splits the held-out rows the same way for the Train page's held-out loss. Evaluate scores a longer held-out row in
those pieces (`split_long`): a row whose answer begins past the max length is scored, not skipped as "the run learned
nothing of it" (false there), and its tokens and losses are those of TRL's own pieces."""

from __future__ import annotations

import pytest
import torch

from ftlib import evaluate as E
from ftlib.models import load_model

WEATHER = " ".join(["The weather stays mild and dry all week."] * 6)
ROWS = [
    {"messages": [{"role": "user", "content": "Say hi."}, {"role": "assistant", "content": "Hello!"}]},  # fits
    {"messages": [{"role": "user", "content": "Describe the week."}, {"role": "assistant", "content": WEATHER}]},
    {"messages": [{"role": "user", "content": WEATHER}, {"role": "assistant", "content": "Fine."}]},  # answer past
]


def trl_pieces(ref, max_length: int) -> list[tuple[list[int], list[int]]]:
    """The pieces TRL's bfd_split packing makes of one row (input_ids, labels), read back from its packed rows."""
    from datasets import Dataset
    from trl.data_utils import pack_dataset

    packed = pack_dataset(
        Dataset.from_dict({"input_ids": [ref.input_ids], "labels": [ref.labels]}), max_length, "bfd_split"
    )
    pieces = []
    for row in packed:
        start = 0
        for n in row["seq_lengths"]:
            pieces.append((row["input_ids"][start : start + n], row["labels"][start : start + n]))
            start += n
    return pieces  # in the order TRL binned them: the summed loss does not depend on it


def summed_loss(model, pieces) -> tuple[float, int]:
    """(summed loss in nats, tokens scored) of `pieces`, each read on its own, by transformers' own shifted loss."""
    total, count = 0.0, 0
    for ids, labels in pieces:
        n = sum(label != -100 for label in labels[1:])  # position 0 is never predicted
        if n:
            with torch.no_grad():
                loss = model(input_ids=torch.tensor([ids]), labels=torch.tensor([labels])).loss.item()
            total, count = total + loss * n, count + n
    return total, count


def test_a_bfd_split_run_scores_its_longer_rows_in_trls_pieces_and_skips_none(model_set, varied_dir):
    tok, tuned = model_set.tokenizer, model_set.names[1]
    whole = [E.encode_reference(r["messages"], tok) for r in ROWS]
    starts = [next(i for i, label in enumerate(ref.labels) if label != -100) for ref in whole]
    max_length = max(len(whole[0].input_ids), starts[1] + 5)
    assert len(whole[1].input_ids) > 2 * max_length and starts[2] >= max_length  # the rows' shapes hold

    cut = E.evaluate(model_set, ROWS, tuned, max_new_tokens=2, max_length=max_length)  # bfd: as before
    assert [i for i, _ in cut.skipped] == [2] and "learned nothing of it" in cut.skipped[0][1]

    result = E.evaluate(model_set, ROWS, tuned, max_new_tokens=2, max_length=max_length, split_long=True)
    assert not result.skipped and result.cut == [1, 2] and result.split_long
    agg = result.aggregates()
    assert agg["cut_rows"] == 0 and agg["split_rows"] == 2  # none cut: both scored in pieces
    base = load_model(str(varied_dir), device="cpu").eval()
    for i in (1, 2):
        pieces = trl_pieces(whole[i], max_length)
        assert len(pieces) == -(-len(whole[i].input_ids) // max_length) > 1
        total, count = summed_loss(base, pieces)
        row = next(r for r in result.rows if r.index == i)
        assert (
            row.tokens
            == count
            == sum(label != -100 for label in whole[i].labels)
            - sum(whole[i].labels[k] != -100 for k in range(max_length, len(whole[i].labels), max_length))
        )  # every reference token but each later piece's first
        assert row.base_loss == pytest.approx(total / count, rel=1e-4)
    assert result.rows[0].base_loss == pytest.approx(cut.rows[0].base_loss)  # a row that fits: scored as before

    view = E.token_losses(model_set, ROWS[1], tuned, max_length=max_length, split_long=True)  # the page's view
    row = next(r for r in result.rows if r.index == 1)
    assert len(view.tokens) == len(whole[1].input_ids) and sum(view.scored) == row.tokens
    assert not any(view.scored[k] for k in range(max_length, len(view.scored), max_length))
    assert sum(v for v in view.losses["base"] if v is not None) / row.tokens == pytest.approx(row.base_loss)

    note = result.cut_note()
    assert note.startswith("Rows 2, 3 were longer than the run's max length") and "scored in pieces" in note
    assert "never trained" not in note and "first" not in note.split("(")[0]


def test_a_bfd_split_result_is_kept_under_its_own_key_and_read_back_as_split(tmp_path):
    """A bfd_split run's result is kept under a key naming it (one kept before, cut at the max length, is not found
    for it), and read back still split, so its note stays true after a reload."""
    from types import SimpleNamespace

    from ftlib import eval_results as K

    info = SimpleNamespace(
        test_rows=ROWS, model="m", template="tokenizer", template_source="", max_length=64, split_long=False
    )
    before = K.heldout_key(tmp_path, **K.run_rows(info, 3), max_new_tokens=64, batch_size=8)
    info.split_long = True
    after = K.heldout_key(tmp_path, **K.run_rows(info, 3), max_new_tokens=64, batch_size=8)
    assert "split_long" not in before and after == before | {"split_long": True}
    result = E.EvalResult("run", [], cut=[1], max_length=64, split_long=True)
    assert K.result_from_record(K.result_record(result)).cut_note() == result.cut_note()
    assert "scored in pieces of 64 tokens" in result.cut_note()


def test_train_packs_and_splits_its_held_out_rows_as_evaluate_scores_them(
    model_set, varied_dir, tmp_path, monkeypatch
):
    """TRL's SFTTrainer packs the held-out rows as the training rows (`eval_packing` unset follows `packing`, with the
    same packing_strategy): under bfd_split the Train page's held-out loss at step 0 is the base model's loss over the
    very pieces Evaluate scores, so the note says they are split into the same pieces, not cut."""
    from ftlib.loss_words import train_heldout_note
    from ftlib.training import build_trainer
    from tests.test_packing_split import DOCS, MAX, split_config

    monkeypatch.setenv("FTLIB_CPU_BF16", "0")  # fp32: agreement to float rounding
    config = split_config(varied_dir, packing_strategy="bfd_split", batch_size=16, lora_dropout=0.0)
    trainer = build_trainer(config, tmp_path / "run", rows=(DOCS, DOCS)).trainer
    assert all(len(ids) <= MAX for ids in trainer.eval_dataset["input_ids"])  # split, none cut: every token kept
    whole = [E.row_reference(d, model_set.tokenizer, "text")[1] for d in DOCS]
    assert sum(map(len, trainer.eval_dataset["input_ids"])) == sum(len(ref.input_ids) for ref in whole)
    batches = list(trainer.get_eval_dataloader())
    assert len(batches) == 1  # one batch: its mean is every token alike, as Evaluate's loss is
    result = E.evaluate(model_set, DOCS, model_set.names[1], template="text", max_length=MAX, split_long=True)
    assert sum(r.tokens for r in result.rows) == int((batches[0]["labels"] != -100).sum())
    assert trainer.evaluate()["eval_loss"] == pytest.approx(result.base_token_loss, rel=1e-4)  # LoRA at init: base

    chat = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    said = train_heldout_note([chat], "all_assistant", "every", 1, split=True)
    assert said.startswith("Train's held-out loss scores the same tokens") and "cut at the same" not in said
    assert "split at the same max length into the same pieces, each read without what came before it" in said
    assert "cut at the same max length" in train_heldout_note([chat], "all_assistant", "every", 1)  # bfd: cut
