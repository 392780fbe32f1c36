"""One transformers model build at a time in a process (ftlib.model_build_lock): transformers 5.25's `from_pretrained`
turns `PreTrainedModel.tie_weights` off for the whole process while it loads. The app loads models in several
threads (Streamlit sessions); the Train page's memory estimate, built meanwhile, said 163M parameters for the 135M
default, and two overlapping loads left tying off for good (helper 240's browser walk).

The loads here are a stand-in for transformers' loader that enters its `no_tie_weights()` and waits for the test's
word, so the overlap is made, not hoped for; no timing is asserted."""

from __future__ import annotations

import threading

import pytest
import torch
from transformers import AutoConfig, AutoModelForCausalLM, PreTrainedModel
from transformers.initialization import no_tie_weights

from ftlib import memory, models

WAIT_S = 60  # only a bound for a broken test: the events are set long before


def _unique_params(model) -> int:
    return sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())


@pytest.fixture
def held_loads(monkeypatch):
    """Replace the loader `models.load_model` calls with one that holds transformers' `no_tie_weights()` until the
    test sets the thread's release event. Yields {thread name: (entered, release)}; tying is put back however the
    test ends, so a failure here cannot leave other tests with untied models."""
    original = PreTrainedModel.tie_weights
    events: dict[str, tuple[threading.Event, threading.Event]] = {}

    def held(path, **kwargs):
        entered, release = events[threading.current_thread().name]
        with no_tie_weights():
            entered.set()
            release.wait(WAIT_S)
        return torch.nn.Linear(1, 1)

    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", held)
    yield events
    for _entered, release in events.values():
        release.set()
    PreTrainedModel.tie_weights = original


def _load_in_thread(events, name: str, tiny_model_dir) -> threading.Thread:
    events[name] = (threading.Event(), threading.Event())
    thread = threading.Thread(name=name, target=models.load_model, args=(str(tiny_model_dir), "cpu"), daemon=True)
    thread.start()
    return thread


def test_memory_estimate_waits_for_a_load_and_counts_tied_weights_once(held_loads, tiny_model_dir):
    config = AutoConfig.from_pretrained(str(tiny_model_dir))
    assert config.tie_word_embeddings
    with torch.device("meta"):
        tied = _unique_params(AutoModelForCausalLM.from_config(config))
    memory.model_shape.cache_clear()
    assert memory.model_shape(str(tiny_model_dir)).params == tied  # alone: warm, and the reference
    memory.model_shape.cache_clear()

    loading = _load_in_thread(held_loads, "load-A", tiny_model_dir)
    assert held_loads["load-A"][0].wait(WAIT_S)
    shapes = []
    estimate = threading.Thread(target=lambda: shapes.append(memory.model_shape(str(tiny_model_dir))), daemon=True)
    estimate.start()
    estimate.join(timeout=2)
    assert estimate.is_alive(), f"the estimate was built while a load had tying off: {shapes}"
    held_loads["load-A"][1].set()
    loading.join(WAIT_S)
    estimate.join(WAIT_S)
    assert not loading.is_alive() and not estimate.is_alive()
    # Untied, the lm_head (vocab x hidden) counted a second time.
    assert [s.params for s in shapes] == [tied]
    memory.model_shape.cache_clear()


def test_two_overlapping_loads_leave_weight_tying_on(held_loads, tiny_model_dir):
    real = PreTrainedModel.tie_weights
    first = _load_in_thread(held_loads, "load-A", tiny_model_dir)
    assert held_loads["load-A"][0].wait(WAIT_S)
    second = _load_in_thread(held_loads, "load-B", tiny_model_dir)
    # Unlocked, B entered here and kept A's no-op as the "original" it puts back when it ends, after A.
    entered_meanwhile = held_loads["load-B"][0].wait(2)
    held_loads["load-A"][1].set()
    first.join(WAIT_S)
    assert held_loads["load-B"][0].wait(WAIT_S)
    held_loads["load-B"][1].set()
    second.join(WAIT_S)
    assert not first.is_alive() and not second.is_alive()
    assert PreTrainedModel.tie_weights is real
    assert not entered_meanwhile
