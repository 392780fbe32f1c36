"""The generation-prompt check: what the model generates from must be, token for token, how training's text begins
the reply (`check_generation_prompt`, run by `ftlib.checks.preflight` on every row; `generation_prompt_report`, once
per run before launch). A trailing space in a custom template's generation prompt, or SmolLM2's `\n\n` token under
the llama3 templates, asks the model to continue from a token it never saw there.
"""

from __future__ import annotations

import os

from ftlib.check_result import Check
from ftlib.errors import UserError
from ftlib.templates import ChatTemplate, TemplateError, render
from ftlib.tokens import Encoded, encode_messages, parts

# A conversation to probe a template with: its answer opens on a word, which BPE glues to a space before it.
_PROBE = (
    {"role": "user", "content": "How many grams are in half a kilogram?"},
    {"role": "assistant", "content": "The answer is 500 grams."},
)
_CONSEQUENCE = (
    "the model is asked to continue from {what} it never saw there in training, so its answers can go wrong even "
    "when the loss looks good."
)
_WHITESPACE = {" ": "space", "\n": "newline", "\n\n": "blank line"}


def _shown(pieces: list[str]) -> str:
    return " + ".join(repr(p) for p in pieces)


def check_generation_prompt(enc: Encoded, tokenizer, template: ChatTemplate) -> Check | None:
    """What the model generates from must be, token for token, how training's text begins the reply.

    The prompt is the conversation before the last reply with the template's generation prompt, tokenized as
    `sampling.render_prompt` tokenizes it (no special tokens added: the template wrote them); its ids must be a
    prefix of the row's training ids. A generation prompt that ends in a space (`### Answer: `) is not: BPE glues
    the space to the reply's first word in training (`:` + ` The`), so at generation the model continues from a
    lone ` ` it never saw before an answer. A prompt whose text differs (a `<think>` opened only at generation) is
    said too.
    """
    last = max((i for i, m in enumerate(enc.messages) if m["role"] == "assistant"), default=0)
    if last == 0:
        return None
    try:
        prompt = render(template, enc.messages[:last], add_generation_prompt=True, tools=enc.tools)
    except TemplateError:
        return None  # a template may refuse a conversation that ends on a user turn
    got = tokenizer(prompt, add_special_tokens=False, return_offsets_mapping=True)
    ids = list(got["input_ids"])
    if enc.all_ids[: len(ids)] == ids:
        return None
    title = template.title
    if not enc.text.startswith(prompt):  # the template writes other text at generation than in training
        at = len(os.path.commonprefix([prompt, enc.text]))
        ours = prompt[at:][:40]
        theirs = enc.text[at:][: max(24, len(ours))]
        fix = (
            "Make the generation prompt the exact text that opens an assistant turn in training (the same header, "
            "the same whitespace)."
        )
        if "<think>" in ours:
            fix += " This one opens a thinking block (<think>) that the training text lacks: train on rows with "
            fix += "reasoning, with a template that writes it, or use one whose generation prompt opens none."
        return Check(
            "generation_prompt_mismatch",
            "warning",
            f"When the model generates, the {title} template writes {ours!r} after {prompt[max(0, at - 30) : at]!r}, "
            f"but in training the text there is {theirs!r}: " + _CONSEQUENCE.format(what="text"),
            fix,
        )
    n = len(os.path.commonprefix([ids, enc.all_ids]))  # the first token that differs
    ours = [prompt[s:e] for s, e in got["offset_mapping"][n:]]
    theirs = []
    for i in range(n, len(enc.all_ids)):  # training's tokens over the same characters, up to the one that crosses
        theirs.append(enc.piece(i))
        if enc.offsets[i][1] > len(prompt):
            break
    tail, opening = prompt[len(prompt.rstrip()) :], template.generation_prompt
    if tail and opening.endswith(tail):
        what = _WHITESPACE.get(tail, repr(tail))
        fix = (
            f"end the generation prompt without the trailing {what}: `{opening.rstrip()}`, and put the {what} in the "
            "assistant turn, inside {% generation %} before the reply, so the model learns to write it."
        )
    else:
        fix = "end the generation prompt where a token ends in the training text: on a special token or a newline."
    if template.name == "custom":
        fix = fix[0].upper() + fix[1:]
    else:
        fix = (
            f"The {title} template was not written for this tokenizer: use the model's own template, or copy this one "
            f"into a custom template and there {fix}"
        )
    return Check(
        "generation_prompt_mismatch",
        "warning",
        f"When the model generates, its prompt ends with {_shown(ours)}, but in training the text there is "
        f"{_shown(theirs)} (this tokenizer splits the end of the {title} template's generation prompt differently "
        "once the reply follows it): " + _CONSEQUENCE.format(what="a token"),
        fix,
    )


def generation_prompt_report(encodings: list, tokenizer, template: ChatTemplate, first: int = 5) -> list[Check]:
    """`check_generation_prompt` on the first few training rows, then on a probe conversation whose answer opens on
    a word, for a run's pre-launch report: one warning at most, as the generation prompt is the template's."""
    chats = [p for enc in encodings[:first] for p in parts(enc).values() if p.kind not in ("text", "prompt_only")]
    if not chats:
        return []
    try:
        chats.append(encode_messages(list(_PROBE), tokenizer, template))
    except UserError:
        pass  # a template that refuses the probe is judged on the rows alone
    for part in chats:
        found = check_generation_prompt(part, tokenizer, template)
        if found is not None:
            return [found]
    return []


__all__ = ["check_generation_prompt", "generation_prompt_report"]
