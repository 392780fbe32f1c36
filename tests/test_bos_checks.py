"""The `double_bos` check (ftlib.tokenizer_checks) on a tokenizer that adds a BOS: said where a BOS really is written
twice or where the model's template writes one that the tokenizer would add again, not where the `text` template
writes the tokenizer's own BOS on purpose (as TRL's `tokenizer(prompt + completion)` puts it)."""

from __future__ import annotations

import pytest

from ftlib.checks import preflight
from ftlib.templates import get_template
from ftlib.tokens import encode_row
from tests.test_data_stats import metaspace_tokenizer

USER, REPLY = {"role": "user", "content": "the cat"}, {"role": "assistant", "content": " sat"}
OWN_BOS = "{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}{{ eos_token }}"

# (id, template: "text" or a custom template's source, row, the double_bos severity said or None)
CASES = [
    ("text template, a conversation", "text", {"messages": [USER, REPLY]}, None),
    ("text template, a prompt", "text", {"prompt": [USER]}, None),
    ("text template, a labelled answer", "text", {"prompt": [USER], "completion": [REPLY], "label": False}, None),
    ("text template, a text row", "text", {"text": "the cat sat"}, None),
    (
        "text template, a message opening with BOS",
        "text",
        {"messages": [{**USER, "content": "<s>the"}, REPLY]},
        "error",
    ),
    ("a template writing BOS the tokenizer adds again", OWN_BOS, {"messages": [USER, REPLY]}, "info"),
]


@pytest.mark.parametrize(("case", "template", "row", "expected"), CASES, ids=[c[0] for c in CASES])
def test_double_bos_is_said_only_where_a_bos_is_doubled(case, template, row, expected):
    tok = metaspace_tokenizer()
    chat = get_template("text", tok) if template == "text" else get_template("custom", tok, source=template)
    assert template != "text" or chat.bos == "<s>"  # the sentinel: the text template writes the BOS on these rows
    enc = encode_row(row, tok, chat)
    said = [c.severity for c in preflight(enc, tok, chat) if c.code == "double_bos"]
    assert said == ([expected] if expected else []), tok.convert_ids_to_tokens(enc.input_ids)
