"""A reward model's scores of held-out pairs and a GRPO run's answers under its rewards, kept with the run as the
held-out evaluation is (`ftlib.eval_results`): a reload (a fresh AppTest session on the same workspace) shows them
again, saying when they were measured, with the boxes as they were; other choices do not show them.

The engine's side: their keys (what decides each result) and records (read back whole).
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import eval_results as K
from ftlib import workspace
from ftlib.reward_eval import PairResult, PairScore, RewardedAnswers, RewardResult
from ftlib.testing import make_run
from tests.test_pages_evaluate_kept import button, open_page

ROOT = Path(__file__).resolve().parents[1]


def turns(role: str, text: str) -> list[dict]:
    return [{"role": role, "content": text}]


PAIRS = [  # unlike lengths and words, so a score head gives each its own margin
    {"prompt": turns("user", p), "chosen": turns("assistant", c), "rejected": turns("assistant", r)}
    for p, c, r in [
        ("Name a fruit.", "Apple.", "I will not name anything, go away."),
        ("Name a tree.", "An oak tree, tall and old.", "Tree."),
        ("Say hi.", "Hello there, friend!", "No."),
        ("Count to three.", "One, two, three.", "Three, two, one, zero, minus one."),
    ]
]
PROMPTS = [{"prompt": turns("user", p)} for p in ("Write a line about tea.", "Name a colour.", "Say something.")]
REWARDS = [{"length": {"target": 4}}, {"regex": "[aeiou]", "weight": 0.5}]


@pytest.fixture
def reward_run(varied_dir, reward_adapter):
    workspace.save_split("pairs", PAIRS, PAIRS)
    config = {"method": "reward", "model": str(varied_dir), "dataset": "pairs", "max_length": 256}
    return make_run("20260101-000000-reward-pairs", config, adapter=reward_adapter)


@pytest.fixture
def grpo_run(varied_dir, adapter_template):
    workspace.save_split("prompts", PROMPTS, PROMPTS)
    config = {"method": "grpo", "model": str(varied_dir), "dataset": "prompts", "rewards": REWARDS}
    return make_run("20260101-000000-grpo-prompts", config | {"grpo_max_new_tokens": 8}, adapter=adapter_template)


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def measure(at: AppTest, label: str, key: str) -> AppTest:
    button(at, label).click()
    at.run()
    assert at.session_state[key][1].wait(timeout=300)
    at.run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    return at


def kept_kinds(run) -> list[str]:
    return sorted(p.name.split("-")[0] for p in (run.path / K.KEPT_DIR).iterdir())


def measured_again_said(at, label: str) -> bool:
    return any(
        c.value.startswith("Measured on ") and f"Press **{label}** to measure again." in c.value for c in at.caption
    )


def test_a_reward_models_scores_come_back_after_a_reload_and_only_for_the_same_pairs(reward_run, varied_dir):
    """A reload lost the scores: the section said "Press Score the pairs" again."""
    at = open_page(varied_dir)
    rows_box = next(n for n in at.number_input if n.label == "Pairs to score")
    rows_box.set_value(3).run()  # not the default (all 4): the box comes back with the reload too
    at = measure(at, "Score the pairs", "evaluate_pairs_job")
    shown, table = metrics(at), at.dataframe[-1].value
    assert len(table) == 3 and "Accuracy" in shown
    assert kept_kinds(reward_run) == ["pairs"]  # in the run's folder: deleted with it

    again = open_page(varied_dir)
    assert not again.exception, again.exception
    assert not any("Press **Score the pairs**" in i.value for i in again.info)
    assert metrics(again) == shown and again.dataframe[-1].value.equals(table)
    assert measured_again_said(again, "Score the pairs")

    workspace.remember_choice(f"evaluate_pairs_rows_{reward_run.id}", 2)  # someone chose 2 pairs since
    other = open_page(varied_dir)
    assert not other.exception, other.exception
    assert not other.metric and any("Press **Score the pairs**" in i.value for i in other.info)
    said = " ".join(c.value for c in other.caption)  # not hidden unsaid: named, with how to see it again
    assert "This run was evaluated just now with 3 pairs, not 2: set that above" in said


def test_a_grpo_runs_answers_and_rewards_come_back_after_a_reload_and_only_for_the_same_choices(grpo_run, varied_dir):
    at = open_page(varied_dir)
    at.slider(key=f"evaluate_answer_tokens_{grpo_run.id}").set_value(16).run()  # not the run's 8: kept across too
    at = measure(at, "Answer and score", "evaluate_answers_job")
    shown, table = metrics(at), at.dataframe[-1].value
    assert "Tuned reward" in shown and len(table) == 3
    assert kept_kinds(grpo_run) == ["answers"]

    again = open_page(varied_dir)
    assert not again.exception, again.exception
    assert again.slider(key=f"evaluate_answer_tokens_{grpo_run.id}").value == 16
    assert not any("Press **Answer and score**" in i.value for i in again.info)
    assert metrics(again) == shown and again.dataframe[-1].value.equals(table)
    assert measured_again_said(again, "Answer and score")

    workspace.remember_choice(f"evaluate_batch_{grpo_run.id}", 2)  # another batch: its answers may differ
    other = open_page(varied_dir)
    assert not other.exception, other.exception
    assert not other.metric and any("Press **Answer and score**" in i.value for i in other.info)
    said = " ".join(c.value for c in other.caption)  # not hidden unsaid: named, with how to see it again
    assert "evaluated just now with 8 prompts per batch, not 2: set that above" in said  # only what differs


def test_a_grpo_runs_batch_is_its_own_so_another_runs_batch_hides_nothing(grpo_run, varied_dir, adapter_template):
    """A cold walk: one batch box for every run, kept workspace-wide: a batch set on another run hid this run's kept
    answers after a reload (the batch is part of their key)."""
    at = measure(open_page(varied_dir), "Answer and score", "evaluate_answers_job")
    shown = metrics(at)
    workspace.save_split("prompts2", PROMPTS, PROMPTS)
    config = {"method": "grpo", "model": str(varied_dir), "dataset": "prompts2", "rewards": REWARDS}
    other = make_run("20260102-000000-grpo-other", config | {"grpo_max_new_tokens": 8}, adapter=adapter_template)
    at.run().selectbox(key="evaluate_pick").set_value(other.id).run()  # the page lists the new run once it redraws
    next(s for s in at.slider if s.label == "Prompts per batch").set_value(2).run()  # another run's batch

    again = open_page(varied_dir)
    again.selectbox(key="evaluate_pick").set_value(grpo_run.id).run()
    assert not again.exception, again.exception
    assert next(s for s in again.slider if s.label == "Prompts per batch").value == 8
    assert metrics(again) == shown


def test_a_result_of_other_choices_says_so_and_a_running_job_is_not_displaced_by_a_kept_one(reward_run, varied_dir):
    at = open_page(varied_dir)
    at = measure(at, "Score the pairs", "evaluate_pairs_job")  # all 4 pairs
    shown = metrics(at)
    next(n for n in at.number_input if n.label == "Pairs to score").set_value(2).run()
    assert metrics(at) == shown  # this session's result stays, said to be of other choices
    said = " ".join(c.value for c in at.caption)
    assert "measured with other choices than those above: press **Score the pairs** to measure with them" in said

    workspace.remember_choice(f"evaluate_pairs_rows_{reward_run.id}", 4)  # the choices the kept result was of
    running = SimpleNamespace(done=False, cancel=lambda: None)  # this session's job of another run, still running
    busy = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    busy.session_state["active_model"] = str(varied_dir)
    busy.session_state["evaluate_pairs_job"] = ("20260101-000000-other", running)
    busy.run()
    busy = busy.switch_page("pages/6_Evaluate.py").run()
    assert not busy.exception, busy.exception
    assert busy.session_state["evaluate_pairs_job"][1] is running  # not dropped for the kept scores: still polled
    assert not busy.metric and any("has not been scored in this session" in i.value for i in busy.info)


# ------------------------------------------------------------------------------------------------ the engine's side


@pytest.fixture
def run_dir(tmp_path) -> Path:
    (tmp_path / "run" / "adapter").mkdir(parents=True)
    (tmp_path / "run" / "adapter" / "adapter_model.safetensors").write_bytes(b"weights")
    return tmp_path / "run"


def _common(**changed) -> dict:
    settings = dict(model="default", rows=PAIRS[:3], limit=3, template="tokenizer", template_source="", max_length=64)
    return settings | {"all_rows": PAIRS} | changed


def _pairs_key(run_dir, **changed):
    return K.pairs_key(run_dir / "adapter", **_common(**changed))


def _answers_key(run_dir, **changed):
    settings = dict(max_new_tokens=8, batch_size=4, rewards=REWARDS)
    mine = {k: changed.pop(k) for k in list(changed) if k in settings}
    return K.answers_key(run_dir / "adapter", **_common(**changed), **(settings | mine))


PAIR_RESULT = PairResult("rm", [PairScore(0, "Q?", "A.", "B.", 0.25, -1.5)], skipped=[(1, "Not a pair.")])
ANSWERS = RewardResult(
    "grpo",
    ["length", "regex"],
    [RewardedAnswers(2, "Q?", "Hi.", " ", {"length": 0.5, "regex": 1.0}, {"length": math.nan, "regex": 0.0}, 1.0, 0)],
    skipped=[(0, "No prompt.")],
    weights={"length": 1.0, "regex": 0.5},
    labels={"length": 'length {"target": 4}', "regex": 'regex "[aeiou]"'},
)


def test_a_reward_models_scores_read_back_whole_and_only_under_their_own_key(run_dir):
    key = _pairs_key(run_dir)
    assert K.keep(run_dir, key, K.result_record(PAIR_RESULT), now=100.0)
    back, at = K.restore(run_dir, key)
    assert at == 100.0 and back == PAIR_RESULT and back.aggregates() == PAIR_RESULT.aggregates()
    for changed in (
        {"rows": PAIRS[:2], "limit": 2},
        {"all_rows": PAIRS[:3]},  # another split
        {"model": "other/model"},
        {"template": "chatml"},
        {"template_source": "{{ messages }}"},
        {"max_length": 128},
        {"batch_size": 8},  # the CLI's default: the page scores in batches of K.PAIRS_BATCH
    ):
        assert K.restore(run_dir, _pairs_key(run_dir, **changed)) is None, changed
    assert K.restore(run_dir, _answers_key(run_dir)) is None  # another kind
    (run_dir / "adapter" / "adapter_model.safetensors").write_bytes(b"trained further")
    assert K.restore(run_dir, _pairs_key(run_dir)) is None


def test_a_grpo_runs_answers_read_back_whole_and_only_under_their_own_key(run_dir):
    key = _answers_key(run_dir)
    assert K.keep(run_dir, key, K.result_record(ANSWERS))
    back, _ = K.restore(run_dir, key)
    assert back.rows[0].tuned_scores["length"] != back.rows[0].tuned_scores["length"]  # NaN kept
    assert back.rows[0].tuned_output == " " and back.weights == ANSWERS.weights and back.labels == ANSWERS.labels
    assert back.rows[0].as_dict().keys() == ANSWERS.rows[0].as_dict().keys() and back.skipped == [(0, "No prompt.")]
    assert back.aggregates()["tuned_reward_regex"] == 0.0 and back.rewards == ["length", "regex"]
    for changed in (
        {"rewards": REWARDS[:1]},  # another reward
        {"rewards": [{"length": {"target": 4}}, {"regex": "[aeiou]", "weight": 0.25}]},  # another weight
        {"max_new_tokens": 16},
        {"batch_size": 8},
        {"rows": PAIRS[:2], "limit": 2},
    ):
        assert K.restore(run_dir, _answers_key(run_dir, **changed)) is None, changed


def test_only_choices_the_pages_boxes_can_make_are_offered(run_dir):
    assert K.offered(_pairs_key(run_dir, batch_size=K.PAIRS_BATCH)) and not K.offered(
        _pairs_key(run_dir, batch_size=8)
    )
    assert K.offered(_answers_key(run_dir, max_new_tokens=10))  # GRPO's slider moves by 1
    assert not K.offered(_answers_key(run_dir, max_new_tokens=300)) and not K.offered(
        _answers_key(run_dir, batch_size=64)
    )
