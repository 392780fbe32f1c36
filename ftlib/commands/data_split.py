"""`python -m ftlib data split FILE`: write a canonical train/test split of a dataset file into a folder.

python -m ftlib data split chats.jsonl --test-size 0.1 --seed 0 --out splits/chats [--dedupe]
python -m ftlib data split train.jsonl --test-file test.jsonl --out splits/chats   # the data's own test split
python -m ftlib data split splits.json --out splits/chats   # {"train": [...], "test": [...]}: its 'test' held out
python -m ftlib data split chats.jsonl --out splits/chats --json   # one JSON object: files, row counts, warnings

Three ways of splitting, one output: drawn from FILE's rows (`_split_file`), FILE's own keys' split held out as
published (`_split_by_keys`), or --test-file's rows held out (`_split_with_test_file`); each writes train.jsonl,
test.jsonl and meta.json into --out (`_write_split`) and says what it read and wrote (stdout) and what it warns of
(stderr). Registered by `ftlib.commands.data` (`register`), which keeps `data inspect`; the splitting itself is the
engine's (splits.py, split_keys.py, own_split.py).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from ftlib.commands import load_data, no_rows, skipped_lines
from ftlib.errors import plural
from ftlib.format_notes import format_label


def register(dsub, common) -> None:
    """Add `data split` to the `data` group's subparsers `dsub`; `common(parser)` adds FILE, --format and --map."""
    split = dsub.add_parser(
        "split",
        help="write canonical train.jsonl and test.jsonl",
        description="Write canonical train.jsonl and test.jsonl, and meta.json saying how the file was read (format, "
        "column map, seed), into --out: `python -m ftlib train --dataset OUT` trains on that folder. Rows that fail "
        "to load are named; exact copies of a row stay on one side (train or test); answers labelled good or bad "
        "(KTO) are split per label, so each label keeps its share in both files. With --test-file, the test rows "
        "are that file's (data published already split, e.g. train.jsonl + test.jsonl): read with the same "
        "--format/--map, of the same kind of data as FILE (another format of it is fine), kept as they are; a "
        "training row that is an exact copy of a test row is taken out of train and named; no --test-size or "
        '--seed. A .json file that holds its own split ({"train": [...], "test": [...]}; \'validation\' is the '
        "test split where there is no 'test') is split so too, its test key's rows held out as published and a "
        "note saying which key became which, unless --test-size or --seed asks for a split drawn from all its rows. "
        "What was read and written is said on stdout; warnings, notes and the rows left out on stderr.",
    )
    common(split)
    split.add_argument(
        "--test-size",
        type=_test_size,
        default=None,
        help="a ratio (0.1) or a row count (20); default 0.1, or up to 0.25 where 0.1 would hold out fewer than 5 "
        "rows. Not 0: to train on every row with none held out, give train the file itself with --test-size 0",
    )
    split.add_argument(
        "--seed", type=int, default=None, help="seed of the shuffle (the same seed, the same split); default 0"
    )
    split.add_argument(
        "--test-file",
        type=Path,
        default=None,
        metavar="TEST_FILE",
        help="the data's own test split: its rows are the test rows, FILE's the training rows",
    )
    split.add_argument(
        "--dedupe",
        action="store_true",
        help="drop exact duplicate rows before splitting (of FILE only, with --test-file)",
    )
    split.add_argument(
        "--out",
        required=True,
        type=Path,
        help="folder for train.jsonl and test.jsonl (an earlier split there is replaced; refused where they would "
        "replace FILE, TEST_FILE or a train.jsonl or test.jsonl with no meta.json beside it)",
    )
    split.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: {out, train, test, meta (the files written), train_rows, test_rows, unit, "
        "format, kind, rows_read, valid_rows, duplicates_dropped, rows_left_out: [{row, where, message}], "
        "row_warnings: [{row, where, message}], warnings, notes (the sentences the text says), test_file (with "
        "--test-file: {path, format, rows_read, valid_rows, rows_left_out, row_warnings}, else null), keys (a .json "
        'file\'s own split, {"train": [...], "test": [...]}, used: {test, train, left_out, rows: usable rows '
        "per key}, else null)}",
    )
    split.set_defaults(handler=_split)


