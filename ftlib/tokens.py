"""A canonical row -> `input_ids`, `labels` (IGNORE_INDEX where not trained) and one record per token with its reason.

Masks come from character spans, never from token matching or prefix lengths: the conversation is rendered
once (templates.render_spans tells where each message's reasoning, reply and tool calls landed, and each
`{% generation %}` block), the spans are labelled (masks.build_segments), the text is tokenized once with
`add_special_tokens=False` and offsets, and every token takes the meaning of the characters it covers. This works
for any template, with or without generation tags; it agrees token for token with transformers'
`return_assistant_tokens_mask` where a template has tags, and with the difference between the conversation
rendered up to each reply with and without the generation prompt where it has none.

    tok = load_tokenizer("default")
    enc = encode_row({"messages": messages, "tools": tools}, tok, get_template("hermes", tok))
    enc.labels            # IGNORE_INDEX for masked tokens, the token id where trained (not shifted: the model shifts)
    enc.tokens[3].reason  # "user prompt — masked: the model should not learn to write the user's words"
    checks.preflight(enc, tok, template)   # what is wrong with it, in plain words (checks reads an encoding)

Row kinds (rows.py): sft -> Encoded; preference -> PreferenceEncoded (prompt+chosen, prompt+rejected); unpaired ->
Encoded of prompt+completion with its `label` (only the completion trained); text -> Encoded with every token
trained (plus the tokenizer's eos, as TRL's language modelling adds it); prompt_only -> Encoded of the prompt
with the generation prompt, nothing trained (supervised training has no answer to learn from).

Policies: `all_assistant` (default: every assistant reply and its end-of-turn token), `last_assistant`,
`completion_only` (everything after the prompt, as TRL's prompt/completion loss) and `everything`. Not known here:
padding and packing (batching.py), what is wrong with a row (checks.py).
"""

from __future__ import annotations

import weakref
from dataclasses import asdict, dataclass, field
from functools import cached_property, lru_cache

from ftlib import masks
from ftlib.errors import UserError
from ftlib.masks import MASKED_WHY, POLICIES, TEXT_TEMPLATE, Segment, assign, build_segments, dropped_parts, what_of
from ftlib.rows import IGNORE_INDEX, as_turns, is_preference, row_kind
from ftlib.template_input import tool_row_error
from ftlib.templates import ChatTemplate, TemplateError, get_template, render, render_spans
from ftlib.text_rows import head_length, template_head, text_pieces, tokenizer_adds_bos


class EncodingError(UserError):
    """Settings or a row the encoder cannot work with (an unknown mask policy, a bad max length)."""


