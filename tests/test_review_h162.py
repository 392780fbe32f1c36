"""Helper 162: six things helper 157's walk of the alignment CLI found (tests/test_cli_walk_h157.py)."""

from __future__ import annotations

import json

import pytest

from ftlib import workspace
from ftlib.eval_stats import paired_change, share
from ftlib.testing import make_run
from tests.test_cli_errors import one_error_line
from tests.test_evaluate_runs import KTO_ROWS, cli, nothing_loads, reward_run  # noqa: F401 (fixtures)


@pytest.mark.usefixtures("nothing_loads")
def test_a_reward_model_on_labelled_answers_offers_data_pair_in_lower_case(tmp_path, capsys, reward_run):  # noqa: F811
    """`evaluate <reward run> --data kto.jsonl` read "...can be evaluated: This unpaired row ..." (a capital after
    the colon) and said nothing of `data pair`, which turns the good and bad answers to one prompt into pairs."""
    data = tmp_path / "kto.jsonl"
    workspace.write_jsonl(data, KTO_ROWS)
    line = one_error_line(capsys, ["evaluate", reward_run.id, "--data", str(data)])
    assert line.startswith(
        "error: None of the 4 test rows can be evaluated: none is a preference pair (the first is an unpaired row): "
    ), line
    assert f"`python -m ftlib data pair {data} --out pairs.jsonl` makes 2 preference pairs." in line, line


@pytest.mark.parametrize("name", ["tuned.gguf", "tuned.ZIP", "model.safetensors"])
def test_runs_export_out_named_as_a_file_is_refused_before_the_export_is_built(tmp_path, capsys, monkeypatch, name):
    """`runs export RUN --gguf --out x.gguf` made a folder named x.gguf holding <name>.gguf (and its Modelfile):
    --out is a folder, and a name ending .gguf, .zip or .safetensors is meant as a file. Refused before the
    conversion, with the folder to give; an existing empty folder of that name is still taken."""
    from ftlib import export
    from ftlib.testing import make_run

    make_run("to-export", {"model": "default", "dataset": "chat_style"})
    for build in ("export_adapter", "export_merged", "export_gguf", "export_model"):
        monkeypatch.setattr(export, build, lambda *a, **k: pytest.fail("built before --out was checked"))
    out = tmp_path / name
    line = one_error_line(capsys, ["runs", "export", "to-export", "--gguf", "f16", "--out", str(out)])
    assert line == (
        f"error: --out: {name} names a file, but --out is the folder the export's files are copied into (with --gguf, "
        "NAME.gguf and its Modelfile; with --zip, also FOLDER.zip beside it): give a folder, e.g. --out "
        f"{tmp_path / name.split('.')[0]}. Nothing was written."
    )
    assert not out.exists()
    out.mkdir()  # a folder the user made with that name: theirs to name so
    from ftlib.export_out import check_out

    check_out(out)


def test_evaluate_of_a_kto_run_prints_no_pairs_count_of_zero(varied_dir, adapter_template, capsys):
    """`evaluate` of a KTO run printed `pairs: 0` among its figures, as if pairs had been looked for and not found
    (its good-labelled answers are references; a pair is a DPO row). --json keeps the key: pages read it."""
    workspace.save_split("kto", KTO_ROWS, KTO_ROWS)
    make_run("kto-run", {"method": "kto", "model": str(varied_dir), "dataset": "kto"}, adapter=adapter_template)
    code, out, err = cli(capsys, "evaluate", "kto-run", "--max-new-tokens", "2")
    assert code == 0 and "rows scored: 2\n" in out, err
    assert "pairs:" not in out, out


