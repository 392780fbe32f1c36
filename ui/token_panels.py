"""The Tokens page's panels: the checks (plain ones shown, engineer notes folded away), the counts, one encoded
sequence drawn as text and tokens, and unpaired good/bad answers side by side. Drawing only (ftlib.tokens encodes,
ftlib.checks checks); the HTML comes from ui.token_view."""

from __future__ import annotations

import itertools
import re

import streamlit as st

from ftlib.errors import plural
from ftlib.masks import TEXT_TEMPLATE, TOOL_SCHEMAS, what_of
from ftlib.templates import TOOL_TEMPLATES
from ui import alerts
from ui.kept import share
from ui.labels import TEMPLATE_LABELS, in_form_words
from ui.token_view import CUT_DRAWN, rendered_html, token_rows, tokens_html

# The built-in template a check's fix names first (ftlib.message_checks.TOOL_FIX: the calls and the tools shown),
# which the page offers to pick in one click under the box.
SUGGESTED_TEMPLATES = {"tool_calls_dropped": TOOL_TEMPLATES[0], "tools_not_shown": TOOL_TEMPLATES[0]}
TEMPLATE_KEY = "tok_template"  # the page's Chat template box, one choice with Batches and Train (ui.kept)


def use_template(key: str, name: str) -> None:
    """The suggested template's button callback: `name` becomes the box's value and the shared choice, as picking
    it in the box does (its on_change, `ui.kept.share`), for this session."""
    st.session_state[key] = name
    share(key, "template", "Tokens")


def suggested_template(checks, current: str | None) -> str | None:
    """The built-in template the first check that names one suggests (`SUGGESTED_TEMPLATES`), unless it is
    `current` already; None otherwise.

    >>> from ftlib.check_result import Check
    >>> suggested_template([Check("tool_calls_dropped", "error", "", "")], "tokenizer")
    'hermes'
    >>> suggested_template([Check("tool_calls_dropped", "error", "", "")], "hermes") is None
    True
    """
    name = next((SUGGESTED_TEMPLATES[c.code] for c in checks if c.code in SUGGESTED_TEMPLATES), None)
    return None if name == current else name


def show_checks(checks, notes: tuple[str, ...] = (), template: str | None = None) -> None:
    """What the user should act on, one box each, then `notes` (plain ones about the row, such as a system prompt
    the template adds: `ftlib.prompt_checks.added_system_note`); notes that only matter in someone's own training
    code (padding sides, pad tokens, BOS handling) last, in a 'For engineers' expander that counts what it holds.
    `template`: the name in the page's Chat template box, when these checks are of it: a box whose fix names a
    built-in template (`suggested_template`) has a button under it that picks that one in the box."""
    plain = [c for c in checks if not c.for_engineers]
    engineers = [c for c in checks if c.for_engineers]
    suggested = suggested_template(plain, template) if template is not None else None
    for c in plain:
        # Each severity with its own symbol (ui.alerts), not told by the box's colour alone.
        # A policy named as the "What is trained" box shows it, not by its CLI name (helper 105's walk).
        said = f"**{in_form_words(c.message)}**  \nFix: {in_form_words(c.fix)}"
        alerts.show(c.severity if c.severity in ("error", "warning") else "info", said)
        if suggested and SUGGESTED_TEMPLATES.get(c.code) == suggested:
            st.button(
                f"Use {TEMPLATE_LABELS[suggested]}",
                key=f"tok_use_{suggested}",
                on_click=use_template,
                args=(TEMPLATE_KEY, suggested),
                help="Picks it in the Chat template box above, for this session (Batches and Train use it too).",
            )
            suggested = None  # one button, under the first box that names it
    for note in notes:  # above the expander: read beside its title, a note below it counted as one of its own
        st.info(note, icon=alerts.INFO)
    if engineers:
        with st.expander(f"For engineers ({plural(len(engineers), 'note')})"):
            for c in engineers:
                st.markdown(f"**{c.message}**  \n{c.fix}")


def markdown_quote(text: str) -> str:
    """Text quoted in a Markdown box shown as written (`*`, `_`, `<` and the like escaped); a line break shows as ↵,
    as in the token view (Markdown would join the lines)."""
    return re.sub(r"([\\`*_\[\]<>#~$|])", r"\\\1", text.strip()).replace("\n", "↵ ")