POLICY_HELP = {
    "all_assistant": "every assistant reply and its end-of-turn token (default)",
    "last_assistant": "only the last assistant reply and its end-of-turn token",
    "completion_only": "everything after the prompt: the final reply to the end of the text (prompt/completion rows)",
    "everything": "every token, prompt and template included (plain language modelling)",
}


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
    pushed_down: bool = False  # trained to be less likely: a rejected answer's, a bad (KTO) one's

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Encoded:
    """One encoded sequence: what training gets (`input_ids`, `labels`, `attention_mask`, cut to the max length)
    and what the token view and the checks read (every token of the text before the cut, with its character span,
    segment and trained flag; what the template left out). `tokens` are built on first access."""

    text: str
    input_ids: list[int]
    attention_mask: list[int]
    labels: list[int]
    all_ids: list[int] = field(default_factory=list, repr=False)  # every token of `text`, also those cut
    offsets: list[tuple[int, int]] = field(default_factory=list, repr=False)  # character span of each of all_ids
    token_segments: list[int] = field(default_factory=list, repr=False)  # index into segments (-1: scaffolding)
    token_trained: list[bool] = field(default_factory=list, repr=False)  # per token of all_ids, before the cut
    special_ids: frozenset[int] = field(default_factory=frozenset, repr=False)
    segments: list[Segment] = field(default_factory=list, repr=False)
    messages: list[dict] = field(default_factory=list, repr=False)  # the canonical turns encoded ([] for text)
    tools: list | None = field(default=None, repr=False)
    columns: dict = field(default_factory=dict, repr=False)  # a prompt-only row's other fields (GRPO's rewards)
    kind: str = "sft"  # the row kind (rows.ROW_KINDS)
    label: bool | None = None  # unpaired rows: good (True) or bad (False)
    template: str = ""
    policy: str = "all_assistant"
    train_from: int = 0  # assistant turns before this message index are the prompt (never trained)
    truncated: bool = False
    cut_turns: list[dict] = field(default_factory=list)
    exact_spans: bool = True  # False: the template changes message text, parts were found by searching
    dropped: list[dict] = field(default_factory=list)  # {"message", "what"}: parts the template left out
    rejected: bool = False  # a preference pair's rejected answer: its trained tokens are pushed down, as a bad one's

    @cached_property
    def _records(self) -> list[TokenRecord]:
        records, prev_end = [], 0
        for i, (tid, (s, e)) in enumerate(zip(self.all_ids, self.offsets, strict=True)):
            # Byte-level tokenizers give every byte piece of one character the same character offsets: the first
            # piece shows the character, later pieces show "" (flagged), so the pieces concatenate to the text.
            byte_piece = e > s and s < prev_end and e <= prev_end
            start = min(max(s, prev_end), len(self.text))
            end = max(e, start)
            if i == len(self.all_ids) - 1:
                end = len(self.text)  # trailing characters no token claims go to the last token
            piece = self.text[start:end] if not byte_piece else ""
            prev_end = max(prev_end, end)
            seg = self.segments[self.token_segments[i]] if self.token_segments[i] >= 0 else None
            # The first token is never a target (nothing before it predicts it): shown so, its label still its id.
            trained, target = self.token_trained[i], self.token_trained[i] and i > 0
            records.append(
                TokenRecord(
                    index=i,
                    id=tid,
                    text=piece,
                    special=tid in self.special_ids,
                    role=seg.role if seg else "template",
                    segment=seg.kind if seg else "template",
                    message=seg.message if seg else None,
                    trained=target,
                    label=tid if trained else IGNORE_INDEX,
                    reason=self._reason(seg, target, i) if target or not trained else masks.FIRST_TOKEN,
                    byte_piece=byte_piece,
                    pushed_down=target and (self.rejected or self.label is False),
                )
            )
        return records

    def _reason(self, seg: Segment | None, trained: bool, i: int) -> str:
        if i >= len(self.input_ids):
            return "cut by max length — not part of the training sequence"
        if seg is not None and seg.trained == trained:
            return seg.reason
        what = _describe(seg, self.template)
        if trained:
            return f"{what} — trained (policy: {self.policy.replace('_', ' ')})"
        if self.kind == "prompt_only":
            return what + " — masked: a prompt-only row has no answer to learn from"
        return what + MASKED_WHY.get(what, " — masked")

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
        """Tokens the loss scores: a label other than -100, after the first (which nothing before it predicts)."""
        return sum(label != IGNORE_INDEX for label in self.labels[1:])

    def piece(self, i: int) -> str:
        """The characters token i of `all_ids` covers in `text`."""
        s, e = self.offsets[i]
        return self.text[s:e]

    def counts(self) -> dict:
        """Total, trained (`num_trained`), % trained, and per role `{role: {"total", "trained"}}`."""
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
            "cut": len(self.all_ids) - total,
            "per_role": per_role,
        }

    def as_dict(self) -> dict:
        """The CLI's JSON shape (the CLI adds the row's `checks`)."""
        out = {
            "kind": self.kind,
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
        }
        if self.label is not None:
            out["label"] = self.label
        return out


@dataclass
class PreferenceEncoded:
    """A preference row: the shared prompt text and the two sequences, prompt+chosen and prompt+rejected."""

    prompt_text: str
    chosen: Encoded
    rejected: Encoded

    def as_dict(self) -> dict:
        return {"prompt_text": self.prompt_text, "chosen": self.chosen.as_dict(), "rejected": self.rejected.as_dict()}


def parts(enc: Encoded | PreferenceEncoded) -> dict[str, Encoded]:
    """The sequences of an encoded row by name: {"chosen": ..., "rejected": ...} or {"": enc}."""
    if isinstance(enc, PreferenceEncoded):
        return {"chosen": enc.chosen, "rejected": enc.rejected}
    return {"": enc}


