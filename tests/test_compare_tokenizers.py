"""Runs side by side on other base models (`ftlib.run_compare`, `ftlib.token_settings`): a per-token held-out loss is
a mean over tokens, and another tokenizer cuts the same text into other tokens, so runs on tokenizers of other
vocabularies do not compare, though both say "chat template tokenizer". A run keeps its tokenizer's digest when it
is queued (status.json's `tokenizer`); one queued before falls back to its model's folder as it is now, else to its
model's name. Run folders are written directly (`make_run`); the tokenizers are folders of tokenizer files alone
(the default's, copied, and a word-level one); nothing trains."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from ftlib import run_compare, token_settings
from ftlib.cli import main
from ftlib.token_settings import tokenizer_digest
from tests.test_compare_notes import curve, run


@pytest.fixture(scope="module")
def smol(tmp_path_factory) -> Path:
    """The default model's tokenizer files (SmolLM2's vocabulary), with a config.json: a model folder's tokenizer."""
    from ftlib.models import load_tokenizer

    folder = tmp_path_factory.mktemp("smol-copy")
    load_tokenizer("default").save_pretrained(folder)
    (folder / "config.json").write_text('{"model_type": "llama"}')
    return folder


@pytest.fixture(scope="module")
def words(tmp_path_factory) -> Path:
    """A word-level tokenizer of nine words: another vocabulary, as a Qwen or Llama folder's beside SmolLM2's."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = ["<unk>", "<s>", "</s>", "the", "cat", "sat", "on", "mat", "."]
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(vocab)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", unk_token="<unk>")
    folder = tmp_path_factory.mktemp("word-level")
    tokenizer.save_pretrained(folder)
    (folder / "config.json").write_text('{"model_type": "llama"}')
    return folder


def on(run_id: str, model: Path | str, recorded: bool = True, **config):
    """A finished SFT run on `model`, keeping its tokenizer's digest as a queued run does (`recorded`), or not, as a
    run queued before runs kept it."""
    status = {"tokenizer": tokenizer_digest(Path(model))} if recorded else {}
    return run(run_id, {"model": str(model), **config}, curve(2.0), step=6, **status)


def test_runs_on_tokenizers_of_other_vocabularies_do_not_compare_and_the_note_names_both(smol, words):
    on("r-smol", smol)
    on("r-words", words)
    c = run_compare.compare(["r-smol", "r-words"])
    assert c.same_loss and c.same_rows and not c.same_tokens and not c.comparable
    (note,) = c.notes
    smol_said = f"tokenizer {smol.name} ({tokenizer_digest(smol)[:8]})"
    words_said = f"tokenizer {words.name} ({tokenizer_digest(words)[:8]})"
    assert f"(r-smol: {smol_said}; r-words: {words_said})" in note  # the template and max length, alike, unsaid
    assert "another tokenizer cuts the same text into other tokens" in note
    assert "per-token loss is a mean over other units" in note and "chat template writes" not in note


def test_runs_compare_json_says_other_tokenizers_are_not_the_same_tokens(smol, words, capsys):
    on("r-smol", smol)
    on("r-words", words)
    assert main(["runs", "compare", "r-smol", "r-words"]) == 0
    err = capsys.readouterr().err
    assert (
        "note: Held-out losses compare only over the same tokens of their rows, and these runs' tokens differ" in err
    )
    assert main(["runs", "compare", "r-smol", "r-words", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["same_tokens"], report["same_rows"], report["comparable"]) == (False, True, False)


def test_another_tokenizer_and_another_max_length_are_both_said(smol, words):
    on("r-smol", smol, max_length=256)
    on("r-words", words, max_length=512)
    (note,) = run_compare.compare(["r-smol", "r-words"]).notes
    assert f"r-smol: max length 256, tokenizer {smol.name} (" in note
    assert "another tokenizer cuts the same text" in note and "a shorter max length cuts" in note


def test_the_same_tokenizer_in_two_folders_compares(smol, tmp_path):
    copy = shutil.copytree(smol, tmp_path / "my-smol")
    config = json.loads((copy / "tokenizer_config.json").read_text())  # saved elsewhere, by another version
    (copy / "tokenizer_config.json").write_text(json.dumps({**config, "is_local": False, "model_max_length": 2048}))
    assert tokenizer_digest(copy) == tokenizer_digest(smol)
    on("r-a", smol)
    on("r-b", copy)
    c = run_compare.compare(["r-a", "r-b"])
    assert c.comparable and c.same_tokens and c.notes == []


def test_a_changed_special_token_is_another_tokenizer(smol, tmp_path):
    copy = shutil.copytree(smol, tmp_path / "other-eos")
    config = json.loads((copy / "tokenizer_config.json").read_text())
    (copy / "tokenizer_config.json").write_text(json.dumps({**config, "eos_token": "<|endoftext|>"}))
    assert tokenizer_digest(copy) != tokenizer_digest(smol)


def test_a_run_queued_before_runs_kept_the_digest_is_read_by_its_models_folder(smol, words):
    """An older run (no `tokenizer` in its status) on another vocabulary is still told apart, by its model folder's
    tokenizer now; beside a run on the same folder it compares, as before."""
    on("r-new", smol)
    on("r-old-words", words, recorded=False)
    c = run_compare.compare(["r-new", "r-old-words"])
    assert not c.same_tokens and f"r-old-words: tokenizer {words.name} ({tokenizer_digest(words)[:8]})" in c.note
    on("r-old-smol", smol, recorded=False)
    c = run_compare.compare(["r-new", "r-old-smol"])
    assert c.comparable and c.same_tokens and c.notes == []


def test_older_runs_whose_model_is_gone_fall_back_to_its_name(smol, tmp_path):
    """Where an older run's model folder is gone, its model's path stands for its tokenizer: two runs on one path
    compare (nothing new said), on two paths they do not; a run on the same path that kept the digest lends it."""
    gone_a, gone_b = tmp_path / "gone-a", tmp_path / "gone-b"
    for run_id, model in (("r-a1", gone_a), ("r-a2", gone_a), ("r-b", gone_b)):
        on(run_id, model, recorded=False)
    assert run_compare.compare(["r-a1", "r-a2"]).notes == []
    c = run_compare.compare(["r-a1", "r-b"])
    assert not c.same_tokens and f"(r-a1: tokenizer {gone_a}; r-b: tokenizer {gone_b})" in c.note
    run("r-kept", {"model": str(gone_a)}, curve(2.0), step=6, tokenizer=tokenizer_digest(smol))
    c = run_compare.compare(["r-kept", "r-a1"])
    assert c.comparable and c.notes == []


def test_a_queued_run_keeps_its_tokenizers_digest(words):
    from ftlib.run_create import create_run
    from ftlib.runs import find

    run_id = create_run({"model": str(words), "dataset": "chat_style", "max_steps": 1})
    assert find(run_id).read_status()["tokenizer"] == tokenizer_digest(words)
    assert token_settings.status_fields(SimpleNamespace(model=str(words.parent / "none"))) == {}  # not here
