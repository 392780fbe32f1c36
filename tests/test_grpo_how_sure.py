"""How sure a GRPO run's reward change is (`RewardResult.change_stats`, `ftlib.eval_stats`): the per-prompt change of
the total reward (tuned - base; a prompt answered more than once by its mean) with its 95% paired t interval and a
verdict, among the result's aggregates, read back from a kept result, on the Evaluate page's "How sure:" line and in
the CLI's `evaluate` (text and --json), in the same words."""

from __future__ import annotations

import json
import math

from ftlib import eval_results as K
from ftlib import eval_stats as S
from ftlib.reward_eval import RewardedAnswers, RewardResult
from tests import test_pages_evaluate_kept_scores as P
from tests.test_cli_evaluate_kept import cli
from tests.test_eval_stats_shown import sure
from tests.test_pages_evaluate_kept import open_page

grpo_run, run_dir = P.grpo_run, P.run_dir  # fixtures, found by their names here


def answered(index: int, base: float, tuned: float) -> RewardedAnswers:
    return RewardedAnswers(index, "Q?", "b", "t", {"length": base}, {"length": tuned}, base, tuned)


# Six prompts: the tuned answer scores 0.5 more give or take 0.05 (sentinel totals, not 0/1: a mean of 0.5 cannot come
# from rows_improved's share).
SIX = RewardResult("grpo", ["length"], [answered(i, 1.0 + i, 1.5 + i + 0.05 * (i % 2)) for i in range(6)])


def test_a_grpo_results_aggregates_say_how_sure_the_reward_change_is():
    agg = SIX.aggregates()
    assert agg["prompt_change_verdict"] == S.HIGHER and agg["prompt_change_higher"] == 6
    assert math.isclose(agg["prompt_change_mean"], 0.525) and 0.45 < agg["prompt_change_low"] < 0.525
    assert agg["prompt_change_high"] < 0.6 and agg["prompt_change_lower"] == agg["prompt_change_unchanged"] == 0
    (said,) = SIX.how_sure()
    assert said.startswith("Tuned reward is higher on 6 of 6 prompts; the mean change per prompt +0.525 (95% interval")
    assert said.endswith(f": {S.HIGHER}."), said


def test_a_prompt_counts_once_and_a_total_that_is_no_number_is_left_out_and_said():
    # Prompt 0 answered twice (its changes +1 and +3: +2 once), prompt 1 with a NaN total; three prompts alike.
    rows = [answered(0, 0.0, 1.0), answered(0, 0.0, 3.0), answered(1, 0.0, math.nan)]
    rows += [answered(i, 0.0, 2.0) for i in (2, 3, 4)]
    stats = RewardResult("grpo", ["length"], rows).change_stats()
    assert (stats.n, stats.left_out, stats.mean, stats.verdict) == (4, 1, 2.0, S.TOO_FEW)
    assert stats.low == stats.high == 2.0  # four equal changes: no spread
    (said,) = RewardResult("grpo", ["length"], rows).how_sure()
    assert said.endswith(" 1 prompt without a finite reward left out."), said


def test_totals_as_close_as_moved_counts_them_are_no_change():
    same = RewardResult("grpo", ["length"], [answered(i, 0.25 + i, 0.25 + i + 1e-8) for i in range(6)])
    assert same.change_stats().verdict == S.NO_CHANGE
    assert same.aggregates()["rows_improved"] == 0.0  # as `RewardedAnswers.moved` counts them
    assert same.how_sure() == ["Tuned reward is unchanged on all 6 prompts: no change."]


def test_a_kept_grpo_result_reads_back_with_the_same_verdict(run_dir):
    key = P._answers_key(run_dir)
    assert K.keep(run_dir, key, K.result_record(SIX))
    back, _ = K.restore(run_dir, key)
    assert back.how_sure() == SIX.how_sure()
    agg = back.aggregates()
    assert {k: v for k, v in agg.items() if k.startswith("prompt_change_")} == SIX.change_stats().as_dict(
        "prompt_change"
    )


def test_the_cli_and_the_page_say_how_sure_a_grpo_runs_reward_change_is(capsys, grpo_run, varied_dir):
    agg = json.loads(cli(capsys, "evaluate", grpo_run.id, "--json")[0])  # kept for the page: its boxes' defaults
    (line,) = agg["how_sure"]
    assert line.startswith("Tuned reward is ") and " of 3 prompts" in line, line
    assert agg["prompt_change_verdict"] in (S.TOO_FEW, S.NO_CHANGE)  # three prompts
    assert line.endswith(f": {S.TOO_FEW.replace('rows', 'prompts')}.") or line.endswith(f": {S.NO_CHANGE}."), line
    assert agg["prompt_change_lower"] + agg["prompt_change_higher"] + agg["prompt_change_unchanged"] == 3

    at = open_page(varied_dir)  # the kept result, as after a reload: the same line
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert sure(at) == [line]

    out = cli(capsys, "evaluate", grpo_run.id, "--limit", "2")[0]
    said = [x.removeprefix("how sure: ") for x in out.splitlines() if x.startswith("how sure: ")]
    assert len(said) == 1 and said[0].startswith("Tuned reward is ") and " 2 prompts" in said[0], out
    assert "prompt_change" not in out  # the verdict said once, on the how sure line
