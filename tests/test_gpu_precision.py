"""Mixed precision on a GPU, on a CPU machine: with Weights dtype `auto` every weight a run trains is fp32 (master
weights, gradients and AdamW state) and the products run in bf16 under the Trainer's autocast, as standard mixed
precision has it; a frozen LoRA/QLoRA base stays bf16; an explicit `bfloat16` is pure bf16 (the user's choice).

A bf16-capable GPU is faked (`torch.cuda.is_bf16_supported`), and the model the run would put on it is loaded on the
CPU instead (`models.load_model` wrapped): what is checked is the dtype each weight is loaded and trained in, and that
the Trainer's bf16 autocast stays on. The sentinel: one AdamW step at a small learning rate moves nearly every fp32
weight and few bf16 ones (updates below bf16's resolution round away: the defect this guards against).
"""

from __future__ import annotations

import pytest
import torch

from ftlib.config import RunConfig

GRPO = {"rewards": [{"regex": "^Ahoy"}]}

# (id, settings, weights' dtype as loaded, dtype of every trained weight once PEFT wrapped the model)
CASES = [
    ("full", {"method": "full"}, torch.float32, torch.float32),
    ("dpo-full", {"method": "dpo", "tuning": "full"}, torch.float32, torch.float32),
    ("kto-full", {"method": "kto", "tuning": "full"}, torch.float32, torch.float32),
    ("grpo-full", {"method": "grpo", "tuning": "full", **GRPO}, torch.float32, torch.float32),
    ("reward-full", {"method": "reward", "tuning": "full"}, torch.float32, torch.float32),
    # A frozen base stays bf16; PEFT upcasts the adapters (autocast_adapter_dtype), not a reward model's score head.
    ("lora", {"method": "lora"}, torch.bfloat16, torch.float32),
    ("dpo-lora", {"method": "dpo"}, torch.bfloat16, torch.float32),
    ("reward-lora", {"method": "reward"}, torch.bfloat16, torch.float32),
    # The user's memory-saving choice: pure bf16.
    ("full-bf16", {"method": "full", "dtype": "bfloat16"}, torch.bfloat16, torch.bfloat16),
]


@pytest.fixture
def gpu(monkeypatch):
    """A GPU with native bf16, whose model loads land on the CPU; returns the (device, dtype) of each load asked.
    The tiny model stands for a large one: no model is small enough for `auto`'s fp32 (precision.small_for_gpu)."""
    from ftlib import models, precision

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    monkeypatch.setattr(precision, "SMALL_GPU_MODEL", 0)
    real, asked = models.load_model, []

    def on_cpu(spec, device=None, dtype=None, quantization=None, score=False):
        asked.append((device, dtype))
        return real(spec, "cpu", dtype, quantization, score)

    monkeypatch.setattr(models, "load_model", on_cpu)
    return asked


def _trained(config: RunConfig, model):
    """The model as its trainer trains it: wrapped by PEFT for an adapter run (TRL's get_peft_model, same config)."""
    from peft import get_peft_model

    from ftlib.training_model import lora_config

    return get_peft_model(model, lora_config(config)) if config.uses_adapter else model


