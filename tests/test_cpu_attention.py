"""The short-row CPU attention (ftlib.cpu_attention) computes what transformers' `sdpa` attention computes: outputs and
the gradients of queries, keys and values, with grouped-query heads, padding and chunked rows; it steps aside where
it does not apply, and a bf16 LoRA run uses it."""

from __future__ import annotations

import types

import pytest
import torch

from ftlib import cpu_attention

MODULE = types.SimpleNamespace(is_causal=True, num_key_value_groups=3, training=True)


def _inputs(dtype, length: int = 13, batch: int = 3, padded: bool = True, seed: int = 0, spread: float = 1.0):
    """q [B, 6, S, 8], k and v [B, 2, S, 8] (groups of 3 query heads), an upstream gradient [B, S, 6, 8] and the
    boolean mask `sdpa_mask` builds for right-padded rows (None: plain causal). q and k have standard deviation
    `spread`: scores q k^T / sqrt(8) up to ~5 at 1, ~20 at 2."""
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(batch, 6, length, 8, generator=gen, dtype=torch.float64) * spread
    k = torch.randn(batch, 2, length, 8, generator=gen, dtype=torch.float64) * spread
    v = torch.randn(batch, 2, length, 8, generator=gen, dtype=torch.float64)
    upstream = torch.randn(batch, length, 6, 8, generator=gen, dtype=torch.float64)
    mask = None
    if padded:
        lengths = torch.tensor([length, length - 4, 5][:batch])
        real = torch.arange(length)[None] < lengths[:, None]
        mask = (torch.ones(length, length, dtype=torch.bool).tril()[None] & real[:, None, :])[:, None]
    leaves = [t.to(dtype).requires_grad_() for t in (q, k, v)]
    return leaves, upstream.to(dtype), mask


def _run(function, leaves, upstream, mask):
    out, _ = function(MODULE, *leaves, mask, scaling=8**-0.5)
    return (out, *torch.autograd.grad(out, leaves, upstream))


def _sdpa(*args):
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    return _run(sdpa_attention_forward, *args)


