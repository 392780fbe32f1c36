"""A conversation -> `input_ids`, `labels` (-100 where not trained) and one record per token with its reason.

Masks come from character spans, never from token matching or prefix lengths: the conversation is rendered
once (templates.render_spans tells where each message's content and each `{% generation %}` block landed),
tokenized once with `add_special_tokens=False` and `return_offsets_mapping=True`, and every token takes the
meaning of the characters it covers. This works for any template, with or without generation tags; for the
built-ins it agrees token for token with transformers' `return_assistant_tokens_mask`.

    tok = load_tokenizer("default")
    enc = encode_messages(messages, tok, get_template("chatml", tok))      # policy "all_assistant"
    enc.labels            # -100 for masked tokens, the token id where trained (not shifted: the model shifts)
    enc.tokens[3].reason  # "user prompt — masked: the model should not learn to write the user's words"

Policies: `all_assistant` (default: every assistant reply and its end-of-turn token), `last_assistant`,
`completion_only` (everything after the prompt, as TRL's prompt/completion loss) and `everything`.
Not known here: padding and packing (batching.py), the checks themselves (checks.py).
"""

from __future__ import annotations

import weakref
from bisect import bisect_left, bisect_right
from dataclasses import asdict, dataclass, field
from functools import cached_property

from ftlib.checks import Check, preflight
from ftlib.errors import UserError
from ftlib.rows import IGNORE_INDEX, is_preference, row_kind
from ftlib.templates import ChatTemplate, Rendered, TemplateError, get_template, render, render_spans


class EncodingError(UserError):
    """Settings or a row the encoder cannot work with (an unknown mask policy, a bad max length)."""


POLICIES = ("all_assistant", "last_assistant", "completion_only", "everything")
POLICY_HELP = {
    "all_assistant": "every assistant reply and its end-of-turn token (default)",
    "last_assistant": "only the last assistant reply and its end-of-turn token",
    "completion_only": "everything after the prompt: the final reply to the end of the text (prompt/completion rows)",
    "everything": "every token, prompt and template included (plain language modelling)",
}
IGNORE = IGNORE_INDEX  # kept for callers of the old name

_WHAT = {"system": "system prompt", "user": "user prompt", "assistant": "assistant reply"}
_MASKED_WHY = {
    "user prompt": " — masked: the model should not learn to write the user's words",
    "system prompt": " — masked",
    "template scaffolding": " — masked",
}


@dataclass
class Segment:
    """A character span of the rendered text and what it is."""

    start: int
    end: int
    role: str  # message role, or "template" for scaffolding
    kind: str  # "content" | "end_of_turn" | "turn_template" (inside a generation block) | "template"
    message: int | None
    trained: bool
    reason: str


