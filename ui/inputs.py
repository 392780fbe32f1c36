"""Number boxes whose limits are checked by the page, not by the browser.

Streamlit's own `min_value`/`max_value` make the browser keep an out-of-range number on screen in red while the
script goes on with the last good one (a test share of "5" shown while 0.10 is saved). These boxes take whatever
is typed; a value outside the limits is refused with the field named, and the caller does nothing with it.

    row = number_in_range(st, "Row", 0, len(rows) - 1, 0, key="tok_row")
    if row is None:
        st.stop()        # the error naming the field is already on the page

And the "Thinking" switch of a chat template (Qwen3's `enable_thinking`): Evaluate's toggle (`thinking_toggle`),
Compare's choice of as each run trained, on or off (`thinking_setting`).
"""

from __future__ import annotations

from ui import alerts


def range_words(low: float | None, high: float | None) -> str:
    """'from 0 to 152', 'at least 1', 'at most 9' or '' (no limits)."""
    if low is not None and high is not None:
        return f"from {low:g} to {high:g}"
    if low is not None:
        return f"at least {low:g}"
    return f"at most {high:g}" if high is not None else ""


def number_in_range(
    where,
    label: str,
    low: float | None,
    high: float | None,
    value: float | None,
    step: float = 1,
    key: str | None = None,
    help: str | None = None,
    integer: bool = True,
    on_change=None,
    args: tuple = (),
) -> float | int | None:
    """A number box (on `where`: st or a column); its value, or None after an error that names the field and the
    allowed range when the typed number is outside [`low`, `high`]. `value` None: the box's value is already in
    session state (put back by `ui.kept.restore`; a default beside it would make Streamlit warn). `on_change`, `args`:
    the box's callback (`ui.kept.keep`, for a number typed and left with a click on another page)."""
    cast = int if integer else float
    first = "min" if value is None else cast(value)
    typed = where.number_input(label, value=first, step=cast(step), key=key, help=help, on_change=on_change, args=args)
    if (low is not None and typed < low) or (high is not None and typed > high):
        where.error(
            f"**{label}**: {typed:g} is out of range. Use a number {range_words(low, high)}.", icon=alerts.ERROR
        )
        return None
    return cast(typed)


def thinking_toggle(column, key: str, start: bool | None, help: str, caption: str) -> bool:
    """The "Thinking" toggle (a chat template's `enable_thinking` switch) in `column`, kept across pages under `key`
    (`ui.kept`): it starts at `start` (None: on, the usual template default) unless put back, with `caption` under
    it. Compare's and Evaluate's, which differ in their start, help and caption. Returns the value shown."""
    from ui.kept import keep, restore

    put_back = restore(key)
    on = column.toggle(
        "Thinking",
        value=False if put_back else start is not False,  # Streamlit's own default when put back (ui.kept)
        key=key,
        help=help,
    )
    keep(key)
    column.caption(caption)
    return bool(on)


def thinking_setting(column, key: str, modes: dict[str, str], help: str) -> str:
    """Compare's "Thinking" choice (a chat template's `enable_thinking` switch) in `column`, one row of options:
    `modes` (value -> its words; the first is where it starts), kept across pages under `key` (`ui.kept`; a kept value
    no longer offered is not put back). Returns the value chosen; the caller says under it what each model is asked
    with, which depends on it."""
    from ui.kept import keep, restore

    restore(key, modes)  # put back or not, drawn at index 0, Streamlit's own default (ui.kept)
    mode = column.radio("Thinking", list(modes), format_func=modes.get, horizontal=True, key=key, help=help)
    keep(key)
    return mode


__all__ = ["number_in_range", "range_words", "thinking_setting", "thinking_toggle"]
