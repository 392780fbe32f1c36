"""Data: load a dataset (shipped sample, upload or server path), check it, preview it, save a train/test split.

All parsing, validation, splitting and measuring is `ftlib.data`; this page only draws and remembers choices. The
files it reads (cached, shared by every session) and the upload and path boxes are `ui.data_files`; "Split and
save" and the saved splits are `ui.split_view`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from ftlib import workspace
from ftlib.bookkeeping import check_data_path
from ftlib.data import FORMATS, DataError, MappingNeeded, guess_column_map
from ftlib.demo_data import sample_choices
from ftlib.errors import plural
from ftlib.file_bytes import data_stem
from ftlib.file_stamps import file_stamp
from ftlib.formats import FIELDS, FORMAT_HELP, FORMAT_PLAIN, format_label
from ftlib.mapping import field_help, fields_read, gaps_said
from ftlib.readers import check_path
from ui import alerts
from ui.auth import require_password
from ui.common import show_dataset, user_errors
from ui.data_files import NONE, fields_cached, load_cached, offer_pairs, path_box, row_counts_cached, upload_source
from ui.data_view import first_rows_cached, shape_said, show_first_rows, show_report, show_row, token_histogram
from ui.form import start_from_last_run
from ui.inputs import number_in_range
from ui.kept import KEPT, default_for, keep, record_dict, recorded_dict, restore
from ui.labels import on_data_page
from ui.split_view import split_and_save
from ui.stored_data_view import your_files

# A page is also served by its URL before any session has built app.py's navigation (Streamlit serves the
# pages/ folder until then): the password is checked here too, not only in app.py.
require_password()
# A new session starts from the settings of the run last started, as Tokens, Batches and Train do: the length check
# previews its max length and measures with its template (a cold walk: a new session said the form's default, 384,
# "as in training", while Train started from the last run's 128 and Tokens said so).
start_from_last_run()

SOURCES = ("Sample", "Upload", "Local path")
PAGE_SIZE = 5
# Streamlit drops the value of every box a run does not draw, so a visit to another page empties this page's boxes.
# What the user chose is copied under plain keys, which outlive a page change, and put back before the box is drawn:
# the source and split boxes by `ui.kept`, each file's field mapping under MAPS and its Format under FORMATS_KEY.
# The source and the file it opens (sample, upload, path) are also recorded in the workspace (`ui.kept`'s
# ACROSS_SESSIONS), and so are MAPS and FORMATS_KEY (`ui.kept.record_dict`, the 20 files set last): a refresh opens
# the same file again, read with the mapping and Format set for it.
MAPS = "data_maps"  # path -> {"start": the guess or the file's own names, "chosen": field -> column or NONE}
FORMATS_KEY = "data_formats"  # path -> the Format box's value for that file ("auto" until the user picks one)


def choose_source() -> tuple[str | None, str, str, dict | None]:
    """(path of the file to read, a short name for it, the file's name as its user knows it, a preset column map)
    from the three kinds of source."""
    restore("data_source", SOURCES)
    source = st.radio("Where is the data?", SOURCES, horizontal=True, key="data_source")
    keep("data_source")
    if source == "Sample":
        samples = sample_choices()
        if not samples:
            st.info(
                "No sample datasets are shipped in `samples/` yet. Upload a file or give a path.", icon=alerts.INFO
            )
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
        # The browser is shared: a typed path must stay inside the folders the operator allowed, and read none of
        # the workspace's own files that are not data: who did what, choices, a run's files (ftlib.bookkeeping).
        path = check_data_path(typed, what="data file")
    return str(path), data_stem(path), path.name, None


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
    """The Question column / Answer column boxes: the two fields of `pair`, shown in plain words; and the optional
    System prompt column beside them (both pairs read `system`): a table's system prompts in a column the guess did
    not name (`persona`) were only said "Not used", to be mapped in the full editor a cold walk never opened."""
    boxes = [
        ("data_pair_question", "Question column", pair[0], "what the user asks"),
        ("data_pair_answer", "Answer column", pair[1], "the answer the model should learn to give"),
        (
            "data_pair_system",
            "System prompt column (optional)",
            "system",
            "each row's system prompt (instructions the model reads before the question, never trained; leave "
            "(none) where the rows have none)",
        ),
    ]
    if pair[0] == "instruction":  # Alpaca's `input`, read after the instruction: a walk saw it read, its box nowhere
        boxes.insert(
            1,
            (
                "data_pair_input",
                "Input column (optional)",
                "input",
                "the text the instruction is about, read after it in the user's turn (Alpaca's input; leave (none) "
                "where the rows have none)",
            ),
        )
    for where, (box, label, fld, what) in zip(st.columns(len(boxes)), boxes, strict=True):
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


def engine_fields(key: tuple, fields: list[str]) -> list[str]:
    """The `fields` of a JSON file the engine's own reading of it reads (`mapping.fields_read`); all of
    them where it cannot read the file unasked. A preference file's `messages` beside its `chosen` and `rejected`
    (UltraFeedback-binarized's) is not read: its box showed `messages -> messages` above a warning that `messages`
    is ignored (helper 122's walk)."""
    try:
        return fields_read(load_cached(*key).format, fields)
    except DataError:
        return fields


def mapping_editor(
    path: str,
    fields: list[str],
    preset: dict | None,
    table: bool,
    engine_map: Callable[[], tuple[dict, bool]],
    first_rows: Callable[[], None] = lambda: None,
    own_fields: Callable[[], list[str]] | None = None,
) -> dict | None:
    """Field -> the file's column or key, or None to read the file's own names (JSON left as it is).

    A table starts from the sample's own map or the engine's own reading (`engine_map`: `engine_reading`), and shows
    a Question/Answer pair first when the mapping is one (`simple_pair`), every field of every format behind an
    expander; a JSON file starts from its own names. While a box of a pair the guess left empty is empty,
    `first_rows` draws the table's first rows above it, so the columns are chosen seeing their cells. A JSON file's
    own names start mapped to themselves where its reading reads them (`own_fields`: `engine_fields`; all if None).
    A field set to "(none)" whose name the file also uses is passed as None, so it is really not read.
    """
    maps = recorded_dict(MAPS)
    known = maps.get(path)
    if not _well_formed(known) or not {c for c in known["chosen"].values() if c != NONE} <= set(fields):
        # A file not seen in this session (or edited since, its columns changed): the guess, or its own names.
        preset = preset if preset and set(preset.values()) <= set(fields) else None
        guess, engine = (preset, False) if preset or not table else engine_map()
        read = own_fields() if own_fields and not table else fields
        start = guess if table else {f: f for f in FIELDS if f in read}
        known = maps[path] = {"start": start, "chosen": {fld: start.get(fld, NONE) for fld in FIELDS}}
        known["engine"] = engine  # the start is the engine's own reading: loaded as it is while left unchanged
    if st.session_state.get("data_map_for") != path or any(f"data_map_{f}" not in st.session_state for f in FIELDS):
        # Another file than last run, or back from another page (which dropped the boxes): its mapping as last set.
        for fld in FIELDS:
            st.session_state[f"data_map_{fld}"] = known["chosen"][fld]
        st.session_state.update(data_map_for=path, data_map_start=known["start"])
    pair = simple_pair() if table else None
    if pair and pair_missing(pair) and not any((known["start"] or {}).get(f) for f in pair):
        first_rows()  # columns not guessed: the cells to choose them by, above the boxes, until both are chosen
    if pair:
        st.markdown("**Which columns hold what**")
        pair_boxes(fields, pair)
    # Open for a table the engine could not read by itself; folded where it did (helper 78's walk: UltraFeedback's
    # Parquet, read as pairs, opened on a grid of 14 boxes, 11 of them "(none)", above its format and rows).
    with st.expander(
        "Field mapping" + (": every field, for other formats" if pair else ""),
        expanded=table and not pair and not known.get("engine"),
    ):
        start = "Guessed from the column names" if table else "The file's own names are read as they are"
        st.caption(
            f"Which of the file's fields holds which part of an example. {start}; change it if it is wrong. Fields "
            "not mapped keep their names; what no format reads is listed as ignored. Each box's ? says what its field "
            "holds and which formats read it; what each format reads: see **Read the file as** below."
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
        f"answers, for online RL: set **Read the file as** to {format_label('prompt_only')}.)",
        icon=alerts.INFO,
    )


def ask_for_answer_column(candidates: list[str], shown: str) -> None:
    listed = " or ".join(f"`{c}`" for c in candidates)
    st.info(
        f"**{shown}** has a question column but no **Answer column** yet, and {listed} holds text beside it. "
        f"Which column holds the answer the model should learn? Choose it as the **Answer column** above. (Prompts "
        f"for GRPO, which writes its own answers: set **Read the file as** to {format_label('prompt_only')}; the "
        "other columns then go with each prompt to the reward functions, which can check the answers against them.)",
        icon=alerts.INFO,
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
                "pairs): **Field mapping** above.",
                icon=alerts.INFO,
            )
        else:
            ask_for_other_half(pair, shown)
    elif need.fmt is not None:
        what = "column" if need.table else "field"
        st.info(
            f"Read as **{format_label(need.fmt)}**, **{shown}** needs a {what} for: "
            f"{gaps_said(need.fmt, need.gaps)}. Choose {'it' if len(need.gaps) == 1 else 'them'} under **Field "
            "mapping** above, or pick another in **Read the file as**.",
            icon=alerts.INFO,
        )
    elif need.shape:  # a shape another tool publishes (OpenAssistant's trees, ...): the engine's own how-to
        st.warning(shape_said(need.shape, shown), icon=alerts.WARNING)
    else:
        st.info(
            f"The rows of **{shown}** have the fields {', '.join(f'`{f}`' for f in need.fields)}, which no format "
            "reads by these names. Say which field holds what under **Field mapping** above (for a question and "
            "its answer: `instruction` and `output`), or rename them in the file.",
            icon=alerts.INFO,
        )
    if need.broken:  # the file's real rows may be among them
        listed = "\n".join(f"- {where}" for where in need.broken[:5]) + ("\n- ..." if len(need.broken) > 5 else "")
        st.warning(
            f"{plural(len(need.broken), 'other row')} could not be read at all; fix them first:\n{listed}",
            icon=alerts.WARNING,
        )
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
        show_row(row, result.where(number), raw)  # a .json file's own split: each row's key said too


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
your_files()  # the uploads and saved splits stored, with a Remove button

# The file open here, by the name its user knows, for the sidebar's dataset line (app.py) while no split is saved:
# "none yet" there, an upload open here, read as lost (helper 177's walk).
st.session_state.pop("data_open", None)
path, label, shown, preset = choose_source()
st.session_state["data_open"] = shown if path else None
show_dataset()  # said now: a step below may stop the page before app.py says it again
if not path:
    st.stop()

with user_errors("Could not read this file"):
    check_path(path).stat()  # a missing or unreadable file said here, in words
    # In the cache keys: a file edited or replaced is read again, also one copied over keeping its time (cp -p).
    version = file_stamp(path)
    fields, table = fields_cached(path, version, shown)
unmapped_key = (path, version, None, None, shown)  # the file read as the engine reads it unasked
mapping = (
    mapping_editor(
        path,
        fields,
        preset,
        table,
        lambda: engine_reading(unmapped_key, fields),
        lambda: show_first_rows(first_rows_cached(path, version, shown), shown),
        lambda: engine_fields(unmapped_key, fields),
    )
    if fields
    else None
)

choose_format_for(path)
fmt_choice = st.selectbox(
    "Read the file as",  # not "Format": the detected format's metric below is named so (helper 57 read them as one)
    ["auto", *FORMATS],
    key="data_format",
    help="How the rows are read. *detect automatically* reads them as the **Format** shown below says; pick one "
    "where that is wrong, or to read the file another way (the command line's "
    "`--format`).",
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
load_key = (path, version, None if fmt_choice == "auto" else fmt_choice, map_key, shown)
if table and fmt_choice == "auto" and recorded_dict(MAPS)[path].get("engine") and map_key is not None:
    # The boxes left at (none) are passed as None where the file has a column of that name (a preference table's
    # `messages`): the engine's own reading reads none of them either, and names them as not used, where read with
    # them as None it dropped them unsaid (helper 78's walk: an UltraFeedback table's `messages` went unmentioned).
    if {f: c for f, c in mapping.items() if c is not None} == recorded_dict(MAPS)[path]["start"]:
        load_key = unmapped_key  # the engine's own reading, loaded for the start: not parsed a second time
with user_errors("Could not read this file", on_data_page):  # "above", not "on the Data page (--format ...)"
    try:
        result = load_cached(*load_key)
    except MappingNeeded as need:
        ask_for_mapping(need, shown)
        st.stop()

if half and result.unread_answers and _mapped(half[1]) == NONE:
    # The guess found a question column but no answer, while another column holds sentences: ask, rather than
    # quietly training on prompts alone (Format "prompts only" says that is meant).
    ask_for_answer_column(result.unread_answers, shown)
    result = None  # see the page's last line
    st.stop()
if st.session_state.get("data_loaded") != path:
    # A new file: start at the first page, and offer a split name from the file name.
    # The first page is put back as a visit elsewhere is (`ui.kept.restore`, through session state), which the browser
    # is told: dropped, the box kept showing the last file's page in the browser, and the next click sent it back.
    st.session_state.pop("data_page", None)
    st.session_state.setdefault(KEPT, {})["data_page"] = 1
    st.session_state.update(data_loaded=path, split_name=workspace.safe_name(label, "dataset"))

show_report(result, row_counts_cached(load_key))
if not result.rows:
    st.error(
        "No row of this file can be used. Fix the rows listed above, or change Read the file as or Field mapping.",
        icon=alerts.ERROR,
    )
    st.stop()

offer_pairs(result, load_key, label)  # answers labelled good or bad: their pairs, for DPO and a reward model
preview(result)
split_and_save(result, label, load_key)
token_histogram(result, (path, version, fmt_choice, map_key))
# This run's globals outlive it while the tab stays open (its boxes' format functions hold them): the parsed file
# stayed in memory with them after the file cache had let it go.
result = None