def _describe(seg: Segment | None, template: str = "") -> str:
    """What a token's segment is, in the words of its template (`template`: its name; the `text` template's raw
    prompt/completion text has no turns: `masks.what_of`)."""
    text = template == TEXT_TEMPLATE
    if seg is None or seg.kind == "template":
        return "template scaffolding"
    if seg.kind == "tool_schema":
        return masks.TOOL_SCHEMAS
    if seg.kind == "end_of_turn":
        return "end of the completion" if text else "end of assistant turn"
    if seg.kind == "turn_template":
        return (
            "text written by the template inside the completion"
            if text
            else "assistant-turn text written by the template"
        )
    if seg.kind in ("reasoning", "tool_call"):
        return "assistant reasoning" if seg.kind == "reasoning" else "assistant tool call"
    return what_of(seg.role, template)


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


# --------------------------------------------------------------------------------------------------- prepare


@dataclass
class _Prepared:
    """Everything before tokenization: the text and its labelled character spans."""

    text: str
    segments: list[Segment]
    trained_from: int | None
    messages: list[dict]
    kind: str
    policy: str
    tools: list | None = None
    train_from: int = 0
    label: bool | None = None
    exact: bool = True
    dropped: list[dict] = field(default_factory=list)


def _has_tools(messages: list[dict], tools) -> bool:
    return bool(tools) or any(m.get("tool_calls") or m.get("role") == "tool" for m in messages)


def _prepare_messages(messages, template: ChatTemplate, policy, train_from=0, tools=None, kind="sft", label=None):
    generation_prompt = kind == "prompt_only"  # a prompt is shown as the model gets it: ending on the reply's header
    try:
        rendered = render_spans(template, messages, add_generation_prompt=generation_prompt, tools=tools)
    except TemplateError as exc:
        if not _has_tools(messages, tools):
            raise
        raise tool_row_error(exc, template, messages) from None
    if kind == "prompt_only":
        train_from = len(messages)  # nothing is trained, whatever the policy
    segments, trained_from = build_segments(
        rendered, template, messages, "all_assistant" if kind == "prompt_only" else policy, train_from, tools, label
    )
    return _Prepared(
        rendered.text,
        segments,
        trained_from,
        list(messages),
        kind,
        policy,
        tools,
        train_from,
        label,
        rendered.exact,
        dropped_parts(rendered, messages, tools),
    )


def _prepare_text(text: str, tokenizer) -> _Prepared:
    """A raw text row (`text_pieces`), every character trained."""
    pieces, segments, at = text_pieces(text, tokenizer), [], 0
    for piece, kind in pieces:  # each from where the last ended (arguments are evaluated left to right)
        segments.append(Segment(at, at := at + len(piece), "text", kind, None, True, masks.TEXT_REASONS[kind]))
    return _Prepared("".join(p for p, _ in pieces), segments, 0, [], "text", "everything")


def prepare_row(row: dict, template: ChatTemplate, policy: str, tokenizer) -> tuple[list[_Prepared], list | None]:
    """`encode_row`'s first step, without tokenizing: canonical row `row` rendered by `template`, its characters
    labelled under mask policy `policy` (one sequence; a preference row's two, prompt+chosen and prompt+rejected),
    and a preference row's prompt turns (None for other kinds). `tokenizer` is read only for a raw text row (its
    BOS and EOS). Raises TemplateError where the template refuses the row, EncodingError where it cannot be encoded."""
    kind = row_kind(row)
    tools = row.get("tools")
    if kind == "text":
        if not isinstance(row["text"], str) or not row["text"]:
            raise EncodingError("A text row needs its text as a non-empty string in `text`.")
        return [_prepare_text(row["text"], tokenizer)], None
    if kind == "sft":
        return [_prepare_messages(as_turns(row["messages"]), template, policy, tools=tools)], None
    prompt = as_turns(row.get("prompt"), "user")
    if kind == "prompt_only":
        return [_prepare_messages(prompt, template, policy, tools=tools, kind=kind)], None
    if kind == "unpaired":
        messages = prompt + as_turns(row["completion"])
        label = bool(row["label"])
        return [_prepare_messages(messages, template, policy, len(prompt), tools, kind, label)], None
    # The prompt's own assistant turns (multi-turn prompts) are context for a preference pair, never trained.
    return [
        _prepare_messages(prompt + as_turns(row[k]), template, policy, len(prompt), tools, "preference")
        for k in ("chosen", "rejected")
    ], prompt


