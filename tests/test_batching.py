"""Batching: padding on both sides, packing, length grouping and waste statistics, checked with sentinel values
(pad id 7777, labels = ids + 1000, prompt labels -100) against transformers' and TRL's collators and samplers."""

from __future__ import annotations

import copy
import random
from types import SimpleNamespace

import pytest
import torch

from ftlib import batch_costs as C
from ftlib import batching as B

PAD = 7777
IGN = -100


def make_examples(lengths, prompt=2, base=100):
    """Distinct ids per example, labels = ids + 1000 except the first `prompt` tokens (-100), so nothing matches by
    accident: a pad is never 0 or eos, a label never equals its id."""
    out = []
    for k, n in enumerate(lengths):
        ids = [base + 50 * k + i for i in range(n)]
        labels = [IGN if i < prompt else t + 1000 for i, t in enumerate(ids)]
        out.append({"input_ids": ids, "labels": labels})
    return out


def real_tokens(batch, row):
    return [t for t, m in zip(batch.input_ids[row], batch.attention_mask[row], strict=True) if m]


# ------------------------------------------------------------------------------------------------------ padding


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("multiple", [None, 8])
def test_collate_places_padding_and_keeps_labels(side, multiple):
    exs = make_examples([5, 2, 9, 1], prompt=1)
    b = B.collate(exs, PAD, side, pad_to_multiple_of=multiple)
    width = 16 if multiple else 9
    assert b.shape == (4, width)
    for r, ex in enumerate(exs):
        n, n_pad = len(ex["input_ids"]), width - len(ex["input_ids"])
        real = slice(0, n) if side == "right" else slice(n_pad, width)
        pad = slice(n, width) if side == "right" else slice(0, n_pad)
        assert b.input_ids[r][real] == ex["input_ids"]
        assert b.labels[r][real] == ex["labels"]
        assert b.attention_mask[r][real] == [1] * n
        assert b.position_ids[r][real] == list(range(n))  # counted from the first real token on both sides
        assert b.input_ids[r][pad] == [PAD] * n_pad
        assert b.attention_mask[r][pad] == [0] * n_pad
        assert b.labels[r][pad] == [IGN] * n_pad
        assert b.position_ids[r][pad] == [0] * n_pad
        assert b.segments[r] == [B.Segment(r, real.start, real.stop)]
        # -100 where attention is 1 only where the example itself said -100
        for lab, m, t in zip(b.labels[r], b.attention_mask[r], b.input_ids[r], strict=True):
            if m and lab == IGN:
                assert ex["labels"][ex["input_ids"].index(t)] == IGN


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("multiple", [None, 4])
def test_collate_agrees_with_DataCollatorForSeq2Seq(smol_tokenizer, side, multiple):
    from transformers import DataCollatorForSeq2Seq

    tok = copy.deepcopy(smol_tokenizer)
    tok.pad_token = tok.convert_ids_to_tokens(PAD)
    tok.padding_side = side
    exs = make_examples([3, 7, 1, 4])
    ref = DataCollatorForSeq2Seq(tok, pad_to_multiple_of=multiple, label_pad_token_id=IGN)(
        [dict(e, attention_mask=[1] * len(e["input_ids"])) for e in exs]
    )
    ours = B.collate(exs, PAD, side, pad_to_multiple_of=multiple).as_tensors()
    for key in ("input_ids", "attention_mask", "labels"):
        assert torch.equal(ours[key], ref[key]), key


@pytest.mark.parametrize("side", ["right", "left"])
def test_position_ids_agree_with_generate(side):
    from transformers.generation.utils import GenerationMixin

    t = B.collate(make_examples([2, 6, 4]), PAD, side).as_tensors()
    # The method only reads the mask; `self` is unused on this path.
    ref = GenerationMixin._prepare_position_ids_for_generation(
        None, t["input_ids"], {"attention_mask": t["attention_mask"]}
    )
    assert torch.equal(t["position_ids"], ref)


@pytest.fixture(scope="module")
def tiny_model(tiny_model_dir):
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    return AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32).eval()


