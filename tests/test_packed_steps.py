"""A packing run's steps are counted in the rows TRL packs, not in the training rows (`overfitting.step_rows`).

SFT packing puts several short rows in one (bfd) and splits a long document into several (bfd_split), and the
trainer steps over those packed rows. Counted in training rows, 15 documents under bfd_split were planned at 2
steps where the trainer took 6 a pass, and a 1-step run's time estimate counted 8,401 tokens where 2,776 were read
(helper 119's measurement). The preflight counts the packed rows once (`Preflight.step_rows`, from the lengths it
encoded, as `batch_plans.packed_lengths` packs them), and the planned steps, the Train page's note, `train`'s
queued steps and the time estimate all count in them.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import replace

import pytest

from ftlib.batch_plans import PACK_BATCH, packed_lengths
from ftlib.overfitting import planned_steps, step_rows, steps_per_pass, zero_rate_warning
from ftlib.run_time import run_tokens
from ftlib.training import build_trainer
from tests.test_packing_split import DOCS, MAX, split_config, trained_in_rows

WORDS = "amber willow falcon marble cedar lagoon ember quartz saffron tundra".split()
# Fifteen documents of 3 to 150 words: many past MAX (several pieces each under bfd_split), some that share a row.
LONG_DOCS = [
    {"text": " ".join(WORDS[(i + k) % len(WORDS)] for k in range(n))}
    for i, n in enumerate((150, 3, 40, 90, 7, 12, 64, 5, 120, 30, 18, 75, 9, 55, 26))
]


def trls_rows(lengths: list[int], max_length: int, strategy: str) -> list[int]:
    """The tokens of each row TRL's own `pack_dataset` makes of rows of `lengths` tokens."""
    from datasets import Dataset
    from trl.data_utils import pack_dataset

    data = Dataset.from_dict({"input_ids": [[7] * n for n in lengths], "labels": [[7] * n for n in lengths]})
    return [len(row) for row in pack_dataset(data, max_length, strategy)["input_ids"]]


