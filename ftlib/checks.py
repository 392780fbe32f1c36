"""Pre-flight checks on an encoded row: the ways masking goes wrong silently, each with its fix.

Every check returns `Check(code, severity, message, fix)`; severity is "error" (training on this would be
wrong), "warning" (probably wrong) or "info" (worth knowing). `preflight` runs them all on an encoding (it
reads what tokens.py produced; tokens.py never calls it); `summarize` folds the checks of many rows into one
list with row counts, for a dataset-level report.

    enc = encode_row(row, tokenizer, template)
    checks = preflight(enc, tokenizer, template)

Codes: no_trained_tokens, prompt_only, eot_not_trained, missing_special_tokens, double_bos, pad_is_eos,
truncated_assistant, not_prefix_preserving, generation_prompt_mismatch, padding_side, spans_approximate,
tool_calls_dropped, tools_not_shown, reasoning_dropped, reasoning_inline, system_dropped, message_dropped,
reply_dropped, system_as_assistant, weight_zero, tool_calls_untrained, text_joins_turns, control_token_in_text,
line_separator_in_text, zero_width_in_text. The generation-prompt check (generation_prompt_mismatch) lives in
`ftlib.prompt_checks`, those of the tokenizer's special tokens (missing_special_tokens, double_bos, pad_is_eos,
padding_side, control_token_in_text) in `ftlib.tokenizer_checks`, those of what a template does to the row's messages
(tool_calls_dropped, tools_not_shown, reasoning_dropped, reasoning_inline, text_joins_turns, system_dropped,
message_dropped, reply_dropped, system_as_assistant, not_prefix_preserving), of tool calls a policy leaves untrained
(tool_calls_untrained) and of characters nobody sees in them (line_separator_in_text, zero_width_in_text) in
`ftlib.message_checks`; cut_in_training (what a run at its default max length would cut of a row shown whole: `tokens`
without --max-length) is `ftlib.run_preflight.run_cut_check`. No fix asks for a longer max length than the model
reads (`longer_fix`).
"""

from __future__ import annotations

import re
from collections import Counter

from ftlib.builtin_templates import builtin_named
from ftlib.check_result import SEVERITIES, Check
from ftlib.errors import numbered, plural
from ftlib.message_checks import (
    IN_ANOTHER_FORM,
    REWRITE_FIX,
    check_prefix_preserving,
    check_reasoning_dropped,
    check_reasoning_inline,
    check_system_as_assistant,
    check_text_joins_turns,
    check_tool_calls_dropped,
    check_tool_calls_untrained,
    check_tools_not_shown,
    invisible_character_checks,
    left_out,
    messages_dropped_checks,
    rewritten,
    without_final_eos,
)
from ftlib.prompt_checks import (
    check_generation_prompt,
    check_no_generation_prompt,
    messages_named,
    replies_named,
)
from ftlib.templates import ChatTemplate
from ftlib.tokenizer_checks import (
    check_double_bos,
    check_missing_special_tokens,
    check_pad_is_eos,
    check_padding_side,
    control_token_checks,
)
from ftlib.tokens import Encoded, PreferenceEncoded, parts

# Turns a cut-turn warning names before it counts the rest (a 300-turn row named every one: 3,827 characters).
NAMED_TURNS = 4
# Wordings of one check told apart in a split's report (`template_report`) before the other rows are only numbered.
GROUPS = 3
# How a file marks a turn trained: a row read from Axolotl's `train` or ms-swift's `loss` flags has no `weight`, and
# adding `"weight": 1` beside `"loss": false` gets the row refused for keys that differ (turn_weights.turn_weight).
MARKED_TRAINED = '(`"weight": 1`, or `"loss": true` or `"train": true` where the file marks its turns so)'
# What "weight 0" is in a file: the row read does not keep which of the three the file wrote (turns.py reads each as
# weight 0), so the message names them all (helper 83's walk: a `"loss": false` turn "has weight 0 in the data").
WEIGHT_0 = 'weight 0 in the data (`"weight": 0`, or `"loss"` or `"train"` false)'


