"""HTML for token pills and rendered text, shared by the Tokens and Batches pages.

Pure functions returning HTML strings (the page passes them to `st.html`): no Streamlit calls here, so they are
easy to test. Token text is always `html.escape`d; newlines show as ↵ and spaces as ·, so whitespace the model
sees is visible. A token is anything with `text`, `id`, `trained`, `special`, `label`, `role`, `reason`
attributes or keys (ftlib.tokens.TokenRecord, or dicts such as the batching page's padding cells, which set
`role="padding"`).

Rendered text shows exactly the text: a line breaks only where the text has a newline (after its ↵); a long
line wraps only after a space (·) or beside a control token, never inside a word or at a highlight's edge, since
every word is one unbreakable span and the only break opportunities are a `<wbr>` after each run of spaces and
around control tokens and a `<br>` after each newline; a word wider than the column scrolls. Highlights are
backgrounds drawn beneath the text (no outline on top of it), so underscores and other low glyphs stay visible; the
bar under a trained character is a border below the glyphs, never through them. Each meaning has a cue besides its
colour (`legend_html`), for readers who do not tell green from orange or grey. A token's details (its hover text)
are reached without a mouse too: each pill of a view is a Tab stop that shows them under it, named by its text in
words (`spoken`), and a link before the pills skips them all (`skip_link`).
The template comparison diffs whole units: special tokens (`<|im_end|>`), words, runs of spaces, single other
characters, never fragments of them.
"""

from __future__ import annotations

import collections
import difflib
import hashlib
import html
import re

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ftlib.rows import DIRECTION_CONTROLS, IGNORE_INDEX

# A skip link is out of sight until Tab focuses it (the usual "skip to content" link): a screen reader reads it where
# it stands, a sighted keyboard user sees it when it takes the focus.
SKIP_CSS = """
<style>
.ft-skip{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden;}
.ft-skip:focus{position:static;width:auto;height:auto;display:inline-block;margin:2px 0 4px;padding:2px 8px;
  font:500 0.85rem/1.5 sans-serif;color:#0b57d0;background:#fff;border:2px solid #0b57d0;border-radius:4px;}
</style>
"""

CSS = (
    """
<style>
.ft-wrap{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:0.85rem;line-height:2.1;}
.ft-tok{display:inline-block;border-radius:4px;padding:0 3px;margin:1px 1px;border:1px solid transparent;
  border-bottom-width:3px;white-space:pre;vertical-align:top;line-height:1.5;}
.ft-trained{background:#c8f0cf;border-color:#4caf50;border-bottom-color:#1b5e20;color:#14401a;}
.ft-masked{background:#eceff1;border-color:#cfd8dc;border-bottom-color:#eceff1;color:#455a64;}
.ft-special{font-weight:700;border-style:dashed;}
.ft-special.ft-masked{background:#e8e1f5;border-color:#9575cd;border-bottom-color:#e8e1f5;color:#4527a0;}
.ft-special.ft-trained{background:#a5e6b0;border-color:#2e7d32;border-bottom-color:#1b5e20;}
.ft-pushed{background:#f9c9a9;border-color:#ef6c00;border-bottom-color:#8d2c00;color:#5d2a00;}
.ft-special.ft-pushed{background:#f7bb94;border-color:#bf360c;border-bottom-color:#8d2c00;}
.ft-trained,.ft-special.ft-trained{border-bottom-style:solid;}
.ft-pushed,.ft-special.ft-pushed{border-bottom-style:dotted;}
.ft-padding{background:repeating-linear-gradient(45deg,#fff,#fff 3px,#f2f2f2 3px,#f2f2f2 6px);
  border:1px dotted #b0bec5;border-bottom:3px solid transparent;color:#546e7a;}
.ft-cut{background:#fdecea;border-color:#e57373;border-bottom-color:#fdecea;color:#b71c1c;
  text-decoration:line-through;}
.ft-tok .ft-sub{display:block;font-size:0.65rem;color:#37474f;text-align:center;font-weight:400;}
.ft-ws{color:#505050;}
.ft-text{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:0.85rem;line-height:1.75;
  white-space:normal;word-break:normal;overflow-wrap:normal;overflow-x:auto;background:#fafafa;
  border:1px solid #e0e0e0;border-radius:6px;padding:8px;}
.ft-text .ft-w{white-space:nowrap;}
.ft-text .ft-on{background:#c8f0cf;border-bottom:2px solid #1b5e20;}
.ft-text .ft-down{background:#f9c9a9;border-bottom:2px dotted #8d2c00;}
.ft-diff{background:#ffe082;box-shadow:inset 0 0 0 1px #9a6700;}
.ft-legend span{margin-right:6px;}
.ft-legend > span{display:inline-block;margin-right:14px;}
.ft-more{font-family:sans-serif;font-size:0.85rem;color:#b71c1c;line-height:1.5;margin-top:4px;}
.ft-tok[tabindex]{position:relative;}
.ft-tok[tabindex]:focus-visible{box-shadow:0 0 0 2px #fff,0 0 0 4px #0b57d0;}
.ft-tok[tabindex]:focus-visible::after{content:attr(title);position:absolute;left:0;top:calc(100% + 3px);z-index:5;
  min-width:14em;max-width:28em;white-space:normal;font:400 0.75rem/1.4 sans-serif;color:#222;background:#fff;
  border:1px solid #d0d7de;border-radius:6px;padding:3px 6px;box-shadow:0 4px 14px rgba(0,0,0,.18);}
</style>
"""
    + SKIP_CSS
)


