"""LoRA gradients through bitsandbytes' 4-bit layer on the CPU, against the same adapter on the dequantized weights
(the reference: what QLoRA means, Dettmers et al. 2023), and how a run keeps them right.

Two tiny LoRA layers in a row, so the first adapter's gradient has to flow back through the second 4-bit weight.
Trained from the start, they agree exactly. After one forward in eval mode without gradients (a run's evaluation,
GRPO writing its answers), bitsandbytes 0.50 repacks the weights of a CPU with AVX-512 BF16 for its inference kernel
`gemv_4bit`, which has no backward: PyTorch warns "an autograd kernel was not registered", no gradient flows back
through the 4-bit weight, and the first adapter's gradient is wrong (the second test: it fails once bitsandbytes
trains through that kernel, and `ftlib.training_model.keep_4bit_trainable` can go). A run's model is kept on the
trainable path (`keep_4bit_trainable`), and its gradients agree after an evaluation too (the third and fourth tests).
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
bnb = pytest.importorskip("bitsandbytes")


def _layers(seed: int = 0):
    """(two 4-bit LoRA layers in a row, the same adapters on the dequantized weights), in fp32 as QLoRA on CPU runs."""
    from bitsandbytes.functional import dequantize_4bit
    from peft import LoraConfig, get_peft_model

    class Two(torch.nn.Module):
        def __init__(self, first, second):
            super().__init__()
            self.first, self.second = first, second

        def forward(self, x):
            return self.second(torch.relu(self.first(x)))

    torch.manual_seed(seed)
    quantized, reference = [], []
    for shape in ((64, 64), (64, 32)):  # output sizes a multiple of 32: what bitsandbytes' CPU repacking takes
        plain = torch.nn.Linear(*shape, bias=False)
        q = bnb.nn.Linear4bit(*shape, bias=False, compute_dtype=torch.float32, quant_type="nf4")
        q.load_state_dict(plain.state_dict())
        q = q.to("cpu")  # quantizes
        ref = torch.nn.Linear(*shape, bias=False)
        with torch.no_grad():
            ref.weight.copy_(dequantize_4bit(q.weight.data, q.weight.quant_state).float())
        quantized.append(q)
        reference.append(ref)
    lora = {"r": 4, "lora_alpha": 8, "target_modules": ["first", "second"], "lora_dropout": 0.0}
    lora["init_lora_weights"] = False  # B != 0: both adapters get a gradient through the other layer
    torch.manual_seed(seed + 1)
    q_model = get_peft_model(Two(*quantized), LoraConfig(**lora))
    torch.manual_seed(seed + 1)
    ref_model = get_peft_model(Two(*reference), LoraConfig(**lora))
    return q_model, ref_model


def _gradients(model, x) -> dict[str, torch.Tensor]:
    model.zero_grad()
    (model(x) ** 2).sum().backward()
    return {n.split("model.")[-1]: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}


def _worst(a: dict, b: dict) -> float:
    """The largest gradient difference, relative to the reference's largest gradient of that parameter."""
    return max(((a[n] - b[n]).abs().max() / b[n].abs().max()).item() for n in b)


def test_lora_gradients_through_a_4bit_layer_on_cpu_match_the_dequantized_weights_while_training():
    q_model, ref_model = _layers()
    x = torch.randn(2, 5, 64)
    got, want = _gradients(q_model, x), _gradients(ref_model, x)
    assert set(got) == {f"{layer}.lora_{ab}.default.weight" for layer in ("first", "second") for ab in "AB"}
    assert _worst(got, want) < 1e-5


def test_after_an_evaluation_bitsandbytes_cpu_kernel_drops_the_gradient_through_4bit_weights():
    from bitsandbytes.functional import has_avx512bf16

    if not has_avx512bf16():
        pytest.skip("this CPU has no AVX-512 BF16: bitsandbytes keeps the trainable path, gradients agree")
    q_model, ref_model = _layers()
    x = torch.randn(2, 5, 64)
    q_model.eval()
    with torch.no_grad():
        q_model(x)  # what a run's evaluation does between training steps
    q_model.train()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = _gradients(q_model, x)
    want = _gradients(ref_model, x)
    assert any("gemv_4bit: an autograd kernel was not registered" in str(w.message) for w in caught)
    first = {n: v for n, v in want.items() if n.startswith("first.")}
    assert _worst({n: got[n] for n in first}, first) > 0.1  # the first adapter learns from a wrong gradient


def _evaluate(model, x) -> None:
    """What a run's evaluation does between training steps: one forward in eval mode without gradients."""
    model.eval()
    with torch.no_grad():
        model(x)
    model.train()


def test_a_runs_4bit_layers_keep_their_gradients_after_an_evaluation():
    from ftlib.training_model import keep_4bit_trainable

    q_model, ref_model = _layers()
    assert keep_4bit_trainable(q_model) == 2
    x = torch.randn(2, 5, 64)
    _evaluate(q_model, x)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = _gradients(q_model, x)
    assert not any("gemv_4bit" in str(w.message) for w in caught)
    assert _worst(got, _gradients(ref_model, x)) < 1e-5


def test_a_qlora_run_on_the_cpu_loads_its_model_on_the_trainable_path(tiny_model_dir):
    """The run's own loader applies it: every 4-bit layer of a QLoRA model loaded for training on the CPU."""
    from bitsandbytes.nn import Linear4bit

    from ftlib.config import RunConfig
    from ftlib.training_model import load_training_model

    model, _ = load_training_model(RunConfig(method="qlora", model=str(tiny_model_dir)), "cpu")
    layers = [m for m in model.modules() if isinstance(m, Linear4bit)]
    assert layers and not any(layer.support_avx512bf16_for_cpu for layer in layers)
