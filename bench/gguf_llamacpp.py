"""A run's GGUF exports against llama.cpp itself: token ids, first-pass logits and greedy tokens of llama.cpp (its
Python binding, llama-cpp-python, in a virtualenv of its own) next to transformers on the run's merged model.

    python3 -m venv /tmp/lcpp
    CMAKE_ARGS="-DGGML_NATIVE=OFF" MAKEFLAGS=-j2 /tmp/lcpp/bin/pip install llama-cpp-python   # ~8 min on 2 cores
    .venv/bin/python -m bench.gguf_llamacpp RUN_ID --llama-python /tmp/lcpp/bin/python --types f16,q8_0

Each side runs in its own process (llama.cpp's binding is not installed beside the studio). Results: BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

TEXTS = [
    "<|im_start|>user\nWhen is high tide at the old pier? ça va, 14:10<|im_end|>\n<|im_start|>assistant\n",
    "Crème brûlée, naïve façade, Ångström, Straße, œuvre",
    "Digits: 3.14159 1234567890 2026-12-05 $1,000,000.00 0x1F",
    "Emoji: 🙂🚀👍🏽 family 👨‍👩‍👧 flags 🇫🇷 ✓",
    "def f(x):\n    return {'a': [x**2 for x in range(10)]}  # code\n\tindented\r\n",
    "   leading spaces and    multiple   gaps\n\n\nnewlines",
    "日本語のテキストと中文字符 and русский текст",
]
QUESTION = "What is the capital of France? Answer in one sentence."

# Run by the llama.cpp virtualenv's Python: reads the reference (JSON) and prints what llama.cpp makes of it.
LLAMA_SIDE = """
import json, sys
import numpy as np
from llama_cpp import Llama
ref = json.load(open(sys.argv[2]))
llm = Llama(model_path=sys.argv[1], n_ctx=512, verbose=False, logits_all=True, n_threads=2, seed=0)
ids = [llm.tokenize(t.encode(), add_bos=False, special=True) for t in ref["texts"]]
llm.eval(ref["prompt_ids"])
logits = np.array(llm.scores[: len(ref["prompt_ids"])])
gap = float(np.abs(logits - np.array(ref["logits"])).max())
agree = float(np.mean(logits.argmax(1) == np.array(ref["logits"]).argmax(1)))
llm.reset()
greedy = []
for token in llm.generate(ref["prompt_ids"], temp=0.0, top_k=1, reset=True):
    greedy.append(token)
    if token == llm.token_eos() or len(greedy) >= len(ref["greedy"]):
        break
print(json.dumps({"ids_equal": ids == ref["ids"], "gap": gap, "agree": agree, "greedy": greedy,
                  "template_equal": llm.metadata.get("tokenizer.chat_template") == ref["template"]}))
"""


def reference(merged: Path) -> dict:
    """transformers on the merged model: the texts' ids, the chat prompt's logits and 24 greedy tokens."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(merged)
    model = AutoModelForCausalLM.from_pretrained(merged, dtype=torch.float32).eval()
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": QUESTION}], add_generation_prompt=True)
    ids = prompt["input_ids"] if isinstance(prompt, dict) or hasattr(prompt, "keys") else prompt
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0]
        greedy = model.generate(torch.tensor([ids]), max_new_tokens=24, do_sample=False)[0][len(ids) :].tolist()
    return {
        "texts": TEXTS,
        "ids": [tokenizer(t, add_special_tokens=False).input_ids for t in TEXTS],
        "prompt_ids": list(ids),
        "logits": logits.tolist(),
        "greedy": greedy,
        "template": tokenizer.chat_template,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--llama-python", required=True, help="the Python of a virtualenv holding llama-cpp-python")
    parser.add_argument("--types", default="f16,q8_0")
    args = parser.parse_args()
    from ftlib.gguf_export import GGUF_TYPES

    # Every type checked before the merged export (minutes): an unknown last one failed after the first's comparison.
    if unknown := [out_type for out_type in args.types.split(",") if out_type not in GGUF_TYPES]:
        parser.error(f"unknown type {unknown[0]!r}; choose from {', '.join(GGUF_TYPES)}")
    from ftlib import export, runs
    from ftlib.commands.runs import run_id

    run = runs.find(run_id(args.run))
    ref = reference(export.export_merged(run))
    print("| type | file MB | ids equal | template equal | max logit gap | argmax agree | greedy tokens equal |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(ref, handle)
        handle.flush()
        for out_type in args.types.split(","):
            (gguf,) = export.export_gguf(run, out_type).glob("*.gguf")
            done = subprocess.run(
                [args.llama_python, "-c", LLAMA_SIDE, str(gguf), handle.name], capture_output=True, text=True
            )
            if done.returncode:
                print(done.stderr[-2000:], file=sys.stderr)
                return 1
            got = json.loads(done.stdout.strip().splitlines()[-1])
            pairs = enumerate(zip(got["greedy"], ref["greedy"], strict=False))
            same = next((i for i, (a, b) in pairs if a != b), min(len(got["greedy"]), len(ref["greedy"])))
            print(
                f"| {out_type} | {gguf.stat().st_size / 1e6:.0f} | {got['ids_equal']} | {got['template_equal']} | "
                f"{got['gap']:.3f} | {got['agree']:.3f} | {same} of {len(got['greedy'])} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
