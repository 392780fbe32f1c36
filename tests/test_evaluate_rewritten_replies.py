"""Evaluate at every reply (or the first) with a chat template that writes a conversation's earlier turns otherwise
once later turns follow, as Qwen3's does: each reply after the last user message gets its reasoning in a think block
(the last reply always, an empty one where it has none), earlier replies are written without it.

Item k is asked for and scored as the conversation ending with reply k is written: there reply k is the last turn, so
it carries its think block, while training on the whole conversation (`all_assistant`) read and trained reply k
without it. So the items' scored tokens are not the tokens training scored, though Evaluate said "Train's held-out loss
scores the same tokens". The evaluation now names those replies (`EvalResult.rewritten`, `references.rewritten_note`)
on the page and in the CLI's output, keeps them with a kept result, and no longer claims the same tokens for them.
"""

from __future__ import annotations

import json

import pytest

from ftlib import eval_results as K
from ftlib import evaluate as E
from ftlib import workspace
from ftlib.loss_words import train_heldout_note
from ftlib.references import rewritten_before, rewritten_note, row_reference
from ftlib.rows import IGNORE_INDEX
from ftlib.templates import get_template
from ftlib.testing import make_run
from ftlib.tokens import encode_row

# Our own text in the shape of Qwen3's template (not theirs): where the last user message is, then each turn; a reply
# after it is written with a think block (the last one always), one before it without.
THINKING = (
    "{%- set ns = namespace(asked=0) %}"
    "{%- for m in messages %}{%- if m.role == 'user' %}{%- set ns.asked = loop.index0 %}{%- endif %}{%- endfor %}"
    "{%- for m in messages %}"
    "{%- if m.role == 'assistant' %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if loop.index0 > ns.asked and (loop.last or m.reasoning_content) %}"
    "{{- '<think>\\n' + (m.reasoning_content or '') + '\\n</think>\\n\\n' }}{%- endif %}"
    "{{- m.content + '<|im_end|>\\n' }}"
    "{%- else %}{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
PRIMES = {  # two replies, each with its reasoning
    "messages": [
        {"role": "user", "content": "Is 91 prime?"},
        {"role": "assistant", "reasoning": "91 = 7 x 13.", "content": "No."},
        {"role": "user", "content": "And 97?"},
        {"role": "assistant", "reasoning": "No prime up to 9 divides 97.", "content": "Yes."},
    ]
}
COLOURS = {  # two replies without reasoning: the first is still written otherwise (no empty think block)
    "messages": [
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another?"},
        {"role": "assistant", "content": "Green."},
    ]
}
ONE = {"messages": [{"role": "user", "content": "Say yes."}, {"role": "assistant", "content": "Yes!"}]}


def _trained_text(enc, message: int) -> str:
    return "".join(t.text for t in enc.tokens if t.trained and t.message == message)


def _scored_text(ref) -> str:
    return "".join(t for t, lab in zip(ref.token_texts, ref.labels, strict=True) if lab != IGNORE_INDEX)


def test_an_earlier_reply_is_scored_in_another_form_than_training_read_it(model_set):
    tokenizer = model_set.tokenizer
    template = get_template("custom", tokenizer, source=THINKING)
    # What training on the whole conversation trained of reply 1: its words, without its reasoning.
    whole = encode_row(PRIMES, tokenizer, template, "all_assistant")
    assert "No." in _trained_text(whole, 1) and "7 x 13" not in whole.text
    # What reply 1's item scores: the conversation ending with it, where the template writes its reasoning.
    first = row_reference(PRIMES, tokenizer, template, "every", 1)[1]
    assert "7 x 13" in _scored_text(first) and "<think>" in _scored_text(first)
    # So the items together are not the tokens `all_assistant` trains (they are with a prefix-preserving template).
    items = [row_reference(PRIMES, tokenizer, template, "every", n)[1] for n in (1, 2)]
    assert [lab for ref in items for lab in ref.labels if lab != IGNORE_INDEX] != [
        lab for lab in whole.labels if lab != IGNORE_INDEX
    ]
    assert [rewritten_before(PRIMES, tokenizer, template, "every", n) for n in (1, 2)] == [True, False]
    assert rewritten_before(COLOURS, tokenizer, template, "every", 1)  # an empty think block there, none in the whole
    assert not rewritten_before(PRIMES, tokenizer, template, "last")  # the whole conversation: as training read it
    chatml = get_template("chatml", tokenizer)
    assert not any(rewritten_before(row, tokenizer, chatml, "every", 1) for row in (PRIMES, COLOURS))

    result = E.evaluate(model_set, [PRIMES, ONE, COLOURS], model_set.names[1], 2, template=template, answer_at="every")
    assert [r.item for r in result.rows] == [(0, 1), (0, 2), (1, 1), (2, 1), (2, 2)]
    assert result.rewritten == [(0, 1), (2, 1)]
    said = rewritten_note(result.rewritten, result.answer_at)
    assert said.startswith(
        "2 replies were scored in another form than training read them: row 1, reply 1; row 3, reply 1. The chat "
        "template writes a conversation's earlier turns otherwise once later ones follow"
    )
    assert "the form a model is asked in" in said and said.endswith("and so does the run's held-out loss."), said
    # Nor does the line on Train's held-out loss claim the same tokens then.
    assert train_heldout_note([PRIMES, ONE, COLOURS], "all_assistant", "every", 3, 2).startswith(
        "Train's held-out loss differs: it scores 2 of these replies as the whole row writes them, not as asked here, "
        "and averages each batch's mean"
    )
    assert train_heldout_note([PRIMES], "all_assistant", "every", 1).startswith(
        "Train's held-out loss scores the same tokens"
    )
    first = E.evaluate(model_set, [PRIMES, ONE], model_set.names[1], 2, template=template, answer_at="first")
    assert first.rewritten == [(0, None)]
    assert rewritten_note(first.rewritten, "first").startswith(
        "1 reply was scored in another form than training read it: the first reply of row 1. The chat template"
    )
    last = E.evaluate(model_set, [PRIMES], model_set.names[1], 2, template=template)
    assert last.rewritten == [] and rewritten_note(last.rewritten, "last") == ""
    plain = E.evaluate(model_set, [PRIMES, COLOURS], model_set.names[1], 2, template=chatml, answer_at="every")
    assert plain.rewritten == []
    # Kept with the run and read back, as the page shows a kept result.
    back = K.result_from_record(json.loads(json.dumps(K.result_record(result))))
    assert back.rewritten == [(0, 1), (2, 1)]
    assert K.result_from_record(json.loads(json.dumps(K.result_record(first)))).rewritten == [(0, None)]


@pytest.fixture
def thinking_run(varied_dir, adapter_template):
    workspace.save_split("primes", [ONE], [PRIMES, COLOURS], {"format": "messages"})
    config = {
        "model": str(varied_dir),
        "dataset": "primes",
        "template": "custom",
        "template_source": THINKING,
        "method": "lora",
    }
    return make_run("20260101-000000-lora-primes", config, adapter=adapter_template)


def test_the_cli_and_the_page_name_the_replies_scored_otherwise(capsys, thinking_run, varied_dir):
    from ftlib.cli import main
    from tests.test_pages_evaluate_kept import open_page

    assert main(["evaluate", thinking_run.id, "--answer-at", "every", "--max-new-tokens", "64"]) == 0
    out = capsys.readouterr().out
    assert "note: Train's held-out loss differs: it scores 2 of these replies as the whole row writes them" in out
    assert (
        "note: 2 replies were scored in another form than training read them: row 1, reply 1; row 2, reply 1. " in out
    )
    # The page shows the result the CLI kept, with its note, at every reply.
    at = open_page(varied_dir)
    next(r for r in at.radio if r.label == "Answer at").set_value("every").run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert at.session_state["evaluate_job"].result.rewritten == [(0, 1), (1, 1)]
    captions = " ".join(c.value for c in at.caption)
    assert "2 replies were scored in another form than training read them: row 1, reply 1; row 2, reply 1." in captions
    assert "it scores 2 of these replies as the whole row writes them" in captions
    assert "scores the same tokens" not in captions
    closer = next(m for m in at.metric if m.label == "Closer to the reference")
    assert closer.help.startswith("Share of the 4 replies whose reference answer")
