"""Which characters of a rendered conversation are trained, and why: labelled character spans (`Segment`).

    segments, trained_from = build_segments(rendered, template, messages, policy, train_from, tools)
    token_segment, token_trained = assign(offsets, segments, trained_from)     # one entry per token

An assistant turn is trained from where the model starts writing to the end of its end-of-turn marker:
- with `{% generation %}` tags, the tagged block(s) around the turn's parts (the template says what is trained);
- without tags, from the end of the template's generation prompt (what `add_generation_prompt` writes before a
  reply, e.g. `<|im_start|>assistant\\n`) to the end of the end-of-turn marker after the turn's last part, and
  for the conversation's last turn the template's final eos after it (Phi-3 writes `<|end|>\\n<|endoftext|>`);
  a turn the marker does not close (a call ending in Llama-3.1's `<|eom_id|>` or gpt-oss's `<|call|>`) to where
  the template's text of the turn ends, read off renders of the conversation up to it (`_written_end`).
This equals taking the difference between the conversation rendered up to the turn with and without the
generation prompt (tests/test_template_fixtures.py checks it against transformers), but reads it off one
render of the whole conversation, so templates that rewrite earlier turns (Qwen3) do not shift it.

Inside a turn each character is its reasoning, its reply or a tool call (where templates.render_spans found
them), its end-of-turn marker, or text the template writes inside the turn (`<think>` lines, `<tool_call>`
wrappers), which the model must write too. Tool results, tool schemas, system and user text are never trained;
the row's tool schemas are named as such where their JSON is found as the template wrote it (schema_spans), else
they stay the template's text.

What a template leaves out of a row (`dropped_parts`) and the system message it adds to a row without one
(`added_system_prompt`) are read off renders here too.

Not known here: tokenization (tokens.py), what is wrong with a row (checks.py), the reasons' words
(mask_reasons.py, re-exported here).
"""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass

from ftlib.mask_reasons import (
    FIRST_TOKEN,
    MASKED_WHY,
    TAGGED_BLOCK,
    TAGGED_TEMPLATE_TEXT,
    TEXT_REASONS,
    TEXT_TEMPLATE,
    TEXT_TRAINED,
    TEXT_WHAT,
    TOOL_SCHEMAS,
    TRAINED,
    WHAT,
    pushed_down,
    tagged_but_masked,
    what_of,
)
from ftlib.schema_spans import schema_spans
from ftlib.template_input import call_name
from ftlib.templates import (
    ChatTemplate,
    Rendered,
    TemplateError,
    ends_in_control_token,
    render,
    required_special_tokens,
    token_boundary,
)

POLICIES = ("all_assistant", "last_assistant", "completion_only", "everything")


@dataclass
class Segment:
    """A character span of the rendered text and what it is."""

    start: int
    end: int
    role: str  # message role, "tools" for the row's tool schemas, or "template" for scaffolding
    # "content" | "reasoning" | "tool_call" | "end_of_turn" | "end_of_conversation" | "turn_template" | "template"
    # | "tool_schema"
    kind: str
    message: int | None
    trained: bool
    reason: str


def located_parts(rendered: Rendered, i: int) -> list[tuple[int, int, str]]:
    """(start, end, kind) of message i's parts found in the text: reasoning, content, each tool call's name."""
    content = rendered.contents[i]
    reasoning = rendered.reasonings[i] if i < len(rendered.reasonings) else None
    calls = rendered.calls[i] if i < len(rendered.calls) else []
    if reasoning is None and not calls:  # the common turn: its content alone
        return [] if content is None else [(*content, "content")]
    parts = []
    if reasoning is not None:
        parts.append((*reasoning, "reasoning"))
    # An empty reply beside reasoning or tool calls is not located (it was not marked); one alone is, at zero width.
    if content is not None and (content[1] > content[0] or not parts and not any(calls)):
        parts.append((*content, "content"))
    parts += [(*span, "tool_call") for span in calls if span is not None]
    return sorted(parts)


