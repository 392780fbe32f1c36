"""`train --method grpo` and the Train page (`run_preflight.preflight`) try each reward on the first training prompts
with a stand-in answer before the run is queued (`ftlib.reward_trial`): a registered function that raises or returns
no number on this data is refused in one `error:` line naming the reward, the row and what it did, exit 2, nothing
queued. It used to be found only when the run failed, minutes in. No model writes anything for it."""

from __future__ import annotations

import json

import pytest

from ftlib import runs
from ftlib.cli import main
from ftlib.reward_trial import SHORT_ANSWER, TRIED_ROWS, stand_in_answers, trial_problem
from ftlib.rewards import REGISTRY_ENV

FUNCTIONS = """
import json

LOG = {log!r}


def fine(prompt, completion, **kwargs):
    with open(LOG, "a") as handle:
        handle.write(json.dumps({{"completion": completion, "kwargs": kwargs}}) + "\\n")
    return 1.0


def boom_on_paris(prompt, completion, answer):
    if answer == "Paris":
        raise KeyError("no number for Paris")
    return 1.0


def none_when_empty(prompt, completion):
    return None if not completion else 0.5


def as_number(prompt, completion):
    return float(completion)
"""
QUESTIONS = [("What is 2+2?", "4"), ("Capital of France?", "Paris"), ("What is 3*3?", "9"), ("Half of 8?", "4")]
SMALL = ["--max-steps", "1", "--batch-size", "2", "--grpo-group-size", "2", "--test-size", "0", "--device", "cpu"]


@pytest.fixture
def registry(tmp_path, monkeypatch):
    log = tmp_path / "calls.jsonl"
    funcs = tmp_path / "funcs.py"
    funcs.write_text(FUNCTIONS.format(log=str(log)))
    table = {n: f"{funcs}:{n}" for n in ("fine", "boom_on_paris", "none_when_empty", "as_number")}
    (tmp_path / "rewards.json").write_text(json.dumps(table))
    monkeypatch.setenv(REGISTRY_ENV, str(tmp_path / "rewards.json"))
    return log


def _prompts(tmp_path, answers: bool = True) -> str:
    path = tmp_path / "prompts.jsonl"
    rows = [{"prompt": q, **({"answer": a} if answers else {})} for q, a in QUESTIONS]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def _train(tmp_path, model, data: str, rewards: list[dict]) -> int:
    flags = ["--model", str(model), "--dataset", data, "--rewards", json.dumps(rewards), "--detach"]
    return main(["train", "--method", "grpo", *SMALL, *flags])


def one_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_function_that_raises_on_a_row_is_refused_naming_it_and_the_row(tmp_path, capsys, tiny_model_dir, registry,
                                                                            no_training):  # fmt: skip
    code = _train(tmp_path, tiny_model_dir, _prompts(tmp_path), [{"function": "fine"}, {"function": "boom_on_paris"}])
    line = one_error(capsys)
    assert code == 2 and runs.list_runs() == [], line
    assert "tried before the run on training row 2 with a stand-in answer (its `answer` column: 'Paris'" in line
    assert "the reward function 'boom_on_paris' (" in line and "raised KeyError: 'no number for Paris'" in line
    assert "on an answer to 'Capital of France?'" in line and "fix the reward (or leave it out)" in line


def test_a_function_that_returns_none_for_an_empty_answer_is_refused(tmp_path, capsys, tiny_model_dir, registry,
                                                                     no_training):  # fmt: skip
    """Prompts without a reference: an empty answer and a short one stand in (a model's first answers may be so)."""
    assert _train(tmp_path, tiny_model_dir, _prompts(tmp_path, answers=False), [{"function": "none_when_empty"}]) == 2
    line = one_error(capsys)
    assert "training row 1 with a stand-in answer (an empty answer: ''; no model wrote it)" in line, line
    assert "the reward function 'none_when_empty' (" in line and "returned None for an answer to" in line, line
    assert runs.list_runs() == []


def test_rewards_that_give_numbers_are_queued_after_a_few_calls(tmp_path, capsys, tiny_model_dir, registry,
                                                                no_training):  # fmt: skip
    rewards = [{"function": "fine"}, {"contains_column": "answer"}, {"not_repeating": {}}]
    assert _train(tmp_path, tiny_model_dir, _prompts(tmp_path), rewards) == 0
    assert len(runs.list_runs()) == 1
    calls = [json.loads(line) for line in registry.read_text().splitlines()]
    assert [c["completion"] for c in calls] == ["4", "Paris", "9"][:TRIED_ROWS]  # each row's own answer, once each
    assert [c["kwargs"]["answer"] for c in calls] == ["4", "Paris", "9"]


def test_the_stand_in_is_the_rows_reference_where_it_has_one():
    chat = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ahoy!"}]}
    assert stand_in_answers(chat) == [("Ahoy!", "its last reply, which GRPO leaves out")]
    gsm = {"prompt": [], "columns": {"question": "3+3?", "solution": "3 and 3 make 6.\n#### 6", "id": 7}}
    assert stand_in_answers(gsm) == [("6", "its `solution` column")]
    nested = {"prompt": [], "columns": {"reward_model": {"ground_truth": "12"}, "answer": "x"}}
    path = "reward_model.ground_truth"  # contains_column's path comes first
    assert stand_in_answers(nested, [path])[0] == ("12", f"its `{path}` column")
    assert [a for a, _ in stand_in_answers({"prompt": [], "columns": {"id": 3}})] == ["", SHORT_ANSWER]


def test_the_engine_says_nothing_of_rewards_that_work_or_cannot_be_built(registry):
    numbers = [(q, a) for q, a in QUESTIONS if a.isdigit()]
    rows = [{"prompt": [{"role": "user", "content": q}], "columns": {"answer": a}} for q, a in numbers]
    assert trial_problem([{"regex": "^4"}, {"length": {"target": 5}}, {"function": "as_number"}], rows) is None
    assert trial_problem([{"function": "no_such_function"}], rows) is None  # `rewards.problems` says it first
    said = trial_problem([{"function": "as_number"}], [{"prompt": [{"role": "user", "content": "Hi"}]}])
    assert "the reward function 'as_number' (" in said and "ValueError: could not convert string to float" in said


def test_the_train_pages_preflight_says_it_before_start_too(tmp_path, tiny_model_dir, registry):
    """The Train page checks a run with `run_preflight.preflight` (its errors shown above a disabled Start): the trial
    is there, not only in the CLI's `train`."""
    from ftlib.config import RunConfig
    from ftlib.run_preflight import preflight

    rewards = [{"function": "fine"}, {"function": "boom_on_paris"}]
    data = {"dataset": _prompts(tmp_path), "test_size": 0, "batch_size": 2}
    config = RunConfig(method="grpo", model=str(tiny_model_dir), rewards=rewards, **data)
    errors = preflight(config).errors
    assert len(errors) == 1 and "the reward function 'boom_on_paris' (" in errors[0], errors
    assert not preflight(RunConfig(**{**config.to_dict(), "rewards": rewards[:1]})).errors