@pytest.mark.parametrize("side", ["right", "left"])
def test_padded_rows_compute_what_each_example_computes_alone(tiny_model, side):
    exs = make_examples([3, 8, 5])
    t = B.collate(exs, PAD, side).as_tensors()
    with torch.no_grad():
        batched = tiny_model(**t).logits
        for r, ex in enumerate(exs):
            alone = tiny_model(input_ids=torch.tensor([ex["input_ids"]])).logits[0]
            real = t["attention_mask"][r].bool()
            torch.testing.assert_close(batched[r][real], alone, atol=1e-4, rtol=1e-4)


# ------------------------------------------------------------------------------------------------------ packing


@pytest.mark.parametrize("strategy", ["bfd", "in_order"])
def test_pack_boundaries_positions_and_labels(strategy):
    lengths = [5, 2, 3, 1, 7, 4, 6]
    exs = make_examples(lengths, prompt=0)  # every label trained, so the boundary -100 must come from packing
    b = B.pack(exs, 8, PAD, strategy=strategy)
    seen = []
    for r, segs in enumerate(b.segments):
        assert segs[0].start == 0 and segs[-1].end == sum(b.attention_mask[r]) <= 8
        for s, nxt in zip(segs, segs[1:], strict=False):
            assert s.end == nxt.start  # contiguous, no padding between examples
        for s in segs:
            ex = exs[s.example]
            seen.append(s.example)
            assert b.input_ids[r][s.start : s.end] == ex["input_ids"]
            assert b.position_ids[r][s.start : s.end] == list(range(s.end - s.start))
            # the first token of every example is never a target; the rest keep their labels
            assert b.labels[r][s.start : s.end] == [IGN] + ex["labels"][1:]
        tail = slice(segs[-1].end, b.shape[1])
        assert b.input_ids[r][tail] == [PAD] * (b.shape[1] - segs[-1].end)
        assert set(b.labels[r][tail]) <= {IGN} and set(b.attention_mask[r][tail]) <= {0}
    assert sorted(seen) == list(range(len(lengths)))
    assert b.overflow == []
    if strategy == "in_order":
        assert seen == list(range(len(lengths)))
        assert [[s.example for s in row] for row in b.segments] == [[0, 1], [2, 3], [4], [5], [6]]
    else:
        assert [[s.example for s in row] for row in b.segments] == [[4, 3], [6, 1], [0, 2], [5]]  # 28 tokens, 4 rows


def test_pack_agrees_with_DataCollatorWithFlattening():
    from transformers import DataCollatorWithFlattening

    exs = make_examples([5, 2, 3, 1, 7, 4], prompt=2)
    b = B.pack(exs, 9, PAD)
    order = [s.example for row in b.segments for s in row]
    ref = DataCollatorWithFlattening(return_flash_attn_kwargs=True, return_tensors="pt")([exs[i] for i in order])
    flat = {k: [] for k in ("input_ids", "labels", "position_ids")}
    for r in range(b.shape[0]):
        n = sum(b.attention_mask[r])
        for k in flat:
            flat[k] += getattr(b, k)[r][:n]
    for k, v in flat.items():
        assert ref[k][0].tolist() == v, k
    assert ref["cu_seq_lens_q"].tolist() == b.cu_seqlens


@pytest.mark.parametrize(("overflow", "trl_strategy"), [("truncate", "bfd"), ("split", "bfd_split")])
def test_bfd_agrees_with_trl_pack_dataset_and_padding_free_collator(overflow, trl_strategy):
    from datasets import Dataset
    from trl import pack_dataset
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    lengths = [5, 2, 3, 1, 11, 4, 6, 3, 2, 8]
    exs = make_examples(lengths, prompt=1)
    ref = pack_dataset(Dataset.from_list(exs), seq_length=8, strategy=trl_strategy)[:]
    b = B.pack(exs, 8, PAD, overflow=overflow)
    assert [real_tokens(b, r) for r in range(b.shape[0])] == ref["input_ids"]
    assert [[s.end - s.start for s in row] for row in b.segments] == ref["seq_lengths"]

    rows = [
        dict(input_ids=i, labels=lab, seq_lengths=s)
        for i, lab, s in zip(ref["input_ids"], ref["labels"], ref["seq_lengths"], strict=True)
    ]
    trl_batch = DataCollatorForLanguageModeling(pad_token_id=PAD, padding_free=True)(rows)
    mask = torch.tensor(b.attention_mask).bool()
    assert trl_batch["labels"][0].tolist() == torch.tensor(b.labels)[mask].tolist()
    assert trl_batch["position_ids"][0].tolist() == torch.tensor(b.position_ids)[mask].tolist()


