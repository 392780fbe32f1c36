"""The reinforcement-learning demos, end to end on the default model and CPU (issue 16.4).

    python bench/demo_rl.py                  # both: GRPO with a built-in reward, and a reward model
    python bench/demo_rl.py --only grpo      # or --only reward; --set key=value overrides a run setting

GRPO: the shipped `pirate_prompts` (everyday questions after a system prompt asking the model to begin with
"Ahoy!", which SmolLM2-135M-Instruct seldom does) with the rewards {check: chat_style} (1 when the answer opens with
"Ahoy!") and {not_repeating: {}} at weight 2 (against collapsed answers), 16 steps of 2 prompts x 8 answers. Before
and after, the model answers the 36 held-out prompts greedily (48 new tokens, the studio's batched decoding, base and
tuned in one loop); reported: the check's pass rate (target: at most 20% before, at least 60% after), how readable the
answers stay (the mean not_repeating score and the answers with one line repeated three or more times), and the
wall time of the whole demo, loading and both evaluations included (target: 5 minutes).

Reward model: the shipped `preference_pairs` (90 pairs train it); reported: its accuracy on the 22 held-out pairs of
`preference_heldout.jsonl` (chosen scored above rejected; target at least 85%), through `ftlib.rewards`, the same
scorer `python -m ftlib score` and GRPO use.

Runs go through the same queue and subprocess as the browser (`ftlib.runs`), into a scratch workspace unless
FTLIB_WORKSPACE is set. The machine is shared: the load average is printed beside the times.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GRPO = {
    "method": "grpo",
    "dataset": "pirate_prompts",
    "test_size": 0.0,  # held out separately: pirate_prompts_heldout.jsonl
    # not_repeating at twice the check's weight: at equal weights the model learned "Ahoy! Ahoy! Ahoy!" openings
    # (20 of 36 held-out answers repeated a sentence 3+ times; 3 of 36 at weight 2, BENCHMARKS.md).
    "rewards": [{"check": "chat_style", "weight": 1.0}, {"not_repeating": {}, "weight": 2.0}],
    "batch_size": 2,
    "grpo_group_size": 8,
    "grpo_max_new_tokens": 24,
    "grpo_temperature": 0.8,
    "beta": 0.1,
    "max_steps": 16,
    "warmup_ratio": 0.0,
    "save_every": 0,
    "name": "demo",
}
REWARD = {"method": "reward", "dataset": "preference_pairs", "name": "demo", "save_every": 0}


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} on {os.cpu_count()} cores"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the training worker): on a shared machine the wall time
    says little, this says what the work cost."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return round(own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime, 1)


def train(config, label: str):
    from ftlib import runs

    run_id = runs.submit(config)
    print(f"[{label}] run {run_id} ({load()})", flush=True)
    seen = [0]

    def show(info):
        if info.step != seen[0]:
            seen[0] = info.step
            last = next((m for m in reversed(runs.find(run_id).read_metrics()) if m.get("kind") == "train"), {})
            extra = " ".join(
                f"{k} {last[k]:.3f}" for k in ("reward", "reward_check", "kl", "accuracy", "margin") if k in last
            )
            print(f"[{label}] step {info.step}/{info.max_steps} {extra} ({info.duration_s:.0f}s)", flush=True)

    info = runs.wait(run_id, poll=2.0, on_poll=show)
    if info.state != "finished":
        raise SystemExit(f"[{label}] run ended {info.state}: {info.message}\n" + "\n".join(info.log_tail))
    return run_id, info


def collapsed(text: str) -> bool:
    """An answer with one line (or sentence) written three or more times: the degenerate answers RL can cause."""
    from ftlib.rewards import repetition_units

    units = repetition_units(text)
    return any(units.count(u) >= 3 for u in set(units))


def greedy_answers(run_id: str, prompts: list[list[dict]], max_new_tokens: int) -> tuple[list[str], list[str]]:
    """(base answers, tuned answers): one batched greedy decoding loop, base and adapter rows mixed."""
    from ftlib import runs
    from ftlib import sampling as S
    from ftlib.modelset import generate_with_set, load_model_set
    from ftlib.tokens import encode_row

    model_set = load_model_set("default", [runs.find(run_id).path], device="cpu")
    (adapter,) = model_set.adapters
    ids = [tuple(encode_row({"prompt": p}, model_set.tokenizer, "tokenizer").input_ids) for p in prompts]
    rows = [S.GenRow(i) for i in ids] + [S.GenRow(i, adapter=adapter) for i in ids]
    results = generate_with_set(model_set, rows, max_new_tokens=max_new_tokens, top_alternatives=0)
    texts = [r.text for r in results]
    return texts[: len(ids)], texts[len(ids) :]


def demo_grpo(overrides: dict) -> dict:
    from ftlib.config import RunConfig
    from ftlib.demo_data import check, heldout_prompts
    from ftlib.rewards import not_repeating_score

    started = time.time()
    config = RunConfig.from_dict({**GRPO, **overrides})
    run_id, info = train(config, "grpo")
    trained = time.time()
    prompts = heldout_prompts("pirate_prompts")
    before, after = greedy_answers(run_id, prompts, max_new_tokens=48)
    rate = lambda texts: sum(check("pirate_prompts", t) for t in texts) / len(texts)  # noqa: E731
    readable = lambda texts: sum(not_repeating_score(t) for t in texts) / len(texts)  # noqa: E731
    out = {
        "run": run_id,
        "steps": info.step,
        "train_wall_s": info.duration_s,
        "total_wall_s": round(time.time() - started, 1),
        "evaluation_s": round(time.time() - trained, 1),
        "prompts": len(prompts),
        "rate_before": rate(before),
        "rate_after": rate(after),
        "not_repeating_before": round(readable(before), 3),
        "not_repeating_after": round(readable(after), 3),
        "collapsed_before": sum(collapsed(t) for t in before),
        "collapsed_after": sum(collapsed(t) for t in after),
        "cpu_s": cpu_seconds(),
        "load": load(),
        "examples": [{"before": b, "after": a} for b, a in list(zip(before, after, strict=True))[:3]],
    }
    print(
        f"[grpo] {out['steps']} steps, {out['total_wall_s']:.0f}s in all ({out['train_wall_s']:.0f}s training, "
        f"{out['evaluation_s']:.0f}s evaluating; {out['cpu_s']:.0f} CPU-s; {out['load']}); 'Ahoy!' on "
        f"{out['prompts']} held-out prompts: "
        f"{out['rate_before']:.0%} before -> {out['rate_after']:.0%} after; not_repeating "
        f"{out['not_repeating_before']} -> {out['not_repeating_after']}, collapsed answers "
        f"{out['collapsed_before']} -> {out['collapsed_after']}",
        flush=True,
    )
    for example in out["examples"]:
        print(f"[grpo]   before {example['before'][:70]!r}\n[grpo]   after  {example['after'][:70]!r}", flush=True)
    return out


def demo_reward(overrides: dict) -> dict:
    from ftlib import runs
    from ftlib.config import RunConfig
    from ftlib.demo_data import heldout_rows
    from ftlib.rewards import load_reward_model, pair_accuracy

    started = time.time()
    run_id, info = train(RunConfig.from_dict({**REWARD, **overrides}), "reward")
    scorer = load_reward_model(run_id)
    pairs = heldout_rows("preference_pairs")
    chosen, rejected = [], []
    for pair in pairs:
        c, r = scorer.score([{"role": "user", "content": pair["prompt"]}], [pair["chosen"], pair["rejected"]])
        chosen.append(c)
        rejected.append(r)
    evals = [m for m in runs.find(run_id).read_metrics() if m.get("kind") == "eval"]
    out = {
        "run": run_id,
        "steps": info.step,
        "train_wall_s": info.duration_s,
        "total_wall_s": round(time.time() - started, 1),
        "heldout_pairs": len(pairs),
        "heldout_accuracy": pair_accuracy(chosen, rejected),
        "heldout_mean_margin": round(sum(c - r for c, r in zip(chosen, rejected, strict=True)) / len(pairs), 3),
        "eval_accuracy": evals[-1].get("eval_accuracy") if evals else None,
        "cpu_s": cpu_seconds(),
        "load": load(),
    }
    print(
        f"[reward] {out['steps']} steps in {out['train_wall_s']:.0f}s ({out['cpu_s']:.0f} CPU-s in all, "
        f"{out['load']}); chosen above rejected on "
        f"{out['heldout_accuracy']:.0%} of {out['heldout_pairs']} held-out pairs (mean margin "
        f"{out['heldout_mean_margin']}); eval split accuracy {out['eval_accuracy']}",
        flush=True,
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("grpo", "reward"))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a run setting")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if "FTLIB_WORKSPACE" not in os.environ:
        os.environ["FTLIB_WORKSPACE"] = tempfile.mkdtemp(prefix="ftlib-demo-rl-")
    import yaml

    overrides = {k: yaml.safe_load(v) for k, v in (s.split("=", 1) for s in args.set)}
    results = {"cpu_count": os.cpu_count()}
    if args.only in (None, "grpo"):
        results["grpo"] = demo_grpo(overrides)
    if args.only in (None, "reward"):
        results["reward"] = demo_reward(overrides)
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
