"""What evaluating a run needs from it: its model, template, max length and held-out rows read as training read
them (`run_info`), which rows of a file it trained on (`trained_on`), and the test rows of a file or a saved split
(`load_test_rows`), and `EvalError`. `ftlib.evaluate` re-exports them.

Not known here: scoring (evaluate.py), Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftlib.errors import UserError


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
    answer_tokens: int | None = None  # GRPO's: how long the answers it trained on could be (its grpo_max_new_tokens)

    def chat_template(self, tokenizer):
        """The ftlib ChatTemplate the run trained with (its custom source included)."""
        from ftlib.templates import get_template

        return get_template(self.template, tokenizer=tokenizer, source=self.template_source or None)


def run_info(run_dir: str | Path) -> RunInfo:
    """Read a run's config and load its held-out rows the way training did."""
    from ftlib.rundir import RunDir
    from ftlib.training import load_rows

    run = RunDir(Path(run_dir))
    if not run.config_file.is_file():
        raise EvalError(f"'{run_dir}' has no config.json; pass --model, --adapter and --data instead.")
    config = run.config()
    # The same loader as training, so a plain data file is split with the run's own test_size and seed.
    _, test, _ = load_rows(config, run.path)  # its own copy of a saved split, when it has one
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
        answer_tokens=config.grpo_max_new_tokens if config.method == "grpo" else None,
    )


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

    path = Path(data).expanduser()
    if path.is_file():
        from ftlib.data import load_file

        result = load_file(path, fmt=fmt, column_map=column_map)
        if not result.rows:
            first = "; ".join(f"{result.where(e.row)}: {e.message}" for e in result.errors[:2])
            raise EvalError(f"No usable rows in {path} (read as {result.format}): {first}")
        return list(result.rows), result
    try:
        return load_split(str(data))[1], None
    except FileNotFoundError as exc:
        raise EvalError(f"'{data}' is neither a data file nor a saved split name ({exc}).") from exc
