"""One copy of a base for every model set the pages ask for (`ftlib.shared_base`): Compare and Evaluate each loaded a
fresh base per set of runs, so three sets of a 7B model were three copies of it on the GPU. The sets share the base's
weights, each adapter is loaded into it once by a name of its own, a base row stays the base whatever else is loaded,
and each row's answer is what a set loaded alone (`modelset.load_model_set`) gives."""

from __future__ import annotations

import gc

import pytest
import torch

from ftlib import models, sampling
from ftlib.modelset import generate_with_set, load_model_set
from ftlib.shared_base import SharedBases
from ftlib.testing import make_random_adapter, make_run


@pytest.fixture(scope="module")
def two_adapters(varied_model, tmp_path_factory):
    """Two random adapters of one model, made once a module: each test's runs copy them in (`make_run`), so no test
    sees another's loads or files (7 tests made the same two, ~0.5 s of CPU each)."""
    model = str(varied_model(4))
    folder = tmp_path_factory.mktemp("shared-base-adapters")
    return model, [make_random_adapter(model, folder / str(seed), seed=seed, b_std=0.5) for seed in (1, 2)]


@pytest.fixture
def two_runs(two_adapters):
    model, adapters = two_adapters
    runs = []
    for adapter, run_id in zip(adapters, ("run-one", "run-two"), strict=True):
        runs.append(make_run(run_id, {"model": model, "dataset": "d", "template": "chatml"}, adapter=adapter).path)
    return model, runs


def _loads(monkeypatch) -> list:
    calls = []
    load = models.load_model
    monkeypatch.setattr(models, "load_model", lambda *a, **k: calls.append(a[0]) or load(*a, **k))
    return calls


def _answers(model_set, names, tokens=6):
    _, ids = sampling.render_prompt(model_set.tokenizer, "Name a tree.")
    rows = sampling.grid_rows(ids, [sampling.GREEDY], names)
    return [r.ids for r in generate_with_set(model_set, rows, max_new_tokens=tokens)]


def _logits(model, ids):
    with torch.no_grad():
        return model(torch.tensor([ids])).logits


def test_sets_of_one_model_share_one_base_and_answer_as_sets_loaded_alone(two_runs, monkeypatch):
    model, (one, two) = two_runs
    calls = _loads(monkeypatch)
    bases = SharedBases()
    alone = bases.model_set(model, [])  # the server's warm-up: the base, unwrapped
    _, ids = sampling.render_prompt(alone.tokenizer, "Name a tree.")
    plain = _logits(alone.model, ids)
    first = bases.model_set(model, [one])
    both = bases.model_set(model, [one, two])
    assert len(calls) == 1  # one base loaded for the three sets
    embeddings = {s.model.get_input_embeddings().weight.data_ptr() for s in (alone, first, both)}
    assert len(embeddings) == 1  # one tensor, not three copies
    assert both.names == ["base", "run-one", "run-two"] and first.names == ["base", "run-one"]

    # The set made before any adapter was loaded holds the unwrapped base: still the base, not the adapter loaded.
    assert torch.equal(_logits(alone.model, ids), plain)
    fresh = load_model_set(model, [one, two])
    assert _answers(both, both.names) == _answers(fresh, fresh.names)
    assert _answers(first, first.names) == _answers(fresh, ["base", "run-one"])
    assert _answers(alone, ["base"]) == _answers(fresh, ["base"])
    assert _answers(fresh, ["run-one"]) != _answers(fresh, ["base"])  # sentinel: the adapters change the answers
    # Each adapter was loaded once, into the one base, whichever sets asked for it.
    assert sorted(both.model.peft_config) == sorted(set(first.selected.values()) | set(both.selected.values()))
    assert len(both.model.peft_config) == 2 and first.lock is both.lock is alone.lock


def test_a_base_no_set_uses_is_let_go_and_loaded_again_when_asked(two_runs, monkeypatch):
    model, (one, _) = two_runs
    calls = _loads(monkeypatch)
    bases = SharedBases()
    held = bases.model_set(model, [one])
    assert len(calls) == 1
    del held
    gc.collect()
    again = bases.model_set(model, [one])
    assert len(calls) == 2 and again.names == ["base", "run-one"]


def test_a_full_fine_tune_is_shared_by_path(varied_model, tmp_path, monkeypatch):
    model = str(varied_model(4))
    run = make_run("run-full", {"model": model, "dataset": "d", "method": "full"}, model=varied_model(5)).path
    calls = _loads(monkeypatch)
    bases = SharedBases()
    a, b = bases.model_set(model, [run]), bases.model_set(model, [run])
    assert len(calls) == 2 and a.full_models["run-full"] is b.full_models["run-full"]  # the base, then the tune
    fresh = load_model_set(model, [run])
    assert _answers(a, a.names) == _answers(fresh, fresh.names)


def test_an_adapter_that_fails_to_load_leaves_the_base_and_the_other_sets_as_they_were(
    two_runs, tmp_path, monkeypatch
):
    """A load that fails after PEFT put the adapter's layers in (a disk error mid-read): refused naming the run, and
    no set's rows change; the next adapter loads under a name of its own."""
    from peft import PeftModel

    from ftlib.errors import UserError

    model, (one, two) = two_runs
    bases = SharedBases()
    first = bases.model_set(model, [one])
    before = _answers(first, first.names)
    load = PeftModel.load_adapter

    def half_way(self, *args, **kwargs):
        load(self, *args, **kwargs)
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(PeftModel, "load_adapter", half_way)
    with pytest.raises(UserError, match="Could not load the adapter 'run-two' from .*the disk went away"):
        bases.model_set(model, [one, two])
    monkeypatch.setattr(PeftModel, "load_adapter", load)
    assert _answers(first, first.names) == before  # the base row still the base, run-one still run-one
    later = bases.model_set(model, [one, two])
    fresh = load_model_set(model, [one, two])
    assert _answers(later, later.names) == _answers(fresh, fresh.names)


