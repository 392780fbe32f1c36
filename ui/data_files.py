"""The Data page's files: each read once and shared by every session (the parsed file, its deduped rows, the
numbers the page shows of them), and the boxes a file comes from (an upload stored in the workspace, or a path on the
server). Reading is `ftlib.data`; these only cache and draw."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from ftlib import stored_people, workspace
from ftlib.data import dedupe_rows, load_file, peek_fields, split_rows, split_warnings
from ftlib.data_budget import estimate, memory_bytes
from ftlib.data_stats import row_counts
from ftlib.errors import plural
from ftlib.feedback_pairs import feedback_pairs, pairs_jsonl
from ftlib.near_duplicates import near_groups
from ftlib.own_split import own_split
from ftlib.split_keys import keyed_split
from ftlib.split_lines import lines_note, split_lines
from ftlib.splits import count_test_rows, most_copies, prompt_groups, shared_prompts
from ftlib.upload_names import upload_labels
from ui import alerts
from ui.auth import who
from ui.common import user_errors
from ui.kept import keep, restore

FILE_TYPES = ["jsonl", "ndjson", "json", "csv", "tsv", "parquet", "pq", "gz", "bz2", "xz", "zst", "zip"]
UPLOAD_HELP = (
    "Compressed files too: a `.gz`, `.bz2`, `.xz` or `.zst` file (`train.jsonl.gz`) is read as the file it holds, "
    "its kind from the name before the compression's suffix, and so is a `.zip` of one file. Files over the upload "
    "limit: use **Local path** instead."
)
NONE = "(none)"  # a box's choice of nothing: no earlier upload, a field mapped to no column
# What the Data page does with the file an upload box has open (`upload_source`'s prefix).
SAVED_FROM = {
    "data": "**Save split** below saves a split of it.",
    "split_test": "**Save split** below holds its rows out as the test split.",
}


# The parsed file and its deduped rows are shared by every session and never mutated (ui.common's rule).
# st.cache_data would unpickle a fresh copy of every row on each rerun: 1.9 s a click with 100,000 chat rows loaded,
# 0.07 s now (bench/bench_data_page.py). Fewer entries than cache_data kept, and an hour's life: the objects take
# more memory than their pickles.
@st.cache_resource(max_entries=4, ttl=3600, show_spinner="Reading the file...")
def load_cached(path: str, version: tuple, fmt: str | None, mapping: tuple | None, shown: str):
    """The parsed file; `version` (`file_stamp`) is in the key so an edited or replaced file is read again; `shown`
    is its name in messages.
    The files read before go first when they and this one would pass the memory one file may take (`_make_room`)."""
    key = (path, version, fmt, mapping, shown)
    _make_room(key, estimate(0, _size(path)))  # before reading it, from its bytes: its rows are not counted yet
    result = load_file(path, fmt=fmt, column_map=dict(mapping) if mapping is not None else None, name=shown)
    held = estimate(len(result.rows), _size(path))
    _make_room(key, held)  # and from its rows (many short rows take more than their bytes say)
    with _held_lock:
        _held[key] = held
        while len(_held) > 4:  # load_cached's max_entries: an older entry has gone from it
            del _held[next(iter(_held))]
    return result


# What the cached files take, about (`ftlib.data_budget.estimate`), by load_cached's key. Each file is refused past
# half the machine's memory, but the four cached could take twice the machine: the same file under each field mapping
# tried is an entry of its own (a 49 MiB JSONL file held 232 MiB under each), and the kernel kills the server for it.
_held: dict[tuple, int] = {}
_held_lock = threading.Lock()


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:  # load_file says what is wrong with it
        return 0


def _make_room(key: tuple, need: int) -> None:
    """Let go of every file the Data page holds (and what was derived from them) when they and a file about to be read
    (`need` bytes, about) would pass half the machine's memory (`ftlib.data_budget`); a session showing one reads it
    again on its next click."""
    with _held_lock:
        if sum(size for held, size in _held.items() if held != key) + need <= memory_bytes() // 2:
            return
        _held.clear()
    for cached in (load_cached, deduped_cached, own_split_cached, keyed_split_cached):
        cached.clear()


@st.cache_resource(max_entries=4, ttl=3600, show_spinner="Dropping exact duplicates...")
def deduped_cached(key: tuple) -> tuple[list[dict], int]:
    """`dedupe_rows` of the rows `load_cached(*key)` read."""
    return dedupe_rows(load_cached(*key).rows)


@st.cache_data(max_entries=16, show_spinner=False)
def most_copies_cached(key: tuple) -> int:
    """`most_copies` of the rows `load_cached(*key)` read."""
    return most_copies(load_cached(*key).rows)


@st.cache_data(max_entries=16, show_spinner="Looking for prompts asked more than once, or nearly...")
def prompts_kept_together_cached(key: tuple) -> tuple[int, int]:
    """(how many prompts of the rows `load_cached(*key)` read have several rows, `shared_prompts`; how many prompt
    groups nearly repeat an earlier one, `near_groups`), from one grouping of the rows: a split keeps both on one
    side, so its sizes and warnings need the split itself. About 2 s on 100,000 chat rows, once a file."""
    rows = load_cached(*key).rows
    groups = prompt_groups(rows)
    return shared_prompts(rows, groups)[0], len(groups) - len(near_groups(rows, groups))


@st.cache_data(max_entries=16, show_spinner=False)
def split_outcome_cached(key: tuple, dedupe: bool, test_size: float, seed: int) -> tuple[int, int, list[str]]:
    """(training rows, test rows, `split_warnings`) of the split the Save button would make (a part left with one
    label, a part crowded by one row's copies, prompts kept on one side), kept per settings: the split itself costs
    ~1 s a click on 60,000 rows. Its sizes are the split's own: copies and a prompt's rows stay on one side, so they
    can differ from the count asked for."""
    loaded = load_cached(*key)
    rows = deduped_cached(key)[0] if dedupe else loaded.rows
    train, test = split_rows(rows, test_size, seed)
    asked = count_test_rows(len(rows), test_size)  # whole prompts held out can hold many more: said
    warnings = split_warnings(len(train), len(test), loaded.kind, train=train, test=test, asked=asked)
    # The warnings count the split's rows ("training row 23"); the user has the file (line 26): say where they are,
    # as a saved split's notes do (a newcomer's walk looked for line 23).
    meta = split_lines(loaded, key[-1], train=train, test=test)
    if warnings and (note := lines_note(meta, warnings, (len(train), len(test)))):
        warnings = [*warnings, note]
    return len(train), len(test), warnings


@st.cache_resource(max_entries=4, ttl=3600, show_spinner="Comparing the test rows with the training rows...")
def own_split_cached(key: tuple, test_key: tuple, dedupe: bool):
    """`own_split` of the rows `load_cached(*key)` read and the test rows `load_cached(*test_key)` read (shared and
    never mutated, as those are)."""
    return own_split(load_cached(*key), load_cached(*test_key), key[-1], test_key[-1], dedupe=dedupe)


@st.cache_resource(max_entries=4, ttl=3600, show_spinner="Comparing the test rows with the training rows...")
def keyed_split_cached(key: tuple, dedupe: bool):
    """`keyed_split` of the rows `load_cached(*key)` read, a .json file holding its own split (None for another file;
    shared and never mutated, as those rows are)."""
    return keyed_split(load_cached(*key), key[-1], dedupe=dedupe)


@st.cache_data(max_entries=16, show_spinner=False)
def row_counts_cached(key: tuple) -> dict[str, int]:
    """`row_counts` of the rows `load_cached(*key)` read (the report's metrics)."""
    result = load_cached(*key)
    return row_counts(result.rows, result.kind)


@st.cache_data(max_entries=4, show_spinner=False)
def pairs_cached(key: tuple) -> tuple[int, int, list[dict]]:
    """(prompts with a good and a bad answer, pairs made, [{where, why}] of each row left out) of the answers labelled
    good or bad `load_cached(*key)` read (`ftlib.feedback_pairs`): small, so one pairing serves every rerun."""
    result = load_cached(*key)
    made = feedback_pairs(result.rows, result.row_numbers, result.where, result.errors)
    return made.prompts, len(made.pairs), [{"where": result.where(n), "why": why} for n, why in made.left_out]


def offer_pairs(result, key: tuple, stem: str) -> None:
    """For answers labelled good or bad where some prompt has both: a note that DPO and a reward model need pairs,
    and a button that writes them (`python -m ftlib data pair`'s file) among this server's uploads as
    `{stem}-pairs.jsonl`, to open under Upload; every row left out listed under it."""
    if result.kind != "unpaired":
        return
    prompts, pairs, left = pairs_cached(key)
    if not pairs:
        return
    st.info(
        f"**{plural(prompts, 'prompt')} {'has' if prompts == 1 else 'have'} both a good and a bad answer.** KTO "
        "trains on these answers as they are; DPO and a reward model need them as pairs. **Save as preference "
        f"pairs** writes {plural(pairs, 'pair')} (each prompt's first good answer with its first bad one, its "
        f"second with its second, in file order; {plural(len(left), 'answer')} without a partner left out, listed "
        f"below) to this server's uploads as `{stem}-pairs.jsonl`.",
        icon=alerts.INFO,
    )
    if st.button("Save as preference pairs", key="data_pair_save"):
        made = feedback_pairs(result.rows, result.row_numbers, result.where, result.errors)
        with user_errors("Could not save the pairs"):
            saved = workspace.save_upload(f"{stem}-pairs.jsonl", pairs_jsonl(made.pairs).encode("utf-8"))
        stored_people.record_upload(saved, who())
        st.success(
            f"Saved {plural(pairs, 'preference pair')} as **{workspace.upload_name(saved)}**: open it under "
            "**Upload** (*...or reopen an earlier upload*) and save a split of it for DPO or a reward model.",
            icon=alerts.SUCCESS,
        )
    if left:
        with st.expander(f"{plural(len(left), 'answer')} without a partner, left out of the pairs"):
            st.dataframe(left, hide_index=True)


@st.cache_data(max_entries=8, show_spinner="Reading the file's fields...")
def fields_cached(path: str, version: tuple, shown: str):
    return peek_fields(path, shown)


def upload_source(prefix: str, label: str) -> tuple[str, str] | None:
    """(the stored file's path, its name on the user's machine) of the file in the box `{prefix}_upload`, stored in
    the workspace once per upload, or of an earlier upload picked under it (`{prefix}_earlier`); None for neither."""
    # A file box cannot be given a file back: after another page, the stored upload is reopened below instead.
    box, earlier_key = f"{prefix}_upload", f"{prefix}_earlier"
    dropped = box not in st.session_state
    upload = st.file_uploader(label, type=FILE_TYPES, key=box, help=UPLOAD_HELP)
    if upload is not None:
        marker = (upload.name, upload.size, getattr(upload, "file_id", ""))
        if st.session_state.get(f"{prefix}_upload_marker") != marker:
            # Saved into the workspace once per upload, and reopened below after another page or a refresh.
            with user_errors("Could not store the upload"):
                saved = workspace.save_upload(upload.name, upload.getvalue())
            stored_people.record_upload(saved, who())  # the signed-in person, where there is one
            st.session_state.update({f"{prefix}_upload_marker": marker, f"{prefix}_upload_path": str(saved)})
        keep(earlier_key, Path(st.session_state[f"{prefix}_upload_path"]).name)
        if not Path(st.session_state[f"{prefix}_upload_path"]).is_file():
            return None  # removed since it was stored (the page says so: ui.stored_data_view.gone_notes)
        return st.session_state[f"{prefix}_upload_path"], upload.name
    earlier = workspace.list_uploads()
    if earlier:
        if dropped:  # not when the user removed the file from the box: then nothing is read
            restore(earlier_key, [p.name for p in earlier])
        labels = upload_labels(earlier)  # two teammates' `train.jsonl` of one minute told apart
        pick = st.selectbox(
            "...or reopen an earlier upload",
            [NONE] + [p.name for p in earlier],
            key=earlier_key,
            format_func=lambda n: n if n == NONE else labels.get(n, workspace.upload_label(n)),
        )
        keep(earlier_key)
        if pick != NONE:  # stored as "<date>-<time>-<tag>-<original name>"
            # The file box is empty again after another page or a refresh (a browser's file box cannot be given a
            # file back), while its stored copy is open here: said, or a user takes the upload for lost (helper
            # 177's walk: Save split still saved it).
            marker = st.session_state.get(f"{prefix}_upload_marker")
            own = pick == Path(str(st.session_state.get(f"{prefix}_upload_path"))).name and marker
            name = marker[0] if own else workspace.upload_name(pick)  # this session's upload: its name as uploaded
            st.caption(
                f"Open: **{name}**, the copy this server stored of the upload (the box above "
                f"empties after another page or a refresh). {SAVED_FROM[prefix]} To read another file, put it in the "
                f"box above or pick it here; to close this one, pick {NONE}."
            )
            return str(workspace.uploads_dir() / pick), name
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
