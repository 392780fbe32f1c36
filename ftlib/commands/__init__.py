"""The command groups of `python -m ftlib` (one module each, registered by `ftlib.cli`) and what they share.

    raise UserError(os_error_message(exc, "create the folder", args.out, "pick a writable folder with --out"))

`os_error_message` words an OSError for the one `error:` line: what could not be done, to which path, why in
plain words and what to do, where Python's own text is "[Errno 13] Permission denied: '...'".

Every command that reads a data file takes `--format` and `--map` (`add_data_options`, read by `load_data`) and
names each row it does not use, with where and why (`skipped_lines`, `skipped_warning`, `skipped_rows` for JSON),
pointing at the `data inspect` command that lists them all.
"""

from __future__ import annotations

from ftlib.errors import os_error_message  # noqa: F401 (re-exported: the commands word OSErrors with it)


def json_text(value, **dumps) -> str:
    """`value` as strict JSON for a command's `--json` output: a float that is not finite (a diverged run's NaN loss,
    an infinite gradient norm) becomes null, as RFC 8259 has no NaN or Infinity and `jq` stops at them (Python's
    json writes them bare). `dumps`: json.dumps' other options (ensure_ascii...).

    >>> json_text({"loss": float("nan"), "steps": [1, float("inf")], "ok": 0.5})
    '{"loss": null, "steps": [1, null], "ok": 0.5}'
    """
    import json
    import math

    def finite(item):
        if isinstance(item, float):
            return item if math.isfinite(item) else None
        if isinstance(item, dict):
            return {k: finite(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [finite(v) for v in item]
        return item

    return json.dumps(finite(value), allow_nan=False, **dumps)


def run_setting_int(name: str):
    """An argparse type: a whole number inside the limits a run's setting `name` has (`batch --max-length` took 8
    and 200000, which `train` refuses).

    >>> run_setting_int("max_length")("384")
    384
    >>> run_setting_int("max_length")("8")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: 8 is out of range: a run's max_length is at least 16 and at most 131072
    """
    import argparse

    from ftlib.config import field_specs

    spec = field_specs()[name]

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if not spec.within_limits(value):
            raise argparse.ArgumentTypeError(f"{value} is out of range: a run's {name} is {spec.limits_said()}")
        return value

    parse.__name__ = name  # argparse names the type in its own messages
    return parse


def positive_int(text: str) -> int:
    """An argparse type: a whole number of 1 or more (`--batch-size`, `evaluate --limit`: 0 or -1 there would read as
    "all" or "all but the last")."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def sample_seed(text: str) -> int:
    """An argparse type: a seed in decoding.SEED_RANGE (`sample --seed`): one the Compare page takes too, so it can
    reproduce what the CLI drew."""
    import argparse

    from ftlib.decoding import SEED_RANGE

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    low, high = SEED_RANGE
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{value} is outside {low}..{high}: give a seed in that range")
    return value


def add_policy_option(parser) -> None:
    """`--policy` (or train's name of it, `--mask-policy`): which tokens are trained, for `tokens` and `batch`."""
    from ftlib.config import field_specs
    from ftlib.masks import POLICIES

    parser.add_argument(
        "--policy",
        "--mask-policy",  # the run setting `mask_policy`, as `train` spells it
        dest="policy",
        default=field_specs()["mask_policy"].default,  # a run's, as the Tokens and Batches pages start from it
        choices=POLICIES,
        metavar="POLICY",  # the choices in the help: as a metavar they ran a --help line to 141 columns
        help=f"which tokens are trained (train's --mask-policy): {', '.join(POLICIES[:-1])} or {POLICIES[-1]} "
        f"(default: {field_specs()['mask_policy'].default}, a run's)",
    )


def add_template_options(parser) -> None:
    """`--template` (a built-in or the model's own) and `--template-file` (a custom Jinja template), for `tokens`,
    `batch` and `data inspect` (whether it writes tool calls); `chosen_template` reads them."""
    from ftlib.config import field_specs
    from ftlib.templates import TEMPLATE_NAMES

    names = [n for n in TEMPLATE_NAMES if n != "custom"]
    parser.add_argument(
        "--template",
        default=field_specs()["template"].default,  # a run's, as the Tokens and Batches pages start from it
        choices=names,
        metavar="TEMPLATE",  # the choices in the help: as a metavar they ran the usage line past 110 columns
        help=f"chat template: {', '.join(names[:-1])} or {names[-1]}; 'tokenizer' is the model's own (default)",
    )
    parser.add_argument(
        "--template-file", default=None, help="a custom Jinja chat template file (overrides --template)"
    )


def chosen_template(args, tokenizer):
    """The template `add_template_options` named: the file's Jinja as a custom template, else `--template`.
    UserError for a file that cannot be read."""
    from ftlib.templates import get_template

    if not args.template_file:
        return get_template(args.template, tokenizer)
    return get_template("custom", tokenizer, source=template_file_text(args.template_file))


def template_file_text(given: str) -> str:
    """The Jinja text of a --template-file (`tokens`, `train`), a BOM dropped; UserError naming the fix for a missing
    file, a folder (said missing before) or one that is not UTF-8 text (a traceback in `train` before)."""
    from ftlib.errors import UserError
    from ftlib.user_paths import user_path

    path = user_path(given)
    if path.is_dir():
        raise UserError(f"Template file {path} is a folder: give the chat template's Jinja file, e.g. chat.jinja.")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"Template file {path} does not exist.") from None
    except OSError as exc:
        raise UserError(os_error_message(exc, "read the template file", str(path), "check the path")) from None
    try:
        return data.decode("utf-8-sig")  # an editor's BOM would be a character of every prompt
    except UnicodeDecodeError as exc:
        said = f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at byte {exc.start + 1}): save it again as UTF-8"
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16's byte-order marks
            said = "is saved as UTF-16: save it again as UTF-8 (`iconv -f UTF-16 -t UTF-8`)"
        raise UserError(f"Template file {path} {said}.") from None


DEVICE_HELP = "where the model runs: auto (a GPU when there is one; the default), cpu, cuda or cuda:N"


def device_name(text: str) -> str:
    """An argparse type: a device as `train --device` takes it (auto, cpu, cuda, cuda:N), so `sample`, `evaluate`
    and `score` refuse `gpu` or `mps` in one line instead of torch failing midway on them.

    >>> device_name("cuda:1"), device_name(" CPU ")
    ('cuda:1', 'cpu')
    """
    import argparse

    value = text.strip().lower()
    if value in ("auto", "cpu", "cuda") or (value.startswith("cuda:") and value[5:].isdigit()):
        return value
    raise argparse.ArgumentTypeError(f"'{text}' is not a device: use auto, cpu, cuda or cuda:N (N a GPU's number)")


# --- reading a data file: the options every command that reads one has, and what it leaves out ------------------

SHOWN_ROWS = 10  # rows a command lists by name before pointing at `data inspect` for the rest


def add_data_options(parser) -> None:
    """`--format` and `--map`, as every command that reads a data file has them (data inspect and split, tokens,
    batch): the messages of `ftlib.data` tell the user to use them. `load_data(args)` reads the file with them."""
    from ftlib.formats import FIELDS, FORMATS

    parser.add_argument(
        "--format", dest="fmt", default=None, metavar="FORMAT", help="force a format: " + ", ".join(FORMATS)
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="which column (or JSON key) holds which field, e.g. question=instruction (repeat); other columns "
        "keep their names. Fields: " + ", ".join(FIELDS),
    )


def column_map(pairs: list[str]) -> dict[str, str] | None:
    """`--map` pairs as load_file's column_map (field -> column).

    A field given twice, or a column given to two fields, is refused: one of them would be lost, or the model would
    learn to echo the column (`--map question=instruction --map question=output`).

    >>> column_map(["question=instruction", "a=b=output"]), column_map([])
    ({'instruction': 'question', 'output': 'a=b'}, None)
    """
    from ftlib.readers import DataError

    out: dict[str, str] = {}
    for pair in pairs:
        column, sep, fld = pair.rpartition("=")
        column, fld = column.strip(), fld.strip()
        if not sep or not column or not fld:
            raise DataError(f"--map '{pair}' should look like COLUMN=FIELD, e.g. --map question=instruction")
        if fld in out:
            raise DataError(f"--map gives the field {fld!r} twice ({out[fld]}={fld}, {pair}): give it one column.")
        if column in out.values():
            other = next(f for f, c in out.items() if c == column)
            raise DataError(
                f"--map gives the column {column!r} to two fields ({column}={other}, {pair}): each column is one "
                "field (the same text as question and answer teaches the model to repeat the question)."
            )
        out[fld] = column
    return out or None


def load_data(args):
    """The LoadResult of `args.file`, read with the command's --format and --map (see `add_data_options`)."""
    from ftlib.data import load_file

    _not_a_sample_name(args.file)
    return load_file(args.file, fmt=args.fmt, column_map=column_map(args.map))


def _not_a_sample_name(given: str) -> None:
    """A UserError where `given` names no file but is a shipped sample's name, as `train --dataset` takes it: `data
    inspect chat_style` said only 'chat_style does not exist. Check the path' (helper 245's walk). Its file's path,
    and the --map a table sample needs, are the way on."""
    from ftlib.demo_data import sample_choices
    from ftlib.errors import UserError
    from ftlib.user_paths import user_path

    sample = sample_choices().get(str(given))
    if sample is None or user_path(given).exists():
        return
    mapped = " ".join(f"--map {column}={fld}" for fld, column in (sample.column_map or {}).items())
    raise UserError(
        f"'{given}' is the name of a shipped sample, which `train --dataset` takes; this command reads a file: give "
        f"the sample's, {sample.path}" + (f" (with {mapped})." if mapped else ".")
    )


def wrong_format(result, args) -> str | None:
    """Why a file with no valid row read with --format (`result`, read as `args.fmt`) is refused, where the file reads
    as another format when detected and every row's error says only that: the format and the fix, in one sentence;
    else None (--format not given, the detected format keeps no row either, a row refused for a reason of its own).
    Reads the file a second time, only on this failing path."""
    from ftlib.data import DataError, load_file
    from ftlib.errors import plural
    from ftlib.format_notes import format_label
    from ftlib.notices import other_format_said

    if result.rows or not args.fmt or not result.total:
        return None
    try:
        detected = load_file(args.file, column_map=column_map(args.map))
    except DataError:
        return None
    fmt = detected.format
    hint = other_format_said(fmt, args.fmt)  # notices.with_hint's ending: a row refused for no other reason
    # A row with a reason of its own (a good/bad label read as prompt_completion names its fix) is said row by row.
    own = [e for e in result.errors if not e.message.endswith(hint) or "Read the file as" in e.message]
    if not detected.rows or fmt == args.fmt or own:
        return None
    read = "all" if detected.valid_rows == result.total else str(detected.valid_rows)
    return (
        f"{result.source} looks like {format_label(fmt)}, not {args.fmt}: none of its {plural(result.total, 'row')} "
        f"reads as {args.fmt}, {read} read as {fmt}. Leave out --format to read it as detected, or give --format "
        f"{fmt}."
    )


def no_rows(result, args=None, listed: bool = False):
    """The DataError of a file that kept no row (`data inspect`, `data split`): the format it looks like where
    --format read it as another (`wrong_format`), else the first rows' errors; with `listed` (`data inspect` printed
    each row's reason just above) how many rows and the reason most of them share, not three of those lines again."""
    from collections import Counter

    from ftlib.data import DataError
    from ftlib.format_notes import format_label

    wrong = wrong_format(result, args) if args is not None else None
    if wrong:
        return DataError(wrong)
    said = f"no valid rows in {result.source} ({result.total} read, read as {format_label(result.format)})"
    if listed and result.errors:
        (reason, count), *_ = Counter(e.message for e in result.errors).most_common(1)
        if result.total == 1:
            return DataError(f"{said}: its one row is left out, for the reason above")
        rows = ("both rows" if result.total == 2 else f"all {result.total} rows") + " are left out"
        if count == len(result.errors):  # said once here, where the lines above say it of each row
            return DataError(f"{said}: {rows}, each for the same reason: {reason}")
        if count > 1:
            return DataError(f"{said}: {rows}, for the reasons above; the most common ({count} of them): {reason}")
        return DataError(f"{said}: {rows}, each for a reason of its own (above)")
    first = "; ".join(f"{result.where(e.row)}: {e.message}" for e in result.errors[:3])
    return DataError(f"{said}. {first}")


def inspect_command(args) -> str:
    """The `data inspect` command that lists every row of the file the command read, read the same way."""
    import shlex

    words = ["python -m ftlib data inspect", shlex.quote(str(args.file))]
    words += ["--format " + shlex.quote(args.fmt)] if args.fmt else []
    words += ["--map " + shlex.quote(pair) for pair in args.map]
    return " ".join(words)


def skipped_rows(result) -> list[dict]:
    """The rows of the file that are not among `result.rows`, as `data inspect --json` lists its errors:
    [{"row": 1-based row of the file, "where": "line 2" / "data row 4 (line 8 of the file)", "message": why}]."""
    return [
        {"row": e.row, "where": result.where(e.row) if e.row else None, "message": e.message} for e in result.errors
    ]


def _where(entry: dict) -> str:
    return entry["where"] or "the file"


def skipped_lines(result, args, limit: int = SHOWN_ROWS) -> list[str]:
    """The rows left out, one line each as `data inspect` prints them, at most `limit` then where to see the rest;
    [] when every row was read."""
    rows = skipped_rows(result)
    if not rows:
        return []
    lines = [f"rows left out ({len(rows)}):"] + [f"  {_where(r)}: {r['message']}" for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"  ... and {len(rows) - limit} more; see `{inspect_command(args)}`")
    return lines


def skipped_said(result, few: int = 3, longest: int = 120) -> str:
    """The first `few` reasons rows were left out for, the most common first, each once with its rows and cut to
    `longest` characters: "10 rows: lines 4, 9, 12 and 7 more: ...; line 5: ..." (`skipped_groups`, as the Data
    page groups them: a reason differing by row only in a number or a quoted value is one, each row's own detail
    after it)."""
    from ftlib.skipped_groups import group_places, skipped_groups

    groups = skipped_groups([(_where(r), r["message"]) for r in skipped_rows(result)])
    said = []
    for rows, why in groups[:few]:
        reason, _, differs = why.partition("\n")  # the row's own details, kept whole where the reason is cut
        said.append(
            f"{group_places(rows)}: {shortened(reason, longest)}" + (f" ({differs.rstrip('.')})" if differs else "")
        )
    return "; ".join(said)


def skipped_reasons(result) -> int:
    """How many reasons `skipped_said` groups `result`'s skipped rows into."""
    from ftlib.skipped_groups import skipped_groups

    return len(skipped_groups([(_where(r), r["message"]) for r in skipped_rows(result)]))


def shortened(text: str, longest: int) -> str:
    """`text` cut to at most `longest` characters where it is longer: after its last whole sentence that fits (if that
    keeps a third of it), else after its last whole word, with "…" (a cut word read as a typo: "Put that cell in
    doubl…").

    >>> shortened("The cell is empty. Fill it in before the run starts.", 30)
    'The cell is empty. …'
    >>> shortened("A cell probably holds a comma outside quotes", 30)
    'A cell probably holds a comma…'
    """
    if len(text) <= longest:
        return text
    head = text[: longest - 1]
    sentence = head.rfind(". ")
    if sentence >= longest // 3:
        return head[: sentence + 1] + " …"
    word = len(head) if text[len(head)] == " " else head.rfind(" ")  # the last word is whole where a space follows
    return (head[:word] if word > 0 else head).rstrip(" ,;:") + "…"


def skipped_warning(result, args, few: int = 3) -> str | None:
    """One `warning:` line naming how many rows of the file are not used, the first `few` with their reason and the
    `data inspect` command that lists them all; None when every row was read."""
    from ftlib.errors import plural

    n = len(result.errors)
    if not n:
        return None
    reasons = skipped_reasons(result)
    said = skipped_said(result, few) + (f" (and {plural(reasons - few, 'other reason')})" if reasons > few else "")
    stop = "" if said.endswith(("…", ".", "!", "?")) else "."  # a reason cut after a sentence read "… ." (h267)
    return (
        f"warning: {n} of {plural(result.total, 'row')} in {args.file} {'is' if n == 1 else 'are'} not used: "
        f"{said}{stop} See every row with `{inspect_command(args)}`."
    )


def unread_warning(result, args) -> str | None:
    """One `warning:` line naming every field of the file nothing reads (UltraFeedback's `score_chosen`, ...), with
    the rows it is in, as `data inspect` lists them one by one; None when every field is read."""
    from ftlib.errors import plural

    # `notices.file_notices`' fields nothing reads; not a copy of a read field, said in a note (`file_notes`)
    ignored = [n for n in result.notices if n.ignored and not n.note]
    if not ignored:
        return None
    listed = ", ".join(f"`{n.field}` in {plural(n.rows, 'row')}" for n in ignored[:8])
    more = f" and {len(ignored) - 8} more" if len(ignored) > 8 else ""
    one = len(ignored) == 1
    # --map takes a column or a row's key; not a key inside the turns (`messages[].name`), nor a field whose reason
    # says no field takes it (a pair's scores, its `messages` copy: notices.unread_why; a walk read "map one"), nor
    # an id, which the Data page and `data inspect` call metadata (notices.is_id: UltraFeedback's `prompt_id`)
    from ftlib.notices import is_id

    columns = [n for n in ignored if "[]." not in (n.field or "") and not n.reason and not is_id(n.field or "")]
    hint = "If one holds a field, map it with --map COLUMN=FIELD; " if len(columns) == len(ignored) else ""
    inner_only = all("[]." in (n.field or "") for n in ignored if not any(n is c for c in columns))
    if columns and not hint and not inner_only:
        # each such column the line lists, not the first 3 only (helper 193: a fourth was listed and offered nothing)
        named = [f"`{n.field}`" for n in columns if any(n is m for m in ignored[:8])]
        which = " or ".join(named) if len(named) < 3 else f"{', '.join(named[:-1])} or {named[-1]}"
        if len(named) < len(columns):  # past the 8 listed
            which = f"{which} or another" if named else "one of the others"
        hint = f"If {which} holds a field, map it with --map COLUMN=FIELD; "
    elif columns and not hint:
        hint = "If a column of them holds a field, map it with --map COLUMN=FIELD (a key inside the turns cannot be); "
    see = f"{hint}see `{inspect_command(args)}`."
    see = see[0].upper() + see[1:]  # a sentence of its own where no hint comes first
    return (
        f"warning: {'a field' if one else f'{len(ignored)} fields'} of {args.file} {'is' if one else 'are'} not "
        f"read: {listed}{more}; the studio neither shows nor trains {'it' if one else 'them'}. {see}"
    )


def quiet_unread(result) -> list:
    """The notices of fields nothing reads that `data inspect` says in a note, not a warning (`said_in_a_note`): a
    table's columns (a sheet's ids, dates, notes are normal; its columns are listed, nothing typed is lost) and a
    JSON row's id (metadata). A JSON row's other unread keys stay `unread_warning`'s: one is often a misspelt field,
    its text lost. `data inspect`, `tokens` and `train` each said a Parquet column otherwise (helpers 256, 267)."""
    from ftlib.notices import said_in_a_note

    table = getattr(result, "columns", None) is not None
    return [n for n in result.notices if n.ignored and not n.note and said_in_a_note(n, table)]


def loud_unread(result, args) -> str | None:
    """`unread_warning` of the fields nothing reads that `quiet_unread` does not say in a note; None when none."""
    from types import SimpleNamespace

    quiet = {id(n) for n in quiet_unread(result)}
    return unread_warning(SimpleNamespace(notices=[n for n in result.notices if id(n) not in quiet]), args)


def file_warnings(result, args) -> list[str]:
    """The `warning:` lines a command that trains on a file prints before it starts: the rows it does not use
    (`skipped_warning`), the fields nothing reads but those said in a note (`loud_unread`), then each other
    file-level warning (rows that look like another format, answers left unread), one line each; notes on how the
    file was read and the columns nothing reads: `file_notes`."""
    fields = {id(n) for n in result.notices if n.ignored}
    others = [f"warning: {n.message}" for n in result.notices if not n.note and id(n) not in fields]
    return [w for w in (skipped_warning(result, args), loud_unread(result, args)) if w] + others


def file_notes(result) -> list[str]:
    """The `note:` lines a command that trains on a file prints after its `file_warnings`: the fields nothing reads
    that `data inspect` says in a note (`quiet_unread`, in its words: "Not used: source (--map COLUMN=FIELD to use
    one)."), then how the file was read (a column read as the completion, answers read from another shape, numbers
    read as text, copies of a row), each once, in `data split`'s words; a copy of a read field, whose notice is a note
    (nothing is lost: copied_fields), is said here too."""
    from ftlib.notices import shown_notices

    table = getattr(result, "columns", None) is not None
    unread = shown_notices(quiet_unread(result), table=table, how="--map COLUMN=FIELD to use one")[0]
    read = [n for n in result.notices if n.note]
    return list(dict.fromkeys(f"note: {n.message}" for n in [*unread, *read]))
