"""Real model templates (tests/fixtures/templates, sources in SOURCES.md) on rows with tool calls, reasoning,
per-turn weights and system prompts: ftlib's text and masks against an independent reference.

The reference (`reference_spans`): render the conversation up to each assistant turn with and without the
generation prompt through transformers' `apply_chat_template` and train what lies between the two (TRL's
prompt/completion rule, on characters); where a template has `{% generation %}` tags, transformers'
`return_assistant_tokens_mask`. The reasoning of a turn is given to transformers the way ftlib documents it
(`reasoning_content` for templates that read it, `<think>` in content for the others), written out here again.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from ftlib.checks import preflight
from ftlib.rows import IGNORE_INDEX
from ftlib.templates import TemplateError, get_template, token_boundary
from ftlib.tokens import encode_messages, encode_row

FIXTURES = Path(__file__).parent / "fixtures" / "templates"

# name: (file, bos, eos, the model's control tokens, reads a reasoning field, its end-of-turn marker)
MODELS = {
    "llama3_1": (
        "llama3_1.jinja",
        "<|begin_of_text|>",
        "<|eot_id|>",
        ("<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|python_tag|>"),
        False,
        "<|eot_id|>",
    ),
    "qwen2_5": ("qwen2_5.jinja", None, "<|im_end|>", ("<|im_start|>",), False, "<|im_end|>"),
    "qwen3": ("qwen3.jinja", None, "<|im_end|>", ("<|im_start|>",), True, "<|im_end|>"),
    "deepseek_r1": (
        "deepseek_r1_distill.jinja",
        "<｜begin▁of▁sentence｜>",
        "<｜end▁of▁sentence｜>",
        ("<｜User｜>", "<｜Assistant｜>", "<｜tool▁outputs▁begin｜>", "<｜tool▁outputs▁end｜>"),
        False,
        "<｜end▁of▁sentence｜>",
    ),
    "mistral_v3": (
        "mistral_v3.jinja",
        "<s>",
        "</s>",
        ("[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]"),
        False,
        "</s>",
    ),
    "gemma": ("gemma.jinja", "<bos>", "<eos>", ("<start_of_turn>", "<end_of_turn>"), False, "<end_of_turn>"),
    "phi3": (
        "phi3.jinja",
        "<s>",
        "<|endoftext|>",
        ("<|user|>", "<|assistant|>", "<|system|>", "<|end|>"),
        False,
        "<|end|>",
    ),
}
# TRL's copies with {% generation %} tags, checked against return_assistant_tokens_mask.
TAGGED = {
    "qwen2_5_training": ("qwen2_5_training.jinja", *MODELS["qwen2_5"][1:]),
    "qwen3_training": ("qwen3_training.jinja", *MODELS["qwen3"][1:]),
    "phi3_training": ("phi3_training.jinja", *MODELS["phi3"][1:]),
    "deepseek_r1_training": ("deepseek_r1_distill_training.jinja", *MODELS["deepseek_r1"][1:]),
}

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup_tide",
            "description": "High and low tide times for a harbour.",
            "parameters": {
                "type": "object",
                "properties": {"harbour": {"type": "string", "description": "Name of the harbour"}},
                "required": ["harbour"],
            },
        },
    }
]
CALL = {"id": "tide00001", "type": "function", "function": {"name": "lookup_tide", "arguments": {"harbour": "Dover"}}}
QUESTION = {"role": "user", "content": "When is high tide in Dover?"}
RESULT = {"role": "tool", "name": "lookup_tide", "tool_call_id": "tide00001", "content": "High tide 14:05"}
ANSWER = {"role": "assistant", "content": "High tide in Dover is at 14:05."}
# The row shapes the issue names, each a canonical row as ftlib.rows defines it.
ROWS = {
    "chat": {
        "messages": [
            {"role": "system", "content": "Answer like a harbour master."},
            {"role": "user", "content": "Is the sea calm?"},
            {"role": "assistant", "content": "Calm as a millpond."},
            {"role": "user", "content": "And tomorrow?"},
            {"role": "assistant", "content": "A force 6 is due, so stay in port."},
        ]
    },
    "tool_call": {
        "messages": [QUESTION, {"role": "assistant", "content": "", "tool_calls": [CALL]}, RESULT, ANSWER],
        "tools": TOOLS,
    },
    "tool_call_with_text": {
        "messages": [
            QUESTION,
            {"role": "assistant", "content": "Let me look that up.", "tool_calls": [CALL]},
            RESULT,
            ANSWER,
        ],
        "tools": TOOLS,
    },
    "reasoning": {
        "messages": [
            {"role": "user", "content": "Is 91 prime?"},
            {"role": "assistant", "reasoning": "91 = 7 × 13, so it has divisors.", "content": "No: 91 is 7 times 13."},
        ]
    },
    "reasoning_multi": {
        "messages": [
            {"role": "user", "content": "Is 91 prime?"},
            {"role": "assistant", "reasoning": "91 = 7 × 13.", "content": "No, it is 7 times 13."},
            {"role": "user", "content": "And 97?"},
            {"role": "assistant", "reasoning": "No prime up to 9 divides 97.", "content": "Yes, 97 is prime."},
        ]
    },
    "weight_zero": {
        "messages": [
            {"role": "user", "content": "Name a knot."},
            {"role": "assistant", "content": "Granny knot.", "weight": 0},
            {"role": "user", "content": "A better one?"},
            {"role": "assistant", "content": "A reef knot holds.", "weight": 1},
        ]
    },
}


def fixture_tokenizer(smol, spec):
    """SmolLM2's tokenizer given the model's control tokens, bos/eos and chat template (as the model ships)."""
    file, bos, eos, specials, _, _ = spec
    tok = copy.deepcopy(smol)
    extra = {"additional_special_tokens": list(specials), "eos_token": eos}
    if bos:
        extra["bos_token"] = bos
    tok.add_special_tokens(extra, replace_extra_special_tokens=False)
    tok.chat_template = (FIXTURES / file).read_text(encoding="utf-8")
    return tok


@pytest.fixture(scope="module")
def tokenizers(smol_tokenizer):
    return {name: fixture_tokenizer(smol_tokenizer, spec) for name, spec in {**MODELS, **TAGGED}.items()}


# Templates that write a turn's tool calls only when its content is null (`message['content'] is none`): transformers
# is given such turns as OpenAI's API writes them, content None (given "", these templates drop every call).
NULL_CALL_CONTENT = ("deepseek_r1_distill.jinja", "deepseek_r1_distill_training.jinja")


def hf_messages(messages: list[dict], reads_reasoning: bool, tok=None) -> list[dict]:
    """The turns as transformers gets them: reasoning as `reasoning_content`, or inline <think> in content; a turn
    of tool calls only with content None where `tok`'s template is one of NULL_CALL_CONTENT."""
    null_calls = tok is not None and any(tok.chat_template == (FIXTURES / f).read_text() for f in NULL_CALL_CONTENT)
    out = []
    for original in messages:
        message = {k: v for k, v in original.items() if k not in ("weight", "reasoning")}
        if null_calls and message.get("tool_calls") and not message.get("content"):
            message["content"] = None
        reasoning = original.get("reasoning")
        if reasoning and reads_reasoning:
            message["reasoning_content"] = reasoning
        elif reasoning:
            message["content"] = f"<think>\n{reasoning.strip(chr(10))}\n</think>\n\n{message['content']}"
        out.append(message)
    return out


