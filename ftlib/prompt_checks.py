"""What a chat template puts in front of the model, checked against training.

- `check_generation_prompt` (run by `ftlib.checks.preflight` on every row; `generation_prompt_report`, once per run
  before launch): what the model generates from must be, token for token, how training's text opens every trained
  assistant turn. A trailing space in a custom template's generation prompt, SmolLM2's `\n\n` token under the llama3
  templates, or a template that writes an extra newline before a tool call (a tokenizer that knows `<tool_call>`
  merges it with the header's into one `\n\n` token) asks the model to continue from a token it never saw there.
- `added_system_note`, `template_system_text`, `builtin_taking_system`, `explain_refusal` and `ROWS_FIX`: the system
  turn as a template writes it and a template's refusal explained, held by `ftlib.system_turns` and re-exported here
  (callers import them from either).
"""

from __future__ import annotations

import os
import re

from ftlib.builtin_templates import TOOL_TEMPLATES, builtin_named
from ftlib.check_result import Check
from ftlib.errors import UserError
from ftlib.rows import uses_tools
from ftlib.system_turns import (  # re-exported: `from ftlib.prompt_checks import explain_refusal` as before
    CONTROL_MARKUP,
    FITTING,
    ROWS_FIX,
    added_system_note,
    builtin_taking_system,
    explain_refusal,
    template_system_text,
)
from ftlib.templates import (
    ChatTemplate,
    TemplateError,
    get_template,
    has_own_template,
    missing_special_tokens,
    render,
    required_special_tokens,
    token_boundary,
)
from ftlib.text_rows import template_head
from ftlib.tokens import Encoded, encode_messages, parts

# A conversation to probe a template with: its answer opens on a word, which BPE glues to a space before it.
_PROBE = (
    {"role": "user", "content": "How many grams are in half a kilogram?"},
    {"role": "assistant", "content": "The answer is 500 grams."},
)
_CONSEQUENCE = (
    "the model is asked to continue from {what} it never saw there in training, so its answers can go wrong even "
    "when the loss looks good."
)
_WHITESPACE = {" ": "space", "\n": "newline", "\n\n": "blank line"}
# Replies at each end of a row that the checks rendering a conversation up to a reply look at (`sampled_turns`).
EDGE_TURNS = 3


def _shown(pieces: list[str]) -> str:
    return " + ".join(repr(p) for p in pieces)


def turns_named(indices) -> str:
    """Messages of a conversation, given by their index in it (from 0), as every check names them: counted from 1, as
    people count and as a row's own problems are worded (`ftlib.turns`: "turn 2 (assistant) of 'messages' is empty").

    >>> turns_named([2]), turns_named([4, 2])
    ('turn 3', 'turns 3, 5')
    """
    numbers = sorted(i + 1 for i in indices)
    return f"turn{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}"


def messages_named(indices) -> str:
    """`turns_named` as "message": where a sentence is about assistant replies, "assistant turn 3" read as the third
    reply, not the third message counting the system prompt.

    >>> messages_named([2]), messages_named([4, 2])
    ('message 3', 'messages 3, 5')
    """
    return "message" + turns_named(indices).removeprefix("turn")


def replies_named(indices) -> str:
    """Assistant replies, by their index in the conversation (from 0), named so none reads as the nth reply.

    >>> replies_named([2]), replies_named([4, 2])
    ('message 3 (an assistant reply)', 'messages 3, 5 (assistant replies)')
    """
    many = len(set(indices)) > 1
    return f"{messages_named(indices)} ({'assistant replies' if many else 'an assistant reply'})"


def _turn(enc: Encoded, i: int) -> str:
    """How the message names the turn of message `i`: " message 3 (the assistant's tool call)" (counted from 1,
    `messages_named`, and what the turn writes), or "" for the only reply of a row, where there is nothing to tell
    apart."""
    message = enc.messages[i]
    if message.get("tool_calls"):
        what = "reply with a tool call" if (message.get("content") or "").strip() else "tool call"
    elif sum(m["role"] == "assistant" for m in enc.messages) == 1:
        return ""
    else:
        what = "reply with reasoning" if message.get("reasoning") else "reply"
    return f" {messages_named([i])} (the assistant's {what})"


