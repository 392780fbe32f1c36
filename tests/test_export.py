"""Exports of a run deleted after the page offering them was drawn (walk 8B #11): the reason is the deletion, not
"it has no adapter yet: it is None". Then a reviewer's: a folder in the way of `merged/`, two builds at once, what a
crashed build left, a damaged adapter, a finished run whose result was deleted, files written 0600."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
import torch

from ftlib import downloads as offered
from ftlib import export
from ftlib.rundir import RunDir
from ftlib.testing import make_run


@pytest.mark.parametrize("what", ["export_adapter", "export_merged", "export_model", "export_gguf"])
def test_exporting_a_run_deleted_elsewhere_says_it_was_deleted(tmp_path, what):
    adapter = tmp_path / "made" / "adapter"
    adapter.mkdir(parents=True)
    (adapter / "adapter_config.json").write_text("{}")
    run = make_run("20261130-173905-lora-ana-caps", {"dataset": "d"}, adapter=adapter, root=tmp_path / "runs")
    downloads = offered.downloads(run)  # what the page offered
    assert [d.kind for d in downloads] == ["adapter", "merged", "gguf"]
    shutil.rmtree(run.path)  # `runs delete` from the command line, or a teammate's page
    with pytest.raises(export.ExportError) as raised:
        getattr(export, what)(run)
    assert str(raised.value) == (
        "Run '20261130-173905-lora-ana-caps' was deleted, perhaps from another tab or the command line: nothing of "
        "it is left to download."
    )


@pytest.mark.parametrize("state, with_checkpoint", [("interrupted", True), ("failed", True), ("interrupted", False)])
def test_an_unfinished_run_says_how_to_get_its_adapter(tmp_path, state, with_checkpoint):
    """A cold review: exporting an interrupted run said only "has no adapter yet: it is interrupted", with a
    checkpoint on disk holding the adapter so far and no way on suggested."""
    run = make_run("r-unfinished", {"dataset": "d"}, state=state, root=tmp_path / "runs", step=6)
    if with_checkpoint:
        checkpoint = run.checkpoints / "checkpoint-6"
        checkpoint.mkdir(parents=True)
        (checkpoint / "trainer_state.json").write_text("{}")
        (checkpoint / "adapter_config.json").write_text("{}")
    with pytest.raises(export.ExportError) as raised:
        export.export_adapter(run)
    said = str(raised.value)
    now = "it failed" if state == "failed" else f"it is {state}"
    assert said.startswith(f"Run 'r-unfinished' has no adapter yet: {now} at step 6.")
    if with_checkpoint:
        assert "`python -m ftlib runs resume r-unfinished`" in said and str(checkpoint) in said
        assert said.endswith("(loadable with PeftModel.from_pretrained).")
    else:  # a resume trains it from the start: no checkpoint is pointed at
        assert "checkpoint-" not in said and said.endswith("it starts from the beginning, as it has no checkpoint.")
    running = make_run("r-running", {"dataset": "d"}, state="running", root=tmp_path / "runs", step=2)
    with pytest.raises(export.ExportError, match="it is running at step 2. The adapter is written when it finishes"):
        export.export_adapter(running)


# ---------------------------------------------------------------------------------------------------------------
# A reviewer's defects: a folder in the way, two builds at once, a damaged adapter, a deleted result, 0600 files
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_adapter(tmp_path_factory):
    """A random LoRA adapter (with the tokenizer, as a run saves it) on a tiny model of its own."""
    from ftlib.models import load_tokenizer
    from ftlib.testing import make_random_adapter, make_tiny_model

    root = tmp_path_factory.mktemp("export-model")
    tiny = make_tiny_model(root / "tiny")
    adapter = make_random_adapter(str(tiny), root / "adapter")
    load_tokenizer(str(tiny)).save_pretrained(str(adapter))
    return tiny, adapter


@pytest.fixture
def lora_run(tiny_adapter, tmp_path):
    tiny, adapter = tiny_adapter
    return make_run("r-lora", {"dataset": "d", "model": str(tiny)}, adapter=adapter, root=tmp_path / "runs", step=4)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def one_error_line(capsys, argv: list[str]) -> str:
    """The CLI's one `error:` line and exit code 2: no traceback."""
    from ftlib.cli import main

    code = main(argv)
    captured = capsys.readouterr()
    assert (code, len(captured.err.splitlines()), captured.out) == (2, 1, ""), (code, captured.err, captured.out)
    assert captured.err.startswith("error: ")
    return captured.err.strip()


