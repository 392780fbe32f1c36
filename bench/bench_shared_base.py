"""Memory of the pages' model sets: three sets of runs of one model, each loading its own base (`--side fresh`,
`modelset.load_model_set`, what the pages did before 2026-12-04) or sharing one (`--side shared`,
`shared_base.SharedBases`, what they do now).

    OMP_NUM_THREADS=1 .venv/bin/python -m bench.bench_shared_base --side fresh
    OMP_NUM_THREADS=1 .venv/bin/python -m bench.bench_shared_base --side shared

The sets are what a server holds after its warm-up, a Compare of two runs and an Evaluate of one: the base alone,
the base with runs A and B, the base with run A. The runs are random LoRA adapters (r8, attention) of the model
(`--model`, the embedded default), made in a temporary workspace. Prints the process's resident memory before the
first set and after the third, and the bytes of the model's weights; run each side in its own process.
"""

from __future__ import annotations

import argparse
import os
import tempfile


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", choices=("fresh", "shared"), required=True)
    parser.add_argument("--model", default="default")
    args = parser.parse_args()
    os.environ["FTLIB_WORKSPACE"] = tempfile.mkdtemp(prefix="bench-shared-base-")
    from ftlib.models import load_tokenizer
    from ftlib.modelset import generate_with_set, load_model_set
    from ftlib.sampling import GREEDY, grid_rows, render_prompt
    from ftlib.shared_base import SharedBases
    from ftlib.testing import make_random_adapter, make_run

    folder = tempfile.mkdtemp()
    runs = [
        make_run(
            name,
            {"model": args.model, "dataset": "d"},
            adapter=make_random_adapter(args.model, f"{folder}/{name}", seed=i),
        ).path
        for i, name in enumerate(("run-a", "run-b"))
    ]
    tokenizer = load_tokenizer(args.model)
    before = rss_mib()
    load = SharedBases().model_set if args.side == "shared" else load_model_set
    sets = [load(args.model, paths, device="cpu", tokenizer=tokenizer) for paths in ([], runs, runs[:1])]
    for model_set in sets:  # a page's use of each: every weight read once (loaded weights may be mapped, not read)
        generate_with_set(
            model_set, grid_rows(render_prompt(tokenizer, "Hi")[1], [GREEDY], model_set.names), max_new_tokens=2
        )
    weights = sum(p.numel() * p.element_size() for p in sets[0].model.parameters()) / 2**20
    print(
        f"{args.side}: {len(sets)} sets, resident memory {before:,.0f} -> {rss_mib():,.0f} MiB "
        f"(+{rss_mib() - before:,.0f}); the model's weights {weights:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
