"""Checks of what a template does to a row's messages: leaves out tool calls, tool definitions, reasoning or a
message's text, writes a message in another form or the system message as the assistant's, or writes turns back to
back with nothing to tell them apart; tool calls a policy that trains only the last reply leaves untrained
(`check_tool_calls_untrained`); and turns holding characters nobody sees (U+2028, zero-width spaces: no
template's doing, said where the row is shown); a template that writes earlier turns otherwise once later ones
follow (`check_prefix_preserving`). Each returns a `Check` or None (`messages_dropped_checks`,
`invisible_character_checks`: a list, one a kind); `ftlib.checks.preflight` runs them with the others, and
`row_losses` tells a run about the ones that lose data.

    messages_dropped_checks(enc, template)  # enc: a tokens.Encoded; [Check("system_dropped", ...), ...]
    first_dropped_tool_calls(result.rows, tokenizer, template)  # 0: rows[0]'s calls are left out; None: kept or none

Not known here: the tokenizer's special tokens (tokenizer_checks), the masks of the turns (checks.py; only whether a
tool call is trained is read here).
"""

from __future__ import annotations

import re

from ftlib.builtin_templates import builtin_named
from ftlib.check_result import Check
from ftlib.data_stats import reasoning_layout_note, reasoning_rows  # re-exported: run_preflight reads them here
from ftlib.invisible_text import in_turns
from ftlib.prompt_checks import messages_named, replies_named, sampled_turns
from ftlib.rows import conversation, is_preference, strings_in
from ftlib.templates import TOOL_TEMPLATES, ChatTemplate, TemplateError, render
from ftlib.tokens import Encoded, encode_row, parts
from ftlib.turns import INLINE_THINK

TOOL_FIX = (
    f"Pick a template that writes tool calls and shows tools: the built-in {builtin_named(TOOL_TEMPLATES[0])}, "
    f"ChatML with <tool_call> blocks, or {builtin_named(TOOL_TEMPLATES[1])}, JSON calls; or the model's own if it "
    "supports them."
)


def left_out(enc: Encoded, what: str) -> list[int]:
    """The messages (by index) of which the template leaves out `what` ("content", "reasoning", "tool_call")."""
    return [d["message"] for d in enc.dropped if d["what"] == what and d["message"] is not None]


_UNSEEN = "The model never sees a call, so it never learns to make one."
# Calls only read, never trained (a preference pair's prompt, a turn of weight 0): the context lacks them.
_UNSEEN_CONTEXT = "The model never sees these calls: the tool results after them answer a call it was never shown."


def check_tool_calls_dropped(enc: Encoded, template: ChatTemplate) -> Check | None:
    """What a turn whose calls the template leaves out still trains: an empty reply (its end-of-turn marker right
    after the message before it: the model learns to say nothing), or its text without the call."""
    dropped = left_out(enc, "tool_call")
    if not dropped:
        return None
    # A turn with several calls of which the template writes some: its calls are seen, only not all of them.
    written = {t.message for t in enc.tokens if t.segment == "tool_call"}
    partly, turns = [i for i in dropped if i in written], [i for i in dropped if i not in written]
    if not turns:
        counts = ", ".join(f"{len(enc.messages[i].get('tool_calls') or [])} in {messages_named([i])}" for i in partly)
        return Check(
            "tool_calls_dropped",
            "error",
            f"The {template.title} template writes only some of the tool calls of {replies_named(partly)}: the row "
            f"makes {counts}, so the model learns to make fewer calls than the row does.",
            TOOL_FIX,
        )
    trained = {t.message for t in enc.tokens if t.trained}
    wrote = {t.message for t in enc.tokens if t.trained and t.segment in ("content", "reasoning")}
    empty, text_only = [i for i in turns if i in trained - wrote], [i for i in turns if i in wrote]
    asked = all(i > 0 and enc.messages[i - 1]["role"] == "user" for i in empty)
    after = "the user's question" if asked else "the message before it"
    learned = []
    for numbers, what in (
        (empty, f"an empty reply: right after {after}, the model learns to answer with nothing"),
        (text_only, "only the text beside the call: the model learns to write it alone"),
    ):
        if numbers:
            which = "that turn" if numbers == turns and len(numbers) == 1 else messages_named(numbers)
            learned.append(f"{which} {'trains' if len(numbers) == 1 else 'train'} {what}")
    said = f"The {template.title} template leaves out the tool calls of {replies_named(turns)}"
    said += f", so {'; '.join(learned)}" if learned else ""
    also = f" It also writes only some of the calls of {messages_named(partly)}." if partly else ""
    return Check(
        "tool_calls_dropped",
        "error",
        f"{said}. {_UNSEEN if any(i in trained for i in turns) else _UNSEEN_CONTEXT}{also}",
        TOOL_FIX,
    )