@pytest.mark.parametrize("overflow", ["truncate", "split"])
def test_pack_reports_long_examples(overflow):
    exs = make_examples([3, 20, 4], prompt=0)
    b = B.pack(exs, 8, PAD, overflow=overflow)
    pieces = [(s.example, s.end - s.start) for row in b.segments for s in row]
    if overflow == "truncate":
        assert b.overflow == [B.Overflow(1, 20, 8, 1)]
        assert sorted(pieces) == [(0, 3), (1, 8), (2, 4)]
        assert B.batch_stats([b]).dropped_tokens == 12
    else:
        assert b.overflow == [B.Overflow(1, 20, 20, 3)]
        assert sorted(pieces) == [(0, 3), (1, 4), (1, 8), (1, 8), (2, 4)]
        assert B.batch_stats([b]).dropped_tokens == 0


def test_collate_max_length_truncates_and_reports():
    b = B.collate(make_examples([3, 12]), PAD, max_length=5)
    assert b.shape == (2, 5) and b.overflow == [B.Overflow(1, 12, 5, 1)]
    assert b.input_ids[1] == make_examples([3, 12])[1]["input_ids"][:5]


def test_packed_row_needs_reset_positions_and_isolation(tiny_model):
    """Packing is only exact when each example attends to itself: transformers builds that block-diagonal mask from
    the restarting position ids when no 2-D mask and no cache are given (as in training); an all-ones mask lets
    examples see each other."""
    exs = make_examples([4, 6, 3])
    b = B.pack(exs, 16, PAD)
    t = b.as_tensors()
    assert "attention_mask" not in t  # packed batches come padding-free, like TRL's collator
    ones = b.as_tensors(attention_mask=True)["attention_mask"]
    with torch.no_grad():
        isolated = tiny_model(**t, use_cache=False).logits[0]
        mixed = tiny_model(input_ids=t["input_ids"], attention_mask=ones, position_ids=t["position_ids"]).logits[0]
        block = torch.tensor(b.block_mask(0), dtype=torch.bool)[None, None]
        blocked = tiny_model(input_ids=t["input_ids"], attention_mask=block, position_ids=t["position_ids"]).logits[0]
        for s in b.segments[0]:
            alone = tiny_model(input_ids=torch.tensor([exs[s.example]["input_ids"]])).logits[0]
            torch.testing.assert_close(isolated[s.start : s.end], alone, atol=1e-4, rtol=1e-4)
            torch.testing.assert_close(blocked[s.start : s.end], alone, atol=1e-4, rtol=1e-4)
            if s.start > 0:  # a later example sees the earlier ones through an all-ones mask
                assert not torch.allclose(mixed[s.start : s.end], alone, atol=1e-4)


# ---------------------------------------------------------------------------------------------- length grouping


def skewed_lengths(n=200, seed=3):
    import random

    rng = random.Random(seed)
    return [rng.choice([rng.randint(5, 20), rng.randint(200, 400)]) for _ in range(n)]


def test_group_by_length_is_a_seeded_permutation_that_reduces_padding():
    lengths = skewed_lengths()
    groups = B.group_by_length(lengths, 8, seed=1)
    flat = [i for g in groups for i in g]
    assert sorted(flat) == list(range(len(lengths)))
    assert all(len(g) == 8 for g in groups[:-1])
    assert groups == B.group_by_length(lengths, 8, seed=1)
    assert groups != B.group_by_length(lengths, 8, seed=2)
    assert max(lengths[i] for i in groups[0]) == max(lengths)  # the longest batch comes first

    def padded(batches):
        return sum(len(g) * max(lengths[i] for i in g) - sum(lengths[i] for i in g) for g in batches)

    in_order = [list(range(i, min(i + 8, len(lengths)))) for i in range(0, len(lengths), 8)]
    assert padded(groups) < padded(in_order) / 3


