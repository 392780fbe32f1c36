"""The generation prompt must be how training's text begins the answer, token for token (walk 4, finding 4).

A custom template whose generation prompt ends in a space (`### Answer: `) trains on `:` + ` Half` (BPE glues the
space to the answer's first word) but generates after a lone ` `: the run scored its reference at loss 0.05 and
answered nonsense, with no word on Tokens or Train. The reference here is the two tokenizations themselves:
`sampling.render_prompt` (what generation feeds the model) against `tokens.encode_row` (what training feeds it).
"""

from __future__ import annotations

import json
import sys

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import runs
from ftlib.checks import preflight
from ftlib.cli import main
from ftlib.config import RunConfig
from ftlib.prompt_checks import generation_prompt_report
from ftlib.sampling import render_prompt
from ftlib.templates import BUILTIN_TEMPLATES, get_template
from ftlib.tokens import encode_row
from tests.test_pages_tokens import PAGE, run

CODE = "generation_prompt_mismatch"


def qa_template(generation_prompt: str, turn_opens: str) -> str:
    """A question/answer template as people write them for base models: `turn_opens` starts each answer in training,
    `generation_prompt` is what add_generation_prompt writes after the last question."""
    return (
        "{% for m in messages %}{% if m.role == 'user' %}### Question: {{ m.content }}\n"
        "{% elif m.role == 'assistant' %}" + turn_opens + "{% generation %}{{ m.content }}{{ eos_token }}"
        "{% endgeneration %}\n{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}" + generation_prompt + "{% endif %}"
    )


TRAILING_SPACE = qa_template("### Answer: ", "### Answer: ")  # the walk's template
# (id, template source, warns, what the warning quotes)
CASES = [
    ("trailing space", TRAILING_SPACE, True, ["its prompt ends with ' ', but in training the text there is ' Half'"]),
    ("newline training also has", qa_template("### Answer:\n", "### Answer:\n"), False, []),
    ("space moved into the turn", qa_template("### Answer:", "### Answer: "), False, []),
    (
        "another header at generation",
        qa_template("Assistant:", "### Answer: "),
        True,
        ["the custom template writes 'Assistant:' after", "but in training the text there is '### Answer: Half"],
    ),
]
ROW = {
    "messages": [
        {"role": "user", "content": "How many grams are in half a kilogram?"},
        {"role": "assistant", "content": "Half a kilogram is 500 grams."},
    ]
}


def said(row, tok, template) -> list:
    """What the Tokens page's checks say about the generation prompt for `row`."""
    return [c for c in preflight(encode_row(row, tok, template), tok, template) if c.code == CODE]


def generation_is_a_prefix(tok, template, row) -> bool:
    """The reference: generation's ids (render_prompt) are a prefix of training's (encode_row)."""
    trained = encode_row(row, tok, template).all_ids
    _, ids = render_prompt(tok, row["messages"][:-1], template=template)
    return trained[: len(ids)] == ids


