"""Helper 164: what a templates walk (helper 159: Llama-3, Qwen3, Mistral-style templates written by hand, the
SmolLM2 tokenizer) found Train's checks leaving out or saying wrongly."""

from __future__ import annotations

from ftlib.config import RunConfig

# Llama-3's markers, which SmolLM2's tokenizer does not know: each is written as several ordinary tokens.
LLAMA_STYLE = (
    "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>\n\n"
    "{% if m.role == 'assistant' %}{% generation %}{{ m.content }}<|eot_id|>{% endgeneration %}"
    "{% else %}{{ m.content }}<|eot_id|>{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)

ROWS = [
    {"messages": [{"role": "user", "content": f"What is {i} plus {i}?"}, {"role": "assistant", "content": str(2 * i)}]}
    for i in range(1, 5)
]


def config(model, **kw) -> RunConfig:
    base = {"model": str(model), "max_steps": 1, "batch_size": 2, "save_every": 0, "max_length": 128}
    return RunConfig(**(base | kw))


def test_train_warns_of_template_markers_the_tokenizer_splits(tiny_model_dir, smol_tokenizer):
    """`tokens` warned (missing_special_tokens); Train's preflight, the CLI's and the page's, said nothing, and a run
    trained `<|eot_id|>` as pieces and generated to the token limit."""
    from ftlib.run_preflight import preflight

    run = config(tiny_model_dir, dataset="x", template="custom", template_source=LLAMA_STYLE)
    report = preflight(run, tokenizer=smol_tokenizer, rows=(ROWS[:3], ROWS[3:]))
    assert report.ok, report.errors
    (said,) = [w for w in report.warnings if "which this tokenizer does not know" in w]
    assert "<|eot_id|>" in said and "<|start_header_id|>" in said
    assert "learns it as several pieces" in said and "generation may not stop at it" in said
    assert "the model's own" in said and "Training does not add tokens" in said


def test_train_says_nothing_of_markers_for_a_template_the_tokenizer_knows(tiny_model_dir, smol_tokenizer):
    from ftlib.run_preflight import preflight

    report = preflight(config(tiny_model_dir, dataset="x"), tokenizer=smol_tokenizer, rows=(ROWS[:3], ROWS[3:]))
    assert not [w for w in report.warnings if "does not know" in w]


def test_eot_advice_is_what_the_user_can_do(tiny_model_dir, smol_tokenizer):
    """eot_not_trained advised "add it as a special token": the studio's runs keep the model's tokenizer as it is."""
    from ftlib.run_preflight import preflight

    run = config(tiny_model_dir, dataset="x", template="custom", template_source=LLAMA_STYLE)
    report = preflight(run, tokenizer=smol_tokenizer, rows=(ROWS[:3], ROWS[3:]))
    assert not [w for w in report.warnings if "add it as a special token" in w]
    # The marker split into pieces is said once, by missing_special_tokens (helper 169), with what the user can do.
    (said,) = [w for w in report.warnings if "<|eot_id|> ends each reply" in w]
    assert "the model's own" in said and "Training does not add tokens" in said


# Qwen3's way, written small: a reply after the last user message is written with its reasoning (an empty think block
# when it has none), an earlier one without.
QWEN3_STYLE = (
    "{% set ns = namespace(last=0) %}{% for m in messages %}{% if m.role == 'user' %}{% set ns.last = loop.index0 %}"
    "{% endif %}{% endfor %}{% for m in messages %}<|im_start|>{{ m.role }}\n"
    "{% if m.role == 'assistant' and loop.index0 > ns.last %}<think>\n{{ m.reasoning_content or '' }}\n</think>\n\n"
    "{% endif %}{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

TWO_TURNS = {
    "messages": [
        {"role": "user", "content": "What is 2 plus 2?"},
        {"role": "assistant", "content": "4", "reasoning_content": "Two and two make four."},
        {"role": "user", "content": "And 3 plus 3?"},
        {"role": "assistant", "content": "6", "reasoning_content": "Three and three make six."},
    ]
}


def prefix_check(tokenizer, source: str):
    from ftlib.checks import check_prefix_preserving
    from ftlib.templates import get_template
    from ftlib.tokens import encode_row

    template = get_template("custom", tokenizer, source=source)
    return check_prefix_preserving(encode_row(TWO_TURNS, tokenizer, template, "all_assistant"), template)


def test_a_template_that_drops_earlier_replies_reasoning_is_said_truly(smol_tokenizer):
    """Qwen3's template drops an earlier reply's reasoning: the context the model generates each reply from is the one
    training reads, so "training sees contexts the model never sees when it generates" was false; the reply itself
    is trained in another shape than the last turn's, which is the one the model writes."""
    found = prefix_check(smol_tokenizer, QWEN3_STYLE)
    assert found is not None and found.code == "not_prefix_preserving"
    assert "contexts the model never sees" not in found.message
    assert "the reply in message 2" in found.message and "the context before it is the one" in found.message
    assert "one row per assistant turn" in found.fix


def test_a_template_that_rewrites_earlier_context_keeps_its_words(smol_tokenizer):
    """A template that writes the opening turn differently once later turns follow: the context does differ."""
    rewrites = (
        "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}"
        "{% if loop.first and messages|length > 2 %} (more follows){% endif %}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    found = prefix_check(smol_tokenizer, rewrites)
    assert found is not None and "training sees contexts the model never sees when it generates" in found.message


def qa_template(tags: bool) -> str:
    """A question/answer template whose generation prompt ends on a space training glues to the reply's first word."""
    opens, closes = ("{% generation %}", "{% endgeneration %}") if tags else ("", "")
    return (
        "{% for m in messages %}{% if m.role == 'user' %}### Question: {{ m.content }}\n"
        "{% elif m.role == 'assistant' %}### Answer: " + opens + "{{ m.content }}{{ eos_token }}" + closes + "\n"
        "{% endif %}{% endfor %}{% if add_generation_prompt %}### Answer: {% endif %}"
    )


def test_the_generation_prompt_fix_fits_a_template_with_or_without_generation_markers(smol_tokenizer):
    """The fix said "inside {% generation %}" to a template that has no such markers."""
    from ftlib.checks import preflight
    from ftlib.templates import get_template
    from ftlib.tokens import encode_row

    row = {"messages": [{"role": "user", "content": "How many grams?"}, {"role": "assistant", "content": "Half."}]}
    fixes = {}
    for tags in (True, False):
        template = get_template("custom", smol_tokenizer, source=qa_template(tags))
        enc = encode_row(row, smol_tokenizer, template, "all_assistant")
        (found,) = [c for c in preflight(enc, smol_tokenizer, template) if c.code == "generation_prompt_mismatch"]
        fixes[tags] = found.fix
    assert "put the space in the assistant turn, inside {% generation %} before the reply" in fixes[True]
    assert "inside {% generation %}" not in fixes[False]
    assert "put the space in the assistant turn, right before the reply's text" in fixes[False]


NO_SYSTEM = (  # refuses a system turn, as Gemma's and some Mistral templates do: the refusal comes with its fix
    "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
    "<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
)
ALTERNATING = (  # refuses roles out of turn: no fix known
    "{% for m in messages %}{% if (m.role == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant') }}{% endif %}"
    "<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
)


def test_every_template_refusal_ends_the_same_way(tiny_model_dir, smol_tokenizer):
    """A refusal explained (a template that takes no system turn) dropped the ending an unexplained one kept."""
    from ftlib.run_preflight import preflight

    ok = ROWS[0]["messages"]
    bad = {
        NO_SYSTEM: {"messages": [{"role": "system", "content": "Be brief."}, *ok]},
        ALTERNATING: {"messages": [{"role": "assistant", "content": "Hello."}, *ok]},
    }
    ending = " Fix that row, or pick another chat template with `--template NAME`."
    for source, row in bad.items():
        run = config(tiny_model_dir, dataset="x", template="custom", template_source=source)
        (error,) = preflight(run, tokenizer=smol_tokenizer, rows=([ROWS[0], row], ROWS[1:2])).errors
        assert error.startswith("The chat template cannot render training row 2: ") and ".." not in error
        # one that names the built-in to pick is not told it again (helper 169)
        assert error.endswith(ending) if source == ALTERNATING else error.endswith(").")
