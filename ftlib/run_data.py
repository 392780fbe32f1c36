"""A run's rows: what its `dataset` names (a saved split, a split folder, a data file, a shipped sample), read and
split once before the run is queued, and kept in its folder, so it trains, resumes and is evaluated on those rows
whatever happens to the file or the split afterwards.

    config = absolute_paths(config)           # a dataset or model typed relative to this folder -> absolute
    train, test, meta = dataset_rows(config)  # the rows a run of this config trains and is evaluated on
    runs.create_run(config, rows=(train, test, meta))   # kept as the run's split/ (workspace.keep_run_split)
    data = read_dataset(config, DataOptions(fmt="preference", column_map={"chosen": "good"}))  # `train --map`
    data.loaded.errors, data.meta["read_with"]  # the file's rows left out; the --format/--map the run kept

The worker trains in another folder than the one a path was typed in (ftlib.runs launches it from the code's folder):
a relative path is made absolute here, where it was typed. A name (a saved split, a sample, a hub id, `default`)
stays a name. What `dataset` names is read in the order `ftlib.training.load_rows` reads it: a split folder, then a
split saved under that name, then a file, then a shipped sample. A data file is split with the run's `test_size` (a
share below 1 or a number of rows; unset, the share `data split` starts from: `ftlib.splits.run_test_size`) and
`seed`, after it is read with the `--format` and `--map` of the command that queues the run (`DataOptions`), which the
run's split/meta.json records (`read_with`): its rows are made once, so training, a resume and evaluation read the
mapped rows without reading the file again.

Not known here: how rows become tokens (training.py; `refusal_error` only encodes again the rows a template
refuses, to name them), the queue (runs.py).
"""

from __future__ import annotations

import dataclasses
import os
import shlex
from pathlib import Path

from ftlib import workspace
from ftlib.config import ConfigError, RunConfig
from ftlib.errors import UserError
from ftlib.user_paths import user_path


class DataRefused(ConfigError):
    """A dataset that cannot be read as it is: `what` was wrong, in words for any reader; `fix`, what to do in the
    CLI's words (`data split`, `--map`, `--test-size`). The message is `said` where given (the CLI's own), else both.
    A page says `what` with its own way instead (`eval_runs.run_info`'s `fix`)."""

    def __init__(self, what: str, fix: str, said: str = ""):
        super().__init__(said or f"{what} {fix}")
        self.what, self.fix = what, fix


# What to do about rows the chat template cannot render, in the CLI's words ("{them}": "that row" or "those rows"); a
# page says its own (`RowsRefused.worded`: the Train page's `ui.labels.ROWS_REFUSED_FIX`, given to `preflight`).
ROWS_REFUSED_FIX = "Fix {them}, or pick another chat template with `--template NAME`."


class RowsRefused(ConfigError):
    """Rows the chat template cannot render (`refusal_error`): `what` names them with the first one's reason, in words
    for any reader; `them` is "that row" or "those rows"; `fix` what to do (`ROWS_REFUSED_FIX`, the CLI's words), ""
    where the reason has said it (a template that takes no system turn: `prompt_checks.explain_refusal`). The message
    is `worded(fix)`; a page gives `worded` its own fix instead."""

    def __init__(self, what: str, them: str, fix: str = ROWS_REFUSED_FIX):
        self.what, self.them, self.fix = what, them, fix
        super().__init__(self.worded(fix))

    def worded(self, fix: str) -> str:
        """The refusal with `fix` ("{them}" in it is "that row" or "those rows") after `what`; `what` alone where the
        reason has said the fix.

        >>> RowsRefused("Row 2 is refused.", "that row").worded("Fix {them} on the page.")
        'Row 2 is refused. Fix that row on the page.'
        >>> str(RowsRefused("Row 2 is refused: pick a built-in one.", "that row", fix=""))
        'Row 2 is refused: pick a built-in one.'
        """
        return f"{self.what} {fix.format(them=self.them)}" if self.fix else self.what


def split_folder(spec: str) -> Path | None:
    """The saved split `spec` names (a split folder's path, or a split saved in the workspace under that name), read
    as `training.load_rows` reads it; None for a data file, a sample or nothing at all."""
    spec = str(spec or "").strip()
    if not spec:
        return None
    path = user_path(spec)
    if (path / "meta.json").is_file():
        return path
    saved = workspace.datasets_dir() / workspace.safe_name(spec)
    return saved if (saved / "meta.json").is_file() else None


