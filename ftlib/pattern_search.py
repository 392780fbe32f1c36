"""A regex reward's search, bounded in time: a pattern typed in the browser must not stall the server.

    search("^Ahoy", "Ahoy there")     -> True
    search("(a|aa)+$", "a" * 40 + "!")  -> RewardError after SEARCH_SECONDS ("... took over 1 s on one answer ...")

Python's `re` holds the GIL while it matches and cannot be stopped: a pattern that backtracks exponentially (a repeat
inside a repeat) on one answer froze every session of the server for as long as it ran (a review: 4.5 s on 27
characters, growing 16x per 4 more). The `regex` package (transformers' own dependency; the same syntax as `re`)
matches without holding the GIL (`concurrent=True`) and stops at a timeout. Not known here: what a reward is
(rewards.py).
"""

from __future__ import annotations

import re

import regex

from ftlib.reward_config import repeat_problem, shown
from ftlib.reward_functions import RewardError

SEARCH_SECONDS = 1.0  # one answer; a sane pattern takes microseconds on a few hundred characters
# A training run's own process (ftlib.worker.main): no session shares it, and a search slowed by the run's own load
# must not stop it hours in; a pattern that backtracks without end still stops it, said, instead of hanging.
RUN_SEARCH_SECONDS = 30.0


class PatternTimeout(RewardError):
    """A regex reward's pattern ran past SEARCH_SECONDS on one answer."""


def search(pattern: str, text: str, seconds: float | None = None) -> bool:
    """Whether `pattern` (Python `re` syntax) matches somewhere in `text`; PatternTimeout after `seconds`, RewardError
    for a pattern `re` compiles and `regex` does not, and before compiling one whose counted repeats `regex` would
    write out into too many copies (reward_config.repeat_problem: gigabytes for (?:(?:a{1000}){1000}){100}).

    >>> search("^Ahoy", "Ahoy! Hi."), search("^Ahoy", "Well, Ahoy")
    (True, False)
    >>> try:
    ...     search("(a|aa)+$", "a" * 40 + "!", seconds=0.05)
    ... except PatternTimeout as exc:
    ...     print(str(exc).split(" and was")[0])
    The regex reward '(a|aa)+$' took over 0.05 s on one answer (41 characters)
    """
    seconds = SEARCH_SECONDS if seconds is None else seconds  # read at the call: a worker raises it for its run
    try:
        too_many = repeat_problem(pattern)
    except re.error as exc:  # `re` cannot read it, so its copies cannot be counted (the run's settings were checked)
        raise RewardError(f"The regex reward {shown(pattern)} is not a valid regular expression: {exc}.") from None
    if too_many:
        raise RewardError(f"The regex reward {too_many}")
    try:
        return regex.search(pattern, text, timeout=seconds, concurrent=True) is not None
    except TimeoutError:
        raise PatternTimeout(
            f"The regex reward {shown(pattern)} took over {seconds:g} s on one answer ({len(text)} characters) and "
            "was stopped: a repeat inside a repeat, such as (a|aa)+ or (a+)+, tries exponentially many ways to match "
            'before it fails. Write it with one repeat (a+ instead of (a+)+), or use {"contains": TEXT} for plain '
            "text."
        ) from None
    except regex.error as exc:  # `re` took it (the run's settings are checked with `re`); rare: said, not a traceback
        raise RewardError(
            f"The regex reward {shown(pattern)} cannot be searched with: {exc}. Simplify the pattern."
        ) from None


__all__ = ["RUN_SEARCH_SECONDS", "SEARCH_SECONDS", "PatternTimeout", "search"]
