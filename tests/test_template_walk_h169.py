"""Helper 169: one cause, one warning. A Llama-3-style template on SmolLM2's tokenizer was told twice that its
end-of-turn marker is split (missing_special_tokens and eot_not_trained), and a template's refusal of one row said
"Fix those rows" and repeated the advice to pick a template its explanation had just given."""

from __future__ import annotations

from tests.test_template_walk_h164 import ALTERNATING, LLAMA_STYLE, NO_SYSTEM, ROWS, config

ENDING = " Fix {}, or pick another chat template with `--template NAME`."  # the CLI's words (`train`)


def test_a_split_end_of_turn_marker_is_one_warning_in_train(tiny_model_dir, smol_tokenizer):
    from ftlib.run_preflight import preflight

    run = config(tiny_model_dir, dataset="x", template="custom", template_source=LLAMA_STYLE)
    report = preflight(run, tokenizer=smol_tokenizer, rows=(ROWS[:3], ROWS[3:]))
    assert not [w for w in report.warnings if "is not trained as a single special token" in w], report.warnings
    (said,) = [w for w in report.warnings if "<|eot_id|>" in w]
    assert "which this tokenizer does not know" in said
    assert "<|eot_id|> ends each reply, so no reply ends on one special token." in said
    assert "Training does not add tokens" in said and "add it as a special token" not in said


def test_a_split_end_of_turn_marker_is_one_warning_in_tokens(smol_tokenizer):
    """`tokens` and the Tokens page read checks.preflight: one row, the same single warning."""
    from ftlib.checks import preflight
    from ftlib.templates import get_template
    from ftlib.tokens import encode_row

    template = get_template("custom", smol_tokenizer, source=LLAMA_STYLE)
    found = preflight(encode_row(ROWS[0], smol_tokenizer, template, "all_assistant", 128), smol_tokenizer, template)
    codes = [c.code for c in found]
    assert "missing_special_tokens" in codes and "eot_not_trained" not in codes, codes


def test_eot_not_trained_stays_where_the_marker_is_not_trained(tiny_model_dir, smol_tokenizer):
    """The same split marker written outside {% generation %}: the reply's end is masked, another cause, said."""
    from ftlib.run_preflight import preflight

    outside = LLAMA_STYLE.replace("<|eot_id|>{% endgeneration %}", "{% endgeneration %}<|eot_id|>")
    run = config(tiny_model_dir, dataset="x", template="custom", template_source=outside)
    report = preflight(run, tokenizer=smol_tokenizer, rows=(ROWS[:3], ROWS[3:]))
    (said,) = [w for w in report.warnings if "is not trained as a single special token" in w]
    assert "put the end-of-turn marker inside {% generation %}." in said
    assert [w for w in report.warnings if "which this tokenizer does not know" in w]


def _refusal(model, tokenizer, source, train):
    from ftlib.run_preflight import preflight

    run = config(model, dataset="x", template="custom", template_source=source)
    (error,) = preflight(run, tokenizer=tokenizer, rows=(train, ROWS[1:2])).errors
    return error


def test_a_refusal_of_one_row_says_that_row(tiny_model_dir, smol_tokenizer):
    bad = {"messages": [{"role": "assistant", "content": "Hello."}, *ROWS[0]["messages"]]}
    one = _refusal(tiny_model_dir, smol_tokenizer, ALTERNATING, [ROWS[0], bad])
    assert one.startswith("The chat template cannot render training row 2: ")
    assert one.endswith(ENDING.format("that row")) and "those rows" not in one
    two = _refusal(tiny_model_dir, smol_tokenizer, ALTERNATING, [ROWS[0], bad, bad])
    assert two.startswith("The chat template cannot render training rows 2, 3: ")
    assert two.endswith(ENDING.format("those rows"))


def test_an_explained_refusal_does_not_repeat_its_advice(tiny_model_dir, smol_tokenizer):
    bad = {"messages": [{"role": "system", "content": "Be brief."}, *ROWS[0]["messages"]]}
    error = _refusal(tiny_model_dir, smol_tokenizer, NO_SYSTEM, [ROWS[0], bad])
    assert "takes no system turn" in error and "pick a built-in template that takes one" in error
    assert "pick another chat template" not in error and error.count("pick") == 1 and ".." not in error
