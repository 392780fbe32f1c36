"""GRPO's rewards and the rest of a prompt's row: a file of prompts keeps its other columns (a GSM8K-style `answer`)
with each row, to training, and registered reward functions receive them as TRL passes a dataset's columns; the
built-in `contains_column` checks an answer against one. A registered function that cannot be loaded is refused
before launch by name (CLI, Train page); one that raises or returns no finite number stops the preview, the run and
the evaluation with its name and the value, and NaN never reaches a file or counts as worse."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import runs
from ftlib.alignment import COLUMNS_FIELD, completion_rows
from ftlib.cli import main
from ftlib.config import ConfigError, RunConfig
from ftlib.data import load_bytes
from ftlib.reward_columns import passed_columns
from ftlib.reward_eval import RewardedAnswers
from ftlib.rewards import (
    REGISTRY_ENV,
    RewardError,
    build_rewards,
    check_columns,
    group_advantages,
    registered_functions,
    score_completions,
    text_problems,
)
from tests.test_alignment import _steady

QUESTIONS = [("What is 2+2?", "4"), ("Capital of France?", "Paris"), ("What is 3*3?", "9"), ("Half of 8?", "4")]
GSM = "".join(json.dumps({"question": q, "answer": f"{q} ...\n#### {a}", "id": i}) + "\n" for i, (q, a) in
              enumerate(QUESTIONS))  # fmt: skip
PROMPTS_WITH_ANSWERS = "".join(json.dumps({"prompt": q, "answer": a, "level": 1}) + "\n" for q, a in QUESTIONS)
ASKED = [[{"role": "user", "content": q}] for q, _ in QUESTIONS]

FUNCTIONS = """
import json

LOG = {log!r}


def logged(prompt, completion, **kwargs):
    with open(LOG, "a") as handle:
        handle.write(json.dumps({{"prompt": prompt[-1]["content"], "kwargs": kwargs}}) + "\\n")
    return 1.0 if kwargs.get("answer") and str(kwargs["answer"]) in completion else 0.0


def by_name(prompt, completion, answer):
    return float(len(answer))


def old_style(prompt, completion):
    return 2.0


def needs_answer(prompt, completion, answer):
    return 1.0


def nan(prompt, completion):
    return float("nan")


def none(prompt, completion):
    return None


def inf(prompt, completion):
    return float("inf")


def text(prompt, completion):
    return "1.0"


def boom(prompt, completion):
    raise ValueError("my reward crashed")


def wrong_signature(prompts, completions):
    return [1.0] * len(completions)


def positional_only(prompt, completion, /):
    return 1.0


def trl_canonical(completions, **kwargs):
    return [1.0 for _ in completions]


def trl_with_prompts(prompts, completions, **kw):
    return [0.0] * len(completions)
