"""The Compare and Evaluate run pickers' help says which run they start on as `run_picker.preselect` chooses it:
Evaluate's said "the newest one trained on the current dataset is chosen first" and Compare's left out the last pick,
while both start on the run this session last started or picked, then on the last pick, then on the newest."""

from __future__ import annotations

import ast
from pathlib import Path

from ftlib.run_picker import RunChoice, preselect
from ui.run_choice import CHOSEN_FIRST

PAGES = Path(__file__).resolve().parents[1] / "pages"


def _picker_helps(page: str) -> list[ast.AST]:
    tree = ast.parse((PAGES / page).read_text())
    calls = [
        n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") in ("pick_run", "pick_runs")
    ]
    return [k.value for c in calls for k in c.keywords if k.arg == "help"]


def test_both_pickers_say_which_run_is_chosen_first_in_the_same_words():
    for page in ("5_Compare.py", "6_Evaluate.py"):
        (help_,) = _picker_helps(page)
        assert any(isinstance(n, ast.Name) and n.id == "CHOSEN_FIRST" for n in ast.walk(help_)), page


def test_the_words_follow_preselects_order():
    runs = [RunChoice("new", "", "", "", "chat", 200.0), RunChoice("old", "", "", "", "chat", 100.0)]
    assert preselect(runs, "chat", ("old", 150.0), own="new") == 0  # the session's own run first
    assert preselect(runs, "chat", ("old", 250.0)) == 1  # then the last pick, no run on the dataset finished since
    assert preselect(runs, "chat", ("old", 150.0)) == 0  # else the newest on the current dataset
    said = CHOSEN_FIRST.index
    assert said("you last started or picked") < said("last picked on Compare or Evaluate") < said("newest one")