@dataclass
class TokenRecord:
    """One token: where it is, what it is, and whether (and why) it is trained."""

    index: int
    id: int
    text: str  # its piece of the rendered text ("" for a later byte of a character split over tokens)
    special: bool
    role: str
    segment: str
    message: int | None
    trained: bool
    label: int
    reason: str
    byte_piece: bool = False  # shares a character with the previous token (multi-byte character split)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Encoded:
    """One encoded sequence. `tokens` are built on first access (training needs only ids and labels)."""

    text: str
    input_ids: list[int]
    attention_mask: list[int]
    labels: list[int]
    truncated: bool = False
    cut_turns: list[dict] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    template: str = ""
    policy: str = "all_assistant"
    messages: list[dict] = field(default_factory=list, repr=False)
    exact_spans: bool = True
    unlocated: list[int] = field(default_factory=list)  # messages whose text the template dropped or rewrote
    segments: list[Segment] = field(default_factory=list, repr=False)
    _all_ids: list[int] = field(default_factory=list, repr=False)
    _offsets: list[tuple[int, int]] = field(default_factory=list, repr=False)
    _seg: list[int] = field(default_factory=list, repr=False)
    _trained: list[bool] = field(default_factory=list, repr=False)
    _special: frozenset[int] = field(default_factory=frozenset, repr=False)

    @cached_property
    def _records(self) -> list[TokenRecord]:
        records, prev_end = [], 0
        for i, (tid, (s, e)) in enumerate(zip(self._all_ids, self._offsets, strict=True)):
            # Byte-level tokenizers give every byte piece of one character the same character offsets: the first
            # piece shows the character, later pieces show "" (flagged), so the pieces concatenate to the text.
            byte_piece = e > s and s < prev_end and e <= prev_end
            start = min(max(s, prev_end), len(self.text))
            end = max(e, start)
            if i == len(self._all_ids) - 1:
                end = len(self.text)  # trailing characters no token claims go to the last token
            piece = self.text[start:end] if not byte_piece else ""
            prev_end = max(prev_end, end)
            seg = self.segments[self._seg[i]] if self._seg[i] >= 0 else None
            trained = self._trained[i]
            records.append(
                TokenRecord(
                    index=i,
                    id=tid,
                    text=piece,
                    special=tid in self._special,
                    role=seg.role if seg else "template",
                    segment=seg.kind if seg else "template",
                    message=seg.message if seg else None,
                    trained=trained,
                    label=tid if trained else IGNORE,
                    reason=self._reason(seg, trained, i),
                    byte_piece=byte_piece,
                )
            )
        return records

    def _reason(self, seg: Segment | None, trained: bool, i: int) -> str:
        if i >= len(self.input_ids):
            return "cut by max length — not part of the training sequence"
        if seg is not None and seg.trained == trained:
            return seg.reason
        what = _describe(seg)
        if trained:
            return f"{what} — trained (policy: {self.policy.replace('_', ' ')})"
        return what + _MASKED_WHY.get(what, " — masked")

    @property
    def tokens(self) -> list[TokenRecord]:
        """One record per token of `input_ids` (cut tokens are in `cut_tokens`)."""
        return self._records[: len(self.input_ids)]

    @property
    def cut_tokens(self) -> list[TokenRecord]:
        """The tokens a max length removed (for display)."""
        return self._records[len(self.input_ids) :]

    @property
    def num_trained(self) -> int:
        return sum(label != IGNORE for label in self.labels)

    def counts(self) -> dict:
        """Total, trained, % trained, and per role `{role: {"total", "trained"}}`."""
        per_role: dict[str, dict[str, int]] = {}
        for t in self.tokens:
            entry = per_role.setdefault(t.role, {"total": 0, "trained": 0})
            entry["total"] += 1
            entry["trained"] += t.trained
        total, trained = len(self.input_ids), self.num_trained
        return {
            "total": total,
            "trained": trained,
            "pct_trained": round(100 * trained / total, 1) if total else 0.0,
            "cut": len(self._all_ids) - total,
            "per_role": per_role,
        }

    def as_dict(self) -> dict:
        """The CLI's JSON shape."""
        return {
            "template": self.template,
            "policy": self.policy,
            "text": self.text,
            "input_ids": self.input_ids,
            "labels": self.labels,
            "attention_mask": self.attention_mask,
            "truncated": self.truncated,
            "cut_turns": self.cut_turns,
            "counts": self.counts(),
            "tokens": [
                {
                    "id": t.id,
                    "text": t.text,
                    "role": t.role,
                    "segment": t.segment,
                    "trained": t.trained,
                    "special": t.special,
                    "label": t.label,
                    "reason": t.reason,
                }
                for t in self.tokens
            ],
            "checks": [c.as_dict() for c in self.checks],
        }


@dataclass
class PreferenceEncoded:
    """A preference row: the shared prompt text and the two sequences, prompt+chosen and prompt+rejected."""

    prompt_text: str
    chosen: Encoded
    rejected: Encoded

    @property
    def checks(self) -> list[Check]:
        seen, out = set(), []
        for c in [*self.chosen.checks, *self.rejected.checks]:
            if (c.code, c.message) not in seen:
                seen.add((c.code, c.message))
                out.append(c)
        return out

    def as_dict(self) -> dict:
        return {"prompt_text": self.prompt_text, "chosen": self.chosen.as_dict(), "rejected": self.rejected.as_dict()}


