"""Small defects a walk of the alignment methods found (helper 227), fixed by helper 233."""

import re


def _train_help(capsys) -> str:
    import pytest

    from ftlib.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    return capsys.readouterr().out


def test_train_help_heads_grpos_settings_with_words_true_for_them(capsys):
    """`train --help` listed GRPO's rewards, group size and temperature under "preference settings": GRPO learns from
    reward functions, not preferences. The heading says it, as the Train form's "Preference and reinforcement
    learning" does."""
    out = _train_help(capsys)
    headings = re.findall(r"^(\S[^\n]*settings[^\n]*):$", out, re.M)
    assert "preference settings" not in headings
    holding = next(h for h in headings if "reinforcement learning" in h.lower())
    section = out.split(f"{holding}:", 1)[1]
    section = section.split("\n\n", 1)[0] if "\n\n" in section else section
    assert "--rewards" in section and "--grpo-group-size" in section and "--beta" in section
