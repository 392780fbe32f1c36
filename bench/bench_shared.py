"""Sharing the CPU: a training run beside a process that generates in a loop (issue 17).

    .venv/bin/python -m bench.bench_shared [--model default] [--steps 10] [--grids 3] [--policies lease]

Three phases, each in fresh processes on a scratch workspace, one after the other:

1. training alone: a LoRA run of the Train page's defaults (batch 8) on `samples/chat_style_sft.jsonl` for
   `--steps` optimizer steps, started through the studio's own launcher (`ftlib.runs.submit`: the training
   subprocess with its environment and its lease callback). Tokens/s over its steps after the first.
2. generation alone: one process loads the model once, then generates a grid (3 decoding settings x the base
   model, 64 new tokens, like `python -m ftlib sample` or a Compare grid) `--grids` times, each inside the device
   lease as the CLI does. Seconds per grid, after one warm-up grid.
3. both, per policy: the same run, and the same generating process (model loaded beforehand) looping from the
   run's first logged step until the run ends. The run's tokens/s over the steps that started after the first
   grid did; the seconds of each grid that ended before the run did.

Policies (what the children's environment says):
- `lease`: the studio's design: heavy work takes turns on the device lease (`ftlib.lease`), each turn with every
  core; OpenMP idle threads passive (`ftlib.sharing.process_env`).
- `off`: `FTLIB_LEASE=0`: both processes run at once with every core each (idle threads still passive).
- `threads`: `FTLIB_LEASE=0` and `FTLIB_THREADS` = half the cores for each process.
- `none`: `FTLIB_LEASE=0` and OpenMP's own wait policy (spinning; libgomp warns about the empty
  `OMP_WAIT_POLICY` that keeps the studio's default out): the situation issue 17 measured.
The targets (issue 17): the run keeps >= 0.4x its alone tokens/s, a grid takes <= 3x its alone time. On a
machine others use at the same time, every figure is noisy: run it when the machine is otherwise idle.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "samples" / "chat_style_sft.jsonl"
PROMPT = "Write a short poem about the sea."
SETTINGS = ("greedy", "balanced", "creative")
MAX_NEW = 64


POLICIES = ("lease", "off", "threads", "none")  # policy_env's


def policy_env(policy: str) -> dict[str, str]:
    half = str(max(1, len(os.sched_getaffinity(0)) // 2))
    return {
        "lease": {},
        "off": {"FTLIB_LEASE": "0"},
        "threads": {"FTLIB_LEASE": "0", "FTLIB_THREADS": half},
        "none": {"FTLIB_LEASE": "0", "OMP_WAIT_POLICY": ""},
    }[policy]


# ---------------------------------------------------------------------------------------------------------------
# The generating process
# ---------------------------------------------------------------------------------------------------------------


def generator(args) -> int:
    """`--child-generate OUT`: load the model, warm up, say `ready`, wait for the go file, then generate grids
    (each a JSON line {start, end} in OUT) until `--grids` are done or the stop file exists."""
    from ftlib.sharing import process_env

    process_env()  # what `python -m ftlib` does before torch loads
    from ftlib import lease
    from ftlib import modelset as M
    from ftlib import sampling as S

    ms = M.load_model_set(args.model)
    _, ids = S.render_prompt(ms.tokenizer, PROMPT)
    rows = S.grid_rows(ids, [S.PRESETS[s] for s in SETTINGS], ["base"])
    with lease.hold(ms.device, "generation", "the benchmark's generator"):
        M.generate_with_set(ms, rows, max_new_tokens=8)  # warm-up
    out = Path(args.child_generate)
    out.write_text("ready\n")
    go, stop = Path(args.go), Path(args.stop)
    while not go.exists():
        time.sleep(0.01)
    done = 0
    while not stop.exists() and (args.grids == 0 or done < args.grids):
        start = time.time()
        with lease.hold(ms.device, "generation", "the benchmark's generator"):
            M.generate_with_set(ms, rows, max_new_tokens=MAX_NEW, seed=done)
        with open(out, "a") as handle:
            handle.write(json.dumps({"start": start, "end": time.time()}) + "\n")
        done += 1
    return 0


class Generator:
    """The generating process, started and loaded before the phase that uses it."""

    def __init__(self, folder: Path, model: str, grids: int, env: dict[str, str]):
        self.grids = grids  # 0: until finish() says stop
        self.out, self.go, self.stop = folder / "grids.jsonl", folder / "go", folder / "stop"
        command = [sys.executable, "-m", "bench.bench_shared", "--model", model, "--grids", str(grids)]
        command += ["--child-generate", str(self.out), "--go", str(self.go), "--stop", str(self.stop)]
        self.proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
        while not (self.out.is_file() and self.out.read_text().startswith("ready")):
            if self.proc.poll() is not None:
                raise SystemExit(f"the generator exited with {self.proc.returncode}")
            time.sleep(0.1)

    def start(self) -> float:
        self.go.touch()
        return time.time()

    def finish(self) -> list[dict]:
        if not self.grids:
            self.stop.touch()
        if self.proc.wait(timeout=900) != 0:
            raise SystemExit(f"the generator exited with {self.proc.returncode}")
        return [json.loads(line) for line in self.out.read_text().splitlines()[1:]]


# ---------------------------------------------------------------------------------------------------------------
# The training run
# ---------------------------------------------------------------------------------------------------------------


def start_run(model: str, steps: int) -> str:
    from ftlib import runs
    from ftlib.config import RunConfig

    config = RunConfig(model=model, dataset=str(DATA), method="lora", max_steps=steps, test_size=0.0, save_every=0)
    return runs.submit(config)


def steps_of(run_id: str) -> tuple[float, list[dict]]:
    """(when training started, wall clock; the run's train rows)."""
    from ftlib import runs

    info = runs.get(run_id)
    status = runs.find(run_id).read_status()
    return float(status.get("train_started") or 0), [m for m in info["metrics"] if m.get("kind") == "train"]


def step_spans(run_id: str) -> list[tuple[float, float, float]]:
    """(start, end, tokens) of each step after the first, wall clock."""
    started, rows = steps_of(run_id)
    return [
        (started + a["elapsed"], started + b["elapsed"], b["tokens"] - a["tokens"])
        for a, b in zip(rows, rows[1:], strict=False)
    ]


def finish_run(run_id: str) -> None:
    from ftlib import runs

    info = runs.wait(run_id, timeout=3600)
    if info.state != "finished":
        tail = "\n".join(runs.find(run_id).log_tail(30))
        raise SystemExit(f"the run ended {info.state}: {info.message}\n{tail}")


def rate(spans) -> float:
    return sum(t for _, _, t in spans) / sum(e - s for s, e, _ in spans) if spans else float("nan")


# ---------------------------------------------------------------------------------------------------------------
# Phases
# ---------------------------------------------------------------------------------------------------------------


def phase(root: Path, name: str, env: dict[str, str], args, train: bool, generate: bool) -> dict:
    folder = root / name
    folder.mkdir()
    saved = dict(os.environ)
    os.environ.update(env, FTLIB_WORKSPACE=str(folder / "workspace"))  # the run inherits it
    try:
        gen = Generator(folder, args.model, 0 if train else args.grids, env) if generate else None
        run_id = start_run(args.model, args.steps) if train else None
        if run_id and gen:
            while not steps_of(run_id)[1]:  # the first step is logged: the run trains
                time.sleep(0.1)
        go = gen.start() if gen else 0.0
        if run_id:
            finish_run(run_id)
            spans = step_spans(run_id)
        grids = gen.finish() if gen else []
    finally:
        os.environ.clear()
        os.environ.update(saved)
    result = {}
    if run_id:
        end = spans[-1][1] if spans else 0.0
        if gen:
            first = grids[0]["start"] if grids else go
            spans = [s for s in spans if s[0] >= first]
        result["tokens_per_s"], result["steps"] = rate(spans), len(spans)
    if gen:
        if run_id:
            grids = [g for g in grids if g["end"] <= end]
        times = [g["end"] - g["start"] for g in grids]
        result["grid_s"], result["grids"] = (sum(times) / len(times) if times else float("nan")), len(times)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--steps", type=int, default=10, help="optimizer steps of each training run")
    parser.add_argument("--grids", type=int, default=3, help="grids generated alone")
    parser.add_argument("--policies", default="lease", help=f"comma-separated: {', '.join(POLICIES)}")
    parser.add_argument("--child-generate", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--go", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--stop", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_generate:
        return generator(args)
    policies = [p.strip() for p in args.policies.split(",") if p.strip()]
    if unknown := [p for p in policies if p not in POLICIES]:  # before anything runs
        parser.error(f"unknown policy {unknown[0]!r}; choose from {', '.join(POLICIES)}")
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="bench-shared-") as tmp:
        root = Path(tmp)
        alone_train = phase(root, "train-alone", {}, args, train=True, generate=False)
        alone_gen = phase(root, "generate-alone", {}, args, train=False, generate=True)
        both = {p: phase(root, f"both-{p}", policy_env(p), args, train=True, generate=True) for p in policies}
    cores = len(os.sched_getaffinity(0))
    print(
        f"\nA LoRA run ({args.model}, batch 8, {args.steps} steps) beside a process generating grids of "
        f"{len(SETTINGS)} settings x {MAX_NEW} new tokens in a loop; {cores} cores; {time.time() - t0:.0f} s in all"
    )
    print(f"{'policy':<9} {'training tokens/s':>30} {'ratio':>7} {'generation s per grid':>28} {'ratio':>7}")
    print(f"{'':<9} {'alone':>12} {'beside':>17} {'>= 0.4x':>7} {'alone':>10} {'beside':>17} {'<= 3x':>7}")
    for p, r in both.items():
        tr, gr = r["tokens_per_s"] / alone_train["tokens_per_s"], r["grid_s"] / alone_gen["grid_s"]
        print(
            f"{p:<9} {alone_train['tokens_per_s']:>12.1f} {r['tokens_per_s']:>9.1f} ({r['steps']:>2} st)"
            f" {tr:>6.2f}x {alone_gen['grid_s']:>10.2f} {r['grid_s']:>9.2f} ({r['grids']:>2} gr) {gr:>6.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
