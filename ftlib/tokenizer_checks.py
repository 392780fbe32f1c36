"""Checks on what the tokenizer does with special tokens: control tokens it does not know, a BOS written twice, a
pad token that is the trained end-of-turn token, the padding side. Each returns a `Check` or None; `checks.preflight`
runs them with the others.
"""

from __future__ import annotations

from functools import lru_cache

from ftlib.check_result import Check
from ftlib.rows import IGNORE_INDEX
from ftlib.templates import ChatTemplate, missing_special_tokens
from ftlib.tokens import Encoded, tokenizer_adds_bos


@lru_cache(maxsize=8)
def _missing(tokenizer, size: int, template: ChatTemplate) -> tuple[str, ...]:
    # `size` (the vocabulary length) is in the key so that tokens added later invalidate the entry.
    return tuple(missing_special_tokens(tokenizer, template))


def check_missing_special_tokens(tokenizer, template: ChatTemplate) -> Check | None:
    missing = _missing(tokenizer, len(tokenizer), template)
    if not missing:
        return None
    return Check(
        "missing_special_tokens",
        "warning",
        f"The {template.title} template writes {', '.join(missing)}, which this tokenizer does not know: "
        "each is split into several ordinary tokens, so the model cannot emit it as one stop signal.",
        "Use the model's own template, or add the tokens to the tokenizer (the 'Add the missing special tokens' "
        "switch on the Tokens page) and resize the model's embeddings before training.",
    )


def check_double_bos(enc: Encoded, tokenizer, template: ChatTemplate) -> Check | None:
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
    if bos and enc.kind != "text" and enc.text.startswith(bos) and tokenizer_adds_bos(tokenizer):
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


__all__ = ["check_double_bos", "check_missing_special_tokens", "check_pad_is_eos", "check_padding_side"]
