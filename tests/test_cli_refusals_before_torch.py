"""What `sample`, `evaluate`, `tokens` and `runs export` refuse from the command line, the files and the runs it names
alone is refused before `python -m ftlib` imports torch (`ftlib.cli._main` calls each command's `check` before
`_import_libraries_unscanned`): a typo'd `--setting temprature=2` cost 2-5 s of torch, transformers and PEFT before
its one `error:` line. So is a run with no result or a reward model's where answers are written (`sample`,
`evaluate`: `modelset.find_tuned_set` in their checks), a --model not in the cache where hub downloads are off
(`cli.check_model_found`), and what `train`'s preflight knows from its rows and settings before a tokenizer loads
(rows its method cannot train, an unknown template: the GPU count is asked only where a setting depends on it, and
after the rows, so a data error beside `--device cuda` is said alone, as beside LoRA target names, whose check builds
the model on the meta device, and a 16-bit dtype, whose checks ask torch for the GPUs or the CPU's bf16), an adapter
of another base (its safetensors header against the base's config.json: `adapter_shapes`) and a merged reward model
as the base that writes answers.

Each command line runs as `python -m ftlib` runs it (`cli.main(argv, fresh_process=True)`) in a child forked from one
process that has imported ftlib's command modules (none imports torch) but not torch, so each child starts as a fresh
`python -m ftlib` would and what one imports does not reach the next; the child reports its exit code, its stderr
and whether torch was imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# (id, command line, the start of its one error line); <run> is a finished run, <reward> a finished reward model's,
# <dir> a folder that holds a file, <file> the shipped sample of 171 chat rows; <running>, <stopped> and <failed> runs
# with no result, <scorer> a finished reward model with its adapter, <tiny> the tiny model's folder.
CASES = [
    ("sample-setting-typo", ["sample", "--prompt", "hi", "--setting", "temprature=2"],
     "error: Cannot read the decoding setting 'temprature=2': 'temprature' is not a decoding setting. Did you mean "
     "temperature=2?"),
    ("sample-setting-range", ["sample", "--prompt", "hi", "--setting", "temperature=-1"],
     "error: temperature must be 0 (greedy) or a number from 0.001 to 100, got -1.0."),
    ("sample-max-new-tokens", ["sample", "--prompt", "hi", "--max-new-tokens", "0"],
     "error: max_new_tokens must be a whole number from 1 to 4096, got 0."),
    ("sample-empty-prompt", ["sample", "--prompt", " "],
     "error: --prompt is empty: give the user's message, e.g. --prompt 'How do I boil an egg?'."),
    ("sample-alternatives", ["sample", "--prompt", "hi", "--alternatives", "500"],
     "error: --alternatives must be from 0 to 100, got 500."),
    ("sample-tools-missing", ["sample", "--prompt", "hi", "--tools", "<dir>/tools.json"],
     "error: cannot read <dir>/tools.json: no such file or folder; give a .json file of tool schemas"),
    ("sample-no-such-run", ["sample", "--prompt", "hi", "--adapter", "no-such-run"],
     "error: 'no-such-run' is not a folder, and there is no run by that id or name in"),
    ("sample-system-text", ["sample", "--prompt", "hi", "--system", "Be brief.", "--template", "text"],
     "error: The Raw text template writes no system turn"),
    ("sample-other-base", ["sample", "--prompt", "hi", "--adapter", "<run>", "--model", "other/model"],
     "error: The run <run> was trained on the base model default, not on --model other/model"),
    ("sample-unknown-template", ["sample", "--prompt", "hi", "--template", "chatmll"],
     "error: Unknown template 'chatmll'. Choose one of: chatml,"),
    ("evaluate-no-such-run", ["evaluate", "no-such-run"],
     "error: 'no-such-run' is not a folder, and there is no run by that id or name in"),
    ("evaluate-nothing", ["evaluate"],
     "error: Give a finished run (RUN_DIR, id or name), or all of --model, --adapter and --data."),
    ("evaluate-csv", ["evaluate", "<run>", "--csv", "<dir>/missing/eval.csv"],
     "error: --csv <dir>/missing/eval.csv: the folder <dir>/missing does not exist: create it first"),
    ("evaluate-max-new-tokens", ["evaluate", "<run>", "--max-new-tokens", "0"],
     "error: max_new_tokens must be a whole number from 1 to 4096, got 0."),
    ("evaluate-format-alone", ["evaluate", "<run>", "--format", "messages"],
     "error: --format and --map read a --data file: give one, or leave them out for the run's split."),
    ("evaluate-unknown-template", ["evaluate", "<run>", "--template", "chatmll"],
     "error: Unknown template 'chatmll'. Choose one of: chatml,"),
    ("evaluate-reward-thinking", ["evaluate", "<reward>", "--thinking", "on"],
     "error: --thinking on is for answers scored against reference answers, not for a reward model"),
    ("evaluate-reward-template", ["evaluate", "<reward>", "--template", "chatml"],
     "error: <reward> is a reward model: it scores answers in the chat template it trained with"),
    ("tokens-missing-file", ["tokens", "<dir>/missing.jsonl"], "error: <dir>/missing.jsonl does not exist."),
    ("tokens-row-range", ["tokens", "<file>", "--row", "9999"],
     "error: --row 9999 is out of range: <file> has 171 valid rows"),
    ("tokens-row-and-line", ["tokens", "<file>", "--row", "1", "--line", "2"],
     "error: give --row or --line, not both: --row 1 counts"),
    ("tokens-line-past-end", ["tokens", "<file>", "--line", "9999"], "error: --line 9999 is past the end of <file>"),
    ("export-no-such-run", ["runs", "export", "no-such-run"],
     "error: There is no run 'no-such-run', by id or by name, in"),
    ("export-remove-and-zip", ["runs", "export", "<run>", "--remove", "--zip"],
     "error: runs export: --remove removes the exported copies, which --zip builds: give one or the other."),
    ("export-out-taken", ["runs", "export", "<run>", "--out", "<dir>"],
     "error: --out: <dir> is already a folder that is not empty"),
    ("sample-running-run", ["sample", "--prompt", "hi", "--adapter", "<running>"],
     "error: Run '<running>' has no adapter yet: it is running."),
    ("sample-reward-model", ["sample", "--prompt", "hi", "--adapter", "<scorer>"],
     "error: '<scorer>' (<runs>/<scorer>/adapter) is a reward model: it scores answers, it does not write them."),
    ("evaluate-stopped-run", ["evaluate", "<stopped>"],
     "error: Run '<stopped>' has no adapter yet: it is stopped — resumable."),
    ("evaluate-failed-run", ["evaluate", "<failed>"], "error: Run '<failed>' has no adapter yet: it failed."),
    ("inspect-model-not-cached", ["data", "inspect", "<file>", "--model", "nosuch/model"],
     "error: The model 'nosuch/model' is not in the local Hugging Face cache and hub downloads are off."),
    ("train-dpo-on-chats", ["train", "--method", "dpo", "--dataset", "<file>", "--model", "<tiny>"],
     "error: DPO needs pairs of a chosen and a rejected answer; this split has conversations with answers"),
    ("train-unknown-template", ["train", "--template", "chatmll", "--dataset", "<file>", "--model", "<tiny>"],
     "error: Unknown template 'chatmll'. Choose one of: chatml,"),
    # An adapter of another base, from its safetensors header and the base's config.json (adapter_shapes)
    ("sample-adapter-other-base", ["sample", "--prompt", "hi", "--model", "<tiny>", "--adapter", "<narrow>"],
     "error: Could not load the adapter 'narrow-adapter' from <narrow>: it does not fit the base model <tiny> (16 of "
     "its weights have other shapes than this base's, e.g. size mismatch for model.layers.0.self_attn.k_proj.lora_A: "
     "[8, 32] in the adapter, [8, 64] in this base; its adapter_config.json names the base <root>/narrow). Give the "
     "base it was trained on with --model."),
    ("evaluate-adapter-other-base", ["evaluate", "--model", "<tiny>", "--adapter", "<narrow>", "--data", "<file>"],
     "error: Could not load the adapter 'narrow-adapter' from <narrow>: it does not fit the base model <tiny> (16 of"),
    ("sample-run-of-other-base", ["sample", "--prompt", "hi", "--adapter", "<misfit>"],
     "error: Could not load the adapter '<misfit>' from <runs>/<misfit>/adapter: it does not fit the base model "
     "<tiny> (16 of"),
    ("evaluate-run-of-other-base", ["evaluate", "<misfit>"],
     "error: Could not load the adapter '<misfit>' from <runs>/<misfit>/adapter: it does not fit the base model"),
    ("export-merged-other-base", ["runs", "export", "<misfit>", "--merged"],
     "error: Could not load the adapter '<misfit>' from <runs>/<misfit>/adapter: it does not fit the base model "
     "<tiny> (16 of its weights have other shapes than this base's, e.g. size mismatch for"),
    ("export-gguf-other-base", ["runs", "export", "<misfit>", "--gguf"],
     "error: GGUF is written here for runs on the default model; run '<misfit>' tuned <tiny>."),
    ("sample-adapter-more-layers", ["sample", "--prompt", "hi", "--model", "<tiny>", "--adapter", "<deeper>"],
     "error: Could not load the adapter 'deeper-adapter' from <deeper>: it does not fit the base model <tiny> (8 of "
     "its weights are of layers this base does not have, e.g. model.layers.2.self_attn.k_proj.lora_A: layer 2 in the "
     "adapter, this base has 2 layers;"),
    # A merged reward model (a reward run's `runs export --merged`) as the base that writes answers
    ("sample-merged-reward-model", ["sample", "--prompt", "hi", "--model", "<classifier>"],
     "error: '<classifier>' is a reward model (LlamaForSequenceClassification: a score head, no language-model "
     "head): it scores answers, it cannot write them, so it cannot be sampled, evaluated as a base or trained with "
     "this method. Score answers with it (`python -m ftlib score rm-9`)"),
    ("evaluate-merged-reward-model",
     ["evaluate", "--model", "<classifier>", "--adapter", "<narrow>", "--data", "<file>"],
     "error: '<classifier>' is a reward model (LlamaForSequenceClassification: a score head"),
    ("train-merged-reward-model", ["train", "--model", "<classifier>", "--dataset", "<file>"],
     "error: '<classifier>' is a reward model (LlamaForSequenceClassification: a score head"),
    # A data error beside `--device cuda`: the rows are checked before torch is asked for the GPUs (said alone), so
    # the line is the same on a machine with a GPU and without one
    ("train-cuda-and-dpo-on-chats", ["train", "--device", "cuda", "--method", "dpo", "--dataset", "<file>", "--model",
     "<tiny>"], "error: DPO needs pairs of a chosen and a rejected answer; this split has conversations with answers"),
    # So beside settings whose own checks need torch (the model built on the meta device for LoRA target names; the
    # GPU count for a 16-bit dtype under `--device auto`; the CPU's bf16 for bfloat16 on `--device cpu`; QLoRA's
    # bitsandbytes, whose import imports torch): the data error is said alone, before torch
    ("train-targets-and-dpo-on-chats", ["train", "--lora-targets", "q_proj,nosuch_proj", "--method", "dpo",
     "--dataset", "<file>", "--model", "<tiny>"],
     "error: DPO needs pairs of a chosen and a rejected answer; this split has conversations with answers"),
    ("train-auto-float16-and-dpo-on-chats", ["train", "--device", "auto", "--dtype", "float16", "--method", "dpo",
     "--dataset", "<file>", "--model", "<tiny>"],
     "error: DPO needs pairs of a chosen and a rejected answer; this split has conversations with answers"),
    ("train-auto-bfloat16-and-unknown-template", ["train", "--dtype", "bfloat16", "--template", "chatmll",
     "--dataset", "<file>", "--model", "<tiny>"], "error: Unknown template 'chatmll'. Choose one of: chatml,"),
    ("train-qlora-and-unknown-template", ["train", "--method", "qlora", "--template", "chatmll", "--dataset",
     "<file>", "--model", "<tiny>"], "error: Unknown template 'chatmll'. Choose one of: chatml,"),
    ("train-cpu-bfloat16-and-dpo-on-chats", ["train", "--device", "cpu", "--dtype", "bfloat16", "--method", "dpo",
     "--dataset", "<file>", "--model", "<tiny>"],
     "error: DPO needs pairs of a chosen and a rejected answer; this split has conversations with answers"),
]  # fmt: skip

# Forks one child per command line (the command modules imported once, before); prints one JSON line per case.
DRIVER = """
import io, json, os, sys
from ftlib import cli, runs, sharing, worker
cli.build_parser()
def never(*args, **kwargs):  # a train line that got past its refusal queues nothing here
    raise SystemExit("a run would be queued")