def _saving_adapter(model: str, folder, **config):
    """A LoRA adapter of `model` that saves more than LoRA matrices (`config`: modules_to_save, embedding targets)."""
    from peft import LoraConfig, get_peft_model

    peft = get_peft_model(models.load_model(model, device="cpu"), LoraConfig(r=4, init_lora_weights=False, **config))
    with torch.no_grad():
        for name, param in peft.named_parameters():
            if "modules_to_save" in name:
                param.mul_(-3.0)
    peft.save_pretrained(folder, save_embedding_layers=True)
    return folder


@pytest.mark.parametrize(
    "config",
    [{"target_modules": ["q_proj"], "modules_to_save": ["lm_head"]}, {"target_modules": ["embed_tokens", "q_proj"]}],
    ids=["modules_to_save", "embedding"],
)
def test_an_adapter_that_saves_whole_weights_changes_no_other_sets_rows(two_runs, tmp_path, config):
    """Reviews: an adapter with `modules_to_save` (its own LM head) stayed active in a base set made before it, and
    broke every other adapter's rows on the shared base (PEFT looks its saved module up by adapter: KeyError); a LoRA
    on embeddings saves the embedding's own weights, which overwrote the base every set reads. Such an adapter gets a
    base of its own."""
    model, (one, _) = two_runs
    saving = _saving_adapter(model, tmp_path / "saved", **config)
    run = make_run("run-whole", {"model": model, "dataset": "d", "template": "chatml"}, adapter=saving).path
    bases = SharedBases()
    alone, first = bases.model_set(model, []), bases.model_set(model, [one])
    _, ids = sampling.render_prompt(alone.tokenizer, "Name a tree.")
    before, logits = _answers(first, first.names), _logits(alone.model, ids)
    whole = bases.model_set(model, [run, one])
    assert "run-whole" in whole.apart and "run-one" not in whole.apart  # its own base; run-one on the shared one
    assert torch.equal(_logits(alone.model, ids), logits) and _answers(first, first.names) == before
    fresh = load_model_set(model, [run])
    assert _answers(whole, ["base", "run-whole"]) == _answers(fresh, fresh.names)
    assert _answers(whole, ["run-one"]) == before[1:]


def test_an_adapter_no_set_selects_is_unloaded_and_loads_again_when_asked(two_runs):
    """A review: every run opened on Compare or Evaluate stayed loaded in the base while any set of it lived (the
    warm-up's does, for good): ~160 MB each for a 7B model's adapter."""
    model, (one, two) = two_runs
    bases = SharedBases()
    alone = bases.model_set(model, [])
    first = bases.model_set(model, [one])
    second = bases.model_set(model, [two])
    peft = second.model
    assert len(peft.peft_config) == 2
    del first
    gc.collect()
    third = bases.model_set(model, [two])  # the next set built unloads run-one's adapter: no set selects it
    assert list(peft.peft_config) == [second.selected["run-two"]] == [third.selected["run-two"]]
    again = bases.model_set(model, [one, two])
    fresh = load_model_set(model, [one, two])
    assert _answers(again, again.names) == _answers(fresh, fresh.names)
    assert _answers(alone, ["base"]) == _answers(fresh, ["base"])  # an unload activates no adapter either


def test_a_set_on_a_gpu_holding_its_base_counts_only_what_it_adds(varied_model, monkeypatch):
    """A review: Compare's placement counted a whole base for every set, so a GPU that held the shared base but not a
    second copy sent every set of runs to the CPU, where a second copy of the base loaded."""
    from ftlib import memory, sharing

    model = str(varied_model(4))
    weights = memory.model_shape(model).params * 4  # fp32: small models load so on a GPU too
    assert sharing.inference_bytes(model, (), "cpu", base_loaded=True) == int(weights * 0.25)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    free = sharing.GPU_MARGIN + int(weights * 0.5)  # what the GPU keeps aside, and half a base
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=0: (free, 80 * 2**30))
    monkeypatch.setattr(sharing, "training_claims", lambda gpu: [])
    monkeypatch.setattr(
        sharing, "inference_bytes", lambda m, t, base_loaded=False: int(weights * (0.25 + (not base_loaded)))
    )
    assert sharing.inference_device(model).device == "cpu"  # a whole base does not fit in the free half
    assert sharing.inference_device(model, loaded=lambda device: device == "cuda:0").device == "cuda:0"
    bases = SharedBases()
    held = bases.model_set(model, [], device="cpu")
    assert bases.has_base(model, "cpu") and not bases.has_base(model, "cuda:0") and held.names == ["base"]


def test_the_last_adapter_left_unused_is_unloaded_once_another_is_loaded(two_runs, tmp_path):
    """A review: an adapter no set used, but the only one in its base when a set was built, was dropped from the
    list to unload and stayed loaded as long as the base lived."""
    model, (one, two) = two_runs
    bases = SharedBases()
    alone = bases.model_set(model, [])
    held = bases.model_set(model, [one])
    peft = held.model
    del held
    gc.collect()
    bases.model_set(model, [])  # run-one is the base's only adapter: it stays for now
    second = bases.model_set(model, [two])
    bases.model_set(model, [two])  # the next set built unloads run-one, no longer the last
    assert list(peft.peft_config) == [second.selected["run-two"]] and alone.names == ["base"]