def hf_render(tok, messages, tools, reads_reasoning, **kw) -> str:
    given = hf_messages(messages, reads_reasoning, tok)
    if any(m.get("content", "") is None for m in given):
        return openai_render(tok, given, tools, kw.get("add_generation_prompt", False))[0]
    return tok.apply_chat_template(given, tools=tools, tokenize=False, **kw)


def openai_render(tok, messages, tools, add_generation_prompt=False):
    """(text, `{% generation %}` spans) of transformers' own compiled template given the turns as OpenAI's API writes
    them: a call-only turn's content None, arguments as JSON text. `apply_chat_template` (transformers >= 5) drops
    None-valued keys before rendering, so through it a NULL_CALL_CONTENT template fails on such turns."""
    import json

    from transformers.utils.chat_template_utils import _compile_jinja_template, _render_with_assistant_indices

    def text_arguments(call):
        return {**call, "function": {**call["function"], "arguments": json.dumps(call["function"]["arguments"])}}

    openai = [
        {**m, "tool_calls": [text_arguments(c) for c in m["tool_calls"]]} if "tool_calls" in m else m for m in messages
    ]
    compiled = _compile_jinja_template(tok.chat_template)
    return _render_with_assistant_indices(
        compiled, openai, tools, None, add_generation_prompt, **tok.special_tokens_map
    )


