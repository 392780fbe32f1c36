"""How probabilities and the vocabulary's size read on Compare (walk 8A #15): a near-uniform model's every token has
about 1/V (0.002%), which one decimal printed as "0.0%"; a model with added tokens has its embedding padded to a
multiple of 64, whose rows were counted as tokens ("49,216 tokens in the vocabulary" for a tokenizer of 49,158)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from streamlit import dataframe_util

from ftlib import next_token as N
from ftlib import sampling as S
from tests.test_pages_compare import button, open_page, run_until_done

PERCENT_CASES = [
    # (probability, as the page writes it)
    (0.123, "12.3%"),  # from 1%: one decimal, as before
    (0.915, "91.5%"),
    (0.0047, "0.47%"),  # below 1%: two significant digits
    (1 / 49152, "0.0020%"),  # a uniform SmolLM2: one decimal read "0.0%"
    (0.00099, "0.099%"),
    (3e-9, "<0.001%"),  # not zero, and not worth more digits
    (0.0, "0%"),  # removed by a filter
    (0.99996, ">99.9%"),  # not certain, so never "100.0%"
    (1.0, "100%"),  # greedy's final probability
]


@pytest.mark.parametrize("probability, text", PERCENT_CASES, ids=[t for _, t in PERCENT_CASES])
def test_percent_gives_a_small_probability_its_digits(probability, text):
    assert N.percent(probability) == text


ADDED = ["<tool>", "</tool>", "<think>", "</think>", "<ctx>", "</ctx>"]


@pytest.fixture(scope="module")
def padded_model(tiny_model_dir, tmp_path_factory) -> Path:
    """The fresh tiny model (near-uniform: every probability about 1/V) with 6 tokens added to its tokenizer and its
    embedding padded to a multiple of 64, as `resize_token_embeddings(len(tokenizer), pad_to_multiple_of=64)` does:
    49,152 + 6 = 49,158 tokens, 49,216 rows."""
    from ftlib.models import load_model, load_tokenizer

    tokenizer = load_tokenizer(str(tiny_model_dir))
    tokenizer.add_tokens(ADDED, special_tokens=True)
    model = load_model(str(tiny_model_dir), device="cpu")
    model.resize_token_embeddings(len(tokenizer), pad_to_multiple_of=64)
    target = tmp_path_factory.mktemp("padded")
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


def test_the_next_token_view_counts_the_tokenizers_tokens_not_the_padded_rows(smol_tokenizer):
    rows = len(smol_tokenizer) + 58
    view = N.next_token_view(torch.zeros(rows), smol_tokenizer, S.DecodingSetting(1.0, 0, 1.0), top_n=5)
    assert (view.vocab_size, view.output_size) == (len(smol_tokenizer), rows)
    assert view.kept_after_top_k == rows  # the padding rows are drawn from too: the kept counts say so


def test_compare_says_the_tokenizers_count_and_small_probabilities_with_their_digits(padded_model):
    at = open_page("pages/5_Compare.py", padded_model)
    assert not at.exception, at.exception
    caption = next(c.value for c in at.caption if "in the vocabulary" in c.value)
    assert caption.startswith(
        "49,158 tokens in the vocabulary, and 58 rows of padding in the model's output that no token uses; "
        "top-k keeps 49,216,"
    )
    table = at.dataframe[-1]
    assert table.proto.arrow_data.styler.display_values, "the table's probabilities are not written by percent"
    shown = dataframe_util.convert_arrow_bytes_to_pandas_df(table.proto.arrow_data.styler.display_values)
    model_column = list(table.value.columns).index("model")
    written = list(shown.iloc[:, model_column])
    # Every token has about 1/49,216 (0.002%): two significant digits, never a bare zero.
    assert all(re.fullmatch(r"0\.00\d\d%", w) for w in written), written
    assert written == [N.percent(p) for p in table.value["model"]]  # the numbers underneath stay numbers
    chart = json.loads(at.get("plotly_chart")[-1].proto.spec)
    assert chart["data"][0]["customdata"] == written  # the bars' hover writes them so too

    button(at, "Generate").click()
    run_until_done(at.run(), "compare_job")
    cards = [h.proto.body for h in at.get("html") if 'class="ftgen"' in h.proto.body]
    heads = re.findall(r'<div class="head">model ([^<·]+)', "".join(cards))
    assert heads and not any(h.strip() in ("0.0%", "0%") for h in heads), heads[:5]
