"""Turns that end on another closing token than the other replies: what is trained, and the end-of-turn probe.

Llama-3.1 ends a tool call in `<|eom_id|>` (with builtin tools) where replies end in `<|eot_id|>`; gpt-oss's
"harmony" ends a call in `<|call|>`, earlier replies in `<|end|>` and the last one in `<|return|>`. A turn whose
end-of-turn marker is not there must still train its whole text (name, arguments, closing token), as the
prompt/completion difference does (render the conversation up to the turn with the generation prompt and up to
and including it: the extra text is the completion), and never the next message's header. The templates here are
written for these tests in the shape of the published ones (no {% generation %} tags), with SmolLM2's tokenizer
given each family's control tokens.
"""

from __future__ import annotations

import copy

import pytest

from ftlib.checks import preflight
from ftlib.rows import IGNORE_INDEX
from ftlib.templates import get_template, missing_special_tokens, render, token_boundary
from ftlib.tokens import encode_messages, encode_row

LLAMA31 = (
    "{{- bos_token }}"
    "{%- for m in messages %}"
    "{%- if m.tool_calls %}{%- set call = m.tool_calls[0].function %}"
    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
    "{{- '{\"name\": \"' + call.name + '\", \"parameters\": ' + call.arguments | tojson + '}' }}"
    "{{- '<|eom_id|>' }}"  # as the published template writes it when builtin tools are set
    "{%- elif m.role == 'tool' %}"
    "{{- '<|start_header_id|>ipython<|end_header_id|>\\n\\n' + m.content + '<|eot_id|>' }}"
    "{%- else %}"
    "{{- '<|start_header_id|>' + m.role + '<|end_header_id|>\\n\\n' + m.content | trim + '<|eot_id|>' }}"
    "{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)

# As gpt-oss writes it: a call's reasoning only while no final answer follows it, earlier answers end in <|end|>,
# the conversation's last in <|return|>.
HARMONY = (
    "{%- for m in messages %}"
    "{%- if m.role == 'assistant' and m.tool_calls %}"
    "{%- set ns = namespace(final=false) %}"
    "{%- for later in messages[loop.index:] %}"
    "{%- if later.role == 'assistant' and not later.tool_calls %}{%- set ns.final = true %}{%- endif %}"
    "{%- endfor %}"
    "{%- if m.thinking and not ns.final %}"
    "{{- '<|start|>assistant<|channel|>analysis<|message|>' + m.thinking + '<|end|>' }}"
    "{%- endif %}"
    "{%- set call = m.tool_calls[0].function %}"
    "{{- '<|start|>assistant to=functions.' + call.name + '<|channel|>commentary json<|message|>' }}"
    "{{- call.arguments | tojson + '<|call|>' }}"
    "{%- elif m.role == 'assistant' %}"
    "{{- '<|start|>assistant<|channel|>final<|message|>' + m.content }}"
    "{{- '<|return|>' if loop.last else '<|end|>' }}"
    "{%- elif m.role == 'tool' %}"
    "{{- '<|start|>functions.' + m.name + ' to=assistant<|channel|>commentary<|message|>' + m.content + '<|end|>' }}"
    "{%- else %}"
    "{{- '<|start|>' + m.role + '<|message|>' + m.content + '<|end|>' }}"
    "{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|start|>assistant' }}{%- endif %}"
)

# Qwen2.5's shape: calls in <tool_call> blocks inside the turn, every turn closed by <|im_end|>.
CHATML_TOOLS = (
    "{%- for m in messages %}"
    "{%- if m.role == 'assistant' and m.tool_calls %}"
    "{{- '<|im_start|>assistant' }}{%- if m.content %}{{- '\\n' + m.content }}{%- endif %}"
    "{%- for c in m.tool_calls %}"
    '{{- \'\\n<tool_call>\\n{"name": "\' + c.function.name + \'", "arguments": \' }}'
    "{{- c.function.arguments | tojson + '}\\n</tool_call>' }}"
    "{%- endfor %}{{- '<|im_end|>\\n' }}"
    "{%- elif m.role == 'tool' %}"
    "{{- '<|im_start|>user\\n<tool_response>\\n' + m.content + '\\n</tool_response><|im_end|>\\n' }}"
    "{%- else %}{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

# name: (template, the control tokens the model's tokenizer has, bos, eos, its end-of-turn marker)
FAMILIES = {
    "llama31": (
        LLAMA31,
        ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>"],
        "<|begin_of_text|>",
        "<|eot_id|>",
        "<|eot_id|>",
    ),
    "harmony": (
        HARMONY,
        ["<|start|>", "<|message|>", "<|end|>", "<|channel|>", "<|call|>", "<|return|>"],
        None,
        "<|return|>",
        "<|end|>",
    ),
    "chatml_tools": (CHATML_TOOLS, [], None, "<|im_end|>", "<|im_end|>"),
}
# What closes each turn of each row, per family.
CLOSINGS = {
    "llama31": {"call": "<|eom_id|>", "reply": "<|eot_id|>", "last": "<|eot_id|>"},
    "harmony": {"call": "<|call|>", "reply": "<|end|>", "last": "<|return|>"},
    "chatml_tools": {"call": "<|im_end|>", "reply": "<|im_end|>", "last": "<|im_end|>"},
}

CALL = {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
QUESTION = {"role": "user", "content": "Weather in Paris?"}
RESULT = {"role": "tool", "name": "get_weather", "content": '{"temp": 18}'}
ROWS = {
    "call_last": [QUESTION, {"role": "assistant", "content": "", "tool_calls": [CALL]}],
    "call_then_answer": [
        QUESTION,
        {"role": "assistant", "content": "", "tool_calls": [CALL]},
        RESULT,
        {"role": "assistant", "content": "It is 18 degrees in Paris."},
    ],
    "reply_call_answer": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! Ask me about the weather."},
        QUESTION,
        {"role": "assistant", "content": "", "tool_calls": [CALL]},
        RESULT,
        {"role": "assistant", "content": "18 degrees."},
    ],
    "reasoning_call": [
        QUESTION,
        {"role": "assistant", "reasoning": "I should call the tool.", "content": "", "tool_calls": [CALL]},
        RESULT,
        {"role": "assistant", "content": "18 degrees."},
    ],
}


def family_tokenizer(smol, name):
    """SmolLM2's tokenizer with the family's control tokens, bos, eos and chat template, as a model ships them."""
    source, specials, bos, eos, _ = FAMILIES[name]
    tok = copy.deepcopy(smol)
    extra = {"additional_special_tokens": specials, "eos_token": eos, **({"bos_token": bos} if bos else {})}
    tok.add_special_tokens(extra, replace_extra_special_tokens=False)
    if name == "chatml_tools":  # Qwen2.5 has them as added (not special) tokens
        tok.add_tokens(["<tool_call>", "</tool_call>"])
    tok.chat_template = source
    return tok


@pytest.fixture(scope="module")
def families(smol_tokenizer):
    out = {}
    for name in FAMILIES:
        tok = family_tokenizer(smol_tokenizer, name)
        out[name] = (tok, get_template("tokenizer", tok))
    return out


def hf_messages(messages, reads_reasoning: bool) -> list[dict]:
    """The turns as transformers gets them (reasoning as `thinking` for a template that reads it)."""
    out = []
    for m in messages:
        m = {k: v for k, v in m.items() if k != "reasoning"}
        if m.get("tool_calls") is None:
            m.pop("tool_calls", None)
        out.append(m)
    for m, original in zip(out, messages, strict=True):
        if original.get("reasoning"):
            assert reads_reasoning
            m["thinking"] = original["reasoning"]
    return out


def completion_span(tok, messages, k, reads) -> tuple[str, tuple[int, int]] | None:
    """The prompt/completion difference for turn k (the last of messages[:k+1]): (full text, its span); None where
    the template writes the earlier turns differently once turn k follows (gpt-oss drops a call's reasoning once
    an answer follows), where the difference is no reference."""
    full = tok.apply_chat_template(hf_messages(messages[: k + 1], reads), tokenize=False)
    if not full.startswith(tok.apply_chat_template(hf_messages(messages[:k], reads), tokenize=False)):
        return None
    prompt = tok.apply_chat_template(hf_messages(messages[:k], reads), tokenize=False, add_generation_prompt=True)
    start = 0
    while start < min(len(prompt), len(full)) and prompt[start] == full[start]:
        start += 1
    return full, (start, len(full.rstrip()))


def token_mask(tok, text, spans) -> tuple[list[int], list[int]]:
    out = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    return out["input_ids"], [int(any(s < hi and e > lo for lo, hi in spans)) for s, e in out["offset_mapping"]]


def trained(enc) -> list[int]:
    return [int(label != IGNORE_INDEX) for label in enc.labels]


def trained_pieces(enc) -> list[str]:
    """The trained text, one string per run of trained tokens."""
    pieces, run = [], ""
    for t in enc.tokens:
        if t.trained:
            run += t.text
        elif run:
            pieces.append(run)
            run = ""
    return [*pieces, run] if run else pieces


@pytest.mark.parametrize("shape", ROWS)
@pytest.mark.parametrize("name", FAMILIES)
def test_each_turn_trains_its_prompt_completion_difference(name, shape, families):
    """The reference: transformers renders the conversation up to the turn with and without it."""
    tok, template = families[name]
    messages = ROWS[shape]
    if any(m.get("reasoning") for m in messages) and not template.reads_reasoning:
        pytest.skip("the template writes no reasoning field")
    for k, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        ref = completion_span(tok, messages, k, template.reads_reasoning)
        enc = encode_messages(messages[: k + 1], tok, template, "last_assistant")
        if ref is None:  # a check says so
            assert "not_prefix_preserving" in {c.code for c in preflight(enc, tok, template)}
            assert (name, shape) == ("harmony", "reasoning_call")
            continue
        text, span = ref
        ids, mask = token_mask(tok, text, [span])
        assert enc.text == text
        assert enc.input_ids == ids
        assert trained(enc) == mask, [t.text for t, m in zip(enc.tokens, mask, strict=True) if t.trained != m]


@pytest.mark.parametrize("shape", ROWS)
@pytest.mark.parametrize("name", FAMILIES)
def test_whole_conversation_trains_each_turn_up_to_the_next_message(name, shape, families):
    """All turns at once: each call or reply with the token that closes it in this text (a harmony reply that is
    followed by more ends in <|end|>, not the <|return|> it ends with when it is the last), nothing of the next
    message's header, and every trained turn ends on its trained closing token (no eot_not_trained)."""
    tok, template = families[name]
    messages = ROWS[shape]
    if any(m.get("reasoning") for m in messages) and not template.reads_reasoning:
        pytest.skip("the template writes no reasoning field")
    enc = encode_row({"messages": messages}, tok, template)
    assert enc.text == tok.apply_chat_template(hf_messages(messages, template.reads_reasoning), tokenize=False)
    closings, last = CLOSINGS[name], len(messages) - 1
    expected = []
    for k, m in enumerate(messages):
        if m["role"] == "assistant":
            closing = closings["call" if m.get("tool_calls") else "last" if k == last else "reply"]
            written = m["content"] or '{"city": "Paris"}'  # the call's arguments, as each template writes them
            expected.append((written, closing))
    pieces = trained_pieces(enc)
    assert len(pieces) == len(expected), pieces
    for piece, (written, closing) in zip(pieces, expected, strict=True):
        assert written in piece and piece.endswith(closing), (piece, closing)
        assert "user" not in piece and "ipython" not in piece and "functions.get_weather to=" not in piece
    # (harmony's last <|return|> is its eos, written after the conversation's last reply: its final eos, as Phi-3's)
    ends = [t for t in enc.tokens if t.segment in ("end_of_turn", "end_of_conversation")]
    assert [t.text for t in ends] == [c for _, c in expected] and all(t.trained and t.special for t in ends)
    codes = {c.code for c in preflight(enc, tok, template)}
    assert not codes & {"eot_not_trained", "missing_special_tokens"}, codes
    # (gpt-oss drops the call's reasoning once an answer follows: it rewrites that turn, and a check says so)
    assert ("not_prefix_preserving" in codes) == ((name, shape) == ("harmony", "reasoning_call"))


@pytest.mark.parametrize("name", ["llama31", "harmony"])
def test_a_call_is_trained_whole_not_only_its_name(name, families):
    """The defect: the arguments and the closing token were masked as template scaffolding."""
    tok, template = families[name]
    enc = encode_row({"messages": ROWS["call_then_answer"]}, tok, template)
    call = [t for t in enc.tokens if t.message == 1]
    assert all(t.trained for t in call)
    assert [t.segment for t in call][-1] == "end_of_turn"
    assert {t.segment for t in call[:-1]} == {"tool_call"}  # the name, the arguments and the text around them
    written = "".join(t.text for t in call)
    assert '{"city": "Paris"}' in written and written.endswith(CLOSINGS[name]["call"])
    scaffolding = [t for t in enc.tokens if t.reason.startswith("template scaffolding")]
    assert not any("Paris" in t.text for t in scaffolding)


def test_harmony_reasoning_of_a_call_is_trained_where_the_template_keeps_it(families):
    """gpt-oss drops a call's reasoning once a final answer follows: kept (and trained) only for a last call."""
    tok, template = families["harmony"]
    messages = ROWS["reasoning_call"]
    whole = encode_row({"messages": messages}, tok, template)
    assert "I should call the tool." not in whole.text
    assert (
        trained_pieces(whole)[0]
        == ' to=functions.get_weather<|channel|>commentary json<|message|>{"city": "Paris"}<|call|>'
    )
    alone = encode_row({"messages": messages[:2]}, tok, template)
    assert trained_pieces(alone) == [
        "<|channel|>analysis<|message|>I should call the tool.<|end|><|start|>assistant to=functions.get_weather"
        '<|channel|>commentary json<|message|>{"city": "Paris"}<|call|>'
    ]


def test_the_reported_custom_template_trains_the_call_and_its_closing(smol_tokenizer):
    """The issue's reproduction: a call closed by `<|eom|>`, replies by `<|im_end|>`, SmolLM2's tokenizer."""
    source = (
        '{% for m in messages %}{% if m.tool_calls %}<|im_start|>assistant\n{"name": "{{ m.tool_calls[0].function.name'
        ' }}", "parameters": {{ m.tool_calls[0].function.arguments | tojson }}}<|eom|>{% else %}<|im_start|>'
        "{{ m.role }}\n{{ m.content }}<|im_end|>{% endif %}\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    template = get_template("custom", smol_tokenizer, source=source)
    for messages in (ROWS["call_last"], ROWS["call_then_answer"]):
        enc = encode_messages(messages, smol_tokenizer, template)
        text = "".join(t.text for t in enc.tokens if t.trained and t.message == 1)
        assert text == '{"name": "get_weather", "parameters": {"city": "Paris"}}<|eom|>'
        # "\n" after the closing is the template's, between turns: not trained, as after <|im_end|>
        assert not any(t.trained for t in enc.tokens if t.message is None and t.text == "\n")


def test_replies_without_a_closing_token_train_no_header_of_the_next_message(smol_tokenizer):
    """A template that closes replies with nothing: the reply is trained, the next header (<|im_start|>) is not,
    and the check that the model never learns to stop still says so."""
    source = (
        "{% for m in messages %}{% if m.role == 'assistant' %}<|im_start|>assistant\n{{ m.content }}\n\n"
        "{% else %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    template = get_template("custom", smol_tokenizer, source=source)
    messages = [*ROWS["reply_call_answer"][:3], {"role": "assistant", "content": "Sunny."}]
    enc = encode_messages(messages, smol_tokenizer, template)
    assert trained_pieces(enc) == ["Hello! Ask me about the weather.", "Sunny."]  # "\n\n" after each: not trained
    assert "eot_not_trained" in {c.code for c in preflight(enc, smol_tokenizer, template)}


# ------------------------------------------------------------------------------------------ the end-of-turn probe


def test_harmony_end_of_turn_is_a_whole_token_and_no_token_is_missing(families):
    tok, template = families["harmony"]
    assert template.end_of_turn == "<|end|>"  # the earlier replies' marker, not the "<|" both endings share
    assert missing_special_tokens(tok, template) == []
    enc = encode_row({"messages": ROWS["reply_call_answer"]}, tok, template)
    assert "missing_special_tokens" not in {c.code for c in preflight(enc, tok, template)}


@pytest.mark.parametrize(
    "endings, eot",
    [
        (("<|im_end|>\n", "<|im_end|>\n"), "<|im_end|>"),
        (("<|end|>\n", "<|end|>\n<|endoftext|>"), "<|end|>"),  # Phi-3: "<|end|>\n<|" in common
        (("<|end|>", "<|return|>"), "<|end|>"),  # gpt-oss
        (("<|stop_a|>", "<|stop_b|>"), None),  # no whole token in common, none well known: the tokenizer's eos
    ],
)
def test_end_of_turn_probe_cuts_back_to_whole_tokens(endings, eot, smol_tokenizer):
    mid, final = endings
    source = (
        "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}"
        "{% if m.role != 'assistant' %}<|im_end|>\n{% elif loop.last %}" + final + "{% else %}" + mid + "{% endif %}"
        "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    template = get_template("custom", smol_tokenizer, source=source)
    assert template.eot == eot
    assert template.end_of_turn == (eot or smol_tokenizer.eos_token)
    assert not [t for t in missing_special_tokens(smol_tokenizer, template) if t.startswith("<|") and len(t) < 4]


def test_token_boundary():
    assert token_boundary(["<|end|><|start|>user", "<|return|>"], 2) == 0
    assert token_boundary(["<|im_end|>\n<|im_start|>", "<|im_end|>\n<|endoftext|>"], 13) == 11
    assert token_boundary(["answer<|im_end|>"], 16) == 16  # at a token's end: nothing to cut
    assert token_boundary(["[/INST] x", "[/INSTX"], 6, tokens=("[/INST]",)) == 0
    assert token_boundary(["plain text"], 5) == 5


def test_render_of_the_harmony_fixture_matches_transformers(families):
    tok, template = families["harmony"]
    messages = ROWS["reply_call_answer"]
    assert render(template, messages) == tok.apply_chat_template(hf_messages(messages, True), tokenize=False)
