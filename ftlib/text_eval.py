"""A raw-text row under evaluation: every token of the text is the reference, scored as training scored it.

A text row (`{"text": ...}`, format `text`) has no prompt and no answer: training learns each of its tokens from the
ones before it (next-token prediction), the tokenizer's BOS where it adds one and the eos after the text included
(`ftlib.tokens.encode_row`, the trainer's encoder). `ftlib.evaluate` measures it the same way, through the same
per-token loss as a reference answer: the mean loss of every token of the text under the base and under the tuned
model, perplexity = exp(loss). Nothing is generated for a text row (there is no prompt to answer): its `EvalRow` has
no outputs (None), and its `prompt` is empty.

    python -m ftlib evaluate RUN_OF_TEXT_ROWS --json     # "text_rows": how many rows were scored this way

Not known here: models, the evaluation loop (`ftlib.evaluate`), Streamlit.
"""

from __future__ import annotations

from ftlib.rows import IGNORE_INDEX, RowShapeError, row_kind

# Said beside the numbers (the CLI's text output, the Evaluate page) when text rows were evaluated.
TEXT_NOTE = (
    "Text rows have no prompt and no answer: every token of each text is scored as training scored it (next-token "
    "prediction, the end-of-text token included), and no answers are generated for them."
)


def is_text(row) -> bool:
    """Whether `row` is a raw-text row, measured on its every token rather than on a reference answer.

    >>> is_text({"text": "Once upon a time"}), is_text({"messages": []}), is_text("not a row")
    (True, False, False)
    """
    try:
        return row_kind(row) == "text"
    except RowShapeError:
        return False


def text_tokens(row: dict, tokenizer, template) -> tuple[list[int], list[int], list[str]]:
    """(input_ids, labels, token texts) of a text row as training encodes it (`template`: a ChatTemplate, which a
    text row does not use), labelled on every token but the first: no position predicts the first token, and the
    trainer's shifted loss does not count it either. An EncodingError for an empty text.

    >>> ids, labels, texts = text_tokens({"text": "Hi there"}, tok, template)   # doctest: +SKIP
    >>> labels == [-100] + ids[1:]                                             # doctest: +SKIP
    True
    """
    from ftlib.tokens import encode_row

    # The mask policy does not apply to text (every token is trained); uncut here: `evaluate` cuts every reference
    # at the run's max length (`Reference.cut`).
    enc = encode_row(row, tokenizer, template, "everything", None)
    labels = [IGNORE_INDEX, *enc.labels[1:]]
    return list(enc.input_ids), labels, [t.text for t in enc.tokens]