"""
RAISES_AT = FUNCTIONS.splitlines().index('    raise ValueError("my reward crashed")') + 1
BROKEN = "def f(prompt, completion:\n    return 1\n"
RAISES_ON_IMPORT = "raise RuntimeError('no config here')\n"


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """The operator's registry: working functions, and entries that cannot load (a misspelt function, a syntax
    error, a missing module, a missing file, a module that raises when imported)."""
    log = tmp_path / "calls.jsonl"
    funcs, broken, raising = tmp_path / "funcs.py", tmp_path / "broken.py", tmp_path / "raising.py"
    funcs.write_text(FUNCTIONS.format(log=str(log)))
    broken.write_text(BROKEN)
    raising.write_text(RAISES_ON_IMPORT)
    names = ("logged", "by_name", "old_style", "needs_answer", "nan", "none", "inf", "text", "boom", "wrong_signature",
             "trl_canonical", "trl_with_prompts", "positional_only")  # fmt: skip
    table = {n: f"{funcs}:{n}" for n in names}
    table.update(
        missing=f"{funcs}:nosuch",
        syntax=f"{broken}:f",
        nomod="nosuchpkg.mod:f",
        nofile=f"{tmp_path / 'nofile.py'}:f",
        raising=f"{raising}:f",
    )
    path = tmp_path / "rewards.json"
    path.write_text(json.dumps(table))
    monkeypatch.setenv(REGISTRY_ENV, str(path))
    return log


def calls(log) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


# ---------------------------------------------------------------------------------------------------------------
# A. The columns travel with each prompt, and the rewards receive them
# ---------------------------------------------------------------------------------------------------------------


def test_a_file_of_prompts_keeps_its_other_columns_and_says_they_go_to_the_rewards():
    """Reviewed: `answer` was dropped when the file was read and named as "ignored", with the advice to map it to
    `completion`, which makes the rows conversations whose answer GRPO then drops."""
    guessed = load_bytes(PROMPTS_WITH_ANSWERS.encode(), "prompts.jsonl")
    assert guessed.format == "prompt_only"
    assert guessed.rows[0] == {"prompt": ASKED[0], "columns": {"answer": "4", "level": 1}}  # JSON types kept
    assert not any(n.message.startswith("ignored field") for n in guessed.notices), guessed.notices
    passed = {n.field: n for n in guessed.notices if n.note}
    assert set(passed) == {"answer", "level"} and passed["answer"].rows == 4
    assert "`answer` in 4 rows is not part of the prompt: GRPO passes it to the reward functions" in (
        passed["answer"].message
    )
    # A column of sentences beside guessed prompts may be the answers: for GRPO they stay as they are.
    sentences = b'{"prompt": "Capital of France?", "answer": "It is Paris."}\n'
    advice = load_bytes(sentences, "p.jsonl").notices[0]
    assert advice.field == "answer" and "GRPO passes it to its reward functions" in advice.message
    assert '{"contains_column": "answer"}' in advice.message and "GRPO then sees the prompts alone" in advice.message
    assert "If it holds the answers, map it" not in advice.message
    chosen = load_bytes(PROMPTS_WITH_ANSWERS.encode(), "prompts.jsonl", fmt="prompt_only")
    assert chosen.rows == guessed.rows and [n.field for n in chosen.notices] == ["answer", "level"]

    # GSM8K's own field names: the question mapped to the prompt, the answer kept under its own name.
    gsm = load_bytes(GSM.encode(), "gsm.jsonl", fmt="prompt_only", column_map={"prompt": "question"})
    assert gsm.rows[1] == {"prompt": ASKED[1], "columns": {"answer": "Capital of France? ...\n#### Paris", "id": 1}}
    # A table's cells are text; a conversation's unread fields are still ignored (nothing would read them).
    table = load_bytes(b"q,answer\nWhat is 2+2?,4\n", "p.csv", fmt="prompt_only", column_map={"prompt": "q"})
    assert table.rows == [{"prompt": ASKED[0], "columns": {"answer": "4"}}]
    chat = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}], "source": "x"}
    chats = load_bytes(json.dumps(chat).encode() + b"\n", "c.jsonl")
    assert "columns" not in chats.rows[0] and any(
        n.message.startswith("ignored field: `source`") for n in chats.notices
    )


def test_registered_functions_receive_the_rows_columns_under_their_names(registry):
    rewards = build_rewards([{"function": n} for n in ("logged", "by_name", "old_style")])
    columns = [{"answer": "4", "level": 1}, {"answer": "Paris", "level": 2}]
    table = score_completions(rewards, ASKED[:2], ["It is 4.", "Lyon"], [None, None], columns)
    assert table.scores == {"logged": [1.0, 0.0], "by_name": [1.0, 5.0], "old_style": [2.0, 2.0]}
    # **kwargs: every column (values of its own row, types kept) and the tools, as TRL gives dataset columns.
    assert [c["kwargs"] for c in calls(registry)] == [{"answer": "4", "level": 1, "tools": None},
                                                      {"answer": "Paris", "level": 2, "tools": None}]  # fmt: skip
    # A function that needs a column the row lacks is refused by name, not a traceback.
    with pytest.raises(RewardError, match=r"'needs_answer' .* cannot be called as function\(prompt=\[turns\]"):
        score_completions(build_rewards([{"function": "needs_answer"}]), ASKED[:1], ["x"])


def test_contains_column_rewards_an_answer_that_holds_its_rows_value():
    (reward,) = build_rewards([{"contains_column": "answer"}])
    assert reward.name == "contains_column" and reward.label == 'contains_column "answer"'
    table = score_completions(
        [reward], ASKED[:2], ["The sum is 4.", "Lyon."], columns=[{"answer": 4}, {"answer": "Paris"}]
    )
    assert table.scores == {"contains_column": [1.0, 0.0]}
    # A whole number, and GSM8K's final answer after "####" (a cold review: "It is 100." scored 1 for 10, and "The
    # answer is 6." scored 0 against the worked solution "3 plus 3 is 6.\n#### 6").
    answers = ["It is 100.", "It is 10.", "The answer is 6.", "The answer is 16."]
    columns = [
        {"answer": 10},
        {"answer": 10},
        {"answer": "3 plus 3 is 6.\n#### 6"},
        {"answer": "3 plus 3 is 6.\n#### 6"},
    ]
    scored = score_completions([reward], ASKED[:1] * 4, answers, columns=columns)
    assert scored.scores == {"contains_column": [0.0, 1.0, 1.0, 0.0]}
    with pytest.raises(RewardError, match="names the column 'answer', which the prompt 'What is 2\\+2\\?' does not"):
        score_completions([reward], ASKED[:1], ["4"], columns=[{"solution": "4"}])
    with pytest.raises(RewardError, match=r"reads the column 'answer', which is empty, null or missing in training "):
        check_columns([reward], [{"answer": "4"}, {"solution": "x"}])  # prompt 2, where the other 1 gives it a value
    with pytest.raises(RewardError, match=r"missing in the training prompt 'Capital of France\?', where the other 1"):
        check_columns([reward], [{"answer": "4"}, {"solution": "x"}], prompts=ASKED[:2])  # named by its words
    with pytest.raises(RewardError, match=r"which training prompts 1, 2 do not have \(the rows' columns: solution\)"):
        check_columns([reward], [{"solution": "4"}, {"solution": "x"}])  # no row has it at all
    # A value of only spaces is carried (only empty and null ones are left out) and stopped the run at that prompt:
    # refused before it starts instead (a left-alone note of a fix to blank values).
    with pytest.raises(RewardError, match=r"which is empty, null or missing in training prompt 2, where the other 1"):
        check_columns([reward], [{"answer": "4"}, {"answer": "  "}])
    check_columns([reward], [{"answer": "4"}, {"answer": 0}])  # a number is a value
    with pytest.raises(RewardError, match="which the prompt 'What is 2\\+2\\?' leaves empty"):
        score_completions([reward], ASKED[:1], ["4"], columns=[{"answer": ""}])
    with pytest.raises(ConfigError, match="`contains_column` needs the name of a column"):
        RunConfig(method="grpo", rewards=[{"contains_column": ""}])
    assert text_problems('[{"contains_column": "answer"}]') == []


def test_contains_column_finds_a_math_solutions_boxed_answer_and_a_file_read_as_sft_is_told_to_be_prompts():
    """A newcomer's walk: a MATH-style {problem, solution} file. The worked solution's answer is in its last
    \\boxed{...}: looked for whole, it scored 0 for every correct answer. And read as question and answer (its
    default), GRPO's refusal said the prompts lack `solution` ("the rows' columns: none") without the way out."""
    (reward,) = build_rewards([{"contains_column": "solution"}])
    solution = {"solution": "Each side is $\\frac{1}{2}$, so the sum is $\\boxed{1}$ and not $\\frac{3}{2}$."}
    answers = ["The sum is 1.", "It is $\\boxed{1}$.", "It is 10.", "It is 21."]
    scored = score_completions([reward], ASKED[:1] * 4, answers, columns=[solution] * 4)
    assert scored.scores == {"contains_column": [1.0, 1.0, 0.0, 0.0]}
    nested = {"solution": "So $x=\\boxed{\\frac{1}{2}}$."}
    assert score_completions([reward], ASKED[:1], ["x = \\frac{1}{2}"], columns=[nested]).scores[
        "contains_column"
    ] == [1.0]
    with pytest.raises(
        RewardError, match=r"the rows' columns: none\)\..*read it as prompts only \(`--format prompt_o"
    ):
        check_columns([reward], [None, None])


