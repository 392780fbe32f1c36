"""A hostile-input sweep of the CLI (helper 192): what a user types wrong in a run config is one `error:` line, exit
2, refused before anything is queued: not a TypeError traceback, not a run named after a mapping's repr."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ftlib.cli import main


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_WORKSPACE", str(tmp_path / "ws"))
    return tmp_path / "ws"


# (id, the config's extra line, what the one error line says): a wrong type where text or a list belongs
CASES = [
    # a TypeError traceback ("'int' object is not iterable") from the combination checks
    ("targets-number", "lora_targets: 5", "`lora_targets` must list layer names such as q_proj, v_proj"),
    ("targets-mapping", "lora_targets: {q_proj: 1}", "`lora_targets` must list layer names"),
    # queued as run `..-lora-_a_1` / `..-lora-_1_2`: the mapping's or list's Python repr, sanitized, as its name
    ("name-mapping", "name: {a: 1}", "`name` must be text (got {'a': 1})"),
    ("name-list", "name: [1, 2]", "`name` must be text (got [1, 2])"),
    ("dataset-list", "dataset: [chat_style, pirate_prompts]", "`dataset` must be text"),
]


@pytest.mark.parametrize("line, said", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_wrong_type_in_a_config_is_one_error_line_and_nothing_is_queued(
    workspace, tmp_path, capsys, no_training, tiny_model_dir, line, said
):
    config = tmp_path / "run.yaml"
    config.write_text(
        "method: lora\nmax_steps: 1\n" + ("" if line.startswith("dataset") else "dataset: chat_style\n") + line + "\n"
    )
    code = main(["train", str(config), "--model", str(tiny_model_dir), "--device", "cpu", "--detach"])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert (code, len(lines), captured.out) == (2, 1, ""), (code, captured.err, captured.out)
    assert lines[0].startswith("error: ") and said in lines[0], lines[0]
    assert not (workspace / "runs").exists() or not any((workspace / "runs").iterdir())  # nothing queued


SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.mark.parametrize("command", [["data", "inspect"], ["tokens"], ["batch"]], ids=" ".join)
@pytest.mark.parametrize("kind", ["missing", "folder", "binary"])
def test_a_template_file_that_cannot_be_read_is_refused_before_any_tokenizer(
    tmp_path, capsys, monkeypatch, command, kind
):
    """`data inspect FILE --template-file typo.jinja` printed its report without a word (the file is read only for
    rows with tool calls or with --model); `tokens` and `batch` loaded the tokenizer before refusing it."""
    from ftlib import models

    def refuse(*args, **kwargs):
        raise AssertionError("a tokenizer was loaded before the refusal")

    monkeypatch.setattr(models, "load_tokenizer", refuse)
    template = tmp_path / "chat.jinja"
    if kind == "folder":
        template.mkdir()
    elif kind == "binary":
        template.write_bytes(b"\x00\x9f\x92\x96 not text")
    code = main([*command, str(SAMPLES / "chat_style_sft.jsonl"), "--template-file", str(template)])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert (code, len(lines), captured.out) == (2, 1, ""), (code, captured.err, captured.out)
    said = {"missing": "does not exist", "folder": "is a folder", "binary": "is not UTF-8 text"}[kind]
    assert lines[0].startswith(f"error: Template file {template} {said}"), lines[0]


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--dataset", "chat_style", "--seed", "-1"],
        ["batch", str(SAMPLES / "chat_style_sft.jsonl"), "--seed", "-5"],
    ],
    ids=["train", "batch"],
)
def test_a_seed_out_of_range_names_its_limit_as_typed(capsys, argv):
    """The seed's limit read "at most 2.14748e+09" (`:g`): not the limit, and not a number one can type back."""
    assert main(argv) == 2
    line = capsys.readouterr().err.strip()
    assert "at most 2147483647" in line and "e+" not in line, line


# (how it is given, what the one line says): a setting under its name in transformers, PEFT or TRL got every known
# setting listed (`num_train_epochs`, `lr`, `r`), or a flag an "unknown option" with no other word
LIBRARY_NAME_CASES = [
    (
        ["--set", "num_train_epochs=3"],
        "Unknown setting `num_train_epochs`. Did you mean `epochs`? (`num_train_epochs`",
    ),
    (["--set", "r=16"], "Did you mean `lora_r`? (`r` is its name in PEFT's LoraConfig)"),
    (["CONFIG", "lr: 1e-4"], "Unknown setting `lr` in CONFIG. Did you mean `learning_rate`?"),
    (["CONFIG", "per_device_train_batch_size: 8"], "Did you mean `batch_size`?"),
    (
        ["--num-train-epochs", "3"],
        "unknown option --num-train-epochs, did you mean `--epochs`? (`num_train_epochs` in",
    ),
    (["--gradient-accumulation-steps=4"], "did you mean `--grad-accum`?"),
]


