"""`python -m ftlib train`: what the command line gives reaches the run as meant (review of the training CLI).

Relative paths are recorded absolute; `--json` keeps stdout pure JSON; a flag and `--set` that disagree are refused;
`--test-size` takes what `data split` takes; a run keeps its own rows (a real copy of a saved split, the split of a
data file); settings the method ignores are named; GRPO and a reward model are reported by their own score.
"""

from __future__ import annotations

import json
import os

import pytest

from ftlib import runs, workspace
from ftlib.cli import main

CHATS = [
    {"messages": [{"role": "user", "content": f"Name colour {i}."}, {"role": "assistant", "content": f"Teal {i}."}]}
    for i in range(12)
]
PROMPTS = [{"prompt": f"Say hello to sailor {i}."} for i in range(6)]
SMALL = ["--max-steps", "1", "--batch-size", "2", "--max-length", "64", "--save-every", "0", "--device", "cpu"]


def write_rows(path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def only_run():
    (run,) = runs.list_runs(refresh=False)
    return runs.find(run.id)


def trained_here(monkeypatch, argv: list[str], log: bool = False):
    """`train ARGV --detach` (its checks, warnings and run folder as ever), the run then trained to its end by the
    worker's own `execute` in this process, its lines on this process's stdout (`log`: written to the run's
    train.log instead, stdout and stderr, as its launch writes them, for `follow` to read); returns the run. For a
    test of what the worker does, not of the process it runs in: a worker process of its own imports torch,
    transformers, TRL and PEFT again (~8 s of CPU a run)."""
    import contextlib

    from ftlib import worker

    monkeypatch.setattr(runs, "advance", lambda **_: [])  # queued, not launched: trained below
    assert main([*argv, "--detach"]) == 0
    run = only_run()
    with contextlib.ExitStack() as stack:
        if log:
            handle = stack.enter_context(open(run.log_file, "a", encoding="utf-8"))
            stack.enter_context(contextlib.redirect_stdout(handle))
            stack.enter_context(contextlib.redirect_stderr(handle))
        state = worker.execute(run.path)
    assert state == "finished", run.read_status()
    return run


def test_relative_paths_reach_the_worker_and_json_keeps_stdout_pure(tmp_path, monkeypatch, capsys, tiny_model_dir):
    """Review 1, 2: `cd data; train --model tiny --dataset sft.jsonl` passed the checks, then failed in the worker
    (which runs in another folder) with "'sft.jsonl' is neither a saved split ... nor a shipped sample". And `--json`
    printed the `run ...` and `[step ...]` lines before the JSON on stdout."""
    os.symlink(tiny_model_dir, tmp_path / "tiny")
    write_rows(tmp_path / "sft.jsonl", CHATS)
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--model", "tiny", "--dataset", "sft.jsonl", "--test-size", "2", *SMALL, "--json"]) == 0
    out = capsys.readouterr()
    summary = json.loads(out.out)  # the whole of stdout is one JSON object
    assert summary["state"] == "finished" and summary["step"] == 1 and summary["eval_loss"] is not None
    assert (summary["model"], summary["dataset"]) == (str(tmp_path / "tiny"), str(tmp_path / "sft.jsonl"))
    assert "[step 1/1]" in out.err and f"run {summary['id']} in " in out.err and "finished" in out.err
    run = runs.find(summary["id"])
    assert run.read_status()["eval_rows"] == 2  # --test-size 2: a row count, as `data split` takes it


def test_names_stay_names_and_a_split_name_beats_a_file_of_that_name(tmp_path, monkeypatch, no_training):
    from ftlib.config import RunConfig

    monkeypatch.chdir(tmp_path)
    workspace.save_split("shared", CHATS[:10], CHATS[10:])
    write_rows(tmp_path / "shared", CHATS[:4])  # a file named like the split: training reads the split
    write_rows(tmp_path / "local.jsonl", CHATS)
    for dataset, recorded in (("shared", "shared"), ("chat_style", "chat_style"), ("local.jsonl", "local.jsonl")):
        run = runs.find(runs.create_run(RunConfig(dataset=dataset, device="cpu")))
        config = run.read_config()
        assert config["model"] == "default"
        expected = str(tmp_path / recorded) if recorded == "local.jsonl" else recorded
        assert config["dataset"] == expected


CONFLICTS = [
    ("flag-and-set", ["--max-steps", "2", "--set", "max_steps=3"], "--max-steps 2 and --set max_steps=3"),
    ("not-a-number", ["--max-steps", "2", "--set", "max_steps=abc"], "--max-steps 2 and --set max_steps=abc"),
    ("set-twice", ["--set", "epochs=1", "--set", "epochs=2"], "--set epochs=1 and --set epochs=2"),
    (
        "list-of-names",
        ["--lora-targets", "q_proj,v_proj", "--set", "lora_targets=[q_proj]"],
        "--lora-targets q_proj,v_proj and --set lora_targets=[q_proj]",
    ),
    ("old-name", ["--tuning", "full", "--method", "dpo", "--set", "dpo_tuning=lora"], "--set dpo_tuning=lora"),
]


@pytest.mark.parametrize("argv, says", [c[1:] for c in CONFLICTS], ids=[c[0] for c in CONFLICTS])
def test_a_setting_given_twice_with_two_values_is_refused_naming_both(tmp_path, capsys, tiny_model_dir, argv, says):
    """Review 3: `--max-steps 2 --set max_steps=3` trained 2 steps, and `--set max_steps=abc` beside the flag was
    accepted: the flag won silently."""
    data = write_rows(tmp_path / "rows.jsonl", CHATS)
    assert main(["train", "--model", str(tiny_model_dir), "--dataset", data, *argv, "--detach"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "given twice" in err and says in err and len(err.splitlines()) == 1
    assert runs.list_runs(refresh=False) == []


def test_the_same_value_twice_and_a_flag_over_the_file_are_fine(tmp_path, capsys, tiny_model_dir, no_training):
    config = tmp_path / "run.yaml"
    config.write_text(f"dataset: {write_rows(tmp_path / 'rows.jsonl', CHATS)}\nmax_steps: 9\nlearning_rate: 0.01\n")
    argv = ["train", str(config), "--model", str(tiny_model_dir), "--max-steps", "3", "--set", "max_steps=3"]
    assert main([*argv, "--learning-rate", "2e-3", "--set", "learning_rate=0.002", "--detach"]) == 0
    saved = runs.find(capsys.readouterr().out.strip()).read_config()
    assert (saved["max_steps"], saved["learning_rate"]) == (3, 0.002)


def test_a_method_given_as_a_flag_gets_its_own_learning_rate_not_the_files_methods(
    tmp_path, capsys, tiny_model_dir, no_training
):
    """The file was read into a whole config first, so its method's proven learning rate stuck to the flag's method
    (LoRA's 10x rate for a full fine-tune)."""
    from ftlib.config import default_learning_rate

    config = tmp_path / "run.yaml"
    config.write_text(f"method: lora\ndataset: {write_rows(tmp_path / 'rows.jsonl', CHATS)}\n")
    assert main(["train", str(config), "--model", str(tiny_model_dir), "--method", "full", "--detach"]) == 0
    saved = runs.find(capsys.readouterr().out.strip()).read_config()
    assert saved["learning_rate"] == default_learning_rate("full", "full") != default_learning_rate("lora", "lora")


def test_test_size_takes_a_row_count_as_data_split_does(tmp_path, capsys, tiny_model_dir, no_training):
    """Review 5: `data split --test-size 20` held out 20 rows; `train --test-size 20` was refused ("below 1")."""
    data = write_rows(tmp_path / "rows.jsonl", CHATS)
    assert main(["data", "split", data, "--test-size", "3", "--seed", "4", "--out", str(tmp_path / "split")]) == 0
    flags = ["--model", str(tiny_model_dir), "--dataset", data, "--seed", "4", "--detach"]
    assert main(["train", *flags, "--test-size", "3"]) == 0
    run = runs.find(capsys.readouterr().out.strip().splitlines()[-1])
    kept = workspace.kept_split(run.path)
    assert workspace.load_split(str(kept))[:2] == workspace.load_split(str(tmp_path / "split"))[:2]
    assert run.read_config()["test_size"] == 3
    for size, says in (
        ("2.5", "`test_size` must be a share below 1 (e.g. 0.1) or a whole number of rows (e.g. 20), not 2.5"),
        ("12", "A test split of 12 rows is impossible with 12 rows: choose between 1 and 11 rows"),
        ("-1", "`test_size` must be at least 0"),
    ):
        assert main(["train", *flags, "--test-size", size]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and says in err and len(err.splitlines()) == 1, err
    assert main(["train", *flags, "--test-size", "0"]) == 0  # 0 holds nothing out: no evaluation, as documented
    run = runs.find(capsys.readouterr().out.strip().splitlines()[-1])
    assert [len(part) for part in workspace.load_split(str(workspace.kept_split(run.path)))[:2]] == [12, 0]


def test_a_runs_rows_do_not_change_after_it_was_queued(tmp_path, tiny_model_dir, no_training):
    """Review 6: a run's copy of a saved split was a hard link (`head -1 train.jsonl >> test.jsonl` in the split
    changed the run's split/test.jsonl), and a run on a data file was split again from the file, as it is now, by a
    later evaluation."""
    from ftlib.config import RunConfig
    from ftlib.evaluate import run_info
    from ftlib.training import load_rows

    folder = workspace.save_split("team", CHATS[:10], CHATS[10:])
    split_run = runs.find(runs.create_run(RunConfig(model=str(tiny_model_dir), dataset="team", device="cpu")))
    with open(folder / "test.jsonl", "a") as handle:  # appended in place: a link would see it
        handle.write(json.dumps(CHATS[0]) + "\n")
    kept = workspace.kept_split(split_run.path)
    assert not os.path.samefile(kept / "test.jsonl", folder / "test.jsonl")
    assert load_rows(split_run.config(), split_run.path)[:2] == (CHATS[:10], CHATS[10:])

    data = tmp_path / "rows.jsonl"
    write_rows(data, CHATS)
    config = RunConfig(model=str(tiny_model_dir), dataset=str(data), test_size=0.25, seed=1, device="cpu")
    before = load_rows(config)[:2]  # what the worker split the file into
    file_run = runs.find(runs.create_run(config))
    write_rows(data, list(reversed(CHATS)) + CHATS[:3])  # the file edited after the run was queued
    assert load_rows(config)[:2] != before
    assert load_rows(file_run.config(), file_run.path)[:2] == before  # training and a resume
    assert run_info(file_run.path).test_rows == before[1]  # a later evaluation


IGNORED = [
    (
        "sft-tuning-and-rewards",
        ["--method", "lora", "--tuning", "full", "--rewards", '[{"regex": "x"}]'],
        'warning: Ignored with method lora: `rewards` [{"regex": "x"}] (it applies when method is grpo); '
        "`tuning` full (it applies when method is dpo, reward, kto or grpo).",
    ),
    (
        "lora-rank-with-full-weights",
        ["--method", "dpo", "--tuning", "full", "--set", "lora_r=4"],
        "warning: Ignored with method dpo (tuning full): `lora_r` 4 (it applies when tuning is lora or qlora).",
    ),
    (
        "beta-for-sft",
        ["--method", "full", "--beta", "0.1"],
        "warning: Ignored with method full: `beta` 0.1 (it applies when method is dpo, kto or grpo).",
    ),
    (  # a cold review: "Ignored with method dpo" for a setting of DPO's, without the loss that ignores it
        "label-smoothing-for-sigmoid",
        ["--method", "dpo", "--dpo-label-smoothing", "0.1"],
        "warning: Ignored with method dpo (tuning lora), dpo_loss_type sigmoid: `dpo_label_smoothing` 0.1 (it "
        "applies when method is dpo and dpo_loss_type is robust or exo_pair).",
    ),
    (  # with another method the method says why; the loss type it would also wait for was noise (a review)
        "label-smoothing-for-sft",
        ["--method", "lora", "--dpo-label-smoothing", "0.1"],
        "warning: Ignored with method lora: `dpo_label_smoothing` 0.1 (it applies when method is dpo and "
        "dpo_loss_type is robust or exo_pair).",
    ),
]


@pytest.mark.parametrize("argv, says", [c[1:] for c in IGNORED], ids=[c[0] for c in IGNORED])
def test_a_setting_the_method_ignores_is_named_in_one_warning(
    tmp_path, capsys, tiny_model_dir, no_training, argv, says
):
    """Review 7: `--method lora --tuning full` trained LoRA (tuning is forced to the method) without a word."""
    pairs = [{"prompt": f"Hi {i}", "chosen": f"Hello {i}.", "rejected": "Go."} for i in range(6)]
    rows = pairs if "dpo" in argv else CHATS
    data = write_rows(tmp_path / "rows.jsonl", rows)
    assert main(["train", "--model", str(tiny_model_dir), "--dataset", data, *argv, "--detach"]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "Ignored" in line]
    assert warnings == [says]


def test_an_old_configs_renamed_setting_is_one_warning_line(tmp_path, capsys, tiny_model_dir, no_training):
    """A cold reader: `dpo_tuning` in an old config printed Python's "/.../train.py:165: ConfigWarning: ..." and the
    line of our code that read it, where every other CLI warning is one `warning:` line."""
    pairs = [{"prompt": f"Hi {i}", "chosen": f"Hello {i}.", "rejected": "Go."} for i in range(6)]
    old = tmp_path / "old.yaml"
    old.write_text(f"method: dpo\ndataset: {write_rows(tmp_path / 'pairs.jsonl', pairs)}\ndpo_tuning: lora\n")
    assert main(["train", str(old), "--model", str(tiny_model_dir), "--detach"]) == 0
    said = capsys.readouterr().err.splitlines()
    renamed = [line for line in said if "dpo_tuning" in line]
    assert renamed == ["warning: The setting `dpo_tuning` is now called `tuning`; it was read as `tuning`."], said
    assert not [line for line in said if "ConfigWarning" in line or ".py:" in line or "RunConfig.from_dict" in line]


def test_settings_that_apply_and_a_files_defaults_are_not_named(tmp_path, capsys, tiny_model_dir, no_training):
    from ftlib.config import RunConfig

    data = write_rows(tmp_path / "rows.jsonl", CHATS)
    whole = tmp_path / "whole.json"  # a run's whole config.json reused: every setting, most at their defaults
    whole.write_text(json.dumps(RunConfig(method="full", dataset=data, model=str(tiny_model_dir)).to_dict()))
    assert main(["train", str(whole), "--detach"]) == 0
    assert main(["train", "--model", str(tiny_model_dir), "--dataset", data, "--method", "qlora", "--lora-r", "4",
                 "--tuning", "qlora", "--detach"]) == 0  # fmt: skip
    assert "Ignored" not in capsys.readouterr().err
    workspace.save_split("saved", CHATS[:10], CHATS[10:])
    assert main(["train", "--model", str(tiny_model_dir), "--dataset", "saved", "--test-size", "0.2", "--detach"]) == 0
    said = capsys.readouterr().err
    assert "`test_size` 0.2 (it splits a data file; the saved split 'saved' has its own 2 held-out rows)" in said


def test_grpo_is_followed_by_its_reward_not_its_surrogate_loss(tmp_path, monkeypatch, capsys, tiny_model_dir):
    """Review 4: GRPO's console said `[eval step 3] eval loss 0.0000` and `last loss 0.0000` while its held-out reward
    was 1.859. The console is what `train` prints of a run it queued: its train.log followed (`follow`), then its end
    (`said_end`); the run is trained here, its log written as its own process would write it."""
    from ftlib.commands.train import follow, said_end

    data = write_rows(tmp_path / "prompts.jsonl", PROMPTS)
    rewards = '[{"contains": "sailor"}, {"length": {"target": 4}}]'
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", data, "--method", "grpo", "--rewards", rewards]
    argv += ["--grpo-group-size", "2", "--grpo-max-new-tokens", "4", "--test-size", "2", *SMALL]
    run = trained_here(monkeypatch, argv, log=True)
    assert said_end(run.id, follow(run.id, poll=0)) == 0  # as `train` follows and ends it
    out = capsys.readouterr().out
    step = next(line for line in out.splitlines() if line.startswith("[step 1/1]"))
    assert step.startswith("[step 1/1] reward ") and " loss " not in step
    assert "[eval step 1] eval reward " in out and "eval loss" not in out
    info = only_run().summary()
    last = out.strip().splitlines()[-1]
    assert last.endswith(f", last reward {info.train_text.split()[-1]}, held-out reward {info.eval_text.split()[-1]}")
    assert "loss" not in last


def test_a_grpo_run_whose_answers_all_score_alike_says_it_learned_nothing(tmp_path, monkeypatch, tiny_model_dir):
    """A cold review: every step logged `reward 0.500 ± 0.000 ... grad 0.000` and the run said plain "Finished.";
    equal rewards in every group make every advantage 0 (the mean is subtracted), so nothing was learned."""
    data = write_rows(tmp_path / "prompts.jsonl", PROMPTS)
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", data, "--method", "grpo"]
    never = '[{"regex": "^no answer is this$"}]'  # 0 for every answer
    argv += ["--rewards", never, "--grpo-group-size", "2", "--grpo-max-new-tokens", "4", *SMALL]
    run = trained_here(monkeypatch, argv)  # the message is the worker's: no process of its own needed
    message = run.read_status()["message"]
    assert message.startswith("Finished. Every group of answers got equal rewards at every step: GRPO had nothing"), (
        message
    )
    assert "grpo_group_size" in message


def test_runs_show_says_grpos_reward_and_a_reward_models_accuracy(capsys):
    """Review 4: `runs show` printed `reward_accuracy: None` for a reward model (it read DPO's key) and GRPO's loss."""
    from ftlib.testing import make_run

    grpo = [
        {"kind": "train", "step": 3, "loss": 2.5e-06, "reward": 1.714, "reward_std": 0.12},
        {"kind": "eval", "step": 3, "eval_loss": 4.2e-06, "eval_reward": 1.8586},
    ]
    reward = [
        {"kind": "train", "step": 4, "loss": 0.63, "accuracy": 0.75, "margin": 0.13},
        {"kind": "eval", "step": 4, "eval_loss": 0.62, "eval_accuracy": 1.0},
    ]
    sft = [{"kind": "train", "step": 2, "loss": 1.25}]
    make_run("r-grpo", {"method": "grpo", "rewards": [{"regex": "x"}]}, metrics=grpo, max_steps=3)
    make_run("r-reward", {"method": "reward"}, metrics=reward, max_steps=4)
    make_run("r-sft", {}, metrics=sft, max_steps=2)
    dpo = [
        {"kind": "train", "step": 2, "loss": 0.69, "reward_accuracy": 1.0, "reward_margin": 0.01},
        {"kind": "eval", "step": 2, "eval_loss": 0.70, "eval_reward_accuracy": 0.25},
    ]
    make_run("r-dpo", {"method": "dpo"}, metrics=dpo, max_steps=2)
    said = {}
    for run_id in ("r-grpo", "r-reward", "r-sft", "r-dpo"):
        assert main(["runs", "show", run_id]) == 0
        said[run_id] = capsys.readouterr().out
    assert "training: reward 1.714\nheld-out: reward 1.859\n" in said["r-grpo"]
    assert "train_loss" not in said["r-grpo"] and "eval_loss" not in said["r-grpo"]  # its surrogate, 2.5e-06
    assert "training: accuracy 75%\nheld-out: accuracy 100%\n" in said["r-reward"]
    # One training batch's, labelled so (a cold review: "reward_accuracy: 1.0" under a held-out line read as the
    # run's result); DPO's held-out reward accuracy is on its held-out line.
    assert "reward_accuracy (last training step): 0.75\n" in said["r-reward"]
    assert "held-out: loss 0.7000, reward accuracy 25%\n" in said["r-dpo"]
    assert "reward_accuracy (last training step): 1.0\n" in said["r-dpo"]
    assert "training: loss 1.2500\nheld-out: -\n" in said["r-sft"] and "reward_accuracy" not in said["r-sft"]
    assert main(["runs", "show", "r-reward", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reward_accuracy"] == 0.75


def test_grpos_progress_lines_lead_with_its_reward():
    from types import SimpleNamespace

    from ftlib.metrics import _eval_line, _progress_line

    state = SimpleNamespace(max_steps=3)
    grpo = {"step": 2, "loss": 1e-06, "reward": 1.5, "reward_std": 0.25, "kl": 0.001, "elapsed": 3.0}
    assert _progress_line(grpo, state) == "[step 2/3] reward 1.500 ± 0.250 kl 0.0010 3s"
    assert _progress_line({"step": 2, "loss": 1.25, "elapsed": 3.0}, state) == "[step 2/3] loss 1.2500 3s"
    # KTO's KL estimate is clamped at 0 (TRL): its 0 says "at or below 0", not "not moved" (a CLI walk, h141)
    kto = {"step": 2, "loss": 0.5, "kl": 0.0, "elapsed": 3.0}
    assert _progress_line(kto, state) == "[step 2/3] loss 0.5000 kl ≤0 (clamped) 3s"
    assert _progress_line({**kto, "kl": 0.25}, state) == "[step 2/3] loss 0.5000 kl 0.2500 3s"
    assert _progress_line({**grpo, "kl": 0.0}, state) == "[step 2/3] reward 1.500 ± 0.250 kl 0.0000 3s"
    assert _eval_line({"step": 2, "eval_loss": 1e-06, "eval_reward": 1.5}) == "[eval step 2] eval reward 1.500 ± 0.000"
    assert _eval_line({"step": 2, "eval_loss": 0.5}) == "[eval step 2] eval loss 0.5000"