@pytest.mark.parametrize(("settings", "loaded", "trained"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_auto_on_a_gpu_trains_every_trained_weight_in_fp32_and_computes_in_bf16(
    tiny_model_dir, gpu, settings, loaded, trained
):
    from ftlib.training_model import load_training_model

    config = RunConfig(model=str(tiny_model_dir), **settings)
    model, compute = load_training_model(config, "cuda")
    assert gpu == [("cuda", str(loaded).removeprefix("torch."))]
    assert compute == torch.bfloat16  # what the Trainer's autocast follows (trainer_arguments)
    model = _trained(config, model)
    dtypes = {name: p.dtype for name, p in model.named_parameters() if p.requires_grad}
    assert dtypes and set(dtypes.values()) == {trained}, {n: d for n, d in dtypes.items() if d != trained}
    # The frozen base (a reward model's score head aside: its fp32 original stays beside PEFT's trained copy).
    frozen = {p.dtype for n, p in model.named_parameters() if not p.requires_grad and "score" not in n.split(".")}
    assert frozen == (set() if not config.uses_adapter else {torch.bfloat16})


@pytest.mark.parametrize(
    ("settings", "native_bf16", "bf16"),
    [({"method": "full"}, True, True), ({"method": "lora"}, True, True), ({"method": "full"}, False, False)],
    ids=["full", "lora", "full-no-native-bf16"],
)
def test_the_trainer_autocasts_in_the_compute_dtype_not_the_weights(
    tiny_model_dir, gpu, monkeypatch, tmp_path, settings, native_bf16, bf16
):
    """fp32 master weights must not turn the Trainer's bf16 autocast off (it read the weights' dtype); a GPU without
    native bf16 (T4, V100) trains fp32 without it."""
    import transformers.training_args as training_args

    from ftlib.training import trainer_arguments
    from ftlib.training_model import load_training_model

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: native_bf16)
    monkeypatch.setattr(training_args, "is_torch_bf16_gpu_available", lambda: True)  # TrainingArguments' own check
    config = RunConfig(model=str(tiny_model_dir), **settings)
    model, compute = load_training_model(config, "cuda")
    args = trainer_arguments(config, tmp_path, "cuda", compute, has_eval=False)
    assert (args.bf16, args.fp16) == (bf16, False)
    if not native_bf16:
        assert next(model.parameters()).dtype == compute == torch.float32


def _moved_share(model) -> float:
    """One AdamW step at lr 1e-5 under bf16 autocast (the CPU's, standing in for the GPU's): the share of weights
    it changed."""
    ids = torch.tensor([[1, 9690, 198, 28, 1359, 354, 2, 198, 1, 520, 9531]])
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.0)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    optimizer.step()
    moved = sum(int((p.detach() != b).sum()) for p, b in zip(model.parameters(), before, strict=True))
    return moved / sum(b.numel() for b in before)


def test_a_small_update_moves_fp32_master_weights_and_rounds_away_in_pure_bf16(tiny_model_dir, gpu):
    from ftlib.training_model import load_training_model

    auto, _ = load_training_model(RunConfig(model=str(tiny_model_dir), method="full"), "cuda")
    pure, _ = load_training_model(RunConfig(model=str(tiny_model_dir), method="full", dtype="bfloat16"), "cuda")
    assert _moved_share(auto) > 0.95
    assert _moved_share(pure) < 0.5  # the sentinel: bf16 weights keep most updates of 1e-5 from landing


def test_a_qlora_base_is_quantized_from_its_compute_dtype(gpu):
    """What a QLoRA run's status records as `weights_dtype` (training.save_final) and its export quantizes from
    again (run_base.run_config_of): bf16 on a GPU with bf16 under `auto`, fp32 on CPU, the explicit dtype otherwise."""
    from ftlib.training_model import training_dtypes

    assert training_dtypes(RunConfig(method="qlora"), "cuda") == (torch.bfloat16, torch.bfloat16)
    assert training_dtypes(RunConfig(method="qlora"), "cpu") == (torch.float32, torch.float32)
    assert training_dtypes(RunConfig(method="qlora", dtype="float32"), "cuda") == (torch.float32, torch.float32)


def test_sampling_and_scoring_load_a_qlora_base_in_the_dtype_the_run_quantized_it_from(tmp_path):
    """A QLoRA run trained on a bf16 GPU records `weights_dtype`; the config its adapter is loaded with again
    (run_base.run_config_of: Compare, Evaluate, score) carries it, so the base is quantized from the same weights.
    A run without the record, one that named its dtype, and a LoRA run keep their own."""
    import json

    from ftlib.run_base import run_config_of

    def run(name: str, config: dict, status: dict):
        folder = tmp_path / name
        (folder / "adapter").mkdir(parents=True)
        (folder / "config.json").write_text(json.dumps(config))
        (folder / "status.json").write_text(json.dumps(status))
        return run_config_of(folder / "adapter")["dtype"]

    qlora = {"tuning": "qlora", "dtype": "auto"}
    assert run("gpu", qlora, {"weights_dtype": "bfloat16"}) == "bfloat16"
    assert run("old", qlora, {}) == "auto"
    assert run("named", {**qlora, "dtype": "float32"}, {"weights_dtype": "bfloat16"}) == "float32"
    assert run("lora", {"tuning": "lora", "dtype": "auto"}, {"weights_dtype": "bfloat16"}) == "auto"
    assert run("odd", qlora, {"weights_dtype": "int8"}) == "auto"


