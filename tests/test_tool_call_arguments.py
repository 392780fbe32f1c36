"""A tool call's arguments as templates get them: an object for `tojson` and friends, JSON text where printed.

Canonical rows keep `arguments` as an object (ftlib/turns.py parses OpenAI's JSON text). The reference is
transformers' `apply_chat_template` on the tiny templates below: a template that uses the arguments as an object
(`tojson`, `.items()`, `is mapping`, indexing) renders what transformers renders given the object; one that
prints or concatenates them renders what transformers renders from the OpenAI file, whose arguments are the JSON
text `json.dumps(args)`; Qwen3's `is string` branch renders the same either way. The sentinel is Python's repr
(`{'city': 'Paris'}`), which a plain dict prints and which must never be trained.
"""

from __future__ import annotations

import copy
import json

import pytest

from ftlib.checks import preflight
from ftlib.template_input import Arguments, TemplateError, tool_row_error
from ftlib.templates import get_template, render, render_spans
from ftlib.tokens import encode_row
from ftlib.turns import parse_messages

HEAD = "{%- for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}{% for tc in m.tool_calls or [] %}"
TAIL = "{% endfor %}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
# name: (what the template does with the arguments, the arguments transformers is given: "text" | "object" | both)
TEMPLATES = {
    "raw_print": (HEAD + "<tool_call>{{ tc.function.name }} {{ tc.function.arguments }}</tool_call>" + TAIL, "text"),
    # DeepSeek-V3/R1's shape: `+` with text on both sides, by subscript
    "plus_both_sides": (
        HEAD
        + "{{ '<call>' + tc['function']['name'] + '\\n```json\\n' + tc['function']['arguments'] + '\\n```</call>' }}"
        + "{{ tc.function.arguments + '|' }}"
        + TAIL,
        "text",
    ),
    "tilde_and_string": (
        HEAD
        + "{{ tc.function.name ~ '[' ~ tc.function.arguments ~ ']' }}{{ (tc.function.arguments | string) | length }}"
        + TAIL,
        "text",
    ),
    # Qwen3's own test: a string is written as it is, anything else through tojson
    "qwen3_is_string": (
        HEAD
        + '<tool_call>\n{"name": "{{ tc.function.name }}", "arguments": '
        + "{%- if tc.function.arguments is string %}{{ tc.function.arguments }}"
        + "{%- else %}{{ tc.function.arguments | tojson }}{%- endif %}}\n</tool_call>"
        + TAIL,
        "both",
    ),
    "tojson": (
        HEAD + '<tool_call>{"name": "{{ tc.function.name }}", "arguments": {{ tc.function.arguments | tojson }}}'
        "</tool_call>" + TAIL,
        "object",
    ),
    # Llama-3.1's `| items`, `.items()`, `is mapping`, `in`, iteration, indexing, attribute access, length
    "object_access": (
        HEAD
        + "{{ tc.function.name }}({% if tc.function.arguments is mapping %}mapping {% endif %}"
        + "{% for k, v in tc.function.arguments | items %}{{ k }}={{ v | tojson }};{% endfor %}"
        + "{% for k, v in tc.function.arguments.items() %}{{ k }},{% endfor %}"
        + "{% for k in tc.function.arguments %}{{ tc.function.arguments[k] | tojson }}/{% endfor %}"
        + "{{ tc.function.arguments | length }} {{ 'city' in tc.function.arguments }} "
        + "{{ tc.function.arguments.city }})"
        + TAIL,
        "object",
    ),
}

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather now",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def openai_call(name: str, args: dict, ensure_ascii: bool = True) -> dict:
    """A call as an OpenAI file holds it: arguments as JSON text."""
    return {"type": "function", "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=ensure_ascii)}}


NESTED = {"query": {"terms": ["tide", "Dover"], "limit": 3}, "exact": True, "note": None, "city": "Dover"}
# Rows as an OpenAI file writes them (arguments as JSON text). The last one's arguments are written with their
# characters as they are (what ftlib's `tojson` writes, ensure_ascii=False), so the file's text is what ftlib prints.
ROWS = {
    "one_call": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [openai_call("get_weather", {"city": "Paris"})]},
        {"role": "tool", "tool_call_id": "c1", "content": '{"temp": 18}'},
        {"role": "assistant", "content": "It is 18C in Paris."},
    ],
    "two_calls_nested_with_text": [
        {"role": "user", "content": "Tides and weather in Dover?"},
        {
            "role": "assistant",
            "content": "Checking both.",
            "tool_calls": [openai_call("tides", NESTED), openai_call("get_weather", {"city": "Dover", "days": 2})],
        },
        {"role": "tool", "content": "High tide 14:05"},
        {"role": "tool", "content": "Rain"},
        {"role": "assistant", "content": "High tide at 14:05, and rain."},
    ],
    "non_ascii": [
        {"role": "user", "content": "Wetter in Zürich?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [openai_call("get_weather", {"city": "Zürich", "note": "naïve ✓"}, ensure_ascii=False)],
        },
        {"role": "tool", "content": "12C"},
        {"role": "assistant", "content": "12C in Zürich."},
    ],
}


def canonical(messages: list[dict]) -> list[dict]:
    """The row as ftlib holds it: arguments parsed into objects."""
    return parse_messages(copy.deepcopy(messages), "messages")