def dropped_parts(rendered: Rendered, messages: list[dict], tools) -> list[dict]:
    """What the template left out: `{"message": i, "what": "content" | "reasoning" | "tool_call"}` per part,
    and `{"message": None, "what": "tools"}` when no tool schema appears in the text. A message's content that is
    not in the text as written but is in another form (`| upper`, spacing changed) is also marked `"rewritten": True`:
    the template writes it, only changed, so its place in the text is not known."""
    out = []
    folded = None  # the rendered text folded, only for a row that has a message not found as written (rare)
    for i, message in enumerate(messages):
        if message.get("content") and rendered.contents[i] is None:
            if folded is None:
                folded = _folded(rendered.text)
            changed = message["content"].strip() not in rendered.text and _found(_folded(message["content"]), folded)
            out.append({"message": i, "what": "content"} | ({"rewritten": True} if changed else {}))
        elif i in rendered.cut:  # the template kept only the end of the content: what went was reasoning or text
            out.append({"message": i, "what": "reasoning" if "</think>" in message["content"] else "content"})
        if message.get("reasoning") and rendered.reasonings[i] is None:
            out.append({"message": i, "what": "reasoning"})
        if any(span is None for span in rendered.calls[i]):
            out.append({"message": i, "what": "tool_call"})
    if tools and not any(span is not None for span in rendered.tools):
        out.append({"message": None, "what": "tools"})
    return out


def _folded(text: str) -> str:
    """`text` in lower case with every run of whitespace one space: the form a rewritten message is found in."""
    return " ".join(text.split()).casefold()


def _found(folded: str, text: str) -> bool:
    # (a message of one or two characters, "a" or "ok", would be "found" inside any word)
    return len(folded) >= 3 and folded in text


_PROBE = "\ue000probe\ue001"  # a system text no template writes by itself (private-use characters)


def added_system_prompt(template: ChatTemplate, messages: list[dict], tools=None) -> str | None:
    """The system message a template writes by itself when the conversation has none (SmolLM2's "You are a helpful
    AI assistant named SmolLM...", Qwen2.5's "You are Qwen..."), or None: the conversation has a system turn, or
    the template adds none.

    Found by rendering, not by knowing any template's text: the conversation is rendered as it is and with a probe
    system turn in front; what stands where the probe's text stood is the template's own default. A template that
    writes a system header with nothing in it (Llama-3.1's dates stand outside the message) adds None.

    >>> from ftlib.templates import get_template
    >>> added_system_prompt(get_template("chatml"), [{"role": "user", "content": "Hi"}]) is None
    True
    """
    if any(m.get("role") == "system" for m in messages):
        return None
    try:
        probed = render(template, [{"role": "system", "content": _PROBE}, *messages], tools=tools)
        text = render(template, messages, tools=tools)
    except TemplateError:  # a template that refuses system turns (Gemma's) adds none either
        return None
    if probed.count(_PROBE) != 1:
        return None  # the template drops system messages, or repeats them
    before, after = probed.split(_PROBE)
    if len(text) < len(before) + len(after) or not (text.startswith(before) and text.endswith(after)):
        return None
    added = text[len(before) : len(text) - len(after)]
    return added if added.strip() else None


def _turn_start(text, template, messages, tools, i, prev_end, first) -> int:
    """Where the model starts writing turn i: after the generation prompt, else where the prompt render ends."""
    gap = text[prev_end:first]
    prompt = template.generation_prompt
    at = gap.rfind(prompt) if prompt else -1
    if at >= 0:
        return prev_end + at + len(prompt)
    # DeepSeek's prompt ends in "<think>\n" its replies do not start with: the turn starts after the longest head of
    # the prompt that is written, when only whitespace follows it, or when it ends in a control token and what
    # follows is the template's text of the turn (DeepSeek's `<｜Assistant｜>` before `<｜tool▁calls▁begin｜>...`).
    specials = _specials(template)
    for n in range(len(prompt) - 1, 0, -1):
        head = prompt[:n]
        at = gap.rfind(head)
        whole = token_boundary([gap[at:]], n, specials) == n and ends_in_control_token(head, specials)
        if head.strip() and at >= 0 and (not gap[at + n :].strip() or whole):
            return prev_end + at + n
    if i > 0 and not prompt:  # no generation prompt (Mistral): the turn starts where the prompt render ends
        try:
            cut = len(
                os.path.commonprefix([render(template, messages[:i], add_generation_prompt=True, tools=tools), text])
            )
        except TemplateError:
            cut = -1
        if prev_end <= cut <= first:
            return cut
    return first


