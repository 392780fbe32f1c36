"""Chat templates: built-ins render as transformers renders them, spans land on the messages, the sandbox holds."""

from __future__ import annotations

import re

import pytest

from ftlib import template_sandbox
from ftlib.templates import (
    BUILTIN_TEMPLATES,
    TEMPLATE_NAMES,
    TemplateError,
    add_missing_special_tokens,
    get_template,
    missing_special_tokens,
    render,
    render_spans,
)

CONVERSATIONS = {
    "single": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}],
    "system_multi": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": " Hi\n"},
        {"role": "assistant", "content": "Héllo 😀!"},
        {"role": "user", "content": "More"},
        {"role": "assistant", "content": "  Sure.\n"},
    ],
    # Content equal to template words: a search-based locator would match the headers instead.
    "role_words": [
        {"role": "user", "content": "user"},
        {"role": "assistant", "content": "assistant"},
        {"role": "user", "content": "user"},
        {"role": "assistant", "content": "assistant"},
    ],
    "unicode_newlines": [
        {"role": "user", "content": "日本語で？"},
        {"role": "assistant", "content": "\nはい、👍🏽 もちろん。\n\n"},
    ],
}


@pytest.mark.parametrize("conv", CONVERSATIONS)
@pytest.mark.parametrize("name", [*BUILTIN_TEMPLATES, "tokenizer"])
def test_render_matches_transformers(name, conv, smol_tokenizer):
    """Our sandbox renders exactly what transformers' apply_chat_template renders for the same template."""
    template = get_template(name, smol_tokenizer)
    messages = CONVERSATIONS[conv]
    expected = smol_tokenizer.apply_chat_template(messages, chat_template=template.source, tokenize=False)
    assert render(template, messages) == expected
    for prompt_end in (True,):
        expected = smol_tokenizer.apply_chat_template(
            messages[:-1], chat_template=template.source, tokenize=False, add_generation_prompt=prompt_end
        )
        assert render(template, messages[:-1], add_generation_prompt=prompt_end) == expected


@pytest.mark.parametrize("name", BUILTIN_TEMPLATES)
def test_builtins_tag_exactly_reply_and_end_of_turn(name, smol_tokenizer):
    template = get_template(name, smol_tokenizer)
    assert template.has_generation_tags
    messages = CONVERSATIONS["system_multi"]
    spans = render_spans(template, messages)
    assert spans.exact
    eot = template.end_of_turn
    replies = [m["content"] for m in messages if m["role"] == "assistant"]
    # plain puts the space after "Assistant:" inside the block (it belongs to the reply's first token).
    lead = " " if name == "plain" else ""
    assert [spans.text[a:b] for a, b in spans.generations] == [lead + r + eot for r in replies]


@pytest.mark.parametrize("conv", CONVERSATIONS)
@pytest.mark.parametrize("name", [*BUILTIN_TEMPLATES, "tokenizer"])
def test_content_spans_point_at_each_message(name, conv, smol_tokenizer):
    messages = CONVERSATIONS[conv]
    spans = render_spans(get_template(name, smol_tokenizer), messages)
    assert spans.exact
    assert [spans.text[a:b] for a, b in spans.contents] == [m["content"] for m in messages]


def test_role_words_are_located_at_the_messages_not_the_headers(smol_tokenizer):
    spans = render_spans(get_template("chatml", smol_tokenizer), CONVERSATIONS["role_words"])
    # The first "user" content comes after "<|im_start|>user\n", not at the header's own "user".
    assert spans.contents[0][0] == len("<|im_start|>user\n")


def test_trimming_template_keeps_exact_spans(smol_tokenizer):
    source = "{% for m in messages %}[{{ m['role'] }}]{{ m['content'] | trim }}{% endfor %}"
    template = get_template("custom", smol_tokenizer, source=source)
    messages = [{"role": "user", "content": "  padded  "}, {"role": "assistant", "content": "\nok\n"}]
    spans = render_spans(template, messages)
    assert spans.text == "[user]padded[assistant]ok"
    assert spans.exact
    assert [spans.text[a:b] for a, b in spans.contents] == ["padded", "ok"]


def test_template_that_inspects_content_falls_back_to_search(smol_tokenizer):
    # Markers change what startswith() sees; the plain render differs, so spans are found by searching instead.
    source = (
        "{% for m in messages %}{% if m['content'].startswith('!') %}LOUD{% endif %}"
        "<{{ m['role'] }}>{{ m['content'] }}{% endfor %}"
    )
    template = get_template("custom", smol_tokenizer, source=source)
    messages = [{"role": "user", "content": "!hey"}, {"role": "assistant", "content": "calm"}]
    spans = render_spans(template, messages)
    assert spans.text == "LOUD<user>!hey<assistant>calm"
    assert not spans.exact
    assert [spans.text[a:b] for a, b in spans.contents] == ["!hey", "calm"]


