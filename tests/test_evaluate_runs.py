"""`evaluate` of every kind of run, and what it refuses before the work: a reward model is measured by its score head
(as `score` scores), a KTO run on its good-labelled answers, a GRPO run on its rewards; an adapter of another base, an
unwritable --csv path and a reward that cannot be computed are one `error:` line before anything loads."""

from __future__ import annotations

import csv
import json
import os
import shutil

import pytest
import torch

from ftlib import evaluate as E
from ftlib import models, workspace
from ftlib import modelset as M
from ftlib import sampling as S
from ftlib.alignment import pairwise_metrics
from ftlib.cli import main
from ftlib.reward_eval import evaluate_answers, evaluate_pairs, measured_by
from ftlib.rewards import build_rewards, length_score, load_reward_model, regex_score
from ftlib.testing import make_run


def turns(role: str, text: str) -> list[dict]:
    return [{"role": role, "content": text}]


# Pairs of unlike lengths and words, so a score head gives each its own margin.
PAIRS = [
    {"prompt": turns("user", p), "chosen": turns("assistant", c), "rejected": turns("assistant", r)}
    for p, c, r in [
        ("Name a fruit.", "Apple.", "I will not name anything, go away."),
        ("Name a tree.", "An oak tree, tall and old.", "Tree."),
        ("Say hi.", "Hello there, friend!", "No."),
        ("Count to three.", "One, two, three.", "Three, two, one, zero, minus one."),
    ]
]
CONVERSATION = {"messages": turns("user", "Name a river.") + turns("assistant", "The Nile.")}
KTO_ROWS = [
    {"prompt": turns("user", "Name a fruit."), "completion": turns("assistant", "Apple."), "label": True},
    {"prompt": turns("user", "Name a fruit."), "completion": turns("assistant", "Go away."), "label": False},
    {"prompt": turns("user", "Name a tree."), "completion": turns("assistant", "An oak tree."), "label": True},
    {"prompt": turns("user", "Name a tree."), "completion": turns("assistant", "Rocks."), "label": False},
]
PROMPTS = [{"prompt": turns("user", p)} for p in ("Write a line about tea.", "Name a colour.", "Say something.")]
GRPO_REWARDS = [{"length": {"target": 4}}, {"regex": "[aeiou]", "weight": 0.5}]


@pytest.fixture
def reward_run(varied_dir, reward_adapter):
    workspace.save_split("pairs", PAIRS, PAIRS)
    config = {"method": "reward", "model": str(varied_dir), "dataset": "pairs", "max_length": 256}
    return make_run("rm-run", config, adapter=reward_adapter)


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def cli_json(capsys, *argv) -> dict:
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


def one_error_line(code: int, err: str) -> str:
    assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    return err


@pytest.fixture
def nothing_loads(monkeypatch):
    """Fails the test if any model's weights load: what is refused must be refused before."""

    def loaded(*args, **kwargs):
        raise AssertionError("a model was loaded before the refusal")

    monkeypatch.setattr(models, "load_model", loaded)


# ---------------------------------------------------------------------------------------------------------------
# 1. A reward model: its score head, as `score` and RewardModel score
# ---------------------------------------------------------------------------------------------------------------


def test_a_reward_model_is_measured_by_its_score_head_as_rewardmodel_scores_each_pair(reward_run):
    """The cold review: `evaluate` of a reward run scored the pairs with the language model (the score head ignored):
    accuracy 0.2 where training's held-out accuracy was 1.0. Each pair is now scored by the trained reward model, and
    accuracy, margin and loss are TRL's RewardTrainer formulas (`pairwise_metrics`) on RewardModel's own scores."""
    scorer = load_reward_model(reward_run.id)
    result = evaluate_pairs(scorer, [*PAIRS, CONVERSATION], reward_run.id)
    expected = [scorer.score(p["prompt"], [p["chosen"][0]["content"], p["rejected"][0]["content"]]) for p in PAIRS]
    assert [[r.chosen_score, r.rejected_score] for r in result.rows] == [pytest.approx(e, abs=1e-5) for e in expected]
    margins = [c - r for c, r in expected]
    assert len({round(m, 3) for m in margins}) == len(PAIRS)  # a real score head: every pair its own margin
    reference = pairwise_metrics([c for c, _ in expected], [r for _, r in expected])
    agg = result.aggregates()
    assert agg["pairs"] == 4 and agg["skipped"] == 1
    assert agg["reward_accuracy"] == pytest.approx(reference["accuracy"])
    assert agg["mean_reward_margin"] == pytest.approx(reference["margin"], abs=1e-5)
    assert agg["loss"] == pytest.approx(reference["loss"], abs=1e-5)
    ((index, why),) = result.skipped
    assert index == 4 and "not a preference pair" in why
    assert [r.chosen for r in result.rows] == [p["chosen"][0]["content"] for p in PAIRS]


