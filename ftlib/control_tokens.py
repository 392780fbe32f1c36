"""Control tokens (`<|im_end|>`, `<｜User｜>`, `</s>`): what looks like one in a template's text, a position moved back
out of one, whether a text ends in one, and those a template writes that a tokenizer does not know as one token
(`missing_special_tokens`), added to a copy of it (`add_missing_special_tokens`). Its own module: these read a
template's tokens and a tokenizer, never render; templates.py (which re-exports them: `from ftlib.templates import
token_boundary` works as before), masks, prompt_checks and tokenizer_checks ask them. A `template` here is a
`templates.ChatTemplate` (its `special_tokens`, `end_of_turn`), not imported: templates imports this module.

    token_boundary(["<|im_end|>\\n<|im_start|>"], 13)       # 11: the start of the control token 13 falls inside
    missing_special_tokens(tokenizer, get_template("gemma"))  # the control tokens it would split into pieces
"""

from __future__ import annotations

import re

# What looks like a control token in a custom template's literal text.
SPECIAL_LIKE = re.compile(r"<\|[^<>|\s]{1,40}\|>|<｜[^<>｜\s]{1,40}｜>|</?(?:s|bos|eos|start_of_turn|end_of_turn)>")


def token_boundary(texts, n: int, tokens=()) -> int:
    """`n`, moved back to the start of any control token it falls inside in one of `texts`: one that looks like a
    control token (`<|end|>`, `<｜User｜>`, `</s>`) or one of `tokens`. A marker read off renders by comparing
    characters is whole tokens, never a piece of one."""
    for text in texts:
        inside = [m.start() for m in SPECIAL_LIKE.finditer(text, max(0, n - 48), n + 48) if m.start() < n < m.end()]
        inside += [s for t in tokens for s in range(max(0, n - len(t) + 1), n) if text.startswith(t, s)]
        n = min([n, *inside])
    return n


def ends_in_control_token(text: str, tokens=()) -> bool:
    """Whether `text` ends in one of `tokens` or in what looks like a control token (`<｜Assistant｜>`, `<|im_end|>`).

    >>> ends_in_control_token("<｜User｜>Hi<｜Assistant｜>"), ends_in_control_token("<｜Assistant｜><")
    (True, False)
    """
    return any(text.endswith(t) for t in tokens if t) or bool(_CONTROL_AT_END.search(text))


_CONTROL_AT_END = re.compile(f"(?:{SPECIAL_LIKE.pattern})$")


def special_like(literals: str) -> tuple[str, ...]:
    """What looks like a control token in `literals` (a template's literal text), each once, in order."""
    return tuple(dict.fromkeys(SPECIAL_LIKE.findall(literals)))


def required_special_tokens(template) -> tuple[str, ...]:
    """The control tokens a template writes, plus its end-of-turn marker."""
    tokens = list(template.special_tokens)
    if template.end_of_turn and template.end_of_turn not in tokens:
        tokens.append(template.end_of_turn)
    return tuple(tokens)


def missing_special_tokens(tokenizer, template) -> list[str]:
    """Control tokens the template needs that the tokenizer splits into several pieces (it does not know them)."""
    return [
        tok for tok in required_special_tokens(template) if len(tokenizer.encode(tok, add_special_tokens=False)) != 1
    ]


def add_missing_special_tokens(tokenizer, template):
    """A copy of `tokenizer` with the template's missing control tokens added as special tokens.

    The model's embedding matrix must grow to match (`model.resize_token_embeddings(len(tokenizer))`).
    """
    import copy

    missing = missing_special_tokens(tokenizer, template)
    tokenizer = copy.deepcopy(tokenizer)  # never mutate a cached, shared tokenizer
    if missing:
        tokenizer.add_special_tokens({"additional_special_tokens": missing}, replace_extra_special_tokens=False)
    return tokenizer


__all__ = [
    "SPECIAL_LIKE",
    "add_missing_special_tokens",
    "ends_in_control_token",
    "missing_special_tokens",
    "required_special_tokens",
    "special_like",
    "token_boundary",
]
