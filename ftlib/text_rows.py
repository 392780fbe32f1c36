"""A raw text row as training writes it: a BOS where the tokenizer adds one, the text, the EOS (as TRL's language
modelling adds it). The Tokens page's encoding (tokens.py) and the Data page's token lengths (data_stats.py) both
read it here, so the lengths the Data page shows are the ones training cuts.

    text_pieces("The sky is blue.", tokenizer)   # [("The sky is blue.", "text"), ("<|endoftext|>", "end_of_text")]

Whether a tokenizer adds a BOS is asked of it once, through `per_tokenizer`: what is worked out once per tokenizer
(tokenizer_checks.py asks its missing control tokens there too, sampling.token_text keeps its token texts there),
kept while the tokenizer lives and no longer.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable

# What is worked out once per tokenizer, kept only while the tokenizer lives. An lru_cache keyed by the tokenizer kept
# the last 8 alive after the pages' caches had let them go (84 MiB for 8 of SmolLM2's; a larger vocabulary's, more).
_PER_TOKENIZER: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PER_TOKENIZER_LOCK = threading.Lock()
PER_TOKENIZER = 16  # answers kept a tokenizer (a check per template asked of it)


def per_tokenizer(tokenizer, key: tuple, make: Callable[[], object]):
    """`make()`, worked out once per tokenizer and `key` while the tokenizer lives (put its vocabulary length in `key`:
    tokens added later then ask again); the `PER_TOKENIZER` answers last worked out for each tokenizer are kept."""
    with _PER_TOKENIZER_LOCK:
        known = _PER_TOKENIZER.setdefault(tokenizer, {})
        if key in known:
            return known[key]
    value = make()
    with _PER_TOKENIZER_LOCK:
        known[key] = value
        while len(known) > PER_TOKENIZER:
            del known[next(iter(known))]
    return value


def tokenizer_adds_bos(tokenizer) -> bool:
    """Whether `tokenizer(text)` puts a BOS token in front by default (Llama tokenizers do, SmolLM2's does not)."""
    return per_tokenizer(tokenizer, ("adds_bos", len(tokenizer)), lambda: _adds_bos(tokenizer))


def _adds_bos(tokenizer) -> bool:
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


__all__ = ["head_length", "per_tokenizer", "template_head", "text_pieces", "tokenizer_adds_bos"]