def test_the_cli_evaluates_a_reward_run_with_its_score_head(capsys, reward_run, varied_dir, tmp_path, monkeypatch):
    out_csv = tmp_path / "pairs.csv"
    agg = cli_json(capsys, "evaluate", reward_run.id, "--csv", out_csv, "--json")
    scorer = load_reward_model(reward_run.id)
    want = evaluate_pairs(scorer, PAIRS, reward_run.id).aggregates()
    assert agg["pairs"] == 4 and agg["skipped"] == 0 and "base_loss" not in agg
    for key in ("reward_accuracy", "mean_reward_margin", "loss"):
        assert agg[key] == pytest.approx(want[key], abs=1e-5), key
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert [r["chosen"] for r in rows] == [p["chosen"][0]["content"] for p in PAIRS]
    assert [float(r["margin"]) > 0 for r in rows] == [r["ranked_right"] == "True" for r in rows]

    # The adapter folder with --model and --data: the same numbers.
    data = tmp_path / "pairs.jsonl"
    workspace.write_jsonl(data, PAIRS)
    argv = ["evaluate", "--model", varied_dir, "--adapter", reward_run.adapter_dir, "--data", data, "--json"]
    assert cli_json(capsys, *argv)["mean_reward_margin"] == pytest.approx(agg["mean_reward_margin"], abs=1e-6)

    # What cannot work is refused before the reward model loads: no pair to rank, another template.
    monkeypatch.setattr(models, "load_model", lambda *a, **k: pytest.fail("a model was loaded before the refusal"))
    workspace.write_jsonl(data, [CONVERSATION])
    code, _, err = cli(capsys, *argv)
    assert "The only test row cannot be evaluated: this sft row is not a preference pair" in one_error_line(code, err)
    code, _, err = cli(capsys, "evaluate", reward_run.id, "--template", "chatml")
    assert "scores answers in the chat template it trained with" in one_error_line(code, err)


def test_a_reward_model_is_not_sampled_as_if_it_wrote_answers(capsys, reward_run, varied_dir, nothing_loads):
    """In a language model its adapter would write text without its score head: refused before anything loads."""
    code, _, err = cli(capsys, "sample", "--adapter", reward_run.id, "--prompt", "Hi")
    assert "is a reward model: it scores answers, it does not write them" in one_error_line(code, err)


# ---------------------------------------------------------------------------------------------------------------
# 2. An adapter trained on another base: one line, before any model loads
# ---------------------------------------------------------------------------------------------------------------


def test_an_adapter_of_another_base_is_refused_before_loading_as_sample_refuses_it(
    capsys, adapter_template, tmp_path, nothing_loads
):
    """The cold review: `evaluate --model default --adapter FOLDER` with an adapter of another base printed PEFT's 29
    lines of "size mismatch"; `sample` said it in one. Now both refuse it from the weights' shapes, before loading."""
    from ftlib.testing import make_tiny_model

    base = make_tiny_model(tmp_path / "narrow", hidden_size=32)
    data = tmp_path / "test.jsonl"
    workspace.write_jsonl(data, [CONVERSATION])
    capsys.readouterr()
    code, _, err = cli(capsys, "evaluate", "--model", base, "--adapter", adapter_template, "--data", data)
    one_error_line(code, err)
    assert err.startswith("error: Could not load the adapter") and f"does not fit the base model {base}" in err
    assert "size mismatch for model.layers.0.self_attn.k_proj.lora_A: [8, 64] in the adapter, [8, 32] in this" in err
    assert err.strip().endswith("Give the base it was trained on with --model.")


