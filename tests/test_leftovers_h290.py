"""Reviewers' leftovers (helper 290): each test fails without its fix."""

from __future__ import annotations

from ftlib.cli import main


def test_a_reward_typed_without_a_space_after_the_colon_is_not_called_invalid(capsys):
    """`--rewards '[{final_answer:answer}]'` is valid YAML (one key `final_answer:answer` with no value): the line
    said "`rewards` is not valid JSON or YAML (... write a space after the colon ...)"; now the fix alone."""
    code = main(["train", "--method", "grpo", "--rewards", "[{final_answer:answer}]"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert "not valid JSON or YAML" not in err and "Write a list such as" not in err, err
    assert "write a space after the colon: {final_answer: answer}" in err, err
