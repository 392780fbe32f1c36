"""Pre-flight checks on an encoded conversation: the ways masking goes wrong silently, each with its fix.

Every check returns `Check(code, severity, message, fix)`; severity is "error" (training on this would be
wrong), "warning" (probably wrong) or "info" (worth knowing). `preflight` runs them all; `summarize` folds
the checks of many rows into one list with row counts, for a dataset-level report.

    checks = preflight(encoded, tokenizer, template)          # usually via encode_messages(...).checks

Codes: no_trained_tokens, eot_not_trained, missing_special_tokens, double_bos, pad_is_eos, truncated_assistant,
not_prefix_preserving, padding_side, spans_approximate.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ftlib.templates import ChatTemplate, TemplateError, missing_special_tokens, render

if TYPE_CHECKING:
    from ftlib.tokens import Encoded

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Check:
    code: str
    severity: str  # "error" | "warning" | "info"
    message: str  # what is wrong, in plain words
    fix: str  # what to do about it

    def as_dict(self) -> dict:
        return asdict(self)


def preflight(enc: Encoded, tokenizer, template: ChatTemplate, purpose: str = "train") -> list[Check]:
    """All checks for one encoded sequence; `purpose` is "train" or "generate" (for the padding side)."""
    checks = [
        check_no_trained(enc),
        check_eot_trained(enc, template),
        check_missing_special_tokens(tokenizer, template),
        check_double_bos(enc, tokenizer, template),
        check_pad_is_eos(enc, tokenizer),
        check_truncation(enc),
        check_prefix_preserving(enc, template),
        check_padding_side(tokenizer, purpose),
        check_spans(enc),
    ]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted((c for c in checks if c is not None), key=lambda c: order[c.severity])


def check_no_trained(enc: Encoded) -> Check | None:
    if enc.num_trained:
        return None
    if enc.truncated and any(enc._trained):
        return Check(
            "no_trained_tokens",
            "error",
            f"Every trained token was cut by the max length ({len(enc.input_ids)} tokens): this row "
            "teaches the model nothing.",
            f"Raise the max length to at least {len(enc._all_ids)} tokens, or shorten or drop the row.",
        )
    if not any(m["role"] == "assistant" for m in enc.messages):
        return Check(
            "no_trained_tokens",
            "error",
            "This conversation has no assistant turn, so no token is trained.",
            "Add an assistant reply, or use the 'everything' policy to train on plain text.",
        )
    return Check(
        "no_trained_tokens",
        "error",
        "No token is trained: the template puts no assistant text where this policy looks for it "
        "(a template without {% generation %} around the reply gives an all-masked row).",
        "Pick a built-in template, or wrap the assistant reply and its end-of-turn marker in "
        "{% generation %}...{% endgeneration %}.",
    )


def _piece(enc: Encoded, i: int) -> str:
    s, e = enc._offsets[i]
    return enc.text[s:e]


def check_eot_trained(enc: Encoded, template: ChatTemplate) -> Check | None:
    """Each trained assistant turn must end (whitespace aside) on a trained special token: its end-of-turn."""
    keep = len(enc.input_ids)
    cut = {t["message"] for t in enc.cut_turns}
    last_trained: dict[int, int] = {}
    for i in range(keep):
        j = enc._seg[i]
        if enc._trained[i] and j >= 0 and enc.segments[j].role == "assistant" and enc.segments[j].message is not None:
            last_trained[enc.segments[j].message] = i
    bad = []
    for message, k in sorted(last_trained.items()):
        if message in cut:
            continue  # a cut turn is reported by the truncation check
        while k + 1 < keep and enc._trained[k + 1]:
            k += 1
        while k > 0 and not _piece(enc, k).strip() and enc.input_ids[k] not in enc._special:
            k -= 1
        if enc.input_ids[k] not in enc._special:
            bad.append(message)
    if not bad:
        return None
    eot = template.end_of_turn or "the end-of-turn token"
    return Check(
        "eot_not_trained",
        "warning",
        f"The end of assistant turn{'s' if len(bad) > 1 else ''} {', '.join(map(str, bad))} is not trained "
        f"as a single special token (expected {eot!r}): the model never learns to stop and will ramble "
        "at inference, while the loss curve looks fine.",
        "Use a built-in template with the 'all_assistant' or 'last_assistant' policy; in a custom template "
        "put the end-of-turn marker inside {% generation %}; if the marker is split into pieces, add it "
        "as a special token.",
    )


@lru_cache(maxsize=8)
def _missing(tokenizer, size: int, template: ChatTemplate) -> tuple[str, ...]:
    # `size` (the vocabulary length) is in the key so that tokens added later invalidate the entry.
    return tuple(missing_special_tokens(tokenizer, template))


def check_missing_special_tokens(tokenizer, template: ChatTemplate) -> Check | None:
    missing = _missing(tokenizer, len(tokenizer), template)
    if not missing:
        return None
    return Check(
        "missing_special_tokens",
        "warning",
        f"The {template.title} template writes {', '.join(missing)}, which this tokenizer does not know: "
        "each is split into several ordinary tokens, so the model cannot emit it as one stop signal.",
        "Use the model's own template, or add the tokens (ftlib.templates.add_missing_special_tokens; "
        "'Add missing tokens' on the Tokens page) and resize the model's embeddings before training.",
    )


def check_double_bos(enc: Encoded, tokenizer, template: ChatTemplate) -> Check | None:
    bos_ids = {tokenizer.bos_token_id}
    if template.bos:
        ids = tokenizer.encode(template.bos, add_special_tokens=False)
        if len(ids) == 1:
            bos_ids.add(ids[0])
    bos_ids.discard(None)
    ids = enc.input_ids
    if len(ids) >= 2 and ids[0] == ids[1] and ids[0] in bos_ids:
        return Check(
            "double_bos",
            "error",
            f"The sequence starts with two BOS tokens ({_piece(enc, 0)!r} twice): the model never saw this "
            "at pre-training and quality drops.",
            "Write BOS once: remove it from the template or from the first message.",
        )
    bos = tokenizer.bos_token
    if bos and enc.text.startswith(bos) and _tokenizer_adds_bos(tokenizer, len(tokenizer)):
        return Check(
            "double_bos",
            "info",
            f"The template already writes {bos!r} and this tokenizer adds another one by default.",
            "ftlib tokenizes with add_special_tokens=False; do the same in any other pipeline "
            "(tokenizer(text, add_special_tokens=False)).",
        )
    return None


@lru_cache(maxsize=8)
def _tokenizer_adds_bos(tokenizer, size: int) -> bool:
    with_special = tokenizer("a")["input_ids"]
    plain = tokenizer("a", add_special_tokens=False)["input_ids"]
    return len(with_special) > len(plain) and with_special[0] == tokenizer.bos_token_id


def check_pad_is_eos(enc: Encoded, tokenizer) -> Check | None:
    pad = tokenizer.pad_token_id
    trained_ids = {label for label in enc.labels if label != -100}
    if pad is None or pad not in trained_ids or pad not in enc._special:
        return None
    tok = tokenizer.pad_token
    return Check(
        "pad_is_eos",
        "info",
        f"The pad token is the same as the trained end-of-turn token {tok!r}. ftlib masks padding by "
        f"position, so the real {tok!r} stays trained; but a collator that masks every label equal to the "
        f"pad id would also mask each real {tok!r}, and the model would never learn to stop.",
        "Keep ftlib's collator, or give the tokenizer a distinct pad token (for SmolLM2: "
        "tokenizer.pad_token = '<|endoftext|>').",
    )


def check_truncation(enc: Encoded) -> Check | None:
    hit = [t for t in enc.cut_turns if t["role"] == "assistant" and t["trained"]]
    if not hit:
        return None
    parts = [f"turn {t['message']} ({'all' if t['fully_cut'] else t['cut']} tokens cut)" for t in hit]
    return Check(
        "truncated_assistant",
        "warning",
        f"The max length of {len(enc.input_ids)} tokens cuts assistant {', '.join(parts)}: a reply cut "
        "mid-way loses its end-of-turn token, so the row teaches the model to stop nowhere.",
        f"Raise the max length to at least {len(enc._all_ids)} tokens, or shorten or drop long rows.",
    )


def check_prefix_preserving(enc: Encoded, template: ChatTemplate) -> Check | None:
    """Rendering the conversation up to each assistant turn must give a prefix of the full rendering."""
    for k, message in enumerate(enc.messages[:-1]):
        if message["role"] != "assistant":
            continue
        try:
            prefix = render(template, enc.messages[: k + 1])
        except TemplateError:
            continue  # templates may refuse partial conversations; that is not a rewrite
        if not enc.text.startswith(prefix):
            return Check(
                "not_prefix_preserving",
                "warning",
                f"The template writes the turns up to message {k} differently once later turns follow "
                "(it rewrites history, e.g. strips reasoning): training sees contexts the model never "
                "sees when it generates.",
                "Use a prefix-preserving template (all built-ins are), or split multi-turn rows into one "
                "row per assistant turn and train with the 'last_assistant' policy.",
            )
    return None


def check_padding_side(tokenizer, purpose: str = "train") -> Check | None:
    side = getattr(tokenizer, "padding_side", "right")
    if purpose == "train" and side == "left":
        return Check(
            "padding_side",
            "warning",
            "The tokenizer pads on the left. Training expects right padding: with left padding the "
            "positions shift and fp16 runs have produced NaN losses.",
            "Set tokenizer.padding_side = 'right' for training (ftlib's collator pads right by default).",
        )
    if purpose == "generate" and side == "right":
        return Check(
            "padding_side",
            "warning",
            "The tokenizer pads on the right. Batched generation needs left padding, or shorter prompts "
            "continue after their padding.",
            "Set tokenizer.padding_side = 'left' when generating in batches.",
        )
    return None


def check_spans(enc: Encoded) -> Check | None:
    if enc.exact_spans and not enc.unlocated:
        return None
    lost = f" (message{'s' if len(enc.unlocated) > 1 else ''} {', '.join(map(str, enc.unlocated))} not found)"
    return Check(
        "spans_approximate",
        "warning",
        "The template changes or drops message text, so ftlib located the messages by searching the "
        f"rendered text{lost if enc.unlocated else ''}; the masks may be off.",
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
