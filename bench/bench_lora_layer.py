"""Where a fused LoRA layer's time goes (`fastpath._LoraLinear`, LoRA SFT with a bf16 base on CPU), op by op, at the
training shapes of SmolLM2-135M: 30 blocks of q, k, v, o, gate, up (576 input features) and down (1536), rank 16,
scaling 2, dropout 0.05 (the Train page's defaults), bf16 base weights and fp32 adapters, one input per layer.

    .venv/bin/python -m bench.bench_lora_layer [--tokens 600] [--threads 1] [--rounds 5] [--ops] [--against FILE]

A "step" runs all 210 layers' forwards, then their backward in one `torch.autograd.backward`, each layer with its own
weights, input and pre-drawn mask (as `MaskPool` hands them out), so weights and activations come from memory as in a
training step, not from cache as in a loop over one layer. Prints the best of `--rounds` steps, in process CPU time
(what other engineers' work on a shared machine disturbs least) and wall time, for the layer as it is (`now`) and,
with `--against FILE`, for the `_LoraLinear` of another copy of fastpath.py, alternating the two step by step.
`--ops` adds each of the layer's ops alone, timed the same way over the 210 layers (the median microseconds per
call, by input and output width).
"""

from __future__ import annotations

import argparse
import time


def layers(tokens: int, torch):
    """The 210 layers' (x, weight, lora_a, lora_b, mask, grad_out) at the training shapes."""
    from ftlib.dropout_masks import drop_mask

    shapes = [(576, 576), (576, 192), (576, 192), (576, 576), (576, 1536), (576, 1536), (1536, 576)] * 30
    out = []
    for fin, fout in shapes:
        x = torch.randn(tokens, fin, dtype=torch.bfloat16).requires_grad_()
        weight = (torch.randn(fout, fin) * 0.02).to(torch.bfloat16)
        lora_a = (torch.randn(16, fin) * 0.02).requires_grad_()
        lora_b = (torch.randn(fout, 16) * 0.02).requires_grad_()
        mask = drop_mask(torch.Size((tokens, fin)), 0.05, torch.device("cpu"))
        grad = torch.randn(tokens, fout, dtype=torch.bfloat16)
        out.append((x, weight, lora_a, lora_b, mask, grad))
    return out


def step(function, layers, torch) -> tuple[float, float]:
    """(process CPU s, wall s) of all layers' forwards and one backward through them."""
    for x, _, lora_a, lora_b, _, _ in layers:
        x.grad = lora_a.grad = lora_b.grad = None
    cpu, wall = time.process_time(), time.perf_counter()
    outs = [function.apply(x, w, None, a, b, 2.0, 0.05, _given(mask)) for x, w, a, b, mask, _ in layers]
    torch.autograd.backward(outs, [g for *_, g in layers])
    return time.process_time() - cpu, time.perf_counter() - wall


def _given(mask):
    """A `masks` argument handing the layer its pre-drawn mask, as `MaskPool.mask` does."""
    return lambda *_: mask


