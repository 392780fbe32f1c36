"""A run's model as one GGUF file (ftlib/gguf_export.py, export.export_gguf): read back by transformers' own GGUF
reader (the one that reads llama.cpp's files, query/key layout included), it is the model the studio trained, with the
default model's tokenizer and the run's chat template; runs it cannot write are refused with what to run instead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from ftlib import downloads, export
from ftlib.cli import main
from ftlib.gguf_export import GGUFError, write_gguf
from ftlib.models import _default_gguf_path
from ftlib.testing import make_run, make_tiny_model

TEXT = "<|im_start|>user\nWhen is high tide at the old pier? ça va, 14:10<|im_end|>\n<|im_start|>assistant\n"


@pytest.fixture(scope="module", autouse=True)
def _each_gguf_file_parsed_once():
    """`gguf.GGUFReader` parses a whole file in Python, the default model's 49,152 tokens and 48,900 merges in every
    one (about 2.5 s of CPU each): every export reads the default model's GGUF for its tokenizer, and transformers
    reads an exported file once for its weights and again for its tokenizer. Here a file as it stands (its path, size
    and modification time) is parsed once a module and that parse handed to every reader: the same bytes, the same
    fields (13 parses a module without it; with it, each of the 3 files read is parsed once). A file written again is
    a new key: parsed afresh."""
    import os

    import gguf

    real = gguf.GGUFReader
    parsed = {}

    def reader(path, mode="r"):
        stat = os.stat(path)
        key = (os.path.realpath(path), mode, stat.st_size, stat.st_mtime_ns)
        if key not in parsed:
            parsed[key] = real(path, mode)
        return parsed[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gguf, "GGUFReader", reader)
        yield


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory) -> Path:
    """A tiny random Llama on the default model's tokenizer (its 49,152 tokens), as a full fine-tune leaves it, with
    the default model's RoPE base (100000, not transformers' default 10000: llama.cpp, checking the first exports,
    was told 10000, and answered otherwise from the third token on)."""
    folder = make_tiny_model(tmp_path_factory.mktemp("gguf") / "tiny", hidden_size=64, seed=3)
    config = json.loads((folder / "config.json").read_text())
    config["rope_parameters"] = {"rope_theta": 100000.0, "rope_type": "default"}  # as transformers 5 writes it
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def _read_back(gguf_file: Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name, dtype=torch.float32)
    return model.eval(), AutoTokenizer.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name)


def _logits(model, ids) -> torch.Tensor:
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0]


def test_a_full_fine_tunes_gguf_is_its_model_with_the_default_tokenizer_the_runs_template_and_its_name(
    tiny_llama, tmp_path
):
    """GGUF strings are UTF-8: `general.name` (what llama.cpp and Ollama show) is the run's name as written; only the
    file's name is made safe. It was the file's name, `Modele` for `Modèle 海盗 🏴‍☠️`. (One export for both: the
    name's own test exported and parsed a second file, ~5 s of CPU.)"""
    import gguf
    from transformers import AutoModelForCausalLM, AutoTokenizer

    run = make_run("r-full", {"dataset": "d", "method": "full", "name": "Modèle 海盗 🏴‍☠️"}, model=tiny_llama)
    folder = export.export_gguf(run, "f32")
    (gguf_file,) = folder.glob("*.gguf")
    assert gguf_file.name == "Modele_海盗.gguf"  # letters of any script kept, the emoji not
    field = gguf.GGUFReader(gguf_file).fields["general.name"]
    assert bytes(field.parts[field.data[0]]).decode("utf-8") == "Modèle 海盗 🏴‍☠️"
    model, tokenizer = _read_back(gguf_file)
    studio_tokenizer = AutoTokenizer.from_pretrained(run.model_dir)
    ids = studio_tokenizer(TEXT, add_special_tokens=False).input_ids
    assert tokenizer(TEXT, add_special_tokens=False).input_ids == ids  # llama.cpp's tokenizer, copied whole
    assert tokenizer.chat_template == studio_tokenizer.chat_template
    trained = AutoModelForCausalLM.from_pretrained(run.model_dir, dtype=torch.float32).eval()
    assert torch.equal(_logits(model, ids), _logits(trained, ids))  # f32: the same weights, the same layout
    modelfile = (folder / "Modelfile").read_text()
    assert "FROM ./Modele_海盗.gguf\n" in modelfile and 'PARAMETER stop "<|im_end|>"' in modelfile
    # SmolLM2's own template, trained with: its default system prompt, which Ollama's ChatML would leave out
    assert '\nSYSTEM "You are a helpful AI assistant named SmolLM, trained by Hugging Face"\n' in modelfile

    stamp = gguf_file.stat().st_mtime_ns
    assert export.export_gguf(run, "f32") == folder and gguf_file.stat().st_mtime_ns == stamp  # kept, not rewritten
    assert folder in export.exported_copies(run)  # counted and removed with the other copies


def test_smaller_types_answer_as_the_model_within_rounding(tiny_llama, tmp_path):
    from transformers import AutoModelForCausalLM

    stored = sum(f.stat().st_size for f in tiny_llama.glob("*.safetensors"))  # float32
    q8 = write_gguf(tiny_llama, tmp_path / "tiny-q8_0.gguf", "q8_0", _default_gguf_path())
    model, _ = _read_back(q8)
    trained = AutoModelForCausalLM.from_pretrained(tiny_llama, dtype=torch.float32).eval()
    ids = list(range(100, 140))
    gap = (_logits(model, ids) - _logits(trained, ids)).abs().max().item()
    assert 0 < gap < 0.05, gap  # rounded, not another model
    f16 = write_gguf(tiny_llama, tmp_path / "tiny-f16.gguf", "f16", _default_gguf_path())
    tokenizer_bytes = 2_000_000  # the default model's 49,152 tokens and 48,900 merges, in every file
    assert q8.stat().st_size - tokenizer_bytes < f16.stat().st_size - tokenizer_bytes < stored * 0.55


def test_what_it_cannot_write_is_refused_with_what_to_run_instead(tiny_llama, tmp_path):
    reward = make_run("r-rm", {"dataset": "d", "method": "reward"}, model=tiny_llama)
    with pytest.raises(export.ExportError, match="reward model"):
        export.export_gguf(reward)
    own = make_run("r-own", {"dataset": "d", "method": "full", "model": str(tiny_llama)}, model=tiny_llama)
    with pytest.raises(export.ExportError, match=r"runs export r-own --merged.*convert_hf_to_gguf\.py"):
        export.export_gguf(own)
    assert [d.kind for d in downloads.downloads(own)] == ["model"]  # not offered there, and the page says why
    assert "runs export r-own --merged" in export.gguf_refusal(own)
    # The default model given as its folder is the default model (a newcomer's walk: GGUF went unoffered, unsaid).
    from ftlib.models import default_model_dir

    default_dir = default_model_dir()
    as_path = make_run("r-path", {"dataset": "d", "method": "full", "model": str(default_dir)}, model=tiny_llama)
    assert export.gguf_refusal(as_path) is None and "gguf" in [d.kind for d in downloads.downloads(as_path)]
    scaled = tmp_path / "scaled"
    scaled.mkdir()
    config = json.loads((tiny_llama / "config.json").read_text())
    config["rope_parameters"] = {"rope_theta": 100000.0, "rope_type": "linear", "factor": 2.0}
    (scaled / "config.json").write_text(json.dumps(config))
    with pytest.raises(GGUFError, match="RoPE scaling"):
        write_gguf(scaled, tmp_path / "r.gguf", "f16", _default_gguf_path())
    other = tmp_path / "qwen"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({"model_type": "qwen2"}))
    with pytest.raises(GGUFError, match="convert_hf_to_gguf.py"):
        write_gguf(other, tmp_path / "q.gguf", "f16", _default_gguf_path())
    small = make_tiny_model(tmp_path / "small", tokenizer_spec=str(tiny_llama), hidden_size=32)
    config = json.loads((small / "config.json").read_text())
    (small / "config.json").write_text(json.dumps(config | {"vocab_size": 1000}))
    with pytest.raises(GGUFError, match="not the default model's vocabulary"):
        write_gguf(small, tmp_path / "s.gguf", "f16", _default_gguf_path())