def _common(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _without_final_eos(text: str, tok) -> str:
    """Less a conversation-final eos that is not the end-of-turn marker (Phi-3's `<|endoftext|>`)."""
    eos, trimmed = tok.eos_token, text.rstrip()
    eot = get_template("tokenizer", tok).end_of_turn
    return trimmed[: -len(eos)] if eos != eot and trimmed.endswith(eos) else text


def reference_span(tok, messages, tools, reads_reasoning, k: int):
    """(rendered text up to turn k, [start, end) of turn k in it) by the prompt/completion difference, or None
    when the template writes the earlier conversation differently once turn k follows (the reference is then
    undefined: TRL's rule would mask the wrong characters)."""
    full = hf_render(tok, messages[: k + 1], tools, reads_reasoning)
    before = _without_final_eos(hf_render(tok, messages[:k], tools, reads_reasoning), tok) if k else ""
    if not full.startswith(before):
        return None
    prompt = hf_render(tok, messages[:k], tools, reads_reasoning, add_generation_prompt=True) if k else ""
    # In whole control tokens, as TRL compares token ids: DeepSeek's prompt "<｜Assistant｜><think>\n" and a call's
    # "<｜Assistant｜><｜tool▁calls▁begin｜>" share "<｜Assistant｜><" in characters, not in tokens.
    common = token_boundary([prompt, full], _common(prompt, full), tok.all_special_tokens)
    return full, (max(len(before), common), len(full.rstrip()))


def token_mask(tok, text: str, spans) -> tuple[list[int], list[int]]:
    out = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    mask = [int(any(s < hi and e > lo for lo, hi in spans)) for s, e in out["offset_mapping"]]
    return out["input_ids"], mask


def trained(enc) -> list[int]:
    return [int(label != IGNORE_INDEX) for label in enc.labels]


def _template(tokenizers, name):
    tok = tokenizers[name]
    return tok, get_template("tokenizer", tok)


def _refused(tok, row, reads) -> bool:
    try:
        hf_render(tok, row["messages"], row.get("tools"), reads)
    except Exception:  # the template itself refuses this conversation (roles, system turn, call ids)
        return True
    return False


@pytest.mark.parametrize("shape", ROWS)
@pytest.mark.parametrize("name", MODELS)
def test_each_turn_trains_what_the_prompt_completion_difference_trains(name, shape, tokenizers):
    tok, template = _template(tokenizers, name)
    row, reads = ROWS[shape], MODELS[name][4]
    messages, tools = row["messages"], row.get("tools")
    if _refused(tok, row, reads):
        with pytest.raises(TemplateError):
            encode_row(row, tok, template)
        return
    compared = 0
    for k, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        ref = reference_span(tok, messages, tools, reads, k)
        enc = encode_messages(messages[: k + 1], tok, template, "last_assistant", tools=tools)
        if ref is None:  # the earlier turns change: a check must say why
            codes = {c.code for c in preflight(enc, tok, template)}
            assert codes & {"system_dropped", "not_prefix_preserving", "message_dropped"}, codes
            continue
        text, span = ref
        ids, mask = token_mask(tok, text, [span] if message.get("weight", 1) != 0 else [])
        assert enc.text == text
        assert enc.input_ids == ids
        assert trained(enc) == mask, [t.text for t, m in zip(enc.tokens, mask, strict=True) if t.trained != m]
        compared += 1
    assert compared or name == "mistral_v3"


@pytest.mark.parametrize("shape", ROWS)
@pytest.mark.parametrize("name", MODELS)
def test_whole_conversation_trains_every_turn_as_its_own_difference(name, shape, tokenizers):
    """All assistant turns at once: where the template keeps earlier turns as they were (prefix-preserving), each
    turn trains its reference span; where it rewrites them, a check says so and each answer is still trained."""
    tok, template = _template(tokenizers, name)
    row, reads = ROWS[shape], MODELS[name][4]
    messages, tools = row["messages"], row.get("tools")
    if _refused(tok, row, reads):
        return
    full = hf_render(tok, messages, tools, reads)
    enc = encode_row(row, tok, template)
    assert enc.text == full
    spans, preserved = [], True
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    for k, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        ref = reference_span(tok, messages, tools, reads, k)
        head = _without_final_eos(ref[0], tok) if ref and k < last else ref and ref[0]
        if ref is None or not full.startswith(head):
            preserved = False
            continue
        if message.get("weight", 1) != 0:
            spans.append((ref[1][0], len(head.rstrip()) if k < last else ref[1][1]))
    checks = {c.code for c in preflight(enc, tok, template)}
    if preserved:
        ids, mask = token_mask(tok, full, spans)
        assert enc.input_ids == ids
        assert trained(enc) == mask, [t.text for t, m in zip(enc.tokens, mask, strict=True) if t.trained != m]
        assert "not_prefix_preserving" not in checks
    else:
        assert checks & {"not_prefix_preserving", "system_dropped", "reasoning_dropped"}, checks
    for i, message in enumerate(messages):  # every answer written is trained, whatever the template did
        if message["role"] == "assistant" and message["content"] and message.get("weight", 1) != 0:
            got = "".join(t.text for t in enc.tokens if t.trained and t.message == i)
            if "content" not in {d["what"] for d in enc.dropped if d["message"] == i}:
                assert message["content"].strip() in got


@pytest.mark.parametrize("shape", ROWS)
@pytest.mark.parametrize("name", TAGGED)
def test_generation_tags_agree_with_transformers_assistant_mask(name, shape, tokenizers):
    tok, template = _template(tokenizers, name)
    assert template.has_generation_tags
    row, reads = ROWS[shape], TAGGED[name][4]
    if _refused(tok, row, reads):
        return
    given = hf_messages(row["messages"], reads, tok)
    enc = encode_row(row, tok, template)
    if any(m.get("content", "") is None for m in given):  # transformers' template, OpenAI's turns (openai_render)
        text, generations = openai_render(tok, given, row.get("tools"))
        ids, expected = token_mask(tok, text, generations)
        assert enc.input_ids == ids
    else:
        out = tok.apply_chat_template(
            given, tools=row.get("tools"), tokenize=True, return_dict=True, return_assistant_tokens_mask=True
        )
        assert enc.input_ids == out["input_ids"]
        expected = list(out["assistant_masks"])
    for t in enc.tokens:  # a weight-0 turn is masked although the template tags it
        if t.message is not None and row["messages"][t.message].get("weight", 1) == 0:
            expected[t.index] = 0
    assert trained(enc) == expected


@pytest.mark.parametrize("name", [*MODELS, *TAGGED])
def test_end_of_turn_and_reasoning_field_are_read_from_the_template(name, tokenizers):
    _, template = _template(tokenizers, name)
    spec = {**MODELS, **TAGGED}[name]
    assert template.end_of_turn == spec[5]
    assert template.reads_reasoning == spec[4]
    assert template.source == (FIXTURES / spec[0]).read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------ what the checks say


def _codes(tok, template, row) -> dict:
    return {c.code: c for c in preflight(encode_row(row, tok, template), tok, template)}


@pytest.mark.parametrize("name", [*MODELS, *TAGGED])
def test_only_a_template_that_writes_calls_under_null_content_is_given_it(name, tokenizers):
    _, template = _template(tokenizers, name)
    assert template.calls_need_null_content == ({**MODELS, **TAGGED}[name][0] in NULL_CALL_CONTENT)


@pytest.mark.parametrize("name", ["deepseek_r1", "deepseek_r1_training"])
def test_deepseek_writes_and_trains_a_turn_that_only_calls_a_tool(name, tokenizers):
    """DeepSeek-R1 writes a turn's tool calls only when its content is null: given "" (how rows hold a call-only
    turn) it dropped every call, and the row was refused. Given None, the call is written and trained from the
    `<｜tool▁calls▁begin｜>` that follows `<｜Assistant｜>` (the model writes it) to the end of the call; the training
    variant trains its `{% generation %}` block, which holds `<｜Assistant｜>` too."""
    tok, template = _template(tokenizers, name)
    enc = encode_row(ROWS["tool_call"], tok, template)
    assert "tool_calls_dropped" not in _codes(tok, template, ROWS["tool_call"])
    call = "".join(t.text for t in enc.tokens if t.trained and t.message == 1)
    header = "<｜Assistant｜>" if template.has_generation_tags else ""
    assert call.startswith(f"{header}<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>lookup_tide")
    assert '{"harbour": "Dover"}' in call and call.endswith("<｜tool▁call▁end｜>")


def test_deepseek_end_of_sentence_is_the_trained_end_of_turn(tokenizers):
    tok, template = _template(tokenizers, "deepseek_r1")
    enc = encode_row(ROWS["chat"] | {"messages": ROWS["chat"]["messages"][1:]}, tok, template)
    eots = [t for t in enc.tokens if t.segment == "end_of_turn"]
    assert [t.text for t in eots] == ["<｜end▁of▁sentence｜>"] * 2
    assert all(t.trained and t.special for t in eots)


@pytest.mark.parametrize("name", ["deepseek_r1", "qwen3"])
def test_a_template_that_drops_reasoning_says_so_and_trains_the_rest(name, tokenizers):
    tok, template = _template(tokenizers, name)
    checks = _codes(tok, template, ROWS["reasoning_multi"])
    # DeepSeek-R1 drops it from every turn; Qwen3 keeps the turn after the last user message.
    dropped = "messages 2, 4" if name == "deepseek_r1" else "message 2:"
    assert dropped in checks["reasoning_dropped"].message
    assert "will not learn to think there" in checks["reasoning_dropped"].message
    assert "one row per assistant turn" in checks["reasoning_dropped"].fix


def test_a_think_only_turn_never_trains_nothing_silently(tokenizers):
    """A reply that is all reasoning, under a template that strips reasoning: its end of turn is still trained
    (as the prompt/completion difference trains it) and a check names what was lost."""
    tok, template = _template(tokenizers, "deepseek_r1")
    inline = {"role": "assistant", "content": "<think>hmm</think>"}
    split = {"role": "assistant", "reasoning": "hmm", "content": ""}
    for reply in (inline, split):
        row = {"messages": [{"role": "user", "content": "Think."}, reply]}
        enc = encode_row(row, tok, template)
        assert "hmm" not in enc.text
        # ("\n\n" too for the split reasoning: it is given as "<think>\n...\n</think>\n\n", DeepSeek keeps the tail)
        assert "".join(t.text for t in enc.tokens if t.trained).strip() == "<｜end▁of▁sentence｜>"
        assert "will not learn to think there" in _codes(tok, template, row)["reasoning_dropped"].message
    # Reasoning inline before an answer: the answer is what the template kept, and it is trained.
    row = {
        "messages": [{"role": "user", "content": "Think."}, {"role": "assistant", "content": "<think>hmm</think>Yes."}]
    }
    enc = encode_row(row, tok, template)
    assert "".join(t.text for t in enc.tokens if t.trained) == "Yes.<｜end▁of▁sentence｜>"
    assert "reasoning_dropped" in _codes(tok, template, row)


def test_phi3_final_eos_is_no_rewrite(tokenizers):
    tok, template = _template(tokenizers, "phi3")
    enc = encode_row(ROWS["chat"], tok, template)
    assert enc.text.endswith("<|end|>\n<|endoftext|>")
    assert "not_prefix_preserving" not in _codes(tok, template, ROWS["chat"])
    last = [t for t in enc.tokens if t.trained][-1]
    assert (last.text, last.segment) == ("<|endoftext|>", "end_of_conversation")


# Written for this test: the system message goes only into a user turn that is the conversation's last message,
# as Mistral-7B-Instruct-v0.3's hub template does, so a row ending with the assistant loses it.
SYSTEM_ONLY_IN_A_FINAL_USER_TURN = (
    "{{- bos_token }}{%- for m in messages %}{%- if m['role'] == 'user' %}"
    "{%- if loop.last and messages[0]['role'] == 'system' %}{{- '[INST] ' + messages[0]['content'] + '\\n\\n' + "
    "m['content'] + '[/INST]' }}{%- else %}{{- '[INST] ' + m['content'] + '[/INST]' }}{%- endif %}"
    "{%- elif m['role'] == 'assistant' %}{{- ' ' + m['content'] + eos_token }}{%- endif %}{%- endfor %}"
)


def test_a_template_dropping_the_system_message_is_a_clear_warning(tokenizers):
    tok, _ = _template(tokenizers, "mistral_v3")  # a tokenizer that knows [INST] and [/INST]
    template = get_template("custom", tok, source=SYSTEM_ONLY_IN_A_FINAL_USER_TURN)
    checks = _codes(tok, template, ROWS["chat"])
    assert "Answer like a harbour master." not in encode_row(ROWS["chat"], tok, template).text
    assert checks["system_dropped"].severity == "warning"
    assert "system message" in checks["system_dropped"].message


def test_llama31_writes_only_the_call_and_says_the_reply_is_lost(tokenizers):
    tok, template = _template(tokenizers, "llama3_1")
    checks = _codes(tok, template, ROWS["tool_call_with_text"])
    assert "Let me look that up." not in encode_row(ROWS["tool_call_with_text"], tok, template).text
    assert "reply_dropped" in checks


@pytest.mark.parametrize("name", ["qwen2_5", "llama3_1"])
def test_an_end_of_turn_marker_quoted_in_a_calls_arguments_does_not_end_the_turn(name, tokenizers):
    """Only a call's name is located, its arguments follow it: the turn ended at a marker they quote, leaving the
    rest of the call (`"}}\n</tool_call><|im_end|>`) untrained and the control token in the call unchecked."""
    tok, template = _template(tokenizers, name)
    eot = MODELS[name][5]
    call = {**CALL, "function": {"name": "lookup_tide", "arguments": {"harbour": f"Dover{eot}"}}}
    messages = [QUESTION, {"role": "assistant", "content": "", "tool_calls": [call]}, RESULT, ANSWER]
    text, span = reference_span(tok, messages, TOOLS, False, 1)
    enc = encode_messages(messages[:2], tok, template, "last_assistant", tools=TOOLS)
    assert enc.text == text
    assert trained(enc) == token_mask(tok, text, [span])[1]
    whole = encode_row({"messages": messages, "tools": TOOLS}, tok, template)
    assert "".join(t.text for t in whole.tokens if t.trained and t.message == 1).endswith(
        f'Dover{eot}"}}}}' + ("\n</tool_call>" if name == "qwen2_5" else "") + eot
    )
    assert "control_token_in_text" in {c.code for c in preflight(whole, tok, template)}


@pytest.mark.parametrize("shape", ["in an argument's name", "in the first of two calls", "in the last of two calls"])
def test_a_marker_in_a_calls_argument_name_or_in_either_of_two_calls_does_not_end_the_turn(shape, tokenizers):
    """As above, where the marker is quoted in an argument's key, or in one of two calls: the markers skipped are the
    ones in the call whose name ends the turn's located parts (the last call), its keys counted as its values."""
    tok, template = _template(tokenizers, "qwen2_5")
    eot = MODELS["qwen2_5"][5]
    quoting = {**CALL, "function": {"name": "lookup_tide", "arguments": {f"harbour{eot}": "Dover"}}}
    plain = {**CALL, "id": "tide00002", "function": {"name": "lookup_tide", "arguments": {"harbour": "Calais"}}}
    calls = {
        "in an argument's name": [quoting],
        "in the first of two calls": [
            {**quoting, "function": {**CALL["function"], "arguments": {"harbour": eot}}},
            plain,
        ],
        "in the last of two calls": [
            plain,
            {**quoting, "function": {**CALL["function"], "arguments": {"harbour": eot}}},
        ],
    }[shape]
    messages = [QUESTION, {"role": "assistant", "content": "", "tool_calls": calls}, RESULT, ANSWER]
    text, span = reference_span(tok, messages, TOOLS, False, 1)
    enc = encode_messages(messages[:2], tok, template, "last_assistant", tools=TOOLS)
    assert enc.text == text
    assert trained(enc) == token_mask(tok, text, [span])[1]
    whole = encode_row({"messages": messages, "tools": TOOLS}, tok, template)
    assert "".join(t.text for t in whole.tokens if t.trained and t.message == 1).endswith("}}\n</tool_call>" + eot)


# -- the system message a template adds by itself (walk-view, walkthrough 11) ------------------------------------
# Each published template's own default, as its hub file writes it; None where it adds none (Llama-3.1's dates sit
# outside the message, Gemma has no system turn).
ADDED_SYSTEM = {
    "qwen2_5": "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
    "qwen2_5_training": "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
    "llama3_1": None,
    "qwen3": None,
    "gemma": None,
    "phi3": None,
    "mistral_v3": None,
    "deepseek_r1": None,
}


@pytest.mark.parametrize("name", sorted(ADDED_SYSTEM))
@pytest.mark.parametrize("with_tools", [False, True])
def test_the_default_system_message_a_template_adds_is_found_by_rendering(name, with_tools, tokenizers):
    from ftlib.masks import added_system_prompt

    tok, template = _template(tokenizers, name)
    row = ROWS["tool_call"] if with_tools else ROWS["chat"]
    turns = [m for m in row["messages"] if m["role"] != "system"]
    tools = row.get("tools")
    added = added_system_prompt(template, turns, tools)
    assert added == ADDED_SYSTEM[name]
    own = [{"role": "system", "content": "Answer like a harbour master."}, *turns]
    if added:  # the reference: transformers writes it without a system turn, and not once the row has one
        assert added in hf_render(tok, turns, tools, template.reads_reasoning)
        assert added not in hf_render(tok, own, tools, template.reads_reasoning)
    assert added_system_prompt(template, own, tools) is None  # a row with its own system message


@pytest.mark.parametrize("shape", ["chat", "reasoning", "reasoning_multi", "weight_zero", "tool_call"])
@pytest.mark.parametrize("name", TAGGED)
def test_completion_only_on_tagged_templates_equals_trls_prompt_completion_mask(name, shape, tokenizers):
    """TRL's prompt/completion loss masks the prompt rendered with the generation prompt, whatever the template tags:
    TRL's Qwen2.5 training template opens its block after `assistant` and before the header's `\\n`, and
    completion_only trained that `\\n` (a cold review; the built-ins' test missed it)."""
    from trl.data_utils import common_prefix_length

    tok, template = _template(tokenizers, name)
    row, reads = ROWS[shape], TAGGED[name][4]
    messages = row["messages"]
    kwargs = {"tokenize": True, "return_dict": True}
    given = hf_messages(messages, reads, tok)
    if _refused(tok, row, reads):
        return

    def ids(turns, add_generation_prompt=False):
        if any(m.get("content", "") is None for m in turns):  # DeepSeek's call-only turn (see openai_render)
            text = openai_render(tok, turns, row.get("tools"), add_generation_prompt)[0]
            return tok(text, add_special_tokens=False)["input_ids"]
        return tok.apply_chat_template(
            turns, tools=row.get("tools"), add_generation_prompt=add_generation_prompt, **kwargs
        )["input_ids"]

    prompt_ids, full_ids = ids(given[:-1], add_generation_prompt=True), ids(given)
    enc = encode_messages(messages, tok, template, "completion_only", tools=row.get("tools"))
    if enc.input_ids != full_ids:  # Qwen3 rewrites earlier reasoning: no single prompt/completion difference
        assert {c.code for c in preflight(enc, tok, template)} & {"not_prefix_preserving", "reasoning_dropped"}
        return
    start = common_prefix_length(prompt_ids, full_ids)
    assert trained(enc) == [0] * start + [1] * (len(full_ids) - start)


@pytest.mark.parametrize("shape", ROWS)
@pytest.mark.parametrize("name", [*MODELS, *TAGGED])
def test_published_templates_never_hear_the_words_for_broken_custom_ones(name, shape, tokenizers):
    """Turns written back to back, a system message under the assistant's header, a message in another form, no
    end-of-turn marker: checks for custom templates (tests/test_template_check_truth.py) that no real one earns."""
    tok, template = _template(tokenizers, name)
    try:
        checks = _codes(tok, template, ROWS[shape])
    except TemplateError:
        return  # refused (Gemma's system turn, Mistral's roles): said as the template says it
    assert not {"text_joins_turns", "system_as_assistant"} & set(checks), sorted(checks)
    said = " ".join(c.message for c in checks.values())
    assert "another form" not in said and "writes no end-of-turn marker" not in said, said
