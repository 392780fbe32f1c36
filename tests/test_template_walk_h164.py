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
    (said,) = [w for w in report.warnings if "is not trained as a single special token" in w]
    assert "add it as a special token" not in said
    assert "pick a template whose markers it knows, e.g. the model's own: training does not add tokens" in said
