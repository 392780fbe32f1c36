"""ftlib against the libraries it follows, on inputs the older agreement tests leave out.

- Packing: `ftlib.batching.pack` (best-fit decreasing, long examples cut or split) against TRL's `pack_dataset`
  ("bfd" / "bfd_split") on random lengths with ties and examples longer than the row, at three row lengths. The
  packing test in test_batching.py pins one hand-picked case at length 8; which example goes in which row depends on
  how ties are broken and how split pieces are placed, so it is worth checking on many.
- Logits: `ftlib.decoding.process_logits` with top-k past the vocabulary, top-p off, ties at the top and rows already
  masked with -inf, against transformers' warpers (test_sampling.py's reference chain, there only up to k = vocab).
- DPO tokenization: the studio encodes pairs itself and hands DPOTrainer the ids and labels (alignment.py's
  `PretokenizedDPOTrainer` skips TRL's tokenization). This checks that the ids are TRL's own and that the trained
  tokens are TRL's completion (`completion_only`), or TRL's completion less the template's newline after
  <|im_end|> (`all_assistant`, the default: the reply and its end-of-turn), as test_alignment.py pins for KTO.
"""

from __future__ import annotations

import math
import random
from types import SimpleNamespace

import pytest
import torch

from ftlib import batching as B
from ftlib.alignment import PreferenceCollator, preference_dataset
from ftlib.config import RunConfig
from ftlib.decoding import process_logits
from ftlib.training import encode_for_training, run_template
from tests.test_batching import PAD, make_examples, real_tokens
from tests.test_sampling import _transformers_process
from tests.test_training import PREF_ROWS

# ----------------------------------------------------------------------------------------------- packing vs TRL