def test_the_shape_check_finds_what_peft_finds_and_nothing_on_the_right_base(adapter_template, varied_dir, tmp_path):
    """Reference: PEFT's own load of the adapter into the narrow base lists every weight that does not fit."""
    from ftlib.testing import make_tiny_model

    narrow = make_tiny_model(tmp_path / "narrow", hidden_size=32)
    assert M.adapter_misfits(str(varied_dir), adapter_template) == []
    ours = {line.split()[3].removesuffix(":") for line in M.adapter_misfits(str(narrow), adapter_template)}
    with pytest.raises(S.SamplingError) as peft_says:
        M.attach_adapters(models.load_model(str(narrow), device="cpu"), {"a": adapter_template})
    theirs = {
        line.split()[3].replace("base_model.model.", "").replace(".a.weight", "")
        for line in str(peft_says.value).splitlines()
        if "size mismatch for" in line
    }
    assert ours == {name.removesuffix(":") for name in theirs} and len(ours) == 16  # 2 layers x 4 projections x A, B


# ---------------------------------------------------------------------------------------------------------------
# 3. KTO's good-labelled answers are references; GRPO's prompts are measured on the run's rewards
# ---------------------------------------------------------------------------------------------------------------


def test_kto_rows_labelled_good_are_references_and_bad_ones_are_left_out_with_the_reason(
    varied_dir, adapter_template, capsys
):
    model_set = M.load_model_set(str(varied_dir), [adapter_template.parent])
    name = model_set.tuned[0]
    result = E.evaluate(model_set, KTO_ROWS, name, max_new_tokens=2)
    assert [r.index for r in result.rows] == [0, 2] and [i for i, _ in result.skipped] == [1, 3]
    assert all(why == E.BAD_LABEL for _, why in result.skipped)
    # The same numbers as the same answers written as conversations.
    chats = [{"messages": row["prompt"] + row["completion"]} for row in KTO_ROWS[::2]]
    same = E.evaluate(model_set, chats, name, max_new_tokens=2)
    assert [(r.reference, r.base_loss, r.tuned_loss) for r in result.rows] == [
        (r.reference, r.base_loss, r.tuned_loss) for r in same.rows
    ]

    workspace.save_split("kto", KTO_ROWS, KTO_ROWS)
    make_run("kto-run", {"method": "kto", "model": str(varied_dir), "dataset": "kto"}, adapter=adapter_template)
    code, out, err = cli(capsys, "evaluate", "kto-run", "--max-new-tokens", "2")
    assert code == 0, err
    assert "rows scored: 2\n" in out and "rows skipped: 2 (why: below)\n" in out
    assert "skipped 2 of 4 test rows (rows 2, 4): Its answer is labelled bad" in out
    code, out, err = cli(capsys, "evaluate", "kto-run", "--max-new-tokens", "2", "--json")
    assert json.loads(out)["skipped"] == 2 and "skipped 2 of 4 test rows (rows 2, 4)" in err  # stdout: JSON only


def test_rows_skipped_from_a_data_file_are_named_by_their_line_in_it(varied_dir, adapter_template, tmp_path, capsys):
    """With --data FILE, a skipped row is named where it is in the file: here an unreadable line comes first, so
    the bad-labelled rows read 2nd and 4th are lines 3 and 5 (counting among the rows read said 2 and 4)."""
    lines = [json.dumps(KTO_ROWS[0]), "{not json", *(json.dumps(row) for row in KTO_ROWS[1:])]
    data = tmp_path / "held_out.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    workspace.save_split("kto", KTO_ROWS, KTO_ROWS)  # the run's own split: --data reads the file instead
    make_run("kto-file", {"method": "kto", "model": str(varied_dir), "dataset": "kto"}, adapter=adapter_template)
    code, out, err = cli(capsys, "evaluate", "kto-file", "--data", str(data), "--max-new-tokens", "2")
    assert code == 0, err
    assert "line 2" in err  # the unreadable line, named on stderr
    assert "skipped 2 of 4 test rows read from the file (lines 3, 5): Its answer is labelled bad" in out