def test_tokenizer_template_knows_its_end_of_turn(smol_tokenizer):
    template = get_template("tokenizer", smol_tokenizer)
    assert template.source == smol_tokenizer.chat_template
    assert template.end_of_turn == "<|im_end|>"
    assert not template.has_generation_tags


@pytest.mark.parametrize(
    "name, eot",
    [
        ("chatml", "<|im_end|>"),
        ("llama3", "<|eot_id|>"),
        ("mistral", "</s>"),
        ("gemma", "<end_of_turn>"),
        ("alpaca", "<|im_end|>"),
        ("plain", "<|im_end|>"),
    ],
)
def test_end_of_turn_per_builtin(name, eot, smol_tokenizer):
    # alpaca and plain end a reply with the tokenizer's eos token (SmolLM2: <|im_end|>).
    assert get_template(name, smol_tokenizer).end_of_turn == eot


def test_template_names_and_errors(smol_tokenizer):
    assert set(BUILTIN_TEMPLATES) == {
        "chatml",
        "llama3",
        "mistral",
        "gemma",
        "alpaca",
        "plain",
        "text",
        "hermes",
        "llama31",
    }
    assert TEMPLATE_NAMES[-2:] == ("tokenizer", "custom")
    with pytest.raises(TemplateError, match="Unknown template 'nope'"):
        get_template("nope")
    with pytest.raises(TemplateError, match="needs a tokenizer"):
        get_template("tokenizer")
    with pytest.raises(TemplateError, match="needs its Jinja text"):
        get_template("custom", smol_tokenizer, source="  ")


def test_tokenizer_without_template_is_a_clear_error(smol_tokenizer):
    import copy

    bare = copy.deepcopy(smol_tokenizer)
    bare.chat_template = None
    with pytest.raises(TemplateError, match="no chat template of its own"):
        get_template("tokenizer", bare)


def test_syntax_error_names_the_line():
    with pytest.raises(TemplateError, match="syntax error on line 2"):
        get_template("custom", source="ok\n{% for m in messages %}{{ m.content }")


def test_raise_exception_is_a_template_error(smol_tokenizer):
    with pytest.raises(TemplateError, match='refused this conversation: .*Unknown role "tool"'):
        render(get_template("gemma", smol_tokenizer), [{"role": "tool", "content": "x"}])


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ joiner.__init__.__globals__['__builtins__'] }}",
        "{{ messages.__class__.__base__ }}",
        "{{ raise_exception.__globals__ }}",
        "{{ namespace.__init__ }}",
        "{% set x = messages.append(1) %}",
        "{% include '/etc/passwd' %}",
        "{% import '/etc/passwd' as p %}",
        "{% extends '/etc/hostname' %}",
        "{{ 'a' * 10**9 }}",
        "{{ 2 ** 10000 }}",
        "{% for i in range(99999) %}{{ 'x' * 100 }}{% endfor %}",
    ],
)
def test_sandbox_escapes_are_template_errors(source, smol_tokenizer):
    template = get_template("custom", smol_tokenizer, source=source)
    with pytest.raises(TemplateError) as info:
        render(template, [{"role": "user", "content": "hi"}])
    message = str(info.value)
    assert "root:" not in message and "Traceback" not in message  # nothing leaked from a file or a stack
    assert any(word in message for word in ("sandbox", "self-contained", "more than", "failed"))


@pytest.mark.parametrize(
    "source, said",
    [
        ("{{ 'a'|center(300000000) }}", "a size too large"),
        ("{{ '%0300000000d' % 1 }}", "a format width too large"),
        ("{{ '%0300000000d'|format(1) }}", "a format width too large"),
        ("{{ '{:>300000000}'.format(1) }}", "a format width too large"),
        ("{{ '{:>{w}}'.format(1, w=300000000) }}", "a size too large"),
        ("{{ 'a'.ljust(300000000) }}", "a size too large"),
        ("{{ ('a' * 1000000)|replace('a', 'bbbbbbbbbb') }}", "a replace() too large"),
        ("{{ ('a' * 1000000).replace('a', 'bbbbbbbbbb') }}", "a replace() too large"),
        (
            "{% set ns = namespace(s='') %}{% for i in range(999) %}{% set ns.s = ns.s + 'a' * 1000000 %}{% endfor %}",
            "a text too large",
        ),
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
            "or 20,000 loop steps",  # the cap as lowered below
        ),
    ],
)
def test_what_would_take_gigabytes_or_hours_is_refused_before_it_is_made(source, said, monkeypatch):
    """A cold review: these made 1.5 GB before the output cap saw them, or hung the Tokens page printing nothing.
    Each is refused by its own check (the output cap's "more than ... characters" would come after the memory).
    The loop-step cap is lowered to 20,000 here: the shipped million took 11 s of the suite's time on 2 busy cores
    (the recursive-macro test below pins the shipped cap in its message); no other case loops that often."""
    monkeypatch.setattr(template_sandbox, "MAX_LOOP_STEPS", 20_000)
    with pytest.raises(TemplateError, match=re.escape(said)):
        render(get_template("custom", source=source), [{"role": "user", "content": "hi"}])


