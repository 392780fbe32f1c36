"""The Data page's "Split and save": where the test rows come from (drawn from the file, or the data's own test
file), the boxes of each, the Save button, and the saved splits with the one the other pages use. Splitting is
`ftlib.data`/`ftlib.own_split`; this only draws and saves through `ftlib.workspace`."""

from __future__ import annotations

import math
from collections.abc import Callable

import streamlit as st

from ftlib import workspace
from ftlib.bookkeeping import check_data_path
from ftlib.data import count_test_rows, split_rows, split_warnings
from ftlib.errors import UserError, plural
from ftlib.file_stamps import file_stamp
from ftlib.formats import FORMAT_KIND, FORMAT_PLAIN, format_label
from ftlib.own_split import own_split_meta
from ftlib.readers import check_path
from ftlib.split_keys import file_roles, key_rows, keyed_meta
from ftlib.split_lines import counted_meta
from ftlib.splits import ROW_UNITS, default_test_ratio, rows_in_words
from ui import alerts
from ui.common import active_split_name, cached_split, os_failure, set_active_split, user_errors
from ui.data_files import (
    deduped_cached,
    keyed_split_cached,
    load_cached,
    most_copies_cached,
    own_split_cached,
    path_box,
    prompts_kept_together_cached,
    row_counts_cached,
    split_outcome_cached,
    upload_source,
)
from ui.data_view import show_report
from ui.inputs import number_in_range
from ui.kept import KEPT, default_for, keep, restore
from ui.labels import on_data_page

# Where a saved split's test rows come from: the file's own test key (a .json of {"train": [...], "test": [...]}),
# drawn from this file, or the data's own test file (published split).
TEST_FROM = {
    "keys": "the file's own test split",
    "split": "split from this file",
    "file": "from another file (the data's own test split)",
}
TEST_SOURCES = ("Upload", "Local path")
SAVED_KEY, ACTIVATED_KEY = "split_saved_message", "split_activated_message"  # a success line shown on the next run
UNTICK_KEY = "split_untick"  # the Replace box to untick on the next run, after a save

# Why Save is off while `make` is None, by where the test rows come from: the Save button's tooltip.
REFUSED = {
    "split": "Nothing to save yet: the test size or seed above cannot split these rows (the message above says "
    "why). Fix the **Test ratio**, **Test rows** or **Seed**, or load a file with more valid rows.",
    "file": "Nothing to save yet: give the data's own test file above (**Upload** or **Local path**), or fix what "
    "the message above says about it.",
    "keys": "Nothing to save yet: the file's own split cannot be made (the message above says why). Choose **split "
    "from this file** to draw a split from all its rows.",
}
FILE_KEY = "split_test_from_file"  # the file the Test rows choice was last set for: a new one starts at its default

# What a copy is (ftlib.splits.row_key): the same text, even where its accents are stored another way.
SAME_TEXT = "Rows whose text differs only in how accents are stored (Unicode NFC or NFD) are copies too."


def rows_for_ratio(n: int) -> int:
    """The Test rows box's first value: the rows the ratio last shown gives (0.1 of 16 rows: 2), so switching to
    rows keeps the split as it was; the default ratio's rows, at least 1, when that ratio cannot split them."""
    ratio = st.session_state.get(KEPT, {}).get("split_ratio", default_test_ratio(n))
    try:
        return count_test_rows(n, float(ratio))
    except UserError:
        return max(1, math.ceil(n * default_test_ratio(n)))


def _ratio_typed() -> None:
    keep("split_ratio")
    keep("split_ratio_typed", True)  # from now on the box keeps what was typed, whatever rows are shown