def _reply_kind(messages: list[dict], i: int) -> tuple:
    """What a template or a tokenizer may treat differently in or before reply `i`: the turn before it (a user's, a
    tool result's), a tool call, reasoning, markup inside its text (`<think>`, a control token), and what its text
    opens on (BPE glues a generation prompt's trailing space to a word, not to a digit: a letter, a digit, a space,
    or the character itself)."""
    message, content = messages[i], messages[i].get("content")
    text = content if isinstance(content, str) else ""
    first = text[:1]
    opens = "letter" if first.isalpha() else "digit" if first.isdigit() else "space" if first.isspace() else first
    before = messages[i - 1].get("role") if i > 0 else None
    markup = bool(CONTROL_MARKUP.search(text))
    return before, bool(message.get("tool_calls")), bool(message.get("reasoning")), markup, opens


def sampled_turns(messages: list[dict], turns: list[int], edge: int = EDGE_TURNS) -> list[int]:
    """The replies of `turns` (indices into `messages`, in order) a check that renders the conversation up to each
    one looks at: the first and last `edge`, and the first of each kind (`_reply_kind`: what comes before it, a tool
    call, reasoning, markup in its text, what its text opens on). Each such render is as long as the row, so checking
    every reply grew with the square of the turns (a 600-turn row: 6.1 s of pre-flight checks); replies of one kind
    are written and split into tokens alike, so these find what checking all of them finds but for a template that
    treats a reply by its place in the middle of a long row. All of `turns` when there are no more than these.

    >>> chat = [{"role": r, "content": c} for _ in range(6) for r, c in (("user", "Q"), ("assistant", "A"))]
    >>> sampled_turns(chat, [1, 3, 5, 7, 9, 11], edge=2)
    [1, 3, 9, 11]
    >>> chat[5]["content"] = "42"  # a reply that opens on a digit: one of another kind
    >>> sampled_turns(chat, [1, 3, 5, 7, 9, 11], edge=2)
    [1, 3, 5, 9, 11]
    """
    kinds, chosen = set(), set(turns[:edge] + turns[-edge:])
    for i in turns:
        kind = _reply_kind(messages, i)
        if kind not in kinds:
            kinds.add(kind)
            chosen.add(i)
    return sorted(chosen)


def _checked_turns(enc: Encoded) -> list[int]:
    """The assistant turns whose opening the generation prompt must match: every trained one, and the last."""
    answers = [i for i, m in enumerate(enc.messages) if m["role"] == "assistant"]
    trained = {
        enc.segments[s].message for s, on in zip(enc.token_segments, enc.token_trained, strict=True) if on and s >= 0
    }
    return [i for i in answers if i > 0 and (i in trained or i == answers[-1])]


def _mismatch(enc: Encoded, tokenizer, template: ChatTemplate, i: int):
    """(prompt, its tokenization) when the generation prompt before turn `i` is not how training opens it, else None.

    An earlier turn whose context the template writes otherwise once later turns follow is left to the
    prefix-preserving check: its opening cannot be compared."""
    try:
        prompt = render(template, enc.messages[:i], add_generation_prompt=True, tools=enc.tools)
        context = render(template, enc.messages[:i], tools=enc.tools) if i < len(enc.messages) - 1 else ""
    except TemplateError:
        return None  # a template may refuse a conversation that ends on a user turn
    if not enc.text.startswith(context):
        return None
    head = template_head(prompt, template)  # the text template's BOS: its id before the rest, as training has it
    got = tokenizer(prompt[head:], add_special_tokens=False, return_offsets_mapping=True)
    if head:
        got = {
            "input_ids": [tokenizer.bos_token_id, *got["input_ids"]],
            "offset_mapping": [(0, head), *((s + head, e + head) for s, e in got["offset_mapping"])],
        }
    return None if enc.all_ids[: len(got["input_ids"])] == list(got["input_ids"]) else (prompt, got)


def _mismatched_turns(enc: Encoded, tokenizer, template: ChatTemplate) -> list[tuple[int, str, dict]]:
    """(turn, prompt, its tokenization) of each reply checked (`sampled_turns` of `_checked_turns`) that differs."""
    turns = sampled_turns(enc.messages, _checked_turns(enc))
    return [(i, *found) for i in turns if (found := _mismatch(enc, tokenizer, template, i))]


