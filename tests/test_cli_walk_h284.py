"""A newcomer's command-line walk (helper 284): each test fails without its fix."""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main


@pytest.mark.parametrize(
    ("method", "said"),
    [
        ("sft", "SFT is the default: --method lora (or qlora, full)"),
        ("SFT", "SFT is the default: --method lora (or qlora, full)"),
        ("ppo", "PPO is not offered (it trains a value model beside the policy): the nearest is --method grpo"),
        ("orpo", "ORPO is not offered: the nearest is --method dpo"),
        ("simpo", "SimPO is not offered: the nearest is --method dpo --dpo-loss-type sigmoid_norm"),
    ],
)
def test_a_method_by_another_name_says_the_offered_one(capsys, method, said):
    """`train --method sft` (or ppo, orpo, simpo) listed the offered methods with no hint that SFT is what lora,
    qlora and full do, nor which offered method is nearest: it now says so in one line."""
    code = main(["train", "--method", method])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert said in err, err


def test_an_unknown_method_still_lists_the_offered_ones(capsys):
    code = main(["train", "--method", "lorra"])
    err = capsys.readouterr().err
    assert code == 2 and "`method` must be one of lora, qlora, full, dpo, reward, kto, grpo (got 'lorra')" in err, err


@pytest.mark.parametrize("flag", [["--gguf-type", "q4"], ["--gguf-type=q4"]])
def test_export_gguf_type_names_the_gguf_option_and_its_types(capsys, flag):
    """`runs export ID --gguf-type q4` (as --json calls the key gguf_type) said only "unknown option"; it now names
    --gguf, whose value is the type, and the types it writes."""
    code = main(["runs", "export", "some-run", *flag])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert "did you mean `--gguf TYPE` (TYPE: q8_0, f16 or f32)?" in err, err


def test_a_reward_typed_without_a_space_after_the_colon_says_to_add_one(capsys):
    """`--rewards '[{final_answer:answer}]'`: YAML reads one key `final_answer:answer` with no value, and the answer
    was "must name exactly one reward ... Did you mean final_answer?"; it now says to write a space after the colon."""
    code = main(["train", "--method", "grpo", "--rewards", "[{final_answer:answer}]"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert "write a space after the colon: {final_answer: answer}" in err, err


def test_sample_names_a_model_folder_given_as_the_base(capsys, varied_dir):
    """`sample --model FOLDER` (a merged tuned model, say) headed its answers "=== base | greedy": the user's own
    model called "base", as if untouched. The heading now names the folder; --json keeps "base" as the model key."""
    argv = ["sample", "--model", str(varied_dir), "--prompt", "Hi", "--max-new-tokens", "2"]
    assert main(argv) == 0
    heading = capsys.readouterr().out.splitlines()[0]
    assert heading.startswith(f"=== base ({varied_dir.name}) | greedy ("), heading
    assert main([*argv, "--json"]) == 0
    assert [r["model"] for r in json.loads(capsys.readouterr().out)["results"]] == ["base"]
