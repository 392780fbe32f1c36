"""A template that trims a message (`| trim`, as Gemma's and Llama 3's own templates do) writes its own newline where
the reply's leading newline was: that newline is the template's, masked, not the start of the trained reply."""

from __future__ import annotations

from ftlib.templates import get_template
from ftlib.tokens import encode_row

# A Gemma-like template written for this test: each turn's text trimmed between its header line and its end marker.
TRIMMING = (
    "{% for m in messages %}<start_of_turn>{{ 'model' if m['role'] == 'assistant' else m['role'] }}\n"
    "{{ m['content'] | trim }}<end_of_turn>\n{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
KEEPING = TRIMMING.replace(" | trim", "")
ROW = {"messages": [{"role": "user", "content": "Count."}, {"role": "assistant", "content": "\nOne, two.\n\n"}]}


def trained(enc) -> str:
    return "".join(t.text for t in enc.tokens if t.trained)


def test_a_trimmed_replys_span_leaves_the_templates_own_newline_out(smol_tokenizer):
    template = get_template("custom", smol_tokenizer, source=TRIMMING)
    assert template.kept_whitespace["assistant"] == (False, False)
    enc = encode_row(ROW, smol_tokenizer, template)
    assert "<start_of_turn>model\nOne, two.<end_of_turn>" in enc.text
    assert trained(enc) == "One, two.<end_of_turn>"  # the "\n" after "model" is the header's, masked
    newline = next(t for t in enc.tokens if t.text == "\n" and t.index > 0 and enc.tokens[t.index - 1].text == "model")
    assert not newline.trained


def test_a_template_that_keeps_the_whitespace_trains_it_with_the_reply(smol_tokenizer):
    template = get_template("custom", smol_tokenizer, source=KEEPING)
    assert template.kept_whitespace["assistant"] == (True, True)
    enc = encode_row(ROW, smol_tokenizer, template)
    assert trained(enc).startswith("\nOne, two.\n\n") and trained(enc).endswith("<end_of_turn>")