runs.create_run = never
for case, argv in json.loads(sys.argv[1]):
    sys.stdout.flush()
    read, write = os.pipe()
    if os.fork() == 0:
        os.close(read)
        sys.stdout = sys.stderr = io.StringIO()
        rc = cli.main(argv, fresh_process=True)
        said = {"case": case, "rc": rc, "err": sys.stderr.getvalue(), "torch": "torch" in sys.modules}
        os.write(write, json.dumps(said).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        print(pipe.read().decode() or json.dumps({"case": case, "rc": None, "err": "no report", "torch": None}))
    os.wait()
"""


def reward_adapter(folder):
    """A reward model's adapter as its files read (adapter_config.json's task SEQ_CLS, a safetensors file of no
    tensors): enough for what is refused before a model loads."""
    import struct

    folder.mkdir()
    header = json.dumps({"__metadata__": {"format": "pt"}}).encode()
    (folder / "adapter_model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header)
    (folder / "adapter_config.json").write_text(json.dumps({"task_type": "SEQ_CLS", "peft_type": "LORA"}))
    return folder


@pytest.fixture(scope="module")
def refused(tmp_path_factory, samples_dir, tiny_model_dir) -> dict[str, dict]:
    """Each case's {rc, err, torch, expected}, with <run>, <reward>, <dir>, <file> and the others put in."""
    import shutil

    from ftlib.testing import make_random_adapter, make_run, make_tiny_model

    root, chats = tmp_path_factory.mktemp("refusals"), str(samples_dir / "chat_style_sft.jsonl")
    runs = root / "workspace" / "runs"
    pairs = {"dataset": str(samples_dir / "preference_pairs.jsonl"), "method": "reward"}
    make_run("r-1", {"dataset": chats}, root=runs)
    make_run("rm-1", pairs, root=runs)
    make_run("r-running", {"dataset": chats}, state="running", root=runs)
    make_run("r-stopped", {"dataset": chats}, state="interrupted", stopped_by="user", root=runs)
    make_run("r-failed", {"dataset": chats}, state="failed", error="out of memory", root=runs)
    make_run("rm-2", pairs, adapter=reward_adapter(root / "scorer"), root=runs)
    (root / "taken").mkdir()
    (root / "taken" / "notes.txt").write_text("kept\n")
    names = {"<run>": "r-1", "<reward>": "rm-1", "<dir>": str(root / "taken"), "<file>": chats, "<runs>": str(runs)}
    names |= {"<running>": "r-running", "<stopped>": "r-stopped", "<failed>": "r-failed", "<scorer>": "rm-2"}
    names["<tiny>"] = str(tiny_model_dir)
    # Adapters of two other bases: narrower (hidden 32), and deeper (3 layers of the same width); a run that says it
    # trained on the tiny model but holds the narrow one's adapter; a merged reward model's folder (its config.json
    # names a sequence classifier: what the refusal reads)
    for name, shape in (("narrow", {"hidden_size": 32}), ("deeper", {"layers": 3})):
        make_random_adapter(str(make_tiny_model(root / name, **shape)), root / f"{name}-adapter")
        names[f"<{name}>"] = str(root / f"{name}-adapter")
    make_run("r-misfit", {"dataset": chats, "model": str(tiny_model_dir)}, adapter=root / "narrow-adapter", root=runs)
    classifier = shutil.copytree(tiny_model_dir, root / "rm-9" / "merged")
    config = json.loads((classifier / "config.json").read_text())
    (classifier / "config.json").write_text(json.dumps(config | {"architectures": ["LlamaForSequenceClassification"]}))
    names |= {"<misfit>": "r-misfit", "<classifier>": str(classifier), "<root>": str(root)}

    return run_cases(CASES, names, root / "workspace")