@pytest.mark.parametrize("padded", [True, False])
@pytest.mark.parametrize("chunk_bytes", [1 << 20, 1])  # 1: every row of the batch in its own chunk
def test_batched_products_match_sdpa_exactly_in_float64(padded, chunk_bytes, monkeypatch):
    monkeypatch.setattr(cpu_attention, "CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(cpu_attention, "applies", lambda *a: True)  # float64 runs the batched products too
    leaves, upstream, mask = _inputs(torch.float64, padded=padded)
    ours = _run(cpu_attention.attention_forward, leaves, upstream, mask)
    reference = _sdpa(leaves, upstream, mask)
    for name, mine, theirs in zip(("output", "dq", "dk", "dv"), ours, reference, strict=True):
        assert theirs.abs().sum() > 0, name
        torch.testing.assert_close(mine, theirs, rtol=1e-10, atol=1e-12, msg=name)


@pytest.mark.parametrize("padded", [True, False])
@pytest.mark.parametrize("spread", [1.0, 2.0])  # 2: scores up to ~20, as large as a trained model's
def test_bf16_is_as_exact_as_sdpa(padded, spread):
    """In bf16 both round at different points: each is compared with the float64 result, and ours may be off by at
    most 1.5x what torch's own bf16 kernel is in the output (2x in the gradients). Scores rounded to bf16 before the
    softmax were 1.5x (spread 1) to 2.9x (spread 2) off in the output; torch's flash kernel keeps them in fp32."""
    leaves, upstream, mask = _inputs(torch.bfloat16, length=40, padded=padded, spread=spread)
    exact_leaves = [t.detach().double().requires_grad_() for t in leaves]
    exact = _sdpa(exact_leaves, upstream.double(), mask)
    ours = _run(cpu_attention.attention_forward, leaves, upstream, mask)
    theirs = _sdpa(leaves, upstream, mask)

    def error(value, reference):
        return float((value.detach().double() - reference.detach()).norm() / reference.detach().norm())

    for name, mine, torch_bf16, truth in zip(("output", "dq", "dk", "dv"), ours, theirs, exact, strict=True):
        assert mine.dtype == torch.bfloat16
        assert error(mine, truth) <= (1.5 if name == "output" else 2.0) * error(torch_bf16, truth), name


def test_steps_aside_where_it_does_not_apply(monkeypatch):
    calls = []
    original = cpu_attention._CausalAttention.apply
    monkeypatch.setattr(cpu_attention._CausalAttention, "apply", lambda *a: calls.append(1) or original(*a))
    leaves, upstream, mask = _inputs(torch.bfloat16)
    _run(cpu_attention.attention_forward, leaves, upstream, mask)
    assert len(calls) == 1  # bf16, gradients on, short rows: the batched products
    cases = {
        "fp32": _inputs(torch.float32),
        "longer than MAX_LENGTH": _inputs(torch.bfloat16, length=cpu_attention.MAX_LENGTH + 1, batch=1),
    }
    for name, (case_leaves, case_upstream, case_mask) in cases.items():
        _run(cpu_attention.attention_forward, case_leaves, case_upstream, case_mask)
        assert len(calls) == 1, name
    with torch.no_grad():  # generation and evaluation
        cpu_attention.attention_forward(MODULE, *leaves, mask)
    assert len(calls) == 1
    cpu_attention.attention_forward(MODULE, *leaves, mask, dropout=0.1)
    assert len(calls) == 1


def test_fp32_runs_it_only_in_a_model_marked_fp32_stream(monkeypatch):
    """`use_in_fp32` (an fp32 stream over bf16 products) sends fp32 attention through the batched products, with
    gradients and without (a reference forward computes as its policy does), at sdpa's fp32 precision."""
    calls = []
    original = cpu_attention._CausalAttention.apply
    monkeypatch.setattr(cpu_attention._CausalAttention, "apply", lambda *a: calls.append(1) or original(*a))
    marked = types.SimpleNamespace(**vars(MODULE), q_proj=None)
    assert cpu_attention.use_in_fp32(types.SimpleNamespace(modules=lambda: [marked, MODULE])) == 1
    leaves, upstream, mask = _inputs(torch.float32, length=40)
    exact = _sdpa([t.detach().double().requires_grad_() for t in leaves], upstream.double(), mask)
    out, _ = cpu_attention.attention_forward(marked, *leaves, mask, scaling=8**-0.5)
    ours = (out, *torch.autograd.grad(out, leaves, upstream))
    assert len(calls) == 1 and out.dtype == torch.float32
    for name, mine, truth in zip(("output", "dq", "dk", "dv"), ours, exact, strict=True):
        torch.testing.assert_close(mine.double(), truth, rtol=1e-5, atol=1e-5, msg=name)
    with torch.no_grad():
        again, _ = cpu_attention.attention_forward(marked, *leaves, mask, scaling=8**-0.5)
    assert len(calls) == 2 and torch.equal(again, out.detach())
    cpu_attention.attention_forward(MODULE, *leaves, mask, scaling=8**-0.5)  # not marked: sdpa
    assert len(calls) == 2


def test_a_bf16_lora_run_uses_it_and_an_fp32_run_keeps_sdpa(varied_model, tmp_path, monkeypatch):
    from ftlib.training import build_trainer
    from tests.test_training import SFT_ROWS, tiny_config

    config = tiny_config(varied_model(6), batch_size=4, max_steps=1, lora_dropout=0.0)
    monkeypatch.setenv("FTLIB_CPU_BF16", "1")
    calls = []
    original = cpu_attention._CausalAttention.apply
    monkeypatch.setattr(cpu_attention._CausalAttention, "apply", lambda *a: calls.append(1) or original(*a))
    trainer = build_trainer(config, tmp_path / "bf16", rows=(SFT_ROWS, [])).trainer
    assert trainer.model.get_base_model().config._attn_implementation == cpu_attention.NAME
    trainer.train()
    assert calls  # the trained layers ran it (the bf16-vs-fp32 losses: test_fastpath)
    monkeypatch.setenv("FTLIB_FAST_PATH", "0")
    plain = build_trainer(config, tmp_path / "plain", rows=(SFT_ROWS, [])).trainer
    assert plain.model.get_base_model().config._attn_implementation == "sdpa"


def _packed_case(dtype, lengths: list[int], seed: int = 0):
    """The same rows twice: right-padded ([rows, heads, longest, 8] leaves, sdpa's mask, an upstream gradient that is
    zero at padding, as a loss over real tokens gives) and laid end to end ([1, heads, T, 8] leaves, cu_seq_lens)."""
    longest = max(lengths)
    leaves, upstream, _ = _inputs(dtype, length=longest, batch=len(lengths), seed=seed)
    real = torch.arange(longest)[None] < torch.tensor(lengths)[:, None]  # [rows, longest]
    mask = (torch.ones(longest, longest, dtype=torch.bool).tril()[None] & real[:, None, :])[:, None]
    upstream = upstream * real[:, :, None, None]
    packed = [t.detach().transpose(1, 2)[real].transpose(0, 1)[None].contiguous().requires_grad_() for t in leaves]
    bounds = torch.tensor([0, *torch.tensor(lengths).cumsum(0).tolist()], dtype=torch.int32)
    return (leaves, upstream, mask, real), (packed, upstream[real][None], bounds)


@pytest.mark.parametrize(
    "case",
    ["batched products (bf16, gradients)", "sdpa without gradients", "sdpa for rows past MAX_LENGTH"],
)
def test_rows_laid_end_to_end_attend_exactly_as_padded_rows(case):
    """A padding-free batch (TRL's padding-free collator, `bfd` packing) gives each row's tokens the output and
    gradients the same rows get padded: nothing leaks between rows, nothing is lost at their ends."""
    lengths = [cpu_attention.MAX_LENGTH + 7, 40, 1] if "past" in case else [13, 9, 5, 1]
    (leaves, upstream, mask, real), (packed, packed_upstream, bounds) = _packed_case(torch.bfloat16, lengths)
    grad = torch.is_grad_enabled() and "without" not in case
    with torch.set_grad_enabled(grad):
        padded_out, _ = cpu_attention.attention_forward(MODULE, *leaves, mask, scaling=8**-0.5)
        packed_out, _ = cpu_attention.attention_forward(
            MODULE, *packed, None, scaling=8**-0.5, cu_seq_lens_q=bounds, cu_seq_lens_k=bounds, max_length_q=13
        )
    assert packed_out.shape == (1, sum(lengths), 6, 8)
    assert torch.equal(packed_out[0], padded_out[real])
    if grad:
        padded_grads = torch.autograd.grad(padded_out, leaves, upstream)
        packed_grads = torch.autograd.grad(packed_out, packed, packed_upstream)
        for name, theirs, mine in zip(("dq", "dk", "dv"), padded_grads, packed_grads, strict=True):
            assert torch.equal(mine[0].transpose(0, 1), theirs.transpose(1, 2)[real]), name


def test_an_sft_run_on_cpu_trains_on_rows_without_padding(varied_model, tmp_path, monkeypatch):
    """With the CPU fast path an SFT run's micro-batches are padding-free (one sequence, positions restarting at
    each row) and their loss is the padded batch's; without the fast path, or on one row a micro-batch, rows are
    padded as before."""
    from bench.ab_steps import padded
    from ftlib.training import build_trainer
    from tests.test_training import SFT_ROWS, tiny_config

    monkeypatch.setenv("FTLIB_CPU_BF16", "1")
    config = tiny_config(varied_model(6), batch_size=4, max_steps=1, lora_dropout=0.0)
    trainer = build_trainer(config, tmp_path / "free", rows=(SFT_ROWS, [])).trainer
    batch = next(iter(trainer.get_train_dataloader()))
    assert batch["input_ids"].shape[0] == 1 and "attention_mask" not in batch
    starts = batch["cu_seq_lens_q"][:-1].long()
    assert len(starts) == 4 and (batch["position_ids"][0, starts] == 0).all()
    trainer.model.train()
    with torch.no_grad():
        free = trainer.compute_loss(trainer.model, dict(batch))
        padded_loss = trainer.compute_loss(trainer.model, padded(batch))
    torch.testing.assert_close(free, padded_loss, rtol=2e-3, atol=0)

    monkeypatch.setenv("FTLIB_FAST_PATH", "0")
    plain = build_trainer(config, tmp_path / "plain", rows=(SFT_ROWS, [])).trainer
    assert "attention_mask" in next(iter(plain.get_train_dataloader()))
    monkeypatch.delenv("FTLIB_FAST_PATH")
    monkeypatch.setenv("FTLIB_MICRO_TOKENS", "1")  # one row a micro-batch: nothing to lay end to end
    single = build_trainer(config, tmp_path / "single", rows=(SFT_ROWS, [])).trainer
    assert "attention_mask" in next(iter(single.get_train_dataloader()))


def _tiny(family: str, tmp_path, tokenizer_dir):
    """A 2-layer model of `family` (random weights) with the tiny model's tokenizer, saved as a model folder."""
    from transformers import AutoConfig, AutoModelForCausalLM

    from ftlib.models import load_tokenizer

    tokenizer = load_tokenizer(str(tokenizer_dir))
    sizes = {
        "llama": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4),
        "gpt2": dict(n_embd=64, n_layer=2, n_head=2),
        "opt": dict(hidden_size=64, ffn_dim=128, num_hidden_layers=2, num_attention_heads=4, word_embed_proj_dim=64),
    }[family]
    ids = dict(bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=None)
    config = AutoConfig.for_model(family, vocab_size=len(tokenizer), **sizes, **ids)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config)
    model.save_pretrained(tmp_path / family)
    tokenizer.save_pretrained(tmp_path / family)
    return tmp_path / family