@pytest.fixture
def small_gpu(monkeypatch):
    """A bf16-capable GPU at the real SMALL_GPU_MODEL threshold, its loads landing on the CPU."""
    from ftlib import models

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    real, asked = models.load_model, []

    def on_cpu(spec, device=None, dtype=None, quantization=None, score=False):
        asked.append(dtype)
        return real(spec, "cpu", dtype, quantization, score)

    monkeypatch.setattr(models, "load_model", on_cpu)
    return asked


@pytest.mark.parametrize("method", ["lora", "full", "dpo", "reward"])
def test_auto_trains_a_small_model_in_fp32_on_a_gpu_without_autocast(
    tiny_model_dir, small_gpu, tmp_path, monkeypatch, method
):
    """On an H200 the default 135M model trained LoRA 1.81x and DPO 1.27x faster in fp32 than under bf16 autocast
    (launch-bound steps; BENCHMARKS.md): under `auto` a model below SMALL_GPU_MODEL parameters loads fp32 and the
    Trainer does not autocast. The memory estimate counts the same dtype."""
    import transformers.training_args as training_args

    from ftlib import memory
    from ftlib.training import trainer_arguments
    from ftlib.training_model import load_training_model

    config = RunConfig(model=str(tiny_model_dir), method=method)
    model, compute = load_training_model(config, "cuda")
    assert small_gpu == ["float32"] and compute == torch.float32
    assert {p.dtype for p in _trained(config, model).parameters()} == {torch.float32}
    # TrainingArguments would refuse bf16 on this CPU machine: let it accept, so that the assertion is what fails.
    monkeypatch.setattr(training_args, "is_torch_bf16_gpu_available", lambda: True)
    args = trainer_arguments(config, tmp_path, "cuda", compute, has_eval=False)
    assert (args.bf16, args.fp16) == (False, False)
    assert memory.estimate(config, device="cuda:0", available=80 * memory.GIB).dtype == "float32"


def test_the_small_model_rule_goes_by_parameters_and_yields_to_a_named_dtype(tiny_model_dir, small_gpu, monkeypatch):
    """The default model's shape (134.5M parameters) is small; a 1.2B one is not; a named dtype always wins; a model
    whose size cannot be read from its weights' headers takes the larger-model choice (bf16 base, bf16 autocast).
    Training, the memory estimate and loading count alike (`models.weights_parameters`)."""
    from ftlib import memory, precision
    from ftlib.training_model import model_parameters, training_dtypes

    assert model_parameters(str(tiny_model_dir), "cuda") == memory.model_shape(str(tiny_model_dir)).params
    assert model_parameters(str(tiny_model_dir), "cpu") is None  # not needed there
    lora = RunConfig(model=str(tiny_model_dir))
    assert training_dtypes(lora, "cuda") == (torch.float32, torch.float32)
    assert training_dtypes(RunConfig(model=str(tiny_model_dir), dtype="bfloat16"), "cuda") == (
        torch.bfloat16,
        torch.bfloat16,
    )
    assert precision.training_dtype("auto", "cuda", "lora", params=1_235_814_400) == "auto"  # bf16 on this GPU
    from ftlib import models

    monkeypatch.setattr(models, "stored_parameters", lambda folder: None)  # weights whose headers cannot be read
    assert model_parameters(str(tiny_model_dir), "cuda") is None
    assert training_dtypes(lora, "cuda") == (torch.bfloat16, torch.bfloat16)