def run_cases(cases: list[tuple], names: dict[str, str], workspace: Path) -> dict[str, dict]:
    """Each (id, command line, the start of its error line) of `cases` run by `DRIVER` in one child, its <names>
    put in place: {id: {"rc", "err", "torch", "expected"}}. Hub downloads are off: a --model not in the cache is
    refused, never fetched."""

    def put(text: str) -> str:
        for name, value in names.items():
            text = text.replace(name, value)
        return text

    argvs = [(case, [put(word) for word in argv]) for case, argv, _ in cases]
    env = {**os.environ, "FTLIB_WORKSPACE": str(workspace)}
    env.pop("FTLIB_ALLOW_HUB", None)
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(argvs)], capture_output=True, text=True, timeout=600, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    said = {item["case"]: item for item in map(json.loads, done.stdout.splitlines())}
    return {case: {**said[case], "expected": put(line)} for case, _, line in cases}


def check_refused_before_torch(said: dict, case: str) -> None:
    """`said` (a `run_cases` item): exit 2, one error line starting as expected, torch never imported."""
    assert said["rc"] == 2, said
    assert said["err"].startswith(said["expected"]) and said["err"].count("\n") == 1, said
    assert said["torch"] is False, f"{case}: torch was imported before the refusal"


@pytest.mark.parametrize("case", [case for case, _, _ in CASES])
def test_a_refusal_known_from_the_command_line_comes_before_torch(refused, case):
    check_refused_before_torch(refused[case], case)