# Cut tokens drawn past the max length before a line counts the rest: a 53,695-token row cut at 384 drew 53,311
# pills (7.3 MB of HTML, 2.2 s to show in Chromium); the first ones show where the cut falls.
CUT_DRAWN = 200

# Control tokens of the common families (`<|im_end|>`, `<｜User｜>`, `<end_of_turn>`, `[INST]`): kept whole by the
# template diff, and a line may wrap beside them.
_SPECIAL_UNIT = r"<\|[^<>|\s]{1,40}\|>|<｜[^<>｜\s]{1,40}｜>|</?[A-Za-z_]{1,30}>|\[/?[A-Z_]{2,30}\]"
_SPECIAL = re.compile(_SPECIAL_UNIT)
# What flow_html lays out one at a time: a newline, a run of spaces/tabs, a control token, any other run.
_CHUNKS = re.compile(rf"\n|[ \t]+|{_SPECIAL_UNIT}|(?:(?!{_SPECIAL_UNIT})[^ \t\n])+")
# Units the template comparison diffs: control tokens whole, then words, newlines, runs of spaces, single others.
_UNIT_TAIL = r"\w+|\n|[^\S\n]+|."


# Characters that take no width (soft hyphen, zero-width space, joiners, direction marks, word joiner, BOM)
_ZERO_WIDTH = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u2060-\u2064\ufeff]")


def _get(token, name: str, default=None):
    return token.get(name, default) if isinstance(token, dict) else getattr(token, name, default)


def marked(text: str) -> str:
    """Escaped text with each direction control drawn as a visible mark (⟨U+202E⟩) instead of acting on the text.

    >>> marked("a\u202eb<")
    'a<span class="ft-ws">⟨U+202E⟩</span>b&lt;'
    """
    # Drawn as they are, they reorder the text shown around them (U+202E showed a row's "evil" as "live", and the
    # template's <|im_end|> backwards: a cold review).
    return DIRECTION_CONTROLS.sub(lambda m: f'<span class="ft-ws">⟨U+{ord(m.group()):04X}⟩</span>', html.escape(text))


def visible(text: str) -> str:
    """Escaped text with whitespace made visible: · for spaces, ↵ for newlines, → for tabs; direction controls
    marked (`marked`)."""
    out = marked(text)
    for raw, mark in ((" ", "·"), ("\t", "→"), ("\n", "↵")):
        out = out.replace(raw, f'<span class="ft-ws">{mark}</span>')
    return out


_SAID_RUN = re.compile(r" +|\t+|\n+|\r+")
_RUN_WORD = {" ": "space", "\t": "tab", "\n": "newline", "\r": "carriage return"}