@pytest.mark.parametrize(
    "source, said",
    [
        ("{% set s = 'a' * 6000 %}{% set s = s ~ s %}{{ s|length }}", "a text too large"),
        ("{% set s = 'a' * 6000 %}{{ [s, s]|join|length }}", "a join() too large"),
        ("{{ ''.join(['a' * 6000] * 2)|length }}", "a join() too large"),
        ("{{ ('a' * 200)|replace('', 'b' * 100)|length }}", "a replace() too large"),
        ("{{ ('a' * 200).replace('', 'b' * 100)|length }}", "a replace() too large"),
        ("{{ messages|tojson(indent=17) }}", "a tojson() indent too large"),
        ("{{ (['a' * 6000] * 2)|tojson|length }}", "a tojson() too large"),
        ("{{ lipsum(101)|length }}", "a lipsum() too large"),
        ("{{ ('%s%s' % ('a' * 6000, 'a' * 6000))|length }}", "a format too large"),
        ("{{ '{}{}'.format('a' * 6000, 'a' * 6000)|length }}", "a format too large"),
        ("{{ ('\\t' * 100).expandtabs(1000)|length }}", "an expandtabs() too large"),
        ("{{ ('\\n' * 100)|indent(1000)|length }}", "an indent() too large"),
        ("{{ ('%' * 4000)|urlencode|urlencode|length }}", "a urlencode() result too large"),
        ("{{ ([['a'] * 6000] * 2)|sum(start=[])|length }}", "a sum() too large"),
        ("{{ (['a' * 6000] * 2)|string|length }}", "a string() of a value too large"),
        ("{{ ['a' * 6000] * 2 }}", "a printed value too large"),
        ("{{ (2 ** 64) ** 64 }}", "a number too large"),
        (
            "{% macro f() %}{% for i in range(3) %}{{ 'a' * 6000 }}{% endfor %}{% endmacro %}{{ f()|length }}",
            "characters in a macro or block",
        ),
        ("{% set s %}{% for i in range(3) %}{{ 'a' * 6000 }}{% endfor %}{% endset %}{{ s|length }}", "in a macro"),
    ],
)
def test_every_way_of_making_a_text_is_held_to_the_cap_before_it_is_made(source, said, monkeypatch):
    """A second review: `~`, `join`, `replace('', ...)`, `tojson(indent=1999999)`, `'%s%s' % (s, s)` and a macro's
    own output made texts of 400 MB to 1.3 GB in a second, past the 2,000,000-character cap. Shown here with a cap
    of 10,000 (each doubles past it at once); each is refused by its own check, before the text is made."""
    monkeypatch.setattr(template_sandbox, "MAX_RENDER_CHARS", 10_000)
    with pytest.raises(TemplateError, match=re.escape(said)):
        render(get_template("custom", source=source), [{"role": "user", "content": "hi"}])


@pytest.mark.parametrize("add_generation_prompt", [False, True])
def test_a_recursive_macro_is_stopped_at_the_time_limit(add_generation_prompt, monkeypatch):
    """A macro calling itself twice ran 58 s at depth 23 (doubling with each level) with no for-loop to check the
    deadline; one slow only for the generation prompt hung Compare and Evaluate. Every call checks it now."""
    monkeypatch.setattr(template_sandbox, "MAX_RENDER_SECONDS", 0.05)
    source = (
        "{% macro f(n) %}{% if n > 0 %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}"
        "{% for m in messages %}{{ m.content }}{% endfor %}{% if add_generation_prompt %}{{ f(16) }}{% endif %}"
    )
    template = get_template("custom", source=source)
    chat = [{"role": "user", "content": "hi"}]
    if not add_generation_prompt:
        assert render(template, chat) == "hi"  # fast where it does not recurse
        source = source.replace("{% if add_generation_prompt %}{{ f(16) }}{% endif %}", "{{ f(16) }}")
        template = get_template("custom", source=source)
    with pytest.raises(TemplateError, match="ran more than 0.05 seconds or 1,000,000 loop steps"):
        render(template, chat, add_generation_prompt=True)


