"""A merged export is saved in the dtype its base is stored in (merged in float32 on a CPU, then cast), unless the run
chose a weights dtype of its own; the card, the download's caption and `runs export`'s note say the dtype. A full
fine-tune's model (saved as it trained, float32 on a CPU) says its dtype beside its base's.

The reviewer's llama3-bf16: its model.safetensors 12.7 MB, `"dtype": "bfloat16"`; the merged export 25.5 MB,
`"dtype": "float32"`, said nowhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from ftlib import downloads, export
from ftlib.testing import make_random_adapter, make_run

PROMPT = "Tell me about the sea."


@pytest.fixture(scope="module")
def bf16_base(varied_model, tmp_path_factory) -> Path:
    """The varied tiny model (spread weights: greedy tokens differ from step to step) saved in bfloat16."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source, target = varied_model(5), tmp_path_factory.mktemp("bf16-base")
    AutoModelForCausalLM.from_pretrained(str(source), dtype=torch.bfloat16).save_pretrained(str(target))
    AutoTokenizer.from_pretrained(str(source)).save_pretrained(str(target))
    assert json.loads((target / "config.json").read_text())["dtype"] == "bfloat16"
    return target


@pytest.fixture(scope="module")
def bf16_adapter(bf16_base, tmp_path_factory) -> Path:
    from transformers import AutoTokenizer

    adapter = make_random_adapter(str(bf16_base), tmp_path_factory.mktemp("made") / "adapter", b_std=0.3)
    AutoTokenizer.from_pretrained(str(bf16_base)).save_pretrained(str(adapter))  # as a run saves it
    return adapter


def _tensor_dtypes(folder: Path) -> set[str]:
    from safetensors import safe_open

    with safe_open(str(folder / "model.safetensors"), "pt") as weights:
        return {weights.get_slice(key).get_dtype() for key in weights.keys()}  # noqa: SIM118 (not a dict)


def _greedy_and_logits(model, ids: list[int], steps: int = 8):
    with torch.no_grad():
        out = model.generate(torch.tensor([ids]), max_new_tokens=steps, do_sample=False, eos_token_id=None)
        logits = model(torch.tensor([ids])).logits[0, -1].float()
    return out[0, len(ids) :].tolist(), logits


# (id, the run's weights dtype, the dtype the merged model is saved in, safetensors' name of it, `runs export`'s note).
DTYPES = [
    ("auto-takes-the-bases", "auto", "bfloat16", "BF16", "its weights are bfloat16, as its base's."),
    ("chosen-by-the-user", "float32", "float32", "F32", "its weights are float32, the dtype it trained in; its base"),
]


@pytest.mark.parametrize("chosen, saved, stored, note", [c[1:] for c in DTYPES], ids=[c[0] for c in DTYPES])
def test_a_merged_export_is_saved_in_its_bases_dtype_unless_the_run_chose_one(
    bf16_base, bf16_adapter, tmp_path, chosen, saved, stored, note
):
    run = make_run("r-merge", {"dataset": "d", "model": str(bf16_base), "dtype": chosen}, adapter=bf16_adapter,
                   root=tmp_path / "runs")  # fmt: skip
    merged = export.export_merged(run)
    assert json.loads((merged / "config.json").read_text())["dtype"] == saved
    assert _tensor_dtypes(merged) == {stored}
    size = (merged / "model.safetensors").stat().st_size / (bf16_base / "model.safetensors").stat().st_size
    assert size == pytest.approx(2 if saved == "float32" else 1, rel=0.05)  # the base's size, not twice it
    assert f"- **Weights:** {saved}" in (merged / "README.md").read_text()
    (merged_download,) = [d for d in downloads.downloads(run) if d.kind == "merged"]
    assert f"Saved in {saved}, " in merged_download.caption
    (said,) = downloads.loading_notes(run, merged)
    assert said.startswith(note)


def test_the_bf16_merged_export_answers_as_the_base_with_its_adapter(bf16_base, bf16_adapter, tmp_path):
    """Greedy tokens equal to the unmerged base + adapter's; its logits off by bf16 rounding only, far less than the
    adapter moves them (the sentinel: a merge that dropped the adapter would be off by that much)."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    run = make_run("r-bf16", {"dataset": "d", "model": str(bf16_base)}, adapter=bf16_adapter, root=tmp_path / "runs")
    merged = export.export_merged(run)
    assert _tensor_dtypes(merged) == {"BF16"}  # rounded to bf16 after the merge, as its base is stored
    ids = AutoTokenizer.from_pretrained(str(merged))(PROMPT).input_ids
    load = dict(dtype=torch.float32)  # each as saved, computed alike: only the weights differ
    base = AutoModelForCausalLM.from_pretrained(str(bf16_base), **load).eval()
    base_tokens, base_logits = _greedy_and_logits(base, ids)
    tuned = PeftModel.from_pretrained(base, str(bf16_adapter)).eval()
    tuned_tokens, tuned_logits = _greedy_and_logits(tuned, ids)
    merged_tokens, merged_logits = _greedy_and_logits(AutoModelForCausalLM.from_pretrained(str(merged), **load), ids)
    assert merged_tokens == tuned_tokens
    moved = (tuned_logits - base_logits).abs().max()
    assert (merged_logits - tuned_logits).abs().max() < moved / 10, "off by more than bf16 rounding"


def test_a_full_fine_tunes_export_says_its_dtype_beside_its_bases(bf16_base, tmp_path):
    """A full fine-tune's model/ is saved as it trained (float32 on a CPU: the weights it trained, kept for resume);
    its export says so, and how to load it in the base's dtype, instead of being twice the base's size silently."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    trained = tmp_path / "trained"
    AutoModelForCausalLM.from_pretrained(str(bf16_base), dtype=torch.float32).save_pretrained(str(trained))
    AutoTokenizer.from_pretrained(str(bf16_base)).save_pretrained(str(trained))
    run = make_run("r-full", {"dataset": "d", "model": str(bf16_base), "method": "full"}, model=trained,
                   root=tmp_path / "runs")  # fmt: skip
    folder = export.export_model(run)
    said = "its weights are float32, the dtype it trained in; its base's are bfloat16"
    (note,) = downloads.loading_notes(run, folder)
    assert note.startswith(said) and "`from_pretrained(folder, dtype=torch.bfloat16)`" in note
    (model_download,) = downloads.downloads(run)
    assert said.capitalize() in model_download.caption
    assert "- **Weights:** float32 (its base: bfloat16)" in (folder / "README.md").read_text()