def random_lengths(seed: int, max_length: int) -> list[int]:
    """3 to 30 lengths from a few values (so many tie, some fill a row, some pass it), always with a tie at half the
    row and one example longer than two rows (cut by "bfd", split into three pieces by "bfd_split")."""
    rng = random.Random(seed)
    pool = [1, 2, 3, 4, 5, max_length // 2, max_length, max_length + 3]
    lengths = [rng.choice(pool) for _ in range(rng.randint(0, 27))]
    lengths += [max_length // 2, max_length // 2, 2 * max_length + 1 + rng.randrange(max_length)]
    rng.shuffle(lengths)
    return lengths


@pytest.mark.parametrize(("overflow", "trl_strategy"), [("truncate", "bfd"), ("split", "bfd_split")])
@pytest.mark.parametrize("seed", range(20))
def test_bfd_rows_and_seq_lengths_equal_trl_pack_dataset_on_random_lengths(seed, overflow, trl_strategy):
    from datasets import Dataset
    from trl import pack_dataset

    max_length = (8, 16, 32)[seed % 3]
    lengths = random_lengths(seed, max_length)
    exs = make_examples(lengths, prompt=1)
    ref = pack_dataset(Dataset.from_list(exs), seq_length=max_length, strategy=trl_strategy)[:]
    b = B.pack(exs, max_length, PAD, strategy="bfd", overflow=overflow)
    assert [real_tokens(b, r) for r in range(b.shape[0])] == ref["input_ids"]
    assert [[s.end - s.start for s in row] for row in b.segments] == ref["seq_lengths"]
    kept = sum(min(n, max_length) for n in lengths) if overflow == "truncate" else sum(lengths)
    assert sum(map(sum, ref["seq_lengths"])) == kept  # nothing lost or doubled on either side


# ------------------------------------------------------------------------------------- logits vs transformers

VOCAB = 2000
# (temperature, top_k, top_p, min_p) per row: top-k past the vocabulary (alone, with top-p, with min-p) next to rows
# with k = vocab, k = vocab - 1, a small k and k off, in the same call.
SETTINGS = [
    (1.0, 5000, 1.0, 0.0),
    (0.7, 5000, 1.0, 0.0),
    (1.3, 5000, 0.9, 0.0),
    (1.0, 5000, 1.0, 0.2),
    (1.0, VOCAB, 1.0, 0.0),
    (1.0, VOCAB - 1, 1.0, 0.0),
    (1.0, 1, 1.0, 0.0),
    (1.0, 3, 1.0, 0.0),
    (0.5, 0, 1.0, 0.0),
]


def logits_with_ties_and_masks(seed: int) -> torch.Tensor:
    """[len(SETTINGS), VOCAB] logits whose 40 best tokens tie; every other row has 400 tokens masked with -inf."""
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(len(SETTINGS), VOCAB, generator=gen) * 3
    top = logits.amax(-1, keepdim=True) + 1.0
    logits[:, 1000:1040] = top  # 40 tokens tied at the top
    logits[::2, 100:500] = -math.inf
    return logits


@pytest.mark.parametrize("seed", range(3))
def test_top_k_past_the_vocabulary_keeps_what_transformers_warpers_keep(seed):
    logits = logits_with_ties_and_masks(seed)
    temps, ks, ps, mins = (list(col) for col in zip(*SETTINGS, strict=True))
    ours = process_logits(logits, torch.tensor(temps), torch.tensor(ks), torch.tensor(ps), torch.tensor(mins))
    for i, setting in enumerate(SETTINGS):
        ref = _transformers_process(logits[i], *setting)
        assert torch.equal(torch.isinf(ours[i]), torch.isinf(ref)), f"row {i} {setting}: different kept sets"
        kept = torch.isfinite(ref)
        torch.testing.assert_close(ours[i][kept], ref[kept])
    kept = torch.isfinite(ours).sum(-1).tolist()
    finite = torch.isfinite(logits).sum(-1).tolist()
    # The reference is not vacuous: k past the vocabulary (and k = vocab) keeps every token not already masked,
    # k = 1 and k = 3 keep the 40 tied at the top, top-p and min-p then remove some (top-p may split the tie, as
    # TopPLogitsWarper does).
    assert [kept[i] for i in (0, 1, 4)] == [finite[i] for i in (0, 1, 4)] and kept[0] == VOCAB - 400
    assert kept[6] == kept[7] == 40
    assert 0 < kept[2] < finite[2] and 0 < kept[3] < finite[3]


# -------------------------------------------------------------------------------- DPO tokenization vs TRL

DPO_ROWS = [
    *PREF_ROWS[:3],
    {  # an earlier reply in the prompt: context in both, trained in neither
        "prompt": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello."},
            {"role": "user", "content": "Name a tree."},
        ],
        "chosen": [{"role": "assistant", "content": "An oak."}],
        "rejected": [{"role": "assistant", "content": "No."}],
    },
]


def trl_dpo_tokenized(rows, tokenizer) -> list[dict]:
    """TRL's DPOTrainer tokenization of `rows` (its own `_prepare_dataset`, which the studio's trainer skips), with the
    three settings it reads from DPOConfig; max_length None, so no row is dropped."""
    from datasets import Dataset
    from trl import DPOTrainer

    args = SimpleNamespace(dataset_num_proc=None, max_length=None, truncation_mode="keep_start")
    dataset = DPOTrainer._prepare_dataset(
        SimpleNamespace(_tokenizer=tokenizer), Dataset.from_list(rows), tokenizer, args, "train"
    )
    return [{k: ex[k] for k in ("prompt_ids", "chosen_ids", "rejected_ids")} for ex in dataset]


@pytest.mark.parametrize("policy", ["completion_only", "all_assistant"])
def test_dpo_pairs_tokenize_as_trls_dpo_trainer_and_train_its_completion(tiny_model_dir, smol_tokenizer, policy):
    from trl.trainer.dpo_trainer import DataCollatorForPreference

    config = RunConfig(method="dpo", model=str(tiny_model_dir), mask_policy=policy)
    encoded, dropped = encode_for_training(DPO_ROWS, smol_tokenizer, run_template(config, smol_tokenizer), config)
    assert dropped == [] and len(encoded) == len(DPO_ROWS)
    pad = smol_tokenizer.pad_token_id
    ours = PreferenceCollator(pad_id=pad)(list(preference_dataset(encoded)))
    theirs = DataCollatorForPreference(pad_token_id=pad)(trl_dpo_tokenized(DPO_ROWS, smol_tokenizer))
    assert torch.equal(ours["input_ids"], theirs["input_ids"])
    assert torch.equal(ours["attention_mask"], theirs["attention_mask"])
    if policy == "completion_only":
        assert torch.equal(ours["completion_mask"], theirs["completion_mask"])
    else:
        # Ours is TRL's mask less exactly one token per sequence: the last of TRL's completion, the newline the
        # template writes after <|im_end|>.
        assert torch.equal(ours["completion_mask"], ours["completion_mask"] * theirs["completion_mask"])
        left_out = theirs["completion_mask"] - ours["completion_mask"]
        assert left_out.sum(-1).tolist() == [1] * 2 * len(DPO_ROWS)
        last = theirs["attention_mask"].sum(-1) - 1
        assert left_out.argmax(-1).tolist() == last.tolist()
        im_end = smol_tokenizer.convert_tokens_to_ids("<|im_end|>")
        rows = torch.arange(len(last))
        assert {smol_tokenizer.decode([t]) for t in theirs["input_ids"][rows, last].tolist()} == {"\n"}
        assert (theirs["input_ids"][rows, last - 1] == im_end).all()
        assert (ours["completion_mask"][rows, last - 1] == 1).all()  # the end-of-turn token itself is trained
    assert ours["completion_mask"].sum() > 0
