"""A token's readable text (`token_text`) and the text of a growing answer, token by token (`Detokenizer`).

Both are how `ftlib.sampling`'s decoding loop names what it writes: each token's own piece (the next-token table's
and the Compare card's alternatives) and the characters each step adds to the answer, a character split over tokens
held back until it is whole. Nothing here runs a model.
"""

from __future__ import annotations

import re

from ftlib.text_rows import per_tokenizer


def token_text(tokenizer, token_id: int) -> str:
    """Readable text of one token (spaces and newlines as they print, `Ġ` resolved); the bytes of a character split
    over tokens (an emoji's, a CJK character's) as `<0xF0><0x9F>`, as llama.cpp and SentencePiece's byte tokens name
    them. Decoded alone, every such piece read '\ufffd': the Compare card's and the next-token table's candidates
    all looked alike, and alike the token that is the replacement character itself. With SmolLM2's tokenizer, token
    10813 ('ðŁ', how most emoji start) reads '<0xF0><0x9F>' and token 24211 (the replacement character) reads
    '\ufffd' (tests/test_sampling.py).
    """
    # Each tokenizer's texts (id -> text) kept while it lives (text_rows.per_tokenizer: weak keys). Keyed by
    # id(tokenizer), a new tokenizer at a freed one's address read its texts (199 of 200 did: test_server_growth.py).
    texts = per_tokenizer(tokenizer, ("token_texts",), dict)
    token_id = int(token_id)
    if token_id not in texts:
        text = tokenizer.decode([token_id], clean_up_tokenization_spaces=False)
        texts[token_id] = _split_character(tokenizer, token_id, text) if "\ufffd" in text else text
    return texts[token_id]


def _byte_of() -> dict[str, int]:
    """GPT-2's byte-level alphabet, character -> byte: printable bytes stand for themselves, the others are shifted
    past 255 (`Ġ` is the space 0x20, `ð` 0xF0)."""
    kept = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    shifted = [b for b in range(256) if b not in kept]
    return {chr(b): b for b in kept} | {chr(256 + n): b for n, b in enumerate(shifted)}


_BYTE_OF = _byte_of()
_BYTE_TOKEN = re.compile(r"(<0x[0-9A-Fa-f]{2}>)+")  # SentencePiece's byte fallback: a token named `<0xF0>`


def _split_character(tokenizer, token_id: int, text: str) -> str:
    """`text` (a token decoded alone, holding U+FFFD) with the bytes UTF-8 cannot read alone written `<0xNN>`."""
    piece = tokenizer.convert_ids_to_tokens(token_id)
    if not isinstance(piece, str):
        return text
    if _BYTE_TOKEN.fullmatch(piece):
        return piece
    if not piece or any(c not in _BYTE_OF for c in piece):
        return text
    raw = bytes(_BYTE_OF[c] for c in piece)
    if raw.decode("utf-8", "replace") != text:  # not a byte-level token after all
        return text
    out = []
    while raw:
        try:
            out.append(raw.decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            out.append(raw[: exc.start].decode("utf-8") + "".join(f"<0x{b:02X}>" for b in raw[exc.start : exc.end]))
            raw = raw[exc.end :]
    return "".join(out)


class Detokenizer:
    """Turns a row's growing id list into text pieces, holding back half of a multi-byte character.

    Incremental, as vLLM's `detokenize_incrementally` and transformers' TextStreamer: each new piece is the text of
    the ids since the last piece given, decoded after the few ids before them (a SentencePiece tokenizer drops a
    word's leading space at the start of what it decodes), minus the text of those context ids alone. Decoding the
    whole answer at every token cost 6-10 ms a step for 32 rows at token 1,024, 0.2 ms now (bench/bench_detok.py)."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.ids: list[int] = []
        self.prefix, self.read = 0, 0  # ids[prefix:read]: context already given out; ids[read:]: not given yet

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, clean_up_tokenization_spaces=False)

    def push(self, token_id: int) -> str:
        self.ids.append(token_id)
        before = self._decode(self.ids[self.prefix : self.read])
        now = self._decode(self.ids[self.prefix :])
        if now.endswith("\ufffd") or len(now) <= len(before):  # half a UTF-8 character: wait for its next byte
            return ""
        self.prefix, self.read = self.read, len(self.ids)
        return now[len(before) :]

    def flush(self) -> str:
        before = self._decode(self.ids[self.prefix : self.read])
        now = self._decode(self.ids[self.prefix :])
        self.prefix = self.read = len(self.ids)
        return now[len(before) :]


__all__ = ["Detokenizer", "token_text"]
