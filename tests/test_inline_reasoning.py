"""Reasoning written inline in an assistant's content (`"<think>Plan.</think>Answer."`, as distilled-reasoning
datasets publish it) reaches the chat template as the dataset wrote it, while the studio still knows the span.

The reference is transformers' `apply_chat_template` on the messages as the file wrote them (the text), and the
prompt/completion difference on them (the trained characters of each turn). Reasoning in its own field keeps being
given as documented: `reasoning_content` to templates that read it, `<think>\\n...\\n</think>\\n\\n` written into
the content for the others. Templates: the real DeepSeek-R1-distill, Qwen3 and Gemma ones (tests/fixtures), and
small ones in their styles written here.
"""

from __future__ import annotations

import copy
import json

import pytest

from ftlib.checks import preflight
from ftlib.data import load_file
from ftlib.rows import IGNORE_INDEX
from ftlib.template_input import TemplateError
from ftlib.templates import get_template, render
from ftlib.tokens import encode_messages, encode_row
from ftlib.turns import RowProblem, parse_messages, split_think, split_think_as_written
from tests.test_template_fixtures import MODELS, fixture_tokenizer, hf_messages

# In the styles of DeepSeek-R1 (keeps what follows the last </think>), Qwen3 (reads `reasoning_content`, else splits
# <think> off the content; keeps the thinking only after the last user turn) and ChatML (content verbatim).
R1_STYLE = (
    "{{ bos_token }}{% for m in messages %}{% if m.role == 'user' %}{{ '<｜User｜>' + m.content }}"
    "{% elif m.role == 'assistant' %}{% set c = m.content %}{% if '</think>' in c %}"
    "{% set c = c.split('</think>')[-1] %}{% endif %}{{ '<｜Assistant｜>' + c + '<｜end▁of▁sentence｜>' }}"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{% endif %}"
)
QWEN3_STYLE = (
    "{%- set ns = namespace(last=-1) %}"
    "{%- for m in messages[::-1] %}{%- if m.role == 'user' and ns.last < 0 %}"
    "{%- set ns.last = messages|length - 1 - loop.index0 %}{%- endif %}{%- endfor %}"
    "{%- for m in messages %}"
    "{%- if m.role == 'user' %}{{- '<|im_start|>user\\n' + m.content + '<|im_end|>\\n' }}"
    "{%- elif m.role == 'assistant' %}{%- set content = m.content %}{%- set reasoning = '' %}"
    "{%- if m.reasoning_content is string %}{%- set reasoning = m.reasoning_content %}"
    "{%- elif '</think>' in content %}"
    "{%- set reasoning = content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}"
    "{%- set content = content.split('</think>')[-1].lstrip('\\n') %}{%- endif %}"
    "{%- if loop.index0 > ns.last and (loop.last or reasoning) %}"
    "{{- '<|im_start|>assistant\\n<think>\\n' + reasoning.strip('\\n') + '\\n</think>\\n\\n' }}"
    "{{- content.lstrip('\\n') }}"
    "{%- else %}{{- '<|im_start|>assistant\\n' + content }}{%- endif %}{{- '<|im_end|>\\n' }}"
    "{%- endif %}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
CHATML = (
    "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
OWN = {"r1_style": R1_STYLE, "qwen3_style": QWEN3_STYLE, "chatml": CHATML}
REAL = ("deepseek_r1", "qwen3", "gemma")
# Which templates keep the reasoning of the conversation's last turn in the text.
KEEPS_LAST = {"qwen3", "gemma", "qwen3_style", "chatml"}

Q1, Q2 = {"role": "user", "content": "Is 91 prime?"}, {"role": "user", "content": "And 97?"}
ROWS = {
    "tight": [Q1, {"role": "assistant", "content": "<think>91 = 7 x 13.</think>No, 7 x 13."}],
    "spaced": [Q1, {"role": "assistant", "content": "<think>\n91 = 7 x 13.\n</think>\n\nNo, 7 x 13."}],
    "odd_space": [Q1, {"role": "assistant", "content": "  <think> 91 = 7 x 13. \n\n</think>\n No, 7 x 13.\n"}],
    "empty_think": [Q1, {"role": "assistant", "content": "<think>\n\n</think>\n\nNo, 7 x 13."}],
    "multi": [
        Q1,
        {"role": "assistant", "content": "<think>91 = 7 x 13.</think>No, 7 x 13."},
        Q2,
        {"role": "assistant", "content": "<think>\nNo prime up to 9 divides 97.\n</think>\n\nYes."},
    ],
    "mid_content": [Q1, {"role": "assistant", "content": "Let me see. <think>7 x 13</think> No."}],
    "parts": [Q1, {"role": "assistant", "content": [{"type": "text", "text": "<think>7 x 13.</think>No."}]}],
}
# Reasoning in its own field, alone and beside an inline turn: given as the template reads reasoning.
FIELD_ROWS = {
    "field": [Q1, {"role": "assistant", "reasoning_content": "91 = 7 x 13.", "content": "No, 7 x 13."}],
    "mixed": [
        Q1,
        {"role": "assistant", "reasoning_content": "91 = 7 x 13.", "content": "No, 7 x 13."},
        Q2,
        {"role": "assistant", "content": "<think>Nothing up to 9 divides 97.</think>Yes."},
    ],
}


def _own(smol, source):
    tok = copy.deepcopy(smol)
    tok.chat_template = source
    return tok


@pytest.fixture(scope="module")
def tokenizers(smol_tokenizer):
    out = {name: fixture_tokenizer(smol_tokenizer, MODELS[name]) for name in REAL}
    out.update({name: _own(smol_tokenizer, source) for name, source in OWN.items()})
    return out


def _hf(raw: list[dict], reads: bool) -> list[dict]:
    """The messages transformers gets: as the file wrote them; a reasoning field as the studio documents it
    (`hf_messages` of the fixtures' tests)."""
    out = []
    for message in raw:
        message = dict(message)
        if isinstance(message.get("content"), list):
            message["content"] = "".join(p["text"] for p in message["content"])
        if "reasoning_content" in message:
            message["reasoning"] = message.pop("reasoning_content")
        out.append(message)
    return hf_messages(out, reads)


def _common(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _trained_chars(enc) -> str:
    return "".join(t.text for t in enc.tokens if t.trained)


def _case(tokenizers, name, raw):
    tok = tokenizers[name]
    template = get_template("tokenizer", tok)
    return tok, template, parse_messages(raw, "messages"), _hf(raw, template.reads_reasoning)


@pytest.mark.parametrize("shape", [*ROWS, *FIELD_ROWS])
@pytest.mark.parametrize("name", [*REAL, *OWN])
def test_the_text_is_what_transformers_renders_from_the_same_messages(name, shape, tokenizers):
    tok, template, turns, hf = _case(tokenizers, name, {**ROWS, **FIELD_ROWS}[shape])
    expected = tok.apply_chat_template(hf, tokenize=False)
    assert render(template, turns) == expected
    enc = encode_row({"messages": turns}, tok, template)
    assert enc.text == expected
    assert enc.input_ids == tok(expected, add_special_tokens=False)["input_ids"]


@pytest.mark.parametrize("shape", [*ROWS, *FIELD_ROWS])
@pytest.mark.parametrize("name", [*REAL, *OWN])
def test_each_turn_trains_the_prompt_completion_difference(name, shape, tokenizers):
    tok, template, turns, hf = _case(tokenizers, name, {**ROWS, **FIELD_ROWS}[shape])
    for k, turn in enumerate(turns):
        if turn["role"] != "assistant":
            continue
        full = tok.apply_chat_template(hf[: k + 1], tokenize=False)
        prompt = tok.apply_chat_template(hf[:k], tokenize=False, add_generation_prompt=True)
        before = tok.apply_chat_template(hf[:k], tokenize=False)
        assert full.startswith(before)
        start = max(len(before), _common(prompt, full))
        enc = encode_messages(turns[: k + 1], tok, template, "last_assistant")
        assert enc.text == full
        out = tok(full, add_special_tokens=False, return_offsets_mapping=True)
        mask = [int(s < len(full.rstrip()) and e > start) for s, e in out["offset_mapping"]]
        assert [int(label != IGNORE_INDEX) for label in enc.labels] == mask, _trained_chars(enc)


def test_deepseek_r1_trains_no_blank_line_the_data_does_not_have(tokenizers):
    """The reviewer's case: DeepSeek-R1's template strips up to </think>; the answer follows its header at once."""
    for name in ("deepseek_r1", "r1_style"):
        tok, template, turns, _ = _case(tokenizers, name, ROWS["tight"])
        enc = encode_row({"messages": turns}, tok, template)
        assert enc.text.endswith("<｜Assistant｜>No, 7 x 13.<｜end▁of▁sentence｜>")
        assert _trained_chars(enc) == "No, 7 x 13.<｜end▁of▁sentence｜>"
        checks = {c.code: c for c in preflight(enc, tok, template)}
        assert "will not learn to think there" in checks["reasoning_dropped"].message


@pytest.mark.parametrize("name", sorted(KEEPS_LAST))
@pytest.mark.parametrize("shape", ["tight", "spaced", "odd_space", "multi", "parts", "mixed"])
def test_the_reasoning_kept_in_the_text_is_labelled_reasoning(name, shape, tokenizers):
    tok, template, turns, _ = _case(tokenizers, name, {**ROWS, **FIELD_ROWS}[shape])
    enc = encode_row({"messages": turns}, tok, template)
    last = len(turns) - 1
    reasoning = "".join(t.text for t in enc.tokens if t.segment == "reasoning" and t.message == last)
    assert reasoning.strip() == turns[last]["reasoning"].strip()
    answer = "".join(t.text for t in enc.tokens if t.segment == "content" and t.message == last)
    assert answer.strip() == turns[last]["content"].strip()
    assert all(t.trained for t in enc.tokens if t.message == last and t.segment in ("reasoning", "content"))
    dropped = {c.code: c.message for c in preflight(enc, tok, template)}.get("reasoning_dropped")
    assert dropped is None or f"turn {last + 1}" not in dropped  # Qwen3 drops only the earlier turns' thinking


def test_qwen3_drops_the_earlier_turns_thinking_and_says_so(tokenizers):
    for name in ("qwen3", "qwen3_style"):
        tok, template, turns, _ = _case(tokenizers, name, ROWS["multi"])
        enc = encode_row({"messages": turns}, tok, template)
        assert "91 = 7 x 13." not in enc.text and "No prime up to 9 divides 97." in enc.text
        assert "message 2:" in {c.code: c for c in preflight(enc, tok, template)}["reasoning_dropped"].message


# --- what the data layer keeps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "<think>Plan.</think>Answer.",
        "<think>\nPlan.\n</think>\n\nAnswer.",
        "  <think> Plan \n\n</think>\n Answer\n",
        "<think>\n\n</think>\n\nAnswer.",
        "<think></think>Answer.",
        "<think>\nline one\n\nline two\n</think>Answer.",
    ],
)
def test_split_as_written_puts_the_content_back_together(content):
    reasoning, answer, (before, after) = split_think_as_written(content)
    assert (reasoning, answer) == split_think(content)
    assert before + reasoning + after + answer == content
    assert before.rstrip("\n").endswith("<think>") and "</think>" in after


def test_canonical_turns_keep_the_text_around_inline_reasoning_only():
    turns = parse_messages(ROWS["spaced"] + FIELD_ROWS["field"][1:] + ROWS["parts"][1:], "messages")
    assert turns[1] == {
        "role": "assistant",
        "content": "No, 7 x 13.",
        "reasoning": "91 = 7 x 13.",
        "inline_think": ["<think>\n", "\n</think>\n\n"],
    }
    assert "inline_think" not in turns[2]  # a reasoning field: given as the template reads reasoning
    assert turns[3]["inline_think"] == ["<think>", "</think>"] and turns[3]["content"] == "No."
    # A <think> block beside a reasoning field or part that says the same is that reasoning: split off, as before.
    same = {"role": "assistant", "reasoning_content": "Plan.", "content": "<think>Plan.</think>Answer."}
    assert parse_messages([Q1, same], "m")[1] == {"role": "assistant", "content": "Answer.", "reasoning": "Plan."}
    parts = [{"type": "reasoning", "text": "Plan."}, {"type": "text", "text": "<think>Plan.</think>Answer."}]
    assert "inline_think" not in parse_messages([Q1, {"role": "assistant", "content": parts}], "m")[1]
    # Not at the start: no reasoning, the content as written (the template decides what to do with it).
    assert parse_messages(ROWS["mid_content"], "m")[1] == ROWS["mid_content"][1]


@pytest.mark.parametrize(
    "content, refusal",
    [
        ("<think>hmm, 42", "never closes"),
        ("<think>only thoughts</think>", "reasoning but no answer"),
        ("<think>\n\n</think>\n\n", "reasoning but no answer"),
        ("<think>a</think>x<think>b</think>y", "more than one <think> block"),
    ],
)
def test_inline_reasoning_refusals_stay(content, refusal):
    with pytest.raises(RowProblem, match=refusal):
        parse_messages([Q1, {"role": "assistant", "content": content}], "messages")


def test_a_tool_call_after_inline_reasoning_keeps_it_as_written(tokenizers):
    call = {"type": "function", "function": {"name": "divisors", "arguments": {"n": 91}}}
    raw = [Q1, {"role": "assistant", "content": "<think>Ask the tool.</think>", "tool_calls": [call]}]
    turns = parse_messages(raw, "messages")
    assert turns[1]["content"] == "" and turns[1]["inline_think"] == ["<think>", "</think>"]
    tok = tokenizers["qwen3"]
    template = get_template("tokenizer", tok)
    assert render(template, turns) == tok.apply_chat_template(raw, tokenize=False)
    enc = encode_row({"messages": turns}, tok, template)
    assert "".join(t.text for t in enc.tokens if t.segment == "reasoning") == "Ask the tool."


def test_saved_rows_read_again_are_the_same_rows(tmp_path, tokenizers):
    rows = [{"messages": parse_messages(ROWS[s], "messages")} for s in ("tight", "odd_space", "empty_think", "multi")]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = load_file(path)
    assert result.rows == rows and not result.errors
    # the four rows' blocks are in layouts of their own: the one notice says so (data_stats.reasoning_layout_note)
    assert [n.message.split(":")[0] for n in result.notices] == [
        "Reasoning written inline in the content is in 2 layouts, each kept as written by a chat template with no "
        "place for reasoning (the default model's)"
    ]
    tok = tokenizers["chatml"]
    assert render(get_template("tokenizer", tok), rows[1]["messages"]) == tok.apply_chat_template(
        ROWS["odd_space"], tokenize=False
    )


@pytest.mark.parametrize("wrap", [["<b>", "</b>"], ["<think>", "</think>", ""], "<think>", ["<think>", 7]])
def test_a_malformed_inline_think_is_refused(wrap):
    turn = {"role": "assistant", "content": "No.", "reasoning": "7 x 13.", "inline_think": wrap}
    with pytest.raises(RowProblem, match="inline_think"):
        parse_messages([Q1, turn], "messages")
    with pytest.raises(TemplateError, match="inline_think"):
        render(get_template("chatml"), [Q1, turn])


@pytest.mark.parametrize("shape", ["tight", "spaced", "multi"])
@pytest.mark.parametrize("name", ["deepseek_r1", "r1_style", "qwen3_style"])
def test_the_data_pages_lengths_render_inline_reasoning_as_written(name, shape, tokenizers):
    """The Data page's token lengths (`data_stats.render_row`, the tokenizer's own template) gave inline reasoning
    as `reasoning_content` with the `inline_think` key beside it: other text than training's."""
    from ftlib.data_stats import render_row

    tok, template, turns, _ = _case(tokenizers, name, ROWS[shape])
    assert render_row({"messages": turns}, tok) == tok.apply_chat_template(ROWS[shape], tokenize=False)
    assert render_row({"messages": turns}, tok) == encode_messages(turns, tok, template).text
