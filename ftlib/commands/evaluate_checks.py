"""What `python -m ftlib evaluate` refuses before any model loads, each in one `error:` line: what its command line,
files and runs tell alone, before `python -m ftlib` imports torch (`check_arguments`), among them a --csv path that
cannot be written (`check_csv_path`); held-out rows of which nothing can be scored at the run's max length
(`check_scorable`: a tokenizer only, by the rule the run's pre-flight report warned by, `references.nothing_scored`),
and a GRPO run's prompts none of which has a column its rewards read (`check_rewarded`: the rows alone), and
`--thinking` for a template without the switch or a run that writes no answers to references (`thinking_setting`,
which also says where it starts left out: as the run trained, `ftlib.run_thinking`). The warning for --data rows the
run trained on (`trained_rows_warning`) is said here too.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ftlib.commands.sample import TokenizerOnce
from ftlib.user_paths import user_path


def check_arguments(args) -> None:
    """What `evaluate` refuses from its command line, the files and runs it names alone, before `ftlib.cli` imports
    torch (a typo should not cost an evaluation): --max-new-tokens, a --csv path that cannot be written, the run and
    --adapter, a --model that is not the adapter's base, the rows (a --data file's, or the run's held-out ones; none
    a run of its method measures: `reward_eval.check_measurable`), --format or --map without --data, an --answer-at
    with no reply to choose, --thinking for a reward model or a GRPO run's prompts, a reward model's --template or
    unfinished run, a reward column none of the prompts has (`check_rewarded`), an unknown --template, a merged reward
    model as the base that writes the answers and an adapter of another base (`adapter_shapes.check_fits_early`).
    A --data file's unread rows and fields, and rows the run trained on, are said on stderr. Leaves on `args.checked`
    what `_evaluate` reads: the run's folder and RunInfo, the tuned folder and its config, the model, the template
    name, the rows with the --data file's LoadResult, what they are measured by, what a prompt is called and the tuned
    model as `modelset.find_tuned_set` finds it (an unfinished run, a reward model where answers are written:
    refused)."""
    from types import SimpleNamespace

    from ftlib import evaluate as E
    from ftlib import modelset as M
    from ftlib import sampling as S
    from ftlib.adapter_shapes import check_fits_early
    from ftlib.commands import column_map, file_notes, file_warnings
    from ftlib.commands.data_pair import train_hint
    from ftlib.commands.runs import run_folder
    from ftlib.commands.sample import base_model, check_base_writes
    from ftlib.errors import UserError
    from ftlib.eval_runs import saved_split_meta
    from ftlib.json_layout import split_note
    from ftlib.reward_eval import check_measurable, measured_by
    from ftlib.rundir import RunDir, run_folder_of
    from ftlib.templates import check_template_name

    if args.max_new_tokens is not None:
        S.check_max_new_tokens(args.max_new_tokens)
    if args.csv:
        check_csv_path(args.csv)
    info = run = None
    if args.run:
        run = run_folder(args.run)  # a folder, or a run's id or name
        info = E.run_info(run) if (run / "config.json").is_file() else None
    elif not (args.model and args.adapter and args.data):
        raise UserError("Give a finished run (RUN_DIR, id or name), or all of --model, --adapter and --data.")
    tuned = run_folder(args.adapter) if args.adapter else run
    trained = RunDir(run_folder_of(tuned)).read_config()  # the run the adapter is from ({}: a folder from outside)
    method = trained.get("method") if isinstance(trained, dict) else None
    model = args.model or (info.model if info else None)
    if not model:
        raise UserError(f"'{args.run}' has no config.json naming its model; pass --model.")
    if args.model:  # a run's adapter fits only the base it was trained on: --model naming another is refused
        base_model(args.model, [tuned])
    template = args.template or (info.template if info else "tokenizer")
    loaded = None  # a --data file's LoadResult: where in the file each row is
    if args.data:
        rows, loaded = E.load_test_rows(args.data, fmt=args.fmt, column_map=column_map(args.map))
        if loaded is not None and not getattr(args, "all_keys", False):
            rows, loaded = held_out_key(rows, loaded, args.data)
        # A data file's rows it could not read and its fields nothing reads are named on stderr, as `train` names
        # them, not skipped unsaid: a JSON row's unread key in a warning, a table's unread column in a note (as
        # `train`, `tokens` and `data inspect` say them: `file_notes`), then how the file was read.
        said = SimpleNamespace(file=args.data, fmt=args.fmt, map=args.map)
        split_lines = {f"note: {n.message}" for n in loaded.notices if split_note(n.message)} if loaded else set()
        for line in [*file_warnings(loaded, said), *file_notes(loaded)] if loaded else []:
            # Not json_layout's note of a keyed file ('The file holds its own split: ... Where a split is made of
            # it, ...'; `split_note`): evaluate makes no split; `held_out_key` says what it scores of such a file.
            if line not in split_lines:
                print(line, file=sys.stderr)
        if seen := E.trained_on(rows[: args.limit or None], run_folder_of(tuned)):
            split = (saved_split_meta(args.data), len(rows)) if loaded is None else None  # each row's line in its file
            print(
                trained_rows_warning(
                    seen, len(rows[: args.limit or None]), args.data, loaded, split, bool(info and info.test_rows)
                ),
                file=sys.stderr,
            )
    elif args.fmt or args.map:
        raise UserError("--format and --map read a --data file: give one, or leave them out for the run's split.")
    elif info:
        rows = info.test_rows
        if not rows:  # the page says "save a split with a test part"; here --data is the way, with no retraining
            raise UserError(
                f"The run's dataset `{info.dataset}` has no held-out rows. Evaluate it on rows it never trained on "
                "with --data (a data file, or a saved split's name: its test part), or train on a split with a test "
                "part."
            )
    else:
        raise UserError(f"'{args.run}' has no config.json naming its dataset; pass --data.")

    measure = measured_by(method, rows[: args.limit or None])
    pair = train_hint("reward", loaded, args.fmt, args.map or []) if measure == "pairs" else ""  # `data pair`'s way
    try:
        check_measurable(measure, rows[: args.limit or None], pair)  # no row to measure
    except UserError as exc:
        raise UserError(f"{exc}{_good_labels_way(str(exc), rows, args)}") from None
    E.check_answer_at(args.answer_at, measure, rows[: args.limit or None])  # a reply to choose where there is none
    if measure in ("pairs", "rewards") and args.thinking is not None:  # nothing answered after a generation prompt
        which = "a reward model, which writes none" if measure == "pairs" else "a GRPO run's prompts"
        raise UserError(
            f"--thinking {args.thinking} is for answers scored against reference answers, not for {which}; drop "
            "--thinking."
        )
    # A --data file's prompts are named as prompts, not held-out ones (a saved split's test part is held out)
    what = "prompt" if loaded is not None else "held-out prompt"
    if measure == "rewards":  # a column a reward reads that none of the prompts has
        check_rewarded(rows, info.rewards if info else trained.get("rewards") or [], tuned, args, what)
    if measure == "pairs":
        reward_run = RunDir(run_folder_of(tuned))
        if args.template:
            raise UserError(
                f"{reward_run.id} is a reward model: it scores answers in the chat template it trained with, so "
                "--template does not apply. Leave it out."
            )
        state = reward_run.read_status().get("state", "finished")
        if state != "finished" or reward_run.output() is None:  # stopped: "resumable at step 12/60", how to resume
            from ftlib.run_result import no_result_reason

            raise UserError(no_result_reason(reward_run))
    else:
        check_template_name(args.template)
    # The tuned model `load_models` loads (a reward model's pairs load otherwise): a run that did not finish, a damaged
    # file, a reward model's adapter where answers are to be written, refused before torch (`find_tuned_set`)
    found = None if measure == "pairs" else M.find_tuned_set([tuned])
    if found is not None:  # the base that writes the answers: a merged reward model, or another than the adapter's
        check_base_writes(model)
        check_fits_early(model, found[0])
    args.checked = SimpleNamespace(
        run=run,
        info=info,
        tuned=tuned,
        trained=trained,
        model=model,
        template=template,
        rows=rows,
        loaded=loaded,
        measure=measure,
        what=what,
        found=found,
    )


def check_csv_path(path: str) -> None:
    """Refuse, before the evaluation, a --csv path that cannot be written: a folder, a missing folder, one that is
    not writable. A temporary file is made and removed where the CSV will go, as `workspace.write_files` writes it."""
    import tempfile

    from ftlib.commands import os_error_message
    from ftlib.errors import UserError

    target = user_path(path)
    if target.is_dir():
        raise UserError(f"--csv points at the folder {path}: give a file name, e.g. {Path(path) / 'eval.csv'}.")
    folder = target.parent
    if not folder.is_dir():
        # "the folder X is a file, not a folder, or pass another --csv path." read as half a sentence
        what = "is a file, not a folder: pass" if folder.exists() else "does not exist: create it first, or pass"
        raise UserError(f"--csv {path}: the folder {folder} {what} another --csv path.")
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UserError(os_error_message(exc, "write the CSV file", path, "pass another --csv path")) from exc


def held_out_key(rows: list[dict], loaded, data: str) -> tuple[list[dict], object]:
    """A --data file that holds its own split (`{"train": [...], "test": [...]}`: `split_keys.file_roles`) as
    (its held-out key's rows, the file's LoadResult cut to that key, `split_keys.key_part`, its rows still named by
    their place in the whole file), said in one `note:` line on stderr: a run trained on such a file held that key
    out, and the others are what it trained on. `rows` and `loaded` as they are for any other file, or one whose
    held-out key has no usable row. `--all-keys` scores every key instead (not called)."""
    import dataclasses

    from ftlib.errors import plural
    from ftlib.split_keys import file_roles, key_part, key_rows
    from ftlib.splits import ROW_UNITS

    roles = file_roles(loaded)
    held = key_part(loaded, (roles.test,)) if roles else None
    if held is None or not held.rows:
        return rows, loaded
    counts, unit = key_rows(loaded), ROW_UNITS.get(loaded.kind, "row")
    others = [f"'{k}' ({plural(counts[k], unit)})" for k in roles.train]  # a left-out key neither trains nor is scored
    print(
        f"note: {Path(data).name} holds its own split: only its held-out key '{roles.test}' "
        f"({plural(counts[roles.test], unit)}) is scored, not {' or '.join(others)}, which a run on the file trains "
        "on (--all-keys scores every key).",
        file=sys.stderr,
    )
    return list(held.rows), dataclasses.replace(held, notices=loaded.notices)  # the file's own notices stay said


def file_noun(source) -> str:
    """What a row of a --data file (its `ftlib.data.LoadResult`) is called where it is named: a line, an item."""
    return {"jsonl": "line", "json": "item"}.get(source.file_type, "data row")


def run_cut(info, trained: dict) -> tuple[int | None, bool]:
    """(the max length the run cut its rows at, whether it split a longer row into pieces of it instead: packing with
    packing_strategy bfd_split) of a run's RunInfo, or of `trained`, an outside adapter's config (no info)."""
    if info:
        return info.max_length, info.split_long
    split = bool(trained.get("packing")) and trained.get("packing_strategy") == "bfd_split"
    return trained.get("max_length"), split


def check_scorable(
    model: str, rows: list[dict], info, template: str, trained: dict, args, loaded=None, tokenizer_of=None
) -> None:
    """UserError, before the models load (a tokenizer only), when none of `rows` (the first --limit) can be scored
    against its reference at the run's max length with --answer-at (`references.nothing_scored`): the rows, another
    --answer-at that scores some, the max length a new run needs. `info`: the run's RunInfo (None: an adapter from
    outside, `trained` its config); `template`: --template or the run's, as `_against_references` scores with;
    `loaded`: a --data file's LoadResult, whose rows are named by their place in it ("lines 2, 3"); `tokenizer_of`:
    a `TokenizerOnce` of `model`, called only where rows are cut (else one is loaded here)."""
    from ftlib.errors import UserError, numbered
    from ftlib.models import context_length
    from ftlib.references import nothing_scored

    max_length, split = run_cut(info, trained)
    if not max_length:
        return
    tokenizer = (tokenizer_of or TokenizerOnce(model))()
    template = info.chat_template(tokenizer) if info and not args.template else template  # a custom one's text too
    rows = rows[: args.limit or None]
    context = context_length(model)  # no fix asks for a longer max length than the model reads

    def name(past: list[int]) -> str:  # a file's unreadable rows are not among those read: row 1 read can be line 2
        return numbered(file_noun(loaded), [loaded.row_numbers[i] for i in past])

    named = name if loaded is not None else None
    said = nothing_scored(rows, tokenizer, template, max_length, args.answer_at, split, context=context, name=named)
    if said:
        raise UserError(said)


def registry_of(tuned) -> str | None:
    """FTLIB_REWARD_FUNCTIONS as the run of adapter folder `tuned` was queued with it (its env.json), as its worker
    read it, only from a file of this user's that nobody else may write (`recorded_env`: it names code); None where
    it is set here, or the folder is no run's."""
    from ftlib.reward_functions import REGISTRY_ENV
    from ftlib.run_env import recorded_env
    from ftlib.rundir import RunDir, run_folder_of

    run = RunDir(run_folder_of(tuned))
    if os.environ.get(REGISTRY_ENV, "").strip() or not run.config_file.is_file():
        return None
    return recorded_env(run).get(REGISTRY_ENV)