def split_named(spec: str) -> str:
    """A saved split `spec` names (`split_folder`), in words that say what was given: "the split in /data/tides" for
    a folder given by its path (a "saved split 'tides'" read as one the workspace keeps, which it is not), "the saved
    split 'tides'" for one saved in the workspace under that name.

    >>> split_named("/data/tides"), split_named("tides")
    ('the split in /data/tides', "the saved split 'tides'")
    """
    spec = str(spec or "").strip()
    if os.sep in spec or spec.startswith(("~", ".")) or (user_path(spec) / "meta.json").is_file():
        return f"the split in {spec}"
    return f"the saved split '{spec}'"


def _samples_said(spec: str) -> str:
    """The shipped samples' names, for a `dataset` that is none of them (a newcomer had no command to list them),
    with the nearest one first where `spec` is a slip of one ("chat_styel").

    >>> said = _samples_said("chat_styel")
    >>> said.startswith(" Did you mean 'chat_style'? The shipped samples are chat_style, preference_pairs,")
    True
    >>> "Did you mean" in _samples_said("my_data")
    False
    """
    import difflib

    from ftlib.demo_data import sample_choices

    names = list(sample_choices())
    if not names:
        return ""
    near = difflib.get_close_matches(spec, names, n=1, cutoff=0.8)
    guess = f" Did you mean '{near[0]}'?" if near else ""
    return f"{guess} The shipped samples are {', '.join(names)}."


def absolute_paths(config: RunConfig) -> RunConfig:
    """`config` with a dataset or model that names an existing file or folder relative to the current folder made
    absolute (a split folder's path too); saved split names, samples, hub ids and `default` are left as they are. A
    name that is also a saved split's keeps meaning the split, as training reads it."""
    changes = {}
    dataset = str(config.dataset or "").strip()
    if dataset:
        path = user_path(dataset)
        if (path / "meta.json").is_file() or (split_folder(dataset) is None and path.exists()):
            changes["dataset"] = os.path.abspath(path)
    model = str(config.model or "").strip()
    if model and model != "default" and user_path(model).exists():
        changes["model"] = os.path.abspath(user_path(model))
    changes = {k: v for k, v in changes.items() if v != getattr(config, k)}
    return dataclasses.replace(config, **changes) if changes else config


def check_beside_config(config: RunConfig, in_file: dict, config_path: str | None) -> None:
    """ConfigError for a relative `dataset` or `model` path written in the config file `config_path` (`in_file`: its
    settings, as `train` got them) that is not there from the current folder, where a run reads it, but is beside
    the config: "does not exist (looked for /tmp/sft.jsonl)" did not say the file is one folder over."""
    if not config_path:
        return
    folder = user_path(config_path).resolve().parent
    for name in ("dataset", "model"):
        given = str(in_file.get(name) or "").strip()
        if given != str(getattr(config, name)).strip() or os.path.isabs(given) or given.startswith("~"):
            continue  # given on the command line too, or a path that does not depend on the folder
        if name == "dataset" and split_folder(given) is not None:
            continue  # a saved split's name means the split wherever the command runs
        if not user_path(given).exists() and (folder / given).exists() and Path.cwd().resolve() != folder:
            raise ConfigError(
                f"`{name}` '{given}' in {config_path} is read from the current folder ({Path.cwd()}), where it does "
                f"not exist; it is beside the config: write its full path, {folder / given}, in the config (or give "
                f"--{name} {shlex.quote(str(folder / given))})."
            )


@dataclasses.dataclass
class DataOptions:
    """How a data file is read when a run's rows are made: `fmt` forces a format, `column_map` (field -> the file's
    column or key) maps its fields, as `data inspect --format/--map` read it. Empty: detected, as the Data page
    detects it. They apply to a data file only: a saved split was read with its own when it was saved."""

    fmt: str | None = None
    column_map: dict[str, str] | None = None

    def __bool__(self) -> bool:
        return bool(self.fmt or self.column_map)

    def as_meta(self) -> dict:
        """What the run's split/meta.json records of them (`read_with`): {"format": ..., "map": ["COLUMN=FIELD"]}."""
        out: dict = {"format": self.fmt} if self.fmt else {}
        if self.column_map:
            out["map"] = [f"{col}={fld}" for fld, col in self.column_map.items()]
        return out