def test_group_by_length_agrees_with_transformers_within_a_mega_batch():
    from transformers.trainer_pt_utils import get_length_grouped_indices

    lengths = [13, 2, 40, 7, 25, 31, 4, 19, 11, 36, 1, 22]  # distinct, so the sorted order is unique
    ours = B.group_by_length(lengths, 3, seed=5, mega_batch_mult=4)  # one mega-batch holds everything
    ref = get_length_grouped_indices(lengths, 3, mega_batch_mult=4, generator=torch.Generator().manual_seed(0))
    assert [i for g in ours for i in g] == ref
    # several mega-batches: each is sorted longest first
    groups = B.group_by_length(lengths * 4, 2, seed=0, mega_batch_mult=2)
    for mega in range(1, len(groups) // 2):
        chunk = [i for g in groups[2 * mega : 2 * mega + 2] for i in g]
        assert [(lengths * 4)[i] for i in chunk] == sorted(((lengths * 4)[i] for i in chunk), reverse=True)


def test_length_groups_are_the_runs_first_epoch_batches():
    """The Batches page's grouped plan is the order a run's first epoch trains: the run's sampler draws its
    permutation from torch's generator seeded with `seed + epoch` (`data_order.SeededLengthGroupedSampler`); the plan
    had drawn one from Python's `random` instead, a plausible order but not the run's."""
    from ftlib.data_order import SeededLengthGroupedSampler

    lengths = [(7 * i) % 41 + 3 for i in range(60)]  # several mega-batches
    for seed, batch_size, grad_accum in [(0, 2, 1), (5, 3, 2), (123, 4, 1)]:
        sampler = SeededLengthGroupedSampler(batch_size * grad_accum, lengths, seed)
        sampler.set_epoch(0)
        plan = B.group_by_length(lengths, batch_size, seed=seed, grad_accum=grad_accum)
        assert [i for g in plan for i in g] == list(sampler)
    # Enough rows for transformers' cap of 50 steps' rows a mega-batch (500 // (2 * 4) > 50)
    many = [(7 * i) % 41 + 3 for i in range(500)]
    sampler = SeededLengthGroupedSampler(2, many, 1)
    sampler.set_epoch(0)
    assert [i for g in B.group_by_length(many, 2, seed=1) for i in g] == list(sampler)


def test_length_grouping_pads_as_the_trainers_sampler_with_gradient_accumulation():
    """The Trainer groups a whole optimizer step's rows (`LengthGroupedSampler(batch_size * grad_accum)`), then the
    loader cuts batches of batch_size: a reference review found the Batches page's estimate grouped by batch_size
    alone, 2-5x the run's padding at gradient accumulation 4-8. Compared as the mean padding over seeds (the two
    shuffle with different generators)."""
    from transformers.trainer_pt_utils import get_length_grouped_indices

    rng = random.Random(3)
    lengths = [max(1, int(rng.lognormvariate(4.5, 0.8))) for _ in range(2000)]
    batch, accum, seeds = 4, 8, range(12)

    def padded(batches) -> int:
        return sum(len(g) * max(lengths[i] for i in g) - sum(lengths[i] for i in g) for g in batches)

    def theirs(seed: int) -> int:
        order = get_length_grouped_indices(lengths, batch * accum, generator=torch.Generator().manual_seed(seed))
        return padded([order[i : i + batch] for i in range(0, len(order), batch)])

    run = sum(theirs(seed) for seed in seeds)
    ours = sum(padded(B.group_by_length(lengths, batch, seed=seed, grad_accum=accum)) for seed in seeds)
    per_batch = sum(padded(B.group_by_length(lengths, batch, seed=seed)) for seed in seeds)
    assert abs(ours / run - 1) < 0.1, (ours, run)
    assert per_batch > 1.4 * run  # what the estimate said before, grouped by batch alone: 1.6x here


# --------------------------------------------------------------------------------------------------- statistics


def test_batch_stats_on_a_hand_built_batch():
    exs = [
        {"input_ids": [11, 12, 13, 14], "labels": [IGN, IGN, 1013, 1014]},
        {"input_ids": [21, 22], "labels": [IGN, 1022]},
    ]
    s = B.collate(exs, PAD).stats()
    assert (s.rows, s.computed_positions, s.real_tokens, s.padded_positions, s.trained_tokens) == (2, 8, 6, 2, 3)
    assert s.pad_fraction == pytest.approx(0.25)
    assert s.computed_per_trained == pytest.approx(8 / 3)
    # after the one-token shift the first position is never a target, even when its label is set
    assert B.collate([{"input_ids": [5, 6, 7], "labels": [1005, 1006, 1007]}], PAD).stats().trained_tokens == 2
    p = B.pack(exs, 6, PAD).stats()
    assert (p.rows, p.computed_positions, p.padded_positions, p.trained_tokens) == (1, 6, 0, 3)
    assert p.computed_per_trained == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("strategy", "computed", "padded", "rows"),
    [
        # a run shuffles: a random pairing puts both 10s together 1 time in 3 (10 + 10, 2 + 2: 24 computed), else two
        # (10, 2) batches (40), so 24/3 + 2 * 40/3 = 34.67 expected, rounded to 35 (in file order it read 40)
        ("right_padding", 35, 11, 4),
        # a run's first epoch (seed 0): 4 rows make mega-batches of one batch each (the Trainer's 4 // (2 * 4) -> 1),
        # so grouping only sorts within a batch, and torch's permutation [0, 1, 3, 2] pairs each 10 with a 2
        ("length_grouped", 40, 16, 4),
        # rows of 12: 10+2, 10+2 -> one batch of two packed rows, flattened into one row (padding-free)
        ("packing", 24, 0, 1),
    ],
)
def test_strategy_stats_arithmetic(strategy, computed, padded, rows):
    exs = make_examples([10, 2, 10, 2], prompt=1)
    s = C.strategy_stats(exs, 2, strategy, max_length=12)
    assert (s.computed_positions, s.padded_positions, s.rows, s.real_tokens) == (computed, padded, rows, 24)
    assert s.trained_tokens == 9 + 1 + 9 + 1
    assert s.examples == 4 and s.truncated_examples == 0