# --------------------------------------------------------------------------------------------------- encode


def _resolve_template(template, tokenizer) -> ChatTemplate:
    if isinstance(template, ChatTemplate):
        return template
    return get_template(template or "tokenizer", tokenizer)


def _check_args(policy: str, max_length: int | None) -> None:
    if policy not in POLICIES:
        raise EncodingError(f"Unknown mask policy '{policy}'. Choose one of: {', '.join(POLICIES)}.")
    if max_length is not None and max_length < 1:
        raise EncodingError(f"max_length must be a positive number of tokens (got {max_length}).")


def encode_messages(
    messages,
    tokenizer,
    template: ChatTemplate | str,
    policy: str = "all_assistant",
    max_length: int | None = None,
    train_from: int = 0,
    tools=None,
) -> Encoded:
    """Render a conversation (canonical turns), tokenize it once, and label every token.

    `train_from`: assistant turns before this message index are never trained (the prompt of a preference row).
    `tools`: the row's tool schemas, given to the template as transformers' `tools=` does.

    >>> enc = encode_messages([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}],
    ...                       tok, get_template("chatml", tok))                          # doctest: +SKIP
    >>> [t.text for t in enc.tokens if t.trained]                                       # doctest: +SKIP
    ['Yo', '<|im_end|>']
    """
    _check_args(policy, max_length)
    template = _resolve_template(template, tokenizer)
    prepared = _prepare_messages(as_turns(messages), template, policy, train_from, tools)
    ids, offsets = _tokenize_prepared(tokenizer, [prepared], template)[0]
    return _finish(prepared, ids, offsets, tokenizer, template, max_length)


def _finish(prepared: _Prepared, ids, offsets, tokenizer, template: ChatTemplate, max_length: int | None) -> Encoded:
    """Label the tokens of a prepared sequence and cut it to `max_length`."""
    seg_of, trained = assign(offsets, prepared.segments, prepared.trained_from)
    keep = len(ids) if max_length is None else min(len(ids), max_length)
    labels = [tid if t else IGNORE_INDEX for tid, t in zip(ids[:keep], trained[:keep], strict=True)]
    return Encoded(
        text=prepared.text,
        input_ids=ids[:keep],
        attention_mask=[1] * keep,
        labels=labels,
        all_ids=ids,
        offsets=offsets,
        token_segments=seg_of,
        token_trained=trained,
        special_ids=_special_ids(tokenizer),
        segments=prepared.segments,
        messages=prepared.messages,
        tools=prepared.tools,
        kind=prepared.kind,
        label=prepared.label,
        template="" if prepared.kind == "text" else template.name,
        policy=prepared.policy,
        train_from=prepared.train_from,
        truncated=keep < len(ids),
        cut_turns=_cut_turns(seg_of, trained, prepared.segments, prepared.messages, keep),
        exact_spans=prepared.exact,
        dropped=prepared.dropped,
    )


@lru_cache(maxsize=1)
def _backend_encode_plus():
    """transformers' plain pass-through encoder (imported on first use: importing tokens stays light)."""
    try:
        from transformers.tokenization_utils_tokenizers import TokenizersBackend
    except ImportError:  # another transformers layout: always go through tokenizer(...)
        return None
    return TokenizersBackend._encode_plus