def preflight(
    enc: Encoded | PreferenceEncoded,
    tokenizer,
    template: ChatTemplate,
    purpose: str = "train",
    context: int | None = None,
) -> list[Check]:
    """All checks for one encoded row (both sequences of a preference pair, each distinct check once), errors
    first; `purpose` is "train" or "generate" (for the padding side); `context`: the model's context length
    (`models.context_length`), so that no fix asks for a max length the model cannot read."""
    seen, out = set(), []
    for part in parts(enc).values():
        for check in _checks(part, tokenizer, template, purpose, context):
            # The generation prompt is the template's: said once for a pair, whichever answer's first word it quotes.
            key = check.code if check.code == "generation_prompt_mismatch" else (check.code, check.message)
            if key not in seen:
                seen.add(key)
                out.append(check)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(out, key=lambda c: order[c.severity])


def row_losses(enc: Encoded | PreferenceEncoded, template: ChatTemplate) -> list[Check]:
    """What the template leaves out of one encoded row (tool calls, tool definitions, reasoning, messages, a reply's
    text): the part of `preflight` that a run, and an evaluation scoring the row, must hear about. A prompt-only row
    (GRPO's) can lose only its tool definitions: the model answers it without them."""
    found = []
    for part in parts(enc).values():
        if part.kind == "text":
            continue
        if part.kind == "prompt_only":  # a GRPO prompt: the model answers it without the tools it was not shown
            found += [c for c in (check_tools_not_shown(part, template),) if c is not None]
            continue
        found += [
            c
            for c in (
                check_tool_calls_dropped(part, template),
                check_tools_not_shown(part, template),
                check_reasoning_dropped(part, template),
            )
            if c is not None
        ]
        found += messages_dropped_checks(part, template)
    return found


def template_report(
    encodings: list,
    template: ChatTemplate,
    numbers: list[int] | None = None,
    split: str = "training",
    total: int | None = None,
) -> list[Check]:
    """`row_losses` over a split, one check per code and severity (`summarize`, errors first), its message saying
    which rows, for a run's pre-launch report. `numbers`: the row (1-based) of each encoding (KTO's two answers of a
    pair share one), 1, 2, ... when None; `split` is "training" or "held-out"; `total`: the rows of the split, those
    left out for having nothing to learn included (by default those of `numbers`). Training rows are counted and named
    ("In 2 of 40 training rows (rows 3, 9): ...") and also checked by `check_eot_trained` (a reply the model never
    learns to end), `check_text_joins_turns` (turns run together), `check_tool_calls_untrained` (tool calls the
    policy never trains) and `control_token_checks` (a control token in a turn's own text, which the model learns to
    write); held-out rows are named ("In held-out row 2, scored as the template writes it: ..."), as the run's
    evaluation and the Evaluate page score each of them. Rows that say it differently (another turn, another effect)
    are not told one row's words: each wording comes with its own rows (`_in_rows`)."""
    numbers = list(range(1, len(encodings) + 1)) if numbers is None else numbers
    per_row = [row_losses(enc, template) for enc in encodings]
    if split == "training":  # a reply whose end is not trained never learns to stop (the README's promise)
        for found, enc in zip(per_row, encodings, strict=True):
            chats = [p for p in parts(enc).values() if p.kind not in ("text", "prompt_only")]
            found += [c for p in chats if (c := check_eot_trained(p, template)) is not None][:1]
            # turns run together teach the model replies glued to the next turn (the Tokens page says it too)
            found += [c for p in chats if (c := check_text_joins_turns(p, template)) is not None][:1]
            # calls a policy training only the last reply never trains (helper 104: the run said nothing of it)
            found += [c for p in chats if (c := check_tool_calls_untrained(p)) is not None][:1]
            # a pair's two answers share their prompt: a control token in it is said once
            said = {(c.severity, c.message): c for p in chats for c in control_token_checks(p, template)}
            found += list(said.values())
            # U+2028, zero-width spaces: trained as characters nobody sees (the Data page names the file's rows too)
            unseen = {(c.code, c.message): c for p in parts(enc).values() for c in invisible_character_checks(p)}
            found += list(unseen.values())
    said: dict[tuple[str, str], dict[int, str]] = {}  # (code, severity) -> {row: its message}, a row's first
    for number, found in zip(numbers, per_row, strict=True):
        for c in found:
            said.setdefault((c.code, c.severity), {}).setdefault(number, c.message)
    out = []
    for check, _ in summarize(per_row):
        groups: dict[str, list[int]] = {}
        for number, message in sorted(said[(check.code, check.severity)].items()):
            groups.setdefault(message, []).append(number)
        where = _in_rows(groups, total or len(set(numbers)), split)
        out.append(Check(check.code, check.severity, where, check.fix, check.for_engineers))
    return out


