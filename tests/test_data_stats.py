"""The Data page's token lengths (ftlib.data_stats) against the ids training builds (ftlib.tokens) for the same row,
on a tiny in-process tokenizer that adds a BOS, as Llama-2 and Mistral's sentencepiece tokenizers do."""

from __future__ import annotations

from functools import partial

import pytest

from ftlib.data_stats import dataset_stats
from ftlib.templates import get_template, render
from ftlib.tokens import encode_row


def metaspace_tokenizer():
    """A Metaspace (prepend_scheme "first", Mistral v0.3's) BPE tokenizer whose post-processor puts `<s>` in front:
    "▁the" is one token where "the" without the "▁" a text's start gets is three (t, h, e)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    letters = sorted(set("thecatsonmw▁"))
    merges = [("▁", "t"), ("▁t", "h"), ("▁th", "e"), ("▁", "c"), ("▁c", "a"), ("▁ca", "t"), ("▁", "s"), ("▁s", "a")]
    merges += [("▁sa", "t")]
    vocab = {w: i for i, w in enumerate(["<unk>", "<s>", "</s>", *letters, *("".join(m) for m in merges)])}
    backend = Tokenizer(models.BPE(vocab, merges, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    backend.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", unk_token="<unk>")


ROWS = [
    {"messages": [{"role": "user", "content": "the cat"}, {"role": "assistant", "content": " sat"}]},
    {
        "prompt": [{"role": "user", "content": "the"}],
        "completion": [{"role": "assistant", "content": " cat"}],
        "label": True,
    },
    {"prompt": [{"role": "user", "content": "the cat"}]},
    {"text": "the cat sat on the mat"},
]


@pytest.mark.parametrize("template_name", ["text", "plain"])
def test_token_lengths_are_the_ids_training_builds_under_a_bos_adding_tokenizer(template_name):
    """Under the `text` template the BOS it writes is one id before the text's own (text_rows.template_head), as
    the Tokens page and TRL's `tokenizer(prompt + completion)` have it; tokenized as text, the prompt's first word
    read as following a special token ("t", "h", "e" where training has "▁the"): 2 tokens too many here."""
    tok = metaspace_tokenizer()
    template = get_template(template_name, tok)
    assert template_name != "text" or template.bos == "<s>"  # the sentinel: a BOS the template writes on purpose
    stats = dataset_stats(ROWS, tok, render=partial(render, template), template=template)
    assert stats["token_lengths"] == [len(encode_row(row, tok, template).input_ids) for row in ROWS]
    assert stats["tokens"]["total"] == sum(stats["token_lengths"])


def test_a_text_templates_lengths_start_with_one_bos_id():
    tok = metaspace_tokenizer()
    template = get_template("text", tok)
    enc = encode_row(ROWS[0], tok, template)
    assert tok.convert_ids_to_tokens(enc.input_ids) == ["<s>", "▁the", "▁cat", "▁sat", "</s>"]
    assert dataset_stats(ROWS[:1], tok, render=partial(render, template), template=template)["token_lengths"] == [5]


def test_the_data_pages_lengths_are_the_ids_training_builds():
    """The Data page's histogram (ui.data_view.token_lengths) passes the template it renders with."""
    from ui.data_view import token_lengths

    tok = metaspace_tokenizer()
    template = get_template("text", tok)
    lengths = token_lengths(("test_data_stats", 1), "tiny", "text", "", ROWS, tok)
    assert lengths == [len(encode_row(row, tok, template).input_ids) for row in ROWS]
