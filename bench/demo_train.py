"""The training demo, end to end on the default model: does a short run visibly change behaviour?

    python bench/demo_train.py                 # both demos: chat-style SFT (LoRA) and DPO on preference pairs
    python bench/demo_train.py --only sft      # or --only dpo; --set key=value overrides a run setting

SFT: the shipped `chat_style` sample with the Train page's default settings (LoRA r16, lr 2e-3, batch 8, 1 epoch,
max length 384, cosine). Before and after, the model answers the sample's held-out prompts greedily and
`ftlib.demo_data.style_check` counts the answers in the trained style. Target: at most 10% before, at least 80%
after, training within 5 minutes on CPU.

DPO: the shipped `preference_pairs` with the page's defaults for DPO (LoRA, lr 1e-3, beta 0.1, 1 epoch). Reported:
reward accuracy and margin early vs late in training, the final eval values, and the held-out preference check rate
(bullet-list answers) before vs after.

Runs go through the same queue and subprocess as the browser (`ftlib.runs`), into a scratch workspace unless
FTLIB_WORKSPACE is set. Prints one line per number and a JSON summary at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def generate(model, tokenizer, prompts: list[list[dict]], max_new_tokens: int, batch_size: int = 12) -> list[str]:
    """Greedy answers with plain transformers, batched with left padding (the template adds the system prompt)."""
    import torch

    tokenizer.padding_side = "left"
    answers = []
    for start in range(0, len(prompts), batch_size):
        texts = [
            tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True)
            for p in prompts[start : start + batch_size]
        ]
        batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.no_grad():
            out = model.generate(
                **batch, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id
            )
        answers += tokenizer.batch_decode(out[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)
    return answers


def before_after(run_id: str, prompts: list[list[dict]], check, max_new_tokens: int) -> dict:
    from peft import PeftModel

    from ftlib import runs
    from ftlib.models import load_model, load_tokenizer

    tokenizer = load_tokenizer("default")
    base = load_model("default", device="cpu").eval()
    t0 = time.time()
    before = generate(base, tokenizer, prompts, max_new_tokens)
    tuned = PeftModel.from_pretrained(base, str(runs.find(run_id).adapter_dir)).eval()
    after = generate(tuned, tokenizer, prompts, max_new_tokens)
    rate = lambda texts: sum(bool(check(t)) for t in texts) / len(texts)  # noqa: E731
    return {
        "prompts": len(prompts),
        "rate_before": rate(before),
        "rate_after": rate(after),
        "generation_s": round(time.time() - t0, 1),
        "example_before": before[0],
        "example_after": after[0],
    }


def train(config, label: str) -> tuple[str, dict]:
    from ftlib import runs

    run_id = runs.submit(config)
    print(f"[{label}] run {run_id}: {runs.find(run_id).path}", flush=True)
    last = [0]

    def show(info):
        if info.step != last[0]:
            last[0] = info.step
            loss = info.train_loss
            print(
                f"[{label}] step {info.step}/{info.max_steps} loss {loss:.4f} ({info.duration_s:.0f}s)"
                if loss is not None
                else f"[{label}] {info.phase}",
                flush=True,
            )

    info = runs.wait(run_id, poll=2.0, on_poll=show)
    if info.state != "finished":
        raise SystemExit(f"[{label}] run ended {info.state}: {info.message}\n" + "\n".join(info.log_tail))
    return run_id, info


def training_numbers(run_id: str, info: dict) -> dict:
    from ftlib import runs

    rows = runs.find(run_id).read_metrics()
    summary = next((r for r in rows if r.get("kind") == "summary"), {})
    return {
        "run": run_id,
        "steps": info.step,
        "wall_s": info.duration_s,
        "train_s": round(summary.get("train_runtime", 0.0), 1),
        "final_loss": info.train_loss,
        "eval_loss": info.eval_loss,
    }


def demo_sft(overrides: dict) -> dict:
    from ftlib.config import RunConfig
    from ftlib.demo_data import heldout_prompts, style_check

    config = RunConfig.from_dict({"dataset": "chat_style", "name": "demo", **overrides})
    run_id, info = train(config, "sft")
    out = training_numbers(run_id, info)
    out.update(before_after(run_id, heldout_prompts("chat_style"), style_check, max_new_tokens=12))
    print(
        f"[sft] trained {out['steps']} steps in {out['train_s']}s ({out['wall_s']}s with loading); style on "
        f"{out['prompts']} held-out prompts: {out['rate_before']:.0%} before -> {out['rate_after']:.0%} after",
        flush=True,
    )
    return out


def demo_dpo(overrides: dict) -> dict:
    from ftlib import runs
    from ftlib.config import RunConfig
    from ftlib.demo_data import heldout_prompts, preference_check

    config = RunConfig.from_dict({"method": "dpo", "dataset": "preference_pairs", "name": "demo", **overrides})
    run_id, info = train(config, "dpo")
    out = training_numbers(run_id, info)
    rows = runs.find(run_id).read_metrics()
    train_rows = [r for r in rows if r.get("kind") == "train"]
    evals = [r for r in rows if r.get("kind") == "eval"]
    k = max(1, len(train_rows) // 4)  # first and last quarter of the steps
    mean = lambda key, part: sum(r[key] for r in part) / len(part)  # noqa: E731
    out.update(
        {
            "reward_accuracy_first_quarter": mean("reward_accuracy", train_rows[:k]),
            "reward_accuracy_last_quarter": mean("reward_accuracy", train_rows[-k:]),
            "reward_margin_first_quarter": mean("reward_margin", train_rows[:k]),
            "reward_margin_last_quarter": mean("reward_margin", train_rows[-k:]),
            "eval_reward_accuracy": evals[-1].get("eval_reward_accuracy") if evals else None,
            "eval_reward_margin": evals[-1].get("eval_reward_margin") if evals else None,
        }
    )
    out.update(before_after(run_id, heldout_prompts("preference_pairs"), preference_check, max_new_tokens=64))
    print(
        f"[dpo] trained {out['steps']} steps in {out['train_s']}s; reward accuracy "
        f"{out['reward_accuracy_first_quarter']:.2f} -> {out['reward_accuracy_last_quarter']:.2f}, margin "
        f"{out['reward_margin_first_quarter']:.3f} -> {out['reward_margin_last_quarter']:.3f} (eval "
        f"{out['eval_reward_accuracy']}, {out['eval_reward_margin']}); bullet answers on {out['prompts']} held-out "
        f"prompts: {out['rate_before']:.0%} before -> {out['rate_after']:.0%} after",
        flush=True,
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("sft", "dpo"))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a run setting")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if "FTLIB_WORKSPACE" not in os.environ:
        os.environ["FTLIB_WORKSPACE"] = tempfile.mkdtemp(prefix="ftlib-demo-")
    import yaml

    overrides = {k: yaml.safe_load(v) for k, v in (s.split("=", 1) for s in args.set)}
    results = {"cpu_count": os.cpu_count()}
    if args.only in (None, "sft"):
        results["sft"] = demo_sft(overrides)
    if args.only in (None, "dpo"):
        results["dpo"] = demo_dpo(overrides)
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
