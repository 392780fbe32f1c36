"""Small tables whose cells wrap, for text that matters in full (a bad row's reason, what a memory part holds).

`st.dataframe` cuts a long cell at the column's width; these are plain HTML tables (every cell escaped), drawn
with `st.html`. For a few dozen rows: a long list belongs in a dataframe or a download.

    st.html(html_table([{"row": 3, "reason": "no assistant turn"}], widths={"row": "4em"}))
"""

from __future__ import annotations

import html
import re

CODE = re.compile(r"`([^`<>]+)`")  # a `name` in a cell, after escaping: shown as code, as st.markdown shows it
BOLD = re.compile(r"\*\*([^*<>]+)\*\*")  # a **box** the pages' words name (`ui.labels.in_form_words`): in bold

CSS = """
<style>
.ft-scroll{overflow-x:auto;}
.ft-table{border-collapse:collapse;width:100%;min-width:28em;font-size:0.875rem;}
.ft-table th{text-align:left;font-weight:600;color:#555;border-bottom:1px solid #ddd;padding:4px 8px;}
.ft-table td{vertical-align:top;border-bottom:1px solid #eee;padding:4px 8px;white-space:normal;
  overflow-wrap:anywhere;}
.ft-table td.ft-num{text-align:right;white-space:nowrap;}
.ft-table td.ft-pre{white-space:pre-wrap;}
.ft-table code{font-size:0.85em;}
</style>
"""


def html_table(
    rows: list[dict], widths: dict[str, str] | None = None, code: tuple[str, ...] = (), breaks: tuple[str, ...] = ()
) -> str:
    """`rows` (dicts with the same keys, in column order) as an HTML table; numbers right-aligned, text wrapped.
    `code`: the columns of our own words (a skipped row's reason), whose `names` are shown as code and **boxes** in
    bold; any other cell as it is, backticks included (a model's answer, a prompt: their backticks are their own
    text). `breaks`: the columns whose text keeps its line breaks (a model's answer: a list is not a paragraph);
    any other cell's breaks are spaces, as HTML draws them.

    >>> 'class="ft-pre">- Sleep.\\n- Eat.</td>' in html_table([{"answer": "- Sleep.\\n- Eat."}], breaks=("answer",))
    True
    """
    if not rows:
        return ""
    widths = widths or {}
    head = list(rows[0])
    # A narrow column scrolls the table sideways rather than breaking its words letter by letter (a visual review:
    # the memory table's text column at 800 px read "alloca/tor", "Adam/W").
    out = [CSS, '<div class="ft-scroll"><table class="ft-table"><thead><tr>']
    for name in head:
        # A width in em is also the column's least: a table wider than its column squeezed it to a letter a line.
        width = widths.get(name, "")
        style = f' style="width:{width}{"" if width.endswith("%") else f";min-width:{width}"}"' if width else ""
        out.append(f"<th{style}>{html.escape(str(name))}</th>")
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = []
        for name in head:
            value = row.get(name, "")
            klass = ' class="ft-num"' if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
            klass = ' class="ft-pre"' if name in breaks and not klass else klass
            # A reason worded for the CLI and the page marks its names as `code`: markdown, which an HTML table does
            # not render (a skipped row's "it has `content`" showed its backticks, helper 151's walk).
            text = html.escape("" if value is None else str(value))
            text = BOLD.sub(r"<b>\1</b>", CODE.sub(r"<code>\1</code>", text)) if name in code else text
            cells.append(f"<td{klass}>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


# A line break in a one-line cell, as ftlib quotes one in a JSON text (turns.py)
LINE_BREAK = "⏎"
BREAKS_SAID = "⏎ marks a line break: each text was scored as written, its line breaks included."


def one_line(text: str) -> str:
    """`text` with each run of line breaks as ⏎ (one a break) between spaces, for a cell of `st.dataframe`, which
    draws a cell on one line and shows a break as a space: "- Sleep.\\n- Eat." read "- Sleep. - Eat.", a list
    as a sentence. The table's full text is the download's.

    >>> one_line("- Sleep.\\n- Eat."), one_line("One.\\r\\n\\r\\nTwo.\\n"), one_line("Plain.")
    ('- Sleep. ⏎ - Eat.', 'One. ⏎⏎ Two. ⏎', 'Plain.')
    >>> one_line("Sleep. \\n  Eat.")  # the spaces around a break are its own: one each side, not two
    'Sleep. ⏎ Eat.'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[ \t]*(\n+)[ \t]*", lambda m: f" {LINE_BREAK * len(m.group(1))} ", text).rstrip(" ")


__all__ = ["BREAKS_SAID", "LINE_BREAK", "html_table", "one_line"]
