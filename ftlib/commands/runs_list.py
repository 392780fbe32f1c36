"""`python -m ftlib runs list`'s table: one line a run, its columns under their headings.

    for line in table_lines(runs.list_runs()):
        print(line)

A column of names appears once some run has one (`runs rename`, `train --name`, the Train page's Run name), after the
id: the name the pages show a run by, so a run found there is found here. A long name is cut to `NAME_FITS`
columns of a terminal with an ellipsis ("-" where a run has none); `runs show ID` and `--json` give it whole. Likewise
who started each run, once some run recorded someone (ftlib.run_people). Names are padded by the columns they take on
a terminal, a CJK character or an emoji two (`ftlib.term_width`), not by their length. Its module of its own:
commands/runs.py is near the engine's 600 lines.
"""

from __future__ import annotations

from collections.abc import Sequence

from ftlib.run_summary import LAST_STEP_HEADING, RunSummary
from ftlib.term_width import fit, pad, width

NAME_FITS = 24  # columns of a run's name its column shows (the Train page's rule allows 100)
BY_FITS = 38  # columns of who started it


def _column(values: Sequence[str], heading: str, fits: int) -> int:
    """The width of an optional column: its longest value (up to `fits`) or its heading, plus 2 spaces; 0 when no
    value is given (no column)."""
    known = [width(v) for v in values if v]
    return min(fits, max(len(heading), *known)) + 2 if known else 0


def _cell(value: str, cells: int) -> str:
    """`value` in a column `cells` wide ("" when there is no column), cut with an ellipsis where it does not fit; by
    its width on a terminal (`term_width`: a CJK character or an emoji takes two columns), not its length."""
    if not cells:
        return ""
    return pad(fit(value or "-", cells - 2), cells)


def table_lines(rows: Sequence[RunSummary]) -> list[str]:
    """The heading and a line per run: id, name (once some run has one), state, method, steps, the last step's
    training value and the held-out one in words ("loss 1.2345", GRPO "reward 0.930", a reward model "accuracy
    97%"; the training value the last step's own, as the Train page's runs table heads it), who started it (once
    some run recorded someone) and the dataset."""
    names = [" ".join(r.name.split()) for r in rows]  # one line: a name saved before the name rule may hold a break
    name_width = _column(names, "name", NAME_FITS)
    by_width = _column([r.started_by for r in rows], "started by", BY_FITS)
    lines = [
        f"{'id':<48}{_cell('name', name_width)}{'state':<21}{'method':<14}{'step':>11}  {LAST_STEP_HEADING:<22}"
        f"{'held-out':<16}{_cell('started by', by_width)}dataset"
    ]
    for r, name in zip(rows, names, strict=True):
        step = f"{r.step}/{r.max_steps or '?'}"
        lines.append(
            f"{r.id:<48}{_cell(name, name_width)}{r.state_text:<21}{r.method:<14}{step:>11}  {r.train_text:<22}"
            f"{r.eval_text:<16}{_cell(r.started_by, by_width)}{r.dataset}"
        )
    return lines


__all__ = ["NAME_FITS", "table_lines"]
