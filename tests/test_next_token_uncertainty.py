"""Compare's "uncertainty" says what it measures (walk 9 F7): it was the entropy of the model's own distribution
(temperature 1, no filter) whatever the sliders said, beside probabilities that followed them. The view now gives
both: the model's own entropy and the entropy of the distribution the setting draws from, checked here against
entropies computed by hand."""

from __future__ import annotations

import math
import re

import pytest
import torch

from ftlib import next_token as N
from ftlib import sampling as S
from tests.test_pages_compare import open_page

VARIED_SEED = 2  # conftest's varied_dir: the model of the Compare page's tests

# The model's own distribution: 1/2, 1/4, 1/8, 1/8, whose entropy is 1/2·1 + 1/4·2 + 2·1/8·3 = 1.75 bits.
OWN = [0.5, 0.25, 0.125, 0.125]
OWN_BITS = 1.75
TWO_KEPT = math.log2(3) - 2 / 3  # 1/2 and 1/4 kept and renormalized: 2/3 and 1/3
ENTROPY_CASES = [
    # (id, setting, entropy in bits of the distribution the setting draws from)
    ("nothing changed", S.DecodingSetting(1.0, 0, 1.0), OWN_BITS),
    # p^2 ∝ 16, 4, 1, 1 (of 22): log2(22) - (16·4 + 4·2) / 22
    ("temperature 0.5", S.DecodingSetting(0.5, 0, 1.0), math.log2(22) - 72 / 22),
    # p^(1/2) ∝ 2, √2, 1, 1 (of 4 + √2): log2(4 + √2) - (2·1 + √2·½) / (4 + √2)
    ("temperature 2", S.DecodingSetting(2.0, 0, 1.0), math.log2(4 + 2**0.5) - (2 + 2**0.5 / 2) / (4 + 2**0.5)),
    ("top-k 2", S.DecodingSetting(1.0, 2, 1.0), TWO_KEPT),
    ("top-p 0.7", S.DecodingSetting(1.0, 0, 0.7), TWO_KEPT),  # 1/2 < 0.7 <= 1/2 + 1/4
    ("top-k 1", S.DecodingSetting(1.0, 1, 1.0), 0.0),
    ("greedy", S.GREEDY, 0.0),
]


@pytest.mark.parametrize("setting, sampled", [c[1:] for c in ENTROPY_CASES], ids=[c[0] for c in ENTROPY_CASES])
def test_the_view_gives_the_models_own_entropy_and_the_settings(smol_tokenizer, setting, sampled):
    view = N.next_token_view(torch.tensor(OWN).log(), smol_tokenizer, setting, top_n=4)
    assert view.entropy_bits == pytest.approx(OWN_BITS, abs=1e-5)  # the model's own: the sliders do not move it
    assert view.sampled_entropy_bits == pytest.approx(sampled, abs=1e-5)
    assert f"{view.sampled_entropy_bits:.2f}" != "-0.00"


def bits(probs: torch.Tensor) -> float:
    """The entropy in bits of a distribution, in float64, by the definition."""
    p = probs.double()
    p = p[p > 0]
    return float(-(p * p.log2()).sum())


def shown_bits(at) -> tuple[float, float]:
    """(the model's own uncertainty, after this setting) as the caption under the next-token chart writes them."""
    caption = next(c.value for c in at.caption if "uncertainty" in c.value)
    said = r"before temperature and the filters\): (\d+\.\d\d) bits; after this setting: (\d+\.\d\d) bits"
    found = re.search(said, caption)
    assert found, caption
    return float(found[1]), float(found[2])


def test_compare_says_the_models_own_uncertainty_and_the_settings(varied_dir):  # noqa: F811
    at = open_page("pages/5_Compare.py", varied_dir)
    assert not at.exception, at.exception
    (logits,) = at.session_state["compare_logits"].values()  # the model's raw next-token logits the view draws
    own = bits(logits.double().softmax(-1))
    assert shown_bits(at) == pytest.approx((own, own), abs=0.0051)  # temperature 1, no filter: the model's own
    next(s for s in at.slider if s.label == "Top-k (0 = off)").set_value(5)
    at.run()
    top5 = bits(logits.double().topk(5).values.softmax(-1))  # by hand: the 5 most likely, renormalized
    assert top5 < own - 0.01  # the sentinel: the two numbers must differ on the page
    assert shown_bits(at) == pytest.approx((own, top5), abs=0.0051)  # printed to 2 decimals
    next(s for s in at.slider if s.label == "Temperature" and s.key == "view_t").set_value(0.0)
    at.run()
    assert shown_bits(at) == pytest.approx((own, 0.0), abs=0.0051)  # greedy always takes the same token
