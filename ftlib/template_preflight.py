"""A run's chat template against its rows, before torch: what `run_preflight.preflight` can refuse from the files.

The model's tokenizer is read from its folder (`tokenizer_files.file_tokenizer`: tokenizer_config.json,
chat_template.jinja, tokenizer.json through `tokenizers`), never loaded through transformers, whose import takes torch
with it (2-3 s, and the model's load after it in the worker). So these are refused before torch is imported, in the
words the run would have refused them in after it:

- the model's own template (`--template tokenizer`) on a model whose tokenizer has none (`get_template`'s words);
- rows the template refuses (Mistral's "roles must alternate", a template that raises on a system turn): the first
  `FIRST_ROWS` (200) rows of each side are rendered as training renders them, without tokenizing
  (`tokens.prepare_row`); where one is refused every row of both sides is, to name them (`run_data.refusal_error`'s
  words), or, where the template refuses every training row, to count both sides: "any of the 15 training rows, nor
  any of the 5 held-out rows".

A later row refused (past the first 200 of its side), or a model whose files cannot stand in for its tokenizer, is
left to the encoding after torch (`training.encode_for_training`), as before. Not known here: tokens, lengths, masks
(they need the real tokenizer).
"""

from __future__ import annotations

from ftlib.config import RunConfig
from ftlib.errors import numbered, plural

# Rows of each side rendered before torch, the rest by the encoding after it. Not all: a row's render and spans cost
# 0.2-0.4 ms of CPU (chat rows; a pair under Qwen3's template 1.2 ms), so a 2,000-row file 0.4-1.5 s and a 20,000-row
# one 7-14 s, paid again when the run encodes them (measured 2026-12 with the files' stand-in: the shipped samples
# and a generated file, under SmolLM2's, Llama 3.1's and Qwen3's templates). 200 takes every shipped sample whole
# (the largest has 189 rows) in at most 0.25 s, each side.
FIRST_ROWS = 200


def _rendered(row: dict, tokenizer, template, policy: str, max_length) -> None:  # noqa: ARG001 (encode_row's shape)
    """Row `row` rendered and its spans found as `tokens.encode_row` does before it tokenizes: its TemplateError or
    EncodingError raised. A raw text row is written without the template: nothing to render."""
    from ftlib.rows import row_kind
    from ftlib.tokens import prepare_row  # encode_row's first step: the render and the spans, no tokenizer

    if row_kind(row) != "text":
        prepare_row(row, template, policy, tokenizer)


def early_refusal(config: RunConfig, train: list[dict], test: list[dict], tokenizer=None) -> None:
    """Raises what the run's chat template refuses, known before torch: TemplateError for a model with no template of
    its own asked for it; `run_data.RowsRefused` for rows it cannot render (where one of the first `FIRST_ROWS` of a
    side is). `tokenizer`: the caller's, else the model's files stand in for it (`file_tokenizer`); nothing is checked
    where they cannot (no tokenizer.json), the encoding after torch checks it all."""
    from ftlib.alignment import training_rows
    from ftlib.run_data import refusal_error, row_refusals
    from ftlib.templates import get_template
    from ftlib.tokenizer_files import file_tokenizer

    tokenizer = tokenizer or file_tokenizer(config.model)
    if tokenizer is None:
        return
    template = get_template(config.template, tokenizer, config.template_source or None)  # "has no chat template"
    sides = [(*training_rows(rows, config.method), split) for rows, split in ((train, "training"), (test, "held-out"))]
    if not any(row_refusals(rows[:FIRST_ROWS], tokenizer, template, config, _rendered) for rows, _, _ in sides):
        return
    found = [row_refusals(rows, tokenizer, template, config, _rendered) for rows, _, _ in sides]
    (_, origin, _), (_, test_origin, _) = sides
    if train and len({origin[i - 1] for i, _ in found[0]}) == len(train):  # every training row: both sides counted
        raise every_row_refused(found[0], len(train), sorted({test_origin[i - 1] for i, _ in found[1]}), len(test))
    for (rows, origin, split), refused in zip(sides, found, strict=True):
        if refused:
            raise refusal_error(rows, origin, tokenizer, template, config, split, refused)


def every_row_refused(refused: list[tuple[int, str]], train: int, held_out: list[int], test: int):
    """The RowsRefused for a template that refuses each of the `train` training rows, `refused` their (number,
    reason): both sides counted, `held_out` the held-out rows (of `test`) it refuses too, with the first reason and
    its fix (`run_data.refusal_error`'s).

    >>> str(every_row_refused([(1, "No system turn.")], 1, [1, 2], 2)).split(": ")[0]
    'The chat template cannot render the only training row, nor either of the 2 held-out rows'
    >>> str(every_row_refused([(1, "No system turn.")], 15, [2], 5)).split(": ")[0]
    'The chat template cannot render any of the 15 training rows, nor held-out row 2 (of 5)'
    """
    from ftlib.run_data import ROWS_REFUSED_FIX, RowsRefused
    from ftlib.system_turns import ROWS_FIX

    said = refused[0][1].rstrip()
    said += "" if said.endswith((".", "!", "?")) else "."
    sides = "the only training row" if train == 1 else f"any of the {plural(train, 'training row')}"
    if held_out and len(held_out) == test:
        sides += ", nor the only held-out row" if test == 1 else f", nor {'either' if test == 2 else 'any'} of the "
        sides += "" if test == 1 else plural(test, "held-out row")
    elif held_out:
        sides += f", nor {numbered('held-out row', held_out)} (of {test})"
    elif test:
        sides += f" (the {plural(test, 'held-out row')} render)" if test > 1 else " (the held-out row renders)"
    fix = "" if ROWS_FIX[1] in said or "pick a built-in template that takes them" in said else ROWS_REFUSED_FIX
    them = "those rows" if train + len(held_out) > 1 else "that row"
    return RowsRefused(f"The chat template cannot render {sides}: {said}", them, fix)


__all__ = ["FIRST_ROWS", "early_refusal", "every_row_refused"]
