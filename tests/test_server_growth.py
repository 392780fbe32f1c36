"""What a team's server keeps as it runs for weeks: caches hold a bounded number of entries, keyed so that a new
object never reads an old one's, and listing many runs parses only the metric files that changed. Counts, not times.
"""

from __future__ import annotations

import gc

from ftlib import sampling as S


class _Tokenizer:
    """A tokenizer that names its model in every token's text (`token_text` needs only `decode`)."""

    def __init__(self, model: str) -> None:
        self.model = model

    def decode(self, ids: list[int], **_) -> str:
        return f"{self.model}:{ids[0]}"


def test_token_texts_go_with_their_tokenizer_and_a_new_one_never_reads_an_old_ones():
    # A tokenizer the pages' cache lets go is freed; the next one is often made at its address (199 of 200 were),
    # and a cache keyed by id() gave it the freed one's texts.
    for n in range(200):
        tokenizer = _Tokenizer(f"model-{n}")
        assert S.token_text(tokenizer, 5) == f"model-{n}:5"
        del tokenizer
    gc.collect()
    assert len(S._TOKEN_TEXTS) == 0  # nothing kept of the 200 tokenizers once they are gone