SCORED = ", scored as the template writes it"  # after the held-out rows a message names


def report_blocks(found: list[Check]) -> list[tuple[str, str, str]]:
    """(severity, code, text) of each problem in `found` (a run's pre-launch checks, both splits), one block per
    problem: the held-out rows' message joins the training rows' where the fix is the same (a walk saw four error
    blocks, each with the same 70-word fix, for two checks on two splits). `code`: the check's (`Check.code`), so a
    page can offer its one-click fix beside the block (the Train page's tool template button)."""
    merged: dict[tuple[str, str, str], list[str]] = {}
    for check in found:
        merged.setdefault((check.severity, check.code, check.fix), []).append(check.message)
    return [(severity, code, f"{both_splits(messages)} {fix}") for (severity, code, fix), messages in merged.items()]


def both_splits(messages: list[str]) -> str:
    """The messages of one problem with one fix (`template_report`'s, training's then held-out's) as one text: where
    the held-out rows' words are the training rows' (one wording each), said once for both splits.

    >>> both_splits(["In 2 of 3 training rows (rows 1, 2): A.", f"In held-out row 1{SCORED}: A."])
    'In 2 of 3 training rows (rows 1, 2) and in held-out row 1 (scored as the template writes it): A.'
    >>> both_splits(["A.", "In held-out row 1, scored as the template writes it: A."])
    'In the only training row and in held-out row 1 (scored as the template writes it): A.'
    >>> both_splits(["A.", "In held-out row 1, scored as the template writes it: B."])
    'A. In held-out row 1, scored as the template writes it: B.'
    """
    if len(messages) == 2 and messages[1].startswith("In held-out row"):
        rows, told, body = messages[1][3:].partition(f"{SCORED}: ")
        training = messages[0]
        opening = training.removesuffix(f": {body}") if training.endswith(f": {body}") else ""
        if training == body:
            opening = "In the only training row"
        # One wording in the training rows too: an opening of several ("..., in 2 ways. Row 2: A.") is not joined.
        if told and opening.startswith("In ") and ": " not in opening and " ways." not in opening:
            return f"{opening} and in {rows} ({SCORED.removeprefix(', ')}): {body}"
    return " ".join(messages)


def _in_rows(groups: dict[str, list[int]], total: int, split: str) -> str:
    """One message for the rows of a split that raised a check, `groups` {its wording: the rows with it}: the rows
    named (all of a split's training rows are only counted), each wording once with its rows, the most common first;
    past `GROUPS` wordings, the other rows are numbered only.

    >>> _in_rows({"A.": [1, 3], "B.": [2]}, 4, "training")
    'In 3 of 4 training rows (rows 1, 2, 3), in 2 ways. Rows 1, 3: A. Row 2: B.'
    >>> _in_rows({"Message 2 is cut.": [1, 3], "Message 4 is cut.": [2]}, 4, "training")
    'In 3 of 4 training rows (rows 1, 2, 3), the same problem in different messages. Rows 1, 3: Message 2 is cut. \
Row 2: Message 4 is cut.'
    >>> _in_rows({"A.": [2]}, 3, "held-out")
    'In held-out row 2, scored as the template writes it: A.'
    """
    which = sorted(n for rows in groups.values() for n in rows)
    if split == "training":
        named = "" if len(which) == total else f" ({numbered('row', which)})"
        opening = f"In {len(which)} of {total} training rows{named}" if total > 1 else ""
    else:
        opening = f"In {numbered(f'{split} row', which)}{SCORED}"
    ranked = sorted(groups.items(), key=lambda group: (-len(group[1]), group[1][0]))
    if len(ranked) == 1:
        return f"{opening}: {ranked[0][0]}" if opening else ranked[0][0]
    told = [f"{numbered('Row', rows)}: {message}" for message, rows in ranked[:GROUPS]]
    if rest := sorted(n for _, rows in ranked[GROUPS:] for n in rows):
        # the CLI's words (`train`, `batch`); the pages say the Tokens page (ui.labels.CLI_WORDS)
        told.append(f"{numbered('Row', rest)}: the same in other turns or ways (the `tokens` command shows each row).")
    # Ways are counted by problem: one dropped call in message 2 of some rows and in message 4 of others is one way,
    # not two (a cold walk read "in 2 ways" and found the same problem twice).
    ways = len({_MESSAGE_NUMBERS.sub("#", message) for message in groups})
    if ways == 1:
        return f"{opening}, the same problem in different messages. " + " ".join(told)
    some = " (some in different messages)" if ways < len(ranked) else ""
    return f"{opening}, in {ways} ways{some}. " + " ".join(told)


