"""Where "how sure" is said (`ftlib.eval_stats`): the Evaluate page under its numbers (a held-out evaluation, its
preference pairs, a reward model's accuracy), from a result kept with the run as after a reload, and the CLI's
`evaluate` in text and JSON, in the same words as the page."""

from __future__ import annotations

import json

import pytest

from ftlib import eval_results as K
from ftlib import eval_stats as S
from ftlib import workspace
from ftlib.eval_runs import run_info
from ftlib.evaluate import EvalResult, EvalRow
from ftlib.reward_eval import PairResult, PairScore
from ftlib.testing import make_run
from tests import test_pages_evaluate_kept_scores as P
from tests.test_cli_evaluate_kept import cli
from tests.test_pages_evaluate_kept import open_page

reward_run = P.reward_run  # a fixture, found by its name here


def sure(at) -> list[str]:
    """The "How sure:" lines the page shows, without their label."""
    return [c.value.removeprefix("**How sure:** ") for c in at.caption if c.value.startswith("**How sure:** ")]


@pytest.fixture
def dpo_run(varied_dir, adapter_template):
    """A DPO run on six held-out pairs (the rows of P.PAIRS, and two more)."""
    pairs = P.PAIRS + P.PAIRS[:2]
    workspace.save_split("pairs", pairs[:1], pairs)
    config = {"model": str(varied_dir), "dataset": "pairs", "template": "tokenizer", "method": "dpo"}
    return make_run("20260101-000000-dpo-pairs", config, adapter=adapter_template)


def test_a_kept_evaluation_says_how_sure_under_its_numbers_and_for_its_pairs(dpo_run, varied_dir):
    """A demo's six rows: the loss fell on every one, consistently (clearly lower); tuning moved 4 of 6 pairs toward
    the chosen answer (within noise of chance). Written as a kept result, so the page shows it as after a reload."""
    info = run_info(dpo_run.path)
    rows = [  # base 2.0 + a little per row, tuned 0.4 lower give or take 0.02; the rejected answer up or down by 1
        EvalRow(i, "Q?", "A.", "B.", "C.", 2.0 + 0.1 * i, 1.6 + 0.1 * i + 0.01 * (i % 3), 3, -9.0, -9.0 + (i % 3))
        for i in range(6)
    ]
    result = EvalResult(dpo_run.id, rows, base_token_loss=2.25, tuned_token_loss=1.86)
    key = K.heldout_key(dpo_run.adapter_dir, **K.run_rows(info, 6), max_new_tokens=64, batch_size=8)
    assert K.keep(dpo_run.path, key, K.result_record(result))

    at = open_page(varied_dir)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    said = sure(at)
    assert said == result.how_sure(), said  # the engine's words, on the page
    assert said[0].startswith("Tuned loss is lower on 6 of 6 rows; the mean change per row -0.390 (95% interval")
    assert said[0].endswith(f": {S.LOWER}.")
    assert said[1].startswith("Tuning moved 4 of 6 pairs toward the chosen answer (67%, 95% interval 30% to 90%)")
    assert "nan" not in " ".join(said).lower()


def test_a_reward_models_accuracy_says_how_sure(reward_run, varied_dir):
    info = run_info(reward_run.path)
    scores = [PairScore(i, "Q?", "A.", "B.", 1.0, 0.0 if i else 2.0) for i in range(4)]  # 3 of 4 ranked right
    key = K.pairs_key(reward_run.adapter_dir, **K.run_rows(info, 4))
    assert K.keep(reward_run.path, key, K.result_record(PairResult(reward_run.id, scores)))
    at = open_page(varied_dir)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert sure(at) == [
        "The reward model scores the chosen answer higher on 3 of 4 pairs (75%, 95% interval 30% to 95%): too few "
        "pairs to tell."
    ]


def test_the_cli_says_how_sure_as_the_page_does(capsys, varied_dir, adapter_template):
    from tests.test_cli_evaluate_kept import CONVERSATIONS

    workspace.save_split("colours", CONVERSATIONS[:1], CONVERSATIONS, {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "colours", "template": "tokenizer", "method": "lora"}
    run = make_run("20260101-000000-lora-colours", config, adapter=adapter_template)
    agg = json.loads(cli(capsys, "evaluate", run.id, "--json")[0])  # kept for the page: its boxes' defaults
    (line,) = agg["how_sure"]
    assert f": {S.TOO_FEW}." in line and "of 3 rows" in line  # 3 held-out rows (then how the two changes differ)
    assert agg["row_change_verdict"] == S.TOO_FEW and agg["row_change_low"] < agg["row_change_high"]
    assert agg["row_change_lower"] + agg["row_change_higher"] + agg["row_change_unchanged"] == 3

    at = open_page(varied_dir)  # the page shows the CLI's kept result, and says the same
    assert not at.exception, at.exception
    assert sure(at) == [line]

    out = cli(capsys, "evaluate", run.id, "--limit", "2", "--max-new-tokens", "8")[0]
    said = [x.removeprefix("how sure: ") for x in out.splitlines() if x.startswith("how sure: ")]
    assert len(said) == 1 and " of 2 rows" in said[0] and "95% interval" in said[0], out
    assert "too few rows to tell" in said[0] and "row_change" not in out  # said once, in words