def test_a_folder_in_the_way_of_the_merged_model_is_named_with_the_fix_and_nothing_is_left(lora_run, monkeypatch):
    """The reviewer's `mkdir merged; echo note > merged/README.txt`: the error named `merged.partial` and left a full
    merged model there. Now the folder in the way is named, with its fix, before anything is built."""
    monkeypatch.setenv("FTLIB_WORKSPACE", str(lora_run.path.parent.parent))
    lora_run.merged_dir.mkdir()
    (lora_run.merged_dir / "README.txt").write_text("note")
    with pytest.raises(export.ExportError) as raised:
        export.export_merged(lora_run)
    said = str(raised.value)
    assert said.startswith(f"{lora_run.merged_dir} is in the way of the merged model: a folder that is not an earlier")
    assert "README.txt" in said and f"`rm -r {lora_run.merged_dir}`" in said and ".partial" not in said
    assert sorted(p.name for p in lora_run.path.iterdir() if "merged" in p.name) == ["merged"]
    assert export.exported_copies(lora_run) == []  # someone's own folder is not offered for removal
    (lora_run.merged_dir / "README.txt").unlink()  # an empty folder there is no obstacle
    merged = export.export_merged(lora_run)
    assert merged == lora_run.merged_dir and (merged / "config.json").is_file()


def test_two_merged_exports_at_once_build_once_and_both_get_it(lora_run, monkeypatch):
    """Two browser sessions clicking Download 3 s apart: the second failed on the first one's `merged.partial` and
    left another. Builds take turns: one merges, the other waits and takes its result; one zip is written."""
    merges = []
    merge = export._merge

    def counted(run, adapter, **told):
        merges.append(threading.current_thread().name)
        time.sleep(0.5)  # long enough for the other thread to arrive while this one builds
        return merge(run, adapter, **told)

    monkeypatch.setattr(export, "_merge", counted)
    results, errors = [], []

    def download():
        try:
            results.append(export.zip_folder(export.export_merged(lora_run)))
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=download) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and len(merges) == 1
    assert results == [lora_run.exports_dir / "r-lora-merged.zip"] * 3
    assert sorted(p.name for p in lora_run.path.iterdir() if "merged" in p.name) == ["merged", "merged.sources.json"]
    assert [p.name for p in lora_run.exports_dir.iterdir()] == ["r-lora-merged.zip"]
    with zipfile.ZipFile(results[0]) as archive:
        assert archive.testzip() is None and "model.safetensors" in archive.namelist()


