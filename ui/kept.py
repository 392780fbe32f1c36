"""Widget values that outlive a visit to another page.

Streamlit drops the state of every widget a run does not draw, so Compare -> Train -> Compare would find every box
back at its default. A page copies a box's value under a plain session key after drawing it (`keep`) and puts it
back before drawing it again if Streamlit dropped it (`restore`):

    restore("compare_source", SOURCES)                       # before the box
    source = st.radio("Prompt", SOURCES, key="compare_source")
    keep("compare_source")                                   # after it

    # a box with a default of its own: that default, or None when the kept value was put back
    chosen = st.multiselect("Settings", PRESETS, default_for("presets", ["greedy"], PRESETS), key="presets")
    keep("presets")

A widget given both a default and a value through session state makes Streamlit warn ("created with a default value
but also had its value set via the Session State API"), so a box whose default is not Streamlit's own (index 0, "",
False) is drawn without one when `restore` put its value back. A kept choice no longer offered (a file, split or run
gone) is not put back: the box shows its default; of a kept list, the items still offered are put back.

A box someone types in and then leaves with a click on another page also passes `on_change=keep, args=(key,)`: the
value typed goes with that click, so the run that receives it is the other page's and never draws the box; the
callback runs first, whatever page runs.

The Train form keeps its values its own way (`ui.form`, under `ui.labels.TRAIN_FORM`).
"""

from __future__ import annotations

import streamlit as st

KEPT = "kept_widgets"  # widget key -> its last value; not a widget key, so Streamlit never drops it


def restore(key: str, options=None) -> bool:
    """Put back a box's value that Streamlit dropped while another page was shown (call before drawing the box);
    True when it did, so the caller draws the box without a default of its own. A kept value not among `options` is
    left out (of a list, the items not among them; none left of a non-empty list: nothing is put back)."""
    kept = st.session_state.get(KEPT, {})
    if key in st.session_state or key not in kept:
        return False
    value = kept[key]
    if options is not None:
        offered = list(options)
        if isinstance(value, list):
            value = [v for v in value if v in offered]
            if kept[key] and not value:
                return False
        elif value not in offered:
            return False
    st.session_state[key] = value
    return True


def default_for(key: str, default, options=None):
    """`restore(key, options)`, then the default to draw the box with: `default`, or None when its kept value was
    put back."""
    return None if restore(key, options) else default


def keep(key: str, value=None) -> None:
    """Copy a box's value (or `value`) under KEPT, for `restore` after a visit to another page."""
    if value is not None or key in st.session_state:
        st.session_state.setdefault(KEPT, {})[key] = st.session_state[key] if value is None else value


__all__ = ["KEPT", "default_for", "keep", "restore"]
