"""The reward preview's refusal of a prompt that fills the model's context names that prompt as the page does.

`sampling.generate_stream` refuses a prompt of the context's length ("Row i's prompt ... fills the model's context")
by its place in the batch it decodes, 0-based. The preview decodes `grpo_group_size` copies of each prompt, so the
second prompt of a group of 2 read "Row 2's prompt": neither its row in the split nor its place in the preview.
"""

from __future__ import annotations

import pytest

from ftlib import sampling as S
from ftlib.decoding import SamplingError
from ftlib.models import load_model, load_tokenizer
from tests.test_context_finish import GRPO_PROMPTS, _prompt_lengths


def test_the_preview_names_the_prompt_that_fills_the_context_by_its_row(varied_model, monkeypatch):
    from ftlib.reward_preview import preview_rewards
    from tests.test_grpo_cut_answers import _config, _stops

    model_dir = varied_model(3)
    config = _config(model_dir, grpo_max_new_tokens=4, grpo_group_size=2)
    short, long = _prompt_lengths(model_dir, config, GRPO_PROMPTS)  # a quiz question, then a longer one
    model = load_model(str(model_dir), device="cpu")
    model.config.max_position_embeddings = long  # the second prompt fills it: no room for one answer token
    monkeypatch.setattr(S, "stop_token_ids", _stops("none"))
    with pytest.raises(SamplingError) as refused:
        preview_rewards(model, load_tokenizer(str(model_dir)), config, GRPO_PROMPTS, prompts=2)
    said = str(refused.value)
    assert said.startswith(f"Prompt 2 (row 2 of the training split) is {long} tokens: it fills the model's"), said
    assert "Row 2's" not in said and f"context of {long} tokens" in said
    assert said.endswith("unless **Max length (tokens)** leaves it out."), said
