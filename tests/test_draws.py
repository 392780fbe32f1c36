"""Inverse-CDF draws (ftlib.draws): multinomial's distribution, each row its own generator's, never a filtered token;
and generate_stream's `draws` switch (GRPO's answers draw this way)."""

from __future__ import annotations

import pytest
import torch

from ftlib import draws

PROBS = torch.tensor([[0.5, 0.0, 0.3, 0.2, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0], [0.1, 0.1, 0.1, 0.1, 0.6]])


def _many(probs: torch.Tensor, count: int, seed: int) -> torch.Tensor:
    """[count, rows] draws, each round with fresh generators seeded seed + round."""
    rounds = []
    for r in range(count):
        generators = [torch.Generator().manual_seed(seed + 1000 * r + i) for i in range(len(probs))]
        rounds.append(draws.inverse_cdf_draws(probs, generators))
    return torch.stack(rounds)


def test_draws_follow_each_rows_distribution_and_never_take_a_zero_probability_token():
    drawn = _many(PROBS, 4000, seed=0)
    for row, probs in enumerate(PROBS):
        counts = torch.bincount(drawn[:, row], minlength=PROBS.shape[1]).double() / len(drawn)
        assert counts[probs == 0].sum() == 0, row
        # 4000 draws: a frequency's standard error is at most 0.008; 4 of them is a bound no correct sampler misses.
        assert torch.allclose(counts, probs.double(), atol=0.032), (row, counts)


def test_an_unnormalised_row_draws_as_its_normalised_distribution():
    scaled = PROBS[:1] * 7.0
    generators = [torch.Generator().manual_seed(3)]
    same = draws.inverse_cdf_draws(PROBS[:1], [torch.Generator().manual_seed(3)])
    assert draws.inverse_cdf_draws(scaled, generators).tolist() == same.tolist()


def test_a_row_drawn_with_the_largest_uniform_stays_on_a_kept_token(monkeypatch):
    """u just under 1 lands in the last token with a positive probability, never on the zeros after it."""
    real_rand = torch.rand
    monkeypatch.setattr(torch, "rand", lambda *a, **k: torch.full((1,), 1.0 - 2**-53, dtype=torch.float64))
    try:
        drawn = draws.inverse_cdf_draws(PROBS, [torch.Generator() for _ in range(3)])
    finally:
        monkeypatch.setattr(torch, "rand", real_rand)
    assert drawn.tolist() == [3, 3, 4]


def test_each_row_draws_from_its_own_generator_alone():
    def gen(seed: int) -> torch.Generator:
        return torch.Generator().manual_seed(seed)

    together = draws.inverse_cdf_draws(PROBS, [gen(1), gen(2), gen(3)])
    alone = [int(draws.inverse_cdf_draws(PROBS[i : i + 1], [gen(i + 1)])[0]) for i in range(3)]
    assert together.tolist() == alone


def test_generate_stream_draws_either_way_and_refuses_another(varied_model):
    from ftlib import sampling
    from ftlib.models import load_model, load_tokenizer

    model, tok = load_model(str(varied_model(4)), device="cpu"), load_tokenizer(str(varied_model(4)))
    setting = sampling.DecodingSetting(temperature=1.5)
    rows = [sampling.GenRow([5, 6, 7], setting), sampling.GenRow([8, 9], setting)]

    def answers(**kw):
        results = sampling.generate(model, tok, rows, max_new_tokens=8, seed=[11, 12], stop_ids=set(), **kw)
        return [r.ids for r in results]

    fast = answers(draws="inverse_cdf")
    assert fast == answers(draws="inverse_cdf")  # seeded: the same answers again
    assert all(len(ids) == 8 for ids in fast)
    assert fast != answers()  # multinomial's draws: the same distribution, other tokens
    with pytest.raises(ValueError, match="draws must be one of multinomial, inverse_cdf"):
        answers(draws="gumbel")
