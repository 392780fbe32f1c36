"""GRPO's answers cut at the max answer length are said where users read them, as Evaluate says its own (helper 63):
the reward preview before a run and the live "Latest answers" table. A newcomer saw a custom final-number reward
score a cut answer 1.0 with no hint. Each answer carries `at_limit` (from generation's finish_reason: True at the
length limit, False at a stop id); rows logged before it was recorded read as unknown (no mark, no note), never as
"not cut". The live table also fits its height to a small run's rows (it drew blank rows under 2 prompts x 2)."""

from __future__ import annotations

import json

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ftlib import sampling
from ftlib.alignment import completion_rows
from ftlib.reward_preview import cut_note, preview_rewards
from ftlib.rundir import RunDir
from ftlib.testing import make_run
from ftlib.training import build_trainer
from tests.test_pages_alignment import APP, _grpo_page
from tests.test_training import tiny_config

PROMPTS = [{"prompt": [{"role": "user", "content": f"What is {i} + {i}?"}]} for i in range(4)]
# A reward that checks only the end of an answer: the kind that scores a cut answer as if it had finished.
REWARDS = [{"regex": "[0-9]"}]
LIMIT = 3  # a tiny max answer length


def _stops(which: str):
    """`sampling.stop_token_ids` replaced: no stop id at all (every answer runs to the limit: must be cut), or every
    id of the vocabulary (every answer ends on its first token, a stop id: must not be cut, even at the limit)."""

    def stops(tokenizer, model=None, templates=()):
        return set() if which == "none" else set(range(len(tokenizer)))

    return stops


def _config(model_dir, **settings):
    base = {"method": "grpo", "rewards": REWARDS, "grpo_max_new_tokens": LIMIT, "grpo_group_size": 2}
    return tiny_config(model_dir, **{**base, "max_steps": 1, "scheduler": "constant", "warmup_ratio": 0.0, **settings})


@pytest.mark.parametrize("which, cut", [("none", True), ("every id", False)])
def test_the_reward_preview_says_which_answers_the_limit_cut(varied_model, monkeypatch, which, cut):
    from ftlib.models import load_model, load_tokenizer

    model_dir = varied_model(3)
    model, tokenizer = load_model(str(model_dir), device="cpu"), load_tokenizer(str(model_dir))
    monkeypatch.setattr(sampling, "stop_token_ids", _stops(which))
    rows = preview_rewards(model, tokenizer, _config(model_dir), PROMPTS, prompts=2)
    assert len(rows) == 4 and [r["at_limit"] for r in rows] == [cut] * 4
    assert list(rows[0])[-2:] == ["at_limit", "messages"]  # after the numbers, before the prompt's turns
    note = cut_note(rows, LIMIT, "above")
    if cut:
        assert note.startswith(f"✂ 4 of 4 answers stopped at the {LIMIT}-token limit, not at their own end")
        assert "a final number" in note and "Raise **Max answer length (tokens)** above" in note
    else:
        assert note is None


def test_a_grpo_run_logs_whether_each_answer_was_cut(varied_model, tmp_path, monkeypatch):
    """The run's rollout records each answer's `at_limit` beside it in TRL's logs; the trainer writes it into
    completions.jsonl with the answers (what the Train page's live table reads)."""
    config = _config(varied_model(3))
    monkeypatch.setattr(sampling, "stop_token_ids", _stops("none"))
    prepared = build_trainer(config, tmp_path, rows=(PROMPTS, []))
    prepared.trainer.train()
    step, rows = RunDir(tmp_path).latest_completions()
    assert step == 1 and len(rows) == config.batch_size * config.grpo_group_size
    assert [r["at_limit"] for r in rows] == [True] * len(rows)
    # The same trainer, its answers now ending on a stop id: logged as not cut.
    monkeypatch.setattr(sampling, "stop_token_ids", _stops("every id"))
    trainer = prepared.trainer
    trainer.model.train()
    trainer._generate_and_score_completions([{"prompt": json.dumps(p["prompt"])} for p in PROMPTS[:2] for _ in "ab"])
    rows = completion_rows(trainer._logs, trainer.reward_weight_by_name)
    assert [r["at_limit"] for r in rows] == [False] * 4


def test_rows_logged_without_the_flag_read_as_unknown():
    logs = {"prompt": ['[{"role": "user", "content": "Hi"}]'], "completion": ["Hello"], "rewards": {"r": [1.0]}}
    row = completion_rows(logs | {"advantages": [0.0]}, {"r": 1.0})[0]
    assert "at_limit" not in row  # an older TRL that logs no extra column, or a run written before: unknown
    assert cut_note([row], 64, "above") is None
    mismatched = logs | {"advantages": [0.0], "extra": {"at_limit": [True, True]}}  # not one flag per answer
    assert "at_limit" not in completion_rows(mismatched, {"r": 1.0})[0]