def check_no_generation_prompt(enc: Encoded, tokenizer, template: ChatTemplate) -> Check | None:
    """A template that writes no generation prompt (it ignores `add_generation_prompt`) while its replies open with
    text of their own (`<|im_start|>assistant\\n`). A reply is trained from where the generation prompt ends
    (ftlib.masks, as transformers' difference of the two renders), so with none that opening is trained as the reply's
    first words: the model learns to write its own role header, and at generation it is given none to continue from.
    The built-in `text` template writes no opening at all (TRL's prompt/completion text): nothing to say there."""
    turns = _checked_turns(enc)
    if not turns or template.name == "text":
        return None
    i = turns[0]
    try:
        context = render(template, enc.messages[:i], tools=enc.tools)
        with_prompt = render(template, enc.messages[:i], add_generation_prompt=True, tools=enc.tools)
    except TemplateError:
        return None
    if with_prompt != context:
        return None
    own = [s for s in enc.segments if s.message == i and s.kind in ("content", "reasoning", "tool_call")]
    start = min((s.start for s in own), default=None)
    opening = [s for s in enc.segments if s.message == i and s.kind == "turn_template" and s.trained]
    written = "".join(enc.text[s.start : s.end] for s in opening if start is None or s.end <= start)
    if any(s.kind == "reasoning" for s in own):  # the <think> the studio writes a reasoning in: the reply's, no header
        written = re.sub(r"<think>\s*$", "", written)
    if not written.strip():
        return None
    return Check(
        "no_generation_prompt",
        "warning",
        f"The {template.title} template writes no generation prompt (it ignores `add_generation_prompt`), so the "
        f"text that opens each reply, {written!r}, is trained as part of the reply: the model learns to write its "
        "own role header, and when it generates it is given none, so it writes the header itself first.",
        _template_fix(
            enc,
            tokenizer,
            template,
            "write the reply's opening when a generation prompt is asked for, at the end of the template: "
            f"`{{% if add_generation_prompt %}}{{{{ {written!r} }}}}{{% endif %}}`.",
            text=True,
        ),
    )


def _builtin_that_fits(enc: Encoded, tokenizer) -> str | None:
    """A built-in template that writes this row's turns, knows this tokenizer's control tokens and opens every
    trained turn as its generation prompt ends: the one to name when the model's own template does not."""
    for name in TOOL_TEMPLATES if uses_tools(enc.messages, enc.tools) else (*FITTING, *TOOL_TEMPLATES):
        template = get_template(name, tokenizer)
        if missing_special_tokens(tokenizer, template):
            continue
        try:
            other = encode_messages(enc.messages, tokenizer, template, enc.policy, None, enc.train_from, enc.tools)
        except UserError:
            continue
        if not other.dropped and not _mismatched_turns(other, tokenizer, template):
            return name
    return None


def _template_fix(enc: Encoded, tokenizer, template: ChatTemplate, fix: str, text: bool = False) -> str:
    """The fix for the template in use: a custom one is edited; the model's own is replaced by a built-in that fits
    or edited as a copy; a built-in was written for another tokenizer (`text`: the template writes other text at
    generation, whatever the tokenizer)."""
    if template.name == "custom" or (text and template.name != "tokenizer"):
        return fix[0].upper() + fix[1:]
    if template.name == "tokenizer":
        fits = _builtin_that_fits(enc, tokenizer)
        named = f" (built-in {builtin_named(fits)} does for this row)" if fits else ""
        what = (
            "writes another opening at generation than in training"
            if text
            else "writes this opening so that this tokenizer splits it differently from its generation prompt"
        )
        return (
            f"The model's own template itself {what}: pick a built-in template that writes both the same way{named}, "
            f"or copy the model's own template into a custom template and there {fix}"
        )
    said = f"The {template.title} template was not written for this tokenizer"
    copy = f"copy this one into a custom template and there {fix}"
    if has_own_template(tokenizer):
        return f"{said}: use the model's own template, or {copy}"
    fits = _builtin_that_fits(enc, tokenizer)  # the model has no template of its own to go back to
    if fits is None:
        return f"{said}, and this model has no template of its own: {copy}"
    return f"{said}: pick built-in {builtin_named(fits)} (this model has no template of its own), or {copy}"


