"""The fields a GRPO run's prompt rows carry beside each prompt (a GSM8K row's `answer`), found by the prompt's last
turn, as the run's live answers name their prompt: what the Train page's "Latest answers" shows beside each answer,
so whether it is right can be told (helper 89's walk: the table had the answers and no reference).

    where = run_split(run.path, config)     # (the saved split's folder, its meta.json's time), or None
    prompt_fields(where[0])                 # {"Four friends share 12 apples. ...": {"answer": "... #### 3"}}
    fields_by_last_turn(rows)               # the same, from rows in hand

The run's own copy of its rows (`workspace.kept_split`) is read first, else the saved split its config names; a data
file's rows are not read again (a run answers from what it was queued on). Not known here: which answers a run wrote
(`RunDir.latest_completions`), the table's drawing and caching (ui/alignment_view.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ftlib import workspace
from ftlib.rows import COLUMNS
from ftlib.run_data import split_folder


def fields_by_last_turn(rows: Iterable[dict]) -> dict[str, dict]:
    """{a prompt's last turn's text: its row's `columns`} for prompt rows (`rows.with_columns`); rows without fields
    or turns are passed over, and a last turn that two rows share with different fields is left out (which one an
    answer was written to cannot be told; the same fields twice are kept).

    >>> ask = lambda text, answer: {"prompt": [{"role": "user", "content": text}], "columns": {"answer": answer}}
    >>> fields_by_last_turn([ask("2+2?", "4"), ask("3+3?", "6"), ask("3+3?", "7"), ask("1+1?", "2"), {"prompt": []}])
    {'2+2?': {'answer': '4'}, '1+1?': {'answer': '2'}}
    """
    found: dict[str, dict | None] = {}
    for row in rows:
        turns = row.get("prompt") if isinstance(row.get("prompt"), list) else []
        if not (columns := row.get(COLUMNS)) or not turns or not isinstance(turns[-1], dict):
            continue
        last = str(turns[-1].get("content", ""))
        found[last] = columns if found.get(last, columns) == columns else None  # two rows, two answers: neither
    return {k: v for k, v in found.items() if v is not None}


def run_split(run_dir: Path | str, config: dict) -> tuple[str, int] | None:
    """(the folder of the split a run's rows are read from, its meta.json's modification time in ns: a key that
    changes when the split is saved again) for the run in `run_dir` with `config` (its config.json, a dict): its own
    copy of its rows, else the saved split its `dataset` names; None for a data file, a sample, or a split gone."""
    folder = workspace.kept_split(run_dir) or split_folder(str(config.get("dataset") or ""))
    if folder is None:
        return None
    try:
        return str(folder), (Path(folder) / "meta.json").stat().st_mtime_ns
    except OSError:  # removed between the two looks
        return None


def prompt_fields(folder: str | Path) -> dict[str, dict]:
    """`fields_by_last_turn` of the train and test rows of the saved split in `folder`; {} for rows of prompts only,
    or a split that cannot be read (gone, cut short or edited: the fields beside answers are a help to reading them,
    and what is wrong with the split is said where it is used, by training and the Data page)."""
    try:
        train, test, _ = workspace.load_split(str(folder))
    except (OSError, ValueError, workspace.SplitDamaged):  # a UserError: the view's except let it through
        return {}
    return fields_by_last_turn((*train, *test))


__all__ = ["fields_by_last_turn", "prompt_fields", "run_split"]