def test_data_rows_the_run_trained_on_are_named_before_they_are_measured(
    varied_dir, adapter_template, tmp_path, capsys
):
    """A reviewer's `evaluate RUN --data FILE` scored rows the run had trained on as if held out, without a word."""
    trained = [{"messages": turns("user", f"Name a river, {n}.") + turns("assistant", "The Nile.")} for n in "ab"]
    workspace.save_split("rivers", trained, [CONVERSATION])
    make_run("river-run", {"model": str(varied_dir), "dataset": "rivers"}, adapter=adapter_template)
    rows = [CONVERSATION, trained[1]]  # a held-out row, then one the run trained on
    data = tmp_path / "mixed.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, _, err = cli(capsys, "evaluate", "river-run", "--data", str(data), "--max-new-tokens", "2")
    assert code == 0, err
    assert f"warning: 1 of the 2 rows of {data} are rows the run trained on (line 2):" in err
    code, _, err = cli(capsys, "evaluate", "river-run", "--max-new-tokens", "2")  # its own held-out rows
    assert code == 0 and "trained on" not in err, err


def test_a_grpo_runs_answers_are_scored_by_its_rewards(varied_dir, adapter_template):
    """Both models answer each prompt greedily (transformers' own greedy generation is the reference) and the run's
    rewards score those answers; totals are weighted as GRPO sums them."""
    from peft import PeftModel

    model_set = M.load_model_set(str(varied_dir), [adapter_template.parent])
    rewards = build_rewards(GRPO_REWARDS)
    result = evaluate_answers(model_set, PROMPTS, model_set.tuned[0], rewards, max_new_tokens=6, batch_size=2)
    tok = model_set.tokenizer
    base = models.load_model(str(varied_dir), device="cpu").eval()
    tuned = PeftModel.from_pretrained(models.load_model(str(varied_dir), device="cpu"), str(adapter_template)).eval()
    for row in result.rows:
        ids = torch.tensor([S.render_prompt(tok, PROMPTS[row.index]["prompt"])[1]])
        answers = []
        for model in (base, tuned):
            stops = sorted(S.stop_token_ids(tok, model))
            out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=False,
                                 max_new_tokens=6, eos_token_id=stops, pad_token_id=2)  # fmt: skip
            answers.append(tok.decode(out[0, ids.shape[1] :], skip_special_tokens=True))
        assert (row.base_output, row.tuned_output) == tuple(answers)
        for side, text in (("base", row.base_output), ("tuned", row.tuned_output)):
            scores = {"length": length_score(4, text), "regex": regex_score("[aeiou]", text)}
            assert getattr(row, f"{side}_scores") == scores
            assert getattr(row, f"{side}_reward") == pytest.approx(scores["length"] + 0.5 * scores["regex"])
    assert any(r.base_output != r.tuned_output for r in result.rows)
    agg = result.aggregates()
    assert agg["rows"] == 3 and agg["tuned_reward_length"] == pytest.approx(
        sum(r.tuned_scores["length"] for r in result.rows) / 3
    )
    assert agg["reward_change"] == pytest.approx(agg["tuned_reward"] - agg["base_reward"])
    # Each reward's weight beside its unweighted mean: the weighted means sum to the total.
    assert (agg["weight_length"], agg["weight_regex"]) == (1.0, 0.5)
    # What each name is, for people (a cold review: `base_reward_function_2` did not say which function).
    assert agg["reward_labels"] == {r.name: r.label for r in rewards} and agg["reward_labels"]["regex"].startswith(
        "regex"
    )
    for side in ("base", "tuned"):
        parts = [agg[f"weight_{n}"] * agg[f"{side}_reward_{n}"] for n in ("length", "regex")]
        assert sum(parts) == pytest.approx(agg[f"{side}_reward"])
    assert measured_by("grpo", PROMPTS) == "rewards" and measured_by("grpo", [CONVERSATION]) == "references"