def test_too_few_rows_beside_an_interval_clear_of_0_says_why_the_interval_does_not_decide():
    """Three rows whose 95% interval excluded 0 read "...(95% interval -1.124 to -0.876): too few rows to tell", a
    contradiction to a reader. Under MIN_ROWS the rule decides, by design (eval_stats' docstring: one odd row decides
    a few rows' interval): now said beside it. An interval across 0 needs no such words."""
    clear = paired_change([2.0, 2.1, 1.9], [1.0, 1.05, 0.95]).sentence()
    assert clear.endswith(
        "(95% interval -1.124 to -0.876): too few rows to tell (the interval clears 0, but under 5 rows one odd row "
        "can decide it)."
    ), clear
    assert paired_change([2.0, 2.1, 1.9], [2.5, 1.05, 1.95]).sentence().endswith(": too few rows to tell.")
    assert (
        share(4, 4, chance=0.2)
        .sentence("{k} went the chosen way")
        .endswith(
            ": too few pairs to tell (the interval clears chance (20%), but under 5 pairs one odd pair can decide it)."
        )
    )
    assert share(2, 3).sentence("{k} went the chosen way").endswith(": too few pairs to tell.")


def test_runs_show_of_a_kto_run_says_its_good_and_bad_rewards_and_the_format_in_words(capsys):
    """`runs show` of a KTO run had no reward line (DPO's says its reward accuracy) and said "read as
    unpaired_preference" where the pages say the format in words (format_notes.format_label)."""
    from ftlib import runs
    from ftlib.cli import main
    from ftlib.commands.runs import _rows_said

    metrics = [
        {"kind": "train", "step": 1, "loss": 0.4, "rewards_chosen": 0.5, "rewards_rejected": -0.25},
        {"kind": "train", "step": 2, "loss": 0.03, "rewards_chosen": 4.5262, "rewards_rejected": -2.7349},
        {"kind": "eval", "step": 2, "eval_loss": 0.2, "eval_rewards_chosen": 1.2041, "eval_rewards_rejected": -0.8712},
    ]
    make_run("kto-shown", {"method": "kto", "dataset": "chat_style"}, metrics=metrics)
    assert main(["runs", "show", runs.find("kto-shown").id]) == 0
    out = capsys.readouterr().out
    assert "rewards (last training step): good +4.526, bad -2.735\n" in out, out
    assert ", rewards good +1.204, bad -0.871" in out, out
    data = {"from": "file", "format": "unpaired_preference", "train_rows": 6, "test_rows": 2}
    assert _rows_said(data) == (
        "6 training, 2 held out, kept when it was queued; the file read as answers marked good or bad "
        "(unpaired_preference)"
    )


@pytest.mark.parametrize("column", ["answer", "solution"])
def test_grpo_without_rewards_offers_the_reward_its_answer_column_allows(tmp_path, capsys, column):
    """`train --method grpo` without --rewards offered `{"regex": "^Ahoy"}` (a pirate sample's) for a file of
    questions with an `answer` column, where `{"final_answer": "answer"}` is the reward that fits; the offer works
    as given. A file without such a column keeps the general example."""
    from ftlib.methods import REWARD_EXAMPLE

    path = tmp_path / "maths.jsonl"
    rows = [{"prompt": f"What is {i} + {i}?", column: f"{i} + {i} = {2 * i}\n#### {2 * i}"} for i in range(8)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    line = one_error_line(capsys, ["train", "--method", "grpo", "--dataset", str(path)])
    offered = f'[{{"final_answer": "{column}"}}]'
    assert line.startswith(
        "error: `rewards` is empty: GRPO learns only from what its rewards score. Add at least one, e.g. "
        f"--rewards '{offered}': 1 where an answer's final answer"
    ), line
    assert f"the prompt's `{column}`, a column these prompts carry." in line and "Ahoy" not in line
    from ftlib.commands.train import given_settings

    assert given_settings(None, [], {"method": "grpo", "dataset": str(path), "rewards": offered}).config().rewards
    path.write_text("".join(json.dumps({"prompt": r["prompt"]}) + "\n" for r in rows), encoding="utf-8")
    assert one_error_line(capsys, ["train", "--method", "grpo", "--dataset", str(path)]).endswith(
        f"e.g. {REWARD_EXAMPLE}."
    )
