"""A test row's `tools` reach every prompt and reference made of it, as they reach training (walk 8A #1).

Training renders a tool-calling row with its tool schemas (`ftlib.tokens.encode_row` passes `row["tools"]` to the
template). Compare's prompt (`modelset.render_prompts`, `sampling.render_prompt`) and Evaluate's prompts and
references (`evaluate.evaluate`, `encode_reference`, `token_losses`) rendered the same row without them: the tuned
tool-caller was asked, and scored, without the tools it learned from. The reference here is training's own
rendering: the ids a model is prompted with are training's ids up to the last assistant turn.
"""

from __future__ import annotations

import pytest

from ftlib import evaluate as E
from ftlib import modelset as M
from ftlib import sampling as S
from ftlib.rows import IGNORE_INDEX
from ftlib.templates import get_template
from ftlib.tokens import encode_row

# The tool as OpenAI's and Hugging Face's function-calling data publish it; its name is a sentinel found nowhere else.
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather_zq",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city, e.g. Oslo"}},
            "required": ["city"],
        },
    },
}
CALL = {"type": "function", "function": {"name": "get_weather_zq", "arguments": {"city": "Oslo"}}}
ROW = {
    "tools": [TOOL],
    "messages": [
        {"role": "system", "content": "You are a concise weather assistant."},
        {"role": "user", "content": "What's the weather in Oslo?"},
        {"role": "assistant", "content": "", "tool_calls": [CALL]},
        {"role": "tool", "content": '{"temp_c": 4, "sky": "sleet"}'},
        {"role": "assistant", "content": "It is 4 °C with sleet in Oslo."},
    ],
}
PAIR = {
    "tools": [TOOL],
    "prompt": [{"role": "user", "content": "What's the weather in Oslo?"}],
    "chosen": [{"role": "assistant", "content": "", "tool_calls": [CALL]}],
    "rejected": [{"role": "assistant", "content": "I cannot know that."}],
}

