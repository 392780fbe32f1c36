"""What each way of batching costs on a dataset (ftlib.batch_costs, batch_plans): the padding a run's shuffled order
computes, checked against every order; steps as transformers' Trainer counts them; and what the rows' methods cannot
use, in the words `train` refuses it with."""

from __future__ import annotations

import itertools
import json
from types import SimpleNamespace

import pytest
import torch

from ftlib import batch_costs as C
from ftlib import training
from ftlib.batch_plans import optimizer_steps, shuffled_positions
from ftlib.config import ConfigError, RunConfig
from ftlib.methods import OWN_ROW_ORDER

IGN = -100


def examples(lengths):
    """SFT examples with distinct ids; labels = ids + 1000 past the first token (nothing matches by accident)."""
    return [
        {"input_ids": [100 + 50 * k + i for i in range(n)], "labels": [IGN] + [1100 + 50 * k + i for i in range(1, n)]}
        for k, n in enumerate(lengths)
    ]


def every_order(widths, rows, batch_size):
    """The reference: the mean, over every order of the units, of what consecutive right-padded batches compute."""
    total = count = 0
    for order in itertools.permutations(range(len(widths))):
        for i in range(0, len(order), batch_size):
            batch = order[i : i + batch_size]
            total += max(widths[u] for u in batch) * sum(rows[u] for u in batch)
        count += 1
    return total / count


@pytest.mark.parametrize(
    ("widths", "rows", "batch_size"),
    [
        ([10, 2, 10, 2], [1, 1, 1, 1], 2),
        ([7, 3, 11, 5, 3, 13], [1] * 6, 4),  # a last, shorter batch
        ([7, 3, 11, 5, 3, 13, 2], [2, 2, 2, 2, 2, 2, 2], 3),  # preference pairs: two sequences a unit
        ([9, 4, 6, 1, 12], [1, 2, 1, 2, 2], 2),  # mixed units
        ([5, 8], [1, 1], 8),  # one batch
        ([5, 8, 3], [1, 1, 1], 1),  # nothing to pad against
    ],
)
def test_shuffled_positions_is_the_mean_over_every_order(widths, rows, batch_size):
    assert shuffled_positions(widths, rows, batch_size) == pytest.approx(every_order(widths, rows, batch_size))


def test_padding_shuffled_as_a_run_does_not_depend_on_the_files_order():
    """Cold review: on a file sorted by length, "Padding, in order" said 10.7% and grouping 32.0%, while a run, which
    shuffles its rows, pads about 30%: the table told the user that grouping triples padding."""
    lengths = [3, 4, 5, 8, 12, 20, 31, 52]  # sorted, as in the reviewer's file; 8! orders to check against
    in_file_order = C.make_batches(examples(lengths), 2, "right_padding")
    sorted_said = sum(len(r) for b in in_file_order for r in b.input_ids)  # the old number: sorted rows pad little
    shuffled = C.strategy_stats(examples(lengths), 2, "right_padding")
    reversed_ = C.strategy_stats(examples(lengths[::-1]), 2, "right_padding")
    assert shuffled.computed_positions == reversed_.computed_positions == round(every_order(lengths, [1] * 8, 2))
    assert shuffled.padded_positions > 2 * (sorted_said - sum(lengths))  # what the sorted order hid: 75 against 33
    assert shuffled.padded_positions == shuffled.computed_positions - sum(lengths)
    assert C.STRATEGY_LABELS["right_padding"] == "Padding, shuffled"


def test_shuffled_padding_counts_cut_and_rounded_up_widths():
    exs = examples([30, 4, 6])
    s = C.strategy_stats(exs, 2, "right_padding", max_length=10, pad_to_multiple_of=8)
    widths = [16, 8, 8]  # 30 cut to 10, then each batch padded to a multiple of 8
    assert s.computed_positions == round(every_order(widths, [1, 1, 1], 2))
    assert (s.real_tokens, s.dropped_tokens) == (20, 20)


@pytest.mark.parametrize(("batches", "accumulation"), [(10, 4), (8, 4), (3, 1), (1, 8), (17, 5)])
def test_optimizer_steps_as_transformers_trainer_counts_them(batches, accumulation, tmp_path):
    from transformers import Trainer, TrainingArguments

    args = TrainingArguments(output_dir=str(tmp_path), gradient_accumulation_steps=accumulation, report_to=[])
    trainer = SimpleNamespace(get_total_train_batch_size=lambda a: 1, get_sp_size=lambda: 1, num_examples=len)
    reference = Trainer.set_initial_training_values(trainer, args, list(range(batches)))[1]
    assert optimizer_steps(batches, accumulation) == reference


def rows_file(tmp_path, rows):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    return str(path)


