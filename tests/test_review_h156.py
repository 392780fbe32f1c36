"""Helper 156: what `evaluate` of a GRPO run can know from the rows alone is refused before any model loads.

A reward reading a column (an `answer` for an accuracy reward) that none of the prompts has was refused only inside
`reward_eval.evaluate_answers`, after both models had loaded (tens of seconds on a CPU): by the CLI on an `evaluate
--data FILE` without the column, by the Evaluate page on a run whose held-out split lacks it. Now it is said first,
in the same words (`reward_eval.absent_column_said`, `rewards.check_columns`); a column only some prompts lack is
still said after the models load, where the prompts answered (none past the max length) are known.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftlib import workspace
from ftlib.cli import main
from ftlib.reward_eval import absent_column_said
from ftlib.testing import make_run

ROOT = Path(__file__).resolve().parents[1]
ACCURACY = [{"contains_column": "answer"}]


def asked(text: str, answer: str | None = None) -> dict:
    """A prompt row, with the `answer` its accuracy reward compares with where one is given."""
    row = {"prompt": [{"role": "user", "content": text}]}
    return row | ({"columns": {"answer": answer}} if answer is not None else {})


GRADED = [asked("Add 2 and 2.", "4"), asked("Add 3 and 4.", "7"), asked("Add 5 and 1.", "6")]
BARE = [asked("Add 6 and 6."), asked("Add 1 and 8."), asked("Add 9 and 0.")]


def grpo_run(name: str, test: list[dict], model: Path, adapter: Path, rewards=ACCURACY):
    workspace.save_split(name, GRADED, test, {"format": "prompt_only"})
    config = {"method": "grpo", "model": str(model), "dataset": name, "rewards": rewards, "grpo_max_new_tokens": 4}
    return make_run(f"20260101-000000-{name}", config, adapter=adapter)


def error_line(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(said) == 1, err
    return said[0]


def test_a_data_file_without_the_rewards_column_is_refused_before_a_model_loads(
    capsys, varied_dir, adapter_template, tmp_path, no_model
):
    run = grpo_run("graded-h156", GRADED, varied_dir, adapter_template)
    file = tmp_path / "asked.jsonl"
    file.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in ("Pick a tea.", "Pick a hue.", "Say hey.")))
    said = error_line(capsys, ["evaluate", run.id, "--data", str(file), "--max-new-tokens", "2"])
    assert "reads the column 'answer', which 3 prompts ('Pick a tea.', ...) do not have" in said, said
    assert "held-out" not in said, said
    # --limit: the prompts evaluated, as evaluate_answers counts them
    said = error_line(capsys, ["evaluate", run.id, "--data", str(file), "--limit", "1"])
    assert "which the prompt 'Pick a tea.' does not have" in said, said


def test_a_held_out_split_without_the_column_is_refused_before_a_model_loads(
    capsys, varied_dir, adapter_template, no_model
):
    run = grpo_run("bare-h156", BARE, varied_dir, adapter_template)
    said = error_line(capsys, ["evaluate", run.id])
    assert "reads the column 'answer', which 3 held-out prompts ('Add 6 and 6.', ...) do not have" in said, said


def test_the_words_are_those_evaluate_answers_refuses_with(model_set):
    """The early refusal is the late one's sentence, not a second wording of it."""
    from ftlib.reward_eval import evaluate_answers
    from ftlib.rewards import RewardError, build_rewards

    early = absent_column_said(ACCURACY, BARE, what="prompt")
    with pytest.raises(RewardError) as late:
        evaluate_answers(model_set, BARE, model_set.names[1], build_rewards(ACCURACY), max_new_tokens=2, what="prompt")
    assert early == str(late.value)


def test_a_column_only_some_prompts_lack_waits_for_the_prompts_answered():
    """Which prompts are answered (none past the max length) needs the tokenizer: a column some prompt has is not
    refused from the rows, nor one every prompt has, nor rewards that read none."""
    assert absent_column_said(ACCURACY, [BARE[0], GRADED[1]]) is None
    assert absent_column_said(ACCURACY, GRADED) is None
    assert absent_column_said([{"regex": "4"}], BARE) is None
    assert absent_column_said(ACCURACY, [{"text": "No prompt here."}]) is None  # evaluate_answers says why
    assert absent_column_said([{"model": "no-such-run"}, *ACCURACY], BARE) is None  # the evaluation says that
    said = absent_column_said(ACCURACY, [BARE[0], GRADED[1]], limit=1)  # the first prompt only: it lacks it
    assert "which the held-out prompt 'Add 6 and 6.' does not have" in said, said


def test_a_registered_functions_column_is_read_from_the_registry(tmp_path, monkeypatch):
    from ftlib.reward_functions import REGISTRY_ENV

    code = tmp_path / "graders.py"
    code.write_text("def graded(prompt, completion, answer):\n    return float(answer in completion)\n")
    (registry := tmp_path / "rewards.json").write_text(json.dumps({"graded": f"{code}:graded"}))
    monkeypatch.setenv(REGISTRY_ENV, str(registry))
    said = absent_column_said([{"function": "graded"}], BARE)
    assert "reads the column 'answer', which 3 held-out prompts ('Add 6 and 6.', ...) do not have" in said, said
    assert absent_column_said([{"function": "graded"}], GRADED) is None


def test_the_page_disables_answer_and_score_with_the_reason(varied_dir, adapter_template, no_model):
    from streamlit.testing.v1 import AppTest

    grpo_run("bare-page-h156", BARE, varied_dir, adapter_template)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(varied_dir)
    at = at.run().switch_page("pages/6_Evaluate.py").run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any("which 3 held-out prompts ('Add 6 and 6.', ...) do not have" in e for e in errors), errors
    assert next(b for b in at.button if b.label == "Answer and score").disabled
    assert not [i.value for i in at.info if i.value.startswith("Press **Answer and score**")]


def test_the_loss_words_take_no_count_of_the_runs_rows():
    """`evaluate_measured_over`'s `total` (the run's held-out rows, to say "; the first 3 of the run's 5") was passed
    by no caller: the page says it in its own caption ("On 3 of the run's 5 held-out rows.") and the CLI in Train's
    note ("not only the 3 scored here"). Only tests kept its words alive; it is gone."""
    import inspect

    from ftlib.loss_words import evaluate_measured_over

    assert "total" not in inspect.signature(evaluate_measured_over).parameters