def check_generation_prompt(enc: Encoded, tokenizer, template: ChatTemplate) -> Check | None:
    """What the model generates from must be, token for token, how training's text opens each trained reply.

    For each trained assistant turn (and the last) of a row, the first and last few and the first of each kind in a
    long one (`sampled_turns`: every turn's would grow with the square of the turns), the prompt is the
    conversation before it with the template's generation prompt, tokenized as `sampling.render_prompt` tokenizes
    it (no special tokens added: the template wrote them); its ids must be a prefix of the row's training ids. A
    generation prompt that ends in a space (`### Answer: `) is not: BPE glues the space to the reply's first word in
    training (`:` + ` The`), so at generation the model continues from a lone ` ` it never saw before an answer. Nor
    is `<|im_start|>assistant\n` where the template writes an empty reply's tool call after one more newline: a
    tokenizer that knows `<tool_call>` trains the merged `\n\n` there, and the model never learns to open a call
    from the prompt it generates from. A prompt whose text differs (a `<think>` opened only at generation) is said
    too. One warning a row: the first turn that differs, the others checked named (and how many were, when not all).
    """
    found = _mismatched_turns(enc, tokenizer, template)
    if not found:
        return None
    i, prompt, got = found[0]
    turn, others = _turn(enc, i), [j for j, *_ in found[1:]]
    also = f" The same goes for {messages_named(others)}." if others else ""
    replies = _checked_turns(enc)
    if others and len(checked := sampled_turns(enc.messages, replies)) < len(replies):
        also = (
            also[:-1]
            + f" ({len(checked)} of its {len(replies)} replies checked: the first and last few, one of each kind)."
        )
    title, ids = template.title, list(got["input_ids"])
    if not enc.text.startswith(prompt):  # the template writes other text at generation than in training
        # Quotes start and end on whole control tokens (`<｜end▁of▁sentence｜>`, not `｜end▁of▁sentence｜>`), and
        # where a word or tag starts: `<think>`, not `think>` after the `<` both texts share.
        specials = (*required_special_tokens(template), *tokenizer.all_special_tokens)
        at = len(os.path.commonprefix([prompt, enc.text]))
        at -= len(re.search(r"[^\s>]{0,40}\Z", prompt[:at])[0])
        at = token_boundary([prompt, enc.text], at, specials)
        ours = prompt[at : max(token_boundary([prompt], at + 40, specials), at + 1)]
        theirs = enc.text[at : max(token_boundary([enc.text], at + max(24, len(ours)), specials), at + 1)]
        before = prompt[token_boundary([prompt], max(0, at - 30), specials) : at]
        fix = (
            "make the generation prompt the exact text that opens an assistant turn in training (the same header, "
            "the same whitespace)."
        )
        if "<think>" in ours:
            fix += " This one opens a thinking block (<think>) that the training text lacks: train on rows with "
            fix += "reasoning, with a template that writes it, or use one whose generation prompt opens none."
        return Check(
            "generation_prompt_mismatch",
            "warning",
            f"When the model generates{turn}, the {title} template writes {ours!r} after "
            f"{before!r}, but in training the text there is {theirs!r}: " + _CONSEQUENCE.format(what="text") + also,
            _template_fix(enc, tokenizer, template, fix, text=True),
        )
    n = len(os.path.commonprefix([ids, enc.all_ids]))  # the first token that differs
    ours = [prompt[s:e] for s, e in got["offset_mapping"][n:]]
    theirs = []
    for k in range(n, len(enc.all_ids)):  # training's tokens over the same characters, up to the one that crosses
        theirs.append(enc.piece(k))
        if enc.offsets[k][1] > len(prompt):
            break
    tail, opening = prompt[len(prompt.rstrip()) :], template.generation_prompt
    if tail and opening.endswith(tail):
        what = _WHITESPACE.get(tail, repr(tail))
        # Without generation markers the studio trains the whitespace a reply opens on; with them, only what is inside.
        where = (
            "inside {% generation %} before the reply"
            if template.has_generation_tags
            else "right before the reply's text (the template has no {% generation %} markers: the studio trains "
            "the whitespace a reply opens on)"
        )
        fix = (
            f"end the generation prompt without the trailing {what}: `{opening.rstrip()}`, and put the {what} in the "
            f"assistant turn, {where}, so the model learns to write it."
        )
    else:
        fix = "end the generation prompt where a token ends in the training text: on a special token or a newline."
    after = enc.text[len(prompt) :]
    extra = after[: len(after) - len(after.lstrip())]
    if extra:  # the turn itself writes more whitespace after the header than the generation prompt ends on
        fix += (
            f" Or write {messages_named([i])} without the extra {_WHITESPACE.get(extra, repr(extra))} after its "
            f"header, so it opens on exactly the generation prompt ({_shown([tail + extra])} in training, "
            f"{tail!r} at generation)."
        )
    return Check(
        "generation_prompt_mismatch",
        "warning",
        f"When the model generates{turn}, its prompt ends with {_shown(ours)}, but in training the text there is "
        f"{_shown(theirs)} (this tokenizer splits the end of the {title} template's generation prompt differently "
        "once the turn follows it): " + _CONSEQUENCE.format(what="a token") + also,
        _template_fix(enc, tokenizer, template, fix),
    )