def test_the_cli_and_the_train_page_offer_it(tiny_llama, capsys):
    run = make_run("r-cli", {"dataset": "d", "method": "full"}, model=tiny_llama)
    assert [d.kind for d in downloads.downloads(run)] == ["model", "gguf"]
    assert main(["runs", "export", "r-cli", "--gguf", "f16"]) == 0
    said = capsys.readouterr()
    folder = Path(said.out.strip().splitlines()[0])
    assert folder == export.gguf_dir(run, "f16") and len(list(folder.glob("*.gguf"))) == 1
    assert f"note: run it with `ollama create NAME -f {folder / 'Modelfile'}`" in said.err  # how, on stderr
    assert main(["runs", "export", "r-cli", "--gguf", "q4"]) == 2  # argparse's choices: a one-line error


def test_a_model_folder_without_its_tokenizer_gets_the_runs_template_from_its_config(tiny_llama, capsys):
    """A full fine-tune's model/ whose tokenizer files are gone (deleted, or a folder put there by hand): the GGUF's
    tokens are the default model's either way, and its chat template and stops are the run's, as its config.json
    says them (training saved the base's tokenizer with that template). It crashed on `None.chat_template`. Without
    a config.json to say the template either, it is refused by name, before anything is written."""
    import gguf

    from ftlib.errors import UserError
    from ftlib.gguf_export import gguf_template
    from ftlib.models import load_tokenizer
    from ftlib.templates import get_template

    run = make_run("r-bare", {"dataset": "d", "method": "full", "template": "chatml"}, model=tiny_llama)
    for name in ("tokenizer_config.json", "tokenizer.json", "chat_template.jinja", "special_tokens_map.json"):
        (run.model_dir / name).unlink(missing_ok=True)
    folder = export.export_gguf(run, "f16")
    (gguf_file,) = folder.glob("*.gguf")
    field = gguf.GGUFReader(gguf_file).fields["tokenizer.chat_template"]
    written = bytes(field.parts[field.data[0]]).decode("utf-8")
    assert written == gguf_template(get_template("chatml", load_tokenizer("default")).source)
    assert 'PARAMETER stop "<|im_end|>"' in (folder / "Modelfile").read_text()

    unread = make_run("r-unread", {"dataset": "d", "method": "full"}, model=tiny_llama)
    (unread.model_dir / "tokenizer_config.json").unlink()
    unread.config_file.write_text("{not json")
    with pytest.raises(UserError, match=r"no tokenizer \(no tokenizer_config\.json\), and its run's config\.json"):
        export.export_gguf(unread)
    assert main(["runs", "export", "r-unread", "--gguf", "f16"]) == 2  # one `error:` line
    said = capsys.readouterr().err.strip()
    assert said.startswith("error: ") and "\n" not in said and not list(unread.path.glob("gguf-*"))