def spoken(text: str) -> str:
    r"""A token's text as a screen reader should say it (its accessible name): each run of spaces, tabs or newlines
    named in words, each invisible or direction character by its code point. The · and ↵ drawn for them are read
    aloud as "middle dot" and "downwards arrow with corner leftwards", and a leading space is not read at all.

    >>> spoken(" Hi  <b>\n"), spoken("\u200d"), spoken("")
    ('space Hi 2 spaces <b> newline', 'U+200D', 'empty')
    """

    def run(m: re.Match) -> str:
        n, word = len(m.group()), _RUN_WORD[m.group()[0]]
        return f" {word} " if n == 1 else f" {n} {word}s "

    said = _SAID_RUN.sub(run, text)
    said = _ZERO_WIDTH.sub(
        lambda m: f" U+{ord(m.group()):04X} ", DIRECTION_CONTROLS.sub(lambda m: f" U+{ord(m.group()):04X} ", said)
    )
    return " ".join(said.split()) or "empty"


def token_class(token) -> str:
    if _get(token, "role") == "padding" or _get(token, "segment") == "padding":
        return "ft-padding"
    if _get(token, "cut"):
        return "ft-cut"
    if not _get(token, "trained"):
        classes = ["ft-masked"]
    else:  # a rejected or bad answer's tokens are scored to be made less likely: not what the model learns to write
        classes = ["ft-pushed" if _get(token, "pushed_down") else "ft-trained"]
    if _get(token, "special"):
        classes.append("ft-special")
    return " ".join(classes)


def token_title(token) -> str:
    """Hover text: index, id, label, role and the reason."""
    label = _get(token, "label", IGNORE_INDEX)
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
    """One token as a pill: its text with whitespace visible, its kind's class, and its details (`token_title`, or
    `title` as given) in a hover text. A token of a view (no `title` given; the legend's samples have their words
    beside them) is also a keyboard stop: Tab reaches it, which shows the same details under it
    (`:focus-visible`), and a screen reader reads its text as its name and the details as its description."""
    text = _get(token, "text", "")
    if _get(token, "role") == "padding" or _get(token, "segment") == "padding":
        shown = "pad"
    elif _get(token, "byte_piece") and not text:
        shown = "…"  # a later byte of a multi-byte character: its text is shown on the previous token
    else:  # a token of a zero-width joiner alone (an emoji family's) was an empty pill: its mark is drawn
        shown = _ZERO_WIDTH.sub(lambda m: f'<span class="ft-ws">⟨U+{ord(m.group()):04X}⟩</span>', visible(text)) or "∅"
    sub = ""
    if show_ids:
        label = _get(token, "label", IGNORE_INDEX)
        sub = f'<span class="ft-sub">{_get(token, "id", "")}<br>{label}</span>'
    klass = "ft-cut" if cut else token_class(token)
    given = title
    if title is not None:
        title = html.escape(title, quote=True)
    else:  # the hover text says what the strike-through means, as the legend does
        title = token_title(token) + (" | cut by the max length: not in the training sequence" if cut else "")
    focus = ""
    if given is None:  # the details were the hover text only: no keyboard reached them (WCAG 2.1.1)
        # Named by its text in words (`spoken`): the drawn · and ↵ are read as "middle dot" and an arrow's name.
        words = spoken(text) if shown not in ("pad", "…") else html.unescape(re.sub(r"<[^>]*>", "", shown))
        said = html.escape(words, quote=True)
        focus = f' tabindex="0" aria-label="{said}"'
    return f'<span class="ft-tok {klass}" title="{title}"{focus}>{shown}{sub}</span>'


def cut_not_drawn(cut: int, drawn: int = CUT_DRAWN) -> str:
    """The line said in place of the cut tokens past the first `drawn` of `cut`, or "" when all are drawn.

    >>> cut_not_drawn(53311)
    '53,111 more tokens cut by the max length are not drawn (53,311 cut in all; the first 200 are drawn).'
    """
    if cut <= drawn:
        return ""
    more = cut - drawn
    return (
        f"{more:,} more token{'s' if more != 1 else ''} cut by the max length {'are' if more != 1 else 'is'} not "
        f"drawn ({cut:,} cut in all; the first {drawn:,} {'are' if drawn != 1 else 'is'} drawn)."
    )


_BLOCKS_KEY = "_ft_blocks_this_run"  # session state: a Counter of the block ids this page run drew so far


def reset_block_ids() -> None:
    """Start this page run's count of token blocks afresh (`block_id`): called at the top of every page that draws
    token blocks (`tokens_html`), on every run, so that the ids count from the page's top each time (unique on the
    page, the same on a rerun). A page that does not call it gets ids from the content only (two identical blocks
    then share one). Nothing outside a script run."""
    if get_script_run_ctx(suppress_warning=True) is not None:
        st.session_state[_BLOCKS_KEY] = collections.Counter()