@pytest.mark.parametrize("strategy", ["bfd", "bfd_split"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_our_packed_rows_are_trls_for_the_same_lengths(strategy, seed):
    draw = random.Random(seed)
    max_length = draw.choice([16, 64, 100])
    # More rows than one of TRL's map batches, some empty (dropped), some several times the max length.
    lengths = [draw.choice([0, draw.randint(1, max_length), draw.randint(1, 4 * max_length)]) for _ in range(2300)]
    assert len(lengths) > 2 * PACK_BATCH
    ours = packed_lengths(lengths, max_length, split=strategy == "bfd_split")
    assert ours == trls_rows(lengths, max_length, strategy)


def test_the_packed_rows_follow_the_strategy():
    assert packed_lengths([50, 30, 40], 80) == [80, 40]  # bfd: best fit decreasing, 50 + 30 in one row
    assert packed_lengths([200, 10], 64) == [64, 10]  # bfd cuts the long row at the max length
    assert packed_lengths([200, 10], 64, split=True) == [64, 64, 64, 18]  # bfd_split: 64 + 64 + 64 + (8 + 10)


@pytest.mark.parametrize("strategy", ["bfd", "bfd_split"])
@pytest.mark.parametrize(("batch_size", "grad_accum"), [(1, 1), (2, 1), (2, 3)])
def test_the_planned_steps_are_the_trainers_own_steps_per_epoch(
    strategy, batch_size, grad_accum, tiny_model_dir, tmp_path
):
    from ftlib.run_preflight import preflight

    config = split_config(
        tiny_model_dir, packing_strategy=strategy, batch_size=batch_size, grad_accum=grad_accum, epochs=1.0
    )
    report = preflight(config, rows=(LONG_DOCS, []))
    assert report.ok, report.errors
    trainer = build_trainer(config, tmp_path / "run", rows=(LONG_DOCS, [])).trainer
    assert report.step_rows == len(trainer.train_dataset)  # the rows TRL packed
    per_epoch = math.ceil(len(trainer.get_train_dataloader()) / trainer.args.gradient_accumulation_steps)
    assert planned_steps(config, report.step_rows) == steps_per_pass(config, report.step_rows) == per_epoch
    if strategy == "bfd_split":  # a long document is several rows: more steps than the training rows give
        assert report.step_rows > report.train_rows == len(LONG_DOCS)


def test_a_max_steps_estimate_counts_the_tokens_of_the_packed_rows_read(tiny_model_dir, tmp_path):
    from ftlib.run_preflight import preflight

    config = split_config(tiny_model_dir, packing_strategy="bfd_split", batch_size=2)
    trainer = build_trainer(config, tmp_path / "run", rows=(LONG_DOCS, [])).trainer
    epoch_tokens, _ = trained_in_rows(trainer)  # what one pass over the packed rows reads
    report = preflight(config, rows=(LONG_DOCS, []))
    assert report.tokens == epoch_tokens
    one_pass = steps_per_pass(config, report.step_rows)
    assert one_pass > steps_per_pass(config, report.train_rows)  # counted in documents, a pass was fewer steps
    # max steps of one pass read one pass's tokens; half as many, about half of them
    assert run_tokens(replace(config, max_steps=one_pass), report.tokens, report.step_rows) == epoch_tokens
    half = run_tokens(replace(config, max_steps=one_pass // 2), report.tokens, report.step_rows)
    assert half == math.ceil(epoch_tokens * (one_pass // 2) / one_pass)


def test_bfd_packs_short_rows_into_fewer_steps(tiny_model_dir):
    from ftlib.run_preflight import preflight

    short = [{"text": " ".join(WORDS[: 2 + i % 3])} for i in range(12)]  # 12 rows, several to a packed row
    config = split_config(tiny_model_dir, max_length=64, batch_size=2, epochs=1.0)
    report = preflight(config, rows=(short, []))
    assert report.train_rows == 12 and report.step_rows < 12
    assert planned_steps(config, report.step_rows) == math.ceil(report.step_rows / 2) < 6
    unpacked = replace(config, packing=False)
    assert preflight(unpacked, rows=(short, [])).step_rows == 12  # without packing: a training row each


def test_a_run_that_does_not_pack_steps_over_its_training_rows():
    from ftlib.config import RunConfig

    assert step_rows(RunConfig(), [500, 3, 4]) == 3
    assert step_rows(RunConfig(packing=True, max_length=64), [500, 3, 4]) == 2  # bfd: 64 | 3 + 4
    assert step_rows(RunConfig(packing=True, max_length=64, packing_strategy="bfd_split"), [500, 3, 4]) == 8


def test_the_warmup_warning_counts_the_packed_steps():
    from ftlib.config import RunConfig

    settings = dict(batch_size=1, grad_accum=1, epochs=1.0, warmup_ratio=0.25)
    config = RunConfig(packing=True, packing_strategy="bfd_split", max_length=64, **settings)
    lengths = [640] * 4  # 4 documents, 40 pieces: 40 steps a pass, not 4
    assert zero_rate_warning(config, len(lengths)) is not None  # counted in documents: 1 of 4 steps at rate 0
    assert zero_rate_warning(config, step_rows(config, lengths)) is None  # 1 of 40


def test_train_queues_the_packed_steps(tmp_path, monkeypatch, tiny_model_dir):
    from ftlib import runs
    from ftlib.cli import main
    from ftlib.run_preflight import preflight

    data = tmp_path / "docs.jsonl"
    data.write_text("".join(json.dumps(d) + "\n" for d in LONG_DOCS))
    monkeypatch.setattr(runs, "advance", lambda **_: [])  # queued, not launched
    queued = []
    create = runs.create_run  # train creates the run, then starts the queue (the id known as it is queued)
    monkeypatch.setattr(runs, "create_run", lambda config, **kw: queued.append(kw) or create(config, **kw))
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", str(data), "--device", "cpu", "--test-size", "0"]
    flags = ["--packing", "--packing-strategy", "bfd_split", "--max-length", str(MAX), "--batch-size", "2"]
    assert main([*argv, *flags, "--epochs", "1", "--detach"]) == 0
    (run,) = runs.list_runs(refresh=False)
    report = preflight(runs.find(run.id).config(), rows=(LONG_DOCS, []))  # the run's own settings, template included
    assert [kw["planned_steps"] for kw in queued] == [math.ceil(report.step_rows / 2)]
    assert report.step_rows > len(LONG_DOCS)


def test_the_train_page_says_the_packed_steps(tiny_model_dir):
    import re

    from ftlib import workspace
    from tests.test_pages_train import page

    workspace.save_split("documents", DOCS, DOCS[1:2])
    at = page(tiny_model_dir)
    at.toggle(key="train_packing").set_value(True).run()
    at.selectbox(key="train_packing_strategy").set_value("bfd_split").run()
    at.number_input(key="train_max_length").set_value(MAX).run()
    assert not at.exception
    said = next(c.value for c in at.caption if c.value.startswith("This run takes"))
    found = re.search(rf"one pass over the 4 training texts, packed into (\d+) rows of up to {MAX} tokens, is ", said)
    assert found and int(found.group(1)) > 4, said  # 3 of the 4 documents are several rows each


@pytest.mark.parametrize("strategy", ["bfd", "bfd_split"])
def test_the_batches_pages_packing_row_packs_as_trl_a_thousand_rows_at_a_time(strategy):
    """The Batches page's packing row (`batch_costs.strategy_stats`; one packed row a batch at batch size 1) packed a
    split whole, where TRL packs each batch of `PACK_BATCH` rows on its own: 1,558 packed rows of 10,000 where TRL
    made 1,564 (a reviewer's count). It packs as `batch_plans.packed_lengths` does now, the rows TRL makes."""
    from ftlib.batch_costs import strategy_stats

    draw = random.Random(5)
    lengths = [draw.randint(1, 150) for _ in range(2300)]  # some past the max length: cut (bfd) or split (bfd_split)
    examples = [{"input_ids": [7] * n, "labels": [7] * n} for n in lengths]
    stats = strategy_stats(examples, 1, "packing", 64, packing_strategy=strategy)
    assert stats.batches == len(trls_rows(lengths, 64, strategy))