def test_compare_strategies_on_a_skewed_set():
    lengths = skewed_lengths(120)
    exs = make_examples(lengths, prompt=3)
    stats = {s.strategy: s for s in C.compare_strategies(exs, batch_size=8, max_length=512)}
    assert list(stats) == list(C.STRATEGIES)
    assert len({s.trained_tokens for s in stats.values()}) == 1  # no truncation: same work to learn
    assert len({s.real_tokens for s in stats.values()}) == 1
    right, grouped, packed = stats["right_padding"], stats["length_grouped"], stats["packing"]
    assert packed.pad_fraction < grouped.pad_fraction < right.pad_fraction
    assert packed.computed_per_trained < grouped.computed_per_trained < right.computed_per_trained
    assert right.as_dict()["pad_fraction"] == right.pad_fraction


def test_truncation_counts_in_stats():
    exs = make_examples([30, 4, 4], prompt=0)
    for s in C.compare_strategies(exs, batch_size=2, max_length=10):
        assert (s.truncated_examples, s.dropped_tokens, s.real_tokens) == (1, 20, 18), s.strategy


def ultrafeedback_rows(n):
    """Preference rows as HuggingFaceH4/ultrafeedback_binarized publishes them: the prompt, then chosen and rejected as
    whole conversations, with their scores; answers of different lengths, so a step's padding depends on its pairs."""
    primes = [11, 13, 23, 31, 41, 53, 61, 71, 83, 97, 101, 113, 127, 131, 149, 151, 163, 173, 181, 191]
    rows = []
    for i in range(n):
        question = f"Name a prime number above {10 * i}."
        answer = f"{primes[i]} is prime." + " It has no divisor other than 1 and itself." * (i % 3)
        rows.append(
            {
                "prompt": question,
                "chosen": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}],
                "rejected": [{"role": "user", "content": question}, {"role": "assistant", "content": "Ten."}],
                "score_chosen": 8.0,
                "score_rejected": 2.0,
            }
        )
    return rows