def generation_prompt_report(encodings: list, tokenizer, template: ChatTemplate, first: int = 5) -> list[Check]:
    """`check_generation_prompt` (or `check_no_generation_prompt`) on the first few training rows, then on a probe
    conversation whose answer opens on a word, for a run's pre-launch report: one warning at most, as the generation
    prompt is the template's."""
    chats = [p for enc in encodings[:first] for p in parts(enc).values() if p.kind not in ("text", "prompt_only")]
    if not chats:
        return []
    try:
        chats.append(encode_messages(list(_PROBE), tokenizer, template))
    except UserError:
        pass  # a template that refuses the probe is judged on the rows alone
    for part in chats:
        found = check_generation_prompt(part, tokenizer, template) or check_no_generation_prompt(
            part, tokenizer, template
        )
        if found is not None:
            return [found]
    return []


def sampling_template_warnings(tokenizer, template: ChatTemplate) -> list[str]:
    """What is wrong with generating from `template` on this tokenizer, one sentence each, for `sample` and
    `evaluate` given `--template` (a run's own template was checked before it trained; the caller says the fix):
    control tokens the tokenizer does not know (the model never read this format: SmolLM2 under the llama3 template
    writes "#" again and again), and a generation prompt that is not how training opens a reply
    (`check_generation_prompt` on a probe conversation). [] when the template fits."""
    found = []
    if missing := missing_special_tokens(tokenizer, template):
        found.append(
            f"the {template.title} template writes {', '.join(missing)}, which this model's tokenizer does not know "
            "(each is read as several ordinary tokens): the model never saw this format, so its answers say little "
            "about the model."
        )
    try:
        mismatch = check_generation_prompt(encode_messages(list(_PROBE), tokenizer, template), tokenizer, template)
    except UserError:
        mismatch = None  # a template that refuses the probe refuses the prompt too, with its own message
    if mismatch is not None:
        found.append(mismatch.message)
    return found


def builtin_for_sampling(tokenizer, other_than: str | None = None) -> str | None:
    """The first built-in template (other than `other_than`) that `sampling_template_warnings` finds nothing wrong
    with on this tokenizer: the one to name where a model has no template of its own to go back to; None if none."""
    for name in (*FITTING, *TOOL_TEMPLATES):
        if name != other_than and not sampling_template_warnings(tokenizer, get_template(name, tokenizer)):
            return name
    return None


__all__ = [
    "ROWS_FIX",
    "added_system_note",
    "builtin_for_sampling",
    "builtin_taking_system",
    "check_generation_prompt",
    "check_no_generation_prompt",
    "explain_refusal",
    "generation_prompt_report",
    "sampled_turns",
    "sampling_template_warnings",
    "template_system_text",
    "turns_named",
]