VERL = {"data_source": "mathx", "ability": "math", "reward_model": {"style": "rule", "ground_truth": "6"},
        "extra_info": {"split": "train", "index": 0}}  # fmt: skip
ADD = [[{"role": "user", "content": "Add 3 and 3."}]]


def test_contains_column_reads_a_field_of_an_object_column_and_any_answer_of_a_list():
    """Reviewed: a verl / OpenAI RFT file keeps the answer in `reward_model.ground_truth`; `contains_column` looked for
    the str() of the whole object, so a correct answer scored 0.0, and a list of answers ("6", "six") too."""
    (path,) = build_rewards([{"contains_column": "reward_model.ground_truth"}])
    scored = score_completions([path], ADD * 2, ["The answer is 6.", "It is 7."], columns=[VERL, VERL])
    assert scored.scores == {"contains_column": [1.0, 0.0]}
    (listed,) = build_rewards([{"contains_column": "answers"}])
    answers = ["Six.", "It is 6", "Seven, or 16."]
    scored = score_completions([listed], ADD * 3, answers, columns=[{"answers": ["6", "six", 6]}] * 3)
    assert scored.scores == {"contains_column": [0.0, 1.0, 0.0]}  # whole words, case-sensitive: "Six." is not "six"
    scored = score_completions([listed], ADD * 2, ["six", "7"], columns=[{"answers": ["6", "six"]}] * 2)
    assert scored.scores == {"contains_column": [1.0, 0.0]}
    # The object itself, scored: refused by name with the path to write, not every answer scored 0.
    (whole,) = build_rewards([{"contains_column": "reward_model"}])
    with pytest.raises(RewardError, match=r'`reward_model` holds an object \(keys: style, ground_truth\): name the '
                       r'field inside it, \{"contains_column": "reward_model.ground_truth"\}'):  # fmt: skip
        score_completions([whole], ADD, ["The answer is 6."], columns=[VERL])