def first_dropped_tool_calls(rows: list[dict], tokenizer, template: ChatTemplate) -> int | None:
    """The index in `rows` of the first row with tool calls when `template` leaves its calls out (the rows `train`
    refuses under it: `check_tool_calls_dropped`), else None (no row has calls, or the template writes them). The
    Data page's warning and `data inspect`'s both come from here.

    Only that first row is encoded: whether a template writes calls is its own doing (a tool-call branch or none),
    not a row's, so one row answers for the file in milliseconds, even for 100,000 rows. UserError (TemplateError)
    when the template cannot write that row at all."""
    # A preference row's rejected answer counts too (as data_stats.row_counts counts it): DPO trains on it as well.
    turns = (conversation(r) + (list(r["rejected"]) if is_preference(r) else []) for r in rows)
    i = next((i for i, each in enumerate(turns) if any(t.get("tool_calls") for t in each)), None)
    if i is None:
        return None
    # A preference row's two answers are encoded apart (tokens.parts): either may hold the calls.
    encoded = parts(encode_row(rows[i], tokenizer, template)).values()
    return i if any(left_out(part, "tool_call") for part in encoded) else None


def check_tool_calls_untrained(enc: Encoded) -> Check | None:
    """info "tool_calls_untrained" when the policy trains only the last reply ('last_assistant', or 'completion_only'
    on a conversation) and earlier assistant turns hold tool calls the template writes: shown as context, never
    trained, so the model learns the final answers but not to call a tool. None otherwise: turns of weight 0 are
    `weight_zero`'s, calls the template leaves out `check_tool_calls_dropped`'s, a prompt's turns are never trained
    (`enc.train_from`), and a row that trains nothing is `no_trained_tokens`'."""
    if enc.policy not in ("last_assistant", "completion_only") or not enc.num_trained:
        return None
    untrained = [s.message for s in enc.segments if s.kind == "tool_call" and not s.trained and s.message is not None]
    if not any(i >= enc.train_from and enc.messages[i].get("weight", 1) != 0 for i in untrained):
        return None
    # One wording for every row (the turns are not named): a run's report counts the rows it is said of, and the
    # Tokens page marks each masked turn's tokens with this policy's reason.
    return Check(
        "tool_calls_untrained",
        "info",
        f"The '{enc.policy}' policy trains only the last assistant reply: the tool calls of the earlier assistant "
        "turns are shown to the model as context, never trained, so it learns to answer from tool results but not "
        "to call a tool.",
        "Use the 'all_assistant' policy to train every assistant turn, its tool calls included; keep "
        f"'{enc.policy}' if only the final answers are to be learned.",
    )


def check_tools_not_shown(enc: Encoded, template: ChatTemplate) -> Check | None:
    """warning "tools_not_shown" when the template leaves out the row's tool definitions (`tools`, in `enc.dropped`);
    None otherwise."""
    if not any(d["what"] == "tools" for d in enc.dropped):
        return None
    return Check(
        "tools_not_shown",
        "warning",
        f"The {template.title} template does not show the row's tool definitions (`tools`): the model is "
        "trained to use tools it was never shown.",
        TOOL_FIX,
    )


def check_reasoning_dropped(enc: Encoded, template: ChatTemplate) -> Check | None:
    """warning "reasoning_dropped" naming the trained assistant turns (from `enc.train_from` on) whose reasoning the
    template leaves out; None when it keeps theirs."""
    turns = [i for i in left_out(enc, "reasoning") if i >= enc.train_from]
    if not turns:
        return None
    return Check(
        "reasoning_dropped",
        "warning",
        f"The {template.title} template removes the model's reasoning from {messages_named(turns)}: the model will "
        "not learn to think there (many reasoning templates keep only the last turn's thinking, some none).",
        "Split the conversation into one row per assistant turn (each ending on the turn whose reasoning is "
        f"kept), or pick a template that keeps reasoning in every turn (built-in {builtin_named('hermes')} or "
        f"{builtin_named('llama31')}).",
    )