def split_and_save(result, label: str, key: tuple) -> None:
    """Where the test rows come from (split from this file, or the data's own test file), its boxes and warnings,
    and the Save button, for the file `load_cached(*key)` read (`result`)."""
    st.subheader("Split and save")
    roles = file_roles(result)  # {"train": [...], "test": [...]}: its own test key is offered first, and chosen
    options = [*(["keys"] if roles else []), "split", "file"]
    rows = key_rows(result) if roles else {}
    # chosen where it can be made: a test key (or training keys) of no usable row opened on a refusal, Save refused
    usable = bool(roles) and rows[roles.test] > 0 and any(rows[k] for k in roles.train)
    if st.session_state.get(FILE_KEY) != key[0]:  # a file opened: its own split if it has one, else as it was
        st.session_state[FILE_KEY] = key[0]
        if roles or st.session_state.get("split_test_from") == "keys":
            keep("split_test_from", "keys" if usable else "split")
            st.session_state["split_test_from"] = "keys" if usable else "split"
    restore("split_test_from", options)
    if st.session_state.get("split_test_from") not in (None, *options):  # "keys" kept from a file that had them
        st.session_state["split_test_from"] = "split"
    own = f"'{roles.test}', {rows_in_words(rows[roles.test], result.kind)}" if roles else ""
    test_from = st.radio(
        "Test rows",
        options,
        key="split_test_from",
        format_func=lambda o: f"use {TEST_FROM[o]} ({own})" if o == "keys" else TEST_FROM[o],
        horizontal=True,
        help="Data published already split (train.jsonl + test.jsonl, or one .json file with a key per split): keep "
        "its own test rows, so held-out numbers compare with others' on the same rows.",
    )
    keep("split_test_from")
    ways = {"keys": split_by_keys, "split": split_here, "file": split_by_test_file}
    save_box(label, ways[test_from](result, label, key), REFUSED[test_from], source=key[0])


def split_here(result, label: str, key: tuple) -> Callable[[], tuple[list, list, dict]] | None:
    """The boxes of a split drawn from this file and what it would be; returns what the Save button saves
    (train, test, meta.json), or None while a box holds a value that cannot split the rows."""
    c1, c2, c3, c4 = st.columns(4)
    # Every box is kept (ui.kept) so a visit to another page finds the split as it was set (walk 4, 1); a box whose
    # value was put back is drawn without a default of its own ("min": Streamlit's, which does not warn).
    restore("split_mode", ["ratio", "rows"])
    mode = c1.radio("Test size as", ["ratio", "rows"], horizontal=True, key="split_mode")
    keep("split_mode")
    restore("split_dedupe")
    dedupe = c4.checkbox(
        "Drop exact duplicates",
        key="split_dedupe",
        help=f"So the same example cannot be in both train and test. {SAME_TEXT}",
    )
    keep("split_dedupe")
    rows, dropped = deduped_cached(key) if dedupe else (result.rows, 0)
    # No limits in the boxes themselves: the browser would keep showing an out-of-range number while the last
    # good one is used. Whatever is typed is checked below (ftlib.data.count_test_rows) and refused by name.
    if mode == "ratio":
        # Until the box is typed in, its value follows the rows shown: 0.1, or more where that would hold out too
        # few rows to judge on (qa_table's 32 rows: 0.15, 5 held out).
        restore("split_ratio")
        if not st.session_state.get(KEPT, {}).get("split_ratio_typed"):
            st.session_state["split_ratio"] = default_test_ratio(len(rows))
        test_size = float(
            c2.number_input("Test ratio", value="min", step=0.05, key="split_ratio", on_change=_ratio_typed)
        )
        keep("split_ratio")
    else:
        first = "min" if restore("split_count") else rows_for_ratio(len(rows))
        test_size = int(
            c2.number_input("Test rows", value=first, step=1, key="split_count", on_change=keep, args=("split_count",))
        )
        keep("split_count")
    seed = number_in_range(
        c3,
        "Seed",
        0,
        None,
        default_for("split_seed", 0),
        key="split_seed",
        help="The same seed always gives the same split.",
    )
    keep("split_seed")
    try:
        n_test = count_test_rows(len(rows), test_size)
        n_train, unit = len(rows) - n_test, ROW_UNITS.get(result.kind, "row")  # pairs counted as pairs
        # Answers labelled good/bad, rows with copies or prompts with several rows: the split itself shows whether a
        # part is left with one label or filled by one row's copies, and its real sizes (a row's copies and a
        # prompt's rows stay on one side, so the test split can hold a few rows more or fewer than asked). Splitting
        # the rows to look costs 2 s and more on 100,000: only for such files, once per settings.
        copies = not dedupe and most_copies_cached(key) > 1
        # Prompts that nearly repeat another are kept with it too (ftlib.near_duplicates).
        needs_split = result.kind == "unpaired" or copies or any(prompts_kept_together_cached(key))
        if needs_split and seed is not None:
            n_train, n_test, warnings = split_outcome_cached(key, dedupe, test_size, int(seed))
        else:
            warnings = split_warnings(n_train, n_test, result.kind)
        dups = f" ({plural(dropped, 'duplicate')} dropped)" if dedupe else ""
        st.caption(
            f"Train **{n_train}** {unit if n_train == 1 else unit + 's'}, "
            f"test **{n_test}** {unit if n_test == 1 else unit + 's'}{dups}."
        )
        for warning in warnings:
            st.warning(warning, icon=alerts.WARNING)
    except UserError as exc:
        n_test = None
        if len(rows) < 2:  # the file, not the field: no test size can work
            st.warning(str(exc), icon=alerts.WARNING)
        else:
            st.error(
                f"**Test {'ratio' if mode == 'ratio' else 'rows'}**: {exc} Nothing can be saved until it is fixed.",
                icon=alerts.ERROR,
            )
    if n_test is None or seed is None:
        return None

    def make() -> tuple[list, list, dict]:
        train, test = split_rows(result.rows, test_size=test_size, seed=seed, dedupe=dedupe)
        # Each row's line of the file (key[-1]: its name as the user knows it) kept in meta.json: a warning naming
        # "held-out row 2" can name its line.
        meta = result.split_meta(label, seed, test_size, dedupe, train=train, test=test, file=key[-1])
        # The split's own warnings in meta.json, as `data split` writes them (its `split_warnings`)
        asked = count_test_rows(len(rows), test_size)
        return (
            train,
            test,
            counted_meta(meta, split_warnings(len(train), len(test), result.kind, train, test, asked=asked)),
        )

    return make


