"""Data: load a dataset (shipped sample, upload or server path), check it, preview it, save a train/test split.

All parsing, validation, splitting and measuring is `ftlib.data`; this page only draws and remembers choices.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ftlib import workspace
from ftlib.data import (
    FORMATS,
    count_test_rows,
    count_truncated,
    dataset_stats,
    dedupe_rows,
    guess_column_map,
    is_preference,
    load_file,
    peek_columns,
    split_rows,
)
from ftlib.errors import UserError
from ftlib.formats import FIELDS
from ui.common import active_model, active_split_name, cached_split, cached_tokenizer, set_active_split, user_errors

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("Sample", "Upload", "Local path")
FILE_TYPES = ["jsonl", "ndjson", "json", "csv", "tsv", "parquet"]
FORMAT_HELP = {
    "messages": "messages: [{role, content}, ...] (OpenAI / Hugging Face)",
    "sharegpt": "sharegpt: conversations: [{from, value}, ...]",
    "alpaca": "alpaca: instruction, input, output",
    "prompt_completion": "prompt_completion: prompt, completion",
    "preference": "preference: prompt, chosen, rejected",
}
PAGE_SIZE = 5
STATS_ROW_LIMIT = 5000  # token lengths are measured on at most this many rows, evenly spread
NONE = "(none)"


def _entry_value(entry, name: str):
    return entry.get(name) if isinstance(entry, dict) else getattr(entry, name, None)


def shipped_samples() -> dict[str, tuple[Path, str, dict | None]]:
    """name -> (path, description, column map) from ftlib.demo_data when it exists, else the files in samples/."""
    try:
        from ftlib import demo_data as samples
    except ImportError:  # the registry is optional: fall back to whatever files are shipped
        samples = None
    found = {}
    if samples is not None and getattr(samples, "SAMPLES", None):
        for name, entry in samples.SAMPLES.items():
            path = Path(str(_entry_value(entry, "path") or ""))
            if not path.is_absolute():
                path = ROOT / path if (ROOT / path).exists() else ROOT / "samples" / path
            found[name] = (path, str(_entry_value(entry, "description") or ""), _entry_value(entry, "column_map"))
        return found
    for path in sorted((ROOT / "samples").glob("*.jsonl")):
        found[path.stem] = (path, "", None)
    return found


@st.cache_data(max_entries=8, show_spinner="Reading the file...")
def load_cached(path: str, mtime: float, fmt: str | None, mapping: tuple):
    """The parsed file; `mtime` is in the key so an edited file is read again."""
    return load_file(path, fmt=fmt, column_map=dict(mapping) if mapping else None)


@st.cache_data(max_entries=8, show_spinner="Measuring token lengths...")
def token_lengths(key: tuple, model: str, _rows: list[dict], _tokenizer) -> list[int]:
    """Token length of each row under the model's chat template (cached by file + model)."""
    return dataset_stats(_rows, _tokenizer)["token_lengths"]


def choose_source() -> tuple[str | None, str, dict | None]:
    """(path of the file to read, a short name for it, a preset column map) from the three kinds of source."""
    source = st.radio("Where is the data?", SOURCES, horizontal=True, key="data_source")
    if source == "Sample":
        samples = shipped_samples()
        if not samples:
            st.info("No sample datasets are shipped in `samples/` yet. Upload a file or give a path.")
            return None, "", None
        name = st.selectbox("Sample", list(samples), key="data_sample")
        path, description, preset = samples[name]
        if description:
            st.caption(description)
        return str(path), name, preset
    if source == "Upload":
        upload = st.file_uploader(
            "Dataset file",
            type=FILE_TYPES,
            key="data_upload",
            help="Files over the upload limit: use **Local path** instead.",
        )
        if upload is not None:
            marker = (upload.name, upload.size, getattr(upload, "file_id", ""))
            if st.session_state.get("data_upload_marker") != marker:
                # Saved into the workspace once per upload, so a refresh or another page loses nothing.
                with user_errors("Could not store the upload"):
                    saved = workspace.save_upload(upload.name, upload.getvalue())
                st.session_state.update(data_upload_marker=marker, data_upload_path=str(saved))
            return st.session_state["data_upload_path"], Path(upload.name).stem, None
        earlier = workspace.list_uploads()
        if earlier:
            pick = st.selectbox(
                "...or reopen an earlier upload", [NONE] + [p.name for p in earlier], key="data_earlier"
            )
            if pick != NONE:
                # Stored names are "<date>-<time>-<original name>".
                return str(workspace.uploads_dir() / pick), Path(pick.split("-", 2)[-1]).stem, None
        return None, "", None
    typed = st.text_input(
        "Path of a file on the server",
        key="data_path",
        placeholder="/data/my_chats.jsonl",
        help="Read on the machine that runs the app, for files over the upload limit. Only "
        "folders the operator allows are readable (the workspace, samples/, FTLIB_DATA_DIRS).",
    )
    if not typed.strip():
        return None, "", None
    with user_errors("This path cannot be used"):
        # The browser is shared: a typed path must stay inside the folders the operator allowed.
        path = workspace.check_browser_path(typed.strip(), workspace.data_roots(), what="data file")
    return str(path), path.stem, None