def check_reasoning_inline(enc: Encoded, template: ChatTemplate) -> Check | None:
    """Reasoning given to a template that reads no reasoning field goes into the reply as `<think>` text
    (template_input.template_messages says why); transformers and TRL would leave it out: info. Reasoning the file
    wrote inline (`<think>` in content) under a template that reads a reasoning field and splits no `<think>` off
    the content (gpt-oss's `thinking`): the block is written as the answer's text and trained as it, as TRL trains
    it: a warning naming the field (`_think_as_answer`)."""
    if template.reads_reasoning:
        return _think_as_answer(enc, template)
    dropped = set(left_out(enc, "reasoning"))
    turns = [
        i
        for i, m in enumerate(enc.messages)
        if i >= enc.train_from and m.get("reasoning") and not m.get(INLINE_THINK) and i not in dropped
    ]
    if not turns:
        return None
    return Check(
        "reasoning_inline",
        "info",
        f"The {template.title} template has no place for reasoning, so the reasoning of {messages_named(turns)} is "
        "written into the reply as <think>...</think> and trained with it (transformers and TRL, given this template, "
        "leave it out).",
        "Keep it to teach the model to think first; remove the reasoning from the rows to train answers alone, or "
        "pick a template that reads `reasoning_content` (the model's own, if it has one) to write it its own way.",
    )


# How a template reads a message's reasoning field: `message.thinking`, `message['reasoning_content']`.
_FIELD_READ = re.compile(r"""(?:\.|\[\s*['"])(reasoning_content|thinking|reasoning)\b""")


def think_as_answer_field(template: ChatTemplate) -> str | None:
    """The reasoning field (`thinking`, `reasoning_content`, `reasoning`) of a template that reads one and splits no
    `<think>` off the content (gpt-oss's `thinking`): under it a block the file wrote inline in the content is the
    answer's text. None for a template that reads no field, or splits `</think>` off itself (Qwen3)."""
    # A template that names `</think>` splits it off the content (Qwen3: `'</think>' in content`).
    field = _FIELD_READ.search(template.source) if template.reads_reasoning else None
    return None if field is None or "</think>" in template.source else field.group(1)


def _think_as_answer(enc: Encoded, template: ChatTemplate) -> Check | None:
    """warning "reasoning_inline" for trained turns whose reasoning the file wrote as `<think>` in the content, under a
    template that reads a reasoning field instead and does not split `<think>` off the content itself (gpt-oss reads
    `thinking`; Qwen3 reads `reasoning_content` and splits `</think>` too: None there). The content is given as
    written, as transformers and TRL give it, so the block is trained as the answer's text (gpt-oss: in the final
    channel), where the model's own thinking has its own place. Moving it into the field would train other text
    than TRL without the user asking, so the check says how to write the rows instead."""
    name = think_as_answer_field(template)
    if name is None:
        return None
    dropped = set(left_out(enc, "reasoning"))
    turns = [
        i
        for i, m in enumerate(enc.messages)
        if i >= enc.train_from and m.get(INLINE_THINK) and (m.get("reasoning") or "").strip() and i not in dropped
    ]
    if not turns:
        return None
    also = "" if name == "reasoning_content" else f" (the studio gives it to the template as `{name}`)"
    return Check(
        "reasoning_inline",
        "warning",
        f"The {template.title} template reads a turn's reasoning from its `{name}` field, not from <think> in its "
        f"text, so the <think>...</think> block of {messages_named(turns)} is written as part of the answer and "
        "trained as answer text: the model learns to write its thinking into its answers, not where this template "
        "puts thinking (transformers and TRL, given these rows, do the same).",
        f"Write each reasoning in its assistant message's `reasoning_content`{also} and the answer alone in "
        "`content`, without the <think> block; keep the block in `content` only to train it as answer text.",
    )