def ops(layers, torch, rounds: int) -> None:
    """Each op of the layer alone, over the 210 layers in turn: microseconds per call by shape."""
    import torch.nn.functional as F

    from ftlib.dropout_masks import add_masked_, masked

    bf = torch.bfloat16
    prepared = []
    for x, w, a32, b32, (keep, _), g in layers:
        x = x.detach()
        a, b = a32.detach().to(bf), b32.detach().to(bf)
        dropped = masked(x, keep)
        down = dropped @ a.t()
        prepared.append(
            dict(
                x=x,
                w=w,
                a32=a32.detach(),
                b32=b32.detach(),
                a=a,
                b=b,
                keep=keep,
                g=g,
                down=down,
                dropped=dropped,
                out=F.linear(x, w),
                gd=g @ b,
            )
        )
    table = {
        "fwd base F.linear(x, W)": lambda p: F.linear(p["x"], p["w"]),
        "fwd masked copy": lambda p: masked(p["x"], p["keep"]),
        "fwd cast A, B to bf16": lambda p: (p["a32"].to(bf), p["b32"].to(bf)),
        "fwd down = dropped @ A^T": lambda p: p["dropped"] @ p["a"].t(),
        "fwd down.mul_": lambda p: p["down"].mul_(1.0),
        "fwd out.addmm_(down, B^T, alpha=2)": lambda p: p["out"].addmm_(p["down"], p["b"].t(), alpha=2.0),
        "fwd out.addmm_(down, B^T)": lambda p: p["out"].addmm_(p["down"], p["b"].t()),
        "fwd up=down@B^T; up.addmm_(x, W^T)": lambda p: (p["down"] @ p["b"].t()).addmm_(p["x"], p["w"].t()),
        "bwd gB = g^T @ down": lambda p: p["g"].t() @ p["down"],
        "bwd gdown = g @ B": lambda p: p["g"] @ p["b"],
        "bwd masked copy again": lambda p: masked(p["x"], p["keep"]),
        "bwd gA = gdown^T @ dropped": lambda p: p["gd"].t() @ p["dropped"],
        "bwd gx = g @ W": lambda p: p["g"] @ p["w"],
        "bwd term = gdown @ A": lambda p: p["gd"] @ p["a"],
        "bwd add_masked_(gx, term)": lambda p: add_masked_(torch.empty_like(p["x"]), p["gd"] @ p["a"], p["keep"]),
        "bwd term zeroed, term.addmm_(g, W)": lambda p: _masked_term(p["gd"] @ p["a"], p["keep"]).addmm_(
            p["g"], p["w"]
        ),
        "bwd gB = (down^T @ g)^T": lambda p: (p["down"].t() @ p["g"]).t(),
        "bwd casts of gA, gB to fp32": lambda p: (p["a"].float(), p["b"].float()),
        "elementwise add_ of a [T, out] bf16": lambda p: p["out"].add_(p["out"]),
    }
    print(
        f"{'op':40s} " + " ".join(f"{f'{i}->{o}':>10s}" for i, o in ((576, 576), (576, 192), (576, 1536), (1536, 576)))
    )
    for name, op in table.items():
        best: dict = {}
        for _ in range(rounds):
            for p in prepared:
                key = (p["x"].shape[1], p["w"].shape[0])
                start = time.process_time()
                op(p)
                spent = time.process_time() - start
                best.setdefault(key, []).append(spent)
        # per call: the median over every call of the shape (process_time's resolution is ~1 us)
        cells = []
        for key in ((576, 576), (576, 192), (576, 1536), (1536, 576)):
            values = sorted(best[key])
            cells.append(f"{values[len(values) // 2] * 1e6:10.1f}")
        print(f"{name:40s} " + " ".join(cells))


def _masked_term(term, keep):
    term.view(-1).index_fill_(0, keep, 0)
    return term


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=600)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ops", action="store_true")
    parser.add_argument(
        "--against", default=None, help="another fastpath.py (e.g. `git show REV:ftlib/fastpath.py > old.py`)"
    )
    args = parser.parse_args(argv)

    import torch

    from ftlib import fastpath

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    built = layers(args.tokens, torch)
    sides = {"now": fastpath._LoraLinear}
    if args.against:
        import importlib.util

        spec = importlib.util.spec_from_file_location("fastpath_against", args.against)
        other = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(other)
        sides = {"against": other._LoraLinear} | sides
    spent: dict = {name: [] for name in sides}
    step(fastpath._LoraLinear, built, torch)  # warm-up
    for _ in range(args.rounds):
        for name, function in sides.items():
            spent[name].append(step(function, built, torch))
    for name, values in spent.items():
        cpu = min(v[0] for v in values)
        wall = min(v[1] for v in values)
        print(
            f"{name:24s} step of 210 layers, forward + backward: {cpu * 1e3:7.1f} ms CPU, {wall * 1e3:7.1f} ms wall "
            f"(best of {args.rounds}); per layer {cpu / 210 * 1e6:6.0f} us CPU"
        )
    if args.ops:
        ops(built, torch, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