def test_the_note_on_an_object_column_recommends_the_dotted_path_to_its_answer():
    """Reviewed: `data inspect` of a verl file recommended {"contains_column": "reward_model"}, which scores 0."""
    rows = [{"prompt": ADD[0], "columns": VERL}, {"prompt": ADD[0], "columns": {**VERL, "answers": ["6", "six"]}}]
    notes = {n.field: n.message for n in passed_columns(Counter([*VERL, *VERL, "answers"]), rows=rows)}
    assert (  # its ground_truth is a number: final_answer, which counts no number said on the way (helper 93)
        '{"final_answer": "reward_model.ground_truth"} rewards an answer whose final answer equals its `ground_truth`'
        in (notes["reward_model"])
    )
    assert '"reward_model"}' not in notes["reward_model"]
    assert "`reward_model=` to a registered function" in notes["reward_model"]
    assert "--map reward_model=completion" in notes["reward_model"]  # the rest of the note is kept
    # Objects with no field named like an answer: no contains_column to recommend; a registered function reads it.
    assert "it holds objects (keys: split, index), which `contains_column` cannot" in notes["extra_info"]
    assert '"contains_column": "extra_info' not in notes["extra_info"] and "`extra_info=` to a" in notes["extra_info"]
    assert '{"contains_column": "answers"} rewards an answer that contains any of its items' in notes["answers"]
    # 2 rows: its name says it is a tag (h141; it was offered as contains_column, which scores every answer 0)
    assert 'it holds the same value in every row ("mathx"): a tag, not an answer' in notes["data_source"]


def test_a_grpo_run_gives_each_answer_its_prompts_answer_column(varied_model, registry, tmp_path):
    """The whole path: a data file of prompts with an `answer` column, split when the run is queued, trained one step
    by TRL's GRPOTrainer; the registered function receives each answer's own row's `answer` (values per completion),
    and `contains_column` reads it too."""
    from ftlib.worker import execute

    data = tmp_path / "gsm.jsonl"
    data.write_text(PROMPTS_WITH_ANSWERS)
    rewards = [{"function": "logged"}, {"contains_column": "answer"}]
    config = _steady(varied_model(3), method="grpo", rewards=rewards, dataset=str(data), test_size=0.0,
                     max_steps=1, batch_size=2, grpo_group_size=2, grpo_max_new_tokens=4)  # fmt: skip
    run = runs.find(runs.create_run(config))
    assert execute(run.path) == "finished", run.read_status()
    seen = calls(registry)
    assert len(seen) == 4  # two prompts x two answers
    want = dict(QUESTIONS)
    assert all(c["kwargs"]["answer"] == want[c["prompt"]] and c["kwargs"]["level"] == 1 for c in seen), seen
    assert [c["prompt"] for c in seen][::2] == [c["prompt"] for c in seen][1::2]  # the group's answers, same row
    step, table = run.latest_completions()
    # The function by the name it was registered under (it read `function` before: two of them said nothing).
    assert step == 1 and {"logged", "contains_column"} <= set(table[0])
    assert {"reward_logged", "reward_contains_column"} <= set().union(*run.read_metrics())


def test_the_trl_dataset_carries_the_columns_beside_the_prompt(varied_model, tmp_path):
    from ftlib.training import build_trainer

    rows = [{"prompt": ASKED[0], "columns": {"answer": "4"}}, {"prompt": ASKED[1]}]
    config = _steady(varied_model(3), method="grpo", rewards=[{"regex": "a"}], grpo_group_size=2)
    prepared = build_trainer(config, tmp_path, rows=(rows, []))
    dataset = prepared.trainer.train_dataset
    assert [json.loads(c) for c in dataset[COLUMNS_FIELD]] == [{"answer": "4"}, {}]
    plain = build_trainer(config, tmp_path / "plain", rows=([{"prompt": ASKED[0]}], []))
    assert plain.trainer.train_dataset.column_names == ["prompt"]  # without columns: as it always was
    with pytest.raises(RewardError, match="missing in the training prompt 'Capital of France\\?'"):
        build_trainer(replace(config, rewards=[{"contains_column": "answer"}]), tmp_path / "c", rows=(rows, []))


def test_the_preview_scores_with_the_columns_and_shows_them(varied_model, registry):
    from ftlib.models import load_model, load_tokenizer
    from ftlib.reward_preview import preview_prompt, preview_rewards

    model_dir = varied_model(3)
    config = _steady(model_dir, method="grpo", rewards=[{"function": "by_name"}], grpo_group_size=2)
    model, tokenizer = load_model(str(model_dir), device="cpu"), load_tokenizer(str(model_dir))
    rows = [{"prompt": ASKED[0], "columns": {"answer": "4"}}, {"prompt": ASKED[0], "columns": {"answer": "four"}}]
    table = preview_rewards(model, tokenizer, config, rows, prompts=2)
    assert [r["by_name"] for r in table] == [1.0, 1.0, 4.0, 4.0]
    assert [r["columns"] for r in table][::2] == [{"answer": "4"}, {"answer": "four"}]
    assert len({preview_prompt(r) for r in table}) == 2  # one question, two rows: two prompts

    config = replace(config, rewards=[{"function": "nan"}])
    with pytest.raises(RewardError, match=r"'nan' .* returned nan for an answer to 'What is 2\+2\?'"):
        preview_rewards(model, tokenizer, config, rows, prompts=1)


