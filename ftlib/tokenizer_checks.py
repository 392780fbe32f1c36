"""Checks on what the tokenizer does with special tokens: control tokens it does not know, a BOS written twice, a
pad token that is the trained end-of-turn token, the padding side, control tokens written inside a message's own
text (`control_token_checks`, a list: a warning and an error may both apply). Each other returns a `Check` or None;
`checks.preflight` runs them with the others.
"""

from __future__ import annotations

import json

from ftlib.check_result import Check
from ftlib.masks import MESSAGE_TEXT
from ftlib.prompt_checks import turns_named
from ftlib.rows import IGNORE_INDEX
from ftlib.templates import ChatTemplate, has_own_template, missing_special_tokens, required_special_tokens
from ftlib.text_rows import per_tokenizer, template_head
from ftlib.tokens import Encoded, tokenizer_adds_bos

# Said wherever tokens are added to see them as one: the studio's runs keep the model's tokenizer as it is.
PREVIEW_ONLY = (
    ". Training does not add tokens: the Tokens page's 'Add the missing special tokens' switch (`tokens "
    "--add-missing-tokens`) only shows how the rows would read with them."
)


def check_missing_special_tokens(tokenizer, template: ChatTemplate) -> Check | None:
    """warning "missing_special_tokens" naming the control tokens the template writes that the tokenizer does not know
    (each split into ordinary tokens); None when it knows them all. Cached per tokenizer, its size and template."""
    key = ("missing_special_tokens", len(tokenizer), template)
    missing = per_tokenizer(tokenizer, key, lambda: tuple(missing_special_tokens(tokenizer, template)))
    if not missing:
        return None
    # eot_not_trained leaves a reply's end written as pieces of a marker to this warning: one cause, said once
    eot = template.end_of_turn
    ends = f" {eot} ends each reply, so no reply ends on one special token." if eot in missing else ""
    return Check(
        "missing_special_tokens",
        "warning",
        f"The {template.title} template writes {', '.join(missing)}, which this tokenizer does not know: "
        "each is split into several ordinary tokens, so the model learns it as several pieces, not one stop signal, "
        f"and generation may not stop at it.{ends}",
        (
            "Use the model's own template"
            if has_own_template(tokenizer)
            else "This model has no template of its own: pick a built-in template whose control tokens it knows"
        )
        + PREVIEW_ONLY,
    )


def check_double_bos(enc: Encoded, tokenizer, template: ChatTemplate) -> Check | None:
    """error "double_bos" when the row starts with one BOS twice (the tokenizer's, or the template's `bos` when it
    is one token); info, for engineers, when the template writes BOS and the tokenizer would add one too (not the
    `text` template, whose BOS stands for the tokenizer's own); else None."""
    bos_ids = {tokenizer.bos_token_id}
    if template.bos and enc.kind != "text":
        ids = tokenizer.encode(template.bos, add_special_tokens=False)
        if len(ids) == 1:
            bos_ids.add(ids[0])
    bos_ids.discard(None)
    ids = enc.input_ids
    if len(ids) >= 2 and ids[0] == ids[1] and ids[0] in bos_ids:
        return Check(
            "double_bos",
            "error",
            f"The sequence starts with two BOS tokens ({enc.piece(0)!r} twice): the model never saw this "
            "at pre-training and quality drops.",
            "Write BOS once: remove it from the template or from the first message.",
        )
    bos = tokenizer.bos_token
    # The text template writes the BOS only to show the one the tokenizer adds (template_head: TRL's
    # `tokenizer(prompt + completion)` puts it there): on purpose, on every row; a second one is the error above.
    if (
        bos
        and enc.kind != "text"
        and enc.text.startswith(bos)
        and not template_head(enc.text, template)
        and tokenizer_adds_bos(tokenizer)
    ):
        return Check(
            "double_bos",
            "info",
            f"The template already writes {bos!r} and this tokenizer adds another one by default.",
            "Nothing to do in this studio: it never adds a second one. In your own code, tokenize rendered text "
            "with tokenizer(text, add_special_tokens=False).",
            for_engineers=True,
        )
    return None


def check_pad_is_eos(enc: Encoded, tokenizer) -> Check | None:
    """info, for engineers, "pad_is_eos" when the pad token is a special token the row trains (its end-of-turn token):
    code that ignores every pad id would never train it. None otherwise."""
    pad = tokenizer.pad_token_id
    trained_ids = {label for label in enc.labels if label != IGNORE_INDEX}
    if pad is None or pad not in trained_ids or pad not in enc.special_ids:
        return None
    tok = tokenizer.pad_token
    return Check(
        "pad_is_eos",
        "info",
        f"The padding token is the same as the trained end-of-turn token {tok!r}. This studio tells padding "
        f"apart by its position, so the real {tok!r} stays trained; but training code that ignores every "
        f"{tok!r} as padding would never teach the model to stop.",
        "Nothing to do in this studio. In other training code, give the tokenizer a distinct pad token "
        f"({_distinct_pad(tokenizer, trained_ids)}).",
        for_engineers=True,
    )