def test_two_cli_exports_at_once_in_two_processes_both_print_the_merged_model(lora_run, monkeypatch):
    """The reviewer's two `runs export RUN --merged` 3 s apart, as two processes."""
    monkeypatch.setenv("FTLIB_WORKSPACE", str(lora_run.path.parent.parent))
    command = [sys.executable, "-m", "ftlib", "runs", "export", lora_run.id, "--merged", "--zip"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    time.sleep(1.0)
    procs.append(subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [proc.communicate(timeout=300) for proc in procs]
    for proc, (out, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, err[-2000:]
        assert out.split() == [str(lora_run.merged_dir), str(lora_run.exports_dir / "r-lora-merged.zip")]
    assert sorted(p.name for p in lora_run.path.iterdir() if "merged" in p.name) == ["merged", "merged.sources.json"]


def test_what_a_crashed_build_left_is_listed_removed_and_cleared_by_the_next_build(lora_run):
    partial = lora_run.path / "merged.partial"
    partial.mkdir()
    (partial / "model.safetensors").write_bytes(b"\0" * 4096)  # a build killed while writing
    lora_run.exports_dir.mkdir()
    (lora_run.exports_dir / "r-lora-merged.partial.zip").write_bytes(b"\0" * 1024)
    assert export.exported_copies(lora_run) == [partial, lora_run.exports_dir]
    assert export.exported_bytes(lora_run) == 4096 + 1024
    assert export.remove_exported(lora_run) == 4096 + 1024  # "Remove them" frees them
    assert not partial.exists() and not lora_run.exports_dir.exists()

    partial.mkdir()
    (partial / "model.safetensors").write_bytes(b"\0" * 4096)
    merged = export.export_merged(lora_run)  # the next build starts clean
    assert not partial.exists() and (merged / "model.safetensors").stat().st_size > 4096
    export.zip_folder(merged)
    assert export.exported_copies(lora_run) == [lora_run.merged_dir, lora_run.exports_dir]


def test_a_merged_model_is_built_again_once_its_base_or_adapter_changed(tiny_adapter, tmp_path):
    """A cached `merged/` was handed out whatever happened to its sources since: a base folder replaced by another
    checkpoint under the same path, or an adapter restored from an older copy, gave the old merge."""
    from safetensors.torch import load_file, save_file
    from transformers import AutoModelForCausalLM

    tiny, adapter = tiny_adapter
    base = tmp_path / "base"
    shutil.copytree(tiny, base)  # a base of this test's own, changed below
    run = make_run("r-src", {"dataset": "d", "model": str(base)}, adapter=adapter, root=tmp_path / "runs", step=4)
    merged = export.export_merged(run)
    built = (merged / "model.safetensors").stat().st_mtime_ns
    assert export.export_merged(run) == merged and (merged / "model.safetensors").stat().st_mtime_ns == built
    run = RunDir(shutil.move(run.path, tmp_path / "moved"))  # a workspace moved whole is no change of sources
    merged = export.export_merged(run)
    assert merged == run.merged_dir and (merged / "model.safetensors").stat().st_mtime_ns == built

    model = AutoModelForCausalLM.from_pretrained(base)
    with torch.no_grad():
        model.model.embed_tokens.weight.add_(1.0)  # LoRA does not train the embeddings: they are the base's
    model.save_pretrained(base)
    merged = export.export_merged(run)
    embeddings = load_file(merged / "model.safetensors")["model.embed_tokens.weight"]
    assert torch.equal(embeddings, model.model.embed_tokens.weight.detach())

    weights = run.adapter_dir / "adapter_model.safetensors"
    tensors = load_file(weights)
    save_file({name: t * 2 for name, t in tensors.items()}, weights)  # an adapter restored from another copy
    before = load_file(merged / "model.safetensors")
    after = load_file(export.export_merged(run) / "model.safetensors")
    changed = [name for name in after if not torch.equal(after[name], before[name])]
    assert changed and all("proj" in name for name in changed)  # the layers the adapter trains, merged again
    export.remove_exported(run)  # the record goes with the merged model it describes
    assert not run.merged_dir.exists() and not run.merged_sources.exists()


def test_a_merged_model_cut_short_without_weights_or_with_an_empty_config_is_built_again_not_handed_out(lora_run):
    """A reviewer truncated `merged/model.safetensors` and exported again: the folder and its zip were handed out
    (exit 0) and failed in `from_pretrained` ("incomplete metadata"). A `merged/` holding `{}` as its config.json
    passed too. The cached copy is checked as the adapter is, and built again from the adapter. Each damage is done
    to the model the previous one's export built again: one first build for the three (a merge is ~1.3 s of CPU)."""
    from transformers import AutoModelForCausalLM

    merged = export.export_merged(lora_run)
    weights = merged / "model.safetensors"
    for damage in ("cut short", "weights gone", "empty config"):
        if damage == "cut short":
            with open(weights, "r+b") as handle:
                handle.truncate(weights.stat().st_size // 2)
        elif damage == "weights gone":
            weights.unlink()
        else:
            shutil.rmtree(merged)
            merged.mkdir()
            (merged / "config.json").write_text("{}")
        again = export.export_merged(lora_run)
        assert again == merged and export.damaged_files(again) == [] and export.missing_weights(again) == [], damage
        AutoModelForCausalLM.from_pretrained(again)  # loads: no SafetensorError
        assert export.zip_folder(again).stat().st_size > 0


def test_removing_the_copies_while_a_download_is_built_is_refused_not_half_done(lora_run):
    export.export_merged(lora_run)
    with export._one_build_at_a_time(lora_run):  # another session's build, holding the run's export lock
        with pytest.raises(export.ExportError, match="A download of run 'r-lora' is being prepared now"):
            export.remove_exported(lora_run)
    assert (lora_run.merged_dir / "config.json").is_file()
    assert export.remove_exported(lora_run) > 0 and not lora_run.merged_dir.exists()


def test_a_damaged_adapter_is_refused_by_name_without_a_traceback(lora_run, monkeypatch, capsys):
    """`truncate -s 1000 adapter/adapter_model.safetensors`: `--merged` ended in safetensors' traceback, a plain
    export printed the damaged folder with exit code 0."""
    monkeypatch.setenv("FTLIB_WORKSPACE", str(lora_run.path.parent.parent))
    weights = lora_run.adapter_dir / "adapter_model.safetensors"
    os.truncate(weights, 1000)
    for argv in (["runs", "export", "r-lora"], ["runs", "export", "r-lora", "--merged"]):
        line = one_error_line(capsys, argv)
        assert line.startswith("error: The adapter of run 'r-lora' is damaged: adapter_model.safetensors is cut short")
        assert str(lora_run.adapter_dir) in line and "Traceback" not in line
    assert not lora_run.merged_dir.exists() and not (lora_run.path / "merged.partial").exists()
    with pytest.raises(export.ExportError, match="is damaged"):
        export.zip_folder(export.export_adapter(lora_run))
    # Damage the cheap check cannot see is still said in words, naming the folder.
    monkeypatch.setattr(export, "_check_whole", lambda *a: None)
    with pytest.raises(export.ExportError, match=r"The adapter of run 'r-lora' cannot be read \(Error while deser"):
        export.export_merged(lora_run)


@pytest.mark.parametrize("full", [False, True], ids=["adapter", "full"])
def test_a_finished_run_whose_result_was_deleted_says_so_in_the_cli_and_on_the_train_page(
    tiny_adapter, tmp_path, monkeypatch, capsys, full
):
    """It said "has no adapter yet: it is finished at step 4." and the Train page an empty "#### Export"."""
    tiny, adapter = tiny_adapter
    runs_dir = tmp_path / "workspace" / "runs"
    config = {"dataset": "d", "model": str(tiny), "method": "full" if full else "lora"}
    made = {"model": tiny} if full else {"adapter": adapter}
    run = make_run("r-gone", config, root=runs_dir, step=4, output="model" if full else "adapter", **made)
    kind = "model" if full else "adapter"
    assert [d.kind for d in offered.downloads(run)][0] == kind
    shutil.rmtree(run.path / kind)
    expected = (
        f"Run 'r-gone' finished at step 4, but its {kind} is no longer in its folder ({run.path / kind} is missing or "
        f"incomplete): it was deleted or moved after the run ended, so there is nothing to export. Put the {kind} "
        "folder back there, or train the run again."
    )
    assert one_error_line(capsys, ["runs", "export", "r-gone"]) == f"error: {expected}"
    assert one_error_line(capsys, ["runs", "export", "r-gone", "--merged"]) == f"error: {expected}"
    assert offered.downloads(run) == [] and export.nothing_to_download(run) == expected

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(tiny)
    at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = "r-gone"
    at.run()
    assert not at.exception, at.exception
    assert any(m.value == "#### Export" for m in at.markdown)
    assert expected in [w.value for w in at.warning]


def test_a_finished_runs_last_checkpoint_is_offered_when_its_adapter_is_gone(lora_run):
    checkpoint = lora_run.checkpoints / "checkpoint-4"
    shutil.copytree(lora_run.adapter_dir, checkpoint)
    (checkpoint / "trainer_state.json").write_text("{}")
    shutil.rmtree(lora_run.adapter_dir)
    with pytest.raises(export.ExportError) as raised:
        export.export_adapter(lora_run)
    assert "yet" not in str(raised.value)
    assert str(raised.value).endswith(
        f"Its last checkpoint holds the adapter as it was at checkpoint-4: {checkpoint}."
    )


def test_exports_are_readable_as_the_umask_allows_and_still_load(lora_run, tiny_adapter, umask_022):
    """safetensors writes its files 0600: another user of a shared server could not load `merged/` (a misleading
    FileNotFoundError) nor the unzipped download. Files now get the modes any file the process creates gets."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    weights = lora_run.adapter_dir / "adapter_model.safetensors"
    os.chmod(weights, 0o600)  # as a run leaves it
    adapter = export.export_adapter(lora_run)
    assert stat.S_IMODE(weights.stat().st_mode) == 0o644
    merged = export.export_merged(lora_run)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (merged, *merged.iterdir())}
    assert set(modes.values()) == {0o644, 0o755} and modes["merged"] == 0o755, modes
    for folder in (adapter, merged):
        with zipfile.ZipFile(export.zip_folder(folder)) as archive:
            entries = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
            assert set(entries.values()) == {0o644}, entries
            assert sorted(entries) == sorted(p.name for p in folder.iterdir())
            assert archive.testzip() is None

    tiny, _ = tiny_adapter
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    with torch.no_grad():
        base = AutoModelForCausalLM.from_pretrained(str(tiny))
        tuned = PeftModel.from_pretrained(base, str(adapter)).eval()(ids).logits
        plain = AutoModelForCausalLM.from_pretrained(str(merged)).eval()(ids).logits
    assert torch.allclose(tuned, plain, atol=1e-4)


def test_the_cheap_checks_tell_a_whole_file_from_a_cut_or_overwritten_one(tiny_adapter, tmp_path):
    import torch

    from ftlib.integrity import damaged_files, file_problem

    _, adapter = tiny_adapter
    assert damaged_files(adapter) == []
    whole = (adapter / "adapter_model.safetensors").read_bytes()
    cases = {
        "short.safetensors": (whole[:5], "cut short (5 bytes, too few for a safetensors header)"),
        "header.safetensors": (whole[:1000], "cut short (1,000 bytes, fewer than its "),
        "data.safetensors": (whole[:-10], f"cut short ({len(whole) - 10:,} of {len(whole):,} bytes)"),
        "longer.safetensors": (whole + b"x", f"damaged ({len(whole) + 1:,} bytes where its header describes"),
        "garbage.safetensors": (b"\xff" * 64, "not a safetensors file any more"),
        "zeros.safetensors": (b"\0" * 64, "damaged (its header is not readable)"),
        "state.json": (b'{"global_step": 4', "not readable JSON (cut short or overwritten)"),
    }
    for name, (content, said) in cases.items():
        (tmp_path / name).write_bytes(content)
        assert (file_problem(tmp_path / name) or "").startswith(said), (name, file_problem(tmp_path / name))
    torch.save({"x": torch.zeros(1000)}, tmp_path / "optimizer.pt")
    assert file_problem(tmp_path / "optimizer.pt") is None
    os.truncate(tmp_path / "optimizer.pt", 2000)
    assert file_problem(tmp_path / "optimizer.pt").startswith("cut short or damaged (2,000 bytes")
    assert [p.name for p, _ in damaged_files(tmp_path)] == sorted([*cases, "optimizer.pt"])


# ---------------------------------------------------------------------------------------------------------------
# A cold tester's: a run deleted while its merged model is built, a stopped run described otherwise than `runs list`
# ---------------------------------------------------------------------------------------------------------------


def test_deleting_a_run_while_a_download_of_it_is_built_is_refused(lora_run, monkeypatch, capsys):
    """The tester's `(runs export t-lora --merged --zip &); sleep 4; runs delete t-lora --yes`: the export exited 1
    with PEFT's traceback on an adapter gone midway. `runs delete` refuses while a build holds the run's export lock
    (the build then finishes whole), and deletes once it is done."""
    monkeypatch.setenv("FTLIB_WORKSPACE", str(lora_run.path.parent.parent))
    with export._one_build_at_a_time(lora_run):  # a build in progress (another process, tab or thread)
        said = one_error_line(capsys, ["runs", "delete", "r-lora", "--yes"])
    assert said == (
        "error: A download of run 'r-lora' is being prepared now (its merged model or a zip, in another tab or a "
        "command): delete the run once it is ready."
    )
    assert lora_run.exists()
    from ftlib.cli import main

    assert main(["runs", "delete", "r-lora", "--yes"]) == 0 and not lora_run.path.exists()


def test_a_run_removed_while_its_merged_model_is_built_is_one_error_line(lora_run, monkeypatch, capsys):
    """The folder removed anyway midway (`rm -r`, or a deletion that does not take the lock): one `error:` line and
    exit 2, not PEFT's HFValidationError traceback; after the line of each stage it began (ftlib.export_progress)."""
    monkeypatch.setenv("FTLIB_WORKSPACE", str(lora_run.path.parent.parent))
    merge = export._merge

    def removed_midway(run, adapter, **told):  # the folder goes while the base loads; PEFT then looks for the adapter
        shutil.rmtree(run.path)
        return merge(run, adapter, **told)

    monkeypatch.setattr(export, "_merge", removed_midway)
    from ftlib.cli import main

    assert main(["runs", "export", "r-lora", "--merged", "--zip"]) == 2
    captured = capsys.readouterr()
    *stages, said = captured.err.splitlines()
    assert captured.out == "" and stages == ["Loading the base model…", "Merging the adapter into it…"]
    assert said == (
        "error: Run 'r-lora' was deleted while its merged model was being built (from another tab or the command "
        "line): nothing of it is left to download."
    )


def test_a_stopped_run_is_described_in_export_as_runs_list_describes_it(tmp_path, monkeypatch, capsys):
    """The tester's: `runs list` said "stopped — resumable 91/3000", `runs export` "it is interrupted" with no step
    (status.json's step stays 0 for a stopped run; the steps are in metrics.jsonl)."""
    from ftlib.cli import main

    monkeypatch.setenv("FTLIB_WORKSPACE", str(tmp_path))
    make_run("r-stopped", {"dataset": "d", "max_steps": 3000}, state="interrupted", root=tmp_path / "runs", step=0,
             stopped_by="user", metrics=[{"kind": "train", "step": s, "loss": 2.0} for s in (90, 91)])  # fmt: skip
    assert main(["runs", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()[1]
    assert "stopped — resumable" in listed and "91/3000" in listed
    said = one_error_line(capsys, ["runs", "export", "r-stopped"])
    assert said == (
        "error: Run 'r-stopped' has no adapter yet: it is stopped — resumable at step 91/3000. Resume it to finish "
        "(Resume on the Train page, or `python -m ftlib runs resume r-stopped`): it starts from the beginning, as it "
        "has no checkpoint."
    )


def test_a_qlora_merged_export_quantizes_from_the_dtype_the_run_loaded_its_base_in(tiny_model_dir, tmp_path):
    """A QLoRA run on a GPU with bf16 (`auto`) loads its base in bf16 and bitsandbytes quantizes that; the merged
    export quantized the fp32 weights instead (a CPU load), so its 4-bit codes and scales, and the weights given back,
    were not the run's (up to 0.014 apart on weights of at most 0.07 here). The run records the dtype in its status
    (`weights_dtype`, as training.save_final writes it) and the export quantizes from it: its weights are
    dequant(quant(bf16 W)) as the run's forward computed them, plus the adapter's update."""
    import bitsandbytes.functional as F
    import torch
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    from ftlib.models import load_model
    from ftlib.testing import make_random_adapter

    adapter = make_random_adapter(str(tiny_model_dir), tmp_path / "made" / "adapter", b_std=0.3)
    AutoTokenizer.from_pretrained(str(tiny_model_dir)).save_pretrained(str(adapter))  # as a run saves it
    config = {"dataset": "d", "model": str(tiny_model_dir), "method": "qlora"}  # nf4, double quantization
    run = make_run("r-qlora-gpu", config, adapter=adapter, root=tmp_path / "runs", weights_dtype="bfloat16")
    older = make_run("r-qlora-older", config, adapter=adapter, root=tmp_path / "runs")
    from ftlib.run_base import run_config_of

    quantized_from = (run_config_of(run.path)["dtype"], run_config_of(older.path)["dtype"])
    assert quantized_from == ("bfloat16", "auto")  # the older run: from fp32, as before

    merged = load_file(str(export.export_merged(run) / "model.safetensors"))
    base = load_file(str(tiny_model_dir / "model.safetensors"))
    plain = load_model(str(tiny_model_dir), device="cpu")
    updated = PeftModel.from_pretrained(plain, str(adapter)).merge_and_unload().state_dict()  # W + the update

    def given_back(weight, dtype):  # bitsandbytes' 4-bit round trip from `dtype`, as transformers loads it
        codes, state = F.quantize_4bit(weight.to(dtype), blocksize=64, compress_statistics=True, quant_type="nf4")
        return F.dequantize_4bit(codes, state).float()

    names = [n for n in base if ".layers." in n and n.endswith("_proj.weight")]
    assert len(names) == 14
    for name in names:
        update = updated[name] - base[name]  # zero for the MLP: the adapter holds attention layers only
        want = given_back(base[name], torch.bfloat16) + update
        torch.testing.assert_close(merged[name], want, atol=2e-6, rtol=0)
        # The sentinel: quantized from fp32 (what the export did) the weights are another model's.
        assert (given_back(base[name], torch.float32) + update - want).abs().max() > 1e-3, name


# ---------------------------------------------------------------------------------------------------------------
# `runs export --out DIR`: a copy where the user wants it
# ---------------------------------------------------------------------------------------------------------------


def test_export_out_copies_the_adapter_and_its_zip_readable_by_the_team(lora_run, tmp_path, monkeypatch, capsys):
    """`runs export ID --out DIR --zip` prints DIR and DIR.zip: the adapter's files byte for byte, parents made,
    nothing half-made left beside them."""
    from ftlib.cli import main

    monkeypatch.setenv("FTLIB_WORKSPACE", str(lora_run.path.parent.parent))
    target = tmp_path / "shared" / "models" / "pirate-lora"
    assert main(["runs", "export", "r-lora", "--out", str(target), "--zip"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [str(target), str(target) + ".zip"]
    source = sorted(p.relative_to(lora_run.adapter_dir) for p in lora_run.adapter_dir.rglob("*") if p.is_file())
    assert sorted(p.relative_to(target) for p in target.rglob("*") if p.is_file()) == source
    for name in source:
        assert (target / name).read_bytes() == (lora_run.adapter_dir / name).read_bytes()
    with zipfile.ZipFile(str(target) + ".zip") as archive:
        assert sorted(n for n in archive.namelist() if not n.endswith("/")) == [p.as_posix() for p in source]
    assert not list(target.parent.glob(".*partial*"))


def test_an_export_copy_is_readable_as_the_umask_allows(tmp_path, umask_022):
    """Safetensors writes its files 0600: a copy keeping that mode would be unreadable to the rest of a team."""
    source = tmp_path / "adapter"
    source.mkdir()
    (source / "adapter_model.safetensors").write_bytes(b"weights")
    (source / "adapter_model.safetensors").chmod(0o600)
    (copy,) = export.copy_export(source, tmp_path / "copy")
    assert stat.S_IMODE((copy / "adapter_model.safetensors").stat().st_mode) == 0o644
    assert stat.S_IMODE((source / "adapter_model.safetensors").stat().st_mode) == 0o600  # the source as it was


def test_export_out_refuses_what_is_in_its_way_before_writing_anything(lora_run, tmp_path, monkeypatch, capsys):
    """A folder holding something, a file, a zip already there, a place inside the export: one `error:` line each,
    and nothing written. An empty folder is taken."""
    monkeypatch.setenv("FTLIB_WORKSPACE", str(lora_run.path.parent.parent))
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    line = one_error_line(capsys, ["runs", "export", "r-lora", "--out", str(full)])
    assert line == (
        f"error: --out: {full} is already a folder that is not empty, and the export's folder would replace it. "
        "Name a new folder (it is made for you), or move that one away first. Nothing was written."
    )
    assert [p.name for p in full.iterdir()] == ["notes.txt"]

    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    assert f"{a_file} is already a file, and the export's folder" in one_error_line(
        capsys, ["runs", "export", "r-lora", "--out", str(a_file)]
    )
    fresh = tmp_path / "fresh"
    (tmp_path / "fresh.zip").write_text("an older zip")
    line = one_error_line(capsys, ["runs", "export", "r-lora", "--out", str(fresh), "--zip"])
    assert f"{fresh}.zip is already a file, and the export's zip would replace it" in line
    assert not fresh.exists() and (tmp_path / "fresh.zip").read_text() == "an older zip"

    inside = lora_run.adapter_dir / "copy"
    assert one_error_line(capsys, ["runs", "export", "r-lora", "--out", str(inside)]).startswith(
        f"error: --out {inside} is inside the export it would copy ({lora_run.adapter_dir}): name a folder elsewhere."
    )
    assert not inside.exists()

    # A place that cannot be written is said so, not "the disk is full ... point FTLIB_WORKSPACE" (a cold review).
    line = one_error_line(capsys, ["runs", "export", "r-lora", "--out", "/proc/ftlib-copy"])
    assert line.startswith("error: --out: /proc cannot be written to (") and "disk is full" not in line

    empty = tmp_path / "empty"
    empty.mkdir()
    assert export.copy_export(lora_run.adapter_dir, empty) == [empty]
    assert (empty / "adapter_config.json").is_file()


def test_an_account_that_may_only_read_a_run_exports_a_copy_with_its_card(lora_run, tmp_path, monkeypatch, capsys):
    """`runs export ID --out DIR` from an account that may only read the run (a teammate's, on a shared server) failed
    with "cannot use .../adapter/README.md: permission denied": the card and stops were written into the run's own
    folder first (a cold review). The copy gets them instead, and the run's folder is left as it is."""
    from ftlib.cli import main

    real_card, real_stops = export.write_card, export.write_stops

    def read_only(real):
        def write(run, folder, *args):
            if lora_run.path in Path(folder).resolve().parents:
                raise PermissionError(13, "Permission denied", str(Path(folder) / "README.md"))
            return real(run, folder, *args)

        return write

    monkeypatch.setattr(export, "write_card", read_only(real_card))
    monkeypatch.setattr(export, "write_stops", read_only(real_stops))
    monkeypatch.setenv("FTLIB_WORKSPACE", str(lora_run.path.parent.parent))
    before = {p.name: p.read_bytes() for p in lora_run.adapter_dir.iterdir() if p.is_file()}
    target = tmp_path / "mine"
    assert main(["runs", "export", "r-lora", "--out", str(target)]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.splitlines() == [str(target)]
    assert "# r-lora" in (target / "README.md").read_text() and (target / "generation_config.json").is_file()
    assert {p.name: p.read_bytes() for p in lora_run.adapter_dir.iterdir() if p.is_file()} == before


@pytest.mark.parametrize("errno_number", [errno.EROFS, errno.EACCES])
def test_a_run_on_a_read_only_disk_exports_its_adapter_as_it_is(lora_run, monkeypatch, errno_number):
    """A fault-injection review: on a read-only mount (EROFS, not a PermissionError) even printing the adapter's
    path failed with "cannot use .../adapter/README.md: the disk is read-only"."""

    def refused(run, folder, *args):
        raise OSError(errno_number, os.strerror(errno_number), str(Path(folder) / "README.md"))

    monkeypatch.setattr(export, "write_card", refused)
    assert export.export_adapter(lora_run) == lora_run.adapter_dir


def test_an_unreadable_config_leaves_the_adapter_naming_its_own_base(lora_run):
    """A fault-injection review: with config.json cut short, read as {}, the export rewrote adapter_config.json and
    the card to name the default model's hub id as the base, for good (exporting again after the config was mended
    did not undo it)."""
    config = lora_run.adapter_dir / "adapter_config.json"
    before = json.loads(config.read_text())["base_model_name_or_path"]
    (lora_run.path / "config.json").write_text('{"method": "lo')
    export.export_adapter(lora_run)
    assert json.loads(config.read_text())["base_model_name_or_path"] == before != "HuggingFaceTB/SmolLM2-135M-Instruct"


# ---------------------------------------------------------------------------------------------------------------
# `runs export --json`: what a script needs, as `runs list/show --json` give it
# ---------------------------------------------------------------------------------------------------------------


def test_export_json_gives_the_paths_kind_and_sizes_in_one_object(lora_run, tmp_path, monkeypatch, capsys):
    """`runs export` had no --json where `runs list` and `runs show` have one: a script split its lines."""
    from ftlib.cli import main
    from ftlib.disk_use import tree_bytes

    monkeypatch.setenv("FTLIB_WORKSPACE", str(lora_run.path.parent.parent))
    assert main(["runs", "export", "r-lora", "--json"]) == 0
    captured = capsys.readouterr()
    said = json.loads(captured.out)
    assert len(captured.out.splitlines()) == 1 and said["kind"] == "adapter" and said["gguf_type"] is None
    assert (said["run"], said["path"], said["zip"], said["zip_size"]) == (
        "r-lora",
        str(lora_run.adapter_dir),
        None,
        None,
    )
    assert said["size"] == tree_bytes(lora_run.adapter_dir) > 0
    assert isinstance(said["notes"], list) and all(f"note: {note}" in captured.err for note in said["notes"])
    target = tmp_path / "copy"
    assert main(["runs", "export", "r-lora", "--merged", "--out", str(target), "--zip", "--json"]) == 0
    captured = capsys.readouterr()
    said = json.loads(captured.out)
    assert (said["kind"], said["path"], said["zip"]) == ("merged", str(target), f"{target}.zip")
    assert said["notes"] and all(f"note: {note}" in captured.err for note in said["notes"])  # on stderr still
    assert (said["size"], said["zip_size"]) == (tree_bytes(target), Path(f"{target}.zip").stat().st_size)
    assert (target / "config.json").is_file() and zipfile.is_zipfile(said["zip"])
    exported = export.exported_bytes(lora_run)  # the merged/ the copy was made from
    assert main(["runs", "export", "r-lora", "--remove", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"run": "r-lora", "freed": exported} and exported > 0
    assert one_error_line(capsys, ["runs", "export", "r-nothing", "--json"]).startswith("error: There is no run")


def test_export_zips_compress_at_zlibs_fastest_level(tmp_path, monkeypatch):
    """A merged model's zip took 79 s behind a button spinner at zlib's default level 6 (BENCHMARKS: "Export zips");
    level 1 writes it in a fraction of that for nearly the same size. Each entry is compressed at `ZIP_LEVEL`, and
    reads back whole."""
    levels = []
    real = zipfile._get_compressor

    def recorded(compress_type, compresslevel=None):
        levels.append((compress_type, compresslevel))
        return real(compress_type, compresslevel)

    monkeypatch.setattr(zipfile, "_get_compressor", recorded)
    folder = tmp_path / "merged"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(bytes(range(256)) * 4096)
    (folder / "config.json").write_text("{}")
    target = tmp_path / "out.zip"
    export._write_zip(folder, target)
    assert export.ZIP_LEVEL == 1 and levels == [(zipfile.ZIP_DEFLATED, 1)] * 2
    with zipfile.ZipFile(target) as archive:
        assert archive.read("model.safetensors") == bytes(range(256)) * 4096 and archive.testzip() is None