# A Qwen2.5-style ChatML template that writes the tools into the system turn (as the walk's qwen-chatml model did).
QWEN_LIKE = (
    "{%- if tools %}<|im_start|>system\n"
    "{%- if messages[0].role == 'system' %}{{ messages[0].content }}\n\n{% endif %}"
    "# Tools\n<tools>{% for tool in tools %}\n{{ tool | tojson }}{% endfor %}\n</tools><|im_end|>\n"
    "{%- elif messages[0].role == 'system' %}<|im_start|>system\n{{ messages[0].content }}<|im_end|>\n{% endif %}"
    "{%- for m in messages %}"
    "{%- if m.role == 'user' or (m.role == 'assistant' and not m.tool_calls) %}"
    "<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
    "{%- elif m.role == 'assistant' %}<|im_start|>assistant\n{{ m.content }}"
    '{%- for c in m.tool_calls %}<tool_call>\n{"name": "{{ c.function.name }}", "arguments": '
    "{{ c.function.arguments | tojson }}}\n</tool_call>{% endfor %}<|im_end|>\n"
    "{%- elif m.role == 'tool' %}<|im_start|>user\n<tool_response>\n{{ m.content }}\n</tool_response><|im_end|>\n"
    "{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
TEMPLATES = ["hermes", "qwen-like"]


def chat_template(name: str, tokenizer):
    return get_template("custom", tokenizer, QWEN_LIKE) if name == "qwen-like" else get_template(name, tokenizer)


def training_prompt(row: dict, tokenizer, template) -> tuple[str, list[int]]:
    """Training's rendering of `row` up to its last assistant turn: (its text, its ids), from `encode_row`."""
    enc = encode_row(row, tokenizer, template, "last_assistant")
    first = next(i for i, label in enumerate(enc.labels) if label != IGNORE_INDEX)
    ids = list(enc.input_ids[:first])
    return tokenizer.decode(ids), ids


@pytest.mark.parametrize("name", TEMPLATES)
def test_compare_renders_a_test_rows_prompt_with_its_tools_as_training_did(model_set, name):
    tokenizer = model_set.tokenizer
    template = chat_template(name, tokenizer)
    trained_text, trained_ids = training_prompt(ROW, tokenizer, template)
    assert "get_weather_zq" in trained_text.split("What's the weather")[0]  # training shows the tool's schema
    prompts = M.render_prompts(model_set, ROW["messages"][:-1], template=template, tools=ROW["tools"])
    for prompt in prompts.values():
        assert prompt.text.count("get_weather_zq") == trained_text.count("get_weather_zq")
        assert prompt.ids == trained_ids
    # A typed prompt has no tools: unchanged.
    typed = M.render_prompts(model_set, "What's the weather in Oslo?", template=template)
    assert "get_weather_zq" not in typed[model_set.names[0]].text


@pytest.mark.parametrize("name", TEMPLATES)
def test_evaluate_prompts_and_scores_a_tool_row_with_its_tools(model_set, name, monkeypatch):
    tokenizer = model_set.tokenizer
    template = chat_template(name, tokenizer)
    _, trained_ids = training_prompt(ROW, tokenizer, template)
    trained = encode_row(ROW, tokenizer, template, "last_assistant")

    asked = []
    real = E.generate_with_set

    def recording(ms, rows, **kwargs):
        asked.extend(list(r.input_ids) for r in rows)
        return real(ms, rows, **kwargs)

    monkeypatch.setattr(E, "generate_with_set", recording)
    result = E.evaluate(model_set, [ROW], model_set.names[1], max_new_tokens=4, template=template)
    assert not result.skipped and len(result.rows) == 1
    assert asked == [trained_ids, trained_ids]  # base and tuned, each asked with the tools in the prompt

    # The reference scored is training's encoding, tools included, token for token.
    ref = E.encode_reference(ROW["messages"], tokenizer, template, ROW["tools"])
    assert (ref.input_ids, ref.labels) == (list(trained.input_ids), list(trained.labels))
    assert "get_weather_zq" in "".join(ref.token_texts)
    view = E.token_losses(model_set, ROW, model_set.names[1], template=template)
    assert view.tokens == [t.text for t in trained.tokens]
    # The aggregates score those very tokens: the base loss is the mean over training's labelled tokens.
    (base_losses,) = E.losses_with_set(model_set, ref, [None])
    assert result.rows[0].base_loss == pytest.approx(sum(base_losses) / len(base_losses))


def test_a_reference_that_calls_a_tool_is_shown_with_its_call_and_reasoning(model_set):
    """A review: a reference answer made of a tool call showed as "" in Evaluate's table and CSV (its content), while
    the loss scored the call's tokens; its reasoning was dropped too."""
    reasoned = {"role": "assistant", "content": "", "reasoning": "Oslo needs a lookup.", "tool_calls": [CALL]}
    row = {"tools": [TOOL], "messages": [*ROW["messages"][:2], reasoned]}
    template = chat_template("qwen-like", model_set.tokenizer)
    result = E.evaluate(model_set, [row], model_set.names[1], max_new_tokens=2, template=template)
    assert result.rows[0].reference == '(reasoning) Oslo needs a lookup.\nget_weather_zq({"city": "Oslo"})'
    assert 'get_weather_zq({""city"": ""Oslo""})' in result.to_csv()


def test_a_preference_rows_rejected_answer_is_scored_with_its_tools(model_set):
    tokenizer = model_set.tokenizer
    template = get_template("hermes", tokenizer)
    result = E.evaluate(model_set, [PAIR], model_set.names[1], max_new_tokens=4, template=template)
    assert not result.skipped and result.rows[0].is_pair
    rejected = encode_row(
        {"tools": PAIR["tools"], "messages": PAIR["prompt"] + PAIR["rejected"]}, tokenizer, template, "last_assistant"
    )
    assert "get_weather_zq" in tokenizer.decode(rejected.input_ids)
    ref = E.Reference(list(rejected.input_ids), list(rejected.labels), [])
    (base,) = E.losses_with_set(model_set, ref, [None])
    assert result.rows[0].base_rejected_logp == pytest.approx(-sum(base))


def test_render_prompt_passes_the_tools_to_the_template(model_set):
    tokenizer = model_set.tokenizer
    text, ids = S.render_prompt(tokenizer, ROW["messages"][:-1], template="hermes", tools=ROW["tools"])
    plain, _ = S.render_prompt(tokenizer, ROW["messages"][:-1], template="hermes")
    schema = "The city, e.g. Oslo"  # in the tool's schema only (the call in the conversation names the tool too)
    assert schema in text and schema not in plain and len(ids) > len(tokenizer(plain).input_ids)
    assert schema in S.render_text(tokenizer, ROW["messages"], "hermes", tools=ROW["tools"])


def test_the_cli_evaluates_a_tool_row_of_a_data_file_with_its_tools(
    capsys, model_set, varied_dir, adapter_template, tmp_path
):
    """`python -m ftlib evaluate --data FILE`: the file's `tools` reach the reference scored (training's encoding)."""
    import json

    from ftlib import workspace
    from ftlib.cli import main

    data = tmp_path / "weather.jsonl"
    workspace.write_jsonl(data, [ROW])
    argv = ["evaluate", "--model", str(varied_dir), "--adapter", str(adapter_template), "--data", str(data)]
    assert main([*argv, "--template", "hermes", "--max-new-tokens", "2", "--json"]) == 0
    agg = json.loads(capsys.readouterr().out)
    template = get_template("hermes", model_set.tokenizer)
    trained = encode_row(ROW, model_set.tokenizer, template, "last_assistant")
    ref = E.Reference(list(trained.input_ids), list(trained.labels), [])
    (base,) = E.losses_with_set(model_set, ref, [None])
    assert (agg["rows"], agg["tokens"]) == (1, len(base))
    assert agg["base_loss"] == pytest.approx(sum(base) / len(base), rel=1e-4)
