"""What the checks say of a custom template is true of the row it fires on (a cold review, defects 3 to 7).

A template that writes a message in capitals was said to leave it out; one that writes the system message under the
assistant's header was said to add a system prompt called "assistant"; a template refusing the system role on a row
with tools was given only the tools' fix; a template that writes no end-of-turn marker was told it should have written
'<|im_end|>'; and a template writing turns back to back was only told about the missing marker. Each case below is a
template that does one of these, the row, the check that must fire, words it must say and words that would be false.
"""

from __future__ import annotations

import pytest

from ftlib.checks import preflight
from ftlib.prompt_checks import added_system_note, explain_refusal
from ftlib.templates import BUILTIN_TEMPLATES, TemplateError, get_template
from ftlib.tokens import encode_row

CHAT = [
    {"role": "user", "content": "Hi there"},
    {"role": "assistant", "content": "Hello!"},
    {"role": "user", "content": "What is 2+2?"},
    {"role": "assistant", "content": "It is 4."},
]
SYSTEM_CHAT = [{"role": "system", "content": "You are terse."}, *CHAT]
TOOL_CHAT = [
    {"role": "system", "content": "Use tools."},
    {"role": "user", "content": "Weather in Paris?"},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}],
    },
    {"role": "tool", "name": "get_weather", "content": '{"temp": 21}'},
    {"role": "assistant", "content": "It is 21C in Paris."},
]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]