@dataclasses.dataclass
class DatasetRows:
    """The rows a run of a config trains and is evaluated on (`train`, `test`, `meta` as kept in its split/), and
    `loaded`: the data file's LoadResult (its `errors` are the rows left out, its `notices` the fields not read), None
    for a saved split."""

    train: list[dict]
    test: list[dict]
    meta: dict
    loaded: object | None = None
    keyed: object | None = None  # a .json file's own split (`split_keys.KeyedSplit`): which key became which, said

    @property
    def rows(self) -> tuple[list[dict], list[dict], dict]:
        return self.train, self.test, self.meta


def read_dataset(config: RunConfig, options: DataOptions | None = None) -> DatasetRows:
    """The config's dataset read once: a saved split's rows and meta.json, or a file's (or sample's) rows, read with
    `options`, split with `test_size` and `seed` (a .json file that holds its own split, test_size unset: its own
    test key held out, `split_keys`, said by `keyed`), and a meta saying how (`LoadResult.split_meta`, with
    `read_with`: the options given). ConfigError (or the file's DataError) when it cannot be read, naming the fix."""
    from ftlib.data import DataError, MappingNeeded, load_file, split_rows
    from ftlib.reward_columns import for_grpo
    from ftlib.split_keys import keyed_meta, keyed_split
    from ftlib.splits import run_test_size

    options = options or DataOptions()
    spec = str(config.dataset or "").strip()
    if not spec:
        raise ConfigError("`dataset` is empty: name a saved split, a split folder or a data file.")
    folder = split_folder(spec)
    if folder is not None:
        if options:
            raise ConfigError(
                f"--format and --map read a data file; `dataset` '{spec}' is a saved split, whose rows were read with "
                "its own format and mapping when it was saved. Drop them, or give the data file."
            )
        train, test, meta = workspace.load_split(str(folder))
        return DatasetRows(train, test, {**meta, "kept_from": "split"})
    path, column_map, label, kind = user_path(spec), options.column_map, Path(spec).name, "file"
    if not path.exists():
        from ftlib.demo_data import SAMPLES

        sample = SAMPLES.get(spec)
        if sample is None and (workspace.datasets_dir() / spec).is_dir():  # an older version's split, or by hand
            raise DataRefused(
                f"`dataset` '{spec}' is a folder of the workspace's datasets without meta.json (saved by an older "
                "version, or copied in by hand), so it is not a saved split.",
                "Save the split again from its data file (the Data page, or `python -m ftlib data split FILE --out "
                "DIR`).",
            )
        if sample is None or not sample.path.is_file():
            from ftlib.file_bytes import COMPRESSED_SUFFIXES, SUPPORTED, missing_path, named_as_path

            if named_as_path(spec):  # `./mydata.jsonl` mistyped: not told to "give the path of a .jsonl file"
                raise ConfigError(missing_path(spec, "`dataset`"))

            raise ConfigError(
                f"`dataset` '{spec}' is neither a saved split, a split folder, a data file nor a "
                f"shipped sample.{_samples_said(spec)} Save a split on the Data page, or give the path of a "
                f"{SUPPORTED} file, compressed or not ({', '.join(COMPRESSED_SUFFIXES)})."
            )
        if options:
            raise ConfigError(
                f"--format and --map read a data file; '{spec}' is a shipped sample, read with its own. Drop them, "
                f"or give the path of a file (the sample's is {sample.path})."
            )
        path, column_map, label, kind = sample.path, sample.column_map, spec, "sample"
    if path.is_dir():
        from ftlib.file_bytes import saved_dataset

        if said := saved_dataset(path):  # `datasets`' save_to_disk folder: how to write it as JSONL, not "a split"
            raise DataRefused(*said)
        raise DataRefused(
            f"`dataset` '{spec}' is a folder without meta.json, so it is not a saved split.",
            "Point to a saved split or a data file (a split folder saved by an older version: save it again with "
            "`python -m ftlib data split FILE --out DIR`).",
        )
    try:
        result = load_file(path, fmt=options.fmt, column_map=column_map)
    except MappingNeeded as exc:  # with --map on the command line, or a split saved with one
        quoted = shlex.quote(str(path))  # pasted into a shell: a folder named "my data" is one word
        fix = (
            f"Give the mapping with --map COLUMN=FIELD (repeat it), or save the file as a split with one (on the Data "
            f"page, or `python -m ftlib data split {quoted} --map COLUMN=FIELD --out DIR`) and train on it (--dataset "
            "DIR)."
        )
        # `what` without the message's ways to map (the Data page's box beside the CLI's --map): the CLI says it whole
        what, gaps = "columns" if exc.table else "fields", ", ".join(exc.gaps)
        listed = ", ".join(exc.fields[:12]) + (", ..." if len(exc.fields) > 12 else "")
        needs = f"nothing is mapped to {gaps}" if gaps else "which of them holds what is not known"
        # `exc` says --map already (and the Data page's box): the CLI's message adds the other way alone (it said
        # --map twice: "... in the CLI with `--map COLUMN=instruction ...` ... Give the mapping with --map ...")
        saved = (
            f"Or save the file as a split with the mapping (on the Data page, or `python -m ftlib data split {quoted} "
            "--map COLUMN=FIELD --out DIR`) and train on it (--dataset DIR)."
        )
        raise DataRefused(
            f"{exc.name} needs its {what} mapped: {needs} (its {what}: {listed}).", fix, f"{exc} {saved}"
        ) from None
    if not result.rows:
        raise ConfigError(f"No usable rows in '{path}' (read as {result.format}). {first_errors(result)}")
    if config.method == "grpo":  # prompts guessed beside a field of sentences: no doubt that they are GRPO's prompts
        notices = for_grpo(result.notices, result.rows, result.columns is not None)
        result = dataclasses.replace(result, notices=notices)
    size = run_test_size(config.test_size, len(result.rows))  # unset: the share `data split` starts from
    # {"train": [...], "test": [...]} with test_size unset: its own test key held out, as `data split` holds it out
    keyed = keyed_split(result, label) if config.test_size is None else None
    if keyed is not None:
        train, test = keyed.split.train, keyed.split.test
    elif size:
        try:
            train, test = split_rows(result.rows, test_size=size, seed=config.seed)
        except DataError as exc:
            # test_size 0 trains on every row with none held out: the way on for a file too small to split
            raise DataRefused(
                f"`test_size` {size:g} cannot split '{label}': {exc}{left_out_said(result, path)}",
                "Give a test size that fits, or test_size 0 (`--test-size 0`) to train on every row with none held "
                "out (no held-out loss).",
            ) from None
    else:  # no held-out rows: no evaluation
        train, test = list(result.rows), []
    # Each row's place in the file, by the file's own name (a sample's too): a warning naming a row names its line.
    meta = result.split_meta(label, config.seed, size, dedupe=False, train=train, test=test, file=path.name)
    meta = keyed_meta(result, keyed, label, False, file=path.name) if keyed else meta
    read_with = options.as_meta()
    meta = {**meta, "name": label, "kept_from": kind, **({"read_with": read_with} if read_with else {})}
    return DatasetRows(train, test, meta, result, keyed)