def test_evaluate_scores_both_models_answers_with_each_prompts_columns(varied_model, registry, tmp_path, monkeypatch):
    from ftlib import modelset
    from ftlib.reward_eval import evaluate_answers
    from ftlib.testing import make_random_adapter

    adapter = make_random_adapter(str(varied_model(3)), tmp_path / "lm" / "adapter", seed=5, b_std=0.5)
    model_set = modelset.load_model_set(str(varied_model(3)), [adapter.parent])
    rows = [{"prompt": ASKED[i], "columns": {"answer": a}} for i, (_, a) in enumerate(QUESTIONS[:2])]
    rewards = build_rewards([{"function": "by_name"}, {"contains_column": "answer"}])
    result = evaluate_answers(model_set, rows, model_set.tuned[0], rewards, max_new_tokens=4, batch_size=2)
    assert [(r.base_scores["by_name"], r.tuned_scores["by_name"]) for r in result.rows] == [(1.0, 1.0), (5.0, 5.0)]
    for row, (_, answer) in zip(result.rows, QUESTIONS, strict=False):
        assert row.base_scores["contains_column"] == float(answer in row.base_output)
    # A prompt without the column a reward reads is refused before any answer is written (a cold review: `evaluate
    # --data` generated every answer, then blamed the function's signature).
    answered = []
    monkeypatch.setattr(modelset, "generate_with_set", lambda *args, **kwargs: answered.append(args))
    lacking = [*rows, {"prompt": ASKED[1]}]
    with pytest.raises(
        RewardError,
        match=r"reads the column 'answer', which is empty, null or missing in the held-out prompt 'Capital of",
    ):
        evaluate_answers(model_set, lacking, model_set.tuned[0], rewards, max_new_tokens=4, batch_size=2)
    assert answered == []


def _draw_preview(rows):
    from ui.alignment_view import preview_table

    preview_table(rows)


def test_the_preview_table_shows_the_columns_given_to_the_rewards():
    rows = [
        {"prompt": "What is 2+2?", "answer": f"It is {i}", "function": 0.0, "total": 0.0, "advantage": 0.0}
        | {"messages": ASKED[0], "columns": {"answer": "4"}}
        for i in range(2)
    ]
    at = AppTest.from_function(_draw_preview, args=(rows,)).run()
    assert not at.exception
    assert any(c.value == 'Given to the rewards beside the prompt: `answer` = "4"' for c in at.caption)
    assert not any("<th>columns</th>" in h.proto.body for h in at.get("html"))


def _draw_row(row):
    from ui.data_view import show_row

    show_row(row, "line 1", False)


def test_the_data_page_shows_a_prompts_columns_beside_it():
    row = {"prompt": ASKED[0], "columns": {"answer": "4", "level": 1}}
    at = AppTest.from_function(_draw_row, args=(row,)).run()
    assert not at.exception
    assert 'Given to GRPO\'s reward functions beside the prompt: `answer` = "4"; `level` = 1' in [
        c.value for c in at.caption
    ]


# ---------------------------------------------------------------------------------------------------------------
# B. A function that cannot be loaded: refused by name before launch
# ---------------------------------------------------------------------------------------------------------------

CANNOT_LOAD = [
    ("missing", "funcs.py has no function 'nosuch' (it defines: logged, by_name, old_style"),
    ("syntax", "broken.py has a syntax error at line 1: '(' was never closed."),
    ("nomod", "(nosuchpkg.mod:f) cannot be loaded: there is no module 'nosuchpkg'"),
    ("nofile", "cannot be loaded: there is no file "),
    ("raising", "cannot be loaded: importing it raised RuntimeError: no config here"),
]


@pytest.mark.parametrize("name, says", CANNOT_LOAD, ids=[c[0] for c in CANNOT_LOAD])
def test_a_function_that_cannot_be_loaded_is_refused_by_name(registry, name, says):
    (problem,) = text_problems(json.dumps([{"function": name}]))
    assert problem.startswith(f"`rewards` item 1: The registered reward function '{name}' (") and says in problem


def test_the_cli_refuses_it_in_one_error_line_before_the_run_starts(registry, tmp_path, capsys):
    data = tmp_path / "prompts.jsonl"
    data.write_text("".join(json.dumps({"prompt": q}) + "\n" for q, _ in QUESTIONS))
    argv = ["train", "--method", "grpo", "--dataset", str(data), "--max-steps", "1", "--batch-size", "2"]
    code = main([*argv, "--grpo-group-size", "2", "--rewards", '[{"function": "missing"}]'])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: `rewards` item 1: The registered reward")
    assert "funcs.py has no function 'nosuch'" in lines[0] and "Traceback" not in captured.err
    assert runs.list_runs() == []


def test_the_train_page_says_it_under_the_rewards_box(tiny_model_dir, registry):
    from tests.test_pages_alignment import _grpo_page

    at = _grpo_page(tiny_model_dir)
    at.text_area(key="train_rewards").set_value('[{"function": "syntax"}]').run()
    assert not at.exception
    column = next(c for c in at.columns if any(t.key == "train_rewards" for t in c.text_area))
    assert any("has a syntax error at line 1" in e.value for e in column.error)
    assert not [b for b in at.button if b.key == "train_start"]


