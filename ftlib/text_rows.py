"""A raw text row as training writes it: a BOS where the tokenizer adds one, the text, the EOS (as TRL's language
modelling adds it). The Tokens page's encoding (tokens.py) and the Data page's token lengths (data_stats.py) both
read it here, so the lengths the Data page shows are the ones training cuts.

    text_pieces("The sky is blue.", tokenizer)   # [("The sky is blue.", "text"), ("<|endoftext|>", "end_of_text")]
"""

from __future__ import annotations

from functools import lru_cache


def tokenizer_adds_bos(tokenizer) -> bool:
    """Whether `tokenizer(text)` puts a BOS token in front by default (Llama tokenizers do, SmolLM2's does not)."""
    return _adds_bos(tokenizer, len(tokenizer))


@lru_cache(maxsize=8)
def _adds_bos(tokenizer, size: int) -> bool:
    # `size` (the vocabulary length) is in the key so that tokens added later invalidate the entry.
    with_special = tokenizer("a")["input_ids"]
    plain = tokenizer("a", add_special_tokens=False)["input_ids"]
    return len(with_special) > len(plain) and with_special[0] == tokenizer.bos_token_id


def text_pieces(text: str, tokenizer) -> list[tuple[str, str]]:
    """A text row as trained, (piece, kind) each: a BOS where the tokenizer adds one, the text, the EOS."""
    bos, eos = tokenizer.bos_token, tokenizer.eos_token
    head = [(bos, "start_of_text")] if bos and tokenizer_adds_bos(tokenizer) and not text.startswith(bos) else []
    return [*head, (text, "text"), *([(eos, "end_of_text")] if eos and not text.endswith(eos) else [])]


def head_length(pieces: list[tuple[str, str]]) -> int:
    """The characters of the BOS `text_pieces` put in front (0: none). Tokenize the rest apart and put the BOS id
    before it, as the tokenizer's post-processor does: tokenized after the BOS's text, a sentencepiece tokenizer
    that prefixes only the start of a text with "▁" (Metaspace, prepend_scheme "first": Mistral v0.3) reads the
    first word as following a special token, "The" where `tokenizer(text)` has "▁The"."""
    return len(pieces[0][0]) if pieces and pieces[0][1] == "start_of_text" else 0


def template_head(text: str, template) -> int:
    """The characters of the BOS the built-in `text` template writes in front of a prompt/completion row (0: none;
    `template` a ChatTemplate, whose `bos` is set only where the tokenizer adds one). Tokenized apart, as
    `head_length`'s BOS is: TRL's `tokenizer(prompt + completion)` puts the BOS id before the text's own ids."""
    bos = template.bos if getattr(template, "name", None) == "text" else None
    return len(bos) if bos and text.startswith(bos) else 0


__all__ = ["head_length", "template_head", "text_pieces", "tokenizer_adds_bos"]
