"""The sidebar's Model box refuses an adapter's folder and a reward model in the pages' words, the CLI in its own:
the box showed "(the Train page's downloads, or `python -m ftlib runs export RUN --merged`)" and a reward model's
`python -m ftlib score RUN`, `--rewards '[...]'` and `--method reward` (`ui.labels.model_box_words`)."""

from __future__ import annotations

import pytest

from ftlib.errors import UserError
from ftlib.models import check_model
from tests.test_pages_sidebar import box, errors, sidebar


@pytest.mark.parametrize(
    "which, page, cli",
    [
        ("adapter", "(the Train page's downloads) and point here", "`python -m ftlib runs export adapter0 --merged`"),
        (
            "reward",
            "Score answers with its run on the **Evaluate** page, use it as a GRPO reward (the Train page's "
            "**Rewards** box), or train a reward model from it (the Train page's **Method** box)",
            "`python -m ftlib score ",
        ),
    ],
)
def test_the_model_box_says_the_pages_ways(monkeypatch, adapter_template, reward_adapter, which, page, cli):
    folder = adapter_template if which == "adapter" else reward_adapter
    monkeypatch.setenv("FTLIB_MODEL_DIRS", str(folder.parent))
    with pytest.raises(UserError) as refused:
        check_model(str(folder))
    assert cli in str(refused.value)  # the CLI's own words, as `sample --model` prints them
    at = sidebar()
    box(at).set_value(str(folder)).run()
    [refusal] = errors(at)
    assert refusal.startswith(f"`{folder}` cannot be used: ") and page in refusal, refusal
    assert "python -m ftlib" not in refusal and "--" not in refusal, refusal