def test_a_step_takes_batch_size_pairs_each_with_both_answers_as_dpo_collates_them(tmp_path, smol_tokenizer):
    """Walk 3: 18 pairs at batch size 8 were counted as 36 sequences in 5 steps; DPO takes 8 pairs (16 sequences) a
    step, so an epoch is 3 steps. Each step is exactly the batch our DPO collator builds, and pairs are not packed."""
    import json

    from ftlib.alignment import PreferenceCollator, preference_dataset
    from ftlib.data import load_file
    from ftlib.tokens import encode_row

    path = tmp_path / "prefs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ultrafeedback_rows(18)))
    encoded = [encode_row(r, smol_tokenizer, "chatml") for r in load_file(path).rows]
    batches = C.make_batches(encoded, 8, "right_padding", pad_id=PAD)
    assert len(batches) == 3  # ceil(18 pairs / 8), not ceil(36 sequences / 8) = 5
    pairs, collator = preference_dataset(encoded), PreferenceCollator(pad_id=PAD)
    for k, batch in enumerate(batches):
        reference = collator([pairs[i] for i in range(8 * k, min(8 * k + 8, 18))])
        assert batch.input_ids == reference["input_ids"].tolist()
        assert batch.attention_mask == reference["attention_mask"].tolist()
    for batch in C.make_batches(encoded, 8, "length_grouped", seed=3):  # a pair's two answers share their step
        seqs = {s.example for row in batch.segments for s in row}
        assert seqs == {2 * (i // 2) for i in seqs} | {2 * (i // 2) + 1 for i in seqs} and len(seqs) <= 16
    stats = {s.strategy: s for s in C.compare_strategies(encoded, batch_size=8, max_length=512)}
    assert list(stats) == ["right_padding", "length_grouped"]  # packing is not ranked
    assert [(s.batches, s.examples, s.rows) for s in stats.values()] == [(3, 36, 36)] * 2
    refused = "`packing` works for SFT only: dpo, reward and kto compare whole answers. Turn packing off."
    assert C.unavailable(encoded) == {"packing": refused} and B.pairs_in(encoded) == 18
    with pytest.raises(B.BatchingError, match="works for SFT only"):
        C.make_batches(encoded, 8, "packing")
    assert C.unavailable(make_examples([4, 5])) == {}  # SFT examples keep every strategy


def test_cli_batch_counts_preference_pairs_per_step(tmp_path, capsys):
    import json

    from ftlib.cli import main

    path = tmp_path / "prefs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ultrafeedback_rows(18)))
    assert main(["batch", str(path), "--batch-size", "8", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["rows"], report["pairs"], report["sequences"]) == (18, 18, 36)
    assert [(s["strategy"], s["batches"]) for s in report["strategies"]] == [
        ("right_padding", 3),
        ("length_grouped", 3),
    ]
    # said as a fact of the pairs' methods, not train's "Turn packing off": batch has no packing to turn off (h267)
    assert report["unavailable"] == {"packing": C.packing_not_applied(["preference"])}
    assert main(["batch", str(path)]) == 0
    out = capsys.readouterr().out
    assert "18 preference pairs: a batch takes 8 pairs" in out
    assert out.splitlines()[1].split()[:2] == ["strategy", "steps"]  # "steps", as the Batches page says
    assert f"Packing: not available. {C.packing_not_applied(['preference'])}" in out and "Turn packing off" not in out


# -------------------------------------------------------------------------------------------- inputs and errors


def test_accepts_objects_and_tensors_and_pairs():
    enc = SimpleNamespace(
        input_ids=torch.tensor([5, 6, 7]), labels=torch.tensor([IGN, 1006, 1007]), attention_mask=[1, 1, 1]
    )
    pair = SimpleNamespace(prompt_text="p", chosen=enc, rejected={"input_ids": [8], "labels": [1008]})
    items = B.expand_pairs([pair, {"input_ids": [9, 9], "labels": [IGN, 1009]}])
    b = B.collate(items, PAD)
    assert b.input_ids == [[5, 6, 7], [8, PAD, PAD], [9, 9, PAD]]
    assert b.labels[1] == [1008, IGN, IGN]
    t = b.as_tensors()
    assert t["input_ids"].dtype == torch.long and t["labels"].shape == (3, 3)


def test_labels_default_to_ids():
    b = B.collate([{"input_ids": [5, 6]}], PAD)
    assert b.labels == [[5, 6]]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: B.collate(make_examples([2]), PAD, "middle"), "padding_side"),
        (lambda: B.collate([{"input_ids": []}], PAD), "no tokens"),
        (lambda: B.collate([{"input_ids": [1, 2], "labels": [1]}], PAD), "same length"),
        (lambda: B.collate([{"text": "hi"}], PAD), "no input_ids"),
        (lambda: B.collate([], PAD), "No examples"),
        (lambda: B.collate(make_examples([2]), PAD, pack=True), "max_length"),
        (lambda: B.pack(make_examples([2]), 0, PAD), "at least 1"),
        (lambda: B.pack(make_examples([2]), 4, PAD, strategy="random"), "strategy"),
        (lambda: B.pack(make_examples([2]), 4, PAD, overflow="drop"), "overflow"),
        (lambda: C.strategy_stats(make_examples([2]), 2, "sorted"), "Unknown strategy"),
        (lambda: B.group_by_length([3, 4], 0), "batch_size"),
    ],
)
def test_errors_name_the_problem(call, message):
    with pytest.raises(B.BatchingError, match=message):
        call()


