"""Why each character of a rendered row is trained or masked, in words: the reasons `masks.build_segments` gives
its segments (`Segment.reason`), and the names of a message's parts in its template's words (`what_of`).

    what_of("user", "chatml")                      # 'user prompt'
    "user prompt" + MASKED_WHY["user prompt"]      # a masked span's reason
    TRAINED["end_of_turn"]                         # a trained span's reason, by its kind
    pushed_down(segments, "rejected", "chatml")    # an answer training makes less likely, said so

Only words here: which span is trained is decided by `ftlib.masks`, which re-exports every public name.
"""

from __future__ import annotations

from dataclasses import replace

# The row's tool schemas as the template wrote them (schema_spans): the row's own data, not the template's text.
TOOL_SCHEMAS = "tool schemas (from the row's tools)"
WHAT = {"system": "system prompt", "user": "user prompt", "assistant": "assistant reply", "tool": "tool result"}
# The built-in `text` template writes a row as TRL's standard prompt/completion text, with no roles and no chat
# markup: its parts are named as TRL names them (the system and user turns' text is the prompt, the assistant's the
# completion), not as a chat's turns (`what_of`, `TEXT_TEMPLATE`).
TEXT_TEMPLATE = "text"
TEXT_WHAT = {"system": "prompt", "user": "prompt", "assistant": "completion"}
MASKED_WHY = {
    "user prompt": " — masked: the model should not learn to write the user's words",
    "system prompt": " — masked",
    "tool result": " — masked: the tool wrote it; the model reads it but does not learn to write it",
    "template scaffolding": " — masked",
    TOOL_SCHEMAS: " — masked: the model reads them to know what it can call; it does not learn to write them",
    "prompt": " — masked: the model reads it and learns only the completion after it",
}
TRAINED = {
    "content": "assistant reply (trained)",
    "reasoning": "the model's reasoning (trained: it learns to think before it answers)",
    "tool_call": "tool call (trained): the function name and arguments the model must learn to write",
    "end_of_turn": "end of assistant turn — trained so the model learns to stop",
    "end_of_conversation": "end of the conversation (the template's final eos) — trained",
    "turn_template": "written by the template inside the assistant's turn (trained: the model writes it too)",
    "empty_thinking": "written by the template (trained): the empty thinking block its thinking switch writes when "
    "off, so a run trained on rows like this one is asked with thinking off unless told otherwise",
}
TEXT_TRAINED = TRAINED | {
    "content": "completion (trained)",
    "end_of_turn": "end of the completion (the eos after it) — trained so the model learns to stop",
    "turn_template": "written by the template inside the completion (trained: the model writes it too)",
}
# A raw text row's parts (`tokens._prepare_text`): every token trained but the first, which nothing predicts.
TEXT_REASONS = {
    "start_of_text": "start of the text (the tokenizer's BOS) — its label is kept, but nothing before it predicts it",
    "text": "plain text — trained: each token is learned from the ones before it (next-token prediction)",
    "end_of_text": "end of the text (the tokenizer's eos, added as TRL adds it) — trained so the model learns to stop",
}
# The reason of each trained span of an answer training makes less likely (`pushed_down`): a KTO answer labelled
# bad, a preference pair's rejected answer. Scored, never imitated: DPO's loss (Rafailov et al. 2023, Eq. 7) widens
# the gap between the two answers' log-ratios against the starting model; KTO's pushes a bad answer's down.
PUSHED_DOWN = {
    "bad": "the bad answer's {part} — scored, never imitated: training makes it less likely (KTO)",
    "rejected": "the rejected answer's {part} — scored, never imitated: DPO lowers its likelihood against the chosen "
    "answer's (relative to the starting model)",
}
PARTS = {"content": "reply", "end_of_turn": "end-of-turn token", "end_of_conversation": "final eos"}
TEXT_PARTS = PARTS | {"content": "completion", "end_of_turn": "end of the completion"}  # the `text` template's
# A trained first token's reason: the loss compares each token's prediction with the next token's label, so the first
# label is never a target (transformers' ForCausalLMLoss shifts the labels by one).
FIRST_TOKEN = "the first token — read, never a target: nothing comes before it to predict it from"
TAGGED_TEMPLATE_TEXT = "inside the template's {% generation %} block with the reply (trained)"
# A generation block that holds no part of a message (a custom template may tag other text).
TAGGED_BLOCK = "inside the template's {% generation %} block (trained)"
# A user, system or tool turn's text inside a generation block (`tagged_but_masked`).
TAGGED_BUT_MASKED = (
    " — masked, although the template's {% generation %} block covers it (transformers' assistant mask trains it)"
)


def what_of(role: str, template: str) -> str:
    """A message's part in the words of its template (`template`: its name): a chat's turns, or the prompt and the
    completion of the `text` template's raw text.

    >>> what_of("user", "chatml"), what_of("user", "text"), what_of("assistant", "text")
    ('user prompt', 'prompt', 'completion')
    """
    return (TEXT_WHAT if template == TEXT_TEMPLATE else WHAT).get(role, f"{role} message")


def tagged_but_masked(why: str) -> str:
    """The reason of a user, system or tool turn's text that a template's `{% generation %}` block covers (`why`:
    its MASKED_WHY, "" for none): masked all the same, where transformers' `return_assistant_tokens_mask` (and TRL's
    `assistant_only_loss`) would train it, and said so.

    >>> "tool result" + tagged_but_masked(MASKED_WHY["tool result"])  # doctest: +NORMALIZE_WHITESPACE
    "tool result — masked, although the template's {% generation %} block covers it (transformers' assistant mask
    trains it): the tool wrote it; the model reads it but does not learn to write it"
    """
    return TAGGED_BUT_MASKED + (why[why.index(":") :] if ":" in why else "")


def pushed_down(segments: list, which: str, template: str = "") -> list:
    """`segments` of an answer training makes less likely (`which`: "bad", KTO's; "rejected", a preference pair's),
    each trained one's reason saying so (`PUSHED_DOWN`), in the words of its template (`template`: its name)."""
    said, parts = PUSHED_DOWN[which], TEXT_PARTS if template == TEXT_TEMPLATE else PARTS
    return [
        replace(s, reason=said.format(part=parts.get(s.kind, s.kind.replace("_", " ")))) if s.trained else s
        for s in segments
    ]
