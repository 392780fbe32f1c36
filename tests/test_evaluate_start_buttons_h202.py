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


def test_a_grpo_runs_answers_table_shows_both_answers_in_a_1280_px_window(grpo_run, varied_dir):  # noqa: F811
    """The answers table sized each column to its longest text: the base's answers filled the window at 1280 px and
    the tuned ones began past its right edge. The prompt and both answers now take a medium width each."""
    import json

    from tests.test_pages_evaluate_kept_scores import measure

    at = measure(open_page(varied_dir), "Answer and score", "evaluate_answers_job")
    config = json.loads(at.dataframe[-1].proto.columns)
    widths = {name: config.get(name, {}).get("width") for name in ("prompt", "base_output", "tuned_output")}
    assert widths == {"prompt": "medium", "base_output": "medium", "tuned_output": "medium"}, config