def left_out_said(result, path: Path, shown: int = 3) -> str:
    """The rows of `result` (a LoadResult of `path`) that failed to load, the first `shown` with why, as a sentence
    after a refusal that counts the usable rows alone ("there is 1"); "" where every row loaded."""
    if not result.errors:
        return ""
    n, named = len(result.errors), first_errors(result, shown)
    more = f"; and {n - shown} more" if n > shown else ""
    return (
        f" {n} of the {result.total} rows of {path.name} {'is' if n == 1 else 'are'} left out: {named}{more} (see "
        f"each with `python -m ftlib data inspect {shlex.quote(str(path))}`)."
    )


def first_errors(result, shown: int = 3) -> str:
    """The first `shown` rows of `result` (a LoadResult) that failed to load, each where it is and why, "; "-joined."""
    return "; ".join(f"{result.where(e.row)}: {e.message}" for e in result.errors[:shown])


def file_lines_note(data: DatasetRows, said: list[str]) -> str:
    """Where in the data file the rows that `said` (preflight's refusals and warnings) names by their place in the
    run's split are: "The row numbers above count the run's training and held-out rows, not the rows of chats.jsonl:
    training row 3 is line 5; held-out row 2 is line 9." A saved split's rows are found by the places its meta.json
    keeps ("...count the split's training and held-out rows..."; ftlib.split_lines); "" for a split saved before
    they were kept, or when nothing names a row. A file's split keeps the file's row objects (`split_rows`), and its
    meta their places, read the same way."""
    from ftlib.split_lines import lines_note

    whose = "the split's" if data.loaded is None else "the run's"
    return lines_note(data.meta, said, (len(data.train), len(data.test)), whose)


