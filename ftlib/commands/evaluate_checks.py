"""What `python -m ftlib evaluate` refuses before any model loads, each in one `error:` line: a --csv path that cannot
be written (`check_csv_path`), held-out rows of which nothing can be scored at the run's max length
(`check_scorable`: a tokenizer only, by the rule the run's pre-flight report warned by, `references.nothing_scored`),
and a GRPO run's prompts none of which has a column its rewards read (`check_rewarded`: the rows alone).
"""

from __future__ import annotations

import os
from pathlib import Path

from ftlib.user_paths import user_path


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


def check_scorable(model: str, rows: list[dict], info, template: str, trained: dict, args, loaded=None) -> None:
    """UserError, before the models load (a tokenizer only), when none of `rows` (the first --limit) can be scored
    against its reference at the run's max length with --answer-at (`references.nothing_scored`): the rows, another
    --answer-at that scores some, the max length a new run needs. `info`: the run's RunInfo (None: an adapter from
    outside, `trained` its config); `template`: --template or the run's, as `_against_references` scores with;
    `loaded`: a --data file's LoadResult, whose rows are named by their place in it ("lines 2, 3")."""
    from ftlib.errors import UserError, numbered
    from ftlib.models import context_length, load_tokenizer
    from ftlib.references import nothing_scored

    max_length, split = run_cut(info, trained)
    if not max_length:
        return
    tokenizer = load_tokenizer(model)
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