@pytest.mark.parametrize("family, apart", [("llama", True), ("gpt2", True), ("opt", False)])
def test_rows_laid_end_to_end_stay_apart_only_in_models_that_keep_them_apart(
    family, apart, tiny_model_dir, tmp_path, monkeypatch
):
    """Padding-free batches and TRL's packing lay rows end to end. Llama-style models and GPT-2 keep each row to
    itself (positions restart, transformers builds a block mask); OPT (transformers 5) attends across them. Such a
    model gets padded micro-batches, and packing is refused on it before a step trains on its neighbours' text."""
    from ftlib import fastpath, packed_rows
    from ftlib.config import ConfigError
    from ftlib.models import load_model
    from ftlib.training import build_trainer
    from tests.test_training import SFT_ROWS, tiny_config

    folder = _tiny(family, tmp_path, tiny_model_dir)
    model = load_model(str(folder), device="cpu")
    mode = model.training
    assert packed_rows.keeps_packed_rows_apart(model) is apart
    assert model.training is mode
    assert fastpath.padding_free(model) is apart  # CPU, fast path on
    config = tiny_config(folder, batch_size=2, max_steps=1, lora_dropout=0.0, template="chatml")
    trainer = build_trainer(config, tmp_path / "run", rows=(SFT_ROWS, [])).trainer
    assert ("attention_mask" not in next(iter(trainer.get_train_dataloader()))) is apart
    packing = tiny_config(folder, batch_size=2, max_steps=1, template="chatml", packing=True, max_length=64)
    if apart:
        build_trainer(packing, tmp_path / "packed", rows=(SFT_ROWS, []))
    else:
        with pytest.raises(ConfigError, match="attends across them"):
            build_trainer(packing, tmp_path / "packed", rows=(SFT_ROWS, []))