def dataset_rows(config: RunConfig, options: DataOptions | None = None) -> tuple[list[dict], list[dict], dict]:
    """(train, test, meta) for the config's dataset (`read_dataset`): what `runs.create_run` keeps as its rows."""
    return read_dataset(config, options).rows


def how_read(meta: dict) -> str:
    """How a run's data file was read when it was queued, from its kept meta.json: the --format/--map given and the
    rows of the file that were not usable (left out then, named by `train`'s warning); "" when neither.

    >>> how_read({"read_with": {"map": ["good=chosen"]}, "errors": 2, "total_rows": 6})
    ', read with --map good=chosen (2 of its 6 rows not usable, left out)'
    """
    from ftlib.errors import plural

    given, bad, total = read_with_words(meta), int(meta.get("errors") or 0), meta.get("total_rows")
    said = f", read with {given}" if given else ""
    if bad:
        said += f" ({bad} of its {plural(total, 'row')} not usable, left out)" if total else f" ({bad} not usable)"
    return said


def read_with_words(meta: dict) -> str:
    """How a run's data file was read, from its kept meta.json, in the words of the command line; "" when nothing
    was given (the format detected, the mapping guessed or none).

    >>> read_with_words({"read_with": {"format": "preference", "map": ["good=chosen", "bad=rejected"]}})
    '--format preference --map good=chosen --map bad=rejected'
    >>> read_with_words({})
    ''
    """
    given = meta.get("read_with") or {}
    words = [f"--format {given['format']}"] if given.get("format") else []
    return " ".join(words + [f"--map {pair}" for pair in given.get("map") or []])


def mapped_words(column_map: dict | None) -> str:
    """A mapping a split's rows were read with (field -> column, as `LoadResult.column_map`), in the words of the
    command line; the fields read under their own name, and those left unmapped, are not said.

    >>> mapped_words({"prompt": "question", "chosen": "better", "rejected": "rejected", "system": None})
    '--map question=prompt --map better=chosen'
    """
    pairs = [f"--map {column}={fld}" for fld, column in (column_map or {}).items() if column and column != fld]
    return " ".join(pairs)


def kept_data(run_dir: Path | str) -> dict:
    """How a run's rows were made, from its own copy's meta.json (`workspace.keep_run_split`): {"dataset", "from"
    (file, sample or split), "format" (as read), "read_with" (the --format/--map given), "column_map" (field -> the
    column it was read from, where not the field's own name: the mapping given, the Data page's or guessed),
    "split_of" (a saved split's file), "rows_left_out" (rows of the file not usable), "total_rows", "train_rows",
    "test_rows", "test_key" (a .json file's own held-out key: ftlib.split_keys)}; {} for a run that kept none."""
    import json

    kept = workspace.kept_split(run_dir)
    try:
        meta = json.loads((kept / "meta.json").read_text(encoding="utf-8")) if kept else {}
    except (OSError, ValueError):
        return {}
    if not meta:  # a run older than runs keeping their rows: said as nothing kept, not as rows "?" kept
        return {}
    out = {
        "dataset": meta.get("name"),
        "from": meta.get("kept_from"),
        "format": meta.get("format"),
        "read_with": meta.get("read_with") or {},
        "column_map": {f: c for f, c in (meta.get("column_map") or {}).items() if c and c != f} or None,
        "split_of": meta.get("source") if meta.get("kept_from") == "split" else None,
        "rows_left_out": meta.get("errors"),
        "total_rows": meta.get("total_rows"),
        "train_rows": meta.get("train_rows"),
        "test_rows": meta.get("test_rows"),
        "test_key": meta.get("test_key") if meta.get("split") == "own" else None,  # the file's own held-out key
    }
    return {k: v for k, v in out.items() if v is not None}


