"""Found by using this session's new features cold (2026-12-06): runs compare, the Train page's Compare runs section,
train's default held-out share and GRPO's reward trial. Run folders are written directly (`make_run`)."""

from __future__ import annotations

import json
from pathlib import Path

from ftlib import run_compare, runs, workspace
from ftlib.testing import make_run

PROMPTS = [{"prompt": [{"role": "user", "content": "Say hi."}]}]


def curve(steps: int) -> list[dict]:
    return [{"kind": "train", "step": s, "loss": 2.0 - 0.1 * s, "tokens": 100 * s} for s in range(1, steps + 1)]


def test_a_run_taken_out_of_the_queue_before_its_first_step_is_not_offered_to_compare():
    """`runs stop` on a queued run leaves it interrupted with no step: nothing to compare, where a run stopped after
    a step has its curve (the picker listed every such 0-step run, 15 of them after a few GRPO tries)."""
    make_run("r-done", {"dataset": "numbers", "max_steps": 3}, metrics=curve(3), created=100.0)
    make_run("r-stopped", {"dataset": "numbers", "max_steps": 3}, state="interrupted", metrics=curve(1), created=200.0)
    make_run("r-unqueued", {"dataset": "numbers", "max_steps": 3}, state="interrupted", created=300.0)
    offered = [s.id for s in run_compare.comparable_runs(runs.list_runs())]
    assert offered == ["r-stopped", "r-done"]


def grpo_pair(rewards=({"contains": "Ahoy"},) * 2) -> None:
    """Two GRPO runs on one split: r-g1's held-out mean reward 0.1 then 0.2, r-g2's 0.1 then 0.6; their surrogate
    losses near 0 (0.0 at step 0)."""
    for (run_id, reward), spec in zip((("r-g1", 0.2), ("r-g2", 0.6)), rewards, strict=True):
        metrics = [
            {"kind": "eval", "step": 0, "eval_loss": 0.0, "eval_reward": 0.1},
            {"kind": "train", "step": 1, "loss": 0.01, "reward": reward, "tokens": 50},
            {"kind": "eval", "step": 1, "eval_loss": 0.004, "eval_reward": reward},
        ]
        config = {"method": "grpo", "dataset": "pirate_prompts", "max_steps": 1, "rewards": [spec]}
        made = make_run(run_id, config, metrics=metrics)
        workspace.keep_run_split(made.path, PROMPTS, PROMPTS, {})


def test_grpo_runs_compare_by_mean_reward_not_their_surrogate_loss():
    """GRPO logs TRL's eval_loss, its surrogate (0.0 at step 0, where nothing has moved): `runs compare` showed it as
    "best held-out loss 0.0000 (step 0)"; GRPO is judged by its rewards (`run_summary.SCORES`), the highest best."""
    grpo_pair()
    c = run_compare.compare(["r-g1", "r-g2"])
    assert [(n.measure, n.best_eval_loss, n.best_eval_step) for n in c.runs] == [
        ("mean reward", 0.2, 1),
        ("mean reward", 0.6, 1),
    ]
    assert [n.final_train_loss for n in c.runs] == [0.2, 0.6]  # the training reward, not the surrogate 0.01
    assert c.comparable and c.notes == [] and c.measures == "mean reward"
    assert [(s.kind, s.values, s.measure) for s in c.series if s.run_id == "r-g2"] == [
        ("training", [0.6], "mean reward"),
        ("held-out", [0.1, 0.6], "mean reward"),
    ]
    text = c.text()
    assert "training mean reward (last step)" in text and "best held-out mean reward" in text
    assert "0.6000 (step 1)" in text


def test_grpo_runs_under_other_rewards_do_not_compare():
    grpo_pair(rewards=({"contains": "Ahoy"}, {"regex": "^Arr"}))
    c = run_compare.compare(["r-g1", "r-g2"])
    assert not c.comparable and not c.same_loss and "not the same measure" in c.note
    assert "Rewards" in " ".join(s.label for s in c.settings)


def damaged_pair() -> None:
    """Two finished runs, the first one's config.json cut short (not JSON): every setting of it reads "-"."""
    for run_id in ("r-cut", "r-whole"):
        made = make_run(run_id, {"dataset": "numbers", "max_steps": 3}, metrics=curve(3))
    (made.path.parent / "r-cut" / "config.json").write_text('{"method": "lora", ', encoding="utf-8")


def test_a_config_that_does_not_read_is_not_explained_as_settings_added_since():
    """The "(default)" footnote explains values marked "(default)"; a damaged config marks none (every value "-"), yet
    the footnote said its settings were "added since"."""
    damaged_pair()
    c = run_compare.compare(["r-cut", "r-whole"])
    assert c.settings and all(s.values[0] == "-" for s in c.settings)
    assert not c.defaults_shown and "(default)" not in c.text()
    # An older config that lacks a setting still gets the footnote
    make_run("r-old", {"dataset": "numbers", "max_steps": 3, "beta": 0.5, "method": "dpo"}, metrics=curve(3))
    make_run("r-new", {"dataset": "numbers", "max_steps": 3, "method": "dpo"}, metrics=curve(3))
    config = workspace.runs_dir() / "r-new" / "config.json"
    config.write_text(json.dumps({k: v for k, v in json.loads(config.read_text()).items() if k != "beta"}))
    assert "(default): not in that run's config" in run_compare.compare(["r-old", "r-new"]).text()


def test_the_train_pages_compare_section_does_not_caption_defaults_for_a_damaged_config(tiny_model_dir):
    from streamlit.testing.v1 import AppTest

    damaged_pair()
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at = at.run().switch_page("pages/4_Train.py").run()
    section = next(e for e in at.expander if e.label == "Compare runs")
    section.multiselect[0].set_value(["r-cut", "r-whole"]).run()
    section = next(e for e in at.expander if e.label == "Compare runs")
    assert not at.exception and section.get("html")  # the comparison is drawn
    assert not [c.value for c in section.caption if "(default)" in c.value]


def test_a_grpo_runs_kind_names_its_rewards_without_the_forms_hint():
    """The chart's title and the note name a GRPO run's kind by its rewards; the setting's form label ("Rewards (a
    JSON or YAML list)") wrapped the title over the chart at 800 px (h39's browser look)."""
    kind = run_compare.loss_kind({"method": "grpo", "rewards": [{"contains": "Ahoy"}]})
    assert kind == 'GRPO mean reward (rewards [{"contains": "Ahoy"}])'
