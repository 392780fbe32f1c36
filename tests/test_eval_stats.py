"""How sure a held-out comparison is (`ftlib.eval_stats`): the t quantile and the intervals against references
(scipy is not installed here: Student's t tables, mpmath's incomplete beta where it is installed, Wilson's interval
solved as the quadratic it is defined by, a paired interval worked by hand), the verdicts' thresholds from one table,
the edge cases (no row, one row, all equal, a NaN loss) that must say something and show no NaN, and the results that
carry them: an evaluation's aggregates, a reward model's, and a kept evaluation read back (an old record too)."""

from __future__ import annotations

import json
import math
import random

import pytest

from ftlib import eval_results as K
from ftlib import eval_stats as S
from ftlib.evaluate import EvalResult, EvalRow
from ftlib.reward_eval import PairResult, PairScore

# Two-sided 95% critical values of Student's t, as every t table prints them (3 decimals).
T_TABLE = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 9: 2.262, 10: 2.228, 19: 2.093, 29: 2.045, 120: 1.980}


@pytest.mark.parametrize("df", sorted(T_TABLE))
def test_the_t_quantile_is_the_tables(df):
    assert S.t_quantile(0.975, df) == pytest.approx(T_TABLE[df], abs=5e-4)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 7, 12, 25, 60, 333])
@pytest.mark.parametrize("p", [0.75, 0.95, 0.975, 0.995])
def test_the_t_quantile_agrees_with_the_incomplete_beta(df, p):
    """P(|T| <= t) = 1 - I_{df/(df+t^2)}(df/2, 1/2) (Abramowitz & Stegun 26.7.1 by 26.5.27), with mpmath's."""
    mpmath = pytest.importorskip("mpmath")
    t = S.t_quantile(p, df)
    tail = mpmath.betainc(df / 2, 0.5, 0, df / (df + t * t), regularized=True)
    assert float(1 - tail) == pytest.approx(2 * p - 1, abs=1e-11)


@pytest.mark.parametrize("p, df", [(0.4, 3), (1.0, 3), (0.975, 0), (0.975, 2.5)])
def test_the_t_quantile_refuses_what_it_cannot_compute(p, df):
    with pytest.raises(ValueError, match="t_quantile needs"):
        S.t_quantile(p, df)


def test_a_paired_interval_worked_by_hand():
    """Changes -0.5 -0.4 -0.3 -0.45 -0.35: mean -0.4, s = sqrt(0.025 / 4) = 0.0790569, s / sqrt(5) = 0.0353553,
    t(0.975, 4) = 2.7764451, half width 0.0981622."""
    change = S.paired_change([2.0] * 5, [1.5, 1.6, 1.7, 1.55, 1.65])
    assert (change.n, change.lower, change.higher, change.unchanged) == (5, 5, 0, 0)
    assert change.mean == pytest.approx(-0.4)
    assert (change.low, change.high) == (pytest.approx(-0.4981622, abs=1e-7), pytest.approx(-0.3018378, abs=1e-7))
    assert change.verdict == S.LOWER


@pytest.mark.parametrize("k, n", [(0, 1), (1, 1), (0, 10), (3, 10), (14, 20), (20, 20), (57, 100), (1, 1000)])
def test_wilsons_interval_is_where_the_score_test_accepts(k, n):
    """Wilson's interval is {p : (k/n - p)^2 <= z^2 p (1 - p) / n}: the two roots of that quadratic in p."""
    z = 1.959963984540054
    a, b, c = 1 + z * z / n, -(2 * k / n + z * z / n), (k / n) ** 2
    root = math.sqrt(b * b - 4 * a * c)
    low, high = S.wilson_interval(k, n)
    assert (low, high) == (pytest.approx((-b - root) / (2 * a), abs=1e-12), pytest.approx((-b + root) / (2 * a)))
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_wilsons_interval_of_14_in_20_is_the_published_one():
    """statsmodels' proportion_confint(14, 20, method="wilson"): (0.4810, 0.8545)."""
    assert [round(x, 4) for x in S.wilson_interval(14, 20)] == [0.4810, 0.8545]


def _rows(changes, base=2.0):
    """Base and tuned losses of rows whose changes are `changes` (base losses varied: nothing lines up by chance)."""
    bases = [base + 0.1 * (i % 7) for i in range(len(changes))]
    return bases, [b + c for b, c in zip(bases, changes, strict=True)]