# ---------------------------------------------------------------------------------------------------------------
# C. A function that raises or returns no finite number: stopped with its name and the value
# ---------------------------------------------------------------------------------------------------------------

NOT_A_NUMBER = [
    ("nan", "returned nan for an answer to 'What is 2+2?': a reward must be one finite number per answer"),
    ("none", "returned None for an answer to 'What is 2+2?'"),
    ("inf", "returned inf for an answer"),
    ("text", "returned '1.0' for an answer"),
    ("boom", f"raised ValueError: my reward crashed (funcs.py line {RAISES_AT}) on an answer to 'What is 2+2?'."),
]


TRL_SIGNATURES = [
    ("wrong_signature", "takes completions, prompts:"),  # f(prompts, completions)
    ("trl_canonical", "takes completions:"),  # TRL's documented f(completions, **kwargs)
    ("trl_with_prompts", "takes completions, prompts:"),  # f(prompts, completions, **kw)
]


def test_a_function_taking_its_arguments_by_position_only_is_refused_when_built(registry):
    """A reviewer's `def f(prompt, completion, /)` passed the check (its parameters have the right names) and failed
    at the run's first step: called by name, it raises. Refused before launch, with what to change."""
    with pytest.raises(RewardError) as err:
        build_rewards([{"function": "positional_only"}])
    said = str(err.value)
    assert "cannot be called as function(prompt=[turns], completion=text): it takes no argument by name" in said


@pytest.mark.parametrize("name, takes", TRL_SIGNATURES, ids=[c[0] for c in TRL_SIGNATURES])
def test_a_function_written_for_trls_lists_is_refused_when_built(registry, name, takes):
    """A TRL-style `f(prompts, completions)` failed at the run's first step; its signature says it beforehand. With
    `**kwargs` (TRL's own examples) a cold reader was told instead that 10 prompts lack the column 'completions'."""
    with pytest.raises(RewardError) as err:
        build_rewards([{"function": name}])
    said = str(err.value)
    assert f"The reward function '{name}' (" in said and takes in said, said
    assert "TRL's batch signature" in said and "not supported here" in said and "column" not in said, said
    assert "take `prompt`" in said and "`completion`" in said and "one answer per call" in said, said


def test_a_trl_style_function_is_refused_before_launch_as_trls_not_as_a_missing_column(tiny_model_dir, registry):
    from ftlib.run_preflight import preflight

    rows = [{"prompt": ASKED[i], "columns": {"answer": a}} for i, (_, a) in enumerate(QUESTIONS)]
    config = RunConfig(
        model=str(tiny_model_dir), method="grpo", rewards=[{"function": "trl_canonical"}], batch_size=2, max_steps=1
    )
    errors = preflight(config, rows=(rows, [])).errors
    assert errors and all("column" not in e for e in errors), errors
    assert any("TRL's batch signature" in e for e in errors), errors


@pytest.mark.parametrize("name, says", NOT_A_NUMBER, ids=[c[0] for c in NOT_A_NUMBER])
def test_a_function_that_gives_no_finite_number_is_stopped_by_name(registry, name, says):
    rewards = build_rewards([{"function": name}])
    with pytest.raises(RewardError) as err:
        score_completions(rewards, ASKED[:1], ["4"])
    assert str(err.value).startswith(f"The reward function '{name}' (") and says in str(err.value), str(err.value)


def test_a_grpo_run_whose_function_returns_nan_fails_with_that_message(varied_model, registry, tmp_path):
    """Reviewed: TRL read NaN as "no reward", the run "finished" having learned nothing, with `"reward": null`."""
    from ftlib.worker import execute

    data = tmp_path / "prompts.jsonl"
    data.write_text(PROMPTS_WITH_ANSWERS)
    config = _steady(varied_model(3), method="grpo", rewards=[{"function": "nan"}], dataset=str(data),
                     test_size=0.0, max_steps=1, batch_size=2, grpo_group_size=2, grpo_max_new_tokens=4)  # fmt: skip
    run = runs.find(runs.create_run(config))
    assert execute(run.path) == "failed"
    status = run.read_status()
    assert (
        status["error"].startswith("The reward function 'nan' (") and "returned nan for an answer" in status["error"]
    )
    assert status.get("user_error") and not run.completions_file.exists()


def test_nan_never_reaches_a_file_an_advantage_or_the_evaluations_verdict():
    logs = {"prompt": [json.dumps(ASKED[0])] * 2, "completion": ["a", "b"], "advantages": [float("nan"), 0.0],
            "rewards": {"model": [float("nan"), 1.0]}}  # fmt: skip
    rows = completion_rows(logs, {"model": 1.0})
    assert rows[0]["model"] is None and rows[0]["total"] is None and rows[0]["advantage"] is None
    json.loads(json.dumps(rows, allow_nan=False))  # valid JSON
    with pytest.raises(RewardError, match="An answer's total reward is nan"):
        group_advantages([1.0, float("nan")], 2)
    row = RewardedAnswers(0, "q", "a", "b", {"r": 1.0}, {"r": math.nan}, 1.0, math.nan)
    assert row.moved == 0  # not comparable: neither better nor worse