def check_rewarded(rows: list[dict], specs: list[dict], tuned, args, what: str) -> None:
    """UserError, before any model loads, when a reward of a GRPO run (`specs`: its config's `rewards`) reads a column
    that none of `rows` (the first --limit) has: `reward_eval.absent_column_said`, in the words `evaluate_answers`
    would refuse with once both models had loaded (`what`: a prompt's name there). The registry the run was queued
    with is read for its functions (`registry_of`). A column only some lack is said by evaluate_answers: which
    prompts it answers needs the tokenizer."""
    from ftlib.errors import UserError
    from ftlib.reward_eval import absent_column_said
    from ftlib.reward_functions import REGISTRY_ENV
    from ftlib.run_env import env_set

    with env_set(REGISTRY_ENV, registry_of(tuned)):
        said = absent_column_said(specs, rows, args.limit, what)
    if said:
        raise UserError(said)


def trained_rows_warning(
    seen: list[int], total: int, data: str, loaded, heldout: tuple | None = None, own_rows: bool = True
) -> str:
    """The warning for --data rows the tuned run trained on (`evaluate.trained_on`), naming the first few where
    they are in the file (`loaded`, its LoadResult). A saved split's test part (`loaded` None) names them as its
    held-out rows, each with its line in the file the split was saved from where the split keeps it (`heldout`: its
    meta.json and held-out row count, `eval_runs.heldout_place`), as the rest of `evaluate` and the page name them.
    `own_rows`: whether the run has held-out rows of its own to evaluate on instead (none: no --data is refused).

    >>> meta = {"test_lines": {"file": "chats.jsonl", "file_type": "jsonl", "rows": "2,3"}}
    >>> trained_rows_warning([1], 2, "chats", None, (meta, 2)).split(";")[0]  # doctest: +NORMALIZE_WHITESPACE
    'warning: 1 of the 2 held-out rows of the split chats are rows the run trained on: held-out row 2
     (line 7 of chats.jsonl)'
    """
    from ftlib.eval_runs import heldout_place
    from ftlib.split_lines import flat_place  # said in brackets: "(item 8 at the 'test' key's item 2)"

    more = f" and {len(seen) - 3} more" if len(seen) > 3 else ""
    why = "on them the tuned model is measured on what it was taught, not on new rows. Evaluate on " + (
        "the run's held-out rows (leave out --data), or on a file without them."
        if own_rows
        else "a file without them."
    )
    if loaded is not None:
        places = ", ".join(flat_place(loaded.where(loaded.row_numbers[i])) for i in seen[:3])
        return (
            f"warning: {len(seen)} of the {total} rows of {data} are rows the run trained on ({places}{more}): {why}"
        )
    meta, size = heldout or ({}, 0)
    places = ", ".join(
        f"held-out row {i + 1}" + (f" ({flat_place(at)})" if (at := heldout_place(meta, i, size)) else "")
        for i in seen[:3]
    )
    return (
        f"warning: {len(seen)} of the {total} held-out rows of the split {data} are rows the run trained on: "
        f"{places}{more}; {why}"
    )


