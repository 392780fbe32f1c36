"""Helper 181's review of the newest commits: each test fails before its fix."""

from __future__ import annotations

import json

import pytest

from ftlib.run_thinking import reply_thinking, trained_thinking
from ftlib.templates import get_template
from tests.test_walk_h177 import AGAIN, ASK, CALL, LATER, QWEN3, RESULT, SAY


@pytest.mark.parametrize("policy", ["last_assistant", "completion_only"])
@pytest.mark.parametrize("messages", [[ASK, SAY, AGAIN, LATER], [ASK, CALL, RESULT, SAY]], ids=["chat", "tool-call"])
def test_a_run_that_trains_the_last_reply_alone_starts_where_that_reply_follows(tmp_path, policy, messages):
    """62f16f3 read a conversation's thinking state off every reply (Qwen3 writes the empty block before the last
    only, so an earlier reply follows the bare prompt: on). A run whose mask policy trains the last reply alone was
    never taught the earlier ones: it learned its one trained reply after the empty block (off), and started on it
    was asked in a shape its training never taught."""
    template = get_template("custom", source=QWEN3)
    assert reply_thinking(template, {"messages": messages}) is True  # every reply trained (the default policy)
    assert reply_thinking(template, {"messages": messages}, every_reply=False) is False
    split = tmp_path / "split"
    split.mkdir()
    (split / "train.jsonl").write_text(json.dumps({"messages": messages}) + "\n", encoding="utf-8")
    (split / "meta.json").write_text("{}", encoding="utf-8")  # a saved split's folder
    run = tmp_path / "run"
    run.mkdir()
    for mask_policy, expected in ((policy, False), ("all_assistant", True)):
        config = {"dataset": str(split), "mask_policy": mask_policy, "template": "custom"}
        (run / "config.json").write_text(json.dumps(config), encoding="utf-8")
        assert trained_thinking(run, template) is expected, mask_policy
