"""A picker of one item among a split's or an evaluation's rows, bounded in what every rerun draws and sends.

A selectbox writes every option's label and sends them all to the browser at each rerun: Compare's test-row box
over 10,000 held-out rows labelled each row at every click, and sent about 1 MB to the browser, for a list no one
scrolls. Up to LISTED_ROWS items the box lists them all, as before; beyond, a number box takes the item's place in
the list (1 to N: every item reachable), the picked item's label under it, so a rerun labels one item, not N.

    index = pick_item(st, "Test row (split `chats`)", range(len(rows)), label, key="compare_row_chats")
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from ui.inputs import number_in_range
from ui.kept import KEPT, default_for, keep, restore

LISTED_ROWS = 500  # a list a person can scroll; each label is about 100 characters


def number_key(key: str) -> str:
    """The key of the number box that stands for the box `key` over more than LISTED_ROWS items."""
    return f"{key}_number"


def pick_item(
    where, label: str, items: Sequence, name: Callable[[object], str], key: str | None = None, help: str | None = None
) -> object | None:
    """One of `items` (on `where`: st or a column): a selectbox labelling each with `name` where they are at most
    LISTED_ROWS, else a number box "`label` (1 to N)" over their places, with the picked item's `name` under it;
    with a `key`, kept over a visit to another page either way (`ui.kept`). None after a number out of range (the
    box's error names the field and the range): the caller stops or draws nothing of it."""
    if len(items) <= LISTED_ROWS:
        if key:
            restore(key, items)
        picked = where.selectbox(label, items, format_func=name, key=key, help=help)
        if key:
            keep(key)
        return picked
    count = len(items)
    if not key:
        number = number_in_range(where, f"{label} (1 to {count})", 1, count, 1, help=help)
    else:
        box = number_key(key)
        drawn_of = st.session_state.get(f"{box}_of", count)  # how many items the box was last drawn over
        if drawn_of > count and isinstance(kept := st.session_state.get(box), int | float) and kept > count:
            # kept from a longer list under this key (a split saved again with fewer rows): starts over at row 1,
            # not as an error for a number nobody typed here (a number typed past the end is still said). Put back
            # through session state (`default_for` below), which the browser is told: its key merely dropped, the box
            # on screen kept showing the old row, and the next click sent it back.
            del st.session_state[box]
            st.session_state.setdefault(KEPT, {})[box] = 1
        st.session_state[f"{box}_of"] = count
        first = default_for(box, 1, range(1, count + 1))  # a kept place past the end of a shorter list: not put back
        number = number_in_range(
            where, f"{label} (1 to {count})", 1, count, first, key=box, help=help, on_change=keep, args=(box,)
        )
        keep(box)
    if number is None:
        return None
    picked = items[int(number) - 1]
    where.caption(name(picked))
    return picked


__all__ = ["LISTED_ROWS", "number_key", "pick_item"]