def check_text_joins_turns(enc: Encoded, template: ChatTemplate) -> Check | None:
    """Turns written one right after another with nothing between them. The `text` built-in does it by design: made
    for one prompt and its completion (TRL's standard rows), it runs a system prompt into the question and a
    conversation's turns together. Any other template that does it (`{{ m.content }}` in a loop) has no role header or
    separator between the turns whose text touches."""
    if template.name == "text":
        roles = [m["role"] for m in enc.messages]
        if roles.count("user") <= 1 and roles.count("assistant") <= 1 and "system" not in roles:
            return None
        return Check(
            "text_joins_turns",
            "warning",
            f"The {template.title} template writes each turn's text right after the last one, with no role or "
            "separator: it is made for a single prompt and its completion, and here a system prompt or several turns "
            "run together (an end of text is trained in the middle of the row).",
            "Use a chat template for conversations (the model's own, or ChatML), or keep one prompt and one "
            "completion per row for this one.",
        )
    extents = _extents(enc)
    joins = _touching(extents)
    if not joins:
        return None
    chains: list[list[int]] = []  # runs of turns each touching the next: [0, 1, 2] for 0-1 and 1-2
    for i, j in joins:
        if chains and chains[-1][-1] == i:
            chains[-1].append(j)
        else:
            chains.append([i, j])
    named = ", ".join(f"{c[0] + 1} {'and' if len(c) == 2 else 'to'} {c[-1] + 1}" for c in chains)
    (a, end), (start, b) = (extents[m] for m in joins[0])  # the first join, quoted
    shown = enc.text[max(a, end - 20) : min(b, start + 20)]
    return Check(
        "text_joins_turns",
        "warning",
        f"The {template.title} template writes turns {named} right after one another, with no role header or "
        f"separator between them (“{shown}”): the model cannot tell where one turn ends and the next begins, or who "
        "wrote which.",
        "Write each turn's role and an end-of-turn marker around its text in the template (ChatML writes "
        "'<|im_start|>user\\n' before a turn's text and '<|im_end|>\\n' after it), or use the model's own template or "
        "a built-in one.",
    )


def _extents(enc: Encoded) -> dict[int, tuple[int, int]]:
    """Where each message's own text (its content and reasoning) begins and ends in the rendered text. Not its tool
    calls: their segments hold the template's text around each call too (`masks._classify`)."""
    out: dict[int, tuple[int, int]] = {}
    for s in enc.segments:
        if s.message is not None and s.kind in ("content", "reasoning"):
            a, b = out.get(s.message, (s.start, s.end))
            out[s.message] = (min(a, s.start), max(b, s.end))
    return out


def _touching(extents: dict[int, tuple[int, int]]) -> list[tuple[int, int]]:
    """Pairs of consecutive messages (i, i + 1) whose texts touch: nothing at all is written between them."""
    return [(i, i + 1) for i in sorted(extents) if i + 1 in extents and extents[i][1] == extents[i + 1][0]]


def rewritten(enc: Encoded) -> set[int]:
    """The messages whose text the template writes changed (`| upper`), not left out (`masks.dropped_parts`)."""
    return {d["message"] for d in enc.dropped if d["what"] == "content" and d.get("rewritten")}


# What a message written in another form is: `masks.dropped_parts` finds it with letter case and spacing ignored.
IN_ANOTHER_FORM = "in another form than the row has it (another letter case or spacing)"
REWRITE_FIX = (
    "Make the template write each message's text as it is (remove the filter that changes it, such as `| upper`); "
    "to train on changed text, change it in the rows instead."
)


def check_system_as_assistant(enc: Encoded, template: ChatTemplate) -> Check | None:
    """A template without a system turn of its own may write the system message under the header it opens a reply
    with (its generation prompt): the masks call it the system prompt, the model reads it as its own reply."""
    header = template.generation_prompt.strip()
    if not header:
        return None
    written = [
        s
        for s in enc.segments
        if s.role == "system" and s.kind == "content" and enc.text[: s.start].rstrip().endswith(header)
    ]
    if not written:
        return None
    return Check(
        "system_as_assistant",
        "warning",
        f"The {template.title} template writes the system message under the assistant's header "
        f"({template.generation_prompt!r}), as if the model had written it: the model is trained to read its "
        "instructions as its own earlier reply, not as a system prompt to follow.",
        "Give the system role a header of its own in the template (ChatML writes '<|im_start|>system\\n'), or merge "
        "the system text into the first user message.",
    )