@pytest.mark.parametrize("given, said", LIBRARY_NAME_CASES, ids=[" ".join(c[0]) for c in LIBRARY_NAME_CASES])
def test_a_setting_under_a_library_name_is_told_ours(tmp_path, capsys, given, said):
    if given[0] == "CONFIG":
        config = tmp_path / "run.yaml"
        config.write_text(f"method: lora\ndataset: chat_style\n{given[1]}\n")
        given, said = [str(config)], said.replace("CONFIG", str(config))
    assert main(["train", "--dataset", "chat_style", *given, "--detach"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and said in lines[0] and "Known settings" not in lines[0], lines


def test_a_config_s_relative_dataset_beside_it_is_said_so(tmp_path, capsys, monkeypatch):
    """`train project/run.yaml` with `dataset: sft.jsonl` beside it, run from another folder, said only that
    sft.jsonl "does not exist (looked for ...)": the fix is the full path, which the line now gives."""
    project = tmp_path / "my project"
    project.mkdir()
    (project / "sft.jsonl").write_text(
        (SAMPLES / "chat_style_sft.jsonl").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (project / "run.yaml").write_text("method: lora\ndataset: sft.jsonl\nmax_steps: 1\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["train", str(project / "run.yaml"), "--detach"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert (
        f"is read from the current folder ({elsewhere}), where it does not exist; it is beside the config" in lines[0]
    )
    assert f"--dataset '{project / 'sft.jsonl'}'" in lines[0], lines[0]
    # --dataset given on the command line is that path, whatever the config says: not this refusal
    assert main(["train", str(project / "run.yaml"), "--dataset", "nosuch.jsonl", "--detach"]) == 2
    assert "beside the config" not in capsys.readouterr().err


def test_rows_the_method_cannot_train_are_refused_before_the_tokenizer_loads(capsys, monkeypatch):
    """`train --method dpo --dataset chat_style` (conversations) loaded the default model's tokenizer, then refused."""
    from ftlib import models

    def refuse(*args, **kwargs):
        raise AssertionError("a tokenizer was loaded before the refusal")

    monkeypatch.setattr(models, "load_tokenizer", refuse)
    assert main(["train", "--method", "dpo", "--dataset", "chat_style", "--detach"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: DPO needs pairs of a chosen and a rejected answer"), lines


def test_a_workspace_this_account_may_only_read_is_said_so(tmp_path, capsys, monkeypatch):
    """An account that may read the workspace but not write it: `runs delete` said "cannot use
    RUN/.export.lock: permission denied; check the path ..." (a lock it never asked for), `train` the same of a
    hidden `.ID.partial` folder. Root reads every file, so the refusal is raised where the write would be."""
    from ftlib import runs
    from ftlib.testing import make_run

    run = make_run("20261207-120000-lora-kept", {"dataset": "chat_style"})

    def refused(run_id, **kwargs):
        raise PermissionError(13, "Permission denied", str(run.path / ".export.lock"))

    monkeypatch.setattr(runs, "delete", refused)
    # root may write anything: the workspace read-only, as os.access tells an account that may only read it
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: Path(path).resolve() != tmp_path / "workspace")
    assert main(["runs", "delete", run.path.name, "--yes"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: This account may not write the workspace {tmp_path / 'workspace'} ("), lines
    assert "set FTLIB_WORKSPACE to a folder you may write" in lines[0], lines
    # a path of the user's own, outside the workspace, is still said as before
    monkeypatch.setattr(runs, "delete", lambda *a, **k: (_ for _ in ()).throw(PermissionError(13, "x", "/srv/a")))
    assert main(["runs", "delete", run.path.name, "--yes"]) == 2
    assert "cannot use /srv/a: permission denied" in capsys.readouterr().err


def test_every_library_name_points_at_a_setting_that_exists():
    # A renamed setting would quietly drop its pointer (refuse_unknown names ours only where it is known).
    import dataclasses

    from ftlib.config import RunConfig
    from ftlib.fields import LIBRARY_NAMES

    settings = {f.name for f in dataclasses.fields(RunConfig)}
    assert {ours for ours, _ in LIBRARY_NAMES.values()} <= settings
