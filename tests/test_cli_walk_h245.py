"""Helper 245's cold walk of the command line, README and `--help` only: what a newcomer could not follow."""

from __future__ import annotations

import pytest

from ftlib.cli import build_parser

# (command path, positional argument): each stood bare in its `--help`, a name with no words under it.
BARE_POSITIONALS = [
    (("models", "prepare"), "model"),
    (("models", "info"), "model"),
    (("runs", "export"), "id"),
]


def _subparser(path):
    parser = build_parser()
    for name in path:
        action = next(a for a in parser._actions if isinstance(getattr(a, "choices", None), dict))
        parser = action.choices[name]
    return parser


@pytest.mark.parametrize(("path", "dest"), BARE_POSITIONALS, ids=[" ".join(p) for p, _ in BARE_POSITIONALS])
def test_a_positional_argument_says_what_it_takes(path, dest):
    action = next(a for a in _subparser(path)._actions if a.dest == dest and not a.option_strings)
    assert action.help, f"`{' '.join(path)} --help` shows {dest} without a word of what it takes"


def test_an_unknown_dataset_names_the_shipped_samples_and_the_near_one(capsys, tmp_path, monkeypatch):
    """No command lists the shipped samples that `train --dataset NAME` takes: a slip ('chat_styel') was told only
    'neither a saved split, a split folder, a data file nor a shipped sample'."""
    from ftlib.demo_data import sample_choices
    from tests.test_cli_errors import one_error_line

    monkeypatch.chdir(tmp_path)
    said = one_error_line(capsys, ["train", "--dataset", "chat_styel", "--max-steps", "1"])
    assert "Did you mean 'chat_style'?" in said, said
    assert f"The shipped samples are {', '.join(sample_choices())}." in said
    far = one_error_line(capsys, ["train", "--dataset", "my_chats", "--max-steps", "1"])
    assert "Did you mean" not in far and "The shipped samples are chat_style," in far


def test_sample_says_why_each_answer_ended_in_words(capsys, varied_dir):
    """A heading said '(stop, 12 tokens)' or '(length, 8 tokens)', the engine's finish reasons, and `sample --help`
    said nothing of them nor of --json's 'prob' beside 'sample_prob'."""
    from ftlib.cli import main

    argv = ["sample", "--model", str(varied_dir), "--prompt", "Hello", "--max-new-tokens", "2"]
    assert main([*argv, "--json"]) == 0
    reasons = [r["finish_reason"] for r in __import__("json").loads(capsys.readouterr().out)["results"]]
    assert main(argv) == 0
    headings = [line for line in capsys.readouterr().out.splitlines() if line.startswith("=== ")]
    words = {"length": "cut at --max-new-tokens 2)", "stop": "ended by the model)"}
    assert len(headings) == len(reasons) == 1 and headings[0].endswith(words[reasons[0]]), (headings, reasons)
    assert "(stop," not in headings[0] and "(length," not in headings[0]
    with pytest.raises(SystemExit):
        main(["sample", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "cut at --max-new-tokens" in said and "'sample_prob'" in said and "'prob'" in said


def test_batch_says_what_its_columns_count(capsys, tmp_path):
    """`batch`'s table headed its numbers 'real', 'padded' and 'cut' with no unit nor word of what they count."""
    import json

    from ftlib.cli import main

    rows = [
        {
            "instruction": f"Convert {n} metres to feet.",
            "input": "",
            "output": f"{n} metres is about {n * 3.28:.1f} ft.",
        }
        for n in range(3, 9)
    ]
    data = tmp_path / "units.json"
    data.write_text(json.dumps(rows), encoding="utf-8")
    assert main(["batch", str(data), "--batch-size", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:4] == ["strategy", "steps", "real", "padded"]
    said = next((line for line in lines if line.startswith("columns: ")), "")
    for words in ("real = the rows' tokens", "padded = pad tokens", "cut = tokens past the max length"):
        assert words in said, (words, lines)


def test_a_near_repeat_warning_quotes_prompts_from_a_word_start(capsys, tmp_path):
    """`data split` of Alpaca rows whose prompts differ in a number quoted '"...ert the given amount of kilometres to
    miles. 3 kilometres"': the quote's last 57 characters began mid-word."""
    import json
    import re

    from ftlib.cli import main

    rows = [
        {
            "instruction": f"Convert the given amount of {unit} to {other}, rounded to one decimal.",
            "input": f"{n} {unit}",
            "output": f"{n} {unit} is about {n * 0.621:.1f} {other}.",
        }
        for n in range(3, 13)
        for unit, other in (("kilometres", "miles"), ("kilograms", "pounds"))
    ]
    # Each differs in its number (another question: same_numbers, helper 279); two asked again in capitals are not.
    rows += [dict(rows[i], input=rows[i]["input"].upper()) for i in (0, 3)]
    data = tmp_path / "units.json"
    data.write_text(json.dumps(rows), encoding="utf-8")
    assert main(["data", "split", str(data), "--out", str(tmp_path / "split")]) == 0
    warning = next(line for line in capsys.readouterr().err.splitlines() if "of prompts nearly repeat" in line)
    quotes = re.findall(r'"\.\.\.([^"]*)"', warning)
    prompts = [" " + " ".join(f"{r['instruction']} {r['input']}".split()) for r in rows]
    assert quotes and all(any(p.endswith(" " + q) for p in prompts) for q in quotes), warning


def test_evaluate_says_where_the_answers_are(capsys, tmp_path, varied_dir, adapter_template):
    """`evaluate RUN` printed losses and perplexities only: a newcomer looking for both models' answers side by side
    (what the README's Evaluate promises) was not told they are in --csv or --json."""
    from ftlib import workspace
    from ftlib.cli import main
    from ftlib.testing import make_run

    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Convert {n} metres to feet."},
                {"role": "assistant", "content": f"{n * 3.3:.0f} ft."},
            ]
        }
        for n in (3, 7)
    ]
    workspace.save_split("units", rows[:1], rows)
    run = make_run("run-units", {"model": str(varied_dir), "dataset": "units"}, adapter=adapter_template).path
    assert main(["evaluate", str(run), "--max-new-tokens", "2"]) == 0
    assert "note: both models' answers to each row, beside its reference: --csv FILE" in capsys.readouterr().out
    assert main(["evaluate", str(run), "--max-new-tokens", "2", "--csv", str(tmp_path / "rows.csv")]) == 0
    assert "both models' answers" not in capsys.readouterr().out  # asked for them: not told again