def _describe(seg: Segment | None) -> str:
    if seg is None or seg.kind == "template":
        return "template scaffolding"
    if seg.kind == "end_of_turn":
        return "end of assistant turn"
    if seg.kind == "turn_template":
        return "assistant-turn text written by the template"
    return _WHAT.get(seg.role, f"{seg.role} message")


try:
    from transformers.tokenization_utils_tokenizers import TokenizersBackend

    _BACKEND_ENCODE_PLUS = TokenizersBackend._encode_plus
except ImportError:  # another transformers layout: always go through tokenizer(...)
    _BACKEND_ENCODE_PLUS = None

_SPECIAL_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _special_ids(tokenizer) -> frozenset[int]:
    """Ids of special tokens (declared specials and added tokens flagged special), cached per tokenizer."""
    cached = _SPECIAL_CACHE.get(tokenizer)
    if cached is not None and cached[0] == len(tokenizer):  # a token added since invalidates the cache
        return cached[1]
    ids = set(tokenizer.all_special_ids)
    ids.update(i for i, tok in tokenizer.added_tokens_decoder.items() if tok.special)
    _SPECIAL_CACHE[tokenizer] = (len(tokenizer), frozenset(ids))
    return frozenset(ids)


# --------------------------------------------------------------------------------------------------- spans


def _turn_parts(text: str, rendered: Rendered, template: ChatTemplate, i: int) -> list[tuple[int, int, str]]:
    """The trainable pieces of assistant message i: (start, end, kind) for its content and its end-of-turn."""
    span = rendered.contents[i]
    if span is None:
        return []
    cs, ce = span
    eot = template.end_of_turn
    if template.has_generation_tags:
        # The template says what is trained: the generation block(s) holding this message's content.
        gens = [g for g in rendered.generations if (g[0] < ce and g[1] > cs) or (cs == ce and g[0] <= cs <= g[1])]
        # A block wrapping several messages is cut at the neighbouring messages, so spans never overlap.
        lo = max((c[1] for c in rendered.contents if c is not None and c[1] <= cs and c != span), default=0)
        hi = min((c[0] for c in rendered.contents if c is not None and c[0] >= ce and c != span), default=len(text))
        parts = []
        for gs, ge in ((max(gs, lo), min(ge, hi)) for gs, ge in gens):
            if gs < cs:
                parts.append((gs, cs, "turn_template"))
            parts.append((max(gs, cs), min(ge, ce), "content"))
            if ge > ce:
                parts.append((ce, ge, "end_of_turn" if eot and eot in text[ce:ge] else "turn_template"))
        return [p for p in parts if p[1] > p[0]]
    # No tags: the content, then the end-of-turn marker that follows it (whitespace in between goes with it).
    parts = [(cs, ce, "content")] if ce > cs else []
    if eot:
        at = ce
        while at < len(text) and text[at].isspace() and not text.startswith(eot, at):
            at += 1
        if text.startswith(eot, at):
            parts.append((ce, at + len(eot), "end_of_turn"))
    return parts