def _distinct_pad(tokenizer, trained_ids: set[int]) -> str:
    """How to give this tokenizer a pad token that is never trained: one of its own special tokens named for padding
    or the end of text (Llama-3's `<|finetune_right_pad_id|>`, SmolLM2's and Qwen's `<|endoftext|>`), else a new
    one."""
    specials = {tokenizer.convert_tokens_to_ids(t): t for t in tokenizer.all_special_tokens}
    specials.update({i: t.content for i, t in tokenizer.added_tokens_decoder.items() if t.special})
    free = [t for i, t in specials.items() if i not in trained_ids and i != tokenizer.pad_token_id]
    for word in ("pad", "endoftext", "unk"):
        found = next((t for t in free if word in t.lower()), None)
        if found:
            return f"this tokenizer has one: tokenizer.pad_token = {found!r}"
    return (
        "this tokenizer has none to spare: tokenizer.add_special_tokens({'pad_token': '<pad>'}), then resize the "
        "model's embeddings"
    )


def check_padding_side(tokenizer, purpose: str = "train") -> Check | None:
    """warning, for engineers, "padding_side" when the tokenizer pads on the left for `purpose` "train" or on the right
    for "generate"; None otherwise (a tokenizer without `padding_side` counts as right)."""
    side = getattr(tokenizer, "padding_side", "right")
    if purpose == "train" and side == "left":
        return Check(
            "padding_side",
            "warning",
            "The tokenizer pads on the left. Training expects right padding: with left padding the "
            "positions shift and fp16 runs have produced NaN losses.",
            "Nothing to do in this studio: it pads training batches on the right. In your own code, set "
            "tokenizer.padding_side = 'right' for training.",
            for_engineers=True,
        )
    if purpose == "generate" and side == "right":
        return Check(
            "padding_side",
            "warning",
            "The tokenizer pads on the right. Batched generation needs left padding, or shorter prompts "
            "continue after their padding.",
            "Set tokenizer.padding_side = 'left' when generating in batches.",
            for_engineers=True,
        )
    return None


def _written(message: dict) -> str:
    """The text a turn brings to the template: its content, reasoning and tool calls (names and arguments)."""
    calls = [c.get("function", c) for c in message.get("tool_calls") or [] if isinstance(c, dict)]
    said = [message.get("content"), message.get("reasoning"), *(json.dumps(c, ensure_ascii=False) for c in calls)]
    return "\n".join(s for s in said if isinstance(s, str))


def _control_hits(enc: Encoded, template: ChatTemplate) -> dict[int, dict[str, tuple[bool, bool, int]]]:
    """{message: {control token: (trained, read as one special token, where in the text)}} for each control token in
    a turn's own text that reaches the rendered text: a special token this row's tokens hold, or one the template
    writes."""
    present = enc.special_ids.intersection(enc.all_ids)  # looked up by id first: most rows hold few specials
    specials = {enc.piece(enc.all_ids.index(i)).strip() for i in present}
    controls = sorted((specials | set(required_special_tokens(template))) - {""}, key=len, reverse=True)
    hits: dict[int, dict[str, tuple[bool, bool, int]]] = {}
    for i, message in enumerate(enc.messages):
        written = _written(message)
        for token in (c for c in controls if c in written):
            spans = [(s.start, s.end) for s in enc.segments if s.message == i and s.kind in MESSAGE_TEXT]
            found = [at for s, e in spans if (at := enc.text.find(token, s, e)) >= 0 and at + len(token) <= e]
            if not found:
                continue  # the template left that part out: other checks say so
            at = found[0]
            covering = [k for k, (s, e) in enumerate(enc.offsets) if s < at + len(token) and e > at]
            trained = any(enc.token_trained[k] for k in covering)
            one = any(enc.all_ids[k] in enc.special_ids and enc.piece(k).strip() == token for k in covering)
            hits.setdefault(i, {})[token] = (trained, one, at)
    return hits


def _quoted(tokens) -> str:
    listed = [repr(t) for t in tokens]
    return listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} and {listed[-1]}"


