"""The system turn as a chat template writes it, and a template's refusal of a conversation explained.

- `added_system_note`: the system prompt a template gives the model that the row does not have (a default one for a
  row without a system message; text such as Llama-3.1's dates written into every system turn, `template_system_text`).
  Generation writes it too, so Compare and Evaluate show it to the model.
- `explain_refusal`: a template's refusal of a conversation with the fix where one is known (a template that takes
  no system turn: the built-in to pick instead is one whose control tokens the tokenizer knows,
  `builtin_taking_system`, or none; back-to-back turns of one role: `role_order`).

Found by rendering probes, never by knowing a template's text. Re-exported by `ftlib.prompt_checks`, which holds the
generation prompt's checks; not known here: tokens, encodings, training.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import lru_cache

from ftlib.builtin_templates import TOOL_TEMPLATES, builtin_named
from ftlib.masks import added_system_prompt
from ftlib.rows import uses_tools
from ftlib.template_input import tool_row_error
from ftlib.templates import (
    ChatTemplate,
    TemplateError,
    get_template,
    missing_special_tokens,
    render,
    required_special_tokens,
)

# Built-ins offered when the model's own template does not fit: tool rows need one that writes tool calls.
FITTING = ("chatml", "llama3", "gemma", "mistral")
# Control tokens of the common families (`<|eot_id|>`, `<｜User｜>`, `<start_of_turn>`, `[INST]`), and a turn's role
# header, which bound the text a template writes into a system turn by itself. Any role's: a template without a system
# turn writes the system message under another role's header (`<|im_start|>assistant\n`), which adds no text to it.
CONTROL_MARKUP = re.compile(r"<\|[^<>|\s]{1,40}\|>|<｜[^<>｜\s]{1,40}｜>|</?[A-Za-z_]{1,30}>|\[/?[A-Z_]{2,30}\]")
# A role header, in plain text too: "system", "System:", "### system:", "[system]" (the marks are the header's).
_ROLE_HEADER = re.compile(
    r"^\s*[^\w\s]{0,4}\s*(?:system|user|developer|human|assistant|model)\b\s*[^\w\s]{0,3}", re.IGNORECASE
)
_SYSTEM_PROBE, _QUESTION_PROBE = "\ue000system probe\ue001", "\ue002question probe\ue003"


@lru_cache(maxsize=32)
def template_system_text(template: ChatTemplate) -> str | None:
    """The text a template writes into every system turn beside the row's own (Llama-3.1's "Cutting Knowledge Date:
    December 2023\\nToday Date: 26 Jul 2024"), or None.

    Found by rendering, not by knowing any template's text: a probe system message and a probe question are rendered,
    and what stands around the system probe inside its turn is read (up to the control tokens on either side, less
    a role header such as "system"); what the template writes before the question anyway (its header) is not
    counted. A template that refuses system turns writes none.

    >>> template_system_text(get_template("chatml")) is None
    True
    """
    probe = [{"role": "system", "content": _SYSTEM_PROBE}, {"role": "user", "content": _QUESTION_PROBE}]
    try:
        text, alone = render(template, probe), render(template, probe[1:])
    except TemplateError:
        return None
    at, question = text.find(_SYSTEM_PROBE), text.find(_QUESTION_PROBE)
    if text.count(_SYSTEM_PROBE) != 1 or not 0 <= at < question or _QUESTION_PROBE not in alone:
        return None
    before, between = text[:at], text[at + len(_SYSTEM_PROBE) : question]
    after = CONTROL_MARKUP.split(between)[0]
    if after == between:  # no control token ends the system turn: what opens the question's turn anyway does
        header = alone[: alone.find(_QUESTION_PROBE)]
        after = between[: len(between) - len(os.path.commonprefix([between[::-1], header[::-1]]))]
    pieces = (_ROLE_HEADER.sub("", CONTROL_MARKUP.split(before)[-1], count=1), after)
    return "\n".join(p.strip() for p in pieces if p.strip()) or None


def added_system_note(
    template: ChatTemplate, messages: list[dict], tools=None, quote: Callable[[str], str] = str
) -> str | None:
    """One note, in words, when the template gives the model a system prompt the row does not have: a default one
    for a row without a system message (`masks.added_system_prompt`, SmolLM2's "You are a helpful AI assistant named
    SmolLM..."), text it writes into every system turn (`template_system_text`), or both; None otherwise. `quote`
    renders the quoted text (the Tokens page escapes Markdown)."""
    default = added_system_prompt(template, messages, tools)
    fixed = template_system_text(template)
    if not default and not fixed:
        return None
    who = "the model's template" if template.name == "tokenizer" else "this template"
    if not default:
        return (
            f"{who[0].upper()}{who[1:]} adds a system prompt your row does not have, on every row: “{quote(fixed)}”. "
            "The model reads it (it is not trained), and sampling and evaluation give it to the model too; "
            "to leave it out, copy the template into a custom one without that text."
        )
    said = f"Your row has no system message; {who} adds this default one: “{quote(default.strip())}”"
    if not fixed:
        return (
            f"{said}. The model reads it on every such row (it is not trained), and sampling and evaluation "
            "give it to the model too; put a system message in your rows to replace it."
        )
    return (
        f"{said}, and on every row also “{quote(fixed)}”. The model reads both (they are not trained), and sampling "
        "and evaluation give them to the model too; put a system message in your rows to replace the default."
    )


def builtin_taking_system(tokenizer=None, tools_used: bool = False) -> tuple[str, str] | None:
    """The built-in template to name where a template takes no system turn, and how it writes one: the first (of the
    tool templates, for a row with tools) that takes a system message and writes no control token `tokenizer` does
    not know (`missing_special_tokens`; any, without a tokenizer); None when none does. How is found by rendering:
    a control token between the system text and the question gives it a turn of its own.

    >>> builtin_taking_system()
    ('chatml', 'gives it a turn of its own')
    """
    for name in TOOL_TEMPLATES if tools_used else (*FITTING, *TOOL_TEMPLATES):
        if tokenizer is not None and missing_special_tokens(tokenizer, get_template(name)):
            continue
        if how := _system_turn(name):
            return name, how
    return None


@lru_cache(maxsize=16)
def _system_turn(name: str) -> str | None:
    """How built-in template `name` writes a system message, read off a render (once: a run's refused rows each ask);
    None when it refuses one or leaves it out."""
    template = get_template(name)
    probe = [{"role": "system", "content": _SYSTEM_PROBE}, {"role": "user", "content": _QUESTION_PROBE}]
    try:
        text = render(template, probe)
    except TemplateError:
        return None
    if _SYSTEM_PROBE not in text:
        return None  # it leaves the system message out
    between = text[text.find(_SYSTEM_PROBE) + len(_SYSTEM_PROBE) : text.find(_QUESTION_PROBE)]
    own = any(token in between for token in required_special_tokens(template))
    return "gives it a turn of its own" if own else "writes it into the first user turn"


# How a conversation's system text is left out, and how a built-in template that takes one is picked, in the words
# of where the conversation comes from (`explain_refusal`'s `fix`): the rows of a data file (Tokens, Train, batch).
ROWS_FIX = (
    "merge the system text into the first user message of your rows",
    "pick a built-in template that takes one",
)


def explain_refusal(
    error: TemplateError,
    template: ChatTemplate,
    messages: list[dict],
    tools=None,
    tokenizer=None,
    fix: tuple[str, str] = ROWS_FIX,
):
    """`error` (a template's refusal of this conversation) with the fix where one is known, as a new TemplateError.

    A template that takes no system turn (Gemma's and some Mistral templates raise "System role not supported") is
    recognised by rendering the conversation again with the system text merged into the first user message: if
    that renders, the fix is `fix` (how to leave the system text out, e.g. to merge it in the data; how to pick a
    built-in template that takes one) with the built-in to pick (`builtin_taking_system`: one whose control tokens
    `tokenizer` knows; none named when none does). If the merged conversation is refused for another reason
    (Gemma's alternating roles, on a row with tool results), the fix comes first and that reason after it, with the
    fix for a row with tools where it has them (`tool_row_error`). Back-to-back turns of one role (Mistral's
    "roles must alternate") are named with their fix (`role_order.explain_alternation`). Otherwise `error` as it is."""
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        return error  # not a conversation: the error says what is wrong with it
    from ftlib.role_order import explain_alternation  # back-to-back turns of one role: named, with the fix

    if (alternation := explain_alternation(error, template, messages, tools, tokenizer)) is not None:
        return alternation
    system = [m for m in messages if m.get("role") == "system"]
    merged = [dict(m) for m in messages if m.get("role") != "system"]
    user = next((m for m in merged if m.get("role") == "user"), None)
    if not system or user is None:
        return error
    user["content"] = "\n\n".join([*(m.get("content") or "" for m in system), user.get("content") or ""])
    refusals = []  # (the row's own refusal, the merged row's), as the template words them
    for conversation in (messages, merged):
        try:
            render(template, conversation, tools=tools)
        except TemplateError as exc:
            refusals.append(exc)
        else:
            refusals.append(None)
    first, then = refusals
    refused = f"The {template.title} template refused this conversation"  # its own raise_exception, as run_template
    if first is not None and not str(first).startswith(refused):
        return error  # it failed (a loop, the sandbox), it did not refuse the row: no system turn is to blame
    if then is not None and (first is None or str(then) == str(first)):
        return error  # refused for another reason, not (only) the system turn
    tools_used = uses_tools(messages, tools)
    leave_out, pick = fix
    taker = builtin_taking_system(tokenizer, tools_used)
    if taker is not None:
        fixed = f"{leave_out}, or {pick} (built-in {builtin_named(taker[0])} {taker[1]})"
    else:  # each built-in that takes one writes control tokens this tokenizer does not know: naming one misleads
        shows = " and shows tool calls" if tools_used else ""
        fixed = f"{leave_out} (no built-in template that takes one{shows} suits this model's tokenizer)"
    said = str(error if first is None else first).rstrip()  # (the row's own words, before any fix for its tools)
    end = "" if said.endswith((".", "!", "?")) else "."
    said = f"{said}{end} The {template.title} template takes no system turn: {fixed}."
    if then is None:
        return TemplateError(said)
    still = str(tool_row_error(then, template, merged) if tools_used else then)
    still = still.removeprefix(f"The {template.title} template refused this conversation: ")
    return TemplateError(f"{said} With the system text merged into the first user message, it still refuses: {still}")


__all__ = [
    "CONTROL_MARKUP",
    "FITTING",
    "ROWS_FIX",
    "added_system_note",
    "builtin_taking_system",
    "explain_refusal",
    "template_system_text",
]
