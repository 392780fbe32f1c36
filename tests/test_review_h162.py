"""Helper 162: six things helper 157's walk of the alignment CLI found (tests/test_cli_walk_h157.py)."""

from __future__ import annotations

import pytest

from ftlib import workspace
from tests.test_cli_errors import one_error_line
from tests.test_evaluate_runs import KTO_ROWS, nothing_loads, reward_run  # noqa: F401 (fixtures)


@pytest.mark.usefixtures("nothing_loads")
def test_a_reward_model_on_labelled_answers_offers_data_pair_in_lower_case(tmp_path, capsys, reward_run):  # noqa: F811
    """`evaluate <reward run> --data kto.jsonl` read "...can be evaluated: This unpaired row ..." (a capital after
    the colon) and said nothing of `data pair`, which turns the good and bad answers to one prompt into pairs."""
    data = tmp_path / "kto.jsonl"
    workspace.write_jsonl(data, KTO_ROWS)
    line = one_error_line(capsys, ["evaluate", reward_run.id, "--data", str(data)])
    assert line.startswith(
        "error: None of the 4 test rows can be evaluated: none is a preference pair (the first is an unpaired row): "
    ), line
    assert f"`python -m ftlib data pair {data} --out pairs.jsonl` makes 2 preference pairs." in line, line