def test_train_help_gives_the_learning_rate_each_method_starts_from(capsys):
    """`train --help` said the learning rate's default was 'a proven value for the method' and named no number; the
    step lines then showed 'lr 2.00e-03'."""
    from ftlib.cli import main
    from ftlib.methods import default_learning_rate

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    rate = said.split("--learning-rate LEARNING_RATE How big", 1)[1].split("--epochs", 1)[0]
    for method, tuning in (("lora", "lora"), ("full", "full"), ("grpo", "lora")):
        assert f"{method} {default_learning_rate(method, tuning):.0e}".replace("e-0", "e-") in rate, rate
    assert f"dpo 1e-3 (--tuning full: {default_learning_rate('dpo', 'full'):.0e})".replace("e-0", "e-") in rate


def test_train_help_opens_on_the_method_not_on_grpo(capsys):
    """`train --help` listed the DPO/KTO/GRPO settings (GRPO's rewards first) before --method, --model and
    --dataset, in its usage and its groups: RunConfig's mixins put them first among its fields."""
    from ftlib.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    headings = [line for line in out.splitlines() if line.endswith(" settings:")]
    assert headings[0] == "method settings:" and headings[-1].startswith("preference and reinforcement"), headings
    assert out.index("[--method METHOD]") < out.index("[--rewards REWARDS]")


@pytest.mark.parametrize("command", [["data", "inspect"], ["tokens"], ["batch"]])
def test_a_sample_name_given_for_a_file_gives_the_samples_path(capsys, tmp_path, monkeypatch, command):
    """`train --dataset chat_style` takes a shipped sample's name; `data inspect chat_style` said only 'chat_style
    does not exist. Check the path'."""
    from ftlib.cli import main
    from ftlib.demo_data import get_sample
    from tests.test_cli_errors import one_error_line

    monkeypatch.chdir(tmp_path)
    said = one_error_line(capsys, [*command, "chat_style"])
    assert "is the name of a shipped sample" in said and str(get_sample("chat_style").path) in said, said
    said = one_error_line(capsys, [*command, "qa_table"])
    assert said.endswith("qa_table.csv (with --map question=prompt --map answer=completion)."), said
    (tmp_path / "chat_style").write_text('{"text": "a file of that name"}\n', encoding="utf-8")
    main([*command, "chat_style"])  # read as the file it is (or refused for its own reasons), not as the sample
    assert "shipped sample" not in capsys.readouterr().err