CHANGES = [  # (id, each row's change tuned - base, verdict)
    ("clearly lower", [-0.4 - 0.01 * (i % 5) for i in range(20)], S.LOWER),
    ("clearly higher", [0.3 + 0.02 * (i % 3) for i in range(20)], S.HIGHER),
    ("within noise", [0.5, -0.4, 0.3, -0.6, 0.1, -0.2, 0.4, -0.3], S.NOISE),
    ("lower on most, one row erases it", [-0.1] * 9 + [1.5], S.NOISE),
    ("4 rows is too few, however clear", [-0.4, -0.41, -0.42, -0.43], S.TOO_FEW),
    ("5 rows tell", [-0.4, -0.41, -0.42, -0.43, -0.44], S.LOWER),
    ("one row", [-0.7], S.TOO_FEW),
    ("all unchanged", [0.0] * 6, S.NO_CHANGE),
    ("every row below what shows at 3 decimals", [-4e-4] * 8, S.NO_CHANGE),
    ("one row past it", [-4e-4] * 7 + [-0.1], S.NOISE),
    ("one row unchanged", [0.0], S.NO_CHANGE),
    ("no row", [], S.NOTHING),
]


@pytest.mark.parametrize("changes, verdict", [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES])
def test_the_verdicts_thresholds(changes, verdict):
    change = S.paired_change(*_rows(changes))
    assert change.verdict == verdict
    if verdict == S.TOO_FEW and len(changes) > 1:  # the interval alone would have said "clearly lower"
        assert change.high < 0
    said = change.sentence()
    why = " (the interval clears 0, but under 5 rows one odd row can decide it)" if change.low is not None else ""
    assert said.endswith(f"{verdict}{why if verdict == S.TOO_FEW else ''}.") or verdict == S.NOTHING
    assert "nan" not in said.lower() and "inf" not in said.lower()
    assert not any(isinstance(v, float) and not math.isfinite(v) for v in change.as_dict("row_change").values())


def test_the_sentence_says_the_counts_and_the_interval():
    """17 rows -0.5, then +0.2, +0.1, 0: mean -0.41; squared deviations 17 x 0.0081 + 0.3721 + 0.2601 + 0.1681 =
    0.938, s = sqrt(0.938 / 19) = 0.222188, s / sqrt(20) = 0.049683, x t(0.975, 19) 2.093024 = 0.103988."""
    change = S.paired_change(*_rows([-0.5] * 17 + [0.2, 0.1, 0.0]))
    assert change.sentence() == (
        "Tuned loss is lower on 17 of 20 rows (higher on 2, unchanged on 1); the mean change per row -0.410 (95% "
        "interval -0.514 to -0.306): clearly lower."
    )
    assert (
        S.paired_change([1.0], [0.8]).sentence()
        == "Tuned loss is lower on 1 of 1 row; the change -0.200: too few rows to tell."
    )
    assert S.paired_change([1.0] * 3, [1.0] * 3).sentence() == "Tuned loss is unchanged on all 3 rows: no change."
    assert S.paired_change([], []).sentence() == "No row has a finite change to compare."


def test_rows_without_a_finite_loss_are_left_out_and_said():
    base, tuned = _rows([-0.5, -0.4, -0.45, -0.5, -0.42])
    change = S.paired_change(base + [2.0, float("inf")], tuned + [float("nan"), 1.0])
    assert (change.n, change.left_out, change.verdict) == (5, 2, S.LOWER)
    assert change.sentence().endswith("clearly lower. 2 rows without a finite loss left out.")


def test_the_same_rows_give_the_same_interval_in_any_order():
    base, tuned = _rows([(-1) ** i * 0.1 * i - 0.05 for i in range(30)])
    first = S.paired_change(base, tuned)
    order = list(range(30))
    random.Random(7).shuffle(order)
    again = S.paired_change([base[i] for i in order], [tuned[i] for i in order])
    assert again == first and again.sentence() == first.sentence()


SHARES = [  # (k, n, verdict against 50%)
    (18, 20, S.HIGHER),
    (2, 20, S.LOWER),
    (14, 20, S.NOISE),
    (5, 5, S.HIGHER),  # 5 of 5: Wilson's interval 57% to 100%
    (4, 4, S.TOO_FEW),
    (0, 1, S.TOO_FEW),
    (0, 0, S.NOTHING),
]


@pytest.mark.parametrize("k, n, verdict", SHARES)
def test_a_shares_verdict_against_chance(k, n, verdict):
    accuracy = S.share(k, n)
    assert accuracy.verdict == verdict
    said = accuracy.sentence("Tuning moved {k} toward the chosen answer")
    assert "nan" not in said.lower() and said.endswith(".")
    if n:
        assert f"{k} of {n} pair" in said and "95% interval" in said


