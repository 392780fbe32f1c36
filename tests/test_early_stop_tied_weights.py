"""Early stopping's reload (and a resume) of a full fine-tune whose LM head is its embeddings (SmolLM2, the tiny
test model): no misleading "missing keys ['lm_head.weight']" in the run's log, the kept model is the best
checkpoint, and a key that is really missing is still warned about."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ftlib import workspace
from ftlib.testing import make_run
from ftlib.training_model import spare_tied_keys
from ftlib.worker import execute
from tests.test_overfitting import CHAT, HELD_OUT


@pytest.fixture
def trainer_warnings(monkeypatch) -> list[str]:
    """What HF Trainer's logger warns, whatever the verbosity the tests run at (TRANSFORMERS_VERBOSITY=error)."""
    from transformers import trainer

    logged: list[str] = []
    monkeypatch.setattr(trainer.logger, "warning", lambda msg, *args, **kw: logged.append(str(msg) % args))
    return logged


def test_a_full_fine_tune_stopped_early_reloads_its_best_checkpoint_without_a_missing_keys_warning(
    tiny_model_dir, trainer_warnings
):
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    workspace.save_split("bananas", CHAT, HELD_OUT, {})
    settings = {"model": str(tiny_model_dir), "dataset": "bananas", "method": "full", "max_steps": 30}
    settings |= {"batch_size": 4, "eval_every": 2, "early_stopping_patience": 2, "learning_rate": 1e-2}
    run = make_run("early-full", settings | {"max_length": 48, "device": "cpu"}, state="running")
    assert execute(run.path) == "finished", run.read_status()
    kept = run.summary().kept_step
    last = max(m["step"] for m in run.read_metrics() if m["kind"] == "eval")
    assert kept is not None and kept < last < 30  # stopped early, an earlier checkpoint reloaded: the case at hand
    assert not [w for w in trainer_warnings if "missing keys" in w], trainer_warnings

    # The reloaded model, saved as the run's result, is the kept checkpoint, tensor for tensor.
    best = load_file(str(run.checkpoints / f"checkpoint-{kept}" / "model.safetensors"))
    saved = load_file(str(run.model_dir / "model.safetensors"))
    assert saved.keys() == best.keys() and "lm_head.weight" not in saved  # the tied copy is left out, as before
    assert all((saved[k] == best[k]).all() for k in saved)
    model = AutoModelForCausalLM.from_pretrained(str(run.model_dir))
    assert model.lm_head.weight is model.model.embed_tokens.weight  # still tied, to the kept embeddings
    assert (model.lm_head.weight == best["model.embed_tokens.weight"]).all()


def test_only_the_tied_key_is_spared_a_really_missing_key_is_still_warned(tiny_model_dir, trainer_warnings):
    """The tied LM head is listed where HF Trainer reads it (`_keys_to_ignore_on_save`): a reload missing exactly it
    re-ties the weights; one missing any other key still warns, naming every key."""
    from torch.nn.modules.module import _IncompatibleKeys
    from transformers import AutoModelForCausalLM, Trainer

    model = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir))
    untied = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir), tie_word_embeddings=False)
    assert spare_tied_keys(untied) == set()
    assert spare_tied_keys(model) == {"lm_head.weight"}
    trainer = SimpleNamespace(model=model)
    Trainer._issue_warnings_after_load(trainer, _IncompatibleKeys(["lm_head.weight"], []))
    assert trainer_warnings == []
    Trainer._issue_warnings_after_load(trainer, _IncompatibleKeys(["lm_head.weight", "model.norm.weight"], []))
    assert trainer_warnings == [
        "There were missing keys in the checkpoint model loaded: ['lm_head.weight', 'model.norm.weight']."
    ]


def test_a_resumed_full_fine_tune_loads_its_checkpoint_without_a_missing_keys_warning(
    tiny_model_dir, tmp_path, trainer_warnings
):
    """Resuming reloads the checkpoint as early stopping does (strict=False): no warning for the tied LM head, and the
    run continues as the uninterrupted one (tests.test_resume_order)."""
    from tests.test_resume_order import assert_resume_continues
    from tests.test_training import tiny_config

    config = tiny_config(tiny_model_dir, method="full", max_steps=6, save_every=0)
    trainer = assert_resume_continues(config, tmp_path, stop_at=2)
    assert not [w for w in trainer_warnings if "missing keys" in w], trainer_warnings
    assert trainer.model.lm_head.weight is trainer.model.model.embed_tokens.weight  # tied again after the load