def _untagged_pieces(text, template, messages, tools, i, first, last, prev_end, next_start, call=None):
    """([start, end) of turn i, and the conversation-final eos after it where there is one), and what closes it.

    The turn ends after its end-of-turn marker when that follows its last part before the next message; else
    (a tool call closed by Llama-3.1's `<|eom_id|>` or gpt-oss's `<|call|>`, a reply without any marker) where the
    template's own text of the turn ends (`_written_end`), closed by the control token it ends on, if any.
    `call`: the tool call whose function name is the turn's last part (`last` ends that name, not the call).
    """
    start = _turn_start(text, template, messages, tools, i, prev_end, first)
    eot = template.end_of_turn
    limit = len(text) if next_start is None else next_start
    at = text.find(eot, last) if eot else -1
    # Only a call's name is located: its arguments come after `last`, and a marker they quote (a harbour named
    # "Dover<|im_end|>") is not the turn's end. Without skipping it the rest of the call went untrained.
    for _ in range(_strings_holding(call, eot) - (call_name(call) or "").count(eot) if eot and call else 0):
        at = text.find(eot, at + len(eot)) if at >= 0 else -1
    if eot and 0 <= at and at + len(eot) <= limit:
        end, closing = at + len(eot), eot
    else:
        end = _written_end(text, template, messages, tools, i, last, limit)
        closing = max((t for t in _specials(template) if text.endswith(t, last, end)), key=len, default=None)
    pieces = [(start, end)]
    eos, rest = template.eos, text[end:]
    if next_start is None and i == len(messages) - 1 and eos and eos != eot and rest.strip() == eos:
        pieces.append((end, end + len(rest.rstrip())))  # the conversation-final eos (Phi-3)
    return pieces, closing


def _strings_holding(value, marker: str) -> int:
    """How many times `marker` stands in the strings of `value` (a tool call: its arguments, keys and id)."""
    if isinstance(value, str):
        return value.count(marker)
    if isinstance(value, dict):
        return sum(k.count(marker) + _strings_holding(v, marker) for k, v in value.items())
    return sum(_strings_holding(v, marker) for v in value) if isinstance(value, list | tuple) else 0


def _specials(template: ChatTemplate) -> tuple[str, ...]:
    return tuple(t for t in (*required_special_tokens(template), template.eos, template.bos) if t)


def _written_end(text, template, messages, tools, i, last, limit) -> int:
    """Where the template's text of turn i ends in `text`, trailing whitespace left out (as after an end-of-turn
    marker): the turn's whole call or reply and what closes it, never the next message's header.

    Read off the conversation up to this turn rendered as the template writes it when a reply follows (up to that
    reply's header: the generation prompt), else with the generation prompt (transformers' prompt for the turn
    after it), as far as it agrees with `text` in whole tokens. The first keeps turns written as they are when
    another follows (gpt-oss drops earlier reasoning then). `last` (the end of the turn's last located part)
    when neither agrees with `text` beyond it.
    """
    if i == len(messages) - 1:  # the conversation's last turn: its text runs to the end, less a final eos
        eos, written = template.eos, text.rstrip()
        if eos and eos != template.end_of_turn and written.endswith(eos):
            written = written[: -len(eos)]  # a piece of its own (see _untagged_pieces)
        return max(len(written.rstrip()), last)
    best = last
    for written in _turn_renders(template, messages, tools, i):
        n = len(os.path.commonprefix([written, text]))
        if n == len(written) and len(written.rstrip()) > last:  # (a cut before the turn's parts tells nothing)
            return min(len(written.rstrip()), limit)
        best = max(best, len(text[: token_boundary([written, text], n, _specials(template))].rstrip()))
    return min(best, limit)


def _turn_renders(template, messages, tools, i):
    """The conversation up to turn i as the template writes it up to where the next message would begin: the
    header of a probe reply after it, then the generation prompt. Lazily, as each costs a render."""
    prompt = template.generation_prompt
    for probe in ([{"role": "assistant", "content": _PROBE}], []):
        try:
            rendered = render(template, [*messages[: i + 1], *probe], add_generation_prompt=not probe, tools=tools)
        except TemplateError:  # a template may refuse two replies in a row, or a conversation ending in a call
            continue
        if not probe:
            at = len(rendered) - len(prompt) if rendered.endswith(prompt) else -1
        elif prompt and _PROBE in rendered:  # (without a prompt, where the reply's header begins is not known)
            at = rendered.rfind(prompt, 0, rendered.find(_PROBE))
        else:
            at = -1
        if at >= 0:
            yield rendered[:at]