def test_cli_steps_are_optimizer_steps_with_the_runs_gradient_accumulation(tmp_path, capsys):
    from ftlib.cli import main

    chats = [
        {"messages": [{"role": "user", "content": f"Q{i}"}, {"role": "assistant", "content": "ok " * (1 + i)}]}
        for i in range(20)
    ]
    path = rows_file(tmp_path, chats)
    assert main(["batch", path, "--batch-size", "2", "--grad-accum", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["grad_accum"] == 3
    for s in report["strategies"]:
        assert s["steps"] == optimizer_steps(s["batches"], 3), s["strategy"]
    assert report["strategies"][0]["batches"] == 10 and report["strategies"][0]["steps"] == 4
    assert main(["batch", path, "--batch-size", "2", "--grad-accum", "3"]) == 0
    out = capsys.readouterr().out
    assert "batch size 2 x gradient accumulation 3 a step" in out
    shuffled = out.splitlines()[2]
    assert shuffled.startswith("Padding, shuffled ") and shuffled.split()[2] == "4"  # 4 steps


def test_work_per_trained_token_is_rounded_once_in_python():
    """Cold review: 4.625 read 4.63 on the page (the browser rounds half up) and 4.62 in the CLI."""
    from ftlib.batching import BatchStats

    stats = BatchStats("packing", 8, 1, 1, 30, 7, 37, 8)
    assert stats.computed_per_trained == 4.625 and C.strategy_rows([stats])[0]["computed_per_trained"] == 4.62
    assert f"{C.strategy_rows([stats])[0]['computed_per_trained']:.2f}" == "4.62"  # the CLI's and the page's string
    none = BatchStats("right_padding", 2, 1, 2, 6, 0, 6, 0)
    assert C.strategy_rows([none])[0]["computed_per_trained"] is None


UNPAIRED = {"prompt": "Hi?", "completion": "Hello.", "label": True}
PROMPT = {"prompt": [{"role": "user", "content": "Sing."}]}
PAIR = {"prompt": "Hi?", "chosen": "Hello.", "rejected": "Go."}
CHAT = {"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]}
# (id, rows, their canonical kind, the method train refuses packing for, strategies left, grouping refused)
KINDS = [
    ("kto", [UNPAIRED, {**UNPAIRED, "label": False}], "unpaired", "kto", ["right_padding"], True),
    ("grpo", [PROMPT, PROMPT], "prompt_only", "grpo", ["right_padding"], True),
    ("pairs", [PAIR, PAIR], "preference", "dpo", ["right_padding", "length_grouped"], False),
    ("sft", [CHAT, CHAT], "sft", None, list(C.STRATEGIES), False),
]


@pytest.mark.parametrize(
    ("rows", "kind", "method", "left", "no_grouping"), [k[1:] for k in KINDS], ids=[k[0] for k in KINDS]
)
def test_what_the_rows_methods_cannot_use_is_said_as_a_fact_of_the_rows(
    rows, kind, method, left, no_grouping, tmp_path, capsys
):
    """Cold review: `ftlib batch` on KTO rows and on prompts ranked packing first at 0% padding, though `train
    --method kto --packing` is refused, and offered length grouping to KTO, which reads its rows in order.
    Helper 267: it then said why in train's refusal, "... Turn packing off.", of a setting nobody turned on in
    `batch` (it has no packing option): the Batches page's words (`packing_not_applied`) say it as a fact of the
    rows' methods; train keeps its own words for `--packing` it refuses."""
    from ftlib.cli import main

    assert main(["batch", rows_file(tmp_path, rows), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [s["strategy"] for s in report["strategies"]] == left
    if method:
        with pytest.raises(ConfigError) as refused:  # train refuses packing turned on, in its words ...
            RunConfig(method=method, packing=True, rewards=[{"regex": "x"}] if method == "grpo" else [])
        assert "Turn packing off" in str(refused.value)
        # ... and batch, where nobody turned it on, says why the rows' methods do not pack
        assert report["unavailable"]["packing"] == C.packing_not_applied([kind]) != str(refused.value)
        assert "Turn packing off" not in report["unavailable"]["packing"]
    else:
        assert "packing" not in report["unavailable"] and C.packing_not_applied([kind]) is None
    assert ("length_grouped" in report["unavailable"]) == no_grouping
    if no_grouping:
        assert report["unavailable"]["length_grouped"] == OWN_ROW_ORDER[method]
        # ... and the run indeed does not group them: KTO's rows in order, GRPO's by TRL's own sampler
        config = RunConfig(method=method, group_by_length=True, rewards=[{"regex": "x"}] if method == "grpo" else [])
        strategy = training.trainer_arguments(config, tmp_path, "cpu", torch.float32, False).train_sampling_strategy
        assert strategy == ("sequential" if method == "kto" else "random")
    assert main(["batch", rows_file(tmp_path, rows)]) == 0
    out = capsys.readouterr().out
    for strategy, why in report["unavailable"].items():
        assert f"{C.STRATEGY_LABELS[strategy]}: not available. {why}" in out


def test_a_packed_batch_keeps_its_examples_apart_only_without_a_cache(tiny_model_dir):
    """Cold review: the docstrings said restarting position ids alone keep packed examples apart; transformers looks
    for packed examples only when no cache is passed, and a Llama makes one unless `use_cache=False`."""
    from transformers import AutoModelForCausalLM

    from ftlib import batching

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32).eval()
    exs = [{"input_ids": [10, 11, 12, 13, 14]}, {"input_ids": [20, 21, 22]}]
    batch = batching.pack(exs, max_length=8, pad_id=2)
    t = batch.as_tensors()
    assert "attention_mask" not in t
    second = batch.segments[0][1]
    with torch.no_grad():
        alone = model(input_ids=torch.tensor([exs[1]["input_ids"]]), use_cache=False).logits[0]
        packed = model(input_ids=t["input_ids"], position_ids=t["position_ids"], use_cache=False).logits
        cached = model(input_ids=t["input_ids"], position_ids=t["position_ids"]).logits
    torch.testing.assert_close(packed[0, second.start : second.end], alone, atol=1e-4, rtol=1e-4)
    assert (cached[0, second.start : second.end] - alone).abs().max() > 1e-3  # as the docstrings now warn
