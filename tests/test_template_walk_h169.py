"""Helper 169: one cause, one warning. A Llama-3-style template on SmolLM2's tokenizer was told twice that its
end-of-turn marker is split (missing_special_tokens and eot_not_trained), and a template's refusal of one row said
"Fix those rows" and repeated the advice to pick a template its explanation had just given."""

from __future__ import annotations

from tests.test_template_walk_h164 import ALTERNATING, NO_SYSTEM, ROWS, config

ENDING = " Fix {}, or pick another chat template (Tokens or Train page; --template)."


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