def test_ordinary_joins_macros_and_json_of_a_five_megabyte_message_render():
    """The new checks follow the render's own cap: a 5 MB answer passes through `~`, join, a macro and tojson."""
    story = "The quick brown fox jumps over the lazy dog. " * 120_000  # 5.4 MB
    chat = [{"role": "user", "content": "Tell me a story."}, {"role": "assistant", "content": story}]
    source = (
        "{% macro turn(m) %}{{ '<|' ~ m.role ~ '|>' ~ m.content }}{% endmacro %}"
        "{% for m in messages %}{{ turn(m) }}{% set s %}{{ [m.content, '!']|join(' ') }}{% endset %}{{ s|length }}"
        "{% endfor %}{{ messages|tojson(indent=2)|length > 0 }} {{ '{}: {:>4}'.format('x', 1) }} "
        "{{ lipsum(1, False)|length > 0 }}"
    )
    text = render(get_template("custom", source=source), chat)
    assert text.startswith("<|user|>Tell me a story.18<|assistant|>The quick") and text.endswith("True x:    1 True")
    assert story in text


def test_the_sandbox_limits_leave_ordinary_formatting_alone():
    """Numbers in a message, widths and replaces of ordinary size, and loops over messages render as before."""
    source = (
        "{% for m in messages %}{{ '%s (%d chars)' % (m.content, m.content|length) }}|{{ '{:>6}'.format(m.role) }}|"
        "{{ m.content|replace('1', 'one') }}|{{ m.content.replace('0', 'zero') }}|{{ '%5.1f'|format(1.25) }}"
        "{% for i in range(3) %}{{ i }}{% endfor %}{% endfor %}"
    )
    text = render(get_template("custom", source=source), [{"role": "user", "content": "Call 5551234567 at 10"}])
    assert text == (
        "Call 5551234567 at 10 (21 chars)|  user|Call 555one234567 at one0|Call 5551234567 at 1zero|  1.2012"
    )


def test_messages_are_validated():
    template = get_template("chatml")
    with pytest.raises(TemplateError, match="non-empty list"):
        render(template, [])
    with pytest.raises(TemplateError, match="Message 1 is not"):
        render(template, [{"role": "user", "content": "a"}, "b"])
    with pytest.raises(TemplateError, match="non-text content"):
        render(template, [{"role": "user", "content": [{"type": "image"}]}])


def test_system_prompt_needs_a_user_turn_in_folding_templates(smol_tokenizer):
    with pytest.raises(TemplateError, match="user turn must follow the system turn"):
        render(
            get_template("mistral", smol_tokenizer),
            [{"role": "system", "content": "s"}, {"role": "assistant", "content": "a"}],
        )


@pytest.mark.parametrize(
    "name, missing",
    [
        ("chatml", []),
        ("llama3", ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]),
        ("mistral", ["<s>", "</s>"]),
        ("gemma", ["<bos>", "<start_of_turn>", "<end_of_turn>"]),
        ("alpaca", []),
        ("plain", []),
        ("tokenizer", []),
    ],
)
def test_missing_special_tokens_on_smollm2(name, missing, smol_tokenizer):
    template = get_template(name, smol_tokenizer)
    assert missing_special_tokens(smol_tokenizer, template) == missing
    added = add_missing_special_tokens(smol_tokenizer, template)
    assert missing_special_tokens(added, template) == []
    assert len(added) == len(smol_tokenizer) + len(missing)
    for token in missing:
        assert token in added.all_special_tokens
    # the shared tokenizer is never changed
    assert missing_special_tokens(smol_tokenizer, template) == missing


def test_custom_template_special_tokens_are_detected(smol_tokenizer):
    source = "{% for m in messages %}<|turn|>{{ m['content'] }}<|end|>{% endfor %}"
    template = get_template("custom", smol_tokenizer, source=source)
    assert template.end_of_turn == "<|end|>"
    assert missing_special_tokens(smol_tokenizer, template) == ["<|turn|>", "<|end|>"]


def test_a_looping_template_is_stopped_but_a_five_megabyte_message_renders():
    """The render cap stops a template that loops (its output grows without its input), not a long message: a 5 MB
    answer hit the fixed 2,000,000-character cap ("it is probably looping") on the Data page's lengths."""
    looping = get_template(
        "custom",
        source="{% for i in range(100000) %}{% for j in range(100000) %}spam {% endfor %}{% endfor %}",
    )
    with pytest.raises(TemplateError, match="probably looping"):
        render(looping, [{"role": "user", "content": "Hi"}])
    story = "The quick brown fox jumps over the lazy dog. " * 120_000  # 5.4 MB
    chat = [{"role": "user", "content": "Tell me a long story."}, {"role": "assistant", "content": story}]
    assert story in render(get_template("chatml"), chat)
    # Joined and replaced inside the template too: the sandbox's size checks follow the render's own cap.
    doubled = "{% for m in messages %}{{ (m['content'] + '\\n')|replace('. ', '.  ') }}{% endfor %}"
    assert story.replace(". ", ".  ") in render(get_template("custom", source=doubled), chat)