def hf(tok, source: str, messages: list[dict], **kw) -> str:
    return tok.apply_chat_template(messages, chat_template=source, tools=[WEATHER_TOOL], tokenize=False, **kw)


@pytest.mark.parametrize("row", ROWS)
@pytest.mark.parametrize("name", TEMPLATES)
def test_rendering_matches_transformers_given_the_arguments_the_template_uses(name, row, smol_tokenizer):
    source, given = TEMPLATES[name]
    template = get_template("custom", smol_tokenizer, source=source)
    messages = canonical(ROWS[row])
    assert isinstance(messages[1]["tool_calls"][0]["function"]["arguments"], dict)  # canonical: an object
    text = render(template, messages, tools=[WEATHER_TOOL])
    if given in ("text", "both"):  # as from the OpenAI file, arguments as JSON text
        assert text == hf(smol_tokenizer, source, ROWS[row])
    if given in ("object", "both"):
        assert text == hf(smol_tokenizer, source, messages)
    assert "{'" not in text and "': " not in text  # Python's repr of the dict, never written
    prompt = render(template, messages[:2], add_generation_prompt=True, tools=[WEATHER_TOOL])
    reference = ROWS[row][:2] if given != "object" else messages[:2]
    assert prompt == hf(smol_tokenizer, source, reference, add_generation_prompt=True)


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_calls_are_located_trained_and_not_reported_dropped(name, smol_tokenizer):
    template = get_template("custom", smol_tokenizer, source=TEMPLATES[name][0])
    row = {"messages": canonical(ROWS["two_calls_nested_with_text"]), "tools": [WEATHER_TOOL]}
    before = copy.deepcopy(row)
    rendered = render_spans(template, row["messages"], tools=row["tools"])
    assert rendered.exact and all(rendered.calls[1]), rendered.calls
    assert [rendered.text[s:e] for s, e in rendered.calls[1]] == ["tides", "get_weather"]
    enc = encode_row(row, smol_tokenizer, template)
    trained = "".join(t.text for t in enc.tokens if t.trained)
    assert "tides" in trained and "get_weather" in trained
    if TEMPLATES[name][1] != "object":  # the arguments are written as JSON text, and trained as the call
        assert json.dumps(NESTED) in trained
    codes = {c.code for c in preflight(enc, smol_tokenizer, template)}
    assert not codes & {"tool_calls_dropped", "reply_dropped", "message_dropped"}, codes
    assert row == before  # the row is never changed...
    assert type(row["messages"][1]["tool_calls"][0]["function"]["arguments"]) is dict  # ...nor its arguments' type


def test_arguments_behave_as_an_object_and_as_their_json_text():
    args = Arguments({"city": "Zürich", "days": 2})
    assert (str(args), repr(args)) == ('{"city": "Zürich", "days": 2}', repr('{"city": "Zürich", "days": 2}'))
    assert "<" + args + ">" == '<{"city": "Zürich", "days": 2}>'
    assert json.dumps(args) == json.dumps({"city": "Zürich", "days": 2}) and args == {"city": "Zürich", "days": 2}
    with pytest.raises(TypeError):
        args + 1  # only text concatenates
    with pytest.raises(TypeError):
        [1] + args


@pytest.mark.parametrize(
    "expression",
    ["tc.function.arguments.update({'x': 1})", "tc.function.arguments.__class__", "tc.function.arguments.pop('city')"],
)
def test_the_sandbox_still_holds_on_the_arguments(expression, smol_tokenizer):
    template = get_template("custom", smol_tokenizer, source=HEAD + "{{ " + expression + " }}" + TAIL)
    with pytest.raises(TemplateError, match="sandbox blocks"):
        render(template, canonical(ROWS["one_call"]))


# A template that reads `tool_calls` but in another shape (a flat {name, arguments}): it shows calls, so the advice
# must not send the user to "a template that shows them".
FLAT_SHAPE = HEAD + "{{ tc.name + '(' + tc.arguments + ')' }}" + TAIL


def test_a_template_that_shows_tool_calls_but_fails_says_what_failed(smol_tokenizer):
    template = get_template("custom", smol_tokenizer, source=FLAT_SHAPE)
    messages = canonical(ROWS["one_call"])
    with pytest.raises(TemplateError) as raised:
        render(template, messages)
    said = str(tool_row_error(raised.value, template, messages))
    assert said.startswith(str(raised.value).rstrip("."))  # the template's own error first
    assert "has no attribute 'name'" in said
    assert 'turn 2 calls get_weather({"city": "Paris"})' in said  # the row's calls, its turns counted from 1
    assert "another shape" in said and '"arguments": {...}' in said
    assert "pick a template that shows them" not in said


@pytest.mark.parametrize(
    "source",
    [
        "{{ raise_exception('Only user and assistant roles are supported!') }}",
        "{# messages may hold tool_calls: ignored #}{{ raise_exception('No tools here') }}",  # a comment is no read
    ],
)
def test_a_template_that_never_reads_tool_calls_is_told_to_pick_one_that_does(source, smol_tokenizer):
    template = get_template("custom", smol_tokenizer, source=source + "{{ messages[0].content }}")
    messages = canonical(ROWS["one_call"])
    with pytest.raises(TemplateError) as raised:
        render(template, messages)
    said = str(tool_row_error(raised.value, template, messages))
    assert said.startswith(str(raised.value))
    assert said.endswith("This row has tool calls or tool results: pick a template that shows them (hermes, llama31).")