def test_the_cli_evaluates_a_grpo_run_on_its_rewards_and_refuses_one_it_cannot_compute(
    capsys, varied_dir, adapter_template, tmp_path, monkeypatch
):
    workspace.save_split("prompts", PROMPTS, PROMPTS)
    config = {"method": "grpo", "model": str(varied_dir), "dataset": "prompts", "rewards": GRPO_REWARDS}
    make_run("grpo-run", config, adapter=adapter_template)
    out_csv = tmp_path / "grpo.csv"
    agg = cli_json(capsys, "evaluate", "grpo-run", "--max-new-tokens", "6", "--csv", out_csv, "--json")
    assert agg["rows"] == 3 and {"base_reward", "tuned_reward", "rows_improved", "base_reward_regex"} <= set(agg)
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert [r["prompt"] for r in rows] == [p["prompt"][0]["content"] for p in PROMPTS]
    assert all(float(r["tuned_reward_length"]) == length_score(4, r["tuned_output"]) for r in rows)

    # A reward this server cannot compute: refused before any model loads, with what can be done instead.
    monkeypatch.delenv("FTLIB_REWARD_FUNCTIONS", raising=False)
    shutil.rmtree(workspace.runs_dir() / "grpo-run")
    make_run("grpo-run", {**config, "rewards": [{"function": "shout"}]}, adapter=adapter_template)
    monkeypatch.setattr(models, "load_model", lambda *a, **k: pytest.fail("a model was loaded before the refusal"))
    code, _, err = cli(capsys, "evaluate", "grpo-run")
    one_error_line(code, err)
    assert "prompts without reference answers, and its rewards cannot be computed here" in err
    # the CLI's way to compare the answers, as pasted (it named the Compare page)
    assert "with `python -m ftlib sample --adapter grpo-run --prompt TEXT`, or" in err and "--data FILE" in err, err
    assert "page" not in err, err


def test_a_grpo_run_is_evaluated_with_the_reward_registry_it_was_queued_with(
    capsys, varied_dir, adapter_template, tmp_path, monkeypatch
):
    """A reviewer evaluated a GRPO run of a registered function from a shell without FTLIB_REWARD_FUNCTIONS: refused,
    though the run's env.json names the registry its worker used. Read from there, as the worker does (only from a
    file of this user's that nobody else may write: it names code)."""
    funcs, registry = tmp_path / "funcs.py", tmp_path / "rewards.json"
    funcs.write_text("def shout(prompt, completion):\n    return float(completion.isupper())\n")
    registry.write_text(json.dumps({"shout": f"{funcs}:shout"}))
    workspace.save_split("prompts", PROMPTS, PROMPTS)
    config = {"method": "grpo", "model": str(varied_dir), "dataset": "prompts", "rewards": [{"function": "shout"}]}
    run = make_run("grpo-fn", config, adapter=adapter_template)
    run.write_env({"FTLIB_REWARD_FUNCTIONS": str(registry)})
    monkeypatch.delenv("FTLIB_REWARD_FUNCTIONS", raising=False)
    agg = cli_json(capsys, "evaluate", "grpo-fn", "--max-new-tokens", "2", "--json")
    assert agg["rows"] == 3 and "base_reward" in agg
    # Set for that evaluation alone: main() called again in this process (a script, a test) for another run would
    # have taken this run's registry for the caller's own (it leaked into the tests after this one).
    assert "FTLIB_REWARD_FUNCTIONS" not in os.environ
    os.chmod(run.env_file, 0o666)  # writable by anyone: not trusted to name code
    code, _, err = cli(capsys, "evaluate", "grpo-fn")
    one_error_line(code, err)
    assert "rewards cannot be computed here" in err


def test_prompts_without_answers_on_a_run_that_is_not_grpo_say_what_can_be_done(capsys, varied_dir, adapter_template):
    workspace.save_split("prompts", PROMPTS, PROMPTS)
    make_run("sft-run", {"model": str(varied_dir), "dataset": "prompts"}, adapter=adapter_template)
    code, _, err = cli(capsys, "evaluate", "sft-run", "--max-new-tokens", "2")
    one_error_line(code, err)
    assert "None of the 3 test rows can be evaluated: this prompt only row has no reference answer" in err
    assert "--data FILE" in err and "`python -m ftlib sample --adapter RUN --prompt TEXT`" in err, err  # no page


def test_a_run_without_held_out_rows_is_pointed_to_data(capsys, varied_dir, adapter_template, nothing_loads):
    """A lifecycle walk: `evaluate` of a run trained on a split without a test part said "save a split with some
    held-out rows first" (retrain); in the CLI, --data evaluates it on other rows as it is."""
    workspace.save_split("all-train", [CONVERSATION], [])
    make_run("no-test-run", {"model": str(varied_dir), "dataset": "all-train"}, adapter=adapter_template)
    code, _, err = cli(capsys, "evaluate", "no-test-run")
    one_error_line(code, err)
    assert "The run's dataset `all-train` has no held-out rows." in err and "with --data" in err