def trained_on_text(run_dir: Path | str) -> bool:
    """Whether a run's kept rows are raw text (format `text`, as `kept_data` reads it): they were trained on no chat
    template, whatever its config's `template` says, so a prompt to it is a text to continue
    (`modelset.trained_template`). False for a run that kept no rows."""
    return kept_data(run_dir).get("format") == "text"


def readable_rows(config: RunConfig) -> tuple[list[dict], list[dict], dict] | None:
    """`dataset_rows`, or None where the dataset cannot be read now (the worker then reads it and says why)."""
    try:
        return dataset_rows(config)
    except (UserError, OSError):
        return None


def row_refusals(rows: list[dict], tokenizer, template, config: RunConfig, encode=None) -> list[tuple[int, str]]:
    """(number, reason) of each of `rows` (numbered from 1) the chat template refuses, the reason with its fix where
    one is known (`system_turns.explain_refusal`). `encode`: how a row is tried (`tokens.encode_row`'s arguments),
    else `encode_row` itself; `template_preflight` renders a row without tokenizing it, before torch."""
    from ftlib.rows import conversation, row_kind
    from ftlib.system_turns import explain_refusal
    from ftlib.templates import TemplateError
    from ftlib.tokens import encode_row

    refused = []
    for i, row in enumerate(rows, start=1):
        try:
            (encode or encode_row)(row, tokenizer, template, config.mask_policy, config.cut_length)
        except TemplateError as exc:  # with the fix where one is known (a template that takes no system turn)
            # The row's conversation as written (a pair's prompt and chosen answer): its `messages` alone left a
            # preference, unpaired or prompt row's refusal unexplained (DPO under Gemma's template, a sweep).
            turns = conversation(row) if row_kind(row) != "text" else None
            said = explain_refusal(exc, template, turns, row.get("tools"), tokenizer)
            refused.append((i, str(said)))
        except UserError as exc:
            refused.append((i, str(exc)))
    return refused


def refusal_error(
    rows: list[dict], origin: list[int], tokenizer, template, config: RunConfig, split: str, refused=None
) -> RowsRefused | None:
    """The RowsRefused naming the rows of `split` ("training" or "held-out") the chat template refuses, `origin` the
    row number of each of `rows` (KTO's two answers of a pair share one), with the first refusal's reason (and its fix
    where one is known: `system_turns.explain_refusal`) and how to fix the rest; None when no row alone is refused.
    Called only on the failure path of a batched encoding: each row is encoded again, one by one (`row_refusals`),
    unless `refused` gives what that found."""
    from ftlib.errors import numbered
    from ftlib.system_turns import ROWS_FIX

    refused = row_refusals(rows, tokenizer, template, config) if refused is None else refused
    if not refused:
        return None
    # "training row 4", never a bare "row 4": a split's rows are not the file's lines, and `train` finds the
    # line of a row named by its side (file_lines_note).
    where = sorted({origin[i - 1] for i, _ in refused})
    said = refused[0][1].rstrip()
    said += "" if said.endswith((".", "!", "?")) else "."  # one ending for all, a fix said before it or not (h159)
    them = "those rows" if len(where) > 1 else "that row"
    # An explained refusal (a template that takes no system turn) has said which template to pick: not said twice.
    fix = "" if ROWS_FIX[1] in said or "pick a built-in template that takes them" in said else ROWS_REFUSED_FIX
    return RowsRefused(f"The chat template cannot render {numbered(f'{split} row', where)}: {said}", them, fix)


__all__ = [
    "DataOptions",
    "DataRefused",
    "DatasetRows",
    "ROWS_REFUSED_FIX",
    "RowsRefused",
    "absolute_paths",
    "dataset_rows",
    "how_read",
    "kept_data",
    "mapped_words",
    "read_dataset",
    "read_with_words",
    "readable_rows",
    "refusal_error",
    "row_refusals",
    "split_folder",
    "split_named",
]