# Where a wording names its row's messages ("message 4", "messages 3, 7", "Turn 2"): the part that differs by row.
_MESSAGE_NUMBERS = re.compile(r"\b(message|turn)s? \d+(?:, \d+)*", re.IGNORECASE)


def _checks(enc: Encoded, tokenizer, template: ChatTemplate, purpose: str, context: int | None) -> list[Check]:
    if enc.kind == "text":  # no template: only the tokenizer's own traps
        found = [
            check_no_trained(enc, context),
            check_double_bos(enc, tokenizer, template),
            check_pad_is_eos(enc, tokenizer),
            *invisible_character_checks(enc),
        ]
    elif enc.kind == "prompt_only":
        found = [
            check_prompt_only(enc),
            check_tools_not_shown(enc, template),
            check_missing_special_tokens(tokenizer, template),
            *control_token_checks(enc, template),
            *invisible_character_checks(enc),
        ]
    else:
        found = [
            check_no_trained(enc, context),
            check_tool_calls_dropped(enc, template),
            check_tools_not_shown(enc, template),
            check_reasoning_dropped(enc, template),
            check_reasoning_inline(enc, template),
            check_text_joins_turns(enc, template),
            *messages_dropped_checks(enc, template),
            check_system_as_assistant(enc, template),
            check_eot_trained(enc, template),
            *control_token_checks(enc, template),
            *invisible_character_checks(enc),
            check_missing_special_tokens(tokenizer, template),
            check_double_bos(enc, tokenizer, template),
            check_pad_is_eos(enc, tokenizer),
            check_truncation(enc, context),
            check_prefix_preserving(enc, template),
            check_generation_prompt(enc, tokenizer, template),
            check_no_generation_prompt(enc, tokenizer, template),
            check_spans(enc),
            check_weight_zero(enc),
            check_tool_calls_untrained(enc),
        ]
    found.append(check_padding_side(tokenizer, purpose))
    return [c for c in found if c is not None]


def longer_fix(length: int, context: int | None, rows: str = "the row") -> str:
    """How to train a row of `length` tokens that the max length cuts: a max length that fits it, or, when it is
    longer than the model's `context` (None: not known), a shorter row, as no max length fits it.

    >>> longer_fix(900, 8192)
    'Raise the max length to at least 900 tokens (the model reads up to 8192), or shorten or drop the row.'
    >>> longer_fix(20044, 8192)[:94]
    'This row is longer than the model can read at all (20044 tokens; its context is 8192 tokens): '
    """
    if context is None:
        return f"Raise the max length to at least {length} tokens, or shorten or drop {rows}."
    if length <= context:
        reads = f"(the model reads up to {context})"
        return f"Raise the max length to at least {length} tokens {reads}, or shorten or drop {rows}."
    return (
        f"This row is longer than the model can read at all ({length} tokens; its context is {context} tokens): no "
        "max length fits it. Split it into shorter rows (one per exchange, or its text in parts), shorten it, or "
        "drop it."
    )


