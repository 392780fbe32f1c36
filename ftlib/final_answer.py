"""GRPO's `final_answer` reward: 1.0 when an answer's final answer equals the reference's (GSM8K's, MATH's scoring).

    final_answer("16 + 8 = 24 friends, so 40")                 # '40': the last number
    final_answer("<answer>24</answer>"), final_answer("so \\\\boxed{24}.")   # '24', '24'
    final_answer_score("3 plus 3 is 6.\\n#### 6", "It is 6.")     # 1.0: compared by value
    final_answer_score("#### 24", "16 + 8 = 24 friends, so 40")   # 0.0: `contains_column` gives this 1.0
    column_kind(["Half is 3.\\n#### 3", "\\\\boxed{5}", 7])   # 'final_answer': the column reward these values fit

`contains_column` gives full marks for the reference's number anywhere in an answer, so "16 + 8 = 24 ... so 40"
scores 1.0 against "#### 24" and GRPO can learn to scatter numbers (helper 89's walk). This reward reads one answer
from each side, as the field's accuracy rewards do: open-r1's and TRL's `accuracy_reward` (math_verify's parse,
the `\\boxed{}` answer first; no math_verify here: numbers and text only), the `<answer>` tags of DeepSeek-R1's
template (open-r1's `format_reward`), GSM8K's "#### N" (Cobbe et al. 2021), and lm-evaluation-harness's GSM8K
"flexible-extract": the last number. Which of the two column rewards fits a column's values is decided here once
(`column_kind`), for every hint that suggests one. Not known here: reading a row's column (column_values.py),
building a run's rewards (rewards.py).
"""

from __future__ import annotations

import re

from ftlib.column_values import NUMBER, column_answer, column_scorer, last_boxed, number_value, texts

_TAGGED = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)


def final_answer(text: str) -> str:
    """The final answer of a model's answer `text`, by the first rule that applies: the inside of its last
    `<answer>...</answer>` (DeepSeek-R1's template, open-r1's format reward), else of its last `\\boxed{...}` (MATH,
    math_verify's first choice), else the line after its last "####" (GSM8K), else its last number
    (lm-evaluation-harness's GSM8K flexible-extract), else the whole text; stripped.

    >>> final_answer("<answer> 24 </answer>"), final_answer("so \\\\boxed{\\\\frac{1}{2}}.")
    ('24', '\\\\frac{1}{2}')
    >>> final_answer("#### 7\\nok"), final_answer("<answer>1</answer> <answer>2</answer>")
    ('7', '2')
    >>> final_answer("16 + 8 = 24 friends, so 40 in all."), final_answer("Paris"), final_answer("")
    ('40', 'Paris', '')
    """
    if tagged := _TAGGED.findall(text):
        return tagged[-1].strip()
    if (boxed := last_boxed(text)) is not None:
        return boxed.strip()
    if "####" in text:
        return text.rsplit("####", 1)[1].strip().split("\n", 1)[0].strip()
    numbers = list(NUMBER.finditer(text))
    return numbers[-1].group(0) if numbers else text.strip()


def _plain(text: str) -> str:
    """Text as compared when it is not a number: spaces, math dollars, a closing full stop and case left out."""
    return re.sub(r"\s+", "", text).strip("$").rstrip(".").casefold()


def final_answer_score(value: str, text: str) -> float:
    """1.0 when the final answer of `text` (`final_answer`) equals the reference's (`column_answer` of a row's
    `value`: after "####", else its last `\\boxed{}`, else the whole value), else 0.0. A number reference is compared
    by value with the last number of the answer's final answer ("5,000" == 5000, "$13.00" == 13, "24 friends" ==
    24; none: 0.0); any other as text, ignoring spaces, case, `$` and a closing full stop.

    >>> [final_answer_score("#### 24", t) for t in ("It is 24.", "24 friends, so 40", "<answer>$24.00</answer>")]
    [1.0, 0.0, 1.0]
    >>> final_answer_score("\\\\boxed{\\\\frac{1}{2}}", "x = \\\\boxed{\\\\frac{1}{2}}")
    1.0
    """
    reference = column_answer(value)
    answer = final_answer(text)
    wanted = number_value(reference)
    if wanted is None:
        return 1.0 if _plain(answer) and _plain(answer) == _plain(reference) else 0.0
    numbers = list(NUMBER.finditer(answer))
    return 1.0 if numbers and number_value(numbers[-1].group(0)) == wanted else 0.0


def final_answer_reward(column: str):
    """`final_answer`'s scorer over a batch (TRL's reward-function shape), reading the reference at each row's
    `column` (a name or a dotted path into an object column; a list: the best over its answers). RewardError for a
    row without a value there, or whose value is an object (`column_values.column_scorer`)."""
    return column_scorer("final_answer", column, final_answer_score)


def has_final_form(value: str) -> bool:
    """True when a reference `value` gives a final answer to compare with: GSM8K's "#### N", a closed `\\boxed{...}`
    (MATH), or one bare number ("42", "-2", "5,000", "13.50"); False for free text ("It is Paris.", "$13", "3/4").

    >>> [has_final_form(v) for v in ("Half is 3.\\n#### 3", "so \\\\boxed{x+1}", " 5,000 ", "Paris", "3/4", "")]
    [True, True, True, False, False, False]
    """
    return "####" in value or last_boxed(value) is not None or number_value(value) is not None


def column_kind(values) -> str:
    """The column reward that fits a column from its rows' `values` (texts, numbers, lists of them; None, blanks and
    objects are passed over): "final_answer" when every answer they give has a final-answer form
    (`has_final_form`: GSM8K's, MATH's, a bare number), which is then all that should count; else "contains_column"
    (free text: "It is Paris." has no final answer for `final_answer` to compare, and a model's "Paris" would score 0
    against it), and for no values at all. `contains_column` on a number gives full marks for it anywhere in the
    answer ("16 + 8 = 24 friends, so 40" against "#### 24"), which GRPO can learn to exploit.

    >>> column_kind(["3 plus 3 is 6.\\n#### 6", "#### 12"]), column_kind(["$\\\\boxed{\\\\frac{1}{2}}$"])
    ('final_answer', 'final_answer')
    >>> column_kind([4, "17", None, {"a": 1}]), column_kind([["6", "12"]])
    ('final_answer', 'final_answer')
    >>> column_kind(["It is Paris.", "#### 6"]), column_kind([["6", "six"]]), column_kind([]), column_kind([" "])
    ('contains_column', 'contains_column', 'contains_column', 'contains_column')
    """
    given = [t for value in values for t in texts(value) or [] if t.strip()]
    return "final_answer" if given and all(has_final_form(t) for t in given) else "contains_column"
