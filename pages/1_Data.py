"""Data: load a dataset (shipped sample, upload or server path), check it, preview it, save a train/test split.

All parsing, validation, splitting and measuring is `ftlib.data`; this page only draws and remembers choices.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from ftlib import workspace
from ftlib.data import (
    FORMATS,
    DataError,
    MappingNeeded,
    count_test_rows,
    dedupe_rows,
    guess_column_map,
    load_file,
    peek_fields,
    split_rows,
    split_warnings,
)
from ftlib.data_stats import row_counts
from ftlib.demo_data import sample_choices
from ftlib.errors import UserError, plural
from ftlib.file_bytes import data_stem
from ftlib.formats import FIELDS, FORMAT_HELP, FORMAT_KIND, FORMAT_PLAIN, format_label
from ftlib.mapping import field_help
from ftlib.own_split import own_split, own_split_meta
from ftlib.readers import check_path
from ftlib.splits import ROW_UNITS, default_test_ratio, may_crowd, most_copies, rows_in_words
from ui.auth import require_password
from ui.common import active_split_name, cached_split, os_failure, set_active_split, user_errors
from ui.data_view import show_report, show_row, token_histogram
from ui.form import start_from_last_run
from ui.inputs import number_in_range
from ui.kept import KEPT, default_for, keep, record_dict, recorded_dict, restore

# A page is also served by its URL before any session has built app.py's navigation (Streamlit serves the
# pages/ folder until then): the password is checked here too, not only in app.py.
require_password()
# A new session starts from the settings of the run last started, as Tokens, Batches and Train do: the length check
# previews its max length and measures with its template (a cold walk: a new session said the form's default, 384,
# "as in training", while Train started from the last run's 128 and Tokens said so).
start_from_last_run()

SOURCES = ("Sample", "Upload", "Local path")
FILE_TYPES = ["jsonl", "ndjson", "json", "csv", "tsv", "parquet", "pq", "gz", "bz2", "xz", "zst", "zip"]
PAGE_SIZE = 5
# Where a saved split's test rows come from: drawn from this file, or the data's own test file (published split).
TEST_FROM = {"split": "split from this file", "file": "from another file (the data's own test split)"}
TEST_SOURCES = ("Upload", "Local path")
NONE = "(none)"
SAVED_KEY, ACTIVATED_KEY = "split_saved_message", "split_activated_message"  # a success line shown on the next run
UNTICK_KEY = "split_untick"  # the Replace box to untick on the next run, after a save
# Streamlit drops the value of every box a run does not draw, so a visit to another page empties this page's boxes.
# What the user chose is copied under plain keys, which outlive a page change, and put back before the box is drawn:
# the source and split boxes by `ui.kept`, each file's field mapping under MAPS and its Format under FORMATS_KEY.
# The source and the file it opens (sample, upload, path) are also recorded in the workspace (`ui.kept`'s
# ACROSS_SESSIONS), and so are MAPS and FORMATS_KEY (`ui.kept.record_dict`, the 20 files set last): a refresh opens
# the same file again, read with the mapping and Format set for it.
MAPS = "data_maps"  # path -> {"start": the guess or the file's own names, "chosen": field -> column or NONE}
FORMATS_KEY = "data_formats"  # path -> the Format box's value for that file ("auto" until the user picks one)


# The parsed file and its deduped rows are shared by every session and never mutated (ui.common's rule).
# st.cache_data would unpickle a fresh copy of every row on each rerun: 1.9 s a click with 100,000 chat rows loaded,
# 0.07 s now (bench/bench_data_page.py). Fewer entries than cache_data kept, and an hour's life: the objects take
# more memory than their pickles.
@st.cache_resource(max_entries=4, ttl=3600, show_spinner="Reading the file...")
def load_cached(path: str, mtime: float, fmt: str | None, mapping: tuple | None, shown: str):
    """The parsed file; `mtime` is in the key so an edited file is read again; `shown` is its name in messages."""
    return load_file(path, fmt=fmt, column_map=dict(mapping) if mapping is not None else None, name=shown)


@st.cache_resource(max_entries=4, ttl=3600, show_spinner="Dropping exact duplicates...")
def deduped_cached(key: tuple) -> tuple[list[dict], int]:
    """`dedupe_rows` of the rows `load_cached(*key)` read."""
    return dedupe_rows(load_cached(*key).rows)


@st.cache_data(max_entries=16, show_spinner=False)
def most_copies_cached(key: tuple) -> int:
    """`most_copies` of the rows `load_cached(*key)` read."""
    return most_copies(load_cached(*key).rows)


@st.cache_data(max_entries=16, show_spinner=False)
def split_warnings_cached(key: tuple, dedupe: bool, test_size: float, seed: int) -> list[str]:
    """`split_warnings` of the split the Save button would make (a part left with one label, a part crowded by one
    row's copies), kept per settings: the split itself costs ~1 s a click on 60,000 rows."""
    rows = deduped_cached(key)[0] if dedupe else load_cached(*key).rows
    train, test = split_rows(rows, test_size, seed)
    return split_warnings(len(train), len(test), load_cached(*key).kind, train=train, test=test)


@st.cache_resource(max_entries=4, ttl=3600, show_spinner="Comparing the test rows with the training rows...")
def own_split_cached(key: tuple, test_key: tuple, dedupe: bool):
    """`own_split` of the rows `load_cached(*key)` read and the test rows `load_cached(*test_key)` read (shared and
    never mutated, as those are)."""
    return own_split(load_cached(*key), load_cached(*test_key), key[-1], test_key[-1], dedupe=dedupe)


@st.cache_data(max_entries=16, show_spinner=False)
def row_counts_cached(key: tuple) -> dict[str, int]:
    """`row_counts` of the rows `load_cached(*key)` read (the report's metrics)."""
    result = load_cached(*key)
    return row_counts(result.rows, result.kind)


@st.cache_data(max_entries=8, show_spinner="Reading the file's fields...")
def fields_cached(path: str, mtime: float, shown: str):
    return peek_fields(path, shown)


def choose_source() -> tuple[str | None, str, str, dict | None]:
    """(path of the file to read, a short name for it, the file's name as its user knows it, a preset column map)
    from the three kinds of source."""
    restore("data_source", SOURCES)
    source = st.radio("Where is the data?", SOURCES, horizontal=True, key="data_source")
    keep("data_source")
    if source == "Sample":
        samples = sample_choices()
        if not samples:
            st.info("No sample datasets are shipped in `samples/` yet. Upload a file or give a path.")
            return None, "", "", None
        restore("data_sample", samples)
        sample = samples[st.selectbox("Sample", list(samples), key="data_sample")]
        keep("data_sample")
        st.caption(sample.description)
        return str(sample.path), sample.name, Path(sample.path).name, sample.column_map
    if source == "Upload":
        upload = upload_source("data", "Dataset file")
        return (upload[0], data_stem(upload[1]), upload[1], None) if upload else (None, "", "", None)
    typed = path_box("data_path", "Path of a file on the server", "/data/my_chats.jsonl")
    if not typed:
        return None, "", "", None
    with user_errors("This path cannot be used"):
        # The browser is shared: a typed path must stay inside the folders the operator allowed.
        path = workspace.check_browser_path(typed, workspace.data_roots(), what="data file")
    return str(path), data_stem(path), path.name, None


def upload_source(prefix: str, label: str) -> tuple[str, str] | None:
    """(the stored file's path, its name on the user's machine) of the file in the box `{prefix}_upload`, stored in
    the workspace once per upload, or of an earlier upload picked under it (`{prefix}_earlier`); None for neither."""
    # A file box cannot be given a file back: after another page, the stored upload is reopened below instead.
    box, earlier_key = f"{prefix}_upload", f"{prefix}_earlier"
    dropped = box not in st.session_state
    upload = st.file_uploader(
        label, type=FILE_TYPES, key=box, help="Files over the upload limit: use **Local path** instead."
    )
    if upload is not None:
        marker = (upload.name, upload.size, getattr(upload, "file_id", ""))
        if st.session_state.get(f"{prefix}_upload_marker") != marker:
            # Saved into the workspace once per upload, and reopened below after another page or a refresh.
            with user_errors("Could not store the upload"):
                saved = workspace.save_upload(upload.name, upload.getvalue())
            st.session_state.update({f"{prefix}_upload_marker": marker, f"{prefix}_upload_path": str(saved)})
        keep(earlier_key, Path(st.session_state[f"{prefix}_upload_path"]).name)
        return st.session_state[f"{prefix}_upload_path"], upload.name
    earlier = workspace.list_uploads()
    if earlier:
        if dropped:  # not when the user removed the file from the box: then nothing is read
            restore(earlier_key, [p.name for p in earlier])
        pick = st.selectbox(
            "...or reopen an earlier upload",
            [NONE] + [p.name for p in earlier],
            key=earlier_key,
            format_func=lambda n: n if n == NONE else workspace.upload_label(n),
        )
        keep(earlier_key)
        if pick != NONE:  # stored as "<date>-<time>-<tag>-<original name>"
            return str(workspace.uploads_dir() / pick), workspace.upload_name(pick)
    return None


def path_box(key: str, label: str, placeholder: str) -> str:
    """A path typed for a file on the server, stripped ("" for none); the caller checks it is allowed."""
    restore(key)
    typed = st.text_input(
        label,
        key=key,
        on_change=keep,  # kept at once: typed and left with a click on another page, this run never draws it
        args=(key,),
        placeholder=placeholder,
        help="Read on the machine that runs the app, for files over the upload limit. Only "
        "folders the operator allows are readable (the workspace, samples/, FTLIB_DATA_DIRS).",
    )
    keep(key)
    return typed.strip()


# The simple pair offered first for a table: a question and its answer. Alpaca's fields when the mapping already
# uses them (what the guess picks for "question"/"answer" columns), else prompt/completion; both read a row as one
# question and its answer.
PAIRS = (("instruction", "output"), ("prompt", "completion"))
# Fields that keep a mapping "a question and its answer" (anything else mapped: the full editor is the one to use).
SIMPLE_FIELDS = {"instruction", "input", "output", "system", "prompt", "completion"}


def _mapped(fld: str) -> str:
    return st.session_state.get(f"data_map_{fld}", NONE)


def simple_pair() -> tuple[str, str] | None:
    """The two fields the Question/Answer boxes stand for, or None when the mapping is not a plain pair."""
    if any(_mapped(f) != NONE for f in FIELDS if f not in SIMPLE_FIELDS):
        return None
    return next((pair for pair in PAIRS if any(_mapped(f) != NONE for f in pair)), PAIRS[1])


def _copy_pair(box: str, fld: str) -> None:
    # on_change of a Question/Answer box: it writes the field of the full editor it stands for.
    st.session_state[f"data_map_{fld}"] = st.session_state[box]


def column_label(column: str) -> str:
    """A column as its box shows it: a header cell left empty would be a blank choice."""
    return column if column.strip() else "(the column with no name)"


def pair_boxes(fields: list[str], pair: tuple[str, str]) -> None:
    """The Question column / Answer column boxes: the two fields of `pair`, shown in plain words."""
    left, right = st.columns(2)
    for where, box, label, fld, what in (
        (left, "data_pair_question", "Question column", pair[0], "what the user asks"),
        (right, "data_pair_answer", "Answer column", pair[1], "the answer the model should learn to give"),
    ):
        st.session_state[box] = _mapped(fld)  # follows the full editor (dropped there = dropped here)
        where.selectbox(
            label,
            [NONE, *fields],
            key=box,
            format_func=column_label,
            on_change=_copy_pair,
            args=(box, fld),
            help=f"The column that holds {what}. It is read as the field `{fld}`; in the command line: "
            f"`python -m ftlib data inspect FILE --map COLUMN={fld}`.",
        )


def engine_reading(key: tuple, fields: list[str]) -> tuple[dict, bool]:
    """How the engine reads a table's columns by itself (`load_file` without a mapping, what `data inspect` and
    `train` read: `prompt` beside `answer` is prompts with a column for GRPO's rewards, `prompt` beside `response`
    prompt and answer), and True; the column-name guess where it asks for a mapping, and False. The page's guess
    alone had read a `prompt,answer` table as instruction and answer, the answer trained, where the CLI reads
    prompts."""
    try:
        return dict(load_cached(*key).column_map or {}), True
    except DataError:  # MappingNeeded too: the page asks the same question once the file is loaded
        return guess_column_map(fields), False


def mapping_editor(
    path: str, fields: list[str], preset: dict | None, table: bool, engine_map: Callable[[], tuple[dict, bool]]
) -> dict | None:
    """Field -> the file's column or key, or None to read the file's own names (JSON left as it is).

    A table starts from the sample's own map or the engine's own reading (`engine_map`: `engine_reading`), and shows
    a Question/Answer pair first when the mapping is one (`simple_pair`), every field of every format behind an
    expander; a JSON file starts from its own names.
    A field set to "(none)" whose name the file also uses is passed as None, so it is really not read.
    """
    maps = recorded_dict(MAPS)
    known = maps.get(path)
    if not _well_formed(known) or not {c for c in known["chosen"].values() if c != NONE} <= set(fields):
        # A file not seen in this session (or edited since, its columns changed): the guess, or its own names.
        preset = preset if preset and set(preset.values()) <= set(fields) else None
        guess, engine = (preset, False) if preset or not table else engine_map()
        start = guess if table else {f: f for f in FIELDS if f in fields}
        known = maps[path] = {"start": start, "chosen": {fld: start.get(fld, NONE) for fld in FIELDS}}
        known["engine"] = engine  # the start is the engine's own reading: loaded as it is while left unchanged
    if st.session_state.get("data_map_for") != path or any(f"data_map_{f}" not in st.session_state for f in FIELDS):
        # Another file than last run, or back from another page (which dropped the boxes): its mapping as last set.
        for fld in FIELDS:
            st.session_state[f"data_map_{fld}"] = known["chosen"][fld]
        st.session_state.update(data_map_for=path, data_map_start=known["start"])
    pair = simple_pair() if table else None
    if pair:
        st.markdown("**Which columns hold what**")
        pair_boxes(fields, pair)
    with st.expander(
        "Field mapping" + (": every field, for other formats" if pair else ""), expanded=table and not pair
    ):
        start = "Guessed from the column names" if table else "The file's own names are read as they are"
        st.caption(
            f"Which of the file's fields holds which part of an example. {start}; change it if it is wrong. Fields "
            "not mapped keep their names; what no format reads is listed as ignored. Each box's ? says what its field "
            "holds and which formats read it; what each format reads: see **Format** below."
        )
        grid = st.columns(5)
        chosen = {
            fld: grid[i % 5].selectbox(
                fld, [NONE, *fields], key=f"data_map_{fld}", format_func=column_label, help=field_help(fld)
            )
            for i, fld in enumerate(FIELDS)
        }
    known["chosen"] = dict(chosen)
    mapping = {f: c for f, c in chosen.items() if c != NONE}
    if not table and mapping == st.session_state["data_map_start"]:
        return None
    return mapping | {f: None for f, c in chosen.items() if c == NONE and f in fields}


def _well_formed(known) -> bool:
    """Whether a file's mapping as recorded (perhaps by an older version, in the workspace) names a column or NONE
    for every field of FIELDS."""
    return (
        isinstance(known, dict)
        and isinstance(known.get("start"), dict)
        and isinstance(known.get("chosen"), dict)
        and all(isinstance(known["chosen"].get(fld), str) for fld in FIELDS)
    )


def pair_missing(pair: tuple[str, str]) -> list[str]:
    """The boxes of the Question/Answer pair still empty ("Question", "Answer")."""
    return [label for label, fld in zip(("Question", "Answer"), pair, strict=True) if _mapped(fld) == NONE]


def ask_for_other_half(pair: tuple[str, str], shown: str) -> None:
    st.info(
        f"Now choose the **{pair_missing(pair)[0]} column** of **{shown}** above too. (A file of prompts without "
        f"answers, for online RL: set **Format** to {format_label('prompt_only')}.)"
    )


def ask_for_answer_column(candidates: list[str], shown: str) -> None:
    listed = " or ".join(f"`{c}`" for c in candidates)
    st.info(
        f"**{shown}** has a question column but no **Answer column** yet, and {listed} holds text beside it. "
        f"Which column holds the answer the model should learn? Choose it as the **Answer column** above. (Prompts "
        f"for GRPO, which writes its own answers: set **Format** to {format_label('prompt_only')}; the other columns "
        "then go with each prompt to the reward functions, which can check the answers against them.)"
    )


def ask_for_mapping(need: MappingNeeded, shown: str) -> None:
    """A file whose fields are not mapped yet: an info box saying which control to set (a normal step, not an
    error); the full message (with the command-line form) behind "For engineers"."""
    pair = simple_pair() if need.table else None
    if pair and (need.fmt is None or set(need.gaps) <= set(pair)) and pair_missing(pair):
        if len(pair_missing(pair)) == 2:
            st.info(
                f"**{shown}** is a table; choose its **Question column** and its **Answer column** above, and each "
                "row is read as one question and the answer to learn. Other layouts (chat turns, preference "
                "pairs): **Field mapping** above."
            )
        else:
            ask_for_other_half(pair, shown)
    elif need.fmt is not None:
        what = "column" if need.table else "field"
        st.info(
            f"Read as **{format_label(need.fmt)}**, **{shown}** needs a {what} for: {', '.join(need.gaps)}. Choose "
            f"{'it' if len(need.gaps) == 1 else 'them'} under **Field mapping** above, or pick another **Format**."
        )
    else:
        st.info(
            f"The rows of **{shown}** have the fields {', '.join(f'`{f}`' for f in need.fields)}, which no format "
            "reads by these names. Say which field holds what under **Field mapping** above (for a question and "
            "its answer: `instruction` and `output`), or rename them in the file."
        )
    if need.broken:  # the file's real rows may be among them
        listed = "\n".join(f"- {where}" for where in need.broken[:5]) + ("\n- ..." if len(need.broken) > 5 else "")
        st.warning(f"{plural(len(need.broken), 'other row')} could not be read at all; fix them first:\n{listed}")
    with st.expander("For engineers"):
        st.text(str(need))


def preview(result) -> None:
    st.subheader("Preview")
    pages = max(1, -(-len(result.rows) // PAGE_SIZE))
    left, right = st.columns([1, 3])
    restore("data_raw")
    raw = right.toggle("Show raw JSON (the canonical rows that will be saved)", key="data_raw")
    keep("data_raw")
    first = default_for("data_page", 1, range(1, pages + 1))  # a kept page past this file's last is not put back
    page = number_in_range(
        left, f"Page (of {pages})", 1, pages, first, key="data_page", on_change=keep, args=("data_page",)
    )
    keep("data_page")
    if page is None:
        return
    start = (page - 1) * PAGE_SIZE
    page_rows = zip(result.rows[start : start + PAGE_SIZE], result.row_numbers[start : start + PAGE_SIZE], strict=True)
    for row, number in page_rows:
        show_row(row, result.where(number), raw)


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
    restore("split_test_from", list(TEST_FROM))
    test_from = st.radio(
        "Test rows",
        list(TEST_FROM),
        key="split_test_from",
        format_func=TEST_FROM.get,
        horizontal=True,
        help="Data published already split (train.jsonl + test.jsonl): keep its own test rows, so held-out numbers "
        "compare with others' on the same rows.",
    )
    keep("split_test_from")
    make = split_here(result, label, key) if test_from == "split" else split_by_test_file(result, label, key)
    save_box(label, make)


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
        "Drop exact duplicates", key="split_dedupe", help="So the same example cannot be in both train and test."
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
        dups = f" ({plural(dropped, 'duplicate')} dropped)" if dedupe else ""
        n_train, unit = len(rows) - n_test, ROW_UNITS.get(result.kind, "row")  # pairs counted as pairs
        st.caption(
            f"Train **{n_train}** {unit if n_train == 1 else unit + 's'}, "
            f"test **{n_test}** {unit if n_test == 1 else unit + 's'}{dups}."
        )
        # Answers labelled good/bad, or a file with copies: the split itself shows whether a part is left with one
        # label or filled by one row's copies (a split keeps a row's copies on one side).
        # Splitting the rows to look costs 2 s and more on 100,000: only where a part could be crowded.
        crowdable = not dedupe and may_crowd(most_copies_cached(key), len(rows) - n_test, n_test)
        needs_split = result.kind == "unpaired" or crowdable
        if needs_split and seed is not None:
            warnings = split_warnings_cached(key, dedupe, test_size, int(seed))
        else:
            warnings = split_warnings(len(rows) - n_test, n_test, result.kind)
        for warning in warnings:
            st.warning(warning)
    except UserError as exc:
        n_test = None
        if len(rows) < 2:  # the file, not the field: no test size can work
            st.warning(str(exc))
        else:
            st.error(
                f"**Test {'ratio' if mode == 'ratio' else 'rows'}**: {exc} Nothing can be saved until it is fixed."
            )
    if n_test is None or seed is None:
        return None

    def make() -> tuple[list, list, dict]:
        train, test = split_rows(result.rows, test_size=test_size, seed=seed, dedupe=dedupe)
        return train, test, result.split_meta(label, seed, test_size, dedupe)

    return make


def split_by_test_file(result, label: str, key: tuple) -> Callable[[], tuple[list, list, dict]] | None:
    """The data's own test file (an upload or a server path), read with this file's Format and field mapping: its
    report, the split's counts and warnings (training rows that are also test rows, taken out of train); returns what
    the Save button saves, or None while there is no test file or it cannot be the test split (refused here)."""
    left, right = st.columns([3, 1])
    with left:
        restore("split_test_source", TEST_SOURCES)
        source = st.radio("Test file from", TEST_SOURCES, horizontal=True, key="split_test_source")
        keep("split_test_source")
    restore("split_dedupe")
    dedupe = right.checkbox(
        "Drop exact duplicates",
        key="split_dedupe",
        help="Of the training rows: a row's later copies are dropped. The test rows are kept as published.",
    )
    keep("split_dedupe")
    if source == "Upload":
        picked = upload_source("split_test", "Test file")
    else:
        typed = path_box("split_test_path", "Path of the test file on the server", "/data/my_chats_test.jsonl")
        picked = None
        if typed:
            try:
                # The browser is shared: a typed path must stay inside the folders the operator allowed.
                allowed = workspace.check_browser_path(typed, workspace.data_roots(), what="test file")
            except UserError as exc:
                st.error(f"**Test file**: {exc}")
                return None
            picked = str(allowed), allowed.name
    if picked is None:
        st.info(
            "Give the data's own test file (e.g. `test.jsonl` beside `train.jsonl`): its rows are held out as "
            "they are, and this file's rows are the training rows."
        )
        return None
    test_path, test_shown = picked
    try:
        test_key = (test_path, check_path(test_path).stat().st_mtime, key[2], key[3], test_shown)
        test = load_cached(*test_key)
    except UserError as exc:
        st.error(f"**Test file**: could not read {test_shown}: {exc}")
        return None
    except OSError as exc:
        st.error(f"**Test file**: could not read {test_shown}: {os_failure(exc)}.")
        return None
    with st.container(border=True):
        st.markdown(f"**Test file {test_shown}**, read with {key[-1]}'s Format box and field mapping")
        show_report(test, row_counts_cached(test_key))
    try:
        split = own_split_cached(key, test_key, dedupe)
    except UserError as exc:  # no valid test row, another kind of data, nothing left to train on
        st.error(f"**Test file**: {exc} Nothing can be saved until it is fixed.")
        return None
    unit = ROW_UNITS.get(result.kind, "row")  # pairs counted as pairs
    dups = f" ({plural(split.dropped, 'duplicate')} dropped)" if dedupe else ""
    st.caption(
        f"Train **{len(split.train)}** {unit if len(split.train) == 1 else unit + 's'}, "
        f"test **{len(split.test)}** {unit if len(split.test) == 1 else unit + 's'}{dups}."
    )
    for warning in split.warnings:  # the training rows also held out (taken out of train) first
        st.warning(warning)

    def make() -> tuple[list, list, dict]:
        return split.train, split.test, own_split_meta(result, test, label, test_shown, dedupe)

    return make


def save_box(label: str, make: Callable[[], tuple[list, list, dict]] | None) -> None:
    """The split's name, Replace for a name taken, and the Save button, which saves what `make` gives (train, test,
    meta.json); disabled while `make` is None (something above refuses the split)."""
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
        if str(st.session_state.get(SAVED_KEY, "")).startswith(f"Saved **{target}**"):
            # Right after this very save: nothing to warn about, only how a second save would behave.
            st.caption(f"To save again under `{target}` (replacing what was just saved), tick **Replace it**.")
        else:
            st.warning(
                f"`{target}` is already {what} ({old.get('train_rows')} train, "
                f"{rows_in_words(old.get('test_rows') or 0, FORMAT_KIND.get(old.get('format'), 'sft'), 'test')}). "
                "Saving replaces it: tick **Replace it**, or choose another name."
            )
        if st.session_state.get(UNTICK_KEY) == f"split_replace_{target}":
            # Set through the Session State API before the box is drawn, so the browser unticks it too (dropping
            # the key would leave the tick on screen while Save stays disabled).
            st.session_state[f"split_replace_{target}"] = False
        st.session_state.pop(UNTICK_KEY, None)
        replace = st.checkbox(f"Replace it (`{target}`)", key=f"split_replace_{target}")
    if st.button("Save split", type="primary", key="split_save", disabled=make is None or not replace):
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
        st.success(st.session_state.pop(SAVED_KEY))
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
        st.success(st.session_state.pop(ACTIVATED_KEY))
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


def choose_format_for(path: str) -> None:
    """Set the Format box (before it is drawn) to the choice made for this file: "detect automatically" for a file
    not seen yet, the user's own pick for one they set it on. Set through the Session State API on every change of
    file, so the browser shows the value the file is read with: left to the box, the previous file's pick was
    still read while the browser showed "detect automatically" (walk 4, 2)."""
    if st.session_state.get("data_format_for") != path or "data_format" not in st.session_state:
        # Another file than last run, or back from another page (which dropped the box).
        kept = recorded_dict(FORMATS_KEY).get(path, "auto")
        st.session_state["data_format"] = kept if kept in ("auto", *FORMATS) else "auto"
        st.session_state["data_format_for"] = path


# --- the page ---------------------------------------------------------------------------------------------

st.title("📂 Data")
st.caption("Load a dataset, see how it is read, and save a train/test split for the other pages.")

path, label, shown, preset = choose_source()
if not path:
    st.stop()

with user_errors("Could not read this file"):
    mtime = check_path(path).stat().st_mtime  # in the cache keys: an edited file is read again
    fields, table = fields_cached(path, mtime, shown)
unmapped_key = (path, mtime, None, None, shown)  # the file read as the engine reads it unasked
mapping = mapping_editor(path, fields, preset, table, lambda: engine_reading(unmapped_key, fields)) if fields else None

choose_format_for(path)
fmt_choice = st.selectbox(
    "Format",
    ["auto", *FORMATS],
    key="data_format",
    format_func=lambda f: "detect automatically" if f == "auto" else f"{FORMAT_PLAIN[f]} — {FORMAT_HELP[f]}",
)
recorded_dict(FORMATS_KEY)[path] = fmt_choice
for key in (MAPS, FORMATS_KEY):  # a refresh or a new tab reads this file as it is set now
    record_dict(key, path)
map_key = tuple(sorted(mapping.items())) if mapping is not None else None
half = simple_pair() if table and fmt_choice == "auto" else None
guessed = {f: c for f, c in (mapping or {}).items() if c is not None} == st.session_state.get("data_map_start")
if half and len(pair_missing(half)) == 1 and not guessed:
    # Half a pair the user chose would be read as prompts without answers (prompt_only): ask for the other half.
    # A guess of one column (a table of prompts) is read as it is.
    ask_for_other_half(half, shown)
    st.stop()
load_key = (path, mtime, None if fmt_choice == "auto" else fmt_choice, map_key, shown)
if table and fmt_choice == "auto" and recorded_dict(MAPS)[path].get("engine") and map_key is not None:
    if mapping == recorded_dict(MAPS)[path]["start"]:
        load_key = unmapped_key  # the engine's own reading, loaded for the start: not parsed a second time
with user_errors("Could not read this file"):
    try:
        result = load_cached(*load_key)
    except MappingNeeded as need:
        ask_for_mapping(need, shown)
        st.stop()

if half and result.unread_answers and _mapped(half[1]) == NONE:
    # The guess found a question column but no answer, while another column holds sentences: ask, rather than
    # quietly training on prompts alone (Format "prompts only" says that is meant).
    ask_for_answer_column(result.unread_answers, shown)
    st.stop()
if st.session_state.get("data_loaded") != path:
    # A new file: start at the first page, and offer a split name from the file name.
    # data_page is dropped, not set: a number box with a default also given through the Session State API makes
    # Streamlit log a warning; dropped, it comes back at its default, the first page.
    st.session_state.pop("data_page", None)
    st.session_state.get(KEPT, {}).pop("data_page", None)
    st.session_state.update(data_loaded=path, split_name=workspace.safe_name(label, "dataset"))

show_report(result, row_counts_cached(load_key))
if not result.rows:
    st.error("No row of this file can be used. Fix the rows listed above, or pick another Format or Field mapping.")
    st.stop()

preview(result)
split_and_save(result, label, load_key)
token_histogram(result, (path, mtime, fmt_choice, map_key))
