#!/usr/bin/env bash
# The GPU benchmark on the device tool's lent machine, in one call (bench/gpu_carry.py says why it is built so):
#
#   here:   .venv/bin/python -m bench.gpu_carry build
#   there:  run(command="bash bench/gpu_device.sh", carry=[".gpu-carry"], timeout_s=580)
#
# Puts the carried packages first on the path, checks the arguments for bench.gpu (its --check), materialises the
# default model's shape with random weights, checks that every library the rows need imports (so a missing one costs
# seconds, not the lease), then runs bench.gpu.
# Output: the table on stdout and in $OUT/gpu.log; bench.gpu's JSON (its last stderr line) in $OUT/gpu.json.
# BUDGET (seconds for bench.gpu's rows, default 480) and any arguments (passed to bench.gpu) change the run;
# DEVICE=cpu runs the same path on a CPU (how it was tested without a GPU; tests/test_gpu_bench.py); CARRY, OUT, PY
# (the Python to use), MODELS (where the random-weight model is written) and FTLIB_HOME have defaults for the device.
set -uo pipefail
cd "$(dirname "$0")/.."
CARRY=${CARRY:-.gpu-carry}
OUT=${OUT:-/tmp/gpu-out}
PY=${PY:-python3}
DEVICE=${DEVICE:-cuda}
mkdir -p "$OUT"
# --help needs nothing carried: bench.gpu's usage, read before any check
case " $* " in *" --help "* | *" -h "*) exec "$PY" -m bench.gpu --help ;; esac
if [ ! -d "$CARRY/site" ] || [ ! -d "$CARRY/model" ]; then
    echo "error: $CARRY/site or $CARRY/model is missing: run 'python -m bench.gpu_carry build' here and carry it" >&2
    exit 2
fi
CARRY=$(cd "$CARRY" && pwd)
export PYTHONPATH="$CARRY/site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
export FTLIB_HOME=${FTLIB_HOME:-/tmp/ftlib-home} HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
# bench.gpu's arguments first (a flag, --methods, --sides): a misspelt one stops here, in a second, not after the
# import check, the random weights and a row's child process.
"$PY" -m bench.gpu --device "$DEVICE" --check "$@" || exit 2
{
    date -u +"%Y-%m-%d %H:%M UTC"
    git log -1 --format="commit %h %s" 2>/dev/null
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    nproc | sed 's/^/CPU cores: /'
} | tee "$OUT/gpu.log"

# Every library a row imports, with its version and where it comes from: a failure here stops the run at once.
"$PY" - "$DEVICE" "$CARRY/site" <<'EOF' 2>&1 | tee -a "$OUT/gpu.log"
import importlib, sys
device, site = sys.argv[1:3]
failed = []
for name in ("torch", "transformers", "accelerate", "peft", "trl", "datasets", "bitsandbytes", "ftlib.training"):
    try:
        module = importlib.import_module(name)
        where = "carried" if (getattr(module, "__file__", "") or "").startswith(site) else "installed"
        print(f"{name:<14} {getattr(module, '__version__', '')!s:<16} {where}")
    except Exception as exc:  # any failure: name it and stop
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
import torch
if device.startswith("cuda") and not torch.cuda.is_available():
    failed.append("torch sees no CUDA device")
for line in failed:
    print(f"error: {line}")
sys.exit(2 if failed else 0)
EOF
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 2

SHAPE=$(ls -d "$CARRY"/model/*/ | head -1)
MODEL=${MODELS:-/tmp/gpu-models}/$(basename "$SHAPE")-random-weights
"$PY" -m bench.gpu_carry materialize "$SHAPE" "$MODEL" 2>&1 | tee -a "$OUT/gpu.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 2

"$PY" -m bench.gpu --device "$DEVICE" --model "$MODEL" --budget "${BUDGET:-480}" "$@" \
    2> >(tee "$OUT/gpu.stderr" >&2) | tee -a "$OUT/gpu.log"
status=${PIPESTATUS[0]}
wait  # the stderr tee
grep '^{' "$OUT/gpu.stderr" | tail -1 > "$OUT/gpu.json"
echo "weights: random, of $(basename "$SHAPE")'s shape (speed and memory only; see bench/gpu_carry.py)" | tee -a "$OUT/gpu.log"
exit "$status"
