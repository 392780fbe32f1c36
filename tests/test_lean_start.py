"""A run that quantizes nothing starts without bitsandbytes (ftlib.training_model.leave_out_bitsandbytes).

PEFT imports bitsandbytes whenever it is installed, and bitsandbytes' import pulls in torch's inductor: ~1 s of every
run's start (its compiler, `torch._inductor.compile_fx`; torch's dynamo imports the package itself anyway).
A fresh worker imports its libraries with the garbage collector paused and then frozen out of its passes
(ftlib.worker._import_libraries_unscanned). Each case runs in its own process, since what is imported is the process's
state.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

HIDDEN = """
import sys
from ftlib.config import RunConfig
from ftlib.training_model import leave_out_bitsandbytes
print(leave_out_bitsandbytes(RunConfig(method={method!r}, model={model!r})))
from peft import get_peft_model
from ftlib.models import load_model
from ftlib.training_model import lora_config
config = RunConfig(method="lora", model={model!r}, lora_r=4)
model = get_peft_model(load_model({model!r}, device="cpu"), lora_config(config))
from transformers.utils import is_bitsandbytes_available
print(is_bitsandbytes_available(), "torch._inductor.compile_fx" in sys.modules)
"""


def _run(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_a_lora_run_builds_its_adapter_without_bitsandbytes_or_inductor(tiny_model_dir):
    assert _run(HIDDEN.format(method="lora", model=str(tiny_model_dir))) == ["True", "False", "False"]


def test_qlora_and_a_model_saved_quantized_keep_it(tiny_model_dir, tmp_path):
    """Also the control: with bitsandbytes kept, the same import does pull inductor in."""
    assert _run(HIDDEN.format(method="qlora", model=str(tiny_model_dir))) == ["False", "True", "True"]
    quantized = tmp_path / "quantized"
    shutil.copytree(tiny_model_dir, quantized)
    described = json.loads((quantized / "config.json").read_text())
    described["quantization_config"] = {"quant_method": "bitsandbytes", "load_in_4bit": True}
    (quantized / "config.json").write_text(json.dumps(described))
    code = (
        "from ftlib.config import RunConfig; from ftlib.training_model import leave_out_bitsandbytes; "
        f"print(leave_out_bitsandbytes(RunConfig(method='lora', model={str(quantized)!r})))"
    )
    assert _run(code) == ["False"]


# The worker's main with its training replaced by a look at the process: the collector on again, the libraries' objects
# kept out of its passes (gc.freeze), bitsandbytes still left out first.
UNSCANNED = """
import gc, sys
from ftlib import worker
def execute(path):
    print(gc.isenabled(), gc.get_freeze_count() > 100_000, "trl" in sys.modules, sys.modules.get("bitsandbytes", 0))
    return "finished"
worker.execute = execute
raise SystemExit(worker.main([{run!r}], fresh_process=True))
"""


def test_a_fresh_worker_imports_its_libraries_where_the_collector_leaves_them(tiny_model_dir, tmp_path):
    """ftlib.worker._import_libraries_unscanned: ~1.2 s of GC passes off a run's start (BENCHMARKS.md "Start-up")."""
    from ftlib.config import RunConfig

    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps(RunConfig(method="lora", model=str(tiny_model_dir)).to_dict()))
    assert _run(UNSCANNED.format(run=str(run))) == ["True", "True", "True", "None"]


def test_a_process_that_imported_them_already_is_left_as_it_is():
    """A test calling worker.main in its own process: freezing there would keep its garbage for good."""
    import gc

    import ftlib.metrics  # noqa: F401
    from ftlib.worker import _import_libraries_unscanned

    frozen = gc.get_freeze_count()
    _import_libraries_unscanned()
    assert gc.get_freeze_count() == frozen
    assert gc.isenabled()


# `python -m ftlib` (its __main__, run as -m runs it) with a command's handler replaced by a look at the process.
CLI = """
import gc, runpy, sys
import ftlib.commands.{group} as group
def look(args):
    print(gc.isenabled(), gc.get_freeze_count() > 100_000, "transformers.modeling_utils" in sys.modules,
          "peft" in sys.modules)
group.{handler} = look
sys.argv = ["ftlib", *{argv!r}]
{run}
"""
AS_MAIN = 'runpy.run_module("ftlib", run_name="__main__")'


def test_the_cli_imports_a_model_s_libraries_where_the_collector_leaves_them(tiny_model_dir):
    """`sample` (no adapter: no PEFT) and `runs export` (an adapter's: PEFT too), as ftlib.worker's run does."""
    sample = ["sample", "--model", str(tiny_model_dir), "--prompt", "hi"]
    assert _run(CLI.format(group="sample", handler="_sample", argv=sample, run=AS_MAIN)) == ["True"] * 3 + ["False"]
    from ftlib.testing import make_run

    make_run("some-run", {"dataset": "d"})  # `runs export` refuses a run there is not before the libraries load
    export = ["runs", "export", "some-run"]
    assert _run(CLI.format(group="runs_export", handler="_export", argv=export, run=AS_MAIN)) == ["True"] * 4


def test_the_cli_called_as_a_library_or_for_another_command_imports_nothing_early(tiny_model_dir):
    """ftlib.cli.main called in a process (a test, a script) leaves its collector alone; `runs list` needs no model."""
    sample = ["sample", "--model", str(tiny_model_dir), "--prompt", "hi"]
    called = "from ftlib.cli import main; main(sys.argv[1:])"
    assert _run(CLI.format(group="sample", handler="_sample", argv=sample, run=called)) == ["True"] + ["False"] * 3
    listed = CLI.format(group="runs", handler="_list", argv=["runs", "list"], run=AS_MAIN)
    assert _run(listed) == ["True"] + ["False"] * 3


def test_which_commands_import_which_libraries_first():
    from ftlib.cli import build_parser, libraries_of

    def first(*argv: str) -> tuple[str, ...]:
        return libraries_of(build_parser().parse_args(argv))

    assert "peft" not in first("sample", "--prompt", "hi") and "torch" in first("sample", "--prompt", "hi")
    assert "peft" in first("sample", "--prompt", "hi", "--adapter", "run-1") and "peft" in first("evaluate", "run-1")
    assert first("tokens", "rows.jsonl") == ("torch", "transformers.models.auto.tokenization_auto")
    assert first("runs", "list") == first("data", "inspect", "rows.jsonl") == ()
    assert first("runs", "export", "run-1", "--remove") == ()  # deletes the exported copies: no model
