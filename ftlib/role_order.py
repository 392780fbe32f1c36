"""Why a template refused a conversation whose roles do not alternate, and the fix.

Mistral's and Gemma's templates raise "Conversation roles must alternate user/assistant/user/assistant/..." on a
row with two user (or two assistant) turns back to back; that sentence alone names neither the turns nor the way on.

- `explain_alternation`: the refusal with the back-to-back turns named and the fix (merge them, or pick a built-in
  template that takes them), or None where merging them does not make the template take the row.
"""

from __future__ import annotations

from ftlib.builtin_templates import builtin_named
from ftlib.control_tokens import missing_special_tokens
from ftlib.templates import ChatTemplate, TemplateError, get_template, render

# The built-ins named in the fix, in order (each renders back-to-back turns of one role); the first whose control
# tokens the model's tokenizer knows is named.
_TAKERS = ("chatml", "llama3", "gemma", "mistral")


def back_to_back(messages: list[dict]) -> list[tuple[int, int, str]]:
    """Each pair of neighbouring turns of one role, user or assistant, as (turn, next turn, role), turns counted from
    1 in the row's messages as written (a system message counts); system turns are not counted as breaking it.

    >>> back_to_back([{"role": "user"}, {"role": "user"}, {"role": "assistant"}])
    [(1, 2, 'user')]
    """
    turns = [(i, m.get("role")) for i, m in enumerate(messages, start=1) if m.get("role") in ("user", "assistant")]
    return [(a, b, role) for (a, role), (b, other) in zip(turns, turns[1:], strict=False) if role == other]


def _merged(messages: list[dict]) -> list[dict]:
    """`messages` with each run of back-to-back user (or assistant) turns as one, their texts joined by a blank
    line."""
    out: list[dict] = []
    for m in messages:
        last = out[-1] if out else None
        role = m.get("role")
        if last is not None and role in ("user", "assistant") and last.get("role") == role:
            text = [t for t in (last.get("content"), m.get("content")) if isinstance(t, str) and t]
            last["content"] = "\n\n".join(text)
        else:
            out.append(dict(m))
    return out


def _taker(tokenizer) -> str | None:
    """The built-in to name in the fix: the first of `_TAKERS` whose control tokens `tokenizer` knows (any, with no
    tokenizer); None when none does."""
    for name in _TAKERS:
        if tokenizer is None or not missing_special_tokens(tokenizer, get_template(name)):
            return name
    return None


def explain_alternation(
    error: TemplateError, template: ChatTemplate, messages, tools=None, tokenizer=None
) -> TemplateError | None:
    """`error` (the template's own refusal of `messages`) with the back-to-back turns named ("turns 2 and 3 are both
    user turns") and the fix, as a new TemplateError; None where the row has no two neighbouring turns of one role,
    the template did not refuse it (a loop, the sandbox), or it still refuses the row with those turns merged (another
    reason: a system turn, `system_turns.explain_refusal`). Checked by rendering the merged row."""
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        return None
    pairs = back_to_back(messages)
    if not pairs or not str(error).startswith(f"The {template.title} template refused this conversation"):
        return None
    try:
        render(template, _merged(messages), tools=tools)
    except TemplateError:
        return None
    named = "; ".join(f"turns {a} and {b} are both {role} turns" for a, b, role in pairs[:3])
    more = f" (and {len(pairs) - 3} more such pairs)" if len(pairs) > 3 else ""
    taker = _taker(tokenizer)
    pick = f", or pick a built-in template that takes them: {builtin_named(taker)}" if taker else ""
    said = str(error).rstrip()
    said += "" if said.endswith((".", "!", "?")) else "."
    return TemplateError(
        f"{said} In this row {named}{more}: the {template.title} template takes only user and assistant turns "
        f"in turn. Merge back-to-back turns of one role into one{pick}."
    )


__all__ = ["back_to_back", "explain_alternation"]