def mapping_editor(path: str, columns: list[str], preset: dict | None) -> dict[str, str]:
    """Field -> column for a table: the sample's own map or a guess, set once per file, then editable."""
    if st.session_state.get("data_map_for") != path:
        guess = preset if preset and set(preset.values()) <= set(columns) else guess_column_map(columns)
        for fld in FIELDS:
            st.session_state[f"data_map_{fld}"] = guess.get(fld, NONE)
        st.session_state["data_map_for"] = path
    with st.expander("Column mapping", expanded=True):
        st.caption(
            "Which column holds which part of an example. Guessed from the column names; change it if "
            "the guess is wrong. Alpaca needs instruction + output, prompt/completion needs both, "
            "preference needs chosen + rejected (and prompt)."
        )
        mapping = {}
        grid = st.columns(5)
        for i, fld in enumerate(FIELDS):
            choice = grid[i % 5].selectbox(fld, [NONE, *columns], key=f"data_map_{fld}")
            if choice != NONE:
                mapping[fld] = choice
    return mapping


def show_turns(messages: list[dict]) -> None:
    for m in messages:
        avatar = {"system": ":material/settings:", "user": ":material/person:", "assistant": ":material/smart_toy:"}[
            m["role"]
        ]
        with st.chat_message(m["role"], avatar=avatar):
            st.text(m["content"])


def show_row(row: dict, number: int, raw: bool) -> None:
    with st.container(border=True):
        st.caption(f"Source row {number}")
        if raw:
            st.json(row)
        elif is_preference(row):
            show_turns(row["prompt"])
            good, bad = st.columns(2)
            with good:
                st.markdown("**Chosen** ✅")
                show_turns(row["chosen"])
            with bad:
                st.markdown("**Rejected** ❌")
                show_turns(row["rejected"])
        else:
            show_turns(row["messages"])


