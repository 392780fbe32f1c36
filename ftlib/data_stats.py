"""What a file's canonical rows hold and how long they are: counts of tool calls, reasoning and labels (the Data
page's metrics), each row rendered through a chat template, and its token lengths.

    row_counts(result.rows, result.kind)          # {'tool_calls': 2, 'tools': 1, 'reasoning': 0, 'weight_0': 0}
    dataset_stats(result.rows, tokenizer, max_length=1024)
    dataset_stats(result.rows, tokenizer, render=partial(templates.render, chat), template=chat)   # a chosen template
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from ftlib.errors import numbered
from ftlib.readers import DataError
from ftlib.rows import conversation, is_preference, row_kind
from ftlib.text_rows import head_length, template_head, text_pieces
from ftlib.turns import INLINE_THINK


def row_counts(rows: list[dict], kind: str | None = None) -> dict[str, int]:
    """What the rows hold: rows with tool calls, tool schemas, reasoning, a turn weighted 0; good/bad for unpaired
    rows (for `kind` "unpaired" always, 0 and 0 when no row is valid).

    >>> row_counts([{"prompt": [], "completion": [], "label": True}, {"prompt": [], "completion": [], "label": False}])
    {'tool_calls': 0, 'tools': 0, 'reasoning': 0, 'weight_0': 0, 'good': 1, 'bad': 1}
    >>> row_counts([], "unpaired")
    {'tool_calls': 0, 'tools': 0, 'reasoning': 0, 'weight_0': 0, 'good': 0, 'bad': 0}
    """
    counts = {"tool_calls": 0, "tools": 0, "reasoning": 0, "weight_0": 0}
    labels = Counter()
    for row in rows:
        turns = conversation(row)
        if row_kind(row) == "preference":
            turns = turns + list(row["rejected"])
        counts["tool_calls"] += any(t.get("tool_calls") for t in turns)
        counts["tools"] += bool(row.get("tools"))
        counts["reasoning"] += any(t.get("reasoning") for t in turns)
        counts["weight_0"] += any(t.get("weight") == 0 for t in turns)
        if "label" in row and row_kind(row) == "unpaired":
            labels[bool(row["label"])] += 1
    if labels or kind == "unpaired":
        counts.update(good=labels[True], bad=labels[False])
    return counts


def hf_messages(turns: list[dict]) -> list[dict]:
    """Canonical turns as transformers' chat templates read them: the reasoning as `reasoning_content` (Qwen3,
    DeepSeek-R1 templates), or, where the file wrote it inline (`inline_think`), the content as the file wrote it, as
    training gives it (`template_input.template_messages`); no `weight` (no template knows it).

    >>> turn = {"role": "assistant", "content": "4.", "reasoning": "2+2", "inline_think": ["<think>", "</think>"]}
    >>> hf_messages([turn])
    [{'role': 'assistant', 'content': '<think>2+2</think>4.'}]
    """
    out = []
    for turn in turns:
        msg = {k: v for k, v in turn.items() if k not in ("reasoning", "weight", INLINE_THINK)}
        wrap = turn.get(INLINE_THINK)
        if wrap and turn.get("reasoning") is not None:
            msg["content"] = f"{wrap[0]}{turn['reasoning']}{wrap[1]}{turn['content']}"
        elif turn.get("reasoning") is not None:
            msg["reasoning_content"] = turn["reasoning"]
        out.append(msg)
    return out


def render_row(row: dict, tokenizer, render: Callable | None = None) -> str:
    """The row's text through the tokenizer's own chat template (plain `role: content` lines without one), or
    through `render(turns, add_generation_prompt=..., tools=...)` (a chosen template: `partial(templates.render, t)`).

    A text row is its text, untouched; a prompt-only row ends with the template's generation prompt; tool schemas
    go to the template as `tools=`, like transformers' `apply_chat_template`. DataError when the template refuses.
    """
    kind = row_kind(row)
    if kind == "text":
        return row["text"]
    if render is not None:
        return render(conversation(row), add_generation_prompt=kind == "prompt_only", tools=row.get("tools"))
    messages = hf_messages(conversation(row))
    if not getattr(tokenizer, "chat_template", None):
        return "".join(f"{m['role']}: {m['content']}\n" for m in messages)
    from jinja2 import TemplateError

    try:
        return tokenizer.apply_chat_template(
            messages, tools=row.get("tools"), tokenize=False, add_generation_prompt=kind == "prompt_only"
        )
    except TemplateError as exc:  # also what a template's own raise_exception() raises
        raise DataError(f"The model's chat template cannot render this row ({exc}).") from None


def _spread(values: list[float]) -> dict:
    if not values:
        return {"min": 0, "mean": 0.0, "max": 0}
    return {"min": min(values), "mean": sum(values) / len(values), "max": max(values)}


def dataset_stats(
    rows: list[dict],
    tokenizer=None,
    max_length: int | None = None,
    render: Callable | None = None,
    template=None,
) -> dict:
    """Counts, turns and characters per row; token lengths (and truncation at `max_length`) with a tokenizer, under
    its own chat template or the one `render` writes (see `render_row`), a text row's with the BOS and EOS training
    adds (`text_rows.text_pieces`). `template`: the ChatTemplate `render` writes, whose BOS (the `text` template's,
    `text_rows.template_head`) is one id as training has it; without it a rendered BOS is tokenized as text, which
    on a Metaspace tokenizer (Llama-2, Mistral) miscounts the first word. The lengths are `tokens.encode_row`'s; a
    preference pair's is its longer side's, the prompt with the chosen or with the rejected answer, as a run cuts
    each at the max length (the characters count the chosen side)."""
    conversations = [conversation(r) for r in rows]
    chars = [sum(len(m["content"]) + len(m.get("reasoning") or "") for m in msgs) for msgs in conversations]
    stats: dict[str, Any] = {
        "rows": len(rows),
        "preference_rows": sum(is_preference(r) for r in rows),
        "turns": _spread([len(msgs) for msgs in conversations]),
        "chars": dict(_spread(chars), total=sum(chars)),
    }
    if tokenizer is not None and rows:
        lengths = _lengths(rows, tokenizer, render, template)
        # A pair's rejected side is cut at the max length too: a long rejected answer (UltraFeedback's often are)
        # was counted as its short chosen one, and the Data page said "0 rows would be truncated" where Train cut 9.
        pairs = [i for i, r in enumerate(rows) if row_kind(r) == "preference"]
        if pairs:
            swapped = _lengths(
                [{**rows[i], "chosen": rows[i]["rejected"]} for i in pairs], tokenizer, render, template
            )
            for i, n in zip(pairs, swapped, strict=True):
                lengths[i] = max(lengths[i], n)
        stats["token_lengths"] = lengths
        stats["tokens"] = dict(_spread(lengths), total=sum(lengths))
        if max_length is not None:
            over, fraction = count_truncated(lengths, max_length)
            stats.update(max_length=max_length, truncated=over, truncated_fraction=fraction)
    return stats


def _lengths(rows: list[dict], tokenizer, render: Callable | None, template) -> list[int]:
    """Each row's token length as `dataset_stats` counts it (a pair's chosen side)."""
    texts = [render_row(r, tokenizer, render) for r in rows]
    pieces = [
        text_pieces(t, tokenizer) if row_kind(r) == "text" else [(t, "")] for r, t in zip(rows, texts, strict=True)
    ]
    # A text row's BOS, or the one the text template writes: one id, the rest tokenized apart as training does.
    heads = [head_length(p) or (template_head(p[0][0], template) if template is not None else 0) for p in pieces]
    texts = ["".join(p for p, _ in row)[h:] for row, h in zip(pieces, heads, strict=True)]
    # The template already holds its special tokens; letting the tokenizer add more would double a BOS.
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
    return [len(row) + (h > 0) for row, h in zip(ids, heads, strict=True)]


def count_truncated(lengths: list[int], max_length: int) -> tuple[int, float]:
    """(rows longer than `max_length` tokens, their fraction of all rows)."""
    over = sum(n > max_length for n in lengths)
    return over, over / len(lengths) if lengths else 0.0


def reasoning_rows(rows: list[dict]) -> tuple[list[int], dict[int, list[str]]]:
    """The rows (numbered from 1) with reasoning in a field, and those with reasoning the file wrote inline as
    <think> in the content, each with its first block's [before, after] text (`inline_think`); a row may be both.

    >>> think = {"role": "assistant", "content": "4.", "reasoning": "2+2", "inline_think": ["<think>", "</think>"]}
    >>> reasoning_rows([{"messages": [think]}, {"messages": [{"role": "assistant", "content": "", "reasoning": "x"}]}])
    ([2], {1: ['<think>', '</think>']})
    """
    fields, inline = [], {}
    for number, row in enumerate(rows, 1):
        turns = conversation(row) + (list(row["rejected"]) if is_preference(row) else [])
        said = [t for t in turns if (t.get("reasoning") or "").strip()]
        fields += [number] if any(not t.get(INLINE_THINK) for t in said) else []
        if wraps := [list(t[INLINE_THINK]) for t in said if t.get(INLINE_THINK)]:
            inline[number] = next((w for w in wraps if w != _FIELD_LAYOUT), wraps[0])
    return fields, inline


# How the studio writes a field's reasoning for a template that reads none (template_input.template_messages).
_FIELD_LAYOUT = ["<think>\n", "\n</think>\n\n"]


def reasoning_layout_note(
    rows: list[dict],
    template: Any = None,  # a templates.ChatTemplate (not imported: ftlib.data reads this, below templates)
    noun: str = "training row",
    numbers: list[int] | None = None,
) -> str:
    """A note where the `rows` write reasoning in more than one layout under a template that reads no reasoning field
    and splits no `</think>` off (ChatML, SmolLM2's): some in a field, written `<think>\\n...\\n</think>\\n\\n` before
    the answer, and some inline as <think> in the content in another layout, kept as written; or inline blocks in
    layouts that differ among themselves (`<think>\\n...` and `<think>...`). One file then trains two layouts (or
    more) of the model's thinking: each kind of row is named (`noun` and the file's `numbers` where given, else
    numbered from 1); nothing trained changes. `template` None: said of a template with no place for reasoning, as
    the default model's (the Data page and `data inspect`, before a template is chosen). "" else (a template that
    reads a field or splits <think> itself writes all alike, or warns: reasoning_note)."""
    if template is not None and (template.reads_reasoning or "</think>" in template.source):
        return ""
    fields, inline = reasoning_rows(rows)
    layouts: dict[tuple, list[int]] = {}  # each inline layout, its rows
    for number, wrap in inline.items():
        layouts.setdefault(tuple(wrap), []).append(number)
    other = sorted(((w, ns) for w, ns in layouts.items() if list(w) != _FIELD_LAYOUT), key=lambda x: -len(x[1]))
    if not other or not fields and len(layouts) < 2:
        return ""
    named = lambda ns: numbered(noun, [numbers[n - 1] for n in ns] if numbers else ns)  # noqa: E731
    shown = lambda w: f"`{w[0]}...{w[1]}`".replace("\n", "\\n")  # noqa: E731
    who = (
        f"the {template.title} template, having no place for reasoning,"
        if template
        else "a chat template with no place for reasoning (the default model's)"
    )
    end = "To train one, write every reasoning in `reasoning_content` (the answer alone in `content`), or every one "
    if not fields:  # inline only, in layouts that differ among themselves
        each = "; ".join(f"{named(ns)} {shown(w)}" for w, ns in sorted(layouts.items(), key=lambda x: -len(x[1])))
        return (
            f"Reasoning written inline in the content is in {len(layouts)} layouts, each kept as written by "
            f"{who.rstrip(',')}: {each}: one file trains {len(layouts)} layouts of the model's thinking. {end}"
            "inline in one layout."
        )
    rest = [n for _, ns in other for n in ns]
    hold, write = "holds" if len(fields) == 1 else "hold", "s" * (len(rest) == 1)
    kept = shown(other[0][0]) if len(other) == 1 else "; ".join(f"{named(ns)} {shown(w)}" for w, ns in other)
    many = "two layouts" if len(other) == 1 else f"{len(other) + 1} layouts"
    return (
        f"Reasoning is written two ways: {named(fields)} {hold} it in a reasoning field, which {who.rstrip(',')}"
        f"{',' * bool(template)} writes as {shown(_FIELD_LAYOUT)} before the answer; {named(sorted(rest))} "
        f"write{write} it inline in the content, kept as written ({kept}): one file trains {many} of the model's "
        f"thinking. {end}inline in one layout."
    )