# ---------------------------------------------------------------------------------------------------------- CLI


def test_cli_batch_prints_every_strategy(tmp_path, capsys):
    import json

    from ftlib.cli import main

    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Q{i}"},
                {"role": "assistant", "content": "word " * (2 + 30 * (i % 2))},
            ]
        }
        for i in range(6)
    ]
    path = tmp_path / "chats.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    assert main(["batch", str(path), "--batch-size", "2", "--max-length", "64", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["rows"], report["sequences"], report["batch_size"]) == (6, 6, 2)
    stats = {s["strategy"]: s for s in report["strategies"]}
    assert list(stats) == list(C.STRATEGIES)
    assert stats["packing"]["padded_positions"] == 0 < stats["right_padding"]["padded_positions"]
    assert len({s["trained_tokens"] for s in stats.values()}) == 1
    assert main(["batch", str(path)]) == 0
    assert "Padding, grouped by length" in capsys.readouterr().out


def test_cli_batch_defaults_to_a_runs_max_length_and_batch_size(tmp_path, capsys):
    """Walk 3, 13: `batch` cut at 512 tokens by default while the Batches page (and a run) cut at 384; both now take
    RunConfig's defaults. A 450-token row shows it: cut by a run, whole at 512."""
    import json

    from ftlib.cli import main
    from ftlib.config import RunConfig

    row = {"messages": [{"role": "user", "content": "Tell me a long story."}, {"role": "assistant", "content": ""}]}
    row["messages"][1]["content"] = " ".join(["Once upon a time the tide went out."] * 50)  # about 450 tokens
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps(row) + "\n")
    assert main(["batch", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["max_length"], report["batch_size"]) == (RunConfig().max_length, RunConfig().batch_size)
    (cut,) = {s["dropped_tokens"] for s in report["strategies"]}
    assert main(["batch", str(path), "--max-length", "512", "--json"]) == 0
    whole = {s["dropped_tokens"] for s in json.loads(capsys.readouterr().out)["strategies"]}
    assert cut > 0 and whole == {0}


def test_cli_batch_reports_a_missing_file(tmp_path, capsys):
    from ftlib.cli import main

    assert main(["batch", str(tmp_path / "nope.jsonl")]) == 2
    assert "error:" in capsys.readouterr().err


def test_the_batch_overview_of_long_rows_is_drawn_in_spans_with_their_counts():
    """Cold review: the overview sent one hover text per position, 18.5 MB on every rerun for 16 rows of 4,096
    positions. Past OVERVIEW_COLUMNS a cell is a span of positions with its counts; short batches keep a cell each."""
    import json

    from ui.batch_view import OVERVIEW_COLUMNS, overview

    long = B.collate(make_examples([3000, 1200]), PAD, "right")
    fig = overview(long, ["row 1", "row 2"])
    z, hover = fig.data[0].z, fig.data[0].hovertext
    assert all(len(row) <= OVERVIEW_COLUMNS for row in z) and len(z[0]) > OVERVIEW_COLUMNS // 2
    spans = [h.split("<br>")[1] for h in hover[1]]
    counted = sum(int(n) for said in spans for n, _ in (part.split(" ", 1) for part in said.split(", ")))
    assert counted == 3000  # every position of row 2 (1,200 tokens, then padding) in exactly one span
    assert "pad" in spans[-1] and "trained" in spans[0]
    assert len(json.dumps(fig.to_plotly_json(), default=str)) < 1_000_000
    short = overview(B.collate(make_examples([5, 3]), PAD, "right"), ["a", "b"])
    assert len(short.data[0].z[0]) == 5 and short.data[0].hovertext[0][0].startswith("position 0<br>id ")