def preview(result) -> None:
    st.subheader("Preview")
    pages = max(1, -(-len(result.rows) // PAGE_SIZE))
    left, right = st.columns([1, 3])
    page = int(left.number_input(f"Page (of {pages})", 1, pages, key="data_page"))
    raw = right.toggle("Show raw JSON (the canonical rows that will be saved)", key="data_raw")
    start = (page - 1) * PAGE_SIZE
    for row, number in zip(
        result.rows[start : start + PAGE_SIZE], result.row_numbers[start : start + PAGE_SIZE], strict=True
    ):
        show_row(row, number, raw)


def split_and_save(result, label: str) -> None:
    st.subheader("Split and save")
    c1, c2, c3, c4 = st.columns(4)
    mode = c1.radio("Test size as", ["ratio", "rows"], horizontal=True, key="split_mode")
    if mode == "ratio":
        test_size = float(c2.number_input("Test ratio", 0.01, 0.9, 0.1, 0.05, key="split_ratio"))
    else:
        test_size = int(c2.number_input("Test rows", 1, None, 10, 1, key="split_count"))
    seed = int(
        c3.number_input("Seed", 0, None, 0, 1, key="split_seed", help="The same seed always gives the same split.")
    )
    dedupe = c4.checkbox(
        "Drop exact duplicates", key="split_dedupe", help="So the same example cannot be in both train and test."
    )
    name = st.text_input("Name of the saved split", key="split_name")
    rows, dropped = dedupe_rows(result.rows) if dedupe else (result.rows, 0)
    try:
        n_test = count_test_rows(len(rows), test_size)
        st.caption(
            f"Train **{len(rows) - n_test}**, test **{n_test}** rows"
            + (f" ({dropped} duplicates dropped)" if dedupe else "")
            + "."
        )
    except UserError as exc:
        st.warning(str(exc))
    if any(s["name"] == workspace.safe_name(name) for s in workspace.list_splits()):
        st.caption(f"A split named `{workspace.safe_name(name)}` exists; saving replaces it.")
    if st.button("Save split", type="primary", key="split_save"):
        with user_errors("Could not save the split"):
            train, test = split_rows(result.rows, test_size=test_size, seed=seed, dedupe=dedupe)
            meta = {
                "source": label,
                "path": result.source,
                "format": result.format,
                "seed": seed,
                "test_size": test_size,
                "dedupe": dedupe,
                "errors": len(result.errors),
                "warnings": len(result.warnings),
                "valid_rows": result.valid_rows,
                "total_rows": result.total,
                "column_map": result.column_map,
            }
            folder = workspace.save_split(name or label, train, test, meta)
        set_active_split(folder.name)
        cached_split.clear()
        st.success(
            f"Saved **{folder.name}**: {len(train)} train and {len(test)} test rows. It is now the "
            "active dataset for the other pages."
        )
    splits = workspace.list_splits()
    if splits:
        active = active_split_name()
        with st.expander(f"Saved splits ({len(splits)})"):
            st.dataframe(
                [
                    {
                        "active": "✅" if s["name"] == active else "",
                        "name": s["name"],
                        "format": s.get("format"),
                        "train": s.get("train_rows"),
                        "test": s.get("test_rows"),
                        "source": s.get("source"),
                    }
                    for s in splits
                ],
                hide_index=True,
            )


def token_histogram(result, key: tuple) -> None:
    import plotly.express as px

    st.subheader("Token lengths")
    model = active_model()
    rows, numbers = result.rows, result.row_numbers
    if len(rows) > STATS_ROW_LIMIT:
        step = -(-len(rows) // STATS_ROW_LIMIT)
        rows, numbers = rows[::step], numbers[::step]
        st.caption(f"Measured on {len(rows)} evenly spread rows of {result.valid_rows}.")
    with user_errors(f"Could not load the tokenizer of `{model}`"):
        tokenizer = cached_tokenizer(model)
        lengths = token_lengths(key, model, rows, tokenizer)
    st.caption(
        f"Each row rendered with the chat template of `{model}` and tokenized (for preference rows: prompt + chosen)."
    )
    longest = max(lengths)
    top = max(2048, 1 << (longest - 1).bit_length())
    cutoff = st.slider(
        "Max length (tokens)",
        16,
        top,
        min(1024, top),
        16,
        key="data_max_length",
        help="Training cuts every example to this many tokens.",
    )
    over, fraction = count_truncated(lengths, cutoff)
    fig = px.histogram(
        x=lengths, nbins=min(60, max(10, len(set(lengths)))), labels={"x": "tokens per row", "count": "rows"}
    )
    # Scale to the data, not to a far-away cutoff, so short datasets still show their shape.
    x_max = max(longest, min(cutoff, 2 * longest)) * 1.08
    if cutoff <= x_max:
        fig.add_vline(x=cutoff, line_dash="dash", line_color="red", annotation_text=f"max length {cutoff}")
    fig.update_layout(
        height=320, margin={"t": 30, "b": 10}, yaxis_title="rows", showlegend=False, xaxis_range=[0, x_max]
    )
    st.plotly_chart(fig)
    message = f"{over} rows ({fraction:.1%}) would be truncated at {cutoff} tokens (longest: {longest})."
    (st.warning if over else st.success)(message)


# --- the page ---------------------------------------------------------------------------------------------

st.title("📂 Data")
st.caption("Load a dataset, see how it is read, and save a train/test split for the other pages.")

path, label, preset = choose_source()
if not path:
    st.stop()

with user_errors("Could not read this file"):
    columns = peek_columns(path)
    mtime = Path(path).expanduser().stat().st_mtime
mapping = mapping_editor(path, columns, preset) if columns is not None else {}

fmt_choice = st.selectbox(
    "Format",
    ["auto", *FORMATS],
    key="data_format",
    format_func=lambda f: "detect automatically" if f == "auto" else FORMAT_HELP[f],
)
with user_errors("Could not read this file"):
    result = load_cached(path, mtime, None if fmt_choice == "auto" else fmt_choice, tuple(sorted(mapping.items())))

if st.session_state.get("data_loaded") != path:
    # A new file: start at the first page, and offer a split name from the file name.
    st.session_state.update(data_loaded=path, data_page=1, split_name=workspace.safe_name(label, "dataset"))

m1, m2, m3, m4 = st.columns(4)
m1.metric("Format", result.format)
m2.metric("Rows read", result.total)
m3.metric("Valid rows", result.valid_rows)
m4.metric("Skipped rows", len(result.errors))

if result.errors:
    st.warning(f"{len(result.errors)} of {result.total} rows cannot be used and are skipped; the rest are kept.")
    st.dataframe(
        [e.as_dict() for e in result.errors],
        hide_index=True,
        column_config={"row": st.column_config.NumberColumn("row", width="small")},
    )
if result.warnings:
    with st.expander(f"{len(result.warnings)} rows are kept but look odd"):
        st.dataframe([w.as_dict() for w in result.warnings], hide_index=True)
if not result.rows:
    st.error("No row of this file can be used. Fix the rows listed above, or pick another format or column mapping.")
    st.stop()

preview(result)
split_and_save(result, label)
token_histogram(result, (path, mtime, fmt_choice, tuple(sorted(mapping.items()))))