@pytest.mark.parametrize("source, warns, quoted", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_generation_prompt_training_never_has_is_said_with_its_fix(smol_tokenizer, source, warns, quoted):
    template = get_template("custom", smol_tokenizer, source=source)
    assert generation_is_a_prefix(smol_tokenizer, template, ROW) is not warns  # the reference agrees with the table
    found = said(ROW, smol_tokenizer, template)
    assert len(found) == int(warns)
    if warns:
        check = found[0]
        assert check.severity == "warning" and not check.for_engineers
        assert all(q in check.message for q in quoted), check.message
        assert "never saw there in training" in check.message and "even when the loss looks good" in check.message
    if source == TRAILING_SPACE:
        assert found[0].fix.startswith("End the generation prompt without the trailing space: `### Answer:`")


def test_the_quotes_start_where_a_token_or_tag_starts(smol_tokenizer):
    """A cold review read "writes 'think>\\n' after '...<｜Assistant｜><', but in training the text there is
    '｜end▁of▁sentence｜><｜Assi'": both texts shared the first character of different tags, and the quotes cut
    control tokens in two. They start and end on whole tokens now, and the fix sees the `<think>` it explains."""
    from ftlib.templates import add_missing_special_tokens
    from tests.test_inline_reasoning import R1_STYLE

    template = get_template("custom", smol_tokenizer, source=R1_STYLE)
    tok = add_missing_special_tokens(smol_tokenizer, template)  # `<｜end▁of▁sentence｜>` one token, as in training
    row = {"messages": [{"role": "user", "content": "Bold?"}, {"role": "assistant", "content": "<b>Yes</b>, bold."}]}
    (found,) = said(row, tok, template)
    assert (
        "template writes '<think>\\n' after '<|im_start|><｜User｜>Bold?<｜Assistant｜>', but in training the text "
        "there is '<b>Yes</b>, bold.'" in found.message  # 24 characters, short of the whole end token
    ), found.message
    assert "opens a thinking block (<think>)" in found.fix


SHAPES = {
    "one turn": ROW,
    "system and two turns": {
        "messages": [
            {"role": "system", "content": "Answer in one sentence."},
            {"role": "user", "content": "What is 2 + 2?"},
            {"role": "assistant", "content": "It is 4."},
            {"role": "user", "content": "And 3 + 3?"},
            {"role": "assistant", "content": "That makes 6."},
        ]
    },
    "answer opens on a digit": {
        "messages": [{"role": "user", "content": "Grams in a kilogram?"}, {"role": "assistant", "content": "1000."}]
    },
}
# SmolLM2's GPT-2 pre-tokenizer keeps a "\n\n" that ends the text whole but splits "\n\nHalf" into "\n" + "\n" +
# "Half", so Llama-3's generation prompt (`<|end_header_id|>\n\n`) ends on a token training never has there on this
# tokenizer (Llama-3's own tokenizer keeps "\n\n" whole). That is a true mismatch on the default model, said too.
SPLIT_BY_THIS_TOKENIZER = {"llama3", "llama31"}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", [*BUILTIN_TEMPLATES, "tokenizer"])
def test_built_in_templates_and_the_default_models_own_pass(smol_tokenizer, name, shape):
    template = get_template(name, smol_tokenizer)
    row = SHAPES[shape]
    found = said(row, smol_tokenizer, template)
    assert generation_is_a_prefix(smol_tokenizer, template, row) is not found
    if name in SPLIT_BY_THIS_TOKENIZER and not row["messages"][-1]["content"][0].isdigit():
        assert "its prompt ends with '\\n\\n', but in training the text there is '\\n' + '\\n'" in found[0].message
        assert "not written for this tokenizer: use the model's own template" in found[0].fix
    elif name not in SPLIT_BY_THIS_TOKENIZER:
        assert found == [], found[0].message


def test_a_preference_pair_hears_it_once(smol_tokenizer):
    template = get_template("custom", smol_tokenizer, source=TRAILING_SPACE)
    pair = {
        "prompt": [{"role": "user", "content": "Is a tomato a fruit?"}],
        "chosen": [{"role": "assistant", "content": "Yes, botanically it is a fruit."}],
        "rejected": [{"role": "assistant", "content": "No."}],
    }
    (found,) = said(pair, smol_tokenizer, template)  # not once for the chosen answer and again for the rejected
    assert "its prompt ends with ' ', but in training the text there is ' Yes'" in found.message


def test_rows_that_hide_it_are_caught_by_the_probe(smol_tokenizer):
    """Answers that open on a digit tokenize alike either way here; the probe's answer opens on a word."""
    template = get_template("custom", smol_tokenizer, source=TRAILING_SPACE)
    rows = [SHAPES["answer opens on a digit"]] * 3
    encoded = [encode_row(r, smol_tokenizer, template) for r in rows]
    assert not [c for e in encoded for c in preflight(e, smol_tokenizer, template) if c.code == CODE]
    (found,) = generation_prompt_report(encoded, smol_tokenizer, template)
    assert "' '" in found.message and "' The'" in found.message


def test_train_preflight_warns_and_does_not_refuse(smol_tokenizer):
    from ftlib.run_preflight import preflight as run_preflight

    rows = [ROW] * 4
    config = RunConfig(model="default", template="custom", template_source=TRAILING_SPACE, max_steps=1)
    report = run_preflight(config, tokenizer=smol_tokenizer, rows=(rows, []))
    assert report.ok
    said = [w for w in report.warnings if "its prompt ends with ' '" in w]
    assert len(said) == 1 and "End the generation prompt without the trailing space: `### Answer:`" in said[0]
    plain = run_preflight(RunConfig(model="default", template="chatml"), tokenizer=smol_tokenizer, rows=(rows, []))
    assert not [w for w in plain.warnings if "generation prompt" in w]


def test_cli_train_prints_a_warning_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "pass", str(run.path)])
    data = tmp_path / "qa.jsonl"
    data.write_text("".join(json.dumps(ROW) + "\n" for _ in range(4)))
    flags = ["--model", "default", "--dataset", str(data), "--test-size", "0", "--max-steps", "1", "--detach"]
    assert main(["train", *flags, "--template", "custom", "--template-source", TRAILING_SPACE]) == 0
    err = capsys.readouterr().err
    expected = "warning: When the model generates, its prompt ends with ' ', but in training the text there is ' Half'"
    assert expected in err
    assert main(["train", *flags, "--template", "chatml"]) == 0
    assert "When the model generates" not in capsys.readouterr().err


def test_tokens_page_shows_the_warning_beside_the_templates_others():
    at = run(AppTest.from_file(PAGE, default_timeout=60))
    at.text_area(key="tok_conversation").set_value(json.dumps(ROW["messages"]))
    run(at)
    assert not any("When the model generates" in w.value for w in at.warning)  # the model's own template
    at.selectbox(key="tok_template").set_value("custom")
    run(at)
    at.text_area(key="tok_template_source").set_value(TRAILING_SPACE)
    run(at)
    (box,) = [w.value for w in at.warning if "When the model generates" in w.value]
    assert "its prompt ends with ' ', but in training the text there is ' Half'" in box
    assert "Fix: End the generation prompt without the trailing space: `### Answer:`" in box


