"""What evaluating a run needs from it: its model, template, max length and held-out rows read as training read
them (`run_info`), which rows of a file it trained on (`trained_on`), and the test rows of a file or a saved split
(`load_test_rows`), and `EvalError`. `ftlib.evaluate` re-exports them.

Where a held-out row is in the file the user has (`heldout_place`, `heldout_lines`): the Evaluate page and the CLI's
`evaluate` name a run's held-out rows by their place in its split ("row 3", the worst rows, the rows cut or skipped),
which is not the file's line (blank and bad lines, the training rows drawn out of the file, a CSV header). A split
saved with its rows' places (`ftlib.split_lines`, in its meta.json; a run on a file computes them as it splits) says
"held-out row 3 is line 9 of chats.jsonl"; a split saved before they were kept says nothing more, as before.

Not known here: scoring (evaluate.py), Streamlit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftlib.errors import UserError
from ftlib.file_stamps import file_stamp
from ftlib.user_paths import user_path


class EvalError(UserError):
    """Evaluation input that cannot work; the message says what to change."""


@dataclass
class RunInfo:
    """What evaluating a run needs from its config: the base model, the test rows and the template."""

    model: str
    dataset: str
    template: str
    test_rows: list[dict]
    template_source: str = ""  # the Jinja text of a custom template
    method: str = "lora"
    beta: float = 0.1  # DPO's / KTO's: TRL's reward margin is beta x the log-ratio margin Evaluate reports
    rewards: list = field(default_factory=list)  # GRPO's: what its held-out prompts' answers are scored with
    max_length: int | None = None  # how long a row training kept (a GRPO prompt cut by it was left out)
    split_long: bool = False  # a longer row kept whole, trained as pieces of max_length (packing_strategy bfd_split)
    answer_tokens: int | None = None  # GRPO's: how long the answers it trained on could be (its grpo_max_new_tokens)
    mask_policy: str = "all_assistant"  # which tokens it trained: what its held-out loss on Train counts
    # What Train's held-out loss of it was computed in (`heldout_precision`): "bfloat16" for a LoRA run on a CPU
    # that multiplies bf16 natively; None where not known (a run that has not finished, or one finished before it
    # was recorded that may have multiplied in bf16 under fp32 weights).
    computed_in: str | None = None
    one_batch: bool = False  # its held-out rows fit one of Train's held-out batches (batch_size rows, one process)
    meta: dict = field(
        default_factory=dict
    )  # its split's meta.json: where each held-out row is in the file (`test_lines`)

    def chat_template(self, tokenizer):
        """The ftlib ChatTemplate the run trained with (its custom source included)."""
        from ftlib.templates import get_template

        return get_template(self.template, tokenizer=tokenizer, source=self.template_source or None)


def run_info(run_dir: str | Path, fix: str | None = None, split_fix: Callable[[str], str] | None = None) -> RunInfo:
    """Read a run's config and load its held-out rows the way training did. EvalError without a config.json, and the
    refusal of a dataset that cannot be read (a run that kept no copy of its rows: `run_data.DataRefused`; a saved
    split whose files do not read: `workspace.SplitDamaged`), each ending with `fix` where given (a page's way: its
    boxes), else with the CLI's (--model, `data split`, --map). `split_fix(dataset)`, where given, ends the refusal of
    a saved split whose files do not read instead (the run reads it by name: saving it again is enough), given the
    split as the run's config names it. ConfigError for a config.json that does not read; EvalError saying what is
    left and the way on where its status.json does not read either (`RunDir.summary`'s message, as `runs` says it)."""
    from ftlib.config import ConfigError
    from ftlib.run_data import DataRefused
    from ftlib.rundir import RunDir
    from ftlib.training import load_rows
    from ftlib.workspace import SplitDamaged

    run = RunDir(Path(run_dir))
    if not run.config_file.is_file():
        said = f"'{run_dir}' has no config.json"
        raise EvalError(f"{said}. {fix}" if fix else f"{said}; pass --model, --adapter and --data instead.")
    try:
        config = run.config()
    except ConfigError:
        summary = run.summary()
        if summary.state == "unknown" and not summary.resumable:  # status.json lost too: as `runs` and `sample` say
            raise EvalError(f"Run '{run.id}' cannot be used: {summary.message}") from None
        raise
    # The same loader as training, so a plain data file is split with the run's own test_size and seed.
    try:
        _, test, _ = load_rows(config, run.path)  # its own copy of a saved split, when it has one
    except (DataRefused, SplitDamaged) as exc:
        if fix is None or not exc.fix:  # a run's own copy of its rows lost says its way on in any reader's words
            raise
        # A saved split's files (a fix of its own: `load_split`'s), read by name, need no new run, only saving again.
        way = split_fix(str(config.dataset)) if split_fix and isinstance(exc, SplitDamaged) else fix
        raise type(exc)(exc.what, way) from None
    meta = _split_meta(config, run.path)
    return RunInfo(
        model=config.model,
        dataset=config.dataset,
        template=config.template,
        test_rows=list(test),
        template_source=config.template_source,
        method=config.method,
        beta=float(config.beta),
        rewards=list(config.rewards or []),
        max_length=config.max_length,
        split_long=config.cut_length is None,  # bfd_split: not cut, TRL's packing split it (`RunConfig.cut_length`)
        answer_tokens=config.grpo_max_new_tokens if config.method == "grpo" else None,
        mask_policy=str(config.mask_policy),
        meta=meta,
        computed_in=heldout_precision(config, run.read_status()),
        # Train's held-out loss is the mean of its batches' means (transformers' evaluation loop); rows that fit one
        # batch (packed or not: packing only makes fewer sequences) are one mean over every token alike.
        one_batch=len(test) <= config.batch_size and config.nproc * config.nnodes == 1,
    )


def heldout_precision(config, status: dict) -> str | None:
    """The dtype a run's held-out loss on Train was computed in, from its status.json (`status`): `computed_in`, which
    a run records as it saves its result (`training.save_final`: bf16 products of fp32 weights, `fastpath.
    bf16_products`, count as bf16), else for an adapter run finished before that its `weights_dtype` (its base's,
    which its products follow); None where neither says it (not finished; a full fine-tune of fp32 weights may have
    multiplied in bf16). `config`: its RunConfig (`method`).

    >>> from types import SimpleNamespace as C
    >>> heldout_precision(C(method="lora"), {"weights_dtype": "bfloat16"}), heldout_precision(C(method="full"), {})
    ('bfloat16', None)
    """
    said = status.get("computed_in")
    if isinstance(said, str) and said:
        return said
    weights = status.get("weights_dtype")
    return weights if isinstance(weights, str) and weights and config.method in ("lora", "qlora") else None


def rows_version(run_dir: str | Path) -> tuple:
    """What changes whenever `run_info` of the run in `run_dir` would read other rows: its config.json's (modification
    time in ns, size) and, for a run that kept no copy of its rows (queued before runs kept them), the saved split or
    data file its config names, each file's (inode, modification time in ns, size): a split saved over, or a file
    uploaded again (`upload_reuse` moves its modification time on), is read again. A run's own copy never changes.
    A cache of `run_info` keyed by it stays true. Files that cannot be read count as (); never raises.

    >>> rows_version("no such run")
    ((),)
    """
    from ftlib import workspace
    from ftlib.run_data import split_folder

    run_dir = Path(run_dir)
    stamps = [file_stamp(run_dir / "config.json")]
    if workspace.kept_split(run_dir) is not None or not stamps[0]:
        return tuple(stamps)
    try:
        dataset = str(json.loads((run_dir / "config.json").read_text(encoding="utf-8")).get("dataset") or "").strip()
    except (OSError, ValueError, AttributeError):  # cut short, not an object: run_info says why
        return tuple(stamps)
    folder = split_folder(dataset) if dataset else None
    if folder is not None:
        stamps += [file_stamp(folder / name) for name in ("meta.json", "train.jsonl", "test.jsonl")]
    elif dataset:  # a data file (a sample's name stats as nothing: it never changes)
        stamps.append(file_stamp(user_path(dataset)))
    return tuple(stamps)


def saved_split_meta(data: str | Path) -> dict:
    """The meta.json of the saved split `data` names (a name or a folder, as `load_test_rows` reads it): where its
    held-out rows are in the file it was saved from (`heldout_place`); {} for a data file or a meta that does not read.
    """
    import json

    from ftlib.run_data import split_folder

    try:
        folder = split_folder(str(data))
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8")) if folder is not None else {}
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _split_meta(config, run_path: Path) -> dict:
    """The meta.json of the rows `training.load_rows` gave: the run's own copy of its split (kept when it was queued),
    else its saved split's; a run on a data file (an older run that kept no copy) gets the places its split of the file
    gives (`run_data.read_dataset`, read again: only the places come from it). {} when none can be read."""
    from ftlib import workspace
    from ftlib.run_data import read_dataset, split_folder

    try:
        kept = workspace.kept_split(run_path)
        folder = kept if kept is not None else split_folder(str(config.dataset or "").strip())
        if folder is not None:
            return saved_split_meta(folder)
        return read_dataset(config).meta
    except (UserError, OSError, ValueError):  # the rows were read above; their lines are a courtesy, never a failure
        return {}


def heldout_place(meta: dict, index: int, size: int) -> str | None:
    """Where held-out row `index` (counted from 0) of a split of `size` held-out rows is in the file it was read from,
    the file named ("line 9 of chats.jsonl", "data row 3 of chats.csv (line 5 of the file)"), from the split's
    `meta` (`ftlib.split_lines`); None when the split keeps no places (saved before they were kept, or edited since).

    >>> meta = {"test_lines": {"file": "chats.jsonl", "file_type": "jsonl", "rows": "2,3"}}
    >>> heldout_place(meta, 1, 2), heldout_place({}, 1, 2)
    ('line 7 of chats.jsonl', None)
    """
    from ftlib.split_lines import row_place

    return row_place(meta, "test", index + 1, size)


def heldout_lines(meta: dict, indices, size: int, where: str = "above", whose: str = "the run's") -> str:
    """A sentence saying where in the file the held-out rows at `indices` (counted from 0, as an evaluation's
    `index`; named from 1, as the page and the CLI name them) are, from the split's `meta`: "The row numbers above
    count the run's held-out rows, not the rows of chats.jsonl: held-out row 3 is line 9; held-out row 5 is line 12."
    (the first `split_lines.SHOWN`, then how many more), as `split_lines.places_note` says it. "" when the split
    keeps no places or no row is named.

    >>> meta = {"test_lines": {"file": "chats.jsonl", "file_type": "jsonl", "rows": "3,1+1"}}
    >>> heldout_lines(meta, [1, 2], 3)
    "The row numbers above count the run's held-out rows, not the rows of chats.jsonl: held-out row 2 is line 6; \
held-out row 3 is line 7."
    """
    from ftlib.split_lines import places_note

    named = [("test", i + 1) for i in dict.fromkeys(int(i) for i in indices)]
    return places_note(meta, named, {"test": size}, "held-out", whose, where)


def trained_on(rows: Sequence[dict], run_dir: str | Path) -> list[int]:
    """The indices of `rows` that the run in `run_dir` trained on (the same row among its kept training rows): on
    them the tuned model is measured on what it was taught, not on rows it never saw. [] when the folder is no run's,
    or its rows cannot be read any more (its data file gone): nothing is known, nothing is said."""
    from ftlib.rundir import RunDir
    from ftlib.splits import row_key
    from ftlib.training import load_rows

    run = RunDir(Path(run_dir))
    if not run.config_file.is_file():
        return []
    try:
        train, _, _ = load_rows(run.config(), run.path)
    except Exception:  # an outside folder, a run whose rows are gone: no claim either way
        return []
    # The same row as splits.row_key compares it (a split keeps it on one side): its text in NFC, typed on a Mac or not
    seen = {row_key(r) for r in train}
    return [i for i, r in enumerate(rows) if row_key(r) in seen]


def load_test_rows(data: str | Path, fmt: str | None = None, column_map: dict | None = None) -> tuple[list[dict], Any]:
    """(rows, the file's `LoadResult` or None): the test part of a saved split (by name or folder), or a data file's
    rows read with `fmt` and `column_map` (its LoadResult's `errors` name the rows it could not use). EvalError when
    nothing is usable."""
    from ftlib.workspace import load_split

    path = user_path(data)
    if path.is_file():
        from ftlib.data import load_file

        result = load_file(path, fmt=fmt, column_map=column_map)
        if not result.rows:
            first = "; ".join(f"{result.where(e.row)}: {e.message}" for e in result.errors[:2])
            raise EvalError(f"No usable rows in {path} (read as {result.format}): {first}")
        return list(result.rows), result
    try:
        return load_split(str(data))[1], None
    except FileNotFoundError:
        from ftlib.file_bytes import SUPPORTED, missing_path, named_as_path, saved_dataset
        from ftlib.workspace import datasets_dir

        if path.is_dir():  # was "neither a data file nor a saved split name (No saved dataset split named ...)"
            raise EvalError(
                " ".join(saved_dataset(path))  # `datasets`' save_to_disk folder: how to write it as JSONL
                or f"--data '{data}' is a folder without meta.json, so not a saved split: give a {SUPPORTED} file, "
                "or a split folder `python -m ftlib data split FILE --out DIR` wrote."
            ) from None
        if named_as_path(str(data)):
            raise EvalError(missing_path(str(data), "--data")) from None
        raise EvalError(
            f"--data '{data}' is neither a data file nor a saved split in {datasets_dir()}: give a file's path or a "
            "saved split's name (`python -m ftlib data files` lists them)."
        ) from None