def skip_link(target: str, what: str) -> str:
    """A link that takes the keyboard past a block of Tab stops (WCAG 2.4.1): the first Tab stop before the block,
    shown when focused; Enter moves the focus to `skip_target(target)` after the block, so the next Tab goes on from
    there. Without it, a block of 200 token pills (a Compare grid: up to 4,096) stood between a keyboard user and
    the rest of the page. No script: the link's #fragment is the target's id. Needs SKIP_CSS on the page."""
    return f'<a class="ft-skip" href="#{target}">Skip {html.escape(what)}</a>'


def skip_target(target: str) -> str:
    """Where `skip_link(target, ...)` takes the focus: an empty element, focusable by the link only (tabindex -1)."""
    return f'<span id="{target}" class="ft-skip-to" tabindex="-1"></span>'


def block_id(body: str) -> str:
    """An id for the end of a block, from its content and how many blocks of the same content this page run drew
    before it: the same on every rerun (Streamlit redraws an element whose HTML changed), and unique on the page
    even where a block is drawn twice (the same row twice, the Tokens page's two templates writing the same
    tokens), so each block's skip link lands after its own pills. The count starts at the page's `reset_block_ids`;
    outside a script run, or on a page that does not call it, the id is from the content only."""
    base = "ft-after-" + hashlib.sha1(body.encode()).hexdigest()[:12]
    seen = _drawn_this_run()
    if seen is None:
        return base
    seen[base] += 1
    return base if seen[base] == 1 else f"{base}-{seen[base]}"