def check_no_trained(enc: Encoded, context: int | None = None) -> Check | None:
    """Nothing of the row is trained, and why (`context`: the model's context length, for the fix of a cut row)."""
    if enc.num_trained:
        return None
    if enc.truncated and any(enc.token_trained):
        return Check(
            "no_trained_tokens",
            "error",
            f"Every trained token was cut by the max length ({len(enc.input_ids)} tokens): nothing is left for the "
            "model to learn.",
            longer_fix(len(enc.all_ids), context),
        )
    answers = [i for i, m in enumerate(enc.messages) if m["role"] == "assistant" and i >= enc.train_from]
    if not answers:
        return Check(
            "no_trained_tokens",
            "error",
            "This conversation has no assistant turn, so no token is trained.",
            "Add an assistant reply, or use the 'everything' policy to train on plain text.",
        )
    if all(enc.messages[i].get("weight", 1) == 0 for i in answers):
        return Check(
            "no_trained_tokens",
            "error",
            f"Every assistant turn of this row has {WEIGHT_0}, so no token is trained: the row is context only.",
            f"Give the turns to learn weight 1 {MARKED_TRAINED}, or drop the row.",
        )
    last = answers[-1]
    if enc.policy in ("last_assistant", "completion_only") and enc.messages[last].get("weight", 1) == 0:
        # The policy trains only the last turn, which the data marks as context: the template is not at fault.
        others = [i for i in answers[:-1] if enc.messages[i].get("weight", 1) != 0]
        return Check(
            "no_trained_tokens",
            "error",
            f"No token is trained: the last assistant reply of this row ({messages_named([last])}) has {WEIGHT_0}: "
            f"shown as context, never trained, and the '{enc.policy}' policy trains only that turn.",
            f"Use the 'all_assistant' policy to train the other replies ({messages_named(others)}), or set the "
            f"weight of {messages_named([last])} to 1 {MARKED_TRAINED} to train it.",
        )
    others = set(left_out(enc, "reasoning")) | set(left_out(enc, "tool_call"))  # parts of a reply lost, not changed
    lost = others | set(left_out(enc, "content"))
    if lost & set(answers):
        changed = {i for i in lost & set(answers) if i in rewritten(enc) and i not in others}
        said, fixes = [], []
        if gone := sorted(lost & set(answers) - changed):
            said.append(
                f"the template leaves out what the assistant writes in {messages_named(gone)} (its reasoning, reply "
                "or tool calls)"
            )
            fixes.append(
                f"Pick a template that writes every part of the reply (built-in {builtin_named('hermes')} or "
                f"{builtin_named('llama31')} keep reasoning "
                "and tool calls in every turn), or split the row into one row per assistant turn."
            )
        if changed:
            said.append(
                f"the template writes the reply in {messages_named(sorted(changed))} {IN_ANOTHER_FORM}, and the "
                "studio trains a reply where it finds the row's text"
            )
            fixes.append(REWRITE_FIX)
        return Check(
            "no_trained_tokens",
            "error",
            f"No token is trained: {'; '.join(said)}, so this row would teach the model nothing.",
            " ".join(fixes),
        )
    return Check(
        "no_trained_tokens",
        "error",
        "No token is trained: the template puts no assistant text where this policy looks for it "
        "(a template without {% generation %} around the reply gives an all-masked row).",
        "Pick a built-in template, or wrap the assistant reply and its end-of-turn marker in "
        "{% generation %}...{% endgeneration %}.",
    )


def check_prompt_only(enc: Encoded) -> Check:
    """info "prompt_only" for a row with no answer (`_checks` calls it for `enc.kind` "prompt_only"): nothing of it is
    trained; it is GRPO's data, which SFT, DPO and KTO cannot train. Always a Check: the caller decides when."""
    # "info", not an error: prompt-only rows are GRPO's data (a shipped sample is one); the methods that cannot train
    # them are not offered for such a split (ftlib.methods), so there is nothing to fix here.
    return Check(
        "prompt_only",
        "info",
        "This row is a prompt without an answer: no token of it is trained. It is for GRPO (online reinforcement "
        "learning), where the model writes answers to it and reward functions score them; SFT, DPO and KTO cannot "
        "train it, as there is no answer to imitate or judge.",
        "For GRPO, nothing to change. To fine-tune on answers, use a dataset with them (conversations, "
        "prompt/completion).",
    )