def _build_segments(
    rendered: Rendered, template: ChatTemplate, messages: list[dict], policy: str, train_from: int
) -> tuple[list[Segment], int | None]:
    """Meaningful spans of the text, and the character from which everything is trained (None: no such point)."""
    text = rendered.text
    assistants = [i for i, m in enumerate(messages) if m["role"] == "assistant" and i >= train_from]
    last = assistants[-1] if assistants else None
    turn_parts = {i: _turn_parts(text, rendered, template, i) for i in assistants}
    trained_from = None
    if policy == "everything":
        trained_from = 0
    elif policy == "completion_only" and last is not None and turn_parts[last]:
        trained_from = min(p[0] for p in turn_parts[last])
    segments: list[Segment] = []
    for i, message in enumerate(messages):
        role = message["role"]
        parts = turn_parts.get(i)
        if parts is None or not parts:
            span = rendered.contents[i]
            if span is not None and span[1] > span[0]:
                if role == "assistant" and i < train_from:
                    reason = (
                        "assistant turn inside the prompt — masked: preference training scores only the "
                        "chosen/rejected answer"
                    )
                elif role == "assistant":
                    reason = "assistant reply outside the template's {% generation %} block — masked"
                else:
                    what = _WHAT.get(role, f"{role} message")
                    reason = what + _MASKED_WHY.get(what, " — masked")
                segments.append(Segment(span[0], span[1], role, "content", i, False, reason))
            continue
        on = policy in ("all_assistant", "everything") or (
            policy in ("last_assistant", "completion_only") and i == last
        )
        for start, end, kind in parts:
            if on:
                reason = {
                    "content": "assistant reply (trained)",
                    "end_of_turn": "end of assistant turn — trained so the model learns to stop",
                    "turn_template": "inside the template's {% generation %} block with the reply (trained)",
                }[kind]
            elif policy == "last_assistant":
                reason = "earlier assistant turn — masked: this policy trains only the last assistant turn"
            else:
                reason = "earlier assistant turn — part of the prompt, masked (completion only)"
            segments.append(Segment(start, end, "assistant", kind, i, on, reason))
    # Generation blocks that hold no message content (a custom template may tag other text).
    if template.has_generation_tags and policy == "all_assistant":
        for gs, ge in rendered.generations:
            if not any(s.start < ge and s.end > gs for s in segments):
                segments.append(
                    Segment(
                        gs,
                        ge,
                        "assistant",
                        "turn_template",
                        None,
                        True,
                        "inside the template's {% generation %} block (trained)",
                    )
                )
    segments.sort(key=lambda s: (s.start, s.end))
    return segments, trained_from


def _assign(offsets: list[tuple[int, int]], segments: list[Segment], trained_from: int | None):
    """For each token: the index of the segment it belongs to (-1: scaffolding) and whether it is trained.

    A token is trained when any of its characters is in a trained span, as transformers marks every token from
    the one holding a span's first character to the one holding its last. Where a token touches several
    segments it belongs to the first trained one, else the first one.
    """
    n = len(offsets)
    starts = [s for s, _ in offsets]
    ends = [max(e, s + 1) for s, e in offsets]  # a zero-width token belongs to the character at its position
    seg_of, trained = [-1] * n, [False] * n
    if starts != sorted(starts) or ends != sorted(ends):
        return _assign_slow(starts, ends, segments, trained_from)
    # Tokens are sorted by start and end: each segment covers one slice of them. Later writes win, so write the
    # untrained segments, then the trained ones, each group backwards (the first overlapping segment wins).
    order = sorted(range(len(segments)), key=lambda j: (segments[j].trained, -j))
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


def _assign_slow(starts, ends, segments, trained_from):
    """The same assignment token by token, for tokenizers whose offsets are not sorted."""
    seg_ends = [s.end for s in segments]
    seg_of, trained = [], []
    for s, e in zip(starts, ends, strict=True):
        j = bisect_right(seg_ends, s)
        best, hit = -1, False
        while j < len(segments) and segments[j].start < e:
            if best < 0:
                best = j
            if segments[j].trained:
                best, hit = j, True
                break
            j += 1
        seg_of.append(best)
        trained.append(hit or (trained_from is not None and e > trained_from))
    return seg_of, trained


# --------------------------------------------------------------------------------------------------- encode


def _resolve_template(template, tokenizer) -> ChatTemplate:
    if isinstance(template, ChatTemplate):
        return template
    return get_template(template or "tokenizer", tokenizer)


def encode_messages(
    messages,
    tokenizer,
    template: ChatTemplate | str,
    policy: str = "all_assistant",
    max_length: int | None = None,
    checks: bool = True,
    train_from: int = 0,
) -> Encoded:
    """Render, tokenize once, and label every token.

    `train_from`: assistant turns before this message index are never trained (the prompt of a preference row).
    `checks=False` skips the pre-flight checks (they render the conversation again).

    >>> enc = encode_messages([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}],
    ...                       tok, get_template("chatml", tok))                          # doctest: +SKIP
    >>> [t.text for t in enc.tokens if t.trained]                                       # doctest: +SKIP
    ['Yo', '<|im_end|>']
    """
    _check_args(policy, max_length)
    template = _resolve_template(template, tokenizer)
    prepared = _prepare(messages, template, policy, train_from)
    ids, offsets = _tokenize(tokenizer, prepared[0].text)
    return _finish(prepared, ids, offsets, tokenizer, template, policy, max_length, checks)