def split_by_keys(result, label: str, key: tuple) -> Callable[[], tuple[list, list, dict]] | None:
    """A .json file's own split (`ftlib.split_keys`): which key became which, the counts and warnings (training rows
    that are also test rows, taken out of train); returns what the Save button saves, or None where it cannot be
    made (refused here)."""
    restore("split_dedupe")
    dedupe = st.checkbox(
        "Drop exact duplicates",
        key="split_dedupe",
        help="Of the training rows: a row's later copies are dropped. The test rows are kept as published. "
        + SAME_TEXT,
    )
    keep("split_dedupe")
    try:
        keyed = keyed_split_cached(key, dedupe)
    except UserError as exc:  # no usable row in the training keys or the test key
        st.error(f"**Test rows**: {on_data_page(str(exc))} Nothing can be saved until it is fixed.", icon=alerts.ERROR)
        return None
    split = keyed.split
    st.info(f"{keyed.said} **split from this file** draws a split from all its rows instead.", icon=alerts.INFO)
    _split_said(split, result.kind, dedupe)

    def make() -> tuple[list, list, dict]:
        return split.train, split.test, counted_meta(keyed_meta(result, keyed, label, dedupe, key[-1]), split.warnings)

    return make


def split_by_test_file(result, label: str, key: tuple) -> Callable[[], tuple[list, list, dict]] | None:
    """The data's own test file (an upload or a server path), read with this file's Format and field mapping: its
    report, the split's counts and warnings (training rows that are also test rows, taken out of train); returns what
    the Save button saves, or None while there is no test file or it cannot be the test split (refused here)."""
    own_key_trains = []  # said, and kept in meta.json's `split_warnings` as `data split --test-file` keeps its own
    if roles := file_roles(result):  # its own test key trains here: said, with the way to hold it out
        own_key_trains.append(
            f"{key[-1]} holds its own split: with a test file of its own, every one of its keys trains, "
            f"'{roles.test}' among them. Choose **use the file's own test split** to hold out '{roles.test}'."
        )
        st.warning(own_key_trains[0], icon=alerts.WARNING)
    left, right = st.columns([3, 1])
    with left:
        restore("split_test_source", TEST_SOURCES)
        source = st.radio("Test file from", TEST_SOURCES, horizontal=True, key="split_test_source")
        keep("split_test_source")
    restore("split_dedupe")
    dedupe = right.checkbox(
        "Drop exact duplicates",
        key="split_dedupe",
        help="Of the training rows: a row's later copies are dropped. The test rows are kept as published. "
        + SAME_TEXT,
    )
    keep("split_dedupe")
    if source == "Upload":
        picked = upload_source("split_test", "Test file")
    else:
        typed = path_box("split_test_path", "Path of the test file on the server", "/data/my_chats_test.jsonl")
        picked = None
        if typed:
            try:
                # The browser is shared: a typed path must stay inside the folders the operator allowed, and read
                # none of the workspace's own files that are not data (ftlib.bookkeeping).
                allowed = check_data_path(typed, what="test file")
            except UserError as exc:
                st.error(f"**Test file**: {exc}", icon=alerts.ERROR)
                return None
            picked = str(allowed), allowed.name
    if picked is None:
        st.info(
            "Give the data's own test file (e.g. `test.jsonl` beside `train.jsonl`): its rows are held out as "
            "they are, and this file's rows are the training rows.",
            icon=alerts.INFO,
        )
        return None
    test_path, test_shown = picked
    try:
        check_path(test_path).stat()  # a missing or unreadable file said in words
        test_key = (test_path, file_stamp(test_path), key[2], key[3], test_shown)
        test = load_cached(*test_key)
    except UserError as exc:  # a mapping it needs is said as the page's boxes, not the CLI's `--map`
        st.error(f"**Test file**: could not read {test_shown}: {on_data_page(str(exc))}", icon=alerts.ERROR)
        return None
    except OSError as exc:
        st.error(f"**Test file**: could not read {test_shown}: {os_failure(exc)}.", icon=alerts.ERROR)
        return None
    with st.container(border=True):
        st.markdown(
            f"**Test file {test_shown}**, read with the same settings as {key[-1]} "
            "(**Read the file as** and the field mapping)"
        )
        show_report(test, row_counts_cached(test_key))
    try:
        split = own_split_cached(key, test_key, dedupe)
    except UserError as exc:  # no valid test row, another kind of data, nothing left to train on
        st.error(f"**Test file**: {on_data_page(str(exc))} Nothing can be saved until it is fixed.", icon=alerts.ERROR)
        return None
    _split_said(split, result.kind, dedupe)

    def make() -> tuple[list, list, dict]:
        meta = own_split_meta(result, test, label, test_shown, dedupe, split.train, key[-1])
        return split.train, split.test, counted_meta(meta, [*own_key_trains, *split.warnings])

    return make


