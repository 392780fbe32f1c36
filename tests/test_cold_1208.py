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


def test_grpo_runs_have_no_best_held_out_loss_their_surrogate_is_not_one():
    """GRPO logs TRL's eval_loss, its surrogate (0.0 at step 0, where nothing has moved): `runs compare` showed it as
    "best held-out loss 0.0000 (step 0)" and drew it; GRPO is judged by its rewards (`run_summary.SCORES`)."""
    for run_id, reward in (("r-g1", 0.2), ("r-g2", 0.6)):
        metrics = [
            {"kind": "eval", "step": 0, "eval_loss": 0.0, "eval_reward": 0.1},
            {"kind": "train", "step": 1, "loss": 0.01, "reward": reward, "tokens": 50},
            {"kind": "eval", "step": 1, "eval_loss": 0.004, "eval_reward": reward},
        ]
        made = make_run(
            run_id,
            {"method": "grpo", "dataset": "pirate_prompts", "max_steps": 1, "rewards": [{"contains": "Ahoy"}]},
            metrics=metrics,
        )
        workspace.keep_run_split(made.path, PROMPTS, PROMPTS, {})
    c = run_compare.compare(["r-g1", "r-g2"])
    assert [(n.best_eval_loss, n.best_eval_step) for n in c.runs] == [(None, None), (None, None)]
    assert not c.comparable and "a method whose held-out number is not a loss" in c.note
    assert [s.kind for s in c.series] == ["training", "training"]  # no held-out line of the surrogate
    assert [n.final_train_loss for n in c.runs] == [0.01, 0.01]  # the training loss is still the trainer's


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
