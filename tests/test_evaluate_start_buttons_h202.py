"""Evaluate's start buttons of a GRPO run and a reward model are whole at 1280 px (helper 202's walk): each sat in a
sixth of the main column (`st.columns([1, 1, 4])`), about 130 px there, and "Answer and score" showed as "Answer and
sc...". They now sit in a row sized to them (a horizontal container), never in a column."""

from __future__ import annotations

import pytest

from tests.test_pages_evaluate_kept import button, open_page
from tests.test_pages_evaluate_kept_scores import grpo_run, reward_run  # noqa: F401 (fixtures)


def _columns_holding(at, label: str) -> list:
    return [c for c in at.main.columns if any(b.label == label for b in c.button)]


@pytest.mark.parametrize("fixture, label", [("grpo_run", "Answer and score"), ("reward_run", "Score the pairs")])
def test_an_evaluate_sections_start_button_is_not_squeezed_into_a_sixth_of_the_page(
    request, varied_dir, fixture, label
):
    request.getfixturevalue(fixture)
    at = open_page(varied_dir)
    assert not at.exception, at.exception
    assert button(at, label) is not None
    assert _columns_holding(at, label) == []