def pushed_down(enc) -> bool:
    """Whether `enc` is a rejected or bad answer: its scored tokens are made less likely, not learned
    (`TokenRecord.pushed_down`)."""
    return bool(getattr(enc, "rejected", False) or getattr(enc, "label", None) is False)


def show_counts(enc, compact: bool = False) -> None:
    counts = enc.counts()
    cols = st.columns(3 if compact else 4)
    trained = "Pushed down" if pushed_down(enc) else "Trained"  # named so, never "Trained"
    cols[0].metric("Tokens", counts["total"])
    cols[1].metric(trained, counts["trained"])
    cols[2].metric(f"% {trained.lower()}", f"{counts['pct_trained']}%")
    if not compact:
        cols[3].metric("Cut by max length", counts["cut"])
    if getattr(enc, "template", "") == TEXT_TEMPLATE:  # raw prompt/completion text: its parts, not chat roles
        parts: dict[str, dict[str, int]] = {}
        for role, v in counts["per_role"].items():
            part = parts.setdefault(what_of(role, TEXT_TEMPLATE), {"trained": 0, "total": 0})
            part["trained"], part["total"] = part["trained"] + v["trained"], part["total"] + v["total"]
        said = ", ".join(f"{part}: {v['trained']}/{v['total']}" for part, v in parts.items())
        st.caption(f"{trained} / total per part: {said}")
        return
    # The row's tool schemas as the template wrote them (role "tools"): named as the data they are, not as a role
    named = {"tools": TOOL_SCHEMAS}
    per_role = ", ".join(f"{named.get(r, r)}: {v['trained']}/{v['total']}" for r, v in counts["per_role"].items())
    st.caption(f"{trained} / total per role: {per_role}")


def show_encoded(enc, show_ids: bool, as_table: bool, compact: bool = False) -> None:
    show_counts(enc, compact)
    # As the pills below draw them: a rejected answer's text drawn green "trained" read as one the model learns.
    said = (
        "pushed-down characters highlighted orange with a dotted underline: made less likely, never learned"
        if pushed_down(enc)
        else "trained characters highlighted green and underlined"
    )
    st.markdown(f"**Rendered text** ({said})")
    st.html(rendered_html(enc.text, enc.tokens))
    st.markdown("**Tokens**")
    st.html(tokens_html(enc.tokens, show_ids=show_ids, cut_tokens=enc.cut_tokens))
    if as_table:
        st.dataframe(token_rows(enc.tokens), hide_index=True, width="stretch")
        if cut := len(enc.all_ids) - len(enc.input_ids):  # the table is the training sequence: say what it leaves out
            st.caption(
                f"One row per token of the training sequence: the {plural(cut, 'token')} cut by the max length "
                f"{'is' if cut == 1 else 'are'} not in this table (the token view above draws the first "
                f"{min(cut, CUT_DRAWN):,})."
            )


def show_unpaired(shown, show_ids: bool, as_table: bool, rows: tuple[int, ...] = ()) -> None:
    """Unpaired rows [(encoding, checks)] side by side, the good answer first; `rows`: their row numbers (from 1),
    the picked row first, so each column says which row it is."""
    st.subheader("Unpaired answers: a good and a bad example")
    st.caption(
        "Each row is one answer labelled good or bad (KTO-style data). Both are scored: a good answer is made more "
        "likely (green, trained), a bad one less likely (orange, pushed down: never imitated)."
    )
    if len(shown) == 1:
        st.info("No row with the opposite label to show beside this one.", icon=alerts.INFO)
    roles = ("the row picked", "the nearest with the other label")  # in the order `shown` and `rows` come
    named = [f"Row {n}, {role}" for n, role in zip(rows, roles, strict=False)]
    columns = sorted(itertools.zip_longest(shown, named, fillvalue=""), key=lambda p: not p[0][0].label)
    for column, ((part, part_checks), which) in zip(st.columns(2), columns, strict=False):
        with column:
            st.markdown(f"#### {'Good' if part.label else 'Bad'} answer (labelled {'good' if part.label else 'bad'})")
            if which:
                st.caption(which)
            show_checks(part_checks)
            show_encoded(part, show_ids, as_table, compact=True)


__all__ = [
    "SUGGESTED_TEMPLATES",
    "markdown_quote",
    "pushed_down",
    "show_checks",
    "show_counts",
    "show_encoded",
    "show_unpaired",
    "suggested_template",
    "use_template",
]
