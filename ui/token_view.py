"""HTML for token pills and rendered text, shared by the Tokens and Batches pages.

Pure functions returning HTML strings (the page passes them to `st.html`): no Streamlit calls here, so they are
easy to test. Token text is always `html.escape`d; newlines show as ↵ and spaces as ·, so whitespace the model
sees is visible. A token is anything with `text`, `id`, `trained`, `special`, `label`, `role`, `reason`
attributes or keys (ftlib.tokens.TokenRecord, or dicts such as the batching page's padding cells, which set
`role="padding"`).
"""

from __future__ import annotations

import difflib
import html

CSS = """
<style>
.ft-wrap{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:0.85rem;line-height:2.1;}
.ft-tok{display:inline-block;border-radius:4px;padding:0 3px;margin:1px 1px;border:1px solid transparent;
  white-space:pre;vertical-align:top;line-height:1.5;}
.ft-trained{background:#c8f0cf;border-color:#4caf50;color:#14401a;}
.ft-masked{background:#eceff1;border-color:#cfd8dc;color:#455a64;}
.ft-special{font-weight:700;border-style:dashed;}
.ft-special.ft-masked{background:#e8e1f5;border-color:#9575cd;color:#4527a0;}
.ft-special.ft-trained{background:#a5e6b0;border-color:#2e7d32;}
.ft-padding{background:repeating-linear-gradient(45deg,#fff,#fff 3px,#f2f2f2 3px,#f2f2f2 6px);
  border:1px dotted #b0bec5;color:#90a4ae;}
.ft-cut{background:#fdecea;border-color:#e57373;color:#b71c1c;text-decoration:line-through;}
.ft-tok .ft-sub{display:block;font-size:0.65rem;color:#607d8b;text-align:center;font-weight:400;}
.ft-ws{color:#9e9e9e;}
.ft-text{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:0.85rem;white-space:pre-wrap;
  word-break:break-word;background:#fafafa;border:1px solid #e0e0e0;border-radius:6px;padding:8px;}
.ft-text .ft-on{background:#c8f0cf;}
.ft-diff{background:#ffe082;outline:1px solid #ffb300;}
.ft-legend span{margin-right:6px;}
</style>
"""


def _get(token, name: str, default=None):
    return token.get(name, default) if isinstance(token, dict) else getattr(token, name, default)


def visible(text: str) -> str:
    """Escaped text with whitespace made visible: · for spaces, ↵ for newlines, → for tabs."""
    out = html.escape(text)
    for raw, mark in ((" ", "·"), ("\t", "→"), ("\n", "↵")):
        out = out.replace(raw, f'<span class="ft-ws">{mark}</span>')
    return out


def token_class(token) -> str:
    if _get(token, "role") == "padding" or _get(token, "segment") == "padding":
        return "ft-padding"
    if _get(token, "cut"):
        return "ft-cut"
    classes = ["ft-trained" if _get(token, "trained") else "ft-masked"]
    if _get(token, "special"):
        classes.append("ft-special")
    return " ".join(classes)


def token_title(token) -> str:
    """Hover text: index, id, label, role and the reason."""
    label = _get(token, "label", -100)
    parts = [
        f"#{_get(token, 'index', '')} id {_get(token, 'id', '')}",
        f"label {label}",
        str(_get(token, "role", "")),
        str(_get(token, "reason", "")),
    ]
    if _get(token, "byte_piece"):
        parts.append("later byte of a character split over tokens")
    return html.escape(" | ".join(p for p in parts if p), quote=True)


def pill(token, show_ids: bool = False, cut: bool = False, title: str | None = None) -> str:
    text = _get(token, "text", "")
    if _get(token, "role") == "padding" or _get(token, "segment") == "padding":
        shown = "pad"
    elif _get(token, "byte_piece") and not text:
        shown = "…"  # a later byte of a multi-byte character: its text is shown on the previous token
    else:
        shown = visible(text) if text else "∅"
    sub = ""
    if show_ids:
        label = _get(token, "label", -100)
        sub = f'<span class="ft-sub">{_get(token, "id", "")}<br>{"-100" if label == -100 else label}</span>'
    klass = "ft-cut" if cut else token_class(token)
    title = html.escape(title, quote=True) if title is not None else token_title(token)
    return f'<span class="ft-tok {klass}" title="{title}">{shown}{sub}</span>'


def tokens_html(tokens, show_ids: bool = False, cut_tokens=(), break_lines: bool = True) -> str:
    """All tokens as pills; a line break follows each token that ends a line (when `break_lines`)."""
    parts = [CSS, '<div class="ft-wrap">']
    for group, is_cut in ((tokens, False), (cut_tokens, True)):
        for token in group:
            parts.append(pill(token, show_ids=show_ids, cut=is_cut))
            if break_lines and str(_get(token, "text", "")).endswith("\n"):
                parts.append("<br>")
    parts.append("</div>")
    return "".join(parts)


def rendered_html(text: str, tokens=None) -> str:
    """The rendered text with visible whitespace; trained characters highlighted when `tokens` are given."""
    if not tokens:
        return f'{CSS}<div class="ft-text">{_with_breaks(visible(text))}</div>'
    parts = []
    for token in tokens:
        piece = visible(str(_get(token, "text", "")))
        parts.append(f'<span class="ft-on">{piece}</span>' if _get(token, "trained") else piece)
    return f'{CSS}<div class="ft-text">{_with_breaks("".join(parts))}</div>'


def _with_breaks(visible_html: str) -> str:
    # The ↵ mark stays visible and the text still wraps where the newline was.
    return visible_html.replace('<span class="ft-ws">↵</span>', '<span class="ft-ws">↵</span><br>')


def diff_html(a: str, b: str) -> tuple[str, str]:
    """Two rendered texts with the characters that differ highlighted in each (whitespace visible)."""
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    out_a, out_b = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        sa, sb = visible(a[i1:i2]), visible(b[j1:j2])
        if op == "equal":
            out_a.append(sa)
            out_b.append(sb)
            continue
        if sa:
            out_a.append(f'<span class="ft-diff">{sa}</span>')
        if sb:
            out_b.append(f'<span class="ft-diff">{sb}</span>')
    wrap = '{css}<div class="ft-text">{body}</div>'
    return (
        wrap.format(css=CSS, body=_with_breaks("".join(out_a))),
        wrap.format(css=CSS, body=_with_breaks("".join(out_b))),
    )


def legend_html() -> str:
    samples = [
        ({"text": "trained", "trained": True}, "trained: label = token id"),
        ({"text": "masked", "trained": False}, "masked: label -100"),
        ({"text": "<|special|>", "trained": False, "special": True}, "special token"),
        ({"text": "", "role": "padding"}, "padding"),
    ]
    items = "".join(f"<span>{pill(t, title=d)} {html.escape(d)}</span>" for t, d in samples)
    return f'{CSS}<div class="ft-wrap ft-legend">{items} <span class="ft-ws">· space ↵ newline</span></div>'


def token_rows(tokens) -> list[dict]:
    """One dict per token for a table view (st.dataframe)."""
    return [
        {
            "#": _get(t, "index"),
            "text": _get(t, "text", "").replace("\n", "↵"),
            "id": _get(t, "id"),
            "label": _get(t, "label"),
            "role": _get(t, "role"),
            "segment": _get(t, "segment"),
            "special": bool(_get(t, "special")),
            "trained": bool(_get(t, "trained")),
            "reason": _get(t, "reason"),
        }
        for t in tokens
    ]