def _classify(text: str, start: int, end: int, parts, eot: str | None, final: bool) -> list[tuple[int, int, str]]:
    """Label every character of [start, end): the located parts, the end-of-turn marker, the text between."""
    if final:
        return [(start, end, "end_of_conversation")]
    inside = sorted((max(s, start), min(e, end), kind) for s, e, kind in parts if min(e, end) > max(s, start))
    tail = end
    if eot:
        after = max([start, *(e for _, e, _ in inside)])
        at = text.rfind(eot, after, end)
        if at >= 0:
            # Whitespace between the last part and the marker goes with it, as does what follows it in the block.
            tail = at
            while tail > after and text[tail - 1].isspace():
                tail -= 1
    runs, at = [], start
    for s, e, kind in inside:
        if s > at:
            runs.append([at, s, "turn_template"])
        if e > max(s, at):
            runs.append([max(s, at), e, kind])
        at = max(at, e)
    if tail > at:
        runs.append([at, tail, "turn_template"])
    if end > tail:
        runs.append([tail, end, "end_of_turn"])
    # Template text around a tool call (`<tool_call>\n{"name": "`, `", "arguments": {...}}`) is part of the call.
    for j, run in enumerate(runs):
        if run[2] == "turn_template":
            around = {runs[j - 1][2] if j else None, runs[j + 1][2] if j + 1 < len(runs) else None}
            if "tool_call" in around:
                run[2] = "tool_call"
    return [tuple(run) for run in runs]


def _neighbours(extents: list[tuple[int, int] | None], turns: list[int]) -> dict[int, tuple[int, int | None]]:
    """For each of `turns` with an extent (start, end): the last end among earlier turns' extents at or before its
    start (0 if none), and the first start among later ones at or after its end (None). Sorted lists searched by
    bisection: a scan of every other turn for each was quadratic (a row of 40,000 turns took 108 s)."""
    wanted, out = set(turns), {}
    ends: list[int] = []
    for i, x in enumerate(extents):
        if x is not None and i in wanted:
            k = bisect_right(ends, x[0])
            out[i] = (ends[k - 1] if k else 0, None)
        if x is not None:
            insort(ends, x[1])
    starts: list[int] = []
    for i in range(len(extents) - 1, -1, -1):
        x = extents[i]
        if x is not None and i in out:
            k = bisect_left(starts, x[1])
            out[i] = (out[i][0], starts[k] if k < len(starts) else None)
        if x is not None:
            insort(starts, x[0])
    return out


