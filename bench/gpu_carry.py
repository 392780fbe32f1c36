"""What the GPU benchmark needs on the lent device machine, which reaches no network and gets at most 64 MiB with it.

The device tool (`../.library/device/README.md`) lends some sessions a GPU machine for 15 minutes of device time, on
a copy of the working tree of at most 64 MiB. Its image has torch (CUDA), transformers and accelerate, but no TRL,
datasets, PEFT or bitsandbytes, and the default model's weights (a 98 MB GGUF) cannot travel. So the benchmark runs
there on a model of the default model's exact shape with random weights: tokens/s, MFU and peak memory depend on the
shapes and the work, not on the weights' values (its losses would mean nothing, and the GPU table shows none).

Here (once per session that is lent a GPU; pip needs PyPI, which this machine reaches):

    .venv/bin/python -m bench.gpu_carry build          # writes .gpu-carry/ (ignored by git), ~25 MB

There, in one `run` call of the device tool (what `build` prints): `bash bench/gpu_device.sh`, with `.gpu-carry` in
`carry`. It materialises the random-weight model (`materialize`, below) and runs `bench.gpu` on it.

- `build`: the packages the image lacks, at the versions installed here (so the GPU runs the code CPU tests ran),
  unpacked for the device's Python (3.12) into `.gpu-carry/site/` (bitsandbytes keeps only its CPU and CUDA 13
  libraries: the whole wheel is 125 MB unpacked), and the default model's folder without its weights (config,
  tokenizer, chat template) in `.gpu-carry/model/`.
- `materialize SRC DST`: a model folder with random weights (seeded) from a folder holding only a config and a
  tokenizer; writes `random-weights.json` into DST saying so.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CARRY_DIR = ".gpu-carry"
# What the device image lacks (KINDS.md's package list for nvidia-h200): TRL and its datasets (with dill and
# multiprocess), PEFT (present there, in a version we have not tested) and bitsandbytes for QLoRA.
CARRIED = ("trl", "datasets", "dill", "multiprocess", "peft", "bitsandbytes")
# pip matches manylinux tags exactly: the versions the packages above publish wheels for.
PLATFORMS = tuple(f"manylinux_2_{n}_x86_64" for n in (17, 24, 27, 28, 31, 34, 35)) + (
    "manylinux2014_x86_64",
    "manylinux1_x86_64",
)
# bitsandbytes loads the library matching torch's CUDA (13.0 in the device image), or the CPU one.
BNB_KEEP = ("libbitsandbytes_cpu.so", "libbitsandbytes_cuda130.so", "libbitsandbytes_cuda132.so")
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".ckpt")
MARKER = "random-weights.json"
READY_MARKER = "ftlib-ready.json"  # ftlib.models' marker of a converted default model


def pinned(packages: tuple[str, ...] = CARRIED) -> list[str]:
    """`name==version` for each package as installed here. Raises PackageNotFoundError for one that is not."""
    return [f"{name}=={importlib.metadata.version(name)}" for name in packages]


def shape_only(model_dir: Path, dest: Path) -> Path:
    """Copy a model folder without its weights (every file but `WEIGHT_SUFFIXES` and weight index files) to `dest`.

    Raises FileNotFoundError when `model_dir` has no config.json (not a model folder)."""
    model_dir, dest = Path(model_dir), Path(dest)
    if not (model_dir / "config.json").is_file():
        raise FileNotFoundError(f"{model_dir} has no config.json: not a model folder")
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for path in sorted(model_dir.iterdir()):
        weights = path.suffix in WEIGHT_SUFFIXES or path.name.endswith(".index.json")
        # ftlib's "converted and ready" marker would claim weights this folder does not have
        if path.is_file() and not weights and path.name not in (MARKER, READY_MARKER):
            shutil.copy2(path, dest / path.name)
    return dest


def materialize(shape_dir: Path, dest: Path, seed: int = 0) -> Path:
    """A loadable model folder at `dest`: the config and tokenizer files of `shape_dir`, random fp32 weights drawn by
    transformers' own initialisation under `torch.manual_seed(seed)`, and `random-weights.json` naming the source.

    The parameter count and every shape equal the original's (tied embeddings stay tied: the config says so)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    shape_dir, dest = Path(shape_dir), Path(dest)
    shape_only(shape_dir, dest)  # config, tokenizer, chat template, generation config
    config = AutoConfig.from_pretrained(shape_dir)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.save_pretrained(dest, safe_serialization=True)
    params = sum(p.numel() for p in model.parameters())
    (dest / MARKER).write_text(
        json.dumps({"shape_of": str(shape_dir), "seed": seed, "parameters": params, "weights": "random"}) + "\n"
    )
    return dest


def _pip_target(requirements: list[str], site: Path, python_version: str) -> None:
    """Unpack wheels built for `python_version` on x86-64 Linux into `site` (what `--target` does), no dependencies."""
    command = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--only-binary=:all:", "--no-compile"]
    command += ["--python-version", python_version, "--implementation", "cp", "--target", str(site)]
    for platform in PLATFORMS:
        command += ["--platform", platform]
    subprocess.run(command + requirements, check=True)


def _slim_bitsandbytes(site: Path) -> int:
    """Remove bitsandbytes' libraries for other CUDA/ROCm/XPU versions; the bytes freed."""
    freed = 0
    for lib in (site / "bitsandbytes").glob("libbitsandbytes_*"):
        if lib.name not in BNB_KEEP:
            freed += lib.stat().st_size
            lib.unlink()
    return freed


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def build(dest: Path, python_version: str = "3.12", model: str = "default") -> Path:
    """Write `dest` (site/ and model/, see the module docstring); return it. Raises CalledProcessError when pip
    cannot fetch a wheel (no network, or no wheel for that Python)."""
    from ftlib.models import resolve_model

    dest = Path(dest)
    shutil.rmtree(dest, ignore_errors=True)
    site = dest / "site"
    _pip_target(pinned(), site, python_version)
    _slim_bitsandbytes(site)
    for cache in site.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    source = resolve_model(model)
    shape_only(source, dest / "model" / source.name)
    (dest / "versions.json").write_text(json.dumps({"python": python_version, "packages": pinned()}, indent=1) + "\n")
    return dest


RUN_HINT = """\
{dest} holds {mib:.1f} MiB (the device tool takes 64 MiB with the working tree). On a session lent a GPU, one call:
  run(command="bash bench/gpu_device.sh", carry=["{dest}"], timeout_s=580)
It prints the table; $OUT/gpu.log and $OUT/gpu.json come back. Record them in BENCHMARKS.md with the GPU's name."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write .gpu-carry/ here (needs PyPI)")
    b.add_argument("--out", default=str(ROOT / CARRY_DIR))
    b.add_argument("--python", default="3.12", help="the device's Python version (3.12 in its image)")
    b.add_argument("--model", default="default")
    m = sub.add_parser("materialize", help="a random-weight model folder from a config-and-tokenizer folder")
    m.add_argument("source")
    m.add_argument("dest")
    m.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            dest = build(Path(args.out), args.python, args.model)
            shown = dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest
            print(RUN_HINT.format(dest=shown, mib=folder_bytes(dest) / 2**20))
        else:
            dest = materialize(Path(args.source), Path(args.dest), args.seed)
            print(f"{dest}: {json.loads((dest / MARKER).read_text())['parameters']:,} random parameters")
    except (OSError, subprocess.CalledProcessError, importlib.metadata.PackageNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