def test_a_column_the_prompts_lack_is_refused_before_the_run_is_queued(tiny_model_dir):
    """`contains_column` naming a column some prompts lack was refused only when the worker built the trainer: the
    run was queued, then failed at once. The pre-launch report says it."""
    from ftlib.run_preflight import preflight

    rows = [
        {"prompt": [{"role": "user", "content": f"{i} + {i}?"}], "columns": {"answer": str(2 * i)}} for i in range(4)
    ]
    rows[2] = {"prompt": rows[2]["prompt"]}  # no answer
    config = RunConfig(
        model=str(tiny_model_dir), method="grpo", rewards=[{"contains_column": "answer"}], batch_size=2, max_steps=1
    )
    report = preflight(config, rows=(rows, []))
    assert (
        len(report.errors) == 1
        and "reads the column 'answer', which is empty, null or missing in the training prompt '2 + 2?'"
        in (report.errors[0])
    ), report.errors
    assert preflight(config, rows=(rows[:2] + rows[3:], [])).ok


def test_a_column_empty_or_null_in_some_rows_of_a_file_is_refused_as_empty_not_as_absent(tmp_path, capsys):
    """A cold review: a file whose `answer` was "" in one row and null in another was refused before the run with
    "which 2 training prompts ... do not have (the rows' columns: answer)": the rows have the column, empty."""
    data = tmp_path / "prompts.jsonl"
    rows = [{"prompt": "What is 3+3?", "answer": ""}, {"prompt": "What is 1+3?", "answer": None}]
    rows += [{"prompt": q, "answer": a} for q, a in QUESTIONS]
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    argv = ["train", "--method", "grpo", "--dataset", str(data), "--test-size", "0", "--max-steps", "1"]
    code = main([*argv, "--rewards", '[{"contains_column": "answer"}]'])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert code == 2 and len(lines) == 2, captured.err
    # The file's own warning names the lines (ftlib.blank_values), the refusal the prompts, by their words.
    assert lines[0].startswith("warning: The field `answer` is empty or null in 2 rows (lines 1, 2)"), lines[0]
    assert "which is empty, null or missing in 2 training prompts ('What is " in lines[1], lines[1]
    assert "where the other 4 give it a value" in lines[1] and "do not have" not in lines[1]


def test_an_object_column_without_a_path_is_refused_before_the_run(tmp_path, capsys):
    """Reviewed: {"contains_column": "reward_model"} on a verl file trained with every reward 0, silently. Refused
    before launch (the pre-launch check of the CLI, the Train page and the preview), with the path to write; so is a
    path the rows do not have."""
    (whole,) = build_rewards([{"contains_column": "reward_model"}])
    refused = r"cannot score 2 training prompts \('Add 3 and 3\.', \.\.\.\): `reward_model` holds an object "
    with pytest.raises(RewardError, match=refused + r'.*\{"contains_column": "reward_model.ground_truth"\}'):
        check_columns([whole], [VERL, VERL], prompts=ADD * 2)
    (wrong,) = build_rewards([{"contains_column": "reward_model.answer"}])
    lacking = r"which training prompt 1 does not have \(the rows' columns: ability, data_source, extra_info, "
    with pytest.raises(
        RewardError, match=lacking + r"reward_model; `reward_model` holds the keys style, ground_truth"
    ):
        check_columns([wrong], [VERL])
    check_columns(build_rewards([{"contains_column": "reward_model.ground_truth"}]), [VERL, VERL])
    check_columns(build_rewards([{"contains_column": "answers"}]), [{"answers": ["6", "six"]}])

    data = tmp_path / "verl.jsonl"
    data.write_text("".join(json.dumps({"prompt": ADD[0], **VERL}) + "\n" for _ in range(4)))
    argv = ["train", "--method", "grpo", "--dataset", str(data), "--test-size", "0", "--max-steps", "1"]
    code = main([*argv, "--rewards", '[{"contains_column": "reward_model"}]'])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith('error: The reward contains_column "reward_model" cannot score 4 '), err
    assert '{"contains_column": "reward_model.ground_truth"}' in err and not runs.list_runs(), err


def test_a_registered_function_needing_a_column_some_prompts_lack_is_refused_before_launch(tiny_model_dir, registry):
    """A cold review: `def correct(prompt, completion, answer)` on prompts one of which had no `answer` trained three
    steps, then failed "cannot be called as function(prompt=..., completion=...)"; contains_column was refused
    before launch. A function's parameter without a default is a column every prompt must have."""
    from ftlib.run_preflight import preflight

    rows = [{"prompt": ASKED[i], "columns": {"answer": a}} for i, (_, a) in enumerate(QUESTIONS)]
    rows[1] = {"prompt": ASKED[1]}
    config = RunConfig(
        model=str(tiny_model_dir), method="grpo", rewards=[{"function": "needs_answer"}], batch_size=2, max_steps=1
    )
    (error,) = preflight(config, rows=(rows, [])).errors
    assert 'reward function "needs_answer"' in error and "missing in the training prompt 'Capital of France?'" in error
    logged = replace(config, rewards=[{"function": "logged"}])  # takes **kwargs: needs no column
    assert preflight(logged, rows=(rows, [])).ok