def build_segments(
    rendered: Rendered,
    template: ChatTemplate,
    messages: list[dict],
    policy: str,
    train_from: int = 0,
    tools=None,
    label: bool | None = None,
) -> tuple[list[Segment], int | None]:
    """Meaningful spans of the text, and the character from which everything is trained (None: no such point).

    `messages` are canonical turns (an assistant turn with `weight` 0 is never trained); assistant turns before
    `train_from` are the prompt of a preference or unpaired row and are never trained. `label`: an unpaired row's
    (False: a bad answer, whose trained spans say that training makes it less likely).
    """
    text = rendered.text
    located = [located_parts(rendered, i) for i in range(len(messages))]
    extents = [(p[0][0], max(e for _, e, _ in p)) if p else None for p in located]
    assistants = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    trainable = [i for i in assistants if i >= train_from]
    last = trainable[-1] if trainable else None
    segments: list[Segment] = []
    turn_pieces: dict[int, list[tuple[int, int, str]]] = {}
    prev_ends: dict[int, int] = {}  # where the text before each assistant turn's parts ends
    around = _neighbours(extents, assistants)
    for i in assistants:
        if extents[i] is None:
            continue
        first, end_part = extents[i]
        prev_end, next_start = around[i]
        prev_ends[i] = prev_end
        if template.has_generation_tags:
            hi = len(text) if next_start is None else next_start
            # A block of its own after the turn's parts, before the next message (`{% generation %}{{ '<|im_end|>'
            # }}{% endgeneration %}` apart from the reply's) is the turn's too: else only `all_assistant` trained it,
            # and under `last_assistant` the model never learnt to stop.
            blocks = [
                (max(gs, prev_end), min(ge, hi))
                for gs, ge in rendered.generations
                if (gs < end_part and ge > first)
                or (first == end_part and gs <= first <= ge)
                or (end_part <= gs < hi and ge <= hi)
            ]
            pieces, closing = [(s, e, False) for s, e in blocks if e > s], template.end_of_turn
        else:
            spans_of = rendered.calls[i] if i < len(rendered.calls) else []
            calls = zip(messages[i].get("tool_calls") or [], spans_of, strict=False)
            call = next((c for c, span in calls if span is not None and span[1] == end_part), None)
            spans, closing = _untagged_pieces(
                text, template, messages, tools, i, first, end_part, prev_end, next_start, call
            )
            pieces = [(s, e, k == 1) for k, (s, e) in enumerate(spans) if e > s]
        turn_pieces[i] = [run for s, e, final in pieces for run in _classify(text, s, e, located[i], closing, final)]
    trained_from = None
    if policy == "everything":
        trained_from = 0
    elif policy == "completion_only" and last is not None and turn_pieces.get(last):
        if template.has_generation_tags:  # a block opened inside the header (`assistant{% generation %}\n`): the
            # completion still starts after the generation prompt, as TRL's prompt/completion difference starts it
            first = extents[last][0]
            start = min(_turn_start(text, template, messages, tools, last, prev_ends[last], first), first)
            turn_pieces[last] = [(max(s, start), e, kind) for s, e, kind in turn_pieces[last] if e > start]
        if messages[last].get("weight", 1) != 0 and turn_pieces[last]:
            trained_from = min(s for s, _, _ in turn_pieces[last])
    for i, message in enumerate(messages):
        role = message["role"]
        if i in turn_pieces and turn_pieces[i]:
            segments += _assistant_segments(i, message, turn_pieces[i], policy, last, train_from, template)
            continue
        span = rendered.contents[i]
        if span is None or span[1] <= span[0]:
            continue
        what = what_of(role, template.name)
        if role == "assistant":  # a tagged template left this reply outside its generation blocks
            reason = f"{what} outside the template's {{% generation %}} block — masked"
        elif template.has_generation_tags and any(gs < span[1] and ge > span[0] for gs, ge in rendered.generations):
            # A block that tags a user or tool turn too: transformers' assistant mask trains it, the model would learn
            # to write the user's words or a tool's output. Masked all the same, and said.
            reason = what + tagged_but_masked(MASKED_WHY.get(what, ""))
        else:
            reason = what + MASKED_WHY.get(what, " — masked")
        segments.append(Segment(span[0], span[1], role, "content", i, False, reason))
    # Generation blocks that hold no message part (a custom template may tag other text).
    if template.has_generation_tags and policy == "all_assistant":
        for gs, ge in rendered.generations:
            if not any(s.start < ge and s.end > gs for s in segments):
                segments.append(Segment(gs, ge, "assistant", "turn_template", None, True, TAGGED_BLOCK))
    for span in schema_spans(text, tools, rendered.tools, [(s.start, s.end) for s in segments]):
        if span is not None:  # else its characters stay the template's (a schema written by hand: "Args:" lines)
            segments.append(
                Segment(*span, "tools", "tool_schema", None, False, TOOL_SCHEMAS + MASKED_WHY[TOOL_SCHEMAS])
            )
    if template.thinking_switch:  # Qwen3's empty block before a reply without reasoning (ftlib.run_thinking)
        for s in segments:
            if s.trained and s.kind == "turn_template" and text[s.start : s.end].split() == ["<think>", "</think>"]:
                s.reason = TRAINED["empty_thinking"]
    segments.sort(key=lambda s: (s.start, s.end))
    if label is False:  # KTO's undesirable term: the same tokens, pushed down instead of up
        segments = pushed_down(segments, "bad", template.name)
    return segments, trained_from