def check_weight_zero(enc: Encoded) -> Check | None:
    """Check "weight_zero" for assistant turns of weight 0 (`"weight": 0`) in a row that trains something: info
    (context, never trained), or a warning under the 'everything' policy, which trains them anyway; else None."""
    turns = [i for i, m in enumerate(enc.messages) if m["role"] == "assistant" and m.get("weight", 1) == 0]
    if not turns or not enc.num_trained:
        return None
    have = "have" if len(turns) > 1 else "has"
    replies = replies_named(turns).capitalize()  # "Message 3 (an assistant reply)": not read as the third reply
    if enc.policy == "everything":  # trains every token from the first (masks.py): the weights too are overruled
        return Check(
            "weight_zero",
            "warning",
            f"{replies} {have} {WEIGHT_0}, but the 'everything' loss policy trains every token, those turns included.",
            "Use the 'all_assistant' policy to leave weight-0 turns untrained; keep 'everything' to train the whole "
            "text as it is.",
        )
    return Check(
        "weight_zero",
        "info",
        f"{replies} {have} {WEIGHT_0}: shown to the model as context, never trained.",
        f"Nothing to do if that is intended; to train such a turn, set its weight to 1 {MARKED_TRAINED}.",
    )


def check_eot_trained(enc: Encoded, template: ChatTemplate) -> Check | None:
    """Each trained assistant turn must end (whitespace aside) on a trained special token: its end-of-turn."""
    keep = len(enc.input_ids)
    cut = {t["message"] for t in enc.cut_turns}
    last_trained: dict[int, int] = {}
    for i in range(keep):
        j = enc.token_segments[i]
        seg = enc.segments[j] if j >= 0 else None
        if enc.token_trained[i] and seg is not None and seg.role == "assistant" and seg.message is not None:
            last_trained[seg.message] = i
    bad, ends = [], {}  # the turns whose end is not trained, where each one's trained text ends
    for message, k in sorted(last_trained.items()):
        if message in cut:
            continue  # a cut turn is reported by the truncation check
        while k + 1 < keep and enc.token_trained[k + 1]:
            k += 1
        while k > 0 and not enc.piece(k).strip() and enc.input_ids[k] not in enc.special_ids:
            k -= 1
        if enc.input_ids[k] not in enc.special_ids:
            bad.append(message)
            ends[message] = enc.offsets[k]
    # A marker the tokenizer splits (its last piece starts inside it) is said by missing_special_tokens, one cause.
    eot = template.end_of_turn
    bad = [m for m in bad if not (eot and enc.text[: ends[m][1]].rstrip().endswith(eot) and _split(enc, ends[m], eot))]
    if not bad:
        return None
    if not any(_writes_eot(enc, template, m, ends[m][1]) for m in bad):
        return _no_eot_written(bad, template)
    eot = eot or "the end-of-turn token"
    return Check(
        "eot_not_trained",
        "warning",
        f"The end of {replies_named(bad)} is not trained as a single special token (expected {eot!r}): the "
        "model never learns to stop and will ramble at inference, while the loss curve looks fine.",
        "Use a built-in template with the 'all_assistant' or 'last_assistant' policy; in a custom template "
        "put the end-of-turn marker inside {% generation %}.",  # a marker in pieces: missing_special_tokens says it
    )


def _split(enc: Encoded, offsets: tuple[int, int], eot: str) -> bool:
    """Whether the trained text ending at the token of character `offsets` ends on `eot` written in several pieces."""
    return offsets[0] > len(enc.text[: offsets[1]].rstrip()) - len(eot)


def _writes_eot(enc: Encoded, template: ChatTemplate, message: int, end: int) -> bool:
    """Whether the template writes an end-of-turn marker for assistant turn `message`, whose trained text ends at
    character `end`: one the masks found (split into ordinary tokens, say), a control token the turn ends on
    (DeepSeek's `<｜tool▁call▁end｜>`, which a tokenizer may not know), or the marker after it, untrained."""
    if any(s.message == message and s.kind == "end_of_turn" for s in enc.segments):
        return True
    markers = [t for t in (*template.special_tokens, template.end_of_turn, template.eos) if t]
    if enc.text[:end].rstrip().endswith(tuple(markers)):
        return True
    after = min(
        (s.start for s in enc.segments if s.message is not None and s.message > message), default=len(enc.text)
    )
    return bool(template.end_of_turn) and template.end_of_turn in enc.text[end:after]