def _test_size(text: str) -> float | int:
    """'20' -> 20 rows, '0.1' -> a ratio."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is neither a ratio like 0.1 nor a row count like 20") from None


SPLIT_FILES = ("train.jsonl", "test.jsonl", "meta.json")  # what `data split` writes into --out


def _check_out(args) -> None:
    """Refuse, before the dataset is read, an --out that is a file, or one whose split would overwrite data that is
    not a split this command wrote: FILE or --test-file itself (`data split train.jsonl --out .` rewrote the file it
    read, 3 of its 12 rows gone), or a train.jsonl/test.jsonl beside no meta.json (the data's own split). A folder
    holding an earlier split (its meta.json) is written over, as before. UserError for each."""
    from ftlib.errors import UserError

    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UserError(
            f"--out points at an existing file {out}: give a folder for train.jsonl and test.jsonl "
            "(a new one is created)."
        )
    if not out.is_dir():
        return
    written = [out / name for name in SPLIT_FILES]
    for given, what in ((Path(args.file), "the file being split"), (args.test_file, "the --test-file")):
        if given is not None and given.exists() and any(w.is_file() and w.samefile(given) for w in written):
            raise UserError(
                f"--out {out} would write the split over {given}, {what}: give --out a new folder (e.g. --out split)."
            )
    if not written[2].is_file() and (own := [w.name for w in written[:2] if w.is_file()]):
        raise UserError(
            f"--out {out} holds {' and '.join(own)} but no meta.json, so not a split `data split` wrote: writing the "
            "split there would replace them. Give --out a new folder (e.g. --out split)."
        )


def _make_out(out: Path) -> None:
    """Make the --out folder, or say in words why it cannot be."""
    from ftlib.commands import os_error_message
    from ftlib.errors import UserError

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(os_error_message(exc, "create the folder", out, "pick a writable folder with --out")) from exc


def _split(args) -> int:
    """`data split`: the text below, or with --json one object built from what it wrote and the same sentences (the
    text is written aside and its `warning:` and `note:` lines become `warnings` and `notes`, so they never drift).

    stdout holds the result (how the file was read, each part's rows and file); what it warns of, the rows it left
    out and its notes go to stderr (`_say`), as every other command says them: `data split ... > log` kept them
    beside the result, and a warning was lost to a pipe that read only the result."""
    _check_out(args)
    split = _split_with_test_file if args.test_file is not None else _split_file
    if not args.json:
        split(args)
        return 0
    import contextlib
    import io
    import re

    from ftlib.commands import json_text

    text, said_aside = io.StringIO(), io.StringIO()
    # An error still leaves as one `error:` line on stderr, exit 2 (raised through, printed by the CLI after this)
    with contextlib.redirect_stdout(text), contextlib.redirect_stderr(said_aside):
        said = split(args)
    # Kept rows' warnings and the rows left out: listed whole in `row_warnings` and `rows_left_out` (and the test
    # file's); a line of no command's (a library's warning) goes on to stderr.
    rows_said = set(said.pop("row_lines")) | set(said.pop("left_out_lines"))
    said["warnings"], said["notes"] = [], []
    for line in said_aside.getvalue().splitlines():  # "warning: ...", "note: ...", "warning in test.jsonl: ..."
        if line in rows_said:
            continue
        if found := re.match(r"(warning|note)(?: in (.+?))?: (.*)", line):
            kind, where, message = found.groups()
            said[f"{kind}s"].append(f"{where}: {message}" if where else message)
        else:
            print(line, file=sys.stderr)
    print(json_text(said, ensure_ascii=False))
    return 0


def _say(line: str) -> None:
    """One line of what `data split` warns of or notes (the rows left out too) on stderr, stdout keeping the result.
    stdout is flushed first: in a terminal the lines still come in the order they are said."""
    sys.stdout.flush()
    print(line, file=sys.stderr)


def _counted(meta: dict, said: list[str]) -> dict:
    """`meta` (meta.json) with the split's own warnings `said` (a tiny split, a part of one label, a test split over
    the size asked, training rows also held out), which the command prints beside the file's and its rows', counted
    in its `warnings` and kept as text in `split_warnings`: it recorded `warnings: 0` beside a printed warning."""
    from ftlib.split_lines import counted_meta  # the Data page's Save writes them the same way

    return counted_meta(meta, said)


def _said(args, result, train: list[dict], test: list[dict]) -> dict:
    """What `data split --json` says of the split written (`_split`): files, row counts, how the file was read, and
    the rows left out or kept with a warning (all of them, where the text shows the first few)."""
    from ftlib.commands import skipped_rows
    from ftlib.splits import ROW_UNITS

    def located(items) -> list[dict]:
        return [{"row": w.row, "where": result.where(w.row) if w.row else None, "message": w.message} for w in items]

    out = Path(args.out)
    return {
        "out": str(out),
        **{name: str(out / f"{name}.jsonl") for name in ("train", "test")},
        "meta": str(out / "meta.json"),
        "train_rows": len(train),
        "test_rows": len(test),
        "unit": ROW_UNITS.get(result.kind, "row"),  # pairs counted as pairs
        "format": result.format,
        "kind": result.kind,
        "rows_read": result.total,
        "valid_rows": result.valid_rows,
        "rows_left_out": skipped_rows(result),
        "row_warnings": located(result.warnings),
        "test_file": None,
        "keys": None,
    }


def _print_read(args, result, dropped: int) -> tuple[list[str], list[str]]:
    """What `data split` read, as both its ways of splitting print it: the format and valid rows (the `dropped`
    copies with --dedupe) on stdout; on stderr each row in neither file with where and why, the file's notes, then
    each kept row with a warning. Returns the lines of those rows kept with a warning (meta.json's `warnings` counts
    them too) and of the rows left out."""
    from ftlib.splits import DEDUPE_SAID

    print(
        f"format {format_label(result.format)}: {result.valid_rows} valid of {plural(result.total, 'row')}"
        + (f", {plural(dropped, 'duplicate')} dropped" if args.dedupe else "")
    )
    left_out = skipped_lines(result, args)
    for line in left_out:  # each row that is not in either file, with where and why
        _say(line)
    if args.dedupe:  # the copies are dropped: the file's note advising so is not said
        result.notices = [n for n in result.notices if not n.message.endswith(DEDUPE_SAID)]
    _print_notices(result)
    row_lines = _row_warnings_said(result, args)
    for line in row_lines:
        _say(line)
    return row_lines, left_out


def _split_by_keys(args, result) -> dict:
    """`data split FILE` of a .json file that holds its own split (`{"train": [...], "test": [...]}`, no --test-size
    or --seed): its test key's rows held out as published, the others' trained (ftlib.split_keys), which key became
    which said in one `note:` line; returns `_said`'s facts, the keys in `keys`, and `row_lines`."""
    from ftlib.split_keys import keyed_meta, keyed_split

    keyed = keyed_split(result, str(args.file), dedupe=args.dedupe)
    train, test = keyed.split.train, keyed.split.test
    meta = keyed_meta(result, keyed, Path(args.file).name, args.dedupe)
    _write_split(args.out, train, test, _counted(meta, keyed.split.warnings))
    row_lines, left_out = _print_read(args, result, keyed.split.dropped)
    _say(f"note: {keyed.said} --test-size draws a split from all its rows instead.")
    for warning in keyed.split.warnings:  # training rows also held out (taken out of train), then a tiny split's
        _say(f"warning: {warning}")
    _print_parts(result.kind, train, test, args.out)
    dropped = keyed.split.dropped if args.dedupe else 0
    keys = keys_said(result)
    lines = {"row_lines": row_lines, "left_out_lines": left_out}
    return _said(args, result, train, test) | {"keys": keys, "duplicates_dropped": dropped} | lines


def keys_said(result) -> dict | None:
    """--json's `keys` (`data inspect`, `data split`) of a .json file that holds its own split (`{"train": [...],
    "test": [...]}`, ftlib.split_keys): {test: the held-out key, train: the keys that train, left_out: other held-out
    keys, rows: each key's usable rows, in the file's order}; None for any other file."""
    from ftlib.split_keys import file_roles, key_rows

    roles = file_roles(result)
    if roles is None:
        return None
    return {"test": roles.test, "train": list(roles.train), "left_out": list(roles.left_out), "rows": key_rows(result)}


def _split_file(args) -> dict:
    """`data split FILE`: drawn from FILE's rows (the text printed); returns `_said`'s facts, and `row_lines`."""
    from ftlib.data import count_test_rows, dedupe_rows, split_rows, split_warnings
    from ftlib.errors import UserError
    from ftlib.split_keys import file_roles
    from ftlib.splits import default_test_ratio, prompt_warnings, rows_in_both, split_groups

    if args.test_size == 0:  # train's test_size 0 (every row trained, none held out) is no split: said with its way
        raise UserError(
            f"--test-size 0 holds out no row, so there is no split to write (a split is train.jsonl and the held-out "
            f"rows of test.jsonl). To train on every row of {args.file} with none held out, train on the file itself: "
            f"python -m ftlib train --dataset {shlex.quote(str(args.file))} --test-size 0. Else give a ratio like 0.1 "
            "or a row count like 20."
        )
    drawn = args.test_size is not None or args.seed is not None  # asked for: the file's own split is not used
    args.seed = 0 if args.seed is None else args.seed
    result = load_data(args)
    if not result.rows:
        raise no_rows(result, args)
    roles = file_roles(result)  # {"train": [...], "test": [...]}: its own test key held out, unless drawn is asked
    if roles and not drawn:
        return _split_by_keys(args, result)
    rows, dropped = dedupe_rows(result.rows)  # `dropped`: how many rows are copies of an earlier one
    rows = rows if args.dedupe else result.rows
    # The Data page's default too (qa_table's 32 rows: 0.15, 5 held out, where 0.1 held out 4 and warned of it).
    args.test_size = default_test_ratio(len(rows)) if args.test_size is None else args.test_size
    if len(rows) < 2:  # the rows refused (or copies dropped) said, with the way on: train on it, none held out
        from ftlib.run_data import left_out_said

        once = f" once --dedupe drops {plural(dropped, 'copy')}" if len(rows) < len(result.rows) else ""
        raise UserError(
            f"{args.file} has {plural(len(rows), 'usable row')}{once}: a split needs at least 2 (one to train on, one "
            f"held out).{left_out_said(result, Path(args.file))} To train on it with none held out: python -m ftlib "
            f"train --dataset {shlex.quote(str(args.file))} --test-size 0."
        )
    train, test = split_rows(rows, test_size=args.test_size, seed=args.seed)
    asked = count_test_rows(len(rows), args.test_size)
    copies = 0 if args.dedupe else dropped
    # The size moved by copies alone, or by prompts kept whole too (a warning below says it): "so" only for copies.
    groups = split_groups(train, test)  # each row's prompt read once for prompt_warnings and split_warnings
    by_copies = copies and len(test) != asked and not prompt_warnings(train, test, result.kind, groups)
    copy_lines = _copies_said(copies, len(test) if by_copies else asked, asked, rows_in_both(train, test))
    # A split too small to train or judge on, or one that leaves a part with answers of one label only.
    said = split_warnings(len(train), len(test), result.kind, train=train, test=test, groups=groups, asked=asked)
    # meta.json as the Data page saves it (mapping and format included): `train --dataset OUT` takes the folder.
    meta = result.split_meta(Path(args.file).name, args.seed, args.test_size, args.dedupe, train=train, test=test)
    warned = [line.removeprefix("warning: ") for line in copy_lines if line.startswith("warning: ")] + said
    _write_split(args.out, train, test, _counted(meta, warned))
    row_lines, left_out = _print_read(args, result, dropped)
    if roles:  # the file's own test rows go where the draw puts them: said, with the way to keep them
        _say(
            f"note: {args.file} holds its own split, but --test-size or --seed draws this one from all its rows, "
            f"'{roles.test}' among them; leave both out to hold out '{roles.test}' as published."
        )
    for line in copy_lines:
        _say(line)
    for warning in said:
        _say(f"warning: {warning}")
    _print_parts(result.kind, train, test, args.out)
    return _said(args, result, train, test) | {
        "duplicates_dropped": dropped if args.dedupe else 0,
        "row_lines": row_lines,
        "left_out_lines": left_out,
    }


def _write_split(out: Path, train: list[dict], test: list[dict], meta: dict) -> None:
    """Write train.jsonl, test.jsonl and meta.json (with the split's name, row counts and time) into `out`."""
    from ftlib.commands import os_error_message
    from ftlib.errors import UserError
    from ftlib.workspace import jsonl_text, write_files

    _make_out(out)
    meta = meta | {"name": out.resolve().name, "train_rows": len(train), "test_rows": len(test)}
    meta["saved_at"] = time.time()  # a new dict: the caller's meta is left as it was
    # All files or none: a full disk midway must not pair a new train file with an old test file.
    try:
        write_files(
            {
                out / "train.jsonl": jsonl_text(train),
                out / "test.jsonl": jsonl_text(test),
                out / "meta.json": json.dumps(meta, indent=2),
            },
            hint="Free space on that disk or pick another --out folder. ",
        )
    except UserError:
        raise  # a full disk, already in words
    except OSError as exc:
        fix = "pick a writable folder with --out"
        raise UserError(os_error_message(exc, "write train.jsonl and test.jsonl in", out, fix)) from exc


def _split_with_test_file(args) -> dict:
    """`data split FILE --test-file TEST_FILE`: FILE's rows train, TEST_FILE's rows are held out as published (the
    text printed); returns `_said`'s facts, the test file's in `test_file`, and `row_lines`."""
    from ftlib.data import DataError
    from ftlib.errors import UserError
    from ftlib.own_split import own_split, own_split_meta
    from ftlib.split_keys import file_roles

    given = [flag for flag, value in (("--test-size", args.test_size), ("--seed", args.seed)) if value is not None]
    if given:
        raise UserError(
            f"{' and '.join(given)} {'choose' if len(given) > 1 else 'chooses'} which rows of {args.file} are held "
            f"out; with --test-file the test rows are {args.test_file}'s, as published. Leave out "
            f"{' and '.join(given)}, or leave out --test-file to split {args.file}."
        )
    if Path(args.test_file).resolve() == Path(args.file).resolve():
        raise UserError(
            f"--test-file {args.test_file} is FILE itself: give the data's own test file, or --test-size to split "
            f"{args.file}."
        )
    result = load_data(args)
    if not result.rows:
        raise no_rows(result, args)
    test_args = argparse.Namespace(**(vars(args) | {"file": args.test_file}))  # read as FILE is: --format, --map
    try:
        tested = load_data(test_args)
    except DataError as exc:
        raise DataError(f"--test-file {args.test_file}: {exc}") from exc
    split = own_split(result, tested, str(args.file), str(args.test_file), dedupe=args.dedupe)
    meta = own_split_meta(result, tested, Path(args.file).name, Path(args.test_file).name, args.dedupe, split.train)
    warned = list(split.warnings)  # the training rows also held out (taken out of train), then a tiny split's
    if roles := file_roles(result):  # FILE's own test key is trained on here: said, with the way to hold it out
        test_key = f"'{roles.test}' among them; leave out --test-file to hold out '{roles.test}' as published."
        warned.insert(
            0, f"{args.file} holds its own split, but with --test-file every one of its keys trains, {test_key}"
        )
    _write_split(args.out, split.train, split.test, _counted(meta, warned))
    row_lines, left_out = [], []
    for part, name, args_of in ((result, None, args), (tested, args.test_file, test_args)):
        where = f" in {name}" if name else ""
        print(
            (f"test file {name}: " if name else "")
            + f"format {format_label(part.format)}: {part.valid_rows} valid of {plural(part.total, 'row')}"
            + (f", {plural(split.dropped, 'duplicate')} dropped" if args.dedupe and not name else "")
        )
        lines = skipped_lines(part, args_of)  # each row that is in neither file, with where and why
        if lines and name:
            lines[0] = lines[0].replace("rows left out", f"rows left out{where}", 1)
        for line in lines:
            left_out.append(line)
            _say(line)
        _print_notices(part, where)
        for line in _row_warnings_said(part, args_of):
            row_lines.append(line.replace("warning: ", f"warning{where}: ", 1))
            _say(row_lines[-1])
    for warning in warned:
        _say(f"warning: {warning}")
    _print_parts(result.kind, split.train, split.test, args.out)
    said = _said(args, result, split.train, split.test)
    of_test = _said(test_args, tested, [], [])  # the test file's own: how it was read, its rows left out
    keys = ("format", "rows_read", "valid_rows", "rows_left_out", "row_warnings")
    said["test_file"] = {"path": str(args.test_file)} | {key: of_test[key] for key in keys}
    dropped = split.dropped if args.dedupe else 0
    return said | {"duplicates_dropped": dropped, "row_lines": row_lines, "left_out_lines": left_out}


def _print_notices(result, where: str = "") -> None:
    """The file's notes and file-level warnings (fields nothing reads, another format's rows), `where` after the
    word ("warning: in test.jsonl: ...")."""
    from ftlib.notices import shown_notices

    table = result.columns is not None  # a table's unread columns in one note, as `data inspect` says them
    notices, rest = shown_notices(result.notices, table=table, how="--map COLUMN=FIELD to use one")
    for notice in notices:
        _say(f"{'note' if notice.note else 'warning'}{where}: {notice.message}")
    if rest:
        _say(f"warning{where}: ... {rest} (`data inspect --json` lists each)")


def _print_parts(kind: str, train: list[dict], test: list[dict], out: Path) -> None:
    """Each part's rows in their unit (pairs, labelled answers with how many good and bad) and its file."""
    from ftlib.splits import ROW_UNITS, unpaired_labels

    unit = ROW_UNITS.get(kind, "row")  # preference pairs counted as pairs
    for part, name, pad in ((train, "train", ""), (test, "test", " ")):
        labels = unpaired_labels(part)  # answers labelled good or bad: how many of each
        each = f" ({sum(labels)} good, {len(labels) - sum(labels)} bad)" if labels else ""
        print(f"{name}:{pad} {plural(len(part), unit)}{each} -> {out / (name + '.jsonl')}")


def _row_warnings_said(result, args) -> list[str]:
    """The kept rows with a warning (a tool call that matches no tool, a last turn with no answer), one line each as
    `data inspect` prints them, at most SHOWN_ROWS then where to see the rest; [] when there are none."""
    from ftlib.commands import SHOWN_ROWS, inspect_command

    rows = result.warnings
    lines = [f"warning: {result.where(w.row)}: {w.message}" for w in rows[:SHOWN_ROWS]]
    if len(rows) > SHOWN_ROWS:
        lines.append(f"warning: ... and {len(rows) - SHOWN_ROWS} more rows; see `{inspect_command(args)}`")
    return lines


def _copies_said(copies: int, n_test: int, asked: int, in_both: int) -> list[str]:
    """What `data split` says about exact duplicate rows: kept on one side (so the test size may differ from the one
    asked), or, where no split can keep them apart, how many test rows are trained on too."""
    out = []
    if in_both:
        out.append(
            f"warning: {plural(in_both, 'test row')} {'is' if in_both == 1 else 'are'} also in train (exact copies: "
            "the file holds one row over and over), so the held-out loss measures recall of trained rows, not new "
            "data. Add other rows: a split needs at least two different ones."
        )
    elif copies:
        said = f"{plural(copies, 'row')} " + (
            "is an exact copy of another row" if copies == 1 else "are exact copies of other rows"
        )
        size = f"; so the test split has {plural(n_test, 'row')}, not {asked}" if n_test != asked else ""
        out.append(f"note: {said}: each row's copies stay on one side{size}. --dedupe keeps one copy of each.")
    return out