def invisible_character_checks(enc: Encoded) -> list[Check]:
    """Warnings "line_separator_in_text" (U+2028, U+2029) and "zero_width_in_text" (U+200B, U+2060, U+FEFF, a U+200D
    between plain letters; not one inside an emoji), one a kind, naming the turns whose text holds them (a text
    row: its text): nobody sees them, the tokenizer reads them (`invisible_text`). [] when no turn holds one."""
    # A turn's own text: its content (parts included), reasoning and tool calls' arguments.
    own = ("content", "reasoning", "tool_calls")
    texts = ["\n".join(strings_in([m.get(k) for k in own])) for m in enc.messages] if enc.messages else [enc.text]
    out = []
    for code, what, at, effect, fix in in_turns(texts):
        names = list(dict.fromkeys(n for found in at.values() for n in found))
        turns = ", ".join(f"{i + 1} ({enc.messages[i]['role']})" for i in sorted(at)) if enc.messages else ""
        where = (
            f"Turn{'s' if len(at) > 1 else ''} {turns} {'holds' if len(at) == 1 else 'hold'}"
            if turns
            else "The text holds"
        )
        out.append(Check(code, "warning", f"{where} {what} ({', '.join(names)}): {effect}.", fix))
    return out


def _messages(enc: Encoded, which: list[int]) -> str:
    """ "messages 2 (user), 4 (tool)": counted from 1, as `turns_named` counts."""
    roles = ", ".join(f"{i + 1} ({enc.messages[i]['role']})" for i in which)
    return f"message{'s' if len(which) > 1 else ''} {roles}"


def messages_dropped_checks(enc: Encoded, template: ChatTemplate) -> list[Check]:
    """Warnings for messages the template leaves out or writes changed, each said on its own: "reply_dropped" for
    trained assistant replies, "system_dropped" for the system message, "message_dropped" for the others (user, tool);
    [] when every message is written as it is (one check for them all hid a lost reply behind a lost system turn)."""
    changed = rewritten(enc)
    lost = [i for i in left_out(enc, "content") if enc.messages[i]["role"] != "assistant"]
    replies = [i for i in left_out(enc, "content") if enc.messages[i]["role"] == "assistant" and i >= enc.train_from]
    system = [i for i in lost if enc.messages[i]["role"] == "system"]
    found = [_replies_dropped(replies, changed, template)] if replies else []
    if system:
        found.append(_system_dropped(system[0] in changed, template))
    if others := [i for i in lost if i not in system]:
        found.append(_others_dropped(enc, others, changed, template))
    return found


def _replies_dropped(replies: list[int], changed: set[int], template: ChatTemplate) -> Check:
    said, fixes = [], []
    if gone := [i for i in replies if i not in changed]:
        said.append(
            f"The {template.title} template leaves out the text of {replies_named(gone)} (it writes only "
            "the tool call, or changes the reply so it cannot be found): the model will not learn to write it."
        )
        fixes.append(
            f"Pick a template that writes the text beside a tool call (built-in {builtin_named('hermes')}), or "
            "move the text into a turn of its own."
        )
    if other := [i for i in replies if i in changed]:
        said.append(
            f"The {template.title} template writes the reply of {replies_named(other)} {IN_ANOTHER_FORM}: "
            "the studio trains a reply where it finds the row's text, so that reply is not trained."
        )
        fixes.append(REWRITE_FIX)
    return Check("reply_dropped", "warning", " ".join(said), " ".join(fixes))


def _system_dropped(rewritten_only: bool, template: ChatTemplate) -> Check:
    if rewritten_only:
        return Check(
            "system_dropped",
            "warning",
            f"The {template.title} template writes the system message {IN_ANOTHER_FORM}: the model is trained on the "
            "changed instructions, not the row's.",
            REWRITE_FIX,
        )
    return Check(
        "system_dropped",
        "warning",
        f"The {template.title} template leaves out the system message of this conversation (some Mistral "
        "templates do when the row ends with the assistant's turn): the model is trained without the "
        "instructions it will be given.",
        f"Use the built-in {builtin_named('mistral')} template (it puts the system message in the first user "
        "turn), or merge the system text into the first user message.",
    )