def _check_args(policy: str, max_length: int | None) -> None:
    if policy not in POLICIES:
        raise EncodingError(f"Unknown mask policy '{policy}'. Choose one of: {', '.join(POLICIES)}.")
    if max_length is not None and max_length < 1:
        raise EncodingError(f"max_length must be a positive number of tokens (got {max_length}).")


def _prepare(messages, template: ChatTemplate, policy: str, train_from: int):
    """Everything before tokenization: the rendered text and its labelled character spans."""
    rendered = render_spans(template, messages)
    plain = [{"role": m["role"], "content": m.get("content") or ""} for m in messages]
    segments, trained_from = _build_segments(rendered, template, plain, policy, train_from)
    return rendered, plain, segments, trained_from


def _finish(
    prepared, ids, offsets, tokenizer, template: ChatTemplate, policy: str, max_length: int | None, checks: bool
) -> Encoded:
    """Label the tokens of a prepared conversation, cut to `max_length`, and run the checks."""
    rendered, plain, segments, trained_from = prepared
    seg_of, trained = _assign(offsets, segments, trained_from)
    keep = len(ids) if max_length is None else min(len(ids), max_length)
    labels = [tid if t else IGNORE for tid, t in zip(ids[:keep], trained[:keep], strict=True)]
    enc = Encoded(
        text=rendered.text,
        input_ids=ids[:keep],
        attention_mask=[1] * keep,
        labels=labels,
        truncated=keep < len(ids),
        cut_turns=_cut_turns(seg_of, trained, segments, plain, keep),
        template=template.name,
        policy=policy,
        messages=plain,
        exact_spans=rendered.exact,
        segments=segments,
        unlocated=[i for i, span in enumerate(rendered.contents) if span is None and plain[i]["content"]],
        _all_ids=ids,
        _offsets=offsets,
        _seg=seg_of,
        _trained=trained,
        _special=_special_ids(tokenizer),
    )
    if checks:
        enc.checks = preflight(enc, tokenizer, template)
    return enc