def test_the_preview_marks_cut_answers_and_says_what_that_means(tiny_model_dir, monkeypatch):
    from ftlib import reward_preview

    def fake_preview(model, tokenizer, config, rows, prompts=3, lock=None):
        answers = [("The sum is 1", True), ("The sum is 2.", False)]
        return [
            {"prompt": "What is 1 + 1?", "answer": a, "regex": 1.0, "total": 1.0, "advantage": 0.0, "at_limit": cut}
            for a, cut in answers
        ]

    monkeypatch.setattr(reward_preview, "preview_rewards", fake_preview)
    at = _grpo_page(tiny_model_dir)
    at.text_area(key="train_rewards").set_value('[{"regex": "[0-9]"}]')
    at.number_input(key="train_grpo_max_new_tokens").set_value(8).run()
    at.button(key="grpo_preview_button").click().run()
    assert at.session_state["grpo_preview"][1].wait(timeout=120)
    at.run()
    assert not at.exception, at.exception
    said = [w.value for w in at.warning if w.value.startswith("✂")]
    assert len(said) == 1 and said[0].startswith("✂ 1 of 2 answers stopped at the 8-token limit"), said
    assert "Raise **Max answer length (tokens)** above" in said[0]
    table = next(h.proto.body for h in at.get("html") if "<th>advantage</th>" in h.proto.body)
    assert "The sum is 1 … [cut at 8 tokens]" in table and "The sum is 2.</td>" in table
    assert "at_limit" not in table and "[cut at" not in table.split("The sum is 2.")[1]


def _run_with(rows: list[dict], name: str, model_dir, monkeypatch):
    run = make_run(
        name,
        {"method": "grpo", "rewards": REWARDS, "model": str(model_dir), "grpo_max_new_tokens": 16},
        state="running",
        metrics=[{"kind": "train", "step": 1, "loss": 0.01, "reward": 0.5, "elapsed": 1.0}],
        max_steps=10,
    )
    run.append_completions(1, rows)
    heights = []  # the answers table's height as asked of st.dataframe (AppTest does not show an element's layout)
    real = st.dataframe

    def dataframe(data, *args, **kwargs):
        if "answer" in getattr(data, "columns", ()):
            heights.append(kwargs.get("height"))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(st, "dataframe", dataframe)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = run.id
    at.run()
    assert not at.exception, at.exception
    return at, next(d for d in at.dataframe if "answer" in d.value), heights


def test_latest_answers_mark_cut_answers_and_fit_their_rows(tiny_model_dir, monkeypatch):
    rows = [
        {"prompt": f"What is {p} + {p}?", "answer": f"The sum is {a}", "regex": 1.0, "total": 1.0, "advantage": 0.0}
        | {"at_limit": a == 9}
        for p in (1, 2)
        for a in (p * 2, 9)
    ]
    at, table, heights = _run_with(rows, "20261206-120000-grpo-cut", tiny_model_dir, monkeypatch)
    assert list(table.value.columns) == ["prompt", "answer", "regex", "total", "advantage", "cut"]  # no at_limit
    cut = "The sum is 9 … [cut at 16 tokens]"
    assert list(table.value["answer"]) == ["The sum is 2", cut, "The sum is 4", cut]
    # The answer's end is hidden where the answer is wider than its cell (48 tokens already are, in a browser walk):
    # a narrow column before it marks the cut ones too
    assert list(table.value["cut"]) == ["", "✂", "", "✂"]
    assert list(table.proto.column_order) == ["prompt", "regex", "total", "advantage", "cut", "answer"]
    said = [w.value for w in at.warning if w.value.startswith("✂")]
    assert len(said) == 1 and said[0].startswith("✂ 2 of 4 answers stopped at the 16-token limit")
    assert "Raise **Max answer length (tokens)** for the next run" in said[0]
    # Four rows: Streamlit's "auto" height (at most ten rows, fewer when fewer), not a fixed 320 px of blank rows.
    assert heights and set(heights) == {None}, heights


def test_latest_answers_logged_before_the_flag_are_neither_marked_nor_said_not_cut(tiny_model_dir, monkeypatch):
    rows = [{"prompt": "Why?", "answer": "Because", "regex": 0.0, "total": 0.0, "advantage": 0.0}]
    at, table, _ = _run_with(rows, "20261206-120000-grpo-old", tiny_model_dir, monkeypatch)
    assert table.value.to_dict("records") == [{k: rows[0][k] for k in table.value.columns}]  # no "cut" column
    assert not [w for w in at.warning if w.value.startswith("✂")]
