"""The model set's decoding (`generate_with_set`'s context check, `GenerationJob`) starts from the answer length
written once in `ftlib.decoding` (DEFAULT_NEW_TOKENS), as `sampling.generate` does: a literal 64 of its own would stay
behind if the default changed, and the context check would then measure another length than the one decoded."""

from __future__ import annotations

import inspect

from ftlib import modelset
from ftlib.decoding import DEFAULT_NEW_TOKENS
from tests.test_defaults_one_home import code_constants


def test_the_model_set_reads_the_answer_length_from_its_home():
    written = [line for line, value in code_constants("ftlib/modelset.py") if value == DEFAULT_NEW_TOKENS]
    assert written == [], f"ftlib/modelset.py writes {DEFAULT_NEW_TOKENS} again on line(s) {written}"
    assert inspect.signature(modelset.GenerationJob).parameters["max_new_tokens"].default == DEFAULT_NEW_TOKENS