def test_packed_rows_of_a_sliding_window_model_keep_the_window():
    """Mistral-style layers attend only the last `sliding_window` positions. The padded layout's mask is plain
    causal, so packed rows with a window go to sdpa with the windowed mask transformers built for them (the layout
    once dropped the window: packed and padded differed by 0.74 on rows longer than it)."""
    from transformers import MistralConfig, MistralForCausalLM

    from ftlib import headloss

    torch.manual_seed(0)
    config = MistralConfig(
        vocab_size=64,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        sliding_window=3,
        attn_implementation="sdpa",
    )
    model = MistralForCausalLM(config).eval()
    assert cpu_attention.use_for(model) and cpu_attention.use_in_fp32(model) == 2
    ids = torch.randint(10, 60, (2, 8))
    attention = torch.tensor([[1] * 8, [1] * 5 + [0] * 3])  # both rows longer than the window
    with torch.no_grad():
        padded = model.model(input_ids=ids, attention_mask=attention).last_hidden_state[attention.bool()]
        inputs, index = headloss.packed_batch({"input_ids": ids, "attention_mask": attention})
        packed = model.model(**inputs).last_hidden_state[0][index[attention.bool()]]
    torch.testing.assert_close(packed, padded, rtol=1e-5, atol=1e-5)
    windowless = MistralForCausalLM(MistralConfig(**{**config.to_dict(), "sliding_window": None})).eval()
    windowless.load_state_dict(model.state_dict())
    with torch.no_grad():  # without the window the rows' last tokens see more of their row: the test can tell
        wide = windowless.model(input_ids=ids, attention_mask=attention).last_hidden_state[attention.bool()]
    assert (wide - padded).abs().max() > 1e-2


@pytest.mark.parametrize("bf16, products", [("1", "bfloat16"), ("0", "float32")])
def test_mfu_is_measured_against_the_peak_of_the_dtype_the_products_run_in(
    varied_model, tmp_path, monkeypatch, bf16, products
):
    """A cold review: a LoRA DPO run's MFU read 159%. Its model is fp32 (the stream) while bf16_products multiplies
    its layers in bf16, and the peak was fp32's (4-7x lower on a bf16 CPU). The run's peak is now its products'."""
    from ftlib import throughput
    from ftlib.metrics import MetricsCallback
    from ftlib.training import attach_throughput, build_trainer
    from tests.test_training import PREF_ROWS, tiny_config

    monkeypatch.setenv("FTLIB_CPU_BF16", bf16)
    measured = []
    monkeypatch.setattr(throughput, "matmul_peak", lambda device, dtype, **kw: measured.append(dtype) or 1e9)
    config = tiny_config(varied_model(6), method="dpo", batch_size=2, max_steps=1)
    prepared = build_trainer(config, tmp_path, rows=(PREF_ROWS, []))
    assert next(prepared.trainer.model.parameters()).dtype == torch.float32  # the stream is fp32 either way
    attach_throughput(prepared, MetricsCallback(tmp_path / "run"))
    assert [str(d).removeprefix("torch.") for d in measured] == [products]
