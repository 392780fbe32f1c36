"""`evaluate --json` lists every evaluated row under "per_row", with the fields its `--csv` row has: a GRPO run's
prompt, both models' answers and each reward's score (it printed only the means, while --csv had the answers), an SFT
run's answers and losses, a reward model's pair scores. `row` counts from 1 as the skipped rows and the Evaluate page
count, `index` from 0 as the CSV does; with --data FILE, `file_row` and `where` say where the row is in the file. A
GRPO row names each reward's score as the aggregates name its mean (`base_reward_<name>`)."""

from __future__ import annotations

import csv
import json

import pytest

from ftlib import workspace
from ftlib.cli import main
from ftlib.commands.evaluate import per_row
from ftlib.reward_eval import RewardedAnswers, RewardResult
from ftlib.rewards import length_score, regex_score
from ftlib.testing import make_random_adapter, make_run

PROMPTS = [{"prompt": [{"role": "user", "content": p}]} for p in ("Write a line about tea.", "Name a colour.", "Hi.")]
GRPO_REWARDS = [{"length": {"target": 4}}, {"regex": "[aeiou]", "weight": 0.5}]
SFT_ROWS = [
    {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}
    for q, a in (("Name a fruit.", "Apple."), ("Name a tree.", "An oak tree."))
]
PAIRS = [
    {
        "prompt": [{"role": "user", "content": p}],
        "chosen": [{"role": "assistant", "content": c}],
        "rejected": [{"role": "assistant", "content": r}],
    }
    for p, c, r in (("Name a fruit.", "Apple.", "Go away, I will not."), ("Say hi.", "Hello there!", "No."))
]


