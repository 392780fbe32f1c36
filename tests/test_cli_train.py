"""`python -m ftlib train CONFIG` and `python -m ftlib runs ...`: real processes, JSON output, exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftlib import runs
from ftlib.cli import main
from ftlib.memory import human

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ftlib", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
        timeout=timeout,
    )


def test_train_runs_a_sample_to_completion_and_runs_lists_shows_and_exports_it(tiny_model_dir, tmp_path, capsys):
    """Through main() in the test's process, as `python -m ftlib` calls it: the run itself trains in its own worker
    process all the same. A fresh `python -m ftlib` for each of the five commands (transformers, the tokenizer, the
    model to merge: ~10 s of CPU) showed nothing more; a whole `train` in a real process, to its exit code, is
    test_a_run_on_a_non_ascii_path_trains_where_stdout_cannot_write_it's."""
    config = tmp_path / "run.yaml"
    # `dataset` names the shipped sample: a data file split here with test_size and seed.
    config.write_text(
        f"method: lora\nmodel: {tiny_model_dir}\ndataset: chat_style\nmax_steps: 3\nbatch_size: 4\n"
        "max_length: 128\nsave_every: 0\ntest_size: 0.1\nname: cli demo\n"
    )
    code, said = main(["train", str(config), "--set", "lora_r=4"]), capsys.readouterr()
    assert code == 0, said.out + said.err
    assert "[step 3/3]" in said.out and "finished" in said.out

    assert main(["runs", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 1
    run = listed[0]
    assert (run["state"], run["method"], run["dataset"], run["step"], run["max_steps"]) == (
        "finished",
        "lora",
        "chat_style",
        3,
        3,
    )
    assert run["id"].endswith("-lora-cli_demo") and run["train_loss"] > 0 and run["eval_loss"] > 0

    assert main(["runs", "show", run["id"], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["config"]["lora_r"] == 4  # the --set override reached the run
    assert [m["step"] for m in shown["metrics"] if m["kind"] == "train"] == [1, 2, 3]
    # The estimate `train` made before the start is kept beside the peak the run measured (walk 9 F4).
    assert shown["estimated_memory"] > 0 and shown["peak_memory"] == max(m["peak_memory"] for m in shown["metrics"])
    assert main(["runs", "show", run["id"]]) == 0
    said = capsys.readouterr().out
    where = "GPU " if shown["peak_memory_reserved"] else ""
    assert f"memory: Peak {where}memory {human(shown['peak_memory'])}" in said
    assert f"estimated {human(shown['estimated_memory'])} before the start)\n" in said

    code, exported = main(["runs", "export", run["id"], "--merged", "--zip"]), capsys.readouterr()
    assert code == 0, exported.err
    merged, archive = exported.out.split()
    assert (Path(merged) / "model.safetensors").is_file() and Path(archive).suffix == ".zip"


def test_user_errors_exit_2_with_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("method: lora\nlearnin_rate: 0.1\n")
    assert main(["train", str(bad)]) == 2
    assert "Did you mean `learning_rate`" in capsys.readouterr().err
    assert main(["train", str(tmp_path / "missing.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["runs", "stop", "no-such-run"]) == 2
    assert "There is no run 'no-such-run'" in capsys.readouterr().err


def _rows_file(tmp_path, rows) -> Path:
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


CHATS = [
    {"messages": [{"role": "user", "content": f"Name a colour, {i}."}, {"role": "assistant", "content": "Teal."}]}
    for i in range(6)
]


def test_runs_list_is_empty_and_detach_queues(monkeypatch, tmp_path, capsys, tiny_model_dir):
    from ftlib import export

    assert main(["runs", "list"]) == 0
    assert "no runs yet" in capsys.readouterr().out
    # A stand-in process instead of training: --detach only queues and returns.
    monkeypatch.setattr(
        runs,
        "launch_command",
        lambda run, config, **_: [sys.executable, "-c", "import time; time.sleep(60)", str(run.path)],
    )
    config = tmp_path / "run.json"
    config.write_text(json.dumps({"dataset": str(_rows_file(tmp_path, CHATS)), "device": "cpu"}))
    assert main(["train", str(config), "--model", str(tiny_model_dir), "--detach"]) == 0
    run_id = capsys.readouterr().out.strip()
    try:
        assert main(["runs", "list", "--json"]) == 0
        assert [(r["id"], r["state"]) for r in json.loads(capsys.readouterr().out)] == [(run_id, "running")]
        assert main(["runs", "stop", run_id]) == 0
        assert "stopping" in capsys.readouterr().out
    finally:
        pid = runs.find(run_id).read_status()["pid"]
        os.killpg(pid, 9)
    with pytest.raises(export.ExportError, match="no adapter yet"):
        export.export_adapter(runs.find(run_id))


def test_every_setting_is_a_flag_and_flags_override_the_file(monkeypatch, tmp_path, capsys, tiny_model_dir):
    """The `train` flags are generated from RunConfig's fields: each one reaches the run's config.json."""
    monkeypatch.setattr(runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "pass", str(run.path)])
    config = tmp_path / "run.yaml"
    config.write_text("method: lora\nlora_r: 4\nlearning_rate: 0.1\n")
    flags = ["--model", str(tiny_model_dir), "--dataset", str(_rows_file(tmp_path, CHATS)), "--method", "dpo"]
    assert main(["train", str(config), *flags, "--detach"]) == 2  # conversations cannot train DPO: refused
    assert "load a preference dataset for DPO" in capsys.readouterr().err and runs.list_runs(refresh=False) == []
    flags = flags[:-2] + [
        "--learning-rate",
        "3e-4",
        "--lora-targets",
        "q_proj, v_proj",
        "--no-group-by-length",
        "--quant-type",
        "fp4",
        "--method",
        "qlora",
        "--max-steps",
        "7",
    ]
    assert main(["train", str(config), *flags, "--detach"]) == 0
    saved = runs.find(capsys.readouterr().out.strip()).read_config()
    assert (saved["lora_r"], saved["learning_rate"], saved["lora_targets"], saved["group_by_length"]) == (
        4,
        3e-4,
        ["q_proj", "v_proj"],
        False,
    )
    assert (saved["method"], saved["tuning"], saved["quant_type"], saved["max_steps"]) == ("qlora", "qlora", "fp4", 7)
    # A list of mappings (GRPO's rewards) is JSON or YAML on the command line; a conversation's prompt feeds GRPO.
    grpo = ["--method", "grpo", "--rewards", '[{"regex": "^A", "weight": 2}]', "--grpo-group-size", "6"]
    grpo += ["--batch-size", "2"]  # a GRPO step takes batch-size prompts: the file has a handful
    assert main(["train", str(config), *flags[:4], *grpo, "--detach"]) == 0
    saved = runs.find(capsys.readouterr().out.strip()).read_config()
    assert (saved["rewards"], saved["grpo_group_size"]) == ([{"regex": "^A", "weight": 2}], 6)
    help_text = subprocess.run(
        [sys.executable, "-m", "ftlib", "train", "--help"], capture_output=True, text=True, cwd=ROOT
    ).stdout
    from ftlib.config import field_specs

    assert all(f"--{name.replace('_', '-')}" in help_text for name in field_specs())


PAIRS = [{"prompt": "Hi", "chosen": "- a\n- b", "rejected": "a b"}] * 3


def test_kto_on_a_pairs_file_says_each_pair_is_a_good_and_a_bad_row(monkeypatch, tmp_path, capsys, tiny_model_dir):
    """Walk 3, 9: `train --method kto` on a DPO pairs file started with no line on how the pairs were read."""
    monkeypatch.setattr(runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "pass", str(run.path)])
    pairs = [  # a DPO file as TRL's preference datasets write it: a conversational prompt, then both answers
        {
            "prompt": [{"role": "user", "content": f"Give {n} tips for a rainy walk."}],
            "chosen": [{"role": "assistant", "content": "- Wear a hood.\n- Pick a route with shelter."}],
            "rejected": [{"role": "assistant", "content": "Just stay home, walking in rain is pointless."}],
        }
        for n in (2, 3, 4, 5)
    ]
    flags = ["--model", str(tiny_model_dir), "--dataset", str(_rows_file(tmp_path, pairs)), "--test-size", "0"]
    assert main(["train", *flags, "--method", "kto", "--detach"]) == 0
    expected = (
        "warning: KTO reads each of the 4 preference pairs as a good answer (chosen) and a bad answer (rejected): "
        "8 rows.\n"
    )
    assert expected in capsys.readouterr().err
    assert main(["train", *flags, "--method", "dpo", "--detach"]) == 0
    assert "KTO reads" not in capsys.readouterr().err


REWARDS = "--rewards"
# Cases checked with `main` in this process: a fresh `python -m ftlib` loads the tokenizer (transformers, ~4.5 s
# on the 2-core CI machine) for each, or (no-rewards, bad-regex: refused before anything loads) only starts Python
# again (~0.5 s). Every method's path still runs in its own process in another case (lora: unpaired-for-sft, dpo:
# chats-for-dpo, grpo: pairs-for-grpo), where library noise on stderr would break the one `error:` line.
IN_PROCESS = {
    "prompt-only-for-sft",
    "no-such-reward-model",
    "grpo-fewer-prompts-than-a-step",
    "no-rewards",
    "bad-regex",
}


@pytest.mark.parametrize(
    "rows, method, message, extra",
    [
        (
            [{"prompt": "Is tea good?", "completion": "Yes.", "label": False}] * 3,
            "lora",
            "never trained as plain SFT",
            [],
        ),
        ([{"prompt": "Write a haiku."}] * 3, "lora", "Prompts without answers", []),
        (CHATS, "dpo", "load a preference dataset for DPO", []),
        (CHATS[:1], "grpo", "`rewards` is empty: GRPO learns only from what its rewards score", []),
        (PAIRS, "grpo", "GRPO needs prompts", [REWARDS, '[{"regex": "x"}]']),
        (CHATS, "grpo", "`rewards` item 1: '^(Ahoy' is not a valid regular expression", [REWARDS, "- regex: ^(Ahoy"]),
        (
            CHATS,
            "grpo",
            "`rewards` item 2: There is no run 'nope' here",
            [REWARDS, '[{"regex": "x"}, {"model": "nope"}]'],
        ),
        (
            [{"prompt": f"What is {i} + {i}?"} for i in range(5)],
            "grpo",
            "GRPO takes 8 prompts a step (batch size 8), but there are 5 training prompts, so no step can run: set "
            "the batch size to 5 or less",
            [REWARDS, '[{"regex": "x"}]', "--batch-size", "8"],
        ),
    ],
    ids=[
        "unpaired-for-sft",
        "prompt-only-for-sft",
        "chats-for-dpo",
        "no-rewards",
        "pairs-for-grpo",
        "bad-regex",
        "no-such-reward-model",
        "grpo-fewer-prompts-than-a-step",
    ],
)
def test_what_can_be_known_before_launch_is_refused_before_launch(
    tmp_path, tiny_model_dir, capsys, request, rows, method, message, extra
):
    """No run is created; one `error:` line names the rows and the fix; exit 2, no traceback."""
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    flags = ["--model", str(tiny_model_dir), "--dataset", str(data), "--method", method, "--test-size", "0", *extra]
    if request.node.callspec.id in IN_PROCESS:
        code, err = main(["train", *flags]), capsys.readouterr().err  # a traceback would fail the test here
    else:
        proc = cli("train", *flags)
        code, err = proc.returncode, proc.stderr
        assert "Traceback" not in err, proc.stdout + err
    assert code == 2, err
    assert err.startswith("error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert runs.list_runs(refresh=False) == []


def test_a_template_that_refuses_rows_is_named_with_the_rows(tmp_path, tiny_model_dir, capsys):
    """Through main() in the test's process (a traceback would fail the test here): a fresh `python -m ftlib` cost
    ~5 s of CPU for its imports and showed nothing more; the lora path's stderr in a fresh process is
    test_what_can_be_known_before_launch_is_refused_before_launch[unpaired-for-sft]'s."""
    # Gemma's template has no system role and needs a user turn right after the system prompt.
    rows = (
        CHATS[:3]
        + [{"messages": [{"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "Hello."}]}]
        + CHATS[3:]
    )
    data = _rows_file(tmp_path, rows)
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", str(data), "--template", "gemma", "--test-size", "0"]
    code, said = main(argv), capsys.readouterr()
    assert code == 2, said.out + said.err
    assert said.err.startswith("error: The chat template cannot render training row 4:"), said.err
    assert "another chat template" in said.err and runs.list_runs(refresh=False) == []


def test_runs_list_says_a_stopped_run_is_resumable_and_a_rising_loss_diverged(capsys):
    from ftlib.testing import make_run

    rising = [{"kind": "train", "step": s, "loss": v} for s, v in enumerate((3.2, 2.9, 9.0, 13.8, 14.3, 14.8), 1)]
    make_run("r-stopped", state="interrupted", stopped_by="user", max_steps=6)
    make_run("r-killed", state="interrupted", max_steps=6)
    make_run("r-diverged", max_steps=6, metrics=rising)
    assert main(["runs", "list"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert "stopped — resumable" in lines["r-stopped"]  # stored as interrupted, as the Train page says it
    assert " interrupted " in lines["r-killed"]  # its process died: not the person's stop
    assert "finished, diverged" in lines["r-diverged"]


def test_python_given_as_rewards_is_refused_as_code_before_anything_starts(capsys):
    """Walk 5 (left for the CLI): `--rewards` holding Python got "must name exactly one reward among ..." (YAML read
    `def f(...): return 1` as a mapping). It is refused as code, never run, with how a function is registered."""
    code = "def reward(prompt, completion):\n    return 1.0 if 'Ahoy' in completion else 0.0"
    argv = ["train", "--method", "grpo", "--dataset", "pirate_prompts", "--rewards", code, "--max-steps", "1"]
    assert main(argv) == 2
    said = capsys.readouterr().err
    assert said.startswith("error: ") and "not Python: code given here is never run" in said
    assert "FTLIB_REWARD_FUNCTIONS" in said and "exactly one reward" not in said
    assert runs.list_runs() == []  # refused before a run folder exists


def test_a_model_folder_without_weights_is_refused_before_a_run_is_queued(
    monkeypatch, tmp_path, capsys, tiny_model_dir
):
    """Walk 8A: `train --model` a folder with config.json and a tokenizer but no weights queued a run that failed as it
    started, exit 1, the error printed three times. It is refused as the sidebar refuses it: one line, exit 2."""
    import shutil

    no_weights = tmp_path / "no-weights"
    shutil.copytree(tiny_model_dir, no_weights, ignore=shutil.ignore_patterns("*.safetensors"))
    broken = tmp_path / "broken-config"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "config.json").write_text('{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidd')
    monkeypatch.setattr(  # a stand-in for training, should a run start after all
        runs,
        "launch_command",
        lambda run, config, **_: [sys.executable, "-c", "import time; time.sleep(60)", str(run.path)],
    )
    config = tmp_path / "run.json"
    config.write_text(json.dumps({"dataset": str(_rows_file(tmp_path, CHATS)), "device": "cpu"}))
    for folder, says in ((no_weights, "has a config.json but no weights"), (broken, "is not valid JSON")):
        code = main(["train", str(config), "--model", str(folder), "--detach"])
        out = capsys.readouterr()
        try:
            assert code == 2 and out.err.startswith("error: ") and len(out.err.strip().splitlines()) == 1, out
            assert says in out.err and out.out == ""
            assert runs.list_runs(refresh=False) == []
        finally:
            for run in runs.list_runs(refresh=False):
                os.killpg(runs.find(run.id).read_status()["pid"], 9)
        # The other commands that take a model check it the same way, before anything loads.
        assert main(["sample", "--model", str(folder), "--prompt", "Hi"]) == 2
        assert says in capsys.readouterr().err


def test_finished_is_the_last_line_after_every_progress_line():
    """Walk 8A: `train` printed "finished: Finished." before the last "[step 6/6]" and "[eval step 6]" lines: the log
    the run wrote before it ended was read after its state was printed."""
    from ftlib.commands.train import follow
    from ftlib.testing import make_run

    run = make_run("r-done", max_steps=6, message="Finished.")
    run.log_file.write_text("[step 5/6] loss 1.2000\n[step 6/6] loss 1.1000\n[eval step 6] eval loss 1.3000\n")
    out = io.StringIO()
    follow("r-done", out=out, poll=0)
    lines = out.getvalue().splitlines()
    assert lines == ["[step 5/6] loss 1.2000", "[step 6/6] loss 1.1000", "[eval step 6] eval loss 1.3000",
                     "[r-done] finished"]  # fmt: skip


def test_ctrl_c_on_a_queued_run_says_it_left_the_queue_not_that_it_saves_a_checkpoint(monkeypatch):
    """A lifecycle walk: Ctrl-C on a foreground `train` still queued said "stopping (saving a checkpoint)"; a queued
    run has nothing to save, and leaves the queue (resumable)."""
    import time

    from ftlib import runs
    from ftlib.commands.train import follow
    from ftlib.testing import make_run

    make_run("r-queued", state="queued", max_steps=6)
    monkeypatch.setattr(runs, "advance", lambda **_: None)  # it stays queued: another run is ahead of it
    presses = [KeyboardInterrupt()]

    def ctrl_c_while_waiting(_seconds):
        if presses:
            raise presses.pop()

    monkeypatch.setattr(time, "sleep", ctrl_c_while_waiting)
    out = io.StringIO()
    assert follow("r-queued", out=out, poll=0).state == "interrupted"
    said = out.getvalue()
    assert "saving a checkpoint" not in said
    assert "[r-queued] stopped: Removed from the queue before it started. Resume puts it back" in said


def test_runs_list_names_the_workspace_it_read(monkeypatch, tmp_path, capsys):
    """Walk 8B: without FTLIB_WORKSPACE, `runs list` said "no runs yet" and not where it looked (the server's runs were
    in another workspace)."""
    assert main(["runs", "list"]) == 0
    out = capsys.readouterr().out
    assert f"no runs yet in {tmp_path / 'workspace' / 'runs'} (the workspace FTLIB_WORKSPACE names)" in out
    monkeypatch.delenv("FTLIB_WORKSPACE")
    monkeypatch.setenv("FTLIB_HOME", str(tmp_path / "home"))
    assert main(["runs", "list"]) == 0
    out = capsys.readouterr().out
    assert (
        f"no runs yet in {tmp_path / 'home' / 'workspace' / 'runs'} (the default workspace: FTLIB_WORKSPACE is not"
        in out
    )
    assert "set it to the folder the studio server was started with" in out


def test_runs_commands_take_the_name_the_pages_show(capsys, no_training):
    """Walk 8B: `runs resume ana-team` (the name on the pages) said "There is no run 'ana-team'": only the full id was
    taken. A name one run has stands for it; a name several runs have is refused with their ids, unless one of them
    is the only one the command can act on (resume: the stopped one; tests/test_cli_walk_h163.py)."""
    from ftlib.testing import make_run

    make_run("20261130-173905-lora-ana-team", {"name": "ana-team"}, max_steps=6)
    make_run("20261130-180000-lora-ben-x", {"name": "ben"}, state="interrupted", stopped_by="user", max_steps=6)
    make_run("20261130-181000-lora-ben-y", {"name": "ben"}, max_steps=6)
    assert main(["runs", "show", "ana-team"]) == 0
    assert "id: 20261130-173905-lora-ana-team" in capsys.readouterr().out
    assert main(["runs", "log", "ana-team"]) == 0
    assert main(["runs", "delete", "ana-team", "--yes"]) == 0
    assert "deleted 20261130-173905-lora-ana-team" in capsys.readouterr().out
    assert main(["runs", "show", "ben"]) == 2
    err = capsys.readouterr().err
    assert "Several runs are named 'ben': 20261130-181000-lora-ben-y, 20261130-180000-lora-ben-x" in err
    assert main(["runs", "resume", "ben"]) == 0
    assert capsys.readouterr().out.startswith("20261130-180000-lora-ben-x: queued")
    assert main(["runs", "stop", "nobody"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: There is no run 'nobody', by id or by name, in ") and "FTLIB_WORKSPACE" in err


@pytest.mark.parametrize("state, code", [("finished", 0), ("failed", 1), ("interrupted", 3)])
def test_runs_resume_wait_exits_as_train_does(monkeypatch, capsys, state, code):
    """A cold review: Ctrl-C on `runs resume --wait` left a resumable run and exited 1 (failed); `train` exits 3 for
    the same stop. Both end through `train.said_end`: a failed resume printed no `error:` line (a fault review)."""
    from types import SimpleNamespace

    from ftlib.commands import train as train_command
    from ftlib.testing import make_run

    make_run("20261203-070000-lora-cleo", {"name": "cleo"}, state="interrupted", stopped_by="user", max_steps=6)
    monkeypatch.setattr(runs, "resume", lambda run_id, by=None: {"state": "queued", "message": "Waiting."})
    ended = SimpleNamespace(state=state, message="The disk is full.", duration_s=3.0, step=4, max_steps=6,
                            train_score=None, eval_score=None, log_tail=[])  # fmt: skip
    monkeypatch.setattr(train_command, "follow", lambda run_id, offset=0: ended)
    assert main(["runs", "resume", "cleo", "--wait"]) == code
    out, err = capsys.readouterr()
    # joined as `train` joins a state and its message (h227's walk: "queued - Waiting ..." beside "queued: Waiting")
    assert "20261203-070000-lora-cleo: queued: Waiting." in out and f"{state} after 3s, step 4/6" in out
    assert err == ("error: The disk is full.\n" if state == "failed" else "")


def test_a_stopped_run_has_one_name_in_list_show_and_stop(capsys):
    """A cold review: `runs list` said "stopped — resumable", `runs show` "state: interrupted" (which reads as a
    crash) and a second `runs stop` "is interrupted"; a finished run showed `phase: ` and `eta_s: None`."""
    from ftlib.testing import make_run

    make_run("20261203-071500-lora-dee", {"name": "dee"}, state="interrupted", stopped_by="user", max_steps=6)
    make_run("20261203-071600-lora-eve", {"name": "eve"}, max_steps=6)
    assert main(["runs", "show", "dee"]) == 0
    out = capsys.readouterr().out
    assert "state: stopped — resumable\n" in out and "interrupted" not in out, out
    assert main(["runs", "stop", "dee"]) == 2
    assert "'20261203-071500-lora-dee' is stopped — resumable; there is nothing to stop." in capsys.readouterr().err
    assert main(["runs", "show", "eve"]) == 0
    out = capsys.readouterr().out
    assert "state: finished\n" in out and "None" not in out and "\nphase: \n" not in out, out


def test_qlora_without_bitsandbytes_is_refused_before_a_run_is_queued(monkeypatch, capsys, tiny_model_dir):
    """A cold review: QLoRA without bitsandbytes was queued and failed in the worker, blaming the model ("Could not
    load the model ... No module named bitsandbytes"), exit 1. It is refused before the run exists, with the fix."""
    import sys

    monkeypatch.setitem(sys.modules, "bitsandbytes", None)  # `import bitsandbytes` raises ModuleNotFoundError
    argv = [
        "train",
        "--method",
        "qlora",
        "--model",
        str(tiny_model_dir),
        "--dataset",
        "chat_style",
        "--max-steps",
        "1",
    ]
    assert main(argv) == 2
    said = capsys.readouterr().err
    assert said.startswith("error: ") and said.count("\n") == 1, said
    assert "QLoRA (4-bit weights) needs the bitsandbytes library, which is not installed here" in said
    assert "(`method` lora)" in said
    assert runs.list_runs() == []


def test_runs_list_json_gives_what_trains_beside_the_tables_label(monkeypatch, tmp_path, capsys):
    """`method` is the runs table's label ("dpo (full)"); `tuning` says what trains without parsing it."""
    from ftlib.testing import make_run

    monkeypatch.setenv("FTLIB_HOME", str(tmp_path))
    make_run("r-dpo", {"method": "dpo", "tuning": "full"})
    make_run("r-qlora", {"method": "qlora"})
    make_run("r-kto", {"method": "kto"})
    assert main(["runs", "list", "--json"]) == 0
    listed = {r["id"]: (r["method"], r["tuning"]) for r in json.loads(capsys.readouterr().out)}
    assert listed == {"r-dpo": ("dpo (full)", "full"), "r-qlora": ("qlora", "qlora"), "r-kto": ("kto (lora)", "lora")}


def test_runs_log_of_a_run_that_never_started_says_so(monkeypatch, tmp_path, capsys):
    from ftlib.testing import make_run

    monkeypatch.setenv("FTLIB_HOME", str(tmp_path))
    make_run("r-never", {"method": "lora"}, state="interrupted", message="Stopped before it started.")
    assert main(["runs", "log", "r-never"]) == 0
    assert capsys.readouterr().out == "no log yet: r-never is interrupted (Stopped before it started.)\n"


def test_resume_wait_prints_the_new_attempts_lines_only(monkeypatch, capsys):
    """A cold review: `runs resume ID --wait` reprinted steps 1-59 of the stopped attempt before its resume, reading
    as a run started over."""
    from ftlib.testing import make_run

    run = make_run("r-again", {"max_steps": 6}, state="interrupted", stopped_by="user", message="Stopped.")
    run.log_file.write_text("[step 1/6] loss 2.0000\n[step 2/6] loss 1.9000\n")

    def resumed(run_id, by=None):  # the new attempt appends its lines, then finishes
        with open(run.log_file, "a", encoding="utf-8") as log:
            log.write("[ftlib] resuming from checkpoint-2\n[step 3/6] loss 1.8000\n")
        run.update_status(state="finished", message="Finished.")
        return run.read_status()

    monkeypatch.setattr(runs, "resume", resumed)
    assert main(["runs", "resume", "r-again", "--wait"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[1:] == [
        "[ftlib] resuming from checkpoint-2",
        "[step 3/6] loss 1.8000",
        "[r-again] finished",
        "[r-again] finished after 0s, step 0/6",  # the line `train` ends with too
    ]


def test_train_says_what_qlora_on_the_cpu_costs_as_the_train_page_does(monkeypatch, tmp_path, capsys, tiny_model_dir):
    """A cold review: the Train page explained a 4-bit run on the CPU (slower, more memory for a small model); the
    CLI started it without a word. One engine text now (run_preflight.qlora_on_cpu_note)."""
    monkeypatch.setattr(runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "pass", str(run.path)])
    data = str(_rows_file(tmp_path, CHATS))
    flags = ["--model", str(tiny_model_dir), "--dataset", data, "--device", "cpu", "--detach"]
    assert main(["train", "--method", "qlora", *flags]) == 0
    assert "note: 4-bit weights on the CPU" in capsys.readouterr().err
    assert main(["train", "--method", "lora", *flags]) == 0
    assert "4-bit" not in capsys.readouterr().err


def test_a_failed_runs_error_is_not_repeated_by_its_log_tail(monkeypatch, capsys, tiny_model_dir, no_training):
    """A cold review: a reward that raised was printed as the log's `[ftlib] error:` line, the state line, `error:`
    and again in the log tail under it. Under the `error:` line comes at most the exception the log ends with (a
    later review: 16 lines of library traceback followed it), not what following printed nor the traceback."""
    from types import SimpleNamespace

    from ftlib.commands import train as train_command

    tail = [
        "[ftlib] error: The reward function 'boom' raised ValueError.",
        "Traceback (most recent call last):",
        '  File "/x/site-packages/lib.py", line 3, in f',
        "    raise Exception('a library said why')",
        "Exception: a library said why",
    ]
    ended = SimpleNamespace(state="failed", message="The reward function 'boom' raised ValueError.", log_tail=tail,
                            train_score=None, eval_score=None, duration_s=7.0, step=0, max_steps=1)  # fmt: skip
    monkeypatch.setattr(train_command, "follow", lambda run_id, out=None: ended)
    assert main(["train", "--model", str(tiny_model_dir), "--dataset", "chat_style", "--max-steps", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("The reward function 'boom' raised ValueError.") == 1  # the `error:` line alone
    assert err.endswith("error: The reward function 'boom' raised ValueError.\n  | Exception: a library said why\n")
    assert "Traceback" not in err and "lib.py" not in err


def test_a_run_on_a_non_ascii_path_trains_where_stdout_cannot_write_it(tiny_model_dir, tmp_path):
    """Where stdout cannot write every character (an ASCII or Latin-1 PYTHONIOENCODING, a Latin-1 locale), the
    worker's first line (naming the data file) raised UnicodeEncodeError: the run failed at its start. Its log is
    UTF-8, as it is read."""
    data = tmp_path / "训练数据.jsonl"
    chat = [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Ahoy 👋"}]
    data.write_text(json.dumps({"messages": chat}, ensure_ascii=False) + "\n", encoding="utf-8")
    said = ("LC_", "LANG", "PYTHONIOENCODING", "PYTHONUTF8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(said)}
    proc = subprocess.run(
        [sys.executable, "-m", "ftlib", "train", "--model", str(tiny_model_dir), "--dataset", str(data)]
        + ["--method", "lora", "--max-steps", "1", "--test-size", "0", "--save-every", "0", "--name", "海盗"],
        capture_output=True,
        cwd=ROOT,
        env={**env, "PYTHONIOENCODING": "ascii"},
        timeout=600,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr).decode("utf-8", "replace")[-1500:]
    (run,) = runs.list_runs()
    assert run.state == "finished" and "训练数据.jsonl" in runs.find(run.id).log_file.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "by_user, said", [(True, "[r-end] stopped after 12s"), (False, "[r-end] interrupted after 12s")]
)
def test_the_end_line_says_stopped_only_for_a_run_the_person_stopped(capsys, by_user, said):
    """`train` and `runs resume --wait` end with the run's state: "stopped" where the person stopped it, as `runs list`
    says; a run interrupted otherwise (its worker killed, the machine restarted) still reads "interrupted"."""
    from types import SimpleNamespace

    from ftlib.commands.train import said_end
    from ftlib.testing import make_run

    make_run("r-end", {"dataset": "d"}, state="interrupted")  # its folder: one gone is said deleted (`still_there`)
    info = SimpleNamespace(
        state="interrupted", stopped_by_user=by_user, duration_s=12.0, step=2, max_steps=4, train_score=None,
        eval_score=None, message="Stopped at step 2.", log_tail=[],
    )  # fmt: skip
    said_end("r-end", info)
    assert capsys.readouterr().out.startswith(said + ", step 2/4")