# ------------------------------------------------------------------------------------------------ the results


def _evaluation(changes, pairs=False) -> EvalResult:
    base, tuned = _rows(changes)
    rows = [
        EvalRow(i, f"Q{i}?", "A.", "B.", "C.", b, t, 4, *((-3.0, -3.0 + (1 if i % 4 else -1)) if pairs else ()))
        for i, (b, t) in enumerate(zip(base, tuned, strict=True))
    ]
    return EvalResult("run", rows, base_token_loss=2.0, tuned_token_loss=1.6)


def test_an_evaluations_aggregates_and_sentences_say_how_sure():
    result = _evaluation([-0.4 - 0.01 * (i % 5) for i in range(20)], pairs=True)
    agg = result.aggregates()
    assert agg["row_change_verdict"] == S.LOWER and agg["row_change_lower"] == 20
    assert agg["row_change_low"] < agg["row_change_mean"] < agg["row_change_high"] < 0
    # Pairs: tuning raised the chosen answer by 0.4 x 4 tokens; the rejected rose by 1 (3 of 4) or fell by 1.
    assert agg["reward_accuracy"] == 1.0 and agg["reward_accuracy_verdict"] == S.HIGHER
    assert agg["reward_accuracy_low"] == pytest.approx(S.wilson_interval(20, 20)[0])
    assert result.how_sure()[0].startswith("Tuned loss is lower on 20 of 20 rows")
    assert result.how_sure()[1].startswith("Tuning moved 20 of 20 pairs toward the chosen answer (100%, 95% interval")
    assert len(_evaluation([0.1, -0.1]).how_sure()) == 1  # no pairs, no accuracy line
    assert "reward_accuracy_verdict" not in _evaluation([0.1, -0.1]).aggregates()


def test_a_kept_evaluation_reads_back_with_the_same_verdict_and_an_old_record_too(tmp_path):
    run_dir = tmp_path / "run"
    (run_dir / "adapter").mkdir(parents=True)
    (run_dir / "adapter" / "adapter_model.safetensors").write_bytes(b"weights")
    key = K.heldout_key(
        run_dir / "adapter",
        model="default",
        rows=[{"text": "x"}],
        limit=1,
        max_new_tokens=64,
        batch_size=8,
        template="tokenizer",
        template_source="",
        max_length=None,
    )
    result = _evaluation([0.5, -0.4, 0.3, -0.6, 0.1, -0.2, 0.4, -0.3, float("nan")])
    assert K.keep(run_dir, key, K.result_record(result))
    back, _ = K.restore(run_dir, key)
    assert back.change_stats() == result.change_stats() and back.how_sure() == result.how_sure()
    assert back.change_stats().verdict == S.NOISE and back.change_stats().left_out == 1
    # A record as the first kept evaluations wrote it (their fields only, by hand): it loads and says how sure.
    old = {
        "adapter": "run",
        "rows": [
            {
                "index": i,
                "prompt": "Q?",
                "reference": "A.",
                "base_output": "B.",
                "tuned_output": "C.",
                "base_loss": 2.0,
                "tuned_loss": 1.5 + 0.01 * i,
                "tokens": 3,
            }
            for i in range(6)
        ],  # fmt: skip
        "skipped": [],
        "base_token_loss": 2.0,
        "tuned_token_loss": 1.5,
    }
    (path,) = (run_dir / K.KEPT_DIR).iterdir()
    path.write_text(json.dumps({"key": key, "at": 1.0, "value": old}), encoding="utf-8")
    back, _ = K.restore(run_dir, key)
    assert back.change_stats().verdict == S.LOWER and back.how_sure()[0].startswith("Tuned loss is lower on 6 of 6")


def test_a_reward_models_accuracy_says_how_sure():
    rows = [PairScore(i, "Q?", "A.", "B.", 1.0 if i % 10 else -1.0, 0.0) for i in range(20)]  # 18 of 20 right
    result = PairResult("rm", rows)
    agg = result.aggregates()
    assert agg["reward_accuracy"] == 0.9 and agg["reward_accuracy_verdict"] == S.HIGHER
    assert (agg["reward_accuracy_low"], agg["reward_accuracy_high"]) == S.wilson_interval(18, 20)
    assert result.how_sure() == [
        "The reward model scores the chosen answer higher on 18 of 20 pairs (90%, 95% interval 70% to 97%): clearly "
        "more than chance (50%)."
    ]
    one = PairResult("rm", rows[:1])
    assert one.aggregates() == one.aggregates()  # no NaN: a kept result compares equal to itself read back
    assert one.how_sure()[0].endswith("too few pairs to tell.")