# ---------------------------------------------------------------------------------------------------------------
# 4. A --csv path that cannot be written: refused before the evaluation
# ---------------------------------------------------------------------------------------------------------------

CSV_PATHS = [
    pytest.param(lambda tmp: "/proc/1/eval.csv", "cannot write the CSV file /proc/1/eval.csv", id="proc"),
    pytest.param(lambda tmp: tmp / "missing" / "eval.csv", "missing does not exist: create it first", id="no-folder"),
    pytest.param(lambda tmp: tmp / "file.txt" / "eval.csv", "file.txt is a file, not a folder", id="under-a-file"),
    pytest.param(lambda tmp: tmp, "--csv points at the folder", id="a-folder"),
]


@pytest.mark.parametrize("path, message", CSV_PATHS)
def test_a_csv_path_that_cannot_be_written_is_refused_before_the_evaluation(
    capsys, varied_dir, adapter_template, tmp_path, nothing_loads, path, message
):
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    workspace.save_split("chats", [CONVERSATION], [CONVERSATION])
    make_run("csv-run", {"model": str(varied_dir), "dataset": "chats"}, adapter=adapter_template)
    code, _, err = cli(capsys, "evaluate", "csv-run", "--csv", path(tmp_path))
    assert message in one_error_line(code, err) and "--csv" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "workspace"]  # no probe file left behind


# ---------------------------------------------------------------------------------------------------------------
# The Evaluate page: a KTO run on its good-labelled answers; a GRPO run of prompts is pointed to what measures it
# ---------------------------------------------------------------------------------------------------------------


def test_the_evaluate_page_scores_a_kto_runs_good_answers_and_lists_the_bad_ones_it_left_out(
    varied_dir, adapter_template
):
    from tests.test_pages_compare import button, open_page, run_until_done

    workspace.save_split("kto", KTO_ROWS, KTO_ROWS)
    make_run(
        "20260101-000000-kto-kto",
        {"method": "kto", "model": str(varied_dir), "dataset": "kto"},
        adapter=adapter_template,
    )
    at = open_page("pages/6_Evaluate.py", varied_dir)
    at.slider(key="evaluate_max_new_20260101-000000-kto-kto").set_value(8)  # the run's own box
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    result = at.session_state["evaluate_job"].result
    assert [r.index for r in result.rows] == [0, 2] and [i for i, _ in result.skipped] == [1, 3]
    assert any(e.label == "2 rows skipped" for e in at.expander)


def test_the_evaluate_page_scores_a_grpo_runs_answers_with_its_rewards_as_the_cli_does(
    capsys, varied_dir, adapter_template
):
    """A cold walk: the page only pointed a GRPO run of prompts to `python -m ftlib evaluate`. It now has both models
    answer the held-out prompts and the run's rewards score them: the CLI's numbers, the worst change first."""
    from tests.test_pages_compare import button, open_page

    workspace.save_split("prompts", PROMPTS, PROMPTS)
    config = {"method": "grpo", "model": str(varied_dir), "dataset": "prompts", "rewards": GRPO_REWARDS}
    run = make_run("20260101-000000-grpo-prompts", config | {"grpo_max_new_tokens": 8}, adapter=adapter_template)
    at = open_page("pages/6_Evaluate.py", varied_dir)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert any("the run's own rewards score both answers" in c.value for c in at.caption)
    # Why its numbers differ from the Train page's held-out reward (a cold review: 1.183 there, 2.000 here).
    assert any("held-out reward scores answers sampled as training samples them" in c.value for c in at.caption)
    assert not any("is the reference" in c.value for c in at.caption)  # a GRPO run's prompts have none
    assert not [b for b in at.button if b.label == "Evaluate"]  # no loss to measure: nothing that could only fail
    # As long as the answers the run trained on, on the page and in the CLI (a cold test: 64 against its 8 turned a
    # length reward's picture around).
    assert at.slider(key=f"evaluate_answer_tokens_{run.id}").value == 8
    button(at, "Answer and score").click()
    at.run()
    assert at.session_state["evaluate_answers_job"][1].wait(timeout=300)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    agg = cli_json(capsys, "evaluate", run.id, "--json")
    shown = {m.label: m.value for m in at.metric}
    assert (shown["Base reward"], shown["Tuned reward"]) == (f"{agg['base_reward']:.3f}", f"{agg['tuned_reward']:.3f}")
    assert shown["Tuned answer scores higher"] == f"{agg['rows_improved']:.0%}"
    table = at.dataframe[-1].value
    assert len(table) == agg["rows"] == 3 and table["reward_change"].is_monotonic_increasing
    assert any(b.label == "Download CSV" for b in at.get("download_button"))