def _fast_backend(tokenizer):
    """The Rust tokenizer, when transformers' wrapper would only pass the text through to it (it costs a third
    of the time per row); None otherwise. The wrapper also resets truncation/padding left on the backend, so
    those must be off."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if (
        backend is not None
        and type(tokenizer)._encode_plus is _BACKEND_ENCODE_PLUS
        and backend.truncation is None
        and backend.padding is None
        and backend.encode_special_tokens == bool(tokenizer.split_special_tokens)
    ):
        return backend
    return None


def _tokenize_many(tokenizer, texts: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """Token ids and character offsets of each text, with no special tokens added (the template wrote them).

    One batched call: the Rust tokenizer spreads it over the CPU cores when TOKENIZERS_PARALLELISM allows."""
    backend = _fast_backend(tokenizer)
    if backend is not None:
        return [(e.ids, e.offsets) for e in backend.encode_batch(texts, add_special_tokens=False)]
    try:
        out = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True)
    except NotImplementedError as exc:
        raise TemplateError(
            "This tokenizer cannot report character offsets; ftlib needs a fast (Rust) "
            "tokenizer to know which characters each token covers."
        ) from exc
    return [
        (list(ids), [tuple(o) for o in offs])
        for ids, offs in zip(out["input_ids"], out["offset_mapping"], strict=True)
    ]


def _tokenize(tokenizer, text: str) -> tuple[list[int], list[tuple[int, int]]]:
    backend = _fast_backend(tokenizer)
    if backend is not None:
        enc = backend.encode(text, add_special_tokens=False)
        return enc.ids, enc.offsets
    return _tokenize_many(tokenizer, [text])[0]


def _cut_turns(seg_of, trained, segments, messages, keep) -> list[dict]:
    """Per message that lost tokens to the max length: how many were kept and cut, and whether it was trained."""
    if keep >= len(seg_of):
        return []
    stats: dict[int, dict] = {}
    for i, j in enumerate(seg_of):
        msg = segments[j].message if j >= 0 else None
        if msg is None:
            continue
        entry = stats.setdefault(
            msg, {"message": msg, "role": messages[msg]["role"], "kept": 0, "cut": 0, "trained": False}
        )
        entry["kept" if i < keep else "cut"] += 1
        entry["trained"] |= trained[i]
    return [dict(e, fully_cut=e["kept"] == 0) for _, e in sorted(stats.items()) if e["cut"]]


def _row_parts(row: dict) -> tuple[list[tuple[list[dict], int]], list[dict] | None]:
    """The conversations a row encodes to, each with its `train_from`, and the prompt of a preference row."""
    if is_preference(row):
        prompt = list(row.get("prompt") or [])
        # The prompt's own assistant turns (multi-turn prompts) are context for a preference pair, never trained.
        return [(prompt + _as_messages(row[k], k), len(prompt)) for k in ("chosen", "rejected")], prompt
    if row_kind(row) != "sft":
        raise EncodingError(
            f"This row is a {row_kind(row).replace('_', ' ')} row; the token view encodes "
            "conversations and preference pairs."
        )
    return [(row["messages"], 0)], None


def _assemble(parts: list[Encoded], prompt, template: ChatTemplate) -> Encoded | PreferenceEncoded:
    if prompt is None:
        return parts[0]
    prompt_text = render(template, prompt, add_generation_prompt=True) if prompt else ""
    return PreferenceEncoded(prompt_text, *parts)


def encode_row(
    row: dict,
    tokenizer,
    template: ChatTemplate | str,
    policy: str = "all_assistant",
    max_length: int | None = None,
    checks: bool = True,
) -> Encoded | PreferenceEncoded:
    """A canonical row: SFT `{"messages"}` -> Encoded; preference `{"prompt","chosen","rejected"}` ->
    PreferenceEncoded (prompt+chosen and prompt+rejected, only the answers trained unless policy `everything`)."""
    template = _resolve_template(template, tokenizer)
    conversations, prompt = _row_parts(row)
    parts = [
        encode_messages(messages, tokenizer, template, policy, max_length, checks, train_from=start)
        for messages, start in conversations
    ]
    return _assemble(parts, prompt, template)


def encode_rows(
    rows: list[dict],
    tokenizer,
    template: ChatTemplate | str,
    policy: str = "all_assistant",
    max_length: int | None = None,
    checks: bool = False,
) -> list[Encoded | PreferenceEncoded]:
    """`encode_row` over many rows with one batched tokenizer call (for preparing a training set).

    Same results as encode_row row by row; checks are off by default (they render every row again)."""
    _check_args(policy, max_length)
    template = _resolve_template(template, tokenizer)
    layout, prepared = [], []
    for row in rows:
        conversations, prompt = _row_parts(row)
        layout.append((len(conversations), prompt))
        prepared += [_prepare(messages, template, policy, start) for messages, start in conversations]
    tokenized = _tokenize_many(tokenizer, [p[0].text for p in prepared])
    encoded = [
        _finish(p, ids, offs, tokenizer, template, policy, max_length, checks)
        for p, (ids, offs) in zip(prepared, tokenized, strict=True)
    ]
    out, at = [], 0
    for count, prompt in layout:
        out.append(_assemble(encoded[at : at + count], prompt, template))
        at += count
    return out


def _as_messages(value, key: str) -> list[dict]:
    if isinstance(value, str):  # a bare answer string is one assistant message
        return [{"role": "assistant", "content": value}]
    if not isinstance(value, list):
        raise EncodingError(f"The '{key}' field of a preference row must be a list of messages or a string.")
    return value


__all__ = [
    "IGNORE",
    "POLICIES",
    "POLICY_HELP",
    "Check",
    "Encoded",
    "PreferenceEncoded",
    "Segment",
    "TokenRecord",
    "encode_messages",
    "encode_row",
    "encode_rows",
    "is_preference",
    "preflight",
]