def _others_dropped(enc: Encoded, lost: list[int], changed: set[int], template: ChatTemplate) -> Check:
    said, fixes = [], []
    if gone := [i for i in lost if i not in changed]:
        said.append(
            f"The {template.title} template leaves out {_messages(enc, gone)}: the model is trained on a "
            f"conversation without {'them' if len(gone) > 1 else 'it'}."
        )
        fixes.append(
            "Pick a template that writes every turn; for tool results, one that shows tools: "
            f"'{TOOL_TEMPLATES[0]}' or '{TOOL_TEMPLATES[1]}'."
        )
    if other := [i for i in lost if i in changed]:
        said.append(
            f"The {template.title} template writes {_messages(enc, other)} {IN_ANOTHER_FORM}: the model is "
            "trained on the changed text, not the row's."
        )
        fixes.append(REWRITE_FIX)
    return Check("message_dropped", "warning", " ".join(said), " ".join(fixes))


def without_final_eos(text: str, template: ChatTemplate) -> str:
    """A conversation rendered to its end, less a conversation-final eos that is not the end-of-turn marker
    (Phi-3 writes `<|end|>` after each turn and `<|endoftext|>` after the last)."""
    eos, trimmed = template.eos, text.rstrip()
    return trimmed[: -len(eos)] if eos and eos != template.end_of_turn and trimmed.endswith(eos) else text


def check_prefix_preserving(enc: Encoded, template: ChatTemplate) -> Check | None:
    """Rendering the conversation up to each assistant turn must give a prefix of the full rendering: each turn's of a
    short row, the first and last few and the first of each kind of a long one (`prompt_checks.sampled_turns`: each
    render is as long as the row, so rendering every prefix grew with the square of the turns)."""
    replies = [k for k, message in enumerate(enc.messages[:-1]) if message["role"] == "assistant"]
    for k in sampled_turns(enc.messages, replies):
        try:
            prefix = render(template, enc.messages[: k + 1], tools=enc.tools)
        except TemplateError:
            continue  # templates may refuse partial conversations; that is not a rewrite
        if not enc.text.startswith(prefix) and not enc.text.startswith(without_final_eos(prefix, template)):
            if _asked_as_trained(enc, template, k):  # Qwen3's: only the reply itself is written otherwise
                return Check(
                    "not_prefix_preserving",
                    "warning",
                    f"The template writes the reply in message {k + 1} differently once later turns follow (e.g. "
                    "it drops that reply's reasoning): the context before it is the one the model sees when it "
                    "generates, but the reply is trained in its shape as an earlier turn, not in the shape the "
                    "template gives the last turn, which is the one the model writes.",
                    "Split multi-turn rows into one row per assistant turn and train with the 'last_assistant' "
                    "policy, so each reply is trained as the template writes the turn the model generates; or use a "
                    "prefix-preserving template (all built-ins are).",
                )
            return Check(
                "not_prefix_preserving",
                "warning",
                f"The template writes the turns up to message {k + 1} differently once later turns follow "
                "(it rewrites history, e.g. strips reasoning): training sees contexts the model never "
                "sees when it generates.",
                "Use a prefix-preserving template (all built-ins are), or split multi-turn rows into one "
                "row per assistant turn and train with the 'last_assistant' policy.",
            )
    return None


def _asked_as_trained(enc: Encoded, template: ChatTemplate, k: int) -> bool:
    """Whether the prompt the model generates message `k` from (the turns before it, the generation prompt) is the
    row's text as training reads it up to that reply."""
    try:
        return enc.text.startswith(render(template, enc.messages[:k], add_generation_prompt=True, tools=enc.tools))
    except TemplateError:
        return False


__all__ = [
    "check_prefix_preserving",
    "without_final_eos",
    "IN_ANOTHER_FORM",
    "REWRITE_FIX",
    "TOOL_FIX",
    "check_reasoning_dropped",
    "check_reasoning_inline",
    "check_system_as_assistant",
    "check_text_joins_turns",
    "check_tool_calls_dropped",
    "check_tools_not_shown",
    "first_dropped_tool_calls",
    "invisible_character_checks",
    "left_out",
    "messages_dropped_checks",
    "reasoning_layout_note",
    "reasoning_rows",
    "rewritten",
    "think_as_answer_field",
]