def test_the_evaluate_page_scores_a_reward_runs_held_out_pairs_as_the_cli_does(capsys, reward_run, varied_dir):
    """The Evaluate page did not offer reward-model runs at all (the CLI measured them); it now scores the run's
    held-out pairs with its score head, the same numbers as `evaluate RUN`, the worst-ranked pair first."""
    from tests.test_pages_compare import open_page

    at = open_page("pages/6_Evaluate.py", varied_dir)
    assert not at.exception, at.exception
    assert at.selectbox(key="evaluate_pick").value == reward_run.id
    assert any("A reward model writes no answers" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "Score the pairs").click()
    at.run()
    key = "evaluate_pairs_job"
    assert at.session_state[key][1].wait(timeout=300)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    agg = cli_json(capsys, "evaluate", reward_run.id, "--json")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Accuracy"] == f"{agg['reward_accuracy']:.0%}"
    assert shown["Mean margin"] == f"{agg['mean_reward_margin']:+.3f}" and shown["Loss"] == f"{agg['loss']:.3f}"
    table = at.dataframe[-1].value
    assert len(table) == agg["pairs"] and table["margin"].is_monotonic_increasing
    assert any(b.label == "Download CSV" for b in at.get("download_button"))


def test_score_takes_a_reward_runs_folder_as_sample_and_evaluate_do(capsys, reward_run, tmp_path):
    """A cold review: `score <run folder>` said "There is no run '<folder>'", where `sample` and `evaluate` take a
    run's folder; a folder that is not a run's is refused with what to do with it."""
    argv = ["--prompt", "Hi", "--response", "Ahoy!", "--response", "Hello.", "--json"]
    by_id = cli_json(capsys, "score", reward_run.id, *argv)
    assert cli_json(capsys, "score", reward_run.path, *argv) == by_id
    code, _, err = cli(capsys, "score", tmp_path, *argv)
    assert "is a folder but not a run's: score takes a reward-model run" in one_error_line(code, err)


def test_a_trained_row_typed_in_another_unicode_normalisation_is_named_as_trained_on(varied_dir):
    """A split keeps rows differing only in NFC/NFD on one side (`splits.row_key`); Evaluate's check of --data rows
    the run trained on compared their exact bytes, so "Café" typed on a Mac passed as a row it never saw."""
    from ftlib.eval_runs import trained_on

    trained = [{"messages": turns("user", "Un café ?") + turns("assistant", "Oui, un café.")}]
    workspace.save_split("cafes", trained, [CONVERSATION])
    run = make_run("cafe-run", {"model": str(varied_dir), "dataset": "cafes"})
    nfd = json.loads(json.dumps(trained[0]).replace("\\u00e9", "e\\u0301"))
    assert nfd != trained[0]
    assert trained_on([CONVERSATION, nfd], run.path) == [1]


def test_a_setting_set_for_one_block_is_put_back_as_it_was(monkeypatch):
    from ftlib.run_env import env_set

    monkeypatch.setenv("FTLIB_REWARD_FUNCTIONS", "/theirs.json")
    with env_set("FTLIB_REWARD_FUNCTIONS", "/run.json"):
        assert os.environ["FTLIB_REWARD_FUNCTIONS"] == "/run.json"
    assert os.environ["FTLIB_REWARD_FUNCTIONS"] == "/theirs.json"
    monkeypatch.delenv("FTLIB_REWARD_FUNCTIONS")
    with pytest.raises(RuntimeError), env_set("FTLIB_REWARD_FUNCTIONS", "/run.json"):
        raise RuntimeError("a refusal inside")
    assert "FTLIB_REWARD_FUNCTIONS" not in os.environ
    with env_set("FTLIB_REWARD_FUNCTIONS", None):  # nothing recorded: nothing set
        assert "FTLIB_REWARD_FUNCTIONS" not in os.environ