UPPER = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] | upper + '<|im_end|>\\n' }}"
    "{% endfor %}"
)
UPPER_REPLIES = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' }}{% if m['role'] == 'assistant' %}"
    "{{ m['content'] | upper }}{% else %}{{ m['content'] }}{% endif %}{{ '<|im_end|>\\n' }}{% endfor %}"
)
NO_SYSTEM = (  # leaves the system message out for good: what "leaves out" must still say
    "{% for m in messages %}{% if m['role'] != 'system' %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + "
    "'<|im_end|>\\n' }}{% endif %}{% endfor %}"
)
NO_SYSTEM_UPPER_REPLIES = (  # both at once: each must be said (one check for them all said only the system's)
    "{% for m in messages %}{% if m['role'] != 'system' %}{{ '<|im_start|>' + m['role'] + '\\n' }}"
    "{% if m['role'] == 'assistant' %}{{ m['content'] | upper }}{% else %}{{ m['content'] }}{% endif %}"
    "{{ '<|im_end|>\\n' }}{% endif %}{% endfor %}"
)
SYSTEM_AS_ASSISTANT = (
    "{% for m in messages %}{% if m.role == 'user' %}{{ '<|im_start|>user\\n' + m.content + '<|im_end|>\\n' }}"
    "{% else %}{{ '<|im_start|>assistant\\n' + m.content + '<|im_end|>\\n' }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
QA = (
    "{% for m in messages %}{% if m.role == 'user' %}Q: {{ m.content }}\n{% else %}A: {{ m.content }}\n\n{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}A:{% endif %}"
)
MARKER_UNTRAINED = (  # writes '<|im_end|>' after each reply, outside the trained block: the old words are right
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% if m['role'] == 'assistant' %}"
    "{% generation %}{{ m['content'] }}{% endgeneration %}{% else %}{{ m['content'] }}{% endif %}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
BARE = "{% for m in messages %}{{ m.content }}{% endfor %}"
GEMMA_STRICT = (
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    "{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{{ '<start_of_turn>' + message['role'] + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}"
)

# (id, template source, messages, check code, words it says, words that would be false here)
CASES = [
    ("system_in_capitals", UPPER, SYSTEM_CHAT, "system_dropped",
     ["writes the system message in another form than the row has it (another letter case or spacing)",
      "trained on the changed instructions", "remove the filter that changes it, such as `| upper`"],
     ["leaves out", "Mistral"]),
    ("replies_in_capitals", UPPER, SYSTEM_CHAT, "no_trained_tokens",
     ["writes the reply in messages 3, 5 in another form than the row has it", "trains a reply where it finds the "
      "row's text, so this row would teach the model nothing", "`| upper`"],
     ["leaves out", "--template hermes"]),
    ("user_turns_in_capitals", UPPER, CHAT, "message_dropped",
     ["writes messages 1 (user), 3 (user) in another form", "trained on the changed text, not the row's"],
     ["leaves out"]),
    ("only_replies_in_capitals", UPPER_REPLIES, CHAT, "reply_dropped",
     ["writes the reply of messages 2, 4 (assistant replies) in another form", "so that reply is not trained"],
     ["leaves out", "tool call"]),
    ("system_left_out", NO_SYSTEM, SYSTEM_CHAT, "system_dropped",  # the sentinel: a message truly gone
     ["leaves out the system message"], ["another form"]),
    ("system_left_out_and_replies_in_capitals", NO_SYSTEM_UPPER_REPLIES, SYSTEM_CHAT, "reply_dropped",
     ["writes the reply of messages 3, 5 (assistant replies) in another form", "so that reply is not trained"],
     ["system"]),
    ("replies_in_capitals_and_system_left_out", NO_SYSTEM_UPPER_REPLIES, SYSTEM_CHAT, "system_dropped",
     ["leaves out the system message"], ["another form"]),
    ("system_under_the_assistant_header", SYSTEM_AS_ASSISTANT, SYSTEM_CHAT, "system_as_assistant",
     ["writes the system message under the assistant's header ('<|im_start|>assistant\\n')",
      "as its own earlier reply", "header of its own", "merge the system text into the first user message"],
     []),
    ("no_end_of_turn_marker", QA, CHAT, "eot_not_trained",
     ["writes no end-of-turn marker after the reply in messages 2, 4", "the model to stop",
      "{{ eos_token }} ('<|im_end|>' for this tokenizer)"],
     ["expected", "{% generation %}"]),
    ("no_end_of_turn_marker_after_bare_turns", BARE, SYSTEM_CHAT, "eot_not_trained",
     ["writes no end-of-turn marker after the reply in messages 3, 5"], ["expected"]),
    ("marker_written_untrained", MARKER_UNTRAINED, CHAT, "eot_not_trained",  # the sentinel: a marker is written
     ["is not trained as a single special token (expected '<|im_end|>')"], ["writes no end-of-turn marker"]),
    ("turns_back_to_back", BARE, SYSTEM_CHAT, "text_joins_turns",
     ["writes turns 1 to 5 right after one another, with no role header or separator between them",
      "(“You are terse.Hi there”)", "where one turn ends and the next begins", "'<|im_start|>user\\n'"],
     ["single prompt", "end of text"]),
]  # fmt: skip


@pytest.mark.parametrize("source, messages, code, says, false_here", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_check_says_what_the_template_does(smol_tokenizer, source, messages, code, says, false_here):
    template = get_template("custom", smol_tokenizer, source=source)
    enc = encode_row({"messages": messages}, smol_tokenizer, template)
    found = {c.code: c for c in preflight(enc, smol_tokenizer, template)}
    assert code in found, sorted(found)
    said = f"{found[code].message} {found[code].fix}"
    for words in says:
        assert words in said, said
    for words in false_here:
        assert words not in said, said


def test_capitals_are_in_the_text_and_a_left_out_message_is_not(smol_tokenizer):
    """The reference for the words above: the rendered text holds the row's text in capitals, and not at all."""
    upper = encode_row({"messages": SYSTEM_CHAT}, smol_tokenizer, get_template("custom", smol_tokenizer, UPPER))
    assert "YOU ARE TERSE." in upper.text and "You are terse." not in upper.text
    assert all(d.get("rewritten") for d in upper.dropped if d["what"] == "content")
    gone = encode_row({"messages": SYSTEM_CHAT}, smol_tokenizer, get_template("custom", smol_tokenizer, NO_SYSTEM))
    assert "terse" not in gone.text.lower() and gone.dropped == [{"message": 0, "what": "content"}]


def test_a_system_message_under_the_assistant_header_adds_no_system_prompt(smol_tokenizer):
    template = get_template("custom", smol_tokenizer, source=SYSTEM_AS_ASSISTANT)
    enc = encode_row({"messages": SYSTEM_CHAT}, smol_tokenizer, template)
    assert enc.text.startswith("<|im_start|>assistant\nYou are terse.<|im_end|>")  # what the check says, as written
    assert added_system_note(template, SYSTEM_CHAT) is None  # was: adds "assistant" on every row
    assert added_system_note(template, CHAT) is None


def test_a_template_refusing_the_system_role_on_a_tool_row_gives_the_system_fix_first(smol_tokenizer):
    template = get_template("custom", smol_tokenizer, source=GEMMA_STRICT)
    row = {"messages": TOOL_CHAT, "tools": TOOLS}
    with pytest.raises(TemplateError) as refused:
        encode_row(row, smol_tokenizer, template)
    said = str(explain_refusal(refused.value, template, TOOL_CHAT, TOOLS, smol_tokenizer))
    system_fix = "System role not supported. The custom template takes no system turn: merge the system text"
    tools_fix = (
        "With the system text merged into the first user message, it still refuses: Conversation roles must "
        "alternate user/assistant/user/assistant/... This row has tool calls or tool results: pick a template that "
        "shows them (hermes, llama31)."
    )
    assert said.startswith(f"The custom template refused this conversation: {system_fix}")
    assert said.index(system_fix) < said.index(tools_fix) and said.endswith(tools_fix)
    # The same template on a row without tools: the system fix alone, as before.
    with pytest.raises(TemplateError) as plain:
        encode_row({"messages": SYSTEM_CHAT}, smol_tokenizer, template)
    alone = str(explain_refusal(plain.value, template, SYSTEM_CHAT, None, smol_tokenizer))
    assert system_fix in alone and "still refuses" not in alone and "tool" not in alone


@pytest.mark.parametrize("header", ["### {{ m.role }}: ", "[{{ m.role }}] ", "{{ m.role|capitalize }}: "])
def test_a_plain_text_role_header_is_not_a_system_prompt_the_template_adds(smol_tokenizer, header):
    """A cold review: `### {{ m.role }}: {{ m.content }}` was said to add "### system:" to every row's system prompt:
    only role headers beside control tokens were recognised as headers."""
    source = "{% for m in messages %}" + header + "{{ m.content }}\n{% endfor %}"
    template = get_template("custom", smol_tokenizer, source=source)
    assert added_system_note(template, SYSTEM_CHAT) is None
    # Text the template does write into every system turn is still found behind such a header.
    adds = source.replace("{{ m.content }}", "{% if m.role == 'system' %}Today is Monday. {% endif %}{{ m.content }}")
    assert "Today is Monday." in added_system_note(get_template("custom", smol_tokenizer, source=adds), SYSTEM_CHAT)


def test_a_template_that_fails_on_a_row_with_a_system_turn_is_not_said_to_refuse_the_system_turn(smol_tokenizer):
    """A cold review: a template writing too much ("probably looping") was also said to "take no system turn": the
    two renders' messages differ by their character counts, which read as a refusal the merge had changed."""
    looping = "{% for i in range(100000) %}{% for m in messages %}{{ m['content'] }}{% endfor %}{% endfor %}"
    template = get_template("custom", smol_tokenizer, source=looping)
    with pytest.raises(TemplateError) as failed:
        encode_row({"messages": SYSTEM_CHAT}, smol_tokenizer, template)
    said = str(explain_refusal(failed.value, template, SYSTEM_CHAT, None, smol_tokenizer))
    assert "probably looping" in said and "system turn" not in said


NEW_WORDS = ("text_joins_turns", "system_as_assistant")


@pytest.mark.parametrize("name", [*(n for n in BUILTIN_TEMPLATES if n != "text"), "tokenizer"])
@pytest.mark.parametrize("messages", [CHAT, SYSTEM_CHAT, TOOL_CHAT], ids=["chat", "system", "tools"])
def test_built_in_templates_and_the_model_s_own_say_none_of_it_on_normal_rows(smol_tokenizer, name, messages):
    template = get_template(name, smol_tokenizer)
    try:
        enc = encode_row(
            {"messages": messages, "tools": TOOLS if messages is TOOL_CHAT else None}, smol_tokenizer, template
        )
    except TemplateError:
        pytest.skip(f"{name} refuses this row")
    found = preflight(enc, smol_tokenizer, template)
    assert not [c.code for c in found if c.code in NEW_WORDS]
    said = " ".join(c.message for c in found)
    assert "another form" not in said and "writes no end-of-turn marker" not in said