def _no_eot_written(turns: list[int], template: ChatTemplate) -> Check:
    """eot_not_trained where the template writes no end-of-turn marker at all between a reply and what follows it
    (`Q: ...` / `A: ...` templates, or one that writes each turn's text alone)."""
    eos = f"{{{{ eos_token }}}} ({template.eos!r} for this tokenizer)" if template.eos else "the tokenizer's eos token"
    inside = ", inside its {% generation %} block" if template.has_generation_tags else ""
    return Check(
        "eot_not_trained",
        "warning",
        f"The {template.title} template writes no end-of-turn marker after the reply in {messages_named(turns)}: no "
        "token teaches the model to stop, so it will ramble at inference, while the loss curve looks fine.",
        f"Write an end-of-turn marker right after the reply in the template's assistant turn{inside}, e.g. {eos}: "
        "the studio then trains it, and generation stops there.",
    )


def check_truncation(enc: Encoded, context: int | None = None) -> Check | None:
    """Trained assistant turns the max length cuts (`context`: the model's context length, for the fix): the first
    few named, the rest counted, and what it costs: a reply cut mid-way trains no end-of-turn token (the model learns
    to stop nowhere), one cut entirely trains nothing."""
    hit = [t for t in enc.cut_turns if t["role"] == "assistant" and t["trained"]]
    if not hit:
        return None
    cuts = [
        f"{messages_named([t['message']])} ({'all tokens' if t['fully_cut'] else plural(t['cut'], 'token')} cut)"
        for t in hit[:NAMED_TURNS]
    ]
    more = f" and {plural(len(hit) - NAMED_TURNS, 'more turn')}" if len(hit) > NAMED_TURNS else ""
    replies = "assistant replies" if len(hit) > 1 else "an assistant reply"  # then each as "message 3 (...)"
    entirely = sum(t["fully_cut"] for t in hit)
    midway = "a reply cut mid-way loses its end-of-turn token, so the row teaches the model to stop nowhere"
    if not entirely:
        cost = midway
    elif entirely == len(hit):  # nothing of these replies is left to train: no ending is taught wrong
        them = "that reply is" if entirely == 1 else f"those {entirely} replies are"
        cost = (
            f"{them} cut entirely, so never trained: the model learns nothing from {'it' if entirely == 1 else 'them'}"
        )
    else:
        them = "the reply" if entirely == 1 else f"the {entirely} replies"
        cost = f"{midway}, and {them} cut entirely {'is' if entirely == 1 else 'are'} never trained"
    return Check(
        "truncated_assistant",
        "warning",
        f"The max length of {len(enc.input_ids)} tokens cuts {replies}, {', '.join(cuts)}{more}: {cost}.",
        longer_fix(len(enc.all_ids), context, "long rows"),
    )


def check_spans(enc: Encoded) -> Check | None:
    """warning "spans_approximate" when the template changes message text, so the trained parts were found by searching
    the rendered text (`enc.exact_spans` False); None when every message was found as written."""
    if enc.exact_spans:
        return None
    return Check(
        "spans_approximate",
        "warning",
        "The template changes the messages' text, so the studio had to search for each message in the "
        "rendered text: the trained parts may be slightly off.",
        "Check the token view; prefer a template that writes each message's content unchanged.",
    )


def summarize(per_row: list[list[Check]]) -> list[tuple[Check, int]]:
    """Distinct checks over many rows (by code and severity) with how many rows raised each."""
    first: dict[tuple[str, str], Check] = {}
    counts: Counter = Counter()
    for checks in per_row:
        for key in {(c.code, c.severity) for c in checks}:
            counts[key] += 1
        for c in checks:
            first.setdefault((c.code, c.severity), c)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(((first[k], n) for k, n in counts.items()), key=lambda x: (order[x[0].severity], -x[1]))


__all__ = [
    "SEVERITIES",
    "Check",
    "check_padding_side",
    "preflight",
    "row_losses",
    "summarize",
    "template_report",
    "without_final_eos",
]
