"""Drawing each sampled row's next token from its own seeded generator, two ways (sampling.generate_stream's `draws`).

- `multinomial`: `torch.multinomial(p, 1, generator)` row by row, what transformers' `generate` draws: a Compare
  grid's sampled row is then token for token the `generate` call with the row's seed (tests/test_sampling.py). torch
  draws one exponential per vocabulary entry for it: ~0.8 ms a row for SmolLM2's 49,152 tokens on this CPU (13.3 ms
  for the 16 answers of a GRPO step, against ~70 ms for the step's forward).
- `inverse_cdf` (`inverse_cdf_draws`): one uniform u per row from the row's generator and the first token whose
  cumulative probability passes u times the total, for all rows at once (inverse transform sampling): the same
  distribution, each row's draw still its own generator's alone, ~5x faster (2.5 ms for those 16 rows), other tokens
  than `generate` for the same seed. GRPO's answers (alignment.BatchedRollout) draw this way: no one compares them
  with `generate`'s.
"""

from __future__ import annotations

import torch

DRAWS = ("multinomial", "inverse_cdf")


def inverse_cdf_draws(probs: torch.Tensor, generators: list) -> torch.Tensor:
    """One token id per row of `probs` [n, V] (non-negative, zeros allowed: filtered tokens), drawn with one uniform
    from `generators[i]` (a torch.Generator per row) by inverse transform sampling; [n] long. The cumulative sum runs
    in float64, so a token's share of [0, total) is its probability to ~1e-16; a zero-probability token is never
    drawn (the first index whose cumulative sum exceeds the uniform's point adds a positive probability)."""
    uniforms = torch.cat([torch.rand(1, generator=g, device=probs.device, dtype=torch.float64) for g in generators])
    cumulative = probs.double().cumsum(-1)
    total = cumulative[:, -1]
    # Strictly below the total, so a token with a positive probability lies above the point even after rounding.
    points = torch.minimum(uniforms * total, torch.nextafter(total, torch.zeros_like(total)))
    return torch.searchsorted(cumulative, points[:, None], right=True)[:, 0]


__all__ = ["DRAWS", "inverse_cdf_draws"]