def test_rewards_that_read_no_column_add_nothing_to_the_pre_launch_report(tiny_model_dir):
    from ftlib.run_preflight import preflight

    rows = [{"prompt": [{"role": "user", "content": f"{i} + {i}?"}]} for i in range(4)]
    config = RunConfig(model=str(tiny_model_dir), method="grpo", rewards=[{"regex": "x"}], batch_size=2, max_steps=1)
    assert preflight(config, rows=(rows, [])).errors == []


@pytest.mark.parametrize(
    "name, text, said",
    [
        (
            "rewards.yaml",
            "correct: /srv/a.py:f\nshort: /srv/a.py:g\ncorrect: /srv/b.py:f\n",
            r"`correct` twice \(lines 1 and 3\)",
        ),
        ("rewards.json", '{"correct": "/srv/a.py:f", "correct": "/srv/b.py:f"}', "`correct` twice"),
    ],
)
def test_a_registry_that_names_a_function_twice_is_refused_naming_it(tmp_path, monkeypatch, name, text, said):
    """YAML and JSON keep the last of a repeated key silently: the operator's first `correct` vanished unsaid."""
    path = tmp_path / name
    path.write_text(text)
    monkeypatch.setenv(REGISTRY_ENV, str(path))
    with pytest.raises(RewardError, match=rf"registry .*cannot be read: .*sets {said}: keep one of them"):
        registered_functions()


def test_a_registry_names_a_file_beside_it_and_a_syntax_error_is_one_line(tmp_path, monkeypatch):
    """A cold review: `correct: good.py:correct` failed with "there is no file good.py" though good.py sat beside the
    registry (read from wherever the process started), and a YAML typo printed PyYAML's several lines."""
    (tmp_path / "good.py").write_text("def correct(prompt, completion):\n    return 1.0\n")
    registry = tmp_path / "rewards.yaml"
    registry.write_text("correct: good.py:correct\n")
    monkeypatch.setenv(REGISTRY_ENV, str(registry))
    monkeypatch.chdir("/")
    assert registered_functions() == {"correct": f"{tmp_path / 'good.py'}:correct"}
    assert score_completions(build_rewards([{"function": "correct"}]), ASKED[:1], ["4"]).scores == {"correct": [1.0]}
    registry.write_text("correct: [good.py:correct\n")
    with pytest.raises(RewardError) as caught:
        registered_functions()
    assert "\n" not in str(caught.value) and "(line 2, column 1)" in str(caught.value)


def test_a_column_holding_one_value_in_every_row_is_named_a_tag_not_an_answer():
    """Reviewed: verl's `data_source` ("mathx" on every row) was recommended as {"contains_column": "data_source"},
    which rewards an answer for naming the dataset. A small file whose answers agree keeps the recommendation."""
    many = [{"prompt": ADD[0], "columns": {**VERL, "extra_info": {"index": i}}} for i in range(12)]
    notes = {n.field: n.message for n in passed_columns(Counter({k: 12 for k in VERL}), rows=many)}
    assert 'it holds the same value in every row ("mathx"): a tag, not an answer' in notes["data_source"]
    said = notes["data_source"]
    assert '"contains_column": "data_source"' not in said and "`data_source=` to a registered" in said
    assert "equals its `ground_truth`" in notes["reward_model"]  # one object in every row: its answer field still
    few = [{"prompt": ADD[0], "columns": {"answer": "yes"}}] * 2
    (note,) = passed_columns(Counter({"answer": 2}), rows=few)
    assert '{"contains_column": "answer"} rewards an answer that contains it' in note.message


def test_a_tag_named_column_is_a_tag_below_ten_rows_and_an_answer_named_one_never():
    """A CLI walk (h141): `data_source: gsm8k` on each of 8 rows was offered as {"contains_column": "data_source"}
    (a tag was told only from 10 rows up), which scores every answer 0. Its name tells it from two rows; a column
    named as an answer is looked for however many rows agree; any other name still waits for 10 rows."""
    eight = [{"prompt": ADD[0], "columns": {"data_source": "gsm8k", "answer": "6", "note": "x"}}] * 8
    notes = {
        n.field: n.message for n in passed_columns(Counter({"data_source": 8, "answer": 8, "note": 8}), rows=eight)
    }
    assert 'it holds the same value in every row ("gsm8k"): a tag, not an answer' in notes["data_source"]
    assert '"contains_column": "data_source"' not in notes["data_source"]
    assert '"contains_column": "note"' in notes["note"]  # 8 equal values of a name that says nothing: not yet a tag
    many = [{"prompt": ADD[0], "columns": {"answer": "yes"}}] * 12
    (note,) = passed_columns(Counter({"answer": 12}), rows=many)
    assert '{"contains_column": "answer"} rewards an answer that contains it' in note.message