def save_box(
    label: str,
    make: Callable[[], tuple[list, list, dict]] | None,
    refused: str = REFUSED["split"],
    source: str | None = None,
) -> None:
    """The split's name, Replace for a name taken, and the Save button, which saves what `make` gives (train, test,
    meta.json); disabled while `make` is None (something above refuses the split: `refused` is its tooltip) or the
    name is taken and Replace is not ticked, its tooltip saying why and what to do. `source`: the path of the file
    open above; a name taken by a split saved from it while another split is active is said as that, not warned of."""
    restore("split_name")
    name = st.text_input("Name of the saved split", key="split_name", on_change=keep, args=("split_name",))
    keep("split_name")
    existing = {s["name"]: s for s in workspace.list_splits()}
    target, active = workspace.split_folder(name or label).name, active_split_name()
    replace = True
    if target in existing:
        # Never replaced silently: the user ticks Replace (keyed by name, so a tick is not carried to another).
        old = existing[target]
        what = "the active dataset" if target == active else "a saved split"
        origin = workspace.split_origin({"path": source}) if source else None
        counts = (
            f"{old.get('train_rows')} train, "
            f"{rows_in_words(old.get('test_rows') or 0, FORMAT_KIND.get(old.get('format'), 'sft'), 'test')}"
        )
        if str(st.session_state.get(SAVED_KEY, "")).startswith(f"Saved **{target}**"):
            # Right after this very save: nothing to warn about, only how a second save would behave.
            st.caption(f"To save again under `{target}` (replacing what was just saved), tick **Replace it**.")
        elif origin and target != active and str(old.get("origin")).split(", its ")[0] == origin:
            # The file open was saved as `target`, and another split made active since (Make active below): the
            # warning read as if this page still worked on `target` while the sidebar named the other (helper 255).
            using = f"**{active}**, the active split" if active else "no split: none is active"
            st.caption(
                f"This file is saved as `{target}` ({counts}); the other pages use {using} (**Saved splits** below). "
                f"To save this file's split again over `{target}`, tick **Replace it**; to keep both, type another "
                "name."
            )
        else:
            st.warning(
                f"`{target}` is already {what} ({counts}). Saving replaces it: tick **Replace it**, or choose another "
                "name.",
                icon=alerts.WARNING,
            )
        if st.session_state.get(UNTICK_KEY) == f"split_replace_{target}":
            # Set through the Session State API before the box is drawn, so the browser unticks it too (dropping
            # the key would leave the tick on screen while Save stays disabled).
            st.session_state[f"split_replace_{target}"] = False
        st.session_state.pop(UNTICK_KEY, None)
        replace = st.checkbox(f"Replace it (`{target}`)", key=f"split_replace_{target}")
    why = None  # a greyed-out button said why on hover (a newcomer saw it off and nothing saying so)
    if make is None:
        why = refused
    elif not replace:
        why = (
            f"`{target}` is already {what}: tick **Replace it (`{target}`)** above to save over it, or type another "
            "**Name of the saved split**."
        )
    if st.button("Save split", type="primary", key="split_save", disabled=why is not None, help=why):
        with user_errors("Could not save the split"):
            train, test, meta = make()
            folder = workspace.save_split(name or label, train, test, meta, overwrite=replace)
            set_active_split(folder.name)
        cached_split.clear()
        # Drawn again from the top, so what was drawn above from the old split (the "already saved" warning with its
        # row counts, the ticked Replace box) shows the new one; the tick is dropped there (a next save asks again).
        st.session_state[UNTICK_KEY] = f"split_replace_{folder.name}"
        saved_kind = FORMAT_KIND.get(meta.get("format"), "sft")  # counted in pairs, labelled answers, ...
        st.session_state[SAVED_KEY] = (
            f"Saved **{folder.name}**: {rows_in_words(len(train), saved_kind, 'train')} and "
            f"{rows_in_words(len(test), saved_kind, 'test')}. It is now the "
            "active dataset for the other pages."
        )
        st.rerun()
    if SAVED_KEY in st.session_state:
        st.success(st.session_state.pop(SAVED_KEY), icon=alerts.SUCCESS)
    saved_splits()