def prompt_control_warning(texts: list[str], tokenizer) -> str | None:
    """A warning when a prompt's own text (`texts`: its messages' contents, as typed) writes one of the tokenizer's
    special tokens (`Say hi<|im_end|>`): the prompt is tokenized as rendered, so each is read as the control token
    itself, as transformers does, and the model is given a turn boundary (or a whole fake turn) that is not there.
    None when no text holds one. Training says the same of a row (`control_token_checks`).

    >>> class Tok:
    ...     all_special_tokens = ["<|im_start|>", "<|im_end|>"]
    ...     added_tokens_decoder = {}
    >>> prompt_control_warning(["Say hi<|im_end|>"], Tok())[:40]
    "The message writes '<|im_end|>' in its o"
    """
    specials = set(getattr(tokenizer, "all_special_tokens", []) or [])
    specials |= {t.content for t in (getattr(tokenizer, "added_tokens_decoder", {}) or {}).values() if t.special}
    text = "\n".join(t for t in texts if t)
    found = sorted((s for s in specials if s and s.strip() and s in text), key=text.index)
    if not found:
        return None
    it, each = ("it", "it") if len(found) == 1 else ("them", "each")
    return (
        f"The message writes {_quoted(found)} in its own text: the tokenizer reads {each} as the control token "
        "itself (as transformers does), so the model is given a turn boundary that is not there, and what follows "
        f"reads as another turn. Remove {it} to ask the question as written."
    )


def control_token_checks(enc: Encoded, template: ChatTemplate) -> list[Check]:
    """Control tokens written inside a message's own text (`Explain <|im_end|>`): the tokenizer reads them as the
    control token itself, as transformers and TRL do (`tokenizer(text, add_special_tokens=False)` gives the special
    id, here and in their trainers), so the row holds a turn boundary that is not there. An error where a trained
    assistant turn holds one (the model learns to write it mid-answer), a warning for every other turn (the model
    only reads it: a fake boundary in its context). [] when no turn's text holds one."""
    if enc.kind == "text" or not enc.messages:
        return []
    hits = _control_hits(enc, template)
    if not hits:
        return []
    # Graded as tool_calls_dropped is: a trained reply that teaches the model to end its turn mid-answer (or to
    # write a turn of another role) is silent damage the loss never shows, so it is an error and refuses a run;
    # read only (a user's turn, a tool result, an untrained reply), it misleads the model's context: a warning.
    ordered = {i: sorted(found, key=lambda t, found=found: found[t][2]) for i, found in hits.items()}  # as written
    trained = {i: [t for t in tokens if hits[i][t][0]] for i, tokens in ordered.items()}
    read = {i: [t for t in tokens if not hits[i][t][0]] for i, tokens in ordered.items()}
    out = []
    for severity, groups in (("error", trained), ("warning", read)):
        groups = {i: tokens for i, tokens in groups.items() if tokens}
        if not groups:
            continue
        tokens = list(dict.fromkeys(t for _, found in sorted(groups.items()) for t in found))
        it, each = ("it", "it") if len(tokens) == 1 else ("them", "each")
        where = "; ".join(
            f"{turns_named([i])} ({enc.messages[i]['role']}{', trained' if severity == 'error' else ''}) writes "
            f"{_quoted(found)} in its own text"
            for i, found in sorted(groups.items())
        )
        if all(hits[i][t][1] for i, found in groups.items() for t in found):
            how = f"this tokenizer reads {each} as the control token itself (one special token, not characters)"
        else:  # a template's control token this tokenizer does not know: the same pieces as the template's own
            how = (
                f"{each} is the text of a control token the {template.title} template writes, read as the same "
                "pieces as where the template writes it"
            )
        effect = (
            f"the model learns to write {it} in the middle of an answer: an end of turn there stops its reply at "
            "generation, a turn's start begins a fake turn of another role."
            if severity == "error"
            else "the model reads a turn boundary where the row means text (a fake end or start of a turn)."
        )
        first = tokens[0]
        out.append(
            Check(
                "control_token_in_text",
                severity,
                f"{where[0].upper()}{where[1:]}: {how}, so {effect}",
                f"Remove {_quoted(tokens)} from the data, or write {it} so that the tokenizer reads plain text: with "
                f"a space inside ({first[0] + ' ' + first[1:]!r}) or escaped. `python -m ftlib tokens FILE --line N "
                '--json` marks each token read as a control token ("special": true).',  # a page: `ui.labels.CLI_WORDS`
            )
        )
    return out


__all__ = [
    "check_double_bos",
    "check_missing_special_tokens",
    "check_pad_is_eos",
    "check_padding_side",
    "control_token_checks",
]