def thinking_setting(
    given: str | None, measure: str, template: str | None, tuned: Path, model: str, tokenizer_of=None
) -> bool | None:
    """The `enable_thinking` both models answer the references with, settled before any model loads: `given`
    (--thinking "on"/"off") refused for a template without the switch (`sample.check_thinking`, read as the
    evaluation reads it: `template`, --template, else the run's own); left out, as the run trained
    (`run_thinking.start_for`: its first training rows' replies), else the template's default. None: nothing given
    (no switch, or not answered against references: `measure`, a reward model's pairs or a GRPO run's prompts, for
    which `check_arguments` refused it). Reads the model's tokenizer (`tokenizer_of`, a `TokenizerOnce` of `model`;
    else loaded here), not the model."""
    from ftlib.commands.sample import check_thinking

    if measure in ("pairs", "rewards"):  # --thinking given for them was refused (`check_arguments`)
        return None
    tokenizer_of = tokenizer_of or TokenizerOnce(model)
    check_thinking(given, template, [tuned], model, tokenizer_of)
    if given is not None:
        return given == "on"
    from ftlib.run_thinking import start_for

    return start_for(tuned, tokenizer_of(), template)


def _good_labels_way(said: str, rows: list[dict], args) -> str:
    """The way on from `references.BAD_LABELS` (every KTO row evaluated labelled bad), as the Evaluate page gives its
    own: a later row labelled good within reach of --limit, else rows with answers labelled good; "" for any other
    refusal."""
    from ftlib.references import BAD_LABELS
    from ftlib.rows import row_kind

    if BAD_LABELS[:40].lower() not in said.lower():
        return ""
    good = next((i for i, row in enumerate(rows) if row_kind(row) == "unpaired" and row.get("label")), None)
    if good is not None:
        return f" Raise --limit to {good + 1} or more: row {good + 1}'s answer is labelled good."
    if args.data:
        return f" Give --data a file holding answers labelled good (label true); {args.data} holds none."
    return (
        " No held-out answer of this run is labelled good: split its data again with a larger --test-size or another"
        " --seed (python -m ftlib data split FILE), train on that split, and evaluate it."
    )