# ChatML whose {% generation %} leaves the end-of-turn marker out: every reply trains, none learns to stop.
END_UNTRAINED = (
    "{% for m in messages %}{% if m.role == 'assistant' %}<|im_start|>assistant\n{% generation %}{{ m.content }}"
    "{% endgeneration %}<|im_end|>\n{% else %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def test_train_preflight_says_a_reply_never_learns_to_stop(smol_tokenizer):
    """A cold review: the Tokens page warned `eot_not_trained`, but `train` and the Train page started the run
    without a word, though the README promises that a reply the model never learns to end is said before training."""
    from ftlib.run_preflight import preflight as run_preflight

    rows = [ROW] * 4
    config = RunConfig(model="default", template="custom", template_source=END_UNTRAINED, max_steps=1)
    report = run_preflight(config, tokenizer=smol_tokenizer, rows=(rows, []))
    said = [w for w in report.warnings if "is not trained as a single special token" in w]
    assert report.ok and len(said) == 1, report.warnings
    assert (
        said[0].startswith("In 4 of 4 training rows: The end of message 2 (an assistant reply)")
        and "ramble" in said[0]
    )
    plain = run_preflight(RunConfig(model="default", template="chatml"), tokenizer=smol_tokenizer, rows=(rows, []))
    assert not [w for w in plain.warnings if "single special token" in w]


# A template as people write it for ChatML without the generation prompt (transformers' own default adds one).
NO_GENERATION_PROMPT = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"


def test_a_template_without_a_generation_prompt_is_said_to_train_the_role_header(smol_tokenizer):
    """A cold review: a custom template that ignores add_generation_prompt trained `<|im_start|>assistant\\n` as the
    reply's first tokens (a reply is trained from where the generation prompt ends, as transformers' difference of
    the two renders), with no word. Said on Tokens and before a run, with a fix that, applied, trains the reply
    alone."""
    from ftlib.run_preflight import preflight as run_preflight

    template = get_template("custom", smol_tokenizer, source=NO_GENERATION_PROMPT)
    enc = encode_row(ROW, smol_tokenizer, template)
    assert "".join(t.text for t in enc.tokens if t.label != -100).startswith("<|im_start|>assistant\nHalf")
    (found,) = [c for c in preflight(enc, smol_tokenizer, template) if c.code == "no_generation_prompt"]
    assert "'<|im_start|>assistant\\n', is trained as part of the reply" in found.message
    fixed = NO_GENERATION_PROMPT + found.fix.split("`")[1]  # the fix's Jinja, added at the end as it says
    assert fixed.endswith("{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
    mended = get_template("custom", smol_tokenizer, source=fixed)
    enc = encode_row(ROW, smol_tokenizer, mended)
    assert enc.tokens[[t.label != -100 for t in enc.tokens].index(True)].text == "Half"
    assert not [c for c in preflight(enc, smol_tokenizer, mended) if c.code in ("no_generation_prompt", CODE)]
    assert generation_is_a_prefix(smol_tokenizer, mended, ROW)

    config = RunConfig(model="default", template="custom", template_source=NO_GENERATION_PROMPT, max_steps=1)
    report = run_preflight(config, tokenizer=smol_tokenizer, rows=([ROW] * 2, []))
    assert report.ok and len([w for w in report.warnings if "writes no generation prompt" in w]) == 1


@pytest.mark.parametrize("name", [*BUILTIN_TEMPLATES, "tokenizer"])
def test_no_built_in_template_lacks_a_generation_prompt(smol_tokenizer, name):
    template = get_template(name, smol_tokenizer)
    for row in SHAPES.values():
        checks = preflight(encode_row(row, smol_tokenizer, template), smol_tokenizer, template)
        assert not [c for c in checks if c.code == "no_generation_prompt"], name


def test_the_think_block_the_studio_writes_a_reasoning_in_is_not_taken_for_a_role_header(smol_tokenizer):
    """A cold review: under Mistral's [INST] template (no generation prompt: a reply follows `[/INST]`), a reply with
    reasoning was said to train "'<think>\\n', ... its own role header", with a fix that would open every answer in
    <think>. The <think> is the reply's own reasoning, written inline by the studio."""
    row = {
        "messages": [
            {"role": "user", "content": "What is 2+3?"},
            {"role": "assistant", "reasoning_content": "2 plus 3 is 5.", "content": "5"},
        ]
    }
    mistral = get_template("mistral", smol_tokenizer)
    enc = encode_row(row, smol_tokenizer, mistral)
    assert "[/INST]<think>\n2 plus 3 is 5." in enc.text  # the sentinel: the reasoning is written inline
    checks = preflight(enc, smol_tokenizer, mistral)
    assert not [c for c in checks if c.code == "no_generation_prompt"]
    # A header the template writes before it is still said, without the <think>.
    custom = get_template("custom", smol_tokenizer, source=NO_GENERATION_PROMPT)
    (found,) = [
        c
        for c in preflight(encode_row(row, smol_tokenizer, custom), smol_tokenizer, custom)
        if c.code == "no_generation_prompt"
    ]
    assert "'<|im_start|>assistant\\n', is trained" in found.message
