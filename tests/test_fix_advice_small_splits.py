"""Two refusals' fixes that could not be followed (a review of every message's advice, 2026-12-06): a split of 5 rows
or fewer was told to keep 5 held out, which leaves none to train on (`--test-size 5` is refused); a GRPO split of
prompts was told of a held-out loss it has not; a custom template without its text named only the page's box."""

from __future__ import annotations

import pytest

from ftlib.config import ConfigError, RunConfig
from ftlib.splits import TINY_TEST_ROWS, split_warnings


def _held_out_warning(n_train: int, n_test: int, kind: str = "sft") -> str:
    [said] = [w for w in split_warnings(n_train, n_test, kind=kind) if "held-out" in w.split(".")[0]]
    return said


def test_a_split_too_small_to_hold_out_five_is_told_to_add_rows():
    said = _held_out_warning(3, 1)
    assert "Add rows" in said and f"Keep at least {TINY_TEST_ROWS} held out" not in said
    assert f"Keep at least {TINY_TEST_ROWS} held out" in _held_out_warning(30, 2)  # 32 rows can hold out 5


def test_a_grpo_split_of_prompts_is_not_told_of_a_held_out_loss():
    said = _held_out_warning(30, 2, kind="prompt_only")
    assert "held-out loss" not in said and "Evaluate scores the answers" in said
    assert "A run's held-out loss is measured on them alone" in _held_out_warning(30, 2)


def test_a_custom_template_without_text_names_the_clis_flag():
    with pytest.raises(ConfigError, match="--template-file FILE"):
        RunConfig(template="custom", template_source=" ")
