"""Helpers for tests, demos and benchmarks: tiny models and random adapters built in-process, in seconds.

    tiny = make_tiny_model(tmp / "tiny")                      # a 2-layer Llama with the real SmolLM2 tokenizer
    make_random_adapter(str(tiny), tmp / "run" / "adapter")   # a LoRA adapter that changes the outputs

Nothing here is used by the app itself; it lives in the package so tests, `bench/` and the docs can share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def make_tiny_model(
    target: Path, tokenizer_spec: str = "default", hidden_size: int = 64, layers: int = 2, seed: int = 0
) -> Path:
    """A tiny random Llama with the real tokenizer, for tests and quick demos (seconds to train)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from ftlib.models import load_tokenizer

    tokenizer = load_tokenizer(tokenizer_spec)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = LlamaForCausalLM(config)
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(target, safe_serialization=True)
    tokenizer.save_pretrained(target)
    return target


def make_random_adapter(
    model_spec: str,
    target: str | Path,
    seed: int = 0,
    rank: int = 8,
    b_std: float = 0.05,
    targets: Sequence[str] = ("q_proj", "k_proj", "v_proj", "o_proj"),
    score: bool = False,
) -> Path:
    """A LoRA adapter with random A and B (PEFT initializes B to zero, which would change nothing), saved to
    `target`. For tests, demos and the benchmark: it makes the "tuned" model differ without training.

    `score`: a reward model's adapter instead (a random one-number score head saved whole beside the LoRA weights,
    with the tokenizer, as a reward-model run saves it), for `ftlib.rewards.load_reward_model`."""
    import torch
    from peft import LoraConfig, get_peft_model

    from ftlib.models import load_model, load_tokenizer

    config = LoraConfig(
        r=rank,
        lora_alpha=2 * rank,
        target_modules=list(targets),
        lora_dropout=0.0,
        task_type="SEQ_CLS" if score else "CAUSAL_LM",
        modules_to_save=["score"] if score else None,
    )
    # PEFT draws A (and a score head its first weights) from torch's global generator: seeded here, so an adapter
    # is the same whatever ran before it, and the caller's random state is left as it was.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        peft_model = get_peft_model(load_model(model_spec, device="cpu", dtype="float32", score=score), config)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B" in name or (score and "score" in name and "modules_to_save" in name):
                param.copy_(torch.randn(param.shape, generator=generator) * b_std)
    target = Path(target)
    peft_model.save_pretrained(str(target))
    if score:
        load_tokenizer(model_spec).save_pretrained(str(target))
    return target


def make_run(
    run_id: str,
    config: dict | None = None,
    state: str | None = "finished",
    adapter: str | Path | None = None,
    model: str | Path | None = None,
    metrics: Sequence[dict] = (),
    root: str | Path | None = None,
    **status,
):
    """A run folder as the queue and the worker leave it (a `RunDir`), for tests and demos.

    `config`: RunConfig settings (validated, saved whole as config.json); `state`: its status (None: no status
    file, as runs written before status files existed); `adapter` / `model`: a folder copied in as the result;
    `metrics`: rows of metrics.jsonl; `status`: more status fields. `root` defaults to the workspace's runs/.
    """
    import json
    import shutil
    import time

    from ftlib import workspace
    from ftlib.config import RunConfig
    from ftlib.rundir import RunDir

    run = RunDir(Path(root or workspace.runs_dir()) / run_id)
    run.path.mkdir(parents=True, exist_ok=True)
    run.write_config(RunConfig.from_dict(config or {}))
    if state is not None:
        run.update_status(id=run_id, state=state, **{"created": time.time(), **status})
    for source, target in ((adapter, run.adapter_dir), (model, run.model_dir)):
        if source is not None:
            shutil.copytree(source, target)
    if metrics:
        run.metrics_file.write_text("".join(json.dumps(row) + "\n" for row in metrics), encoding="utf-8")
    return run