def activate(name: str) -> None:
    # Make active's on_click: a callback, so the sidebar (drawn before this page) already names the new split.
    set_active_split(name)
    st.session_state[ACTIVATED_KEY] = (
        f"**{name}** is now the active split: Tokens, Batches, Train, Compare and Evaluate use it."
    )


def saved_splits() -> None:
    """Pick which saved split the other pages use (the active one), and the table of all of them."""
    splits = workspace.list_splits()
    if not splits:
        return
    st.subheader("Saved splits")
    active, by_name = active_split_name(), {s["name"]: s for s in splits}
    names = list(by_name)

    def describe(n: str) -> str:
        mark = " · active" if n == active else ""
        meta, kind = by_name[n], FORMAT_KIND.get(by_name[n].get("format"), "sft")  # pairs counted as pairs
        counts = f"{meta.get('train_rows')} train, {rows_in_words(meta.get('test_rows') or 0, kind, 'test')}"
        return f"{n} ({counts}){mark}"

    shown = (active, tuple(describe(n) for n in names))
    if st.session_state.get("split_pick_for") != shown or "split_pick" not in st.session_state:
        # A save changed a split's row counts, or another split became active: the picker shows the active split
        # with its new text. Streamlit keeps a keyed box's text on screen across runs (its key is its identity), so
        # the choice is set through the Session State API, which redraws it; hence no `index` below. Back from
        # another page (which dropped the box), it shows the active split again, not the first one (walk 4, 3).
        if active in names:
            st.session_state["split_pick"] = active
        else:
            st.session_state.pop("split_pick", None)
        st.session_state["split_pick_for"] = shown

    left, right = st.columns([3, 1], vertical_alignment="bottom")
    pick = left.selectbox(
        "Split the other pages use",
        names,
        key="split_pick",
        format_func=describe,
        help="Tokens, Batches, Train, Compare and Evaluate read the active split. Saving a split makes it active.",
    )
    right.button("Make active", key="split_activate", on_click=activate, args=(pick,), disabled=pick == active)
    if ACTIVATED_KEY in st.session_state:
        st.success(st.session_state.pop(ACTIVATED_KEY), icon=alerts.SUCCESS)
    with st.expander(f"All saved splits ({len(splits)})"):
        table = [
            {
                "Active": "✅" if s["name"] == active else "",
                "Name": s["name"],
                "Format": format_label(s["format"]) if s.get("format") in FORMAT_PLAIN else s.get("format"),
                "Train rows": s.get("train_rows"),
                "Test rows": s.get("test_rows"),
                # Two uploads of one file name (two teammates, or one saved again with Replace it) told apart.
                "Saved": workspace.split_saved_at(s),
                "From": s.get("origin"),
            }
            for s in splits
        ]
        st.dataframe(table, hide_index=True)


def _split_said(split, kind: str, dedupe: bool) -> None:
    """A split made of a file's own parts (its test key, or a test file of its own): how many rows each side holds
    (pairs counted as pairs, the copies `dedupe` dropped), then its warnings (training rows also held out first)."""
    unit = ROW_UNITS.get(kind, "row")
    dups = f" ({plural(split.dropped, 'duplicate')} dropped)" if dedupe else ""
    st.caption(
        f"Train **{len(split.train)}** {unit if len(split.train) == 1 else unit + 's'}, "
        f"test **{len(split.test)}** {unit if len(split.test) == 1 else unit + 's'}{dups}."
    )
    for warning in split.warnings:  # the training rows also held out (taken out of train) first
        st.warning(warning, icon=alerts.WARNING)