def evaluate_json(capsys, *argv) -> dict:
    assert main(["evaluate", *map(str, argv), "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # stdout is the one JSON object


def csv_rows(path) -> list[dict]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def test_a_grpo_runs_json_has_each_rows_answers_and_reward_scores(capsys, varied_dir, adapter_template, tmp_path):
    workspace.save_split("prompts", PROMPTS, PROMPTS)
    config = {"method": "grpo", "model": str(varied_dir), "dataset": "prompts", "rewards": GRPO_REWARDS}
    make_run("grpo-run", config, adapter=adapter_template)
    out_csv = tmp_path / "grpo.csv"
    report = evaluate_json(capsys, "grpo-run", "--max-new-tokens", "6", "--csv", out_csv)
    rows = report["per_row"]
    assert [r["prompt"] for r in rows] == [p["prompt"][0]["content"] for p in PROMPTS]
    assert [(r["row"], r["index"]) for r in rows] == [(1, 0), (2, 1), (3, 2)]
    for record in rows:
        for side in ("base", "tuned"):
            text = record[f"{side}_output"]
            length, regex = record[f"{side}_reward_length"], record[f"{side}_reward_regex"]
            assert length == length_score(4, text) and regex == regex_score("[aeiou]", text)
            assert record[f"{side}_reward"] == pytest.approx(length + 0.5 * regex)
    assert report["tuned_reward"] == pytest.approx(sum(r["tuned_reward"] for r in rows) / 3)
    # Each reward's score is named per row as its mean is named in the aggregates: `<side>_reward_<name>`.
    for side in ("base", "tuned"):
        for name in ("length", "regex"):
            key = f"{side}_reward_{name}"
            assert report[key] == pytest.approx(sum(r[key] for r in rows) / 3)
    # The same rows as --csv writes them, field for field.
    written = csv_rows(out_csv)
    assert [set(r) for r in written] == [set(r) - {"row"} for r in rows]
    assert [r["tuned_output"] for r in written] == [r["tuned_output"] for r in rows]


def test_a_grpo_runs_rows_carry_the_reference_its_rewards_were_given(capsys, varied_dir, adapter_template, tmp_path):
    """A CLI walk (h141): `per_row` had each answer's `contains_column` score but not the `answer` it looked for,
    so whether a 0 was a wrong answer or a wrong reference could not be told from the JSON."""
    refs = ("tea", "red", "hi")
    rows = [{**p, "columns": {"answer": a, "data_source": "walk"}} for p, a in zip(PROMPTS, refs, strict=True)]
    workspace.save_split("graded", rows, rows)
    rewards = [{"contains_column": "answer"}]
    make_run("graded-run", {"method": "grpo", "model": str(varied_dir), "dataset": "graded", "rewards": rewards},
             adapter=adapter_template)  # fmt: skip
    out_csv = tmp_path / "graded.csv"
    report = evaluate_json(capsys, "graded-run", "--max-new-tokens", "4", "--csv", out_csv)
    given = [r["columns"] for r in report["per_row"]]
    assert given == [{"answer": a, "data_source": "walk"} for a in refs]
    for record in report["per_row"]:
        assert record["tuned_reward_contains_column"] == float(record["columns"]["answer"] in record["tuned_output"])
    assert [json.loads(r["columns"]) for r in csv_rows(out_csv)] == given  # the CSV cell: the same, as JSON text
    bare = RewardResult("run", ["output"], [answers(0, 0.0, 1.0)])
    assert per_row(bare)[0]["columns"] is None and csv_rows_of(bare.to_csv())[0]["columns"] == ""


def csv_rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(text.splitlines()))


def answers(index: int, base: float, tuned: float) -> RewardedAnswers:
    return RewardedAnswers(index, "Hi", "Hello.", "Ahoy!", {"output": base}, {"output": tuned}, base, tuned)


def test_each_rewards_score_per_row_is_named_as_its_mean_is():
    """A GRPO evaluation's aggregates name a reward's mean `base_reward_<name>`; its rows named the score
    `base_<name>`, so a reward named `output` overwrote the base model's answer text in --json and --csv."""
    result = RewardResult("run", ["output"], [answers(0, 0.25, 1.0), answers(1, 0.75, 0.0)], weights={"output": 1.0})
    agg, records = result.aggregates(), per_row(result)
    for side, mean in (("base", 0.5), ("tuned", 0.5)):
        assert agg[f"{side}_reward_output"] == mean
        assert [r[f"{side}_reward_output"] for r in records] == [
            r.as_dict()[f"{side}_reward_output"] for r in result.rows
        ]
        assert sum(r[f"{side}_reward_output"] for r in records) / 2 == mean
    assert [(r["base_output"], r["tuned_output"]) for r in records] == [("Hello.", "Ahoy!")] * 2  # the answers kept
    header = result.to_csv().splitlines()[0].split(",")
    assert {"base_output", "tuned_output", "base_reward_output", "tuned_reward_output"} <= set(header)
    assert len(header) == len(set(header))


def test_an_sft_runs_and_a_reward_models_json_list_their_rows_too(capsys, varied_dir, adapter_template, tmp_path):
    workspace.save_split("trees", SFT_ROWS[:1], SFT_ROWS)
    make_run("sft-run", {"model": str(varied_dir), "dataset": "trees"}, adapter=adapter_template)
    out_csv = tmp_path / "sft.csv"
    report = evaluate_json(capsys, "sft-run", "--max-new-tokens", "2", "--csv", out_csv)
    rows = report["per_row"]
    assert [(r["row"], r["reference"]) for r in rows] == [(1, "Apple."), (2, "An oak tree.")]
    assert [r["tuned_loss"] for r in rows] == [pytest.approx(float(r["tuned_loss"])) for r in csv_rows(out_csv)]
    assert report["mean_row_tuned_loss"] == pytest.approx(sum(r["tuned_loss"] for r in rows) / 2)

    score_head = make_random_adapter(str(varied_dir), tmp_path / "rm", seed=6, b_std=0.5, score=True)
    workspace.save_split("pairs", PAIRS, PAIRS)
    make_run("rm-run", {"method": "reward", "model": str(varied_dir), "dataset": "pairs"}, adapter=score_head)
    report = evaluate_json(capsys, "rm-run")
    rows = report["per_row"]
    assert [(r["row"], r["chosen"]) for r in rows] == [(1, "Apple."), (2, "Hello there!")]
    assert report["reward_accuracy"] == sum(r["ranked_right"] for r in rows) / 2


def test_a_data_files_rows_say_where_they_are_in_the_file(capsys, varied_dir, adapter_template, tmp_path):
    """With --data FILE, rows the file could not give are skipped, so `row` (counted among the usable rows, as the
    Evaluate page counts) is not the file's line: each row also says where it is, as `tokens --row` says it."""
    workspace.save_split("trees", SFT_ROWS[:1], SFT_ROWS)
    make_run("sft-run", {"model": str(varied_dir), "dataset": "trees"}, adapter=adapter_template)
    lines = [json.dumps(SFT_ROWS[0]), '{"messages": [', "", json.dumps(SFT_ROWS[1]), "[1, 2]", json.dumps(SFT_ROWS[0])]
    path = tmp_path / "held_out.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = evaluate_json(capsys, "sft-run", "--data", path, "--max-new-tokens", "2")
    found = [(r["row"], r["index"], r["file_row"], r["where"], r["reference"]) for r in report["per_row"]]
    assert found == [(1, 0, 1, "line 1", "Apple."), (2, 1, 4, "line 4", "An oak tree."), (3, 2, 6, "line 6", "Apple.")]
    # The reference: `tokens --row INDEX` names the same place in the file for each row.
    for _, index, file_row, where, _ in found:
        assert main(["tokens", str(path), "--row", str(index), "--model", str(varied_dir), "--json"]) in (0, 1)
        shown = json.loads(capsys.readouterr().out)
        assert (shown["file_row"], shown["where"]) == (file_row, where)
    # The run's own split is no file of the person's: no place in one is given.
    report = evaluate_json(capsys, "sft-run", "--max-new-tokens", "2")
    assert not {"file_row", "where"} & set(report["per_row"][0])
