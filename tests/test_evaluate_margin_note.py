"""DPO `evaluate` printed `mean_reward_margin: 67.77` beside `trl_reward_margin: 6.78` with nothing saying the
second is beta x the first (TRL's rewards/margins, what training logged): a note says so, with the numbers."""

from __future__ import annotations

import json

import pytest

from ftlib import workspace
from ftlib.cli import main
from ftlib.testing import make_run


def test_a_dpo_evaluate_gives_trls_margin_beside_its_own_and_says_how_they_relate(
    capsys, varied_dir, adapter_template
):
    """A cold review: `evaluate` printed mean_reward_margin 35.74 while the training log said margin 3.166: TRL's
    rewards/margins is beta x the log-ratio margin. Both are given, with beta (test_cli_sample had this check)."""
    pairs = [
        {
            "prompt": [{"role": "user", "content": f"Pick a fruit, round {i}."}],
            "chosen": [{"role": "assistant", "content": "A pear."}],
            "rejected": [{"role": "assistant", "content": "Gravel."}],
        }
        for i in range(3)
    ]
    workspace.save_split("fruit-pairs", pairs[:1], pairs)
    config = {"model": str(varied_dir), "dataset": "fruit-pairs", "method": "dpo", "beta": 0.25}
    run = make_run("run-dpo-fruit", config, adapter=adapter_template)
    assert main(["evaluate", str(run.path), "--max-new-tokens", "2"]) == 0
    out = capsys.readouterr().out
    printed = dict(ln.split(": ", 1) for ln in out.splitlines() if ": " in ln and not ln.startswith("note"))
    margin = printed["mean reward margin (nats)"]  # the note's numbers, as printed
    trl = printed["TRL's reward margin (beta x the mean reward margin)"]
    assert f"note: TRL's reward margin is beta x the mean reward margin (0.25 x {margin} = {trl}): " in out
    assert "TRL's rewards/margins, which training logged, is it times beta." in out and "page" not in out, out
    # "nats" in words once, as the Evaluate page says it in the margin's help (a walk found the unit unexplained)
    assert out.count("note: Nats are the natural-log units of probability: a margin of +0.69 nats") == 1, out
    # With --json, stdout stays one JSON object: the note goes to stderr.
    assert main(["evaluate", str(run.path), "--max-new-tokens", "2", "--json"]) == 0
    out, err = capsys.readouterr()
    agg = json.loads(out)
    assert agg["beta"] == 0.25 and agg["trl_reward_margin"] == pytest.approx(0.25 * agg["mean_reward_margin"])
    assert "note: trl_reward_margin is beta x mean_reward_margin" in err


def test_a_run_without_beta_prints_no_margin_note(capsys, varied_dir, adapter_template):
    workspace.save_split(
        "plain-chats",
        [{"messages": [{"role": "user", "content": "Hi."}, {"role": "assistant", "content": "Hello."}]}],
        [{"messages": [{"role": "user", "content": "Bye."}, {"role": "assistant", "content": "Goodbye."}]}],
    )
    run = make_run("run-lora-plain", {"model": str(varied_dir), "dataset": "plain-chats"}, adapter=adapter_template)
    assert main(["evaluate", str(run.path), "--max-new-tokens", "2"]) == 0
    out = capsys.readouterr().out
    assert "TRL's reward margin" not in out and "nats" not in out  # no pair, no margin: no word on its unit