def test_a_small_qlora_run_is_estimated_as_it_computes_in_bf16(tiny_model_dir, small_gpu):
    """A cold review: the memory estimate took a small model's QLoRA run on a GPU for fp32 without autocast (twice
    its activations), while its 4-bit base computes in bf16 under the Trainer's autocast (training_dtypes)."""
    from ftlib import memory
    from ftlib.training_model import training_dtypes

    config = RunConfig(model=str(tiny_model_dir), method="qlora")
    assert training_dtypes(config, "cuda") == (torch.bfloat16, torch.bfloat16)
    qlora = memory.estimate(config, device="cuda:0", available=80 * memory.GIB)
    lora = memory.estimate(RunConfig(model=str(tiny_model_dir)), device="cuda:0", available=80 * memory.GIB)
    assert qlora.dtype == "4-bit" and lora.dtype == "float32"
    shape = memory.model_shape(str(tiny_model_dir))
    adapted = sum(i for name, i, _ in shape.linears if memory._targeted(name, ["all-linear"])) // shape.layers
    assert qlora.activations == memory.activation_bytes(shape, 8 * config.max_length, 2, adapted, fused_lora=False)


def test_a_small_model_is_sampled_on_a_gpu_in_the_dtype_it_trained_in(tiny_model_dir, monkeypatch):
    """A cold review: a small model trained in fp32 on a GPU (`auto`) was loaded in bf16 for Compare, Evaluate and
    scoring, so they measured another model than the run trained (a small adapter's loss change flipped sign in bf16
    on the default model). Under `auto` the loaders now follow the same rule, from the weights' headers; a named
    dtype and a 4-bit base (quantized from its compute dtype) keep theirs."""
    import transformers

    from ftlib import models, precision

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    asked = []

    class Loaded:
        def to(self, device):
            return self

    def from_pretrained(path, **kwargs):
        asked.append(kwargs["dtype"])
        return Loaded()

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", from_pretrained)
    models.load_model(str(tiny_model_dir), "cuda:1")
    models.load_model(str(tiny_model_dir), "cuda", "bfloat16")
    models.load_model(str(tiny_model_dir), "cuda", quantization=object())
    models.load_model(str(tiny_model_dir), "cpu")
    monkeypatch.setattr(precision, "SMALL_GPU_MODEL", 0)  # the same model standing for a large one
    models.load_model(str(tiny_model_dir), "cuda")
    assert asked == [torch.float32, torch.bfloat16, torch.bfloat16, torch.float32, torch.bfloat16]


def test_what_compare_claims_on_a_gpu_is_the_dtype_it_loads_in(tiny_model_dir, monkeypatch):
    """`sharing.inference_bytes` (whether Compare and Evaluate fit beside training on a GPU) counted 2 bytes a weight
    on any GPU: a small model loads fp32 there now (as it trains), and so does any model on a GPU without bf16."""
    from ftlib import memory, precision, sharing

    params = memory.model_shape(str(tiny_model_dir)).params
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    assert sharing.inference_bytes(str(tiny_model_dir), (), "cuda:0") == int(params * 4 * 1.25)  # small: fp32
    monkeypatch.setattr(precision, "SMALL_GPU_MODEL", 0)
    assert sharing.inference_bytes(str(tiny_model_dir), (), "cuda:0") == int(params * 2 * 1.25)  # bf16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: False)  # a T4, a V100
    assert sharing.inference_bytes(str(tiny_model_dir), (), "cuda:0") == int(params * 4 * 1.25)
    assert sharing.inference_bytes(str(tiny_model_dir), (), "cpu") == int(params * 4 * 1.25)


def test_a_sharded_checkpoint_counts_the_shards_its_index_names(tmp_path):
    """A review: the header count globbed every *.safetensors, a stale extra shard beside a sharded checkpoint too."""
    import json
    import struct

    from ftlib.integrity import stored_parameters

    def shard(name: str, shape: list[int]) -> None:
        header = json.dumps({"w": {"dtype": "F32", "shape": shape, "data_offsets": [0, 4 * shape[0] * shape[1]]}})
        data = struct.pack("<Q", len(header)) + header.encode() + bytes(4 * shape[0] * shape[1])
        (tmp_path / name).write_bytes(data)

    shard("model-00001-of-00002.safetensors", [4, 5])
    shard("model-00002-of-00002.safetensors", [2, 3])
    shard("model-old.safetensors", [100, 100])
    assert stored_parameters(tmp_path) == 20 + 6 + 10_000  # no index: every file
    weight_map = {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    assert stored_parameters(tmp_path) == 26