def _fast_backend(tokenizer):
    """The Rust tokenizer, when transformers' wrapper would only pass the text through to it (it costs a third
    of the time per row); None otherwise. The wrapper also resets truncation/padding left on the backend, so
    those must be off."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if (
        backend is not None
        and type(tokenizer)._encode_plus is _backend_encode_plus()
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


def _tokenize_prepared(
    tokenizer, prepared: list[_Prepared], template: ChatTemplate
) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """`_tokenize_many` of the sequences' texts, a text row's BOS (`head_length`) or the one the text template writes
    (`template_head`) as its id before the rest: tokenized after the BOS's text, a Metaspace "first" tokenizer
    (Mistral v0.3) reads "the" where TRL's `tokenizer(text)` has "▁the"."""
    heads = [
        head_length([(p.text[s.start : s.end], s.kind) for s in p.segments[:1]]) or template_head(p.text, template)
        for p in prepared
    ]
    out = _tokenize_many(tokenizer, [p.text[h:] for p, h in zip(prepared, heads, strict=True)])
    return [
        ([tokenizer.bos_token_id, *ids], [(0, h), *((s + h, e + h) for s, e in offs)]) if h else (ids, offs)
        for h, (ids, offs) in zip(heads, out, strict=True)
    ]


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


def _assemble(encoded: list[Encoded], prompt, template: ChatTemplate, row: dict) -> Encoded | PreferenceEncoded:
    if prompt is None:
        encoded[0].columns = dict(row.get("columns") or {})
        return encoded[0]
    encoded[1].segments, encoded[1].rejected = masks.pushed_down(encoded[1].segments, "rejected", template.name), True
    prompt_text = render(template, prompt, add_generation_prompt=True, tools=encoded[0].tools) if prompt else ""
    return PreferenceEncoded(prompt_text, *encoded)


def encode_row(
    row: dict,
    tokenizer,
    template: ChatTemplate | str,
    policy: str = "all_assistant",
    max_length: int | None = None,
) -> Encoded | PreferenceEncoded:
    """A canonical row (any kind of rows.ROW_KINDS) -> Encoded, or PreferenceEncoded for a preference row
    (prompt+chosen and prompt+rejected, only the answers trained unless policy `everything`)."""
    _check_args(policy, max_length)
    template = _resolve_template(template, tokenizer)
    prepared, prompt = prepare_row(row, template, policy, tokenizer)
    tokenized = _tokenize_prepared(tokenizer, prepared, template)
    encoded = [_finish(p, *t, tokenizer, template, max_length) for p, t in zip(prepared, tokenized, strict=True)]
    return _assemble(encoded, prompt, template, row)


def encode_rows(
    rows: list[dict],
    tokenizer,
    template: ChatTemplate | str,
    policy: str = "all_assistant",
    max_length: int | None = None,
) -> list[Encoded | PreferenceEncoded]:
    """`encode_row` over many rows with one batched tokenizer call (for preparing a training set)."""
    _check_args(policy, max_length)
    template = _resolve_template(template, tokenizer)
    layout, prepared = [], []
    for row in rows:
        sequences, prompt = prepare_row(row, template, policy, tokenizer)
        layout.append((len(sequences), prompt, row))
        prepared += sequences
    tokenized = _tokenize_prepared(tokenizer, prepared, template)
    encoded = [
        _finish(p, ids, offs, tokenizer, template, max_length)
        for p, (ids, offs) in zip(prepared, tokenized, strict=True)
    ]
    out, at = [], 0
    for count, prompt, row in layout:
        out.append(_assemble(encoded[at : at + count], prompt, template, row))
        at += count
    return out


def unpaired_partner(rows: list[dict], index: int) -> int | None:
    """The index of the nearest later unpaired row (wrapping round) whose label is the opposite of row `index`'s:
    the Tokens page shows the two side by side, a good and a bad example. None when there is none."""
    row = rows[index]
    if row_kind(row) != "unpaired":
        return None
    for step in range(1, len(rows)):
        j = (index + step) % len(rows)
        other = rows[j]
        if isinstance(other, dict) and "label" in other and "completion" in other:
            if bool(other["label"]) != bool(row["label"]):
                return j
    return None


__all__ = [
    "POLICIES",
    "POLICY_HELP",
    "EncodingError",
    "Encoded",
    "PreferenceEncoded",
    "Segment",
    "TokenRecord",
    "encode_messages",
    "encode_row",
    "encode_rows",
    "is_preference",
    "parts",
    "prepare_row",
    "text_pieces",
    "tokenizer_adds_bos",
    "unpaired_partner",
]