def _drawn_this_run() -> collections.Counter | None:
    """How many blocks of each id this page run drew so far, counted since the page's `reset_block_ids` (None outside
    a script run, or on a page that does not reset the count)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return st.session_state.get(_BLOCKS_KEY)


def tokens_html(
    tokens, show_ids: bool = False, cut_tokens=(), break_lines: bool = True, cut_drawn: int = CUT_DRAWN
) -> str:
    """The tokens as pills, then the first `cut_drawn` of `cut_tokens` (struck through) and a line counting those not
    drawn (`cut_not_drawn`); a line break follows each token that ends a line (when `break_lines`)."""
    cut_tokens = list(cut_tokens)
    parts = ['<div class="ft-wrap">']
    for group, is_cut in ((tokens, False), (cut_tokens[:cut_drawn], True)):
        for token in group:
            parts.append(pill(token, show_ids=show_ids, cut=is_cut))
            if break_lines and str(_get(token, "text", "")).endswith("\n"):
                parts.append("<br>")
    if more := cut_not_drawn(len(cut_tokens), cut_drawn):
        parts.append(f'<div class="ft-more">{html.escape(more)}</div>')
    parts.append("</div>")
    body = "".join(parts)
    drawn = len(tokens) + min(len(cut_tokens), cut_drawn)
    if not drawn:
        return CSS + body
    target = block_id(body)  # one Tab stop per pill: a link past them all comes first
    skip = skip_link(target, f"the {drawn:,} token{'s' if drawn != 1 else ''}")
    return f"{CSS}{skip}{body}{skip_target(target)}"


def flow_html(pieces) -> str:
    """Text pieces `[(text, css_class or None), ...]` as one flowing block: whitespace visible (· ↵ →), each word
    one unbreakable `ft-w` span (a highlight inside it keeps its class). A line may end only after a newline
    (`<br>`), after a run of spaces or tabs, or beside a control token such as `<|eot_id|>` (`<wbr>`)."""
    out: list[str] = []
    word: list[str] = []

    def flush():
        if word:
            out.append('<span class="ft-w">' + "".join(word) + "</span>")
            word.clear()

    def may_break():
        flush()
        if out and out[-1] not in ("<wbr>", "<br>"):
            out.append("<wbr>")

    pending = False  # a line may end before the next word: after spaces or a control token
    for text, klass in pieces:
        for chunk in _CHUNKS.findall(str(text)):
            space, newline = chunk[0] in " \t", chunk == "\n"
            special = not (space or newline) and bool(_SPECIAL.fullmatch(chunk))
            if special or (pending and not (space or newline)):
                may_break()  # whitespace and a newline stay on the line they end
            pending = False
            shown = visible(chunk) if space or newline else marked(chunk)
            word.append(f'<span class="{klass}">{shown}</span>' if klass else shown)
            if newline:
                flush()
                out.append("<br>")
            elif space or special:
                pending = True
    flush()
    return "".join(out)


def rendered_html(text: str, tokens=None) -> str:
    """The rendered text with visible whitespace; when `tokens` are given, trained characters highlighted green with
    a solid underline (`ft-on`), and pushed-down ones (a rejected or bad answer's, made less likely) orange with a
    dotted one (`ft-down`), as their pills are: a rejected answer drawn green read as one the model learns to write."""
    if not tokens:
        pieces = [(text, None)]
    else:
        pieces = [(str(_get(t, "text", "")), _text_class(t)) for t in tokens]
    return f'{CSS}<div class="ft-text">{flow_html(pieces)}</div>'


def _text_class(token) -> str | None:
    """A token's class in the rendered text: `ft-down` pushed down, `ft-on` trained, None only read."""
    if not _get(token, "trained"):
        return None
    return "ft-down" if _get(token, "pushed_down") else "ft-on"


def diff_units(text: str, specials=()) -> list[str]:
    """`text` cut into the units the template comparison diffs; the units concatenate back to `text`.

    >>> diff_units("<|im_end|>\\nstart_header id")
    ['<|im_end|>', '\\n', 'start_header', ' ', 'id']
    """
    known = "|".join(re.escape(s) for s in sorted(set(specials), key=len, reverse=True) if s)
    pattern = re.compile(f"{known + '|' if known else ''}{_SPECIAL_UNIT}|{_UNIT_TAIL}", re.S)
    return pattern.findall(text)


def diff_html(a: str, b: str, specials=()) -> tuple[str, str]:
    """Two rendered texts with the units that differ highlighted in each (whitespace visible).

    `specials`: control tokens of the two templates, kept whole (common families' are recognised anyway)."""
    ua, ub = diff_units(a, specials), diff_units(b, specials)
    matcher = difflib.SequenceMatcher(a=ua, b=ub, autojunk=False)
    out_a, out_b = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        klass = None if op == "equal" else "ft-diff"
        out_a += [(u, klass) for u in ua[i1:i2]]
        out_b += [(u, klass) for u in ub[j1:j2]]
    wrap = '{css}<div class="ft-text">{body}</div>'
    return wrap.format(css=CSS, body=flow_html(out_a)), wrap.format(css=CSS, body=flow_html(out_b))


def legend_html(pushed: bool = True, padding: bool = True) -> str:
    """The key to the pills. Each meaning has a cue besides its colour (a reader who cannot tell green from orange, as
    about 1 man in 12 cannot, still tells them apart): a thick solid bar under a trained token, a dotted one under a
    pushed-down token, none under a masked one, a dashed outline round a special token, stripes and the word "pad"
    for padding, a line through a cut token. `pushed`, `padding`: whether the pills shown can be pushed down (a
    rejected or bad answer) or padding; the key names only what can be on the screen (a plain chat row's key named
    "a rejected or bad answer", which a newcomer looked for in their row)."""
    samples = [
        (
            {"text": "trained", "trained": True},
            "trained (solid bar under it): label = token id (the model learns to predict it)",
        ),
        (
            {"text": "pushed down", "trained": True, "pushed_down": True},
            "pushed down (dotted bar under it): a rejected or bad answer, scored to be made less likely (never "
            "imitated)",
        ),
        (
            {"text": "masked", "trained": False},
            "masked (no bar): label -100, only read; the first token is grey too (never a target)",
        ),
        ({"text": "<|special|>", "trained": False, "special": True}, "special token (bold, dashed outline)"),
        ({"text": "", "role": "padding"}, "padding (striped)"),
        ({"text": "cut"}, "cut by the max length (struck through)"),
    ]
    samples = [
        (t, d) for t, d in samples if (pushed or not t.get("pushed_down")) and (padding or t.get("role") != "padding")
    ]
    items = "".join(f"<span>{pill(t, title=d, cut=t['text'] == 'cut')} {html.escape(d)}</span>" for t, d in samples)
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
