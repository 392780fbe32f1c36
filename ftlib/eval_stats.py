"""How sure a held-out comparison is: a 95% interval on the mean per-row change and on a share, said in words.

With the 5-30 held-out rows of a demo, a small mean difference between base and tuned can be noise. Each measure
here comes with its interval and a plain verdict, as lm-evaluation-harness reports a standard error beside every
metric:

    >>> change = paired_change([2.0, 2.1, 1.9, 2.2, 2.0], [1.5, 1.7, 1.6, 1.75, 1.65])
    >>> change.verdict, round(change.mean, 2), round(change.low, 3), round(change.high, 3)
    ('clearly lower', -0.4, -0.498, -0.302)
    >>> said = change.sentence()
    >>> said[:66]
    'Tuned loss is lower on 5 of 5 rows; the mean change per row -0.400'
    >>> said[66:]
    ' (95% interval -0.498 to -0.302): clearly lower.'
    >>> acc = share(14, 20)
    >>> acc.verdict, round(acc.low, 3), round(acc.high, 3)
    ('within noise', 0.481, 0.855)

- A per-row change (tuned - base, one number per row): its mean with a paired t interval, mean +- t(0.975, n-1) *
  s / sqrt(n), s the rows' sample standard deviation (Student 1908; any statistics text, e.g. Wasserman, "All of
  Statistics", 2004, sec. 10.4). Paired: each row is measured under both models, so the rows' own difficulty
  cancels. Not a bootstrap: for 5-30 rows the percentile bootstrap's interval is too narrow (it spreads by the
  sample's standard deviation over n, not n - 1, and ignores that the spread itself is estimated: Hesterberg 2015,
  "What Teachers Should Know About the Bootstrap", The American Statistician 69(4), "narrowness bias"), where the t
  interval is exact for normal differences; and it needs no seed, so the same rows give the same interval on any
  machine and after a reload of a kept evaluation (recomputed from the kept rows). The t quantile is computed
  exactly for the integer degrees of freedom, from Student's distribution function in closed form (Abramowitz &
  Stegun 26.7.3), by bisection: no scipy.
- Answered at every reply (`ftlib.evaluate`), each reply of a conversation is one pair, and its change one value: the
  interval then treats the replies of one conversation as independent draws, which they are not (`replies_note` says
  so beside it). So the "too few" rule counts what is independent: the conversations (`paired_change`'s `groups`),
  fewer than `MIN_ROWS` of them "too few conversations to tell" (`TOO_FEW_GROUPS`), however many replies they gave.
- A share of k rows in n (a reward accuracy): Wilson's score interval (Wilson 1927, JASA 22(158)), which keeps
  inside [0, 1] and holds its coverage for small n where the normal approximation does not (Brown, Cai & DasGupta
  2001, "Interval Estimation for a Binomial Proportion", Statistical Science 16(2)).

Verdicts (`LOWER` ... `TOO_FEW`): fewer than `MIN_ROWS` rows is too few to tell, whatever the interval (one odd row
decides it, and the sample cannot show whether its changes are roughly normal, the t interval's assumption); every row
within `UNCHANGED` nats of no change is "no change"; otherwise the interval decides: wholly below zero (or the chance
share) "clearly lower", wholly above "clearly higher", across it "within noise". What the numbers cannot know: whether
the held-out rows are like the rows the model will meet.

Not known here: models, runs, the result classes (evaluate.py, reward_eval.py use this), Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from types import SimpleNamespace  # noqa: F401 (replies_note's doctest)

from ftlib.errors import plural

CONFIDENCE = 0.95
MIN_ROWS = (
    5  # fewer rows (conversations, answered at every reply) than this: "too few ... to tell", whatever the interval
)
UNCHANGED = 5e-4  # nats: a row whose loss moved less counts as unchanged (it shows as +0.000 at 3 decimals)

LOWER, HIGHER, NOISE, TOO_FEW, NO_CHANGE, NOTHING = (
    "clearly lower",
    "clearly higher",
    "within noise",
    "too few rows to tell",
    "no change",
    "nothing to compare",
)
TOO_FEW_GROUPS = "too few conversations to tell"  # several replies of each of fewer than MIN_ROWS conversations


def _t_two_sided(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with `df` (>= 1, integer) degrees of freedom: Abramowitz & Stegun 26.7.3.

    >>> round(_t_two_sided(12.7062047, 1), 6), round(_t_two_sided(4.30265273, 2), 6)
    (0.95, 0.95)
    """
    theta = math.atan(t / math.sqrt(df))
    s, c2 = math.sin(theta), math.cos(theta) ** 2
    if df % 2 == 0:  # sin(theta) * (1 + 1/2 cos^2 + (1*3)/(2*4) cos^4 + ... up to cos^(df-2))
        term = total = 1.0
        for j in range(1, df // 2):
            term *= c2 * (2 * j - 1) / (2 * j)
            total += term
        return s * total
    if df == 1:
        return 2 * theta / math.pi
    c = math.cos(theta)  # (2/pi) (theta + sin(theta) (cos + 2/3 cos^3 + (2*4)/(3*5) cos^5 + ... up to cos^(df-2)))
    term = total = c
    for j in range(1, (df - 1) // 2):
        term *= c2 * (2 * j) / (2 * j + 1)
        total += term
    return 2 / math.pi * (theta + s * total)


@lru_cache(maxsize=256)
def t_quantile(p: float, df: int) -> float:
    """The `p` quantile (0.5 <= p < 1) of Student's t with `df` (integer >= 1) degrees of freedom, to about 1e-12:
    bisection on the closed-form distribution function (`_t_two_sided`). ValueError outside those ranges.

    >>> round(t_quantile(0.975, 1), 3), round(t_quantile(0.975, 4), 3), round(t_quantile(0.975, 19), 3)
    (12.706, 2.776, 2.093)
    """
    if not 0.5 <= p < 1 or int(df) != df or df < 1:
        raise ValueError(f"t_quantile needs 0.5 <= p < 1 and an integer df >= 1, got p={p}, df={df}.")
    target = 2 * p - 1  # P(|T| <= t) for the two-sided interval
    low, high = 0.0, 1.0
    while _t_two_sided(high, int(df)) < target:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if high - low <= 1e-13 * max(1.0, high):
            break
        low, high = (mid, high) if _t_two_sided(mid, int(df)) < target else (low, mid)
    return (low + high) / 2


def mean_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float, float] | None:
    """(mean, low, high): the t interval on the mean of `values` (finite floats); None for fewer than 2 values. Values
    all equal give low == high == mean (no spread, no NaN).

    >>> [round(x, 6) for x in mean_interval([1.0, 2.0, 3.0])]  # 2 +- t(0.975, 2) * 1 / sqrt(3)
    [2.0, -0.484138, 4.484138]
    """
    n = len(values)
    if n < 2:
        return None
    mean = math.fsum(values) / n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_quantile((1 + confidence) / 2, n - 1) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """(low, high): Wilson's score interval for a share of `k` successes in `n` trials; None when n is 0.

    >>> [round(x, 4) for x in wilson_interval(14, 20)]
    [0.481, 0.8545]
    >>> wilson_interval(0, 5)[0], wilson_interval(5, 5)[1]
    (0.0, 1.0)
    """
    if n <= 0:
        return None
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    p, z2 = k / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # None of k or all of them: the bound is 0 or 1 exactly (the formula leaves a rounding error, 2.8e-17 for 0 of 10)
    return (0.0 if k == 0 else centre - half), (1.0 if k == n else centre + half)


def _num(value: float) -> str:
    return f"{value:+.3f}" if abs(value) < 1e4 else f"{value:+.3g}"  # as the Evaluate page shows a loss change


def _too_few_why(clears: str, noun: str) -> str:
    """Why `TOO_FEW` stands beside an interval that clears `clears` (the verdict it would give is not given).

    >>> _too_few_why("0", "row")
    ' (the interval clears 0, but under 5 rows one odd row can decide it)'
    """
    return f" (the interval clears {clears}, but under {plural(MIN_ROWS, noun)} one odd {noun} can decide it)"


@dataclass(frozen=True)
class PairedChange:
    """How sure a per-row change (tuned - base) is: `n` rows with a finite change (`left_out`: rows without one),
    how many went `lower` / `higher` / stayed within `UNCHANGED`, the mean change and its 95% interval (`low`, `high`;
    None where undefined: no row, or one), and the `verdict` (`LOWER`, `HIGHER`, `NOISE`, `TOO_FEW`, `NO_CHANGE`,
    `NOTHING`)."""

    n: int
    lower: int
    higher: int
    unchanged: int
    mean: float | None
    low: float | None
    high: float | None
    verdict: str
    left_out: int = 0

    def sentence(self, measure: str = "Tuned loss", noun: str = "row", missing: str = "loss") -> str:
        """The verdict in one line, with the counts and the interval ("Tuned loss is lower on 18 of 20 rows ...");
        rows left out are said as without a finite `missing` ("reward": a GRPO run's total, `ftlib.reward_eval`)."""
        if self.n == 0:
            return f"No {noun} has a finite change to compare."
        counted = plural(self.n, noun)
        if self.verdict == NO_CHANGE:
            said = f"{measure} is unchanged on {'the' if self.n == 1 else 'all'} {counted}: no change."
        else:
            most, other = ("lower", "higher") if self.lower >= self.higher else ("higher", "lower")
            counts = {"lower": self.lower, "higher": self.higher}
            rest = [f"{other} on {counts[other]}"] if counts[other] else []
            rest += [f"unchanged on {self.unchanged}"] if self.unchanged else []
            also = f" ({', '.join(rest)})" if rest else ""
            spread = (
                f"the change {_num(self.mean)}"
                if self.low is None
                else f"the mean change per {noun} {_num(self.mean)} (95% interval {_num(self.low)} to "
                f"{_num(self.high)})"
            )
            verdict = self.verdict.replace("rows", plural(2, noun).removeprefix("2 "))
            if self.verdict == TOO_FEW and self.low is not None and (self.high < 0 or self.low > 0):
                verdict += _too_few_why("0", noun)  # the interval beside it would say otherwise: why it does not
            said = f"{measure} is {most} on {counts[most]} of {counted}{also}; {spread}: {verdict}."
        if self.left_out:
            said += f" {plural(self.left_out, noun)} without a finite {missing} left out."
        return said

    def as_dict(self, prefix: str) -> dict:
        """The numbers under `prefix_...` keys, for an evaluation's aggregates (None where undefined, never NaN)."""
        return {
            f"{prefix}_mean": self.mean,
            f"{prefix}_low": self.low,
            f"{prefix}_high": self.high,
            f"{prefix}_verdict": self.verdict,
            f"{prefix}_lower": self.lower,
            f"{prefix}_higher": self.higher,
            f"{prefix}_unchanged": self.unchanged,
        }


def paired_change(
    base: Sequence[float], tuned: Sequence[float], unchanged: float = UNCHANGED, groups: Sequence | None = None
) -> PairedChange:
    """How sure the change from `base` to `tuned` is, one pair of values per row (losses in nats): the changes
    tuned - base, rows where either is not finite left out (counted in `left_out`), summarised by `PairedChange`.
    `groups`: what each pair belongs to where several pairs share one draw (answered at every reply, each reply's
    conversation): the "too few" rule then counts the groups, and where some group gave several pairs and there are
    fewer than `MIN_ROWS` groups, the verdict is `TOO_FEW_GROUPS` ("too few conversations to tell"), whatever the
    interval over the pairs says.

    >>> paired_change([1.0], [0.5]).verdict, paired_change([1.0] * 6, [1.0] * 6).verdict, paired_change([], []).verdict
    ('too few rows to tell', 'no change', 'nothing to compare')
    >>> replies = paired_change([2.0] * 6, [1.0, 1.2, 0.9, 1.1, 1.0, 1.0], groups=[0, 0, 1, 1, 2, 2])
    >>> replies.verdict  # 6 replies of 3 conversations
    'too few conversations to tell'
    """
    kept = [
        (b, t, g) for b, t, g in zip(base, tuned, groups or [None] * len(base), strict=True) if math.isfinite(t - b)
    ]
    changes = [t - b for b, t, _ in kept]
    n, left_out = len(changes), len(base) - len(changes)
    drawn = len({g for _, _, g in kept}) if groups is not None else n  # the independent draws: rows, conversations
    lower = sum(c < -unchanged for c in changes)
    higher = sum(c > unchanged for c in changes)
    if n == 0:
        return PairedChange(0, 0, 0, 0, None, None, None, NOTHING, left_out)
    interval = mean_interval(changes)
    mean, low, high = interval if interval else (changes[0], None, None)
    if lower == higher == 0:
        verdict = NO_CHANGE
    elif drawn < MIN_ROWS:
        verdict = TOO_FEW_GROUPS if drawn < n else TOO_FEW  # a conversation's several replies are not several draws
    else:
        verdict = LOWER if high < 0 else HIGHER if low > 0 else NOISE
    return PairedChange(n, lower, higher, n - lower - higher, mean, low, high, verdict, left_out)


def replies_note(rows: Sequence, verdict: str | None = None) -> str:
    """Where each of several replies of one conversation was an item of its own (`rows`: results with `index`, the
    conversation, and `reply`, None unless answered at every reply), what the paired interval over them assumes: the
    replies are paired one by one, each counting as a draw, though the replies of one conversation are not
    independent, so the interval is likely too narrow; with the `verdict` `TOO_FEW_GROUPS` (`paired_change` given the
    conversations; None: fewer than `MIN_ROWS` conversations), why it is too few to tell. "" where no conversation
    gave more than one.

    >>> R = SimpleNamespace
    >>> replies_note([R(index=0, reply=1), R(index=0, reply=2), R(index=1, reply=1)])[:62]
    'The interval counts each of the 3 replies of 2 conversations a'
    >>> replies_note([R(index=0, reply=1), R(index=0, reply=2), R(index=1, reply=1)])[-77:]
    'the verdict counts the conversations instead, and under 5 is too few to tell.'
    >>> replies_note([R(index=0, reply=1), R(index=1, reply=1)]), replies_note([R(index=0, reply=None)])
    ('', '')
    """
    replies = [(r.index, r.reply) for r in rows if getattr(r, "reply", None) is not None]
    conversations = len({index for index, _ in replies})
    if len(replies) <= conversations:
        return ""
    too_few = verdict == TOO_FEW_GROUPS if verdict is not None else conversations < MIN_ROWS
    return (
        f"The interval counts each of the {len(replies)} replies of {plural(conversations, 'conversation')} as a "
        "draw of its own, but the replies of one conversation are not independent (one topic, one prompt so far), so "
        "it is likely narrower than it should be"
        + (
            f"; the verdict counts the conversations instead, and under {MIN_ROWS} is too few to tell."
            if too_few
            else ": read a verdict near its edge as within noise."
        )
    )


@dataclass(frozen=True)
class Share:
    """How sure a share of `k` in `n` is (a reward accuracy): its 95% Wilson interval (`low`, `high`; None for n = 0)
    and the `verdict` against `chance`: `HIGHER` (the interval wholly above it), `LOWER`, `NOISE`, `TOO_FEW`
    (fewer than `MIN_ROWS`) or `NOTHING`."""

    k: int
    n: int
    low: float | None
    high: float | None
    chance: float
    verdict: str

    def sentence(self, what: str, noun: str = "pair") -> str:
        """`what` ("Tuning moved ... toward the chosen answer": its count goes where `{k}` is) with the share, its
        interval and the verdict against chance, in one line."""
        if self.n == 0:
            return f"No {noun} to compare."
        counted = what.format(k=f"{self.k} of {plural(self.n, noun)}")
        against = {
            HIGHER: f"clearly more than chance ({self.chance:.0%})",
            LOWER: f"clearly less than chance ({self.chance:.0%})",
            NOISE: f"within noise of chance ({self.chance:.0%})",
        }.get(self.verdict, self.verdict.replace("rows", plural(2, noun).removeprefix("2 ")))
        if self.verdict == TOO_FEW and (self.low > self.chance or self.high < self.chance):
            against += _too_few_why(f"chance ({self.chance:.0%})", noun)
        return f"{counted} ({self.k / self.n:.0%}, 95% interval {self.low:.0%} to {self.high:.0%}): {against}."

    def as_dict(self, prefix: str) -> dict:
        """The interval and verdict under `prefix_...` keys (None where undefined, never NaN)."""
        return {f"{prefix}_low": self.low, f"{prefix}_high": self.high, f"{prefix}_verdict": self.verdict}


def share(k: int, n: int, chance: float = 0.5) -> Share:
    """How sure a share of `k` in `n` is against `chance` (a coin's 0.5 for which of two answers wins), by Wilson's
    interval.

    >>> share(18, 20).verdict, share(3, 3).verdict, share(0, 0).verdict
    ('clearly higher', 'too few rows to tell', 'nothing to compare')
    """
    interval = wilson_interval(k, n)
    if interval is None:
        return Share(0, 0, None, None, chance, NOTHING)
    low, high = interval
    if n < MIN_ROWS:
        verdict = TOO_FEW
    else:
        verdict = HIGHER if low > chance else LOWER if high < chance else NOISE
    return Share(k, n, low, high, chance, verdict)


__all__ = [
    "CONFIDENCE",
    "HIGHER",
    "LOWER",
    "MIN_ROWS",
    "NOISE",
    "NOTHING",
    "NO_CHANGE",
    "TOO_FEW",
    "TOO_FEW_GROUPS",
    "UNCHANGED",
    "PairedChange",
    "Share",
    "mean_interval",
    "paired_change",
    "replies_note",
    "share",
    "t_quantile",
    "wilson_interval",
]
