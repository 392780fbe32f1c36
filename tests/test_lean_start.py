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
