"""Wording leftovers from helper 240's browser walk (helper 247)."""

from __future__ import annotations

from types import SimpleNamespace as Row

from ftlib.answer_notes import cut_said, loops_said
from ui.evaluate_view import blanks_said

LOOP = "Ahoy! " * 13


def test_counts_of_cut_looping_and_blank_answers_never_lead_with_a_zero():
    """Evaluate's line read "✂ 0 of 5 tuned answers and 2 of the base model's stopped at ...": the side with answers
    comes first, the other one is said to have none."""
    rows = [Row(is_text=False, base_at_limit=i < 2, tuned_at_limit=False) for i in range(5)]
    assert cut_said(rows, 64).startswith(
        "✂ 2 of the base model's 5 answers (none of the tuned model's) stopped at the 64-token limit"
    )
    rows = [Row(is_text=False, base_at_limit=False, tuned_at_limit=i < 1) for i in range(5)]
    assert cut_said(rows, 64).startswith("✂ 1 of 5 tuned answers (none of the base model's) stopped at")
    rows = [Row(is_text=False, base_output=LOOP if i < 3 else "Fine.", tuned_output="Fine.") for i in range(4)]
    assert loops_said(rows).startswith(
        "↻ 3 of the base model's 4 answers (none of the tuned model's) repeat themselves"
    )
    rows = [Row(is_text=False, base_output="Fine.", tuned_output="\n" * 8 if i < 2 else "Fine.") for i in range(3)]
    assert blanks_said(rows).startswith("⚠ 2 of 3 tuned answers (none of the base model's) show nothing")
    # Both sides: as before.
    rows = [Row(is_text=False, base_at_limit=True, tuned_at_limit=i < 1) for i in range(2)]
    assert cut_said(rows, 8).startswith("✂ 1 of 2 tuned answers and 2 of the base model's stopped at the 8-token")