def _assistant_segments(i, message, pieces, policy, last, train_from, template) -> list[Segment]:
    weight = message.get("weight", 1)
    on = weight != 0 and (
        (policy in ("all_assistant", "everything") and i >= train_from)
        or (policy in ("last_assistant", "completion_only") and i == last)
    )
    text = template.name == TEXT_TEMPLATE  # raw prompt/completion text: no turns to name
    turn = "completion" if text else "assistant turn"
    out = []
    for start, end, kind in pieces:
        if on:
            reason = (TEXT_TRAINED if text else TRAINED)[kind]
            if kind == "turn_template" and template.has_generation_tags and not text:
                reason = TAGGED_TEMPLATE_TEXT
        elif i < train_from:
            answer = "completion" if text else "answer"
            reason = f"{turn} inside the prompt — masked: only the {answer} after the prompt is trained"
        elif weight == 0:
            reason = f"{turn} with weight 0 — masked: the data marks it as context, not to be learned"
        elif policy == "last_assistant":
            reason = f"earlier {turn} — masked: this policy trains only the last {turn}"
        else:
            reason = f"earlier {turn} — part of the prompt, masked (completion only)"
        out.append(Segment(start, end, "assistant", kind, i, on, reason))
    return out


def assign(offsets: list[tuple[int, int]], segments: list[Segment], trained_from: int | None):
    """For each token: the index of the segment it belongs to (-1: scaffolding) and whether it is trained.

    A token is trained when any of its characters is in a trained span, as transformers marks every token from
    the one holding a span's first character to the one holding its last. Where a token touches several
    segments it belongs to a trained one before an untrained one, then to the message's own text (content,
    reasoning, a tool call) before text the template wrote, then to the first: " Yes" after Mistral's "[/INST]"
    holds the template's space and the reply, and is the reply.
    """
    n = len(offsets)
    starts = [s for s, _ in offsets]
    ends = [max(e, s + 1) for s, e in offsets]  # a zero-width token belongs to the character at its position
    seg_of, trained = [-1] * n, [False] * n
    if starts != sorted(starts) or ends != sorted(ends):
        return _assign_slow(starts, ends, segments, trained_from)
    # Tokens are sorted by start and end: each segment covers one slice of them. Later writes win, so write the
    # untrained segments, then the trained ones, each group backwards (the first overlapping segment wins).
    order = sorted(range(len(segments)), key=lambda j: _rank(segments[j], j))
    for j in order:
        seg = segments[j]
        a, b = bisect_right(ends, seg.start), bisect_left(starts, seg.end)
        if a < b:
            seg_of[a:b] = [j] * (b - a)
            if seg.trained:
                trained[a:b] = [True] * (b - a)
    if trained_from is not None:
        a = bisect_right(ends, trained_from)
        trained[a:] = [True] * (n - a)
    return seg_of, trained


# The kinds of segment that hold a message's own text (what the row wrote), not text the template wrote around it.
MESSAGE_TEXT = frozenset({"content", "reasoning", "tool_call"})


def _rank(seg: Segment, j: int) -> tuple:
    """Which of the segments a token touches it belongs to: the highest rank (see `assign`)."""
    return seg.trained, seg.kind in MESSAGE_TEXT, -j


def _assign_slow(starts, ends, segments, trained_from):
    """The same assignment token by token, for tokenizers whose offsets are not sorted."""
    seg_ends = [s.end for s in segments]
    seg_of, trained = [], []
    for s, e in zip(starts, ends, strict=True):
        j = bisect_right(seg_ends, s)
        touched = []
        while j < len(segments) and segments[j].start < e:
            touched.append(j)
            j += 1
        best = max(touched, key=lambda k: _rank(segments[k], k), default=-1)
        hit = any(segments[k].trained for k in touched)
        seg_of.append(best)
        trained.append(hit or (trained_from is not None and e > trained_from))
    return seg_of, trained


__all__ = [
    "FIRST_TOKEN",
    "MASKED_WHY",
    "MESSAGE_TEXT",
    "POLICIES",
    "TEXT_REASONS",
    "TEXT_TEMPLATE",
    "TEXT_WHAT",
    "TOOL_SCHEMAS",
    "WHAT",
    "Segment",
    "assign",
    "build_segments",
    "dropped_parts",
    "located_parts",
    "pushed_down",
    "tagged_but_masked",
    "what_of",
]
